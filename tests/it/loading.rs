//! `flyte-host plugin check PATH`, the plugin author's tool: it loads a library without activating
//! it, calls every hook and reports each answer, or why the library cannot be loaded at all.

use crate::support;

use serde_json::{json, Value};
use support::{
    fails, keys, ok, ok_json, plugin_path, run, snapshot::assert_snapshot, sorted, Sandbox,
    GOOD_PLUGINS, HOOKS,
};

/// `plugin check -o json` for `package`'s library with `MISBEHAVE` set to `misbehave` (if any).
fn check_json(sandbox: &Sandbox, package: &str, misbehave: Option<&str>) -> (Option<i32>, Value) {
    let mut command = sandbox.host();
    if let Some(spec) = misbehave {
        command.env("MISBEHAVE", spec);
    }
    let path = plugin_path(package);
    let run = run(
        &mut command,
        [
            "plugin".as_ref(),
            "check".as_ref(),
            path.as_os_str(),
            "-o".as_ref(),
            "json".as_ref(),
        ],
    );
    support::assert_no_rust_trace(&run);
    (run.code, run.json())
}

/// The report of `hook` in a `plugin check -o json` document.
fn hook_report<'a>(check: &'a Value, hook: &str) -> &'a Value {
    check["hooks"]
        .as_array()
        .and_then(|hooks| hooks.iter().find(|h| h["hook"] == hook))
        .unwrap_or_else(|| panic!("no report for {hook}: {check}"))
}

