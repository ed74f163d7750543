//! The plugin SDK this host carries: the exact `flyte-plugin-abi` source of its plugin ABI,
//! embedded at build time (`host/build/sdk.rs`) and written out to
//! `~/.flyte/sdk/flyte-plugin-abi-<version>/`, so `plugin new` crates build with nothing but
//! this binary and a Rust toolchain.

use std::{
    fs,
    path::{Path, PathBuf},
};

use super::InstallError;
use crate::atomic_file;

/// The `flyte-plugin-abi` crate version embedded in this host.
pub(crate) const VERSION: &str = env!("FLYTE_PLUGIN_ABI_CRATE_VERSION");

/// Every file of the embedded crate: (path relative to the crate root, contents).
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/sdk_files.rs"));

/// The SDK directory under `home`: `<home>/.flyte/sdk/flyte-plugin-abi-<version>`.
pub(crate) fn dir(home: &Path) -> PathBuf {
    home.join(".flyte")
        .join("sdk")
        .join(format!("flyte-plugin-abi-{VERSION}"))
}

/// Writes the embedded crate into [`dir`]`(home)` and returns that directory. Files that already
/// hold the embedded text are left alone; any other (edited, truncated, missing) is replaced
/// atomically, so the copy is always exactly this host's ABI.
pub(crate) fn write_out(home: &Path) -> Result<PathBuf, InstallError> {
    let root = dir(home);
    for (relative, text) in FILES {
        let path = root.join(relative);
        if fs::read(&path).is_ok_and(|current| current == text.as_bytes()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            crate::atomic_file::create_dirs(parent).map_err(|e| InstallError::io(parent, e))?;
        }
        atomic_file::write(&path, text.as_bytes(), false)
            .map_err(|e| InstallError::io(&path, e))?;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_crate_is_the_whole_abi_crate_and_builds_alone() {
        let names: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        for expected in [
            "Cargo.toml",
            "README.md",
            "src/lib.rs",
            "src/plugin.rs",
            "src/testing/mod.rs",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        let manifest = FILES[0].1;
        assert!(!manifest.contains("workspace"), "{manifest}");
        let parsed: toml::Table = manifest.parse().unwrap();
        assert_eq!(parsed["package"]["version"].as_str(), Some(VERSION));
        assert!(parsed["package"]["edition"].is_str(), "{manifest}");
        // The metadata crates.io shows (and `cargo package` carries): complete, not just valid.
        for key in [
            "description",
            "license",
            "repository",
            "readme",
            "rust-version",
        ] {
            let value = parsed["package"].get(key).and_then(toml::Value::as_str);
            assert!(value.is_some_and(|v| !v.is_empty()), "{key}: {manifest}");
        }
        for key in ["keywords", "categories"] {
            let value = parsed["package"].get(key).and_then(toml::Value::as_array);
            assert!(value.is_some_and(|v| !v.is_empty()), "{key}: {manifest}");
        }
        assert!(names.contains(&"README.md"), "the readme is packaged");
    }

    #[test]
    fn write_out_repairs_an_edited_copy() {
        let home = tempfile::tempdir().unwrap();
        let root = write_out(home.path()).unwrap();
        let lib = root.join("src/lib.rs");
        fs::write(&lib, "edited").unwrap();
        assert_eq!(write_out(home.path()).unwrap(), root);
        assert_ne!(fs::read_to_string(&lib).unwrap(), "edited");
    }
}
