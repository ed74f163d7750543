//! How failures reach the user: one paragraph on stderr starting `error:`, a non-zero exit (never a
//! signal), no Rust panic trace, and the culprit named (library, plugin and hook, command, config
//! file and line, environment variable).

use crate::support;

use std::{
    io::Read,
    process::{Command as StdCommand, Stdio},
};

use support::{fails, ok, plugin_path, run, snapshot::assert_snapshot, Sandbox, HOOKS};

/// Which command reaches each hook of the active plugin (and fails with it: `--help` goes on
/// without a plugin whose `configure_pyflyte_cli` fails).
fn command_reaching(hook: &str) -> &'static [&'static str] {
    match hook {
        "configure_pyflyte_cli" => &["info"],
        "get_remote" => &["config", "show"],
        _ => &["plugin", "show"],
    }
}

/// What the host says about each hook's nonsense (`None`: the hook has no nonsensical answer).
fn nonsense_message(hook: &str) -> Option<&'static str> {
    match hook {
        "get_remote" => Some("endpoint '' has no host"),
        "configure_pyflyte_cli" => Some("command name ''"),
        "get_default_image" => Some("the image name is empty"),
        "get_auth_success_html" => Some("the success page is empty"),
        "get_default_cache_policies" => Some("two cache policies are named 'dup'"),
        _ => None,
    }
}

#[test]
fn missing_plugin_library() {
    let sandbox = Sandbox::new();
    let missing = sandbox.root().join("nowhere").join("libmissing.so");
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &missing), ["info"]);
    assert_snapshot!("missing_plugin_library", run.stderr);
}

#[test]
fn file_that_is_not_a_shared_library() {
    let sandbox = Sandbox::new();
    let text = sandbox.write("work/x.so", "plain text, not ELF\n");
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &text), ["info"]);
    assert_snapshot!("plugin_not_a_shared_library", run.stderr);

    let dir = sandbox.root().join("work");
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &dir), ["info"]);
    assert_snapshot!("plugin_is_a_directory", run.stderr);
}

#[test]
fn shared_library_without_a_root_module() {
    let sandbox = Sandbox::new();
    let run = fails(&mut sandbox.host_with("not-a-plugin"), ["info"]);
    assert_snapshot!("library_without_a_root_module", run.stderr);
}

#[test]
fn plugin_built_for_another_abi_major() {
    let sandbox = Sandbox::new();
    // `plugin …` commands go on with the built-in plugin after one warning line.
    let shown = ok(&mut sandbox.host_with("wrong-abi"), ["plugin", "show"]);
    assert_eq!(shown.stderr.lines().count(), 1, "{shown}");
    assert_snapshot!("another_abi_major_warning", shown.stderr);
    // The error names the plugin's ABI (2.0) and the one this host loads (1.x).
    let run = fails(&mut sandbox.host_with("wrong-abi"), ["info"]);
    assert_snapshot!("another_abi_major", run.stderr);
}

#[test]
fn plugin_that_needs_a_newer_host() {
    let sandbox = Sandbox::new();
    let run = fails(&mut sandbox.host_with("needs-newer-host"), ["info"]);
    assert_snapshot!("plugin_needs_a_newer_host", run.stderr);
}

#[test]
fn layout_mismatch_is_condensed_unless_verbose() {
    let sandbox = Sandbox::new();
    let run = fails(&mut sandbox.host_with("bad-layout"), ["info"]);
    let lines = run.stderr.trim_end().lines().count();
    assert!(
        lines <= 5,
        "the report must be condensed, got {lines} lines:\n{run}"
    );
    // What the plugin was built against, what the host expects, and a pointer at --verbose.
    assert_snapshot!("layout_mismatch_condensed", run.stderr);

    for args in [["info", "-v"], ["--verbose", "info"]] {
        let verbose = run_verbose(&sandbox, &args);
        assert!(verbose.stderr.starts_with("error: "), "{verbose}");
        assert!(verbose.stderr.contains("full report:"), "{verbose}");
        let lines = verbose.stderr.lines().count();
        assert!(
            lines > 20,
            "-v shows abi_stable's full report, got {lines} lines:\n{verbose}"
        );
        assert!(verbose.stderr.contains("Type Layout"), "{verbose}");
    }
}

