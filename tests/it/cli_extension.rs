//! `configure_pyflyte_cli` through the `clitour` fixture: groups, typed arguments, exit statuses,
//! commands in built-in groups, hiding, aliases, a changed option default, a clash the built-in
//! wins, an explicit replacement, and completion scripts that include the plugin's commands.

use crate::support;

use serde_json::{json, Value};
use support::{ok, ok_json, run, snapshot::assert_snapshot, usage_error, Sandbox};

fn clitour(sandbox: &Sandbox) -> assert_cmd::Command {
    sandbox.host_with("clitour")
}

/// The rows of the command lists of a help text (`Commands:`, and any `Commands from …:`).
fn command_rows(help: &str) -> Vec<&str> {
    let mut rows = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if !line.starts_with(' ') {
            in_commands = line.starts_with("Commands") && line.ends_with(':');
        } else if in_commands && !line.trim().is_empty() {
            rows.push(line.trim());
        }
    }
    rows
}

/// The command names a help text lists.
fn listed_commands(help: &str) -> Vec<String> {
    command_rows(help)
        .into_iter()
        .filter_map(|row| row.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The help row of command `name`.
fn help_row<'a>(help: &'a str, name: &str) -> &'a str {
    command_rows(help)
        .into_iter()
        .find(|row| row.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no help row for {name}:\n{help}"))
}

/// The one JSON line `acme deploy` prints.
fn deploy(sandbox: &Sandbox, args: &[&str]) -> Value {
    let run = ok(&mut clitour(sandbox), args);
    assert_eq!(run.stdout.lines().count(), 1, "{run}");
    run.json()
}

#[test]
fn help_lists_the_plugin_commands() {
    let sandbox = Sandbox::new();
    let help = ok(&mut clitour(&sandbox), ["--help"]);
    assert_snapshot!("clitour_help", help.stdout);
    let commands = listed_commands(&help.stdout);
    for expected in ["info", "config", "plugin", "acme", "hello"] {
        assert!(
            commands.iter().any(|c| c == expected),
            "{expected} missing:\n{help}"
        );
    }
    // Hidden by the plugin: the built-in `completion` and its own `secret-cmd`.
    for hidden in ["completion", "secret-cmd"] {
        assert!(
            !commands.iter().any(|c| c == hidden),
            "{hidden} shown:\n{help}"
        );
    }
    assert!(
        help_row(&help.stdout, "acme").contains("Acme tools"),
        "{help}"
    );
    assert!(
        help_row(&help.stdout, "hello").contains("hi"),
        "alias shown:\n{help}"
    );
    assert!(
        help_row(&help.stdout, "info").contains("about"),
        "alias shown:\n{help}"
    );

    let acme = ok(&mut clitour(&sandbox), ["acme", "--help"]);
    assert_snapshot!("clitour_acme_help", acme.stdout);
    let acme_commands = listed_commands(&acme.stdout);
    for expected in ["deploy", "fail", "remote", "whoami"] {
        assert!(
            acme_commands.iter().any(|c| c == expected),
            "{expected} missing:\n{acme}"
        );
    }
    assert!(
        help_row(&acme.stdout, "deploy").contains("Deploy a model"),
        "{acme}"
    );

    // The built-in CLI has none of it.
    let builtin = ok(&mut sandbox.host(), ["--help"]);
    assert_snapshot!("builtin_help", builtin.stdout);
    let commands = listed_commands(&builtin.stdout);
    assert!(!commands.iter().any(|c| c == "acme"), "{builtin}");
    assert!(commands.iter().any(|c| c == "completion"), "{builtin}");
}

#[test]
fn deploy_gets_its_typed_arguments() {
    let sandbox = Sandbox::new();
    let line = deploy(
        &sandbox,
        &[
            "acme",
            "deploy",
            "m",
            "-r",
            "3",
            "--tag",
            "a",
            "--tag",
            "b",
            "--dry-run",
        ],
    );
    assert_eq!(
        line,
        json!({
            "model": "m",
            "replicas": 3,
            "dry_run": true,
            "env": "dev",
            "tags": ["a", "b"],
            "project": "acme-proj",
            "domain": "development",
            "output": "table",
            "verbose": false,
        })
    );

    let defaults = deploy(
        &sandbox,
        &["acme", "deploy", "other-model", "--env", "prod"],
    );
    assert_eq!(defaults["model"], "other-model");
    assert_eq!(defaults["replicas"], 1);
    assert_eq!(defaults["dry_run"], false);
    assert_eq!(defaults["env"], "prod");
    assert_eq!(defaults["tags"], json!([]));
}

#[test]
fn deploy_sees_the_global_options() {
    let sandbox = Sandbox::new();
    let line = deploy(
        &sandbox,
        &[
            "-d",
            "production",
            "acme",
            "deploy",
            "m",
            "-o",
            "json",
            "-v",
        ],
    );
    assert_eq!(line["domain"], "production");
    assert_eq!(line["output"], "json");
    assert_eq!(line["verbose"], true);
}

#[test]
fn bad_arguments_are_usage_errors() {
    let sandbox = Sandbox::new();
    usage_error(
        &mut clitour(&sandbox),
        ["acme", "deploy", "m", "-r", "x"],
        &["invalid value 'x'", "--replicas"],
    );
    usage_error(
        &mut clitour(&sandbox),
        ["acme", "deploy"],
        &["required", "<MODEL>"],
    );
    usage_error(
        &mut clitour(&sandbox),
        ["acme", "deploy", "m", "--env", "staging"],
        &["invalid value 'staging'", "dev", "prod"],
    );
    usage_error(
        &mut clitour(&sandbox),
        ["acme", "fail"],
        &["required", "--code"],
    );
    usage_error(
        &mut clitour(&sandbox),
        ["acme", "deploy", "m", "--no-such-flag"],
        &["--no-such-flag"],
    );
}

#[test]
fn default_project_is_changed_and_can_be_overridden() {
    let sandbox = Sandbox::new();
    assert_eq!(
        deploy(&sandbox, &["acme", "deploy", "m"])["project"],
        "acme-proj"
    );
    let shown = ok_json(&mut clitour(&sandbox), ["config", "show", "-o", "json"]);
    assert_eq!(shown["project"], "acme-proj");
    let help = ok(&mut clitour(&sandbox), ["--help"]);
    assert!(help.stdout.contains("[default: acme-proj]"), "{help}");

    assert_eq!(
        deploy(&sandbox, &["-p", "mine", "acme", "deploy", "m"])["project"],
        "mine"
    );
    assert_eq!(
        deploy(&sandbox, &["acme", "deploy", "m", "--project", "late"])["project"],
        "late"
    );
    let shown = ok_json(
        &mut clitour(&sandbox),
        ["-p", "mine", "config", "show", "-o", "json"],
    );
    assert_eq!(shown["project"], "mine");

    // Without the plugin the default is flytekit's.
    let shown = ok_json(&mut sandbox.host(), ["config", "show", "-o", "json"]);
    assert_eq!(shown["project"], "flytesnacks");
}

#[test]
fn about_is_an_alias_of_info() {
    let sandbox = Sandbox::new();
    let about = ok(&mut clitour(&sandbox), ["about"]);
    let info = ok(&mut clitour(&sandbox), ["info"]);
    assert_eq!(about.stdout, info.stdout);
    assert!(about.stdout.contains("clitour 1.0.0"), "{about}");
}

#[test]
fn hidden_commands_still_run() {
    let sandbox = Sandbox::new();
    let secret = ok(&mut clitour(&sandbox), ["secret-cmd"]);
    assert_eq!(secret.stdout, "secret ran\n");

    let completion = ok(&mut clitour(&sandbox), ["completion", "bash"]);
    assert!(completion.stdout.contains("acme"), "{completion}");
}

#[test]
fn command_added_to_a_builtin_group() {
    let sandbox = Sandbox::new();
    let env = ok(&mut clitour(&sandbox), ["config", "env"]);
    assert_eq!(env.stdout, "config env from clitour\n");
    let help = ok(&mut clitour(&sandbox), ["config", "--help"]);
    assert_snapshot!("clitour_config_help", help.stdout);
    let commands = listed_commands(&help.stdout);
    for expected in ["show", "env"] {
        assert!(
            commands.iter().any(|c| c == expected),
            "{expected} missing:\n{help}"
        );
    }
    assert!(help_row(&help.stdout, "env").contains("Print Flyte environment variables"));
    // The built-in member of the group is untouched.
    let shown = ok_json(&mut clitour(&sandbox), ["config", "show", "-o", "json"]);
    assert_eq!(shown["source"]["plugin"], "clitour");
}

#[test]
fn command_with_an_alias() {
    let sandbox = Sandbox::new();
    for name in ["hello", "hi"] {
        let run = ok(&mut clitour(&sandbox), [name]);
        assert_eq!(run.stdout, "hello from clitour\n", "{name}");
    }
}

#[test]
fn a_clash_keeps_the_builtin_and_is_reported() {
    let sandbox = Sandbox::new();
    let run = ok(&mut clitour(&sandbox), ["plugin", "show", "-o", "json"]);
    assert!(!run.stdout.contains("clitour plugin ran"), "{run}");
    let shown = run.json();
    assert_eq!(shown["name"], "clitour");
    assert_eq!(shown["hooks"]["configure_pyflyte_cli"], "plugin");
    let conflicts = shown["cli"]["conflicts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        conflicts.iter().any(|c| c
            .as_str()
            .is_some_and(|c| c.contains("'plugin'") && c.contains("built-in"))),
        "{shown}"
    );
    assert_eq!(shown["cli"]["replaced"], json!([]));
    assert!(
        shown["cli"]["added"]
            .as_array()
            .is_some_and(|a| !a.iter().any(|c| c == "plugin")),
        "{shown}"
    );

    let table = ok(&mut clitour(&sandbox), ["plugin", "show"]);
    assert!(table.stdout.contains("cli conflict"), "{table}");
}

