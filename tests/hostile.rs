//! Safe under hostile input: servers that echo the request (credentials included) back in their
//! answers, redirect off the loopback, stall or never stop sending; hostile names in locks,
//! manifests and arguments; escape sequences from servers and files; umask variations; start-ups
//! racing re-installs. Each case is a regression test of issue 19, run against the built binary.

mod support;

#[path = "hostile/server.rs"]
mod server;

#[path = "hostile/secrets.rs"]
mod secrets;

#[path = "hostile/paths.rs"]
mod paths;

#[path = "hostile/downloads.rs"]
mod downloads;

#[path = "hostile/atomic.rs"]
mod atomic;

#[path = "hostile/package.rs"]
mod package;

#[path = "hostile/terminal.rs"]
mod terminal;

#[path = "hostile/trust.rs"]
mod trust;