#[test]
fn good_plugins_pass_with_every_hook_listed() {
    let sandbox = Sandbox::new();
    for package in GOOD_PLUGINS {
        let path = plugin_path(package);
        let table = ok(
            &mut sandbox.host(),
            ["plugin".as_ref(), "check".as_ref(), path.as_os_str()],
        );
        assert!(
            table
                .stdout
                .contains(&format!("{package} 1.0.0 (plugin ABI ")),
            "{table}"
        );
        for hook in HOOKS {
            let row = table
                .stdout
                .lines()
                .find(|l| l.starts_with(hook))
                .unwrap_or_else(|| panic!("{package}: no {hook} row:\n{table}"));
            assert!(row.contains(" ok ["), "{package}: {row}");
        }

        let (code, check) = check_json(&sandbox, package, None);
        assert_eq!(code, Some(0), "{package}: {check}");
        assert_eq!(check["ok"], true, "{package}: {check}");
        assert_eq!(check["plugin"]["name"], *package);
        assert_eq!(check["plugin"]["version"], "1.0.0");
        assert_eq!(check["plugin"]["path"], path.display().to_string());
        let listed: Vec<&str> = check["hooks"]
            .as_array()
            .unwrap_or_else(|| panic!("hooks is not a list: {check}"))
            .iter()
            .map(|h| h["hook"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(listed, HOOKS, "{package}");
        for report in check["hooks"].as_array().into_iter().flatten() {
            assert_eq!(report["status"], "ok", "{package}: {report}");
        }
    }
}

#[test]
fn check_json_has_the_documented_shape() {
    let sandbox = Sandbox::new();
    let (_, check) = check_json(&sandbox, "staging", None);
    assert_eq!(keys(&check), sorted(&["plugin", "ok", "hooks"]));
    assert_eq!(
        keys(&check["plugin"]),
        sorted(&["name", "version", "path", "abi_version", "min_host_abi"])
    );
    for report in check["hooks"].as_array().into_iter().flatten() {
        assert_eq!(
            keys(report),
            sorted(&["hook", "status", "source", "value"]),
            "{report}"
        );
    }
    assert_eq!(hook_report(&check, "get_remote")["source"], "plugin");
    assert_eq!(
        hook_report(&check, "get_remote")["value"]["endpoint"],
        "https://flyte.staging.example.com"
    );
    for hook in &HOOKS[1..] {
        assert_eq!(hook_report(&check, hook)["source"], "default", "{hook}");
    }
}

#[test]
fn myorg_check_shows_its_answers_and_cache_policy_version() {
    let sandbox = Sandbox::new();
    let path = plugin_path("myorg");
    let table = ok(
        &mut sandbox.host(),
        ["plugin".as_ref(), "check".as_ref(), path.as_os_str()],
    );
    for expected in [
        "ok [plugin] https://flyte.prod.myorg.com",
        "ok [plugin] 1 command(s) added",
        "ok [plugin] false",
        "ok [plugin] myorg/flytekit-base:1.2.3",
        "myorg-v1 → v1",
    ] {
        assert!(
            table.stdout.contains(expected),
            "lacks {expected:?}:\n{table}"
        );
    }

    let page_row = table
        .stdout
        .lines()
        .find(|l| l.starts_with("get_auth_success_html"))
        .unwrap_or_else(|| panic!("no page row:\n{table}"));
    assert!(
        page_row.contains("ok [plugin]") && page_row.contains("bytes"),
        "{page_row}"
    );

    let (code, check) = check_json(&sandbox, "myorg", None);
    assert_eq!(code, Some(0));
    assert_eq!(
        hook_report(&check, "get_default_cache_policies")["value"],
        json!([{"name": "myorg-v1", "version": "v1"}])
    );
    assert_eq!(
        hook_report(&check, "configure_pyflyte_cli")["value"]["added"],
        json!(["my-org-status"])
    );
    assert_eq!(hook_report(&check, "secret_requires_group")["value"], false);
    assert_eq!(
        hook_report(&check, "get_default_image")["value"],
        "myorg/flytekit-base:1.2.3"
    );
    let page = &hook_report(&check, "get_auth_success_html")["value"];
    assert!(page["bytes"].as_u64().is_some_and(|b| b > 100), "{page}");
}

#[test]
fn check_does_not_need_the_plugin_to_be_active() {
    // The active plugin is staging; checking myorg reports myorg's hooks, not staging's.
    let sandbox = Sandbox::new();
    let path = plugin_path("myorg");
    let run = ok(
        &mut sandbox.host_with("staging"),
        [
            "plugin".as_ref(),
            "check".as_ref(),
            path.as_os_str(),
            "-o".as_ref(),
            "json".as_ref(),
        ],
    );
    let check = run.json();
    assert_eq!(check["plugin"]["name"], "myorg");
    assert_eq!(
        hook_report(&check, "get_remote")["value"]["endpoint"],
        "https://flyte.prod.myorg.com"
    );
}

/// Runs `plugin check` on the misbehaving plugin with `MISBEHAVE=<mode>:<target>` and asserts it
/// exits 1 with `hook` (only) failing, its error containing `expected`.
fn assert_check_fails(mode: &str, target: &str, hook: &str, expected: &str) {
    let sandbox = Sandbox::new();
    let spec = format!("{mode}:{target}");
    let (code, check) = check_json(&sandbox, "misbehaving", Some(&spec));
    assert_eq!(code, Some(1), "{spec}: {check}");
    assert_eq!(check["ok"], false, "{spec}: {check}");
    for report in check["hooks"].as_array().into_iter().flatten() {
        if report["hook"] == hook {
            assert_eq!(report["status"], "error", "{spec}: {report}");
            let error = report["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(expected),
                "{spec}: {error:?} lacks {expected:?}"
            );
        } else {
            assert_eq!(
                report["status"], "ok",
                "{spec}: only {hook} fails: {report}"
            );
        }
    }

    let path = plugin_path("misbehaving");
    let table = run(
        sandbox.host().env("MISBEHAVE", &spec),
        ["plugin".as_ref(), "check".as_ref(), path.as_os_str()],
    );
    assert_eq!(table.code, Some(1), "{spec}: {table}");
    support::assert_no_rust_trace(&table);
    let row = table
        .stdout
        .lines()
        .find(|l| l.starts_with(hook))
        .unwrap_or_else(|| panic!("{spec}: no {hook} row:\n{table}"));
    assert!(
        row.contains("FAILED") && row.contains(expected),
        "{spec}: {row}"
    );
}

/// Every mode of a target that is a hook: the panic message, the error, and what the host says
/// about the nonsense.
fn assert_hook_misbehaviour_reported(hook: &str, nonsense: Option<&str>) {
    assert_check_fails("panic", hook, hook, &format!("deliberate panic in {hook}"));
    assert_check_fails("error", hook, hook, &format!("deliberate error in {hook}"));
    if let Some(nonsense) = nonsense {
        assert_check_fails("nonsense", hook, hook, nonsense);
    }
}

#[test]
fn check_reports_a_failing_get_remote() {
    assert_hook_misbehaviour_reported("get_remote", Some("endpoint '' has no host"));
}

#[test]
fn check_reports_a_failing_configure_pyflyte_cli() {
    assert_hook_misbehaviour_reported("configure_pyflyte_cli", Some("command name ''"));
}

#[test]
fn check_reports_a_failing_secret_requires_group() {
    assert_hook_misbehaviour_reported("secret_requires_group", None);
    // There is no nonsensical bool: the plugin answers the default and the check passes.
    let sandbox = Sandbox::new();
    let (code, check) = check_json(
        &sandbox,
        "misbehaving",
        Some("nonsense:secret_requires_group"),
    );
    assert_eq!((code, &check["ok"]), (Some(0), &json!(true)), "{check}");
}

#[test]
fn check_reports_a_failing_get_default_image() {
    assert_hook_misbehaviour_reported("get_default_image", Some("the image name is empty"));
}

#[test]
fn check_reports_a_failing_get_auth_success_html() {
    assert_hook_misbehaviour_reported("get_auth_success_html", Some("the success page is empty"));
}

#[test]
fn check_reports_failing_get_default_cache_policies() {
    assert_hook_misbehaviour_reported(
        "get_default_cache_policies",
        Some("two cache policies are named 'dup'"),
    );
}

#[test]
fn check_reports_a_failing_cache_policy_by_name() {
    let hook = "get_default_cache_policies";
    for (mode, expected) in [
        ("panic", "deliberate panic in cache_policy"),
        ("error", "deliberate error in cache_policy"),
        ("nonsense", "returned an empty version"),
    ] {
        assert_check_fails(mode, "cache_policy", hook, expected);
        assert_check_fails(mode, "cache_policy", hook, "cache policy 'flaky' failed");
    }
}

#[test]
fn check_keeps_going_after_a_failing_hook() {
    let sandbox = Sandbox::new();
    let (code, check) = check_json(
        &sandbox,
        "misbehaving",
        Some("panic:get_default_image,error:get_auth_success_html"),
    );
    assert_eq!(code, Some(1));
    assert_eq!(hook_report(&check, "get_default_image")["status"], "error");
    assert_eq!(
        hook_report(&check, "get_auth_success_html")["status"],
        "error"
    );
    for hook in [
        "get_remote",
        "configure_pyflyte_cli",
        "get_default_cache_policies",
    ] {
        assert_eq!(hook_report(&check, hook)["status"], "ok", "{check}");
    }
    assert_eq!(
        hook_report(&check, "get_default_cache_policies")["value"],
        json!([{"name": "flaky", "version": "flaky-1"}])
    );
}

#[test]
fn check_refuses_libraries_that_are_not_plugins() {
    let sandbox = Sandbox::new();
    let text_file = sandbox.write("work/x.so", "this is not a shared library\n");
    let missing = sandbox.root().join("missing").join("libnothing.so");
    let cases = [
        (plugin_path("not-a-plugin"), "not a flyte-host plugin"),
        (plugin_path("wrong-abi"), "2.0"),
        (
            plugin_path("bad-layout"),
            "does not match this host's plugin ABI",
        ),
        (text_file, "is not a loadable shared library"),
        (missing, "does not exist"),
    ];
    for (path, expected) in cases {
        let run = fails(
            &mut sandbox.host(),
            ["plugin".as_ref(), "check".as_ref(), path.as_os_str()],
        );
        assert_eq!(run.code, Some(1), "{run}");
        assert!(
            run.stderr.contains(expected),
            "{}: lacks {expected:?}:\n{run}",
            path.display()
        );
        assert!(run.stderr.contains(&path.display().to_string()), "{run}");
        assert_eq!(run.stdout, "", "{run}");
    }
}

#[test]
fn check_refuses_a_plugin_that_needs_a_newer_host() {
    let sandbox = Sandbox::new();
    let path = plugin_path("needs-newer-host");
    let run = fails(
        &mut sandbox.host(),
        ["plugin".as_ref(), "check".as_ref(), path.as_os_str()],
    );
    assert_eq!(run.code, Some(1), "{run}");
    assert_snapshot!("check_needs_a_newer_host", run.stderr);
    assert_eq!(run.stdout, "", "{run}");
}

#[test]
fn needs_newer_host_error_names_the_library() {
    let sandbox = Sandbox::new();
    let library = sandbox.install_plugin("needs-newer-host", sandbox.default_drop_in(), None);
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(run.stderr.contains(&library.display().to_string()), "{run}");
}

#[test]
fn check_needs_a_path() {
    let sandbox = Sandbox::new();
    support::usage_error(&mut sandbox.host(), ["plugin", "check"], &["<PATH>"]);
    // The host's own plugin is unaffected by a check.
    let show = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(show["name"], "builtin");
}

#[test]
fn remembered_layout_checks_never_hide_a_changed_library() {
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    let name = format!("libplugin.{}", std::env::consts::DLL_EXTENSION);
    let library = sandbox.install_plugin("myorg", &dir, Some(&name));
    let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["name"], "myorg");
    let record = sandbox.home().join(".cache/flyte-host/layout-checked");
    let remembered: Vec<String> = std::fs::read_dir(&record)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        remembered
            .iter()
            .any(|r| r.trim() == library.display().to_string()),
        "the checked library is remembered in {}: {remembered:?}",
        record.display()
    );
    // A second start-up with the record in place still loads the plugin.
    let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["name"], "myorg");

    // The same file, rewritten in place with another library, is checked afresh.
    std::fs::copy(plugin_path("bad-layout"), &library).expect("overwrite the plugin");
    let run = fails(&mut sandbox.host(), ["info"]);
    assert!(
        run.stderr.contains("does not match this host's plugin ABI"),
        "{run}"
    );
    std::fs::copy(plugin_path("staging"), &library).expect("overwrite the plugin");
    let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["name"], "staging");
}

