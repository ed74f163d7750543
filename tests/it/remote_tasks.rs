//! `register` and `run` end to end: the real binary (with no plugin and with `myorg`) against the
//! stand-in FlyteAdmin (`tests/standin/flyteadmin.py`, started per test on 127.0.0.1 and killed
//! at the end), checking what admin received, the 409 and different-spec semantics, executions,
//! `--wait` exit statuses and the errors users see.

use crate::support;

use std::fs;

use serde_json::{json, Value};
use support::{fails, net::free_port, ok, ok_json, snapshot::assert_snapshot, Sandbox};

/// A task file every plugin accepts: every secret has a group, every cache a version.
const PLAIN_TASKS: &str = r#"
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
resources = { cpu = "1", memory = "1Gi" }

[[task]]
name = "etl.load"
command = ["load"]
image = "ghcr.io/acme/etl:2.0"
inputs = { ratio = "float", dry = "boolean", wait = "duration", data = "blob", label = "string" }

[[task]]
name = "etl.fail"
command = ["false"]
"#;

/// A task file only an organization like myorg accepts: a secret without a group, and caching on
/// with neither a version nor policies (the plugin's default cache policies decide).
const ORG_TASKS: &str = r#"
[[task]]
name = "org.report"
command = ["report"]
secrets = [{ key = "api-token", mount = "env" }]
cache = true
"#;

/// sha256("v1"): myorg's one default cache policy versions every task `v1`.
const MYORG_CACHE_VERSION: &str =
    "3bfc269594ef649228e9a74bab00f042efc91d5acc6fbee31a382e80d42388fe";

use support::server::Server as StandIn;

impl StandIn {
    fn start() -> StandIn {
        StandIn::start_with(&[])
    }

    fn start_with(args: &[&str]) -> StandIn {
        StandIn::standin(args)
    }

    /// The TaskCreateRequest bodies admin received for task `name`, in order.
    fn task_posts(&self, name: &str) -> Vec<Value> {
        self.received("POST", "/api/v1/tasks")
            .into_iter()
            .map(|r| r["body"].clone())
            .filter(|b| b["id"]["name"] == name)
            .collect()
    }
}

/// A sandbox with the task files and a flytectl config pointing at `admin`; returns the config.
fn setup(sandbox: &Sandbox, endpoint: &str) -> String {
    sandbox.write("work/plain.toml", PLAIN_TASKS);
    sandbox.write("work/org.toml", ORG_TASKS);
    sandbox.admin_config(endpoint, "")
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn register_sends_what_package_writes_with_flyteadmins_headers() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();

    let run = ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    assert_eq!(
        lines(&run.stdout),
        [
            "registered etl.clean version v1",
            "registered etl.load version v1",
            "registered etl.fail version v1"
        ],
        "{run}"
    );

    ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "package",
            "plain.toml",
            "-o",
            "out",
            "--version",
            "v1",
        ],
    );
    let posts = admin.received("POST", "/api/v1/tasks");
    assert_eq!(posts.len(), 3);
    for post in &posts {
        let headers = &post["headers"];
        assert_eq!(headers["accept"], "application/json", "{post}");
        assert_eq!(headers["content-type"], "application/json", "{post}");
        let name = post["body"]["id"]["name"].as_str().unwrap();
        let packaged: Value = serde_json::from_str(
            &fs::read_to_string(sandbox.cwd().join("out").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            post["body"], packaged,
            "register must send what package writes"
        );
    }
    let clean = &admin.task_posts("etl.clean")[0];
    let template = &clean["spec"]["template"];
    assert_eq!(
        clean["id"],
        json!({"resource_type": "TASK", "project": "flytesnacks", "domain": "development", "name": "etl.clean", "version": "v1"})
    );
    assert!(
        template["container"]["image"]
            .as_str()
            .unwrap()
            .starts_with("cr.flyte.org/flyteorg/flytekit:"),
        "the host's default image without a plugin: {template}"
    );
    assert_eq!(
        template["security_context"]["secrets"][0]["group"], "db",
        "{template}"
    );
    assert_eq!(template["metadata"]["discoverable"], true);
    assert_eq!(template["metadata"]["discovery_version"], "7");
    let load = &admin.task_posts("etl.load")[0];
    assert_eq!(
        load["spec"]["template"]["container"]["image"],
        "ghcr.io/acme/etl:2.0"
    );

    // What admin stored reads back through the real paths, in proto names.
    let (status, body) = admin.http(
        "GET",
        "/api/v1/tasks/flytesnacks/development/etl.clean/v1",
        &[("Accept", "application/json")],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let task: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        task["closure"]["compiled_task"]["template"]["metadata"]["retries"]["retries"],
        2
    );
}

