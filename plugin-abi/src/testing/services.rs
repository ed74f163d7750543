//! The harness's [`HostServices`] table: the same extern functions a host hands over, answering
//! from the state of the [`PluginTest`](super::PluginTest) whose call is running on this thread.

use std::{cell::RefCell, collections::HashMap, rc::Rc, sync::OnceLock};

use abi_stable::{
    prefix_type::PrefixTypeTrait,
    std_types::{ROption, RResult, RStr, RString, RVec},
};

use super::config::{self, Env};
use crate::{
    cache::CachePolicyBox,
    config::{Config, Remote},
    ffi::{
        AbiVersion, FfiCliChanges, FfiCliView, FfiConfig, FfiRemote, FfiRemoteRequest, HookOutput,
        Stream,
    },
    module::{HostServices, HostServicesRef},
};

/// The host version the harness reports: this crate's, marked as the harness.
pub(super) const HOST_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "-plugin-test");

/// What one `PluginTest` gives its plugin and keeps of it.
pub(super) struct State {
    pub(super) env: Env,
    pub(super) config: Option<String>,
    pub(super) project: String,
    pub(super) domain: String,
    pub(super) json: bool,
    pub(super) verbose: bool,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) in_command: bool,
    /// The plugin's `get_remote`, which `resolved_remote` runs once.
    pub(super) get_remote: extern "C" fn(FfiRemoteRequest) -> HookOutput<FfiRemote>,
    pub(super) resolved: Option<Result<FfiRemote, String>>,
    pub(super) resolving: bool,
    /// Admin's answers by (method, path).
    pub(super) admin: HashMap<(String, String), Result<String, String>>,
    /// The admin requests made: method, path, body.
    pub(super) admin_calls: Vec<(String, String, Option<String>)>,
    /// The plugin as the host's messages name it: `'acme' 0.1.0`.
    pub(super) plugin: String,
}

