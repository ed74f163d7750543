//! Which plugin is active: `FLYTEKIT_PLUGIN` (a path, `builtin` or `none`), else the one library in
//! the drop-in directory (`$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/`), else the built-in
//! plugin. A plugin that was asked for and cannot be loaded is an error, never a silent fallback.

use crate::support;

use serde_json::Value;
use support::{
    fails, ok, ok_json, plugin_file_name, plugin_path, snapshot::assert_snapshot, Sandbox,
};

/// `plugin show -o json` for `command`.
fn show(command: &mut assert_cmd::Command) -> Value {
    ok_json(command, ["plugin", "show", "-o", "json"])
}

#[test]
fn absolute_flytekit_plugin_path_is_loaded() {
    let sandbox = Sandbox::new();
    let shown = show(&mut sandbox.host_with("myorg"));
    assert_eq!(shown["name"], "myorg");
    assert_eq!(shown["origin"], "FLYTEKIT_PLUGIN");
    assert_eq!(shown["path"], plugin_path("myorg").display().to_string());
}

#[test]
fn relative_flytekit_plugin_path_is_relative_to_the_working_directory() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("staging", "work/libs", None);
    let relative = format!("libs/{}", plugin_file_name("staging"));
    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", &relative));
    assert_eq!(shown["name"], "staging");
    assert_eq!(shown["origin"], "FLYTEKIT_PLUGIN");

    let dotted = format!("./libs/{}", plugin_file_name("staging"));
    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", &dotted));
    assert_eq!(shown["name"], "staging");
}

#[test]
fn bare_file_name_in_flytekit_plugin_is_found_in_the_working_directory() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("staging", "work", None);
    let name = plugin_file_name("staging");
    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", &name));
    assert_eq!(shown["name"], "staging");
    let check = ok(&mut sandbox.host(), ["plugin", "check", name.as_str()]);
    assert!(check.stdout.contains("staging 1.0.0"), "{check}");
}

#[test]
fn builtin_and_none_select_the_builtin_plugin_over_a_drop_in() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("myorg", sandbox.default_drop_in(), None);
    assert_eq!(show(&mut sandbox.host())["name"], "myorg");
    for value in ["builtin", "none", "BUILTIN"] {
        let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", value));
        assert_eq!(shown["name"], "builtin", "FLYTEKIT_PLUGIN={value}");
        assert_eq!(shown["builtin"], true, "FLYTEKIT_PLUGIN={value}");
        assert_eq!(shown["path"], Value::Null, "FLYTEKIT_PLUGIN={value}");
    }
    let commands = ok(sandbox.host().env("FLYTEKIT_PLUGIN", "builtin"), ["--help"]);
    assert!(!commands.stdout.contains("my-org-status"), "{commands}");
}

#[test]
fn plugin_dir_with_one_library_loads_it() {
    let sandbox = Sandbox::new();
    let dir = sandbox.root().join("plugins");
    let library = sandbox.install_plugin("staging", &dir, None);
    sandbox.write("plugins/README.txt", "not a library\n");
    sandbox.write("plugins/notes.so.txt", "not a library either\n");
    let shown = show(sandbox.host().env("FLYTE_PLUGIN_DIR", &dir));
    assert_eq!(shown["name"], "staging");
    assert_eq!(shown["path"], library.display().to_string());
    assert_eq!(
        shown["origin"],
        format!("drop-in directory {}", dir.display())
    );
    let info = ok(sandbox.host().env("FLYTE_PLUGIN_DIR", &dir), ["info"]);
    assert!(
        info.stdout
            .contains(&format!("from drop-in directory {}", dir.display())),
        "{info}"
    );
}

#[test]
fn default_drop_in_is_under_home() {
    let sandbox = Sandbox::new();
    let library = sandbox.install_plugin("myorg", sandbox.default_drop_in(), None);
    let shown = show(&mut sandbox.host());
    assert_eq!(shown["name"], "myorg");
    assert_eq!(shown["path"], library.display().to_string());
    let status = ok(&mut sandbox.host(), ["my-org-status"]);
    assert_eq!(status.stdout, "MyOrg Flyte services are operational.\n");
}

#[test]
fn plugin_dir_replaces_the_default_drop_in() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("myorg", sandbox.default_drop_in(), None);
    let dir = sandbox.root().join("other-plugins");
    sandbox.install_plugin("staging", &dir, None);
    assert_eq!(
        show(sandbox.host().env("FLYTE_PLUGIN_DIR", &dir))["name"],
        "staging"
    );

    // An empty FLYTE_PLUGIN_DIR is unset: the default directory applies.
    assert_eq!(
        show(sandbox.host().env("FLYTE_PLUGIN_DIR", ""))["name"],
        "myorg"
    );

    // An empty or missing directory means no plugin.
    let empty = sandbox.root().join("empty");
    std::fs::create_dir(&empty).expect("create an empty directory");
    assert_eq!(
        show(sandbox.host().env("FLYTE_PLUGIN_DIR", &empty))["name"],
        "builtin"
    );
    let missing = sandbox.root().join("missing");
    assert_eq!(
        show(sandbox.host().env("FLYTE_PLUGIN_DIR", &missing))["name"],
        "builtin"
    );
}

