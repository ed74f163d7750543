//! Integrity at load: tampering after install, loose permissions, the sha256 pin.

use std::fs;

use super::fixtures::{installed_library, list, sha256};
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
    // Named by its path, an installed library is still checked against its lock.
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &library), ["info"]);
    assert!(
        run.stderr.contains("was modified after it was installed"),
        "{run}"
    );
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

    // Even a same-size change with the modification time put back, which only `plugin verify`
    // notices: reinstalling the same version repairs it rather than calling it installed.
    let mut bytes = fs::read(&library).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let mtime = fs::metadata(&library).unwrap().modified().unwrap();
    fs::write(&library, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&library)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let verify = run_plugin(&sandbox, &["plugin", "verify"]);
    assert_eq!(verify.code, Some(1), "{verify}");
    let reinstalled = ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    assert!(
        !reinstalled.stdout.contains("nothing to do"),
        "{reinstalled}"
    );
    ok(&mut sandbox.host(), ["plugin", "verify"]);
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
    // Whoever can write a directory above it, or the lock, can swap it too.
    let plugin_dir = sandbox.default_drop_in();
    let lock = plugin_dir.join("plugins.lock");
    for (path, mode, restore) in [
        (dir.parent().unwrap().to_owned(), 0o775, 0o755),
        (plugin_dir.clone(), 0o757, 0o755),
        (lock.clone(), 0o666, 0o644),
    ] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let run = fails(&mut sandbox.host(), ["info"]);
        assert!(run.stderr.contains(&format!("mode {mode:04o}")), "{run}");
        assert!(
            run.stderr
                .contains(&format!("chmod go-w {}", path.display())),
            "{run}"
        );
        let verify = run_plugin(&sandbox, &["plugin", "verify"]);
        assert_eq!(verify.code, Some(1), "{verify}");
        fs::set_permissions(&path, fs::Permissions::from_mode(restore)).unwrap();
    }
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
    // `plugin list` judges the selected library as start-up does: broken, so not active.
    let listed = ok_json(
        sandbox
            .host()
            .env("FLYTEKIT_PLUGIN", plugin_path("staging"))
            .env("FLYTE_PLUGIN_SHA256", &pin),
        ["plugin", "list", "-o", "json"],
    );
    let row = &listed["plugins"][0];
    assert_eq!(row["name"], "staging", "{listed}");
    assert_eq!(row["ok"], false, "{listed}");
    assert_eq!(row["active"], false, "{listed}");
    assert!(
        row["reason"]
            .as_str()
            .unwrap()
            .contains("FLYTE_PLUGIN_SHA256 allows"),
        "{listed}"
    );
    let run = fails(
        sandbox
            .host()
            .env("FLYTEKIT_PLUGIN", &myorg)
            .env("FLYTE_PLUGIN_SHA256", "abc"),
        ["info"],
    );
    assert!(run.stderr.contains("not a sha256"), "{run}");
}
