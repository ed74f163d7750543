//! Organization plugin indexes (issue 16): `plugin index add/list/remove`, `plugin install NAME`
//! resolved from them, `plugin outdated`, `plugin upgrade` (a failing new version leaves the old
//! one active) and the once-a-day notice, with indexes, manifests and libraries served by the
//! loopback server.

use std::fs;

use serde_json::Value;

use super::{
    fixtures::{list, manifest, pretend_older, serve_myorg, sha256},
    server::{Reply, Server},
};
use crate::support::{
    self, assert_error_paragraph, fails, host_target, ok, ok_json, plugin_file_name, plugin_path,
    Sandbox,
};

/// An index listing `entries` of plugin myorg: (version, manifest path, extra TOML lines).
fn index(entries: &[(&str, &str, &str)]) -> String {
    let mut text = String::from("[[plugin]]\nname = \"myorg\"\ndescription = \"MyOrg's plugin\"\n");
    for (version, manifest, extra) in entries {
        text.push_str(&format!(
            "\n[[plugin.version]]\nversion = \"{version}\"\nmanifest = \"{manifest}\"\n{extra}"
        ));
    }
    text
}

/// The myorg server with `/index.toml` listing 1.0.0 (its good manifest) and 9.0.0, which needs
/// a far newer host.
fn serve_index() -> Server {
    let server = serve_myorg();
    server.route(
        "/index.toml",
        Reply::Ok(
            index(&[
                ("1.0.0", "myorg.toml", ""),
                ("9.0.0", "nine.toml", "min_host = \"99.0\"\n"),
            ])
            .into_bytes(),
        ),
    );
    server
}

/// A sandbox with `server`'s index added as acme and myorg installed from it, made to look like
/// release 0.9.0 (see [`pretend_older`]).
fn older_myorg_installed(server: &Server) -> Sandbox {
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "acme", &server.url("/index.toml")],
    );
    ok(&mut sandbox.host(), ["plugin", "install", "myorg"]);
    pretend_older(&sandbox);
    sandbox
}

#[test]
fn install_by_name_takes_the_newest_version_this_host_can_load() {
    let server = serve_index();
    let sandbox = Sandbox::new();
    let added = ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "acme", &server.url("/index.toml")],
    );
    assert!(added.stdout.contains("plugins  myorg"), "{added}");
    let listed = ok_json(
        &mut sandbox.host(),
        ["plugin", "index", "list", "-o", "json"],
    );
    assert_eq!(listed[0]["name"], "acme");
    assert_eq!(listed[0]["plugins"][0], "myorg");

    let installed = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", "myorg", "-o", "json"],
    );
    assert_eq!(installed["version"], "1.0.0");
    assert_eq!(installed["index"], "acme");
    assert_eq!(installed["source"], server.url("/myorg.toml"));
    let run = ok(&mut sandbox.host(), ["plugin", "install", "myorg"]);
    assert!(
        run.stderr.contains("note: myorg 1.0.0 is the newest this host can load: 9.0.0 needs flyte-host 99.0 or later (this is "),
        "{run}"
    );
    // Asked for exactly, the version that needs a newer host is refused, saying why.
    let refused = fails(
        &mut sandbox.host(),
        ["plugin", "install", "acme/myorg@9.0.0"],
    );
    assert_error_paragraph(&refused);
    assert!(
        refused
            .stderr
            .contains("'myorg' 9.0.0 needs flyte-host 99.0 or later"),
        "{refused}"
    );
    let unknown = fails(&mut sandbox.host(), ["plugin", "install", "nosuch"]);
    assert!(
        unknown
            .stderr
            .contains("no plugin named 'nosuch' in the configured index (acme)"),
        "{unknown}"
    );
    let removed = ok(&mut sandbox.host(), ["plugin", "index", "remove", "acme"]);
    assert!(removed.stdout.contains("index 'acme'"), "{removed}");
    let no_index = fails(&mut sandbox.host(), ["plugin", "install", "myorg"]);
    assert!(
        no_index
            .stderr
            .contains("no plugin index is configured to look it up in"),
        "{no_index}"
    );
}

