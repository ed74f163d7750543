//! Writing a file whole or not at all: a temporary file beside it, flushed to disk, then renamed
//! over it, so a reader (or a crash) sees the old file or the new one, never a part.

use std::{
    fs,
    io::{self, Write as _},
    path::Path,
};

/// Replaces `path` with `contents` atomically; with `private`, the file is readable and writable
/// by its owner only (mode 0600) from its first byte, else mode 0644: explicit modes, whatever
/// the umask (under `umask 002` or `000` a group- or world-writable file would be refused later). The temporary file (`.<name>.<pid>.tmp`
/// beside it) is removed when anything fails.
pub(crate) fn write(path: &Path, contents: &[u8], private: bool) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options.open(&tmp).and_then(|mut file| {
        #[cfg(unix)]
        {
            // Not left to the umask; and a temporary file left behind by a killed run keeps its
            // old mode: set it again.
            use std::os::unix::fs::PermissionsExt as _;
            let mode = if private { 0o600 } else { 0o644 };
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        file.write_all(contents)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// Creates `dir` and any missing parents with mode 0755 (0755 less the umask's bits, so never
/// group- or world-writable, even under `umask 000`): a directory the host creates must not
/// be one that start-up's integrity checks later refuse, or that lets others swap what is inside.
pub(crate) fn create_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    builder.create(dir)
}

/// A new directory of this user only (mode 0700) under the system temp directory, with a random
/// name created exclusively (a predictable name in a shared `/tmp` could be made first by someone
/// else, who would then control what is inside); removed with its contents on drop.
pub(crate) struct PrivateTempDir(std::path::PathBuf);

impl PrivateTempDir {
    /// Creates the directory, named `<prefix><random hex>`.
    pub(crate) fn new(prefix: &str) -> io::Result<PrivateTempDir> {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        let mut tries = 0;
        loop {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
            let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let dir = std::env::temp_dir().join(format!("{prefix}{name}"));
            match builder.create(&dir) {
                Ok(()) => return Ok(PrivateTempDir(dir)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// The directory's path.
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateTempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
