//! The remote commands end to end against the real FlyteAdmin v1.16.8 (`tests/real-admin/`: the
//! flyteadmin Go module with a no-op workflow executor, a throw-away PostgreSQL, all on
//! 127.0.0.1): `version --remote`, `get`, `register` (new, identical, changed), `run` with typed
//! inputs, `get execution` as admin moves it through its phases, pagination, 404s and admin's
//! validation errors. One admin serves the whole test process; each test works in a project of
//! its own. Where the stand-in (`tests/standin/flyteadmin.py`) is still used instead, and why, is
//! in tests/real-admin/README.md.

use crate::support;

use serde_json::{json, Value};
use support::{
    fails, ok, ok_json,
    real_admin::{RealAdmin, CLIENT_SECRET},
    Sandbox,
};

/// Tasks of every input type, one that caches, one with a secret.
const TASKS: &str = r#"
[[task]]
name = "etl.clean"
command = ["python", "-m", "etl.clean"]
args = ["--date", "{{.inputs.date}}"]
inputs = { date = "datetime", limit = "integer" }
outputs = { rows = "integer" }
secrets = [{ group = "db", key = "password" }]
cache = { version = "7" }
retries = 2
timeout = "10m"
resources = { cpu = "1", memory = ["512Mi", "1Gi"] }

[[task]]
name = "etl.load"
command = ["load"]
image = "ghcr.io/acme/etl:2.0"
inputs = { ratio = "float", dry = "boolean", wait = "duration", data = "blob", label = "string" }
"#;

/// A test's own project on `admin`, registered through admin's API, with a config file for the
/// host pointing at admin; returns (sandbox, config path, project).
fn project(admin: &RealAdmin, name: &str) -> (Sandbox, String, String) {
    let project = format!("{}-{}", name, std::process::id());
    let (status, body) = admin.http(
        "POST",
        "/api/v1/projects",
        &json!({"project": {"id": project, "name": project}}).to_string(),
    );
    assert_eq!(status, 200, "register project {project}: {body}");
    let sandbox = Sandbox::new();
    sandbox.write("work/tasks.toml", TASKS);
    let config = sandbox.admin_config(&admin.endpoint(), "");
    (sandbox, config, project)
}

#[test]
fn version_remote_shows_admins_version() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, _) = project(admin, "version");
    let json = ok_json(
        &mut sandbox.host(),
        ["-c", &c, "-o", "json", "version", "--remote"],
    );
    let remote = &json["remote"]["control_plane_version"];
    for key in ["Build", "Version", "BuildTime"] {
        assert!(remote[key].is_string(), "{key}: {json}");
    }
    let table = ok(&mut sandbox.host(), ["-c", &c, "version", "--remote"]);
    assert!(table.stdout.contains("admin version"), "{table}");
}

#[test]
fn projects_list_the_seeded_and_registered_ones() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, project) = project(admin, "projects");
    let json = ok_json(
        &mut sandbox.host(),
        ["-c", &c, "-o", "json", "get", "projects"],
    );
    let ids: Vec<&str> = json
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&"flytesnacks"), "{json}");
    assert!(ids.contains(&project.as_str()), "{json}");
    let mine = json
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == project.as_str())
        .expect("the registered project");
    let domains: Vec<&str> = mine["domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(domains, ["development", "staging", "production"]);
}

