//! `plugin install`, `plugin remove` and `plugin verify`: fetch and verify into a staging directory
//! inside the plugin directory, check out of process, then move into place and update the lock
//! under the directory's advisory lock. A failure at any step leaves nothing half-written.

use std::{
    fs,
    path::{Path, PathBuf},
    time::Duration,
};

use super::{
    check_in_child,
    fetch::{self, Location},
    index::{self, Chosen},
    lock::{mtime_ns, Guard, Lock, LockEntry},
    manifest::Manifest,
    safe_component, sha256_file,
    staging::{create_dir, download_to_staging, temp_name, Staged},
    Checked, InstallError,
};
use crate::{
    plugin_dir::LIBRARY_EXTENSION,
    trust::{self, KeyDirs, Policy},
};

/// What `install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Installed a plugin that was not installed.
    Installed,
    /// Replaced another version (the old version).
    Replaced(String),
    /// The same version and library were already installed.
    Unchanged,
}

/// The result of an install: the lock entry and what happened.
#[derive(Debug, Clone)]
pub(crate) struct Installed {
    /// The plugin's lock entry.
    pub entry: LockEntry,
    /// What happened.
    pub outcome: Outcome,
}

/// Whether two dotted versions are the same, missing parts counting as 0 (`1.0` is `1.0.0`).
fn same_version(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Option<Vec<u64>> {
        let mut parts: Vec<u64> = v
            .trim()
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Some(parts)
    };
    match (parts(a), parts(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// Whether `entry`'s library is in place and still hashes to its lock entry (always re-hashed: a
/// re-install is how a user repairs a library changed behind the lock's back).
fn intact(dir: &Path, entry: &LockEntry) -> bool {
    sha256_file(&entry.library(dir)).is_ok_and(|found| found == entry.sha256)
}

/// Installs the plugin `source` names (a manifest path or URL, or a library path) into plugin
/// directory `dir`, and seals the directory (see [`seal`](super::seal)).
pub(crate) fn install(source: &str, dir: &Path) -> Result<Installed, InstallError> {
    let installed = install_unsealed(source, dir, None)?;
    super::seal::seal(dir);
    Ok(installed)
}

/// [`install`]s the version an index lists (`chosen`), from the manifest it points at: that
/// manifest, read once, must be the plugin and version listed (see [`index::confirm`]).
pub(crate) fn install_chosen(chosen: &Chosen, dir: &Path) -> Result<Installed, InstallError> {
    let installed = install_unsealed(&chosen.manifest, dir, Some(chosen))?;
    super::seal::seal(dir);
    Ok(installed)
}

/// [`install`] without the seal, step by step: read the source (confirming it is what the index
/// `listed`), download into staging, check out of process, then, under the directory's lock, move
/// into place and switch the lock.
fn install_unsealed(
    source: &str,
    dir: &Path,
    listed: Option<&Chosen>,
) -> Result<Installed, InstallError> {
    let wanted = read_source(source, listed)?;
    let dirs = KeyDirs::from_env()?;
    let policy = Policy::from_env(&dirs)?;
    refuse_unsigned(source, &wanted, &policy, &dirs)?;
    if let Some(installed) = already_installed(dir, &wanted, &policy)? {
        return Ok(installed);
    }
    let file = library_file_name(&wanted.library);
    let staged = download_to_staging(dir, &wanted.library, wanted.expected.as_deref(), &file)?;
    // The signature is checked before the library's code ever runs (in the check's child).
    let key_id = verify_signature(&staged, &wanted, &policy, source)?;
    let checked = check_staged(&staged, source, wanted.manifest.as_ref())?;
    staged.keep_only_the_library()?;
    if !key_id.is_empty() {
        if let Some(signature) = &wanted.signature {
            let kept = trust::signature_file(&staged.library);
            crate::atomic_file::write(&kept, signature.text.as_bytes(), false)
                .map_err(|e| InstallError::io(&kept, e))?;
        }
    }

    let _guard = Guard::acquire(dir)?;
    let mut lock = Lock::read(dir)?;
    let previous = lock.get(&checked.name).cloned();
    if let Some(entry) = &previous {
        if entry.version == checked.version
            && entry.sha256 == staged.sha256
            && entry.key_id == key_id
            && intact(dir, entry)
        {
            return Ok(Installed {
                entry: entry.clone(),
                outcome: Outcome::Unchanged,
            });
        }
    }
    let name_dir = dir.join(&checked.name);
    let sha256 = staged.sha256.clone();
    let (install_dir, target) = move_into_place(staged, &name_dir, &checked.version)?;
    let installed = target.join(&file);
    let meta = fs::metadata(&installed).map_err(|e| InstallError::io(&installed, e))?;
    let entry = LockEntry {
        name: checked.name.clone(),
        version: checked.version.clone(),
        abi: checked.abi,
        sha256,
        source: if wanted.manifest.is_none() {
            wanted.library.to_string()
        } else {
            source.to_owned()
        },
        file,
        size: meta.len(),
        mtime_ns: mtime_ns(&meta).unwrap_or_default(),
        dir: if install_dir == checked.version {
            String::new()
        } else {
            install_dir.clone()
        },
        key_id,
    };
    switch_lock(dir, &mut lock, entry.clone(), &target)?;
    // The old install goes once no start-up can still be on its way to it: one that read the old
    // lock opens the old library within milliseconds (and, once open, keeps it).
    remove_other_installs(&name_dir, &install_dir);
    let entry = if entry.dir.is_empty() {
        entry
    } else {
        back_to_the_version_directory(dir, &name_dir, &mut lock, entry)
    };
    let outcome = match previous {
        Some(old) if old.version != entry.version => Outcome::Replaced(old.version),
        Some(_) => Outcome::Installed,
        None => Outcome::Installed,
    };
    Ok(Installed { entry, outcome })
}

/// What an install source names: the library to download and, from a manifest, the hash it must
/// have, the manifest itself (whose name and version the check must confirm) and the library's
/// signature when the manifest has one.
struct Wanted {
    library: Location,
    expected: Option<String>,
    manifest: Option<Manifest>,
    signature: Option<trust::Signature>,
}

/// Reads `source`: a library path or URL as it is, or a manifest, whose entry for this platform
/// names the library (relative to the manifest) and its hash. The version an index `listed` there
/// must be what the source is (see [`index::confirm`]), checked first.
fn read_source(source: &str, listed: Option<&Chosen>) -> Result<Wanted, InstallError> {
    let location = Location::parse(source, None)?;
    if source.ends_with(&format!(".{LIBRARY_EXTENSION}")) {
        if let Some(chosen) = listed {
            index::confirm(chosen, None)?;
        }
        let library = match location {
            Location::File(path) => Location::File(fs::canonicalize(&path).unwrap_or(path)),
            http => http,
        };
        return Ok(Wanted {
            library,
            expected: None,
            manifest: None,
            signature: None,
        });
    }
    let manifest = Manifest::parse(&fetch::read_text(&location)?, source)?;
    if let Some(chosen) = listed {
        index::confirm(chosen, Some(&manifest))?;
    }
    let platform = manifest.for_this_platform(source)?;
    let signature = match (&platform.signature, &platform.signature_url) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(url)) => Some(fetch::read_text(&Location::parse(url, Some(&location))?)?),
        (None, None) => None,
    };
    let signature = signature
        .map(|text| {
            trust::Signature::parse(&text).map_err(|reason| InstallError::BadManifest {
                source_name: source.to_owned(),
                reason: match &platform.signature_url {
                    Some(url) => format!("its signature `{url}`: {reason}"),
                    None => format!("its signature: {reason}"),
                },
            })
        })
        .transpose()?;
    Ok(Wanted {
        library: Location::parse(&platform.url, Some(&location))?,
        expected: Some(platform.sha256.clone()),
        manifest: Some(manifest),
        signature,
    })
}

/// Refuses, before anything is downloaded, what the signature policy cannot accept: any source
/// when signatures are required and no key is trusted, a source without a signature, or one
/// signed by a key that is not trusted.
fn refuse_unsigned(
    source: &str,
    wanted: &Wanted,
    policy: &Policy,
    dirs: &KeyDirs,
) -> Result<(), InstallError> {
    match policy {
        Policy::Off => Ok(()),
        Policy::NoKey => Err(InstallError::NoTrustedKey {
            source_name: source.to_owned(),
            dirs: dirs.describe(),
            system: dirs.system.clone(),
        }),
        Policy::Keys(keys) => match &wanted.signature {
            None => Err(InstallError::Unsigned {
                source_name: source.to_owned(),
                what: if wanted.manifest.is_some() {
                    format!(
                        "plugin manifest {source} has no signature for this platform ({})",
                        super::TARGET
                    )
                } else {
                    format!("`{source}` is a plugin library, which carries no signature")
                },
                trusted: trust::key_ids(keys),
            }),
            Some(signature) if !keys.iter().any(|k| k.key_id == signature.key_id) => {
                Err(InstallError::UnknownKey {
                    source_name: source.to_owned(),
                    key_id: signature.key_id.clone(),
                    trusted: trust::key_ids(keys),
                })
            }
            Some(_) => Ok(()),
        },
    }
}

/// Verifies the staged library's signature with the trusted keys when a policy is in force;
/// returns the id of the key it verified with (empty when none was checked: no policy).
fn verify_signature(
    staged: &Staged,
    wanted: &Wanted,
    policy: &Policy,
    source: &str,
) -> Result<String, InstallError> {
    let Some(signature) = &wanted.signature else {
        return Ok(String::new());
    };
    if !policy.in_force() {
        crate::say!(
            "note: the library of `{source}` is signed by key {}, but no key is trusted, so the signature was not checked: `flyte-host plugin trust add KEY` makes installs require it.",
            signature.key_id
        );
        return Ok(String::new());
    }
    match trust::verify_file(&staged.library, signature, policy.keys()) {
        Ok(key) => Ok(key.key_id.clone()),
        Err(trust::Rejected::UnknownKey) => Err(InstallError::UnknownKey {
            source_name: source.to_owned(),
            key_id: signature.key_id.clone(),
            trusted: policy.key_ids(),
        }),
        Err(trust::Rejected::Invalid(reason)) => Err(InstallError::BadSignature {
            url: wanted.library.to_string(),
            key_id: signature.key_id.clone(),
            reason,
        }),
        Err(trust::Rejected::Unreadable(e)) => Err(InstallError::io(&staged.library, e)),
    }
}

/// The install itself when the lock already has the manifest's version with the promised hash,
/// intact (and, under a signature policy, verified with a key still trusted): nothing to download.
fn already_installed(
    dir: &Path,
    wanted: &Wanted,
    policy: &Policy,
) -> Result<Option<Installed>, InstallError> {
    let (Some(manifest), Some(expected)) = (&wanted.manifest, &wanted.expected) else {
        return Ok(None);
    };
    Ok(Lock::read(dir)?
        .get(&manifest.name)
        .filter(|entry| {
            entry.version == manifest.version
                && entry.sha256 == *expected
                && (!policy.in_force() || policy.keys().iter().any(|k| k.key_id == entry.key_id))
                && intact(dir, entry)
        })
        .map(|entry| Installed {
            entry: entry.clone(),
            outcome: Outcome::Unchanged,
        }))
}

/// The file name the library is installed under: its own when it is a safe library name, else
/// `plugin.<ext>`.
fn library_file_name(library: &Location) -> String {
    library
        .file_name()
        .filter(|f| f.ends_with(&format!(".{LIBRARY_EXTENSION}")) && safe_component(f).is_ok())
        .unwrap_or_else(|| format!("plugin.{LIBRARY_EXTENSION}"))
}

/// Runs the out-of-process check on the staged library; a manifest's name, version and ABI must
/// be what the library says, and its name and version must be safe directory names.
fn check_staged(
    staged: &Staged,
    source: &str,
    manifest: Option<&Manifest>,
) -> Result<Checked, InstallError> {
    let checked = check_in_child(&staged.library, &staged.dir, source)?;
    if let Some(manifest) = manifest {
        let agree = manifest.name == checked.name
            && manifest.version == checked.version
            && same_version(&manifest.abi, &checked.abi);
        if !agree {
            let says =
                |name: &str, version: &str, abi: &str| format!("{name} {version}, ABI {abi}");
            return Err(InstallError::Mismatch {
                source_name: source.to_owned(),
                expected: says(&manifest.name, &manifest.version, &manifest.abi),
                found: says(&checked.name, &checked.version, &checked.abi),
            });
        }
    }
    safe_component(&checked.name)?;
    safe_component(&checked.version)?;
    Ok(checked)
}

/// Renames the staging directory to a new directory under `name_dir`, beside whatever is
/// installed: `version` when free, else (a re-install of the installed version) the version with
/// a unique suffix. Returns that directory's name and path.
fn move_into_place(
    staged: Staged,
    name_dir: &Path,
    version: &str,
) -> Result<(String, PathBuf), InstallError> {
    create_dir(name_dir)?;
    let install_dir = if name_dir.join(version).exists() {
        format!("{version}_{}", &temp_name("r").replace(['.', '-'], ""))
    } else {
        version.to_owned()
    };
    let target = name_dir.join(&install_dir);
    staged.rename_to(&target)?;
    Ok((install_dir, target))
}

/// Writes `lock` with `entry`, new install at `target`; if the write fails, `target` goes.
/// The one switch: readers see the old lock and the old install, or the new lock and the new
/// install, never a lock naming a missing or half-written library.
fn switch_lock(
    dir: &Path,
    lock: &mut Lock,
    entry: LockEntry,
    target: &Path,
) -> Result<(), InstallError> {
    lock.put(entry);
    if let Err(e) = lock.write(dir) {
        let _ = fs::remove_dir_all(target);
        return Err(e.into());
    }
    Ok(())
}

/// How long a replaced install stays after the lock stopped naming it, for start-ups that read
/// the old lock just before the switch.
const READER_GRACE: Duration = Duration::from_millis(250);

/// After [`READER_GRACE`], removes every entry of `name_dir` but `keep`.
fn remove_other_installs(name_dir: &Path, keep: &str) {
    std::thread::sleep(READER_GRACE);
    if let Ok(entries) = fs::read_dir(name_dir) {
        for old in entries.filter_map(Result::ok) {
            if old.file_name() != keep {
                let _ = fs::remove_dir_all(old.path());
            }
        }
    }
}

/// Moves a re-install that went beside the old install (`<name>/<version>_<suffix>/`) back to
/// `<name>/<version>/`, now free, by the same switch: a hard link of the library in a new
/// directory, the lock naming it, the suffixed one removed after the grace period. Installed
/// libraries keep their usual path; where this fails the suffixed install stays, complete.
fn back_to_the_version_directory(
    dir: &Path,
    name_dir: &Path,
    lock: &mut Lock,
    entry: LockEntry,
) -> LockEntry {
    let staging = name_dir.join(temp_name("staging"));
    let version_dir = name_dir.join(&entry.version);
    let library = entry.library(dir);
    let signature = trust::signature_file(&library);
    let moved = create_dir(&staging)
        .ok()
        .and_then(|()| fs::hard_link(&library, staging.join(&entry.file)).ok())
        .and_then(|()| match signature.exists() {
            true => fs::hard_link(
                &signature,
                trust::signature_file(&staging.join(&entry.file)),
            )
            .ok(),
            false => Some(()),
        })
        .and_then(|()| fs::rename(&staging, &version_dir).ok());
    if moved.is_none() {
        let _ = fs::remove_dir_all(&staging);
        return entry;
    }
    let back = LockEntry {
        dir: String::new(),
        ..entry.clone()
    };
    lock.put(back.clone());
    if lock.write(dir).is_err() {
        let _ = fs::remove_dir_all(&version_dir);
        return entry;
    }
    remove_other_installs(name_dir, &back.version);
    back
}

/// Removes installed plugin `name` from plugin directory `dir`, seals the directory (see
/// [`seal`](super::seal)), and returns the plugin's lock entry.
pub(crate) fn remove(name: &str, dir: &Path) -> Result<LockEntry, InstallError> {
    let entry = remove_unsealed(name, dir)?;
    super::seal::seal(dir);
    Ok(entry)
}

fn remove_unsealed(name: &str, dir: &Path) -> Result<LockEntry, InstallError> {
    safe_component(name)?;
    // No plugin directory: nothing is installed (and there is nothing to lock).
    let _guard = if dir.is_dir() {
        Some(Guard::acquire(dir)?)
    } else {
        None
    };
    let mut lock = Lock::read(dir)?;
    let Some(entry) = lock.get(name).cloned() else {
        let names: Vec<&str> = lock.plugins.iter().map(|e| e.name.as_str()).collect();
        return Err(InstallError::NotInstalled {
            name: name.to_owned(),
            dir: dir.to_owned(),
            installed: if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
        });
    };
    lock.plugins.retain(|e| e.name != name);
    lock.write(dir)?;
    let plugin_dir = dir.join(&entry.name);
    fs::remove_dir_all(&plugin_dir).or_else(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Ok(()),
        _ => Err(InstallError::io(&plugin_dir, e)),
    })?;
    Ok(entry)
}

