//! The install tests' loopback server (on [`loopback`]): fixed routes, some deliberately broken
//! (truncated bodies, slow answers); anything else is a 404.

use std::{
    collections::HashMap,
    io::Write,
    net::TcpStream,
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use crate::support::loopback;

/// How a route answers.
#[derive(Clone)]
pub(crate) enum Reply {
    /// 200 with the body.
    Ok(Vec<u8>),
    /// 200 announcing the whole body's length, then only half of it before closing.
    Truncated(Vec<u8>),
    /// 200 with the body after a delay.
    Slow(Vec<u8>, Duration),
    /// 200 with the first body once, with the second from then on: a file that changes between
    /// two downloads.
    Changing(Vec<u8>, Vec<u8>),
}

/// The server: routes by path.
pub(crate) struct Server {
    server: loopback::Server,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
}

impl Server {
    /// Starts serving on an ephemeral loopback port (the thread lives as long as the test process).
    pub(crate) fn start() -> Server {
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let shared = Arc::clone(&routes);
        let server = loopback::Server::start(move |request, stream| {
            let reply = {
                let mut routes = shared.lock().unwrap();
                let reply = routes.get(&request.path).cloned();
                if let Some(Reply::Changing(first, later)) = reply {
                    routes.insert(request.path.clone(), Reply::Ok(later));
                    Some(Reply::Ok(first))
                } else {
                    reply
                }
            };
            answer(stream, reply);
        });
        Server { server, routes }
    }

    /// Serves `reply` at `path` (e.g. `/myorg.toml`).
    pub(crate) fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_owned(), reply);
    }

    /// The URL of `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

/// Writes `reply` (a 404 when the path has no route).
fn answer(stream: &mut TcpStream, reply: Option<Reply>) {
    let head = |status: &str, len: usize| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    let _ = match reply {
        None => stream
            .write_all(head("404 Not Found", 9).as_bytes())
            .and_then(|()| stream.write_all(b"not found")),
        Some(Reply::Ok(body) | Reply::Changing(body, _)) => stream
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|()| stream.write_all(&body)),
        Some(Reply::Truncated(body)) => stream
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|()| stream.write_all(&body[..body.len() / 2])),
        Some(Reply::Slow(body, delay)) => {
            thread::sleep(delay);
            stream
                .write_all(head("200 OK", body.len()).as_bytes())
                .and_then(|()| stream.write_all(&body))
        }
    };
}