#[test]
fn register_re_register_identical_and_changed() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, p) = project(admin, "register");
    let first = ok(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &p,
            "register",
            "tasks.toml",
            "--version",
            "v1",
        ],
    );
    assert_eq!(
        first.stdout.lines().collect::<Vec<_>>(),
        [
            "registered etl.clean version v1",
            "registered etl.load version v1"
        ],
        "{first}"
    );
    let again = ok(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &p,
            "register",
            "tasks.toml",
            "--version",
            "v1",
        ],
    );
    assert_eq!(
        again.stdout.lines().collect::<Vec<_>>(),
        [
            "already registered etl.clean version v1",
            "already registered etl.load version v1"
        ],
        "{again}"
    );

    // What admin stored is what was sent: read it back through the host.
    let tasks = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &p,
            "-o",
            "json",
            "get",
            "tasks",
            "etl.clean",
        ],
    );
    let template = &tasks[0]["closure"]["compiled_task"]["template"];
    assert_eq!(template["metadata"]["discovery_version"], "7");
    assert_eq!(template["metadata"]["retries"]["retries"], 2);
    assert_eq!(template["metadata"]["timeout"], "600s");
    assert_eq!(
        template["container"]["resources"]["limits"],
        json!([{"name": "MEMORY", "value": "1Gi"}])
    );
    assert_eq!(
        template["security_context"]["secrets"][0]["group"], "db",
        "{template}"
    );

    sandbox.write(
        "work/tasks.toml",
        TASKS.replace("retries = 2", "retries = 4"),
    );
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &p,
            "register",
            "tasks.toml",
            "--version",
            "v1",
        ],
    );
    assert!(
        run.stderr
            .contains("task 'etl.clean' version 'v1' is already registered with a different spec"),
        "{run}"
    );
}

#[test]
fn registering_into_an_unknown_project_is_admins_error() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, _) = project(admin, "unknownproject");
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            "no-such-project",
            "register",
            "tasks.toml",
            "--version",
            "v1",
        ],
    );
    assert!(run.stderr.contains("no-such-project"), "{run}");
}

#[test]
fn resources_over_the_platform_limits_are_admins_error() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, p) = project(admin, "limits");
    for (resources, message) in support::OVER_PLATFORM_LIMITS {
        sandbox.write(
            "work/big.toml",
            format!("[[task]]\nname = \"big\"\ncommand = [\"run\"]\nresources = {resources}\n"),
        );
        let run = fails(
            &mut sandbox.host(),
            [
                "-c",
                &c,
                "-p",
                &p,
                "register",
                "big.toml",
                "--version",
                "v1",
            ],
        );
        assert!(run.stderr.contains("HTTP 400 INVALID_ARGUMENT"), "{run}");
        assert!(run.stderr.contains(message), "{resources}: {run}");
    }
}

#[test]
fn run_with_typed_inputs_and_follow_the_execution() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, p) = project(admin, "run");
    ok(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &p,
            "register",
            "tasks.toml",
            "--version",
            "v1",
        ],
    );
    let run = ok(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &p,
            "-o",
            "json",
            "run",
            "etl.load",
            "-i",
            "ratio=0.25",
            "-i",
            "dry=false",
            "-i",
            "wait=1h30m",
            "-i",
            "data=s3://bucket/in.csv",
            "-i",
            "label=a b",
        ],
    );
    let created = run.json();
    let execution = &created["execution"];
    let name = execution["id"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("an execution name in {created}"))
        .to_owned();
    assert_eq!(execution["closure"]["phase"], "UNDEFINED", "{created}");
    assert_eq!(
        execution["closure"]["workflow_id"]["name"], ".flytegen.etl.load",
        "admin runs a single task as a generated workflow: {created}"
    );

    // Admin keeps the inputs apart from the execution (its spec.inputs is null): what it stored
    // is what the host typed.
    let (status, body) = admin.http(
        "GET",
        &format!("/api/v1/data/executions/{p}/development/{name}"),
        "",
    );
    assert_eq!(status, 200, "{body}");
    let data: Value = serde_json::from_str(&body).expect("JSON");
    let inputs = &data["full_inputs"]["literals"];
    assert_eq!(
        inputs["ratio"]["scalar"]["primitive"]["float_value"], 0.25,
        "{data}"
    );
    assert_eq!(
        inputs["wait"]["scalar"]["primitive"]["duration"], "5400s",
        "{data}"
    );
    assert_eq!(
        inputs["data"]["scalar"]["blob"]["uri"], "s3://bucket/in.csv",
        "{data}"
    );

    // Admin moves the execution along as propeller reports it.
    for phase in ["RUNNING", "SUCCEEDED"] {
        event(admin, &p, &name, phase);
    }
    let done = ok(
        &mut sandbox.host(),
        ["-c", &c, "-p", &p, "get", "execution", &name],
    );
    assert!(done.stdout.contains("phase       SUCCEEDED"), "{done}");
    assert!(
        done.stdout.contains("launched    task etl.load v1"),
        "{done}"
    );
}

