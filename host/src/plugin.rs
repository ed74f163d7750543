//! The active plugin: the six hooks as plain Rust methods whose errors name the plugin and the
//! hook. The built-in plugin is the same face with no library behind it.

use abi_stable::std_types::{RResult, RString};
use flyte_plugin_abi::{
    cache::CachePolicyBox,
    types::{FfiCliChanges, FfiCliView, FfiRemoteRequest, HookOutput},
    AbiVersion, PluginModRef, Remote,
};

use crate::{
    builtin,
    config::{ConfigError, Env},
    hook_timeout,
    loader::{LoadedPlugin, Origin},
    validate,
};

/// Whether a hook's answer came from the plugin or from the built-in behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HookSource {
    /// The plugin overrides the hook.
    Plugin,
    /// The built-in behaviour applies.
    Default,
}

impl HookSource {
    /// `plugin` or `default`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HookSource::Plugin => "plugin",
            HookSource::Default => "default",
        }
    }
}

/// A hook's answer and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Hooked<T> {
    /// The answer.
    pub value: T,
    /// Who gave it.
    pub source: HookSource,
}

/// A hook that failed, panicked or answered nonsense.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HookError {
    /// The built-in `get_remote` could not read the configuration (the user's to fix).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The hook panicked (the panic was caught inside the plugin).
    #[error("plugin {plugin} panicked in hook `{hook}` {message}. This is a bug in the plugin: report it to its authors{bypass}.")]
    Panicked {
        /// Which plugin.
        plugin: String,
        /// Which hook.
        hook: &'static str,
        /// Where the plugin panicked and its message (`at src/lib.rs:12: …`).
        message: String,
        /// How to run without the plugin meanwhile (see [`ActivePlugin::bypass`]).
        bypass: &'static str,
    },
    /// The hook returned an error.
    #[error("plugin {plugin} failed in hook `{hook}`: {message}")]
    Failed {
        /// Which plugin.
        plugin: String,
        /// Which hook.
        hook: &'static str,
        /// The plugin's message.
        message: String,
    },
    /// The hook returned a value the host cannot use.
    #[error("plugin {plugin} returned an invalid value from hook `{hook}`: {message}. Fix the plugin{bypass}.")]
    Invalid {
        /// Which plugin.
        plugin: String,
        /// Which hook.
        hook: &'static str,
        /// What is wrong with the value.
        message: String,
        /// How to run without the plugin meanwhile (see [`ActivePlugin::bypass`]).
        bypass: &'static str,
    },
}

/// The panic report in a plugin's error message (`at src/lib.rs:12: …`), when the plugin's code
/// panicked: plugin-abi's guard reports a caught panic as `panicked at …` / `panicked: …`.
pub(crate) fn panic_report(message: &str) -> Option<&str> {
    message.strip_prefix("panicked").map(str::trim_start)
}

/// The plugin whose hooks decide the host's behaviour.
pub(crate) struct ActivePlugin {
    loaded: Option<(LoadedPlugin, Origin)>,
    /// Why the built-in plugin is active, when it was selected.
    why_builtin: Option<&'static str>,
}

impl ActivePlugin {
    /// The built-in plugin (flytekit's `FlytekitPlugin`).
    pub(crate) fn builtin() -> ActivePlugin {
        ActivePlugin {
            loaded: None,
            why_builtin: None,
        }
    }

    /// The built-in plugin, selected for `reason` (see [`crate::loader::Selection::Builtin`]).
    pub(crate) fn builtin_because(reason: &'static str) -> ActivePlugin {
        ActivePlugin {
            loaded: None,
            why_builtin: Some(reason),
        }
    }

    /// A loaded plugin library.
    pub(crate) fn library(loaded: LoadedPlugin, origin: Origin) -> ActivePlugin {
        ActivePlugin {
            loaded: Some((loaded, origin)),
            why_builtin: None,
        }
    }

