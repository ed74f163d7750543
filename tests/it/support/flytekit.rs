//! flytekit itself, the reference for task registration: a virtualenv with the pinned flytekit
//! from PyPI under the target directory, created on first use and reused afterwards (`.ci/run`
//! creates it before the tests, so its time shows in CI's log).

use std::{
    path::PathBuf,
    process::{Command as StdCommand, Stdio},
    sync::OnceLock,
};

use super::target_dir;

/// The flytekit release the reference tests compare with.
pub(crate) const FLYTEKIT_VERSION: &str = "1.16.31";

/// The virtualenv's python, with flytekit [`FLYTEKIT_VERSION`] installed; `None` (after saying
/// why, loudly) when it cannot be created outside CI. Under `CI=true` that is a failure instead:
/// a reference test that silently ran nothing would prove nothing.
pub(crate) fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(prepare) {
        Ok(python) => Some(python.clone()),
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "flytekit {FLYTEKIT_VERSION} is needed for this test: {why}"
            );
            super::not_run(&format!(
                "flytekit {FLYTEKIT_VERSION} is needed for this test: {why}"
            ));
            None
        }
    }
}

/// Creates `<target>/flytekit-venv` with flytekit when it lacks it.
fn prepare() -> Result<PathBuf, String> {
    let venv = target_dir().join("flytekit-venv");
    let python = venv.join("bin").join("python");
    if has_flytekit(&python) {
        return Ok(python);
    }
    let step = |command: &mut StdCommand, what: &str| -> Result<(), String> {
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot {what}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    };
    step(
        StdCommand::new("python3").args(["-m", "venv"]).arg(&venv),
        "create a virtualenv with python3 -m venv",
    )?;
    step(
        StdCommand::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("flytekit=={FLYTEKIT_VERSION}"),
        ]),
        &format!("pip install flytekit=={FLYTEKIT_VERSION}"),
    )?;
    if has_flytekit(&python) {
        Ok(python)
    } else {
        Err(format!(
            "{} does not import flytekit {FLYTEKIT_VERSION} after installing it",
            python.display()
        ))
    }
}

/// Whether `python` imports flytekit [`FLYTEKIT_VERSION`].
fn has_flytekit(python: &PathBuf) -> bool {
    StdCommand::new(python)
        .args([
            "-c",
            &format!(
                "import flytekit, sys; sys.exit(flytekit.__version__ != '{FLYTEKIT_VERSION}')"
            ),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
