//! The host services handed to plugins (the FFI table of `flyte_plugin_abi::HostServices`): the
//! answers of the layers below the caller behind `host::default_*`, the resolved remote and admin calls from the
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
    plugin::{self, HookError},
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

/// Answers a `host::default_*` call of the running layer with the layers below it (see
/// [`crate::plugin`]). A 1.0 service cannot carry an error: a failure below is recorded for the
/// host to report once the calling hook returns, and the built-in answer stands in meanwhile.
fn below<T>(answer: impl FnOnce() -> Result<T, HookError>, stand_in: impl Fn() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(answer)) {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => {
            plugin::record_failure(e, false);
            stand_in()
        }
        // A host bug must not unwind into the plugin.
        Err(_) => stand_in(),
    }
}

extern "C" fn default_get_remote(request: FfiRemoteRequest) -> RResult<FfiRemote, RString> {
    shielded(|| {
        crate::context::active()
            .below_get_remote(&request, &Env::from_process())
            .map(|r| FfiRemote::from(&r))
            .map_err(|e| {
                let message = e.to_string();
                plugin::record_failure(e, true);
                message
            })
    })
}

/// The layers below the caller already changed the CLI the caller sees (the stack's
/// `configure_pyflyte_cli` runs bottom-up); the built-in plugin changes nothing.
extern "C" fn default_configure_pyflyte_cli(_main: &FfiCliView) -> FfiCliChanges {
    builtin::configure_pyflyte_cli()
}

extern "C" fn default_secret_requires_group() -> bool {
    below(
        || crate::context::active().below_secret_requires_group(),
        builtin::secret_requires_group,
    )
}

extern "C" fn default_get_default_image() -> ROption<RString> {
    below(
        || crate::context::active().below_get_default_image(),
        builtin::get_default_image,
    )
    .map(RString::from)
    .into()
}

extern "C" fn default_get_auth_success_html(endpoint: RStr<'_>) -> ROption<RString> {
    below(
        || crate::context::active().below_get_auth_success_html(endpoint.as_str()),
        || builtin::get_auth_success_html(endpoint.as_str()),
    )
    .map(RString::from)
    .into()
}

extern "C" fn default_get_default_cache_policies() -> abi_stable::std_types::RVec<CachePolicyBox> {
    below(
        || crate::context::active().below_get_default_cache_policies(),
        builtin::get_default_cache_policies,
    )
    .into_iter()
    .collect()
}

/// Answers a `host::default_*` call of the running layer through an ABI 1.1 service: the answer
/// of the layers below it, or their failure, which the calling layer sees (and may handle). The
/// failure is recorded too: when the calling hook fails as well, the failure below is what the
/// host reports (naming the layer that failed, not the one that asked).
fn try_below<T, R>(
    answer: impl FnOnce() -> Result<T, HookError>,
    to_ffi: impl FnOnce(T) -> R,
) -> RResult<R, RString> {
    shielded(|| match answer() {
        Ok(value) => Ok(to_ffi(value)),
        Err(e) => {
            let message = e.to_string();
            plugin::record_failure(e, true);
            Err(message)
        }
    })
}

/// ABI 1.1: `secret_requires_group` of the layers below the caller, or their failure.
extern "C" fn try_default_secret_requires_group() -> RResult<bool, RString> {
    try_below(
        || crate::context::active().below_secret_requires_group(),
        |b| b,
    )
}

/// ABI 1.1: `get_default_image` of the layers below the caller, or their failure.
extern "C" fn try_default_get_default_image() -> RResult<ROption<RString>, RString> {
    try_below(
        || crate::context::active().below_get_default_image(),
        |image| image.map(RString::from).into(),
    )
}

/// ABI 1.1: `get_auth_success_html` of the layers below the caller, or their failure.
extern "C" fn try_default_get_auth_success_html(
    endpoint: RStr<'_>,
) -> RResult<ROption<RString>, RString> {
    try_below(
        || crate::context::active().below_get_auth_success_html(endpoint.as_str()),
        |html| html.map(RString::from).into(),
    )
}

/// ABI 1.1: `get_default_cache_policies` of the layers below the caller, or their failure.
extern "C" fn try_default_get_default_cache_policies(
) -> RResult<abi_stable::std_types::RVec<CachePolicyBox>, RString> {
    try_below(
        || crate::context::active().below_get_default_cache_policies(),
        |policies| policies.into_iter().collect(),
    )
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
