//! The admin calls `register` and `run` make: create/get tasks and launch plans, create/get
//! executions and their data.

use crate::text::one_line;
use serde_json::{json, Value};

use super::{
    client::{api_path, AdminClient, Reply},
    error::RemoteError,
    field, Entity,
};

/// The outcome of registering one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Registration {
    /// Admin created the task.
    Registered,
    /// The identical task was already registered under this version (admin's 409).
    AlreadyRegistered,
}

impl Registration {
    /// `registered` or `already registered`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Registration::Registered => "registered",
            Registration::AlreadyRegistered => "already registered",
        }
    }
}

/// The phases in which an execution has ended.
pub(crate) const TERMINAL_PHASES: [&str; 4] = ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"];

/// A task or execution identifier's string field (proto or camelCase spelling).
fn id_part<'a>(id: &'a Value, name: &str) -> &'a str {
    field(id, name).and_then(Value::as_str).unwrap_or("")
}

/// Whether `value` is what protobuf JSON emits for an unset field.
fn is_default(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty() || s == "0",
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_default),
    }
}

/// Whether two scalars are the same protobuf value (`3` and `"3"` are the same int64; `"600s"`
/// and `"600.000s"` the same duration).
fn same_scalar(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.strip_suffix('s').unwrap_or(s).parse::<f64>().ok(),
        _ => None,
    };
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Where `sent` (what this host registers) is not what admin stored, as `path: stored → sent`
/// lines. Fields admin filled in that were not sent are not compared.
fn differences(sent: &Value, stored: Option<&Value>, path: &str, out: &mut Vec<String>) {
    let stored = stored.filter(|v| !v.is_null());
    match (sent, stored) {
        (_, None) => {
            if !is_default(sent) {
                out.push(format!("{path}: (unset) → {sent}"));
            }
        }
        (Value::Object(sent), Some(stored)) => {
            for (key, value) in sent {
                differences(value, field(stored, key), &format!("{path}.{key}"), out);
            }
        }
        (Value::Array(sent), Some(Value::Array(stored))) if sent.len() == stored.len() => {
            for (i, (a, b)) in sent.iter().zip(stored).enumerate() {
                differences(a, Some(b), &format!("{path}[{i}]"), out);
            }
        }
        (_, Some(stored)) => {
            if !same_scalar(sent, stored) {
                out.push(format!("{path}: {stored} → {sent}"));
            }
        }
    }
}

impl AdminClient {
    /// `POST /api/v1/tasks` with TaskCreateRequest `request`: [`AdminClient::create`] for a task.
    ///
    /// # Errors
    ///
    /// As for [`AdminClient::create`].
    pub(crate) fn create_task(&self, request: &Value) -> Result<Registration, RemoteError> {
        self.create(Entity::Task, request)
    }

    /// `POST /api/v1/{tasks,workflows,launch_plans}` with the `{Task,Workflow,LaunchPlan}
    /// CreateRequest` `request`. Admin's 409 (the identical entity already exists) is success; a
    /// different spec under the same version is [`RemoteError::DifferentSpec`], whether admin
    /// says so (400 "different structure", as flyteadmin does) or, for a task, answers 409 and
    /// the registered task differs.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached or refuses the entity.
    pub(crate) fn create(
        &self,
        entity: Entity,
        request: &Value,
    ) -> Result<Registration, RemoteError> {
        let id = field(request, "id").unwrap_or(&Value::Null);
        let (project, domain, name, version) = (
            id_part(id, "project"),
            id_part(id, "domain"),
            id_part(id, "name"),
            id_part(id, "version"),
        );
        let noun = entity.noun();
        let action = format!("register {noun} '{name}' version '{version}' in {project}/{domain}");
        let path = format!("/api/v1/{}", entity.plural());
        let reply = self.post(&path, request, &action)?;
        if reply.is_success() {
            return Ok(Registration::Registered);
        }
        let different = |detail: String| RemoteError::DifferentSpec {
            noun,
            name: name.to_owned(),
            version: version.to_owned(),
            detail,
        };
        let (_, message) = reply.error_status();
        if reply.status == 409 {
            // flyteadmin answers 409 only for an identical entity; an older or different server
            // may not, so a task is compared with what is registered.
            if entity != Entity::Task {
                return Ok(Registration::AlreadyRegistered);
            }
            let Ok(stored) = self.get_task(project, domain, name, version) else {
                return Ok(Registration::AlreadyRegistered);
            };
            let stored_template = field(&stored, "closure")
                .and_then(|c| field(c, "compiled_task"))
                .and_then(|c| field(c, "template"));
            let sent_template = field(request, "spec").and_then(|s| field(s, "template"));
            let mut diffs = Vec::new();
            if let (Some(Value::Object(sent)), Some(stored)) = (sent_template, stored_template) {
                for (key, value) in sent.iter().filter(|(k, _)| k.as_str() != "id") {
                    differences(value, field(stored, key), key, &mut diffs);
                }
            }
            if diffs.is_empty() {
                return Ok(Registration::AlreadyRegistered);
            }
            diffs.truncate(5);
            return Err(different(format!(" ({})", one_line(&diffs.join("; ")))));
        }
        if reply.status == 400 && message.contains("different structure") {
            return Err(different(format!(" (admin: {message})")));
        }
        Err(self.status_error(&reply, &action))
    }

