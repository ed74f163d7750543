//! flytekit as the reference for task registration: for each task of a task file, the request
//! `flyte-host package` writes is compared field by field (protobuf JSON, both sides parsed into
//! flyteidl's `TaskCreateRequest`) with what flytekit 1.16.31's own registration code serializes
//! for the equivalent `ContainerTask` (`tests/flytekit/reference.py`), cache versions included.
//! The only differences allowed are the ones listed in [`EXPECTED`], each with its reason.

use crate::support;

use std::{path::Path, process::Command as StdCommand};

use serde_json::Value;
use support::{flytekit, ok, workspace_root, Sandbox};

/// Where flyte-host differs from flytekit on purpose, with the reason (also in the README).
const EXPECTED: &[(&str, &str)] = &[
    (
        "spec.template.metadata.runtime.version",
        "the version of the SDK that registered the task: flytekit's, or flyte-host's",
    ),
    (
        "spec.template.metadata.runtime.flavor",
        "the SDK's flavor: flytekit says \"python\", the host \"flyte-host\"",
    ),
];

/// Tasks for the built-in plugin: every supported type, resources (requests, limits), retries,
/// timeout, secrets with groups (every mount), an explicit cache version with serialize and
/// ignored inputs, the built-in `spec-hash` policy with a salt, the host's default image, env.
const BUILTIN_TASKS: &str = r#"
[[task]]
name = "ref.every_type"
command = ["python", "-m", "ref.every_type"]
args = ["--s", "{{.inputs.s}}", "--file", "{{.inputs.file}}"]
inputs = { s = "string", i = "integer", f = "float", b = "boolean", t = "datetime", d = "duration", file = "blob" }
outputs = { s_out = "string", i_out = "integer", f_out = "float", b_out = "boolean", t_out = "datetime", d_out = "duration", file_out = "blob" }
image = "ghcr.io/acme/ref:1.0"

[[task]]
name = "ref.resources"
command = ["run"]
image = "ghcr.io/acme/ref:1.0"
env = { LOG_LEVEL = "debug", B_FIRST = "declared second", EMPTY = "" }
resources = { cpu = ["500m", "2"], memory = ["1Gi", "4Gi"], gpu = "1", ephemeral_storage = ["1Gi", "10Gi"] }
retries = 3
timeout = "1h30m"

[[task]]
name = "ref.secrets"
command = ["run"]
image = "ghcr.io/acme/ref:1.0"
secrets = [
  { group = "db", key = "password" },
  { group = "vault", key = "token", group_version = "3", mount = "env" },
  { group = "certs", mount = "file" },
]

[[task]]
name = "ref.cache_version"
command = ["run"]
inputs = { x = "integer", seed = "integer" }
cache = { version = "1.2", serialize = true, ignored_inputs = ["seed"] }

[[task]]
name = "ref.cache_spec_hash"
command = ["run", "{{.inputs.x}}"]
inputs = { x = "integer" }
outputs = { y = "string" }
image = "ghcr.io/acme/ref:1.0"
secrets = [{ group = "db", key = "password" }]
env = { MODE = "fast" }
cache = { policies = ["spec-hash"], salt = "pepper" }
"#;

/// Tasks for the myorg plugin: secrets without a group, the plugin's default image, and cache
/// versions from the plugin's default policy (with and without a salt).
const MYORG_TASKS: &str = r#"
[[task]]
name = "ref.plugin_defaults"
command = ["run", "{{.inputs.x}}"]
inputs = { x = "integer" }
secrets = [{ key = "api-token" }, { key = "db-password", mount = "env" }]
cache = true

[[task]]
name = "ref.plugin_salted"
command = ["run"]
cache = { salt = "s", serialize = true }
"#;

/// The tasks declared in `toml`, by name, in order.
fn task_names(toml: &str) -> Vec<String> {
    toml.lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|n| n.trim_end_matches('"').to_owned())
        .collect()
}

