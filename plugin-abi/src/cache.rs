//! Cache policies: objects with a name that compute a task's cache version (flytekit's
//! `CachePolicy.get_version(salt, params)`).

use abi_stable::{
    sabi_trait,
    sabi_trait::TD_Opaque,
    std_types::{RBox, RResult, RStr, RString},
};

use crate::{
    export::guarded,
    ffi::{FfiCacheParams, KeyValue},
    plugin::PluginError,
};

/// The FFI form of a cache policy. Plugin authors implement [`CachePolicy`] instead.
#[sabi_trait]
pub trait FfiCachePolicy: Send + Sync {
    /// The policy's name, shown by `flyte-host plugin show`.
    fn name(&self) -> RString;

    /// The version this policy computes, or an error message.
    #[sabi(last_prefix_field)]
    fn get_version(&self, salt: RStr<'_>, params: &FfiCacheParams) -> RResult<RString, RString>;
}

/// A cache policy crossing the boundary.
pub type CachePolicyBox = FfiCachePolicy_TO<'static, RBox<()>>;

/// The parameters a cache policy computes a version from: `task_name`, `image`, `command`, `args`,
/// `interface` and `spec` (the task's canonical spec text), and whatever later hosts add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheParams {
    entries: Vec<(String, String)>,
}

impl CacheParams {
    /// Parameters from name/value pairs.
    pub fn new(entries: Vec<(String, String)>) -> Self {
        CacheParams { entries }
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All parameters, in the order the host gave them.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The task's name.
    pub fn task_name(&self) -> Option<&str> {
        self.get("task_name")
    }

    /// The task's resolved image.
    pub fn image(&self) -> Option<&str> {
        self.get("image")
    }

    /// The task's canonical spec text.
    pub fn spec(&self) -> Option<&str> {
        self.get("spec")
    }
}

impl From<&CacheParams> for FfiCacheParams {
    fn from(p: &CacheParams) -> Self {
        FfiCacheParams {
            entries: p
                .entries
                .iter()
                .map(|(k, v)| KeyValue {
                    key: k.as_str().into(),
                    value: v.as_str().into(),
                })
                .collect(),
        }
    }
}

impl From<&FfiCacheParams> for CacheParams {
    fn from(p: &FfiCacheParams) -> Self {
        CacheParams {
            entries: p
                .entries
                .iter()
                .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                .collect(),
        }
    }
}

/// A cache policy, as a plugin author writes it.
pub trait CachePolicy: Send + Sync + 'static {
    /// The policy's name (shown by `flyte-host plugin show`, named in errors).
    fn name(&self) -> String;

    /// The version for a task; the host SHA-256s the concatenation of every policy's version.
    fn get_version(&self, salt: &str, params: &CacheParams) -> Result<String, PluginError>;
}

/// Carries an author's policy across the boundary, catching its panics.
struct Exported(Box<dyn CachePolicy>);

impl FfiCachePolicy for Exported {
    fn name(&self) -> RString {
        match guarded(|| Ok(self.0.name())) {
            RResult::ROk(name) => name.into(),
            RResult::RErr(err) => format!("<name panicked: {err}>").into(),
        }
    }

    fn get_version(&self, salt: RStr<'_>, params: &FfiCacheParams) -> RResult<RString, RString> {
        guarded(|| self.0.get_version(salt.as_str(), &params.into())).map(RString::from)
    }
}

/// Converts an author's policy to its FFI form.
pub fn export_policy(policy: Box<dyn CachePolicy>) -> CachePolicyBox {
    FfiCachePolicy_TO::from_value(Exported(policy), TD_Opaque)
}

/// A policy from the other side of the boundary, usable as an author's policy
/// (e.g. the host's defaults, wrapped by a plugin).
pub struct ImportedPolicy(CachePolicyBox);

impl ImportedPolicy {
    /// Wraps an FFI policy.
    pub fn new(policy: CachePolicyBox) -> Self {
        ImportedPolicy(policy)
    }
}

impl CachePolicy for ImportedPolicy {
    fn name(&self) -> String {
        self.0.name().into()
    }

    fn get_version(&self, salt: &str, params: &CacheParams) -> Result<String, PluginError> {
        self.0
            .get_version(salt.into(), &params.into())
            .into_result()
            .map(String::from)
            .map_err(PluginError::new)
    }
}