/// Posts a workflow execution event for `name` in `phase`, as propeller would.
fn event(admin: &RealAdmin, project: &str, name: &str, phase: &str) {
    let now = "2026-12-03T10:00:00Z";
    let mut event = json!({
        "execution_id": {"project": project, "domain": "development", "name": name},
        "producer_id": "propeller",
        "phase": phase,
        "occurred_at": now,
    });
    if phase == "SUCCEEDED" {
        event["output_data"] = json!({"literals": {}});
    }
    let (status, body) = admin.http(
        "POST",
        "/api/v1/events/workflows",
        &json!({"request_id": format!("{name}-{phase}"), "event": event}).to_string(),
    );
    assert_eq!(status, 200, "event {phase}: {body}");
}

#[test]
fn pagination_follows_admins_tokens() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, p) = project(admin, "pages");
    for v in 0..105 {
        let request = json!({
            "id": {"resource_type": "TASK", "project": p, "domain": "development",
                   "name": "many", "version": format!("v{v:03}")},
            "spec": {"template": {
                "type": "raw-container",
                "metadata": {"runtime": {"type": "FLYTE_SDK", "version": "0", "flavor": "test"}},
                "interface": {},
                "container": {"image": "busybox", "command": ["true"]}
            }}
        });
        let (status, body) = admin.http("POST", "/api/v1/tasks", &request.to_string());
        assert_eq!(status, 200, "{body}");
    }
    let all = ok_json(
        &mut sandbox.host(),
        ["-c", &c, "-p", &p, "-o", "json", "get", "tasks", "many"],
    );
    let versions: Vec<&str> = all
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|t| t["id"]["version"].as_str())
        .collect();
    assert_eq!(versions.len(), 105);
    assert_eq!(versions[0], "v104", "newest first");
    assert_eq!(versions[104], "v000");
    let some = ok_json(
        &mut sandbox.host(),
        [
            "-c", &c, "-p", &p, "-o", "json", "get", "tasks", "many", "--limit", "101",
        ],
    );
    assert_eq!(some.as_array().map(Vec::len), Some(101));
}

#[test]
fn missing_entities_are_one_line_errors() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, p) = project(admin, "missing");
    let execution = fails(
        &mut sandbox.host(),
        ["-c", &c, "-p", &p, "get", "execution", "nope"],
    );
    assert!(execution.stderr.contains("nope"), "{execution}");
    let task = fails(
        &mut sandbox.host(),
        ["-c", &c, "-p", &p, "run", "no.such.task"],
    );
    assert!(task.stderr.contains("no.such.task"), "{task}");
    // Admin lists nothing in a project that does not exist; the host says which.
    for what in [&["tasks"][..], &["workflows", "wf"], &["executions"]] {
        let mut args = vec!["-c", c.as_str(), "-p", "no-such-project", "get"];
        args.extend_from_slice(what);
        let run = fails(&mut sandbox.host(), &args);
        assert_eq!(
            run.stderr.trim(),
            format!(
                "error: project 'no-such-project' not found on {}",
                admin.endpoint()
            ),
            "{run}"
        );
    }
    let tasks = ok(
        &mut sandbox.host(),
        ["-c", &c, "-p", &p, "get", "tasks", "no.such.task"],
    );
    assert!(
        tasks.stdout.lines().count() <= 1,
        "no versions, at most a header: {tasks}"
    );
}

