//! The host's services as a plugin calls them: printing, flytekit's `Config` constructors, the
//! hooks' defaults (to wrap a default: the answers of the plugins stacked below this one, the
//! built-in plugin's at the bottom), the remote of the running command, and requests to its Flyte
//! admin.

use std::sync::OnceLock;

use abi_stable::std_types::{ROption, RStr};

use crate::{
    cache::{CachePolicy, ImportedPolicy},
    cli::Cli,
    config::{Config, Remote},
    ffi::{AbiVersion, FfiRemoteRequest, Stream},
    module::HostServicesRef,
    plugin::PluginError,
};

static HOST: OnceLock<HostServicesRef> = OnceLock::new();

pub(crate) fn install(services: HostServicesRef) {
    // A library is loaded once per process, so the first host to shake hands is the only one.
    let _ = HOST.set(services);
}

fn services() -> Result<HostServicesRef, PluginError> {
    HOST.get().copied().ok_or_else(|| {
        PluginError::new("no host services: this plugin was not loaded by flyte-host")
    })
}

/// The host's plugin ABI version, when running inside a host.
pub fn abi_version() -> Option<AbiVersion> {
    HOST.get().map(|h| h.abi_version())
}

/// The host program's version, when running inside a host.
pub fn host_version() -> Option<String> {
    HOST.get().map(|h| h.host_version().to_string())
}

fn print_to(stream: Stream, text: &str) {
    match HOST.get() {
        Some(h) => h.print()(stream, text.into()),
        None => match stream {
            Stream::Stdout => print!("{text}"),
            Stream::Stderr => eprint!("{text}"),
        },
    }
}

/// Prints text to the host's stdout. Output of hooks goes to stderr when the user asked for JSON,
/// so the host's JSON stays clean; a plugin command's output always goes to stdout.
pub fn print(text: &str) {
    print_to(Stream::Stdout, text);
}

/// Prints a line to the host's stdout (see [`print`](fn@print)).
pub fn println(text: &str) {
    print_to(Stream::Stdout, &format!("{text}\n"));
}

/// Prints a line to the host's stderr.
pub fn eprintln(text: &str) {
    print_to(Stream::Stderr, &format!("{text}\n"));
}

pub(crate) fn config_auto(config_file: Option<&str>) -> Result<Config, PluginError> {
    let file: ROption<RStr<'_>> = config_file.map(RStr::from).into();
    services()?.config_auto()(file)
        .into_result()
        .map_err(PluginError::new)?
        .try_into()
}

pub(crate) fn config_for_endpoint(endpoint: &str, insecure: bool) -> Result<Config, PluginError> {
    services()?.config_for_endpoint()(endpoint.into(), insecure)
        .into_result()
        .map_err(PluginError::new)?
        .try_into()
}

pub(crate) fn config_for_sandbox() -> Result<Config, PluginError> {
    services()?.config_for_sandbox()().try_into()
}

/// `get_remote` of the layers below this plugin: the built-in plugin's (config file, then
/// `FLYTE_PLATFORM_URL`, then the sandbox) when it is the only one; an error when a layer below
/// failed.
pub fn default_get_remote(
    config: Option<&str>,
    project: &str,
    domain: &str,
    data_upload_location: Option<&str>,
) -> Result<Remote, PluginError> {
    let request = FfiRemoteRequest {
        config: config.map(Into::into).into(),
        project: project.into(),
        domain: domain.into(),
        data_upload_location: data_upload_location.map(Into::into).into(),
    };
    services()?.default_get_remote()(request)
        .into_result()
        .map_err(PluginError::new)?
        .try_into()
}

/// `secret_requires_group` as the host answers it without this plugin: the answer of the layers
/// below this plugin (the built-in plugin's, `true`, when it is the only one); an error when a
/// layer below failed (hosts with ABI ≥ 1.1).
pub fn default_secret_requires_group() -> Result<bool, PluginError> {
    let host = services()?;
    match host.try_default_secret_requires_group() {
        Some(service) => service().into_result().map_err(PluginError::new),
        None => Ok(host.default_secret_requires_group()()),
    }
}