fn run_verbose(sandbox: &Sandbox, args: &[&str]) -> support::Run {
    let verbose = run(&mut sandbox.host_with("bad-layout"), args);
    assert_eq!(verbose.code, Some(1), "{verbose}");
    support::assert_no_rust_trace(&verbose);
    verbose
}

/// `MISBEHAVE=<mode>:<hook>` with the misbehaving plugin active, through the command that reaches
/// `hook`: an error naming the plugin, the hook and `expected`.
fn assert_hook_error(mode: &str, hook: &str, expected: &str) {
    let sandbox = Sandbox::new();
    let spec = format!("{mode}:{hook}");
    let args = command_reaching(hook);
    let run = fails(
        sandbox.host_with("misbehaving").env("MISBEHAVE", &spec),
        args,
    );
    assert_eq!(run.code, Some(1), "{spec} {args:?}:\n{run}");
    for needle in ["'misbehaving'", &format!("`{hook}`"), expected] {
        assert!(
            run.stderr.contains(needle),
            "{spec} {args:?}: lacks {needle:?}:\n{run}"
        );
    }
}

#[test]
fn panicking_hooks_name_plugin_hook_and_message() {
    for hook in HOOKS {
        assert_hook_error("panic", hook, &format!("deliberate panic in {hook}"));
        assert_hook_error("panic", hook, "panicked");
    }
}

#[test]
fn failing_hooks_name_plugin_hook_and_message() {
    for hook in HOOKS {
        assert_hook_error("error", hook, &format!("deliberate error in {hook}"));
    }
}

#[test]
fn nonsense_from_hooks_is_refused() {
    for hook in HOOKS {
        if let Some(message) = nonsense_message(hook) {
            assert_hook_error("nonsense", hook, message);
            assert_hook_error("nonsense", hook, "invalid value");
        }
    }
}

#[test]
fn get_remote_failure_stops_every_command_that_needs_the_remote() {
    let sandbox = Sandbox::new();
    for args in [
        &["info"][..],
        &["plugin", "show"],
        &["config", "show", "-o", "json"],
    ] {
        let run = fails(
            sandbox
                .host_with("misbehaving")
                .env("MISBEHAVE", "panic:get_remote"),
            args,
        );
        assert!(
            run.stderr.contains("deliberate panic in get_remote"),
            "{args:?}:\n{run}"
        );
        if args == ["plugin", "show"] {
            // plugin show reports the other hooks first.
            assert!(
                run.stdout.contains("get_remote                  FAILED"),
                "{args:?}:\n{run}"
            );
        } else {
            assert_eq!(run.stdout, "", "{args:?}:\n{run}");
        }
    }
}

#[test]
fn a_failing_get_remote_does_not_stop_commands_that_do_not_need_it() {
    let sandbox = Sandbox::new();
    let broken = || {
        let mut command = sandbox.host_with("misbehaving");
        command.env("MISBEHAVE", "panic:get_remote");
        command
    };
    let help = ok(&mut broken(), ["--help"]);
    assert!(help.stdout.contains("boom"), "{help}");
    // --help goes on without the commands of a plugin whose configure_pyflyte_cli fails.
    let help = ok(
        sandbox
            .host_with("misbehaving")
            .env("MISBEHAVE", "panic:configure_pyflyte_cli"),
        ["--help"],
    );
    assert!(!help.stdout.contains("boom"), "{help}");
    assert!(
        help.stderr.starts_with("warning: plugin 'misbehaving' 1.0")
            && help.stderr.contains("(its commands are left out)"),
        "{help}"
    );
    assert_eq!(ok(&mut broken(), ["boom"]).stdout, "boom ok\n");
    ok(&mut broken(), ["--version"]);
    // Checking another library does not ask the active plugin for its remote either.
    let myorg = plugin_path("myorg");
    ok(
        &mut broken(),
        ["plugin".as_ref(), "check".as_ref(), myorg.as_os_str()],
    );
}