#[test]
fn replacing_info_explicitly() {
    let sandbox = Sandbox::new();
    let replaced = || {
        let mut command = clitour(&sandbox);
        command.env("CLITOUR_REPLACE_INFO", "1");
        command
    };
    let info = ok(&mut replaced(), ["info"]);
    assert_eq!(info.stdout, "acme info\n");
    let shown = ok_json(&mut replaced(), ["plugin", "show", "-o", "json"]);
    assert_eq!(shown["cli"]["replaced"], json!(["info"]));
    // The alias is only made when info is kept.
    let about = run(&mut replaced(), ["about"]);
    assert_eq!(about.code, Some(2), "{about}");
}

#[test]
fn exit_status_comes_from_the_command() {
    let sandbox = Sandbox::new();
    for code in [3, 0, 42] {
        let run = run(
            &mut clitour(&sandbox),
            ["acme", "fail", "--code", &code.to_string()],
        );
        assert_eq!(run.code, Some(code), "{run}");
        support::assert_no_rust_trace(&run);
    }
}

#[test]
fn remote_is_the_resolved_endpoint() {
    let sandbox = Sandbox::new();
    let run = ok(&mut clitour(&sandbox), ["acme", "remote"]);
    assert_eq!(run.stdout, "localhost:30080\n");

    let with_env = ok(
        clitour(&sandbox).env("FLYTE_PLATFORM_URL", "dns:///flyte.env.example.com:443"),
        ["acme", "remote"],
    );
    assert_eq!(with_env.stdout, "flyte.env.example.com:443\n");

    let file = sandbox.write(
        "cfg/config.yaml",
        "admin:\n  endpoint: dns:///from.file:8089\n",
    );
    let with_file = ok(
        &mut clitour(&sandbox),
        ["acme", "remote", "-c", &file.display().to_string()],
    );
    assert_eq!(with_file.stdout, "from.file:8089\n");
}