    /// `GET /api/v1/tasks/{project}/{domain}/{name}/{version}`: the registered Task.
    ///
    /// # Errors
    ///
    /// [`RemoteError::NotFound`] when there is no such task version; others as for any call.
    pub(crate) fn get_task(
        &self,
        project: &str,
        domain: &str,
        name: &str,
        version: &str,
    ) -> Result<Value, RemoteError> {
        self.get_version(Entity::Task, project, domain, name, version)
    }

    /// `GET /api/v1/{tasks,workflows,launch_plans}/{project}/{domain}/{name}/{version}`: that
    /// version of `entity` `name`.
    ///
    /// # Errors
    ///
    /// [`RemoteError::NotFound`] when there is no such version; others as for any call.
    pub(crate) fn get_version(
        &self,
        entity: Entity,
        project: &str,
        domain: &str,
        name: &str,
        version: &str,
    ) -> Result<Value, RemoteError> {
        let noun = entity.noun();
        let action = format!("get {noun} '{name}' version '{version}' in {project}/{domain}");
        let path = api_path(entity.plural(), &[project, domain, name, version]);
        let what = format!("{noun} '{name}' version '{version}'");
        self.get_found(&path, &action, what, (project, domain))
    }

    /// `GET path` for `action`: admin's JSON answer, or "`what` not found in
    /// `project`/`domain`" on a 404.
    fn get_found(
        &self,
        path: &str,
        action: &str,
        what: String,
        (project, domain): (&str, &str),
    ) -> Result<Value, RemoteError> {
        let reply = self.get(path, &[], action)?;
        match reply.status {
            404 => Err(self.not_found(what, project, domain)),
            _ if reply.is_success() => self.json(&reply, action),
            _ => Err(self.status_error(&reply, action)),
        }
    }

    /// The most recently registered version of `entity` `name`
    /// (`GET /api/v1/{tasks,…}/{p}/{d}/{name}` sorted by `created_at` descending, limit 1).
    ///
    /// # Errors
    ///
    /// [`RemoteError::NotFound`] when no version is registered; others as for any call.
    pub(crate) fn latest_version(
        &self,
        entity: Entity,
        project: &str,
        domain: &str,
        name: &str,
    ) -> Result<Value, RemoteError> {
        let noun = entity.noun();
        let action = format!("list the versions of {noun} '{name}' in {project}/{domain}");
        let path = api_path(entity.plural(), &[project, domain, name]);
        let query = [
            ("limit", "1"),
            ("sort_by.key", "created_at"),
            ("sort_by.direction", "DESCENDING"),
        ];
        let missing = || self.not_found(format!("{noun} '{name}'"), project, domain);
        let reply = self.get(&path, &query, &action)?;
        if reply.status == 404 {
            return Err(missing());
        }
        if !reply.is_success() {
            return Err(self.status_error(&reply, &action));
        }
        let list = self.json(&reply, &action)?;
        match field(&list, entity.plural()).unwrap_or(&Value::Null) {
            Value::Array(items) => items.first().cloned().ok_or_else(missing),
            Value::Null => Err(missing()),
            _ => Err(self.bad_response(&action, format!("`{}` is not a list", entity.plural()))),
        }
    }

