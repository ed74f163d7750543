//! An in-process loopback HTTP server whose every answer is a test's closure: the hostile tests'
//! servers that echo the request back, redirect, stall or never stop sending, and the install
//! tests' routed server (`install/server.rs`).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::Arc,
    thread,
};

/// One request as the server read it.
pub(crate) struct Request {
    /// The path with its query.
    pub(crate) path: String,
    /// The request line and headers, exactly as received.
    pub(crate) head: String,
    /// The body (read by Content-Length).
    pub(crate) body: String,
}

impl Request {
    /// The whole request as text: what an echoing server quotes back.
    pub(crate) fn echo(&self) -> String {
        format!("{}{}", self.head, self.body)
    }
}

type Handler = dyn Fn(&Request, &mut TcpStream) + Send + Sync;

/// A running server on an ephemeral loopback port (its thread lives as long as the test process).
pub(crate) struct Server {
    /// The port.
    pub(crate) port: u16,
}

impl Server {
    /// Serves every connection with `handler` (one request per connection).
    pub(crate) fn start(
        handler: impl Fn(&Request, &mut TcpStream) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let handler: Arc<Handler> = Arc::new(handler);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = Arc::clone(&handler);
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream);
                    let Some(request) = read_request(&mut reader) else {
                        return;
                    };
                    let mut stream = reader.into_inner();
                    handler(&request, &mut stream);
                    let _ = stream.flush();
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Server { port }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let end = line == "\r\n" || line == "\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let mut words = head.split_whitespace();
    let _method = words.next()?;
    let path = words.next()?.to_owned();
    Some(Request {
        path,
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Writes a whole answer: `status` (`"200 OK"`), JSON content type, `body`.
pub(crate) fn answer(stream: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
