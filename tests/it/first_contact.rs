//! Connecting the first time: `config init` writes flytectl's config.yaml, misspelled keys in the
//! sections the host reads are warned about with a did-you-mean, and a mistyped `-c FILE` is the
//! user's error whichever plugin's `get_remote` would have read it.

use crate::support;

use std::fs;

use support::{fails, ok, ok_json, run, Sandbox};

#[test]
fn config_init_writes_flytectls_file_and_refuses_to_overwrite_without_force() {
    let sandbox = Sandbox::new();
    let file = sandbox.home().join(".flyte/config.yaml");
    let written = ok(
        &mut sandbox.host(),
        [
            "config",
            "init",
            "--host",
            "https://flyte.example.com",
            "--console",
            "https://console.example.com",
        ],
    );
    assert!(
        written.stdout.contains(&file.display().to_string()),
        "{written}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "admin:\n  # For GRPC endpoints you might want to use dns:///flyte.myexample.com\n  \
         endpoint: dns:///flyte.example.com\n  insecure: false\n\
         console:\n  endpoint: https://console.example.com\n"
    );
    let shown = ok_json(&mut sandbox.host(), ["config", "show", "-o", "json"]);
    assert_eq!(
        shown["platform"]["endpoint"], "flyte.example.com",
        "{shown}"
    );
    assert_eq!(shown["platform"]["insecure"], false, "{shown}");
    assert_eq!(
        shown["platform"]["console_endpoint"], "https://console.example.com",
        "{shown}"
    );

    let refused = fails(
        &mut sandbox.host(),
        ["config", "init", "--host", "localhost:30080", "--insecure"],
    );
    assert!(refused.stderr.contains("--force"), "{refused}");
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .contains("flyte.example.com"),
        "the refused init changed the file"
    );
    ok(
        &mut sandbox.host(),
        [
            "config",
            "init",
            "--host",
            "localhost:30080",
            "--insecure",
            "--force",
        ],
    );
    let shown = ok_json(&mut sandbox.host(), ["config", "show", "-o", "json"]);
    assert_eq!(shown["platform"]["endpoint"], "localhost:30080", "{shown}");
    assert_eq!(shown["platform"]["insecure"], true, "{shown}");

    let bad = fails(
        &mut sandbox.host(),
        ["config", "init", "--host", "flyte example.com", "--force"],
    );
    assert!(bad.stderr.contains("--host `flyte example.com`"), "{bad}");
    let leftovers: Vec<_> = fs::read_dir(sandbox.home().join(".flyte"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(leftovers, ["config.yaml"], "no temporary file is left");
}

#[test]
fn config_init_works_whatever_state_the_plugin_is_in() {
    let sandbox = Sandbox::new();
    let broken = sandbox.write("not-a-plugin.so", "not a library");
    ok(
        sandbox.host().env("FLYTEKIT_PLUGIN", &broken),
        ["config", "init", "--host", "flyte.example.com"],
    );
    assert!(sandbox.home().join(".flyte/config.yaml").is_file());
}

#[test]
fn misspelled_keys_in_the_sections_read_are_warned_about_with_file_line_and_hint() {
    let sandbox = Sandbox::new();
    let yaml = sandbox.write(
        "home/.flyte/config.yaml",
        "admin:\n  endpont: dns:///flyte.example.com\n  insecure: true\n  pkceConfig: {timeout: 2m}\n\
         console:\n  endpoint: http://console\nlogger:\n  show-source: true\nstorage:\n  typo: 1\n",
    );
    let shown = ok(&mut sandbox.host(), ["config", "show", "-o", "json"]);
    let expected = format!(
        "warning: {}:2: `admin.endpont` is not a setting flyte-host knows and is ignored; did you mean 'endpoint'?\n",
        yaml.display()
    );
    assert_eq!(shown.stderr, expected, "{shown}");
    assert_eq!(shown.json()["platform"]["endpoint"], "localhost:30080");

    let ini = sandbox.write(
        "work/flytekit.config",
        "[platform]\nurl = flyte.example.com\ninsecure = true\n\n[credentials]\nclient_idd = me\n\n[sdk]\nworkflow_packages = x\n",
    );
    let shown = ok(&mut sandbox.host(), ["config", "show"]);
    assert_eq!(
        shown.stderr,
        format!(
            "warning: {}:6: `[credentials] client_idd` is not a setting flyte-host knows and is ignored; did you mean 'client_id'?\n",
            ini.display()
        ),
        "{shown}"
    );
}

#[test]
fn a_mistyped_config_file_is_the_users_error_not_the_plugins() {
    let sandbox = Sandbox::new();
    for command in [sandbox.host_with("myorg"), sandbox.host()] {
        let mut command = command;
        let failed = fails(&mut command, ["-c", "confg.yaml", "config", "show"]);
        assert!(
            failed.stderr.starts_with("error: config file `")
                && failed
                    .stderr
                    .contains("confg.yaml` (given with --config) does not exist"),
            "{failed}"
        );
        assert!(!failed.stderr.contains("get_remote"), "{failed}");
    }
    let checked = run(&mut sandbox.host(), ["-c", "confg.yaml", "get", "projects"]);
    assert!(!checked.stderr.contains("plugin"), "{checked}");
}
