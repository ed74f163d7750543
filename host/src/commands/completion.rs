//! `flyte-host completion SHELL`: a completion script for the CLI as the plugin extended it.

use std::io::Write;

use clap::{value_parser, Arg, ArgMatches, Command};
use clap_complete::Shell;

use crate::{cli::Cli, error::Error};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("completion")
        .about("Print a shell completion script (includes plugin commands)")
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required(true)
                .value_parser(value_parser!(Shell)),
        )
}

/// Prints the completion script.
pub(super) fn exec(cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let command = &mut cli.command;
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
