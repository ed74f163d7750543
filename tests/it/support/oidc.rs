//! The npm OAuth server of `tests/oidc` (node-oidc-provider): its packages are installed once,
//! under one lock, however many tests (threads) or test processes ask at the same time.

use std::{
    fs,
    path::PathBuf,
    process::{Command as StdCommand, Stdio},
    sync::OnceLock,
    thread,
    time::{Duration, Instant},
};

use super::{server::Server, workspace_root};

/// `tests/oidc`, with its npm packages installed: the first caller installs while the others of
/// this process wait on a `OnceLock`; other processes (a second `cargo test`) wait on a lock
/// directory, which counts as stale after 3 minutes.
pub(crate) fn oidc_dir() -> PathBuf {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let dir = workspace_root().join("tests/oidc");
    let installed = INSTALLED.get_or_init(|| {
        let marker = dir.join("node_modules/oidc-provider/package.json");
        let lock = dir.join(".npm-install.lock");
        let start = Instant::now();
        while !marker.exists() {
            if fs::create_dir(&lock).is_ok() {
                let status = StdCommand::new("npm")
                    .args(["install", "--no-audit", "--no-fund"])
                    .current_dir(&dir)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .status();
                let _ = fs::remove_dir(&lock);
                return match status {
                    Ok(s) if s.success() => Ok(()),
                    _ => Err(format!(
                        "npm install in {} failed (node and npm are needed for the OAuth server)",
                        dir.display()
                    )),
                };
            }
            if start.elapsed() > Duration::from_secs(180) {
                let _ = fs::remove_dir(&lock);
            }
            thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    });
    if let Err(why) = installed {
        panic!("{why}");
    }
    dir
}

/// Starts the OAuth server (`node tests/oidc/server.js`) with `args`.
pub(crate) fn oauth_server(args: &[&str]) -> Server {
    let mut command = StdCommand::new("node");
    command.arg("server.js").args(args).current_dir(oidc_dir());
    Server::spawn(&mut command, "the OAuth server (node tests/oidc/server.js)")
}
