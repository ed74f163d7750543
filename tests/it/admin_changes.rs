//! `delete execution`, `update launch-plan` and `update project` (issue 17) against the stand-in
//! FlyteAdmin: the stand-in, because the real FlyteAdmin cannot be built here (issue 13: the Go
//! module proxy refuses its module). The stand-in checks each request body against the real
//! flyteidl 1.16.8 messages (ExecutionTerminateRequest, LaunchPlanUpdateRequest, Project), and the
//! effect is read back through the host's own `get`.

use crate::support;

use serde_json::Value;
use support::{fails, ok, ok_json, server::Server as StandIn, Sandbox};

/// The requests `admin` received for `method` `path`.
fn bodies(admin: &StandIn, method: &str, path: &str) -> Vec<Value> {
    admin
        .received(method, path)
        .into_iter()
        .map(|r| r["body"].clone())
        .collect()
}

#[test]
fn delete_execution_terminates_running_ones_and_says_which_had_finished() {
    let admin = StandIn::standin(&["--seed"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let started = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "run",
            "seed.small",
            "--version",
            "v1",
        ],
    );
    let name = started["execution"]["id"]["name"]
        .as_str()
        .expect("an execution name")
        .to_owned();
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "delete",
            "execution",
            &name,
            "seed-ok",
            "--reason",
            "no longer needed",
        ],
    );
    let lines: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["EXECUTION", "RESULT"], "{out}");
    assert_eq!(lines[1], [name.as_str(), "terminated"], "{out}");
    assert_eq!(
        lines[2],
        ["seed-ok", "already", "finished", "(SUCCEEDED)"],
        "{out}"
    );
    let sent = bodies(
        &admin,
        "DELETE",
        &format!("/api/v1/executions/flytesnacks/development/{name}"),
    );
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["cause"], "no longer needed");
    let shown = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "execution", &name],
    );
    let text = shown.to_string();
    assert!(text.contains("ABORTED"), "{shown:#}");
    assert!(text.contains("no longer needed"), "{shown:#}");

    // One that does not exist: the others are still tried, the table says which failed, and the
    // command fails with admin's answer in the host's words.
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "delete", "execution", "nope", "seed-failed"],
    );
    assert!(run.stdout.contains("FAILED"), "{run}");
    assert!(run.stdout.contains("already finished (FAILED)"), "{run}");
    assert!(
        run.stderr
            .contains("execution 'nope' not found in flytesnacks/development"),
        "{run}"
    );
    let json = support::run(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "delete", "execution", "seed-ok"],
    );
    assert_eq!(json.code, Some(0), "{json}");
    assert_eq!(json.json()["executions"][0]["status"], "already finished");
}

#[test]
fn update_launch_plan_activates_or_archives_a_version() {
    let admin = StandIn::standin(&["--seed"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let states = || -> Vec<(String, String)> {
        let listed = ok_json(
            &mut sandbox.host(),
            ["-c", c, "-o", "json", "get", "launch-plans", "wf.daily"],
        );
        let mut states: Vec<(String, String)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|lp| {
                (
                    lp["id"]["version"].as_str().unwrap().to_owned(),
                    lp["closure"]["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        states.sort();
        states
    };
    let pair = |v: &str, s: &str| (v.to_owned(), s.to_owned());
    assert_eq!(states(), [pair("v1", "INACTIVE"), pair("v2", "ACTIVE")]);
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "update",
            "launch-plan",
            "wf.daily",
            "--version",
            "v1",
            "--activate",
        ],
    );
    assert!(out.stdout.contains("ACTIVE"), "{out}");
    assert_eq!(states(), [pair("v1", "ACTIVE"), pair("v2", "INACTIVE")]);
    let sent = bodies(
        &admin,
        "PUT",
        "/api/v1/launch_plans/flytesnacks/development/wf.daily/v1",
    );
    assert_eq!(sent[0]["state"], "ACTIVE");
    assert_eq!(sent[0]["id"]["resource_type"], "LAUNCH_PLAN");
    ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "update",
            "launch-plan",
            "wf.daily",
            "--version",
            "v1",
            "--archive",
        ],
    );
    assert_eq!(states(), [pair("v1", "INACTIVE"), pair("v2", "INACTIVE")]);

    // Exactly one of --activate and --archive; a version admin does not have is named.
    let usage = support::run(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "update",
            "launch-plan",
            "wf.daily",
            "--version",
            "v1",
        ],
    );
    assert_eq!(usage.code, Some(2), "{usage}");
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "update",
            "launch-plan",
            "wf.daily",
            "--version",
            "v9",
            "--activate",
        ],
    );
    assert!(
        run.stderr
            .contains("launch plan 'wf.daily' version 'v9' not found in flytesnacks/development"),
        "{run}"
    );
}

