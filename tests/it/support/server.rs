//! Servers the tests start as child processes (the stand-in FlyteAdmin, the OAuth server): each
//! prints `PORT <n>` first and is killed when dropped.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command as StdCommand, Stdio},
    thread,
};

use serde_json::Value;

use super::{net, workspace_root};

/// A running server and the loopback port it listens on.
pub(crate) struct Server {
    child: Child,
    /// The port it printed.
    pub(crate) port: u16,
}

impl Server {
    /// Starts `command` and waits for its `PORT <n>` line; `what` names it in failures.
    pub(crate) fn spawn(command: &mut StdCommand, what: &str) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let port = loop {
            line.clear();
            let read = reader.read_line(&mut line).expect("read the port");
            assert!(read > 0, "{what} exited before printing its port");
            if let Some(port) = line.trim().strip_prefix("PORT ") {
                break port.parse().expect("a port number");
            }
        };
        // Keep draining stdout: a server writing into a full or closed pipe blocks or dies.
        thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        Server { child, port }
    }

    /// The stand-in FlyteAdmin (`tests/standin/flyteadmin.py`) with `args`.
    pub(crate) fn standin(args: &[&str]) -> Server {
        let mut command = StdCommand::new("python3");
        command
            .arg(workspace_root().join("tests/standin/flyteadmin.py"))
            .args(args);
        Server::spawn(
            &mut command,
            "the stand-in FlyteAdmin (python3 must be installed)",
        )
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, as a config's `dns:///` endpoint names it.
    pub(crate) fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// One HTTP/1.1 exchange with the server: (status, body).
    pub(crate) fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        net::http(self.port, method, path, headers, body)
    }

    /// Every request a stand-in FlyteAdmin received (`GET /__requests`).
    pub(crate) fn requests(&self) -> Vec<Value> {
        let (_, body) = self.http("GET", "/__requests", &[], "");
        let parsed: Value = serde_json::from_str(&body).expect("the request log is JSON");
        parsed["requests"].as_array().cloned().unwrap_or_default()
    }

    /// The requests a stand-in FlyteAdmin received for `method` `path`, in order.
    pub(crate) fn received(&self, method: &str, path: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] == method && r["path"] == path)
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
