//! What the task commands (`task show`, `package`, `register`, `run`) share on their command
//! line: the task file arguments and `--version`, and reading the tasks they name.

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgMatches};

use crate::{
    error::Error,
    tasks::{self, ResolvedTask},
};

/// The task spec files.
pub(super) fn files() -> Arg {
    Arg::new("files")
        .value_name("FILE")
        .required(true)
        .num_args(1..)
        .value_parser(value_parser!(PathBuf))
        .help("Task spec files (TOML)")
}

/// `--version` of `package` and `register`, whose default is computed from the specs (`run`
/// words its help its own way).
pub(super) fn version() -> Arg {
    Arg::new("version")
        .long("version")
        .value_name("VERSION")
        .help("Task version (default: a hash of the packaged specs)")
}

/// The task files named on the command line, loaded and resolved with the active plugin's defaults.
pub(super) fn resolved_tasks(matches: &ArgMatches) -> Result<Vec<ResolvedTask>, Error> {
    let files: Vec<PathBuf> = matches
        .get_many::<PathBuf>("files")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    Ok(tasks::load_and_resolve(&files, crate::context::active())?)
}

/// The resolved tasks and their version: `--version V` (checked before any file is read), or the
/// hash of the packaged specs.
pub(super) fn versioned_tasks(matches: &ArgMatches) -> Result<(Vec<ResolvedTask>, String), Error> {
    let version = matches.get_one::<String>("version");
    if let Some(version) = version {
        tasks::check_version(version)?;
    }
    let resolved = resolved_tasks(matches)?;
    let version = version
        .cloned()
        .unwrap_or_else(|| tasks::default_version(&resolved));
    Ok((resolved, version))
}
