//! A record of plugin libraries whose layout this host binary already checked, so the check
//! (the bulk of a plugin's load time) runs once per library file rather than on every start-up —
//! the cache abi_stable's `unchecked_layout` documentation suggests.
//!
//! A library is identified by its device, inode, size, modification time and change time (which
//! no user-space call can set back), and the host by its version and its build ID (else the same
//! identity of its own executable). Any change to either means a fresh check. Each check is one
//! file, named by both identities and holding the library's path for a reader, in
//! `$XDG_CACHE_HOME/flyte-host/layout-checked/` (default `~/.cache/flyte-host/`): a start-up looks
//! it up with one `stat`. Failing to read or write the record only costs the check.
//!
//! A record is only trusted as the plugin directory is (see `loader::integrity`): the record and
//! its directory must belong to the user running the host and be writable by no one else, since
//! anyone who can plant a record there could have a library's layout check skipped. The host
//! creates the directory 0700 and the records 0600. The same record is the verdict of the trial
//! load in a child process (`loader::probe`): only a library that survived loading gets one.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    time::SystemTime,
};

/// How many checks are remembered; the oldest go first.
const MAX_ENTRIES: usize = 64;

/// The user's cache directory: `$XDG_CACHE_HOME`, default `~/.cache`. Empty or relative values
/// are ignored (as the XDG base directory specification says): records would land under, and be
/// read from, whatever the current directory is.
pub(crate) fn cache_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|v| v.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|h| h.is_absolute())
                .map(|h| h.join(".cache"))
        })
}

/// The directory of the record.
fn record_dir() -> Option<PathBuf> {
    Some(cache_home()?.join("flyte-host").join("layout-checked"))
}

/// A file's identity as part of a file name: device, inode, size, modification and change time.
#[cfg(unix)]
fn identity(m: &fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    Some(format!(
        "{}-{}-{}-{}.{}-{}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

#[cfg(not(unix))]
fn identity(_m: &fs::Metadata) -> Option<String> {
    None
}

/// What identifies this host binary: the build ID the linker stamped into it (GNU build-id,
/// Mach-O LC_UUID, PE debug GUID), read from memory with no system call; else the identity of its
/// executable file, through the path `current_exe` reports (not a `stat` of `/proc/self/exe`:
/// under an emulator or valgrind that would be the emulator's file).
fn host_identity() -> Option<String> {
    if let Some(id) = buildid::build_id().filter(|id| !id.is_empty()) {
        return Some(id.iter().fold(String::from("build-"), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        }));
    }
    identity(&fs::metadata(std::env::current_exe().ok()?).ok()?)
}

/// One library file's place in the record, as seen by this host binary.
pub(crate) struct Entry {
    /// The file that records the check: its name is the host's version and identity and the
    /// library's identity, so the path that reached the library plays no part.
    file: PathBuf,
}

impl Entry {
    /// The entry of the library with metadata `meta`; `None` when no record can be kept.
    pub(crate) fn of(meta: &fs::Metadata) -> Option<Entry> {
        let name = format!(
            "{}_{}_{}",
            env!("CARGO_PKG_VERSION"),
            host_identity()?,
            identity(meta)?,
        );
        Some(Entry {
            file: record_dir()?.join(name),
        })
    }

    /// Whether this host binary already checked this exact library file, according to a record
    /// this user wrote in a directory only this user can write.
    pub(crate) fn is_checked(&self) -> bool {
        let Ok(record) = fs::symlink_metadata(&self.file) else {
            return false;
        };
        let me = current_user();
        record.is_file()
            && owned_privately(&record, me)
            && self
                .file
                .parent()
                .and_then(|dir| fs::symlink_metadata(dir).ok())
                .is_some_and(|dir| dir.is_dir() && owned_privately(&dir, me))
    }

    /// Records that this host binary checked the library, found at `library`, and forgets the
    /// oldest checks beyond [`MAX_ENTRIES`] (best effort; the file appears whole or not at all).
    pub(crate) fn mark_checked(&self, library: &Path) {
        let Some(dir) = self.file.parent() else {
            return;
        };
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        if builder.create(dir).is_err() {
            return;
        }
        let line = format!("{}\n", library.display());
        if crate::atomic_file::write(&self.file, line.as_bytes(), true).is_ok() {
            forget_oldest(dir);
        }
    }
}

/// The user running the host (its effective user id).
#[cfg(unix)]
fn current_user() -> u32 {
    #[allow(unsafe_code)]
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe {
        libc::geteuid()
    }
}

#[cfg(not(unix))]
fn current_user() -> u32 {
    0
}

/// Whether `meta` belongs to user `me` and no one else may write it.
#[cfg(unix)]
fn owned_privately(meta: &fs::Metadata, me: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == me && meta.mode() & 0o022 == 0
}

/// Windows has no owner and mode bits to compare here.
#[cfg(not(unix))]
fn owned_privately(_meta: &fs::Metadata, _me: u32) -> bool {
    true
}

/// Removes the oldest records of `dir` beyond [`MAX_ENTRIES`].
fn forget_oldest(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut records: Vec<(SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if records.len() <= MAX_ENTRIES {
        return;
    }
    records.sort();
    for (_, path) in &records[..records.len() - MAX_ENTRIES] {
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_checks_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let start = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for i in 0..MAX_ENTRIES + 3 {
            let path = dir.path().join(format!("record-{i}"));
            let file = fs::File::create(&path).unwrap();
            file.set_modified(start + std::time::Duration::from_secs(i as u64))
                .unwrap();
        }
        forget_oldest(dir.path());
        let left = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, MAX_ENTRIES);
        for gone in 0..3 {
            assert!(!dir.path().join(format!("record-{gone}")).exists());
        }
        assert!(dir.path().join("record-3").exists());
    }

    #[cfg(unix)]
    #[test]
    fn records_others_could_write_are_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().join("layout-checked");
        let entry = Entry {
            file: records.join("record"),
        };
        entry.mark_checked(Path::new("/lib/libx.so"));
        assert!(entry.is_checked());
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&records), 0o700);
        assert_eq!(mode(&entry.file), 0o600);

        fs::set_permissions(&entry.file, fs::Permissions::from_mode(0o622)).unwrap();
        assert!(!entry.is_checked(), "a group-writable record is trusted");
        fs::set_permissions(&entry.file, fs::Permissions::from_mode(0o600)).unwrap();
        fs::set_permissions(&records, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            !entry.is_checked(),
            "a record in a world-writable directory is trusted"
        );
        fs::set_permissions(&records, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(entry.is_checked());
    }
}
