//! PKCE browser login (RFC 7636, OAuth for native apps RFC 8252), flytekit's and flytectl's
//! authType `Pkce`.
//!
//! 1. A random `code_verifier` (86 characters) and its S256 `code_challenge`, and a random `state`.
//! 2. A callback server on the redirect URI's host and port, which must be loopback (`localhost`,
//!    `127.0.0.0/8`, `[::1]`): the authorization code must never travel to another machine.
//! 3. The authorization URL opened with `$BROWSER` (or the platform's opener) and always printed, so
//!    a user without a browser on this machine can paste it.
//! 4. The callback server answers exactly one request on the redirect path: `?error=` or a `state`
//!    that is not ours gets the failure page and a clear error; a code is exchanged at the token
//!    endpoint (with `code_verifier`, `redirect_uri` and `client_id`) and the browser then gets the
//!    plugin's `get_auth_success_html(endpoint)`, or the host's own page. Then it shuts down.
//! 5. Nothing waits forever: past the timeout the login fails with a message saying so.
//!
//! The flow is here; the callback server is [`callback`], the browser opening [`browser`], the
//! failures [`PkceError`].

pub(crate) mod browser;
pub(crate) mod callback;
mod error;

use std::{io, time::Duration};

use base64::Engine;
use sha2::{Digest, Sha256};

use super::{discovery::AuthMetadata, pages, token, token::Tokens, AuthError};
use crate::wire::percent_encode;
use browser::open_browser;
use callback::{Callback, CallbackServer};
pub(crate) use error::PkceError;

/// flytectl's `pkceConfig.timeout` default: how long the login waits for the browser.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// `data` in base64url without padding (RFC 4648 §5).
fn base64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// `n` bytes from the operating system's random source.
fn random_bytes(n: usize) -> Result<Vec<u8>, PkceError> {
    let mut bytes = vec![0; n];
    getrandom::fill(&mut bytes).map_err(|e| PkceError::Random(io::Error::other(e.to_string())))?;
    Ok(bytes)
}

/// A fresh `code_verifier`: 64 random bytes in base64url, 86 characters of `[A-Za-z0-9_-]`.
///
/// # Errors
///
/// No randomness.
pub(crate) fn code_verifier() -> Result<String, PkceError> {
    Ok(base64url(&random_bytes(64)?))
}

/// The S256 `code_challenge` of `verifier`: base64url(SHA-256(verifier)) without padding.
pub(crate) fn code_challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// A fresh `state`: 32 random bytes in base64url.
///
/// # Errors
///
/// No randomness.
pub(crate) fn new_state() -> Result<String, PkceError> {
    Ok(base64url(&random_bytes(32)?))
}

/// The authorization URL of a login: flytekit's parameters (`client_id`, `response_type=code`,
/// `scope`, `redirect_uri`, `state`, `audience` when set, `code_challenge`,
/// `code_challenge_method=S256`).
pub(crate) fn authorize_url(meta: &AuthMetadata, challenge: &str, state: &str) -> String {
    let scope = meta.scopes.join(" ");
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", meta.client_id.as_str()),
        ("response_type", "code"),
    ];
    if !scope.is_empty() {
        params.push(("scope", &scope));
    }
    params.push(("redirect_uri", meta.redirect_uri.as_str()));
    params.push(("state", state));
    if let Some(audience) = meta.audience.as_deref().filter(|a| !a.is_empty()) {
        params.push(("audience", audience));
    }
    params.push(("code_challenge", challenge));
    params.push(("code_challenge_method", "S256"));
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let separator = if meta.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    format!(
        "{}{separator}{}",
        meta.authorization_endpoint,
        query.join("&")
    )
}

/// `duration` for people: `2s`, `1m30s`, `250ms`.
fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs == 0 {
        format!("{}ms", duration.as_millis())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{}m{}s", secs / 60, secs % 60)
    }
}

/// Whether `a` and `b` are equal, in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The authorization code of `callback` when it answers the login with `state`.
///
/// # Errors
///
/// `?error=`, a state that is not ours, or no code.
pub(crate) fn check_callback(callback: &Callback, state: &str) -> Result<String, PkceError> {
    if let Some(error) = callback.param("error") {
        let mut message = error.to_owned();
        for key in ["error_description", "error_hint"] {
            if let Some(more) = callback.param(key).filter(|m| !m.is_empty()) {
                message.push_str(&format!(" ({more})"));
            }
        }
        return Err(PkceError::Denied(message));
    }
    if !callback.param("state").is_some_and(|s| same(s, state)) {
        return Err(PkceError::StateMismatch);
    }
    callback
        .param("code")
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .ok_or(PkceError::MissingCode)
}

