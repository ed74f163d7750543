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

use std::{
    io::{self, Read, Write},
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream},
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use base64::Engine;
use sha2::{Digest, Sha256};

use super::{discovery::AuthMetadata, pages, token, token::Tokens, AuthError};
use crate::wire::percent_encode;

/// flytectl's `pkceConfig.timeout` default: how long the login waits for the browser.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long the callback server waits for a connected browser to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head the callback server reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// How a PKCE login fails. No variant carries a token, the code or the verifier.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PkceError {
    /// The redirect URI points off this machine.
    #[error(
        "the redirect URI {uri} is not on this machine: the login's callback server only listens \
         on loopback (localhost, 127.0.0.1 or [::1]), so the authorization code never leaves it"
    )]
    NotLoopback {
        /// The redirect URI.
        uri: String,
    },
    /// The redirect URI is not an `http://host:port/path` URL.
    #[error("the redirect URI '{uri}' cannot be served: {reason}")]
    BadRedirect {
        /// The redirect URI.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The callback port is taken or not allowed.
    #[error(
        "cannot listen for the login callback on {addr}: {source} (is another login running?)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The browser never came back in time.
    #[error(
        "the login timed out after {waited}: the browser never came back to {redirect}. Open the \
         URL printed above in a browser, or give it more time with `flyte-host login --timeout SECONDS`"
    )]
    Timeout {
        /// How long it waited.
        waited: String,
        /// The redirect URI.
        redirect: String,
    },
    /// The OAuth server redirected with `?error=`.
    #[error("the OAuth server refused the login: {0}")]
    Denied(String),
    /// The callback's `state` is not the one this login sent.
    #[error(
        "the login callback's state does not match the one this login sent (a stale browser tab \
         or a forged request): the login was rejected"
    )]
    StateMismatch,
    /// The callback has neither `code` nor `error`.
    #[error("the login callback carries no authorization code")]
    MissingCode,
    /// No randomness.
    #[error("cannot generate random values for the login: {0}")]
    Random(io::Error),
    /// The callback server failed.
    #[error("the login callback server failed: {0}")]
    Io(io::Error),
}

impl From<PkceError> for AuthError {
    fn from(error: PkceError) -> Self {
        AuthError::Login(error.to_string())
    }
}

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

/// The pairs of a query string (`application/x-www-form-urlencoded`: `+` is a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
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

/// Where the callback server listens, from the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// The addresses to listen on (the first must bind; `localhost` also tries `[::1]`).
    pub addrs: Vec<SocketAddr>,
    /// The path the callback arrives on (`/callback`).
    pub path: String,
}

/// Parses `uri` as an `http://` URL on a loopback host.
///
/// # Errors
///
/// Not `http://host[:port]/path`, or a host that is not loopback.
pub(crate) fn parse_redirect(uri: &str) -> Result<Redirect, PkceError> {
    let bad = |reason: &str| PkceError::BadRedirect {
        uri: uri.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = if let Some(rest) = uri.strip_prefix("http://") {
        rest
    } else if uri.starts_with("https://") {
        return Err(bad(
            "it is https://, but the callback server on this machine speaks plain http:// on \
             loopback (RFC 8252 §7.3)",
        ));
    } else {
        return Err(bad("it is not an http:// URL"));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let path = tail.split(['?', '#']).next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path }.to_owned();
    if authority.contains('@') {
        return Err(bad("it has user information"));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| bad("an IPv6 host lacks its closing ']'"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    let port = match port {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad(&format!("'{p}' is not a port")))?,
    };
    let addrs = if host.eq_ignore_ascii_case("localhost") {
        vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
        ]
    } else {
        match host.parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => vec![SocketAddr::new(ip, port)],
            _ => {
                return Err(PkceError::NotLoopback {
                    uri: uri.to_owned(),
                })
            }
        }
    };
    Ok(Redirect { addrs, path })
}

/// The callback request: its query pairs and the connection to answer on.
#[derive(Debug)]
pub(crate) struct Callback {
    /// The query of the callback URL.
    pub params: Vec<(String, String)>,
    stream: TcpStream,
}

