//! Cache versions as flytekit's `Cache.get_version` computes them: an explicit version, else the
//! SHA-256 hex of the concatenated versions of the task's policies. Also the host's built-in
//! `spec-hash` policy (flytekit's `CacheFunctionBody` for a container task) and the canonical spec
//! text it hashes.

use abi_stable::std_types::RResult;
use flyte_plugin_abi::{
    cache::{CacheParams, CachePolicyBox},
    types::FfiCacheParams,
};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::{sha256_hex, spec::TaskSpec, spec::Variable};

/// The name of the built-in policy that versions a task by its canonical spec.
pub(crate) const SPEC_HASH: &str = "spec-hash";

/// A policy that can version a task.
pub(super) enum Policy<'p> {
    /// The built-in `spec-hash`.
    SpecHash,
    /// One of the plugin's policies.
    Plugin(&'p CachePolicyBox),
}

/// A policy that failed, and its message.
pub(super) struct PolicyFailure {
    /// The policy's name.
    pub(super) policy: String,
    /// What it said.
    pub(super) message: String,
}

/// The version `policies` give a task: SHA-256 hex of the concatenation of each policy's
/// `get_version(salt, params)`. The parameters are built only when a plugin policy needs them.
pub(super) fn version(
    policies: &[(String, Policy<'_>)],
    salt: &str,
    spec: &TaskSpec,
    image: &str,
    canonical: &str,
) -> Result<String, PolicyFailure> {
    let mut ffi_params: Option<FfiCacheParams> = None;
    let mut concatenated = String::new();
    for (name, policy) in policies {
        let part = match policy {
            Policy::SpecHash => spec_hash(salt, canonical),
            Policy::Plugin(p) => {
                let params = ffi_params
                    .get_or_insert_with(|| FfiCacheParams::from(&params(spec, image, canonical)));
                match p.get_version(salt.into(), params) {
                    RResult::ROk(v) => v.into_string(),
                    RResult::RErr(message) => {
                        return Err(PolicyFailure {
                            policy: name.clone(),
                            message: message.into_string(),
                        })
                    }
                }
            }
        };
        concatenated.push_str(&part);
    }
    Ok(sha256_hex(&concatenated))
}

/// `spec-hash`: the SHA-256 hex of the canonical spec followed by the salt.
fn spec_hash(salt: &str, canonical: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical.as_bytes());
    hasher.update(salt.as_bytes());
    format!("{:x}", hasher.finalize())
}

/// What policies are given: the task's name, resolved image, command, args and interface (JSON
/// text) and its canonical spec.
pub(super) fn params(spec: &TaskSpec, image: &str, canonical: &str) -> CacheParams {
    CacheParams::new(vec![
        ("task_name".into(), spec.name.clone()),
        ("image".into(), image.to_owned()),
        ("command".into(), json_text(&spec.command)),
        (
            "args".into(),
            json_text(spec.args.as_deref().unwrap_or_default()),
        ),
        (
            "interface".into(),
            json_text(&Interface {
                inputs: Sorted(&spec.inputs),
                outputs: Sorted(&spec.outputs),
            }),
        ),
        ("spec".into(), canonical.to_owned()),
    ])
}

/// The task's canonical spec text: what decides what the task computes (name, resolved image,
/// command, args, inputs, outputs, secrets and, when it has any, env) as one line of JSON with a
/// fixed key order, so formatting, comments and key order in the file do not change it. Retries, timeout, resources
/// and the cache settings are left out: they do not change a task's results.
pub(super) fn canonical_spec(spec: &TaskSpec, image: &str) -> String {
    json_text(&Canonical {
        name: &spec.name,
        image,
        command: &spec.command,
        args: spec.args.as_deref().unwrap_or_default(),
        inputs: Sorted(&spec.inputs),
        outputs: Sorted(&spec.outputs),
        secrets: spec
            .secrets
            .iter()
            .map(|s| CanonicalSecret {
                group: s.group.as_deref(),
                key: s.key.as_deref(),
                group_version: s.group_version.as_deref(),
                mount: s.mount.as_str(),
            })
            .collect(),
        env: SortedEnv(&spec.env),
    })
}

/// `value` as compact JSON text (infallible here: every map key is a string).
fn json_text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[derive(Serialize)]
struct Canonical<'a> {
    name: &'a str,
    image: &'a str,
    command: &'a [String],
    args: &'a [String],
    inputs: Sorted<'a>,
    outputs: Sorted<'a>,
    secrets: Vec<CanonicalSecret<'a>>,
    /// Left out when empty, so tasks without env keep the versions they had before env existed.
    #[serde(skip_serializing_if = "SortedEnv::is_empty")]
    env: SortedEnv<'a>,
}

/// Env as `{"NAME": "value"}`, sorted by name.
struct SortedEnv<'a>(&'a [(String, String)]);

impl SortedEnv<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for SortedEnv<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&(String, String)> = self.0.iter().collect();
        sorted.sort();
        serializer.collect_map(sorted.into_iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
struct CanonicalSecret<'a> {
    group: Option<&'a str>,
    key: Option<&'a str>,
    group_version: Option<&'a str>,
    mount: &'static str,
}

#[derive(Serialize)]
struct Interface<'a> {
    inputs: Sorted<'a>,
    outputs: Sorted<'a>,
}

/// Variables as `{"name": "type"}`, sorted by name.
struct Sorted<'a>(&'a [Variable]);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&Variable> = self.0.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        serializer.collect_map(sorted.into_iter().map(|v| (&v.name, v.kind.as_str())))
    }
}
