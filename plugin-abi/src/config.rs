//! flytekit's `Config`, `PlatformConfig` and the remote description `get_remote` returns.

use std::{fmt, str::FromStr};

use abi_stable::std_types::{ROption, RString, RVec};

use crate::{
    auth::{Authenticator, PluginAuthenticator},
    ffi::{FfiConfig, FfiPlatformConfig, FfiRemote, KeyValue},
    host,
    plugin::PluginError,
};

/// How the host authenticates to Flyte admin, in flytectl's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Browser login with PKCE (flytekit `standard`). flytekit's default.
    #[default]
    Pkce,
    /// OAuth client credentials (flytekit `basic`, `client_credentials`).
    ClientSecret,
    /// A command prints the token (flytekit `external_process`).
    ExternalCommand,
    /// OAuth device authorization flow.
    DeviceFlow,
}

impl AuthMode {
    /// The flytectl spelling: `Pkce`, `ClientSecret`, `ExternalCommand` or `DeviceFlow`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Pkce => "Pkce",
            AuthMode::ClientSecret => "ClientSecret",
            AuthMode::ExternalCommand => "ExternalCommand",
            AuthMode::DeviceFlow => "DeviceFlow",
        }
    }
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMode {
    type Err = PluginError;

    /// Accepts flytectl's names and flytekit's legacy ones, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pkce" | "standard" => Ok(AuthMode::Pkce),
            "clientsecret" | "basic" | "client_credentials" | "clientcredentials" => {
                Ok(AuthMode::ClientSecret)
            }
            "externalcommand" | "external_process" | "externalprocess" => {
                Ok(AuthMode::ExternalCommand)
            }
            "deviceflow" | "device_flow" => Ok(AuthMode::DeviceFlow),
            _ => Err(PluginError::new(format!(
                "unknown auth mode '{s}': expected Pkce, ClientSecret, ExternalCommand or DeviceFlow \
                 (or flytekit's standard, basic, client_credentials, external_process)"
            ))),
        }
    }
}

/// flytekit's `PlatformConfig`: how to reach and authenticate to Flyte admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformConfig {
    /// `host:port` or URL of Flyte admin (`dns:///` already stripped).
    pub endpoint: String,
    /// Plain HTTP instead of TLS.
    pub insecure: bool,
    /// TLS without certificate verification.
    pub insecure_skip_verify: bool,
    /// Extra CA bundle for admin and identity-provider TLS.
    pub ca_cert_file_path: Option<String>,
    /// Base URL of the Flyte console.
    pub console_endpoint: Option<String>,
    /// External command whose output is the access token.
    pub command: Vec<String>,
    /// External command whose output goes in `proxy-authorization`.
    pub proxy_command: Vec<String>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// OAuth client secret. Never print it.
    pub client_credentials_secret: Option<String>,
    /// OAuth scopes.
    pub scopes: Vec<String>,
    /// Authentication mode.
    pub auth_mode: AuthMode,
    /// OAuth audience.
    pub audience: Option<String>,
    /// Retries for idempotent admin calls.
    pub rpc_retries: u32,
    /// HTTP proxy for OAuth calls.
    pub http_proxy_url: Option<String>,
}

impl Default for PlatformConfig {
    /// flytekit's `PlatformConfig()` defaults.
    fn default() -> Self {
        PlatformConfig {
            endpoint: "localhost:30080".into(),
            insecure: false,
            insecure_skip_verify: false,
            ca_cert_file_path: None,
            console_endpoint: None,
            command: Vec::new(),
            proxy_command: Vec::new(),
            client_id: None,
            client_credentials_secret: None,
            scopes: Vec::new(),
            auth_mode: AuthMode::Pkce,
            audience: None,
            rpc_retries: 3,
            http_proxy_url: None,
        }
    }
}

/// Where a [`Config`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// A config file (see [`Config::config_file`]), with `FLYTE_*` overrides.
    ConfigFile,
    /// `FLYTE_*` environment variables only.
    Env,
    /// `Config::for_endpoint`.
    Endpoint,
    /// `Config::for_sandbox`.
    Sandbox,
}

