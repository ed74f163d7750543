//! No library, however broken, takes the host down; no hook hangs it (issue 18); several plugins
//! installed never break the CLI (issue 12). Broken libraries are made by the tests (see
//! `crash/fixtures.rs`) and tried through `FLYTEKIT_PLUGIN`, as a drop-in and installed, with
//! every command family.

mod fixtures;
use crate::support;

use std::{
    fs,
    path::Path,
    time::{Duration, Instant},
};

use fixtures::{
    all_broken, crashing_constructors, garbage_root_module, hanging_constructor, truncated, Broken,
};
use support::{
    assert_error_paragraph, assert_no_rust_trace, fails, ok, ok_json, plugin_path, run, Run,
    Sandbox,
};

/// The commands that never need the plugin's hooks, with whether they succeed on their own.
const NO_HOOKS: &[&[&str]] = &[
    &["--version"],
    &["version"],
    &["--help"],
    &["help"],
    &["completion", "bash"],
    &["plugin", "list"],
    &["plugin", "list", "-o", "json"],
    &["plugin", "show"],
    &["config", "init", "--host", "localhost:30080", "--force"],
];

/// Commands that call hooks: they must fail with one paragraph.
const HOOKS: &[&[&str]] = &[
    &["info"],
    &["config", "show"],
    &["task", "show", "x.toml"],
    &["version", "--remote"],
    &["get", "projects"],
    &["run", "t"],
    &["package", "--output", "out", "x.toml"],
    &["login"],
];

fn assert_not_killed(run: &Run, what: &str) {
    assert!(run.code.is_some(), "{what}: killed by a signal:\n{run}");
    assert_no_rust_trace(run);
}

/// Runs every command family with `command()` and asserts: nothing dies by a signal, the
/// commands without hooks succeed (the loading ones after at most one `warning:` line naming
/// `culprit`), and those with hooks fail with one paragraph naming it.
fn every_command_survives(
    what: &str,
    command: impl Fn() -> assert_cmd::Command,
    culprit: &str,
    expect_warning: bool,
) {
    for args in NO_HOOKS {
        let run = run(&mut command(), *args);
        let what = format!("{what}: {args:?}");
        assert_not_killed(&run, &what);
        assert_eq!(run.code, Some(0), "{what}:\n{run}");
        let warnings: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        let loads = matches!(args[0], "--help" | "help" | "completion") || args[1..] == ["show"];
        if loads && expect_warning {
            assert_eq!(warnings.len(), 1, "{what}: one warning line:\n{run}");
            assert!(warnings[0].contains(culprit), "{what}:\n{run}");
            assert!(!run.stderr.contains("error:"), "{what}:\n{run}");
        } else if !loads {
            assert!(
                warnings.is_empty(),
                "{what}: nothing loaded, nothing to warn about:\n{run}"
            );
        }
    }
    // `plugin verify` fails for a library changed after install, but never by a signal.
    let verify = run(&mut command(), ["plugin", "verify"]);
    assert_not_killed(&verify, &format!("{what}: plugin verify"));
    // Checking another library works; removing a plugin that is not installed names it.
    let myorg = plugin_path("myorg");
    ok(
        &mut command(),
        ["plugin".as_ref(), "check".as_ref(), myorg.as_os_str()],
    );
    let remove = run(&mut command(), ["plugin", "remove", "other"]);
    assert_not_killed(&remove, &format!("{what}: plugin remove other"));
    assert_error_paragraph(&remove);
    assert!(
        remove
            .stderr
            .contains("no plugin named 'other' is installed"),
        "{what}:\n{remove}"
    );
    for args in HOOKS {
        let run = run(&mut command(), *args);
        let what = format!("{what}: {args:?}");
        assert_not_killed(&run, &what);
        assert_error_paragraph(&run);
        assert!(
            run.stderr.contains(culprit),
            "{what}: names {culprit}:\n{run}"
        );
    }
}

