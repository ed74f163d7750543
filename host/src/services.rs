//! The host services handed to plugins (the FFI table of `flyte_plugin_abi::HostServices`): the
//! built-in defaults behind `host::default_*`, the resolved remote and admin calls from the
//! running command's [`context`](crate::context), output through the host's streams.

use std::{
    io::Write,
    panic::{self, AssertUnwindSafe},
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        OnceLock,
    },
};

use abi_stable::{
    prefix_type::PrefixTypeTrait,
    std_types::{ROption, RResult, RStr, RString},
};
use flyte_plugin_abi::{
    cache::CachePolicyBox,
    types::{FfiCliChanges, FfiCliView, FfiConfig, FfiRemote, FfiRemoteRequest, Stream},
    AbiVersion, Config, HostServices, HostServicesRef,
};

use crate::{
    builtin,
    config::{self, Env},
    remote::AdminClient,
};

static IN_COMMAND: AtomicBool = AtomicBool::new(false);

/// The service table handed to every plugin at the handshake.
pub(crate) fn table() -> HostServicesRef {
    static TABLE: OnceLock<HostServicesRef> = OnceLock::new();
    *TABLE.get_or_init(|| {
        HostServices {
            abi_version: AbiVersion::CURRENT,
            host_version: RStr::from_str(env!("CARGO_PKG_VERSION")),
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
            resolved_remote: resolved_remote_service,
            admin_request,
            try_default_secret_requires_group,
            try_default_get_default_image,
            try_default_get_auth_success_html,
            try_default_get_default_cache_policies,
        }
        .leak_into_prefix()
    })
}

/// Runs host code called from a plugin; a host bug must not unwind into the plugin.
fn shielded<T>(f: impl FnOnce() -> Result<T, String>) -> RResult<T, RString> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => RResult::ROk(v),
        Ok(Err(e)) => RResult::RErr(e.into()),
        Err(_) => RResult::RErr("flyte-host failed internally while serving the plugin".into()),
    }
}

/// Runs a plugin command: its stdout is the command's output, even under `-o json`.
pub(crate) fn in_command<T>(f: impl FnOnce() -> T) -> T {
    IN_COMMAND.store(true, Ordering::Relaxed);
    let result = f();
    IN_COMMAND.store(false, Ordering::Relaxed);
    result
}

/// Writes plugin output. Stdout is the data a script reads (the host's table or JSON), so what
/// hooks print goes to stderr in every output mode; only a plugin command owns stdout. Write
/// errors (a closed pipe) are ignored: plugin chatter must not fail the command.
extern "C" fn print(stream: Stream, text: RStr<'_>) {
    let to_stderr = stream == Stream::Stderr || !IN_COMMAND.load(Ordering::Relaxed);
    let text = crate::terminal::human(text.as_str());
    let _ = if to_stderr {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    };
}

extern "C" fn config_auto(file: ROption<RStr<'_>>) -> RResult<FfiConfig, RString> {
    shielded(|| {
        let path = file.map(|f| f.as_str().to_owned()).into_option();
        config::auto(path.as_deref().map(Path::new), &Env::from_process())
            .map(|c| FfiConfig::from(&c))
            .map_err(|e| e.to_string())
    })
}

extern "C" fn config_for_endpoint(
    endpoint: RStr<'_>,
    insecure: bool,
) -> RResult<FfiConfig, RString> {
    shielded(|| {
        let config = config::for_endpoint(endpoint.as_str(), insecure, &Env::from_process())
            .map_err(|e| e.to_string())?;
        // Checked as flytekit uses it: after the gRPC `dns:///` scheme is dropped.
        crate::validate::endpoint(&config.platform.endpoint)?;
        Ok(FfiConfig::from(&config))
    })
}

extern "C" fn config_for_sandbox() -> FfiConfig {
    let config: Config = config::for_sandbox();
    FfiConfig::from(&config)
}

