//! The admin client: one `ureq::Agent` per remote, the base URL, the remote's extra headers and
//! where its endpoint came from. Sending (retries, a new token after a 401) is [`transport`];
//! turning answers and failures into errors worded for the user is [`errors`].

mod errors;
mod transport;

use std::time::Duration;

use flyte_plugin_abi::{ConfigOrigin, Remote};
use ureq::Agent;

use super::error::RemoteError;
use crate::{
    auth::{Authenticator, Branding},
    wire::{endpoint_parts, percent_encode, tls_config},
};
pub(crate) use transport::Reply;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A client of one Flyte admin, built from the remote description `get_remote` returned.
#[derive(Debug)]
pub(crate) struct AdminClient {
    agent: Agent,
    base_url: String,
    endpoint: String,
    origin: String,
    console_base: String,
    headers: Vec<(String, String)>,
    auth: Authenticator,
    rpc_retries: u32,
    project: String,
    domain: String,
}

/// The HTTP base URL of admin endpoint `endpoint`: `dns:///` dropped, a scheme it carries kept,
/// else `http://` when `insecure` and `https://` otherwise; no trailing `/`.
pub(crate) fn base_url(endpoint: &str, insecure: bool) -> String {
    let (scheme, address) = endpoint_parts(endpoint);
    let scheme = scheme.unwrap_or(if insecure { "http" } else { "https" });
    format!("{scheme}://{address}")
}

/// How the requests to `platform`'s admin travel, in a word for people: `TLS`, or `insecure`
/// (plain HTTP: `insecure`, or an `http://` endpoint whatever `insecure` says).
pub(crate) fn transport_word(platform: &flyte_plugin_abi::PlatformConfig) -> &'static str {
    if base_url(&platform.endpoint, platform.insecure).starts_with("https://") {
        "TLS"
    } else {
        "insecure"
    }
}

/// Where the remote's endpoint came from, for error messages: `from config file /x/config.yaml;
/// get_remote of plugin myorg`.
pub(crate) fn describe_origin(remote: &Remote, plugin: &str, plugin_overrides: bool) -> String {
    let config = &remote.config;
    let place = match config.origin {
        ConfigOrigin::ConfigFile => match &config.config_file {
            Some(file) => format!("from config file {file}"),
            None => "from a config file".to_owned(),
        },
        // The built-in get_remote's config from the environment: FLYTE_API_KEY when set, with
        // its client credentials, else FLYTE_PLATFORM_URL.
        ConfigOrigin::Env
            if config.platform.client_id.is_some()
                && std::env::var_os("FLYTE_API_KEY").is_some_and(|v| !v.is_empty()) =>
        {
            "from FLYTE_API_KEY".to_owned()
        }
        ConfigOrigin::Env => "from FLYTE_PLATFORM_URL".to_owned(),
        ConfigOrigin::Endpoint => "set by get_remote".to_owned(),
        ConfigOrigin::Sandbox => {
            "the sandbox default: no config file found and FLYTE_PLATFORM_URL unset".to_owned()
        }
    };
    let hook = if plugin_overrides {
        format!("get_remote of plugin {plugin}")
    } else {
        "built-in get_remote".to_owned()
    };
    format!("{place}; {hook}")
}

/// Admin's API path `/api/v1/<resource>/<segment>/…`, each segment percent-encoded.
pub(crate) fn api_path(resource: &str, segments: &[&str]) -> String {
    let mut path = format!("/api/v1/{resource}");
    for segment in segments {
        path.push('/');
        path.push_str(&percent_encode(segment));
    }
    path
}

/// Whether a header named `name` carries a credential (an API key, a token, a cookie): its value
/// is redacted from everything printed.
fn carries_credentials(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "auth",
        "token",
        "key",
        "secret",
        "cookie",
        "password",
        "credential",
        "session",
    ]
    .iter()
    .any(|word| name.contains(word))
}

impl AdminClient {
    /// A client for `remote`; `origin` says where its endpoint came from (see [`describe_origin`]).
    ///
    /// # Errors
    ///
    /// An unreadable `caCertFilePath`.
    pub(crate) fn new(
        remote: &Remote,
        origin: String,
        branding: Branding,
    ) -> Result<AdminClient, RemoteError> {
        let platform = &remote.config.platform;
        let setup_error = |message: String| RemoteError::Setup {
            endpoint: platform.endpoint.clone(),
            origin: origin.clone(),
            message,
        };
        let tls = tls_config(platform).map_err(setup_error)?;
        // `http_proxy_url` is, as in flytekit and flytectl, for the OAuth calls only; admin
        // requests go through the standard proxy variables (HTTPS_PROXY, ALL_PROXY), as gRPC does.
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .accept("application/json")
            .user_agent(format!("flyte-host/{}", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .tls_config(tls)
            .build();
        let base_url = base_url(&platform.endpoint, platform.insecure);
        let console_base = platform
            .console_endpoint
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map_or_else(|| base_url.clone(), |c| c.trim_end_matches('/').to_owned());
        let auth = Authenticator::new(platform, &base_url, remote.authenticator.clone(), branding);
        for (name, value) in &remote.headers {
            if carries_credentials(name) {
                crate::redact::header(value);
            }
        }
        // Admin requests go through the standard proxy variables: their credentials are secrets.
        for variable in [
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
        ] {
            if let Ok(proxy) = std::env::var(variable) {
                crate::redact::url_credentials(&proxy);
            }
        }
        Ok(AdminClient {
            agent: Agent::new_with_config(config),
            auth,
            base_url,
            endpoint: platform.endpoint.clone(),
            origin,
            console_base,
            headers: remote.headers.clone(),
            rpc_retries: platform.rpc_retries,
            project: remote.project.clone(),
            domain: remote.domain.clone(),
        })
    }

    /// The endpoint as configured.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The remote's default project.
    pub(crate) fn project(&self) -> &str {
        &self.project
    }

    /// The remote's default domain.
    pub(crate) fn domain(&self) -> &str {
        &self.domain
    }

    /// flytekit's console link of execution `name`.
    pub(crate) fn console_url(&self, project: &str, domain: &str, name: &str) -> String {
        format!(
            "{}/console/projects/{project}/domains/{domain}/executions/{name}",
            self.console_base
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url("127.0.0.1:8088", true),
            "http://127.0.0.1:8088".to_owned()
        );
        assert_eq!(
            base_url("dns:///flyte.example.com", false),
            "https://flyte.example.com"
        );
        assert_eq!(
            base_url("https://flyte.prod.myorg.com/", true),
            "https://flyte.prod.myorg.com"
        );
        assert_eq!(
            base_url("http://localhost:30080", false),
            "http://localhost:30080"
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(percent_encode("etl.clean"), "etl.clean");
        assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
    }
}
