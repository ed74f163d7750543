//! `flyte-host get projects | tasks [NAME] | workflows [NAME] | launch-plans [NAME] |
//! executions [NAME] | execution NAME`: what admin holds, in the project and domain of the remote
//! `get_remote` resolves, as a table sized to the terminal or (`-o json`) as an array of the
//! entities exactly as admin returned them (proto field names).

mod execution;

use clap::{Arg, ArgMatches, Command};
use serde_json::Value;

use super::json_output;
use crate::{
    error::Error,
    output,
    remote::{field, AdminClient, Entity, Listed},
};

/// What `get` shows: one subcommand each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum What {
    Projects,
    Tasks,
    Workflows,
    LaunchPlans,
    Executions,
    Execution,
}

impl What {
    /// The subcommand's name and one-line help.
    fn name_and_about(self) -> (&'static str, &'static str) {
        match self {
            What::Projects => ("projects", "List the projects"),
            What::Tasks => ("tasks", "List the tasks, or the versions of task NAME"),
            What::Workflows => (
                "workflows",
                "List the workflows, or the versions of workflow NAME",
            ),
            What::LaunchPlans => (
                "launch-plans",
                "List the launch plans, or the versions of launch plan NAME",
            ),
            What::Executions => (
                "executions",
                "List the executions, newest first, or show execution NAME",
            ),
            What::Execution => (
                "execution",
                "Show an execution's phase, timing and error (and its nodes, inputs, outputs)",
            ),
        }
    }
}

/// The clap definition of `get WHAT`: an entity NAME (required by `execution`, optional but for
/// `projects`) and `--limit N` (but for `execution`, which shows one).
pub(super) fn cli(what: What) -> Command {
    let (name, about) = what.name_and_about();
    let mut cmd = Command::new(name).about(about);
    if what != What::Projects {
        cmd = cmd.arg(
            Arg::new("name")
                .value_name("NAME")
                .required(what == What::Execution)
                .help("The entity's name"),
        );
    }
    if what == What::Execution {
        for (id, help) in [
            (
                "nodes",
                "Also list the execution's nodes: phase, start, duration, error",
            ),
            ("inputs", "Also show the inputs it was launched with"),
            ("outputs", "Also show its outputs"),
        ] {
            cmd = cmd.arg(
                Arg::new(id)
                    .long(id)
                    .action(clap::ArgAction::SetTrue)
                    .help(help),
            );
        }
    }
    if what == What::LaunchPlans {
        cmd = cmd.arg(
            Arg::new("exec-file")
                .long("exec-file")
                .value_name("FILE")
                .value_parser(clap::value_parser!(std::path::PathBuf))
                .requires("name")
                .help("Write an editable exec file of launch plan NAME's latest version (then `create execution --exec-file FILE`)"),
        );
    }
    if what != What::Execution {
        cmd = cmd
            .arg(
                Arg::new("limit")
                    .long("limit")
                    .value_name("N")
                    .value_parser(clap::builder::RangedU64ValueParser::<usize>::new().range(1..))
                    .help(format!(
                        "List at most N entities (default: {DEFAULT_LIMIT})"
                    )),
            )
            .arg(
                Arg::new("all")
                    .long("all")
                    .action(clap::ArgAction::SetTrue)
                    .conflicts_with("limit")
                    .help("List every entity, page by page"),
            );
    }
    cmd
}

/// How many entities a listing shows unless `--limit` or `--all` says otherwise: one page of
/// admin's, as flytectl does.
const DEFAULT_LIMIT: usize = 100;

/// The limit the command line asks for: `--limit N`, none with `--all`, else [`DEFAULT_LIMIT`].
fn limit_of(matches: &ArgMatches) -> Option<usize> {
    if matches.try_get_one::<bool>("all").ok().flatten() == Some(&true) {
        return None;
    }
    Some(
        matches
            .try_get_one::<usize>("limit")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(DEFAULT_LIMIT),
    )
}

/// Says on stderr that admin holds more than `listed` shows (`noun` in the plural), and how to
/// see them.
fn say_more(listed: &Listed, noun: &str) {
    if listed.more {
        crate::say!(
            "note: showing the first {} {noun}; admin has more: --all lists every one, --limit N another number",
            listed.items.len()
        );
    }
}

