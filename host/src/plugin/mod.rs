//! The plugin stack: the active plugin libraries, top layer first, above the built-in plugin.
//! Each value hook is answered by the top-most layer that overrides it; a layer asking the host
//! for the default (`host::default_*`) gets the answer of the layers below it (see [`below`]).
//! Errors name the plugin, its layer and the hook.

mod below;
mod error;
mod layer;

use abi_stable::std_types::{ROption, RString};
use flyte_plugin_abi::{
    cache::CachePolicyBox,
    types::{FfiCliChanges, FfiCliView, FfiRemote, FfiRemoteRequest, HookOutput},
    AbiVersion, PluginModRef, Remote,
};

pub(crate) use below::record_failure;
use below::Answerer;
pub(crate) use error::{panic_report, HookError};
pub(crate) use layer::Layer;

use crate::{
    builtin,
    config::Env,
    loader::{other_layers, LoadError, LoadedPlugin, Origin},
    validate,
};

/// Whether a hook's answer came from a plugin layer or from the built-in behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HookSource {
    /// A plugin layer answered (possibly wrapping the layers below it).
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
    /// The layers whose code made the answer, in the order it ran: the answering layer first,
    /// then the layers it asked below it (`builtin` for the built-in plugin).
    pub through: Vec<String>,
}

impl<T> Hooked<T> {
    /// The layer that answered the host (`builtin` when no layer did).
    pub(crate) fn by(&self) -> &str {
        self.through.first().map_or(builtin::NAME, String::as_str)
    }
}

/// The active plugins: the stack of libraries above the built-in plugin.
pub(crate) struct ActivePlugin {
    /// Top first.
    layers: Vec<Layer>,
    /// Why the built-in plugin alone is active, when selection chose it.
    why_builtin: Option<&'static str>,
}

impl ActivePlugin {
    /// The built-in plugin alone (flytekit's `FlytekitPlugin`).
    pub(crate) fn builtin() -> ActivePlugin {
        ActivePlugin {
            layers: Vec::new(),
            why_builtin: None,
        }
    }

    /// The built-in plugin alone, selected for `reason` (see [`crate::loader::Selection`]).
    pub(crate) fn builtin_because(reason: &'static str) -> ActivePlugin {
        ActivePlugin {
            layers: Vec::new(),
            why_builtin: Some(reason),
        }
    }

    /// One loaded library above the built-in plugin.
    pub(crate) fn library(loaded: LoadedPlugin, origin: Origin) -> ActivePlugin {
        ActivePlugin {
            layers: vec![Layer::new(loaded, origin, 0, 1, &[])],
            why_builtin: None,
        }
    }

    /// The loaded libraries `loaded` (each with how it was chosen and named), top first.
    ///
    /// # Errors
    ///
    /// Two layers are the same plugin (by name).
    pub(crate) fn stack(loaded: Vec<(LoadedPlugin, Origin, String)>) -> Result<Self, LoadError> {
        for (i, (plugin, origin, spec)) in loaded.iter().enumerate() {
            if let Some((_, _, earlier)) = loaded[..i]
                .iter()
                .find(|(p, _, _)| p.info.name == plugin.info.name)
            {
                return Err(LoadError::DuplicateLayer {
                    what: format!(
                        "plugin '{}' (as `{earlier}` and as `{spec}`)",
                        plugin.info.name
                    ),
                    stack: origin.to_string(),
                });
            }
        }
        let specs: Vec<String> = loaded.iter().map(|(_, _, s)| s.clone()).collect();
        let count = loaded.len();
        let layers = loaded
            .into_iter()
            .enumerate()
            .map(|(i, (plugin, origin, _))| {
                Layer::new(plugin, origin, i, count, &other_layers(&specs, i))
            })
            .collect();
        Ok(ActivePlugin {
            layers,
            why_builtin: None,
        })
    }

