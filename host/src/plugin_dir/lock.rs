//! The lock file of the plugin directory (`plugins.lock`): one entry per installed plugin with the
//! hash, size and modification time of its library, and the advisory lock that serializes installs
//! (an OS file lock, which the OS lets go of when its holder dies).

use std::{
    fs,
    io::Read,
    path::{Path, PathBuf},
    time::UNIX_EPOCH,
};

use serde::{Deserialize, Serialize};

use super::PluginDirError;

/// The lock file's name inside the plugin directory.
pub(crate) const LOCK_FILE: &str = "plugins.lock";

/// The file whose OS lock is held while an install or removal changes the plugin directory.
const GUARD_FILE: &str = ".plugins.lock.guard";

/// One installed plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LockEntry {
    /// The plugin's name (its directory under the plugin directory).
    pub name: String,
    /// The installed version (the directory under the name).
    pub version: String,
    /// The plugin ABI it was built against.
    pub abi: String,
    /// The library's sha256, lowercase hex.
    pub sha256: String,
    /// Where it was installed from (manifest or library, as given).
    pub source: String,
    /// The library's file name inside `<name>/<version>/`.
    pub file: String,
    /// The library's size in bytes when installed.
    pub size: u64,
    /// Its modification time when installed, in nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// The directory under `<name>/` holding the library when it is not the version: a
    /// re-install of the installed version goes into a new directory beside the old one, so the
    /// lock switches readers from one complete install to the other. Empty: the version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dir: String,
    /// The minisign key id (uppercase hex, as minisign prints it) of the trusted key the library's signature was
    /// verified with at install; empty when it was not verified (installed unsigned, or with no
    /// key trusted). Its signature is kept beside the library, `<file>.minisig`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_id: String,
}

impl LockEntry {
    /// The directory of this install under `<name>/`: [`LockEntry::dir`], else the version.
    pub(crate) fn install_dir(&self) -> &str {
        if self.dir.is_empty() {
            &self.version
        } else {
            &self.dir
        }
    }

    /// The library's path under plugin directory `dir`.
    pub(crate) fn library(&self, dir: &Path) -> PathBuf {
        dir.join(&self.name)
            .join(self.install_dir())
            .join(&self.file)
    }

    /// Whether `meta` still has the size and modification time recorded at install.
    pub(crate) fn matches(&self, meta: &fs::Metadata) -> bool {
        meta.len() == self.size && mtime_ns(meta) == Some(self.mtime_ns)
    }
}

/// A file's modification time in nanoseconds since the Unix epoch.
pub(crate) fn mtime_ns(meta: &fs::Metadata) -> Option<i64> {
    let since = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// The parsed lock file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct Lock {
    /// The installed plugins, sorted by name.
    #[serde(default, rename = "plugin")]
    pub plugins: Vec<LockEntry>,
}

impl Lock {
    /// Reads `<dir>/plugins.lock`; an empty lock when there is none.
    pub(crate) fn read(dir: &Path) -> Result<Lock, PluginDirError> {
        Lock::read_with_meta(dir).map(|(lock, _)| lock)
    }

