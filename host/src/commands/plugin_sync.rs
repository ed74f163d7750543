//! `flyte-host plugin sync FILE`: installs exactly the plugins of a lock `plugin lock` wrote, on
//! any platform it lists, and makes them the active stack in its order. Everything is checked
//! before the first install: a platform the lock lacks, a signing key this machine does not
//! trust. Each plugin then goes through `plugin install` (sha256 against the lock, the signature
//! policy, the check in a child process, the atomic switch).

use std::{io::Write, path::PathBuf};

use clap::{value_parser, Arg, ArgMatches, Command};
use serde_json::{json, Value};

use super::{json_output, plugin_use};
use crate::{
    atomic_file::{self, PrivateTempDir},
    cli::Cli,
    error::Error,
    install::{
        self,
        project_lock::{self, ProjectLock},
        Outcome,
    },
    loader::Choice,
    output, trust,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("sync")
        .about("Install exactly the plugins of a lock file (plugin lock) and make them the active stack")
        .arg(
            Arg::new("lock")
                .value_name("FILE")
                .required(true)
                .value_parser(value_parser!(PathBuf))
                .help("The lock file, e.g. flyte-plugins.lock"),
        )
}

/// Installs; prints each plugin's outcome and the stack.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let path = matches
        .get_one::<PathBuf>("lock")
        .cloned()
        .ok_or_else(|| Error::Message("plugin sync: a lock FILE is required".into()))?;
    let text = crate::input::read_text(&path, crate::input::MANIFEST_MAX).map_err(|e| {
        Error::Message(format!("cannot read plugin lock `{}`: {e}", path.display()))
    })?;
    let lock = ProjectLock::parse(&text, &path)?;
    if lock.plugins.is_empty() {
        return Err(Error::Message(format!(
            "plugin lock `{}` lists no plugin",
            path.display()
        )));
    }
    // Everything that can be known before installing is checked first.
    let keys = trust::KeyDirs::from_env()?.read()?;
    let mut manifests = Vec::with_capacity(lock.plugins.len());
    for plugin in &lock.plugins {
        let manifest = project_lock::this_platform(plugin, &path)?;
        let key_id = plugin
            .platforms
            .iter()
            .find(|p| p.target == install::TARGET)
            .map(|p| p.key_id.as_str())
            .unwrap_or_default();
        if !key_id.is_empty() && !keys.iter().any(|k| k.key_id == key_id) {
            return Err(Error::Message(format!(
                "plugin lock `{}` says '{}' {} is signed by key {key_id}, which this machine does not trust (trusted: {}): trust your organization's key first (flyte-host plugin trust add PUBKEY_OR_FILE)",
                path.display(),
                plugin.name,
                plugin.version,
                trust::key_ids(&keys)
            )));
        }
        manifests.push((plugin, manifest, key_id.to_owned()));
    }
    let dir = install::plugin_dir_from_env()?;
    let scratch = PrivateTempDir::new("flyte-host-sync-")
        .map_err(|e| Error::Message(format!("cannot create a temporary directory: {e}")))?;
    let mut done: Vec<Value> = Vec::new();
    for (plugin, manifest, key_id) in manifests {
        let file = scratch.path().join(format!("{}.toml", plugin.name));
        let text = toml::to_string(&manifest).map_err(|e| {
            Error::Message(format!("cannot write a manifest for {}: {e}", plugin.name))
        })?;
        atomic_file::write(&file, text.as_bytes(), false)
            .map_err(|e| Error::Message(format!("cannot write `{}`: {e}", file.display())))?;
        let source = file.to_string_lossy().into_owned();
        let installed = install::install(&source, &dir).map_err(|e| {
            Error::Message(format!(
                "plugin lock `{}`: '{}' {}: {e}",
                path.display(),
                plugin.name,
                plugin.version
            ))
        })?;
        if !key_id.is_empty() && installed.entry.key_id != key_id {
            return Err(Error::Message(format!(
                "'{}' was installed verified with key {}, but the lock names key {key_id}",
                plugin.name, installed.entry.key_id
            )));
        }
        project_lock::record_source(&dir, &plugin.name, &plugin.manifest)?;
        let status = match installed.outcome {
            Outcome::Installed => "installed",
            Outcome::Replaced(_) => "replaced",
            Outcome::Unchanged => "unchanged",
        };
        if !json_output() {
            writeln!(
                std::io::stdout(),
                "{} {} {status}",
                plugin.name,
                plugin.version
            )?;
        }
        done.push(json!({"name": plugin.name, "version": plugin.version, "status": status}));
    }
    let names: Vec<String> = lock.plugins.iter().map(|p| p.name.clone()).collect();
    plugin_use::record(&dir, &Choice::Stack(names.clone()))?;
    if json_output() {
        output::document(&json!({"plugins": done, "stack": names}))?;
    } else {
        writeln!(
            std::io::stdout(),
            "plugin stack: {} → builtin",
            names.join(" → ")
        )?;
    }
    Ok(0)
}
