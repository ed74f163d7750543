//! What the task commands (`task show`, `package`, `register`) read from their command line.

use std::path::PathBuf;

use clap::ArgMatches;

use crate::{
    error::Error,
    tasks::{self, ResolvedTask},
};

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
