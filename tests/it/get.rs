//! `get`, `version --remote` and the plugin host service `admin_request` end to end: the real
//! binary against the stand-in FlyteAdmin (`tests/standin/flyteadmin.py --seed`, started per test
//! on 127.0.0.1 and killed at the end): tables and `-o json` arrays with admin's snake_case
//! names, `--limit`, pagination with tokens, one execution's phase and error, error messages, and
//! clitour's `acme projects` calling admin through the host.

use crate::support;

use serde_json::Value;
use support::{fails, net::free_port, ok, ok_json, Sandbox};

use support::server::Server as StandIn;

/// The stand-in with the `--seed` entities and `args`.
fn seeded(args: &[&str]) -> StandIn {
    let mut all = vec!["--seed"];
    all.extend_from_slice(args);
    StandIn::standin(&all)
}

/// The query strings of the GET requests `admin` received for `path`, in order.
fn queries(admin: &StandIn, path: &str) -> Vec<String> {
    admin
        .received("GET", path)
        .into_iter()
        .map(|r| r["query"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The lines of `text`, trailing spaces dropped.
fn lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_owned()).collect()
}

/// The words of each line.
fn words(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// Whether `value` holds an object key with an upper-case letter (a lowerCamelCase name), other
/// than the ones admin's protos spell that way.
fn has_camel_case_key(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            let proto_spelled = matches!(k.as_str(), "Build" | "Version" | "BuildTime");
            (!proto_spelled && k.chars().any(|c| c.is_ascii_uppercase())) || has_camel_case_key(v)
        }),
        Value::Array(items) => items.iter().any(has_camel_case_key),
        _ => false,
    }
}

#[test]
fn projects_as_a_table_and_as_admins_json() {
    let admin = seeded(&["--projects", "flytesnacks,beta,alpha"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let table = ok(&mut sandbox.host(), ["-c", c, "get", "projects"]);
    let rows = words(&table.stdout);
    assert_eq!(rows[0], ["ID", "NAME", "DOMAINS", "DESCRIPTION"], "{table}");
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["alpha", "beta", "flytesnacks"], "{table}");
    assert_eq!(rows[1][2], "development,staging,production");

    let json = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "projects"],
    );
    let projects = json.as_array().expect("an array of projects");
    assert_eq!(projects.len(), 3);
    assert_eq!(projects[2]["id"], "flytesnacks");
    assert_eq!(projects[2]["state"], "ACTIVE");
    assert_eq!(projects[2]["domains"][0]["id"], "development");
    assert!(projects[2]["labels"].is_null(), "{json}");
    assert!(!has_camel_case_key(&json), "{json}");

    let one = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "projects", "--limit", "1"],
    );
    assert_eq!(one.as_array().map(Vec::len), Some(1), "{one}");

    // Every request carried the exact Accept header that makes admin answer in proto names.
    for request in admin.requests() {
        assert_eq!(
            request["headers"]["accept"], "application/json",
            "{request}"
        );
    }
}

