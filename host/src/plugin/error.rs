//! What a failing hook becomes: an error naming the plugin (and its layer), the hook, and how to
//! run without it meanwhile.

use crate::config::ConfigError;

/// A hook that failed, panicked or answered nonsense.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum HookError {
    /// The built-in `get_remote` could not read the configuration (the user's to fix).
    #[error("{0}")]
    Config(String),
    /// The hook panicked (the panic was caught inside the plugin).
    #[error("plugin {plugin} panicked in hook `{hook}` {message}. This is a bug in the plugin: report it to its authors{bypass}.")]
    Panicked {
        /// Which plugin (and layer).
        plugin: String,
        /// Which hook.
        hook: &'static str,
        /// Where the plugin panicked and its message (`at src/lib.rs:12: …`).
        message: String,
        /// How to run without the plugin meanwhile.
        bypass: String,
    },
    /// The hook returned an error.
    #[error("plugin {plugin} failed in hook `{hook}`: {message}")]
    Failed {
        /// Which plugin (and layer).
        plugin: String,
        /// Which hook.
        hook: &'static str,
        /// The plugin's message.
        message: String,
    },
    /// The hook returned a value the host cannot use.
    #[error("plugin {plugin} returned an invalid value from hook `{hook}`: {message}. Fix the plugin{bypass}.")]
    Invalid {
        /// Which plugin (and layer).
        plugin: String,
        /// Which hook.
        hook: &'static str,
        /// What is wrong with the value.
        message: String,
        /// How to run without the plugin meanwhile.
        bypass: String,
    },
}

impl From<ConfigError> for HookError {
    fn from(e: ConfigError) -> Self {
        HookError::Config(e.to_string())
    }
}

/// The panic report in a plugin's error message (`at src/lib.rs:12: …`), when the plugin's code
/// panicked: plugin-abi's guard reports a caught panic as `panicked at …` / `panicked: …`.
pub(crate) fn panic_report(message: &str) -> Option<&str> {
    message.strip_prefix("panicked").map(str::trim_start)
}