/// `get_default_image` as the host answers it without this plugin: the answer of the layers below
/// this plugin (the built-in plugin's, `None`, when it is the only one); an error when a layer
/// below failed (hosts with ABI ≥ 1.1).
pub fn default_get_default_image() -> Result<Option<String>, PluginError> {
    let host = services()?;
    let image = match host.try_default_get_default_image() {
        Some(service) => service().into_result().map_err(PluginError::new)?,
        None => host.default_get_default_image()(),
    };
    Ok(image.into_option().map(String::from))
}

/// `get_auth_success_html(endpoint)` as the host answers it without this plugin: the answer of the
/// layers below this plugin (the built-in plugin's, `None` for the host's own page, when it is the
/// only one); an error when a layer below failed (hosts with ABI ≥ 1.1).
pub fn default_get_auth_success_html(endpoint: &str) -> Result<Option<String>, PluginError> {
    let host = services()?;
    let html = match host.try_default_get_auth_success_html() {
        Some(service) => service(endpoint.into())
            .into_result()
            .map_err(PluginError::new)?,
        None => host.default_get_auth_success_html()(endpoint.into()),
    };
    Ok(html.into_option().map(String::from))
}

/// `get_default_cache_policies` as the host answers it without this plugin: the answer of the
/// layers below this plugin (the built-in plugin's, none, when it is the only one); an error when a
/// layer below failed (hosts with ABI ≥ 1.1). Return them with the plugin's own to extend them.
pub fn default_get_default_cache_policies() -> Result<Vec<Box<dyn CachePolicy>>, PluginError> {
    let host = services()?;
    let policies = match host.try_default_get_default_cache_policies() {
        Some(service) => service().into_result().map_err(PluginError::new)?,
        None => host.default_get_default_cache_policies()(),
    };
    Ok(policies
        .into_iter()
        .map(|p| Box::new(ImportedPolicy::new(p)) as Box<dyn CachePolicy>)
        .collect())
}

/// Applies the built-in plugin's `configure_pyflyte_cli` to `main` (it changes nothing: the layers
/// below this plugin already changed the CLI `main` shows).
pub fn default_configure_pyflyte_cli(main: &mut Cli) -> Result<(), PluginError> {
    let changes = services()?.default_configure_pyflyte_cli()(main.view());
    main.absorb(changes);
    Ok(())
}

/// The remote of the running command: the active plugin's `get_remote` for the user's global
/// options, computed once per process by the host.
pub fn resolved_remote() -> Result<Remote, PluginError> {
    services()?.resolved_remote()()
        .into_result()
        .map_err(PluginError::new)?
        .try_into()
}

fn admin_request(method: &str, path: &str, body: Option<&str>) -> Result<String, PluginError> {
    let body: ROption<RStr<'_>> = body.map(RStr::from).into();
    services()?.admin_request()(method.into(), path.into(), body)
        .into_result()
        .map(String::from)
        .map_err(PluginError::new)
}

/// `GET path` (like `/api/v1/projects`, a query string allowed) on the Flyte admin of the
/// running command's remote, through the host's client (its headers, retries and credentials):
/// the answer's JSON text (proto field names, as admin wrote it).
///
/// # Errors
///
/// Admin answered with an error status or could not be reached: the host's one-line message.
pub fn admin_get(path: &str) -> Result<String, PluginError> {
    admin_request("GET", path, None)
}

/// `POST path` with the JSON text `json_body` on the Flyte admin of the running command's
/// remote (see [`admin_get`]): the answer's JSON text.
///
/// # Errors
///
/// `json_body` is not JSON, or admin refused or could not be reached: the host's one-line message.
pub fn admin_post(path: &str, json_body: &str) -> Result<String, PluginError> {
    admin_request("POST", path, Some(json_body))
}
