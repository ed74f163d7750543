//! `flyte-host run NAME [--task|--launch-plan|--workflow] [--version V] [--input NAME=VALUE]...
//! [--inputs-file FILE.yaml] [--wait]`: create an execution of a registered task or launch plan
//! (a workflow runs through its launch plan of the same name), print its name and console URL,
//! and optionally follow it to its end.

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    thread,
    time::{Duration, Instant},
};

use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Command};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use super::{json_output, task_args};
use crate::{
    cli::Cli,
    error::Error,
    output,
    remote::{self, field, AdminClient, Entity, RemoteError, TERMINAL_PHASES},
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

/// Polls execution `name` until it reaches a terminal phase. On a terminal (and not under
/// `-o json`) a spinner shows the phase and the time so far; otherwise each new phase is a line.
fn wait_for(client: &AdminClient, project: &str, domain: &str, name: &str) -> Result<Value, Error> {
    let started = Instant::now();
    let spinner = (!json_output() && std::io::stdout().is_terminal()).then(|| {
        let spinner = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            spinner.set_style(style);
        }
        spinner.set_message(format!("{name}: waiting for admin"));
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    });
    let mut interval = FIRST_POLL;
    let mut last = String::new();
    loop {
        let execution = match client.get_execution(project, domain, name) {
            Ok(execution) => execution,
            Err(e) => {
                if let Some(spinner) = &spinner {
                    spinner.finish_and_clear();
                }
                return Err(e.into());
            }
        };
        let phase = remote::execution_phase(&execution);
        let done = TERMINAL_PHASES.contains(&phase.as_str());
        let line = format!("{phase} after {:.1}s", started.elapsed().as_secs_f64());
        match &spinner {
            Some(spinner) if done => {
                spinner.finish_and_clear();
                say(&line)?;
            }
            Some(spinner) => spinner.set_message(format!("{name}: {phase}")),
            None if phase != last => say(&line)?,
            None => {}
        }
        last.clone_from(&phase);
        if done {
            return Ok(execution);
        }
        thread::sleep(interval);
        interval = interval.mul_f64(1.5).min(MAX_POLL);
    }
}

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("run")
        .about("Run a task, launch plan or workflow and print the execution name and console URL")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("What to run: a task, else a launch plan of that name (or say which below)"),
        )
        .arg(
            Arg::new("task")
                .long("task")
                .action(ArgAction::SetTrue)
                .help("NAME is a task"),
        )
        .arg(
            Arg::new("launch-plan")
                .long("launch-plan")
                .action(ArgAction::SetTrue)
                .help("NAME is a launch plan"),
        )
        .arg(
            Arg::new("workflow")
                .long("workflow")
                .action(ArgAction::SetTrue)
                .help("NAME is a workflow: run it through its launch plan of the same name"),
        )
        .group(ArgGroup::new("kind").args(["task", "launch-plan", "workflow"]))
        .arg(task_args::version().help("Version to run (default: the latest registered version)"))
        .arg(
            Arg::new("input")
                .long("input")
                .short('i')
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help("An input (repeat for each input; overrides the inputs file)"),
        )
        .arg(
            Arg::new("inputs-file")
                .long("inputs-file")
                .value_name("FILE.yaml")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Inputs as a YAML mapping of names to values"),
        )
        .arg(
            Arg::new("wait")
                .long("wait")
                .action(ArgAction::SetTrue)
                .help(
                    "Wait until the execution reaches a terminal phase (fails unless it succeeds)",
                ),
        )
}

/// What `run` was asked to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Task,
    LaunchPlan,
    Workflow,
}

/// The `NAME=VALUE` pairs of `--inputs-file` (a YAML mapping of single values), then `-i`'s,
/// which override the file's.
fn given_inputs(file: Option<&PathBuf>, pairs: Vec<String>) -> Result<Vec<String>, Error> {
    let Some(file) = file else {
        return Ok(pairs);
    };
    let bad = |why: String| {
        Error::Message(format!(
            "inputs file `{}`: {why}. Write one `name: value` per input.",
            file.display()
        ))
    };
    let text = crate::input::read_text(file, crate::input::NAMED_FILE_MAX)
        .map_err(|e| bad(format!("cannot be read ({e})")))?;
    let document: Value = if text.trim().is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        serde_yaml_ng::from_str(&text).map_err(|e| bad(format!("is not YAML ({e})")))?
    };
    let Value::Object(map) = document else {
        return Err(bad("is not a mapping of input names to values".to_owned()));
    };
    let name_of = |pair: &str| pair.split_once('=').map(|(n, _)| n.trim().to_owned());
    let overridden: Vec<String> = pairs.iter().filter_map(|p| name_of(p)).collect();
    let mut given: Vec<String> = super::exec_file::input_pairs(&map)
        .map_err(bad)?
        .into_iter()
        .filter(|pair| name_of(pair).is_none_or(|n| !overridden.contains(&n)))
        .collect();
    given.extend(pairs);
    Ok(given)
}

