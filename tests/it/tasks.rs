//! Task specs end to end: `task show` and `package` with no plugin, with myorg and with a plugin
//! whose cache policy fails; image, secret groups and cache versions as each plugin decides them;
//! the TaskCreateRequest files `package` writes; bad task files of every kind.

use crate::support;

use std::{fs, path::Path};

use serde_json::{json, Value};
use support::{
    fails, keys, listing, ok, ok_json, snapshot::assert_snapshot, sorted, workspace_root, Sandbox,
};

/// myorg's default image.
const MYORG_IMAGE: &str = "myorg/flytekit-base:1.2.3";

/// The host's default image.
const HOST_IMAGE: &str = "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.31";

/// SHA-256 hex of "v1": the version myorg's one policy (answering "v1") gives every task.
const MYORG_VERSION: &str = "3bfc269594ef649228e9a74bab00f042efc91d5acc6fbee31a382e80d42388fe";

/// Copies `tests/fixtures/tasks/<name>` into the sandbox's working directory; returns its file
/// name there (so messages name it as the user would).
fn fixture(sandbox: &Sandbox, name: &str) -> String {
    let source = workspace_root().join("tests/fixtures/tasks").join(name);
    let file = Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .expect("fixture file name")
        .to_owned();
    fs::copy(&source, sandbox.cwd().join(&file)).expect("copy the fixture");
    file
}

/// `task show -o json`, as an object per task name.
fn show(command: &mut assert_cmd::Command, files: &[&str]) -> Value {
    let mut args = vec!["task", "show", "-o", "json"];
    args.extend_from_slice(files);
    let shown = ok_json(command, args);
    let tasks = shown.as_array().expect("an array of tasks");
    Value::Object(
        tasks
            .iter()
            .map(|t| (t["name"]["value"].as_str().unwrap().to_owned(), t.clone()))
            .collect(),
    )
}

fn field(value: &str, source: &str) -> Value {
    json!({"value": value, "source": source})
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn without_a_plugin_secrets_need_groups_and_caching_needs_a_version() {
    let sandbox = Sandbox::new();
    let etl = fixture(&sandbox, "etl.toml");
    let run = fails(&mut sandbox.host(), ["task", "show", &etl]);
    assert!(
        run.stderr.contains("etl.toml:9: task 'etl.clean': secret 'api-token' needs a group; the active plugin requires groups"),
        "{run}"
    );
    let cached = fixture(&sandbox, "cached.toml");
    let run = fails(&mut sandbox.host(), ["package", &cached, "-o", "out"]);
    assert!(
        run.stderr.contains("cached.toml:8: task 'report.build': caching is on but no cache version is set and no cache policy applies (the active plugin 'builtin' gives no default cache policies)"),
        "{run}"
    );
    assert!(
        run.stderr.contains("at least one cache policy is needed"),
        "{run}"
    );
    assert!(listing(&sandbox.cwd().join("out")).is_empty());
}

#[test]
fn without_a_plugin_the_host_default_image_applies() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "work/plain.toml",
        "[[task]]\nname = \"plain\"\ncommand = [\"run\"]\ncache = { version = \"3\" }\n",
    );
    let shown = show(&mut sandbox.host(), &[file.to_str().unwrap()]);
    let task = &shown["plain"];
    assert_eq!(task["image"], field(HOST_IMAGE, "host default"));
    assert_eq!(task["cache_version"], field("3", "task"));
    assert_eq!(
        task["retries"],
        json!({"value": 0, "source": "host default"})
    );
    let shown = show(
        sandbox
            .host()
            .env("FLYTE_INTERNAL_IMAGE", "registry.local/base:7"),
        &["plain.toml"],
    );
    assert_eq!(
        shown["plain"]["image"],
        field(
            "registry.local/base:7",
            "host default (FLYTE_INTERNAL_IMAGE)"
        )
    );
    // The plugin's image wins over FLYTE_INTERNAL_IMAGE, as in flytekit.
    let shown = show(
        sandbox
            .host_with("myorg")
            .env("FLYTE_INTERNAL_IMAGE", "registry.local/base:7"),
        &["plain.toml"],
    );
    assert_eq!(
        shown["plain"]["image"],
        field(MYORG_IMAGE, "plugin:myorg:get_default_image")
    );
}

