//! Authentication to Flyte admin: discovery of the OAuth server through admin, the four flows of
//! flytectl's `authType` (Pkce, ClientSecret, ExternalCommand, DeviceFlow), the token cache, and
//! the [`Authenticator`] the admin client asks for its headers and, on a 401, for new ones.
//!
//! Tokens and secrets never appear in output, logs or errors.

pub(crate) mod cache;
pub(crate) mod client_secret;
pub(crate) mod device;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod external;
pub(crate) mod pages;
pub(crate) mod pkce;
pub(crate) mod token;

use std::{fmt, io::IsTerminal as _, sync::Mutex, time::Duration};

use flyte_plugin_abi::{AuthMode, PlatformConfig, PluginAuthenticator};
use ureq::Agent;

pub(crate) use cache::TokenCache;
pub(crate) use discovery::{discover, AuthMetadata};
pub(crate) use error::AuthError;
pub(crate) use token::{exchange, Tokens};

/// A setting of the config, trimmed; a blank one counts as not set.
fn setting(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// How long an OAuth call may take.
const OAUTH_TIMEOUT: Duration = Duration::from_secs(30);
/// A cached token expiring within this many seconds counts as expired.
const EXPIRY_MARGIN: u64 = 30;

/// The agent for the OAuth calls (discovery included): `httpProxyURL` as proxy, the admin TLS
/// settings (`caCertFilePath`, `insecureSkipVerify`), HTTP error statuses as answers.
///
/// # Errors
///
/// An unreadable `caCertFilePath` or a malformed `httpProxyURL`.
pub(crate) fn agent(platform: &PlatformConfig) -> Result<Agent, AuthError> {
    let tls = crate::wire::tls_config(platform).map_err(AuthError::Config)?;
    let proxy = match platform
        .http_proxy_url
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(url) => Some(ureq::Proxy::new(url).map_err(|e| {
            crate::redact::url_credentials(url);
            AuthError::Config(format!("httpProxyURL {url} is not a proxy URL: {e}"))
        })?),
        None => None,
    };
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(format!("flyte-host/{}", env!("CARGO_PKG_VERSION")))
        .timeout_global(Some(OAUTH_TIMEOUT))
        .tls_config(tls)
        .proxy(proxy)
        .build();
    Ok(Agent::new_with_config(config))
}

/// The `proxy-authorization` value `admin.proxyCommand` yields (`Bearer <its output>`), if set.
///
/// # Errors
///
/// The command fails.
pub(crate) fn proxy_header(platform: &PlatformConfig) -> Result<Option<String>, AuthError> {
    if platform.proxy_command.is_empty() {
        return Ok(None);
    }
    let token = external::run(&platform.proxy_command, "admin.proxyCommand")?;
    let header = format!("Bearer {token}");
    crate::redact::header(&header);
    Ok(Some(header))
}

/// Whether an interactive login may run: stdin and stderr are terminals.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The mutable state: the metadata once discovered, the current access token.
#[derive(Default)]
struct State {
    meta: Option<AuthMetadata>,
    access_token: Option<String>,
    /// `proxy-authorization` from `admin.proxyCommand`, once it ran (`Some(None)`: no command).
    proxy: Option<Option<String>>,
}

/// What an admin client needs from auth: the headers for each request and a new token on a 401.
/// What the active plugin adds to logging in, handed down by the command's context (this module
/// knows nothing of plugins): its label for its authenticator's errors, and the page a browser
/// login ends on (`get_auth_success_html`).
#[derive(Debug, Clone)]
pub(crate) struct Branding {
    /// The active plugin's label.
    pub plugin_label: String,
    /// The page shown after a successful browser login to an endpoint.
    pub success_page: fn(&str) -> String,
}

impl Branding {
    /// No plugin: the host's own page.
    #[cfg(test)]
    pub(crate) fn host() -> Branding {
        Branding {
            plugin_label: "the built-in plugin".to_owned(),
            success_page: pages::success,
        }
    }
}