#[test]
fn broken_libraries_in_flytekit_plugin_never_kill_a_command() {
    for broken in all_broken() {
        let sandbox = Sandbox::new();
        sandbox.write("work/x.toml", "[task]\nname = \"t\"\n");
        let culprit = broken.path.display().to_string();
        every_command_survives(
            &format!("FLYTEKIT_PLUGIN={}", broken.name),
            || {
                let mut command = sandbox.host();
                command.env("FLYTEKIT_PLUGIN", &broken.path);
                command
            },
            &culprit,
            true,
        );
        let run = fails(
            sandbox.host().env("FLYTEKIT_PLUGIN", &broken.path),
            ["info"],
        );
        assert!(
            run.stderr.contains(broken.diagnosis),
            "{}:\n{run}",
            broken.name
        );
        assert!(run.stderr.contains("FLYTEKIT_PLUGIN"), "{run}");
        // What the message says to do works.
        assert!(
            run.stderr.contains("FLYTEKIT_PLUGIN=builtin"),
            "{}:\n{run}",
            broken.name
        );
        ok(sandbox.host().env("FLYTEKIT_PLUGIN", "builtin"), ["info"]);
        // `plugin check` diagnoses it without dying, as does `plugin list`.
        let check = run_check(&sandbox, &broken.path);
        assert_not_killed(&check, broken.name);
        assert_error_paragraph(&check);
        assert!(check.stderr.contains(broken.diagnosis), "{check}");
        assert!(!check.stderr.contains("(from plugin check)"), "{check}");
    }
}

fn run_check(sandbox: &Sandbox, library: &Path) -> Run {
    run(
        &mut sandbox.host(),
        ["plugin".as_ref(), "check".as_ref(), library.as_os_str()],
    )
}

