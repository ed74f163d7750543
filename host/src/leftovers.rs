//! Temporary entries that runs killed mid-way (SIGKILL, a crash: no clean-up ran) left behind:
//! each names the process that made it, and a later run removes those whose process is gone.

use std::{fs, path::Path, time::Duration};

/// How long any temporary entry may sit before it counts as left behind, whatever its pid says
/// (where the process table cannot be read, or the pid was reused).
const STALE: Duration = Duration::from_secs(24 * 60 * 60);

/// Whether process `pid` is no longer running (Linux: no `/proc/<pid>`; elsewhere unknown, so
/// never).
fn exited(pid: u32) -> bool {
    cfg!(target_os = "linux") && !Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes the entries of `dir` that `owner` says a process made (it returns that pid from the
/// entry's name) when that process has exited or the entry is older than a day; never this
/// process's own.
pub(crate) fn sweep(dir: &Path, owner: impl Fn(&str) -> Option<u32>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(&owner) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if exited(pid) || old {
            let path = entry.path();
            let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_entries_of_exited_processes_go() {
        let dir = tempfile::tempdir().unwrap();
        // 4194304 is above Linux's pid_max: never running.
        let dead = dir.path().join(".x-4194304");
        let mine = dir.path().join(format!(".x-{}", std::process::id()));
        let other = dir.path().join("keep");
        for path in [&dead, &mine, &other] {
            fs::create_dir(path).unwrap();
        }
        sweep(dir.path(), |name| name.strip_prefix(".x-")?.parse().ok());
        assert_eq!(!dead.exists(), cfg!(target_os = "linux"));
        assert!(mine.exists() && other.exists());
    }
}
