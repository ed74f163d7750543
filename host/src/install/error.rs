//! Why installing, removing or verifying a plugin failed, in words for the user.

use std::path::{Path, PathBuf};

/// Why a plugin could not be installed, removed or verified. Each message names the source or file
/// and says what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InstallError {
    /// The plugin directory itself: its location, lock file or a name in it.
    #[error(transparent)]
    Dir(#[from] crate::plugin_dir::PluginDirError),
    /// An environment variable has a value the host cannot use.
    #[error("{variable} is `{value}`, which is not {expected}")]
    BadSetting {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The manifest is not valid.
    #[error("plugin manifest {source_name} is not valid: {reason}")]
    BadManifest {
        /// The manifest's location.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// The manifest has no build for this machine.
    #[error("plugin manifest {source_name} has no build for this platform ({target}); it has: {available}. Ask the plugin's publisher for a {target} build.")]
    NoPlatform {
        /// The manifest's location.
        source_name: String,
        /// This host's target triple.
        target: &'static str,
        /// The platforms it lists.
        available: String,
    },
    /// A plain-http URL to a non-loopback host.
    #[error("refusing to download `{url}` over plain http: only https, file: and http on the loopback interface are allowed")]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// A plugin index, or the list of them, cannot be used (already worded).
    #[error("{0}")]
    Index(String),
    /// The source is not usable.
    #[error("cannot install from `{source_name}`: {reason}")]
    BadSource {
        /// The source as given.
        source_name: String,
        /// Why.
        reason: String,
    },
    /// A download (or, for a path, a read) failed.
    #[error("{doing} `{url}` failed: {reason}", doing = if .url.contains("://") { "downloading" } else { "reading" })]
    Download {
        /// The URL or path.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The downloaded library does not have the manifest's hash.
    #[error("the library downloaded from `{url}` has sha256 {found}, but the manifest says {expected}: it was corrupted or tampered with, and nothing was installed. Retry, or ask the plugin's publisher.")]
    HashMismatch {
        /// Where it came from.
        url: String,
        /// The manifest's hash.
        expected: String,
        /// The download's hash.
        found: String,
    },
    /// `plugin check` of the candidate failed.
    #[error("plugin from `{source_name}` did not pass `flyte-host plugin check`: {reason}")]
    CheckFailed {
        /// The source.
        source_name: String,
        /// The check's report.
        reason: String,
    },
    /// The plugin is not what the manifest says.
    #[error("plugin from `{source_name}` is '{found}', but its manifest says '{expected}'; nothing was installed. Ask the plugin's publisher to fix the manifest.")]
    Mismatch {
        /// The source.
        source_name: String,
        /// What the manifest says (name, version and plugin ABI).
        expected: String,
        /// What the library says.
        found: String,
    },
    /// `plugin remove` of a plugin that is not installed.
    #[error("no plugin named '{name}' is installed in {dir} (installed: {installed}). `flyte-host plugin list` shows every plugin found.", dir = .dir.display())]
    NotInstalled {
        /// The name.
        name: String,
        /// The plugin directory.
        dir: PathBuf,
        /// The names installed.
        installed: String,
    },
    /// `plugin new` could not write the crate.
    #[error("cannot create the plugin crate at `{path}`: {reason}", path = .path.display())]
    Scaffold {
        /// The target directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl InstallError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> InstallError {
        InstallError::Dir(crate::plugin_dir::PluginDirError::io(path, source))
    }
}