#[test]
fn failing_plugin_command_names_the_command() {
    let sandbox = Sandbox::new();
    let good = ok(&mut sandbox.host_with("misbehaving"), ["boom"]);
    assert_eq!(good.stdout, "boom ok\n", "{good}");

    for (mode, expected) in [
        ("panic", "deliberate panic in command"),
        ("error", "deliberate error in command"),
    ] {
        let run = fails(
            sandbox
                .host_with("misbehaving")
                .env("MISBEHAVE", format!("{mode}:command")),
            ["boom"],
        );
        for needle in ["'misbehaving'", "`boom`", expected] {
            assert!(
                run.stderr.contains(needle),
                "{mode}: lacks {needle:?}:\n{run}"
            );
        }
        assert!(!run.stdout.contains("boom ok"), "{run}");
    }

    // Exit status 256 must not wrap around to success.
    let run = run(
        sandbox
            .host_with("misbehaving")
            .env("MISBEHAVE", "nonsense:command"),
        ["boom"],
    );
    assert!(
        run.code.is_some_and(|c| c != 0),
        "status 256 became success:\n{run}"
    );
    support::assert_no_rust_trace(&run);
}

#[test]
fn config_file_named_by_config_option_must_exist() {
    let sandbox = Sandbox::new();
    let run = fails(
        &mut sandbox.host(),
        ["-c", "missing.yaml", "config", "show"],
    );
    assert_snapshot!("config_option_file_missing", run.stderr);

    // With a plugin whose get_remote would read it, too: the user's mistake, not the plugin's.
    let run = fails(
        &mut sandbox.host_with("myorg"),
        ["--config", "missing.yaml", "config", "show"],
    );
    assert!(run.stderr.contains("missing.yaml"), "{run}");
    assert!(!run.stderr.contains("'myorg'"), "{run}");
    assert!(!run.stderr.contains("get_remote"), "{run}");
}

#[test]
fn config_file_named_by_environment_must_exist() {
    let sandbox = Sandbox::new();
    for var in ["FLYTECTL_CONFIG", "_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE"] {
        let run = fails(
            sandbox.host().env(var, "absent/config.yaml"),
            ["config", "show"],
        );
        assert!(run.stderr.contains("absent/config.yaml"), "{var}:\n{run}");
        assert!(run.stderr.contains(var), "{var}:\n{run}");
    }
}

#[test]
fn unparsable_yaml_names_file_and_line() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "home/.flyte/config.yaml",
        "admin:\n  endpoint: dns:///x:81\n  insecure: [true\nconsole:\n  endpoint: y\n",
    );
    let run = fails(&mut sandbox.host(), ["config", "show"]);
    assert!(run.stderr.contains(&file.display().to_string()), "{run}");
    assert_snapshot!("unparsable_yaml", run.stderr);

    let bad_value = sandbox.write("bad.yaml", "admin:\n  endpoint: x:1\n  insecure: maybe\n");
    let run = fails(
        &mut sandbox.host(),
        ["-c", &bad_value.display().to_string(), "config", "show"],
    );
    assert_snapshot!("yaml_bad_value", run.stderr);
}

#[test]
fn yaml_of_the_wrong_shape_names_the_line_and_the_expected_shape() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("home/.flyte/config.yaml", "- admin\n- console\n");
    let run = fails(&mut sandbox.host(), ["config", "show"]);
    assert!(run.stderr.contains(&file.display().to_string()), "{run}");
    assert_snapshot!("yaml_of_the_wrong_shape", run.stderr);
    assert!(!run.stderr.contains("struct"), "{run}");
}

#[test]
fn unparsable_ini_names_file_and_line() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/flytekit.config", "[platform]\nurl x\n");
    let run = fails(&mut sandbox.host(), ["config", "show"]);
    assert!(run.stderr.contains(&file.display().to_string()), "{run}");
    assert_snapshot!("unparsable_ini", run.stderr);
}