#[test]
fn myorg_sets_the_image_allows_groupless_secrets_and_versions_with_v1() {
    let sandbox = Sandbox::new();
    let etl = fixture(&sandbox, "etl.toml");
    let cached = fixture(&sandbox, "cached.toml");
    let shown = show(&mut sandbox.host_with("myorg"), &[&etl, &cached]);
    assert_eq!(
        keys(&shown),
        sorted(&["etl.clean", "etl.load", "report.build", "report.pinned"])
    );
    let clean = &shown["etl.clean"];
    assert_eq!(clean["location"], field("etl.toml:2", "task"));
    assert_eq!(clean["image"], field("ghcr.io/acme/etl:2.0", "task"));
    assert_eq!(
        clean["secret_requires_group"],
        json!({"value": false, "source": "plugin:myorg:secret_requires_group"})
    );
    assert_eq!(clean["cache"], json!({"value": true, "source": "task"}));
    assert_eq!(
        clean["cache_version"],
        field(MYORG_VERSION, "plugin:myorg:get_default_cache_policies")
    );
    assert_eq!(
        clean["cache_policies"],
        json!({"value": ["myorg-v1"], "source": "plugin:myorg:get_default_cache_policies"})
    );
    assert_eq!(clean["timeout"], field("600s", "task"));
    let load = &shown["etl.load"];
    assert_eq!(
        load["image"],
        field(MYORG_IMAGE, "plugin:myorg:get_default_image")
    );
    assert_eq!(
        load["cache_policies"],
        json!({"value": ["spec-hash"], "source": "task"})
    );
    assert_eq!(
        load["cache_serialize"],
        json!({"value": true, "source": "task"})
    );
    assert_eq!(
        load["ignored_inputs"],
        json!({"value": ["source"], "source": "task"})
    );
    assert_eq!(load["args"], json!({"value": [], "source": "host default"}));
    assert_eq!(
        shown["report.build"]["cache_version"]["value"],
        MYORG_VERSION
    );
    assert_eq!(
        shown["report.pinned"]["cache_version"],
        field("1.0", "task")
    );
    for task in shown.as_object().unwrap().values() {
        for (name, entry) in task.as_object().unwrap() {
            assert_eq!(keys(entry), sorted(&["source", "value"]), "{name}");
        }
    }
    // The table names the same sources.
    let table = ok(&mut sandbox.host_with("myorg"), ["task", "show", &etl]).stdout;
    assert!(
        table.starts_with("task etl.clean (etl.toml:2)\n"),
        "{table}"
    );
    assert!(
        table.contains("plugin:myorg:get_default_image"),
        "the table must show the image's source:\n{table}"
    );
    assert!(table.contains(MYORG_VERSION), "{table}");
}

#[test]
fn a_failing_cache_policy_names_itself_and_spares_pinned_tasks() {
    let sandbox = Sandbox::new();
    let cached = fixture(&sandbox, "cached.toml");
    let run = fails(
        &mut sandbox.host_with("failing-cache"),
        ["package", &cached, "-o", "out"],
    );
    assert!(
        run.stderr.contains("cached.toml:8: task 'report.build': cache policy 'exploding' failed to compute a version: the exploding policy cannot version anything"),
        "{run}"
    );
    assert!(listing(&sandbox.cwd().join("out")).is_empty());
    // failing-cache keeps the built-in secret rule.
    let etl = fixture(&sandbox, "etl.toml");
    let run = fails(
        &mut sandbox.host_with("failing-cache"),
        ["task", "show", &etl],
    );
    assert!(
        run.stderr.contains("secret 'api-token' needs a group"),
        "{run}"
    );
    // A task with its own version never asks the policy.
    let pinned = sandbox.write(
        "work/pinned.toml",
        "[[task]]\nname = \"p\"\ncommand = [\"run\"]\ncache = { version = \"1\" }\n",
    );
    ok(
        &mut sandbox.host_with("failing-cache"),
        ["package", pinned.to_str().unwrap(), "-o", "out"],
    );
    assert_eq!(listing(&sandbox.cwd().join("out")), ["p.json"]);
}

