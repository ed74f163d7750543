//! `flyte-host completion SHELL`: a completion script for the CLI as the plugin extended it.

use std::io::Write;

use clap::ArgMatches;
use clap_complete::Shell;

use crate::error::Error;

/// Prints the completion script.
pub(super) fn run(command: &mut clap::Command, matches: &ArgMatches) -> Result<i32, Error> {
    let shell = *matches
        .get_one::<Shell>("shell")
        .ok_or_else(|| Error::Message("completion: a shell is required".into()))?;
    // clap_complete panics when a write fails; render first, then write like every command does.
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "flyte-host", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(0)
}