#[test]
fn task_versions_follow_the_pagination_token_until_it_is_empty() {
    let admin = seeded(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let path = "/api/v1/tasks/flytesnacks/development/seed.big";

    // --all pages through every token.
    let all = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "tasks", "seed.big", "--all"],
    );
    let all = all.as_array().expect("an array of tasks").clone();
    assert_eq!(all.len(), 250);
    assert_eq!(all[0]["id"]["version"], "v249", "newest first");
    assert_eq!(all[249]["id"]["version"], "v000");
    assert_eq!(
        all[0]["closure"]["compiled_task"]["template"]["type"],
        "python-task"
    );
    assert!(all[0]["closure"]["created_at"].is_string());
    assert!(!has_camel_case_key(&Value::Array(all.clone())));
    let sort = "sort_by.key=created_at&sort_by.direction=DESCENDING";
    assert_eq!(
        queries(&admin, path),
        [
            format!("limit=100&{sort}"),
            format!("limit=100&{sort}&token=100"),
            format!("limit=100&{sort}&token=200"),
        ]
    );

    // By default one page, as flytectl: admin's next token means more, and stderr says how to
    // see them (stdout stays the data).
    let first = ok(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "tasks", "seed.big"],
    );
    assert_eq!(first.json().as_array().map(Vec::len), Some(100), "{first}");
    assert_eq!(
        first.stderr.trim(),
        "note: showing the first 100 versions; admin has more: --all lists every one, --limit N another number"
    );
    // One entity past the full page confirms there are more.
    assert_eq!(
        queries(&admin, path)[3..],
        [
            format!("limit=100&{sort}"),
            format!("limit=1&{sort}&token=100")
        ]
    );
    let run = support::run(
        &mut sandbox.host(),
        ["-c", c, "get", "tasks", "seed.big", "--all", "--limit", "3"],
    );
    assert_eq!(run.code, Some(2), "--all and --limit conflict:\n{run}");
    // All there is, without a note.
    let all_of_few = ok(
        &mut sandbox.host(),
        ["-c", c, "get", "tasks", "seed.big", "--limit", "250"],
    );
    assert_eq!(all_of_few.stderr, "", "{all_of_few}");

    // --limit asks only for what it needs, across pages too.
    let some = ok_json(
        &mut sandbox.host(),
        [
            "-c", c, "-o", "json", "get", "tasks", "seed.big", "--limit", "120",
        ],
    );
    assert_eq!(some.as_array().map(Vec::len), Some(120));
    let queries = queries(&admin, path);
    assert_eq!(
        queries[queries.len() - 3..],
        [
            format!("limit=100&{sort}"),
            format!("limit=20&{sort}&token=100"),
            format!("limit=1&{sort}&token=120")
        ]
    );

    let table = ok(
        &mut sandbox.host(),
        ["-c", c, "get", "tasks", "seed.big", "--limit", "3"],
    );
    let rows = words(&table.stdout);
    assert_eq!(rows.len(), 4, "{table}");
    assert_eq!(rows[0], ["VERSION", "TYPE", "CREATED"]);
    assert_eq!(rows[1][..2], ["v249", "python-task"]);
    assert_eq!(rows[3][0], "v247");

    let run = support::run(
        &mut sandbox.host(),
        ["-c", c, "get", "tasks", "seed.big", "--limit", "0"],
    );
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("--limit"), "{run}");
}

#[test]
fn entity_names_come_from_the_identifier_lists() {
    let admin = seeded(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let tasks = ok(&mut sandbox.host(), ["-c", c, "get", "tasks"]);
    assert_eq!(lines(&tasks.stdout), ["NAME", "seed.big", "seed.small"]);
    let workflows = ok(&mut sandbox.host(), ["-c", c, "get", "workflows"]);
    assert_eq!(lines(&workflows.stdout), ["NAME", "wf.daily", "wf.hourly"]);
    let plans = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "launch-plans"],
    );
    assert_eq!(
        plans,
        serde_json::json!([
            {"project": "flytesnacks", "domain": "development", "name": "wf.daily", "org": ""},
            {"project": "flytesnacks", "domain": "development", "name": "wf.hourly", "org": ""},
        ])
    );
    for path in ["task_ids", "workflow_ids", "launch_plan_ids"] {
        let queries = queries(&admin, &format!("/api/v1/{path}/flytesnacks/development"));
        assert_eq!(
            queries,
            ["limit=100&sort_by.key=name&sort_by.direction=ASCENDING"],
            "{path}"
        );
    }
}

#[test]
fn workflow_and_launch_plan_versions() {
    let admin = seeded(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let workflows = ok(
        &mut sandbox.host(),
        ["-c", c, "get", "workflows", "wf.daily"],
    );
    let rows = words(&workflows.stdout);
    assert_eq!(rows[0], ["VERSION", "CREATED"]);
    assert_eq!(rows[1][0], "v2");
    assert_eq!(rows[2][0], "v1");

    let plans = ok(
        &mut sandbox.host(),
        ["-c", c, "get", "launch-plans", "wf.daily"],
    );
    let rows = words(&plans.stdout);
    assert_eq!(rows[0], ["VERSION", "STATE", "WORKFLOW", "CREATED"]);
    assert_eq!(rows[1][..4], ["v2", "ACTIVE", "wf.daily", "v2"]);
    assert_eq!(rows[2][..2], ["v1", "INACTIVE"]);

    let json = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "launch-plans", "wf.daily"],
    );
    assert_eq!(json[0]["closure"]["state"], "ACTIVE");
    assert_eq!(json[0]["spec"]["workflow_id"]["resource_type"], "WORKFLOW");
    assert!(!has_camel_case_key(&json), "{json}");
}