pub(crate) struct Authenticator {
    platform: PlatformConfig,
    base_url: String,
    cache: TokenCache,
    /// The plugin's own token source, which replaces every flow below when present.
    plugin: Option<PluginAuthenticator>,
    /// What the active plugin adds to logging in.
    branding: Branding,
    state: Mutex<State>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("endpoint", &self.platform.endpoint)
            .field("auth_mode", &self.platform.auth_mode)
            .field("cache", &self.cache.path())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// The authenticator of the admin at `base_url` configured by `platform`; `plugin` is the
    /// token source the active plugin's remote description carries, if any.
    pub(crate) fn new(
        platform: &PlatformConfig,
        base_url: &str,
        plugin: Option<PluginAuthenticator>,
        branding: Branding,
    ) -> Authenticator {
        if let Some(secret) = setting(&platform.client_credentials_secret) {
            crate::redact::secret(secret);
        }
        if let Some(proxy) = &platform.http_proxy_url {
            crate::redact::url_credentials(proxy);
        }
        Authenticator {
            platform: platform.clone(),
            base_url: base_url.to_owned(),
            cache: TokenCache::for_endpoint(&platform.endpoint),
            plugin,
            branding,
            state: Mutex::new(State::default()),
        }
    }

    /// A token from the plugin's authenticator (its errors name the plugin).
    fn plugin_token(
        plugin: &PluginAuthenticator,
        label: &str,
        refresh: bool,
    ) -> Result<String, AuthError> {
        let token = if refresh {
            plugin.refresh()
        } else {
            plugin.get_token()
        };
        let what = if refresh { "refresh" } else { "get_token" };
        let token = token.map_err(|e| {
            AuthError::Login(format!(
                "the authenticator of plugin {label} failed in {what}: {e}"
            ))
        })?;
        crate::redact::secret(&token);
        if token.trim().is_empty() || token.chars().any(char::is_control) {
            return Err(AuthError::Login(format!(
                "the authenticator of plugin {label} returned an unusable token from {what}"
            )));
        }
        Ok(token)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The auth headers for the next request: the cached (or command-made) bearer, on
    /// `authorization` and on admin's `authorization_metadata_key` once known, and
    /// `proxy-authorization` from `admin.proxyCommand`.
    ///
    /// # Errors
    ///
    /// `admin.command` or `admin.proxyCommand` fails.
    pub(crate) fn headers(&self) -> Result<Vec<(String, String)>, AuthError> {
        let mut state = self.lock();
        if state.proxy.is_none() {
            state.proxy = Some(proxy_header(&self.platform)?);
        }
        if state.access_token.is_none() {
            if let Some(plugin) = &self.plugin {
                state.access_token = Some(Self::plugin_token(
                    plugin,
                    &self.branding.plugin_label,
                    false,
                )?);
            } else if self.platform.auth_mode == AuthMode::ExternalCommand {
                if !self.platform.command.is_empty() {
                    state.access_token =
                        Some(external::run(&self.platform.command, "admin.command")?);
                }
            } else if let Some(tokens) = self.cache.load().filter(|t| !t.expired(EXPIRY_MARGIN)) {
                state.access_token = Some(tokens.access_token);
            }
        }
        let mut headers = Vec::new();
        if let Some(token) = &state.access_token {
            let value = format!("Bearer {token}");
            crate::redact::header(&value);
            headers.push(("authorization".to_owned(), value.clone()));
            if let Some(meta) = &state.meta {
                let key = meta.authorization_metadata_key.to_ascii_lowercase();
                if key != "authorization" {
                    headers.push((key, value));
                }
            }
        }
        if let Some(Some(proxy)) = &state.proxy {
            headers.push(("proxy-authorization".to_owned(), proxy.clone()));
        }
        Ok(headers)
    }

    /// After admin answered 401: gets a new token (the cache when another process refreshed it,
    /// the refresh token, else the configured flow; PKCE only when interactive). `Ok(true)`: retry
    /// with [`Authenticator::headers`]; `Ok(false)`: no token can be had (the caller reports "not
    /// logged in").
    ///
    /// # Errors
    ///
    /// Discovery, the token request or the login failed.
    pub(crate) fn renew(&self) -> Result<bool, AuthError> {
        let mut state = self.lock();
        let failed = state.access_token.take();
        if let Some(plugin) = &self.plugin {
            state.access_token = Some(Self::plugin_token(
                plugin,
                &self.branding.plugin_label,
                true,
            )?);
            return Ok(true);
        }
        if self.platform.auth_mode == AuthMode::ExternalCommand {
            if self.platform.command.is_empty() {
                return Ok(false);
            }
            let token = external::run(&self.platform.command, "admin.command")?;
            if state.meta.is_none() {
                // Only for the header key; admin without auth discovery gets `authorization`.
                state.meta = agent(&self.platform)
                    .and_then(|agent| discover(&self.base_url, &self.platform, &agent))
                    .ok();
            }
            state.access_token = Some(token);
            return Ok(true);
        }
        let cached = self.cache.load();
        if let Some(tokens) = &cached {
            if Some(&tokens.access_token) != failed.as_ref() && !tokens.expired(EXPIRY_MARGIN) {
                state.access_token = Some(tokens.access_token.clone());
                return Ok(true);
            }
        }
        let refresh = cached.as_ref().and_then(|t| t.refresh_token.clone());
        if self.platform.auth_mode == AuthMode::Pkce && refresh.is_none() && !interactive() {
            return Ok(false);
        }
        let agent = agent(&self.platform)?;
        let meta = match &state.meta {
            Some(meta) => meta.clone(),
            None => {
                let meta = discover(&self.base_url, &self.platform, &agent)?;
                state.meta = Some(meta.clone());
                meta
            }
        };
        if let Some(refresh) = refresh {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
                ("client_id", meta.client_id.as_str()),
            ];
            let scope = meta.scopes.join(" ");
            if !scope.is_empty() {
                form.push(("scope", scope.as_str()));
            }
            if let Ok(mut tokens) = exchange(&meta, &agent, &form, None) {
                if tokens.refresh_token.is_none() {
                    tokens.refresh_token = Some(refresh.clone());
                }
                self.keep(&mut state, tokens)?;
                return Ok(true);
            }
            // A refused refresh token is worthless: forget it and log in again.
            let _ = self.cache.remove();
        }
        if self.platform.auth_mode == AuthMode::Pkce && !interactive() {
            return Ok(false);
        }
        let tokens = login(
            &meta,
            &self.platform,
            &agent,
            pkce::DEFAULT_TIMEOUT,
            &self.branding.success_page,
        )?;
        self.keep(&mut state, tokens)?;
        Ok(true)
    }

