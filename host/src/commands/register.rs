//! `flyte-host register FILE... [--version V]`: every task of the files, after the active plugin's
//! defaults, registered in FlyteAdmin (`POST /api/v1/tasks`) through the remote from `get_remote`.
//! Every task is validated before the first one is sent; a progress line per task.

use std::{io::Write, path::PathBuf};

use clap::ArgMatches;
use serde_json::{json, Value};

use super::json_output;
use crate::{error::Error, output, remote, services, tasks};

/// Runs the command.
pub(super) fn run(matches: &ArgMatches) -> Result<i32, Error> {
    let files: Vec<PathBuf> = matches
        .get_many::<PathBuf>("files")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let version = matches.get_one::<String>("version");
    if let Some(version) = version {
        tasks::check_version(version)?;
    }
    let resolved = tasks::resolve(tasks::load(&files)?, services::active())?;
    let version = version
        .cloned()
        .unwrap_or_else(|| tasks::default_version(&resolved));

    let client = remote::connect()?;
    let (project, domain) = (client.project().to_owned(), client.domain().to_owned());
    let json = json_output();
    let mut done: Vec<Value> = Vec::with_capacity(resolved.len());
    for task in &resolved {
        let request = tasks::task_create_request(task, &project, &domain, &version);
        let outcome = client.create_task(&request).map_err(|e| {
            if done.is_empty() {
                Error::from(e)
            } else {
                Error::Message(format!(
                    "{e} ({} of {} tasks registered before this one)",
                    done.len(),
                    resolved.len()
                ))
            }
        })?;
        if !json {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} {} version {version}",
                outcome.as_str(),
                task.name()
            )?;
            out.flush()?;
        }
        done.push(json!({"name": task.name(), "status": outcome.as_str()}));
    }
    if json {
        output::json(&json!({
            "endpoint": client.endpoint(),
            "project": project,
            "domain": domain,
            "version": version,
            "tasks": done,
        }))?;
    }
    Ok(0)
}