/// One installed plugin's verification.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The lock entry.
    pub entry: LockEntry,
    /// The library's path.
    pub path: PathBuf,
    /// `Err` with the reason when the library is missing or does not hash to the lock's sha256.
    pub result: Result<(), String>,
}

/// Re-hashes every installed library of `dir` against the lock (always hashing, whatever the size
/// and modification time say).
pub(crate) fn verify(dir: &Path) -> Result<Vec<Verified>, InstallError> {
    let lock = Lock::read(dir)?;
    Ok(lock
        .plugins
        .into_iter()
        .map(|entry| {
            let path = entry.library(dir);
            let result = match sha256_file(&path) {
                Err(e) => Err(format!("cannot read the library: {e}")),
                Ok(found) if found != entry.sha256 => Err(format!(
                    "sha256 is {found}, the lock recorded {}: modified after install",
                    entry.sha256
                )),
                Ok(_) => Ok(()),
            };
            Verified {
                entry,
                path,
                result,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::same_version;

    #[test]
    fn versions_compare_by_number() {
        assert!(same_version("1.0", "1.0.0"));
        assert!(same_version("1", "1.0.0"));
        assert!(same_version(" 1.2.0 ", "1.2"));
        assert!(!same_version("2.0.0", "1.0.0"));
        assert!(!same_version("1.0.1", "1.0"));
        assert!(same_version("1.0-rc", "1.0-rc"));
        assert!(!same_version("1.0-rc", "1.0"));
    }
}
