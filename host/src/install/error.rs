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
    /// A trusted key, its file or a signature setting is wrong.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// A signature policy is in force and the source has no signature.
    #[error("{what}, and flyte-host installs only plugins signed by a trusted key (trusted: {trusted}); nothing was installed. Ask the plugin's publisher for a manifest signed with one of those keys (`flyte-host plugin manifest LIB --url URL --sign KEY` writes one).")]
    Unsigned {
        /// The source.
        source_name: String,
        /// What is unsigned.
        what: String,
        /// The trusted key ids.
        trusted: String,
    },
    /// `FLYTE_PLUGIN_REQUIRE_SIGNATURE=1` and no key trusted.
    #[error("FLYTE_PLUGIN_REQUIRE_SIGNATURE=1 requires plugins signed by a trusted key, and no key is trusted (none in {dirs}): nothing was installed from `{source_name}`. Trust your organization's signing key with `flyte-host plugin trust add KEY.pub` (or have an administrator put it in {system}).", system = .system.display())]
    NoTrustedKey {
        /// The source.
        source_name: String,
        /// The key directories.
        dirs: String,
        /// The machine-wide key directory.
        system: PathBuf,
    },
    /// The signature is by a key that is not trusted.
    #[error("the library of `{source_name}` is signed by key {key_id}, which flyte-host does not trust (trusted: {trusted}); nothing was installed. If {key_id} is your organization's signing key, trust it with `flyte-host plugin trust add KEY.pub`; otherwise ask the plugin's publisher to sign with a trusted key.")]
    UnknownKey {
        /// The source.
        source_name: String,
        /// The signature's key id.
        key_id: String,
        /// The trusted key ids.
        trusted: String,
    },
    /// The signature does not verify.
    #[error("the signature of the library downloaded from `{url}` does not verify with trusted key {key_id} ({reason}): the library is not the file that key signed (changed after signing, or the signature is another file's), and nothing was installed. Ask the plugin's publisher to sign this library again.")]
    BadSignature {
        /// Where the library came from.
        url: String,
        /// The key id.
        key_id: String,
        /// What minisign-verify said.
        reason: String,
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
