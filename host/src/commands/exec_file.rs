//! The exec file of flytectl's `get launchplan --execFile` / `create execution --execFile`, as
//! flyte-host writes and reads it: a YAML file naming what to run and holding its inputs, for a
//! person to edit between the two commands.
//!
//! ```yaml
//! workflow: wf.daily     # the launch plan (flytectl's key); `task:` for a task
//! version: v2
//! inputs:
//!   day: ""              # string, required
//!   retries: 3           # integer, default
//! ```

use std::path::Path;

use serde_json::Value;

use crate::{
    error::Error,
    remote::{self, field, Entity},
};

/// What an exec file says to run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ExecFile {
    /// A task or a launch plan.
    pub entity: Entity,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The inputs as `NAME=VALUE` pairs, in the file's order.
    pub inputs: Vec<String>,
}

/// A value of `value` as YAML text on one line (strings quoted where YAML needs it).
fn yaml_scalar(value: &Value) -> String {
    serde_yaml_ng::to_string(value)
        .map(|t| t.trim_end().to_owned())
        .unwrap_or_default()
}

/// The value of a default `literal` as an exec file holds it: numbers and booleans as such,
/// everything else as its text.
fn default_value(literal: &Value) -> Value {
    let primitive = field(literal, "scalar").and_then(|s| field(s, "primitive"));
    let get = |name: &str| {
        primitive
            .and_then(|p| field(p, name))
            .filter(|v| !v.is_null())
    };
    if let Some(v) = get("integer") {
        return v
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .map_or_else(|| v.clone(), Value::from);
    }
    for name in [
        "float_value",
        "boolean",
        "string_value",
        "datetime",
        "duration",
    ] {
        if let Some(v) = get(name) {
            return v.clone();
        }
    }
    Value::String(remote::render_literal(literal))
}

/// The exec file of launch plan `plan` (as admin returned it).
pub(super) fn write(plan: &Value, path: &Path) -> Result<(), Error> {
    let id = field(plan, "id").unwrap_or(&Value::Null);
    let part = |name: &str| {
        field(id, name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut text = format!(
        "# flyte-host exec file: edit the inputs, then `flyte-host create execution --exec-file {}`\n",
        path.display()
    );
    text.push_str(&format!(
        "workflow: {}\nversion: {}\ninputs:\n",
        yaml_scalar(&Value::String(part("name"))),
        yaml_scalar(&Value::String(part("version")))
    ));
    let parameters = remote::launch_plan_parameters(plan);
    if parameters.is_empty() {
        text.push_str("  {}\n");
    }
    for (input, default) in parameters {
        let type_name = remote::type_name(&input.literal_type);
        match default {
            Some(literal) => text.push_str(&format!(
                "  {}: {}  # {type_name}, default\n",
                input.name,
                yaml_scalar(&default_value(&literal))
            )),
            None => text.push_str(&format!(
                "  {}: \"\"  # {type_name}, required\n",
                input.name
            )),
        }
    }
    crate::atomic_file::write(path, text.as_bytes(), false)
        .map_err(|e| Error::Message(format!("cannot write exec file `{}`: {e}", path.display())))
}

/// The inputs of a YAML mapping (an exec file's `inputs:`, a `run --inputs-file`) as `NAME=VALUE`
/// pairs, in its order. `Err`: why an entry is not a single value.
pub(super) fn input_pairs(map: &serde_json::Map<String, Value>) -> Result<Vec<String>, String> {
    map.iter()
        .map(|(name, value)| match value {
            Value::String(s) => Ok(format!("{name}={s}")),
            Value::Number(n) => Ok(format!("{name}={n}")),
            Value::Bool(b) => Ok(format!("{name}={b}")),
            _ => Err(format!("input '{name}' is not a single value")),
        })
        .collect()
}

/// The exec file at `path`.
pub(super) fn read(path: &Path) -> Result<ExecFile, Error> {
    let bad = |why: String| {
        Error::Message(format!(
            "exec file `{}`: {why}. It names `workflow:` (a launch plan) or `task:`, a `version:` and `inputs:` (`flyte-host get launch-plans NAME --exec-file FILE` writes one).",
            path.display()
        ))
    };
    let text = crate::input::read_text(path, crate::input::NAMED_FILE_MAX)
        .map_err(|e| bad(format!("cannot be read ({e})")))?;
    let document: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| bad(format!("is not YAML ({e})")))?;
    let text_of = |key: &str| {
        field(&document, key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (entity, name) = match (text_of("workflow"), text_of("task")) {
        (Some(name), None) => (Entity::LaunchPlan, name),
        (None, Some(name)) => (Entity::Task, name),
        (Some(_), Some(_)) => return Err(bad("it names both a workflow and a task".to_owned())),
        (None, None) => return Err(bad("it names no workflow or task".to_owned())),
    };
    let version = text_of("version").ok_or_else(|| bad("it has no version".to_owned()))?;
    let inputs = match field(&document, "inputs") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => input_pairs(map).map_err(bad)?,
        Some(_) => return Err(bad("`inputs` is not a mapping".to_owned())),
    };
    Ok(ExecFile {
        entity,
        name: name.to_owned(),
        version: version.to_owned(),
        inputs,
    })
}