#[test]
fn package_writes_one_task_create_request_per_task() {
    let sandbox = Sandbox::new();
    let etl = fixture(&sandbox, "etl.toml");
    let cached = fixture(&sandbox, "cached.toml");
    let run = ok(
        &mut sandbox.host_with("myorg"),
        [
            "package",
            &etl,
            &cached,
            "-o",
            "out/tasks",
            "-p",
            "acme",
            "-d",
            "staging",
            "--version",
            "v7",
        ],
    );
    assert_eq!(run.stdout.lines().count(), 4, "{run}");
    assert!(run.stdout.contains("etl.clean"), "{run}");
    let out = sandbox.cwd().join("out/tasks");
    assert_eq!(
        listing(&out),
        [
            "etl.clean.json",
            "etl.load.json",
            "report.build.json",
            "report.pinned.json"
        ]
    );
    let request = read_json(&out.join("etl.clean.json"));
    let id = json!({"resource_type": "TASK", "project": "acme", "domain": "staging", "name": "etl.clean", "version": "v7"});
    assert_eq!(keys(&request), sorted(&["id", "spec"]));
    assert_eq!(request["id"], id);
    assert_eq!(keys(&request["spec"]), sorted(&["template"]));
    let template = &request["spec"]["template"];
    assert_eq!(
        keys(template),
        sorted(&[
            "id",
            "type",
            "metadata",
            "interface",
            "container",
            "security_context"
        ])
    );
    assert_eq!(template["id"], id);
    assert_eq!(template["type"], "raw-container");
    let metadata = &template["metadata"];
    assert_eq!(
        keys(metadata),
        sorted(&[
            "discoverable",
            "runtime",
            "timeout",
            "retries",
            "discovery_version",
            "cache_serializable",
            "cache_ignore_input_vars",
            "generates_deck",
            "metadata",
        ])
    );
    assert_eq!(metadata["discoverable"], true);
    assert_eq!(metadata["discovery_version"], MYORG_VERSION);
    assert_eq!(metadata["timeout"], "600s");
    assert_eq!(metadata["retries"], json!({"retries": 2}));
    assert_eq!(
        keys(&metadata["runtime"]),
        sorted(&["type", "version", "flavor"])
    );
    assert_eq!(metadata["runtime"]["type"], "FLYTE_SDK");
    assert_eq!(
        template["interface"],
        json!({
            "inputs": {"variables": {
                "date": {"type": {"simple": "STRING"}, "description": "date"},
                "limit": {"type": {"simple": "INTEGER"}, "description": "limit"},
            }},
            "outputs": {"variables": {"rows": {"type": {"simple": "INTEGER"}, "description": "rows"}}},
        })
    );
    let container = &template["container"];
    assert_eq!(
        keys(container),
        sorted(&["image", "command", "args", "resources", "data_config"])
    );
    assert_eq!(container["image"], "ghcr.io/acme/etl:2.0");
    assert_eq!(container["command"], json!(["python", "-m", "etl.clean"]));
    assert_eq!(container["args"], json!(["--date", "{{.inputs.date}}"]));
    assert_eq!(
        container["resources"],
        json!({"requests": [{"name": "CPU", "value": "1"}, {"name": "MEMORY", "value": "2Gi"}], "limits": []})
    );
    assert_eq!(container["data_config"]["enabled"], true);
    assert_eq!(
        template["security_context"],
        json!({"secrets": [
            {"group": "db", "key": "password", "mount_requirement": "ANY"},
            {"key": "api-token", "mount_requirement": "ENV_VAR"},
        ]})
    );

    let load = read_json(&out.join("etl.load.json"));
    let template = &load["spec"]["template"];
    assert!(template.get("security_context").is_none());
    assert_eq!(template["container"]["image"], MYORG_IMAGE);
    assert_eq!(template["metadata"]["cache_serializable"], true);
    assert_eq!(
        template["metadata"]["cache_ignore_input_vars"],
        json!(["source"])
    );
    assert_eq!(
        template["interface"]["inputs"]["variables"]["source"]["type"],
        json!({"blob": {"format": "", "dimensionality": "SINGLE"}})
    );
    let build = read_json(&out.join("report.build.json"));
    let vars = &build["spec"]["template"]["interface"]["inputs"]["variables"];
    assert_eq!(vars["day"]["type"], json!({"simple": "DATETIME"}));
    assert_eq!(vars["window"]["type"], json!({"simple": "DURATION"}));
    assert_eq!(vars["ratio"]["type"], json!({"simple": "FLOAT"}));
    assert_eq!(
        build["spec"]["template"]["security_context"]["secrets"][0]["mount_requirement"],
        "FILE"
    );
    let pinned = read_json(&out.join("report.pinned.json"));
    assert_eq!(
        pinned["spec"]["template"]["container"]["resources"]["limits"],
        json!([{"name": "CPU", "value": "1"}, {"name": "MEMORY", "value": "2Gi"}])
    );
    // No temporary files are left behind.
    assert!(listing(&out).iter().all(|f| !f.starts_with('.')));
}