#[test]
fn layout_check_record_follows_xdg_cache_home() {
    let sandbox = Sandbox::new();
    let cache = sandbox.root().join("xdg-cache");
    ok(
        sandbox.host_with("staging").env("XDG_CACHE_HOME", &cache),
        ["info"],
    );
    assert!(cache.join("flyte-host/layout-checked").is_dir());
    assert!(!sandbox.home().join(".cache").exists());
}

#[test]
fn check_works_while_the_configured_plugin_is_broken() {
    let sandbox = Sandbox::new();
    let broken = plugin_path("wrong-abi");
    let myorg = plugin_path("myorg");
    let run = ok(
        sandbox.host().env("FLYTEKIT_PLUGIN", &broken),
        [
            "plugin".as_ref(),
            "check".as_ref(),
            myorg.as_os_str(),
            "-o".as_ref(),
            "json".as_ref(),
        ],
    );
    let check = run.json();
    assert_eq!(check["plugin"]["name"], "myorg");
    assert_eq!(check["ok"], true);
    // `plugin check` never loads the active plugin, so it has nothing to say about it.
    assert!(!run.stderr.contains(&broken.display().to_string()), "{run}");
    assert!(!run.stderr.contains("error:"), "{run}");

    // Every other command still refuses to run without it.
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &broken), ["info"]);
    assert!(run.stderr.contains("2.0"), "{run}");
}
