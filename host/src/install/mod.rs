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
    fetch::Location::parse(url, None).map(|_| ())
}

/// The plugin directory from the environment: `$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/`.
pub fn plugin_dir_from_env() -> Result<PathBuf, InstallError> {
    crate::loader::plugin_dir(
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        std::env::var_os("HOME").map(PathBuf::from),
    )
    .ok_or(InstallError::NoPluginDir)
}

/// The sha256 of the file at `path`, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut fs::File::open(path)?, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Whether `text` is a sha256 in hex.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The target triple of this host: the platform key of manifests.
pub const TARGET: &str = env!("FLYTE_HOST_TARGET");