#[test]
fn the_default_version_and_spec_hash_follow_the_specs() {
    let sandbox = Sandbox::new();
    let etl = fixture(&sandbox, "etl.toml");
    let package = |out: &str| {
        ok(
            &mut sandbox.host_with("myorg"),
            ["package", &etl, "-o", out],
        );
        read_json(&sandbox.cwd().join(out).join("etl.load.json"))
    };
    let first = package("a");
    let again = package("b");
    let version = first["id"]["version"].as_str().unwrap().to_owned();
    assert_eq!(version.len(), 32);
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()), "{version}");
    assert_eq!(again["id"]["version"], version.as_str());
    let spec_hash = first["spec"]["template"]["metadata"]["discovery_version"].clone();
    assert_eq!(
        again["spec"]["template"]["metadata"]["discovery_version"],
        spec_hash
    );
    assert_eq!(spec_hash.as_str().map(str::len), Some(64));
    // Comments do not change anything; a changed command changes both versions.
    let text = fs::read_to_string(sandbox.cwd().join(&etl)).unwrap();
    fs::write(sandbox.cwd().join(&etl), format!("# a comment\n{text}")).unwrap();
    let commented = package("c");
    assert_eq!(commented["id"]["version"], version.as_str());
    assert_eq!(
        commented["spec"]["template"]["metadata"]["discovery_version"],
        spec_hash
    );
    fs::write(
        sandbox.cwd().join(&etl),
        text.replace("[\"load\", \"--rows\"", "[\"load\", \"--all-rows\""),
    )
    .unwrap();
    let changed = package("d");
    assert_ne!(changed["id"]["version"], version.as_str());
    assert_ne!(
        changed["spec"]["template"]["metadata"]["discovery_version"],
        spec_hash
    );
    // Only the changed task's cache version moves.
    let clean = read_json(&sandbox.cwd().join("d/etl.clean.json"));
    assert_eq!(
        clean["spec"]["template"]["metadata"]["discovery_version"],
        MYORG_VERSION
    );
}

