//! `flyte-host logout`: removes the cached tokens of the remote `get_remote` resolves.

use std::io::Write as _;

use clap::{ArgMatches, Command};

use crate::{auth::TokenCache, cli::Cli, error::Error};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("logout").about("Forget the cached login tokens of the Flyte endpoint")
}

/// Removes the token cache of the resolved remote's endpoint.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let remote = crate::context::resolved_remote().map_err(Error::Message)?;
    let endpoint = remote.value.config.platform.endpoint.clone();
    let cache = TokenCache::for_endpoint(&endpoint);
    let removed = cache.remove()?;
    let mut out = std::io::stdout().lock();
    if let (true, Some(path)) = (removed, cache.path()) {
        writeln!(out, "Logged out of {endpoint} (removed {})", path.display())?;
    } else {
        writeln!(out, "Not logged in to {endpoint}: no cached token")?;
    }
    Ok(0)
}
