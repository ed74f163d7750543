//! The compatibility matrix: which hosts load which plugins, with real binaries and libraries.
//!
//! The current plugin ABI is 1.1 (1.0 plus four appended host services, `try_default_*`), and the
//! next minor is rehearsed: flyte-plugin-abi's `next` feature appends one hook (`get_console_url`)
//! and reports ABI 1.2. Three builds meet here:
//! - the normal one (the "1.1 host" and the plugins built against 1.1), from [`support`];
//! - a second one into `<target>/compat` (the "1.2 host", flyte-host with `abi-next`, and the
//!   `compat-next` / `compat-needs-next` fixtures built against 1.2), built once per test process;
//! - the `abi-1-0` plugin of `tests/fixtures/abi-1.0`, built against a frozen copy of
//!   flyte-plugin-abi 1.0.0 in a workspace of its own (same target directory): it stays what
//!   organizations shipped while `plugin-abi/` evolves, and its shorter `HostServices` and
//!   `PluginMod` tables must keep loading in both hosts.
//!
//! | plugin built against                          | 1.1 host               | 1.2 host                  |
//! |-----------------------------------------------|------------------------|---------------------------|
//! | frozen 1.0 (`abi-1-0`)                        | loads; all six hooks   | loads; new hook: default  |
//! | 1.1 (myorg, staging, …)                       | loads                  | loads; new hook: default  |
//! | 1.2, new hook optional (`compat-next`)        | loads; new hook unused | loads; new hook: plugin's |
//! | 1.2, `MIN_HOST_ABI` 1.2 (`compat-needs-next`) | refused: needs ≥ 1.2   | loads; new hook: plugin's |
//! | 2.0 (`wrong-abi`)                             | refused, ≤ 3 lines     | refused, ≤ 3 lines        |
//! | changed field type (`bad-layout`)             | refused, ≤ 3 lines     | refused, ≤ 3 lines        |
//!
//! The second build makes this the slowest module of the suite. It runs in `cargo test
//! --workspace` and in CI; a developer's fast loop can skip it with `FLYTE_HOST_SKIP_COMPAT=1`
//! (each test then prints `NOT RUN`; refused when `CI` is set) or `cargo test -- --skip compat::`.

use crate::support;

use serde_json::{json, Value};
use support::{
    assert_error_paragraph, assert_no_rust_trace, frozen_1_0_plugin_path, next_plugin_path, ok,
    ok_json, plugin_path, run, Run, Sandbox, GOOD_PLUGINS, HOOKS,
};

/// Whether a developer skips this module's slow rebuilds for a fast loop
/// (`FLYTE_HOST_SKIP_COMPAT=1`; `cargo test -- --skip compat` also works): says so loudly, and is
/// refused under CI, where the matrix always runs.
fn skipped(test: &str) -> bool {
    let set = std::env::var_os("FLYTE_HOST_SKIP_COMPAT").is_some_and(|v| !v.is_empty() && v != "0");
    if set {
        assert!(
            std::env::var_os("CI").is_none(),
            "FLYTE_HOST_SKIP_COMPAT is set under CI: the compatibility matrix must run there"
        );
        crate::support::not_run(&format!(
            "compat::{test}: FLYTE_HOST_SKIP_COMPAT is set (no rebuild into target/compat)"
        ));
    }
    set
}

/// The hook the plugin ABI 1.2 rehearsal appends.
const NEW_HOOK: &str = "get_console_url";

/// The two hosts of the matrix.
#[derive(Debug, Clone, Copy)]
enum Host {
    /// The normal build: plugin ABI 1.1.
    Current,
    /// Built with `abi-next`: plugin ABI 1.2 (the rehearsal).
    Next,
}

impl Host {
    const BOTH: [Host; 2] = [Host::Current, Host::Next];

    /// The host binary in `sandbox`, with `library` as the active plugin (when given).
    fn command(self, sandbox: &Sandbox, library: Option<&std::path::Path>) -> assert_cmd::Command {
        let mut command = match self {
            Host::Current => sandbox.host(),
            Host::Next => sandbox.next_host(),
        };
        if let Some(library) = library {
            command.env("FLYTEKIT_PLUGIN", library);
        }
        command
    }
}

