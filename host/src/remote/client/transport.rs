//! Sending requests to admin: the remote's and the auth headers on each, reads retried with
//! backoff when the connection fails or admin answers 503, and one retry with a new token after a
//! 401.

use std::{io::ErrorKind, thread, time::Duration};

use serde_json::Value;

use super::AdminClient;
use crate::remote::error::RemoteError;

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

impl AdminClient {
    /// The status and body of `response`; a transport failure comes back as `Err(Err(_))`, for
    /// the caller to retry or word, an unreadable body as the error itself.
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

    /// `PUT base + path` with JSON `body` (an update; sent once, as a POST).
    ///
    /// # Errors
    ///
    /// Admin cannot be reached, or its body cannot be read.
    pub(crate) fn put(&self, path: &str, body: &Value, action: &str) -> Result<Reply, RemoteError> {
        self.renewing(|| self.send_once(Method::Put, path, body, action))
    }

    /// `DELETE base + path` with JSON `body` (admin's terminate reads its request from the body of
    /// a DELETE; sent once).
    ///
    /// # Errors
    ///
    /// Admin cannot be reached, or its body cannot be read.
    pub(crate) fn delete(
        &self,
        path: &str,
        body: &Value,
        action: &str,
    ) -> Result<Reply, RemoteError> {
        self.renewing(|| self.send_once(Method::Delete, path, body, action))
    }

    /// [`AdminClient::post`] without the retry after a 401.
    fn post_once(&self, path: &str, body: &Value, action: &str) -> Result<Reply, RemoteError> {
        self.send_once(Method::Post, path, body, action)
    }

    /// One request with a JSON body.
    fn send_once(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        action: &str,
    ) -> Result<Reply, RemoteError> {
        let url = format!("{}{path}", self.base_url);
        let auth = self.auth_headers()?;
        let builder = match method {
            Method::Post => self.agent.post(&url),
            Method::Put => self.agent.put(&url),
            Method::Delete => self.agent.delete(&url).force_send_body(),
        };
        let request = self.headed(builder.header("Content-Type", "application/json"), &auth);
        let text = body.to_string();
        self.reply(request.send(text.as_str()), action)
            .map_err(|e| e.unwrap_or_else(|e| self.unreachable(&e)))
    }
}

/// The methods that send a JSON body.
#[derive(Debug, Clone, Copy)]
enum Method {
    Post,
    Put,
    Delete,
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader, Read, Write as _},
        net::TcpListener,
        sync::mpsc,
    };

    use flyte_plugin_abi::{Config, ConfigOrigin, PlatformConfig, Remote};

    use super::*;
    use crate::auth::Branding;

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
}