#[test]
fn broken_drop_ins_never_kill_a_command() {
    for broken in all_broken() {
        let sandbox = Sandbox::new();
        sandbox.write("work/x.toml", "[task]\nname = \"t\"\n");
        let dir = sandbox.default_drop_in();
        fs::create_dir_all(&dir).unwrap();
        let library = dir.join(format!("lib{}.so", broken.name.replace('-', "_")));
        fs::copy(&broken.path, &library).unwrap();
        let culprit = library.display().to_string();
        every_command_survives(
            &format!("drop-in {}", broken.name),
            || sandbox.host(),
            &culprit,
            true,
        );
        // Removing another plugin still works (and says it is not installed).
        let run = run(&mut sandbox.host(), ["plugin", "remove", "other"]);
        assert_not_killed(&run, "plugin remove");
        assert_error_paragraph(&run);
        assert!(run.stderr.contains("other"), "{run}");

        let listed = ok_json(&mut sandbox.host(), ["plugin", "list", "-o", "json"]);
        let row = listed["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "drop-in")
            .unwrap_or_else(|| panic!("{listed}"));
        assert_eq!(row["ok"], false, "{listed}");
        let reason = row["reason"].as_str().unwrap();
        assert!(
            reason.contains(broken.diagnosis),
            "{}: {reason}",
            broken.name
        );
        assert!(!reason.contains("(from plugin check)"), "{reason}");
        // The table says it once.
        let table = ok(&mut sandbox.host(), ["plugin", "list"]);
        let lines = table
            .stdout
            .lines()
            .filter(|l| l.contains(&culprit))
            .count();
        assert_eq!(lines, 1, "{table}");
        // The way out: choose the built-in plugin.
        ok(&mut sandbox.host(), ["plugin", "use", "builtin"]);
        ok(&mut sandbox.host(), ["info"]);
    }
}

#[test]
fn a_broken_installed_library_never_kills_a_command() {
    // `plugin install` refuses every broken library (its check runs in child processes)...
    for broken in all_broken() {
        let sandbox = Sandbox::new();
        let run = run(
            &mut sandbox.host(),
            [
                "plugin".as_ref(),
                "install".as_ref(),
                broken.path.as_os_str(),
            ],
        );
        assert_not_killed(&run, broken.name);
        assert_error_paragraph(&run);
        assert!(
            run.stderr.contains(broken.diagnosis),
            "{}:\n{run}",
            broken.name
        );
        assert!(!sandbox.default_drop_in().join("plugins.lock").exists());
    }
    // ...and one broken after its install is caught before anything loads it.
    for broken in all_broken() {
        let sandbox = Sandbox::new();
        sandbox.write("work/x.toml", "[task]\nname = \"t\"\n");
        ok(
            &mut sandbox.host(),
            ["plugin", "install", plugin_path("myorg").to_str().unwrap()],
        );
        let installed = sandbox
            .default_drop_in()
            .join("myorg/1.0.0")
            .join(support::plugin_file_name("myorg"));
        fs::copy(&broken.path, &installed).unwrap();
        every_command_survives(
            &format!("installed {}", broken.name),
            || sandbox.host(),
            &installed.display().to_string(),
            true,
        );
        ok(&mut sandbox.host(), ["plugin", "use", "builtin"]);
        ok(&mut sandbox.host(), ["info"]);
    }
}

#[test]
fn each_crash_is_named_by_its_signal_and_a_truncation_as_such() {
    let sandbox = Sandbox::new();
    for broken in truncated().iter().chain(&crashing_constructors()) {
        let run = fails(
            sandbox.host().env("FLYTEKIT_PLUGIN", &broken.path),
            ["config", "show"],
        );
        assert!(run.stderr.contains(broken.diagnosis), "{run}");
        assert!(
            run.stderr.contains("FLYTEKIT_PLUGIN=builtin"),
            "what to do:\n{run}"
        );
    }
    let garbage: Broken = garbage_root_module();
    let run = fails(
        sandbox.host().env("FLYTEKIT_PLUGIN", &garbage.path),
        ["info"],
    );
    assert_error_paragraph(&run);
    for needle in [
        garbage.path.display().to_string().as_str(),
        "panicked while loading (",
        "its data is damaged",
        "FLYTEKIT_PLUGIN=builtin",
    ] {
        assert!(run.stderr.contains(needle), "lacks {needle:?}:\n{run}");
    }
    assert!(!run.stderr.contains("bug in flyte-host"), "{run}");
}

#[test]
fn half_a_plugin_loads_only_when_every_segment_is_there() {
    // A debug build keeps its debug info after its loadable segments: cut in half, what the
    // loader maps may still be whole. Either it works, or it is named as truncated.
    let sandbox = Sandbox::new();
    let half = fixtures::half_of_myorg();
    let run = run(sandbox.host().env("FLYTEKIT_PLUGIN", &half), ["info"]);
    assert_not_killed(&run, "half");
    if run.code != Some(0) {
        assert_error_paragraph(&run);
        assert!(run.stderr.contains("is truncated"), "{run}");
    }
}

/// The layout-check records (and trial-load verdicts) under `cache`.
fn records(cache: &Path) -> Vec<std::path::PathBuf> {
    let dir = cache.join("flyte-host").join("layout-checked");
    fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn a_library_survives_its_trial_once_and_only_that_is_recorded() {
    let sandbox = Sandbox::new();
    let cache = sandbox.root().join("cache");
    let host = |library: &Path| {
        let mut command = sandbox.host();
        command
            .env("XDG_CACHE_HOME", &cache)
            .env("FLYTEKIT_PLUGIN", library);
        command
    };
    for broken in crashing_constructors() {
        fails(&mut host(&broken.path), ["info"]);
    }
    assert!(
        records(&cache).is_empty(),
        "a crashing library got a verdict"
    );
    let good = sandbox.install_plugin("myorg", "libs", None);
    ok(&mut host(&good), ["info"]);
    let recorded = records(&cache);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(fs::read_to_string(&recorded[0])
        .unwrap()
        .contains(&good.display().to_string()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&recorded[0]), 0o600);
        assert_eq!(mode(recorded[0].parent().unwrap()), 0o700);
    }
    // The second start finds the verdict and runs no trial: a trial would write the record again.
    let identity = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(p).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let before = identity(&recorded[0]);
    std::thread::sleep(Duration::from_millis(20));
    ok(&mut host(&good), ["info"]);
    assert_eq!(
        records(&cache),
        recorded,
        "the second start found the verdict"
    );
    assert_eq!(
        identity(&recorded[0]),
        before,
        "the second start tried the library again"
    );
    // A changed file is tried again: the same path, now a library that crashes while loading.
    if let Some(crashing) = crashing_constructors().pop() {
        fs::copy(&crashing.path, &good).unwrap();
        let run = fails(&mut host(&good), ["info"]);
        assert!(run.stderr.contains(crashing.diagnosis), "{run}");
        assert_eq!(records(&cache), recorded, "the crash got no verdict");
    }
    // And restored, it is tried and recorded again.
    fs::copy(plugin_path("myorg"), &good).unwrap();
    ok(&mut host(&good), ["info"]);
    assert_eq!(records(&cache).len(), 2, "{:?}", records(&cache));
}

/// A forged record (named as the host would name one for `library`) in `cache`, from the name of
/// a real record there: the host's part of the name is the real one's, the library's is computed.
#[cfg(unix)]
fn forge_record(cache: &Path, library: &Path, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let real = records(cache)
        .pop()
        .expect("a real record to learn the host's part from");
    let name = real.file_name().unwrap().to_str().unwrap().to_owned();
    let host_part: Vec<&str> = name.splitn(3, '_').collect();
    let forged = real.with_file_name(format!(
        "{}_{}_{}",
        host_part[0],
        host_part[1],
        support::layout_record_identity(library)
    ));
    fs::write(&forged, "forged\n").unwrap();
    fs::set_permissions(&forged, fs::Permissions::from_mode(mode)).unwrap();
    forged
}

#[cfg(unix)]
#[test]
fn records_anyone_else_could_write_are_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let Some(crashing) = crashing_constructors().pop() else {
        return;
    };
    let sandbox = Sandbox::new();
    let cache = sandbox.root().join("cache");
    let good = sandbox.install_plugin("myorg", "libs", None);
    let host = |library: &Path| {
        let mut command = sandbox.host();
        command
            .env("XDG_CACHE_HOME", &cache)
            .env("FLYTEKIT_PLUGIN", library);
        command
    };
    ok(&mut host(&good), ["info"]);
    // A record others may write, for a library that crashes: not trusted, so the trial load runs.
    let forged = forge_record(&cache, &crashing.path, 0o666);
    let run = fails(&mut host(&crashing.path), ["info"]);
    assert!(run.stderr.contains(crashing.diagnosis), "{run}");
    // The same in a directory others may write.
    fs::set_permissions(&forged, fs::Permissions::from_mode(0o600)).unwrap();
    let dir = forged.parent().unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    let run = fails(&mut host(&crashing.path), ["info"]);
    assert!(run.stderr.contains(crashing.diagnosis), "{run}");
}

