//! Installing prebuilt plugins: manifests (per-platform URL + sha256), downloading with hash
//! verification, the out-of-process `plugin check`, and changing the plugin directory
//! ([`crate::plugin_dir`]: its layout, lock file and seal).

mod check;
pub(crate) mod crate_description;
mod error;
mod fetch;
mod flow;
pub(crate) mod index;
pub(crate) mod manifest;
pub(crate) mod project_lock;
pub(crate) mod scaffold;
pub(crate) mod sdk;
mod staging;

use std::path::PathBuf;

pub(crate) use crate::loader::TARGET;
pub(crate) use crate::plugin_dir::{is_sha256, plugin_dir_of, safe_component, sha256_file};
pub(crate) use crate::plugin_dir::{lock, seal};
pub(crate) use check::{check_in_child, check_standalone, Checked};
pub(crate) use error::InstallError;
pub(crate) use flow::{install, install_chosen, remove, verify, Outcome, Verified};

/// Checks that `url` is a source `plugin install` accepts (https, http on loopback, `file:`, a
/// path), so `plugin manifest --url` never writes a manifest install would refuse.
pub(crate) fn check_url(url: &str) -> Result<(), InstallError> {
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
pub(crate) fn plugin_dir_from_env() -> Result<PathBuf, InstallError> {
    Ok(plugin_dir_of(
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        std::env::var_os("HOME"),
    )?)
}
