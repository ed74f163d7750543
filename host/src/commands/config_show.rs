//! `flyte-host config show`: the remote the active plugin's `get_remote` resolves.

use clap::{ArgMatches, Command};
use flyte_plugin_abi::{PlatformConfig, Remote};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    output::{self, or_dash},
    plugin::Hooked,
};

const REDACTED: &str = "<redacted>";

fn list_or_null(items: &[String]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        json!(items)
    }
}

/// flytekit's `PlatformConfig` field names, the secret redacted.
pub(super) fn platform_json(p: &PlatformConfig) -> Value {
    json!({
        "endpoint": p.endpoint,
        "insecure": p.insecure,
        "insecure_skip_verify": p.insecure_skip_verify,
        "ca_cert_file_path": p.ca_cert_file_path,
        "console_endpoint": p.console_endpoint,
        "command": list_or_null(&p.command),
        "proxy_command": list_or_null(&p.proxy_command),
        "client_id": p.client_id,
        "client_credentials_secret": p.client_credentials_secret.as_ref().map(|_| REDACTED),
        "scopes": p.scopes,
        "auth_mode": p.auth_mode.as_str(),
        "audience": p.audience,
        "rpc_retries": p.rpc_retries,
        "http_proxy_url": p.http_proxy_url,
    })
}

/// Header values that look like credentials are redacted.
fn header_value<'a>(name: &str, value: &'a str) -> &'a str {
    let lower = name.to_ascii_lowercase();
    let secret = ["auth", "token", "secret", "key", "cookie", "password"]
        .iter()
        .any(|w| lower.contains(w));
    if secret {
        REDACTED
    } else {
        value
    }
}

fn remote_json(hooked: &Hooked<Remote>) -> Value {
    let (remote, source) = (&hooked.value, hooked.source);
    let headers: serde_json::Map<String, Value> = remote
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(header_value(k, v))))
        .collect();
    json!({
        "source": {
            "config_file": remote.config.config_file,
            "origin": remote.config.origin.as_str(),
            "plugin": crate::context::active().name(),
            "get_remote": source.as_str(),
            "through": hooked.through,
        },
        "platform": platform_json(&remote.config.platform),
        "project": remote.project,
        "domain": remote.domain,
        "data_upload_location": remote.data_upload_location,
        "headers": headers,
        "authenticator": remote.authenticator.as_ref().map(|_| "plugin"),
    })
}

fn remote_rows(hooked: &Hooked<Remote>) -> Vec<(&'static str, String)> {
    let (remote, source) = (&hooked.value, hooked.source);
    let p = &remote.config.platform;
    let join = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(" ")
        }
    };
    let mut rows = vec![
        ("config file", or_dash(remote.config.config_file.as_deref())),
        ("origin", remote.config.origin.as_str().to_owned()),
        (
            "get_remote",
            // In a stack, the layers the answer went through: `acme → myorg (plugin)`.
            format!(
                "{} ({})",
                if crate::context::active().layers().len() > 1 {
                    hooked.through.join(" → ")
                } else {
                    crate::context::active().name().to_owned()
                },
                source.as_str()
            ),
        ),
        ("endpoint", p.endpoint.clone()),
        ("insecure", p.insecure.to_string()),
        ("insecure_skip_verify", p.insecure_skip_verify.to_string()),
        ("ca_cert_file_path", or_dash(p.ca_cert_file_path.as_deref())),
        ("console_endpoint", or_dash(p.console_endpoint.as_deref())),
        ("auth_mode", p.auth_mode.as_str().to_owned()),
        ("client_id", or_dash(p.client_id.as_deref())),
        (
            "client_credentials_secret",
            or_dash(p.client_credentials_secret.as_ref().map(|_| REDACTED)),
        ),
        ("scopes", join(&p.scopes)),
        ("audience", or_dash(p.audience.as_deref())),
        ("command", join(&p.command)),
        ("proxy_command", join(&p.proxy_command)),
        ("rpc_retries", p.rpc_retries.to_string()),
        ("http_proxy_url", or_dash(p.http_proxy_url.as_deref())),
        ("project", remote.project.clone()),
        ("domain", remote.domain.clone()),
        (
            "data_upload_location",
            or_dash(remote.data_upload_location.as_deref()),
        ),
    ];
    if remote.authenticator.is_some() {
        rows.push(("authenticator", format!("plugin {}", hooked.by())));
    }
    for (k, v) in &remote.headers {
        rows.push(("header", format!("{k}: {}", header_value(k, v))));
    }
    rows
}

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("show").about(
        "Show the remote the active plugin's get_remote resolves (the secret is never printed)",
    )
}

/// Prints the resolved remote.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let hooked = crate::context::resolved_remote().map_err(Error::Message)?;
    if json_output() {
        output::document(&remote_json(&hooked))?;
    } else {
        output::pairs(&remote_rows(&hooked))?;
    }
    Ok(0)
}
