//! `flyte-host login [--timeout SECONDS]`: logs in to the admin of the remote `get_remote`
//! resolves with its configured `authType`, and keeps the tokens in the per-endpoint token cache.
//! PKCE opens the browser (the URL is printed too) and waits at most `--timeout`; the token itself
//! is never printed.

use std::time::Duration;

use clap::{Arg, ArgMatches, Command};
use flyte_plugin_abi::AuthMode;

use crate::{
    auth::{self, pkce, AuthError, TokenCache},
    cli::Cli,
    context,
    error::Error,
    remote,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("login")
        .about("Log in to the Flyte endpoint with its configured authType (PKCE opens the browser)")
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECONDS")
                .value_parser(clap::builder::RangedU64ValueParser::<u64>::new().range(1..))
                .help("How long to wait for the browser login to finish (default: 120)"),
        )
}

/// Logs in.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let timeout = matches
        .get_one::<u64>("timeout")
        .map_or(pkce::DEFAULT_TIMEOUT, |s| Duration::from_secs(*s));
    let hooked = crate::context::resolved_remote().map_err(Error::Message)?;
    let platform = &hooked.value.config.platform;
    let endpoint = platform.endpoint.as_str();
    let base_url = remote::base_url(endpoint, platform.insecure);
    let tokens = match platform.auth_mode {
        AuthMode::ExternalCommand => {
            return Err(Error::Message(format!(
                "{endpoint} is configured with authType ExternalCommand: admin.command makes a \
                 token for every run, there is nothing to log in to"
            )))
        }
        _ => {
            let agent = auth::agent(platform)?;
            let meta = auth::discover(&base_url, platform, &agent)?;
            auth::login(&meta, platform, &agent, timeout, &context::login_page)?
        }
    };
    let cache = TokenCache::for_endpoint(endpoint);
    cache
        .store(&tokens)
        .map_err(|e: AuthError| Error::from(e))?;
    println!("Logged in to {endpoint}");
    if cache.path().is_none() {
        crate::say!(
            "warning: neither HOME nor USERPROFILE is set, so the token was not saved: later commands will ask you to log in again"
        );
    }
    Ok(0)
}
