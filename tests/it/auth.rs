//! Authentication end to end: the real binary against the stand-in FlyteAdmin with `--oauth`
//! (bearers checked by introspection) and a real OAuth server (npm `oidc-provider`,
//! `tests/oidc/server.js`, installed once with `npm install` and started per test on 127.0.0.1):
//! client credentials with the token cache (0600, reused), a refused secret, an external token
//! command with a proxy command, the device flow driven as the user, refresh tokens, `logout`,
//! the non-interactive "not logged in" error, and no token or secret ever in the output.

use crate::support;

use std::{
    fs,
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Command as StdCommand, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use serde_json::Value;
use support::{fails, ok, Run, Sandbox};

/// The client-credentials secret server.js knows.
const SECRET: &str = "s3cr3t";

use support::{oidc::oidc_dir, server::Server};

/// The OAuth server.
fn oauth() -> Server {
    support::oidc::oauth_server(&[])
}

/// The stand-in admin with `args`.
fn admin(args: &[&str]) -> Server {
    Server::standin(args)
}

/// The stand-in admin authenticating against `oauth`.
fn admin_with_oauth(oauth: &Server) -> Server {
    admin(&[
        "--oauth",
        &oauth.url(),
        "--introspect-client",
        "admin:admin-secret",
    ])
}

/// Writes the config for `admin` with the `extra` admin keys; returns its path.
fn config(sandbox: &Sandbox, admin: &Server, extra: &str) -> String {
    sandbox.admin_config(&admin.endpoint(), extra)
}

/// The token cache file of `admin` in `sandbox`.
fn cache_file(sandbox: &Sandbox, admin: &Server) -> PathBuf {
    sandbox
        .home()
        .join(format!(".flyte/tokens/127.0.0.1_{}.json", admin.port))
}

/// The cached tokens.
fn cached(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).expect("the token cache exists"))
        .expect("the token cache is JSON")
}

/// Asserts none of `secrets` appears in what the user saw.
fn assert_hidden(run: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !run.all().contains(secret),
            "a secret or token appears in the output:\n{run}"
        );
    }
}

#[test]
fn client_secret_logs_in_caches_the_token_and_logout_forgets_it() {
    let oauth = oauth();
    let admin = admin_with_oauth(&oauth);
    let sandbox = Sandbox::new();
    let secret_file = sandbox.write("secret", format!("{SECRET}\n"));
    let c = config(
        &sandbox,
        &admin,
        &format!(
            "  authType: ClientSecret\n  clientId: flytepropeller\n  clientSecretLocation: {}\n  scopes: [all]\n",
            secret_file.display()
        ),
    );

    let first = ok(&mut sandbox.host(), ["-v", "-c", &c, "get", "projects"]);
    assert!(first.stdout.contains("flytesnacks"), "{first}");
    let cache = cache_file(&sandbox, &admin);
    let token = cached(&cache)["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    assert_hidden(&first, &[SECRET, &token]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", cache.display());
    }
    // Lazy like flytekit: an anonymous try, the 401, discovery, then the retry with the bearer on
    // admin's authorization_metadata_key.
    let seen = admin.requests();
    let paths: Vec<&str> = seen.iter().filter_map(|r| r["path"].as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/projects",
            "/.well-known/oauth-authorization-server",
            "/config/v1/flyte_client",
            "/api/v1/projects"
        ],
        "{seen:?}"
    );
    let last = &seen[3]["headers"];
    assert_eq!(last["flyte-authorization"], format!("Bearer {token}"));
    assert_eq!(last["authorization"], format!("Bearer {token}"));

    // The second run uses the cache: one request, no discovery, no token request.
    let second = ok(&mut sandbox.host(), ["-c", &c, "get", "projects"]);
    assert!(second.stdout.contains("flytesnacks"), "{second}");
    let seen = admin.requests();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(
        seen[4]["headers"]["authorization"],
        format!("Bearer {token}")
    );
    assert_eq!(cached(&cache)["access_token"], token.as_str());

    let out = ok(&mut sandbox.host(), ["-c", &c, "logout"]);
    assert!(out.stdout.contains("Logged out of"), "{out}");
    assert!(!cache.exists());
    let again = ok(&mut sandbox.host(), ["-c", &c, "logout"]);
    assert!(again.stdout.contains("Not logged in"), "{again}");
}