#[test]
fn two_drop_ins_are_an_error_until_one_is_picked() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    let myorg = sandbox.install_plugin("myorg", &dir, None);
    let staging = sandbox.install_plugin("staging", &dir, None);

    for args in [&["info"][..], &["config", "show"]] {
        let run = fails(&mut sandbox.host(), args);
        assert!(run.stderr.contains("several plugins in"), "{run}");
        assert!(run.stderr.contains(&dir.display().to_string()), "{run}");
        assert!(run.stderr.contains(&myorg.display().to_string()), "{run}");
        assert!(run.stderr.contains(&staging.display().to_string()), "{run}");
        assert!(
            run.stderr.contains("FLYTEKIT_PLUGIN"),
            "the fix is named:\n{run}"
        );
        assert_snapshot!("two_drop_ins", run.stderr);
    }

    // Commands that need no hooks go on with the built-in plugin after one warning line.
    for args in [
        &["--help"][..],
        &["plugin", "show"],
        &["completion", "bash"],
    ] {
        let run = ok(&mut sandbox.host(), args);
        let warning = run.stderr.trim_end();
        assert!(warning.starts_with("warning: several plugins in"), "{run}");
        assert!(!warning.contains('\n'), "one warning line:\n{run}");
        assert!(warning.contains("plugin use"), "the fix is named:\n{run}");
        assert_snapshot!("two_drop_ins_warning", warning);
    }
    assert_eq!(ok(&mut sandbox.host(), ["--version"]).stderr, "");

    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", &staging));
    assert_eq!(shown["name"], "staging");
    assert_eq!(shown["origin"], "FLYTEKIT_PLUGIN");
    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", "builtin"));
    assert_eq!(shown["name"], "builtin");
}

#[test]
fn flytekit_plugin_wins_over_the_drop_in() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("staging", sandbox.default_drop_in(), None);
    let shown = show(&mut sandbox.host_with("myorg"));
    assert_eq!(shown["name"], "myorg");
    assert_eq!(shown["origin"], "FLYTEKIT_PLUGIN");
}

#[test]
fn empty_flytekit_plugin_is_ignored() {
    let sandbox = Sandbox::new();
    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", ""));
    assert_eq!(shown["name"], "builtin");

    sandbox.install_plugin("staging", sandbox.default_drop_in(), None);
    let shown = show(sandbox.host().env("FLYTEKIT_PLUGIN", ""));
    assert_eq!(shown["name"], "staging");
}

#[test]
fn a_plugin_that_fails_to_load_is_an_error_not_a_fallback() {
    let sandbox = Sandbox::new();
    // A good drop-in must not stand in for a broken FLYTEKIT_PLUGIN.
    sandbox.install_plugin("staging", sandbox.default_drop_in(), None);
    let missing = sandbox.root().join("gone").join(plugin_file_name("myorg"));
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &missing), ["info"]);
    assert!(run.stderr.contains(&missing.display().to_string()), "{run}");
    assert!(run.stderr.contains("from FLYTEKIT_PLUGIN"), "{run}");
    assert!(!run.stdout.contains("staging"), "{run}");

    let broken = sandbox.install_plugin("not-a-plugin", "work", None);
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &broken), ["info"]);
    assert!(run.stderr.contains("not a flyte-host plugin"), "{run}");
    assert_eq!(run.stdout, "", "{run}");

    // A broken drop-in is an error too, naming the directory it came from.
    let other = Sandbox::new();
    let dir = other.default_drop_in();
    let library = other.install_plugin("wrong-abi", &dir, None);
    let run = fails(&mut other.host(), ["config", "show"]);
    assert!(run.stderr.contains(&library.display().to_string()), "{run}");
    assert!(run.stderr.contains("2.0"), "{run}");
    assert_eq!(run.stdout, "", "{run}");

    let copied = Sandbox::new();
    copied.install_plugin(
        "not-a-plugin",
        copied.default_drop_in(),
        Some("libflyte.so"),
    );
    let run = fails(&mut copied.host(), ["info"]);
    assert!(
        run.stderr.contains(&format!(
            "from drop-in directory {}",
            copied.default_drop_in().display()
        )),
        "{run}"
    );
}
