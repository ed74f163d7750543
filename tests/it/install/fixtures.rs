//! Shared fixtures of the install tests: the loopback server's manifests and libraries, and views
//! of the plugin directory.

use std::{fs, path::Path, path::PathBuf, time::Duration};

use serde_json::Value;

use super::server::{Reply, Server};
use crate::support::{host_target, ok_json, plugin_file_name, plugin_path, Sandbox};

pub(crate) fn sha256(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// A manifest for plugin `name` 1.0.0 with one platform.
pub(crate) fn manifest(name: &str, target: &str, url: &str, sha: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"test\"\nabi = \"1.1\"\n\n[[platform]]\ntarget = \"{target}\"\nurl = \"{url}\"\nsha256 = \"{sha}\"\n"
    )
}

/// A server with the myorg library and manifests: good, corrupted, truncated, wrong platform, slow.
pub(crate) fn serve_myorg() -> Server {
    let server = Server::start();
    let lib = plugin_path("myorg");
    let bytes = fs::read(&lib).unwrap();
    let sha = sha256(&lib);
    let file = plugin_file_name("myorg");
    let target = host_target();
    let mut corrupted = bytes.clone();
    corrupted[1000] ^= 0xff;
    server.route(&format!("/lib/{file}"), Reply::Ok(bytes.clone()));
    server.route("/corrupt/lib.so", Reply::Ok(corrupted));
    server.route("/truncated/lib.so", Reply::Truncated(bytes.clone()));
    server.route(
        &format!("/slow/{file}"),
        Reply::Slow(bytes, Duration::from_millis(1500)),
    );
    let put = |path: &str, text: String| server.route(path, Reply::Ok(text.into_bytes()));
    put(
        "/myorg.toml",
        manifest("myorg", &target, &format!("lib/{file}"), &sha),
    );
    put(
        "/corrupt.toml",
        manifest("myorg", &target, "corrupt/lib.so", &sha),
    );
    put(
        "/truncated.toml",
        manifest("myorg", &target, "truncated/lib.so", &sha),
    );
    put(
        "/slow.toml",
        manifest("myorg", &target, &format!("slow/{file}"), &sha),
    );
    put(
        "/missing.toml",
        manifest("myorg", &target, "nowhere/lib.so", &sha),
    );
    put(
        "/other-platform.toml",
        manifest("myorg", "sparc-sun-solaris", "lib.so", &sha),
    );
    server
}

/// Every entry of `dir`, recursively, relative to it, sorted.
pub(crate) fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The plugin directory after installing myorg (the first plugin installed: the chosen one).
pub(crate) fn installed_tree() -> Vec<String> {
    let file = plugin_file_name("myorg");
    vec![
        "active-plugin".into(),
        "myorg".into(),
        "myorg/1.0.0".into(),
        format!("myorg/1.0.0/{file}"),
        "plugins.lock".into(),
    ]
}

pub(crate) fn installed_library(sandbox: &Sandbox) -> PathBuf {
    sandbox
        .default_drop_in()
        .join("myorg/1.0.0")
        .join(plugin_file_name("myorg"))
}

pub(crate) fn list(sandbox: &Sandbox) -> Value {
    ok_json(&mut sandbox.host(), ["plugin", "list", "-o", "json"])
}

/// Makes the myorg installed in `sandbox` look like release 0.9.0 (the library is 1.0.0): its
/// version directory and lock entry say 0.9.0.
pub(crate) fn pretend_older(sandbox: &Sandbox) {
    let dir = sandbox.default_drop_in();
    fs::rename(dir.join("myorg/1.0.0"), dir.join("myorg/0.9.0")).unwrap();
    let lock = fs::read_to_string(dir.join("plugins.lock")).unwrap();
    fs::write(
        dir.join("plugins.lock"),
        lock.replace("version = \"1.0.0\"", "version = \"0.9.0\""),
    )
    .unwrap();
}
