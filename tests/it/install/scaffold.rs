//! `plugin new` → `cargo build` → `plugin check` → `plugin install` → active.

use std::fs;

use crate::support::{self, ok, ok_json, plugin_file_name, Sandbox};

#[test]
fn plugin_new_scaffolds_a_crate_that_builds_checks_and_installs() {
    let sandbox = Sandbox::new();
    let crate_dir = sandbox.root().join("acme-plugin");
    let abi = support::workspace_root().join("plugin-abi");
    ok(
        &mut sandbox.host(),
        [
            "plugin",
            "new",
            "acme-plugin",
            "--path",
            crate_dir.to_str().unwrap(),
            "--abi-path",
            abi.to_str().unwrap(),
        ],
    );
    for file in ["Cargo.toml", "src/lib.rs", "README.md"] {
        assert!(crate_dir.join(file).is_file(), "{file}");
    }
    let lib_rs = fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    for hook in support::HOOKS {
        assert!(
            lib_rs.contains(&format!("// fn {hook}")),
            "{hook} example missing"
        );
    }
    // Same dependency versions as the workspace, so the shared target directory's builds are reused.
    fs::copy(
        support::workspace_root().join("Cargo.lock"),
        crate_dir.join("Cargo.lock"),
    )
    .unwrap();
    let target_dir = support::target_dir();
    let build = std::process::Command::new(support::cargo())
        .arg("build")
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let library = target_dir
        .join("debug")
        .join(plugin_file_name("acme-plugin"));
    let check = ok(
        &mut sandbox.host(),
        ["plugin", "check", library.to_str().unwrap()],
    );
    assert!(check.stdout.contains("acme-plugin 0.1.0"), "{check}");
    ok(
        &mut sandbox.host(),
        ["plugin", "install", library.to_str().unwrap()],
    );
    let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["name"], "acme-plugin");
    let readme = fs::read_to_string(crate_dir.join("README.md")).unwrap();
    assert!(readme.contains("flyte-host plugin install"), "{readme}");
}
