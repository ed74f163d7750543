//! `whoami` and `healthcheck` (issue 17) against the stand-in FlyteAdmin: the stand-in, because
//! the real FlyteAdmin cannot be built here (issue 13: the Go module proxy refuses its module)
//! and only an admin with authentication on names a user. Who admin takes the caller for
//! (`GET /me`, with the cached token), whether it answers, its version, the auth type and until
//! when the token is valid; never the token itself.

use crate::support;

use std::time::{SystemTime, UNIX_EPOCH};

use support::{fails, net::free_port, ok, ok_json, server::Server as StandIn, Sandbox};

const TOKEN: &str = "s3cr3t-whoami-token";

/// Unix seconds now.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Caches `token` for `admin`'s endpoint in `sandbox`'s HOME, as `flyte-host login` does.
fn cache_token(sandbox: &Sandbox, admin: &StandIn, token: &str, expires_at: u64) {
    sandbox.write(
        format!("home/.flyte/tokens/127.0.0.1_{}.json", admin.port),
        format!(r#"{{"access_token":"{token}","expires_at":{expires_at}}}"#),
    );
}

#[test]
fn whoami_names_the_user_admin_sees_with_the_cached_token() {
    let admin = StandIn::standin(&["--token", TOKEN]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    // Not logged in: the fix is named.
    let run = fails(&mut sandbox.host(), ["-c", c, "whoami"]);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "error: not logged in to 127.0.0.1:{}: run `flyte-host login`",
            admin.port
        ),
        "{run}"
    );
    cache_token(&sandbox, &admin, TOKEN, now() + 3600);
    let run = ok(&mut sandbox.host(), ["-c", c, "whoami"]);
    for needle in ["standin-user-1", "standin@example.com", "Stand-in User"] {
        assert!(run.stdout.contains(needle), "lacks {needle}:\n{run}");
    }
    assert!(!run.all().contains(TOKEN), "the token was printed:\n{run}");
    let me = admin.received("GET", "/me");
    assert_eq!(
        me.last().unwrap()["headers"]["authorization"],
        format!("Bearer {TOKEN}")
    );
    let shown = ok_json(&mut sandbox.host(), ["-c", c, "whoami", "-o", "json"]);
    assert_eq!(shown["user"]["subject"], "standin-user-1");
    assert_eq!(shown["anonymous"], false);
    assert_eq!(shown["endpoint"], admin.endpoint());
}

#[test]
fn whoami_says_anonymous_when_admin_has_no_authentication() {
    let admin = StandIn::standin(&[]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    let run = ok(&mut sandbox.host(), ["-c", c, "whoami"]);
    assert!(run.stdout.contains("anonymous"), "{run}");
    let yaml = ok(&mut sandbox.host(), ["-c", c, "whoami", "-o", "yaml"]);
    let shown: serde_json::Value = serde_yaml_ng::from_str(&yaml.stdout).unwrap();
    assert_eq!(shown["anonymous"], true, "{yaml}");
}

#[test]
fn healthcheck_reports_reachability_version_auth_and_token_validity() {
    let admin = StandIn::standin(&["--token", TOKEN]);
    let sandbox = Sandbox::new();
    let c = &sandbox.admin_config(&admin.endpoint(), "");
    cache_token(&sandbox, &admin, TOKEN, now() + 3600);
    let run = ok(&mut sandbox.host(), ["-c", c, "healthcheck"]);
    for needle in [
        "reachable      yes (",
        "admin version  v1.16.8 (build stand-in)",
        "auth type      Pkce",
        "token          valid until 20",
    ] {
        assert!(run.stdout.contains(needle), "lacks {needle}:\n{run}");
    }
    assert!(!run.all().contains(TOKEN), "the token was printed:\n{run}");
    assert_eq!(admin.received("GET", "/healthcheck").len(), 0, "not logged");
    let shown = ok_json(&mut sandbox.host(), ["-c", c, "healthcheck", "-o", "json"]);
    assert_eq!(shown["ok"], true, "{shown:#}");
    assert_eq!(shown["reachable"], true);
    assert_eq!(shown["token"]["state"], "valid");
    assert_eq!(shown["control_plane_version"]["Version"], "v1.16.8");

    // An expired token without a refresh token: the report says so and what to do, and the
    // version check fails with admin's 401 in the host's words, after the report.
    cache_token(&sandbox, &admin, TOKEN, now() - 60);
    let run = support::run(&mut sandbox.host(), ["-c", c, "healthcheck"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("reachable      yes ("), "{run}");
    assert!(run.stdout.contains("admin version  FAILED"), "{run}");
    assert!(
        run.stdout.contains("expired at ") && run.stdout.contains("run `flyte-host login`"),
        "{run}"
    );
    support::assert_error_paragraph(&run);
    assert!(run.stderr.contains("not logged in"), "{run}");
}

#[test]
fn healthcheck_of_an_admin_that_does_not_answer_fails_after_the_report() {
    let sandbox = Sandbox::new();
    let port = free_port();
    let mut host = sandbox.host();
    host.env("FLYTE_PLATFORM_URL", format!("http://127.0.0.1:{port}"));
    let run = support::run(&mut host, ["healthcheck"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("reachable      NO"), "{run}");
    // An http:// endpoint is plain HTTP whatever `insecure` says, and is called so.
    assert!(
        run.stdout.contains(&format!(
            "endpoint       http://127.0.0.1:{port} (insecure)"
        )),
        "{run}"
    );
    assert!(run.stdout.contains("token          none cached"), "{run}");
    support::assert_error_paragraph(&run);
    assert!(run.stderr.contains(&format!("127.0.0.1:{port}")), "{run}");
}