extern "C" fn default_get_remote(request: FfiRemoteRequest) -> RResult<FfiRemote, RString> {
    shielded(|| {
        builtin::get_remote(&request, &Env::from_process())
            .map(|r| FfiRemote::from(&r))
            .map_err(|e| e.to_string())
    })
}

extern "C" fn default_configure_pyflyte_cli(_main: &FfiCliView) -> FfiCliChanges {
    builtin::configure_pyflyte_cli()
}

extern "C" fn default_secret_requires_group() -> bool {
    builtin::secret_requires_group()
}

extern "C" fn default_get_default_image() -> ROption<RString> {
    builtin::get_default_image().map(RString::from).into()
}

extern "C" fn default_get_auth_success_html(endpoint: RStr<'_>) -> ROption<RString> {
    builtin::get_auth_success_html(endpoint.as_str())
        .map(RString::from)
        .into()
}

extern "C" fn default_get_default_cache_policies() -> abi_stable::std_types::RVec<CachePolicyBox> {
    builtin::get_default_cache_policies().into_iter().collect()
}

/// ABI 1.1 `try_default_secret_requires_group`: for now the built-in answer, as
/// [`default_secret_requires_group`] (with one plugin, the built-in plugin is the only layer below
/// it).
extern "C" fn try_default_secret_requires_group() -> RResult<bool, RString> {
    RResult::ROk(builtin::secret_requires_group())
}

/// ABI 1.1 `try_default_get_default_image`: for now the built-in answer, as
/// [`default_get_default_image`].
extern "C" fn try_default_get_default_image() -> RResult<ROption<RString>, RString> {
    RResult::ROk(builtin::get_default_image().map(RString::from).into())
}

/// ABI 1.1 `try_default_get_auth_success_html`: for now the built-in answer, as
/// [`default_get_auth_success_html`].
extern "C" fn try_default_get_auth_success_html(
    endpoint: RStr<'_>,
) -> RResult<ROption<RString>, RString> {
    RResult::ROk(
        builtin::get_auth_success_html(endpoint.as_str())
            .map(RString::from)
            .into(),
    )
}

/// ABI 1.1 `try_default_get_default_cache_policies`: for now the built-in answer, as
/// [`default_get_default_cache_policies`].
extern "C" fn try_default_get_default_cache_policies(
) -> RResult<abi_stable::std_types::RVec<CachePolicyBox>, RString> {
    RResult::ROk(builtin::get_default_cache_policies().into_iter().collect())
}

extern "C" fn resolved_remote_service() -> RResult<FfiRemote, RString> {
    shielded(|| crate::context::resolved_remote().map(|r| FfiRemote::from(&r.value)))
}

/// The admin client of the resolved remote (the process's one, see [`remote::connect`]).
fn admin_client() -> Result<&'static AdminClient, String> {
    crate::context::connect().map_err(|e| e.to_string())
}

/// `method` (GET or POST) `path` on admin for a plugin: the answer's JSON text, or the client's
/// one-line error.
fn admin_call(method: &str, path: &str, body: Option<&str>) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!(
            "admin request path `{path}` must start with `/` (like /api/v1/projects)"
        ));
    }
    let client = admin_client()?;
    let action = format!("answer {method} {path}");
    let reply = match method {
        "GET" => client.get(path, &[], &action),
        "POST" => {
            let text = body.unwrap_or("{}");
            let json: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| format!("the body of POST {path} is not JSON: {e}"))?;
            client.post(path, &json, &action)
        }
        other => return Err(format!("admin requests are GET or POST, not `{other}`")),
    }
    .map_err(|e| e.to_string())?;
    if reply.is_success() {
        Ok(reply.body)
    } else {
        Err(client.status_error(&reply, &action).to_string())
    }
}

extern "C" fn admin_request(
    method: RStr<'_>,
    path: RStr<'_>,
    body: ROption<RStr<'_>>,
) -> RResult<RString, RString> {
    shielded(|| {
        let body = body.map(|b| b.as_str()).into_option();
        admin_call(method.as_str(), path.as_str(), body).map(RString::from)
    })
}
