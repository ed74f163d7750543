//! Tasks after the organization's defaults, applied through the active plugin's hooks as flytekit
//! applies them, with where each value came from. Each hook is called at most once per command,
//! and only when some task needs its answer.

use std::fmt;

use flyte_plugin_abi::cache::CachePolicyBox;

use crate::plugin::{ActivePlugin, HookSource, Hooked};

use super::{
    cache::{self, Policy, SPEC_HASH},
    error::TaskError,
    spec::{CacheOn, CacheSpec, TaskSpec},
};

/// The image prefix of the host's default image (flytekit's `DefaultImages` for Python 3.11).
const DEFAULT_IMAGE_PREFIX: &str = "cr.flyte.org/flyteorg/flytekit:py3.11-";

/// The flytekit release whose image is the host's default.
const DEFAULT_IMAGE_FLYTEKIT: &str = "1.16.31";

/// The variable that overrides the host's default image, as in flytekit.
pub(super) const INTERNAL_IMAGE_VAR: &str = "FLYTE_INTERNAL_IMAGE";

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The task file.
    Task,
    /// A hook of the plugin stack: the layer that answered, and the hook.
    Plugin {
        /// The answering layer's plugin name.
        layer: String,
        /// The hook.
        hook: &'static str,
    },
    /// The host's built-in default.
    HostDefault,
    /// The host's default, overridden by an environment variable (its name).
    HostDefaultEnv(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Task => f.write_str("task"),
            Source::Plugin { layer, hook } => write!(f, "plugin:{layer}:{hook}"),
            Source::HostDefault => f.write_str("host default"),
            Source::HostDefaultEnv(var) => write!(f, "host default ({var})"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// How a resolved task caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedCache {
    /// The cache version (`discovery_version`).
    pub version: Sourced<String>,
    /// The policies that computed it (empty when the task set the version).
    pub policies: Sourced<Vec<String>>,
    /// The salt given to the policies.
    pub salt: String,
    /// `cache_serializable`.
    pub serialize: bool,
    /// `cache_ignore_input_vars`.
    pub ignored_inputs: Vec<String>,
}

/// A task after the plugin's defaults: what `package` and `register` send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedTask {
    /// The task as declared.
    pub spec: TaskSpec,
    /// The image: the task's, the plugin's `get_default_image`, or the host default.
    pub image: Sourced<String>,
    /// The answer of `secret_requires_group`, when the task has a secret without a group.
    pub secrets_require_group: Option<Sourced<bool>>,
    /// Caching (`None`: off), and where "on/off" came from.
    pub cache: Sourced<Option<ResolvedCache>>,
    /// The canonical spec text (what the `spec-hash` policy hashes).
    pub canonical_spec: String,
}

impl ResolvedTask {
    /// The task's name.
    pub(crate) fn name(&self) -> &str {
        &self.spec.name
    }
}

/// Applies the active plugin's defaults to `specs`, recording the problems of the tasks that fail
/// onto `problems` and returning the others.
///
/// # Errors
///
/// A failing hook (it would fail every task alike: once is enough).
pub(super) fn resolve_partly(
    specs: Vec<TaskSpec>,
    plugin: &ActivePlugin,
    problems: &mut super::error::Problems,
) -> Result<Vec<ResolvedTask>, TaskError> {
    let mut hooks = Hooks::new(plugin);
    let mut resolved = Vec::with_capacity(specs.len());
    for spec in specs {
        match hooks.resolve(spec) {
            Ok(task) => resolved.push(task),
            Err(e @ TaskError::Hook(_)) => return Err(e),
            Err(e) => problems.push(e),
        }
    }
    Ok(resolved)
}

/// The hooks' answers, asked for on first need (also what `register files` applies to what
/// pyflyte packaged).
pub(crate) struct Hooks<'p> {
    pub(super) plugin: &'p ActivePlugin,
    /// `FLYTE_INTERNAL_IMAGE`, if set.
    pub(super) internal_image: Option<String>,
    pub(super) image: Option<Sourced<String>>,
    pub(super) requires_group: Option<Sourced<bool>>,
    pub(super) policies: Option<Hooked<Vec<(String, CachePolicyBox)>>>,
}