#[test]
fn whoami_sees_the_host_services() {
    let sandbox = Sandbox::new();
    let run = ok(&mut clitour(&sandbox), ["acme", "whoami"]);
    let info = ok_json(&mut clitour(&sandbox), ["info", "-o", "json"]);
    let expected = format!(
        "host_version: {}\nabi_version: {}\n",
        support::host_version(),
        info["plugin_abi"].as_str().unwrap_or_default()
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn completion_scripts_include_plugin_commands() {
    let sandbox = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = ok(&mut clitour(&sandbox), ["completion", shell]);
        for word in ["acme", "deploy", "hello", "replicas"] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
        let builtin = ok(&mut sandbox.host(), ["completion", shell]);
        assert!(!builtin.stdout.contains("acme"), "{shell}");
    }
}

#[test]
fn a_thousand_commands_still_start_and_run() {
    let sandbox = Sandbox::new();
    let run = ok(
        &mut sandbox.host_with("many-commands"),
        ["cmd-0999", "--name", "x"],
    );
    assert_eq!(run.stdout, "cmd-0999 x\n");
    let shown = ok_json(
        &mut sandbox.host_with("many-commands"),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(shown["cli"]["added"].as_array().map(Vec::len), Some(1000));
}

#[test]
fn plugin_commands_have_help_and_suggestions() {
    let sandbox = Sandbox::new();
    for args in [
        &["acme", "deploy", "--help"][..],
        &["help", "acme", "deploy"],
    ] {
        let help = ok(&mut clitour(&sandbox), args);
        assert_snapshot!("clitour_acme_deploy_help", help.stdout);
        for expected in [
            "Deploy a model",
            "<MODEL>",
            "--replicas <REPLICAS>",
            "How many replicas to run",
            "--dry-run",
            "--tag <TAG>",
            "[default: dev]",
            "possible values: dev",
            "--project",
        ] {
            assert!(
                help.stdout.contains(expected),
                "{args:?} lacks {expected:?}:\n{help}"
            );
        }
    }

    // A group without a subcommand shows its commands.
    let group = run(&mut clitour(&sandbox), ["acme"]);
    assert_eq!(group.code, Some(2), "{group}");
    assert!(group.all().contains("deploy"), "{group}");

    let acm = usage_error(
        &mut clitour(&sandbox),
        ["acm"],
        &["unrecognized subcommand 'acm'", "'acme'"],
    );
    assert_snapshot!("misspelled_plugin_group", acm.stderr);
    usage_error(
        &mut clitour(&sandbox),
        ["acme", "deplo", "m"],
        &["unrecognized subcommand 'deplo'", "'deploy'"],
    );
}

/// The plugin test harness (`flyte_plugin_abi::testing`) shows a plugin the same built-in CLI as
/// the real host: its copy of the built-in commands and global options must not drift from the
/// host's.
#[test]
fn the_plugin_test_harness_sees_the_hosts_builtin_cli() {
    let sandbox = Sandbox::new();
    let real = ok(&mut clitour(&sandbox), ["acme", "builtins"]).stdout;
    let harness = flyte_plugin_abi::testing::PluginTest::<clitour::CliTour>::new()
        .run("acme builtins", &[])
        .unwrap();
    assert!(real.lines().any(|l| l == "command plugin use"), "{real}");
    assert_eq!(
        harness.stdout, real,
        "the harness's built-in CLI (plugin-abi/src/testing/cli.rs) differs from the host's"
    );
}
