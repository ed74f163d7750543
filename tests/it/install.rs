//! Installing prebuilt plugins end to end: manifests and libraries served by a loopback HTTP server
//! (good, corrupted, truncated, wrong platform, 404, slow), install/list/remove/verify, integrity at
//! load (tampering, loose permissions, the sha256 pin), concurrent installs, FLYTEKIT_PLUGIN by
//! installed name, and `plugin new` → build → check → install.

pub(crate) mod fixtures;
mod indexes;
mod integrity;
mod project_lock;
mod scaffold;
pub(crate) mod server;
use crate::support;

use std::fs;

use fixtures::{installed_library, installed_tree, list, serve_myorg, sha256, tree};
use serde_json::Value;
use support::{fails, ok, ok_json, plugin_file_name, plugin_path, Sandbox};

#[test]
fn install_list_verify_remove_from_a_loopback_manifest() {
    let server = serve_myorg();
    let sandbox = Sandbox::new();
    let url = server.url("/myorg.toml");
    let installed = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", &url, "-o", "json"],
    );
    assert_eq!(installed["name"], "myorg");
    assert_eq!(installed["outcome"]["status"], "installed");
    assert_eq!(tree(&sandbox.default_drop_in()), installed_tree());

    let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["name"], "myorg");
    assert_eq!(
        shown["path"],
        installed_library(&sandbox).display().to_string()
    );

    let listed = list(&sandbox);
    let myorg = &listed["plugins"][0];
    assert_eq!(myorg["name"], "myorg");
    assert_eq!(myorg["kind"], "installed");
    assert_eq!(myorg["version"], "1.0.0");
    assert_eq!(myorg["source"], url);
    assert_eq!(myorg["active"], true);
    assert_eq!(myorg["ok"], true);
    let table = ok(&mut sandbox.host(), ["plugin", "list"]);
    assert!(
        table.stdout.contains("myorg") && table.stdout.contains("installed"),
        "{table}"
    );

    let again = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", &url, "-o", "json"],
    );
    assert_eq!(again["outcome"]["status"], "unchanged");
    ok(&mut sandbox.host(), ["plugin", "verify"]);

    ok(&mut sandbox.host(), ["plugin", "remove", "myorg"]);
    assert_eq!(
        tree(&sandbox.default_drop_in()),
        vec!["plugins.lock".to_owned()]
    );
    let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["name"], "builtin");
    let run = fails(&mut sandbox.host(), ["plugin", "remove", "myorg"]);
    assert!(run.stderr.contains("no plugin named 'myorg'"), "{run}");
}

#[test]
fn broken_downloads_install_nothing() {
    let server = serve_myorg();
    let sandbox = Sandbox::new();
    let cases = [
        ("/corrupt.toml", "manifest says"),
        ("/truncated.toml", "downloading"),
        ("/other-platform.toml", "no build for this platform"),
        ("/missing.toml", "404"),
        ("/nothing-here.toml", "404"),
    ];
    for (path, needle) in cases {
        let run = fails(
            &mut sandbox.host(),
            ["plugin", "install", &server.url(path)],
        );
        assert!(run.stderr.contains(needle), "{path}: {run}");
        let left = tree(&sandbox.default_drop_in());
        assert!(left.is_empty(), "{path} left files behind: {left:?}");
    }
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", "http://example.com/myorg.toml"],
    );
    assert!(run.stderr.contains("plain http"), "{run}");
}

#[test]
fn a_slow_download_completes() {
    let server = serve_myorg();
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "install", &server.url("/slow.toml")],
    );
    assert_eq!(tree(&sandbox.default_drop_in()), installed_tree());
}

#[test]
fn a_library_failing_the_check_is_not_installed() {
    let sandbox = Sandbox::new();
    for package in ["not-a-plugin", "failing-cache", "bad-layout"] {
        let path = plugin_path(package);
        let run = fails(
            &mut sandbox.host(),
            ["plugin", "install", path.to_str().unwrap()],
        );
        assert!(run.stderr.contains("plugin check"), "{package}: {run}");
        // The user's file is named, never the internal staging copy (issue 12).
        assert!(!run.stderr.contains(".staging-"), "{package}: {run}");
        assert!(tree(&sandbox.default_drop_in()).is_empty(), "{package}");
    }
}

