//! The two function tables of the contract: the plugin's root module and the host's services.
//!
//! Both are abi_stable *prefix types*: append-only tables whose fields after the
//! `#[sabi(last_prefix_field)]` of 1.0 are optional. A field is never removed, reordered or retyped
//! within 1.x; see the crate documentation for the full evolution rule.

use abi_stable::{
    declare_root_module_statics,
    library::RootModule,
    package_version_strings,
    sabi_types::VersionStrings,
    std_types::{ROption, RResult, RStr, RString},
    StableAbi,
};

use crate::ffi::{
    AbiVersion, FfiCachePolicies, FfiCliChanges, FfiCliView, FfiConfig, FfiRemote,
    FfiRemoteRequest, HookOutput, PluginInfo, Stream,
};

/// The root module a plugin library exports: its metadata and the six hooks of
/// flytekit's `FlytekitPluginProtocol`.
///
/// Hooks added after 1.0 follow the `#[sabi(last_prefix_field)]`; their accessors return `Option`
/// (`None` for a plugin built against an ABI that lacks them).
///
/// Plugin authors never build this by hand: [`export_plugin!`](crate::export_plugin) does.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
#[sabi(missing_field(option))]
pub struct PluginMod {
    /// Hands the host's services to the plugin and returns the plugin's metadata.
    pub handshake: extern "C" fn(host: HostServicesRef) -> PluginInfo,
    /// `get_remote(config, project, domain, data_upload_location)`.
    pub get_remote: extern "C" fn(request: FfiRemoteRequest) -> HookOutput<FfiRemote>,
    /// `configure_pyflyte_cli(main)`: the commands to add and the edits to make.
    pub configure_pyflyte_cli: extern "C" fn(main: &FfiCliView) -> HookOutput<FfiCliChanges>,
    /// `secret_requires_group()`.
    pub secret_requires_group: extern "C" fn() -> HookOutput<bool>,
    /// `get_default_image()`.
    pub get_default_image: extern "C" fn() -> HookOutput<ROption<RString>>,
    /// `get_auth_success_html(endpoint)`.
    pub get_auth_success_html: extern "C" fn(endpoint: RStr<'_>) -> HookOutput<ROption<RString>>,
    /// `get_default_cache_policies()`.
    #[sabi(last_prefix_field)]
    pub get_default_cache_policies: extern "C" fn() -> HookOutput<FfiCachePolicies>,
    /// `get_console_url(endpoint)`: the web console's address for `endpoint`. Only in the `next`
    /// rehearsal of ABI 1.2 (see the crate documentation).
    #[cfg(feature = "next")]
    pub get_console_url: extern "C" fn(endpoint: RStr<'_>) -> HookOutput<ROption<RString>>,
}

impl RootModule for PluginModRef {
    declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "flyte_plugin";
    const NAME: &'static str = "flyte-plugin-abi";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// The host's services, handed to the plugin at the handshake, so a plugin reuses the host's logic
/// (flytekit's `Config.auto / for_endpoint / for_sandbox`, printing, the built-in hooks) instead of
/// re-implementing it.
///
/// Plugin authors use it through [`crate::host`] and the associated functions of
/// [`Config`](crate::Config).
///
/// Services added after 1.0 follow the `#[sabi(last_prefix_field)]`; their accessors return
/// `Option` (`None` in a host whose ABI lacks them).
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = HostServicesRef)))]
#[sabi(missing_field(option))]
pub struct HostServices {
    /// The ABI version the host implements.
    pub abi_version: AbiVersion,
    /// The host program's own version.
    pub host_version: RStr<'static>,
    /// Prints text (no newline added) to the host's stdout or stderr.
    pub print: extern "C" fn(stream: Stream, text: RStr<'_>),
    /// flytekit `Config.auto(config_file)`: the file (or the search order when none), then `FLYTE_*`.
    pub config_auto: extern "C" fn(config_file: ROption<RStr<'_>>) -> RResult<FfiConfig, RString>,
    /// flytekit `Config.for_endpoint(endpoint, insecure)`.
    pub config_for_endpoint:
        extern "C" fn(endpoint: RStr<'_>, insecure: bool) -> RResult<FfiConfig, RString>,
    /// flytekit `Config.for_sandbox()`.
    pub config_for_sandbox: extern "C" fn() -> FfiConfig,
    /// `get_remote` of the layers below the calling plugin (the built-in plugin's when it is the
    /// only one).
    pub default_get_remote: extern "C" fn(request: FfiRemoteRequest) -> RResult<FfiRemote, RString>,
    /// The built-in plugin's `configure_pyflyte_cli` (changes nothing: the layers below the calling
    /// plugin already changed the CLI it sees).
    pub default_configure_pyflyte_cli: extern "C" fn(main: &FfiCliView) -> FfiCliChanges,
    /// `secret_requires_group` of the layers below the calling plugin (the built-in plugin's when
    /// it is the only one). A failure below cannot be told here: the host reports it after the
    /// caller returns.
    pub default_secret_requires_group: extern "C" fn() -> bool,
    /// `get_default_image` of the layers below the calling plugin (see
    /// `default_secret_requires_group` for a failure below).
    pub default_get_default_image: extern "C" fn() -> ROption<RString>,
    /// `get_auth_success_html` of the layers below the calling plugin (see
    /// `default_secret_requires_group` for a failure below).
    pub default_get_auth_success_html: extern "C" fn(endpoint: RStr<'_>) -> ROption<RString>,
    /// `get_default_cache_policies` of the layers below the calling plugin (see
    /// `default_secret_requires_group` for a failure below).
    pub default_get_default_cache_policies: extern "C" fn() -> FfiCachePolicies,
    /// The remote the current command uses (the active plugin's `get_remote` for the global options).
    pub resolved_remote: extern "C" fn() -> RResult<FfiRemote, RString>,
    /// A request to the Flyte admin of the resolved remote, through the host's client (its
    /// headers, retries and credentials): `method` `GET` or `POST`, `path` like
    /// `/api/v1/projects` (a query string allowed), `body` the JSON of a POST. The answer's JSON
    /// text, or the host's one-line error (admin's status and message, an unreachable endpoint).
    #[sabi(last_prefix_field)]
    pub admin_request: extern "C" fn(
        method: RStr<'_>,
        path: RStr<'_>,
        body: ROption<RStr<'_>>,
    ) -> RResult<RString, RString>,
    /// Since plugin ABI 1.1: `secret_requires_group` of the layers below the calling plugin (the
    /// built-in plugin's when it is the only one), or the error of the layer below that failed.
    pub try_default_secret_requires_group: extern "C" fn() -> RResult<bool, RString>,
    /// Since plugin ABI 1.1: `get_default_image` of the layers below the calling plugin (the
    /// built-in plugin's when it is the only one), or the error of the layer below that failed.
    pub try_default_get_default_image: extern "C" fn() -> RResult<ROption<RString>, RString>,
    /// Since plugin ABI 1.1: `get_auth_success_html(endpoint)` of the layers below the calling
    /// plugin (the built-in plugin's when it is the only one), or the error of the layer below that
    /// failed.
    pub try_default_get_auth_success_html:
        extern "C" fn(endpoint: RStr<'_>) -> RResult<ROption<RString>, RString>,
    /// Since plugin ABI 1.1: `get_default_cache_policies` of the layers below the calling plugin
    /// (the built-in plugin's when it is the only one), or the error of the layer below that failed.
    pub try_default_get_default_cache_policies:
        extern "C" fn() -> RResult<FfiCachePolicies, RString>,
}