#[test]
fn install_by_name_reads_the_listed_manifest_once_and_refuses_one_that_is_not_listed() {
    let server = serve_myorg();
    let target = host_target();
    let file = plugin_file_name("myorg");
    let sha = sha256(&plugin_path("myorg"));
    // A manifest that changes after its first download: the one confirmed as the listed version
    // must be the one installed, so it is read once.
    server.route(
        "/changing.toml",
        Reply::Changing(
            manifest("myorg", &target, &format!("lib/{file}"), &sha).into_bytes(),
            manifest("myorg", &target, "corrupt/lib.so", &sha).into_bytes(),
        ),
    );
    server.route(
        "/index.toml",
        Reply::Ok(
            index(&[
                ("4.0.0", "other.toml", ""),
                ("3.0.0", "lib/x.so", ""),
                ("2.0.0", "myorg.toml", ""),
                ("1.0.0", "changing.toml", ""),
            ])
            .into_bytes(),
        ),
    );
    // Another plugin's manifest, without a build for this platform: the index is at fault first.
    server.route(
        "/other.toml",
        Reply::Ok(manifest("other", "sparc-sun-solaris", "x.so", &sha).into_bytes()),
    );
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "acme", &server.url("/index.toml")],
    );
    let installed = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", "myorg@1.0.0", "-o", "json"],
    );
    assert_eq!(installed["version"], "1.0.0");
    assert_eq!(installed["source"], server.url("/changing.toml"));

    // 2.0.0 is listed at a manifest of 1.0.0; 3.0.0 at a library, not a manifest; 4.0.0 at
    // another plugin's manifest.
    for (version, path, found) in [
        ("2.0.0", "/myorg.toml", "that manifest is myorg 1.0.0"),
        ("3.0.0", "/lib/x.so", "that is not a manifest"),
        ("4.0.0", "/other.toml", "that manifest is other 1.0.0"),
    ] {
        let refused = fails(
            &mut sandbox.host(),
            ["plugin", "install", &format!("myorg@{version}")],
        );
        assert_error_paragraph(&refused);
        assert!(
            refused.stderr.contains(&format!(
                "index 'acme' lists myorg {version} at {}, but {found}: the index is wrong; tell its publisher",
                server.url(path)
            )),
            "{refused}"
        );
    }
    let list = ok_json(&mut sandbox.host(), ["plugin", "list", "-o", "json"]);
    assert!(list.to_string().contains("\"1.0.0\""), "{list}");
    assert!(!list.to_string().contains("2.0.0"), "{list}");
}

#[test]
fn the_same_plugin_in_two_indexes_needs_the_index_named() {
    let server = serve_index();
    let sandbox = Sandbox::new();
    let url = server.url("/index.toml");
    ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "acme", &url],
    );
    ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "mirror", &url],
    );
    let both = fails(&mut sandbox.host(), ["plugin", "install", "myorg"]);
    assert_error_paragraph(&both);
    assert!(
        both.stderr.contains("plugin 'myorg' is in more than one index ('acme' and 'mirror'): say which with acme/myorg"),
        "{both}"
    );
    let picked = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", "mirror/myorg", "-o", "json"],
    );
    assert_eq!(picked["index"], "mirror");
    let twice = fails(
        &mut sandbox.host(),
        ["plugin", "index", "add", "acme", &url],
    );
    assert!(
        twice
            .stderr
            .contains("an index named 'acme' is already configured"),
        "{twice}"
    );
}

#[test]
fn an_index_that_cannot_be_used_is_a_clear_error_and_is_not_added() {
    let server = serve_index();
    server.route(
        "/broken.toml",
        Reply::Ok(b"[[plugin]]\nnam = \"x\"\n".to_vec()),
    );
    server.route(
        "/liar.toml",
        Reply::Ok(index(&[("2.0.0", "myorg.toml", "")]).into_bytes()),
    );
    let sandbox = Sandbox::new();
    let broken = fails(
        &mut sandbox.host(),
        [
            "plugin",
            "index",
            "add",
            "broken",
            &server.url("/broken.toml"),
        ],
    );
    assert_error_paragraph(&broken);
    assert!(
        broken
            .stderr
            .contains("is not a valid plugin index: unknown field `nam`")
            && broken.stderr.contains("line 2"),
        "{broken}"
    );
    let missing = fails(
        &mut sandbox.host(),
        ["plugin", "index", "add", "gone", &server.url("/gone.toml")],
    );
    assert!(missing.stderr.contains("plugin index 'gone'"), "{missing}");
    let listed = ok_json(
        &mut sandbox.host(),
        ["plugin", "index", "list", "-o", "json"],
    );
    assert_eq!(listed, Value::Array(vec![]));
    // An index whose entry points at another version's manifest is caught before any download.
    ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "liar", &server.url("/liar.toml")],
    );
    let lie = fails(&mut sandbox.host(), ["plugin", "install", "myorg"]);
    assert!(
        lie.stderr.contains("index 'liar' lists myorg 2.0.0 at ")
            && lie.stderr.contains("but that manifest is myorg 1.0.0"),
        "{lie}"
    );
    assert!(!sandbox.default_drop_in().join("plugins.lock").exists());
}

