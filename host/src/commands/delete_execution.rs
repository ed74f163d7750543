//! `flyte-host delete execution NAME… [--reason TEXT]`: terminates executions in the project and
//! domain (flytectl's `delete execution`); one that had finished already is said so, not an error.

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{cli::Cli, error::Error, output, remote::Terminated};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("execution")
        .about("Terminate executions (flytectl's delete execution)")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .action(ArgAction::Append)
                .help("The executions to terminate"),
        )
        .arg(
            Arg::new("reason")
                .long("reason")
                .value_name("TEXT")
                .default_value("terminated with flyte-host")
                .help("Why: admin records it as the abort cause"),
        )
}

/// Terminates each execution; fails (after trying them all) when one could not be.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let client = crate::context::connect()?;
    let (project, domain) = (client.project(), client.domain());
    let reason = matches
        .get_one::<String>("reason")
        .map_or("terminated with flyte-host", String::as_str);
    let mut outcomes = Vec::new();
    let mut failure = None;
    for name in matches.get_many::<String>("name").into_iter().flatten() {
        let (status, detail) = match client.terminate_execution(project, domain, name, reason) {
            Ok(Terminated::Now) => ("terminated", None),
            Ok(Terminated::AlreadyFinished(phase)) => ("already finished", Some(phase)),
            Err(e) => {
                let text = e.to_string();
                failure.get_or_insert(text.clone());
                ("failed", Some(text))
            }
        };
        outcomes.push((name.clone(), status, detail));
    }
    if json_output() {
        let items: Vec<_> = outcomes
            .iter()
            .map(|(name, status, detail)| json!({"name": name, "status": status, "detail": detail}))
            .collect();
        output::document(&json!({"project": project, "domain": domain, "executions": items}))?;
    } else {
        let rows: Vec<Vec<String>> = outcomes
            .iter()
            .map(|(name, status, detail)| {
                let shown = match (*status, detail) {
                    ("already finished", Some(phase)) => format!("already finished ({phase})"),
                    ("failed", _) => "FAILED (see the error below)".to_owned(),
                    (status, _) => status.to_string(),
                };
                vec![name.clone(), shown]
            })
            .collect();
        output::table(&["EXECUTION", "RESULT"], &rows)?;
    }
    match failure {
        Some(e) => Err(Error::Message(e)),
        None => Ok(0),
    }
}
