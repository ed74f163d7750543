//! `flyte-host healthcheck`: whether the admin of the remote `get_remote` resolves answers
//! (`GET /healthcheck`, no auth), its version (`GET /api/v1/version`, through the login flow), the
//! configured auth type, and until when the cached token is valid. Every check is shown; the
//! command fails, after the report, when admin cannot be reached or refuses.

use clap::{ArgMatches, Command};
use flyte_plugin_abi::{AuthMode, Remote};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    auth::{token::now, TokenCache},
    cli::Cli,
    error::Error,
    output,
    remote::field,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("healthcheck")
        .about("Check the Flyte admin: reachable, its version, auth type, token validity")
}

/// The state of the token the next call sends: a short key and the words for a person. The token
/// itself is never shown.
fn token_state(remote: &Remote) -> (&'static str, Option<u64>, String) {
    let platform = &remote.config.platform;
    if remote.authenticator.is_some() {
        return ("plugin", None, "made by the plugin's authenticator".into());
    }
    if platform.auth_mode == AuthMode::ExternalCommand {
        return (
            "command",
            None,
            "made by admin.command for every run".into(),
        );
    }
    let Some(tokens) = TokenCache::for_endpoint(&platform.endpoint).load() else {
        return (
            "none",
            None,
            "none cached (`flyte-host login` gets one if admin requires it)".into(),
        );
    };
    let Some(at) = tokens.expires_at else {
        return ("valid", None, "cached, with no expiry given".into());
    };
    let when = jiff::Timestamp::from_second(i64::try_from(at).unwrap_or(i64::MAX))
        .map_or_else(|_| at.to_string(), |t| t.to_string());
    let now = now();
    if at > now {
        let minutes = (at - now) / 60;
        (
            "valid",
            Some(at),
            format!("valid until {when} (in {minutes} min)"),
        )
    } else if tokens.refresh_token.is_some() {
        (
            "expired",
            Some(at),
            format!("expired at {when}; the refresh token renews it at the next call"),
        )
    } else {
        (
            "expired",
            Some(at),
            format!("expired at {when}: run `flyte-host login`"),
        )
    }
}

/// Runs the checks; prints the report; fails when admin cannot be reached or refuses.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let remote = crate::context::resolved_remote()
        .map_err(Error::Message)?
        .value;
    let client = crate::context::connect()?;
    let health = client.health();
    // The version needs a token when admin's authentication is on: it checks the login too.
    let version = match &health {
        Ok(_) => Some(client.admin_version()),
        Err(_) => None,
    };
    let (token_key, expires_at, token_text) = token_state(&remote);
    let platform = &remote.config.platform;
    let failure = match (&health, &version) {
        (Err(e), _) | (_, Some(Err(e))) => Some(e.to_string()),
        _ => None,
    };
    let part = |v: &Value, name: &str| {
        field(v, name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    if json_output() {
        output::document(&json!({
            "endpoint": client.endpoint(),
            "insecure": platform.insecure,
            "reachable": health.is_ok(),
            "healthcheck_ms": health.as_ref().ok().map(|d| d.as_millis()),
            "control_plane_version": version.as_ref().and_then(|v| v.as_ref().ok()),
            "auth_mode": platform.auth_mode.as_str(),
            "token": {"state": token_key, "expires_at": expires_at},
            "ok": failure.is_none(),
            "error": failure,
        }))?;
    } else {
        let scheme = crate::remote::transport_word(platform);
        let mut rows = vec![("endpoint", format!("{} ({scheme})", client.endpoint()))];
        rows.push((
            "reachable",
            match &health {
                Ok(took) => format!("yes ({} ms, GET /healthcheck)", took.as_millis()),
                Err(_) => "NO (see the error below)".to_owned(),
            },
        ));
        rows.push((
            "admin version",
            match &version {
                Some(Ok(v)) => format!("{} (build {})", part(v, "Version"), part(v, "Build")),
                Some(Err(_)) => "FAILED (see the error below)".to_owned(),
                None => "-".to_owned(),
            },
        ));
        rows.push(("auth type", platform.auth_mode.as_str().to_owned()));
        rows.push(("token", token_text));
        output::pairs(&rows)?;
    }
    match failure {
        Some(e) => Err(Error::Message(e)),
        None => Ok(0),
    }
}
