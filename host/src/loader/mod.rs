//! Finding the plugin library (`FLYTEKIT_PLUGIN`, the drop-in directory) and loading it through
//! abi_stable. This is the host's only `unsafe` code and its only direct use of abi_stable's loader.

#![allow(unsafe_code)]

mod choice;
mod error;
mod integrity;
mod probe;
mod select;
pub(crate) mod structure;

use std::path::{Path, PathBuf};

use abi_stable::{
    abi_stability::abi_checking::check_layout_compatibility,
    library::{AbiHeaderRef, LibHeader, LibraryError, ROOT_MODULE_LOADER_NAME_WITH_NUL},
    StableAbi,
};
use flyte_plugin_abi::{types::PluginInfo, AbiVersion, HostServicesRef, PluginModRef};

pub(crate) use crate::plugin_dir::LIBRARY_EXTENSION;
use crate::{layout_cache, plugin_dir::lock::LockEntry};
/// The target triple of this host: the platform key of plugin manifests and the build a library must be for.
pub(crate) const TARGET: &str = env!("FLYTE_HOST_TARGET");
pub(crate) use choice::Choice;
use error::first_line;
pub(crate) use error::{condense_report, LoadError};
pub(crate) use integrity::{check_installed_permissions, check_locked, check_pin, pins};
pub(crate) use probe::{child_main as probe_child_main, PROBE_COMMAND};
pub(crate) use select::{
    drop_in_libraries, is_builtin_word, loose_library, other_layers, plugin_dir, select,
    stack_value, Origin, Selection,
};

/// A loaded plugin library.
pub(crate) struct LoadedPlugin {
    /// The library's path.
    pub path: PathBuf,
    /// Its root module.
    pub module: PluginModRef,
    /// What it said about itself.
    pub info: PluginInfo,
}

/// Loads the library at `path` — an installed plugin's after checking it against its lock entry
/// `locked` — checks it against this host's plugin ABI, and shakes hands. A library file this host
/// build has not loaded before is first checked for its structure and loaded once in a child
/// process (see [`probe`]): a library that would crash or hang the command is refused instead.
pub(crate) fn load(
    path: &Path,
    origin: Origin,
    locked: Option<&LockEntry>,
    services: HostServicesRef,
) -> Result<LoadedPlugin, LoadError> {
    load_with(path, origin, locked, services, true)
}

/// [`load`] without the trial load in a child process: for the child processes that are that
/// trial (`__probe-library`, `plugin check`'s own child).
pub(crate) fn load_here(
    path: &Path,
    origin: Origin,
    locked: Option<&LockEntry>,
    services: HostServicesRef,
) -> Result<LoadedPlugin, LoadError> {
    load_with(path, origin, locked, services, false)
}

/// Makes sure loading the library at `path` in-process would be survived: `Ok` when this host
/// build loaded the unchanged file before, or its structure checks out and a child process loaded
/// it (see [`load`]); why not otherwise. For commands that inspect libraries in child processes.
pub(crate) fn try_in_child(path: &Path, origin: &Origin) -> Result<(), LoadError> {
    let meta = std::fs::metadata(path).map_err(|_| LoadError::NotFound {
        path: path.to_owned(),
        origin: origin.clone(),
    })?;
    if !meta.is_file() {
        return Err(LoadError::NotAFile {
            path: path.to_owned(),
            origin: origin.clone(),
        });
    }
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    survivable(&path, &meta, origin, true).map(|_| ())
}

/// The checks before the first in-process load of a library file (nothing for a file this host
/// build loaded before): its structure, then (with `probe`) a trial load in a child process.
/// Returns the file's layout-check record and whether it is there now (the trial leaves it).
fn survivable(
    path: &Path,
    meta: &std::fs::Metadata,
    origin: &Origin,
    probe: bool,
) -> Result<(Option<layout_cache::Entry>, bool), LoadError> {
    let record = layout_cache::Entry::of(meta);
    let checked = |record: &Option<layout_cache::Entry>| {
        record.as_ref().is_some_and(layout_cache::Entry::is_checked)
    };
    if checked(&record) {
        return Ok((record, true));
    }
    structure::check(path, meta.len())
        .map_err(|problem| LoadError::structure(path, origin, problem))?;
    if !probe {
        return Ok((record, false));
    }
    probe::trial_load(path, origin)?;
    let known = checked(&record);
    Ok((record, known))
}