/// `plugin show -o json` with `library` active in `host`.
fn show(host: Host, library: &std::path::Path) -> Value {
    let sandbox = Sandbox::new();
    ok_json(
        &mut host.command(&sandbox, Some(library)),
        ["plugin", "show", "-o", "json"],
    )
}

/// `plugin check -o json LIBRARY` in `host`; asserts every hook passed.
fn check(host: Host, library: &std::path::Path) -> Value {
    let sandbox = Sandbox::new();
    let check = ok_json(
        &mut host.command(&sandbox, None),
        [
            "plugin".as_ref(),
            "check".as_ref(),
            library.as_os_str(),
            "-o".as_ref(),
            "json".as_ref(),
        ],
    );
    assert_eq!(check["ok"], true, "{check:#}");
    check
}

/// The report of `hook` in a `plugin check -o json` document, if any.
fn hook_report<'a>(check: &'a Value, hook: &str) -> Option<&'a Value> {
    check["hooks"]
        .as_array()
        .and_then(|hooks| hooks.iter().find(|h| h["hook"] == hook))
}

/// The hook names a `plugin show -o json` document reports, sorted.
fn hook_names(show: &Value) -> Vec<String> {
    support::keys(&show["hooks"])
}

/// The 1.0 hooks, plus the new one when `with_new` (what a 1.1 / 1.2 host reports).
fn expected_hooks(with_new: bool) -> Vec<String> {
    let mut hooks = HOOKS.to_vec();
    if with_new {
        hooks.push(NEW_HOOK);
    }
    support::sorted(&hooks)
}

/// The plugin ABI a host reports in `info -o json`.
fn host_abi(host: Host) -> String {
    let sandbox = Sandbox::new();
    let info = ok_json(&mut host.command(&sandbox, None), ["info", "-o", "json"]);
    info["plugin_abi"]
        .as_str()
        .unwrap_or_else(|| panic!("no plugin_abi in {info:#}"))
        .to_owned()
}

/// A refusal: exit code 1, one `error:` paragraph of at most three lines, no panic output.
fn assert_short_refusal(run: &Run) {
    assert_error_paragraph(run);
    assert_eq!(run.code, Some(1), "{run}");
    let lines = run.stderr.trim_end().lines().count();
    assert!(lines <= 3, "at most three lines, got {lines}:\n{run}");
    assert_eq!(run.stdout, "", "{run}");
}

#[test]
fn the_hosts_report_plugin_abi_1_1_and_1_2() {
    if skipped("the_hosts_report_plugin_abi_1_1_and_1_2") {
        return;
    }
    assert_eq!(host_abi(Host::Current), "1.1.0");
    assert_eq!(host_abi(Host::Next), "1.2.0");
}

/// What the frozen ABI 1.0 plugin answers, the same in every host: its six hooks and its command.
fn assert_frozen_1_0_plugin_works(host: Host) {
    let library = frozen_1_0_plugin_path();
    let shown = show(host, &library);
    assert_eq!(shown["name"], "abi-1-0", "{shown:#}");
    assert_eq!(shown["abi_version"], "1.0.0", "{shown:#}");
    for hook in HOOKS {
        assert_eq!(shown["hooks"][hook], "plugin", "{hook}: {shown:#}");
    }
    let values = &shown["values"];
    assert_eq!(values["secret_requires_group"], false, "{shown:#}");
    assert_eq!(values["default_image"], "abi-1-0/base:1.0.0", "{shown:#}");
    assert_eq!(values["auth_success_html"], true, "{shown:#}");
    assert_eq!(
        values["default_cache_policies"],
        json!(["abi-1-0"]),
        "{shown:#}"
    );
    assert_eq!(shown["cli"]["added"], json!(["abi-1-0-hello"]), "{shown:#}");
    let checked = check(host, &library);
    for hook in HOOKS {
        let report = hook_report(&checked, hook).unwrap_or_else(|| panic!("{checked:#}"));
        assert_eq!(report["status"], "ok", "{hook}: {checked:#}");
    }

    let sandbox = Sandbox::new();
    let hello = ok(
        &mut host.command(&sandbox, Some(&library)),
        ["abi-1-0-hello"],
    );
    assert_eq!(
        hello.stdout, "built against flyte-plugin-abi 1.0.0\n",
        "{hello}"
    );
    // get_remote decides the endpoint (given with flytekit's gRPC `dns:///` scheme).
    let config = ok_json(
        &mut host.command(&sandbox, Some(&library)),
        ["config", "show", "-o", "json"],
    );
    assert_eq!(
        config["platform"]["endpoint"], "flyte.abi-1-0.example",
        "{config:#}"
    );
    assert_eq!(config["source"]["get_remote"], "plugin", "{config:#}");
}

