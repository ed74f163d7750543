//! The persistent choice of the active plugin, `flyte-host plugin use NAME|builtin`: one line in
//! `active-plugin` beside the plugin directory's lock file, written atomically and held to the
//! lock file's rules (no write access for other users). `FLYTEKIT_PLUGIN` still overrides it for
//! one command.

use std::{
    fs,
    io::Read as _,
    path::{Path, PathBuf},
};

use super::{integrity, LoadError};

/// The choice file's name inside the plugin directory.
pub(crate) const CHOICE_FILE: &str = "active-plugin";

/// The longest choice file read: a name, a newline.
const MAX_BYTES: u64 = 1024;

/// Which plugin `plugin use` chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// `plugin use builtin`.
    Builtin,
    /// `plugin use NAME`: an installed plugin.
    Plugin(String),
}

impl Choice {
    /// The choice as the user names it: the plugin's name, or `builtin`.
    pub(crate) fn name(&self) -> &str {
        match self {
            Choice::Builtin => "builtin",
            Choice::Plugin(name) => name,
        }
    }

    /// The choice file of plugin directory `dir`.
    pub(crate) fn file(dir: &Path) -> PathBuf {
        dir.join(CHOICE_FILE)
    }

    /// The choice recorded in plugin directory `dir`, if any: one `open` when there is none.
    pub(crate) fn read(dir: &Path) -> Result<Option<Choice>, LoadError> {
        let path = Choice::file(dir);
        let bad = |reason: String| LoadError::BadChoice {
            file: path.clone(),
            reason,
        };
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(bad(e.to_string())),
        };
        let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
        integrity::refuse_loose_meta("choice file", &path, &meta)?;
        let mut text = String::new();
        file.take(MAX_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| bad(e.to_string()))?;
        match text.trim() {
            "" => Err(bad("it names no plugin".to_owned())),
            name if name.eq_ignore_ascii_case("builtin") => Ok(Some(Choice::Builtin)),
            name if name.contains(['/', '\\', '\n']) || name.starts_with('.') => {
                Err(bad(format!("`{name}` is not a plugin name")))
            }
            name => Ok(Some(Choice::Plugin(name.to_owned()))),
        }
    }

    /// Records this choice in plugin directory `dir` (whole or not at all, mode 0600).
    pub(crate) fn write(&self, dir: &Path) -> std::io::Result<()> {
        crate::atomic_file::write(
            &Choice::file(dir),
            format!("{}\n", self.name()).as_bytes(),
            true,
        )
    }

    /// Forgets the choice of plugin directory `dir` (none recorded is fine).
    pub(crate) fn clear(dir: &Path) -> std::io::Result<()> {
        match fs::remove_file(Choice::file(dir)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