fn load_with(
    path: &Path,
    origin: Origin,
    locked: Option<&LockEntry>,
    services: HostServicesRef,
    probe: bool,
) -> Result<LoadedPlugin, LoadError> {
    // One `stat` serves the lock, permission and layout-cache checks.
    let meta = match (std::fs::metadata(path), locked) {
        (Ok(meta), _) if meta.is_file() => meta,
        (Ok(_), _) => {
            return Err(LoadError::NotAFile {
                path: path.to_owned(),
                origin,
            })
        }
        (Err(_), Some(entry)) => {
            return Err(LoadError::InstalledMissing {
                path: path.to_owned(),
                name: entry.name.clone(),
            })
        }
        (Err(_), None) => {
            return Err(LoadError::NotFound {
                path: path.to_owned(),
                origin,
            })
        }
    };
    if let Some(entry) = locked {
        integrity::check_locked_with(path, &meta, entry)?;
        integrity::check_signed(path, entry)?;
    }
    integrity::check_permissions(path, &meta, locked.is_some())?;
    // A bare file name would send dlopen searching the system library path: name it from here.
    let absolute;
    let path = if path.is_relative() {
        absolute = std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_owned());
        absolute.as_path()
    } else {
        path
    };
    let (record, checked) = survivable(path, &meta, &origin, probe)?;
    let library = open_eagerly(path).map_err(|reason| LoadError::NotALibrary {
        path: path.to_owned(),
        origin: origin.clone(),
        reason,
    })?;
    let header = lib_header(&library, path, &origin);
    // Libraries are never unloaded, not even a refused one whose code already ran: abi_stable
    // hands out 'static references into them.
    std::mem::forget(library);
    let header = header?;
    let module = init_root_module(path, record, checked, header)?;
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
            path: path.to_owned(),
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
/// (abi_stable's own loader opens lazily).
fn open_eagerly(path: &Path) -> Result<libloading::Library, String> {
    #[cfg(unix)]
    let library = {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading runs the library's initializers; plugins are trusted code chosen by the
        // user, as for any plugin host.
        unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map(Into::into)
    };
    #[cfg(not(unix))]
    // SAFETY: as above.
    let library = unsafe { libloading::Library::new(path) };
    library.map_err(|e| {
        // libloading puts the dynamic loader's own words in the error's source.
        let text = std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
        loader_reason(&text, path)
    })
}

/// The abi_stable header `library` (at `path`) exports, checked as abi_stable's
/// `lib_header_from_path` checks it (abi_stable version, C ABI), from the handle already open
/// rather than a second `dlopen`.
fn lib_header(
    library: &libloading::Library,
    path: &Path,
    origin: &Origin,
) -> Result<&'static LibHeader, LoadError> {
    // SAFETY: the symbol abi_stable's root module exports is an `AbiHeaderRef`; `upgrade` checks
    // the header it points to before anything else reads the library. The library is never
    // unloaded, so the 'static references stay valid.
    let header =
        unsafe { library.get::<AbiHeaderRef>(ROOT_MODULE_LOADER_NAME_WITH_NUL.as_bytes()) }
            .map_err(|_| LoadError::NoRootModule {
                path: path.to_owned(),
                origin: origin.clone(),
            })?;
    (*header).upgrade().map_err(|e| library_error(path, e))
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

/// Checks the root module's layout, unless this host binary already checked this very file
/// (`checked`: its `record` is there, see [`layout_cache`]). A plugin built against an older 1.x
/// has a shorter table, which abi_stable's check rejects ("too many fields"); such a plugin is
/// accepted when its whole layout is a prefix
/// of the host's, checked with the roles swapped (the common part is still fully checked, and the
/// host treats hooks beyond the plugin's table as not overridden).
fn init_root_module(
    path: &Path,
    record: Option<layout_cache::Entry>,
    checked: bool,
    header: &'static LibHeader,
) -> Result<PluginModRef, LoadError> {
    if checked {
        // SAFETY: this host binary checked this unchanged file's layout before.
        return unsafe { header.init_root_module_with_unchecked_layout::<PluginModRef>() }
            .map_err(|e| library_error(path, e));
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
                let built = header.version_strings();
                return Err(LoadError::LayoutMismatch {
                    path: path.to_owned(),
                    built_against: Some(built.version.to_string()),
                    summary: condense_report(&forward),
                    report: forward,
                });
            }
            // SAFETY: the plugin's layout was checked above with the plugin as the interface:
            // every field it has matches the host's, and the host only reads fields the plugin
            // has (fields past its table are `Option` accessors that return `None`).
            unsafe { header.init_root_module_with_unchecked_layout::<PluginModRef>() }
                .map_err(|e| library_error(path, e))?
        }
        Err(e) => return Err(library_error(path, e)),
    };
    if let Some(record) = record {
        record.mark_checked(path);
    }
    Ok(module)
}

/// The user-facing error for what abi_stable reported about the library at `path`.
fn library_error(path: &Path, err: LibraryError) -> LoadError {
    let path = path.to_owned();
    match err {
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
                built_against: None,
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
