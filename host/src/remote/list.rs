//! Listing admin's entities: every page of a list endpoint (following the `token` until it comes
//! back empty) up to an optional limit, the projects, admin's version, and "project not found"
//! when a list fails or is empty because the project does not exist.

use serde_json::Value;

use super::{
    client::{api_path, AdminClient, Reply},
    error::RemoteError,
    field,
};

/// How many entities one list request asks for.
const PAGE_SIZE: usize = 100;

/// What admin keeps and lists per project and domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    /// Tasks (`/api/v1/tasks`, `/api/v1/task_ids`).
    Task,
    /// Workflows (`/api/v1/workflows`, `/api/v1/workflow_ids`).
    Workflow,
    /// Launch plans (`/api/v1/launch_plans`, `/api/v1/launch_plan_ids`).
    LaunchPlan,
}

impl Entity {
    /// The entity in words: `task`, `workflow`, `launch plan`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Entity::Task => "task",
            Entity::Workflow => "workflow",
            Entity::LaunchPlan => "launch plan",
        }
    }

    /// The path word and list key: `tasks`, `workflows`, `launch_plans`.
    pub(super) fn plural(self) -> &'static str {
        match self {
            Entity::Task => "tasks",
            Entity::Workflow => "workflows",
            Entity::LaunchPlan => "launch_plans",
        }
    }

    /// The path word of the identifier list: `task_ids`, `workflow_ids`, `launch_plan_ids`.
    fn ids(self) -> &'static str {
        match self {
            Entity::Task => "task_ids",
            Entity::Workflow => "workflow_ids",
            Entity::LaunchPlan => "launch_plan_ids",
        }
    }
}

/// What a list call found: the entities, and whether admin has more beyond the limit.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listed {
    /// The entities, at most the limit.
    pub items: Vec<Value>,
    /// Admin holds more than were asked for (a next page, or a page past the limit).
    pub more: bool,
}

/// One paged list call.
struct Listing<'a> {
    /// The path, e.g. `/api/v1/task_ids/flytesnacks/development`.
    path: String,
    /// The response field holding the page's entities (`tasks`, `entities`, ...).
    key: &'a str,
    /// `sort_by.key` and `sort_by.direction`.
    sort: (&'a str, &'a str),
    /// The project the list is in, checked when the list fails or is empty.
    project: Option<&'a str>,
    /// What is being done, for errors.
    action: String,
}

impl AdminClient {
    /// Every entity of `listing`, page by page, at most `limit` of them.
    fn list(&self, listing: &Listing<'_>, limit: Option<usize>) -> Result<Listed, RemoteError> {
        let mut items: Vec<Value> = Vec::new();
        let mut token = String::new();
        let mut more = false;
        loop {
            let size = limit.map_or(PAGE_SIZE, |l| (l - items.len()).min(PAGE_SIZE));
            let size = size.to_string();
            let mut query = vec![
                ("limit", size.as_str()),
                ("sort_by.key", listing.sort.0),
                ("sort_by.direction", listing.sort.1),
            ];
            if !token.is_empty() {
                query.push(("token", token.as_str()));
            }
            let reply = self.get(&listing.path, &query, &listing.action)?;
            if !reply.is_success() {
                return Err(self.list_error(&reply, listing));
            }
            let body = self.json(&reply, &listing.action)?;
            let received = match field(&body, listing.key) {
                Some(Value::Array(page)) => {
                    items.extend(page.iter().cloned());
                    page.len()
                }
                None | Some(Value::Null) => 0,
                Some(_) => {
                    let message = format!("`{}` is not a list", listing.key);
                    return Err(self.bad_response(&listing.action, message));
                }
            };
            let next = field(&body, "token")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            // An empty page or a repeated token would loop forever on a misbehaving server.
            let stuck = next.is_empty() || received == 0 || next == token;
            if stuck {
                break;
            }
            if limit.is_some_and(|l| items.len() >= l) {
                // Admin hands out a next token whenever a page is full: one entity past it tells
                // whether there really are more.
                more = items.len() > limit.unwrap_or(0) || self.any_after(listing, &next)?;
                break;
            }
            token = next;
        }
        if let Some(limit) = limit {
            items.truncate(limit);
        }
        // Admin lists nothing, without an error, in a project that does not exist: one more
        // request, only for an empty list, tells a misspelt project from an empty one.
        if let (true, Some(project)) = (items.is_empty(), listing.project) {
            if let Err(missing @ RemoteError::ProjectNotFound { .. }) = self.get_project(project) {
                return Err(missing);
            }
        }
        Ok(Listed { items, more })
    }

    /// Whether `listing` has an entity from page token `token` on.
    fn any_after(&self, listing: &Listing<'_>, token: &str) -> Result<bool, RemoteError> {
        let query = [
            ("limit", "1"),
            ("sort_by.key", listing.sort.0),
            ("sort_by.direction", listing.sort.1),
            ("token", token),
        ];
        let reply = self.get(&listing.path, &query, &listing.action)?;
        if !reply.is_success() {
            return Err(self.list_error(&reply, listing));
        }
        let body = self.json(&reply, &listing.action)?;
        Ok(matches!(field(&body, listing.key), Some(Value::Array(page)) if !page.is_empty()))
    }

