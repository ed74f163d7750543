//! The integrity checks every plugin library passes before it is loaded: no write access for other
//! users (as ssh refuses loose key permissions), an installed library still matching its lock entry,
//! and the `FLYTE_PLUGIN_SHA256` pin.
//!
//! Cheap by design: the permission check is one `stat` of the file and one of its directory (for
//! an installed plugin, three more: the directories up to the plugin directory and the lock); a
//! locked library is only re-hashed when its size or modification time no longer match the lock.
//! The pin is the exception: it costs one hash of the library on every start, and so does
//! `FLYTE_PLUGIN_VERIFY=always` (a hash and a signature check). An installed library's signature
//! costs nothing at start: its lock entry records the key it was verified with at install; only
//! an entry without one costs a listing of the trusted key directories (see [`check_signed`]).

use std::{ffi::OsString, fs, path::Path};

use super::LoadError;
use crate::plugin_dir::{
    is_sha256,
    lock::{LockEntry, LOCK_FILE},
    sha256_file,
};
use crate::trust;

/// Refuses `target` (a `what`) when its mode lets group or others write it.
fn refuse_loose(what: &'static str, target: &Path, mode: u32) -> Result<(), LoadError> {
    if mode & 0o022 == 0 {
        return Ok(());
    }
    Err(LoadError::LoosePermissions {
        what,
        path: target.to_owned(),
        mode: mode & 0o7777,
    })
}

/// Refuses `target` (a `what`, whose metadata is `meta`) when group or others may write it.
#[cfg(unix)]
pub(super) fn refuse_loose_meta(
    what: &'static str,
    target: &Path,
    meta: &fs::Metadata,
) -> Result<(), LoadError> {
    use std::os::unix::fs::PermissionsExt;
    refuse_loose(what, target, meta.permissions().mode())
}

/// Windows has no mode bits to check.
#[cfg(not(unix))]
pub(super) fn refuse_loose_meta(
    _what: &'static str,
    _target: &Path,
    _meta: &fs::Metadata,
) -> Result<(), LoadError> {
    Ok(())
}

/// Refuses `target` when it exists and is writable by group or others.
fn refuse_loose_at(what: &'static str, target: &Path) -> Result<(), LoadError> {
    match fs::metadata(target) {
        Ok(meta) => refuse_loose_meta(what, target, &meta),
        Err(_) => Ok(()),
    }
}

/// Refuses `path` when the file or its directory is writable by group or others; for an
/// `installed` library (`<plugin dir>/<name>/<version>/<library>`) also when its `<name>`
/// directory is (selection checked the plugin directory and the lock, see
/// [`check_installed_permissions`] for all at once).
pub(super) fn check_permissions(
    path: &Path,
    meta: &fs::Metadata,
    installed: bool,
) -> Result<(), LoadError> {
    refuse_loose_meta("library", path, meta)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    refuse_loose_at("directory", dir)?;
    if let (true, Some(name_dir)) = (installed, dir.parent()) {
        refuse_loose_at("directory", name_dir)?;
    }
    Ok(())
}

/// Refuses an installed library that no longer hashes to its lock entry. The hash is only computed
/// when the size or modification time differ from the ones recorded at install.
pub(crate) fn check_locked(path: &Path, entry: &LockEntry) -> Result<(), LoadError> {
    let meta = fs::metadata(path).map_err(|_| LoadError::InstalledMissing {
        path: path.to_owned(),
        name: entry.name.clone(),
    })?;
    check_locked_with(path, &meta, entry)
}