#[test]
fn a_hook_that_hangs_ends_the_command_naming_plugin_and_hook() {
    let sandbox = Sandbox::new();
    let hanging = |spec: &str| {
        let mut command = sandbox.host_with("misbehaving");
        command.env("MISBEHAVE", spec);
        command
    };
    // The first start with the library pays its trial load: not part of what is timed here.
    ok(&mut sandbox.host_with("misbehaving"), ["info"]);
    let started = Instant::now();
    let run = fails(
        hanging("hang:get_remote").env("FLYTE_PLUGIN_HOOK_TIMEOUT", "1"),
        ["info"],
    );
    assert!(started.elapsed() < Duration::from_secs(4), "{run}");
    for needle in [
        "'misbehaving'",
        "`get_remote`",
        "within 1 s",
        "FLYTE_PLUGIN_HOOK_TIMEOUT",
    ] {
        assert!(run.stderr.contains(needle), "lacks {needle:?}:\n{run}");
    }
    // The default limit is a few seconds.
    let started = Instant::now();
    let run = fails(&mut hanging("hang:get_default_image"), ["plugin", "show"]);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(15),
        "{took:?}:\n{run}"
    );
    assert!(run.stderr.contains("`get_default_image`"), "{run}");
    // A plugin command has no limit unless one is set.
    let run = fails(
        hanging("hang:command").env("FLYTE_PLUGIN_HOOK_TIMEOUT", "1"),
        ["boom"],
    );
    assert!(run.stderr.contains("command `boom`"), "{run}");
    let mut child = sandbox
        .std_host()
        .env("FLYTEKIT_PLUGIN", plugin_path("misbehaving"))
        .env("MISBEHAVE", "hang:command")
        .arg("boom")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(6));
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        still_running,
        "a plugin command was stopped without a limit set"
    );
    // A bad limit is named.
    let run = fails(
        sandbox
            .host_with("myorg")
            .env("FLYTE_PLUGIN_HOOK_TIMEOUT", "soon"),
        ["info"],
    );
    assert!(
        run.stderr.contains("FLYTE_PLUGIN_HOOK_TIMEOUT is `soon`"),
        "{run}"
    );
}