    /// The error for a failed list: "project 'x' not found" when admin says the project does
    /// not exist, else admin's answer.
    fn list_error(&self, reply: &Reply, listing: &Listing<'_>) -> RemoteError {
        if reply.status == 401 {
            return self.status_error(reply, &listing.action);
        }
        if let Some(project) = listing.project {
            if let Err(missing @ RemoteError::ProjectNotFound { .. }) = self.get_project(project) {
                return missing;
            }
        }
        self.status_error(reply, &listing.action)
    }

    /// `GET /api/v1/projects/{project}`: the Project.
    ///
    /// # Errors
    ///
    /// [`RemoteError::ProjectNotFound`] on 404; others as for any call.
    pub(crate) fn get_project(&self, project: &str) -> Result<Value, RemoteError> {
        let action = format!("get project '{project}'");
        let reply = self.get(&api_path("projects", &[project]), &[], &action)?;
        match reply.status {
            404 => Err(RemoteError::ProjectNotFound {
                project: project.to_owned(),
                endpoint: self.endpoint().to_owned(),
            }),
            _ if reply.is_success() => self.json(&reply, &action),
            _ => Err(self.status_error(&reply, &action)),
        }
    }

    /// `GET /api/v1/projects`, every page: the Projects' `projects`, at most `limit`.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached or refuses.
    pub(crate) fn list_projects(&self, limit: Option<usize>) -> Result<Listed, RemoteError> {
        let listing = Listing {
            path: "/api/v1/projects".to_owned(),
            key: "projects",
            sort: ("name", "ASCENDING"),
            project: None,
            action: "list projects".to_owned(),
        };
        self.list(&listing, limit)
    }

    /// The names of the `entity`s in `project`/`domain` (`GET /api/v1/{task,...}_ids/{p}/{d}`
    /// sorted by name): NamedEntityIdentifiers, at most `limit`.
    ///
    /// # Errors
    ///
    /// [`RemoteError::ProjectNotFound`], or admin cannot be reached or refuses.
    pub(crate) fn list_names(
        &self,
        entity: Entity,
        project: &str,
        domain: &str,
        limit: Option<usize>,
    ) -> Result<Listed, RemoteError> {
        let listing = Listing {
            path: api_path(entity.ids(), &[project, domain]),
            key: "entities",
            sort: ("name", "ASCENDING"),
            project: Some(project),
            action: format!("list {}s in {project}/{domain}", entity.noun()),
        };
        self.list(&listing, limit)
    }

    /// The versions of `entity` `name` in `project`/`domain`, newest first
    /// (`GET /api/v1/{tasks,...}/{p}/{d}/{name}`), at most `limit`.
    ///
    /// # Errors
    ///
    /// [`RemoteError::ProjectNotFound`], or admin cannot be reached or refuses.
    pub(crate) fn list_versions(
        &self,
        entity: Entity,
        project: &str,
        domain: &str,
        name: &str,
        limit: Option<usize>,
    ) -> Result<Listed, RemoteError> {
        let listing = Listing {
            path: api_path(entity.plural(), &[project, domain, name]),
            key: entity.plural(),
            sort: ("created_at", "DESCENDING"),
            project: Some(project),
            action: format!(
                "list the versions of {} '{name}' in {project}/{domain}",
                entity.noun()
            ),
        };
        self.list(&listing, limit)
    }

    /// The executions in `project`/`domain`, newest first (`GET /api/v1/executions/{p}/{d}`), at
    /// most `limit`.
    ///
    /// # Errors
    ///
    /// [`RemoteError::ProjectNotFound`], or admin cannot be reached or refuses.
    pub(crate) fn list_executions(
        &self,
        project: &str,
        domain: &str,
        limit: Option<usize>,
    ) -> Result<Listed, RemoteError> {
        let listing = Listing {
            path: api_path("executions", &[project, domain]),
            key: "executions",
            sort: ("created_at", "DESCENDING"),
            project: Some(project),
            action: format!("list executions in {project}/{domain}"),
        };
        self.list(&listing, limit)
    }

    /// The node executions of execution `name` in `project`/`domain`, oldest first
    /// (`GET /api/v1/node_executions/{p}/{d}/{n}`: the top-level nodes), every page.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached or refuses.
    pub(crate) fn list_node_executions(
        &self,
        project: &str,
        domain: &str,
        name: &str,
    ) -> Result<Listed, RemoteError> {
        let listing = Listing {
            path: api_path("node_executions", &[project, domain, name]),
            key: "node_executions",
            sort: ("created_at", "ASCENDING"),
            project: None,
            action: format!("list the nodes of execution '{name}' in {project}/{domain}"),
        };
        self.list(&listing, None)
    }

    /// `GET /api/v1/version`: admin's `control_plane_version` (`Build`, `Version`, `BuildTime`).
    ///
    /// # Errors
    ///
    /// Admin cannot be reached or refuses.
    pub(crate) fn admin_version(&self) -> Result<Value, RemoteError> {
        let action = "get its version";
        let reply = self.get("/api/v1/version", &[], action)?;
        if !reply.is_success() {
            return Err(self.status_error(&reply, action));
        }
        let body = self.json(&reply, action)?;
        field(&body, "control_plane_version")
            .filter(|v| v.is_object())
            .cloned()
            .ok_or_else(|| self.bad_response(action, "no `control_plane_version` object"))
    }
}