#[test]
fn plugin_built_against_the_frozen_abi_1_0_works_in_this_host() {
    if skipped("plugin_built_against_the_frozen_abi_1_0_works_in_this_host") {
        return;
    }
    assert_frozen_1_0_plugin_works(Host::Current);
    let shown = show(Host::Current, &frozen_1_0_plugin_path());
    assert_eq!(hook_names(&shown), expected_hooks(false), "{shown:#}");
}

#[test]
fn plugin_built_against_the_frozen_abi_1_0_works_in_host_1_2() {
    if skipped("plugin_built_against_the_frozen_abi_1_0_works_in_host_1_2") {
        return;
    }
    assert_frozen_1_0_plugin_works(Host::Next);
    let shown = show(Host::Next, &frozen_1_0_plugin_path());
    assert_eq!(hook_names(&shown), expected_hooks(true), "{shown:#}");
    assert_eq!(shown["hooks"][NEW_HOOK], "default", "{shown:#}");
    assert_eq!(
        shown["values"]["console_url"], "https://flyte.abi-1-0.example/console",
        "the built-in answer for the plugin's endpoint: {shown:#}"
    );
}

#[test]
fn plugin_1_1_loads_in_host_1_2_with_the_new_hook_defaulted() {
    if skipped("plugin_1_1_loads_in_host_1_2_with_the_new_hook_defaulted") {
        return;
    }
    let myorg = plugin_path("myorg");
    let shown = show(Host::Next, &myorg);
    assert_eq!(shown["name"], "myorg", "{shown:#}");
    assert_eq!(shown["abi_version"], "1.1.0", "{shown:#}");
    assert_eq!(hook_names(&shown), expected_hooks(true), "{shown:#}");
    for hook in HOOKS {
        assert_eq!(shown["hooks"][hook], "plugin", "{hook}: {shown:#}");
    }
    assert_eq!(shown["hooks"][NEW_HOOK], "default", "{shown:#}");
    assert_eq!(
        shown["values"]["console_url"], "https://flyte.prod.myorg.com/console",
        "the built-in answer for myorg's endpoint: {shown:#}"
    );

    let checked = check(Host::Next, &myorg);
    let report = hook_report(&checked, NEW_HOOK).unwrap_or_else(|| panic!("{checked:#}"));
    assert_eq!(report["status"], "ok", "{checked:#}");
    assert_eq!(report["source"], "default", "{checked:#}");

    // The 1.0 hooks work end to end: the plugin's command runs in the 1.2 host.
    let sandbox = Sandbox::new();
    let status = ok(
        &mut Host::Next.command(&sandbox, Some(&myorg)),
        ["my-org-status"],
    );
    assert!(
        status
            .stdout
            .contains("MyOrg Flyte services are operational."),
        "{status}"
    );
}