impl<'p> Hooks<'p> {
    /// Nothing asked yet of `plugin`'s hooks; `FLYTE_INTERNAL_IMAGE` read now.
    pub(crate) fn new(plugin: &'p ActivePlugin) -> Hooks<'p> {
        Hooks {
            plugin,
            internal_image: std::env::var(INTERNAL_IMAGE_VAR)
                .ok()
                .filter(|v| !v.is_empty()),
            image: None,
            requires_group: None,
            policies: None,
        }
    }
}

fn from_hook<T>(hook: &'static str, answer: &Hooked<T>) -> Source {
    match answer.source {
        HookSource::Plugin => Source::Plugin {
            layer: answer.by().to_owned(),
            hook,
        },
        HookSource::Default => Source::HostDefault,
    }
}

impl Source {
    /// The plugin layer behind this value, if a layer answered.
    fn layer(&self) -> Option<&str> {
        match self {
            Source::Plugin { layer, .. } => Some(layer),
            _ => None,
        }
    }
}

impl Hooks<'_> {
    pub(super) fn resolve(&mut self, spec: TaskSpec) -> Result<ResolvedTask, TaskError> {
        let image = match &spec.image {
            Some(image) => Sourced {
                value: image.clone(),
                source: Source::Task,
            },
            None => self.default_image()?,
        };
        // Every problem of the task is reported, not only the first.
        let mut problems = super::error::Problems::default();
        let mut secrets_require_group = None;
        if spec.secrets.iter().any(|s| s.group.is_none()) {
            let required = self.requires_group()?;
            if required.value {
                for secret in spec.secrets.iter().filter(|s| s.group.is_none()) {
                    problems.push(TaskError::SecretGroup {
                        at: secret.location.clone(),
                        task: spec.name.clone(),
                        secret: secret.label().to_owned(),
                        plugin: required
                            .source
                            .layer()
                            .unwrap_or(self.plugin.name())
                            .to_owned(),
                    });
                }
            }
            secrets_require_group = Some(required);
        }
        let canonical_spec = cache::canonical_spec(&spec, &image.value);
        let cache = match &spec.cache {
            CacheSpec::Off { declared } => Sourced {
                value: None,
                source: if *declared {
                    Source::Task
                } else {
                    Source::HostDefault
                },
            },
            CacheSpec::On(on) => Sourced {
                value: match self.cache(&spec, on, &image.value, &canonical_spec) {
                    Ok(cache) => Some(cache),
                    Err(e @ TaskError::Hook(_)) => return Err(e),
                    Err(e) => {
                        problems.push(e);
                        None
                    }
                },
                source: Source::Task,
            },
        };
        problems.into_result(())?;
        Ok(ResolvedTask {
            spec,
            image,
            secrets_require_group,
            cache,
            canonical_spec,
        })
    }

    /// The image for a task that names none: the plugin's `get_default_image`, else
    /// `FLYTE_INTERNAL_IMAGE`, else flytekit's default image.
    pub(crate) fn default_image(&mut self) -> Result<Sourced<String>, TaskError> {
        if let Some(image) = &self.image {
            return Ok(image.clone());
        }
        const HOOK: &str = "get_default_image";
        let answer = self.plugin.get_default_image()?;
        let source = from_hook(HOOK, &answer);
        let image = match (answer.value, &self.internal_image) {
            (Some(image), _) => Sourced {
                value: image,
                source,
            },
            (None, Some(image)) => {
                crate::validate::image(image).map_err(|message| TaskError::Env {
                    name: INTERNAL_IMAGE_VAR,
                    message,
                })?;
                Sourced {
                    value: image.clone(),
                    source: Source::HostDefaultEnv(INTERNAL_IMAGE_VAR),
                }
            }
            (None, None) => Sourced {
                value: format!("{DEFAULT_IMAGE_PREFIX}{DEFAULT_IMAGE_FLYTEKIT}"),
                source: Source::HostDefault,
            },
        };
        self.image = Some(image.clone());
        Ok(image)
    }

