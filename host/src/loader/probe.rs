//! The trial load: before this host build loads a library file in-process for the first time, it
//! loads it once in a child process (this same binary, run as `flyte-host __probe-library PATH`),
//! so a library that crashes, hangs or exits while loading takes down the child, not the command.
//! A child that survives leaves the layout-check record (see [`crate::layout_cache`]) behind, which
//! is the verdict later start-ups find with one `stat`: they pay nothing for the trial.

use flyte_plugin_abi::HostServicesRef;
use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use super::{LoadError, Origin};
use crate::child::{self, Ended};

/// The hidden command line word that runs the trial load (never shown in help: the host answers
/// it before building its CLI).
pub(crate) const PROBE_COMMAND: &str = "__probe-library";

/// What the child prints once loading returned, whatever it returned: anything else (silence, an
/// exit from inside the library) means the library ended the process.
const SURVIVED: &str = "flyte-host: library load returned";

/// What the child prints, before the line with the panic's message, when loading panicked
/// (abi_stable ends the process on a panic across its FFI boundary).
const PANICKED: &str = "flyte-host: library load panicked: ";

/// How long loading may take: far more than any library's initializers need.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Loads the library at `path` (absolute) in a child process and reports how that went: `Ok`
/// when loading returned (with the library or with an error the in-process load will give again),
/// the crash, hang or exit otherwise.
pub(super) fn trial_load(path: &Path, origin: &Origin) -> Result<(), LoadError> {
    let failed = |reason: String| LoadError::ProbeFailed {
        path: path.to_owned(),
        reason,
    };
    let exe = std::env::current_exe().map_err(|e| failed(format!("cannot find itself: {e}")))?;
    let mut command = Command::new(exe);
    command
        .arg(PROBE_COMMAND)
        .arg(path)
        .env("FLYTEKIT_PLUGIN", "builtin")
        .stdin(Stdio::null());
    let output = match child::output_within(&mut command, PROBE_TIMEOUT) {
        Ok(Ended::Finished(output)) => output,
        Ok(Ended::TimedOut) => {
            return Err(LoadError::LoadHung {
                path: path.to_owned(),
                origin: origin.clone(),
                seconds: PROBE_TIMEOUT.as_secs(),
            })
        }
        Err(e) => return Err(failed(e.to_string())),
    };
    if let Some(how) = child::crash_description(&output.status) {
        return Err(LoadError::LoadCrashed {
            path: path.to_owned(),
            origin: origin.clone(),
            how,
        });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    if let Some(message) = stdout
        .lines()
        .find_map(|line| line.strip_prefix(PANICKED))
        .filter(|_| !stdout.contains(SURVIVED))
    {
        return Err(LoadError::LoadPanicked {
            path: path.to_owned(),
            origin: origin.clone(),
            message: message.to_owned(),
        });
    }
    if !stdout.contains(SURVIVED) {
        return Err(LoadError::LoadExited {
            path: path.to_owned(),
            origin: origin.clone(),
            status: output
                .status
                .code()
                .map_or_else(|| output.status.to_string(), |c| c.to_string()),
        });
    }
    Ok(())
}

/// The child's side: loads `path` in this process and says it survived. Whether loading worked
/// is for the parent's own load to report; the exit status is 0 either way.
pub(crate) fn child_main(path: &Path, services: HostServicesRef) -> std::process::ExitCode {
    // A panic while loading (abi_stable's checks reading damaged data) is the library's fault,
    // not the host's: say it for the parent, on one line, instead of the host's bug report.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", crate_and_file(l.file()), l.line()))
            .unwrap_or_default();
        let line = format!("{message}{location}").replace(['\n', '\r'], " ");
        println!("{PANICKED}{line}");
    }));
    let _ = super::load_here(path, Origin::Check, None, services);
    println!("{SURVIVED}");
    std::process::ExitCode::SUCCESS
}

/// `file` (a panic's source path) shortened to its crate's directory and the file within it:
/// `abi_stable-0.11.3/src/type_layout/tl_other.rs` rather than the whole registry path.
fn crate_and_file(file: &str) -> &str {
    match file.rfind("/src/") {
        Some(src) => {
            let crate_start = file[..src].rfind('/').map_or(0, |i| i + 1);
            &file[crate_start..]
        }
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::crate_and_file;

    #[test]
    fn a_panic_location_is_named_by_crate_and_file() {
        assert_eq!(
            crate_and_file("/root/.cargo/registry/src/index/abi_stable-0.11.3/src/a/b.rs"),
            "abi_stable-0.11.3/src/a/b.rs"
        );
        assert_eq!(crate_and_file("plugins/x/src/lib.rs"), "x/src/lib.rs");
        assert_eq!(crate_and_file("lib.rs"), "lib.rs");
    }
}