#[test]
fn myorg_defaults_reach_admin_and_the_builtin_rules_reject_the_same_file() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();

    let run = ok(
        &mut sandbox.host_with("myorg"),
        [
            "-c",
            c,
            "register",
            "org.toml",
            "plain.toml",
            "--version",
            "v1",
        ],
    );
    assert!(
        run.stdout.contains("registered org.report version v1"),
        "{run}"
    );
    let report = &admin.task_posts("org.report")[0]["spec"]["template"];
    assert_eq!(report["container"]["image"], "myorg/flytekit-base:1.2.3");
    assert_eq!(
        report["security_context"]["secrets"],
        json!([{"key": "api-token", "mount_requirement": "ENV_VAR"}]),
        "myorg accepts a secret without a group: {report}"
    );
    assert_eq!(report["metadata"]["discoverable"], true);
    assert_eq!(
        report["metadata"]["discovery_version"], MYORG_CACHE_VERSION,
        "the cache version comes from myorg's default cache policy: {report}"
    );
    // A task that names its own image keeps it; one that names none gets myorg's.
    let clean = &admin.task_posts("etl.clean")[0]["spec"]["template"];
    assert_eq!(clean["container"]["image"], "myorg/flytekit-base:1.2.3");
    let load = &admin.task_posts("etl.load")[0]["spec"]["template"];
    assert_eq!(load["container"]["image"], "ghcr.io/acme/etl:2.0");

    // Without the plugin the same file is refused before anything is sent.
    let before = admin.received("POST", "/api/v1/tasks").len();
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "register", "org.toml", "--version", "v2"],
    );
    assert!(
        run.stderr.contains("secret 'api-token' needs a group"),
        "{run}"
    );
    assert_eq!(admin.received("POST", "/api/v1/tasks").len(), before);
}

#[test]
fn re_registering_is_success_and_a_changed_spec_under_the_same_version_is_an_error() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();

    // The default version is the spec hash: the same files give the same version.
    let first = ok(&mut sandbox.host(), ["-c", c, "register", "plain.toml"]);
    let version = first
        .stdout
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(version.len(), 32, "{first}");
    let again = ok(&mut sandbox.host(), ["-c", c, "register", "plain.toml"]);
    assert_eq!(
        lines(&again.stdout),
        [
            format!("already registered etl.clean version {version}"),
            format!("already registered etl.load version {version}"),
            format!("already registered etl.fail version {version}"),
        ],
        "{again}"
    );

    // A change under the default version is simply a new version...
    sandbox.write(
        "work/plain.toml",
        PLAIN_TASKS.replace("retries = 2", "retries = 3"),
    );
    let changed = ok(&mut sandbox.host(), ["-c", c, "register", "plain.toml"]);
    assert!(changed.stdout.starts_with("registered etl.clean version "));
    assert!(!changed.stdout.contains(&version), "{changed}");

    // ... but under a version that already holds the task it is refused, naming both.
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    sandbox.write(
        "work/plain.toml",
        PLAIN_TASKS.replace("retries = 2", "retries = 4"),
    );
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    assert!(
        run.stderr
            .contains("task 'etl.clean' version 'v1' is already registered with a different spec"),
        "{run}"
    );
    assert!(
        run.stderr.contains("retries"),
        "admin's diff is kept: {run}"
    );
}

#[test]
fn a_server_answering_409_for_a_different_spec_is_caught_by_comparing() {
    let admin = StandIn::start_with(&["--legacy-conflicts"]);
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    let again = ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    assert!(
        again
            .stdout
            .starts_with("already registered etl.clean version v1"),
        "{again}"
    );
    sandbox.write(
        "work/plain.toml",
        PLAIN_TASKS.replace("retries = 2", "retries = 4"),
    );
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    assert!(
        run.stderr.contains("task 'etl.clean' version 'v1' is already registered with a different spec (metadata.retries.retries: 2 → 4): register the change under a new version"),
        "{run}"
    );
}