/// Runs `get WHAT`.
pub(super) fn exec(what: What, matches: &ArgMatches) -> Result<i32, Error> {
    let client = crate::context::connect()?;
    let limit = limit_of(matches);
    let name = matches
        .try_get_one::<String>("name")
        .ok()
        .flatten()
        .map(String::as_str);
    let entity = match what {
        What::Projects => return projects(client, limit),
        What::Executions | What::Execution => {
            let flag = |id: &str| matches.try_get_one::<bool>(id).ok().flatten() == Some(&true);
            let detail = execution::Detail {
                nodes: flag("nodes"),
                inputs: flag("inputs"),
                outputs: flag("outputs"),
            };
            return execution::run(client, name, limit, detail);
        }
        What::Tasks => Entity::Task,
        What::Workflows => Entity::Workflow,
        What::LaunchPlans => Entity::LaunchPlan,
    };
    let (project, domain) = (client.project(), client.domain());
    if let (Some(file), Some(name)) = (
        matches
            .try_get_one::<std::path::PathBuf>("exec-file")
            .ok()
            .flatten(),
        name,
    ) {
        let plan = client.latest_version(Entity::LaunchPlan, project, domain, name)?;
        super::exec_file::write(&plan, file)?;
        let version = text(&plan, &["id", "version"]);
        output::pairs(&[(
            "wrote",
            format!(
                "{} for launch plan {name} version {version}: edit its inputs, then `flyte-host create execution --exec-file {}`",
                file.display(),
                file.display()
            ),
        )])?;
        return Ok(0);
    }
    match name {
        None => {
            let names = client.list_names(entity, project, domain, limit)?;
            say_more(&names, &format!("{}s", entity.noun()));
            show(&names.items, &["NAME"], |e| vec![text(e, &["name"])])
        }
        Some(name) => {
            let listed = client.list_versions(entity, project, domain, name, limit)?;
            say_more(&listed, "versions");
            let versions = listed.items;
            match entity {
                Entity::Task => show(&versions, &["VERSION", "TYPE", "CREATED"], |t| {
                    vec![
                        text(t, &["id", "version"]),
                        text(t, &["closure", "compiled_task", "template", "type"]),
                        text(t, &["closure", "created_at"]),
                    ]
                }),
                Entity::Workflow => show(&versions, &["VERSION", "CREATED"], |w| {
                    vec![
                        text(w, &["id", "version"]),
                        text(w, &["closure", "created_at"]),
                    ]
                }),
                Entity::LaunchPlan => show(
                    &versions,
                    &["VERSION", "STATE", "WORKFLOW", "CREATED"],
                    |lp| {
                        vec![
                            text(lp, &["id", "version"]),
                            text(lp, &["closure", "state"]),
                            format!(
                                "{} {}",
                                text(lp, &["spec", "workflow_id", "name"]),
                                text(lp, &["spec", "workflow_id", "version"])
                            ),
                            text(lp, &["closure", "created_at"]),
                        ]
                    },
                ),
            }
        }
    }
}

/// `get projects`.
fn projects(client: &AdminClient, limit: Option<usize>) -> Result<i32, Error> {
    let projects = client.list_projects(limit)?;
    say_more(&projects, "projects");
    show(
        &projects.items,
        &["ID", "NAME", "DOMAINS", "DESCRIPTION"],
        |p| {
            let domains = match field(p, "domains") {
                Some(Value::Array(domains)) => domains
                    .iter()
                    .map(|d| text(d, &["id"]))
                    .collect::<Vec<_>>()
                    .join(","),
                _ => String::new(),
            };
            vec![
                text(p, &["id"]),
                text(p, &["name"]),
                domains,
                text(p, &["description"]),
            ]
        },
    )
}

/// Prints `items`: under `-o json` the array as admin returned it, else a table of `headers`
/// with one row per item from `row`.
fn show(
    items: &[Value],
    headers: &[&str],
    row: impl Fn(&Value) -> Vec<String>,
) -> Result<i32, Error> {
    if json_output() {
        output::document(&Value::Array(items.to_vec()))?;
    } else {
        let rows: Vec<Vec<String>> = items.iter().map(row).collect();
        output::table(headers, &rows)?;
    }
    Ok(0)
}

/// The text at `path` in `value` (proto or camelCase names): a string, a number or a bool as
/// text, empty when absent or null.
fn text(value: &Value, path: &[&str]) -> String {
    let mut at = value;
    for name in path {
        match field(at, name) {
            Some(next) => at = next,
            None => return String::new(),
        }
    }
    match at {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn texts_at_paths() {
        let v = json!({"closure": {"createdAt": "t", "n": 3, "x": null}});
        assert_eq!(text(&v, &["closure", "created_at"]), "t");
        assert_eq!(text(&v, &["closure", "n"]), "3");
        assert_eq!(text(&v, &["closure", "x"]), "");
        assert_eq!(text(&v, &["missing", "x"]), "");
    }
}
