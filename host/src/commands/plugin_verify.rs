//! `flyte-host plugin verify`: re-hash every installed plugin against the lock file, check its
//! permissions, and re-verify its signature with the trusted key its lock entry records (under a
//! signature policy, a plugin installed without a verified signature fails); fails naming each
//! plugin that does not pass.

use clap::{ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install, loader, output,
    trust::{self, KeyDirs, Policy},
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("verify")
        .about("Re-hash every installed plugin against the lock file, check its permissions and re-verify its signature")
}

/// Verifies every installed plugin; an error when any fails.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let dir = install::plugin_dir_from_env().map_err(Error::from)?;
    let mut results = install::verify(&dir).map_err(Error::from)?;
    let policy = Policy::from_env(&KeyDirs::from_env()?)?;
    for verified in &mut results {
        if verified.result.is_ok() {
            verified.result =
                loader::check_installed_permissions(&verified.path).map_err(|e| e.to_string());
        }
        if verified.result.is_ok() {
            verified.result = signature(verified, &policy);
        }
    }
    if json_output() {
        let plugins: Vec<_> = results
            .iter()
            .map(|v| {
                json!({
                    "name": v.entry.name,
                    "version": v.entry.version,
                    "key_id": (!v.entry.key_id.is_empty()).then_some(&v.entry.key_id),
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
                    Ok(()) if !v.entry.key_id.is_empty() => {
                        format!("ok, signed by key {}", v.entry.key_id)
                    }
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

/// The signature check of one installed plugin: its stored signature verifies with the trusted
/// key its lock entry records; without one, it fails while a signature policy is in force.
fn signature(verified: &install::Verified, policy: &Policy) -> Result<(), String> {
    let entry = &verified.entry;
    if entry.key_id.is_empty() {
        return match policy {
            Policy::Off => Ok(()),
            Policy::NoKey => Err(format!(
                "no verified signature in the lock file, and {}=1 requires one",
                trust::REQUIRE_VAR
            )),
            Policy::Keys(_) => Err(format!(
                "no verified signature in the lock file, and signing keys are trusted ({}): reinstall it from its signed manifest",
                policy.key_ids()
            )),
        };
    }
    match policy {
        // No key trusted any more: nothing to verify the signature with, and nothing requires it.
        Policy::Off => Ok(()),
        _ => trust::reverify(&verified.path, &entry.key_id, policy.keys()),
    }
}