#[test]
fn run_creates_an_execution_of_the_latest_version_with_typed_literals() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v2"],
    );

    let run = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "etl.load",
            "-i",
            "ratio=0.25",
            "--input",
            "dry=false",
            "-i",
            "wait=1h30m",
            "-i",
            "data=s3://bucket/in.csv",
            "-i",
            "label=a b",
        ],
    );
    let posts = admin.received("POST", "/api/v1/executions");
    assert_eq!(posts.len(), 1);
    let body = &posts[0]["body"];
    let name = body["name"].as_str().unwrap();
    assert_eq!(name.len(), 20);
    assert!(name.starts_with('a'));
    assert_eq!(
        *body,
        json!({
            "project": "flytesnacks",
            "domain": "development",
            "name": name,
            "spec": {
                "launch_plan": {"resource_type": "TASK", "project": "flytesnacks", "domain": "development", "name": "etl.load", "version": "v2"},
                "metadata": {"mode": "MANUAL"}
            },
            "inputs": {"literals": {
                "data": {"scalar": {"blob": {"metadata": {"type": {"format": "", "dimensionality": "SINGLE"}}, "uri": "s3://bucket/in.csv"}}},
                "dry": {"scalar": {"primitive": {"boolean": false}}},
                "label": {"scalar": {"primitive": {"string_value": "a b"}}},
                "ratio": {"scalar": {"primitive": {"float_value": 0.25}}},
                "wait": {"scalar": {"primitive": {"duration": "5400s"}}}
            }}
        })
    );
    assert_eq!(
        lines(&run.stdout),
        [
            format!("created execution {name} of task etl.load version v2 in flytesnacks/development"),
            format!(
                "console: http://{}/console/projects/flytesnacks/domains/development/executions/{name}",
                admin.endpoint()
            ),
        ],
        "{run}"
    );
    // The latest version was found through the list endpoint, newest first, one at a time.
    let lists = admin.received("GET", "/api/v1/tasks/flytesnacks/development/etl.load");
    assert_eq!(lists.len(), 1);
    let query = lists[0]["query"].as_str().unwrap();
    for part in [
        "limit=1",
        "sort_by.key=created_at",
        "sort_by.direction=DESCENDING",
    ] {
        assert!(query.contains(part), "{query}");
    }

    // --version picks that version; integers go as strings, datetimes in UTC.
    ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "etl.clean",
            "--version",
            "v1",
            "-i",
            "date=2024-05-01T02:00:00+02:00",
            "-i",
            "limit=-7",
        ],
    );
    let body = &admin.received("POST", "/api/v1/executions")[1]["body"];
    assert_eq!(body["spec"]["launch_plan"]["version"], "v1");
    assert_eq!(
        body["inputs"]["literals"],
        json!({
            "date": {"scalar": {"primitive": {"datetime": "2024-05-01T00:00:00Z"}}},
            "limit": {"scalar": {"primitive": {"integer": "-7"}}}
        })
    );
}

#[test]
fn run_wait_exits_zero_only_when_the_execution_succeeds() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );

    let run = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "etl.clean",
            "-i",
            "date=2024-05-01",
            "-i",
            "limit=3",
            "--wait",
        ],
    );
    let phases: Vec<&str> = run
        .stdout
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(phases, ["QUEUED", "RUNNING", "SUCCEEDED"], "{run}");

    let run = fails(&mut sandbox.host(), ["-c", c, "run", "etl.fail", "--wait"]);
    assert!(run.stdout.contains("FAILED after"), "{run}");
    assert!(
        run.stderr
            .contains("ended FAILED: USER:RuntimeError: task etl.fail failed: boom"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("/console/projects/flytesnacks/domains/development/executions/a"),
        "{run}"
    );

    // -o json: the final execution as admin returned it, with the console URL.
    let doc = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "run",
            "etl.clean",
            "-i",
            "date=2024-05-01",
            "-i",
            "limit=3",
            "--wait",
        ],
    );
    assert_eq!(doc["execution"]["closure"]["phase"], "SUCCEEDED", "{doc}");
    let name = doc["execution"]["id"]["name"].as_str().unwrap();
    assert!(doc["console_url"].as_str().unwrap().ends_with(name));
    let doc = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "register",
            "plain.toml",
            "--version",
            "v1",
        ],
    );
    assert_eq!(doc["version"], "v1");
    assert_eq!(
        doc["tasks"][0],
        json!({"name": "etl.clean", "status": "already registered"})
    );
}