#[test]
fn bad_task_files_name_file_and_line_and_write_nothing() {
    let cases: &[(&str, &str)] = &[
        ("unknown-field.toml", "unknown-field.toml:4: task 't': field `retires` is unknown; did you mean 'retries'?"),
        ("missing-command.toml", "missing-command.toml:5: task 't': field `command` is missing"),
        ("bad-type.toml", "bad-type.toml:4: task 't': field `inputs.date` has the unknown type 'str'; did you mean 'string'?"),
        ("bad-secret.toml", "bad-secret.toml:6: task 't': field `secrets[1].mount` must be 'any', 'env' or 'file' (found 'envvar')"),
        ("bad-timeout.toml", "bad-timeout.toml:4: task 't': field `timeout` must be a duration"),
        ("bad-resources.toml", "bad-resources.toml:7: task 't': field `resources.mem` is unknown; did you mean 'memory'?"),
        ("bad-cache.toml", "bad-cache.toml:5: task 't': field `cache.ignored_inputs[0]` names 'b', which is not an input"),
        ("bad-toml.toml", "bad-toml.toml:3: invalid TOML"),
        ("not-array.toml", "not-array.toml:2: `task` must be an array of tables"),
        ("empty.toml", "empty.toml:1: the file declares no tasks"),
        ("bad-name.toml", "bad-name.toml:2: unnamed task: field `name` must start with a letter"),
        ("duplicate.toml", "duplicate.toml:5: task 't' is declared again (first at duplicate.toml:1)"),
        ("bad-retries.toml", "bad-retries.toml:4: task 't': field `retries` must be between 0 and"),
        ("bad-image.toml", "bad-image.toml:4: task 't': field `image` image 'Acme/ETL:latest' is not a valid image reference"),
    ];
    let sandbox = Sandbox::new();
    let good = fixture(&sandbox, "cached.toml");
    let existing = sandbox.write("work/existing/keep.txt", "untouched");
    let mut reports = String::new();
    for (file, expected) in cases {
        let bad = fixture(&sandbox, &format!("bad/{file}"));
        for plugin in [None, Some("myorg")] {
            let mut command = match plugin {
                None => sandbox.host(),
                Some(p) => sandbox.host_with(p),
            };
            // A good file first: its tasks must not be written either.
            let run = fails(&mut command, ["package", &good, &bad, "-o", "out"]);
            assert!(run.stderr.contains(expected), "{file} ({plugin:?}): {run}");
            if plugin.is_some() {
                reports.push_str(&run.stderr);
            }
            assert!(
                !sandbox.cwd().join("out").exists(),
                "{file}: the output directory was created"
            );
        }
        let run = fails(
            &mut sandbox.host_with("myorg"),
            ["package", &bad, "-o", "existing"],
        );
        assert!(run.stderr.contains(expected), "{run}");
        assert_eq!(listing(&sandbox.cwd().join("existing")), ["keep.txt"]);
        let run = fails(&mut sandbox.host_with("myorg"), ["task", "show", &bad]);
        assert!(run.stderr.contains(expected), "{run}");
    }
    assert_snapshot!("bad_task_files", reports);
    assert_eq!(fs::read_to_string(existing).unwrap(), "untouched");
}

#[test]
fn task_names_are_unique_across_files_and_outputs_must_be_directories() {
    let sandbox = Sandbox::new();
    let cached = fixture(&sandbox, "cached.toml");
    fs::copy(sandbox.cwd().join(&cached), sandbox.cwd().join("copy.toml")).unwrap();
    let run = fails(
        &mut sandbox.host_with("myorg"),
        ["package", &cached, "copy.toml", "-o", "out"],
    );
    assert!(
        run.stderr.contains(
            "copy.toml:2: task 'report.build' is declared again (first at cached.toml:2)"
        ),
        "{run}"
    );
    sandbox.write("work/file-not-dir", "x");
    let run = fails(
        &mut sandbox.host_with("myorg"),
        ["package", &cached, "-o", "file-not-dir"],
    );
    assert!(run.stderr.contains("is not a directory"), "{run}");
    let run = fails(
        &mut sandbox.host_with("myorg"),
        ["package", &cached, "-o", "out", "--version", "has space"],
    );
    assert!(
        run.stderr.contains("version 'has space' is invalid"),
        "{run}"
    );
    // A file that cannot be written stops everything before any file is written.
    fs::create_dir_all(sandbox.cwd().join("blocked/report.pinned.json")).unwrap();
    let run = fails(
        &mut sandbox.host_with("myorg"),
        ["package", &cached, "-o", "blocked"],
    );
    assert!(run.stderr.contains("report.pinned.json"), "{run}");
    assert_eq!(
        listing(&sandbox.cwd().join("blocked")),
        ["report.pinned.json"]
    );
    let run = fails(&mut sandbox.host(), ["task", "show", "missing.toml"]);
    assert!(
        run.stderr.contains("cannot read task file `missing.toml`"),
        "{run}"
    );
}

