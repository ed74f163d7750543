//! The plugin stack's policy where flytekit applies it at registration: a task's secret without
//! a group is refused while `secret_requires_group()` is true, and a task container without an
//! image gets the stack's `get_default_image` (else `FLYTE_INTERNAL_IMAGE`, else flytekit's
//! default image), unless `--no-defaults`. Cache policies are not applied: flytekit already
//! computed each task's cache version (`discovery_version`) when it serialized the task.

use serde_json::Value;

use crate::{
    remote::Entity,
    tasks::{Hooks, Source},
    wire::field,
};

use super::{Packaged, PackagedError};

/// A value the plugin stack filled in.
#[derive(Debug, Clone)]
pub(crate) struct Defaulted {
    /// Which entity (its index in the prepared list).
    pub entity: usize,
    /// The field, as a path (`template.container.image`).
    pub field: &'static str,
    /// The value given.
    pub value: String,
    /// Where it came from (`plugin:myorg:get_default_image`, `host default`).
    pub source: Source,
}

/// Applies the policy to the tasks of `entities` (all of them checked before any error).
///
/// # Errors
///
/// Tasks have secrets without a group while the stack requires groups (every one named), or a
/// hook failed.
pub(crate) fn apply(
    entities: &mut [Packaged],
    hooks: &mut Hooks<'_>,
    defaults: bool,
) -> Result<Vec<Defaulted>, PackagedError> {
    let mut groupless = Vec::new();
    for entity in entities.iter().filter(|e| e.kind == Entity::Task) {
        let secrets = field(&entity.message, "template")
            .and_then(|t| field(t, "security_context"))
            .and_then(|c| field(c, "secrets"))
            .and_then(Value::as_array);
        for secret in secrets.into_iter().flatten() {
            let group = field(secret, "group").and_then(Value::as_str).unwrap_or("");
            if group.is_empty() {
                let key = field(secret, "key").and_then(Value::as_str).unwrap_or("");
                groupless.push(format!(
                    "task '{}' ({}) secret '{key}'",
                    entity.name(),
                    entity.source
                ));
            }
        }
    }
    if !groupless.is_empty() {
        let answer = hooks.requires_group()?;
        if answer.value {
            return Err(PackagedError::Policy(format!(
                "{} without a group, and the plugin stack requires one (secret_requires_group() is true, from {}): {}. Give each secret a group in flytekit (Secret(group=…, key=…)) and package again",
                if groupless.len() == 1 { "a secret" } else { "secrets" },
                answer.source,
                groupless.join("; "),
            )));
        }
    }
    let mut given = Vec::new();
    if !defaults {
        return Ok(given);
    }
    for (i, entity) in entities.iter_mut().enumerate() {
        if entity.kind != Entity::Task {
            continue;
        }
        let Some(container) = entity
            .message
            .get_mut("template")
            .and_then(|t| t.get_mut("container"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let unset = container
            .get("image")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if unset {
            let image = hooks.default_image()?;
            container.insert("image".to_owned(), Value::from(image.value.as_str()));
            given.push(Defaulted {
                entity: i,
                field: "template.container.image",
                value: image.value,
                source: image.source,
            });
        }
    }
    Ok(given)
}
