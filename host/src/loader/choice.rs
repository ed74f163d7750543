//! The persistent choice of the active plugins, `flyte-host plugin use NAME [NAME…]|builtin`: the
//! stack's names, top layer first, a line each, in `active-plugin` beside the plugin directory's
//! lock file, written atomically and held to the lock file's rules (no write access for other
//! users). A file of one line (what hosts before stacks wrote) is a stack of one.
//! `FLYTEKIT_PLUGIN` still overrides it for one command.

use std::{
    fs,
    io::Read as _,
    path::{Path, PathBuf},
};

use super::{integrity, LoadError};

/// The choice file's name inside the plugin directory.
pub(crate) const CHOICE_FILE: &str = "active-plugin";

/// The longest choice file read: a stack of names, a line each.
const MAX_BYTES: u64 = 64 * 1024;

/// Which plugins `plugin use` chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// `plugin use builtin`.
    Builtin,
    /// `plugin use NAME [NAME…]`: installed plugins or loose libraries, top layer first (never
    /// empty).
    Stack(Vec<String>),
}

impl Choice {
    /// The choice as the user names it: the plugins' names top first, comma-separated (as
    /// `FLYTEKIT_PLUGIN` takes them), or `builtin`.
    pub(crate) fn name(&self) -> String {
        match self {
            Choice::Builtin => "builtin".to_owned(),
            Choice::Stack(names) => names.join(","),
        }
    }

    /// The stack's names, top first (none for the built-in plugin).
    pub(crate) fn names(&self) -> &[String] {
        match self {
            Choice::Builtin => &[],
            Choice::Stack(names) => names,
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
        let names: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        match names.as_slice() {
            [] => Err(bad("it names no plugin".to_owned())),
            [name] if name.eq_ignore_ascii_case("builtin") => Ok(Some(Choice::Builtin)),
            names => {
                let mut stack: Vec<String> = Vec::with_capacity(names.len());
                for (i, name) in names.iter().enumerate() {
                    if name.contains(['/', '\\'])
                        || name.starts_with('.')
                        || name.eq_ignore_ascii_case("builtin")
                    {
                        return Err(bad(format!(
                            "`{name}` (line {}) is not a plugin name",
                            i + 1
                        )));
                    }
                    if stack.iter().any(|n| n == name) {
                        return Err(LoadError::DuplicateLayer {
                            what: format!("`{name}`"),
                            stack: format!("the stack recorded in {}", path.display()),
                        });
                    }
                    stack.push((*name).to_owned());
                }
                Ok(Some(Choice::Stack(stack)))
            }
        }
    }

    /// Records this choice in plugin directory `dir` (whole or not at all, mode 0600).
    pub(crate) fn write(&self, dir: &Path) -> std::io::Result<()> {
        crate::atomic_file::write(&Choice::file(dir), self.lines().as_bytes(), true)
    }

    /// The file's text: a name per line, top layer first.
    fn lines(&self) -> String {
        match self {
            Choice::Builtin => "builtin\n".to_owned(),
            Choice::Stack(names) => names.iter().map(|n| format!("{n}\n")).collect(),
        }
    }

    /// Forgets the choice of plugin directory `dir` (none recorded is fine).
    pub(crate) fn clear(dir: &Path) -> std::io::Result<()> {
        match fs::remove_file(Choice::file(dir)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
