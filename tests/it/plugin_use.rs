//! Several plugins installed never break the CLI (issue 12): `plugin use NAME|builtin` chooses the
//! active plugin persistently, `FLYTEKIT_PLUGIN` overrides it for one command, the first plugin
//! installed becomes active and later installs go on top of the stack (issue 15; stacks
//! themselves are tested in `layers`); `plugin list` and `info` say where the choice came from.
//! Also the plugin directory's odd entries: dangling symlinks, non-UTF-8 names.

use crate::support;

use std::fs;

use serde_json::Value;
use support::{fails, ok, ok_json, plugin_path, Sandbox};

fn install(sandbox: &Sandbox, package: &str) -> support::Run {
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path(package).to_str().unwrap()],
    )
}

fn info(sandbox: &Sandbox) -> Value {
    ok_json(&mut sandbox.host(), ["info", "-o", "json"])
}

fn list(sandbox: &Sandbox) -> Value {
    ok_json(&mut sandbox.host(), ["plugin", "list", "-o", "json"])
}

#[test]
fn the_first_install_is_active_and_later_ones_go_on_top_until_plugin_use() {
    let sandbox = Sandbox::new();
    let first = install(&sandbox, "myorg");
    assert!(
        first.stderr.contains("'myorg' is the active plugin"),
        "{first}"
    );
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");

    let second = install(&sandbox, "staging");
    assert!(
        second.stderr.contains(
            "'staging' is now the top layer of the plugin stack (staging → myorg → builtin)"
        ) && second
            .stderr
            .contains("`flyte-host plugin use NAME [NAME…]` reorders"),
        "says where it went and how to reorder:\n{second}"
    );
    ok(&mut sandbox.host(), ["plugin", "use", "myorg"]);
    let shown = info(&sandbox);
    assert_eq!(shown["plugin"]["name"], "myorg");
    assert!(
        shown["plugin"]["origin"]
            .as_str()
            .unwrap()
            .contains("plugin use"),
        "{shown}"
    );
    assert_eq!(list(&sandbox)["chosen_by"], "plugin use");
    // The human text says the choice may come from an install, not the user.
    let listed = ok(&mut sandbox.host(), ["plugin", "list"]);
    assert!(listed.stdout.contains("or `plugin install`"), "{listed}");

    let used = ok(&mut sandbox.host(), ["plugin", "use", "staging"]);
    assert!(used.stdout.contains("staging"), "{used}");
    assert_eq!(info(&sandbox)["plugin"]["name"], "staging");
    let table = ok(&mut sandbox.host(), ["info"]);
    assert!(table.stdout.contains("from `plugin use`"), "{table}");

    // FLYTEKIT_PLUGIN overrides the choice for one command.
    let overridden = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", "myorg"),
        ["info", "-o", "json"],
    );
    assert_eq!(overridden["plugin"]["name"], "myorg");
    assert_eq!(overridden["plugin"]["origin"], "FLYTEKIT_PLUGIN");
    let listed = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", "myorg"),
        ["plugin", "list", "-o", "json"],
    );
    assert_eq!(listed["chosen_by"], "FLYTEKIT_PLUGIN");

    ok(&mut sandbox.host(), ["plugin", "use", "builtin"]);
    let shown = info(&sandbox);
    assert_eq!(shown["plugin"]["name"], "builtin");
    assert!(
        shown["plugin"]["origin"]
            .as_str()
            .unwrap()
            .contains("plugin use builtin"),
        "{shown}"
    );
    assert_eq!(list(&sandbox)["chosen_by"], "plugin use");

    // Only installed plugins can be chosen; the error names them.
    let run = fails(&mut sandbox.host(), ["plugin", "use", "acme"]);
    for needle in ["'acme'", "myorg", "staging", "builtin"] {
        assert!(run.stderr.contains(needle), "lacks {needle}:\n{run}");
    }

    // Removing the one chosen plugin forgets the choice: the one left is the only plugin installed.
    ok(&mut sandbox.host(), ["plugin", "use", "staging"]);
    let removed = ok(&mut sandbox.host(), ["plugin", "remove", "staging"]);
    assert!(
        removed.stderr.contains("was the active plugin"),
        "{removed}"
    );
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");
    assert_eq!(list(&sandbox)["chosen_by"], "only plugin installed");
}

