//! `flyte-host completion SHELL`: a completion script for the CLI as the plugin extended it.

use clap::ArgMatches;
use clap_complete::Shell;

use crate::error::Error;

/// Prints the completion script.
pub(super) fn run(command: &mut clap::Command, matches: &ArgMatches) -> Result<i32, Error> {
    let shell = *matches
        .get_one::<Shell>("shell")
        .ok_or_else(|| Error::Message("completion: a shell is required".into()))?;
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, command, "flyte-host", &mut out);
    Ok(0)
}
