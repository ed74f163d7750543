//! A record of plugin libraries whose layout this host binary already checked, so the check
//! (the bulk of a plugin's load time) runs once per library file rather than on every start-up —
//! the cache abi_stable's `unchecked_layout` documentation suggests.
//!
//! A library is identified by its device, inode, size, modification time and change time (which
//! no user-space call can set back), and the host by its version and the same identity of its own
//! executable. Any change to either means a fresh check. The record lives in
//! `$XDG_CACHE_HOME/flyte-host/checked-plugins` (default `~/.cache/flyte-host/`); failing to read
//! or write it only costs the check.

use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
};

const MAX_ENTRIES: usize = 64;

/// The user's cache directory: `$XDG_CACHE_HOME`, default `~/.cache`.
pub(crate) fn cache_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
}

/// The record file, when a cache directory is known.
fn record_path() -> Option<PathBuf> {
    Some(cache_home()?.join("flyte-host").join("checked-plugins"))
}

#[cfg(unix)]
fn identity(m: &fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    Some(format!(
        "{}:{}:{}:{}.{}:{}.{}",
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

/// This host binary's metadata. Through the path `current_exe` reports, not a `stat` of
/// `/proc/self/exe`: under an emulator or valgrind that would be the emulator's file, and a
/// rebuilt host would skip the check it needs.
fn host_metadata() -> Option<fs::Metadata> {
    fs::metadata(std::env::current_exe().ok()?).ok()
}

/// One library file's place in the record, as seen by this host binary.
pub(crate) struct Entry {
    /// The record file.
    record: PathBuf,
    /// What identifies a check of the library by this host binary: the start of its record
    /// line. The device and inode name the file whatever path reaches it, so the path that ends
    /// the line is only there for a reader.
    key: String,
}

impl Entry {
    /// The entry of the library with metadata `meta`; `None` when no record can be kept.
    pub(crate) fn of(meta: &fs::Metadata) -> Option<Entry> {
        let key = format!(
            "{} {} {} ",
            env!("CARGO_PKG_VERSION"),
            identity(&host_metadata()?)?,
            identity(meta)?,
        );
        Some(Entry {
            record: record_path()?,
            key,
        })
    }

    /// Whether this host binary already checked this exact library file.
    pub(crate) fn is_checked(&self) -> bool {
        // This runs on every start: one `read` into a buffer the record rarely outgrows, rather
        // than asking for its size and reading to the end. A short read could only cost a
        // needless check, never skip one; a full buffer means a larger record, read whole.
        let mut buf = [0u8; 32 * 1024];
        let text = match fs::File::open(&self.record).and_then(|mut f| f.read(&mut buf)) {
            Ok(n) if n < buf.len() => String::from_utf8_lossy(&buf[..n]).into_owned(),
            Ok(_) => fs::read_to_string(&self.record).unwrap_or_default(),
            Err(_) => return false,
        };
        text.lines().any(|l| l.starts_with(&self.key))
    }

    /// Records that this host binary checked the library, found at `library` (best effort,
    /// atomic replace).
    pub(crate) fn mark_checked(&self, library: &Path) {
        let (key, record) = (&self.key, &self.record);
        let line = format!("{key}{}", library.display()).replace(['\n', '\r'], " ");
        let Some(dir) = record.parent() else { return };
        if fs::create_dir_all(dir).is_err() {
            return;
        }
        let existing = fs::read_to_string(record).unwrap_or_default();
        let mut lines: Vec<&str> = existing
            .lines()
            .filter(|l| !l.starts_with(key.as_str()))
            .collect();
        lines.push(&line);
        let keep = lines.len().saturating_sub(MAX_ENTRIES);
        let tmp = dir.join(format!("checked-plugins.{}.tmp", std::process::id()));
        let written = fs::File::create(&tmp).and_then(|mut f| {
            for line in &lines[keep..] {
                writeln!(f, "{line}")?;
            }
            f.sync_all()
        });
        if written.is_err() || fs::rename(&tmp, record).is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }
}