/// The registered entity `name` to run, and its kind: as `kind` says, else a task, else a launch
/// plan of that name. A workflow runs through its launch plan of the same name.
pub(super) fn resolve(
    client: &AdminClient,
    (project, domain): (&str, &str),
    name: &str,
    version: Option<&str>,
    kind: Option<Kind>,
) -> Result<(Entity, Value), Error> {
    let fetch = |entity: Entity| match version {
        Some(version) => client.get_version(entity, project, domain, name, version),
        None => client.latest_version(entity, project, domain, name),
    };
    let not_found = |e: &RemoteError| matches!(e, RemoteError::NotFound { .. });
    match kind {
        Some(Kind::Task) => Ok((Entity::Task, fetch(Entity::Task)?)),
        Some(Kind::LaunchPlan) => Ok((Entity::LaunchPlan, fetch(Entity::LaunchPlan)?)),
        Some(Kind::Workflow) => match fetch(Entity::LaunchPlan) {
            Ok(plan) => Ok((Entity::LaunchPlan, plan)),
            Err(e) if not_found(&e) => Err(Error::Message(format!(
                "{e}: a workflow runs through its launch plan of the same name and version, which pyflyte registers with it; register it, or run a launch plan with --launch-plan"
            ))),
            Err(e) => Err(e.into()),
        },
        None => match fetch(Entity::Task) {
            Ok(task) => Ok((Entity::Task, task)),
            Err(e) if not_found(&e) => match fetch(Entity::LaunchPlan) {
                Ok(plan) => Ok((Entity::LaunchPlan, plan)),
                // A version that neither has: the task's words (its name is the likelier).
                Err(e2) if not_found(&e2) && version.is_some() => Err(e.into()),
                Err(e2) if not_found(&e2) => Err(Error::Message(format!(
                    "no task or launch plan named '{name}' in {project}/{domain} on {}: register it first (`flyte-host register FILE` for tasks)",
                    client.endpoint()
                ))),
                Err(e2) => Err(e2.into()),
            },
            Err(e) => Err(e.into()),
        },
    }
}

/// Runs the command.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .map(String::as_str)
        .unwrap_or_default();
    let version = matches.get_one::<String>("version").map(String::as_str);
    let pairs: Vec<String> = matches
        .get_many::<String>("input")
        .map(|values| values.cloned().collect())
        .unwrap_or_default();
    let given = given_inputs(matches.get_one::<PathBuf>("inputs-file"), pairs)?;
    let wait = matches.get_flag("wait");
    if version.is_some_and(|v| v.trim().is_empty()) {
        return Err(Error::Message("--version must not be empty".into()));
    }
    let kind = [
        ("task", Kind::Task),
        ("launch-plan", Kind::LaunchPlan),
        ("workflow", Kind::Workflow),
    ]
    .into_iter()
    .find(|(flag, _)| matches.get_flag(flag))
    .map(|(_, kind)| kind);

    let client = crate::context::connect()?;
    launch(client, (name, version, kind), &given, None, wait)
}

/// Runs `name` (of `kind`, else a task or a launch plan) at `version` (else the latest) with the
/// `given` `NAME=VALUE` inputs as execution `execution` (else a random name): creates the
/// execution and [`finish`]es.
pub(super) fn launch(
    client: &AdminClient,
    (name, version, kind): (&str, Option<&str>, Option<Kind>),
    given: &[String],
    execution: Option<&str>,
    wait: bool,
) -> Result<i32, Error> {
    let (project, domain) = (client.project().to_owned(), client.domain().to_owned());
    let (entity, registered) = resolve(client, (&project, &domain), name, version, kind)?;
    let version = field(&registered, "id")
        .and_then(|id| field(id, "version"))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .or(version)
        .ok_or_else(|| {
            Error::Message(format!(
                "Flyte admin at {} returned {} '{name}' without a version",
                client.endpoint(),
                entity.noun()
            ))
        })?
        .to_owned();
    let inputs = match entity {
        Entity::Task => remote::task_inputs(&registered),
        _ => remote::launch_plan_inputs(&registered),
    };
    let what = format!("{} '{name}'", entity.noun());
    let literals = remote::literal_map(&what, &inputs, given)?;

    let request = remote::execution_request(
        &project,
        &domain,
        &execution.map_or_else(remote::execution_name, str::to_owned),
        (entity, name, &version),
        literals,
    );
    let execution = client.create_execution(&request)?;
    let url = client.console_url(&project, &domain, &execution);
    finish(
        client,
        (&project, &domain, &execution),
        &url,
        &format!("of {} {name} version {version}", entity.noun()),
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
