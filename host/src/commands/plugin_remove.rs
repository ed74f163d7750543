//! `flyte-host plugin remove NAME`: uninstall an installed plugin (its files and lock entry).

use clap::{Arg, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{cli::Cli, error::Error, install, loader::Choice, output};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("remove")
        .about("Uninstall an installed plugin")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("The plugin's name"),
        )
}

/// Removes the plugin; prints what was removed.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .ok_or_else(|| Error::Message("plugin remove: a NAME is required".into()))?;
    let dir = install::plugin_dir_from_env().map_err(Error::from)?;
    let entry = install::remove(name, &dir).map_err(Error::from)?;
    // A stack naming the removed plugin would stop every command that calls hooks: it leaves
    // the stack.
    if let Some(Choice::Stack(names)) = Choice::read(&dir).ok().flatten() {
        if names.contains(&entry.name) {
            let rest: Vec<String> = names.into_iter().filter(|n| *n != entry.name).collect();
            let io = |e| Error::from(install::InstallError::io(&dir, e));
            if rest.is_empty() {
                Choice::clear(&dir).map_err(io)?;
                install::seal::seal(&dir);
                crate::say!(
                    "note: '{}' was the active plugin (chosen with `plugin use`); choose another with `flyte-host plugin use NAME` (`flyte-host plugin list` shows them).",
                    entry.name
                );
            } else {
                super::plugin_use::record(&dir, &Choice::Stack(rest.clone()))?;
                crate::say!(
                    "note: '{}' left the plugin stack, now {} → builtin.",
                    entry.name,
                    rest.join(" → ")
                );
            }
        }
    }
    if json_output() {
        output::document(&json!({"removed": {"name": entry.name, "version": entry.version}}))?;
    } else {
        output::pairs(&[(
            "removed",
            format!("{} {} from {}", entry.name, entry.version, dir.display()),
        )])?;
    }
    Ok(0)
}