#[test]
fn input_errors_name_the_input_and_create_nothing() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );

    let cases: &[(&[&str], &str)] = &[
        (
            &["-i", "date=2024-05-01", "-i", "limit=ten"],
            "input 'limit' must be an integer",
        ),
        (
            &["-i", "date=tomorrow", "-i", "limit=1"],
            "input 'date' must be a datetime",
        ),
        (
            &["-i", "date=2024-05-01"],
            "task 'etl.clean' needs input limit (integer)",
        ),
        (
            &["-i", "date=2024-05-01", "-i", "limit=1", "-i", "nope=1"],
            "task 'etl.clean' has no input 'nope': its inputs are date, limit",
        ),
        (&["-i", "date"], "--input 'date' is not NAME=VALUE"),
    ];
    for (args, needle) in cases {
        let mut full = vec!["-c", c, "run", "etl.clean"];
        full.extend_from_slice(args);
        let run = fails(&mut sandbox.host(), &full);
        assert!(run.stderr.contains(needle), "{needle}:\n{run}");
    }
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "etl.load",
            "-i",
            "ratio=1",
            "-i",
            "dry=maybe",
            "-i",
            "wait=1s",
            "-i",
            "data=s3://b/k",
            "-i",
            "label=x",
        ],
    );
    assert!(
        run.stderr.contains("input 'dry' must be a boolean"),
        "{run}"
    );
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "etl.load",
            "-i",
            "ratio=1",
            "-i",
            "dry=1",
            "-i",
            "wait=soon",
            "-i",
            "data=./in.csv",
            "-i",
            "label=x",
        ],
    );
    assert!(
        run.stderr.contains("input 'wait' must be a duration"),
        "{run}"
    );
    assert!(admin.received("POST", "/api/v1/executions").is_empty());
}

#[test]
fn missing_tasks_and_admin_errors_are_one_line_with_status_and_message() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    let endpoint = admin.endpoint();

    let run = fails(&mut sandbox.host(), ["-c", c, "run", "etl.clean"]);
    assert!(
        run.stderr.contains(&format!(
            "no task or launch plan named 'etl.clean' in flytesnacks/development on {endpoint}: register it first"
        )),
        "{run}"
    );
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "run", "etl.clean", "--version", "v9"],
    );
    assert!(
        run.stderr
            .contains("task 'etl.clean' version 'v9' not found in flytesnacks/development"),
        "{run}"
    );
    // A project admin does not know: its status, code and message.
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-p",
            "elsewhere",
            "register",
            "plain.toml",
            "--version",
            "v1",
        ],
    );
    assert!(
        run.stderr.contains(&format!(
            "Flyte admin at {endpoint} refused to register task 'etl.clean' version 'v1' in elsewhere/development: HTTP 400 INVALID_ARGUMENT: failed to validate that project [elsewhere]"
        )),
        "{run}"
    );
}

#[test]
fn admin_wanting_a_token_means_log_in() {
    let admin = StandIn::start_with(&["--token", "s3cr3t"]);
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    let expected = format!(
        "error: not logged in to {}: run `flyte-host login`",
        admin.endpoint()
    );
    let run = fails(&mut sandbox.host(), ["-c", c, "register", "plain.toml"]);
    assert!(run.stderr.starts_with(&expected), "{run}");
    let run = fails(&mut sandbox.host(), ["-c", c, "run", "etl.clean"]);
    assert!(run.stderr.starts_with(&expected), "{run}");
}

