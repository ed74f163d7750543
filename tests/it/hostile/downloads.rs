//! Downloads keep their word: every redirect hop follows the https/loopback rule, sizes are capped
//! (manifests small, libraries at a limit `FLYTE_PLUGIN_MAX_SIZE` overrides), free space is checked
//! before and during the download, and a stalled body times out naming the URL.

use std::{
    fs,
    io::Write,
    net::TcpStream,
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use crate::{
    support::loopback::{Request, Server},
    support::{fails, host_target, Sandbox},
};

fn manifest(target: &str, url: &str) -> String {
    format!(
        "name = \"myorg\"\nversion = \"1.0.0\"\nabi = \"1.0\"\n[[platform]]\ntarget = \"{target}\"\nurl = \"{url}\"\nsha256 = \"{}\"\n",
        "ab".repeat(32)
    )
}

/// Headers of a 200 answer, `length` announced when `Some`.
fn ok_head(stream: &mut TcpStream, length: Option<u64>) {
    let length = length
        .map(|l| format!("Content-Length: {l}\r\n"))
        .unwrap_or_default();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n"
    );
}

/// A server: `/m.toml` is a manifest pointing at `/lib.so`, which `library` answers.
fn serving(target: String, library: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> Server {
    Server::start(move |request: &Request, stream: &mut TcpStream| {
        if request.path == "/m.toml" {
            let body = manifest(&target, "lib.so");
            ok_head(stream, Some(body.len() as u64));
            let _ = stream.write_all(body.as_bytes());
        } else {
            library(stream);
        }
    })
}

/// Sends zeros until the client goes away (no Content-Length: an endless body).
fn endless(stream: &mut TcpStream) {
    ok_head(stream, None);
    let chunk = vec![0u8; 64 * 1024];
    while stream.write_all(&chunk).is_ok() {}
}

/// Nothing of a failed install is left in the plugin directory.
fn assert_nothing_installed(dir: &Path) {
    let left: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.iter().all(|n| n == "plugins.lock"),
        "left behind: {left:?}"
    );
}

#[test]
fn every_redirect_hop_must_be_https_or_loopback() {
    let sandbox = Sandbox::new();
    let target = host_target();
    let server = Server::start(move |request: &Request, stream: &mut TcpStream| {
        let location = match request.path.as_str() {
            "/m.toml" => "/hop1",
            "/hop1" => "http://plugins.example.com/m.toml",
            "/lib-manifest.toml" => {
                let body = manifest(&target, "lib-hop");
                ok_head(stream, Some(body.len() as u64));
                let _ = stream.write_all(body.as_bytes());
                return;
            }
            "/lib-hop" => "http://10.0.0.1/lib.so",
            _ => "/loop",
        };
        let _ = write!(
            stream,
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    });
    for (path, refused) in [
        ("/m.toml", "http://plugins.example.com/m.toml"),
        ("/lib-manifest.toml", "http://10.0.0.1/lib.so"),
        ("/loop", "more than 10 redirects"),
    ] {
        let run = fails(
            &mut sandbox.host(),
            ["plugin", "install", &server.url(path)],
        );
        assert!(run.stderr.contains(refused), "{run}");
        assert_nothing_installed(&sandbox.default_drop_in());
    }
}

#[test]
fn endless_and_absurd_bodies_are_refused_early() {
    let sandbox = Sandbox::new();
    let target = host_target();
    // An endless manifest: refused once past the manifest limit.
    let server = Server::start(|_: &Request, stream: &mut TcpStream| endless(stream));
    let started = Instant::now();
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(run.stderr.contains("larger than"), "{run}");
    assert!(started.elapsed() < Duration::from_secs(20), "{run}");

    // An absurd Content-Length: refused before a byte is written.
    let server = serving(target.clone(), |stream| ok_head(stream, Some(1 << 50)));
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(run.stderr.contains("FLYTE_PLUGIN_MAX_SIZE"), "{run}");
    assert_nothing_installed(&sandbox.default_drop_in());

    // An endless library: refused at the limit, which FLYTE_PLUGIN_MAX_SIZE sets.
    let server = serving(target.clone(), endless);
    let run = fails(
        sandbox.host().env("FLYTE_PLUGIN_MAX_SIZE", "2M"),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(run.stderr.contains("limit of 2097152 bytes"), "{run}");
    assert!(run.stderr.contains(&server.url("/lib.so")), "{run}");
    assert_nothing_installed(&sandbox.default_drop_in());

    let run = fails(
        sandbox.host().env("FLYTE_PLUGIN_MAX_SIZE", "lots"),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(
        run.stderr.contains("FLYTE_PLUGIN_MAX_SIZE is `lots`"),
        "{run}"
    );
}

/// Mounts a tmpfs of `size` at `dir`; `false` where the machine does not allow it.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn an_endless_library_never_fills_the_plugin_file_system() {
    let sandbox = Sandbox::new();
    let target = host_target();
    let dir = sandbox.root().join("small");
    fs::create_dir(&dir).unwrap();
    if !mount_tmpfs(&dir, "4m") {
        let why = "cannot mount a tmpfs here (not root?): the free-space check is untested";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED: {why}");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&dir);
    let free = || rustix_free(&dir);
    let before = free();
    let server = serving(target.clone(), endless);
    let run = fails(
        sandbox.host().env("FLYTE_PLUGIN_DIR", &dir),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(run.stderr.contains("bytes are free"), "{run}");
    assert_nothing_installed(&dir);
    assert_eq!(free(), before, "the failed download left files behind");

    // An announced length larger than the free space is refused before anything is written.
    let server = serving(target, |stream| ok_head(stream, Some(64 << 20)));
    let run = fails(
        sandbox.host().env("FLYTE_PLUGIN_DIR", &dir),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(run.stderr.contains("bytes are free"), "{run}");
}

/// Free bytes of the file system at `dir`, per `df`.
fn rustix_free(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df prints the free space")
}

#[test]
fn a_stalled_body_times_out_naming_the_url() {
    let sandbox = Sandbox::new();
    let target = host_target();
    let server = serving(target, |stream| {
        ok_head(stream, Some(1 << 20));
        let _ = stream.write_all(&[0u8; 100]);
        std::thread::sleep(Duration::from_secs(30));
    });
    let started = Instant::now();
    let run = fails(
        sandbox.host().env("FLYTE_PLUGIN_IDLE_TIMEOUT", "1"),
        ["plugin", "install", &server.url("/m.toml")],
    );
    assert!(started.elapsed() < Duration::from_secs(15), "{run}");
    assert!(run.stderr.contains(&server.url("/lib.so")), "{run}");
    assert!(run.stderr.contains("FLYTE_PLUGIN_IDLE_TIMEOUT"), "{run}");
    assert_nothing_installed(&sandbox.default_drop_in());
}