#[test]
fn every_problem_of_the_task_files_is_reported_in_one_run() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/a.toml",
        "[[task]]\nname = \"a\"\ncommand = [\"run\"]\nretires = 2\ntimeout = 0\n\n[[task]]\nname = \"b\"\n",
    );
    sandbox.write(
        "work/b.toml",
        "[[task]]\nname = \"c\"\ncommand = [\"run\"]\ninputs = { n = \"intger\" }\n",
    );
    let expected = "error: 4 problems in the task files:\n  \
        a.toml:4: task 'a': field `retires` is unknown; did you mean 'retries'?\n  \
        a.toml:5: task 'a': field `timeout` must be more than zero\n  \
        a.toml:7: task 'b': field `command` is missing: every task needs the command its container runs\n  \
        b.toml:4: task 'c': field `inputs.n` has the unknown type 'intger'; did you mean 'integer'? Types: string, integer, float, boolean, datetime, duration, blob\n";
    let run = fails(&mut sandbox.host(), ["task", "show", "a.toml", "b.toml"]);
    assert_eq!(run.stderr, expected, "{run}");
    let run = fails(
        &mut sandbox.host(),
        ["package", "a.toml", "b.toml", "-o", "out"],
    );
    assert_eq!(run.stderr, expected, "{run}");
    assert!(!sandbox.cwd().join("out").exists());

    // After the plugin's defaults too: each task that breaks a rule, not only the first.
    sandbox.write(
        "work/rules.toml",
        "[[task]]\nname = \"x\"\ncommand = [\"run\"]\nsecrets = [{ key = \"k\" }]\n\n\
         [[task]]\nname = \"y\"\ncommand = [\"run\"]\ncache = true\n",
    );
    let run = fails(&mut sandbox.host(), ["task", "show", "rules.toml"]);
    assert!(
        run.stderr
            .starts_with("error: 2 problems in the task files:\n"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("rules.toml:4: task 'x': secret 'k' needs a group"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("rules.toml:9: task 'y': caching is on but no cache version"),
        "{run}"
    );

    // Every rule a task breaks, and those of valid tasks next to a task that does not parse:
    // fixing one problem never reveals another that one run could have named.
    sandbox.write(
        "work/mixed.toml",
        "[[task]]\nname = \"m\"\ncommand = [\"run\"]\nsecrets = [{ key = \"k1\" }, { key = \"k2\" }]\ncache = true\n\n\
         [[task]]\nname = \"n\"\ncommand = [\"run\"]\nretries = -1\n",
    );
    let run = fails(&mut sandbox.host(), ["task", "show", "mixed.toml"]);
    let reported: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(reported[0], "error: 4 problems in the task files:", "{run}");
    for (line, start) in [
        (1, "  mixed.toml:4: task 'm': secret 'k1' needs a group"),
        (2, "  mixed.toml:4: task 'm': secret 'k2' needs a group"),
        (
            3,
            "  mixed.toml:5: task 'm': caching is on but no cache version",
        ),
        (
            4,
            "  mixed.toml:10: task 'n': field `retries` must be between",
        ),
    ] {
        assert!(reported[line].starts_with(start), "{line}: {run}");
    }
}