#[test]
fn admin_down_names_the_endpoint_and_where_it_came_from() {
    let sandbox = Sandbox::new();
    let port = free_port();
    let endpoint = format!("127.0.0.1:{port}");
    let config = setup(&sandbox, &endpoint);
    let c = config.as_str();

    let run = fails(&mut sandbox.host(), ["-c", c, "register", "plain.toml"]);
    assert!(
        run.stderr.contains(&format!(
            "cannot reach Flyte admin at http://{endpoint} (endpoint {endpoint} from config file {c}; built-in get_remote): connection refused"
        )),
        "{run}"
    );
    let run = fails(
        &mut sandbox.host_with("myorg"),
        ["-c", c, "run", "etl.clean"],
    );
    assert!(
        run.stderr.contains(&format!(
            "(endpoint {endpoint} from config file {c}; get_remote of plugin myorg)"
        )),
        "{run}"
    );
    let run = fails(
        sandbox
            .host()
            .env("FLYTE_PLATFORM_URL", &endpoint)
            .env("FLYTE_PLATFORM_INSECURE", "true"),
        ["register", "plain.toml"],
    );
    assert!(
        run.stderr.contains(&format!(
            "cannot reach Flyte admin at http://{endpoint} (endpoint {endpoint} from FLYTE_PLATFORM_URL; built-in get_remote)"
        )),
        "{run}"
    );
}

#[test]
fn admin_down_says_how_to_point_the_host_elsewhere_login_included() {
    let sandbox = Sandbox::new();
    let endpoint = format!("127.0.0.1:{}", free_port());
    let config = setup(&sandbox, &endpoint);
    let c = config.as_str();
    for args in [
        vec!["-c", c, "register", "plain.toml"],
        vec!["-c", c, "get", "projects"],
        vec!["-c", c, "version", "--remote"],
        vec!["-c", c, "login", "--timeout", "5"],
    ] {
        let run = fails(&mut sandbox.host(), &args);
        for hint in [
            "connection refused",
            "`flyte-host config init --host HOST`",
            "`--config FILE`",
            "`FLYTE_PLATFORM_URL=HOST`",
        ] {
            assert!(run.stderr.contains(hint), "{args:?}: {hint}\n{run}");
        }
        assert!(
            !run.stderr.contains("os error"),
            "{args:?}: raw io error\n{run}"
        );
    }

    // A host name that does not resolve (RFC 6761 reserves `.invalid`) is unreachable too.
    let config = setup(&sandbox, "no-such-host.invalid");
    let c = config.as_str();
    for args in [
        vec!["-c", c, "get", "projects"],
        vec!["-c", c, "login", "--timeout", "5"],
    ] {
        let run = fails(&mut sandbox.host(), &args);
        for hint in [
            "cannot reach Flyte admin at http://no-such-host.invalid",
            "`flyte-host config init --host HOST`",
            "`--config FILE`",
            "`FLYTE_PLATFORM_URL=HOST`",
        ] {
            assert!(run.stderr.contains(hint), "{args:?}: {hint}\n{run}");
        }
        assert!(
            !run.stderr.contains("io: "),
            "{args:?}: raw io error\n{run}"
        );
    }
}