    /// Why the built-in plugin is active, when selection chose it.
    pub(crate) fn why_builtin(&self) -> Option<&'static str> {
        self.why_builtin
    }

    /// Whether this is the built-in plugin.
    pub(crate) fn is_builtin(&self) -> bool {
        self.loaded.is_none()
    }

    /// The plugin's name (`builtin` for the built-in plugin).
    pub(crate) fn name(&self) -> &str {
        match &self.loaded {
            Some((p, _)) => &p.info.name,
            None => builtin::NAME,
        }
    }

    /// The plugin's version (the host's for the built-in plugin).
    pub(crate) fn version(&self) -> &str {
        match &self.loaded {
            Some((p, _)) => &p.info.version,
            None => builtin::VERSION,
        }
    }

    /// The library's path, if any.
    pub(crate) fn path(&self) -> Option<&std::path::Path> {
        self.loaded.as_ref().map(|(p, _)| p.path.as_path())
    }

    /// How the library was chosen, if any.
    pub(crate) fn origin(&self) -> Option<&Origin> {
        self.loaded.as_ref().map(|(_, o)| o)
    }

    /// The plugin ABI the plugin was built against (the host's for the built-in plugin).
    pub(crate) fn abi_version(&self) -> AbiVersion {
        match &self.loaded {
            Some((p, _)) => p.info.abi_version,
            None => AbiVersion::CURRENT,
        }
    }

    /// The oldest host ABI the plugin accepts.
    pub(crate) fn min_host_abi(&self) -> AbiVersion {
        match &self.loaded {
            Some((p, _)) => p.info.min_host_abi,
            None => AbiVersion::V1_0,
        }
    }

    /// How errors name this plugin: `'myorg' 0.1.0 (/path/libmyorg.so)`.
    pub(crate) fn label(&self) -> String {
        match &self.loaded {
            Some((p, _)) => format!(
                "'{}' {} ({})",
                p.info.name,
                p.info.version,
                p.path.display()
            ),
            None => format!("'{}'", builtin::NAME),
        }
    }

    /// Runs `call`, this plugin's code for `hook`, under the hooks' time limit (see
    /// [`hook_timeout`]).
    fn timed<R>(&self, hook: &'static str, call: impl FnOnce() -> R) -> R {
        hook_timeout::limit(hook_timeout::Kind::Hook, || self.label(), hook, call)
    }

    fn answer<T>(&self, hook: &'static str, out: HookOutput<T>) -> Result<Hooked<T>, HookError> {
        let source = if out.used_default {
            HookSource::Default
        } else {
            HookSource::Plugin
        };
        match out.value {
            RResult::ROk(value) => Ok(Hooked { value, source }),
            RResult::RErr(message) => Err(self.failure(hook, message)),
        }
    }

    fn failure(&self, hook: &'static str, message: RString) -> HookError {
        let plugin = self.label();
        let message = message.into_string();
        if let Some(panic) = panic_report(&message) {
            HookError::Panicked {
                plugin,
                hook,
                message: panic.to_owned(),
                bypass: self.bypass(),
            }
        } else {
            HookError::Failed {
                plugin,
                hook,
                message,
            }
        }
    }

    /// Builds an error for a hook whose answer makes no sense.
    pub(crate) fn invalid(&self, hook: &'static str, message: impl Into<String>) -> HookError {
        HookError::Invalid {
            plugin: self.label(),
            hook,
            message: message.into(),
            bypass: self.bypass(),
        }
    }

    /// How a user runs without a broken active plugin; nothing to say for a library that
    /// `plugin check` loaded without activating.
    fn bypass(&self) -> &'static str {
        match &self.loaded {
            Some((_, Origin::Check)) => "",
            _ => ", or set FLYTEKIT_PLUGIN=builtin to run without it",
        }
    }

    /// `get_remote(config, project, domain, data_upload_location)`, validated.
    pub(crate) fn get_remote(
        &self,
        request: FfiRemoteRequest,
        env: &Env,
    ) -> Result<Hooked<Remote>, HookError> {
        const HOOK: &str = "get_remote";
        if let Some(named) = request.config.as_ref().into_option() {
            // A mistyped `--config FILE` is the user's error, not the plugin's.
            crate::config::find_config_file(Some(std::path::Path::new(named.as_str())), env)?;
        }
        let Some((p, _)) = &self.loaded else {
            let remote = builtin::get_remote(&request, env)?;
            return Ok(Hooked {
                value: remote,
                source: HookSource::Default,
            });
        };
        let answer = self.answer(HOOK, self.timed(HOOK, || p.module.get_remote()(request)))?;
        let remote: Remote = answer
            .value
            .try_into()
            .map_err(|e: flyte_plugin_abi::PluginError| self.invalid(HOOK, e.message()))?;
        validate::remote(&remote).map_err(|m| self.invalid(HOOK, m))?;
        Ok(Hooked {
            value: remote,
            source: answer.source,
        })
    }

    /// `configure_pyflyte_cli(main)`: the plugin's commands and edits (checked by the CLI builder).
    /// `main` builds the view of the built-in CLI the hook gets; the built-in plugin needs none, so
    /// runs without a plugin library never pay for it.
    pub(crate) fn configure_pyflyte_cli(
        &self,
        main: impl FnOnce() -> FfiCliView,
    ) -> Result<Hooked<FfiCliChanges>, HookError> {
        match &self.loaded {
            Some((p, _)) => {
                const HOOK: &str = "configure_pyflyte_cli";
                let view = main();
                self.answer(
                    HOOK,
                    self.timed(HOOK, || p.module.configure_pyflyte_cli()(&view)),
                )
            }
            None => Ok(Hooked {
                value: builtin::configure_pyflyte_cli(),
                source: HookSource::Default,
            }),
        }
    }

    /// `secret_requires_group()`.
    pub(crate) fn secret_requires_group(&self) -> Result<Hooked<bool>, HookError> {
        self.library_hook(
            "secret_requires_group",
            |m| m.secret_requires_group()(),
            |answer| answer,
            builtin::secret_requires_group,
        )
    }

    /// `get_default_image()`, validated as an image reference.
    pub(crate) fn get_default_image(&self) -> Result<Hooked<Option<String>>, HookError> {
        const HOOK: &str = "get_default_image";
        let answer = self.library_hook(
            HOOK,
            |m| m.get_default_image()(),
            |image| image.into_option().map(RString::into_string),
            builtin::get_default_image,
        )?;
        if let Some(image) = &answer.value {
            validate::image(image).map_err(|m| self.invalid(HOOK, m))?;
        }
        Ok(answer)
    }

    /// `get_auth_success_html(endpoint)`, validated as a page.
    pub(crate) fn get_auth_success_html(
        &self,
        endpoint: &str,
    ) -> Result<Hooked<Option<String>>, HookError> {
        const HOOK: &str = "get_auth_success_html";
        let answer = self.library_hook(
            HOOK,
            |m| m.get_auth_success_html()(endpoint.into()),
            |html| html.into_option().map(RString::into_string),
            || builtin::get_auth_success_html(endpoint),
        )?;
        if let Some(html) = &answer.value {
            validate::html(html).map_err(|m| self.invalid(HOOK, m))?;
        }
        Ok(answer)
    }

    /// `get_default_cache_policies()`, with names checked to be present and unique.
    pub(crate) fn get_default_cache_policies(
        &self,
    ) -> Result<Hooked<Vec<CachePolicyBox>>, HookError> {
        const HOOK: &str = "get_default_cache_policies";
        let answer = self.library_hook(
            HOOK,
            |m| m.get_default_cache_policies()(),
            |policies| policies.into_iter().collect::<Vec<_>>(),
            builtin::get_default_cache_policies,
        )?;
        let names: Vec<String> = answer
            .value
            .iter()
            .map(|p| p.name().into_string())
            .collect();
        validate::policy_names(&names).map_err(|m| self.invalid(HOOK, m))?;
        Ok(answer)
    }

    /// `get_console_url(endpoint)` (the plugin ABI 1.2 rehearsal), validated as an http(s) URL. A
    /// plugin built against 1.0 or 1.1 has no such hook in its table: the built-in address
    /// applies, as it does when the plugin keeps the default.
    #[cfg(feature = "abi-next")]
    pub fn get_console_url(&self, endpoint: &str) -> Result<Hooked<String>, HookError> {
        const HOOK: &str = "get_console_url";
        let builtin = || builtin_console_url(endpoint);
        let Some(hook) = self
            .loaded
            .as_ref()
            .and_then(|(p, _)| p.module.get_console_url())
        else {
            return Ok(default(builtin()));
        };
        let answer = self.answer(HOOK, self.timed(HOOK, || hook(endpoint.into())))?;
        match (answer.source, answer.value.into_option()) {
            (HookSource::Plugin, Some(url)) => {
                let url = url.into_string();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(self.invalid(HOOK, format!("{url:?} is not an http(s) URL")));
                }
                Ok(Hooked {
                    value: url,
                    source: HookSource::Plugin,
                })
            }
            _ => Ok(default(builtin())),
        }
    }

    /// When the plugin kept a hook's default, the host applies its own built-in answer.
    /// Hook `hook` of the plugin library (`call` calls it on the root module), its answer made
    /// host-side by `convert`; the built-in answer, from `builtin`, without a library or when the
    /// library keeps the default.
    fn library_hook<R, T>(
        &self,
        hook: &'static str,
        call: impl FnOnce(&PluginModRef) -> HookOutput<R>,
        convert: impl FnOnce(R) -> T,
        builtin: impl FnOnce() -> T,
    ) -> Result<Hooked<T>, HookError> {
        let Some((p, _)) = &self.loaded else {
            return Ok(default(builtin()));
        };
        let answer = self.answer(hook, self.timed(hook, || call(&p.module)))?;
        Ok(match answer.source {
            HookSource::Plugin => Hooked {
                value: convert(answer.value),
                source: HookSource::Plugin,
            },
            HookSource::Default => default(builtin()),
        })
    }
}

fn default<T>(value: T) -> Hooked<T> {
    Hooked {
        value,
        source: HookSource::Default,
    }
}

/// The built-in `get_console_url`: the console Flyte admin serves at `/console`, over http for a
/// local sandbox endpoint and https otherwise.
#[cfg(feature = "abi-next")]
fn builtin_console_url(endpoint: &str) -> String {
    let host = endpoint.trim_start_matches("dns:///").trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        return format!("{host}/console");
    }
    let local = ["localhost", "127.0.0.1"]
        .iter()
        .any(|l| host == *l || host.starts_with(&format!("{l}:")));
    let scheme = if local { "http" } else { "https" };
    format!("{scheme}://{host}/console")
}
