//! Every hook of flytekit's plugin protocol through the real binary and real plugin libraries:
//! what `plugin show`, `config show`, `info` and plugin commands print for the built-in plugin,
//! `myorg` (overrides all six hooks) and `staging` (overrides `get_remote` only).

use crate::support;

use serde_json::{json, Value};
use support::{
    host_version, keys, ok, ok_json, plugin_path, snapshot::assert_snapshot, sorted, Sandbox, HOOKS,
};

const MYORG_MESSAGE: &str = "MyOrg Plugin: Using production endpoint by default.";
const MYORG_ENDPOINT: &str = "https://flyte.prod.myorg.com";
const STAGING_MESSAGE: &str = "Using custom staging endpoint for remote connection.";
const STAGING_ENDPOINT: &str = "https://flyte.staging.example.com";

/// flytekit's `PlatformConfig` field names, as `config show -o json` prints them.
const PLATFORM_FIELDS: [&str; 14] = [
    "endpoint",
    "insecure",
    "insecure_skip_verify",
    "ca_cert_file_path",
    "console_endpoint",
    "command",
    "proxy_command",
    "client_id",
    "client_credentials_secret",
    "scopes",
    "auth_mode",
    "audience",
    "rpc_retries",
    "http_proxy_url",
];

/// The plugin ABI this host implements, as `info -o json` reports it.
fn host_abi(sandbox: &Sandbox) -> String {
    let info = ok_json(&mut sandbox.host(), ["info", "-o", "json"]);
    info["plugin_abi"]
        .as_str()
        .unwrap_or_else(|| panic!("info -o json has no plugin_abi: {info}"))
        .to_owned()
}

fn all_hooks(source: &str) -> Value {
    Value::Object(
        HOOKS
            .iter()
            .map(|h| ((*h).to_owned(), json!(source)))
            .collect(),
    )
}

/// What `plugin show` reports as the built-in plugin's answers.
fn builtin_values() -> Value {
    json!({
        "secret_requires_group": true,
        "default_image": null,
        "auth_success_html": false,
        "default_cache_policies": [],
    })
}

/// A flytectl config file (in the sandbox root, outside HOME and the working directory).
fn config_file(sandbox: &Sandbox, endpoint: &str) -> String {
    let yaml = format!("admin:\n  endpoint: dns:///{endpoint}\n  insecure: true\n");
    sandbox
        .write("elsewhere/config.yaml", yaml)
        .display()
        .to_string()
}

#[test]
fn builtin_plugin_show_reports_flytekit_defaults() {
    let sandbox = Sandbox::new();
    let abi = host_abi(&sandbox);
    let show = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
    for field in [
        "name",
        "version",
        "path",
        "builtin",
        "abi_version",
        "hooks",
        "values",
    ] {
        assert!(
            show.get(field).is_some(),
            "plugin show lacks {field}: {show}"
        );
    }
    assert_eq!(show["name"], "builtin");
    assert_eq!(show["version"], host_version().as_str());
    assert_eq!(show["path"], Value::Null);
    assert_eq!(show["builtin"], true);
    assert_eq!(show["abi_version"], abi.as_str());
    assert_eq!(show["hooks"], all_hooks("default"));
    assert_eq!(show["values"], builtin_values());
}

#[test]
fn myorg_plugin_show_reports_every_hook_overridden() {
    let sandbox = Sandbox::new();
    let run = ok(
        &mut sandbox.host_with("myorg"),
        ["plugin", "show", "-o", "json"],
    );
    let show = run.json();
    assert_eq!(show["name"], "myorg");
    assert_eq!(show["version"], "1.0.0");
    assert_eq!(show["path"], plugin_path("myorg").display().to_string());
    assert_eq!(show["builtin"], false);
    assert_eq!(show["abi_version"], host_abi(&sandbox).as_str());
    assert_eq!(show["hooks"], all_hooks("plugin"));
    assert_eq!(
        show["values"],
        json!({
            "secret_requires_group": false,
            "default_image": "myorg/flytekit-base:1.2.3",
            "auth_success_html": true,
            "default_cache_policies": ["myorg-v1"],
        })
    );
    assert_eq!(show["cli"]["added"], json!(["my-org-status"]));
    // Under -o json, what get_remote prints goes to stderr so stdout stays one JSON document.
    assert!(!run.stdout.contains(MYORG_MESSAGE), "{run}");
    assert!(run.stderr.contains(MYORG_MESSAGE), "{run}");
}