#[test]
fn a_hanging_hook_is_stopped_in_an_installed_plugin_and_in_plugin_check() {
    let sandbox = Sandbox::new();
    ok(
        &mut sandbox.host(),
        [
            "plugin",
            "install",
            plugin_path("misbehaving").to_str().unwrap(),
        ],
    );
    let stopped = fails(
        sandbox
            .host()
            .env("MISBEHAVE", "hang:configure_pyflyte_cli")
            .env("FLYTE_PLUGIN_HOOK_TIMEOUT", "1"),
        ["info"],
    );
    assert!(
        stopped.stderr.contains("`configure_pyflyte_cli`"),
        "{stopped}"
    );
    let library = plugin_path("misbehaving");
    let run = run(
        sandbox
            .host()
            .env("MISBEHAVE", "hang:secret_requires_group")
            .env("FLYTE_PLUGIN_HOOK_TIMEOUT", "1"),
        ["plugin".as_ref(), "check".as_ref(), library.as_os_str()],
    );
    assert_not_killed(&run, "plugin check");
    assert_error_paragraph(&run);
    assert!(run.stderr.contains("`secret_requires_group`"), "{run}");
    // As a drop-in.
    let sandbox = Sandbox::new();
    let dropped = sandbox.install_plugin("misbehaving", sandbox.default_drop_in(), None);
    let stopped = fails(
        sandbox
            .host()
            .env("MISBEHAVE", "hang:get_remote")
            .env("FLYTE_PLUGIN_HOOK_TIMEOUT", "1"),
        ["info"],
    );
    for needle in [
        "'misbehaving'",
        dropped.display().to_string().as_str(),
        "`get_remote`",
        "within 1 s",
    ] {
        assert!(
            stopped.stderr.contains(needle),
            "lacks {needle:?}:\n{stopped}"
        );
    }
}

#[test]
fn a_library_that_hangs_while_loading_is_named_after_the_trial_times_out() {
    let Some(hanging) = hanging_constructor() else {
        return;
    };
    let sandbox = Sandbox::new();
    let started = Instant::now();
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &hanging), ["info"]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(60), "{took:?}:\n{run}");
    for needle in [
        hanging.display().to_string().as_str(),
        "did not finish loading within 30 s",
        "FLYTEKIT_PLUGIN=builtin",
    ] {
        assert!(run.stderr.contains(needle), "lacks {needle:?}:\n{run}");
    }
    // Commands that load nothing do not wait for it.
    let started = Instant::now();
    ok(
        sandbox.host().env("FLYTEKIT_PLUGIN", &hanging),
        ["--version"],
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
