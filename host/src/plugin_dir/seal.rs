//! A *sealed* plugin directory: one that install or remove last left without loose libraries and
//! that nothing has entered or left since. Start-up then skips listing it (the listing is about a
//! tenth of what an installed plugin adds to a start).
//!
//! The seal is the lock file's modification time set to the directory's own plus one microsecond:
//! a relation the two never get by themselves (the lock is written before it is renamed into the
//! directory, and both get coarse clock ticks). Any entry created, removed or renamed in the
//! directory moves the directory's time on, so the relation holds only while the directory is
//! unchanged. Sealing waits out the file system's clock tick first (as git does against "racy"
//! timestamps): a change made after the seal can then never carry the sealed time. Directories
//! with whole-second timestamps are never sealed.

use std::{
    fs,
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use super::libraries;
use super::lock::LOCK_FILE;

/// Longer than any kernel's timestamp tick (at most 10 ms).
const TICK: Duration = Duration::from_millis(25);

/// How much later than the directory a sealed lock file is (NTFS keeps 100 ns steps).
const MARK: Duration = Duration::from_micros(1);

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Seals plugin directory `dir` when it holds no loose libraries (best effort: an unsealed
/// directory is only listed at start-up). Call it after the directory's advisory lock is released.
pub(crate) fn seal(dir: &Path) {
    let Some(before) = modified(dir) else { return };
    let fine_grained = before
        .duration_since(UNIX_EPOCH)
        .is_ok_and(|since| since.subsec_nanos() != 0);
    if !fine_grained {
        return;
    }
    std::thread::sleep(TICK);
    // Anything that entered before now is listed here; anything later changes the time.
    let loose = libraries(dir).map_or(true, |found| !found.is_empty());
    if loose || modified(dir) != Some(before) {
        return;
    }
    let _ = fs::File::options()
        .write(true)
        .open(dir.join(LOCK_FILE))
        .and_then(|lock| lock.set_modified(before + MARK));
}

/// Whether a plugin directory last modified at `dir_modified`, whose lock file was last modified at
/// `lock_modified`, is sealed: it holds no loose libraries.
pub(crate) fn is_sealed(
    dir_modified: Option<SystemTime>,
    lock_modified: Option<SystemTime>,
) -> bool {
    matches!((dir_modified, lock_modified), (Some(dir), Some(lock)) if dir + MARK == lock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin_dir::{lock::Lock, LIBRARY_EXTENSION};

    fn lock_modified(dir: &Path) -> Option<SystemTime> {
        modified(&dir.join(LOCK_FILE))
    }

    #[test]
    fn a_sealed_directory_stays_sealed_until_an_entry_changes() {
        let dir = tempfile::tempdir().unwrap();
        Lock::default().write(dir.path()).unwrap();
        assert!(!is_sealed(modified(dir.path()), lock_modified(dir.path())));
        seal(dir.path());
        assert!(is_sealed(modified(dir.path()), lock_modified(dir.path())));
        // Right after sealing, a loose library breaks the seal.
        fs::write(dir.path().join(format!("late.{LIBRARY_EXTENSION}")), b"x").unwrap();
        assert!(!is_sealed(modified(dir.path()), lock_modified(dir.path())));
    }

    #[test]
    fn a_lock_written_with_the_directory_is_not_a_seal() {
        // Written and renamed into place within one clock tick, lock and directory often share a
        // time; that must not read as sealed.
        let dir = tempfile::tempdir().unwrap();
        Lock::default().write(dir.path()).unwrap();
        let lock = fs::File::options()
            .write(true)
            .open(dir.path().join(LOCK_FILE))
            .unwrap();
        lock.set_modified(modified(dir.path()).unwrap()).unwrap();
        assert!(!is_sealed(modified(dir.path()), lock_modified(dir.path())));
    }

    #[test]
    fn a_directory_with_a_loose_library_is_not_sealed() {
        let dir = tempfile::tempdir().unwrap();
        Lock::default().write(dir.path()).unwrap();
        fs::write(dir.path().join(format!("loose.{LIBRARY_EXTENSION}")), b"x").unwrap();
        seal(dir.path());
        assert!(!is_sealed(modified(dir.path()), lock_modified(dir.path())));
    }

    #[test]
    fn without_a_lock_nothing_is_sealed() {
        let dir = tempfile::tempdir().unwrap();
        seal(dir.path());
        assert!(!is_sealed(modified(dir.path()), None));
        assert!(!dir.path().join(LOCK_FILE).exists());
    }
}