    /// The stack's answer to `secret_requires_group`.
    pub(crate) fn requires_group(&mut self) -> Result<Sourced<bool>, TaskError> {
        if let Some(answer) = &self.requires_group {
            return Ok(answer.clone());
        }
        let answer = self.plugin.secret_requires_group()?;
        let answer = Sourced {
            source: from_hook("secret_requires_group", &answer),
            value: answer.value,
        };
        self.requires_group = Some(answer.clone());
        Ok(answer)
    }

    /// The plugin's default cache policies, with their names.
    fn plugin_policies(&mut self) -> Result<&Hooked<Vec<(String, CachePolicyBox)>>, TaskError> {
        let policies = match self.policies.take() {
            Some(policies) => policies,
            None => {
                let answer = self.plugin.get_default_cache_policies()?;
                let named = answer
                    .value
                    .into_iter()
                    .map(|p| (p.name().into_string(), p))
                    .collect();
                Hooked {
                    value: named,
                    source: answer.source,
                    through: answer.through,
                }
            }
        };
        Ok(self.policies.insert(policies))
    }

    fn cache(
        &mut self,
        spec: &TaskSpec,
        on: &CacheOn,
        image: &str,
        canonical: &str,
    ) -> Result<ResolvedCache, TaskError> {
        let resolved = |version: Sourced<String>, policies: Sourced<Vec<String>>| ResolvedCache {
            version,
            policies,
            salt: on.salt.clone(),
            serialize: on.serialize,
            ignored_inputs: on.ignored_inputs.clone(),
        };
        if let Some(version) = &on.version {
            let version = Sourced {
                value: version.clone(),
                source: Source::Task,
            };
            let policies = Sourced {
                value: Vec::new(),
                source: Source::Task,
            };
            return Ok(resolved(version, policies));
        }
        let plugin_name = self.plugin.name().to_owned();
        let label = |policies: Option<&Hooked<Vec<(String, CachePolicyBox)>>>| {
            format!("'{}'", policies.map_or(plugin_name.as_str(), |p| p.by()))
        };
        let (names, source) = match &on.policies {
            Some(names) => (names.clone(), Source::Task),
            None => {
                let defaults = self.plugin_policies()?;
                let names = defaults.value.iter().map(|(n, _)| n.clone()).collect();
                (names, from_hook("get_default_cache_policies", defaults))
            }
        };
        if names.is_empty() {
            let why = match source {
                Source::Task => "`cache.policies` is empty".to_owned(),
                _ => format!(
                    "the active plugin {} gives no default cache policies",
                    label(self.policies.as_ref())
                ),
            };
            return Err(TaskError::NoCachePolicy {
                at: on.location.clone(),
                task: spec.name.clone(),
                why,
            });
        }
        // Names the task gives may be the built-in policy; the plugin's defaults are its own.
        let builtin_allowed = source == Source::Task;
        if names.iter().any(|n| n != SPEC_HASH) {
            self.plugin_policies()?;
        }
        let available: &[(String, CachePolicyBox)] =
            self.policies.as_ref().map_or(&[], |p| p.value.as_slice());
        let mut policies = Vec::with_capacity(names.len());
        for name in &names {
            let policy = if builtin_allowed && name == SPEC_HASH {
                Policy::SpecHash
            } else if let Some((_, p)) = available.iter().find(|(n, _)| n == name) {
                Policy::Plugin(p)
            } else {
                let mut known = vec![SPEC_HASH];
                known.extend(available.iter().map(|(n, _)| n.as_str()));
                return Err(TaskError::UnknownPolicy {
                    at: on.location.clone(),
                    task: spec.name.clone(),
                    policy: name.clone(),
                    detail: format!(
                        "{} Known policies: {} (the built-in one and plugin {}'s).",
                        crate::text::did_you_mean_or_period(name, &known),
                        known.join(", "),
                        label(self.policies.as_ref())
                    ),
                });
            };
            policies.push((name.clone(), policy));
        }
        let version = cache::version(&policies, &on.salt, spec, image, canonical).map_err(|f| {
            TaskError::PolicyFailed {
                at: on.location.clone(),
                task: spec.name.clone(),
                policy: f.policy,
                message: f.message,
            }
        })?;
        Ok(resolved(
            Sourced {
                value: version,
                source: source.clone(),
            },
            Sourced {
                value: names,
                source,
            },
        ))
    }
}
