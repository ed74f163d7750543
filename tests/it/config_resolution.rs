//! flytekit's config resolution as the built-in plugin's `get_remote` does it, seen through
//! `config show -o json`: the config file search order, flytectl YAML and legacy INI files,
//! `FLYTE_*` environment overrides, `FLYTE_PLATFORM_URL` alone, and the sandbox default.

use crate::support;

use std::path::Path;

use serde_json::{json, Value};
use support::{ok_json, Sandbox};

/// Variables set, arguments given, and the config file and endpoint they must select.
type Step<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a Path, &'a str);

/// `config show -o json` with `vars` set and `args` before the command.
fn resolve(sandbox: &Sandbox, vars: &[(&str, &str)], args: &[&str]) -> Value {
    let mut command = sandbox.host();
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["config", "show", "-o", "json"]);
    let shown = ok_json(&mut command, &all);
    assert_eq!(shown["source"]["plugin"], "builtin", "{shown}");
    assert_eq!(shown["source"]["get_remote"], "default", "{shown}");
    shown
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn yaml_config_in_home_is_read() {
    let sandbox = Sandbox::new();
    let secret = sandbox.write("secrets/client", "yaml-client-secret\n");
    let file = sandbox.write(
        "home/.flyte/config.yaml",
        format!(
            "admin:
  endpoint: dns:///x:81
  insecure: true
  authType: ClientSecret
  clientId: my-client
  clientSecretLocation: {}
  scopes:
    - all
    - offline
console:
  endpoint: https://console.x.example.com
logger:
  level: 0
",
            secret.display()
        ),
    );
    let shown = resolve(&sandbox, &[], &[]);
    assert_eq!(shown["source"]["config_file"], path_text(&file), "{shown}");
    assert_eq!(shown["source"]["origin"], "config-file");
    assert_eq!(
        shown["platform"],
        json!({
            "endpoint": "x:81",
            "insecure": true,
            "insecure_skip_verify": false,
            "ca_cert_file_path": null,
            "console_endpoint": "https://console.x.example.com",
            "command": null,
            "proxy_command": null,
            "client_id": "my-client",
            "client_credentials_secret": "<redacted>",
            "scopes": ["all", "offline"],
            "auth_mode": "ClientSecret",
            "audience": null,
            "rpc_retries": 3,
            "http_proxy_url": null,
        })
    );
}

#[test]
fn legacy_ini_in_the_working_directory_is_read() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "work/flytekit.config",
        "[platform]
url = ini.example.com:8089
insecure = True
console_endpoint = https://console.ini.example.com

[credentials]
client_id = ini-client
auth_mode = basic
scopes = a, b
",
    );
    let shown = resolve(&sandbox, &[], &[]);
    assert_eq!(shown["source"]["config_file"], path_text(&file));
    assert_eq!(shown["source"]["origin"], "config-file");
    let platform = &shown["platform"];
    assert_eq!(platform["endpoint"], "ini.example.com:8089");
    assert_eq!(platform["insecure"], true);
    assert_eq!(
        platform["console_endpoint"],
        "https://console.ini.example.com"
    );
    assert_eq!(platform["client_id"], "ini-client");
    assert_eq!(platform["auth_mode"], "ClientSecret");
    assert_eq!(platform["scopes"], json!(["a", "b"]));
    assert_eq!(platform["client_credentials_secret"], Value::Null);
}

#[test]
fn legacy_ini_in_home_is_read() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "home/.flyte/config",
        "[platform]\nurl = home-ini.example.com:443\n",
    );
    let shown = resolve(&sandbox, &[], &[]);
    assert_eq!(shown["source"]["config_file"], path_text(&file));
    assert_eq!(shown["platform"]["endpoint"], "home-ini.example.com:443");
    assert_eq!(shown["platform"]["insecure"], false);
}

#[test]
fn config_files_are_searched_in_flytekit_order() {
    let sandbox = Sandbox::new();
    let yaml = |endpoint: &str| format!("admin:\n  endpoint: dns:///{endpoint}\n");
    let ini = |endpoint: &str| format!("[platform]\nurl = {endpoint}\n");
    let explicit = sandbox.write("files/explicit.yaml", yaml("explicit:1"));
    let pyflyte = sandbox.write("files/pyflyte.yaml", yaml("pyflyte-override:2"));
    let flytectl = sandbox.write("files/flytectl.yaml", yaml("flytectl:3"));
    let cwd_ini = sandbox.write("work/flytekit.config", ini("cwd-ini:4"));
    let home_ini = sandbox.write("home/.flyte/config", ini("home-ini:5"));
    let home_yaml = sandbox.write("home/.flyte/config.yaml", yaml("home-yaml:6"));

    let explicit_text = path_text(&explicit);
    let pyflyte_text = path_text(&pyflyte);
    let flytectl_text = path_text(&flytectl);
    let both_vars = [
        ("_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE", pyflyte_text.as_str()),
        ("FLYTECTL_CONFIG", flytectl_text.as_str()),
    ];
    let steps: [Step<'_>; 3] = [
        (
            &both_vars,
            &["--config", &explicit_text],
            &explicit,
            "explicit:1",
        ),
        (&both_vars, &[], &pyflyte, "pyflyte-override:2"),
        (&both_vars[1..], &[], &flytectl, "flytectl:3"),
    ];
    for (vars, args, file, endpoint) in steps {
        let shown = resolve(&sandbox, vars, args);
        assert_eq!(shown["platform"]["endpoint"], endpoint, "{shown}");
        assert_eq!(shown["source"]["config_file"], path_text(file), "{shown}");
        assert_eq!(shown["source"]["origin"], "config-file", "{shown}");
    }
    // `-c` is the short form, and wins over the files found by the search.
    let shown = resolve(&sandbox, &[], &["-c", &explicit_text]);
    assert_eq!(shown["platform"]["endpoint"], "explicit:1");

    for (file, endpoint) in [
        (cwd_ini, "cwd-ini:4"),
        (home_ini, "home-ini:5"),
        (home_yaml, "home-yaml:6"),
    ] {
        let shown = resolve(&sandbox, &[], &[]);
        assert_eq!(shown["platform"]["endpoint"], endpoint, "{shown}");
        assert_eq!(shown["source"]["config_file"], path_text(&file), "{shown}");
        std::fs::remove_file(&file).expect("remove the winning config file");
    }
    let shown = resolve(&sandbox, &[], &[]);
    assert_eq!(shown["source"]["origin"], "sandbox", "{shown}");
}

