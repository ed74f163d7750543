//! The device authorization flow (RFC 8628): ask for a user code, show it with the verification
//! URL on stderr, poll the token endpoint every `interval` (5 s when omitted, +5 s on
//! `slow_down`) until the user confirms or the code expires.

use std::{thread, time::Duration};

use serde_json::Value;

use super::{discovery::AuthMetadata, token, AuthError, Tokens};

/// The poll interval when the server names none (flytectl's `deviceFlowConfig.pollInterval`).
const DEFAULT_INTERVAL: u64 = 5;
/// How long a login may take when the server names no expiry (flytectl's default timeout).
const DEFAULT_EXPIRES: u64 = 600;

/// Why a device login ends when its code expired.
const EXPIRED: &str =
    "the device login code expired before it was confirmed: run the command again";

/// Logs in with the device flow.
///
/// # Errors
///
/// The server offers no device flow, refuses, the user denies, or the code expires.
pub(crate) fn login(meta: &AuthMetadata, agent: &ureq::Agent) -> Result<Tokens, AuthError> {
    let Some(url) = meta
        .device_authorization_endpoint
        .as_deref()
        .filter(|u| !u.is_empty())
    else {
        return Err(AuthError::Login(
            "authType DeviceFlow: the OAuth server announces no device_authorization_endpoint"
                .to_owned(),
        ));
    };
    let extra = meta.scope_and_audience();
    let mut form = vec![("client_id", meta.client_id.as_str())];
    form.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    let (status, body) = token::post_form(agent, url, &form, None)
        .map_err(|m| AuthError::Login(format!("device login at {url}: {m}")))?;
    let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if status != 200 {
        let failure = token::oauth_error(status, &body);
        return Err(AuthError::Login(format!(
            "device login at {url}: {}",
            failure.message
        )));
    }
    let get = |name: &str| answer.get(name).and_then(Value::as_str).map(str::to_owned);
    let number = |name: &str| token::json_u64(&answer, name);
    let (Some(device_code), Some(user_code), Some(verification_uri)) = (
        get("device_code"),
        get("user_code"),
        get("verification_uri"),
    ) else {
        return Err(AuthError::Login(format!(
            "device login at {url}: the answer lacks device_code, user_code or verification_uri"
        )));
    };
    let complete = get("verification_uri_complete");
    let mut interval = number("interval").unwrap_or(DEFAULT_INTERVAL).max(1);
    let expires = number("expires_in").unwrap_or(DEFAULT_EXPIRES);
    crate::say!("To log in, open {verification_uri} and enter the code {user_code}");
    if let Some(complete) = complete {
        crate::say!("(or open {complete})");
    }
    let deadline = token::now() + expires;
    let mut form = vec![
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", meta.client_id.as_str()),
        ("device_code", device_code.as_str()),
    ];
    if let Some(audience) = &meta.audience {
        form.push(("audience", audience.as_str()));
    }
    loop {
        thread::sleep(Duration::from_secs(interval));
        match token::exchange_raw(meta, agent, &form, None) {
            Ok(tokens) => return Ok(tokens),
            Err(f) if f.code.as_deref() == Some("authorization_pending") => {}
            Err(f) if f.code.as_deref() == Some("slow_down") => interval += 5,
            Err(f) if f.code.as_deref() == Some("expired_token") => {
                return Err(AuthError::Login(EXPIRED.to_owned()))
            }
            Err(f) if f.code.as_deref() == Some("access_denied") => {
                return Err(AuthError::Login("the device login was denied".to_owned()))
            }
            Err(f) => {
                return Err(AuthError::Token {
                    url: meta.token_endpoint.clone(),
                    message: f.message,
                })
            }
        }
        if token::now() >= deadline {
            return Err(AuthError::Login(EXPIRED.to_owned()));
        }
    }
}
