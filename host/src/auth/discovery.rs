//! Auth discovery: admin's anonymous `/.well-known/oauth-authorization-server` (the OAuth server's
//! endpoints) and `/config/v1/flyte_client` (client id, redirect URI, scopes, header key), with
//! the config's `clientId`, `scopes` and `audience` winning over admin's values.

use flyte_plugin_abi::PlatformConfig;
use serde_json::Value;

use super::AuthError;

/// What the host needs to authenticate to one admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthMetadata {
    /// The OAuth server's issuer.
    pub issuer: String,
    /// Where a browser login starts.
    pub authorization_endpoint: String,
    /// Where tokens are requested.
    pub token_endpoint: String,
    /// Where a device login starts (absent or empty: no device flow).
    pub device_authorization_endpoint: Option<String>,
    /// The client id (the config's `clientId` in ClientSecret mode, else admin's).
    pub client_id: String,
    /// The PKCE redirect URI admin announced.
    pub redirect_uri: String,
    /// The scopes to ask for (the config's when set, else admin's).
    pub scopes: Vec<String>,
    /// The header the bearer goes in (`authorization` when admin names none).
    pub authorization_metadata_key: String,
    /// The audience (the config's when set, else admin's when non-empty).
    pub audience: Option<String>,
}

impl AuthMetadata {
    /// The `scope` (the scopes, space-separated, when there are any) and `audience` (when set)
    /// fields of a token or device-authorization request.
    pub(crate) fn scope_and_audience(&self) -> Vec<(&'static str, String)> {
        let scope = Some(self.scopes.join(" ")).filter(|s| !s.is_empty());
        [("scope", scope), ("audience", self.audience.clone())]
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?)))
            .collect()
    }
}

