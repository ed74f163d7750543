//! Safe under hostile input: servers that echo the request (credentials included) back in their
//! answers, redirect off the loopback, stall or never stop sending; hostile names in locks,
//! manifests and arguments; escape sequences from servers and files; umask variations; start-ups
//! racing re-installs. Each case is a regression test of issue 19, run against the built binary.

mod secrets;

mod paths;

mod downloads;

mod atomic;

mod package;

mod terminal;

mod trust;
