//! The HTTP side of the admin client: one `ureq::Agent` per remote, the base URL, the remote's
//! extra headers on every request, retries for idempotent reads, and errors worded for the user.

use std::{io::ErrorKind, thread, time::Duration};

use flyte_plugin_abi::{ConfigOrigin, Remote};
use serde_json::Value;
use ureq::Agent;

use super::error::{grpc_code_name, RemoteError};
use crate::{
    auth::{Authenticator, Branding},
    text::one_line,
    wire::{endpoint_parts, percent_encode, tls_config, transport_reason},
};

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The first pause before retrying a read; doubled each time up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(3);

/// A finished HTTP exchange: the status and the body text.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response body.
    pub body: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body of a gateway error (`{"code","message","details"}`): the gRPC code's name and the
    /// message, leniently (an ingress may answer with HTML or nothing).
    pub(crate) fn error_status(&self) -> (Option<String>, String) {
        let parsed: Option<Value> = serde_json::from_str(&self.body).ok();
        let code = parsed.as_ref().and_then(|v| v.get("code")).and_then(|c| {
            c.as_i64()
                .and_then(grpc_code_name)
                .map(str::to_owned)
                .or_else(|| c.as_str().map(str::to_owned))
        });
        let message = parsed
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("error")))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let body = self.body.trim();
                if body.is_empty() {
                    "(no message)".to_owned()
                } else {
                    body.to_owned()
                }
            });
        (code, one_line(&message))
    }
}

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