#[test]
fn admins_json_is_what_the_stand_in_serves() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    // Proto names with `Accept: application/json`, int64 as strings, unknown fields rejected.
    let (status, body) = admin.http("GET", "/api/v1/projects?limit=1", "");
    assert_eq!(status, 200, "{body}");
    let projects: Value = serde_json::from_str(&body).expect("JSON");
    assert!(projects["projects"].is_array() && projects["token"].is_string());
    let (status, body) = admin.http("POST", "/api/v1/tasks", r#"{"foo": 1}"#);
    assert_eq!(status, 400, "{body}");
    let error: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(error["code"], 3);
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown field")),
        "{error}"
    );
    let (status, body) = admin.http("GET", "/api/v1/tasks/flytesnacks/development?limit=0", "");
    assert_eq!(status, 400, "limit 0 is refused: {body}");
}

#[test]
fn client_credentials_against_admins_own_authorization_server() {
    let Some(admin) = RealAdmin::with_auth() else {
        return;
    };
    let sandbox = Sandbox::new();
    let config = |secret_file: &str| {
        let auth = format!(
            "  authType: ClientSecret\n  clientId: flytepropeller\n  clientSecretLocation: {}\n",
            sandbox.root().join(secret_file).display()
        );
        sandbox.admin_config(&admin.endpoint(), &auth)
    };
    // Admin wants a token: without one it is 401.
    let (status, _) = admin.http("GET", "/api/v1/projects", "");
    assert_eq!(status, 401);

    sandbox.write("good-secret", CLIENT_SECRET);
    let c = config("good-secret");
    let login = ok(&mut sandbox.host(), ["-c", &c, "login"]);
    assert_eq!(
        login.stdout.trim(),
        format!("Logged in to {}", admin.endpoint()),
        "{login}"
    );
    let projects = ok_json(
        &mut sandbox.host(),
        ["-c", &c, "-o", "json", "get", "projects"],
    );
    assert_eq!(projects[0]["id"], "flytesnacks", "{projects}");

    sandbox.write("bad-secret", "not-the-secret");
    let c = config("bad-secret");
    let run = fails(&mut sandbox.host(), ["-c", &c, "login"]);
    assert!(run.stderr.contains("invalid_client"), "{run}");
    assert!(
        run.stderr
            .contains(&format!("http://{}/oauth2/token", admin.endpoint())),
        "{run}"
    );
    assert!(!run.all().contains("not-the-secret"), "{run}");
}

#[test]
fn register_files_of_a_pyflyte_package_then_run_its_launch_plan() {
    let Some(admin) = RealAdmin::get() else {
        return;
    };
    let (sandbox, c, project) = project(admin, "packaged");
    let Some(archive) = crate::register_files::package(&sandbox, "shop", "ghcr.io/acme/shop:1")
    else {
        return;
    };
    let archive = archive.to_str().expect("a UTF-8 temp path");
    let args = [
        "-c",
        &c,
        "-p",
        &project,
        "register",
        "files",
        archive,
        "--version",
        "v1",
    ];
    let first = ok(&mut sandbox.host(), args);
    assert_eq!(
        first.stdout.matches("\nregistered ").count() + 1,
        8,
        "{first}"
    );
    // flyteadmin compiled the workflows against the tasks registered just before them.
    let again = ok(&mut sandbox.host(), args);
    assert_eq!(
        again.stdout.matches("already registered ").count(),
        8,
        "{again}"
    );
    let plans = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &project,
            "-o",
            "json",
            "get",
            "launch-plans",
            "shop.weekly",
        ],
    );
    assert!(plans.to_string().contains("shop.weekly"), "{plans}");
    let run = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            &c,
            "-p",
            &project,
            "-o",
            "json",
            "run",
            "shop.weekly",
            "--input",
            "item=pear",
        ],
    );
    assert_eq!(run["execution"]["id"]["project"], project.as_str(), "{run}");
}
