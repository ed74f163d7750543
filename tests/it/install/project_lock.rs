//! `plugin lock` / `plugin sync` of a stack of two unsigned plugins: the lock keeps the stack's
//! order and sync makes it the recorded stack on a fresh machine; a layer that is not an installed
//! plugin, or one installed from a bare library, cannot be locked. (Signed locks, other platforms
//! and hash mismatches: `signatures.rs`.)

use std::fs;

use crate::support::{fails, ok, plugin_path, Sandbox};

/// Writes a manifest for plugin crate `package` next to a copy of its library in the sandbox.
fn publish(sandbox: &Sandbox, package: &str) -> String {
    let library = plugin_path(package);
    let dir = sandbox.root().join("published");
    fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(library.file_name().unwrap());
    fs::copy(&library, &copy).unwrap();
    let manifest = dir.join(format!("{package}.toml"));
    ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            copy.to_str().unwrap(),
            "--url",
            copy.file_name().unwrap().to_str().unwrap(),
            "--out",
            manifest.to_str().unwrap(),
            "--description",
            "test",
        ],
    );
    manifest.to_str().unwrap().to_owned()
}

#[test]
fn a_locked_stack_syncs_in_its_order() {
    let sandbox = Sandbox::new();
    let myorg = publish(&sandbox, "myorg");
    let staging = publish(&sandbox, "staging");
    ok(&mut sandbox.host(), ["plugin", "install", &myorg]);
    ok(&mut sandbox.host(), ["plugin", "install", &staging]);
    ok(&mut sandbox.host(), ["plugin", "use", "myorg", "staging"]);
    let lock = sandbox.root().join("project.lock");
    ok(
        &mut sandbox.host(),
        ["plugin", "lock", "-o", lock.to_str().unwrap()],
    );
    let text = fs::read_to_string(&lock).unwrap();
    let at = |name: &str| text.find(&format!("name = \"{name}\"")).unwrap();
    assert!(at("myorg") < at("staging"), "top layer first:\n{text}");

    let laptop = Sandbox::new();
    let synced = ok(
        &mut laptop.host(),
        ["plugin", "sync", lock.to_str().unwrap()],
    );
    assert!(
        synced
            .stdout
            .ends_with("plugin stack: myorg → staging → builtin\n"),
        "{synced}"
    );
    let recorded = fs::read_to_string(laptop.default_drop_in().join("active-plugin")).unwrap();
    assert_eq!(recorded.lines().collect::<Vec<_>>(), ["myorg", "staging"]);

    // A library installed as it is names no builds: it cannot be locked.
    let loose = Sandbox::new();
    ok(
        &mut loose.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    let refused = fails(&mut loose.host(), ["plugin", "lock"]);
    assert!(
        refused.stderr.contains("was installed from a library"),
        "{refused}"
    );
    let nothing = fails(&mut Sandbox::new().host(), ["plugin", "lock"]);
    assert!(nothing.stderr.contains("nothing to lock"), "{nothing}");
}
