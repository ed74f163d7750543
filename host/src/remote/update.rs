//! Changing what admin holds, as flytectl's `create execution --relaunch|--recover`,
//! `delete execution`, `update launchplan` and `update project` do: relaunching or recovering
//! an execution, terminating one, activating or deactivating a launch plan version, archiving or
//! activating a project.

use serde_json::{json, Value};

use super::{
    admin::execution_phase,
    client::{api_path, AdminClient},
    error::RemoteError,
};

/// Whether an execution was terminated, or had finished already (its phase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Terminated {
    /// Admin aborts it.
    Now,
    /// It had finished already, in this phase: nothing to terminate.
    AlreadyFinished(String),
}

/// How a new execution repeats an old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Run it again from the start, with the same inputs (`POST /api/v1/executions/relaunch`).
    Relaunch,
    /// Run it again, reusing the outputs of the nodes that succeeded
    /// (`POST /api/v1/executions/recover`).
    Recover,
}

impl AdminClient {
    /// A new execution named `new_name` that repeats execution `name` of `project`/`domain` as
    /// `how` says: its name.
    ///
    /// # Errors
    ///
    /// Not found, or admin cannot be reached or refuses.
    pub(crate) fn repeat_execution(
        &self,
        project: &str,
        domain: &str,
        name: &str,
        new_name: &str,
        how: Repeat,
    ) -> Result<String, RemoteError> {
        let (path, verb) = match how {
            Repeat::Relaunch => ("/api/v1/executions/relaunch", "relaunch"),
            Repeat::Recover => ("/api/v1/executions/recover", "recover"),
        };
        let action = format!("{verb} execution '{name}' in {project}/{domain}");
        let body = json!({
            "id": {"project": project, "domain": domain, "name": name},
            "name": new_name,
        });
        let reply = self.post(path, &body, &action)?;
        match reply.status {
            404 => return Err(self.not_found(format!("execution '{name}'"), project, domain)),
            _ if !reply.is_success() => return Err(self.status_error(&reply, &action)),
            _ => {}
        }
        self.created_name(&reply, &action, Some(new_name))
    }

    /// `DELETE /api/v1/executions/{p}/{d}/{n}` with `cause`: terminates the execution.
    ///
    /// # Errors
    ///
    /// Not found, or admin cannot be reached or refuses.
    pub(crate) fn terminate_execution(
        &self,
        project: &str,
        domain: &str,
        name: &str,
        cause: &str,
    ) -> Result<Terminated, RemoteError> {
        let action = format!("terminate execution '{name}' in {project}/{domain}");
        let path = api_path("executions", &[project, domain, name]);
        let body =
            json!({"id": {"project": project, "domain": domain, "name": name}, "cause": cause});
        let reply = self.delete(&path, &body, &action)?;
        match reply.status {
            _ if reply.is_success() => Ok(Terminated::Now),
            404 => Err(self.not_found(format!("execution '{name}'"), project, domain)),
            // FailedPrecondition: already in a terminal state (admin names it in details only).
            400 if reply.error_status().0.as_deref() == Some("FAILED_PRECONDITION") => {
                let phase = execution_phase(&self.get_execution(project, domain, name)?);
                Ok(Terminated::AlreadyFinished(phase))
            }
            _ => Err(self.status_error(&reply, &action)),
        }
    }

    /// `PUT /api/v1/launch_plans/{p}/{d}/{n}/{v}`: makes that version the active one (`active`),
    /// or inactive.
    ///
    /// # Errors
    ///
    /// Not found, or admin cannot be reached or refuses.
    pub(crate) fn set_launch_plan_state(
        &self,
        project: &str,
        domain: &str,
        name: &str,
        version: &str,
        active: bool,
    ) -> Result<(), RemoteError> {
        let verb = if active { "activate" } else { "deactivate" };
        let action =
            format!("{verb} launch plan '{name}' version '{version}' in {project}/{domain}");
        let path = api_path("launch_plans", &[project, domain, name, version]);
        let id = json!({
            "resource_type": "LAUNCH_PLAN",
            "project": project,
            "domain": domain,
            "name": name,
            "version": version,
        });
        let state = if active { "ACTIVE" } else { "INACTIVE" };
        let reply = self.put(&path, &json!({"id": id, "state": state}), &action)?;
        match reply.status {
            _ if reply.is_success() => Ok(()),
            404 => Err(self.not_found(
                format!("launch plan '{name}' version '{version}'"),
                project,
                domain,
            )),
            _ => Err(self.status_error(&reply, &action)),
        }
    }

    /// `PUT /api/v1/projects/{id}`: the project as admin has it, with its state `ARCHIVED`
    /// (`archived`) or `ACTIVE` (admin replaces the whole project, so it is read first).
    ///
    /// # Errors
    ///
    /// [`RemoteError::ProjectNotFound`], or admin cannot be reached or refuses.
    pub(crate) fn set_project_state(
        &self,
        project: &str,
        archived: bool,
    ) -> Result<(), RemoteError> {
        let mut current: Value = self.get_project(project)?;
        let state = if archived { "ARCHIVED" } else { "ACTIVE" };
        let verb = if archived { "archive" } else { "activate" };
        let action = format!("{verb} project '{project}'");
        if let Some(object) = current.as_object_mut() {
            object.insert("state".to_owned(), json!(state));
        }
        let reply = self.put(&api_path("projects", &[project]), &current, &action)?;
        if reply.is_success() {
            Ok(())
        } else {
            Err(self.status_error(&reply, &action))
        }
    }
}
