//! Finding the plugin library (`FLYTEKIT_PLUGIN`, the drop-in directory) and loading it through
//! abi_stable. This is the host's only `unsafe` code and its only direct use of abi_stable's loader.

#![allow(unsafe_code)]

use std::{
    ffi::OsString,
    fmt,
    path::{Path, PathBuf},
};

use abi_stable::{
    abi_stability::abi_checking::check_layout_compatibility,
    library::{lib_header_from_path, LibHeader, LibraryError},
    StableAbi,
};
use flyte_plugin_abi::{types::PluginInfo, AbiVersion, HostServicesRef, PluginModRef};

use crate::layout_cache;

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

/// Why a plugin could not be selected or loaded. Every message names the library and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The library file does not exist.
    #[error("plugin library `{path}` (from {origin}) does not exist. Point FLYTEKIT_PLUGIN at a plugin library (.{LIBRARY_EXTENSION}), or set FLYTEKIT_PLUGIN=builtin to use the built-in plugin.", path = .path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
    },
    /// The path is not a regular file.
    #[error("plugin library `{path}` (from {origin}) is not a file. Point FLYTEKIT_PLUGIN at a plugin library (.{LIBRARY_EXTENSION}).", path = .path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
    },
    /// The file is not a loadable shared library.
    #[error("`{path}` (from {origin}) is not a loadable shared library: {reason}. A plugin is a cdylib built with flyte-plugin-abi's export_plugin!.", path = .path.display())]
    NotALibrary {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
        /// The dynamic loader's explanation.
        reason: String,
    },
    /// The library exports no flyte-host root module.
    #[error("`{path}` (from {origin}) is a shared library but not a flyte-host plugin: it exports no flyte-host root module. Build plugins with flyte-plugin-abi's export_plugin!.", path = .path.display())]
    NoRootModule {
        /// The path.
        path: PathBuf,
        /// How it was chosen.
        origin: Origin,
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
    #[error("plugin `{path}` does not match this host's plugin ABI {host_abi}: {summary}. Rebuild the plugin against flyte-plugin-abi {host_abi} (run with --verbose for abi_stable's full report).", path = .path.display(), host_abi = AbiVersion::CURRENT)]
    LayoutMismatch {
        /// The path.
        path: PathBuf,
        /// A few lines saying what differs.
        summary: String,
        /// abi_stable's full report, shown with `--verbose`.
        report: String,
    },
    /// The plugin needs a newer host.
    #[error("plugin '{name}' {version} needs flyte-host with plugin ABI ≥ {needs}; this host has {has}. Upgrade flyte-host, or use a build of the plugin for plugin ABI {has}.", needs = format_args!("{}.{}", .needs.major, .needs.minor), has = format_args!("{}.{}", .has.major, .has.minor))]
    NeedsNewerHost {
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
    /// More than one library in the drop-in directory.
    #[error("multiple plugins installed in {dir}: {names}. flyte-host activates one plugin at a time: remove all but one, or pick one with FLYTEKIT_PLUGIN=<path>.", dir = .dir.display(), names = .files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))]
    MultipleDropIns {
        /// The drop-in directory.
        dir: PathBuf,
        /// The libraries found there.
        files: Vec<PathBuf>,
    },
    /// The drop-in directory exists but cannot be read.
    #[error("cannot read the plugin directory {dir}: {source}. Fix its permissions, or set FLYTE_PLUGIN_DIR to another directory.", dir = .dir.display())]
    DropInDir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl LoadError {
    /// Extra detail for `--verbose`.
    pub fn details(&self) -> Option<&str> {
        match self {
            LoadError::LayoutMismatch { report, .. } => Some(report),
            _ => None,
        }
    }
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
            return Ok(Selection::Builtin("FLYTEKIT_PLUGIN selects the built-in plugin"));
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

/// A plugin library, loaded and checked, whose handshake succeeded.
pub struct LoadedPlugin {
    /// The library's path.
    pub path: PathBuf,
    /// Its root module.
    pub module: PluginModRef,
    /// What it said about itself.
    pub info: PluginInfo,
}

/// Loads the library at `path`, checks it against this host's plugin ABI, and shakes hands.
pub fn load(
    path: &Path,
    origin: Origin,
    services: HostServicesRef,
) -> Result<LoadedPlugin, LoadError> {
    match std::fs::metadata(path) {
        Err(_) => {
            return Err(LoadError::NotFound {
                path: path.to_owned(),
                origin,
            })
        }
        Ok(meta) if !meta.is_file() => {
            return Err(LoadError::NotAFile {
                path: path.to_owned(),
                origin,
            })
        }
        Ok(_) => {}
    }
    bind_eagerly(path).map_err(|reason| LoadError::NotALibrary {
        path: path.to_owned(),
        origin: origin.clone(),
        reason,
    })?;
    let header = lib_header_from_path(path).map_err(|e| library_error(path, &origin, e))?;
    let module = init_root_module(path, &origin, header)?;
    let info = module.handshake()(services);
    let host = AbiVersion::CURRENT;
    if info.abi_version.major != host.major {
        return Err(LoadError::IncompatibleAbi {
            path: path.to_owned(),
            found: info.abi_version.to_string(),
            expected: host,
        });
    }
    if (info.min_host_abi.major, info.min_host_abi.minor) > (host.major, host.minor) {
        return Err(LoadError::NeedsNewerHost {
            name: info.name.to_string(),
            version: info.version.to_string(),
            needs: info.min_host_abi,
            has: host,
        });
    }
    Ok(LoadedPlugin {
        path: path.to_owned(),
        module,
        info,
    })
}

/// Opens the library with every symbol bound now (`RTLD_NOW`), so a library with unresolved
/// symbols is refused here with the loader's message instead of killing the process mid-hook
/// (abi_stable opens lazily). The handle is kept open: abi_stable's own open then reuses it.
fn bind_eagerly(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    let library = {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading runs the library's initializers; plugins are trusted code chosen by the
        // user, as for any plugin host.
        unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }
    };
    #[cfg(not(unix))]
    // SAFETY: as above.
    let library = unsafe { libloading::Library::new(path) };
    let library = library.map_err(|e| {
        // libloading puts the dynamic loader's own words in the error's source.
        let text = std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
        loader_reason(&text, path)
    })?;
    // Libraries are never unloaded: abi_stable hands out 'static references into them.
    std::mem::forget(library);
    Ok(())
}

/// The dynamic loader's message without the path it repeats.
fn loader_reason(message: &str, path: &Path) -> String {
    let path_text = path.display().to_string();
    let trimmed = message
        .split_once(&format!("{path_text}: "))
        .map(|(_, rest)| rest)
        .unwrap_or(message);
    trimmed.trim().to_owned()
}

/// Checks the root module's layout, unless this host binary already checked this very file (see
/// [`layout_cache`]). A plugin built against an older 1.x has a shorter table, which abi_stable's
/// check rejects ("too many fields"); such a plugin is accepted when its whole layout is a prefix
/// of the host's, checked with the roles swapped (the common part is still fully checked, and the
/// host treats hooks beyond the plugin's table as not overridden).
fn init_root_module(
    path: &Path,
    origin: &Origin,
    header: &'static LibHeader,
) -> Result<PluginModRef, LoadError> {
    if layout_cache::is_checked(path) {
        // SAFETY: this host binary checked this unchanged file's layout before.
        return unsafe { header.init_root_module_with_unchecked_layout::<PluginModRef>() }
            .map_err(|e| library_error(path, origin, e));
    }
    let module = match header.init_root_module::<PluginModRef>() {
        Ok(module) => module,
        Err(LibraryError::AbiInstability(forward)) => {
            let forward = forward.to_string();
            let older_prefix = header.layout().is_some_and(|plugin_layout| {
                check_layout_compatibility(plugin_layout, <PluginModRef as StableAbi>::LAYOUT)
                    .is_ok()
            });
            if !older_prefix {
                return Err(LoadError::LayoutMismatch {
                    path: path.to_owned(),
                    summary: condense_report(&forward),
                    report: forward,
                });
            }
            // SAFETY: the plugin's layout was checked above with the plugin as the interface:
            // every field it has matches the host's, and the host only reads fields the plugin
            // has (fields past its table are `Option` accessors that return `None`).
            unsafe { header.init_root_module_with_unchecked_layout::<PluginModRef>() }
                .map_err(|e| library_error(path, origin, e))?
        }
        Err(e) => return Err(library_error(path, origin, e)),
    };
    layout_cache::mark_checked(path);
    Ok(module)
}

fn library_error(path: &Path, origin: &Origin, err: LibraryError) -> LoadError {
    let path = path.to_owned();
    match err {
        LibraryError::OpenError { err, .. } => LoadError::NotALibrary {
            reason: loader_reason(&err.to_string(), &path),
            path,
            origin: origin.clone(),
        },
        LibraryError::GetSymbolError { .. } => LoadError::NoRootModule {
            path,
            origin: origin.clone(),
        },
        LibraryError::IncompatibleVersionNumber { actual_version, .. } => {
            LoadError::IncompatibleAbi {
                path,
                found: actual_version.to_string(),
                expected: AbiVersion::CURRENT,
            }
        }
        LibraryError::InvalidAbiHeader(found) => LoadError::AbiStableMismatch {
            path,
            found: format!("{}.{}", found.abi_major, found.abi_minor),
            expected: {
                let ours = abi_stable::library::AbiHeader::VALUE;
                format!("{}.{}", ours.abi_major, ours.abi_minor)
            },
        },
        LibraryError::AbiInstability(report) => {
            let report = report.to_string();
            LoadError::LayoutMismatch {
                path,
                summary: condense_report(&report),
                report,
            }
        }
        LibraryError::RootModule { err, .. } => LoadError::InitFailed {
            path,
            reason: err.to_string(),
        },
        other => LoadError::InitFailed {
            path,
            reason: first_line(&other.to_string()),
        },
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error")
        .to_owned()
}

/// Condenses abi_stable's layout report (hundreds of lines) into its `Error:` / `Expected:` /
/// `Found:` triples, at most three of them.
pub fn condense_report(report: &str) -> String {
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
        assert!(err.to_string().starts_with("multiple plugins installed"), "{err}");
    }
}
