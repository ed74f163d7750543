//! `flyte-host run TASK [--version V] --input NAME=VALUE... [--wait]`: create an execution of a
//! registered task, print its name and console URL, and optionally wait for it to end.

use std::{
    io::Write,
    thread,
    time::{Duration, Instant},
};

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{json, Value};

use super::{json_output, task_args};
use crate::{
    cli::Cli,
    error::Error,
    output,
    remote::{self, field, AdminClient, RemoteError, TERMINAL_PHASES},
};

/// The first pause between two polls of a waited-for execution; it grows to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(5);

/// Prints a progress line on stdout (nothing under `-o json`, whose stdout is one document).
fn say(line: &str) -> Result<(), Error> {
    if !json_output() {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(())
}

/// Polls execution `name` until it reaches a terminal phase; prints each new phase.
fn wait_for(client: &AdminClient, project: &str, domain: &str, name: &str) -> Result<Value, Error> {
    let started = Instant::now();
    let mut interval = FIRST_POLL;
    let mut last = String::new();
    loop {
        let execution = client.get_execution(project, domain, name)?;
        let phase = remote::execution_phase(&execution);
        if phase != last {
            say(&format!(
                "{phase} after {:.1}s",
                started.elapsed().as_secs_f64()
            ))?;
            last.clone_from(&phase);
        }
        if TERMINAL_PHASES.contains(&phase.as_str()) {
            return Ok(execution);
        }
        thread::sleep(interval);
        interval = interval.mul_f64(1.5).min(MAX_POLL);
    }
}

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("run")
        .about("Run a registered task and print the execution name and console URL")
        .arg(
            Arg::new("task")
                .value_name("TASK")
                .required(true)
                .help("The task's name"),
        )
        .arg(
            task_args::version()
                .help("Task version to run (default: the latest registered version)"),
        )
        .arg(
            Arg::new("input")
                .long("input")
                .short('i')
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help("An input of the task (repeat for each input)"),
        )
        .arg(
            Arg::new("wait")
                .long("wait")
                .action(ArgAction::SetTrue)
                .help("Wait until the execution reaches a terminal phase"),
        )
}

/// Runs the command.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let task = matches
        .get_one::<String>("task")
        .map(String::as_str)
        .unwrap_or_default();
    let version = matches.get_one::<String>("version").map(String::as_str);
    let given: Vec<String> = matches
        .get_many::<String>("input")
        .map(|values| values.cloned().collect())
        .unwrap_or_default();
    let wait = matches.get_flag("wait");
    if version.is_some_and(|v| v.trim().is_empty()) {
        return Err(Error::Message("--version must not be empty".into()));
    }

    let client = crate::context::connect()?;
    let (project, domain) = (client.project().to_owned(), client.domain().to_owned());
    let registered = match version {
        Some(version) => client.get_task(&project, &domain, task, version),
        None => client.latest_task(&project, &domain, task),
    }
    .map_err(|e| match e {
        RemoteError::NotFound { .. } if version.is_none() => Error::Message(format!(
            "{e}: register it first with `flyte-host register FILE`"
        )),
        e => e.into(),
    })?;
    let version = field(&registered, "id")
        .and_then(|id| field(id, "version"))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .or(version)
        .ok_or_else(|| {
            Error::Message(format!(
                "Flyte admin at {} returned task '{task}' without a version",
                client.endpoint()
            ))
        })?
        .to_owned();
    let inputs = remote::task_inputs(&registered);
    let literals = remote::literal_map(task, &inputs, &given)?;

    let request = remote::execution_request(
        &project,
        &domain,
        &remote::execution_name(),
        (task, &version),
        literals,
    );
    let name = client.create_execution(&request)?;
    let url = client.console_url(&project, &domain, &name);
    finish(
        client,
        (&project, &domain, &name),
        &url,
        &format!("of {task} version {version}"),
        wait,
    )
}

/// After execution `name` (of `project`/`domain`, `what` it runs, in words) was created: says so
/// with its console `url`; with `wait`, follows it to a terminal phase and fails unless it
/// succeeded; under `-o json`, prints the execution (as it ended, with `wait`).
pub(super) fn finish(
    client: &AdminClient,
    (project, domain, name): (&str, &str, &str),
    url: &str,
    what: &str,
    wait: bool,
) -> Result<i32, Error> {
    say(&format!(
        "created execution {name} {what} in {project}/{domain}"
    ))?;
    say(&format!("console: {url}"))?;
    let execution = if wait {
        wait_for(client, project, domain, name)?
    } else if json_output() {
        client.get_execution(project, domain, name)?
    } else {
        return Ok(0);
    };
    if json_output() {
        output::document(&json!({"console_url": url, "execution": execution}))?;
    }
    if !wait {
        return Ok(0);
    }
    let phase = remote::execution_phase(&execution);
    if phase == "SUCCEEDED" {
        return Ok(0);
    }
    let why = remote::execution_error(&execution)
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    Err(Error::Message(format!(
        "execution {name} {what} ended {phase}{why} (see {url})"
    )))
}