impl Callback {
    /// The first value of parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Answers the browser with `status` and the HTML `page`, then closes the connection.
    pub(crate) fn respond(mut self, status: u16, page: &str) {
        let _ = write_page(&mut self.stream, status, page);
    }
}

/// Writes an HTML answer (no caching, no referrer: the callback URL holds the code).
fn write_page(stream: &mut TcpStream, status: u16, page: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Bad Gateway",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        page.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(page.as_bytes())?;
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}

/// The loopback server the browser is redirected to.
#[derive(Debug)]
pub(crate) struct CallbackServer {
    listeners: Vec<TcpListener>,
    path: String,
    redirect_uri: String,
}

impl CallbackServer {
    /// Listens on the host and port of `redirect_uri` (loopback only).
    ///
    /// # Errors
    ///
    /// A redirect URI off this machine or malformed, or a port that cannot be bound.
    pub(crate) fn bind(redirect_uri: &str) -> Result<CallbackServer, PkceError> {
        let redirect = parse_redirect(redirect_uri)?;
        let mut listeners = Vec::new();
        for (i, addr) in redirect.addrs.iter().enumerate() {
            match TcpListener::bind(addr) {
                Ok(listener) => {
                    listener.set_nonblocking(true).map_err(PkceError::Io)?;
                    listeners.push(listener);
                }
                // `localhost` also tries [::1]: fine when this machine has no IPv6 loopback.
                Err(source) if i == 0 => {
                    return Err(PkceError::Bind {
                        addr: *addr,
                        source,
                    })
                }
                Err(_) => {}
            }
        }
        Ok(CallbackServer {
            listeners,
            path: redirect.path,
            redirect_uri: redirect_uri.to_owned(),
        })
    }

    /// The addresses it listens on.
    #[cfg(test)]
    pub(crate) fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Waits until `deadline` for the one request on the callback path. Other paths get a 404
    /// and do not count; a connection that sends nothing does not hold the server up.
    ///
    /// # Errors
    ///
    /// The deadline passed, or the listening socket failed.
    pub(crate) fn wait(self, timeout: Duration) -> Result<Callback, PkceError> {
        let deadline = Instant::now() + timeout;
        let (tx, rx) = mpsc::channel();
        loop {
            for listener in &self.listeners {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let tx = tx.clone();
                        let path = self.path.clone();
                        thread::spawn(move || {
                            if let Some(callback) = read_callback(stream, &path) {
                                let _ = tx.send(callback);
                            }
                        });
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock
                                | io::ErrorKind::Interrupted
                                | io::ErrorKind::ConnectionAborted
                                | io::ErrorKind::ConnectionReset
                        ) => {}
                    Err(e) => return Err(PkceError::Io(e)),
                }
            }
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(callback) => return Ok(callback),
                Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {}
            }
            if Instant::now() >= deadline {
                return Err(PkceError::Timeout {
                    waited: human(timeout),
                    redirect: self.redirect_uri.clone(),
                });
            }
        }
    }
}

/// Reads one request from `stream`: the callback when it is `GET <path>?…`; anything else is
/// answered (404/405) or dropped here.
fn read_callback(mut stream: TcpStream, path: &str) -> Option<Callback> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(REQUEST_READ_TIMEOUT)).ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next()?.split_whitespace();
    let (method, target) = (words.next()?, words.next()?);
    let (target_path, query) = target.split_once('?').unwrap_or((target, ""));
    if target_path != path {
        let _ = write_page(
            &mut stream,
            404,
            "<!DOCTYPE html><title>Not Found</title>Not Found",
        );
        return None;
    }
    if method != "GET" {
        let _ = write_page(
            &mut stream,
            405,
            "<!DOCTYPE html><title>Method Not Allowed</title>Method Not Allowed",
        );
        return None;
    }
    Some(Callback {
        params: parse_query(query.split('#').next().unwrap_or("")),
        stream,
    })
}

/// `duration` for people: `2s`, `1m30s`, `250ms`.
fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs == 0 {
        format!("{}ms", duration.as_millis())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs % 60 == 0 {
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

/// Splits a `$BROWSER` entry into program and arguments, `%s` replaced by (or the URL added as
/// the last argument).
fn browser_command(entry: &str, url: &str) -> Option<(String, Vec<String>)> {
    let mut words = entry.split_whitespace().map(str::to_owned);
    let program = words.next()?;
    let mut args: Vec<String> = words.collect();
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_owned());
    }
    Some((program, args))
}