#[test]
fn staging_overrides_only_get_remote() {
    let sandbox = Sandbox::new();
    let show = ok_json(
        &mut sandbox.host_with("staging"),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(show["name"], "staging");
    assert_eq!(show["builtin"], false);
    let mut hooks = all_hooks("default");
    hooks["get_remote"] = json!("plugin");
    assert_eq!(show["hooks"], hooks);
    assert_eq!(show["values"], builtin_values());
}

#[test]
fn plugin_show_table_lists_each_hook_with_its_source_and_answer() {
    let sandbox = Sandbox::new();
    let myorg = ok(&mut sandbox.host_with("myorg"), ["plugin", "show"]);
    for expected in [
        "name",
        "myorg",
        "[plugin] https://flyte.prod.myorg.com",
        "[plugin] my-org-status",
        "[plugin] false",
        "[plugin] myorg/flytekit-base:1.2.3",
        "[plugin] myorg-v1",
    ] {
        assert!(
            myorg.stdout.contains(expected),
            "lacks {expected:?}:\n{myorg}"
        );
    }
    // What get_remote prints is not data: stderr, in table mode too.
    assert!(!myorg.stdout.contains(MYORG_MESSAGE), "{myorg}");
    assert!(myorg.stderr.contains(MYORG_MESSAGE), "{myorg}");
    for hook in HOOKS {
        let row = myorg
            .stdout
            .lines()
            .find(|l| l.starts_with(hook))
            .unwrap_or_else(|| panic!("no {hook} row:\n{myorg}"));
        assert!(row.contains("[plugin]"), "{row}");
    }

    let builtin = ok(&mut sandbox.host(), ["plugin", "show"]);
    for expected in [
        "builtin",
        "[default] localhost:30080",
        "[default] true",
        "[default] - (host's built-in page)",
    ] {
        assert!(
            builtin.stdout.contains(expected),
            "lacks {expected:?}:\n{builtin}"
        );
    }
    assert!(!builtin.stdout.contains("[plugin]"), "{builtin}");
}

#[test]
fn config_show_json_uses_flytekit_field_names() {
    let sandbox = Sandbox::new();
    let shown = ok_json(&mut sandbox.host(), ["config", "show", "-o", "json"]);
    for field in ["source", "platform", "project", "domain"] {
        assert!(
            shown.get(field).is_some(),
            "config show lacks {field}: {shown}"
        );
    }
    assert_eq!(keys(&shown["platform"]), sorted(&PLATFORM_FIELDS));
    for field in ["config_file", "origin", "plugin", "get_remote"] {
        assert!(
            shown["source"].get(field).is_some(),
            "source lacks {field}: {shown}"
        );
    }
    assert_eq!(shown["source"]["plugin"], "builtin");
    assert_eq!(shown["source"]["get_remote"], "default");
    assert_eq!(shown["project"], "flytesnacks");
    assert_eq!(shown["domain"], "development");
    assert_eq!(shown["platform"]["client_credentials_secret"], Value::Null);
}

#[test]
fn project_and_domain_options_reach_get_remote() {
    let sandbox = Sandbox::new();
    let shown = ok_json(
        &mut sandbox.host_with("myorg"),
        [
            "-p",
            "ml",
            "-d",
            "production",
            "config",
            "show",
            "-o",
            "json",
        ],
    );
    assert_eq!(shown["project"], "ml");
    assert_eq!(shown["domain"], "production");
}

#[test]
fn myorg_uses_the_production_endpoint_by_default() {
    let sandbox = Sandbox::new();
    let run = ok(&mut sandbox.host_with("myorg"), ["config", "show"]);
    assert_eq!(
        run.stderr.matches(MYORG_MESSAGE).count(),
        1,
        "the message is printed once, on stderr:\n{run}"
    );
    // Stdout is only the table, so `flyte-host config show | …` sees data alone.
    assert!(run.stdout.starts_with("config file"), "{run}");
    assert!(!run.stdout.contains(MYORG_MESSAGE), "{run}");
    let endpoint_row = run.stdout.lines().find(|l| l.starts_with("endpoint"));
    assert_eq!(
        endpoint_row.map(|r| r.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["endpoint", MYORG_ENDPOINT]),
        "{run}"
    );
    assert!(run.stdout.contains("myorg (plugin)"), "{run}");

    let json_run = ok(
        &mut sandbox.host_with("myorg"),
        ["config", "show", "-o", "json"],
    );
    let shown = json_run.json();
    assert_eq!(shown["platform"]["endpoint"], MYORG_ENDPOINT);
    assert_eq!(shown["platform"]["insecure"], false);
    assert_eq!(shown["source"]["origin"], "endpoint");
    assert_eq!(shown["source"]["plugin"], "myorg");
    assert_eq!(shown["source"]["get_remote"], "plugin");
    assert!(json_run.stderr.contains(MYORG_MESSAGE), "{json_run}");
}

#[test]
fn myorg_uses_the_config_file_it_is_given() {
    let sandbox = Sandbox::new();
    let file = config_file(&sandbox, "flyte.file.example.com:8443");
    let run = ok(
        &mut sandbox.host_with("myorg"),
        ["-c", &file, "config", "show", "-o", "json"],
    );
    let shown = run.json();
    assert_eq!(shown["platform"]["endpoint"], "flyte.file.example.com:8443");
    assert_eq!(shown["platform"]["insecure"], true);
    assert_eq!(shown["source"]["config_file"], file.as_str());
    assert_eq!(shown["source"]["origin"], "config-file");
    assert!(!run.all().contains(MYORG_MESSAGE), "{run}");
}

#[test]
fn staging_uses_the_staging_endpoint_unless_given_a_file() {
    let sandbox = Sandbox::new();
    let run = ok(&mut sandbox.host_with("staging"), ["config", "show"]);
    assert!(run.stderr.starts_with(STAGING_MESSAGE), "{run}");
    assert!(!run.stdout.contains(STAGING_MESSAGE), "{run}");
    assert!(run.stdout.contains(STAGING_ENDPOINT), "{run}");
    assert!(run.stdout.contains("staging (plugin)"), "{run}");

    let file = config_file(&sandbox, "flyte.file.example.com:8443");
    let run = ok(
        &mut sandbox.host_with("staging"),
        ["--config", &file, "config", "show", "-o", "json"],
    );
    let shown = run.json();
    assert_eq!(shown["platform"]["endpoint"], "flyte.file.example.com:8443");
    assert_eq!(shown["source"]["config_file"], file.as_str());
    assert!(!run.all().contains(STAGING_MESSAGE), "{run}");
}

#[test]
fn my_org_status_command_runs() {
    let sandbox = Sandbox::new();
    let run = ok(&mut sandbox.host_with("myorg"), ["my-org-status"]);
    assert_eq!(
        run.stdout, "MyOrg Flyte services are operational.\n",
        "{run}"
    );
    assert_eq!(run.stderr, "", "{run}");

    let help = ok(&mut sandbox.host_with("myorg"), ["--help"]);
    assert_snapshot!("myorg_help", help.stdout);
    let row = help
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("my-org-status"))
        .unwrap_or_else(|| panic!("my-org-status not in --help:\n{help}"));
    assert!(
        row.contains("Checks the status of MyOrg's Flyte services."),
        "{row}"
    );

    // Without the plugin there is no such command.
    let builtin = support::run(&mut sandbox.host(), ["my-org-status"]);
    assert_eq!(builtin.code, Some(2), "{builtin}");
    assert!(
        builtin.stderr.contains("unrecognized subcommand"),
        "{builtin}"
    );
}

