//! Serialized flyteidl messages as admin's JSON, decoded with prost-reflect from the message
//! descriptors of flyteidl 1.16.8 (`host/protos/`, taken from the flyteidl package itself), so
//! no wire format is decoded by hand and no code is generated.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use serde_json::Value;

use crate::remote::Entity;

/// The `FileDescriptorSet` of flyteidl 1.16.8's admin task, workflow and launch plan messages
/// and everything they import (`host/protos/gen_descriptors.py` writes it).
static DESCRIPTORS: &[u8] = include_bytes!("../../protos/flyteidl-1.16.8.fds");

fn pool() -> Result<&'static DescriptorPool, String> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(DESCRIPTORS).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| format!("flyte-host's flyteidl descriptors are broken ({e}): report this bug"))
}

/// The message a file of this kind holds.
fn message_name(kind: Entity) -> &'static str {
    match kind {
        Entity::Task => "flyteidl.admin.TaskSpec",
        Entity::Workflow => "flyteidl.admin.WorkflowSpec",
        Entity::LaunchPlan => "flyteidl.admin.LaunchPlan",
    }
}

/// `bytes` decoded as the message of `kind`, as JSON with proto field names, enums by name,
/// 64-bit integers as strings and unset fields left out (what admin's gateway reads).
pub(super) fn decode(kind: Entity, bytes: &[u8]) -> Result<Value, String> {
    let name = message_name(kind);
    let descriptor = pool()?
        .get_message_by_name(name)
        .ok_or_else(|| format!("flyte-host's flyteidl descriptors lack {name}: report this bug"))?;
    let message = DynamicMessage::decode(descriptor, bytes)
        .map_err(|e| format!("it is not a serialized {name}: {e}"))?;
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(true);
    message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| format!("it cannot be written as JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptors_hold_every_message_register_files_reads() {
        for kind in [Entity::Task, Entity::Workflow, Entity::LaunchPlan] {
            let descriptor = pool().unwrap().get_message_by_name(message_name(kind));
            assert!(descriptor.is_some(), "{}", message_name(kind));
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let err = decode(Entity::Task, &[0xff, 0xff, 0xff, 0xff]).unwrap_err();
        assert!(
            err.contains("not a serialized flyteidl.admin.TaskSpec"),
            "{err}"
        );
    }
}