#[test]
fn manifest_command_output_installs_from_a_relative_path() {
    let sandbox = Sandbox::new();
    let dist = sandbox.root().join("dist");
    fs::create_dir_all(&dist).unwrap();
    let file = plugin_file_name("myorg");
    fs::copy(plugin_path("myorg"), dist.join(&file)).unwrap();
    let manifest = dist.join("myorg.toml");
    ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            dist.join(&file).to_str().unwrap(),
            "--url",
            &file,
            "--out",
            manifest.to_str().unwrap(),
        ],
    );
    let text = fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains("name = \"myorg\"") && text.contains(&sha256(&plugin_path("myorg"))),
        "{text}"
    );
    ok(
        &mut sandbox.host(),
        ["plugin", "install", manifest.to_str().unwrap()],
    );
    let file_url = format!("file:{}", manifest.display());
    let again = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", &file_url, "-o", "json"],
    );
    assert_eq!(again["outcome"]["status"], "unchanged");
}

#[test]
fn a_newer_version_replaces_the_older_one() {
    let sandbox = Sandbox::new();
    let library = plugin_path("myorg");
    ok(
        &mut sandbox.host(),
        ["plugin", "install", library.to_str().unwrap()],
    );
    // Pretend the installed copy is an older release.
    fixtures::pretend_older(&sandbox);
    let dir = sandbox.default_drop_in();
    assert_eq!(list(&sandbox)["plugins"][0]["version"], "0.9.0");

    let replaced = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", library.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(replaced["outcome"]["status"], "replaced");
    assert_eq!(replaced["outcome"]["previous_version"], "0.9.0");
    assert_eq!(tree(&dir), installed_tree());
}
#[test]
fn concurrent_installs_of_the_same_plugin_agree() {
    let server = serve_myorg();
    let sandbox = Sandbox::new();
    let url = server.url("/myorg.toml");
    let children: Vec<_> = (0..4)
        .map(|_| {
            sandbox
                .std_host()
                .args(["plugin", "install", &url])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(tree(&sandbox.default_drop_in()), installed_tree());
    let listed = list(&sandbox);
    assert_eq!(listed["plugins"].as_array().unwrap().len(), 2, "{listed}");
    ok(&mut sandbox.host(), ["plugin", "verify"]);
}

#[test]
fn flytekit_plugin_names_an_installed_plugin() {
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    // The first plugin installed is the chosen one: a loose library dropped in later does not
    // make the choice ambiguous.
    sandbox.install_plugin("staging", sandbox.default_drop_in(), None);
    let info = ok(&mut sandbox.host(), ["info"]);
    assert!(info.stdout.contains("myorg 1.0.0"), "{info}");
    assert!(info.stdout.contains("from `plugin use`"), "{info}");
    let shown = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", "myorg"),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(shown["name"], "myorg");
    assert_eq!(shown["origin"], "FLYTEKIT_PLUGIN");
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", "acme"), ["info"]);
    assert!(
        run.stderr.contains("neither a file nor a plugin installed"),
        "{run}"
    );
}

#[test]
fn list_shows_every_plugin_and_why_one_is_broken() {
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    sandbox.install_plugin("not-a-plugin", sandbox.default_drop_in(), None);
    let broken = plugin_path("bad-layout");
    let listed = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", &broken),
        ["plugin", "list", "-o", "json"],
    );
    let plugins = listed["plugins"].as_array().unwrap();
    let kinds: Vec<&str> = plugins
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["installed", "drop-in", "FLYTEKIT_PLUGIN", "built-in"],
        "{listed}"
    );
    assert_eq!(plugins[0]["ok"], true);
    assert_eq!(plugins[1]["ok"], false);
    assert!(
        plugins[1]["reason"]
            .as_str()
            .unwrap()
            .contains("not a flyte-host plugin"),
        "{listed}"
    );
    // The broken library FLYTEKIT_PLUGIN selects is the selected one; being broken, it is not
    // active, and the built-in plugin is not either (other commands refuse to start).
    assert_eq!(plugins[2]["selected"], true);
    assert_eq!(plugins[2]["ok"], false);
    assert!(!plugins[2]["reason"].as_str().unwrap().is_empty());
    let selected: Vec<&Value> = plugins.iter().filter(|p| p["selected"] == true).collect();
    assert_eq!(selected.len(), 1, "{listed}");
    assert!(plugins.iter().all(|p| p["active"] == false), "{listed}");
}