    /// `POST /api/v1/executions` with ExecutionCreateRequest `request`: the created execution's
    /// name.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached or refuses the execution.
    pub(crate) fn create_execution(&self, request: &Value) -> Result<String, RemoteError> {
        let launch = field(request, "spec")
            .and_then(|s| field(s, "launch_plan"))
            .unwrap_or(&Value::Null);
        let action = format!(
            "create an execution of {} '{}' version '{}' in {}/{}",
            id_part(launch, "resource_type")
                .to_ascii_lowercase()
                .replace('_', " "),
            id_part(launch, "name"),
            id_part(launch, "version"),
            id_part(request, "project"),
            id_part(request, "domain"),
        );
        let reply = self.post("/api/v1/executions", request, &action)?;
        if !reply.is_success() {
            return Err(self.status_error(&reply, &action));
        }
        let asked = field(request, "name").and_then(Value::as_str);
        self.created_name(&reply, &action, asked)
    }

    /// The name of the execution admin's ExecutionCreateResponse `reply` (to `action`) names, else
    /// the one `asked` for.
    pub(super) fn created_name(
        &self,
        reply: &Reply,
        action: &str,
        asked: Option<&str>,
    ) -> Result<String, RemoteError> {
        let created = self.json(reply, action)?;
        field(&created, "id")
            .and_then(|id| field(id, "name"))
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .or(asked)
            .map(str::to_owned)
            .ok_or_else(|| self.bad_response(action, "no execution id in the answer"))
    }

    /// `GET /api/v1/executions/{project}/{domain}/{name}`: the Execution.
    ///
    /// # Errors
    ///
    /// [`RemoteError::NotFound`] when there is no such execution; others as for any call.
    pub(crate) fn get_execution(
        &self,
        project: &str,
        domain: &str,
        name: &str,
    ) -> Result<Value, RemoteError> {
        let action = format!("get execution '{name}' in {project}/{domain}");
        let path = api_path("executions", &[project, domain, name]);
        let what = format!("execution '{name}'");
        self.get_found(&path, &action, what, (project, domain))
    }

    /// `GET /api/v1/data/executions/{p}/{d}/{n}`: the execution's `full_inputs` and
    /// `full_outputs` (LiteralMaps; empty when admin offloaded them to blob storage).
    ///
    /// # Errors
    ///
    /// Not found, or admin cannot be reached or refuses.
    pub(crate) fn execution_data(
        &self,
        project: &str,
        domain: &str,
        name: &str,
    ) -> Result<Value, RemoteError> {
        let action =
            format!("get the inputs and outputs of execution '{name}' in {project}/{domain}");
        let path = api_path("data/executions", &[project, domain, name]);
        let what = format!("execution '{name}'");
        self.get_found(&path, &action, what, (project, domain))
    }
}

/// An execution's phase (`closure.phase`), `UNDEFINED` when absent.
pub(crate) fn execution_phase(execution: &Value) -> String {
    let phase = field(execution, "closure")
        .and_then(|c| field(c, "phase"))
        .unwrap_or(&Value::Null);
    match phase {
        Value::String(s) => s.clone(),
        // Enums may come as numbers from a lenient server.
        Value::Number(n) => match n.as_i64() {
            Some(1) => "QUEUED",
            Some(2) => "RUNNING",
            Some(3) => "SUCCEEDING",
            Some(4) => "SUCCEEDED",
            Some(5) => "FAILING",
            Some(6) => "FAILED",
            Some(7) => "ABORTED",
            Some(8) => "TIMED_OUT",
            Some(9) => "ABORTING",
            _ => "UNDEFINED",
        }
        .to_owned(),
        _ => "UNDEFINED".to_owned(),
    }
}

