//! Running the host on a pseudo-terminal, for what it shows only on a terminal (spinners,
//! notices): util-linux's `script`, which the test machines have.

use super::{host_binary, not_run, Sandbox};

/// Runs `flyte-host ARGS` in `sandbox` (its HOME and working directory, a clean environment plus
/// `env`) on a pseudo-terminal; returns everything the terminal received, or `None` (after saying
/// so loudly; a failure under `CI`) when `script` is missing.
pub(crate) fn host_on_a_terminal(
    sandbox: &Sandbox,
    args: &str,
    env: &[(&str, &str)],
) -> Option<String> {
    let why = "util-linux's `script` is needed for this test (a pseudo-terminal)";
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "{why}");
        not_run(why);
        return None;
    }
    let line = format!("'{}' {args}", host_binary().display());
    let mut command = std::process::Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sandbox.home())
        .env("TERM", "xterm")
        .current_dir(sandbox.cwd());
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().expect("run script");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "flyte-host {args} failed on a terminal:\n{text}"
    );
    Some(text)
}
