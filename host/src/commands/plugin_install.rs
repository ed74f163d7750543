//! `flyte-host plugin install SOURCE`: install a plugin from a manifest (path or URL) or a library
//! path into the plugin directory, verified and checked (see [`crate::install`]). The first plugin
//! installed becomes the active one (`plugin use`); installing another keeps the active one and
//! says how to switch.

use std::{ffi::OsString, path::Path};

use clap::{value_parser, Arg, ArgMatches, Command};
use serde_json::json;

use super::{json_output, plugin_use};
use crate::{
    cli::Cli,
    error::Error,
    install::{self, lock::Lock, Outcome},
    loader::{self, Choice},
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("install")
        .about("Install a plugin from a manifest (path or URL) or a library, verified and checked")
        .after_help(
            "Downloads follow redirects only to https (or loopback http) URLs, are capped at 512 MiB\n\
             (FLYTE_PLUGIN_MAX_SIZE, e.g. 800M) and at the plugin file system's free space, and are abandoned\n\
             after 30 s without data (FLYTE_PLUGIN_IDLE_TIMEOUT, seconds).",
        )
        .arg(
            Arg::new("source")
                .value_name("SOURCE")
                .required(true)
                .value_parser(value_parser!(OsString))
                .help("A plugin manifest or library: a path, an https:// or file: URL, or an http:// URL on this machine's loopback interface"),
        )
}

/// Installs the plugin; prints what happened.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let source = matches
        .get_one::<OsString>("source")
        .ok_or_else(|| Error::Message("plugin install: a SOURCE is required".into()))?;
    let alias;
    let source = match source.to_str() {
        Some(text) => text,
        None => {
            alias = TextAlias::of(Path::new(source))?;
            alias.text()
        }
    };
    let dir = install::plugin_dir_from_env().map_err(Error::from)?;
    let choice = Choice::read(&dir).ok().flatten();
    let before: Vec<String> = Lock::read(&dir)
        .map(|lock| lock.plugins.into_iter().map(|e| e.name).collect())
        .unwrap_or_default();
    let installed = install::install(source, &dir).map_err(Error::from)?;
    let entry = &installed.entry;
    let path = entry.library(&dir);
    let note = keep_or_choose(&dir, choice, &before, &entry.name)?;
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
    if let Some(note) = note {
        crate::say!("note: {note}");
    }
    Ok(0)
}

/// A symbolic link with a UTF-8 path, in a private directory removed on drop, to a library whose
/// path is not UTF-8: install sources are text (URLs or paths), and install resolves the link to
/// the file itself before reading it.
struct TextAlias {
    /// The directory holding the link, removed with it when the alias is dropped.
    _dir: crate::atomic_file::PrivateTempDir,
    /// The link's path.
    text: String,
}

impl TextAlias {
    #[cfg(unix)]
    fn of(library: &Path) -> Result<TextAlias, Error> {
        let failed = |e: std::io::Error| {
            Error::Message(format!(
                "cannot install `{}`: its path is not UTF-8 and linking to it from a temporary directory failed ({e}). Rename the file or a directory above it.",
                library.display()
            ))
        };
        let target = std::fs::canonicalize(library).map_err(failed)?;
        // A new private directory (0700, a name no one can take first), removed on drop.
        let dir = crate::atomic_file::PrivateTempDir::new("flyte-host-install-").map_err(failed)?;
        let link = dir
            .path()
            .join(format!("plugin.{}", loader::LIBRARY_EXTENSION));
        std::os::unix::fs::symlink(&target, &link).map_err(failed)?;
        let text = link.to_str().map(str::to_owned).ok_or_else(|| {
            failed(std::io::Error::other(
                "the temporary directory's path is not UTF-8",
            ))
        })?;
        Ok(TextAlias { _dir: dir, text })
    }

    #[cfg(not(unix))]
    fn of(library: &Path) -> Result<TextAlias, Error> {
        Err(Error::Message(format!(
            "cannot install `{}`: its path is not valid Unicode. Rename the file or a directory above it.",
            library.display()
        )))
    }

    fn text(&self) -> &str {
        &self.text
    }
}

/// Makes `new` (just installed into `dir`) the active plugin when it is the first one installed;
/// otherwise keeps the active one, recording it as the choice when it was active only as the one
/// plugin installed. `choice` and `before` are the choice and the installed names before the
/// install. Returns what to tell the user.
fn keep_or_choose(
    dir: &Path,
    choice: Option<Choice>,
    before: &[String],
    new: &str,
) -> Result<Option<String>, Error> {
    let switch = format!("switch with `flyte-host plugin use {new}`");
    if let Some(choice) = choice {
        return Ok((choice.name() != new).then(|| {
            format!(
                "'{}' stays the active plugin (the recorded choice): {switch}.",
                choice.name()
            )
        }));
    }
    let drop_ins = loader::drop_in_libraries(dir).unwrap_or_default();
    let others: Vec<&String> = before.iter().filter(|n| *n != new).collect();
    // The one loose library was the active plugin: it stays so, now by name.
    if let ([loose], []) = (drop_ins.as_slice(), others.as_slice()) {
        if let Some(file) = loose.file_name().and_then(|n| n.to_str()) {
            plugin_use::record(dir, &Choice::Plugin(file.to_owned()))?;
            return Ok(Some(format!(
                "the loose library {} stays the active plugin: {switch}.",
                loose.display()
            )));
        }
    }
    if !drop_ins.is_empty() {
        let names: Vec<String> = drop_ins.iter().map(|p| p.display().to_string()).collect();
        return Ok(Some(format!(
            "{} also holds loose plugin libraries ({}), so commands that call plugin hooks fail until one plugin is chosen: `flyte-host plugin use {new}` (or another installed name, or a loose library's file name); or remove the loose ones.",
            dir.display(),
            names.join(", ")
        )));
    }
    match others.as_slice() {
        [] => {
            plugin_use::record(dir, &Choice::Plugin(new.to_owned()))?;
            Ok(Some(format!("'{new}' is the active plugin (the first installed).")))
        }
        [other] => {
            plugin_use::record(dir, &Choice::Plugin((*other).clone()))?;
            Ok(Some(format!("'{other}' stays the active plugin: {switch}.")))
        }
        _ => Ok(Some(format!(
            "several plugins are installed and none is chosen: choose the active one with `flyte-host plugin use NAME` ({switch})."
        ))),
    }
}