#[test]
fn the_stand_in_is_as_strict_as_the_gateway() {
    let admin = StandIn::start();
    let json_headers = [
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    let task = json!({
        "id": {"resource_type": "TASK", "project": "flytesnacks", "domain": "development", "name": "t", "version": "v1"},
        "spec": {"template": {"type": "raw-container", "metadata": {}, "interface": {},
                              "container": {"image": "x", "imagePullPolicy": "Always"}}}
    });
    let (status, body) = admin.http("POST", "/api/v1/tasks", &json_headers, &task.to_string());
    assert_eq!(status, 400, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["code"], 3);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown field \"imagePullPolicy\""),
        "{body}"
    );
    // Responses use proto names only for exactly `Accept: application/json`.
    let (status, body) = admin.http("GET", "/api/v1/version", &[("Accept", "*/*")], "");
    assert_eq!(status, 200);
    assert!(body.contains("controlPlaneVersion"), "{body}");
    let (_, body) = admin.http(
        "GET",
        "/api/v1/version",
        &[("Accept", "application/json")],
        "",
    );
    assert!(body.contains("control_plane_version"), "{body}");
    let (status, body) = admin.http(
        "GET",
        "/api/v1/tasks/flytesnacks/development",
        &json_headers,
        "",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid value for limit"), "{body}");
    // Lists page with offset tokens, a token only when the page is full.
    for version in ["v1", "v2", "v3"] {
        let mut task = task.clone();
        task["id"]["version"] = json!(version);
        task["spec"]["template"]["container"] = json!({"image": "x"});
        let (status, body) = admin.http("POST", "/api/v1/tasks", &json_headers, &task.to_string());
        assert_eq!((status, body.as_str()), (200, "{}"));
    }
    let page = |token: &str| -> Value {
        let path = format!("/api/v1/tasks/flytesnacks/development/t?limit=2&token={token}&sort_by.key=created_at&sort_by.direction=ASCENDING");
        serde_json::from_str(&admin.http("GET", &path, &json_headers, "").1).unwrap()
    };
    let first = page("");
    assert_eq!(first["token"], "2");
    assert_eq!(first["tasks"][1]["id"]["version"], "v2");
    let second = page("2");
    assert_eq!(second["token"], "");
    assert_eq!(second["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(second["tasks"][0]["id"]["version"], "v3");
}

#[test]
fn tls_to_a_plain_http_admin_suggests_insecure() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    setup(&sandbox, &admin.endpoint());
    let config = sandbox.write(
        "tls.yaml",
        format!("admin:\n  endpoint: dns:///{}\n", admin.endpoint()),
    );
    let run = fails(
        &mut sandbox.host(),
        ["-c", config.to_str().unwrap(), "register", "plain.toml"],
    );
    assert!(
        run.stderr.contains(&format!(
            "cannot reach Flyte admin at https://{}",
            admin.endpoint()
        )),
        "{run}"
    );
    assert!(
        run.stderr.contains("TLS failed") && run.stderr.contains("`insecure: true`"),
        "{run}"
    );
    assert!(admin.requests().is_empty(), "nothing reached admin");
}

#[test]
fn run_help_says_which_version_runs_by_default() {
    let sandbox = Sandbox::new();
    // `run`: "(default: the latest registered version)"; `register`: "(default: a hash of the
    // packaged specs)".
    let help = ok(&mut sandbox.host(), ["run", "--help"]).stdout;
    assert_snapshot!("run_help", help);
    let help = ok(&mut sandbox.host(), ["register", "--help"]).stdout;
    assert_snapshot!("register_help", help);
}

#[test]
fn resources_over_the_platform_limits_are_admins_error() {
    // As the real FlyteAdmin with its stock limits (tests/it/real_admin.rs checks the same three).
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    for (resources, message) in support::OVER_PLATFORM_LIMITS {
        sandbox.write(
            "work/big.toml",
            format!("[[task]]\nname = \"big\"\ncommand = [\"run\"]\nresources = {resources}\n"),
        );
        let run = fails(
            &mut sandbox.host(),
            ["-c", c, "register", "big.toml", "--version", "v1"],
        );
        assert!(run.stderr.contains("HTTP 400 INVALID_ARGUMENT"), "{run}");
        assert!(run.stderr.contains(message), "{resources}: {run}");
    }
}

#[test]
fn get_execution_shows_its_nodes_and_typed_inputs_and_outputs() {
    let admin = StandIn::start();
    let sandbox = Sandbox::new();
    let config = setup(&sandbox, &admin.endpoint());
    let c = config.as_str();
    ok(
        &mut sandbox.host(),
        ["-c", c, "register", "plain.toml", "--version", "v1"],
    );
    let started = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "run",
            "etl.clean",
            "-i",
            "date=2026-01-02T03:04:05Z",
            "-i",
            "limit=5",
            "--wait",
        ],
    );
    let name = started["execution"]["id"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "get",
            "execution",
            &name,
            "--inputs",
            "--outputs",
            "--nodes",
        ],
    );
    let text = &shown.stdout;
    for needle in [
        "\ninputs:\n",
        "  date   2026-01-02T03:04:05Z\n",
        "  limit  5\n",
        "\noutputs:\n",
        "  rows  42\n",
        "\nnodes:\n",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{shown}");
    }
    let node_row: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("n0 "))
        .expect("a row for node n0")
        .split_whitespace()
        .collect();
    assert_eq!(node_row[1], "SUCCEEDED", "{shown}");
    // -o json: the literal maps and nodes as admin returned them, beside the execution.
    let json = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "get",
            "execution",
            &name,
            "--outputs",
            "--nodes",
        ],
    );
    assert_eq!(
        json["outputs"]["literals"]["rows"]["scalar"]["primitive"]["integer"],
        "42"
    );
    assert_eq!(json["nodes"][0]["id"]["node_id"], "n0");
    assert_eq!(json["execution"]["id"]["name"], name.as_str());
    assert!(json.get("inputs").is_none(), "{json:#}");
    // Without a flag, -o json stays the execution itself.
    let plain = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "execution", &name],
    );
    assert_eq!(plain["id"]["name"], name.as_str());
}

