//! `flyte-host package FILE... -o DIR [--version V]`: one FlyteAdmin `TaskCreateRequest` JSON per
//! task, `DIR/<task name>.json`. Every task is validated and resolved before anything is written,
//! and the files are written all or nothing (see [`write_all`]): an error, SIGINT or SIGTERM
//! leaves DIR as it was.

use std::{
    collections::HashSet,
    ffi::{OsStr, OsString},
    fs::{self, OpenOptions},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, OnceLock,
    },
};

use clap::{value_parser, Arg, ArgMatches, Command};

use super::task_args;
use crate::{cli::Cli, error::Error, tasks};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("package")
        .about("Write one FlyteAdmin TaskCreateRequest JSON per task into a directory")
        .arg(task_args::files())
        .arg(
            // Shadows the global -o/--output (a format): package prints no data, it writes files.
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("DIR")
                .required(true)
                .value_parser(value_parser!(PathBuf))
                .help("Directory to write the task JSON files to"),
        )
        .arg(task_args::version())
}

/// Runs the command.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let dir = matches
        .get_one::<PathBuf>("output")
        .cloned()
        .ok_or_else(|| {
            Error::Message("package: an output directory (-o DIR) is required".into())
        })?;
    let (resolved, version) = super::task_args::versioned_tasks(matches)?;
    let (project, domain) = crate::context::globals().map_or(
        (
            crate::context::DEFAULT_PROJECT,
            crate::context::DEFAULT_DOMAIN,
        ),
        |g| (g.project.as_str(), g.domain.as_str()),
    );
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

/// The signal that interrupted the run (SIGINT, SIGTERM), or 0: set by the handler
/// [`catch_interrupts`] registers, checked between files.
fn interrupted() -> &'static Arc<AtomicUsize> {
    static INTERRUPTED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    INTERRUPTED.get_or_init(Arc::default)
}

/// From now on SIGINT and SIGTERM only set [`interrupted`]: the writers stop at the next file and
/// remove what this run created, instead of dying with temporary files left behind.
fn catch_interrupts() {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let value = usize::try_from(signal).unwrap_or(1);
        let _ = signal_hook::flag::register_usize(signal, Arc::clone(interrupted()), value);
    }
}

/// Why writing stopped: an I/O error on a path, or a signal.
enum Stop {
    Io(PathBuf, io::Error),
    Signal(usize),
}

/// `Err(Stop::Signal)` once a signal arrived.
fn check_interrupt() -> Result<(), Stop> {
    match interrupted().load(Ordering::Relaxed) {
        0 => Ok(()),
        signal => Err(Stop::Signal(signal)),
    }
}

/// The hidden staging directory of this run: `.flyte-package-<pid>-<nanos>`, with a prefix.
fn staging_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}.flyte-package-{}-{nanos}", std::process::id())
}

/// The pid in a staging directory's name (see [`staging_name`]) or in a temporary file's name of
/// earlier versions (`.<task>.json.<pid>.tmp`).
fn owner(name: &str) -> Option<u32> {
    if let Some((_, rest)) = name.split_once(".flyte-package-") {
        return rest.split('-').next()?.parse().ok();
    }
    let (file, pid) = name
        .strip_prefix('.')?
        .strip_suffix(".tmp")?
        .rsplit_once('.')?;
    file.ends_with(".json").then(|| pid.parse().ok()).flatten()
}

