//! `flyte-host package FILE... -o DIR [--version V]`: one FlyteAdmin `TaskCreateRequest` JSON per
//! task, `DIR/<task name>.json`. Every task is validated and resolved before anything is written;
//! each file is written to a temporary name in DIR and renamed into place only once all of them
//! are written, so an error leaves DIR as it was.

use std::{
    collections::HashSet,
    ffi::{OsStr, OsString},
    fs::{self, OpenOptions},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, Ordering},
};

use clap::ArgMatches;

use crate::{error::Error, services, tasks};

/// Runs the command.
pub(super) fn run(matches: &ArgMatches) -> Result<i32, Error> {
    let dir = matches
        .get_one::<PathBuf>("output")
        .cloned()
        .ok_or_else(|| {
            Error::Message("package: an output directory (-o DIR) is required".into())
        })?;
    let (resolved, version) = super::task_args::versioned_tasks(matches)?;
    let (project, domain) = services::globals()
        .map_or((services::DEFAULT_PROJECT, services::DEFAULT_DOMAIN), |g| {
            (g.project.as_str(), g.domain.as_str())
        });
    let names: Vec<String> = resolved
        .iter()
        .map(|t| format!("{}.json", t.name()))
        .collect();
    write_all(&dir, &names, |i, out| {
        tasks::write_task_create_request(&resolved[i], project, domain, &version, out)
            .map_err(io::Error::from)
    })?;
    let mut out = io::stdout().lock();
    for (task, file) in resolved.iter().zip(&names) {
        writeln!(
            out,
            "packaged {} (version {version}) -> {}",
            task.name(),
            dir.join(file).display()
        )?;
    }
    out.flush()?;
    Ok(0)
}

/// Writes file `names[i]` in `dir` with what `render(i, …)` writes, creating `dir` if missing:
/// every file to a temporary name first, then each renamed into place. On an error the temporary
/// files this call created (and `dir`, if it created it) are removed. Files are written by a few
/// threads at once: packaging many tasks is mostly file system calls.
fn write_all(
    dir: &Path,
    names: &[String],
    render: impl Fn(usize, &mut BufWriter<fs::File>) -> io::Result<()> + Sync,
) -> Result<(), Error> {
    let cannot = |path: &Path, e: io::Error| {
        Error::Message(format!("cannot write `{}`: {e}", path.display()))
    };
    let created_dir = !dir.exists();
    if !created_dir && !dir.is_dir() {
        return Err(Error::Message(format!(
            "output `{}` is not a directory: give -o a directory (it is created if missing)",
            dir.display()
        )));
    }
    if let Some(name) = blocked(dir, names) {
        return Err(Error::Message(format!(
            "cannot write `{}`: a directory has that name",
            dir.join(name).display()
        )));
    }
    fs::create_dir_all(dir).map_err(|e| {
        Error::Message(format!(
            "cannot create the output directory `{}`: {e}",
            dir.display()
        ))
    })?;
    let pid = std::process::id();
    let temps: Vec<PathBuf> = names
        .iter()
        .map(|name| dir.join(format!(".{name}.{pid}.tmp")))
        .collect();
    // Which temporary files exist: only those are ever removed.
    let pending: Vec<AtomicBool> = names.iter().map(|_| AtomicBool::new(false)).collect();
    let undo = || {
        for (temp, pending) in temps.iter().zip(&pending) {
            if pending.load(Ordering::Relaxed) {
                let _ = fs::remove_file(temp);
            }
        }
        if created_dir {
            let _ = fs::remove_dir(dir);
        }
    };
    let written = parallel(names.len(), |i| {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temps[i])
            .map_err(|e| (temps[i].clone(), e))?;
        pending[i].store(true, Ordering::Relaxed);
        let mut out = BufWriter::new(file);
        render(i, &mut out)
            .and_then(|()| out.flush())
            .map_err(|e| (temps[i].clone(), e))
    });
    if let Err((path, e)) = written {
        undo();
        return Err(cannot(&path, e));
    }
    let renamed = parallel(names.len(), |i| {
        let target = dir.join(&names[i]);
        fs::rename(&temps[i], &target).map_err(|e| (target, e))?;
        pending[i].store(false, Ordering::Relaxed);
        Ok(())
    });
    if let Err((path, e)) = renamed {
        undo();
        return Err(cannot(&path, e));
    }
    Ok(())
}

/// At least this many files per writer thread (a thread costs about as much as a few files).
const FILES_PER_THREAD: usize = 64;

/// Runs `job(i)` for each `i` in `0..n` on a few threads (see [`crate::parallel::runs`]).
fn parallel<E: Send>(n: usize, job: impl Fn(usize) -> Result<(), E> + Sync) -> Result<(), E> {
    crate::parallel::runs(n, FILES_PER_THREAD, |run| {
        run.into_iter().try_for_each(&job)
    })
    .map(drop)
}

/// The first of `names` that a directory in `dir` already has (one listing of `dir`, not a
/// look-up per file).
fn blocked<'n>(dir: &Path, names: &'n [String]) -> Option<&'n str> {
    let directories: HashSet<OsString> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.file_name())
        .collect();
    if directories.is_empty() {
        return None;
    }
    names
        .iter()
        .map(String::as_str)
        .find(|name| directories.contains(OsStr::new(name)))
}