/// String field `name` of `value`, also under its lowerCamelCase name.
fn text(value: &Value, name: &str) -> Option<String> {
    crate::wire::field(value, name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `GET url` as JSON.
fn get_json(agent: &ureq::Agent, url: &str, proxy: Option<&str>) -> Result<Value, String> {
    let mut request = agent.get(url).header("Accept", "application/json");
    if let Some(proxy) = proxy {
        request = request.header("proxy-authorization", proxy);
    }
    let mut response = match request.call() {
        Ok(response) => response,
        Err(ureq::Error::StatusCode(status)) => return Err(format!("GET {url}: HTTP {status}")),
        // Any other failure of the request itself (refused, unknown host, timeout, TLS) means
        // admin was never reached, as for admin's API (`remote::client`).
        Err(e) => {
            let reason = crate::wire::transport_reason(&e, url.starts_with("https://"));
            let elsewhere = crate::wire::ELSEWHERE;
            return Err(format!(
                "cannot reach Flyte admin at {url}: {reason}. {elsewhere}"
            ));
        }
    };
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("GET {url}: cannot read the answer: {e}"))?;
    if !(200..300).contains(&status) {
        let hint = if status == 501 {
            " (is authentication enabled on admin?)"
        } else {
            ""
        };
        return Err(format!("GET {url}: HTTP {status}{hint}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("GET {url}: not JSON ({e})"))
}

/// The auth metadata of the admin at `admin_base_url` (`http://127.0.0.1:8088`), with the
/// config's overrides from `platform`.
///
/// # Errors
///
/// Admin cannot be reached or does not announce a token endpoint.
pub(crate) fn discover(
    admin_base_url: &str,
    platform: &PlatformConfig,
    agent: &ureq::Agent,
) -> Result<AuthMetadata, AuthError> {
    let fail = |message: String| AuthError::Discovery {
        endpoint: platform.endpoint.clone(),
        message,
    };
    let base = admin_base_url.trim_end_matches('/');
    let proxy = super::proxy_header(platform)?;
    let oauth = get_json(
        agent,
        &format!("{base}/.well-known/oauth-authorization-server"),
        proxy.as_deref(),
    )
    .map_err(fail)?;
    let client = get_json(
        agent,
        &format!("{base}/config/v1/flyte_client"),
        proxy.as_deref(),
    )
    .map_err(fail)?;
    let token_endpoint = text(&oauth, "token_endpoint")
        .ok_or_else(|| fail("admin's OAuth metadata has no token_endpoint".to_owned()))?;
    let configured_scopes: Vec<String> = platform
        .scopes
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let scopes = if configured_scopes.is_empty() {
        crate::wire::field(&client, "scopes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        configured_scopes
    };
    let configured = |v: &Option<String>| super::setting(v).map(str::to_owned);
    Ok(AuthMetadata {
        issuer: text(&oauth, "issuer").unwrap_or_default(),
        authorization_endpoint: text(&oauth, "authorization_endpoint").unwrap_or_default(),
        token_endpoint,
        device_authorization_endpoint: text(&oauth, "device_authorization_endpoint"),
        // As in flytekit: browser and device logins use admin's public client; `clientId` is
        // the client-credentials id.
        client_id: configured(&platform.client_id)
            .filter(|_| platform.auth_mode == flyte_plugin_abi::AuthMode::ClientSecret)
            .or_else(|| text(&client, "client_id"))
            .unwrap_or_default(),
        redirect_uri: text(&client, "redirect_uri").unwrap_or_default(),
        scopes,
        authorization_metadata_key: text(&client, "authorization_metadata_key")
            .unwrap_or_else(|| "authorization".to_owned()),
        audience: configured(&platform.audience).or_else(|| text(&client, "audience")),
    })
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader, Write as _},
        net::TcpListener,
        thread,
    };

    use flyte_plugin_abi::AuthMode;

    use super::*;

    /// A server answering each of `bodies` (200, JSON) to one connection, in order.
    fn serve(bodies: Vec<&'static str>) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        thread::spawn(move || {
            for body in bodies {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                }
                let mut stream = reader.into_inner();
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
            }
        });
        port
    }

    #[test]
    fn admins_values_with_the_configs_overrides() {
        let oauth = r#"{"issuer":"http://i","authorization_endpoint":"http://i/auth","token_endpoint":"http://i/token","device_authorization_endpoint":""}"#;
        let client = r#"{"clientId":"flytectl","redirectUri":"http://localhost:53593/callback","scopes":["all","offline"],"authorizationMetadataKey":"flyte-authorization","audience":""}"#;
        let agent = crate::auth::agent(&PlatformConfig::default()).unwrap();
        let port = serve(vec![oauth, client]);
        let platform = PlatformConfig {
            endpoint: format!("127.0.0.1:{port}"),
            client_id: Some("propeller".into()),
            ..PlatformConfig::default()
        };
        let meta = discover(&format!("http://127.0.0.1:{port}"), &platform, &agent).unwrap();
        assert_eq!(meta.token_endpoint, "http://i/token");
        assert_eq!(meta.device_authorization_endpoint, None);
        // PKCE uses admin's public client.
        assert_eq!(meta.client_id, "flytectl");
        assert_eq!(meta.scopes, ["all", "offline"]);
        assert_eq!(meta.authorization_metadata_key, "flyte-authorization");
        assert_eq!(meta.audience, None);

        let port = serve(vec![oauth, client]);
        let platform = PlatformConfig {
            endpoint: format!("127.0.0.1:{port}"),
            auth_mode: AuthMode::ClientSecret,
            client_id: Some("propeller".into()),
            scopes: vec!["custom".into()],
            audience: Some("aud".into()),
            ..PlatformConfig::default()
        };
        let meta = discover(&format!("http://127.0.0.1:{port}"), &platform, &agent).unwrap();
        assert_eq!(meta.client_id, "propeller");
        assert_eq!(meta.scopes, ["custom"]);
        assert_eq!(meta.audience.as_deref(), Some("aud"));
    }
}
