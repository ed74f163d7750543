//! `flyte-host plugin verify`: re-hash every installed plugin against the lock file and check
//! its permissions; fails naming each plugin that does not match.

use clap::{ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{cli::Cli, error::Error, install, loader, output};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("verify")
        .about("Re-hash every installed plugin against the lock file and check its permissions")
}

/// Verifies every installed plugin; an error when any fails.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let dir = install::plugin_dir_from_env().map_err(Error::from)?;
    let mut results = install::verify(&dir).map_err(Error::from)?;
    for verified in &mut results {
        if verified.result.is_ok() {
            verified.result =
                loader::check_installed_permissions(&verified.path).map_err(|e| e.to_string());
        }
    }
    if json_output() {
        let plugins: Vec<_> = results
            .iter()
            .map(|v| {
                json!({
                    "name": v.entry.name,
                    "version": v.entry.version,
                    "path": v.path.display().to_string(),
                    "ok": v.result.is_ok(),
                    "reason": v.result.as_ref().err(),
                })
            })
            .collect();
        output::document(&json!({"plugin_dir": dir.display().to_string(), "plugins": plugins}))?;
    } else if results.is_empty() {
        output::pairs(&[(
            "verified",
            format!("no plugins installed in {}", dir.display()),
        )])?;
    } else {
        let rows: Vec<(&str, String)> = results
            .iter()
            .map(|v| {
                let status = match &v.result {
                    Ok(()) => "ok".to_owned(),
                    Err(reason) => format!("FAILED: {reason}"),
                };
                (
                    v.entry.name.as_str(),
                    format!("{} {status} ({})", v.entry.version, v.path.display()),
                )
            })
            .collect();
        output::pairs(&rows)?;
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|v| v.result.is_err())
        .map(|v| v.entry.name.as_str())
        .collect();
    if failed.is_empty() {
        return Ok(0);
    }
    Err(Error::Message(format!(
        "{} installed plugin(s) failed verification: {}. Reinstall them with `flyte-host plugin install`, or remove them with `flyte-host plugin remove NAME`.",
        failed.len(),
        failed.join(", ")
    )))
}