    /// The layers, top first (none for the built-in plugin alone).
    pub(crate) fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Why the built-in plugin alone is active, when selection chose it.
    pub(crate) fn why_builtin(&self) -> Option<&'static str> {
        self.why_builtin
    }

    /// Whether the built-in plugin is alone.
    pub(crate) fn is_builtin(&self) -> bool {
        self.layers.is_empty()
    }

    fn top(&self) -> Option<&Layer> {
        self.layers.first()
    }

    /// The top layer's name (`builtin` for the built-in plugin alone).
    pub(crate) fn name(&self) -> &str {
        self.top().map_or(builtin::NAME, Layer::name)
    }

    /// The top layer's version (the host's for the built-in plugin).
    pub(crate) fn version(&self) -> &str {
        self.top().map_or(builtin::VERSION, Layer::version)
    }

    /// The top layer's library path, if any.
    pub(crate) fn path(&self) -> Option<&std::path::Path> {
        self.top().map(Layer::path)
    }

    /// How the top layer's library was chosen, if any.
    pub(crate) fn origin(&self) -> Option<&Origin> {
        self.top().map(Layer::origin)
    }

    /// The plugin ABI the top layer was built against (the host's for the built-in plugin).
    pub(crate) fn abi_version(&self) -> AbiVersion {
        self.top().map_or(AbiVersion::CURRENT, Layer::abi_version)
    }

    /// The oldest host ABI the top layer accepts.
    pub(crate) fn min_host_abi(&self) -> AbiVersion {
        self.top().map_or(AbiVersion::V1_0, Layer::min_host_abi)
    }

    /// How messages name the top layer: `'myorg' 0.1.0 (/path/libmyorg.so)`.
    pub(crate) fn label(&self) -> String {
        self.top()
            .map_or_else(|| format!("'{}'", builtin::NAME), Layer::label)
    }

    /// The stack in one line, top first: `acme 1.0.0 → myorg 0.1.0 → builtin`.
    pub(crate) fn describe(&self) -> String {
        self.layers
            .iter()
            .map(|l| format!("{} {}", l.name(), l.version()))
            .chain(std::iter::once(builtin::NAME.to_owned()))
            .collect::<Vec<_>>()
            .join(" → ")
    }

    /// Where the layers below the calling one begin: the answer a `host::default_*` call gets.
    /// Code outside any layer's call (a cache policy's version) gets the built-in answer.
    fn below_caller(&self) -> usize {
        below::caller().map_or(self.layers.len(), |c| (c + 1).min(self.layers.len()))
    }

    /// Runs `f`, the code of layer `index` outside its hooks (a command it added), as the caller
    /// of the host services.
    pub(crate) fn run_as<T>(&self, index: usize, f: impl FnOnce() -> T) -> T {
        below::as_caller(index, f).0
    }

    /// Resolves a whole hook for the host: the answer of the stack and the layers it went through.
    fn resolve<T>(&self, f: impl FnOnce() -> Result<T, HookError>) -> Result<Hooked<T>, HookError> {
        let (value, trace) = below::traced(f);
        let value = value?;
        let through: Vec<String> = trace
            .iter()
            .map(|who| match who {
                Answerer::Layer(i) => self.layers[*i].name().to_owned(),
                Answerer::Builtin => builtin::NAME.to_owned(),
            })
            .collect();
        let source = if trace.iter().any(|w| matches!(w, Answerer::Layer(_))) {
            HookSource::Plugin
        } else {
            HookSource::Default
        };
        Ok(Hooked {
            value,
            source,
            through,
        })
    }

    /// Hook `hook` answered by the layers from index `from` down: the first that overrides it
    /// (`call` calls it on a root module; `accept` turns its answer into the host's, checked),
    /// else `builtin`. With `default_answers`, a layer that keeps the default answered with what
    /// its default body got from the layers below (`get_remote` asks the host in its default).
    fn answer_from<R, T>(
        &self,
        from: usize,
        hook: &'static str,
        call: impl Fn(&PluginModRef) -> HookOutput<R>,
        accept: impl Fn(&Layer, R) -> Result<T, HookError>,
        builtin: impl FnOnce() -> Result<T, HookError>,
        default_answers: bool,
    ) -> Result<T, HookError> {
        for layer in self.layers.iter().skip(from) {
            let at = below::mark();
            let (out, failure) = layer.call(hook, &call);
            let (value, kept_default) = layer.answer(hook, out, failure)?;
            if !kept_default {
                let value = accept(layer, value)?;
                below::answered(at, Answerer::Layer(layer.position() - 1));
                return Ok(value);
            }
            if default_answers && below::mark() > at {
                return accept(layer, value);
            }
            below::forget_after(at);
        }
        below::answered(below::mark(), Answerer::Builtin);
        builtin()
    }

    fn remote_from(
        &self,
        from: usize,
        request: &FfiRemoteRequest,
        env: &Env,
    ) -> Result<Remote, HookError> {
        const HOOK: &str = "get_remote";
        self.answer_from(
            from,
            HOOK,
            |m| m.get_remote()(request.clone()),
            |layer, answer: FfiRemote| {
                let remote: Remote = answer
                    .try_into()
                    .map_err(|e: flyte_plugin_abi::PluginError| layer.invalid(HOOK, e.message()))?;
                validate::remote(&remote).map_err(|m| layer.invalid(HOOK, m))?;
                Ok(remote)
            },
            || Ok(builtin::get_remote(request, env)?),
            true,
        )
    }

    /// `get_remote(config, project, domain, data_upload_location)` of the stack, validated.
    pub(crate) fn get_remote(
        &self,
        request: FfiRemoteRequest,
        env: &Env,
    ) -> Result<Hooked<Remote>, HookError> {
        if let Some(named) = request.config.as_ref().into_option() {
            // A mistyped `--config FILE` is the user's error, not the plugin's.
            crate::config::find_config_file(Some(std::path::Path::new(named.as_str())), env)?;
        }
        self.resolve(|| self.remote_from(0, &request, env))
    }

    /// For `host::default_get_remote`: the remote of the layers below the caller.
    pub(crate) fn below_get_remote(
        &self,
        request: &FfiRemoteRequest,
        env: &Env,
    ) -> Result<Remote, HookError> {
        self.remote_from(self.below_caller(), request, env)
    }

    /// `configure_pyflyte_cli(main)` of layer `layer` alone: its commands and edits (checked by
    /// the CLI builder, which applies the layers bottom-up). `None` when it keeps the default.
    pub(crate) fn configure_layer(
        &self,
        layer: &Layer,
        main: &FfiCliView,
    ) -> Result<Option<FfiCliChanges>, HookError> {
        const HOOK: &str = "configure_pyflyte_cli";
        let (out, failure) = layer.call(HOOK, |m| m.configure_pyflyte_cli()(main));
        let (changes, kept_default) = layer.answer(HOOK, out, failure)?;
        Ok((!kept_default).then_some(changes))
    }

    fn secret_requires_group_from(&self, from: usize) -> Result<bool, HookError> {
        self.answer_from(
            from,
            "secret_requires_group",
            |m| m.secret_requires_group()(),
            |_, answer| Ok(answer),
            || Ok(builtin::secret_requires_group()),
            false,
        )
    }

    /// `secret_requires_group()` of the stack.
    pub(crate) fn secret_requires_group(&self) -> Result<Hooked<bool>, HookError> {
        self.resolve(|| self.secret_requires_group_from(0))
    }

    /// For `host::default_secret_requires_group`: the answer of the layers below the caller.
    pub(crate) fn below_secret_requires_group(&self) -> Result<bool, HookError> {
        self.secret_requires_group_from(self.below_caller())
    }

    fn default_image_from(&self, from: usize) -> Result<Option<String>, HookError> {
        const HOOK: &str = "get_default_image";
        self.answer_from(
            from,
            HOOK,
            |m| m.get_default_image()(),
            |layer, image: ROption<RString>| {
                let image = image.into_option().map(RString::into_string);
                if let Some(image) = &image {
                    validate::image(image).map_err(|m| layer.invalid(HOOK, m))?;
                }
                Ok(image)
            },
            || Ok(builtin::get_default_image()),
            false,
        )
    }

    /// `get_default_image()` of the stack, validated as an image reference.
    pub(crate) fn get_default_image(&self) -> Result<Hooked<Option<String>>, HookError> {
        self.resolve(|| self.default_image_from(0))
    }

    /// For `host::default_get_default_image`: the answer of the layers below the caller.
    pub(crate) fn below_get_default_image(&self) -> Result<Option<String>, HookError> {
        self.default_image_from(self.below_caller())
    }

    fn auth_success_html_from(
        &self,
        from: usize,
        endpoint: &str,
    ) -> Result<Option<String>, HookError> {
        const HOOK: &str = "get_auth_success_html";
        self.answer_from(
            from,
            HOOK,
            |m| m.get_auth_success_html()(endpoint.into()),
            |layer, html: ROption<RString>| {
                let html = html.into_option().map(RString::into_string);
                if let Some(html) = &html {
                    validate::html(html).map_err(|m| layer.invalid(HOOK, m))?;
                }
                Ok(html)
            },
            || Ok(builtin::get_auth_success_html(endpoint)),
            false,
        )
    }

    /// `get_auth_success_html(endpoint)` of the stack, validated as a page.
    pub(crate) fn get_auth_success_html(
        &self,
        endpoint: &str,
    ) -> Result<Hooked<Option<String>>, HookError> {
        self.resolve(|| self.auth_success_html_from(0, endpoint))
    }

    /// For `host::default_get_auth_success_html`: the answer of the layers below the caller.
    pub(crate) fn below_get_auth_success_html(
        &self,
        endpoint: &str,
    ) -> Result<Option<String>, HookError> {
        self.auth_success_html_from(self.below_caller(), endpoint)
    }

    fn cache_policies_from(&self, from: usize) -> Result<Vec<CachePolicyBox>, HookError> {
        const HOOK: &str = "get_default_cache_policies";
        self.answer_from(
            from,
            HOOK,
            |m| m.get_default_cache_policies()(),
            |layer, policies| {
                let policies: Vec<CachePolicyBox> = policies.into_iter().collect();
                let names: Vec<String> = policies.iter().map(|p| p.name().into_string()).collect();
                validate::policy_names(&names).map_err(|m| layer.invalid(HOOK, m))?;
                Ok(policies)
            },
            || Ok(builtin::get_default_cache_policies()),
            false,
        )
    }

    /// `get_default_cache_policies()` of the stack, with names checked to be present and unique.
    pub(crate) fn get_default_cache_policies(
        &self,
    ) -> Result<Hooked<Vec<CachePolicyBox>>, HookError> {
        self.resolve(|| self.cache_policies_from(0))
    }

    /// For `host::default_get_default_cache_policies`: the policies of the layers below the
    /// caller.
    pub(crate) fn below_get_default_cache_policies(
        &self,
    ) -> Result<Vec<CachePolicyBox>, HookError> {
        self.cache_policies_from(self.below_caller())
    }

    /// `get_console_url(endpoint)` (the `next` rehearsal of the plugin ABI), validated as an
    /// http(s) URL. A layer built without the hook keeps the default.
    #[cfg(feature = "abi-next")]
    pub(crate) fn get_console_url(&self, endpoint: &str) -> Result<Hooked<String>, HookError> {
        const HOOK: &str = "get_console_url";
        self.resolve(|| {
            self.answer_from(
                0,
                HOOK,
                |m| match m.get_console_url() {
                    Some(hook) => hook(endpoint.into()),
                    None => HookOutput {
                        value: abi_stable::std_types::RResult::ROk(ROption::RNone),
                        used_default: true,
                    },
                },
                |layer, url: ROption<RString>| match url.into_option() {
                    Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                        Ok(url.into_string())
                    }
                    Some(url) => Err(layer.invalid(HOOK, format!("{url:?} is not an http(s) URL"))),
                    None => Ok(builtin_console_url(endpoint)),
                },
                || Ok(builtin_console_url(endpoint)),
                false,
            )
        })
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
