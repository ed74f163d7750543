//! The author-facing trait: flytekit's `FlytekitPlugin`, with a default for every hook.

use std::fmt;

use crate::{
    cache::CachePolicy, cli::Cli, config::Remote, export::mark_default, ffi::AbiVersion, host,
};

/// An error a hook returns to the host. The host shows its message next to the plugin's and the
/// hook's names, so say what went wrong and what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    message: String,
}

impl PluginError {
    /// An error with this message.
    pub fn new(message: impl fmt::Display) -> Self {
        PluginError {
            message: message.to_string(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PluginError {}

impl From<String> for PluginError {
    fn from(message: String) -> Self {
        PluginError { message }
    }
}

impl From<&str> for PluginError {
    fn from(message: &str) -> Self {
        PluginError::new(message)
    }
}

impl From<std::io::Error> for PluginError {
    fn from(err: std::io::Error) -> Self {
        PluginError::new(err)
    }
}

/// flytekit's plugin protocol. Implement it for a `Default` type, override only the hooks you need
/// (like subclassing flytekit's `FlytekitPlugin`), and export it with
/// [`export_plugin!`](crate::export_plugin):
///
/// ```
/// use flyte_plugin_abi::{export_plugin, FlytekitPlugin};
/// #[derive(Default)]
/// struct Acme;
/// impl FlytekitPlugin for Acme {
///     fn secret_requires_group(&self) -> bool { false }
///     fn get_default_image(&self) -> Option<String> { Some("acme/base:1.0".into()) }
///     fn get_auth_success_html(&self, endpoint: &str) -> Option<String> { Some(format!("<h1>Acme {endpoint}</h1>")) }
/// }
/// export_plugin!(Acme);
/// ```
///
/// Every default is the built-in plugin's behaviour; the host applies its own built-in answer
/// whenever a hook is not overridden. A panic in any hook is caught inside the plugin and reported by
/// the host as an error of that hook. Hooks whose simple form cannot fail have a `try_` form that can.
pub trait FlytekitPlugin: Send + Sync + 'static {
    /// The oldest host plugin ABI this plugin works with. Raise it when the plugin overrides a hook
    /// or uses a host service added after 1.0, so an older host refuses it with a clear message
    /// instead of silently ignoring the hook.
    const MIN_HOST_ABI: AbiVersion = AbiVersion::V1_0;

    /// How the host connects to Flyte admin. Default: `--config` file or the config search order,
    /// then `FLYTE_PLATFORM_URL`, then the sandbox (flytekit's `FlytekitPlugin.get_remote`).
    fn get_remote(
        &self,
        config: Option<&str>,
        project: &str,
        domain: &str,
        data_upload_location: Option<&str>,
    ) -> Result<Remote, PluginError> {
        mark_default();
        host::default_get_remote(config, project, domain, data_upload_location)
    }

    /// Adds commands to, or changes commands of, the host's CLI. Default: the CLI unchanged.
    fn configure_pyflyte_cli(&self, main: &mut Cli) -> Result<(), PluginError> {
        let _ = main;
        mark_default();
        Ok(())
    }

    /// Whether a secret declared without a group is an error. Default: `true`.
    fn secret_requires_group(&self) -> bool {
        mark_default();
        true
    }

    /// Fallible form of [`secret_requires_group`](Self::secret_requires_group).
    fn try_secret_requires_group(&self) -> Result<bool, PluginError> {
        Ok(self.secret_requires_group())
    }

    /// The image for tasks that name none. Default: `None` (the host's own default image).
    fn get_default_image(&self) -> Option<String> {
        mark_default();
        None
    }

    /// Fallible form of [`get_default_image`](Self::get_default_image).
    fn try_get_default_image(&self) -> Result<Option<String>, PluginError> {
        Ok(self.get_default_image())
    }

    /// The page the browser shows after a successful login to `endpoint`.
    /// Default: `None` (the host's built-in page).
    fn get_auth_success_html(&self, endpoint: &str) -> Option<String> {
        let _ = endpoint;
        mark_default();
        None
    }

    /// Fallible form of [`get_auth_success_html`](Self::get_auth_success_html).
    fn try_get_auth_success_html(&self, endpoint: &str) -> Result<Option<String>, PluginError> {
        Ok(self.get_auth_success_html(endpoint))
    }

    /// Policies that compute a cache version for tasks that cache without one. Default: none.
    fn get_default_cache_policies(&self) -> Result<Vec<Box<dyn CachePolicy>>, PluginError> {
        mark_default();
        Ok(Vec::new())
    }

    /// The web console's address for `endpoint`. Default: `None` (the host's own address,
    /// `https://<endpoint>/console`).
    ///
    /// Only in the `next` rehearsal of ABI 1.2 (see the crate documentation). A plugin that
    /// overrides it and must not run without it sets [`MIN_HOST_ABI`](Self::MIN_HOST_ABI) to 1.2.
    #[cfg(feature = "next")]
    fn get_console_url(&self, endpoint: &str) -> Option<String> {
        let _ = endpoint;
        mark_default();
        None
    }
}