#[test]
fn info_shows_the_plugin_and_the_endpoint() {
    let sandbox = Sandbox::new();
    let library = plugin_path("myorg").display().to_string();
    let run = ok(&mut sandbox.host_with("myorg"), ["info"]);
    assert!(
        run.stdout
            .contains(&format!("myorg 1.0.0 ({library}, from FLYTEKIT_PLUGIN)")),
        "{run}"
    );
    assert!(
        run.stdout.contains(&format!("{MYORG_ENDPOINT} (TLS)")),
        "{run}"
    );
    assert!(run.stdout.contains(&host_version()), "{run}");

    let info = ok_json(&mut sandbox.host_with("myorg"), ["info", "-o", "json"]);
    assert_eq!(info["host_version"], host_version().as_str());
    assert_eq!(info["plugin"]["name"], "myorg");
    assert_eq!(info["plugin"]["version"], "1.0.0");
    assert_eq!(info["plugin"]["path"], library.as_str());
    assert_eq!(info["plugin"]["builtin"], false);
    assert_eq!(info["plugin"]["origin"], "FLYTEKIT_PLUGIN");
    assert_eq!(info["endpoint"], MYORG_ENDPOINT);
    assert_eq!(info["insecure"], false);

    let builtin = ok(&mut sandbox.host(), ["info"]);
    assert!(builtin.stdout.contains("builtin (built-in)"), "{builtin}");
    assert!(
        builtin.stdout.contains("localhost:30080 (insecure)"),
        "{builtin}"
    );
}