#[test]
fn the_choice_is_written_privately_and_refused_when_others_may_write_it() {
    let sandbox = Sandbox::new();
    install(&sandbox, "myorg");
    let choice = sandbox.default_drop_in().join("active-plugin");
    assert_eq!(fs::read_to_string(&choice).unwrap(), "myorg\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&choice).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        fs::set_permissions(&choice, fs::Permissions::from_mode(0o666)).unwrap();
        let run = fails(&mut sandbox.host(), ["info"]);
        assert!(run.stderr.contains("choice file"), "{run}");
        assert!(run.stderr.contains(&choice.display().to_string()), "{run}");
        // Help and plugin management still work, after one warning.
        let help = ok(&mut sandbox.host(), ["--help"]);
        assert_eq!(help.stderr.lines().count(), 1, "{help}");
        assert!(help.stderr.starts_with("warning: "), "{help}");
        ok(&mut sandbox.host(), ["plugin", "use", "myorg"]);
        ok(&mut sandbox.host(), ["info"]);
    }
    // A choice naming a plugin that is gone is named as such.
    fs::write(&choice, "gone\n").unwrap();
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(run.stderr.contains("'gone'"), "{run}");
    assert!(run.stderr.contains("plugin use"), "{run}");
    ok(&mut sandbox.host(), ["plugin", "list"]);
}

#[test]
fn installing_next_to_an_active_loose_drop_in_stacks_on_it() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    let loose = sandbox.install_plugin("myorg", &dir, None);
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");
    let installed = install(&sandbox, "staging");
    let file = loose.file_name().unwrap().to_str().unwrap();
    let needle =
        format!("'staging' is now the top layer of the plugin stack (staging → {file} → builtin)");
    assert!(
        installed.stderr.contains(&needle),
        "lacks {needle}:\n{installed}"
    );
    // Commands that call hooks run the stack; the loose library stays in it, by its file name.
    let shown = info(&sandbox);
    assert_eq!(shown["plugin"]["name"], "staging");
    assert_eq!(shown["stack"][1]["name"], "myorg", "{shown}");
    ok(&mut sandbox.host(), ["plugin", "use", file]);
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");
    let list = ok(&mut sandbox.host(), ["plugin", "list", "-o", "json"]);
    assert!(list.stdout.contains("\"chosen_by\""), "{list}");
    ok(&mut sandbox.host(), ["plugin", "use", "staging"]);
    assert_eq!(info(&sandbox)["plugin"]["name"], "staging");
    // And back, by the loose library's file name; an unknown name lists both kinds.
    ok(&mut sandbox.host(), ["plugin", "use", file]);
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");
    let run = fails(&mut sandbox.host(), ["plugin", "use", "nope"]);
    assert!(
        run.stderr.contains("staging") && run.stderr.contains(file),
        "{run}"
    );
    // A choice of a loose library that is gone is named as such.
    fs::remove_file(&loose).unwrap();
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(run.stderr.contains(file), "{run}");
}

#[test]
fn installing_next_to_two_loose_drop_ins_activates_it_and_names_them() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    let first = sandbox.install_plugin("myorg", &dir, None);
    let second = sandbox.install_plugin("misbehaving", &dir, None);
    fails(&mut sandbox.host(), ["info"]);
    let installed = install(&sandbox, "staging");
    for needle in [
        first.display().to_string().as_str(),
        second.display().to_string().as_str(),
        "'staging' is the active plugin",
        "not in the stack",
        "add them with `flyte-host plugin use`",
    ] {
        assert!(
            installed.stderr.contains(needle),
            "lacks {needle}:\n{installed}"
        );
    }
    // No guessing of an order for the loose ones: the new plugin alone is the recorded stack.
    assert_eq!(info(&sandbox)["plugin"]["name"], "staging");
    ok(&mut sandbox.host(), ["--help"]);
}