    /// [`Lock::read`], with the lock file's metadata (`None` without a lock file): its
    /// modification time and mode serve the seal and permission checks of start-up.
    pub(crate) fn read_with_meta(
        dir: &Path,
    ) -> Result<(Lock, Option<fs::Metadata>), PluginDirError> {
        let path = dir.join(LOCK_FILE);
        let opened = fs::File::open(&path).and_then(|file| Ok((file.metadata()?, file)));
        let (meta, mut file) = match opened {
            Ok(opened) => opened,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Lock::default(), None))
            }
            Err(e) => return Err(PluginDirError::io(&path, e)),
        };
        // A lock that is not a file, or far larger than any written, is not read at all.
        crate::input::check(&meta, crate::input::LOCK_MAX).map_err(|e| {
            PluginDirError::BadLock {
                path: path.clone(),
                reason: e.to_string(),
            }
        })?;
        let mut text = String::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        // Exactly the size just read: the lock is only ever replaced by a rename, so the open
        // file cannot grow, and one `read` fills the buffer with no second one to find its end.
        (&mut file)
            .take(meta.len())
            .read_to_string(&mut text)
            .map_err(|e| PluginDirError::io(&path, e))?;
        Lock::parse(&text, &path).map(|lock| (lock, Some(meta)))
    }

    /// Parses lock file text read from `path`.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Lock, PluginDirError> {
        let lock = match parse_fast(text) {
            Some(lock) => lock,
            None => toml::from_str(text).map_err(|e| PluginDirError::BadLock {
                path: path.to_owned(),
                reason: e.message().to_owned(),
            })?,
        };
        // Names become paths (`plugin remove` deletes `<dir>/<name>`): `..` or `""` must never
        // reach one.
        for entry in &lock.plugins {
            for (what, value) in [
                ("name", &entry.name),
                ("version", &entry.version),
                ("file", &entry.file),
                ("dir", &entry.install_dir().to_owned()),
            ] {
                if super::safe_component(value).is_err() {
                    return Err(PluginDirError::BadLock {
                        path: path.to_owned(),
                        reason: format!(
                            "an entry's {what} is `{value}`, which is not a single safe file name"
                        ),
                    });
                }
            }
        }
        Ok(lock)
    }

    /// The entry for plugin `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&LockEntry> {
        self.plugins.iter().find(|e| e.name == name)
    }

    /// Adds `entry`, replacing any entry of the same name.
    pub(crate) fn put(&mut self, entry: LockEntry) {
        self.plugins.retain(|e| e.name != entry.name);
        self.plugins.push(entry);
        self.plugins.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// Writes the lock to `<dir>/plugins.lock` atomically (temp file, fsync, rename).
    pub(crate) fn write(&self, dir: &Path) -> Result<(), PluginDirError> {
        let path = dir.join(LOCK_FILE);
        let text = toml::to_string(self).map_err(|e| PluginDirError::BadLock {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let contents =
            format!("# Written by `flyte-host plugin install`: do not edit by hand.\n{text}");
        crate::atomic_file::write(&path, contents.as_bytes(), false)
            .map_err(|e| PluginDirError::io(&path, e))
    }
}

/// Parses the lock in the exact shape [`Lock::write`] produces (`[[plugin]]` tables of `key = "string"`
/// and `key = integer` lines) without the TOML parser, which costs more at start-up than the rest of
/// plugin selection; `None` for anything else, which then goes through the TOML parser.
pub(crate) fn parse_fast(text: &str) -> Option<Lock> {
    // A table has ten keys at most: a list beats a hash map (and its random seed) at that size.
    let mut tables: Vec<Vec<(&str, String)>> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[plugin]]" {
            tables.push(Default::default());
            continue;
        }
        let (key, value) = line.split_once(" = ")?;
        let value = if let Some(v) = value.strip_prefix('"') {
            let v = v.strip_suffix('"')?;
            if v.contains(['\\', '"']) {
                return None;
            }
            v.to_owned()
        } else if let Some(v) = value.strip_prefix('\'') {
            let v = v.strip_suffix('\'')?;
            if v.contains('\'') {
                return None;
            }
            v.to_owned()
        } else if value.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            value.to_owned()
        } else {
            return None;
        };
        let table = tables.last_mut()?;
        if table.iter().any(|(k, _)| *k == key) {
            return None;
        }
        table.push((key, value));
    }
    let plugins = tables
        .into_iter()
        .map(|mut t| {
            let mut take = |key: &str| {
                let i = t.iter().position(|(k, _)| *k == key)?;
                Some(t.swap_remove(i).1)
            };
            let entry = LockEntry {
                name: take("name")?,
                version: take("version")?,
                abi: take("abi")?,
                sha256: take("sha256")?,
                source: take("source")?,
                file: take("file")?,
                size: take("size")?.parse().ok()?,
                mtime_ns: take("mtime_ns")?.parse().ok()?,
                dir: take("dir").unwrap_or_default(),
                key_id: take("key_id").unwrap_or_default(),
            };
            t.is_empty().then_some(entry)
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Lock { plugins })
}