impl ConfigOrigin {
    /// `config-file`, `env`, `endpoint` or `sandbox`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigOrigin::ConfigFile => "config-file",
            ConfigOrigin::Env => "env",
            ConfigOrigin::Endpoint => "endpoint",
            ConfigOrigin::Sandbox => "sandbox",
        }
    }

    fn parse(s: &str) -> Result<Self, PluginError> {
        match s {
            "config-file" => Ok(ConfigOrigin::ConfigFile),
            "env" => Ok(ConfigOrigin::Env),
            "endpoint" => Ok(ConfigOrigin::Endpoint),
            "sandbox" => Ok(ConfigOrigin::Sandbox),
            other => Err(PluginError::new(format!("unknown config origin '{other}'"))),
        }
    }
}

/// flytekit's `Config`, as far as connecting to Flyte admin goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The platform settings.
    pub platform: PlatformConfig,
    /// The config file that was read, if any.
    pub config_file: Option<String>,
    /// How the settings were found.
    pub origin: ConfigOrigin,
}

impl Config {
    /// flytekit `Config.auto(config_file)`: the named file, or the config file search order when
    /// `None`, then `FLYTE_*` environment overrides. Computed by the host.
    pub fn auto(config_file: Option<&str>) -> Result<Config, PluginError> {
        host::config_auto(config_file)
    }

    /// flytekit `Config.for_endpoint(endpoint)`: this endpoint (insecure when it starts with
    /// `http://`), other settings from `Config.auto()`. Computed by the host.
    pub fn for_endpoint(endpoint: &str) -> Result<Config, PluginError> {
        Config::for_endpoint_insecure(endpoint, endpoint.starts_with("http://"))
    }

    /// flytekit `Config.for_endpoint(endpoint, insecure)`, for a bare `host:port` that is plain
    /// HTTP (`insecure = true`) or TLS.
    pub fn for_endpoint_insecure(endpoint: &str, insecure: bool) -> Result<Config, PluginError> {
        host::config_for_endpoint(endpoint, insecure)
    }

    /// flytekit `Config.for_sandbox()`: `localhost:30080`, insecure, PKCE. Computed by the host.
    pub fn for_sandbox() -> Result<Config, PluginError> {
        host::config_for_sandbox()
    }
}

/// The remote description `get_remote` returns (flytekit's `FlyteRemote(config, default_project,
/// default_domain, data_upload_location)`): the host builds its admin client from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// How to reach Flyte admin.
    pub config: Config,
    /// Default project for remote commands.
    pub project: String,
    /// Default domain for remote commands.
    pub domain: String,
    /// Where data is uploaded, if set.
    pub data_upload_location: Option<String>,
    /// Headers sent on every admin request, e.g. an organization header.
    pub headers: Vec<(String, String)>,
    /// The plugin's own token source, if it replaces the host's login flows.
    pub authenticator: Option<PluginAuthenticator>,
}

impl Remote {
    /// flytekit's `FlyteRemote(config, default_project=project, default_domain=domain,
    /// data_upload_location=data_upload_location)`.
    pub fn new(
        config: Config,
        project: &str,
        domain: &str,
        data_upload_location: Option<&str>,
    ) -> Remote {
        Remote {
            config,
            project: project.to_owned(),
            domain: domain.to_owned(),
            data_upload_location: data_upload_location.map(str::to_owned),
            headers: Vec::new(),
            authenticator: None,
        }
    }

    /// Makes `authenticator` the source of the access tokens sent to Flyte admin, instead of the
    /// host's login flows (flytekit's custom `AuthType` / `AuthClient`).
    pub fn with_authenticator(mut self, authenticator: impl Authenticator) -> Remote {
        self.authenticator = Some(PluginAuthenticator::new(authenticator));
        self
    }

