//! What `pyflyte package` wrote, read for `register files`: its archives (`flyte-package.tgz`),
//! directories and single files of serialized flyteidl 1.16 protobuf, one entity per file —
//! `<n>_<name>_1.pb` a `TaskSpec`, `_2.pb` a `WorkflowSpec`, `_3.pb` a `LaunchPlan` (flytekit's
//! and flytectl's naming). Decoded from flyteidl's own message descriptors into admin's JSON
//! (proto field names), given the registration's project, domain and version, and put in
//! dependency order.

mod decode;
mod error;
mod hydrate;
mod order;
mod policy;
mod read;

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::{remote::Entity, wire::field};

pub(crate) use error::PackagedError;
pub(crate) use hydrate::Target;
pub(crate) use policy::{apply as apply_policy, Defaulted};

/// One entity of the files: a task, workflow or launch plan, as admin's JSON.
#[derive(Debug, Clone)]
pub(crate) struct Packaged {
    /// What it is.
    pub kind: Entity,
    /// Where it was read: the file, or `member in archive`.
    pub source: String,
    /// The decoded message: the `TaskSpec`, `WorkflowSpec` or `LaunchPlan`.
    pub message: Value,
}

impl Packaged {
    /// Its identifier (the template's for tasks and workflows, the launch plan's own).
    pub(crate) fn id(&self) -> &Value {
        match self.kind {
            Entity::LaunchPlan => field(&self.message, "id"),
            Entity::Task | Entity::Workflow => {
                field(&self.message, "template").and_then(|t| field(t, "id"))
            }
        }
        .unwrap_or(&Value::Null)
    }

    /// Its name.
    pub(crate) fn name(&self) -> &str {
        self.id_part("name")
    }

    /// A part of its identifier (`project`, `domain`, `name`, `version`), empty when unset.
    pub(crate) fn id_part(&self, part: &str) -> &str {
        field(self.id(), part).and_then(Value::as_str).unwrap_or("")
    }

    /// Admin's `{Task,Workflow,LaunchPlan}CreateRequest` for it.
    pub(crate) fn create_request(&self) -> Value {
        let spec = match self.kind {
            Entity::LaunchPlan => field(&self.message, "spec").cloned().unwrap_or(json!({})),
            Entity::Task | Entity::Workflow => self.message.clone(),
        };
        json!({"id": self.id(), "spec": spec})
    }
}

/// What the paths hold.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The entities, in the files' order.
    pub entities: Vec<Packaged>,
    /// A version from the files' content, for files that carry none: the first 16 hex digits
    /// of the sha256 of every file's kind and bytes, in order (the same files, the same version).
    pub content_version: String,
}

/// Reads and decodes every entity of `paths` (archives, directories, `.pb` files), in the files'
/// order; see [`read`](self) for what each may be. Nothing is sent anywhere.
///
/// # Errors
///
/// A path cannot be read, is no pyflyte package, or holds a file that does not decode.
pub(crate) fn load(paths: &[PathBuf]) -> Result<Loaded, PackagedError> {
    use sha2::{Digest, Sha256};
    let files = read::files(paths)?;
    let mut entities = Vec::with_capacity(files.len());
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.kind.noun().as_bytes());
        hasher.update((file.bytes.len() as u64).to_le_bytes());
        hasher.update(&file.bytes);
        entities.push(decoded(file)?);
    }
    let content_version = format!("{:x}", hasher.finalize())[..16].to_owned();
    Ok(Loaded {
        entities,
        content_version,
    })
}

/// What an uncompressed tar stream (`.tar`) holds, read and decoded as [`load`] reads an archive
/// (for the fuzzer: the same reader behind every archive form).
///
/// # Errors
///
/// As for [`load`].
pub(crate) fn load_tar_bytes(bytes: &[u8]) -> Result<Vec<Packaged>, PackagedError> {
    read::tar_files(bytes)?.into_iter().map(decoded).collect()
}

/// `bytes` decoded as the message of `kind` (for the fuzzer).
///
/// # Errors
///
/// The bytes are not that message.
pub(crate) fn decode_one(kind: Entity, bytes: &[u8]) -> Result<Value, String> {
    decode::decode(kind, bytes)
}

/// One file's entity, which must have a name.
fn decoded(file: read::File) -> Result<Packaged, PackagedError> {
    let noun = file.kind.noun();
    let message =
        decode::decode(file.kind, &file.bytes).map_err(|reason| PackagedError::Decode {
            source_name: file.source.clone(),
            noun,
            reason,
        })?;
    let entity = Packaged {
        kind: file.kind,
        source: file.source,
        message,
    };
    if entity.name().is_empty() {
        return Err(PackagedError::Decode {
            source_name: entity.source,
            noun,
            reason: "it has no identifier name".to_owned(),
        });
    }
    Ok(entity)
}

/// Gives `entities` the registration's project, domain and version (see [`hydrate`]) and puts
/// them in dependency order: what a workflow or launch plan refers to comes before it.
///
/// # Errors
///
/// Two files define the same entity, or entities refer to each other in a cycle.
pub(crate) fn prepare(
    entities: Vec<Packaged>,
    target: &Target,
) -> Result<Vec<Packaged>, PackagedError> {
    let mut entities = order::dependency_order(entities)?;
    hydrate::hydrate(&mut entities, target);
    Ok(entities)
}

/// The version the files carry: the one non-empty version of their entities' identifiers
/// (pyflyte leaves it empty: then `None`).
///
/// # Errors
///
/// The files carry different versions.
pub(crate) fn carried_version(entities: &[Packaged]) -> Result<Option<String>, PackagedError> {
    hydrate::carried_version(entities)
}