/// [`check_locked`] for a library whose metadata is at hand.
pub(super) fn check_locked_with(
    path: &Path,
    meta: &fs::Metadata,
    entry: &LockEntry,
) -> Result<(), LoadError> {
    if entry.matches(meta) {
        return Ok(());
    }
    let found = sha256_file(path).map_err(|e| LoadError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if found == entry.sha256 {
        return Ok(());
    }
    Err(LoadError::Tampered {
        path: path.to_owned(),
        name: entry.name.clone(),
        version: entry.version.clone(),
        expected: entry.sha256.clone(),
        found,
    })
}

/// The signature policy for installed library `path` with lock entry `entry` (see
/// [`crate::trust`]). A library whose entry records the key it was verified with costs nothing
/// more; one whose entry records none costs a listing of the two key directories, and is refused
/// when a key is trusted or `FLYTE_PLUGIN_REQUIRE_SIGNATURE=1`. `FLYTE_PLUGIN_VERIFY=always`
/// re-hashes the library and re-verifies its signature with the key its entry records.
pub(crate) fn check_signed(path: &Path, entry: &LockEntry) -> Result<(), LoadError> {
    let always = trust::verify_always()?;
    if entry.key_id.is_empty() {
        if let Some(why) = trust::policy_at_start()? {
            return Err(LoadError::Unsigned {
                path: path.to_owned(),
                name: entry.name.clone(),
                version: entry.version.clone(),
                why,
            });
        }
    }
    if !always {
        return Ok(());
    }
    let found = sha256_file(path).map_err(|e| LoadError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if found != entry.sha256 {
        return Err(LoadError::Tampered {
            path: path.to_owned(),
            name: entry.name.clone(),
            version: entry.version.clone(),
            expected: entry.sha256.clone(),
            found,
        });
    }
    if entry.key_id.is_empty() {
        return Ok(());
    }
    let keys = trust::KeyDirs::from_env()?.read()?;
    if keys.is_empty() && !trust::required()? {
        // No key trusted any more: nothing to verify the signature with, and nothing requires it.
        return Ok(());
    }
    trust::reverify(path, &entry.key_id, &keys).map_err(|reason| LoadError::SignatureFailed {
        path: path.to_owned(),
        name: entry.name.clone(),
        version: entry.version.clone(),
        reason,
    })
}

/// Refuses `path` unless it hashes to `pin` (the value of `FLYTE_PLUGIN_SHA256`), when set.
/// The pins of `FLYTE_PLUGIN_SHA256` (`value`) for a stack of `layers`, top first: one sha256 per
/// layer, comma-separated (none when unset).
pub(crate) fn pins(
    value: Option<OsString>,
    layers: usize,
) -> Result<Vec<Option<OsString>>, LoadError> {
    let Some(value) = value.filter(|p| !p.is_empty()) else {
        return Ok(vec![None; layers]);
    };
    let text = value.to_string_lossy();
    let pins: Vec<Option<OsString>> = text.split(',').map(|p| Some(p.trim().into())).collect();
    if pins.len() != layers {
        return Err(LoadError::PinCount {
            pins: pins.len(),
            layers,
        });
    }
    Ok(pins)
}

pub(crate) fn check_pin(path: &Path, pin: Option<OsString>) -> Result<(), LoadError> {
    let Some(pin) = pin.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let pin = pin.to_string_lossy().trim().to_ascii_lowercase();
    if !is_sha256(&pin) {
        return Err(LoadError::BadPin { value: pin });
    }
    let found = sha256_file(path).map_err(|e| LoadError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if found == pin {
        return Ok(());
    }
    Err(LoadError::PinMismatch {
        path: path.to_owned(),
        expected: pin,
        found,
    })
}

/// Refuses installed library `path` when it, the directories above it up to the plugin directory,
/// or the lock file are writable by other users (see [`check_permissions`]); for `plugin verify`
/// and `plugin list`.
pub(crate) fn check_installed_permissions(path: &Path) -> Result<(), LoadError> {
    let plugin_dir = path.parent().and_then(Path::parent).and_then(Path::parent);
    if let Some(plugin_dir) = plugin_dir {
        refuse_loose_at("directory", plugin_dir)?;
        refuse_loose_at("lock file", &plugin_dir.join(LOCK_FILE))?;
    }
    match fs::metadata(path) {
        Ok(meta) => check_permissions(path, &meta, true),
        Err(e) => Err(LoadError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}
