//! Nothing outside our directories: hostile names in the lock, manifests, library metadata and
//! arguments; an empty or relative HOME or FLYTE_PLUGIN_DIR; remote manifests naming local files.

use std::{fs, net::TcpStream};

use crate::{
    support::loopback::{answer, Request, Server},
    support::{assert_no_rust_trace, fails, ok, plugin_path, run, Sandbox},
};

/// A lock entry for plugin `name` (version `version`), as a hand-edited or hostile lock has it.
fn lock_entry(name: &str, version: &str) -> String {
    format!(
        "[[plugin]]\nname = \"{name}\"\nversion = \"{version}\"\nabi = \"1.0.0\"\nsha256 = \"{}\"\nsource = \"x\"\nfile = \"libx.so\"\nsize = 1\nmtime_ns = 1\n",
        "ab".repeat(32)
    )
}

#[test]
fn hostile_lock_names_never_reach_outside_the_plugin_directory() {
    for (name, version) in [
        ("..", "1.0.0"),
        ("", "1.0.0"),
        ("ok", ".."),
        ("ok", "../.."),
    ] {
        let sandbox = Sandbox::new();
        let dir = sandbox.default_drop_in();
        fs::create_dir_all(&dir).unwrap();
        let precious = sandbox.home().join(".flyte/precious.txt");
        fs::write(&precious, "the user's file").unwrap();
        fs::write(dir.join("plugins.lock"), lock_entry(name, version)).unwrap();
        for target in [name, "ok", "anything"] {
            // A damaged lock is also warned about when the active plugin is chosen.
            let run = run(&mut sandbox.host(), ["plugin", "remove", target]);
            assert_ne!(run.code, Some(0), "{run}");
            assert_no_rust_trace(&run);
            assert!(run.stderr.contains("error: "), "{run}");
            assert!(
                run.stderr.contains("plugins.lock") || run.stderr.contains("directory name"),
                "{run}"
            );
        }
        assert_eq!(fs::read_to_string(&precious).unwrap(), "the user's file");
        assert!(dir.join("plugins.lock").exists());
    }
    // Arguments too: `..` is refused before the lock is even read.
    let sandbox = Sandbox::new();
    for target in ["..", ".", "", "a/b"] {
        let run = fails(&mut sandbox.host(), ["plugin", "remove", target]);
        assert!(run.stderr.contains("directory name"), "{run}");
    }
}

#[test]
fn a_library_reporting_a_path_as_its_name_is_refused_at_install() {
    let sandbox = Sandbox::new();
    // The fixture's name patched (same length) into a path that climbs out of the plugin dir.
    let mut bytes = fs::read(plugin_path("misbehaving")).unwrap();
    let (from, to) = (b"misbehaving", b"../../evil_");
    let mut patched = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            patched += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(patched > 0);
    let library = sandbox.write("work/libevil.so", bytes);
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", library.to_str().unwrap()],
    );
    assert!(run.stderr.contains("../../evil_"), "{run}");
    assert!(!sandbox.home().join("evil_").exists());
    assert!(!sandbox.root().join("evil_").exists());
    let lock = sandbox.default_drop_in().join("plugins.lock");
    assert!(!fs::read_to_string(lock)
        .unwrap_or_default()
        .contains("evil"));
}

#[test]
fn a_manifest_naming_a_path_as_plugin_name_is_refused() {
    let sandbox = Sandbox::new();
    let manifest = sandbox.write(
        "work/m.toml",
        format!(
            "name = \"..\"\nversion = \"1.0.0\"\nabi = \"1.0\"\n[[platform]]\ntarget = \"x\"\nurl = \"l.so\"\nsha256 = \"{}\"\n",
            "ab".repeat(32)
        ),
    );
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", manifest.to_str().unwrap()],
    );
    assert!(run.stderr.contains("`..`"), "{run}");
}

#[test]
fn an_empty_or_relative_home_or_plugin_dir_is_an_error_naming_it() {
    let sandbox = Sandbox::new();
    let library = plugin_path("myorg");
    for (variable, value) in [
        ("HOME", ""),
        ("HOME", "relative/home"),
        ("FLYTE_PLUGIN_DIR", "plugins"),
    ] {
        let run = fails(
            sandbox.host().env(variable, value),
            ["plugin", "install", library.to_str().unwrap()],
        );
        assert!(run.stderr.contains(variable), "{run}");
        let left: Vec<_> = fs::read_dir(sandbox.cwd()).unwrap().collect();
        assert!(
            left.is_empty(),
            "files were written under the working directory"
        );
    }
}

