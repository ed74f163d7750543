//! The staging directory a download lands in, inside the plugin directory (so the final move is
//! a rename): created with the right modes, removed unless moved into place, and swept of what
//! killed installs left behind.

use std::{
    fs,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use super::{
    fetch::{self, Location},
    InstallError,
};

/// A staging directory, removed on drop unless moved into place.
struct Staging(Option<PathBuf>);

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// A unique name for a temporary entry of the plugin directory (hidden: never a drop-in).
pub(super) fn temp_name(kind: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(".{kind}-{}-{nanos}", std::process::id())
}

/// Removes staging directories and temporary lock files that installs killed mid-way (SIGINT,
/// SIGKILL: no destructor ran) left in plugin directory `dir` (see [`crate::leftovers`]).
fn remove_left_behind_staging(dir: &Path) {
    crate::leftovers::sweep(dir, |name| {
        if let Some(rest) = name.strip_prefix(".staging-") {
            return rest.split('-').next()?.parse().ok();
        }
        // The lock's temporary file (see `atomic_file`), from a writer killed mid-write.
        name.strip_prefix(".plugins.lock.")?
            .strip_suffix(".tmp")?
            .parse()
            .ok()
    });
}

/// Creates `dir` (and parents) with mode 0755 on Unix, set explicitly on a new `dir` whatever
/// the umask.
pub(super) fn create_dir(dir: &Path) -> Result<(), InstallError> {
    let existed = dir.is_dir();
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    builder.create(dir).map_err(|e| InstallError::io(dir, e))?;
    #[cfg(unix)]
    if !existed {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
            .map_err(|e| InstallError::io(dir, e))?;
    }
    Ok(())
}

/// A library downloaded into a staging directory of the plugin directory, with its hash.
pub(super) struct Staged {
    staging: Staging,
    /// The staging directory (also the check's scratch HOME).
    pub(super) dir: PathBuf,
    /// The library in it.
    pub(super) library: PathBuf,
    /// The library's sha256.
    pub(super) sha256: String,
}

/// Downloads `library` as `file` into a fresh staging directory of `dir` (created, and swept of
/// what killed installs left), checks the `expected` hash (a manifest's), and makes the library
/// readable by all.
pub(super) fn download_to_staging(
    dir: &Path,
    library: &Location,
    expected: Option<&str>,
    file: &str,
) -> Result<Staged, InstallError> {
    create_dir(dir)?;
    remove_left_behind_staging(dir);
    let staging_dir = dir.join(temp_name("staging"));
    create_dir(&staging_dir)?;
    let staging = Staging(Some(staging_dir.clone()));
    let staged = staging_dir.join(file);
    let sha256 = fetch::download(library, &staged)?;
    if let Some(expected) = expected {
        if sha256 != expected {
            return Err(InstallError::HashMismatch {
                url: library.to_string(),
                expected: expected.to_owned(),
                found: sha256,
            });
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&staged, fs::Permissions::from_mode(0o644))
            .map_err(|e| InstallError::io(&staged, e))?;
    }
    Ok(Staged {
        staging,
        dir: staging_dir,
        library: staged,
        sha256,
    })
}

impl Staged {
    /// Removes what the check wrote into its scratch HOME: only the library moves into place.
    pub(super) fn keep_only_the_library(&self) -> Result<(), InstallError> {
        for entry in fs::read_dir(&self.dir).map_err(|e| InstallError::io(&self.dir, e))? {
            let path = entry.map_err(|e| InstallError::io(&self.dir, e))?.path();
            if path != self.library {
                let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
            }
        }
        Ok(())
    }

    /// Renames the staging directory to `target`: from now on it is an install, kept.
    pub(super) fn rename_to(mut self, target: &Path) -> Result<(), InstallError> {
        fs::rename(&self.dir, target).map_err(|e| InstallError::io(target, e))?;
        self.staging.0 = None;
        Ok(())
    }
}
