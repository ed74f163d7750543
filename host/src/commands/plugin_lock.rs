//! `flyte-host plugin lock [--platform TRIPLE…] [-o flyte-plugins.lock]`: writes the lock an
//! organization commits for the plugins a project uses — the active stack, in order — with each
//! one's version, index, and the sha256 and signing key of every requested platform (see
//! [`crate::install::project_lock`]).

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};

use crate::{
    atomic_file,
    cli::Cli,
    error::Error,
    install::{
        self,
        project_lock::{self, ProjectLock},
        TARGET,
    },
    loader::{self, Selection},
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("lock")
        .about("Write a lock file of the active plugin stack (versions, index, per-platform sha256 and signing key) to commit")
        .arg(
            Arg::new("platform")
                .long("platform")
                .value_name("TRIPLE")
                .action(ArgAction::Append)
                .help("A target triple to lock (repeat for several; default: this machine's)"),
        )
        .arg(
            // Shadows the global -o/--output (a format): the lock is a file.
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FILE")
                .default_value("flyte-plugins.lock")
                .value_parser(value_parser!(PathBuf))
                .help("The lock file to write"),
        )
}

/// Writes the lock.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let mut targets: Vec<String> = matches
        .get_many::<String>("platform")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if targets.is_empty() {
        targets.push(TARGET.to_owned());
    }
    targets.dedup();
    let out = matches
        .get_one::<PathBuf>("output")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("flyte-plugins.lock"));
    let dir = install::plugin_dir_from_env()?;
    let selection = loader::select(
        std::env::var_os("FLYTEKIT_PLUGIN"),
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        std::env::var_os("HOME").map(Into::into),
    )?;
    let layers = match selection {
        Selection::Builtin(why) => {
            return Err(Error::Message(format!(
                "no plugin is active ({why}), so there is nothing to lock: choose the stack first (flyte-host plugin use NAME [NAME…])"
            )))
        }
        Selection::Layers(layers) => layers,
    };
    let fetched = install::index::config::fetch_all(&dir)?;
    let mut plugins = Vec::with_capacity(layers.len());
    for layer in &layers {
        let Some(entry) = &layer.locked else {
            return Err(Error::Message(format!(
                "layer '{}' ({}) is not an installed plugin, so nothing says where its builds are: install it (flyte-host plugin install …) to lock it",
                layer.spec,
                layer.path.display()
            )));
        };
        plugins.push(project_lock::lock_plugin(&fetched, entry, &targets)?);
    }
    let lock = ProjectLock {
        lock_version: 1,
        plugins,
    };
    let text = lock.to_text()?;
    atomic_file::write(&out, text.as_bytes(), false)
        .map_err(|e| Error::Message(format!("cannot write `{}`: {e}", out.display())))?;
    for plugin in &lock.plugins {
        let signed = plugin.platforms.iter().all(|p| !p.key_id.is_empty());
        crate::say!(
            "locked {} {}{} for {}{}",
            plugin.name,
            plugin.version,
            if plugin.index.is_empty() {
                String::new()
            } else {
                format!(" (index '{}')", plugin.index)
            },
            targets.join(", "),
            if signed { ", signed" } else { ", unsigned" }
        );
    }
    crate::say!("wrote {}", out.display());
    Ok(0)
}