impl State {
    /// The `get_remote` request for the test's global options.
    pub(super) fn request(&self) -> FfiRemoteRequest {
        FfiRemoteRequest {
            config: self.config.as_deref().map(RString::from).into(),
            project: self.project.as_str().into(),
            domain: self.domain.as_str().into(),
            data_upload_location: ROption::RNone,
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RefCell<State>>>> = const { RefCell::new(None) };
}

/// Runs `f` with `state` as the state the services answer from on this thread.
pub(super) fn with_state<T>(state: &Rc<RefCell<State>>, f: impl FnOnce() -> T) -> T {
    let outer = CURRENT.with(|c| c.replace(Some(Rc::clone(state))));
    let result = f();
    CURRENT.with(|c| *c.borrow_mut() = outer);
    result
}

/// `f` on the running test's state; `None` outside a `PluginTest` call (a plugin thread of its own).
fn current<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
    let state = CURRENT.with(|c| c.borrow().clone())?;
    let mut state = state.borrow_mut();
    Some(f(&mut state))
}

const OUTSIDE: &str = "the plugin test harness serves host calls only on the thread of a \
                       PluginTest call (this one came from a thread of the plugin's own)";

/// The table handed to the plugin at the handshake.
pub(super) fn table() -> HostServicesRef {
    static TABLE: OnceLock<HostServicesRef> = OnceLock::new();
    *TABLE.get_or_init(|| {
        HostServices {
            abi_version: AbiVersion::CURRENT,
            host_version: RStr::from_str(HOST_VERSION),
            print,
            config_auto,
            config_for_endpoint,
            config_for_sandbox,
            default_get_remote,
            default_configure_pyflyte_cli,
            default_secret_requires_group,
            default_get_default_image,
            default_get_auth_success_html,
            default_get_default_cache_policies,
            resolved_remote,
            admin_request,
            try_default_secret_requires_group,
            try_default_get_default_image,
            try_default_get_auth_success_html,
            try_default_get_default_cache_policies,
        }
        .leak_into_prefix()
    })
}

fn answer<T>(result: Result<T, String>) -> RResult<T, RString> {
    match result {
        Ok(v) => RResult::ROk(v),
        Err(e) => RResult::RErr(e.into()),
    }
}

/// As the host: what a hook prints goes to stderr; only a plugin command owns stdout.
extern "C" fn print(stream: Stream, text: RStr<'_>) {
    let captured = current(|s| {
        if stream == Stream::Stderr || !s.in_command {
            s.stderr.push_str(text.as_str());
        } else {
            s.stdout.push_str(text.as_str());
        }
    });
    if captured.is_none() {
        match stream {
            Stream::Stdout => print!("{text}"),
            Stream::Stderr => eprint!("{text}"),
        }
    }
}

fn env() -> Result<Env, String> {
    current(|s| s.env.clone()).ok_or_else(|| OUTSIDE.to_owned())
}

extern "C" fn config_auto(file: ROption<RStr<'_>>) -> RResult<FfiConfig, RString> {
    let file = file.map(|f| f.as_str().to_owned()).into_option();
    answer(
        env()
            .and_then(|env| config::auto(file.as_deref(), &env))
            .map(|c| FfiConfig::from(&c)),
    )
}

extern "C" fn config_for_endpoint(
    endpoint: RStr<'_>,
    insecure: bool,
) -> RResult<FfiConfig, RString> {
    answer(
        env()
            .and_then(|env| config::for_endpoint(endpoint.as_str(), insecure, &env))
            .map(|c| FfiConfig::from(&c)),
    )
}

extern "C" fn config_for_sandbox() -> FfiConfig {
    let config: Config = config::for_sandbox();
    FfiConfig::from(&config)
}

extern "C" fn default_get_remote(request: FfiRemoteRequest) -> RResult<FfiRemote, RString> {
    answer(env().and_then(|env| {
        let config = config::default_remote_config(request.config_file(), &env)?;
        let remote = Remote::new(
            config,
            &request.project,
            &request.domain,
            request.upload_location(),
        );
        Ok(FfiRemote::from(&remote))
    }))
}

extern "C" fn default_configure_pyflyte_cli(_main: &FfiCliView) -> FfiCliChanges {
    FfiCliChanges {
        commands: RVec::new(),
        edits: RVec::new(),
    }
}

extern "C" fn default_secret_requires_group() -> bool {
    true
}

extern "C" fn default_get_default_image() -> ROption<RString> {
    ROption::RNone
}

extern "C" fn default_get_auth_success_html(_endpoint: RStr<'_>) -> ROption<RString> {
    ROption::RNone
}

extern "C" fn default_get_default_cache_policies() -> RVec<CachePolicyBox> {
    RVec::new()
}

/// ABI 1.1: the harness has no layers below the plugin, so the built-in answer.
extern "C" fn try_default_secret_requires_group() -> RResult<bool, RString> {
    RResult::ROk(default_secret_requires_group())
}

/// ABI 1.1: the built-in answer (see [`try_default_secret_requires_group`]).
extern "C" fn try_default_get_default_image() -> RResult<ROption<RString>, RString> {
    RResult::ROk(default_get_default_image())
}

/// ABI 1.1: the built-in answer (see [`try_default_secret_requires_group`]).
extern "C" fn try_default_get_auth_success_html(
    endpoint: RStr<'_>,
) -> RResult<ROption<RString>, RString> {
    RResult::ROk(default_get_auth_success_html(endpoint))
}

/// ABI 1.1: the built-in answer (see [`try_default_secret_requires_group`]).
extern "C" fn try_default_get_default_cache_policies() -> RResult<RVec<CachePolicyBox>, RString> {
    RResult::ROk(default_get_default_cache_policies())
}

/// The plugin's `get_remote` for the test's global options, once per `PluginTest`, as the host
/// computes it once per process.
pub(super) fn resolve(state: &Rc<RefCell<State>>) -> Result<FfiRemote, String> {
    let (cached, request, hook, resolving, plugin) = {
        let s = state.borrow();
        let plugin = s.plugin.clone();
        (
            s.resolved.clone(),
            s.request(),
            s.get_remote,
            s.resolving,
            plugin,
        )
    };
    if resolving {
        return Err(
            "the remote is being resolved: `get_remote` cannot ask for the resolved remote".into(),
        );
    }
    if let Some(done) = cached {
        return done;
    }
    let env = state.borrow().env.clone();
    let result = match config::find_config_file(request.config_file(), &env) {
        Err(e) => Err(e),
        Ok(_) => {
            state.borrow_mut().resolving = true;
            let output = with_state(state, || hook(request));
            state.borrow_mut().resolving = false;
            output
                .value
                .into_result()
                .map_err(|e| super::plugin_error(&plugin, "hook", "get_remote", &e))
        }
    };
    state.borrow_mut().resolved = Some(result.clone());
    result
}

extern "C" fn resolved_remote() -> RResult<FfiRemote, RString> {
    let state = CURRENT.with(|c| c.borrow().clone());
    answer(match state {
        Some(state) => resolve(&state),
        None => Err(OUTSIDE.to_owned()),
    })
}

extern "C" fn admin_request(
    method: RStr<'_>,
    path: RStr<'_>,
    body: ROption<RStr<'_>>,
) -> RResult<RString, RString> {
    let (method, path) = (method.as_str().to_owned(), path.as_str().to_owned());
    let body = body.map(|b| b.as_str().to_owned()).into_option();
    let reply = current(|s| {
        s.admin_calls
            .push((method.clone(), path.clone(), body.clone()));
        if !path.starts_with('/') {
            return Err(format!(
                "admin request path `{path}` must start with `/` (like /api/v1/projects)"
            ));
        }
        s.admin
            .get(&(method.clone(), path.clone()))
            .cloned()
            .unwrap_or_else(|| {
                Err(format!(
                    "the plugin test has no answer for admin request {method} {path} \
                     (give one with PluginTest::admin_reply)"
                ))
            })
    });
    answer(
        reply
            .unwrap_or_else(|| Err(OUTSIDE.to_owned()))
            .map(RString::from),
    )
}
