//! `flyte-host plugin upgrade [NAME…]`: installs the newest version of each installed plugin (or
//! of those named) that its index lists and this host can load — verified and checked out of
//! process as `plugin install` does, switched atomically, the previous version kept until the
//! new one passed. A failed upgrade leaves the old version active and says why. Never automatic.

use std::io::Write;

use clap::{Arg, ArgMatches, Command};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install::{
        self,
        index::{config, status},
        lock::Lock,
    },
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("upgrade")
        .about("Install the newest versions of installed plugins that their index lists and this host can load")
        .arg(
            Arg::new("names")
                .value_name("NAME")
                .num_args(0..)
                .help("Plugins to upgrade (default: every installed plugin found in an index)"),
        )
}

/// Upgrades; exits 1 when any upgrade failed (the others still happen).
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let dir = install::plugin_dir_from_env()?;
    let lock = Lock::read(&dir)?;
    let names: Vec<&String> = matches
        .get_many::<String>("names")
        .into_iter()
        .flatten()
        .collect();
    for name in &names {
        if lock.get(name).is_none() {
            return Err(Error::Message(format!(
                "plugin '{name}' is not installed: install it with flyte-host plugin install {name}"
            )));
        }
    }
    let fetched = config::fetch_all(&dir)?;
    let mut failed = false;
    let mut results: Vec<Value> = Vec::new();
    let mut lines: Vec<(bool, String)> = Vec::new();
    for entry in lock
        .plugins
        .iter()
        .filter(|e| names.is_empty() || names.contains(&&e.name))
    {
        let s = status::standing(&fetched, entry);
        let (result, line, ok) = match (&s.index, &s.upgrade) {
            (None, _) => (
                json!({"status": "not in any index"}),
                format!(
                    "{} {}: in no configured index, left as it is",
                    s.name, s.installed
                ),
                true,
            ),
            (Some(_), None) => (
                json!({"status": "up to date", "blocked": s.blocked}),
                match &s.blocked {
                    Some(why) => format!(
                        "{} {} is the newest this host can load; {why}",
                        s.name, s.installed
                    ),
                    None => format!("{} {} is up to date", s.name, s.installed),
                },
                true,
            ),
            (Some(_), Some(chosen)) => match install::install_chosen(chosen, &dir) {
                Ok(installed) => (
                    json!({"status": "upgraded", "version": installed.entry.version}),
                    format!(
                        "{} upgraded {} → {}",
                        s.name, s.installed, installed.entry.version
                    ),
                    true,
                ),
                Err(e) => (
                    json!({"status": "failed", "version": chosen.version.version, "error": e.to_string()}),
                    format!(
                        "error: {} stays at {}, still active: the upgrade to {} failed: {e}",
                        s.name, s.installed, chosen.version.version
                    ),
                    false,
                ),
            },
        };
        let mut result = result;
        result["name"] = json!(s.name);
        result["previous"] = json!(s.installed);
        results.push(result);
        failed |= !ok;
        lines.push((ok, line));
    }
    if json_output() {
        output::document(&Value::Array(results))?;
    } else {
        let mut out = std::io::stdout().lock();
        for (ok, line) in lines {
            if ok {
                writeln!(out, "{line}")?;
            } else {
                crate::say!("{line}");
            }
        }
    }
    Ok(i32::from(failed))
}