#[test]
fn outdated_and_upgrade_and_a_failed_upgrade_keeps_the_old_version() {
    let server = serve_index();
    let sandbox = older_myorg_installed(&server);

    let outdated = ok_json(&mut sandbox.host(), ["plugin", "outdated", "-o", "json"]);
    let row = &outdated[0];
    assert_eq!(row["name"], "myorg");
    assert_eq!(row["installed"], "0.9.0");
    assert_eq!(row["newest"], "9.0.0");
    assert_eq!(row["upgrade_to"], "1.0.0");
    assert_eq!(row["can_load_newest"], false);
    assert!(
        row["blocked"]
            .as_str()
            .unwrap()
            .contains("9.0.0 needs flyte-host 99.0"),
        "{row}"
    );
    let table = ok(&mut sandbox.host(), ["plugin", "outdated"]);
    assert!(table.stdout.starts_with("PLUGIN"), "{table}");
    assert!(table.stdout.contains("upgrade to 1.0.0"), "{table}");

    // The index now offers 1.0.0 from a library that fails the check: the upgrade fails, 0.9.0
    // stays installed and active.
    let bad = plugin_path("wrong-abi");
    let file = plugin_file_name("wrong-abi");
    server.route(&format!("/bad/{file}"), Reply::Ok(fs::read(&bad).unwrap()));
    server.route(
        "/bad.toml",
        Reply::Ok(
            manifest(
                "myorg",
                &host_target(),
                &format!("bad/{file}"),
                &sha256(&bad),
            )
            .into_bytes(),
        ),
    );
    server.route(
        "/index.toml",
        Reply::Ok(index(&[("1.0.0", "bad.toml", "")]).into_bytes()),
    );
    let failed = fails(&mut sandbox.host(), ["plugin", "upgrade"]);
    assert!(
        failed
            .stderr
            .contains("error: myorg stays at 0.9.0, still active: the upgrade to 1.0.0 failed: "),
        "{failed}"
    );
    assert_eq!(list(&sandbox)["plugins"][0]["version"], "0.9.0");
    let still = ok(&mut sandbox.host(), ["info"]);
    assert!(still.stdout.contains("myorg"), "{still}");

    // Fixed: the upgrade installs it.
    server.route(
        "/index.toml",
        Reply::Ok(index(&[("1.0.0", "myorg.toml", "")]).into_bytes()),
    );
    let upgraded = ok(&mut sandbox.host(), ["plugin", "upgrade", "myorg"]);
    assert_eq!(
        upgraded.stdout.trim(),
        "myorg upgraded 0.9.0 → 1.0.0",
        "{upgraded}"
    );
    assert_eq!(list(&sandbox)["plugins"][0]["version"], "1.0.0");
    let again = ok(&mut sandbox.host(), ["plugin", "upgrade"]);
    assert_eq!(again.stdout.trim(), "myorg 1.0.0 is up to date", "{again}");
    let unknown = fails(&mut sandbox.host(), ["plugin", "upgrade", "other"]);
    assert!(
        unknown.stderr.contains("plugin 'other' is not installed"),
        "{unknown}"
    );
}

/// Runs `flyte-host info` on a pseudo-terminal with `env`; what the terminal showed.
fn info_on_a_terminal(sandbox: &Sandbox, env: &[(&str, &str)]) -> Option<String> {
    support::pty::host_on_a_terminal(sandbox, "info", env)
}

#[test]
fn a_newer_version_is_noticed_once_a_day_on_a_terminal_only() {
    let server = serve_index();
    let sandbox = older_myorg_installed(&server);
    let note = "note: newer plugin versions are available: myorg 1.0.0 (installed 0.9.0)";

    // Not on a terminal (the test's pipes): never.
    let piped = ok(&mut sandbox.host(), ["info"]);
    assert!(!piped.all().contains("newer plugin versions"), "{piped}");
    // Off by the variable, or under CI.
    let Some(off) = info_on_a_terminal(&sandbox, &[("FLYTE_PLUGIN_NO_UPDATE_CHECK", "1")]) else {
        return;
    };
    assert!(!off.contains("newer plugin versions"), "{off}");
    let ci = info_on_a_terminal(&sandbox, &[("CI", "true")]).unwrap();
    assert!(!ci.contains("newer plugin versions"), "{ci}");
    // On a terminal: once, from the cached index (the server is gone: no network is used).
    drop(server);
    let first = info_on_a_terminal(&sandbox, &[]).unwrap();
    assert!(first.contains(note), "{first}");
    let second = info_on_a_terminal(&sandbox, &[]).unwrap();
    assert!(
        !second.contains("newer plugin versions"),
        "once a day:\n{second}"
    );
    // --help never shows it.
    let stamp = sandbox.default_drop_in().join(".indexes/notice-shown");
    fs::remove_file(&stamp).unwrap();
    let help = support::pty::host_on_a_terminal(&sandbox, "--help", &[]).unwrap();
    assert!(!help.contains("newer plugin versions"), "{help}");
    assert!(!stamp.exists(), "--help must not even check");
}
