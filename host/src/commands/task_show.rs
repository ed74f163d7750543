//! `flyte-host task show` (being implemented).

use clap::ArgMatches;

use crate::error::Error;

/// Runs the command.
pub(super) fn run(_matches: &ArgMatches) -> Result<i32, Error> {
    Err(Error::Message("this command is not implemented yet".into()))
}
