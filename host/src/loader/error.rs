//! Why a plugin library could not be selected or loaded, in words for the user, and the
//! condensing of abi_stable's layout reports.

use std::path::{Path, PathBuf};

use flyte_plugin_abi::AbiVersion;

use super::{select::BYPASSES, structure::Problem, Origin};

/// Why a plugin could not be selected or loaded. Every message names the library and says what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// The library file does not exist.
    #[error("plugin library `{path}`{from} does not exist. {fix}", path = .path.display(), from = .origin.provenance_clause(), fix = .origin.fix_missing())]
    NotFound {
        /// The missing path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
    },
    /// The path is not a regular file.
    #[error("plugin library `{path}`{from} is not a file. {fix}", path = .path.display(), from = .origin.provenance_clause(), fix = .origin.fix_not_a_file())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
    },
    /// The file is not a loadable shared library.
    #[error("`{path}`{from} is not a loadable shared library: {reason}. A plugin is a cdylib built with flyte-plugin-abi's export_plugin!.", path = .path.display(), from = .origin.provenance_clause())]
    NotALibrary {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The dynamic loader's explanation.
        reason: String,
    },
    /// The library exports no flyte-host root module.
    #[error("`{path}`{from} is a shared library but not a flyte-host plugin: it exports no flyte-host root module. Build plugins with flyte-plugin-abi's export_plugin!.", path = .path.display(), from = .origin.provenance_clause())]
    NoRootModule {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
    },
    /// The file is shorter than the segments its headers declare.
    #[error("plugin library `{path}`{from} is truncated: the file has {size} bytes, its own headers need {needed}. A download or copy was cut short: fetch or copy it again (`flyte-host plugin install` for an installed plugin).{bypass}", path = .path.display(), from = .origin.provenance_clause(), bypass = .origin.bypass())]
    Truncated {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The file's size.
        size: u64,
        /// The end of its last loadable segment.
        needed: u64,
    },
    /// A shared library for another operating system or architecture.
    #[error("`{path}`{from} is not a library for this machine: it is {what}. Use the plugin's build for {target}.{bypass}", path = .path.display(), from = .origin.provenance_clause(), target = super::TARGET, bypass = .origin.bypass())]
    WrongPlatform {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// What the file is for.
        what: String,
    },
    /// Loading the library in a child process killed the child.
    #[error("plugin library `{path}`{from} crashed while loading: {how}. flyte-host tried it in a child process first and will not load it; rebuild or reinstall it (`flyte-host plugin check {path}` tells more).{bypass}", path = .path.display(), from = .origin.provenance_clause(), bypass = .origin.bypass())]
    LoadCrashed {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The signal and what it means.
        how: String,
    },
    /// Loading the library in a child process did not finish in time.
    #[error("plugin library `{path}`{from} did not finish loading within {seconds} s (its initialization hangs), tried in a child process; flyte-host will not load it. Rebuild it or ask its authors.{bypass}", path = .path.display(), from = .origin.provenance_clause(), bypass = .origin.bypass())]
    LoadHung {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The time limit.
        seconds: u64,
    },
    /// Loading the library in a child process panicked (in abi_stable's checks of the library's
    /// data, or in the library's own code), which ends the process.
    #[error("plugin library `{path}`{from} panicked while loading ({message}): its data is damaged, or it was not built with flyte-plugin-abi. flyte-host tried it in a child process first and will not load it; rebuild or reinstall it.{bypass}", path = .path.display(), from = .origin.provenance_clause(), bypass = .origin.bypass())]
    LoadPanicked {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The panic's message.
        message: String,
    },
    /// Loading the library in a child process ended the child from inside the library.
    #[error("plugin library `{path}`{from} ended the process while loading (exit status {status}), tried in a child process; flyte-host will not load it. Rebuild it or ask its authors.{bypass}", path = .path.display(), from = .origin.provenance_clause(), bypass = .origin.bypass())]
    LoadExited {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The exit status.
        status: String,
    },
    /// The trial load in a child process could not be run.
    #[error("cannot try plugin library `{path}` in a child process before loading it: {reason}. flyte-host loads a library file in-process only after it survived such a trial.", path = .path.display())]
    ProbeFailed {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The plugin was built against another major version of the plugin ABI.
    #[error("plugin `{path}` was built against plugin ABI {found}; this host has plugin ABI {expected} and loads {major}.x plugins only. Rebuild the plugin against flyte-plugin-abi {major}.x, or use a flyte-host release for ABI {found}.", path = .path.display(), major = .expected.major)]
    IncompatibleAbi {
        /// The path.
        path: PathBuf,
        /// The plugin's ABI version.
        found: String,
        /// The host's ABI version.
        expected: AbiVersion,
    },
    /// The plugin was built with another abi_stable ABI.
    #[error("plugin `{path}` was built with an incompatible abi_stable release ({found}); this host uses abi_stable {expected}. Rebuild the plugin against flyte-plugin-abi {host_abi}.", path = .path.display(), host_abi = AbiVersion::CURRENT)]
    AbiStableMismatch {
        /// The path.
        path: PathBuf,
        /// The plugin's abi_stable ABI.
        found: String,
        /// The host's abi_stable ABI.
        expected: String,
    },
    /// The plugin's types do not match the host's.
    #[error("plugin `{path}`{built} does not match this host's plugin ABI {host_abi}: {summary}. Rebuild the plugin against flyte-plugin-abi {host_abi} (run with --verbose for abi_stable's full report).", path = .path.display(), host_abi = AbiVersion::CURRENT, built = .built_against.as_ref().map(|v| format!(" (built against flyte-plugin-abi {v})")).unwrap_or_default())]
    LayoutMismatch {
        /// The path.
        path: PathBuf,
        /// The flyte-plugin-abi version the plugin says it was built against, when known.
        built_against: Option<String>,
        /// A few lines saying what differs.
        summary: String,
        /// abi_stable's full report, shown with `--verbose`.
        report: String,
    },
    /// The plugin needs a newer host.
    #[error("plugin '{name}' {version} (`{path}`) needs flyte-host with plugin ABI ≥ {needs}; this host has {has}. Upgrade flyte-host, or use a build of the plugin for plugin ABI {has}.", path = .path.display(), needs = format_args!("{}.{}", .needs.major, .needs.minor), has = format_args!("{}.{}", .has.major, .has.minor))]
    NeedsNewerHost {
        /// The library.
        path: PathBuf,
        /// The plugin's name.
        name: String,
        /// The plugin's version.
        version: String,
        /// The ABI it needs.
        needs: AbiVersion,
        /// The host's ABI.
        has: AbiVersion,
    },
    /// The library failed while initializing its root module.
    #[error("plugin `{path}` failed while initializing: {reason}", path = .path.display())]
    InitFailed {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// More than one library in the plugin directory and no recorded stack to order them.
    #[error("several plugins in {dir}: {names}. flyte-host cannot guess which to stack in what order: choose with `flyte-host plugin use NAME [NAME…]` (installed names or loose libraries' file names, top layer first), remove all but one, or choose for one command with FLYTEKIT_PLUGIN=<paths or installed names, comma-separated, top first>.", dir = .dir.display(), names = .files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))]
    MultipleDropIns {
        /// The plugin directory.
        dir: PathBuf,
        /// The libraries found there.
        files: Vec<PathBuf>,
    },
    /// A `FLYTEKIT_PLUGIN` list that cannot be read.
    #[error("FLYTEKIT_PLUGIN is `{value}`: {reason}. List plugin library paths or installed names, top layer first, separated by commas (FLYTEKIT_PLUGIN=acme,myorg), or set it to `builtin`.")]
    BadStackList {
        /// The variable's value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The same plugin twice in a stack.
    #[error("the plugin stack holds {what} twice (from {stack}): each plugin is one layer. Remove the repeated entry.")]
    DuplicateLayer {
        /// What is repeated: a name, a library.
        what: String,
        /// Where the stack came from (`FLYTEKIT_PLUGIN=…`, the recorded stack).
        stack: String,
    },
    /// The drop-in directory exists but cannot be read.
    #[error("cannot read the plugin directory {dir}: {source}. It must be a readable directory of plugin libraries; fix it, or set FLYTE_PLUGIN_DIR to another directory.", dir = .dir.display())]
    DropInDir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The library or its directory is writable by other users.
    #[error("plugin {what} `{path}` is writable by other users (mode {mode:04o}), so anyone could replace the code flyte-host runs: run `chmod go-w {path}`.", path = .path.display())]
    LoosePermissions {
        /// `library`, `directory` or `lock file`.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// An installed library no longer matches the hash recorded when it was installed.
    #[error("installed plugin '{name}' {version} (`{path}`) was modified after it was installed: its sha256 is {found}, the lock file recorded {expected}. Reinstall it with `flyte-host plugin install`, or remove it with `flyte-host plugin remove {name}`.", path = .path.display())]
    Tampered {
        /// The library.
        path: PathBuf,
        /// The plugin's name.
        name: String,
        /// Its installed version.
        version: String,
        /// The locked hash.
        expected: String,
        /// The hash now.
        found: String,
    },
    /// A trusted key, its file or a signature setting is wrong.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// An installed library's lock entry records no verified signature while a policy is in force.
    #[error("installed plugin '{name}' {version} (`{path}`) has no verified signature in the lock file, and {why}: it was not loaded. Reinstall it from its signed manifest with `flyte-host plugin install MANIFEST`, or remove it with `flyte-host plugin remove {name}`. Meanwhile FLYTEKIT_PLUGIN=builtin runs flyte-host without it.", path = .path.display())]
    Unsigned {
        /// The library.
        path: PathBuf,
        /// The plugin's name.
        name: String,
        /// Its installed version.
        version: String,
        /// Why a signature is needed.
        why: String,
    },
    /// `FLYTE_PLUGIN_VERIFY=always` and the signature did not verify again.
    #[error("installed plugin '{name}' {version} (`{path}`) failed the signature check FLYTE_PLUGIN_VERIFY=always asks for at every start: {reason}. Reinstall it from its signed manifest with `flyte-host plugin install MANIFEST`, or remove it with `flyte-host plugin remove {name}`.", path = .path.display())]
    SignatureFailed {
        /// The library.
        path: PathBuf,
        /// The plugin's name.
        name: String,
        /// Its installed version.
        version: String,
        /// Why.
        reason: String,
    },
    /// An installed library's file is gone.
    #[error("installed plugin '{name}' is missing its library `{path}`. Reinstall it with `flyte-host plugin install`, or remove it with `flyte-host plugin remove {name}`.", path = .path.display())]
    InstalledMissing {
        /// The expected library path.
        path: PathBuf,
        /// The plugin's name.
        name: String,
    },
    /// The library could not be read to hash it.
    #[error("cannot read plugin library `{path}` to check its sha256: {reason}", path = .path.display())]
    Unreadable {
        /// The library.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// `FLYTE_PLUGIN_SHA256` holds another number of pins than the stack has layers.
    #[error("FLYTE_PLUGIN_SHA256 pins {pins} libraries, but the plugin stack has {layers} layers. Give one sha256 per layer, comma-separated, top layer first, or unset it.")]
    PinCount {
        /// How many pins it holds.
        pins: usize,
        /// How many layers the stack has.
        layers: usize,
    },
    /// A layer of a stack of several could not be loaded.
    #[error("layer {position} of {count} of the plugin stack (`{spec}`): {reason}{leave_out}", reason = without_bypass(source))]
    InLayer {
        /// Its position, 1 for the top.
        position: usize,
        /// The stack's size.
        count: usize,
        /// How the user named it.
        spec: String,
        /// How to run without this one layer meanwhile (see [`Origin::leave_out`]).
        leave_out: String,
        /// Why it could not be loaded.
        source: Box<LoadError>,
    },
    /// `FLYTE_PLUGIN_SHA256` is not a sha256.
    #[error("FLYTE_PLUGIN_SHA256 is `{value}`, not a sha256 (64 hex digits). Set it to the sha256 of the one plugin library your organization allows, or unset it.")]
    BadPin {
        /// The value.
        value: String,
    },
    /// The library is not the one `FLYTE_PLUGIN_SHA256` pins.
    #[error("plugin library `{path}` is not the library FLYTE_PLUGIN_SHA256 allows: its sha256 is {found}, the pin is {expected}. Install the pinned library, or ask whoever set FLYTE_PLUGIN_SHA256.", path = .path.display())]
    PinMismatch {
        /// The library.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The library's hash.
        found: String,
    },
    /// `FLYTEKIT_PLUGIN` names a plugin that is not installed.
    #[error("FLYTEKIT_PLUGIN is `{name}`, which is neither a file nor a plugin installed in {dir}. Install it with `flyte-host plugin install SOURCE`, or point FLYTEKIT_PLUGIN at a plugin library path.", dir = .dir.display())]
    NotInstalled {
        /// The name.
        name: String,
        /// The plugin directory.
        dir: PathBuf,
    },
    /// The plugin chosen with `plugin use` is not installed.
    #[error("the plugin chosen with `flyte-host plugin use` ('{name}', recorded in {file}) is neither installed nor a library in the plugin directory. Choose another with `flyte-host plugin use NAME` (or `plugin use builtin`), or install '{name}'.", file = .file.display())]
    ChosenMissing {
        /// The chosen name.
        name: String,
        /// The choice file.
        file: PathBuf,
    },
    /// The choice file cannot be read or holds no name.
    #[error("cannot use the plugin choice in {file}: {reason}. Record a choice again with `flyte-host plugin use NAME` (or `plugin use builtin`).", file = .file.display())]
    BadChoice {
        /// The choice file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The plugin directory's lock file is unreadable, or another problem of the directory.
    #[error(transparent)]
    PluginDir(#[from] crate::plugin_dir::PluginDirError),
}

impl LoadError {
    /// The error for a library at `path` whose structure check found `problem`.
    pub(super) fn structure(path: &Path, origin: &Origin, problem: Problem) -> LoadError {
        let (path, origin) = (path.to_owned(), origin.clone());
        match problem {
            Problem::NotALibrary(reason) => LoadError::NotALibrary {
                path,
                origin,
                reason,
            },
            Problem::WrongPlatform(what) => LoadError::WrongPlatform { path, origin, what },
            Problem::Truncated { size, needed } => LoadError::Truncated {
                path,
                origin,
                size,
                needed,
            },
        }
    }

    /// Extra detail for `--verbose`.
    pub(crate) fn details(&self) -> Option<&str> {
        match self {
            LoadError::LayoutMismatch { report, .. } => Some(report),
            LoadError::InLayer { source, .. } => source.details(),
            _ => None,
        }
    }
}

/// `source`'s message without its closing advice to run without the plugin (all of them, in a
/// stack): a layer's error says how to leave out that one layer instead.
fn without_bypass(source: &LoadError) -> String {
    let text = source.to_string();
    BYPASSES
        .iter()
        .find_map(|bypass| text.strip_suffix(bypass))
        .map_or_else(|| text.clone(), str::to_owned)
}

pub(super) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error")
        .to_owned()
}

/// Condenses abi_stable's layout report (hundreds of lines) into its `Error:` / `Expected:` /
/// `Found:` triples, at most three of them.
pub(crate) fn condense_report(report: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    let mut findings: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(what) = lines[i].trim_start().strip_prefix("Error:") {
            let mut expected = None;
            let mut found = None;
            let mut j = i + 1;
            while j < lines.len() && !lines[j].trim_start().starts_with("Error:") {
                match lines[j].trim() {
                    "Expected:" => expected = lines.get(j + 1).map(|l| l.trim()),
                    "Found:" => found = lines.get(j + 1).map(|l| l.trim()),
                    _ => {}
                }
                if expected.is_some() && found.is_some() {
                    break;
                }
                j += 1;
            }
            let finding = match (expected, found) {
                (Some(e), Some(f)) => format!("{} (host expects {e}, plugin has {f})", what.trim()),
                _ => what.trim().to_owned(),
            };
            if !findings.contains(&finding) {
                findings.push(finding);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    if findings.is_empty() {
        return first_line(report);
    }
    findings.truncate(3);
    findings.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condenses_abi_stable_report() {
        let report = "Compared <this>:\n    --- Type Layout ---\n    lots\nError:too many fields\nExpected:\n    7\nFound:\n    3\n\nmore\nError:mismatched type\nExpected:\n    u32\nFound:\n    u64\n";
        assert_eq!(
            condense_report(report),
            "too many fields (host expects 7, plugin has 3); mismatched type (host expects u32, plugin has u64)"
        );
    }
}