/// A directory removed (with its contents) when dropped, unless disarmed.
struct Staging(Option<PathBuf>);

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Writes file `names[i]` in `dir` with what `render(i, …)` writes, creating `dir` if missing,
/// all or nothing: every file goes into a hidden staging directory first (beside `dir` when this
/// run creates it, then renamed into place whole; inside `dir` otherwise, then each file moved
/// into place, the file it replaces kept until all are in). A failure or SIGINT/SIGTERM at any
/// point removes what this run created and puts back what it replaced; staging directories of
/// runs that were killed outright are swept first. Files are written by a few threads at once:
/// packaging many tasks is mostly file system calls.
fn write_all(
    dir: &Path,
    names: &[String],
    render: impl Fn(usize, &mut BufWriter<fs::File>) -> io::Result<()> + Sync,
) -> Result<(), Error> {
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
    catch_interrupts();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    crate::atomic_file::create_dirs(&parent).map_err(|e| {
        Error::Message(format!(
            "cannot create the output directory `{}`: {e}",
            dir.display()
        ))
    })?;
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::leftovers::sweep(&parent, |name| {
        owner(name.strip_prefix(&format!(".{dir_name}"))?)
    });
    if !created_dir {
        crate::leftovers::sweep(dir, owner);
    }
    let staging_dir = if created_dir {
        parent.join(staging_name(&format!(".{dir_name}")))
    } else {
        dir.join(staging_name(""))
    };
    create_private_dir(&staging_dir)
        .map_err(|e| Error::Message(format!("cannot create `{}`: {e}", staging_dir.display())))?;
    let staging = Staging(Some(staging_dir.clone()));
    let result = stage_and_place(dir, &staging_dir, created_dir, names, &render);
    drop(staging);
    match result {
        Ok(()) => Ok(()),
        Err(Stop::Io(path, e)) => Err(Error::Message(format!(
            "cannot write `{}`: {e}. Nothing was written to `{}`.",
            path.display(),
            dir.display()
        ))),
        Err(Stop::Signal(signal)) => {
            crate::say!(
                "error: package was interrupted (signal {signal}); nothing was written to `{}`.",
                dir.display()
            );
            std::process::exit(128 + i32::try_from(signal).unwrap_or(0));
        }
    }
}

/// Creates directory `dir` with mode 0755 (set explicitly, whatever the umask).
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Writes every file into `staging`, then moves them into `dir` (see [`write_all`]).
fn stage_and_place(
    dir: &Path,
    staging: &Path,
    created_dir: bool,
    names: &[String],
    render: &(impl Fn(usize, &mut BufWriter<fs::File>) -> io::Result<()> + Sync),
) -> Result<(), Stop> {
    parallel(names.len(), |i| {
        check_interrupt()?;
        let path = staging.join(&names[i]);
        let io = |e| Stop::Io(path.clone(), e);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
        let file = options.open(&path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(fs::Permissions::from_mode(0o644))
                .map_err(io)?;
        }
        let mut out = BufWriter::new(file);
        render(i, &mut out).and_then(|()| out.flush()).map_err(io)
    })?;
    check_interrupt()?;
    if created_dir {
        return fs::rename(staging, dir).map_err(|e| Stop::Io(dir.to_owned(), e));
    }
    // Each file replaced is kept in `staging/replaced/` until every new file is in place.
    let replaced = staging.join("replaced");
    create_private_dir(&replaced).map_err(|e| Stop::Io(replaced.clone(), e))?;
    let moved_old: Vec<AtomicBool> = names.iter().map(|_| AtomicBool::new(false)).collect();
    let placed: Vec<AtomicBool> = names.iter().map(|_| AtomicBool::new(false)).collect();
    let placing = parallel(names.len(), |i| {
        check_interrupt()?;
        let target = dir.join(&names[i]);
        let io = |e| Stop::Io(target.clone(), e);
        match fs::rename(&target, replaced.join(&names[i])) {
            Ok(()) => moved_old[i].store(true, Ordering::Relaxed),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        fs::rename(staging.join(&names[i]), &target).map_err(io)?;
        placed[i].store(true, Ordering::Relaxed);
        Ok(())
    });
    if placing.is_err() {
        // Undo: the new files out, the replaced ones back.
        for (i, name) in names.iter().enumerate() {
            let target = dir.join(name);
            if placed[i].load(Ordering::Relaxed) {
                let _ = fs::remove_file(&target);
            }
            if moved_old[i].load(Ordering::Relaxed) {
                let _ = fs::rename(replaced.join(name), &target);
            }
        }
    }
    placing
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
