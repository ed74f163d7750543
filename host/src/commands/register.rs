//! `flyte-host register FILE... [--version V]`: every task of the files, after the active plugin's
//! defaults, registered in FlyteAdmin (`POST /api/v1/tasks`) through the remote from `get_remote`.
//! Every task is validated before the first one is sent; a progress line per task.

use std::io::Write;

use clap::{ArgMatches, Command};
use serde_json::{json, Value};

use super::{json_output, task_args};
use crate::{cli::Cli, error::Error, output, tasks};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("register")
        .about("Register the tasks in FlyteAdmin through the remote from get_remote")
        // `register files PATH…` (what pyflyte packaged) is a subcommand; `register FILE…` the
        // TOML task files.
        .args_conflicts_with_subcommands(true)
        .subcommand_negates_reqs(true)
        .arg(task_args::files())
        .arg(task_args::version())
}

/// Runs the command.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let (resolved, version) = super::task_args::versioned_tasks(matches)?;

    let client = crate::context::connect()?;
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
        output::document(&json!({
            "endpoint": client.endpoint(),
            "project": project,
            "domain": domain,
            "version": version,
            "tasks": done,
        }))?;
    }
    Ok(0)
}