/// Starts `program args` in the background (its stderr shown when `quiet` is false); whether it
/// started.
fn spawn(program: &str, args: &[String], quiet: bool) -> bool {
    let stderr = if quiet {
        Stdio::null()
    } else {
        Stdio::inherit()
    };
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
    {
        Ok(mut child) => {
            thread::spawn(move || {
                let _ = child.wait();
            });
            true
        }
        Err(_) => false,
    }
}

/// Opens `url` with `$BROWSER` (a list of commands separated like `PATH`, `%s` for the URL), else
/// the platform's opener. Never fails: the URL is printed anyway.
pub(crate) fn open_browser(url: &str) -> bool {
    if let Some(browser) = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        let separator = if cfg!(windows) { ';' } else { ':' };
        return browser
            .split(separator)
            .filter_map(|entry| browser_command(entry, url))
            .any(|(program, args)| spawn(&program, &args, false));
    }
    let (program, args): (&str, Vec<String>) = if cfg!(target_os = "macos") {
        ("open", vec![url.to_owned()])
    } else if cfg!(windows) {
        (
            "rundll32",
            vec!["url.dll,FileProtocolHandler".to_owned(), url.to_owned()],
        )
    } else {
        ("xdg-open", vec![url.to_owned()])
    };
    // xdg-open lists every opener it tries and fails on a headless machine: the URL is printed.
    spawn(program, &args, true)
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
    fn redirects() {
        let r = parse_redirect("http://localhost:53593/callback").unwrap();
        assert_eq!(r.path, "/callback");
        assert_eq!(r.addrs[0], "127.0.0.1:53593".parse().unwrap());
        let r = parse_redirect("http://[::1]:8/cb?x=1").unwrap();
        assert_eq!(r.addrs, vec!["[::1]:8".parse().unwrap()]);
        assert_eq!(r.path, "/cb");
        assert_eq!(
            parse_redirect("http://127.0.0.2").unwrap().addrs[0].port(),
            80
        );
        for off in [
            "http://example.com:53593/callback",
            "http://10.0.0.1:53593/callback",
            "http://0.0.0.0:53593/callback",
        ] {
            assert!(matches!(
                parse_redirect(off),
                Err(PkceError::NotLoopback { .. })
            ));
        }
        for bad in [
            "https://localhost:1/cb",
            "ftp://localhost/",
            "http://localhost:x/",
            "http://u@localhost:1/",
        ] {
            assert!(matches!(
                parse_redirect(bad),
                Err(PkceError::BadRedirect { .. })
            ));
        }
    }

    #[test]
    fn queries() {
        assert_eq!(percent_encode("a b/é~"), "a%20b%2F%C3%A9~");
        assert_eq!(
            parse_query("code=a%2Bb+c&state=x&e"),
            vec![
                ("code".into(), "a+b c".into()),
                ("state".into(), "x".into()),
                ("e".into(), String::new())
            ]
        );
        assert_eq!(parse_query("a=%zz%4"), vec![("a".into(), "%zz%4".into())]);
    }

    #[test]
    fn browser_commands() {
        assert_eq!(
            browser_command("firefox --new-tab", "http://u"),
            Some((
                "firefox".into(),
                vec!["--new-tab".into(), "http://u".into()]
            ))
        );
        assert_eq!(
            browser_command("b %s x", "U"),
            Some(("b".into(), vec!["U".into(), "x".into()]))
        );
        assert_eq!(browser_command("  ", "U"), None);
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

    #[test]
    fn listens_on_loopback_only() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = CallbackServer::bind(&format!("http://localhost:{port}/callback")).unwrap();
        let addrs = server.local_addrs();
        assert!(!addrs.is_empty());
        assert!(addrs
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == port));
    }

    #[test]
    fn times_out() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = CallbackServer::bind(&format!("http://localhost:{port}/cb")).unwrap();
        let start = Instant::now();
        let err = server.wait(Duration::from_millis(300)).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(err.to_string().contains("timed out after 300ms"), "{err}");
    }
}