#[test]
fn a_refused_client_secret_is_a_clear_error_without_the_secret() {
    let oauth = oauth();
    let admin = admin_with_oauth(&oauth);
    let sandbox = Sandbox::new();
    let wrong = "wr0ng-Secret-7731";
    let c = config(
        &sandbox,
        &admin,
        "  authType: ClientSecret\n  clientId: flytepropeller\n  scopes: [all]\n",
    );
    let run = fails(
        sandbox.host().env("FLYTE_CREDENTIALS_CLIENT_SECRET", wrong),
        ["-v", "-c", &c, "get", "projects"],
    );
    assert!(run.stderr.contains("invalid_client"), "{run}");
    assert!(run.stderr.contains("/token"), "{run}");
    assert_hidden(&run, &[wrong]);
    assert!(!cache_file(&sandbox, &admin).exists());
}

#[test]
fn an_external_command_supplies_the_token_and_a_proxy_command_the_proxy_header() {
    let token = "ext-T0ken-9921";
    let proxy = "pr0xy-T0ken-4410";
    let admin = admin(&["--token", token]);
    let sandbox = Sandbox::new();
    let c = config(
        &sandbox,
        &admin,
        &format!(
            "  authType: ExternalCommand\n  command: [sh, -c, 'echo {token}']\n  proxyCommand: [sh, -c, 'echo {proxy}']\n"
        ),
    );
    let run = ok(&mut sandbox.host(), ["-v", "-c", &c, "get", "projects"]);
    assert!(run.stdout.contains("flytesnacks"), "{run}");
    assert_hidden(&run, &[token, proxy]);
    let seen = admin.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0]["headers"]["authorization"],
        format!("Bearer {token}")
    );
    assert_eq!(
        seen[0]["headers"]["proxy-authorization"],
        format!("Bearer {proxy}")
    );
    // ExternalCommand tokens are not cached.
    assert!(!cache_file(&sandbox, &admin).exists());

    // A token admin rejects is reported as such, not as "run `flyte-host login`".
    let c = config(
        &sandbox,
        &admin,
        "  authType: ExternalCommand\n  command: [sh, -c, 'echo not-the-T0ken']\n",
    );
    let run = fails(&mut sandbox.host(), ["-c", &c, "get", "projects"]);
    assert!(
        run.stderr
            .contains("rejected the token of authType ExternalCommand (HTTP 401"),
        "{run}"
    );
    assert_hidden(&run, &["not-the-T0ken"]);

    // A failing command is reported by name, without its output.
    let c = config(
        &sandbox,
        &admin,
        "  authType: ExternalCommand\n  command: [sh, -c, 'printf %s%s half- t0ken; exit 3']\n",
    );
    let run = fails(&mut sandbox.host(), ["-c", &c, "get", "projects"]);
    assert!(run.stderr.contains("admin.command"), "{run}");
    assert!(run.stderr.contains("exit status: 3"), "{run}");
    assert_hidden(&run, &["half-t0ken"]);
}

#[test]
fn without_a_terminal_pkce_asks_for_flyte_host_login() {
    let oauth = oauth();
    let admin = admin_with_oauth(&oauth);
    let sandbox = Sandbox::new();
    let c = config(&sandbox, &admin, "  authType: Pkce\n");
    let run = fails(&mut sandbox.host(), ["-c", &c, "get", "projects"]);
    assert!(
        run.stderr.contains(&format!(
            "not logged in to 127.0.0.1:{}: run `flyte-host login`",
            admin.port
        )),
        "{run}"
    );
}

