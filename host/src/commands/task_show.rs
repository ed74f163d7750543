//! `flyte-host task show FILE...`: each task after the organization's defaults, and where each
//! value came from (the task file, a plugin hook, or the host's default).

use std::io::{self, Write};

use clap::{ArgMatches, Command};
use serde_json::{json, Map, Value};

use super::task_args;
use crate::{
    cli::Cli,
    error::Error,
    output,
    tasks::{self, ResolvedTask, Source, Variable},
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("show")
        .about("Show each task after the organization's defaults, and where each value came from")
        .arg(task_args::files())
}

/// Runs the command.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let resolved = super::task_args::resolved_tasks(matches)?;
    let shown: Vec<(&ResolvedTask, Vec<Field>)> = resolved.iter().map(|t| (t, fields(t))).collect();
    if super::json_output() {
        let tasks = shown
            .iter()
            .map(|(_, fields)| {
                Value::Object(
                    fields
                        .iter()
                        .map(|f| {
                            let entry = json!({"value": f.value, "source": f.source.to_string()});
                            (f.name.to_owned(), entry)
                        })
                        .collect::<Map<String, Value>>(),
                )
            })
            .collect();
        output::document(&Value::Array(tasks))?;
    } else {
        table(&shown)?;
    }
    Ok(0)
}

/// A resolved field: its name, value and source.
struct Field {
    name: &'static str,
    value: Value,
    source: Source,
}

fn field(name: &'static str, value: impl Into<Value>, source: &Source) -> Field {
    Field {
        name,
        value: value.into(),
        source: source.clone(),
    }
}

/// `Task` when the task declared the field, else the host's default.
fn declared(is_declared: bool) -> Source {
    if is_declared {
        Source::Task
    } else {
        Source::HostDefault
    }
}

/// Every field of `task`, in the order `task show` prints them.
fn fields(task: &ResolvedTask) -> Vec<Field> {
    let spec = &task.spec;
    let mut out = vec![
        field("name", spec.name.as_str(), &Source::Task),
        field("location", spec.location.to_string(), &Source::Task),
        field("image", task.image.value.as_str(), &task.image.source),
        field("command", json!(spec.command), &Source::Task),
        field(
            "args",
            json!(spec.args.as_deref().unwrap_or_default()),
            &declared(spec.args.is_some()),
        ),
        field(
            "inputs",
            variables(&spec.inputs),
            &declared(!spec.inputs.is_empty()),
        ),
        field(
            "outputs",
            variables(&spec.outputs),
            &declared(!spec.outputs.is_empty()),
        ),
    ];
    let secrets: Vec<Value> = spec
        .secrets
        .iter()
        .map(|s| json!({"group": s.group, "key": s.key, "group_version": s.group_version, "mount": s.mount.as_str()}))
        .collect();
    out.push(field(
        "secrets",
        secrets,
        &declared(!spec.secrets.is_empty()),
    ));
    if let Some(required) = &task.secrets_require_group {
        out.push(field(
            "secret_requires_group",
            required.value,
            &required.source,
        ));
    }
    out.push(field(
        "retries",
        spec.retries.unwrap_or(0),
        &declared(spec.retries.is_some()),
    ));
    out.push(field(
        "timeout",
        spec.timeout.map(|s| format!("{s}s")),
        &declared(spec.timeout.is_some()),
    ));
    let resources = |entries: &[(tasks::Resource, String)]| -> Map<String, Value> {
        entries
            .iter()
            .map(|(r, v)| (r.as_str().to_owned(), Value::from(v.as_str())))
            .collect()
    };
    let declared_resources =
        !(spec.resources.requests.is_empty() && spec.resources.limits.is_empty());
    out.push(field(
        "resources",
        json!({"requests": resources(&spec.resources.requests), "limits": resources(&spec.resources.limits)}),
        &declared(declared_resources),
    ));
    let env: Map<String, Value> = spec
        .env
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    out.push(field("env", env, &declared(!spec.env.is_empty())));
    let source = &task.cache.source;
    match &task.cache.value {
        Some(cache) => out.extend([
            field("cache", true, source),
            field(
                "cache_version",
                cache.version.value.as_str(),
                &cache.version.source,
            ),
            field(
                "cache_policies",
                json!(cache.policies.value),
                &cache.policies.source,
            ),
            field("cache_salt", cache.salt.as_str(), &Source::Task),
            field("cache_serialize", cache.serialize, &Source::Task),
            field("ignored_inputs", json!(cache.ignored_inputs), &Source::Task),
        ]),
        None => out.extend([
            field("cache", false, source),
            field("cache_version", Value::Null, source),
            field("cache_policies", json!([]), source),
            field("cache_salt", "", source),
            field("cache_serialize", false, source),
            field("ignored_inputs", json!([]), source),
        ]),
    }
    out
}

/// Variables as `{"name": "type"}` in declaration order.
fn variables(vars: &[Variable]) -> Value {
    Value::Object(
        vars.iter()
            .map(|v| (v.name.clone(), Value::from(v.kind.as_str())))
            .collect(),
    )
}

/// The readable form: a block per task, one `field  source  value` row per field.
fn table(shown: &[(&ResolvedTask, Vec<Field>)]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for (i, (task, fields)) in shown.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "task {} ({})", task.name(), task.spec.location)?;
        let rows: Vec<(&str, String, String)> = fields
            .iter()
            .filter(|f| !matches!(f.name, "name" | "location"))
            .map(|f| (f.name, f.source.to_string(), text(f.name, &f.value)))
            .collect();
        let name_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let source_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        for (name, source, value) in rows {
            writeln!(
                out,
                "  {name:<name_width$}  {source:<source_width$}  {value}"
            )?;
        }
    }
    out.flush()
}

/// A value as table text: strings bare, nothing as `-`, secrets as `group/key (mount)`, the
/// rest as compact JSON.
fn text(name: &str, value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(secrets) if name == "secrets" && !secrets.is_empty() => secrets
            .iter()
            .map(|s| {
                let part = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                let label = match (part("group"), part("key")) {
                    (g, k) if g.is_empty() => k,
                    (g, k) if k.is_empty() => g,
                    (g, k) => format!("{g}/{k}"),
                };
                format!("{label} (mount {})", part("mount"))
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}