#[test]
fn builtin_plugin_in_host_1_2_answers_the_new_hook() {
    if skipped("builtin_plugin_in_host_1_2_answers_the_new_hook") {
        return;
    }
    let sandbox = Sandbox::new();
    let shown = ok_json(
        &mut Host::Next.command(&sandbox, None),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(shown["builtin"], true, "{shown:#}");
    assert_eq!(shown["hooks"][NEW_HOOK], "default", "{shown:#}");
    assert_eq!(
        shown["values"]["console_url"], "http://localhost:30080/console",
        "{shown:#}"
    );
}

#[test]
fn plugin_1_2_with_an_optional_new_hook_loads_in_host_1_1() {
    if skipped("plugin_1_2_with_an_optional_new_hook_loads_in_host_1_1") {
        return;
    }
    let library = next_plugin_path("compat-next");
    let shown = show(Host::Current, &library);
    assert_eq!(shown["name"], "compat-next", "{shown:#}");
    assert_eq!(shown["abi_version"], "1.2.0", "{shown:#}");
    assert_eq!(shown["min_host_abi"], "1.0.0", "{shown:#}");
    assert_eq!(hook_names(&shown), expected_hooks(false), "{shown:#}");
    assert_eq!(shown["hooks"]["get_default_image"], "plugin", "{shown:#}");
    assert_eq!(shown["values"]["default_image"], "compat/next:1.2");
    assert!(shown["values"].get("console_url").is_none(), "{shown:#}");
    let checked = check(Host::Current, &library);
    assert!(hook_report(&checked, NEW_HOOK).is_none(), "{checked:#}");
}

#[test]
fn plugin_1_2_answers_the_new_hook_in_host_1_2() {
    if skipped("plugin_1_2_answers_the_new_hook_in_host_1_2") {
        return;
    }
    for (package, url) in [
        ("compat-next", "https://console.compat.example/"),
        ("compat-needs-next", "https://console.needs-next.example/"),
    ] {
        let library = next_plugin_path(package);
        let shown = show(Host::Next, &library);
        assert_eq!(shown["abi_version"], "1.2.0", "{shown:#}");
        assert_eq!(hook_names(&shown), expected_hooks(true), "{shown:#}");
        assert_eq!(shown["hooks"][NEW_HOOK], "plugin", "{shown:#}");
        let console = shown["values"]["console_url"].as_str().unwrap_or_default();
        assert!(console.starts_with(url), "{package}: {shown:#}");
        let checked = check(Host::Next, &library);
        let report = hook_report(&checked, NEW_HOOK).unwrap_or_else(|| panic!("{checked:#}"));
        assert_eq!(report["source"], "plugin", "{checked:#}");
    }
}

/// `plugin show` with a refused plugin: exit 0, one `warning:` line naming the refusal, and the
/// built-in plugin's report.
fn assert_warned_then_builtin(output: &Run, needle: &str) {
    assert_eq!(output.code, Some(0), "{output}");
    let warnings: Vec<&str> = output
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 1, "{output}");
    assert!(warnings[0].contains(needle), "lacks {needle:?}:\n{output}");
    assert!(
        output
            .stdout
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("name") && l.ends_with("builtin")),
        "{output}"
    );
}

#[test]
fn plugin_1_2_that_needs_the_new_hook_is_refused_by_host_1_1() {
    if skipped("plugin_1_2_that_needs_the_new_hook_is_refused_by_host_1_1") {
        return;
    }
    let library = next_plugin_path("compat-needs-next");
    let sandbox = Sandbox::new();
    let path = library.display().to_string();
    for args in [vec!["info"], vec!["plugin", "check", path.as_str()]] {
        let active = if args.contains(&"check") {
            None
        } else {
            Some(library.as_path())
        };
        let refused = run(&mut Host::Current.command(&sandbox, active), &args);
        assert_short_refusal(&refused);
        for needle in [
            "plugin 'compat-needs-next' 1.4.0",
            "needs flyte-host with plugin ABI ≥ 1.2; this host has 1.1",
            path.as_str(),
        ] {
            assert!(
                refused.stderr.contains(needle),
                "lacks {needle:?}:\n{refused}"
            );
        }
    }
    // `plugin show` works whatever state the plugin is in: one warning, then the built-in plugin.
    let warned = run(
        &mut Host::Current.command(&sandbox, Some(&library)),
        ["plugin", "show"],
    );
    assert_warned_then_builtin(&warned, "needs flyte-host with plugin ABI ≥ 1.2");
    let shown = show(Host::Next, &library);
    assert_eq!(shown["min_host_abi"], "1.2.0", "{shown:#}");
}