    /// Adds a header sent on every admin request.
    pub fn with_header(mut self, name: &str, value: &str) -> Remote {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

fn ropt(value: &Option<String>) -> ROption<RString> {
    value.as_deref().map(RString::from).into()
}

fn opt(value: ROption<RString>) -> Option<String> {
    value.into_option().map(String::from)
}

fn rvec(values: &[String]) -> RVec<RString> {
    values.iter().map(|v| RString::from(v.as_str())).collect()
}

fn vec(values: RVec<RString>) -> Vec<String> {
    values.into_iter().map(String::from).collect()
}

impl From<&PlatformConfig> for FfiPlatformConfig {
    fn from(p: &PlatformConfig) -> Self {
        FfiPlatformConfig {
            endpoint: p.endpoint.as_str().into(),
            insecure: p.insecure,
            insecure_skip_verify: p.insecure_skip_verify,
            ca_cert_file_path: ropt(&p.ca_cert_file_path),
            console_endpoint: ropt(&p.console_endpoint),
            command: rvec(&p.command),
            proxy_command: rvec(&p.proxy_command),
            client_id: ropt(&p.client_id),
            client_credentials_secret: ropt(&p.client_credentials_secret),
            scopes: rvec(&p.scopes),
            auth_mode: p.auth_mode.as_str().into(),
            audience: ropt(&p.audience),
            rpc_retries: p.rpc_retries,
            http_proxy_url: ropt(&p.http_proxy_url),
        }
    }
}

impl TryFrom<FfiPlatformConfig> for PlatformConfig {
    type Error = PluginError;

    fn try_from(p: FfiPlatformConfig) -> Result<Self, PluginError> {
        Ok(PlatformConfig {
            endpoint: p.endpoint.into(),
            insecure: p.insecure,
            insecure_skip_verify: p.insecure_skip_verify,
            ca_cert_file_path: opt(p.ca_cert_file_path),
            console_endpoint: opt(p.console_endpoint),
            command: vec(p.command),
            proxy_command: vec(p.proxy_command),
            client_id: opt(p.client_id),
            client_credentials_secret: opt(p.client_credentials_secret),
            scopes: vec(p.scopes),
            auth_mode: p.auth_mode.parse()?,
            audience: opt(p.audience),
            rpc_retries: p.rpc_retries,
            http_proxy_url: opt(p.http_proxy_url),
        })
    }
}

impl From<&Config> for FfiConfig {
    fn from(c: &Config) -> Self {
        FfiConfig {
            platform: (&c.platform).into(),
            config_file: ropt(&c.config_file),
            origin: c.origin.as_str().into(),
        }
    }
}

impl TryFrom<FfiConfig> for Config {
    type Error = PluginError;

    fn try_from(c: FfiConfig) -> Result<Self, PluginError> {
        Ok(Config {
            platform: c.platform.try_into()?,
            config_file: opt(c.config_file),
            origin: ConfigOrigin::parse(&c.origin)?,
        })
    }
}

impl From<&Remote> for FfiRemote {
    fn from(r: &Remote) -> Self {
        FfiRemote {
            config: (&r.config).into(),
            project: r.project.as_str().into(),
            domain: r.domain.as_str().into(),
            data_upload_location: ropt(&r.data_upload_location),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| KeyValue {
                    key: k.as_str().into(),
                    value: v.as_str().into(),
                })
                .collect(),
            authenticator: r
                .authenticator
                .as_ref()
                .map(PluginAuthenticator::export)
                .into(),
        }
    }
}

impl TryFrom<FfiRemote> for Remote {
    type Error = PluginError;

    fn try_from(r: FfiRemote) -> Result<Self, PluginError> {
        Ok(Remote {
            config: r.config.try_into()?,
            project: r.project.into(),
            domain: r.domain.into(),
            data_upload_location: opt(r.data_upload_location),
            headers: r
                .headers
                .into_iter()
                .map(|kv| (kv.key.into(), kv.value.into()))
                .collect(),
            authenticator: r
                .authenticator
                .into_option()
                .map(PluginAuthenticator::import),
        })
    }
}
