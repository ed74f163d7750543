//! Calls every hook of a plugin and records each answer or failure: what `plugin show` and
//! `plugin check` report.

use abi_stable::std_types::RString;
use flyte_plugin_abi::{types::FfiCacheParams, types::KeyValue, Remote};

use crate::{
    cli::Extension,
    plugin::{ActivePlugin, HookError, HookSource, Hooked},
};

/// What one hook answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// `get_remote`.
    Remote {
        /// The endpoint.
        endpoint: String,
        /// How the config was found.
        origin: String,
        /// The config file read, if any.
        config_file: Option<String>,
    },
    /// `configure_pyflyte_cli`.
    Cli {
        /// Commands added.
        added: Vec<String>,
        /// Built-ins replaced.
        replaced: Vec<String>,
        /// Clashes kept out.
        conflicts: Vec<String>,
    },
    /// `secret_requires_group`.
    Bool(bool),
    /// `get_default_image`.
    Image(Option<String>),
    /// `get_auth_success_html`.
    Html(Option<String>),
    /// `get_default_cache_policies`: each policy's name and the version it computed for a sample
    /// task (or its error).
    Policies(Vec<(String, Result<String, String>)>),
    /// `get_console_url` (plugin ABI 1.2 rehearsal).
    #[cfg(feature = "abi-next")]
    ConsoleUrl(String),
}

/// One hook's outcome.
#[derive(Debug, Clone)]
pub(crate) struct HookReport {
    /// The hook's name.
    pub hook: &'static str,
    /// Its answer and source, or the error message.
    pub outcome: Result<(HookSource, Answer), String>,
    /// The layers the answer went through, the answering one first (`builtin` for the built-in
    /// plugin); for `configure_pyflyte_cli`, the layers that changed the CLI, top first.
    pub through: Vec<String>,
}

impl HookReport {
    fn of<T>(
        hook: &'static str,
        answer: Result<Hooked<T>, HookError>,
        to_answer: impl FnOnce(T) -> Answer,
    ) -> HookReport {
        match answer {
            Ok(h) => HookReport {
                hook,
                through: h.through,
                outcome: Ok((h.source, to_answer(h.value))),
            },
            Err(e) => HookReport {
                hook,
                through: Vec::new(),
                outcome: Err(e.to_string()),
            },
        }
    }
}

/// The parameters sample cache versions are computed from.
fn sample_params(image: &str) -> FfiCacheParams {
    let entry = |k: &str, v: &str| KeyValue {
        key: RString::from(k),
        value: RString::from(v),
    };
    FfiCacheParams {
        entries: [
            entry("task_name", "example.hello"),
            entry("image", image),
            entry("command", "python -m example.hello"),
            entry("args", ""),
            entry("interface", "{\"inputs\":{},\"outputs\":{}}"),
            entry("spec", "name = \"example.hello\""),
        ]
        .into_iter()
        .collect(),
    }
}

/// Calls every hook of `plugin`. `remote` is its `get_remote` answer and `cli` what its
/// `configure_pyflyte_cli` amounted to (both computed by the caller: once per process for the
/// active plugin); the endpoint from `remote` is passed to `get_auth_success_html`.
pub(crate) fn probe(
    plugin: &ActivePlugin,
    remote: Result<Hooked<Remote>, String>,
    cli: Result<&Extension, String>,
) -> Vec<HookReport> {
    let endpoint = remote
        .as_ref()
        .map(|h| h.value.config.platform.endpoint.clone())
        .unwrap_or_else(|_| "localhost:30080".to_owned());
    let mut reports = vec![match remote {
        Ok(h) => HookReport {
            hook: "get_remote",
            through: h.through,
            outcome: Ok((
                h.source,
                Answer::Remote {
                    endpoint: h.value.config.platform.endpoint,
                    origin: h.value.config.origin.as_str().to_owned(),
                    config_file: h.value.config.config_file,
                },
            )),
        },
        Err(e) => HookReport {
            hook: "get_remote",
            through: Vec::new(),
            outcome: Err(e),
        },
    }];
    let mut changers: Vec<String> = Vec::new();
    if let Ok(ext) = &cli {
        for change in ext.changes.iter().rev() {
            if !changers.contains(&change.layer) {
                changers.push(change.layer.clone());
            }
        }
    }
    reports.push(HookReport {
        hook: "configure_pyflyte_cli",
        through: changers,
        outcome: cli.map(|ext| {
            let source = if ext.overridden {
                HookSource::Plugin
            } else {
                HookSource::Default
            };
            let answer = Answer::Cli {
                added: ext.added(),
                replaced: ext.replaced.clone(),
                conflicts: ext.conflicts.clone(),
            };
            (source, answer)
        }),
    });
    reports.push(HookReport::of(
        "secret_requires_group",
        plugin.secret_requires_group(),
        Answer::Bool,
    ));
    let image = plugin.get_default_image();
    let sample_image = image
        .as_ref()
        .ok()
        .and_then(|h| h.value.clone())
        .unwrap_or_else(|| "cr.flyte.org/flyteorg/flytekit:py3.11-latest".to_owned());
    reports.push(HookReport::of("get_default_image", image, Answer::Image));
    reports.push(HookReport::of(
        "get_auth_success_html",
        plugin.get_auth_success_html(&endpoint),
        Answer::Html,
    ));
    let params = sample_params(&sample_image);
    reports.push(HookReport::of(
        "get_default_cache_policies",
        plugin.get_default_cache_policies(),
        |policies| {
            let versions = policies
                .iter()
                .map(|p| {
                    let version = p
                        .get_version("".into(), &params)
                        .into_result()
                        .map_err(RString::into_string)
                        .and_then(|v| {
                            if v.trim().is_empty() {
                                Err("returned an empty version".to_owned())
                            } else {
                                Ok(v.into_string())
                            }
                        });
                    (p.name().into_string(), version)
                })
                .collect();
            Answer::Policies(versions)
        },
    ));
    #[cfg(feature = "abi-next")]
    reports.push(HookReport::of(
        "get_console_url",
        plugin.get_console_url(&endpoint),
        Answer::ConsoleUrl,
    ));
    reports
}