#[test]
fn the_client_secret_is_never_printed() {
    const SECRET: &str = "s3cr3t-do-not-print-4711";
    let sandbox = Sandbox::new();
    let secret_file = sandbox.write("secrets/client_secret", format!("{SECRET}\n"));
    sandbox.write(
        "home/.flyte/config.yaml",
        format!(
            "admin:\n  endpoint: dns:///flyte.example.com:443\n  authType: ClientSecret\n  \
             clientId: my-client\n  clientSecretLocation: {}\n",
            secret_file.display()
        ),
    );

    let shown = ok_json(&mut sandbox.host(), ["config", "show", "-o", "json"]);
    assert_eq!(shown["platform"]["client_credentials_secret"], "<redacted>");
    assert_eq!(shown["platform"]["client_id"], "my-client");

    let table = ok(&mut sandbox.host(), ["config", "show"]);
    let row = table
        .stdout
        .lines()
        .find(|l| l.starts_with("client_credentials_secret"))
        .unwrap_or_else(|| panic!("no secret row:\n{table}"));
    assert!(row.ends_with("<redacted>"), "{row}");

    // The same secret from the environment alone.
    let from_env = Sandbox::new();
    let env_host = || {
        let mut command = from_env.host();
        command
            .env("FLYTE_PLATFORM_URL", "flyte.example.com:443")
            .env("FLYTE_CREDENTIALS_CLIENT_SECRET", SECRET);
        command
    };
    let shown = ok_json(&mut env_host(), ["config", "show", "-o", "json"]);
    assert_eq!(shown["source"]["origin"], "env");
    assert_eq!(shown["platform"]["client_credentials_secret"], "<redacted>");

    let commands: [&[&str]; 7] = [
        &["config", "show"],
        &["config", "show", "-v"],
        &["config", "show", "-o", "json"],
        &["-v", "config", "show", "-o", "json"],
        &["info", "-v"],
        &["info", "-o", "json", "-v"],
        &["plugin", "show", "-v"],
    ];
    for args in commands {
        let run = ok(&mut sandbox.host(), args);
        assert!(
            !run.all().contains(SECRET),
            "{args:?} printed the secret:\n{run}"
        );
        let run = ok(&mut env_host(), args);
        assert!(
            !run.all().contains(SECRET),
            "{args:?} printed the secret from the environment:\n{run}"
        );
    }
}
