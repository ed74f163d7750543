//! A resolved task as FlyteAdmin's `TaskCreateRequest` JSON (`POST /api/v1/tasks`): proto field
//! names, enums by name, durations as `"600s"`; unset fields left out. Serialized straight from
//! borrowed structs, so packaging thousands of tasks costs little.

use serde::{ser::SerializeMap, Serialize, Serializer};
use serde_json::Value;

use super::{
    resolve::ResolvedTask,
    spec::{Mount, Resource, SecretSpec, VarType, Variable},
    values,
};

/// flytekit's raw container task type.
const TASK_TYPE: &str = "raw-container";

/// The `TaskCreateRequest` for `task` under `project`/`domain`/`version`.
pub(crate) fn task_create_request(
    task: &ResolvedTask,
    project: &str,
    domain: &str,
    version: &str,
) -> Value {
    // Cannot fail: every map key is a string.
    serde_json::to_value(request(task, project, domain, version)).unwrap_or_default()
}

/// Writes [`task_create_request`] to `out` as pretty-printed JSON, newline-terminated (what
/// `package` writes), without building it in memory first.
pub(crate) fn write_task_create_request(
    task: &ResolvedTask,
    project: &str,
    domain: &str,
    version: &str,
    mut out: impl std::io::Write,
) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(&mut out, &request(task, project, domain, version))?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

/// Writes the task's `TaskTemplate` without its `id` (everything that describes the task) as
/// compact JSON to `out`.
pub(super) fn write_template_body(
    task: &ResolvedTask,
    out: impl std::io::Write,
) -> serde_json::Result<()> {
    serde_json::to_writer(out, &template(task, None))
}

fn request<'a>(
    task: &'a ResolvedTask,
    project: &'a str,
    domain: &'a str,
    version: &'a str,
) -> Request<'a> {
    let id = Identifier {
        resource_type: "TASK",
        project,
        domain,
        name: task.name(),
        version,
    };
    Request {
        id,
        spec: Spec {
            template: template(task, Some(id)),
        },
    }
}

fn template<'a>(task: &'a ResolvedTask, id: Option<Identifier<'a>>) -> Template<'a> {
    let spec = &task.spec;
    let cache = task.cache.value.as_ref();
    Template {
        id,
        kind: TASK_TYPE,
        metadata: Metadata {
            discoverable: cache.is_some(),
            runtime: Runtime {
                kind: "FLYTE_SDK",
                version: env!("CARGO_PKG_VERSION"),
                flavor: "flyte-host",
            },
            timeout: spec.timeout.map(values::proto_duration),
            retries: Retries {
                retries: spec.retries.unwrap_or(0),
            },
            discovery_version: cache.map_or("", |c| c.version.value.as_str()),
            cache_serializable: cache.is_some_and(|c| c.serialize),
            cache_ignore_input_vars: cache
                .map(|c| c.ignored_inputs.as_slice())
                .unwrap_or_default(),
            generates_deck: false,
            metadata: K8sObjectMetadata {},
        },
        interface: Interface {
            inputs: VariableMap {
                variables: Variables(&spec.inputs),
            },
            outputs: VariableMap {
                variables: Variables(&spec.outputs),
            },
        },
        container: Container {
            image: &task.image.value,
            command: &spec.command,
            args: spec.args.as_deref().unwrap_or_default(),
            resources: Resources {
                requests: Entries(&spec.resources.requests),
                limits: Entries(&spec.resources.limits),
            },
            env: Env(&spec.env),
            data_config: DataConfig {
                enabled: true,
                input_path: "/var/inputs",
                output_path: "/var/outputs",
                format: "JSON",
            },
        },
        security_context: (!spec.secrets.is_empty()).then(|| SecurityContext {
            secrets: spec.secrets.iter().map(Secret::from).collect(),
        }),
    }
}

#[derive(Serialize)]
struct Request<'a> {
    id: Identifier<'a>,
    spec: Spec<'a>,
}

#[derive(Serialize)]
struct Spec<'a> {
    template: Template<'a>,
}

