//! The built-in plugin: flytekit's `FlytekitPlugin` defaults, used when no plugin is active and
//! for every hook a plugin does not override.

use std::path::Path;

use abi_stable::std_types::RVec;
use flyte_plugin_abi::{
    cache::CachePolicyBox,
    types::{FfiCliChanges, FfiRemoteRequest},
    Remote,
};

use crate::config::{self, ConfigError, Env};

/// The built-in plugin's name.
pub(crate) const NAME: &str = "builtin";

/// The built-in plugin's version: the host's.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// flytekit `FlytekitPlugin.get_remote`: the `--config` file or the config search order, else
/// `FLYTE_PLATFORM_URL`, else the sandbox.
pub(crate) fn get_remote(request: &FfiRemoteRequest, env: &Env) -> Result<Remote, ConfigError> {
    let config = config::default_remote_config(request.config_file().map(Path::new), env)?;
    Ok(Remote::new(
        config,
        &request.project,
        &request.domain,
        request.upload_location(),
    ))
}

/// flytekit returns `main` unchanged: no commands, no edits.
pub(crate) fn configure_pyflyte_cli() -> FfiCliChanges {
    FfiCliChanges {
        commands: RVec::new(),
        edits: RVec::new(),
    }
}

/// Secrets need a group.
pub(crate) fn secret_requires_group() -> bool {
    true
}

/// No image of the plugin's own: the host's default image applies.
pub(crate) fn get_default_image() -> Option<String> {
    None
}

/// No page of the plugin's own: the host's built-in page applies.
pub(crate) fn get_auth_success_html(_endpoint: &str) -> Option<String> {
    None
}

/// No default cache policies.
pub(crate) fn get_default_cache_policies() -> Vec<CachePolicyBox> {
    Vec::new()
}
