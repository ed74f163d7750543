//! One layer of the plugin stack: a loaded plugin library, where it sits in the stack, and how
//! errors name it (`'acme' (layer 1 of 2; 0.1.0, /path/libacme.so)`).

use abi_stable::std_types::{RResult, RString};
use flyte_plugin_abi::{types::HookOutput, AbiVersion, PluginModRef};

use super::{below, error::panic_report, HookError};
use crate::{
    hook_timeout,
    loader::{stack_value, LoadedPlugin, Origin},
};

/// A plugin library in the stack.
pub(crate) struct Layer {
    loaded: LoadedPlugin,
    origin: Origin,
    /// Its index in the stack, top = 0.
    index: usize,
    /// How many layers the stack has.
    count: usize,
    /// How to run without this layer meanwhile.
    bypass: String,
}

impl Layer {
    /// Layer `index` (top = 0) of a stack of `count`; `others` are how the user named the other
    /// layers, for the hint on running without this one.
    pub(super) fn new(
        loaded: LoadedPlugin,
        origin: Origin,
        index: usize,
        count: usize,
        others: &[&str],
    ) -> Layer {
        let bypass = match (&origin, count) {
            (Origin::Check, _) => String::new(),
            (_, 1) => ", or set FLYTEKIT_PLUGIN=builtin to run without it".to_owned(),
            _ => format!(
                ", or leave it out of the stack meanwhile: FLYTEKIT_PLUGIN={}",
                stack_value(others, ",")
            ),
        };
        Layer {
            loaded,
            origin,
            index,
            count,
            bypass,
        }
    }

    /// The plugin's name.
    pub(crate) fn name(&self) -> &str {
        &self.loaded.info.name
    }

    /// The plugin's version.
    pub(crate) fn version(&self) -> &str {
        &self.loaded.info.version
    }

    /// The library's path.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.loaded.path
    }

    /// How the library was chosen.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Its position as users count: 1 for the top layer.
    pub(crate) fn position(&self) -> usize {
        self.index + 1
    }

    /// The plugin ABI the plugin was built against.
    pub(crate) fn abi_version(&self) -> AbiVersion {
        self.loaded.info.abi_version
    }

    /// The oldest host ABI the plugin accepts.
    pub(crate) fn min_host_abi(&self) -> AbiVersion {
        self.loaded.info.min_host_abi
    }

    /// How errors name it: `'myorg' 0.1.0 (/path/libmyorg.so)` alone, `'acme' (layer 1 of 2;
    /// 0.1.0, /path/libacme.so)` in a stack.
    pub(crate) fn label(&self) -> String {
        let (name, version, path) = (self.name(), self.version(), self.path().display());
        if self.count == 1 {
            format!("'{name}' {version} ({path})")
        } else {
            format!(
                "'{name}' (layer {} of {}; {version}, {path})",
                self.position(),
                self.count
            )
        }
    }

    /// Runs `call`, this layer's code for `hook`, as the calling layer of the host services
    /// (see [`below`]) and under the hooks' time limit.
    pub(super) fn call<R>(
        &self,
        hook: &'static str,
        call: impl FnOnce(&PluginModRef) -> R,
    ) -> (R, Option<below::Failure>) {
        below::as_caller(self.index, || {
            hook_timeout::limit(
                hook_timeout::Kind::Hook,
                || self.label(),
                hook,
                || call(&self.loaded.module),
            )
        })
    }

    /// This layer's answer from `out`, and whether it kept the default. A failure of the
    /// layers below it (`below`, recorded while it ran) is the error when it failed too, or when
    /// it could not see that failure (a 1.0 service) and answered anyway.
    pub(super) fn answer<T>(
        &self,
        hook: &'static str,
        out: HookOutput<T>,
        below: Option<below::Failure>,
    ) -> Result<(T, bool), HookError> {
        match (out.value, below) {
            (RResult::RErr(_), Some(failure)) => Err(failure.error),
            (RResult::RErr(message), None) => Err(self.failure(hook, message)),
            (RResult::ROk(_), Some(failure)) if !failure.seen => Err(failure.error),
            (RResult::ROk(value), _) => Ok((value, out.used_default)),
        }
    }

    /// The error for `message`, what this layer's `hook` returned as its error.
    pub(crate) fn failure(&self, hook: &'static str, message: RString) -> HookError {
        let plugin = self.label();
        let message = message.into_string();
        if let Some(panic) = panic_report(&message) {
            HookError::Panicked {
                plugin,
                hook,
                message: panic.to_owned(),
                bypass: self.bypass.clone(),
            }
        } else {
            HookError::Failed {
                plugin,
                hook,
                message,
            }
        }
    }

    /// The error for an answer of this layer's `hook` that makes no sense.
    pub(crate) fn invalid(&self, hook: &'static str, message: impl Into<String>) -> HookError {
        HookError::Invalid {
            plugin: self.label(),
            hook,
            message: message.into(),
            bypass: self.bypass.clone(),
        }
    }
}
