//! `get executions [NAME]` and `get execution NAME [--nodes] [--inputs] [--outputs]`: the
//! executions of the project and domain, newest first, or one execution's phase, timing and error,
//! with its nodes and its typed inputs and outputs on request.

use serde_json::{json, Value};

use super::{show, text};
use crate::{
    commands::json_output,
    error::Error,
    output,
    remote::{execution_error, execution_phase, render_map, AdminClient},
};

/// What `get execution` shows besides the execution.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Detail {
    /// `--nodes`.
    pub nodes: bool,
    /// `--inputs`.
    pub inputs: bool,
    /// `--outputs`.
    pub outputs: bool,
}

impl Detail {
    fn any(self) -> bool {
        self.nodes || self.inputs || self.outputs
    }
}

/// Lists the executions, or shows execution `name`.
pub(super) fn run(
    client: &AdminClient,
    name: Option<&str>,
    limit: Option<usize>,
    detail: Detail,
) -> Result<i32, Error> {
    let (project, domain) = (client.project(), client.domain());
    let Some(name) = name else {
        let executions = client.list_executions(project, domain, limit)?;
        super::say_more(&executions, "executions");
        return show(
            &executions.items,
            &[
                "NAME", "LAUNCHED", "VERSION", "PHASE", "STARTED", "DURATION",
            ],
            |e| {
                vec![
                    text(e, &["id", "name"]),
                    text(e, &["spec", "launch_plan", "name"]),
                    text(e, &["spec", "launch_plan", "version"]),
                    execution_phase(e),
                    text(e, &["closure", "started_at"]),
                    text(e, &["closure", "duration"]),
                ]
            },
        );
    };
    let execution = client.get_execution(project, domain, name)?;
    let data = if detail.inputs || detail.outputs {
        Some(client.execution_data(project, domain, name)?)
    } else {
        None
    };
    let nodes = if detail.nodes {
        client.list_node_executions(project, domain, name)?.items
    } else {
        Vec::new()
    };
    let literals = |key: &str| {
        data.as_ref()
            .and_then(|d| crate::remote::field(d, key).cloned())
    };
    if json_output() {
        if !detail.any() {
            output::document(&execution)?;
            return Ok(0);
        }
        let mut document = json!({"execution": execution});
        if detail.inputs {
            document["inputs"] = literals("full_inputs").unwrap_or(Value::Null);
        }
        if detail.outputs {
            document["outputs"] = literals("full_outputs").unwrap_or(Value::Null);
        }
        if detail.nodes {
            document["nodes"] = Value::Array(nodes);
        }
        output::document(&document)?;
        return Ok(0);
    }
    let dash = |s: String| if s.is_empty() { "-".to_owned() } else { s };
    let launched = format!(
        "{} {} {}",
        launched_kind(&execution),
        text(&execution, &["spec", "launch_plan", "name"]),
        text(&execution, &["spec", "launch_plan", "version"]),
    );
    output::pairs(&[
        ("name", text(&execution, &["id", "name"])),
        ("project", project.to_owned()),
        ("domain", domain.to_owned()),
        ("launched", launched),
        ("phase", execution_phase(&execution)),
        (
            "created_at",
            dash(text(&execution, &["closure", "created_at"])),
        ),
        (
            "started_at",
            dash(text(&execution, &["closure", "started_at"])),
        ),
        ("duration", dash(text(&execution, &["closure", "duration"]))),
        (
            "error",
            output::or_dash(execution_error(&execution).as_deref()),
        ),
        ("console", client.console_url(project, domain, name)),
    ])?;
    for (wanted, title, key) in [
        (detail.inputs, "inputs", "full_inputs"),
        (detail.outputs, "outputs", "full_outputs"),
    ] {
        if !wanted {
            continue;
        }
        let values = literals(key).map(|m| render_map(&m)).unwrap_or_default();
        line(&format!("\n{title}:"))?;
        if values.is_empty() {
            line("  (none)")?;
        }
        let rows: Vec<(String, String)> = values
            .into_iter()
            .map(|(name, value)| (format!("  {name}"), value))
            .collect();
        let rows: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        output::pairs(&rows)?;
    }
    if detail.nodes {
        line("\nnodes:")?;
        let rows: Vec<Vec<String>> = nodes
            .iter()
            .map(|n| {
                vec![
                    text(n, &["id", "node_id"]),
                    text(n, &["closure", "phase"]),
                    dash(text(n, &["closure", "started_at"])),
                    dash(text(n, &["closure", "duration"])),
                    dash(text(n, &["closure", "error", "message"])),
                ]
            })
            .collect();
        output::table(&["NODE", "PHASE", "STARTED", "DURATION", "ERROR"], &rows)?;
    }
    Ok(0)
}

/// Writes one line to stdout (a closed pipe is an error like any other, never a panic).
fn line(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    writeln!(std::io::stdout().lock(), "{text}")
}

/// What the execution launched, in words: `task`, `launch plan`, ...
fn launched_kind(execution: &Value) -> String {
    text(execution, &["spec", "launch_plan", "resource_type"])
        .to_ascii_lowercase()
        .replace('_', " ")
}