/// Runs a PKCE login to `endpoint` (the admin endpoint, named on the pages) with the OAuth server
/// `meta` describes, waiting at most `timeout` for the browser; returns the tokens.
///
/// # Errors
///
/// See [`PkceError`]; and the token endpoint's refusal.
pub(crate) fn login(
    meta: &AuthMetadata,
    agent: &ureq::Agent,
    endpoint: &str,
    timeout: Duration,
    success_page: &dyn Fn(&str) -> String,
) -> Result<Tokens, AuthError> {
    let server = CallbackServer::bind(&meta.redirect_uri)?;
    let verifier = code_verifier()?;
    let state = new_state()?;
    let url = authorize_url(meta, &code_challenge(&verifier), &state);
    crate::say!(
        "Log in to {endpoint} in your browser. If no browser opens, open this URL:\n\n    {url}\n"
    );
    if !open_browser(&url) {
        crate::say!(
            "(no browser could be started here: open the URL above on any browser of this machine)"
        );
    }
    crate::say!(
        "Waiting up to {} for the login to finish...",
        human(timeout)
    );
    let callback = server.wait(timeout)?;
    let code = match check_callback(&callback, &state) {
        Ok(code) => code,
        Err(e) => {
            callback.respond(400, &pages::failure(endpoint, &e.to_string()));
            return Err(e.into());
        }
    };
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", verifier.as_str()),
        ("redirect_uri", meta.redirect_uri.as_str()),
        ("client_id", meta.client_id.as_str()),
    ];
    match token::exchange(meta, agent, &form, None) {
        Ok(tokens) => {
            callback.respond(200, &success_page(endpoint));
            Ok(tokens)
        }
        Err(e) => {
            callback.respond(
                502,
                &pages::failure(endpoint, &format!("The token exchange failed: {e}")),
            );
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        io::{Read, Write},
        net::{TcpListener, TcpStream},
        thread,
    };

    use super::*;

    #[test]
    fn verifier_and_challenge() {
        let v = code_verifier().unwrap();
        assert_eq!(v.len(), 86);
        assert!(v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(v, code_verifier().unwrap());
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(new_state().unwrap().len(), 43);
        assert_eq!(base64url(b"foob"), "Zm9vYg");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_millis(250)), "250ms");
    }

    fn serve_and_get(query: &str) -> (Result<String, PkceError>, String) {
        let server = CallbackServer::bind("http://127.0.0.1:0/callback");
        // Port 0 is refused by parse_redirect; bind a free port first.
        assert!(server.is_err());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = CallbackServer::bind(&format!("http://127.0.0.1:{port}/callback")).unwrap();
        let query = query.to_owned();
        let client = thread::spawn(move || {
            // A connection that never sends must not hold the server up.
            let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let mut other = TcpStream::connect(("127.0.0.1", port)).unwrap();
            other
                .write_all(b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            other.read_to_string(&mut answer).unwrap();
            assert!(answer.starts_with("HTTP/1.1 404"));
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(format!("GET /callback?{query} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).unwrap();
            answer
        });
        let callback = server.wait(Duration::from_secs(10)).unwrap();
        let result = check_callback(&callback, "S");
        let page = match &result {
            Ok(_) => pages::success("e"),
            Err(e) => pages::failure("e", &e.to_string()),
        };
        callback.respond(if result.is_ok() { 200 } else { 400 }, &page);
        let answer = client.join().unwrap();
        // Exactly one request: the server is gone.
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
        (result, answer)
    }

    #[test]
    fn callback_server_outcomes() {
        let (result, answer) = serve_and_get("code=C&state=S");
        assert_eq!(result.unwrap(), "C");
        assert!(answer.starts_with("HTTP/1.1 200"));
        assert!(answer.contains("Flyte login successful"));

        let (result, answer) =
            serve_and_get("error=access_denied&error_description=no+way&state=S");
        assert!(matches!(result, Err(PkceError::Denied(ref m)) if m == "access_denied (no way)"));
        assert!(answer.starts_with("HTTP/1.1 400"));
        assert!(answer.contains("access_denied (no way)"));

        let (result, answer) = serve_and_get("code=C&state=forged");
        assert!(matches!(result, Err(PkceError::StateMismatch)));
        assert!(answer.contains("Flyte login failed"));

        let (result, _) = serve_and_get("state=S");
        assert!(matches!(result, Err(PkceError::MissingCode)));
    }

    #[test]
    fn authorize_url_has_flytekits_parameters() {
        assert_eq!(percent_encode("a b/é~"), "a%20b%2F%C3%A9~");
        let meta = AuthMetadata {
            issuer: "http://i".into(),
            authorization_endpoint: "http://i/auth".into(),
            token_endpoint: "http://i/token".into(),
            device_authorization_endpoint: None,
            client_id: "flytectl".into(),
            redirect_uri: "http://localhost:53593/callback".into(),
            scopes: vec!["openid".into(), "all".into()],
            authorization_metadata_key: "flyte-authorization".into(),
            audience: Some("aud".into()),
        };
        assert_eq!(
            authorize_url(&meta, "CH", "ST"),
            "http://i/auth?client_id=flytectl&response_type=code&scope=openid%20all\
             &redirect_uri=http%3A%2F%2Flocalhost%3A53593%2Fcallback&state=ST&audience=aud\
             &code_challenge=CH&code_challenge_method=S256"
        );
    }
}