#[derive(Serialize, Clone, Copy)]
struct Identifier<'a> {
    resource_type: &'static str,
    project: &'a str,
    domain: &'a str,
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Template<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Identifier<'a>>,
    #[serde(rename = "type")]
    kind: &'static str,
    metadata: Metadata<'a>,
    interface: Interface<'a>,
    container: Container<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_context: Option<SecurityContext<'a>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    discoverable: bool,
    runtime: Runtime,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<String>,
    retries: Retries,
    discovery_version: &'a str,
    cache_serializable: bool,
    cache_ignore_input_vars: &'a [String],
    /// flytekit sets it (a `BoolValue`): a container task makes no deck.
    generates_deck: bool,
    /// flytekit sets it, empty: no pod labels or annotations.
    metadata: K8sObjectMetadata,
}

/// An empty `K8sObjectMetadata`.
#[derive(Serialize)]
struct K8sObjectMetadata {}

#[derive(Serialize)]
struct Runtime {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    flavor: &'static str,
}

#[derive(Serialize)]
struct Retries {
    retries: u32,
}

#[derive(Serialize)]
struct Interface<'a> {
    inputs: VariableMap<'a>,
    outputs: VariableMap<'a>,
}

#[derive(Serialize)]
struct VariableMap<'a> {
    variables: Variables<'a>,
}

/// `{"name": {"type": …, "description": "name"}}`: flytekit describes an undocumented variable
/// by its name.
struct Variables<'a>(&'a [Variable]);

impl Serialize for Variables<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for v in self.0 {
            map.serialize_entry(
                &v.name,
                &VariableJson {
                    kind: literal_type(v.kind),
                    description: &v.name,
                },
            )?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct VariableJson<'a> {
    #[serde(rename = "type")]
    kind: LiteralType,
    description: &'a str,
}

/// A `LiteralType`.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum LiteralType {
    Simple(&'static str),
    Blob(BlobType),
}

#[derive(Serialize)]
struct BlobType {
    format: &'static str,
    dimensionality: &'static str,
}

fn literal_type(kind: VarType) -> LiteralType {
    let simple = match kind {
        VarType::String => "STRING",
        VarType::Integer => "INTEGER",
        VarType::Float => "FLOAT",
        VarType::Boolean => "BOOLEAN",
        VarType::Datetime => "DATETIME",
        VarType::Duration => "DURATION",
        VarType::Blob => {
            return LiteralType::Blob(BlobType {
                format: "",
                dimensionality: "SINGLE",
            })
        }
    };
    LiteralType::Simple(simple)
}

#[derive(Serialize)]
struct Container<'a> {
    image: &'a str,
    command: &'a [String],
    args: &'a [String],
    resources: Resources<'a>,
    #[serde(skip_serializing_if = "Env::is_empty")]
    env: Env<'a>,
    data_config: DataConfig,
}

/// The container's `env`: a `KeyValuePair` list.
struct Env<'a>(&'a [(String, String)]);

impl Env<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Env<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(key, value)| KeyValue { key, value }))
    }
}

#[derive(Serialize)]
struct KeyValue<'a> {
    key: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Resources<'a> {
    requests: Entries<'a>,
    limits: Entries<'a>,
}

/// A `ResourceEntry` list.
struct Entries<'a>(&'a [(Resource, String)]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(resource, value)| Entry {
            name: resource.admin_name(),
            value,
        }))
    }
}

#[derive(Serialize)]
struct Entry<'a> {
    name: &'static str,
    value: &'a str,
}

/// flytekit's `ContainerTask` data loading: inputs in `/var/inputs`, outputs from `/var/outputs`.
#[derive(Serialize)]
struct DataConfig {
    enabled: bool,
    input_path: &'static str,
    output_path: &'static str,
    format: &'static str,
}

#[derive(Serialize)]
struct SecurityContext<'a> {
    secrets: Vec<Secret<'a>>,
}

/// A `core.Secret`: set fields only, the mount requirement by name.
#[derive(Serialize)]
struct Secret<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    mount_requirement: &'static str,
}

impl<'a> From<&'a SecretSpec> for Secret<'a> {
    fn from(secret: &'a SecretSpec) -> Self {
        Secret {
            group: secret.group.as_deref(),
            group_version: secret.group_version.as_deref(),
            key: secret.key.as_deref(),
            mount_requirement: match secret.mount {
                Mount::Any => "ANY",
                Mount::Env => "ENV_VAR",
                Mount::File => "FILE",
            },
        }
    }
}
