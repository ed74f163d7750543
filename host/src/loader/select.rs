//! Choosing the active plugin library: `FLYTEKIT_PLUGIN`, else the drop-in directory.

use std::{
    ffi::OsString,
    fmt,
    path::{Path, PathBuf},
};

use super::LoadError;

/// The file extension of shared libraries on this platform.
pub const LIBRARY_EXTENSION: &str = std::env::consts::DLL_EXTENSION;

/// Where the active plugin was chosen from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `FLYTEKIT_PLUGIN`.
    EnvVar,
    /// The single library in the drop-in directory.
    DropIn(PathBuf),
    /// `flyte-host plugin check PATH`.
    Check,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::EnvVar => f.write_str("FLYTEKIT_PLUGIN"),
            Origin::DropIn(dir) => write!(f, "drop-in directory {}", dir.display()),
            Origin::Check => f.write_str("plugin check"),
        }
    }
}

/// Which plugin should be active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The built-in plugin, and why.
    Builtin(&'static str),
    /// A plugin library.
    Library {
        /// The library's path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
    },
}

/// Chooses the active plugin: `FLYTEKIT_PLUGIN` (a path, or `none`/`builtin`), else the single
/// library in the drop-in directory (`$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/`), else the
/// built-in plugin.
pub fn select(
    flytekit_plugin: Option<OsString>,
    plugin_dir: Option<OsString>,
    home: Option<PathBuf>,
) -> Result<Selection, LoadError> {
    if let Some(value) = flytekit_plugin.filter(|v| !v.is_empty()) {
        let text = value.to_string_lossy();
        if text.eq_ignore_ascii_case("none") || text.eq_ignore_ascii_case("builtin") {
            return Ok(Selection::Builtin(
                "FLYTEKIT_PLUGIN selects the built-in plugin",
            ));
        }
        return Ok(Selection::Library {
            path: PathBuf::from(value),
            origin: Origin::EnvVar,
        });
    }
    let dir = match plugin_dir.filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => match home {
            Some(home) => home.join(".flyte").join("plugins"),
            None => return Ok(Selection::Builtin("no plugin configured")),
        },
    };
    let mut libraries = drop_in_libraries(&dir)?;
    match libraries.len() {
        0 => Ok(Selection::Builtin("no plugin configured")),
        1 => Ok(Selection::Library {
            path: libraries.remove(0),
            origin: Origin::DropIn(dir),
        }),
        _ => Err(LoadError::MultipleDropIns {
            dir,
            files: libraries,
        }),
    }
}

/// The shared libraries directly inside `dir`, sorted; none when the directory does not exist.
pub fn drop_in_libraries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(LoadError::DropInDir {
                dir: dir.to_owned(),
                source,
            })
        }
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == LIBRARY_EXTENSION) && p.is_file())
        .collect();
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_builtin_selection() {
        for value in ["none", "builtin", "BUILTIN"] {
            let sel = select(Some(value.into()), None, None).unwrap();
            assert!(matches!(sel, Selection::Builtin(_)), "{value}");
        }
    }

    #[test]
    fn env_var_wins_over_drop_in() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("a.{LIBRARY_EXTENSION}")), b"x").unwrap();
        let sel = select(Some("/x/p.so".into()), Some(dir.path().into()), None).unwrap();
        assert_eq!(
            sel,
            Selection::Library {
                path: "/x/p.so".into(),
                origin: Origin::EnvVar
            }
        );
    }

    #[test]
    fn drop_in_rules() {
        let dir = tempfile::tempdir().unwrap();
        let sel = select(None, Some(dir.path().into()), None).unwrap();
        assert!(matches!(sel, Selection::Builtin(_)));
        std::fs::write(dir.path().join("README.txt"), b"x").unwrap();
        let one = dir.path().join(format!("a.{LIBRARY_EXTENSION}"));
        std::fs::write(&one, b"x").unwrap();
        let sel = select(None, Some(dir.path().into()), None).unwrap();
        assert_eq!(
            sel,
            Selection::Library {
                path: one,
                origin: Origin::DropIn(dir.path().into())
            }
        );
        std::fs::write(dir.path().join(format!("b.{LIBRARY_EXTENSION}")), b"x").unwrap();
        let err = select(None, Some(dir.path().into()), None).unwrap_err();
        assert!(
            err.to_string().starts_with("multiple plugins installed"),
            "{err}"
        );
    }
}
