//! `get executions [NAME]` and `get execution NAME`: the executions of the project and domain,
//! newest first, or one execution's phase, timing and error.

use serde_json::Value;

use super::{show, text};
use crate::{
    commands::json_output,
    error::Error,
    output,
    remote::{execution_error, execution_phase, AdminClient},
};

/// Lists the executions, or shows execution `name`.
pub(super) fn run(
    client: &AdminClient,
    name: Option<&str>,
    limit: Option<usize>,
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
    if json_output() {
        output::document(&execution)?;
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
    Ok(0)
}

/// What the execution launched, in words: `task`, `launch plan`, ...
fn launched_kind(execution: &Value) -> String {
    text(execution, &["spec", "launch_plan", "resource_type"])
        .to_ascii_lowercase()
        .replace('_', " ")
}