#[test]
fn run_launches_launch_plans_and_workflows_with_inputs_from_a_file() {
    let admin = StandIn::standin(&["--seed"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let launched = |admin: &StandIn| {
        let posts = admin.received("POST", "/api/v1/executions");
        posts.last().expect("an execution was created")["body"].clone()
    };
    // No task of that name: the launch plan, its latest version; `retries` has a default.
    let out = ok(
        &mut sandbox.host(),
        ["-c", c, "run", "wf.daily", "-i", "day=monday"],
    );
    assert!(
        out.stdout.starts_with("created execution a")
            && out
                .stdout
                .contains(" of launch plan wf.daily version v2 in flytesnacks/development\n"),
        "{out}"
    );
    let body = launched(&admin);
    assert_eq!(body["spec"]["launch_plan"]["resource_type"], "LAUNCH_PLAN");
    assert_eq!(body["spec"]["launch_plan"]["version"], "v2");
    assert_eq!(
        body["inputs"],
        json!({"literals": {"day": {"scalar": {"primitive": {"string_value": "monday"}}}}})
    );
    // Its parameters decide what is required and what exists.
    let run = fails(&mut sandbox.host(), ["-c", c, "run", "wf.daily"]);
    assert!(
        run.stderr.contains(
            "launch plan 'wf.daily' needs input day (string): pass it as --input NAME=VALUE"
        ),
        "{run}"
    );
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "run", "wf.daily", "-i", "nope=1"],
    );
    assert!(
        run.stderr
            .contains("launch plan 'wf.daily' has no input 'nope': its inputs are day, retries"),
        "{run}"
    );
    // An inputs file, overridden by -i.
    sandbox.write("work/in.yaml", "day: tuesday\nretries: 5\n");
    ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "wf.daily",
            "--inputs-file",
            "in.yaml",
            "-i",
            "day=wednesday",
        ],
    );
    let body = launched(&admin);
    assert_eq!(
        body["inputs"]["literals"]["day"]["scalar"]["primitive"]["string_value"],
        "wednesday"
    );
    assert_eq!(
        body["inputs"]["literals"]["retries"]["scalar"]["primitive"]["integer"],
        "5"
    );
    sandbox.write("work/bad.yaml", "day: [a, b]\n");
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "run", "wf.daily", "--inputs-file", "bad.yaml"],
    );
    assert!(
        run.stderr
            .contains("inputs file `bad.yaml`: input 'day' is not a single value"),
        "{run}"
    );
    // A workflow runs through its launch plan of the same name; --wait follows it to its end
    // (plain lines when stdout is not a terminal).
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "run",
            "wf.hourly",
            "--workflow",
            "--version",
            "v1",
            "--wait",
        ],
    );
    assert!(out.stdout.contains("SUCCEEDED after "), "{out}");
    assert_eq!(launched(&admin)["spec"]["launch_plan"]["name"], "wf.hourly");
    // Saying it is a task when it is not.
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "run", "wf.daily", "--task", "-i", "day=x"],
    );
    assert!(
        run.stderr
            .contains("task 'wf.daily' not found in flytesnacks/development"),
        "{run}"
    );
}

/// `run --wait` on a terminal (a pseudo-terminal from util-linux's `script`): a spinner shows the
/// execution's phase live, redrawn in place, and the final phase stays as a line.
#[test]
fn run_wait_on_a_terminal_shows_the_phase_live_in_a_spinner() {
    let admin = support::server::Server::standin(&["--seed"]);
    let sandbox = Sandbox::new();
    let c = sandbox.admin_config(&admin.endpoint(), "");
    let args = format!("-c '{c}' run seed.small --version v1 --wait");
    let Some(text) = support::pty::host_on_a_terminal(&sandbox, &args, &[]) else {
        return;
    };
    let name = text
        .split("created execution ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no execution name in:\n{text}"));
    // Redrawn in place (carriage return, clear line) with the phase and the time so far.
    assert!(text.contains(&format!("{name}: QUEUED (0s)")), "{text:?}");
    assert!(text.contains(&format!("{name}: RUNNING (")), "{text:?}");
    assert!(text.contains("\r\u{1b}[2K"), "{text:?}");
    assert!(text.contains("SUCCEEDED after "), "{text:?}");
}