#[test]
fn a_remote_manifest_may_not_name_local_files() {
    let sandbox = Sandbox::new();
    let target = ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            plugin_path("myorg").to_str().unwrap(),
            "--url",
            "x.so",
        ],
    )
    .stdout
    .lines()
    .find_map(|l| {
        l.strip_prefix("target = ")
            .map(|t| t.trim_matches('"').to_owned())
    })
    .expect("a target line");
    for url in ["file:///dev/zero", "/dev/zero", "file:/etc/passwd"] {
        let manifest = format!(
            "name = \"m\"\nversion = \"1.0.0\"\nabi = \"1.0\"\n[[platform]]\ntarget = \"{target}\"\nurl = \"{url}\"\nsha256 = \"{}\"\n",
            "ab".repeat(32)
        );
        let server = Server::start(move |_: &Request, stream: &mut TcpStream| {
            answer(stream, "200 OK", &manifest)
        });
        let run = fails(
            &mut sandbox.host(),
            ["plugin", "install", &server.url("/m.toml")],
        );
        assert!(run.stderr.contains("never local files"), "{run}");
        assert!(!sandbox.default_drop_in().join("m").exists());
    }
}

#[test]
fn start_up_never_loads_plugins_from_the_current_directory() {
    let sandbox = Sandbox::new();
    // A checkout someone else prepared: libraries where a relative HOME or plugin dir would look.
    sandbox.install_plugin("myorg", "work/.flyte/plugins", None);
    sandbox.install_plugin("myorg", "work/plugins", None);
    sandbox.install_plugin("myorg", "work/rel/home/.flyte/plugins", None);
    for (variable, value) in [
        ("HOME", ""),
        ("HOME", "."),
        ("HOME", "rel/home"),
        ("FLYTE_PLUGIN_DIR", "plugins"),
    ] {
        let run = fails(sandbox.host().env(variable, value), ["info"]);
        assert!(
            run.stderr.contains(&format!(
                "{variable} is `{value}`, which is not an absolute path"
            )),
            "{run}"
        );
        assert!(!run.all().contains("MyOrg"), "a plugin was loaded: {run}");
    }
    // An installed plugin's name in FLYTEKIT_PLUGIN, without any HOME, is not looked up there.
    let mut command = sandbox.host();
    command.env_remove("HOME").env("FLYTEKIT_PLUGIN", "myorg");
    let run = fails(&mut command, ["info"]);
    assert!(run.stderr.contains("no plugin directory"), "{run}");
    assert!(!run.all().contains("MyOrg"), "a plugin was loaded: {run}");
    // Commands that need no plugin still work, with a warning naming the variable.
    let help = ok(sandbox.host().env("HOME", ""), ["--help"]);
    assert!(help.stderr.contains("HOME is ``"), "{help}");
    // `FLYTEKIT_PLUGIN=builtin` needs no plugin directory at all.
    ok(
        sandbox
            .host()
            .env("HOME", "")
            .env("FLYTEKIT_PLUGIN", "builtin"),
        ["info"],
    );
}

#[test]
fn a_relative_home_or_cache_dir_writes_nothing_under_the_current_directory() {
    let sandbox = Sandbox::new();
    for args in [
        &["config", "init", "--host", "flyte.example.com"][..],
        &["plugin", "new", "acme"],
    ] {
        let run = fails(sandbox.host().env("HOME", "rel"), args);
        assert!(run.stderr.contains("not an absolute path"), "{run}");
    }
    // A relative XDG_CACHE_HOME is ignored, as the XDG specification says: the layout-check
    // record goes to ~/.cache.
    ok(
        sandbox
            .host_with("staging")
            .env("XDG_CACHE_HOME", "relcache"),
        ["info"],
    );
    assert!(sandbox.home().join(".cache/flyte-host").is_dir());
    let left: Vec<_> = fs::read_dir(sandbox.cwd())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "written under the working directory: {left:?}"
    );
}