#[test]
fn update_project_archives_and_activates_keeping_the_rest_of_it() {
    let admin = StandIn::standin(&["--projects", "flytesnacks,beta"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let state = || {
        let (_, body) = admin.http(
            "GET",
            "/api/v1/projects/beta",
            &[("Accept", "application/json")],
            "",
        );
        let project: Value = serde_json::from_str(&body).unwrap();
        project["state"].as_str().unwrap_or("").to_owned()
    };
    assert_eq!(state(), "ACTIVE");
    let out = ok(
        &mut sandbox.host(),
        ["-c", c, "update", "project", "beta", "--archive"],
    );
    assert!(out.stdout.contains("ARCHIVED"), "{out}");
    assert_eq!(state(), "ARCHIVED");
    // The whole project goes back, as admin replaces it: its name and description stay.
    let sent = bodies(&admin, "PUT", "/api/v1/projects/beta");
    assert_eq!(sent[0]["state"], "ARCHIVED");
    assert_eq!(sent[0]["description"], "the beta project");
    let shown = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "update",
            "project",
            "beta",
            "--activate",
        ],
    );
    assert_eq!(shown["state"], "ACTIVE");
    assert_eq!(state(), "ACTIVE");
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "update", "project", "nope", "--archive"],
    );
    assert!(run.stderr.contains("project 'nope' not found"), "{run}");
}

#[test]
fn create_execution_relaunches_or_recovers_an_old_one() {
    let admin = StandIn::standin(&["--seed"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "create",
            "execution",
            "--relaunch",
            "seed-ok",
            "--name",
            "again-1",
        ],
    );
    assert!(
        out.stdout.starts_with(
            "created execution again-1 (relaunched from seed-ok) in flytesnacks/development\nconsole: "
        ),
        "{out}"
    );
    let sent = bodies(&admin, "POST", "/api/v1/executions/relaunch");
    assert_eq!(sent[0]["id"]["name"], "seed-ok");
    assert_eq!(sent[0]["name"], "again-1");
    let shown = ok_json(
        &mut sandbox.host(),
        ["-c", c, "-o", "json", "get", "execution", "again-1"],
    );
    assert_eq!(shown["spec"]["metadata"]["mode"], "RELAUNCH", "{shown:#}");

    // Recovering the failed one, waiting for it: the stand-in's recovered run succeeds.
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "create",
            "execution",
            "--recover",
            "seed-failed",
            "--wait",
        ],
    );
    assert!(out.stdout.contains("(recovered from seed-failed)"), "{out}");
    assert!(out.stdout.contains("SUCCEEDED after"), "{out}");
    assert_eq!(
        bodies(&admin, "POST", "/api/v1/executions/recover").len(),
        1
    );

    // Exactly one of them; an execution that does not exist is named.
    let usage = support::run(&mut sandbox.host(), ["-c", c, "create", "execution"]);
    assert_eq!(usage.code, Some(2), "{usage}");
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "create", "execution", "--relaunch", "nope"],
    );
    assert!(
        run.stderr
            .contains("execution 'nope' not found in flytesnacks/development"),
        "{run}"
    );
}

#[test]
fn an_exec_file_written_by_get_launch_plans_starts_an_execution_once_edited() {
    let admin = StandIn::standin(&["--seed"]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "get",
            "launch-plans",
            "wf.daily",
            "--exec-file",
            "lp.yaml",
        ],
    );
    assert!(
        out.stdout.contains("launch plan wf.daily version v2"),
        "{out}"
    );
    let path = sandbox.cwd().join("lp.yaml");
    let written = std::fs::read_to_string(&path).unwrap();
    for line in [
        "workflow: wf.daily\n",
        "version: v2\n",
        "inputs:\n",
        "  day: \"\"  # string, required\n",
        "  retries: 3  # integer, default\n",
    ] {
        assert!(written.contains(line), "lacks {line:?}:\n{written}");
    }
    std::fs::write(&path, written.replace("day: \"\"", "day: friday")).unwrap();
    let out = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "create",
            "execution",
            "--exec-file",
            "lp.yaml",
            "--name",
            "from-file",
        ],
    );
    assert!(
        out.stdout.starts_with(
            "created execution from-file of launch plan wf.daily version v2 in flytesnacks/development"
        ),
        "{out}"
    );
    let sent = bodies(&admin, "POST", "/api/v1/executions");
    let body = sent.last().unwrap();
    assert_eq!(body["name"], "from-file");
    assert_eq!(body["spec"]["launch_plan"]["resource_type"], "LAUNCH_PLAN");
    assert_eq!(
        body["inputs"]["literals"]["day"]["scalar"]["primitive"]["string_value"],
        "friday"
    );
    assert_eq!(
        body["inputs"]["literals"]["retries"]["scalar"]["primitive"]["integer"],
        "3"
    );
    // A file that names nothing to run says what it needs; --exec-file needs a NAME.
    sandbox.write("work/empty.yaml", "version: v1\n");
    let run = fails(
        &mut sandbox.host(),
        ["-c", c, "create", "execution", "--exec-file", "empty.yaml"],
    );
    assert!(
        run.stderr
            .contains("exec file `empty.yaml`: it names no workflow or task"),
        "{run}"
    );
    let usage = support::run(
        &mut sandbox.host(),
        ["-c", c, "get", "launch-plans", "--exec-file", "x.yaml"],
    );
    assert_eq!(usage.code, Some(2), "{usage}");
}
