//! The registration's project, domain and version in the files' identifiers, as flytectl's
//! `register files` gives them: an empty part or a `{{ registration.* }}` placeholder takes the
//! registration's. The entities the files define, and every reference to them, take the
//! registration's project, domain and version outright, since that is where they are registered.
//! References to other entities keep what they name.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::{remote::Entity, wire::field};

use super::{Packaged, PackagedError};

/// Where the entities are registered.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The project.
    pub project: String,
    /// The domain.
    pub domain: String,
    /// The version.
    pub version: String,
}

/// The placeholders pyflyte may leave in identifiers.
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("project", "{{ registration.project }}"),
    ("domain", "{{ registration.domain }}"),
    ("version", "{{ registration.version }}"),
];

/// Whether an identifier part is unset: empty or pyflyte's placeholder.
fn unset(part: &str, value: &str) -> bool {
    value.is_empty()
        || PLACEHOLDERS.iter().any(|(p, placeholder)| {
            *p == part && value.replace(' ', "") == placeholder.replace(' ', "")
        })
}

/// The resource type of an identifier met under `key`: its own, else what the key refers to.
fn resource_type<'a>(key: &str, id: &'a Map<String, Value>) -> Option<&'a str> {
    if let Some(kind) = id.get("resource_type").and_then(Value::as_str) {
        return Some(kind);
    }
    match key {
        "reference_id" => Some("TASK"),
        "launchplan_ref" => Some("LAUNCH_PLAN"),
        "sub_workflow_ref" | "workflow_id" => Some("WORKFLOW"),
        _ => None,
    }
}

/// Admin's resource type of an entity kind.
pub(super) fn resource_type_of(kind: Entity) -> &'static str {
    match kind {
        Entity::Task => "TASK",
        Entity::Workflow => "WORKFLOW",
        Entity::LaunchPlan => "LAUNCH_PLAN",
    }
}

/// The fields of flyteidl messages that hold an identifier of a task, workflow or launch plan.
pub(super) const ID_KEYS: [&str; 5] = [
    "id",
    "reference_id",
    "launchplan_ref",
    "sub_workflow_ref",
    "workflow_id",
];

/// Calls `visit(key, identifier)` for every identifier in `value`.
pub(super) fn each_id(value: &Value, visit: &mut impl FnMut(&str, &Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match child {
                    Value::Object(id)
                        if ID_KEYS.contains(&key.as_str()) && id.contains_key("name") =>
                    {
                        visit(key, id);
                    }
                    _ => each_id(child, visit),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| each_id(item, visit)),
        _ => {}
    }
}

fn each_id_mut(value: &mut Value, visit: &mut impl FnMut(&str, &mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::Object(id)
                        if ID_KEYS.contains(&key.as_str()) && id.contains_key("name") =>
                    {
                        visit(key, id);
                    }
                    _ => each_id_mut(child, visit),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| each_id_mut(item, visit)),
        _ => {}
    }
}

/// Gives every identifier of `entities` the registration's parts (see the module docs).
pub(super) fn hydrate(entities: &mut [Packaged], target: &Target) {
    let defined: HashSet<(&'static str, String)> = entities
        .iter()
        .map(|e| (resource_type_of(e.kind), e.name().to_owned()))
        .collect();
    for entity in entities {
        let own = resource_type_of(entity.kind);
        let top = match entity.kind {
            Entity::LaunchPlan => entity.message.get_mut("id"),
            Entity::Task | Entity::Workflow => entity
                .message
                .get_mut("template")
                .and_then(|t| t.get_mut("id")),
        };
        if let Some(Value::Object(id)) = top {
            id.insert("resource_type".to_owned(), Value::from(own));
        }
        each_id_mut(&mut entity.message, &mut |key, id| {
            let name = id.get("name").and_then(Value::as_str).unwrap_or("");
            let ours = resource_type(key, id)
                .is_some_and(|kind| defined.contains(&(kind, name.to_owned())));
            for (part, value) in [
                ("project", &target.project),
                ("domain", &target.domain),
                ("version", &target.version),
            ] {
                let current = id.get(part).and_then(Value::as_str).unwrap_or("");
                if ours || unset(part, current) {
                    id.insert(part.to_owned(), Value::from(value.as_str()));
                }
            }
        });
    }
}

/// The one version the entities' own identifiers carry, if any.
pub(super) fn carried_version(entities: &[Packaged]) -> Result<Option<String>, PackagedError> {
    let mut versions: Vec<&str> = entities
        .iter()
        .map(|e| e.id_part("version"))
        .filter(|v| !unset("version", v))
        .collect();
    versions.sort_unstable();
    versions.dedup();
    match versions.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((*one).to_owned())),
        many => Err(PackagedError::Versions(many.join(", "))),
    }
}

