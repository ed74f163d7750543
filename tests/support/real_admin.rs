//! The real FlyteAdmin (v1.16.8, built from its Go module by `tests/real-admin/run.sh`) with a
//! throw-away PostgreSQL: one per test process, started on first use and left running; the script
//! stops it and removes its files when this process exits.

use std::{
    fs,
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Command as StdCommand, Stdio},
    sync::OnceLock,
    thread,
};

use super::workspace_root;

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
        if let Some(why) = std::env::var_os("REAL_ADMIN_UNAVAILABLE").filter(|w| !w.is_empty()) {
            eprintln!(
                "\n*** NOT RUN: this test needs the real FlyteAdmin, which cannot be built here: \
                 {} ***\n",
                why.to_string_lossy()
            );
            return None;
        }
        match ADMIN.get_or_init(start) {
            Ok(admin) => Some(admin),
            Err(why) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "this test needs the real FlyteAdmin, which could not be started: {why}"
                );
                eprintln!(
                    "\n*** NOT RUN: this test needs the real FlyteAdmin, which could not be \
                     started: {why} ***\n"
                );
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
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n\
             Content-Length: {}\r\n",
            self.endpoint(),
            body.len()
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("receive");
        let response = String::from_utf8_lossy(&response);
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            unchunk(body)
        } else {
            body.to_owned()
        };
        (status, body)
    }
}

/// A chunked HTTP/1.1 body, joined.
fn unchunk(mut body: &str) -> String {
    let mut joined = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        joined.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    joined
}

/// Runs `tests/real-admin/run.sh` and waits for its `PORT <n>` line.
fn start() -> Result<RealAdmin, String> {
    let log = std::env::temp_dir().join(format!("flyte-real-admin-{}.log", std::process::id()));
    let stderr =
        fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let mut child = StdCommand::new("bash")
        .arg(workspace_root().join("tests/real-admin/run.sh"))
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