/// Packages `toml` with the host (plugin `plugin`, or the built-in one) and runs the flytekit
/// reference on the same file and the packaged requests; returns its report, or `None` when
/// flytekit cannot be had outside CI (said loudly by the support module).
fn compare(plugin: Option<&str>, toml: &str, tamper: impl Fn(&Path)) -> Option<Value> {
    let python = flytekit::python()?;
    let sandbox = Sandbox::new();
    let file = sandbox.write("tasks.toml", toml);
    let out = sandbox.root().join("package");
    let mut host = plugin.map_or_else(|| sandbox.host(), |p| sandbox.host_with(p));
    ok(
        &mut host,
        [
            "package".as_ref(),
            file.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ],
    );
    tamper(&out);
    let output = StdCommand::new(python)
        .arg(workspace_root().join("tests/flytekit/reference.py"))
        .arg(&file)
        .arg(&out)
        .arg(plugin.unwrap_or("builtin"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sandbox.home())
        .current_dir(sandbox.cwd())
        .output()
        .expect("run the flytekit reference");
    assert!(
        output.status.success(),
        "the flytekit reference failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("the report is JSON");
    assert_eq!(report["flytekit_version"], flytekit::FLYTEKIT_VERSION);
    let compared: Vec<&String> = report["tasks"].as_object().expect("tasks").keys().collect();
    let mut declared = task_names(toml);
    declared.sort();
    let mut compared: Vec<String> = compared.into_iter().cloned().collect();
    compared.sort();
    assert_eq!(compared, declared, "every task is compared");
    Some(report)
}

/// Asserts each task differs from flytekit exactly where [`EXPECTED`] says, and in the way it
/// says; returns the tasks' cache versions (flytekit's, the host's).
fn assert_only_expected_differences(report: &Value) -> Vec<(String, String, String)> {
    let mut versions = Vec::new();
    for (name, task) in report["tasks"].as_object().expect("tasks") {
        let differences = task["differences"].as_array().expect("differences");
        let paths: Vec<&str> = differences
            .iter()
            .map(|d| d["path"].as_str().unwrap_or_default())
            .collect();
        let expected: Vec<&str> = EXPECTED.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            paths,
            expected,
            "task {name}: flyte-host's TaskCreateRequest differs from flytekit's in other fields \
             than the expected ones:\n{}",
            serde_json::to_string_pretty(differences).unwrap_or_default()
        );
        let flavor = &differences[1];
        assert_eq!(flavor["flytekit"], "python");
        assert_eq!(flavor["host"], "flyte-host");
        let cache = &task["cache_version"];
        versions.push((
            name.clone(),
            cache["flytekit"].as_str().unwrap_or_default().to_owned(),
            cache["host"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    versions
}

#[test]
fn the_builtin_plugins_task_requests_are_flytekits() {
    let Some(report) = compare(None, BUILTIN_TASKS, |_| {}) else {
        return;
    };
    let versions = assert_only_expected_differences(&report);
    for (name, flytekit, host) in versions {
        assert_eq!(host, flytekit, "task {name}: cache version");
        match name.as_str() {
            "ref.cache_version" => assert_eq!(host, "1.2"),
            "ref.cache_spec_hash" => assert!(
                host.len() == 64 && host.bytes().all(|b| b.is_ascii_hexdigit()),
                "spec-hash gives a SHA-256 version, not {host:?}"
            ),
            _ => assert_eq!(host, "", "task {name} does not cache"),
        }
    }
}

#[test]
fn a_plugins_secrets_image_and_cache_policies_match_flytekit_with_that_plugin() {
    let Some(report) = compare(Some("myorg"), MYORG_TASKS, |_| {}) else {
        return;
    };
    let versions = assert_only_expected_differences(&report);
    for (name, flytekit, host) in &versions {
        assert_eq!(host, flytekit, "task {name}: cache version");
        assert_eq!(host.len(), 64, "task {name}: a policy-made version");
    }
}

#[test]
fn the_comparison_reports_a_field_the_host_got_wrong() {
    // A check of the check: a request that says FLOAT where flytekit says INTEGER is reported at
    // that field, so the tests above cannot pass by comparing nothing.
    let tamper = |out: &Path| {
        let file = out.join("ref.cache_version.json");
        let text = std::fs::read_to_string(&file).expect("the packaged request");
        std::fs::write(&file, text.replacen("\"INTEGER\"", "\"FLOAT\"", 1))
            .expect("rewrite the request");
    };
    let Some(report) = compare(None, BUILTIN_TASKS, tamper) else {
        return;
    };
    let differences = report["tasks"]["ref.cache_version"]["differences"]
        .as_array()
        .expect("differences");
    let wrong: Vec<&Value> = differences
        .iter()
        .filter(|d| {
            d["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("spec.template.interface.inputs.variables."))
        })
        .collect();
    assert_eq!(wrong.len(), 1, "{differences:#?}");
    assert_eq!(wrong[0]["flytekit"], "INTEGER");
    assert_eq!(wrong[0]["host"], "FLOAT");
}
