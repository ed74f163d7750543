//! The running command's state, set up once per process: the active plugin, the user's global
//! options, the remote resolved once from `get_remote`, and that remote's admin client.

use std::{cell::Cell, sync::OnceLock};

use abi_stable::std_types::{ROption, RString};
use flyte_plugin_abi::{types::FfiRemoteRequest, Remote};

use crate::{
    auth::{pages, Branding},
    config::Env,
    plugin::{ActivePlugin, HookSource, Hooked},
    remote::{describe_origin, AdminClient, RemoteError},
};

/// `--project` unless given (flytekit's default project).
pub(crate) const DEFAULT_PROJECT: &str = "flytesnacks";
/// `--domain` unless given.
pub(crate) const DEFAULT_DOMAIN: &str = "development";

/// The global options every command sees.
#[derive(Debug, Clone)]
pub(crate) struct Globals {
    /// `--config`.
    pub config: Option<String>,
    /// `--project`.
    pub project: String,
    /// `--domain`.
    pub domain: String,
    /// `--output json` or `--output yaml`: a data document instead of a table.
    pub json: bool,
    /// `--output yaml`.
    pub yaml: bool,
    /// `--verbose`.
    pub verbose: bool,
}

impl Default for Globals {
    /// What a command line without global options means.
    fn default() -> Self {
        Globals {
            config: None,
            project: DEFAULT_PROJECT.to_owned(),
            domain: DEFAULT_DOMAIN.to_owned(),
            json: false,
            yaml: false,
            verbose: false,
        }
    }
}

static ACTIVE: OnceLock<ActivePlugin> = OnceLock::new();
static GLOBALS: OnceLock<Globals> = OnceLock::new();
static REMOTE: OnceLock<Result<Hooked<Remote>, String>> = OnceLock::new();

thread_local! {
    static RESOLVING: Cell<bool> = const { Cell::new(false) };
}

/// Makes `plugin` the process's active plugin and returns it.
pub(crate) fn activate(plugin: ActivePlugin) -> &'static ActivePlugin {
    ACTIVE.get_or_init(|| plugin)
}

/// The active plugin (the built-in one before any was activated).
pub(crate) fn active() -> &'static ActivePlugin {
    ACTIVE.get_or_init(ActivePlugin::builtin)
}

/// Records the user's global options for this process.
pub(crate) fn set_globals(globals: Globals) {
    let _ = GLOBALS.set(globals);
}

/// The user's global options.
pub(crate) fn globals() -> Option<&'static Globals> {
    GLOBALS.get()
}

/// The `get_remote` request for the user's global options.
pub(crate) fn remote_request(globals: &Globals) -> FfiRemoteRequest {
    FfiRemoteRequest {
        config: globals.config.as_deref().map(RString::from).into(),
        project: globals.project.as_str().into(),
        domain: globals.domain.as_str().into(),
        data_upload_location: ROption::RNone,
    }
}

/// The remote every command uses: the active plugin's `get_remote` for the global options,
/// computed once per process.
pub(crate) fn resolved_remote() -> Result<Hooked<Remote>, String> {
    if RESOLVING.with(Cell::get) {
        return Err(
            "the remote is being resolved: `get_remote` cannot ask for the resolved remote".into(),
        );
    }
    REMOTE
        .get_or_init(|| {
            let globals = globals().cloned().unwrap_or_default();
            RESOLVING.with(|r| r.set(true));
            let result = active()
                .get_remote(remote_request(&globals), &Env::from_process())
                .map_err(|e| e.to_string());
            RESOLVING.with(|r| r.set(false));
            result
        })
        .clone()
}

/// The admin client for the remote the active plugin's `get_remote` resolves: one per process,
/// shared by the commands and the plugin's `admin_request`s (one token state, one run of
/// `admin.proxyCommand`).
///
/// # Errors
///
/// `get_remote` failed, or the client cannot be built (an unreadable CA file).
pub(crate) fn connect() -> Result<&'static AdminClient, RemoteError> {
    static CLIENT: std::sync::OnceLock<AdminClient> = std::sync::OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let hooked = resolved_remote().map_err(RemoteError::Remote)?;
    let plugin = active();
    // The layer that answered, for a stack.
    let origin = describe_origin(
        &hooked.value,
        hooked.by(),
        hooked.source == HookSource::Plugin,
    );
    let client = AdminClient::new(
        &hooked.value,
        origin,
        Branding {
            plugin_label: plugin.label(),
            success_page: login_page,
        },
    )?;
    Ok(CLIENT.get_or_init(|| client))
}

/// The page the browser gets after a successful login to `endpoint`: the active plugin's
/// `get_auth_success_html(endpoint)`, else the host's own.
pub(crate) fn login_page(endpoint: &str) -> String {
    match active().get_auth_success_html(endpoint) {
        Ok(hooked) => hooked.value.unwrap_or_else(|| pages::success(endpoint)),
        Err(e) => {
            crate::say!("warning: {e}; showing flyte-host's own success page");
            pages::success(endpoint)
        }
    }
}
