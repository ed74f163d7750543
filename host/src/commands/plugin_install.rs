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
        .about("Install a plugin from an index (by name), a manifest (path or URL) or a library, verified and checked")
        .after_help(
            "Downloads follow redirects only to https (or loopback http) URLs, are capped at 512 MiB\n\
             (FLYTE_PLUGIN_MAX_SIZE, e.g. 800M) and at the plugin file system's free space, and are abandoned\n\
             after 30 s without data (FLYTE_PLUGIN_IDLE_TIMEOUT, seconds).\n\
             Once a signing key is trusted (`flyte-host plugin trust add`; or FLYTE_PLUGIN_REQUIRE_SIGNATURE=1),\n\
             only libraries whose manifest carries a minisign signature by a trusted key install.",
        )
        .arg(
            Arg::new("source")
                .value_name("SOURCE")
                .required(true)
                .value_parser(value_parser!(OsString))
                .help("A plugin manifest or library (a path, an https:// or file: URL, or an http:// URL on this machine's loopback interface), or a plugin's name in the configured indexes: NAME, NAME@VERSION, INDEX/NAME"),
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
    let chosen = install::index::resolve_source(source, &dir)?;
    let installed = match &chosen {
        Some(chosen) => install::install_chosen(chosen, &dir),
        None => install::install(source, &dir),
    }
    .map_err(Error::from)?;
    let entry = &installed.entry;
    let path = entry.library(&dir);
    let note = keep_or_choose(&dir, choice, &before, &entry.name)?;
    if json_output() {
        let outcome = match &installed.outcome {
            Outcome::Installed => json!({"status": "installed"}),
            Outcome::Replaced(old) => json!({"status": "replaced", "previous_version": old}),
            Outcome::Unchanged => json!({"status": "unchanged"}),
        };
        output::document(&json!({
            "name": entry.name,
            "version": entry.version,
            "abi_version": entry.abi,
            "sha256": entry.sha256,
            "key_id": (!entry.key_id.is_empty()).then_some(&entry.key_id),
            "source": entry.source,
            "path": path.display().to_string(),
            "outcome": outcome,
            "index": chosen.as_ref().map(|c| &c.index),
            "newer_needs_newer_host": chosen.as_ref().and_then(|c| c.newer.as_ref()),
        }))?;
    } else {
        let what = match &installed.outcome {
            Outcome::Installed => "installed".to_owned(),
            Outcome::Replaced(old) => format!("installed (replacing {old})"),
            Outcome::Unchanged => "already installed (nothing to do)".to_owned(),
        };
        let mut rows = vec![
            ("plugin", format!("{} {} {what}", entry.name, entry.version)),
            ("abi", entry.abi.clone()),
            ("sha256", entry.sha256.clone()),
        ];
        if !entry.key_id.is_empty() {
            rows.push(("signed by", format!("key {} (verified)", entry.key_id)));
        }
        rows.push(("path", path.display().to_string()));
        output::pairs(&rows)?;
    }
    if let Some(newer) = chosen.as_ref().and_then(|c| c.newer.as_ref()) {
        crate::say!(
            "note: {} {} is the newest this host can load: {newer}",
            entry.name,
            entry.version
        );
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

/// Puts `new` (just installed into `dir`) on top of the plugin stack, unless it is in the stack
/// already. The stack before is the recorded one (`choice`), else the plugin the directory
/// selected by itself: its one loose library or its one other installed plugin (`before`: the
/// installed names before the install). Returns what to tell the user.
fn keep_or_choose(
    dir: &Path,
    choice: Option<Choice>,
    before: &[String],
    new: &str,
) -> Result<Option<String>, Error> {
    let reorder = "`flyte-host plugin use NAME [NAME…]` reorders the stack";
    let drop_ins = loader::drop_in_libraries(dir).unwrap_or_default();
    let others: Vec<&String> = before.iter().filter(|n| *n != new).collect();
    let mut left_out = Vec::new();
    let stack: Vec<String> = match choice {
        Some(Choice::Stack(names)) => names,
        Some(Choice::Builtin) => Vec::new(),
        None => match (drop_ins.as_slice(), others.as_slice()) {
            ([loose], []) => loose
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| vec![n.to_owned()])
                .unwrap_or_default(),
            ([], [other]) => vec![(*other).clone()],
            _ => {
                left_out.extend(others.iter().map(|n| format!("'{n}'")));
                left_out.extend(drop_ins.iter().map(|p| p.display().to_string()));
                Vec::new()
            }
        },
    };
    if let Some(at) = stack.iter().position(|n| n == new) {
        return Ok((stack.len() > 1).then(|| {
            format!(
                "'{new}' stays layer {} of {} of the plugin stack ({}): {reorder}.",
                at + 1,
                stack.len(),
                stack.join(" → ")
            )
        }));
    }
    let mut stacked = vec![new.to_owned()];
    stacked.extend(stack);
    plugin_use::record(dir, &Choice::Stack(stacked.clone()))?;
    let mut note = if stacked.len() == 1 {
        format!("'{new}' is the active plugin (above the built-in plugin).")
    } else {
        format!(
            "'{new}' is now the top layer of the plugin stack ({} → builtin): {reorder}.",
            stacked.join(" → ")
        )
    };
    if !left_out.is_empty() {
        note.push_str(&format!(
            " Also in {} and not in the stack: {} (add them with `flyte-host plugin use`).",
            dir.display(),
            left_out.join(", ")
        ));
    }
    Ok(Some(note))
}
