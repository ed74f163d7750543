//! The plugin directory (`$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/`) as a place on disk,
//! for the loader that reads it and for `install` that changes it: where it is, which of its
//! files are libraries, the lock file (`plugins.lock`: each installed plugin's hash, size and
//! modification time), the seal, hashes and safe names. Layout: `<name>/<version>/<library>` per
//! installed plugin, `plugins.lock`, and any loose drop-in libraries.

pub(crate) mod lock;
pub(crate) mod seal;

use std::{
    fs,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

/// The file extension of shared libraries on this platform.
pub(crate) const LIBRARY_EXTENSION: &str = std::env::consts::DLL_EXTENSION;

/// [`plugin_dir_from_env`] of the values `plugin_dir` (`FLYTE_PLUGIN_DIR`) and `home` (`HOME`).
pub(crate) fn plugin_dir_of(
    plugin_dir: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Result<PathBuf, PluginDirError> {
    let absolute = |variable: &'static str, value: std::ffi::OsString| {
        let path = PathBuf::from(&value);
        if path.is_absolute() {
            Ok(path)
        } else {
            Err(PluginDirError::NotAbsolute {
                variable,
                value: value.to_string_lossy().into_owned(),
            })
        }
    };
    match (plugin_dir, home) {
        (Some(dir), _) if !dir.is_empty() => absolute("FLYTE_PLUGIN_DIR", dir),
        (_, Some(home)) => Ok(absolute("HOME", home)?.join(".flyte").join("plugins")),
        _ => Err(PluginDirError::NoPluginDir),
    }
}

/// The sha256 of the file at `path`, lowercase hex.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut fs::File::open(path)?, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Checks that a plugin name, version or library file name is one safe path component: not
/// empty, not starting with `.` (so never `.` or `..`, never hidden), only letters, digits, `.`,
/// `_`, `-` and `+`. Every name that reaches a path (manifests, library metadata, the lock,
/// command arguments) goes through here.
pub(crate) fn safe_component(value: &str) -> Result<(), PluginDirError> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && !value.starts_with('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if ok {
        Ok(())
    } else {
        Err(PluginDirError::BadName {
            value: value.to_owned(),
        })
    }
}

/// Whether `text` is a sha256 in hex.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The shared libraries directly inside `dir`, sorted; none when the directory does not exist.
/// A symbolic link named like a library whose target is missing gets a `warning:` naming it.
pub(crate) fn libraries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.extension().is_none_or(|e| e != LIBRARY_EXTENSION) {
            continue;
        }
        match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => found.push(path),
            Err(_) if path.is_symlink() && first_warning_about(&path) => {
                let target = fs::read_link(&path).unwrap_or_default();
                crate::say!(
                    "warning: ignoring {}: it is a symbolic link to {}, which does not exist. Remove the link or restore its target.",
                    path.display(),
                    target.display()
                );
            }
            _ => {}
        }
    }
    found.sort();
    Ok(found)
}

/// Whether this process has not warned about `path` yet (a command that looks at the plugin
/// directory more than once, as `plugin list` does, names a dangling link once).
fn first_warning_about(path: &Path) -> bool {
    static WARNED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if warned.iter().any(|p| p == path) {
        return false;
    }
    warned.push(path.to_owned());
    true
}

/// What can go wrong with the plugin directory itself. Each message names the file or variable
/// and says what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PluginDirError {
    /// A file or directory operation failed.
    #[error("cannot write or read `{path}`: {source}", path = .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No plugin directory: neither `FLYTE_PLUGIN_DIR` nor `HOME` is set.
    #[error(
        "no plugin directory: set FLYTE_PLUGIN_DIR (or HOME, for the default ~/.flyte/plugins/)"
    )]
    NoPluginDir,
    /// `FLYTE_PLUGIN_DIR` or `HOME` is empty or relative.
    #[error("{variable} is `{value}`, which is not an absolute path: the plugin directory would be wherever the current directory is (plugins written there, or loaded from there). Set {variable} to an absolute path.")]
    NotAbsolute {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
    },
    /// The lock file does not parse.
    #[error("the plugin lock file `{path}` is damaged ({reason}). Remove it and reinstall your plugins with `flyte-host plugin install`.", path = .path.display())]
    BadLock {
        /// The lock file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// A name or version that cannot be a directory name.
    #[error("plugin name or version `{value}` cannot be used as a directory name: use letters, digits, `.`, `_`, `-` and `+` only, not starting with `.`")]
    BadName {
        /// The name or version.
        value: String,
    },
}

impl PluginDirError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> PluginDirError {
        PluginDirError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_single_safe_components() {
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "a b",
            "x\n",
            &"a".repeat(129),
        ] {
            assert!(safe_component(bad).is_err(), "{bad:?}");
        }
        for good in ["myorg", "1.2.0", "1.0.0-rc.1+build", "libmyorg.so", "a_b"] {
            assert!(safe_component(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn the_plugin_directory_must_be_absolute() {
        let err = |dir: Option<&str>, home: Option<&str>| {
            plugin_dir_of(dir.map(Into::into), home.map(Into::into))
                .unwrap_err()
                .to_string()
        };
        assert!(err(None, Some("")).contains("HOME"));
        assert!(err(None, Some("rel/home")).contains("HOME"));
        assert!(err(Some("plugins"), Some("/h")).contains("FLYTE_PLUGIN_DIR"));
        assert!(err(None, None).contains("FLYTE_PLUGIN_DIR"));
        assert_eq!(
            plugin_dir_of(Some("".into()), Some("/h".into())).unwrap(),
            PathBuf::from("/h/.flyte/plugins")
        );
        assert_eq!(
            plugin_dir_of(Some("/p".into()), Some("".into())).unwrap(),
            PathBuf::from("/p")
        );
    }
}