/// Holds the plugin directory's advisory lock until dropped.
#[derive(Debug)]
pub(crate) struct Guard {
    path: PathBuf,
    /// The locked file: closing it lets go of the lock.
    file: fs::File,
}

impl Guard {
    /// Waits for (and takes) the plugin directory's advisory lock: an exclusive OS lock on
    /// `.plugins.lock.guard`. A holder that was killed holds nothing: the OS let go of its lock.
    /// While another flyte-host holds it, one line on stderr says what this one waits for.
    pub(crate) fn acquire(dir: &Path) -> Result<Guard, PluginDirError> {
        let path = dir.join(GUARD_FILE);
        let mut said = false;
        loop {
            let file = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| PluginDirError::io(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    if !said {
                        crate::say!(
                            "Waiting for another flyte-host that is changing the plugin directory {} (its lock: {})",
                            dir.display(),
                            path.display()
                        );
                        said = true;
                    }
                    file.lock().map_err(|e| PluginDirError::io(&path, e))?;
                }
                Err(fs::TryLockError::Error(e)) => return Err(PluginDirError::io(&path, e)),
            }
            // The holder before us removed the file as it let go (see `Drop`): a lock on a removed
            // file guards nothing, so open the file anew.
            if is_at(&file, &path) {
                return Ok(Guard { path, file });
            }
        }
    }
}

/// Whether `file` is still the file at `path`.
#[cfg(unix)]
fn is_at(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Whether `file` is still the file at `path`: off Unix the guard file is never removed (see
/// `Drop`), so it always is.
#[cfg(not(unix))]
fn is_at(_file: &fs::File, _path: &Path) -> bool {
    true
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Removed while still locked, so the plugin directory keeps no trace of the install; a
        // process waiting on this file sees it is gone once it gets the lock (see `acquire`).
        // Elsewhere there is no inode to compare: the file stays.
        #[cfg(unix)]
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_parser_reads_what_write_writes() {
        let dir = tempfile::tempdir().unwrap();
        let mut lock = Lock::default();
        for (name, source) in [("b", "https://x/b.toml"), ("a", "C:\\it's \"here\".so")] {
            lock.put(LockEntry {
                name: name.into(),
                version: "1.0.0".into(),
                abi: "1.0.0".into(),
                sha256: "ab".repeat(32),
                source: source.into(),
                file: "liba.so".into(),
                size: 12,
                mtime_ns: 1_700_000_000_123_456_789,
                dir: if name == "a" {
                    "1.0.0_5f".into()
                } else {
                    String::new()
                },
                key_id: if name == "b" {
                    "17BB4AA3774E874F".into()
                } else {
                    String::new()
                },
            });
        }
        lock.write(dir.path()).unwrap();
        let read = Lock::read(dir.path()).unwrap();
        assert_eq!(read.plugins, lock.plugins);
        lock.plugins.retain(|e| e.name == "b");
        lock.write(dir.path()).unwrap();
        let text = fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert_eq!(parse_fast(&text).unwrap().plugins, lock.plugins);
        assert!(parse_fast("[[plugin]]\nname = \"a\"\n").is_none());
    }

    #[test]
    fn the_guard_is_exclusive_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let first = Guard::acquire(dir.path()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_owned();
        let waiter = std::thread::spawn(move || {
            let second = Guard::acquire(&path).unwrap();
            tx.send(()).unwrap();
            drop(second);
        });
        // The second waits while the first holds the lock, then proceeds.
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err());
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
        assert!(!dir.path().join(GUARD_FILE).exists());
    }

    #[test]
    fn a_guard_file_left_by_a_killed_holder_is_no_obstacle() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(GUARD_FILE), "4194304\n").unwrap();
        drop(Guard::acquire(dir.path()).unwrap());
        assert!(!dir.path().join(GUARD_FILE).exists());
    }
}