#[test]
fn device_flow_shows_the_code_polls_until_confirmed_and_refreshes_later() {
    let oauth = oauth();
    let admin = admin_with_oauth(&oauth);
    let sandbox = Sandbox::new();
    let c = config(&sandbox, &admin, "  authType: DeviceFlow\n");
    let mut child = sandbox
        .std_host()
        .args(["-v", "-c", &c, "get", "projects"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flyte-host");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap_or_default();
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    let mut shown = Vec::new();
    let complete = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("flyte-host showed no device code: {shown:?}"));
        shown.push(line.clone());
        if let Some(url) = line
            .trim()
            .strip_prefix("(or open ")
            .and_then(|l| l.strip_suffix(')'))
        {
            break url.to_owned();
        }
    };
    let prompt = shown.join("\n");
    assert!(
        prompt.contains(&format!("open {}/device", oauth.url()))
            && prompt.contains("enter the code"),
        "{prompt}"
    );
    let approve = StdCommand::new("python3")
        .arg(oidc_dir().join("approve_device.py"))
        .arg(&complete)
        .output()
        .expect("run approve_device.py");
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    let status = child.wait().expect("wait for flyte-host");
    let stderr = reader.join().expect("the stderr reader");
    assert!(status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("flytesnacks"), "{stdout}");
    let cache = cache_file(&sandbox, &admin);
    let tokens = cached(&cache);
    let access = tokens["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    for secret in [&access, &refresh] {
        assert!(!stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()));
    }

    // A rejected access token is replaced through the refresh token: no new device login.
    let mut stale = tokens.clone();
    stale["access_token"] = "stale".into();
    fs::write(&cache, stale.to_string()).unwrap();
    let run = ok(&mut sandbox.host(), ["-v", "-c", &c, "get", "projects"]);
    assert!(!run.stderr.contains("enter the code"), "{run}");
    let renewed = cached(&cache);
    let renewed_access = renewed["access_token"].as_str().unwrap();
    assert_ne!(renewed_access, "stale");
    assert_hidden(&run, &[renewed_access, &refresh]);
}

#[test]
fn flyte_api_key_logs_in_with_client_credentials_above_the_config_file_and_is_never_shown() {
    use base64::Engine as _;
    let oauth = oauth();
    let admin = admin_with_oauth(&oauth);
    let sandbox = Sandbox::new();
    // A config file naming another endpoint: the key wins, as in Flyte 2.
    let c = sandbox.admin_config("127.0.0.1:9", "");
    let key = base64::engine::general_purpose::STANDARD.encode(format!(
        "http://127.0.0.1:{}:flytepropeller:{SECRET}:acme",
        admin.port
    ));
    let with_key = || {
        let mut command = sandbox.host();
        command.env("FLYTE_API_KEY", &key);
        command
    };
    let run = ok(&mut with_key(), ["-v", "-c", &c, "get", "projects"]);
    assert!(run.stdout.contains("flytesnacks"), "{run}");
    assert_hidden(&run, &[SECRET, &key]);
    let token = cached(&cache_file(&sandbox, &admin))["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let shown = ok(
        &mut with_key(),
        ["-v", "-c", &c, "config", "show", "-o", "json"],
    );
    let document = shown.json();
    assert_eq!(
        document["platform"]["endpoint"],
        format!("http://127.0.0.1:{}", admin.port)
    );
    assert_eq!(document["platform"]["auth_mode"], "ClientSecret");
    assert_eq!(document["platform"]["client_id"], "flytepropeller");
    assert_hidden(&shown, &[SECRET, &key, &token]);
    let shown = ok(&mut with_key(), ["-c", &c, "config", "show"]);
    assert_hidden(&shown, &[SECRET, &key, &token]);

    // A key that cannot be used names the variable, never the key.
    for bad in ["%%%", "aG9zdDo6czM6b3Jn"] {
        let run = fails(
            sandbox.host().env("FLYTE_API_KEY", bad),
            ["-c", &c, "get", "projects"],
        );
        assert!(run.stderr.contains("FLYTE_API_KEY"), "{run}");
        assert!(!run.stderr.contains(bad), "{run}");
    }
}