#[test]
fn relative_library_paths_mean_the_working_directory() {
    // The out-of-process check runs elsewhere: a relative path must still name the user's file.
    let sandbox = Sandbox::new();
    let library = format!("libs/{}", plugin_file_name("myorg"));
    fs::create_dir_all(sandbox.cwd().join("libs")).unwrap();
    fs::copy(plugin_path("myorg"), sandbox.cwd().join(&library)).unwrap();

    let manifest = ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            &library,
            "--url",
            "https://plugins.example/libmyorg.so",
        ],
    );
    assert!(manifest.stdout.contains("name = \"myorg\""), "{manifest}");
    let listed = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", &library),
        ["plugin", "list", "-o", "json"],
    );
    let row = &listed["plugins"][0];
    assert_eq!(row["name"], "myorg", "{listed}");
    assert_eq!(row["ok"], true, "{listed}");
    // A relative plugin directory would depend on where the command runs: refused (issue 19).
    let run = fails(
        sandbox.host().env("FLYTE_PLUGIN_DIR", "relative-plugins"),
        ["plugin", "install", &library],
    );
    assert!(run.stderr.contains("FLYTE_PLUGIN_DIR"), "{run}");
    assert!(!sandbox.cwd().join("relative-plugins").exists());
}

#[cfg(target_os = "linux")]
#[test]
fn an_install_clears_what_a_killed_install_left_behind() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    // A download cut short by SIGKILL: no destructor ran. Pid 4194304 is above Linux's pid_max.
    let left = dir.join(".staging-4194304-1");
    fs::create_dir_all(&left).unwrap();
    fs::write(left.join("partial.so"), b"half a library").unwrap();
    // And a lock file a writer killed mid-write left (issue 19).
    fs::write(dir.join(".plugins.lock.4194304.tmp"), b"[[plug").unwrap();
    ok(
        &mut sandbox.host(),
        ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
    );
    assert!(!left.exists());
    assert_eq!(tree(&dir), installed_tree());
}

#[test]
fn manifests_must_say_what_install_accepts() {
    let sandbox = Sandbox::new();
    let myorg = plugin_path("myorg");
    for url in [
        "http://plugins.example/libmyorg.so",
        "ftp://plugins.example/libmyorg.so",
    ] {
        let run = fails(
            &mut sandbox.host(),
            ["plugin", "manifest", myorg.to_str().unwrap(), "--url", url],
        );
        assert!(run.stderr.contains(url), "{run}");
        assert_eq!(run.stdout, "", "{run}");
    }
    // A manifest's ABI is checked against the library like its name and version.
    let library = sandbox.cwd().join(plugin_file_name("myorg"));
    fs::copy(&myorg, &library).unwrap();
    let manifest = ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &plugin_file_name("myorg"),
        ],
    )
    .stdout
    .replace("abi = \"1.1.0\"", "abi = \"2.0.0\"");
    let path = sandbox.write("work/myorg.toml", manifest);
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", path.to_str().unwrap()],
    );
    assert!(
        run.stderr
            .contains("its manifest says 'myorg 1.0.0, ABI 2.0.0'"),
        "{run}"
    );
    assert!(!sandbox.default_drop_in().join("myorg").exists());
}

#[test]
fn manifest_takes_the_description_from_the_crate_unless_given() {
    let sandbox = Sandbox::new();
    let library = plugin_path("myorg");
    let library = library.to_str().unwrap();
    let url = "https://plugins.example.com/libmyorg.so";
    let from_crate = ok(
        &mut sandbox.host(),
        ["plugin", "manifest", library, "--url", url],
    );
    assert!(
        from_crate
            .stdout
            .contains("description = \"MyOrg's flyte-host plugin: production endpoint"),
        "{from_crate}"
    );
    let given = ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library,
            "--url",
            url,
            "--description",
            "Ours",
        ],
    );
    assert!(given.stdout.contains("description = \"Ours\""), "{given}");
    // A copy away from any crate: nothing to read, so empty.
    let copy = sandbox.install_plugin("myorg", "dist", None);
    let away = ok(
        &mut sandbox.host(),
        ["plugin", "manifest", copy.to_str().unwrap(), "--url", url],
    );
    assert!(away.stdout.contains("description = \"\""), "{away}");
    // ... and said so, with the way to give one; never when there is one.
    assert!(
        away.stderr
            .starts_with("note: the manifest's description is empty")
            && away.stderr.contains("--description TEXT"),
        "{away}"
    );
    assert_eq!(from_crate.stderr, "", "{from_crate}");
    assert_eq!(given.stderr, "", "{given}");
}