#[test]
fn executions_and_one_execution_with_phase_timing_and_error() {
    let admin = seeded(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let list = ok(&mut sandbox.host(), ["-c", c, "get", "executions"]);
    let rows = words(&list.stdout);
    assert_eq!(
        rows[0],
        ["NAME", "LAUNCHED", "VERSION", "PHASE", "STARTED", "DURATION"]
    );
    assert_eq!(rows[1][..4], ["seed-failed", "seed.small", "v1", "FAILED"]);
    assert_eq!(rows[2][..4], ["seed-ok", "seed.small", "v1", "SUCCEEDED"]);
    let json = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "executions"],
    );
    assert_eq!(json[0]["closure"]["error"]["kind"], "USER");
    assert_eq!(json[1]["closure"]["phase"], "SUCCEEDED");
    assert!(!has_camel_case_key(&json), "{json}");

    let failed = ok(
        &mut sandbox.host(),
        ["-c", c, "get", "execution", "seed-failed"],
    );
    let text = failed.stdout;
    assert!(text.contains("phase       FAILED"), "{text}");
    assert!(
        text.contains("error       USER:RuntimeError: task seed.small failed: boom"),
        "{text}"
    );
    assert!(text.contains("duration    42s"), "{text}");
    assert!(text.contains("launched    task seed.small v1"), "{text}");
    let started = lines(&text)
        .into_iter()
        .find(|l| l.starts_with("started_at"))
        .unwrap_or_default();
    assert!(started.ends_with('Z'), "{text}");

    let succeeded = ok(
        &mut sandbox.host(),
        ["-c", c, "get", "executions", "seed-ok"],
    );
    assert!(
        succeeded.stdout.contains("phase       SUCCEEDED"),
        "{succeeded}"
    );
    assert!(succeeded.stdout.contains("error       -"), "{succeeded}");

    let json = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "execution", "seed-failed"],
    );
    assert_eq!(json["closure"]["phase"], "FAILED");
    assert_eq!(json["closure"]["error"]["code"], "USER:RuntimeError");
}

