//! `flyte-host plugin remove NAME`: uninstall an installed plugin (its files and lock entry).

use clap::ArgMatches;
use serde_json::json;

use super::json_output;
use crate::{error::Error, install, loader::LoadError, output};

/// Removes the plugin; prints what was removed.
pub(super) fn run(matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .ok_or_else(|| Error::Message("plugin remove: a NAME is required".into()))?;
    let dir = install::plugin_dir_from_env().map_err(LoadError::from)?;
    let entry = install::remove(name, &dir).map_err(LoadError::from)?;
    if json_output() {
        output::json(&json!({"removed": {"name": entry.name, "version": entry.version}}))?;
    } else {
        output::pairs(&[(
            "removed",
            format!("{} {} from {}", entry.name, entry.version, dir.display()),
        )])?;
    }
    Ok(0)
}
