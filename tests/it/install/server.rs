//! A loopback HTTP server for the install tests: serves fixed routes, some deliberately broken
//! (truncated bodies, slow answers), and counts requests.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

/// How a route answers.
#[derive(Clone)]
pub(crate) enum Reply {
    /// 200 with the body.
    Ok(Vec<u8>),
    /// 200 announcing the whole body's length, then only half of it before closing.
    Truncated(Vec<u8>),
    /// 200 with the body after a delay.
    Slow(Vec<u8>, Duration),
}

/// The server: routes by path; anything else is a 404.
pub(crate) struct Server {
    port: u16,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
}

impl Server {
    /// Starts serving on an ephemeral loopback port (the thread lives as long as the test process).
    pub(crate) fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let shared = Arc::clone(&routes);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = Arc::clone(&shared);
                thread::spawn(move || answer(stream, &routes));
            }
        });
        Server { port, routes }
    }

    /// Serves `reply` at `path` (e.g. `/myorg.toml`).
    pub(crate) fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_owned(), reply);
    }

    /// The URL of `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn answer(stream: TcpStream, routes: &Mutex<HashMap<String, Reply>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" || header == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let reply = routes.lock().unwrap().get(&path).cloned();
    let mut stream = reader.into_inner();
    let head = |status: &str, len: usize| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    let _ = match reply {
        None => stream
            .write_all(head("404 Not Found", 9).as_bytes())
            .and_then(|()| stream.write_all(b"not found")),
        Some(Reply::Ok(body)) => stream
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
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