    /// After admin still answered 401: who supplied the rejected token (`authType X` of a
    /// non-interactive flow, or the plugin's authenticator), when "run `flyte-host login`" would
    /// not help.
    pub(crate) fn rejected_mode(&self) -> Option<String> {
        let state = self.lock();
        if self.plugin.is_some() {
            return Some("the active plugin's authenticator".to_owned());
        }
        (self.platform.auth_mode != AuthMode::Pkce && state.access_token.is_some())
            .then(|| format!("authType {}", self.platform.auth_mode.as_str()))
    }

    /// Caches `tokens` (only the token flows get here, never `ExternalCommand`) and uses them.
    fn keep(&self, state: &mut State, tokens: Tokens) -> Result<(), AuthError> {
        self.cache.store(&tokens)?;
        state.access_token = Some(tokens.access_token);
        Ok(())
    }
}

/// Logs in with `platform`'s `authType` (PKCE waits at most `timeout` for the browser, and shows
/// it `success_page(endpoint)` once logged in).
///
/// # Errors
///
/// The flow failed; `ExternalCommand` has no login (its command makes every token).
pub(crate) fn login(
    meta: &AuthMetadata,
    platform: &PlatformConfig,
    agent: &ureq::Agent,
    timeout: Duration,
    success_page: &dyn Fn(&str) -> String,
) -> Result<Tokens, AuthError> {
    match platform.auth_mode {
        AuthMode::ClientSecret => client_secret::login(meta, platform, agent),
        AuthMode::DeviceFlow => device::login(meta, agent),
        AuthMode::Pkce => pkce::login(meta, agent, &platform.endpoint, timeout, success_page),
        AuthMode::ExternalCommand => Err(AuthError::Login(
            "authType ExternalCommand has no login: admin.command makes every token".into(),
        )),
    }
}