#[test]
fn relative_config_paths_are_relative_to_the_working_directory() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/conf/c.yaml", "admin:\n  endpoint: rel:7\n");
    let shown = resolve(&sandbox, &[], &["-c", "conf/c.yaml"]);
    assert_eq!(shown["platform"]["endpoint"], "rel:7");
    let shown = resolve(&sandbox, &[("FLYTECTL_CONFIG", "conf/c.yaml")], &[]);
    assert_eq!(shown["platform"]["endpoint"], "rel:7");
    assert_eq!(
        std::fs::canonicalize(shown["source"]["config_file"].as_str().unwrap_or_default())
            .expect("the reported config file exists"),
        std::fs::canonicalize(&file).expect("canonical path")
    );
}

#[test]
fn platform_url_alone_configures_from_the_environment() {
    let sandbox = Sandbox::new();
    let shown = resolve(
        &sandbox,
        &[
            ("FLYTE_PLATFORM_URL", "dns:///env.example.com:443"),
            ("FLYTE_CREDENTIALS_CLIENT_ID", "env-client"),
        ],
        &[],
    );
    assert_eq!(shown["source"]["origin"], "env");
    assert_eq!(shown["source"]["config_file"], Value::Null);
    assert_eq!(shown["platform"]["endpoint"], "env.example.com:443");
    assert_eq!(shown["platform"]["insecure"], false);
    assert_eq!(shown["platform"]["client_id"], "env-client");
    assert_eq!(shown["platform"]["auth_mode"], "Pkce");
}

#[test]
fn nothing_configured_means_the_sandbox() {
    let sandbox = Sandbox::new();
    let shown = resolve(&sandbox, &[], &[]);
    assert_eq!(shown["source"]["origin"], "sandbox");
    assert_eq!(shown["source"]["config_file"], Value::Null);
    assert_eq!(shown["platform"]["endpoint"], "localhost:30080");
    assert_eq!(shown["platform"]["insecure"], true);
    assert_eq!(shown["platform"]["auth_mode"], "Pkce");
    assert_eq!(shown["platform"]["client_credentials_secret"], Value::Null);
    assert_eq!(shown["project"], "flytesnacks");
    assert_eq!(shown["domain"], "development");

    // FLYTE_* settings other than the URL do not leave the sandbox (as in flytekit).
    let shown = resolve(&sandbox, &[("FLYTE_CREDENTIALS_CLIENT_ID", "x")], &[]);
    assert_eq!(shown["source"]["origin"], "sandbox");
}

#[test]
fn environment_overrides_file_values() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "home/.flyte/config.yaml",
        "admin:
  endpoint: dns:///file.example.com:81
  insecure: true
  clientId: file-client
  scopes: [file-scope]
console:
  endpoint: https://console.file.example.com
",
    );
    let shown = resolve(
        &sandbox,
        &[
            ("FLYTE_PLATFORM_URL", "env.example.com:82"),
            ("FLYTE_PLATFORM_INSECURE", "false"),
            ("FLYTE_CREDENTIALS_CLIENT_ID", "env-client"),
            ("FLYTE_CREDENTIALS_SCOPES", "x,y"),
            ("FLYTE_CREDENTIALS_AUTH_MODE", "DeviceFlow"),
        ],
        &[],
    );
    assert_eq!(shown["source"]["origin"], "config-file");
    assert_eq!(shown["source"]["config_file"], path_text(&file));
    let platform = &shown["platform"];
    assert_eq!(platform["endpoint"], "env.example.com:82");
    assert_eq!(platform["insecure"], false);
    assert_eq!(platform["client_id"], "env-client");
    assert_eq!(platform["scopes"], json!(["x", "y"]));
    assert_eq!(platform["auth_mode"], "DeviceFlow");
    // What the environment does not set still comes from the file.
    assert_eq!(
        platform["console_endpoint"],
        "https://console.file.example.com"
    );

    // An empty variable counts as unset.
    let shown = resolve(&sandbox, &[("FLYTE_CREDENTIALS_CLIENT_ID", "")], &[]);
    assert_eq!(shown["platform"]["client_id"], "file-client");
}

#[test]
fn environment_overrides_an_explicit_ini_file() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "elsewhere/team.config",
        "[platform]\nurl = team.example.com:443\ninsecure = false\n",
    );
    let shown = resolve(
        &sandbox,
        &[("FLYTE_PLATFORM_INSECURE", "true")],
        &["--config", &path_text(&file)],
    );
    assert_eq!(shown["platform"]["endpoint"], "team.example.com:443");
    assert_eq!(shown["platform"]["insecure"], true);
}