#[test]
fn unknown_projects_and_entities_are_one_line_errors() {
    let admin = seeded(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let endpoint = format!("127.0.0.1:{}", admin.port);

    for what in [&["tasks"][..], &["workflows", "wf.daily"], &["executions"]] {
        let mut args = vec!["-c", c, "-p", "nope", "get"];
        args.extend_from_slice(what);
        let run = fails(&mut sandbox.host(), &args);
        assert_eq!(
            run.stderr.trim(),
            format!("error: project 'nope' not found on {endpoint}"),
            "{run}"
        );
    }
    let run = fails(&mut sandbox.host(), ["-c", c, "get", "execution", "nope"]);
    assert_eq!(
        run.stderr.trim(),
        format!("error: execution 'nope' not found in flytesnacks/development on {endpoint}"),
        "{run}"
    );
    // Admin lists nothing, without an error, in a domain it does not know (as the real
    // FlyteAdmin does: tests/it/real_admin.rs).
    let run = ok(&mut sandbox.host(), ["-c", c, "-d", "qa", "get", "tasks"]);
    assert_eq!(run.stdout.trim(), "NAME", "{run}");

    // Nothing listens: the endpoint and where it came from are named.
    let port = free_port();
    let mut unreachable = sandbox.host();
    unreachable.env("FLYTE_PLATFORM_URL", format!("http://127.0.0.1:{port}"));
    let run = fails(&mut unreachable, ["get", "projects"]);
    assert!(run.stderr.contains(&format!("127.0.0.1:{port}")), "{run}");
    assert!(run.stderr.contains("FLYTE_PLATFORM_URL"), "{run}");
}

#[test]
fn a_401_means_not_logged_in() {
    let admin = seeded(&["--token", "s3cr3t"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    for args in [&["get", "projects"][..], &["version", "--remote"]] {
        let mut full = vec!["-c", c];
        full.extend_from_slice(args);
        let run = fails(&mut sandbox.host(), &full);
        assert_eq!(
            run.stderr.trim(),
            format!(
                "error: not logged in to 127.0.0.1:{}: run `flyte-host login`",
                admin.port
            ),
            "{run}"
        );
    }
}

#[test]
fn version_shows_the_host_and_with_remote_admins_version() {
    let admin = seeded(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    // `flyte-host --version` prints `flyte-host X.Y.Z`.
    let version = ok(&mut sandbox.host(), ["--version"]).stdout;
    let version = version
        .trim()
        .strip_prefix("flyte-host ")
        .unwrap_or("?")
        .to_owned();
    let local = ok(&mut sandbox.host(), ["-c", c, "version"]);
    assert!(
        local.stdout.contains(&format!("flyte-host  {version}\n")),
        "{local}"
    );
    assert!(local.stdout.contains("plugin ABI  1."), "{local}");
    assert!(
        queries(&admin, "/api/v1/version").is_empty(),
        "no --remote, no request"
    );

    let remote = ok(&mut sandbox.host(), ["-c", c, "version", "--remote"]);
    assert!(
        remote.stdout.contains("admin version     v1.16.8"),
        "{remote}"
    );
    assert!(
        remote.stdout.contains("admin build       stand-in"),
        "{remote}"
    );
    assert!(
        remote
            .stdout
            .contains("admin build time  2026-07-10 00:31:35"),
        "{remote}"
    );

    let json = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "version", "--remote"],
    );
    assert_eq!(json["host_version"], version.as_str());
    assert_eq!(
        json["remote"]["control_plane_version"]["Version"],
        "v1.16.8"
    );
    assert_eq!(json["remote"]["control_plane_version"]["Build"], "stand-in");
    assert_eq!(queries(&admin, "/api/v1/version").len(), 2);
}

#[test]
fn a_plugin_command_calls_admin_through_the_host() {
    let admin = seeded(&["--projects", "flytesnacks,alpha"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let run = ok(
        &mut sandbox.host_with("clitour"),
        ["-c", c, "acme", "projects"],
    );
    assert_eq!(
        lines(&run.stdout),
        ["2 projects", "alpha", "flytesnacks"],
        "{run}"
    );
    let requests: Vec<Value> = admin
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/api/v1/projects")
        .collect();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["headers"]["accept"], "application/json");

    // The host's one-line error reaches the plugin, and the user.
    let locked = seeded(&["--token", "t"]);
    let c = sandbox.admin_config(&locked.endpoint(), "");
    let run = fails(
        &mut sandbox.host_with("clitour"),
        ["-c", &c, "acme", "projects"],
    );
    assert!(
        run.stderr.contains(&format!(
            "not logged in to 127.0.0.1:{}: run `flyte-host login`",
            locked.port
        )),
        "{run}"
    );
}

#[test]
fn a_plugin_authenticator_supplies_and_refreshes_the_token() {
    // Admin accepts only the token the plugin's authenticator hands out on refresh.
    let admin = seeded(&["--token", "tok-fresh"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let run = ok(
        sandbox
            .host_with("token-auth")
            .env("TOKEN_AUTH_TOKENS", "tok-stale,tok-fresh"),
        ["-c", c, "get", "projects", "-o", "json"],
    );
    assert!(run.json().is_array(), "{run}");
    let bearers: Vec<String> = admin
        .requests()
        .iter()
        .filter(|r| r["path"] == "/api/v1/projects")
        .map(|r| {
            r["headers"]["authorization"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(bearers, ["Bearer tok-stale", "Bearer tok-fresh"], "{run}");
    assert!(!run.all().contains("tok-"), "a token was printed: {run}");
    // No token cache: the plugin owns the tokens.
    assert!(!sandbox.home().join(".flyte/tokens").exists());

    // A token admin keeps refusing, and an authenticator that fails, are errors naming their source.
    let run = fails(
        sandbox
            .host_with("token-auth")
            .env("TOKEN_AUTH_TOKENS", "tok-a,tok-b"),
        ["-c", c, "get", "projects"],
    );
    assert!(
        run.stderr
            .contains("rejected the token of the active plugin's authenticator"),
        "{run}"
    );
    let run = fails(
        sandbox.host_with("token-auth").env("TOKEN_AUTH_FAIL", "1"),
        ["-c", c, "get", "projects"],
    );
    assert!(
        run.stderr
            .contains("the authenticator of plugin 'token-auth'"),
        "{run}"
    );
    assert!(
        run.stderr.contains("the token service is unavailable"),
        "{run}"
    );
}