/// Where the remote's endpoint came from, for error messages: `from config file /x/config.yaml;
/// get_remote of plugin myorg`.
pub(crate) fn describe_origin(remote: &Remote, plugin: &str, plugin_overrides: bool) -> String {
    let config = &remote.config;
    let place = match config.origin {
        ConfigOrigin::ConfigFile => match &config.config_file {
            Some(file) => format!("from config file {file}"),
            None => "from a config file".to_owned(),
        },
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

/// Whether a transport error means the request never reached admin (worth retrying a read).
pub(crate) fn is_connect_error(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Io(e) => matches!(
            e.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::NotConnected
                | ErrorKind::TimedOut
                | ErrorKind::AddrNotAvailable
        ),
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound | ureq::Error::Timeout(_) => true,
        _ => false,
    }
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

    fn unreachable(&self, error: &ureq::Error) -> RemoteError {
        RemoteError::Unreachable {
            url: self.base_url.clone(),
            endpoint: self.endpoint.clone(),
            origin: self.origin.clone(),
            reason: transport_reason(error, self.base_url.starts_with("https://")),
        }
    }

    fn reply(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        action: &str,
    ) -> Result<Reply, Result<RemoteError, ureq::Error>> {
        let mut response = response.map_err(Err)?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().map_err(|e| {
            Ok(RemoteError::BadResponse {
                endpoint: self.endpoint.clone(),
                action: action.to_owned(),
                message: format!("cannot read the body of the HTTP {status} answer: {e}"),
            })
        })?;
        Ok(Reply { status, body })
    }

    /// `GET base + path` with `query`; retried (with backoff, `rpc_retries` times) when the
    /// connection fails or admin answers 503.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached, or its body cannot be read.
    pub(crate) fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
        action: &str,
    ) -> Result<Reply, RemoteError> {
        self.renewing(|| self.get_once(path, query, action))
    }

    /// `send()`, and once more with a new token when admin answered 401 (admin did not act on a
    /// request it refused, so sending again is safe for any method).
    fn renewing(
        &self,
        send: impl Fn() -> Result<Reply, RemoteError>,
    ) -> Result<Reply, RemoteError> {
        let reply = send()?;
        if reply.status == 401 && self.renew()? {
            return send();
        }
        Ok(reply)
    }

    /// `request` with the remote's own headers and the auth headers `auth`.
    fn headed<B>(
        &self,
        mut request: ureq::RequestBuilder<B>,
        auth: &[(String, String)],
    ) -> ureq::RequestBuilder<B> {
        for (name, value) in self.headers.iter().chain(auth) {
            request = request.header(name.as_str(), value.as_str());
        }
        request
    }

    /// The auth headers for the next request.
    fn auth_headers(&self) -> Result<Vec<(String, String)>, RemoteError> {
        self.auth
            .headers()
            .map_err(|e| RemoteError::Auth(e.to_string()))
    }

    /// After a 401: whether a new token was had (retry once).
    fn renew(&self) -> Result<bool, RemoteError> {
        self.auth
            .renew()
            .map_err(|e| RemoteError::Auth(e.to_string()))
    }

    /// [`AdminClient::get`] without the retry after a 401.
    fn get_once(
        &self,
        path: &str,
        query: &[(&str, &str)],
        action: &str,
    ) -> Result<Reply, RemoteError> {
        let url = format!("{}{path}", self.base_url);
        let auth = self.auth_headers()?;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            let mut request = self.headed(self.agent.get(&url), &auth);
            for (name, value) in query {
                request = request.query(*name, *value);
            }
            let result = self.reply(request.call(), action);
            let retry = match &result {
                Ok(reply) => reply.status == 503,
                Err(Err(e)) => is_connect_error(e),
                Err(Ok(_)) => false,
            };
            if retry && attempt < self.rpc_retries {
                attempt += 1;
                thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
            return result.map_err(|e| e.unwrap_or_else(|e| self.unreachable(&e)));
        }
    }

    /// `POST base + path` with JSON `body` (never retried: creating is not idempotent).
    ///
    /// # Errors
    ///
    /// Admin cannot be reached, or its body cannot be read.
    pub(crate) fn post(
        &self,
        path: &str,
        body: &Value,
        action: &str,
    ) -> Result<Reply, RemoteError> {
        self.renewing(|| self.post_once(path, body, action))
    }

    /// [`AdminClient::post`] without the retry after a 401.
    fn post_once(&self, path: &str, body: &Value, action: &str) -> Result<Reply, RemoteError> {
        let url = format!("{}{path}", self.base_url);
        let auth = self.auth_headers()?;
        let request = self.headed(
            self.agent
                .post(&url)
                .header("Content-Type", "application/json"),
            &auth,
        );
        let text = body.to_string();
        self.reply(request.send(text.as_str()), action)
            .map_err(|e| e.unwrap_or_else(|e| self.unreachable(&e)))
    }

    /// The error for a non-2xx `reply` to `action`: 401 is "not logged in", others carry the
    /// status, the gRPC code and admin's message.
    pub(crate) fn status_error(&self, reply: &Reply, action: &str) -> RemoteError {
        if reply.status == 401 {
            if let Some(source) = self.auth.rejected_mode() {
                return RemoteError::Auth(format!(
                    "Flyte admin at {} rejected the token of {source} (HTTP 401 UNAUTHENTICATED)",
                    self.endpoint
                ));
            }
            return RemoteError::NotLoggedIn {
                endpoint: self.endpoint.clone(),
            };
        }
        let (code, message) = reply.error_status();
        RemoteError::Admin {
            endpoint: self.endpoint.clone(),
            action: action.to_owned(),
            status: reply.status,
            code: code.map(|c| format!(" {c}")).unwrap_or_default(),
            message,
        }
    }

    /// `reply`'s body as JSON, or an error naming `action`.
    pub(crate) fn json(&self, reply: &Reply, action: &str) -> Result<Value, RemoteError> {
        serde_json::from_str(&reply.body).map_err(|e| RemoteError::BadResponse {
            endpoint: self.endpoint.clone(),
            action: action.to_owned(),
            message: format!("not JSON ({e}): {}", one_line(&reply.body)),
        })
    }

    /// An error for an answer that is JSON but lacks what the host needs.
    pub(crate) fn bad_response(&self, action: &str, message: impl Into<String>) -> RemoteError {
        RemoteError::BadResponse {
            endpoint: self.endpoint.clone(),
            action: action.to_owned(),
            message: message.into(),
        }
    }

    /// A "not found" error for `what` in `project`/`domain`.
    pub(crate) fn not_found(&self, what: String, project: &str, domain: &str) -> RemoteError {
        RemoteError::NotFound {
            what,
            project: project.to_owned(),
            domain: domain.to_owned(),
            endpoint: self.endpoint.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader, Read, Write as _},
        net::TcpListener,
        sync::mpsc,
    };

    use flyte_plugin_abi::{Config, PlatformConfig};

    use super::*;

    /// A one-shot HTTP server on 127.0.0.1 answering each connection with the next of `answers`
    /// (status, body); sends each request it read (head and body) back through the channel.
    fn serve(answers: Vec<(u16, &'static str)>) -> (u16, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for (status, body) in answers {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream);
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut content = vec![0; length];
                reader.read_exact(&mut content).unwrap();
                head.push_str(&String::from_utf8_lossy(&content));
                tx.send(head).unwrap();
                let mut stream = reader.into_inner();
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
            }
        });
        (port, rx)
    }

    fn client(port: u16) -> AdminClient {
        let remote = Remote::new(
            Config {
                platform: PlatformConfig {
                    endpoint: format!("127.0.0.1:{port}"),
                    insecure: true,
                    rpc_retries: 2,
                    // No token source at all (PKCE would try a login when run in a terminal).
                    auth_mode: flyte_plugin_abi::AuthMode::ExternalCommand,
                    ..PlatformConfig::default()
                },
                config_file: None,
                origin: ConfigOrigin::Env,
            },
            "p",
            "d",
            None,
        )
        .with_header("x-org", "acme");
        AdminClient::new(
            &remote,
            "from FLYTE_PLATFORM_URL; built-in get_remote".into(),
            Branding::host(),
        )
        .unwrap()
    }

    #[test]
    fn requests_carry_accept_content_type_and_the_remote_headers() {
        let (port, requests) = serve(vec![(200, "{}"), (200, "{}")]);
        let client = client(port);
        let reply = client
            .post("/api/v1/tasks", &serde_json::json!({"a": 1}), "x")
            .unwrap();
        assert_eq!(reply.status, 200);
        let seen = requests.recv().unwrap().to_ascii_lowercase();
        assert!(seen.starts_with("post /api/v1/tasks http/1.1"), "{seen}");
        assert!(seen.contains("\r\naccept: application/json\r\n"), "{seen}");
        assert!(
            seen.contains("\r\ncontent-type: application/json\r\n"),
            "{seen}"
        );
        assert!(seen.contains("\r\nx-org: acme\r\n"), "{seen}");
        assert!(seen.ends_with(r#"{"a":1}"#), "{seen}");
        client
            .get(
                "/api/v1/tasks/p/d/t",
                &[("sort_by.key", "created_at"), ("filters", "eq(a,b)+x")],
                "x",
            )
            .unwrap();
        let seen = requests.recv().unwrap();
        // `+` joins admin filter expressions: it must reach admin encoded.
        assert!(
            seen.starts_with(
                "GET /api/v1/tasks/p/d/t?sort_by.key=created_at&filters=eq(a%2Cb)%2Bx HTTP/1.1"
            ),
            "{seen}"
        );
        assert!(
            seen.to_ascii_lowercase().contains("\r\nx-org: acme\r\n"),
            "{seen}"
        );
    }

    #[test]
    fn reads_are_retried_on_503_and_401_means_login() {
        let (port, _requests) = serve(vec![
            (503, r#"{"code": 14, "message": "busy"}"#),
            (401, r#"{"code": 16, "message": "token parse error"}"#),
        ]);
        let client = client(port);
        let reply = client.get("/api/v1/version", &[], "x").unwrap();
        assert_eq!(reply.status, 401);
        let err = client.status_error(&reply, "x").to_string();
        assert!(
            err.starts_with(&format!(
                "not logged in to 127.0.0.1:{port}: run `flyte-host login`"
            )),
            "{err}"
        );
    }

    #[test]
    fn refused_connections_name_the_endpoint_and_its_origin() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let client = client(port);
        let err = client
            .post("/api/v1/tasks", &serde_json::json!({}), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("http://127.0.0.1:{port}")), "{err}");
        assert!(err.contains("from FLYTE_PLATFORM_URL"), "{err}");
        assert!(err.contains("connection refused"), "{err}");
    }

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

    #[test]
    fn error_bodies() {
        let reply = Reply {
            status: 404,
            body: r#"{"code": 5, "message": "missing\nentity", "details": []}"#.into(),
        };
        assert_eq!(
            reply.error_status(),
            (Some("NOT_FOUND".into()), "missing entity".into())
        );
        let html = Reply {
            status: 502,
            body: "<html>bad gateway</html>".into(),
        };
        assert_eq!(
            html.error_status(),
            (None, "<html>bad gateway</html>".into())
        );
    }
}
