//! `flyte-host plugin install SOURCE`: install a plugin from a manifest (path or URL) or a library
//! path into the plugin directory, verified and checked (see [`crate::install`]).

use clap::ArgMatches;
use serde_json::json;

use super::json_output;
use crate::{
    error::Error,
    install::{self, Outcome},
    loader::{self, LoadError},
    output,
};

/// Installs the plugin; prints what happened.
pub(super) fn run(matches: &ArgMatches) -> Result<i32, Error> {
    let source = matches
        .get_one::<String>("source")
        .ok_or_else(|| Error::Message("plugin install: a SOURCE is required".into()))?;
    let dir = install::plugin_dir_from_env().map_err(LoadError::from)?;
    let installed = install::install(source, &dir).map_err(LoadError::from)?;
    let entry = &installed.entry;
    let path = entry.library(&dir);
    if json_output() {
        let outcome = match &installed.outcome {
            Outcome::Installed => json!({"status": "installed"}),
            Outcome::Replaced(old) => json!({"status": "replaced", "previous_version": old}),
            Outcome::Unchanged => json!({"status": "unchanged"}),
        };
        output::json(&json!({
            "name": entry.name,
            "version": entry.version,
            "abi_version": entry.abi,
            "sha256": entry.sha256,
            "source": entry.source,
            "path": path.display().to_string(),
            "outcome": outcome,
        }))?;
    } else {
        let what = match &installed.outcome {
            Outcome::Installed => "installed".to_owned(),
            Outcome::Replaced(old) => format!("installed (replacing {old})"),
            Outcome::Unchanged => "already installed (nothing to do)".to_owned(),
        };
        output::pairs(&[
            ("plugin", format!("{} {} {what}", entry.name, entry.version)),
            ("abi", entry.abi.clone()),
            ("sha256", entry.sha256.clone()),
            ("path", path.display().to_string()),
        ])?;
    }
    let home = std::env::var_os("HOME").map(Into::into);
    if let Err(LoadError::MultipleDropIns { .. }) =
        loader::select(None, Some(dir.clone().into_os_string()), home)
    {
        crate::say!(
            "note: more than one plugin is now in {}: pick one with FLYTEKIT_PLUGIN={} (or remove the others).",
            dir.display(),
            entry.name
        );
    }
    Ok(0)
}
