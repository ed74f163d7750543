//! Terminals and the smaller cases: control characters from config values, task files and server
//! answers are escaped in everything printed for humans (`-o json` keeps JSON's escaping); project
//! and domain are validated as Flyte does; `--help` into a full disk fails; `plugin manifest
//! --url ""` is refused.

use std::{fs, net::TcpStream};

use crate::{
    support::loopback::{answer, Request, Server},
    support::{fails, ok, plugin_path, usage_error, Run, Sandbox},
};

/// An escape sequence that clears the screen, and one that sets the window title.
const CLEAR: &str = "\u{1b}[2J";
const TITLE: &str = "\u{1b}]0;pwned\u{7}";

fn assert_no_control(run: &Run) {
    let raw = run
        .all()
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'));
    assert_eq!(
        raw,
        None,
        "a raw control character reached the terminal:\n{run:?}",
        run = run.all()
    );
}

/// An admin whose projects and error messages carry escape sequences.
fn hostile_admin() -> Server {
    Server::start(|request: &Request, stream: &mut TcpStream| {
        let json = |s: &str| serde_json::to_string(s).unwrap();
        if request.path.starts_with("/api/v1/projects") {
            answer(
                stream,
                "200 OK",
                &format!(
                    r#"{{"projects":[{{"id":"p1","name":{},"description":{},"domains":[{{"id":"development","name":"development"}}]}}]}}"#,
                    json(&format!("evil{CLEAR}name")),
                    json(&format!("desc{TITLE}"))
                ),
            );
        } else {
            answer(
                stream,
                "500 Internal Server Error",
                &format!(
                    r#"{{"code":13,"message":{}}}"#,
                    json(&format!("boom{CLEAR}{TITLE}"))
                ),
            );
        }
    })
}

fn admin_config(sandbox: &Sandbox, server: &Server) -> String {
    sandbox.admin_config(&format!("127.0.0.1:{}", server.port), "")
}

#[test]
fn escape_sequences_from_servers_are_escaped() {
    let server = hostile_admin();
    let sandbox = Sandbox::new();
    let c = admin_config(&sandbox, &server);
    let table = ok(&mut sandbox.host(), ["-c", &c, "get", "projects"]);
    assert_no_control(&table);
    assert!(table.stdout.contains("evil\\u{1b}[2Jname"), "{table}");
    // JSON keeps JSON's escaping: the value round-trips.
    let json = ok(
        &mut sandbox.host(),
        ["-c", &c, "-o", "json", "get", "projects"],
    );
    assert_no_control(&json);
    assert!(json.stdout.contains("\\u001b"), "{json}");
    let failed = fails(&mut sandbox.host(), ["-c", &c, "version", "--remote"]);
    assert_no_control(&failed);
    assert!(failed.stderr.contains("boom\\u{1b}[2J"), "{failed}");
}

#[test]
fn escape_sequences_from_config_values_and_task_files_are_escaped() {
    let sandbox = Sandbox::new();
    let c = sandbox.write(
        "config.yaml",
        "admin:\n  endpoint: \"dns:///ex\\u001b[2Jample.com\"\n  clientId: \"ab\\u001b]0;x\\u0007c\"\n",
    );
    let shown = ok(
        &mut sandbox.host(),
        ["-c", c.to_str().unwrap(), "config", "show"],
    );
    assert_no_control(&shown);
    assert!(shown.stdout.contains("ab\\u{1b}]0;x\\u{7}c"), "{shown}");

    sandbox.write(
        "work/t.toml",
        "[[task]]\nname = \"t1\"\ncommand = [\"echo\", \"\\u001b[31mred\"]\nimage = \"ghcr.io/a/b:1\"\n",
    );
    let shown = ok(&mut sandbox.host(), ["task", "show", "t.toml"]);
    assert_no_control(&shown);
    sandbox.write(
        "work/bad.toml",
        "[[task]]\nname = \"t\u{1b}[2J\"\ncommand = [\"x\"]\n",
    );
    let bad = fails(&mut sandbox.host(), ["task", "show", "bad.toml"]);
    assert_no_control(&bad);
}

#[test]
fn project_and_domain_are_validated_as_flyte_does() {
    let sandbox = Sandbox::new();
    let huge = "p".repeat(100_000);
    for (flag, value) in [
        ("-p", ""),
        ("-p", "../x"),
        ("-p", "a\nb"),
        ("-p", "Upper_Case"),
        ("-p", huge.as_str()),
        ("-d", ""),
        ("-d", "dev/../../x"),
    ] {
        let run = usage_error(
            &mut sandbox.host(),
            [flag, value, "package", "t.toml", "-o", "out"],
            &["not a valid Flyte", "DNS-1123"],
        );
        assert!(run.stderr.len() < 2000, "the error repeats a huge value");
        assert!(!sandbox.cwd().join("out").exists());
    }
    ok(
        &mut sandbox.host(),
        ["-p", "my-project-2", "-d", "staging", "info"],
    );
}

#[test]
fn help_into_a_full_disk_fails() {
    let sandbox = Sandbox::new();
    for args in [&["--help"][..], &["--version"], &["plugin", "--help"]] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = sandbox.std_host().args(args).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: cannot write output"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_manifest_with_an_empty_url_is_refused() {
    let sandbox = Sandbox::new();
    for url in ["", "  "] {
        let run = fails(
            &mut sandbox.host(),
            [
                "plugin",
                "manifest",
                plugin_path("myorg").to_str().unwrap(),
                "--url",
                url,
            ],
        );
        assert!(run.stderr.contains("URL is empty"), "{run}");
        assert_eq!(run.stdout, "");
    }
}

#[test]
fn escape_sequences_from_plugin_answers_are_escaped() {
    let sandbox = Sandbox::new();
    // A hook's answer (an image name the host then refuses, quoting it) and a hook's error.
    for (misbehave, args, shown) in [
        (
            "escape:get_default_image",
            &["plugin", "show"][..],
            "ghcr.io/evil\\u{1b}[2J\\u{1b}]0;pwned\\u{7}:1",
        ),
        (
            "escape:get_remote",
            &["info"],
            "deliberate error in get_remote\\u{1b}[2J",
        ),
        (
            "escape:command",
            &["boom"],
            "deliberate error in command\\u{1b}[2J",
        ),
    ] {
        let run = fails(
            sandbox.host_with("misbehaving").env("MISBEHAVE", misbehave),
            args,
        );
        assert_no_control(&run);
        assert!(run.stderr.contains(shown), "{misbehave}: {run}");
    }
}