#[test]
fn bad_environment_value_names_the_variable() {
    let sandbox = Sandbox::new();
    let mut seen = String::new();
    for (var, value) in [
        ("FLYTE_PLATFORM_INSECURE", "maybe"),
        ("FLYTE_CREDENTIALS_AUTH_MODE", "Kerberos"),
        ("FLYTE_PLATFORM_RPC_RETRIES", "lots"),
    ] {
        let run = fails(
            sandbox
                .host()
                .env("FLYTE_PLATFORM_URL", "flyte.example.com:443")
                .env(var, value),
            ["config", "show"],
        );
        seen.push_str(&format!("{var}={value}\n{}", run.stderr));
    }
    assert_snapshot!("bad_environment_values", seen);
    // Overriding a config file's value is checked the same way.
    sandbox.write("home/.flyte/config.yaml", "admin:\n  endpoint: x:1\n");
    let run = fails(
        sandbox.host().env("FLYTE_PLATFORM_INSECURE", "maybe"),
        ["config", "show", "-o", "json"],
    );
    assert!(run.stderr.contains("FLYTE_PLATFORM_INSECURE"), "{run}");
}

#[test]
fn unusable_endpoints_name_where_they_came_from() {
    let sandbox = Sandbox::new();
    let run = fails(
        sandbox.host().env("FLYTE_PLATFORM_URL", "http://a b"),
        ["config", "show"],
    );
    assert!(run.stderr.contains("FLYTE_PLATFORM_URL"), "{run}");
    assert!(run.stderr.contains("contains whitespace"), "{run}");
    let yaml = sandbox.write("home/.flyte/config.yaml", "admin:\n  endpoint: \"x y:1\"\n");
    let run = fails(&mut sandbox.host(), ["config", "show"]);
    assert!(run.stderr.contains(&yaml.display().to_string()), "{run}");
    assert!(run.stderr.contains("admin.endpoint"), "{run}");
    assert!(run.stderr.contains("line 2"), "{run}");
    let ini = sandbox.write(
        "work/flytekit.config",
        "[platform]\nurl = dns:///host:port\n",
    );
    let run = fails(&mut sandbox.host(), ["config", "show"]);
    assert!(run.stderr.contains(&ini.display().to_string()), "{run}");
    assert!(run.stderr.contains("invalid port 'port'"), "{run}");
}

#[test]
fn missing_client_secret_file_names_the_setting() {
    let sandbox = Sandbox::new();
    let secret = sandbox.root().join("no-such-secret");
    sandbox.write(
        "home/.flyte/config.yaml",
        format!(
            "admin:\n  endpoint: x:1\n  clientSecretLocation: {}\n",
            secret.display()
        ),
    );
    let run = fails(&mut sandbox.host(), ["config", "show"]);
    assert!(run.stderr.contains(&secret.display().to_string()), "{run}");
    assert_snapshot!("missing_client_secret_file", run.stderr);
}

/// Spawns flyte-host with its stdout a pipe whose reading end is already closed, as in
/// `flyte-host … | head` once `head` has exited.
fn run_into_closed_pipe(mut command: StdCommand) -> support::Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn flyte-host");
    drop(child.stdout.take());
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("read stderr");
    }
    let status = child.wait().expect("wait for flyte-host");
    support::Run {
        code: status.code(),
        stdout: String::new(),
        stderr,
    }
}

#[test]
fn closed_stdout_is_not_an_error() {
    let sandbox = Sandbox::new();
    for args in [
        &["plugin", "show"][..],
        &["config", "show", "-o", "json"],
        &["info"],
    ] {
        let mut command = sandbox.std_host();
        command.args(args);
        let run = run_into_closed_pipe(command);
        assert_eq!(run.code, Some(0), "{args:?}:\n{run}");
        assert_eq!(run.stderr, "", "{args:?}:\n{run}");
    }
}

#[test]
fn completion_into_a_closed_pipe_is_not_an_internal_error() {
    let sandbox = Sandbox::new();
    let mut command = sandbox.std_host();
    // A thousand commands make the script far larger than a pipe's buffer.
    command
        .env("FLYTEKIT_PLUGIN", plugin_path("many-commands"))
        .args(["completion", "bash"]);
    let run = run_into_closed_pipe(command);
    support::assert_no_rust_trace(&run);
    assert_eq!(run.code, Some(0), "{run}");
}
