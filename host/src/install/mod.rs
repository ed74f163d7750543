//! Installing prebuilt plugins: manifests (per-platform URL + sha256), downloading with hash
//! verification, the out-of-process `plugin check`, and the plugin directory's lock file.
//!
//! Layout of the plugin directory (`$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/`):
//! `<name>/<version>/<library>` per installed plugin, `plugins.lock` recording each one's hash,
//! size and modification time, and any loose drop-in libraries.

mod check;
pub mod crate_description;
mod error;
mod fetch;
mod flow;
pub mod lock;
pub mod manifest;
pub mod scaffold;
pub mod sdk;
pub mod seal;

use std::{
    fs,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

pub use check::{check_in_child, check_standalone, Checked};
pub use error::InstallError;
pub use flow::{install, remove, verify, Installed, Outcome, Verified};

/// Checks that `url` is a source `plugin install` accepts (https, http on loopback, `file:`, a
/// path), so `plugin manifest --url` never writes a manifest install would refuse.
pub fn check_url(url: &str) -> Result<(), InstallError> {
    if url.trim().is_empty() {
        return Err(InstallError::BadSource {
            source_name: url.to_owned(),
            reason: "the library URL is empty: give the URL (or a path relative to the manifest) where the library is published".into(),
        });
    }
    fetch::Location::parse(url, None).map(|_| ())
}

/// The plugin directory from the environment: `$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/`.
/// Either must be an absolute path: an empty or relative one would put plugins under whatever
/// the current directory is.
pub fn plugin_dir_from_env() -> Result<PathBuf, InstallError> {
    plugin_dir_of(
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        std::env::var_os("HOME"),
    )
}

/// [`plugin_dir_from_env`] of the values `plugin_dir` (`FLYTE_PLUGIN_DIR`) and `home` (`HOME`).
pub(crate) fn plugin_dir_of(
    plugin_dir: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Result<PathBuf, InstallError> {
    let absolute = |variable: &'static str, value: std::ffi::OsString| {
        let path = PathBuf::from(&value);
        if path.is_absolute() {
            Ok(path)
        } else {
            Err(InstallError::NotAbsolute {
                variable,
                value: value.to_string_lossy().into_owned(),
            })
        }
    };
    match (plugin_dir, home) {
        (Some(dir), _) if !dir.is_empty() => absolute("FLYTE_PLUGIN_DIR", dir),
        (_, Some(home)) => Ok(absolute("HOME", home)?.join(".flyte").join("plugins")),
        _ => Err(InstallError::NoPluginDir),
    }
}

/// The sha256 of the file at `path`, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut fs::File::open(path)?, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Checks that a plugin name, version or library file name is one safe path component: not
/// empty, not starting with `.` (so never `.` or `..`, never hidden), only letters, digits, `.`,
/// `_`, `-` and `+`. Every name that reaches a path (manifests, library metadata, the lock,
/// command arguments) goes through here.
pub(crate) fn safe_component(value: &str) -> Result<(), InstallError> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && !value.starts_with('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if ok {
        Ok(())
    } else {
        Err(InstallError::BadName {
            value: value.to_owned(),
        })
    }
}

/// Whether `text` is a sha256 in hex.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The target triple of this host: the platform key of manifests.
pub const TARGET: &str = env!("FLYTE_HOST_TARGET");

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