#[test]
fn incompatible_plugins_are_refused_briefly_by_both_hosts() {
    if skipped("incompatible_plugins_are_refused_briefly_by_both_hosts") {
        return;
    }
    for host in Host::BOTH {
        for (package, needle) in [
            ("wrong-abi", "built against plugin ABI 2.0"),
            ("bad-layout", "does not match this host's plugin ABI"),
        ] {
            let library = plugin_path(package);
            let sandbox = Sandbox::new();
            let refused = run(&mut host.command(&sandbox, Some(&library)), ["info"]);
            assert_short_refusal(&refused);
            assert!(
                refused.stderr.contains(needle),
                "{host:?}, {package}: lacks {needle:?}:\n{refused}"
            );
            let warned = run(
                &mut host.command(&sandbox, Some(&library)),
                ["plugin", "show"],
            );
            assert_warned_then_builtin(&warned, needle);
            let path = library.display().to_string();
            let checked = run(
                &mut host.command(&sandbox, None),
                ["plugin", "check", path.as_str()],
            );
            assert_short_refusal(&checked);
        }
    }
}

#[test]
fn verbose_shows_the_full_layout_report_in_both_hosts() {
    if skipped("verbose_shows_the_full_layout_report_in_both_hosts") {
        return;
    }
    let library = plugin_path("bad-layout");
    for host in Host::BOTH {
        let sandbox = Sandbox::new();
        let verbose = run(&mut host.command(&sandbox, Some(&library)), ["info", "-v"]);
        assert_eq!(verbose.code, Some(1), "{host:?}: {verbose}");
        assert_no_rust_trace(&verbose);
        assert!(verbose.stderr.starts_with("error: "), "{verbose}");
        assert!(verbose.stderr.contains("full report:"), "{verbose}");
        assert!(verbose.stderr.contains("Type Layout"), "{verbose}");
        let lines = verbose.stderr.lines().count();
        assert!(
            lines > 20,
            "{host:?}: -v shows the full report, got {lines} lines"
        );
        // A 2.0 plugin fails abi_stable's version check before any layout is compared: there is
        // no report to show, and `-v` stays as short.
        let wrong_abi = plugin_path("wrong-abi");
        let verbose = run(
            &mut host.command(&sandbox, Some(&wrong_abi)),
            ["info", "-v"],
        );
        assert_short_refusal(&verbose);
    }
}

/// `document` without what only a 1.2 host reports.
fn without_new_hook(mut document: Value) -> Value {
    // `plugin show`: `hooks` and `values` are objects.
    if let Some(hooks) = document.get_mut("hooks").and_then(Value::as_object_mut) {
        hooks.remove(NEW_HOOK);
    }
    if let Some(values) = document.get_mut("values").and_then(Value::as_object_mut) {
        values.remove("console_url");
    }
    if let Some(through) = document.get_mut("through").and_then(Value::as_object_mut) {
        through.remove(NEW_HOOK);
    }
    // `plugin check`: `hooks` is a list of reports.
    if let Some(hooks) = document.get_mut("hooks").and_then(Value::as_array_mut) {
        hooks.retain(|h| h["hook"] != NEW_HOOK);
    }
    document
}

#[test]
fn the_same_plugin_answers_the_same_in_both_hosts() {
    if skipped("the_same_plugin_answers_the_same_in_both_hosts") {
        return;
    }
    let mut libraries: Vec<_> = GOOD_PLUGINS.iter().map(|p| plugin_path(p)).collect();
    libraries.push(next_plugin_path("compat-next"));
    for library in libraries {
        let old = show(Host::Current, &library);
        let new = show(Host::Next, &library);
        assert_eq!(
            old,
            without_new_hook(new),
            "plugin show -o json of {}",
            library.display()
        );
        let old = check(Host::Current, &library);
        let new = check(Host::Next, &library);
        assert_eq!(
            old,
            without_new_hook(new),
            "plugin check -o json of {}",
            library.display()
        );
    }
    // And the answers are real: myorg's values, as tests/it/hooks.rs expects them in the 1.1 host.
    let myorg = show(Host::Next, &plugin_path("myorg"));
    assert_eq!(
        myorg["values"]["default_image"],
        json!("myorg/flytekit-base:1.2.3")
    );
    assert_eq!(
        myorg["values"]["default_cache_policies"],
        json!(["myorg-v1"])
    );
}
