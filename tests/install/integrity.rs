//! Integrity at load: tampering after install, loose permissions, the sha256 pin.

use std::fs;

use crate::fixtures::{installed_library, list, sha256};
use crate::support::{self, fails, ok, ok_json, plugin_path, run, Sandbox};

#[test]
fn tampering_after_install_is_refused_at_load_and_by_verify() {
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    let library = installed_library(&sandbox);
    let mut bytes = fs::read(&library).unwrap();
    bytes.extend_from_slice(b"evil");
    fs::write(&library, bytes).unwrap();
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(
        run.stderr.contains("was modified after it was installed"),
        "{run}"
    );
    assert!(run.stderr.contains("'myorg'"), "{run}");
    let verify = run_plugin(&sandbox, &["plugin", "verify"]);
    assert_eq!(verify.code, Some(1), "{verify}");
    assert!(verify.stdout.contains("FAILED"), "{verify}");
    assert!(
        verify.stderr.contains("failed verification: myorg"),
        "{verify}"
    );
    let listed = list(&sandbox);
    assert_eq!(listed["plugins"][0]["ok"], false);
    assert!(
        listed["plugins"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("modified"),
        "{listed}"
    );
    // Reinstalling repairs it.
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    ok(&mut sandbox.host(), ["info"]);
}

fn run_plugin(sandbox: &Sandbox, args: &[&str]) -> support::Run {
    run(&mut sandbox.host(), args)
}

#[cfg(unix)]
#[test]
fn libraries_writable_by_others_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    let library = installed_library(&sandbox);
    fs::set_permissions(&library, fs::Permissions::from_mode(0o666)).unwrap();
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(
        run.stderr.contains("writable by other users (mode 0666)"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains(&format!("chmod go-w {}", library.display())),
        "{run}"
    );
    fs::set_permissions(&library, fs::Permissions::from_mode(0o644)).unwrap();
    let dir = library.parent().unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(run.stderr.contains("plugin directory"), "{run}");
    assert!(run.stderr.contains("mode 0777"), "{run}");
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    ok(&mut sandbox.host(), ["info"]);

    let loose = sandbox.install_plugin("staging", "loose", None);
    fs::set_permissions(&loose, fs::Permissions::from_mode(0o646)).unwrap();
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &loose), ["info"]);
    assert!(run.stderr.contains("mode 0646"), "{run}");
}

#[test]
fn the_sha256_pin_allows_only_that_library() {
    let sandbox = Sandbox::new();
    let myorg = plugin_path("myorg");
    let pin = sha256(&myorg);
    let shown = ok_json(
        sandbox
            .host()
            .env("FLYTEKIT_PLUGIN", &myorg)
            .env("FLYTE_PLUGIN_SHA256", &pin),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(shown["name"], "myorg");
    let run = fails(
        sandbox
            .host()
            .env("FLYTEKIT_PLUGIN", plugin_path("staging"))
            .env("FLYTE_PLUGIN_SHA256", &pin),
        ["info"],
    );
    assert!(run.stderr.contains("FLYTE_PLUGIN_SHA256 allows"), "{run}");
    let run = fails(
        sandbox
            .host()
            .env("FLYTEKIT_PLUGIN", &myorg)
            .env("FLYTE_PLUGIN_SHA256", "abc"),
        ["info"],
    );
    assert!(run.stderr.contains("not a sha256"), "{run}");
}