/// A failed execution's error (`closure.error`) as `code: message`, if any.
pub(crate) fn execution_error(execution: &Value) -> Option<String> {
    let closure = field(execution, "closure")?;
    if let Some(error) = field(closure, "error").filter(|e| !e.is_null()) {
        let code = field(error, "code").and_then(Value::as_str).unwrap_or("");
        let message = field(error, "message")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Some(one_line(&match (code.is_empty(), message.is_empty()) {
            (false, false) => format!("{code}: {message}"),
            (false, true) => code.to_owned(),
            _ => message.to_owned(),
        }));
    }
    field(closure, "abort_cause")
        .and_then(Value::as_str)
        .map(|cause| format!("aborted: {}", one_line(cause)))
}

/// The ExecutionCreateRequest that runs `launched` (a task or launch plan: its kind, name and
/// version) in `project`/`domain` as execution `execution` with `inputs` (a LiteralMap's
/// `literals`).
pub(crate) fn execution_request(
    project: &str,
    domain: &str,
    execution: &str,
    launched: (Entity, &str, &str),
    inputs: serde_json::Map<String, Value>,
) -> Value {
    let resource_type = match launched.0 {
        Entity::Task => "TASK",
        Entity::Workflow => "WORKFLOW",
        Entity::LaunchPlan => "LAUNCH_PLAN",
    };
    json!({
        "project": project,
        "domain": domain,
        "name": execution,
        "spec": {
            "launch_plan": {
                "resource_type": resource_type,
                "project": project,
                "domain": domain,
                "name": launched.1,
                "version": launched.2,
            },
            "metadata": {"mode": "MANUAL"},
        },
        "inputs": {"literals": inputs},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_specs_have_no_differences() {
        let sent = json!({"container": {"image": "a", "args": ["x"]}, "metadata": {"retries": {"retries": 2}, "timeout": "600s", "discoverable": false}});
        let stored = json!({"container": {"image": "a", "args": ["x"], "command": [], "config": []},
            "metadata": {"retries": {"retries": 2}, "timeout": "600.000s", "tags": {}}});
        let mut out = Vec::new();
        for (k, v) in sent.as_object().unwrap() {
            differences(v, stored.get(k), k, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn changed_specs_are_named() {
        let sent = json!({"container": {"image": "b"}, "metadata": {"discovery_version": "2"}});
        let stored = json!({"container": {"image": "a"}, "metadata": {"discoveryVersion": "1"}});
        let mut out = Vec::new();
        for (k, v) in sent.as_object().unwrap() {
            differences(v, stored.get(k), k, &mut out);
        }
        assert_eq!(
            out,
            vec![
                r#"container.image: "a" → "b""#.to_owned(),
                r#"metadata.discovery_version: "1" → "2""#.to_owned()
            ]
        );
    }

    #[test]
    fn phases_and_errors() {
        let failed = json!({"closure": {"phase": "FAILED", "error": {"code": "USER:RuntimeError", "message": "boom\nline"}}});
        assert_eq!(execution_phase(&failed), "FAILED");
        assert_eq!(
            execution_error(&failed).as_deref(),
            Some("USER:RuntimeError: boom line")
        );
        assert_eq!(
            execution_phase(&json!({"closure": {"phase": 4}})),
            "SUCCEEDED"
        );
        assert_eq!(execution_phase(&json!({})), "UNDEFINED");
    }

    #[test]
    fn execution_request_shape() {
        let mut inputs = serde_json::Map::new();
        inputs.insert(
            "x".into(),
            json!({"scalar": {"primitive": {"integer": "3"}}}),
        );
        let request = execution_request("p", "d", "abc", (Entity::Task, "t", "v1"), inputs.clone());
        assert_eq!(request["spec"]["launch_plan"]["resource_type"], "TASK");
        let plan = execution_request("p", "d", "abc", (Entity::LaunchPlan, "lp", "v1"), inputs);
        assert_eq!(plan["spec"]["launch_plan"]["resource_type"], "LAUNCH_PLAN");
        assert_eq!(
            request["inputs"]["literals"]["x"]["scalar"]["primitive"]["integer"],
            "3"
        );
        assert_eq!(request["spec"]["metadata"]["mode"], "MANUAL");
    }
}