#[test]
fn two_loose_drop_ins_are_an_error_only_for_commands_that_call_hooks() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    sandbox.install_plugin("myorg", &dir, None);
    sandbox.install_plugin("staging", &dir, None);
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(run.stderr.contains("several plugins in"), "{run}");
    // `plugin use` chooses a loose library by its file name.
    assert!(run.stderr.contains("loose libraries' file names"), "{run}");
    for args in [
        &["--help"][..],
        &["help"],
        &["completion", "zsh"],
        &["plugin", "show"],
    ] {
        let run = ok(&mut sandbox.host(), args);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}:\n{run}");
        assert!(run.stderr.starts_with("warning: several plugins"), "{run}");
    }
    for args in [
        &["--version"][..],
        &["version"],
        &["plugin", "list"],
        &["plugin", "verify"],
    ] {
        let run = ok(&mut sandbox.host(), args);
        assert_eq!(run.stderr, "", "{args:?} loads nothing:\n{run}");
    }
    let staging = format!(
        "{}staging{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    ok(&mut sandbox.host(), ["plugin", "use", &staging]);
    assert_eq!(info(&sandbox)["plugin"]["name"], "staging");
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_in_the_plugin_directory_is_named() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    sandbox.install_plugin("myorg", &dir, None);
    let link = dir.join("libgone.so");
    std::os::unix::fs::symlink(sandbox.root().join("nowhere.so"), &link).unwrap();
    let run = ok(&mut sandbox.host(), ["info"]);
    assert!(run.stdout.contains("myorg"), "{run}");
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("warning:"))
        .unwrap_or_else(|| panic!("no warning:\n{run}"));
    assert!(warning.contains(&link.display().to_string()), "{run}");
    assert!(warning.contains("nowhere.so"), "{run}");
    // `plugin list` looks at the directory more than once, and names the link once.
    let listed = ok(&mut sandbox.host(), ["plugin", "list"]);
    assert_eq!(listed.stderr.matches("libgone.so").count(), 1, "{listed}");
}

#[cfg(unix)]
#[test]
fn library_paths_that_are_not_utf8_are_accepted() {
    use std::{ffi::OsStr, os::unix::ffi::OsStrExt};
    let sandbox = Sandbox::new();
    let name = OsStr::from_bytes(b"lib\xffmyorg.so");
    let library = sandbox.root().join(name);
    fs::copy(plugin_path("myorg"), &library).unwrap();
    let shown = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", &library),
        ["info", "-o", "json"],
    );
    assert_eq!(shown["plugin"]["name"], "myorg");
    ok(
        &mut sandbox.host(),
        ["plugin".as_ref(), "check".as_ref(), library.as_os_str()],
    );
    ok(
        &mut sandbox.host(),
        ["plugin".as_ref(), "install".as_ref(), library.as_os_str()],
    );
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");
    ok(&mut sandbox.host(), ["plugin", "verify"]);
    ok(
        &mut sandbox.host(),
        [
            "plugin".as_ref(),
            "manifest".as_ref(),
            library.as_os_str(),
            "--url".as_ref(),
            "https://plugins.example/libmyorg.so".as_ref(),
            "--out".as_ref(),
            "m.toml".as_ref(),
        ],
    );
    assert!(fs::read_to_string(sandbox.cwd().join("m.toml"))
        .unwrap()
        .contains("name = \"myorg\""));
    // As a drop-in.
    let sandbox = Sandbox::new();
    let dropped = sandbox.default_drop_in().join(name);
    fs::create_dir_all(sandbox.default_drop_in()).unwrap();
    fs::copy(plugin_path("myorg"), &dropped).unwrap();
    assert_eq!(info(&sandbox)["plugin"]["name"], "myorg");
    let listed = ok(&mut sandbox.host(), ["plugin", "list"]);
    assert!(listed.stdout.contains("myorg"), "{listed}");
}

#[cfg(unix)]
#[test]
fn plugin_list_says_each_problem_once() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    install(&sandbox, "myorg");
    let dir = sandbox.default_drop_in();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let listed = ok(&mut sandbox.host(), ["plugin", "list"]);
    assert_eq!(
        listed.stdout.matches("writable by other users").count(),
        1,
        "{listed}"
    );
    assert!(!listed.all().contains("(from plugin check)"), "{listed}");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
}
