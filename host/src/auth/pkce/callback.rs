//! The loopback server the browser is redirected to after a PKCE login: where it listens (the
//! redirect URI, loopback only), the one request it answers, and the page it answers with.

use std::{
    io::{self, Read, Write},
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use super::{human, PkceError};

/// How long the callback server waits for a connected browser to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head the callback server reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// The pairs of a query string (`application/x-www-form-urlencoded`: `+` is a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