/// The `(resource type, name)` of every identifier `entity` refers to, other than its own and
/// those of the sub-workflows it carries inline.
pub(super) fn references(entity: &Packaged) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    each_id(&entity.message, &mut |key, id| {
        if key == "id" {
            return;
        }
        let name = id.get("name").and_then(Value::as_str).unwrap_or("");
        let kind = match resource_type(key, id) {
            Some("TASK") => "TASK",
            Some("WORKFLOW") => "WORKFLOW",
            Some("LAUNCH_PLAN") => "LAUNCH_PLAN",
            _ => return,
        };
        found.push((kind, name.to_owned()));
    });
    let inline: HashSet<String> = field(&entity.message, "sub_workflows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|w| field(w, "id"))
        .filter_map(|id| field(id, "name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    found.retain(|(kind, name)| !(*kind == "WORKFLOW" && inline.contains(name)));
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn task(name: &str) -> Packaged {
        Packaged {
            kind: Entity::Task,
            source: format!("{name}.pb"),
            message: json!({"template": {"id": {"resource_type": "TASK", "name": name}}}),
        }
    }

    #[test]
    fn defined_entities_and_references_to_them_take_the_target_others_fill_only_what_is_unset() {
        let workflow = Packaged {
            kind: Entity::Workflow,
            source: "wf.pb".to_owned(),
            message: json!({"template": {
                "id": {"name": "wf", "project": "{{ registration.project }}"},
                "nodes": [
                    {"id": "n0", "task_node": {"reference_id": {"name": "t", "project": "old", "domain": "d", "version": "v0"}}},
                    {"id": "n1", "task_node": {"reference_id": {"name": "other", "project": "lib", "domain": "prod", "version": "v9"}}},
                    {"id": "n2", "task_node": {"reference_id": {"name": "loose"}}}
                ]
            }}),
        };
        let mut entities = vec![task("t"), workflow];
        let target = Target {
            project: "p".into(),
            domain: "development".into(),
            version: "v1".into(),
        };
        hydrate(&mut entities, &target);
        let template = &entities[1].message["template"];
        assert_eq!(
            template["id"],
            json!({"name": "wf", "project": "p", "resource_type": "WORKFLOW", "domain": "development", "version": "v1"})
        );
        let refs: Vec<&Value> = template["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| &n["task_node"]["reference_id"])
            .collect();
        assert_eq!(
            refs[0],
            &json!({"name": "t", "project": "p", "domain": "development", "version": "v1"})
        );
        assert_eq!(
            refs[1],
            &json!({"name": "other", "project": "lib", "domain": "prod", "version": "v9"})
        );
        assert_eq!(
            refs[2],
            &json!({"name": "loose", "project": "p", "domain": "development", "version": "v1"})
        );
        assert_eq!(entities[0].id_part("version"), "v1");
    }

    #[test]
    fn the_carried_version_is_the_one_the_files_agree_on() {
        let mut a = task("a");
        assert_eq!(carried_version(std::slice::from_ref(&a)).unwrap(), None);
        a.message["template"]["id"]["version"] = json!("v3");
        let mut b = task("b");
        b.message["template"]["id"]["version"] = json!("{{ registration.version }}");
        assert_eq!(
            carried_version(&[a.clone(), b.clone()]).unwrap().as_deref(),
            Some("v3")
        );
        b.message["template"]["id"]["version"] = json!("v4");
        assert!(carried_version(&[a, b]).is_err());
    }
}
