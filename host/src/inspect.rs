//! Calls every hook of a plugin and records each answer or failure: what `plugin show` and
//! `plugin check` report.

use abi_stable::std_types::RString;
use flyte_plugin_abi::{types::FfiCacheParams, types::KeyValue, Remote};

use crate::{
    cli::Extension,
    plugin::{ActivePlugin, HookSource},
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
    remote: Result<(Remote, HookSource), String>,
    cli: Result<&Extension, String>,
) -> Vec<HookReport> {
    let endpoint = remote
        .as_ref()
        .map(|(r, _)| r.config.platform.endpoint.clone())
        .unwrap_or_else(|_| "localhost:30080".to_owned());
    let mut reports = vec![HookReport {
        hook: "get_remote",
        outcome: remote.map(|(r, source)| {
            (
                source,
                Answer::Remote {
                    endpoint: r.config.platform.endpoint,
                    origin: r.config.origin.as_str().to_owned(),
                    config_file: r.config.config_file,
                },
            )
        }),
    }];
    reports.push(HookReport {
        hook: "configure_pyflyte_cli",
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
    reports.push(HookReport {
        hook: "secret_requires_group",
        outcome: plugin
            .secret_requires_group()
            .map(|h| (h.source, Answer::Bool(h.value)))
            .map_err(|e| e.to_string()),
    });
    let image = plugin.get_default_image();
    let sample_image = image
        .as_ref()
        .ok()
        .and_then(|h| h.value.clone())
        .unwrap_or_else(|| "cr.flyte.org/flyteorg/flytekit:py3.11-latest".to_owned());
    reports.push(HookReport {
        hook: "get_default_image",
        outcome: image
            .map(|h| (h.source, Answer::Image(h.value)))
            .map_err(|e| e.to_string()),
    });
    reports.push(HookReport {
        hook: "get_auth_success_html",
        outcome: plugin
            .get_auth_success_html(&endpoint)
            .map(|h| (h.source, Answer::Html(h.value)))
            .map_err(|e| e.to_string()),
    });
    let params = sample_params(&sample_image);
    reports.push(HookReport {
        hook: "get_default_cache_policies",
        outcome: plugin
            .get_default_cache_policies()
            .map(|h| {
                let versions = h
                    .value
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
                (h.source, Answer::Policies(versions))
            })
            .map_err(|e| e.to_string()),
    });
    #[cfg(feature = "abi-next")]
    reports.push(HookReport {
        hook: "get_console_url",
        outcome: plugin
            .get_console_url(&endpoint)
            .map(|h| (h.source, Answer::ConsoleUrl(h.value)))
            .map_err(|e| e.to_string()),
    });
    reports
}
