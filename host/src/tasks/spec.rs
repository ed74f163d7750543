//! A task as its TOML file declares it: validated, nothing defaulted yet.

use std::{fmt, path::Path, sync::Arc};

/// Where something is declared: a task file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// The task file, as the user named it (shared by everything declared in it).
    pub file: Arc<Path>,
    /// The 1-based line.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A container task declared in a task file (flytekit's raw `ContainerTask`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskSpec {
    /// The task's name, unique across the files of one command.
    pub name: String,
    /// Where the task's `[[task]]` table starts.
    pub location: Location,
    /// The container's command.
    pub command: Vec<String>,
    /// The container's arguments (`None`: not declared).
    pub args: Option<Vec<String>>,
    /// Inputs, in declaration order.
    pub inputs: Vec<Variable>,
    /// Outputs, in declaration order.
    pub outputs: Vec<Variable>,
    /// The image, when the task names one.
    pub image: Option<String>,
    /// The secrets the task requests.
    pub secrets: Vec<SecretSpec>,
    /// How the task caches.
    pub cache: CacheSpec,
    /// Retries on failure (`None`: not declared).
    pub retries: Option<u32>,
    /// Timeout in seconds (`None`: not declared).
    pub timeout: Option<u64>,
    /// Requested and limited resources.
    pub resources: Resources,
    /// Environment variables of the container, in declaration order.
    pub env: Vec<(String, String)>,
}

/// An input or output: a name and a Flyte simple type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variable {
    /// The variable's name.
    pub name: String,
    /// Its type.
    pub kind: VarType,
}

/// The Flyte types a task spec can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarType {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `float`.
    Float,
    /// `boolean`.
    Boolean,
    /// `datetime`.
    Datetime,
    /// `duration`.
    Duration,
    /// `blob` (a single file).
    Blob,
}

impl VarType {
    /// Every type, by its spelling in task files.
    pub(crate) const ALL: [(&'static str, VarType); 7] = [
        ("string", VarType::String),
        ("integer", VarType::Integer),
        ("float", VarType::Float),
        ("boolean", VarType::Boolean),
        ("datetime", VarType::Datetime),
        ("duration", VarType::Duration),
        ("blob", VarType::Blob),
    ];

    /// The spelling in task files.
    pub(crate) fn as_str(self) -> &'static str {
        VarType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("string", |(name, _)| name)
    }

    /// The type a task file spells `name`.
    pub(crate) fn parse(name: &str) -> Option<VarType> {
        VarType::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }
}

/// How a secret is handed to the container (flytekit's `Secret.MountType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mount {
    /// The platform decides.
    Any,
    /// As an environment variable.
    Env,
    /// As a file.
    File,
}

impl Mount {
    /// Every mount, by its spelling in task files.
    pub(crate) const ALL: [(&'static str, Mount); 3] = [
        ("any", Mount::Any),
        ("env", Mount::Env),
        ("file", Mount::File),
    ];

    /// The spelling in task files.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mount::Any => "any",
            Mount::Env => "env",
            Mount::File => "file",
        }
    }
}

/// A secret the task requests (flytekit's `Secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretSpec {
    /// The secret's group.
    pub group: Option<String>,
    /// The key within the group.
    pub key: Option<String>,
    /// The group's version.
    pub group_version: Option<String>,
    /// How it is mounted.
    pub mount: Mount,
    /// Where the secret is declared.
    pub location: Location,
}

impl SecretSpec {
    /// How messages name the secret: its key, else its group.
    pub(crate) fn label(&self) -> &str {
        self.key.as_deref().or(self.group.as_deref()).unwrap_or("")
    }
}

/// A task's cache settings (flytekit's `cache=` / `Cache(...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CacheSpec {
    /// No caching; `true` when the task said `cache = false`, `false` when it said nothing.
    Off {
        /// Whether the task said so.
        declared: bool,
    },
    /// Caching on.
    On(CacheOn),
}

/// The settings of a task that caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheOn {
    /// An explicit cache version.
    pub version: Option<String>,
    /// The salt handed to every policy.
    pub salt: String,
    /// The policies the task names (`None`: the plugin's default policies).
    pub policies: Option<Vec<String>>,
    /// Identical concurrent executions run one at a time (`cache_serializable`).
    pub serialize: bool,
    /// Inputs left out of the cache key (`cache_ignore_input_vars`).
    pub ignored_inputs: Vec<String>,
    /// Where the cache setting is declared.
    pub location: Location,
}

/// The resources a task requests and is limited to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Resources {
    /// Requests, in [`Resource`] order.
    pub requests: Vec<(Resource, String)>,
    /// Limits, in [`Resource`] order.
    pub limits: Vec<(Resource, String)>,
}

/// A resource a task can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Resource {
    /// `cpu`.
    Cpu,
    /// `memory`.
    Memory,
    /// `gpu`.
    Gpu,
    /// `ephemeral_storage`.
    EphemeralStorage,
}

impl Resource {
    /// Every resource, by its spelling in task files.
    pub(crate) const ALL: [(&'static str, Resource); 4] = [
        ("cpu", Resource::Cpu),
        ("memory", Resource::Memory),
        ("gpu", Resource::Gpu),
        ("ephemeral_storage", Resource::EphemeralStorage),
    ];

    /// The spelling in task files.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
            Resource::Gpu => "gpu",
            Resource::EphemeralStorage => "ephemeral_storage",
        }
    }

    /// FlyteAdmin's `ResourceName`.
    pub(crate) fn admin_name(self) -> &'static str {
        match self {
            Resource::Cpu => "CPU",
            Resource::Memory => "MEMORY",
            Resource::Gpu => "GPU",
            Resource::EphemeralStorage => "EPHEMERAL_STORAGE",
        }
    }
}
