//! The real FlyteAdmin (v1.16.8, built from its Go module by `tests/real-admin/run.sh`) with a
//! throw-away PostgreSQL: one per test process, started on first use and left running; the script
//! stops it and removes its files when this process exits.

use std::{
    fs,
    io::{BufRead, BufReader, Read},
    process::{Command as StdCommand, Stdio},
    sync::OnceLock,
    thread,
};

use super::{net, workspace_root};

/// The secret of client `flytepropeller` on [`RealAdmin::with_auth`] (tests/real-admin/auth.yaml).
pub(crate) const CLIENT_SECRET: &str = "flyte-host-tests";

/// A running real FlyteAdmin: its HTTP port on 127.0.0.1.
pub(crate) struct RealAdmin {
    /// The HTTP (grpc-gateway) port.
    pub(crate) port: u16,
}

impl RealAdmin {
    /// The admin of this test process; `None` (after saying why, loudly) when it cannot be started
    /// outside CI. Under `CI=true` that is a failure, unless `.ci/run` found it cannot be built on
    /// this machine and said why in `REAL_ADMIN_UNAVAILABLE` (and loudly in its own log).
    pub(crate) fn get() -> Option<&'static RealAdmin> {
        static ADMIN: OnceLock<Result<RealAdmin, String>> = OnceLock::new();
        RealAdmin::once(&ADMIN, &[])
    }

    /// Like [`RealAdmin::get`], a second admin with auth on (`run.sh --auth`): its own
    /// authorization server, where client `flytepropeller` has the secret [`CLIENT_SECRET`].
    pub(crate) fn with_auth() -> Option<&'static RealAdmin> {
        static ADMIN: OnceLock<Result<RealAdmin, String>> = OnceLock::new();
        RealAdmin::once(&ADMIN, &["--auth"])
    }

    fn once(
        admin: &'static OnceLock<Result<RealAdmin, String>>,
        args: &[&str],
    ) -> Option<&'static RealAdmin> {
        if let Some(why) = std::env::var_os("REAL_ADMIN_UNAVAILABLE").filter(|w| !w.is_empty()) {
            super::not_run(&format!(
                "this test needs the real FlyteAdmin, which cannot be built here: {}",
                why.to_string_lossy()
            ));
            return None;
        }
        match admin.get_or_init(|| start(args)) {
            Ok(admin) => Some(admin),
            Err(why) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "this test needs the real FlyteAdmin, which could not be started: {why}"
                );
                super::not_run(&format!(
                    "this test needs the real FlyteAdmin, which could not be started: {why}"
                ));
                None
            }
        }
    }

    /// `127.0.0.1:<port>`.
    pub(crate) fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// One HTTP/1.1 exchange: (status, body). Sends `Accept: application/json`, and a JSON body
    /// when `body` is not empty.
    pub(crate) fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut headers = vec![("Accept", "application/json")];
        if !body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        net::http(self.port, method, path, &headers, body)
    }
}

/// Runs `tests/real-admin/run.sh` with `args` and waits for its `PORT <n>` line.
fn start(args: &[&str]) -> Result<RealAdmin, String> {
    let log = std::env::temp_dir().join(format!(
        "flyte-real-admin-{}{}.log",
        std::process::id(),
        args.concat()
    ));
    let stderr =
        fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let mut child = StdCommand::new("bash")
        .arg(workspace_root().join("tests/real-admin/run.sh"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run tests/real-admin/run.sh: {e}"))?;
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).unwrap_or(0);
        if read == 0 {
            let _ = child.wait();
            let said = fs::read_to_string(&log).unwrap_or_default();
            return Err(format!(
                "tests/real-admin/run.sh stopped before flyteadmin answered:\n{}",
                said.trim()
            ));
        }
        if let Some(port) = line.trim().strip_prefix("PORT ") {
            let port = port.parse().map_err(|_| format!("not a port: {line}"))?;
            // The script runs until this process exits; keep its stdout drained.
            thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = reader.read_to_end(&mut sink);
                let _ = child.wait();
            });
            return Ok(RealAdmin { port });
        }
    }
}
