//! OAuth tokens and the token endpoint (RFC 6749 §5): one POST with a form, the answer parsed,
//! errors worded without the secret or any token.

use std::{
    fmt,
    time::{SystemTime, UNIX_EPOCH},
};

use base64::Engine;
use serde_json::Value;

use super::{discovery::AuthMetadata, AuthError};

/// The tokens a login or a refresh yields.
#[derive(Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub(crate) struct Tokens {
    /// The access token sent as `Bearer`.
    pub access_token: String,
    /// The refresh token, when the server issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires (unix seconds), when the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Now in unix seconds.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Tokens {
    /// Whether the access token is expired or expires within `margin` seconds.
    pub(crate) fn expired(&self, margin: u64) -> bool {
        self.expires_at.is_some_and(|at| at <= now() + margin)
    }
}

/// Why a token request failed: the OAuth `error` code (when the server sent one) and the whole
/// message for the user.
#[derive(Debug, Clone)]
pub(crate) struct TokenFailure {
    /// The OAuth error code (`authorization_pending`, `invalid_client`, ...).
    pub(crate) code: Option<String>,
    /// The message for the user.
    pub(crate) message: String,
}

/// Field `name` of an OAuth answer as a whole number (servers send numbers, some as strings).
pub(crate) fn json_u64(answer: &Value, name: &str) -> Option<u64> {
    answer.get(name).and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    })
}

/// `text` percent-encoded for `application/x-www-form-urlencoded` (space as `+`).
pub(crate) fn form_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Standard base64 (with padding) of `data`.
pub(crate) fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The `Authorization: Basic` value of client `id` with `secret` (both form-encoded first, RFC
/// 6749 §2.3.1).
pub(crate) fn basic_header(id: &str, secret: &str) -> String {
    let pair = format!("{}:{}", form_encode(id), form_encode(secret));
    let header = format!("Basic {}", base64(pair.as_bytes()));
    crate::redact::secret(secret);
    crate::redact::header(&header);
    header
}

/// The OAuth error of a JSON error body: `invalid_client (bad secret)`, or the body's first line.
pub(crate) fn oauth_error(status: u16, body: &str) -> TokenFailure {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let description = parsed
        .as_ref()
        .and_then(|v| v.get("error_description"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let message = match (&code, description) {
        (Some(code), Some(d)) => format!("HTTP {status}: {code} ({d})"),
        (Some(code), None) => format!("HTTP {status}: {code}"),
        _ => {
            let line = crate::text::one_line_within(body, 200);
            if line.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {line}")
            }
        }
    };
    TokenFailure { code, message }
}

/// `POST url` with `form` (and `Authorization: basic`), the answer's status and body.
pub(crate) fn post_form(
    agent: &ureq::Agent,
    url: &str,
    form: &[(&str, &str)],
    basic: Option<&str>,
) -> Result<(u16, String), String> {
    let mut request = agent
        .post(url)
        .header("Accept", "application/json")
        .header("Cache-Control", "no-cache");
    if let Some(basic) = basic {
        request = request.header("Authorization", basic);
    }
    match request.send_form(form.iter().copied()) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .read_to_string()
                .map_err(|e| format!("cannot read the answer: {e}"))?;
            Ok((status, body))
        }
        Err(ureq::Error::StatusCode(status)) => Ok((status, String::new())),
        Err(e) => Err(format!("cannot reach it: {e}")),
    }
}

/// The tokens of a successful token `body`.
fn parse_tokens(body: &str) -> Result<Tokens, String> {
    let value: Value = serde_json::from_str(body)
        .map_err(|_| "the answer is not a JSON token response".to_owned())?;
    let access_token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "the answer has no access_token".to_owned())?
        .to_owned();
    let refresh_token = value
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    crate::redact::secret(&access_token);
    if let Some(refresh) = &refresh_token {
        crate::redact::secret(refresh);
    }
    let expires_at = json_u64(&value, "expires_in").map(|secs| now() + secs);
    Ok(Tokens {
        access_token,
        refresh_token,
        expires_at,
    })
}

/// `exchange` keeping the OAuth error code (the device flow polls on `authorization_pending`).
pub(crate) fn exchange_raw(
    meta: &AuthMetadata,
    agent: &ureq::Agent,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Result<Tokens, TokenFailure> {
    let basic = basic.map(|(id, secret)| basic_header(id, secret));
    let (status, body) =
        post_form(agent, &meta.token_endpoint, form, basic.as_deref()).map_err(|message| {
            TokenFailure {
                code: None,
                message,
            }
        })?;
    if status != 200 {
        return Err(oauth_error(status, &body));
    }
    parse_tokens(&body).map_err(|message| TokenFailure {
        code: None,
        message,
    })
}

/// `POST meta.token_endpoint` with `form` (client authentication `basic`: client id and secret)
/// and the tokens it answers.
///
/// # Errors
///
/// The server cannot be reached, refuses (its OAuth error, never the secret), or answers without
/// an `access_token`.
pub(crate) fn exchange(
    meta: &AuthMetadata,
    agent: &ureq::Agent,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Result<Tokens, AuthError> {
    exchange_raw(meta, agent, form, basic).map_err(|f| AuthError::Token {
        url: meta.token_endpoint.clone(),
        message: f.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_basic() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(
            basic_header("a b", "s:é"),
            format!("Basic {}", base64(b"a+b:s%3A%C3%A9"))
        );
    }

    #[test]
    fn errors_and_tokens() {
        let f = oauth_error(
            401,
            r#"{"error":"invalid_client","error_description":"no"}"#,
        );
        assert_eq!(f.code.as_deref(), Some("invalid_client"));
        assert_eq!(f.message, "HTTP 401: invalid_client (no)");
        let t =
            parse_tokens(r#"{"access_token":"x","expires_in":600,"refresh_token":"r"}"#).unwrap();
        assert_eq!(t.access_token, "x");
        assert!(!t.expired(30));
        assert!(!format!("{t:?}").contains("\"x\""));
    }
}
