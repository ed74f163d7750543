//! `flyte-host login` with authType Pkce, end to end and without a human: a real OAuth server (npm
//! `oidc-provider`, `tests/oidc/server.js`), the stand-in FlyteAdmin serving the auth discovery
//! documents for it, and `$BROWSER` set to a small Python script that acts as the browser — it
//! signs in through oidc-provider's login form with a cookie jar, follows the redirect to the
//! host's loopback callback and saves the page the host answers. The saved page is then rendered in
//! real headless Chromium and screenshotted: the myorg plugin's branded page, and the host's own
//! page without a plugin. Also: `?error=access_denied` and a forged `state` end in a failure page
//! and a clear error, `--timeout` ends a login nobody finishes, a redirect URI off this machine is
//! refused, and the token cache is written 0600 while the token is never printed.

use crate::support;

use std::{
    fs,
    io::Write as _,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command as StdCommand, Stdio},
    time::{Duration, Instant},
};

use support::{run, workspace_root, Run, Sandbox};

use support::{net::free_port, oidc::oauth_server, server::Server};

/// What the browser script does with the authorization URL.
#[derive(Clone, Copy)]
enum Browser {
    /// Signs in as alice and follows the redirect to the callback.
    SignIn,
    /// Comes back with `?error=access_denied` (the user pressed "deny").
    Deny,
    /// Comes back with a code and a `state` that is not the login's.
    Forge,
    /// Nothing: nobody finishes the login.
    Nothing,
}

/// The browser stand-in: given the authorization URL, acts as the user's browser and saves the
/// callback's answer as `<out>.html` and its status as `<out>.status` (written last).
const BROWSER_SCRIPT: &str = r#"import re, sys, urllib.parse, urllib.request, urllib.error, http.cookiejar
url = sys.argv[1]
q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
redirect = q["redirect_uri"]
def save(status, body):
    open(OUT + ".html", "w").write(body)
    open(OUT + ".status", "w").write(str(status))
def plain(u):
    try:
        r = urllib.request.urlopen(u, timeout=30); return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
if MODE == "nothing":
    sys.exit(0)
if MODE == "deny":
    save(*plain(redirect + "?" + urllib.parse.urlencode(dict(error="access_denied", error_description="The user denied the request", state=q["state"]))))
    sys.exit(0)
if MODE == "forge":
    save(*plain(redirect + "?" + urllib.parse.urlencode(dict(code="forged-code", state="not-the-state"))))
    sys.exit(0)
jar = http.cookiejar.CookieJar()
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
op = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))
def req(u, data=None):
    r = urllib.request.Request(u, data=urllib.parse.urlencode(data).encode() if data is not None else None)
    try:
        resp = op.open(r, timeout=30); return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()
def main():
    cur = url
    st, h, body = req(cur)
    for _ in range(20):
        if st in (302, 303):
            loc = urllib.parse.urljoin(cur, h["Location"])
            if loc.startswith(redirect):
                save(*plain(loc))
                return
            cur = loc
            st, h, body = req(cur)
        elif st == 200 and 'name="prompt"' in body:
            cur = urllib.parse.urljoin(cur, re.search(r'action="([^"]+)"', body).group(1))
            hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
            st, h, body = req(cur, dict(hidden, login="alice", password="x"))
        else:
            break
    save(0, "the browser script got stuck: %s %s" % (st, body[:500]))
try:
    main()
except Exception as e:
    save(0, "the browser script failed: %r" % e)
"#;

/// One login set-up: a sandbox, the OAuth server, the stand-in admin pointing at it, a config.
struct Setup {
    sandbox: Sandbox,
    admin: Server,
    _oidc: Server,
    config: String,
}

impl Setup {
    /// With `redirect_uri` registered at the OAuth server and served by admin's discovery.
    fn new(redirect_uri: &str) -> Setup {
        let sandbox = Sandbox::new();
        let oidc = oauth_server(&["--port", "0", "--redirect-uri", redirect_uri]);
        let admin = Server::standin(&[
            "--seed",
            "--oauth",
            &oidc.url(),
            "--introspect-client",
            "admin:admin-secret",
            "--redirect-uri",
            redirect_uri,
        ]);
        let config = sandbox.admin_config(&admin.endpoint(), "  authType: Pkce\n");
        Setup {
            sandbox,
            admin,
            _oidc: oidc,
            config,
        }
    }

    /// The admin endpoint as the host names it.
    fn endpoint(&self) -> String {
        self.admin.endpoint()
    }

    /// Writes the browser script for `mode`; returns the `$BROWSER` value and the output stem.
    fn browser(&self, mode: Browser) -> (String, PathBuf) {
        let out = self.sandbox.root().join("callback");
        let mode = match mode {
            Browser::SignIn => "signin",
            Browser::Deny => "deny",
            Browser::Forge => "forge",
            Browser::Nothing => "nothing",
        };
        let script = format!(
            "MODE = {mode:?}\nOUT = {:?}\n{BROWSER_SCRIPT}",
            out.display().to_string()
        );
        let path = self.sandbox.write("browser.py", script);
        (format!("python3 {}", path.display()), out)
    }

    /// `flyte-host login` with `plugin` (or none), the browser script in `mode` and `args`.
    fn login(&self, plugin: Option<&str>, mode: Browser, args: &[&str]) -> (Run, PathBuf) {
        let (browser, out) = self.browser(mode);
        let mut command = match plugin {
            Some(p) => self.sandbox.host_with(p),
            None => self.sandbox.host(),
        };
        command.env("BROWSER", browser);
        let mut words = vec!["-c", &self.config, "login"];
        words.extend_from_slice(args);
        (run(&mut command, words), out)
    }

    /// The token cache file of the endpoint.
    fn cache_file(&self) -> PathBuf {
        self.sandbox
            .home()
            .join(".flyte/tokens")
            .join(format!("127.0.0.1_{}.json", self.admin.port))
    }
}

/// The page the browser script saved (waits for it: the script may still be writing).
fn saved_page(out: &Path) -> (u16, String) {
    let status = out.with_extension("status");
    let start = Instant::now();
    while !status.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the browser script saved no callback page"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(50));
    let code = fs::read_to_string(&status)
        .expect("read the status")
        .trim()
        .parse()
        .expect("a status");
    let html = fs::read_to_string(out.with_extension("html")).expect("read the page");
    (code, html)
}

/// Whether `page` fetches anything from anywhere: `src=`/`href=` attributes, CSS `url(` or
/// `@import`, scripts, links.
fn external_resources(page: &str) -> Vec<&'static str> {
    let lower = page.to_ascii_lowercase();
    [
        "src=", "href=", "url(", "@import", "<script", "<link", "<iframe",
    ]
    .into_iter()
    .filter(|p| lower.contains(p))
    .collect()
}

/// The free port for a callback, as a loopback redirect URI.
fn redirect_uri() -> String {
    format!("http://127.0.0.1:{}/callback", free_port())
}

/// Renders `html` in headless Chromium into `png`; `false` when Chromium is not installed, after
/// saying so on the real stderr (the test harness does not swallow it, so a skip is never
/// silent). Where a browser is required (`FLYTE_HOST_REQUIRE_BROWSER=1`, which `.ci/run` sets,
/// or `CI` set) a missing one fails the test instead.
fn screenshot(sandbox: &Sandbox, html: &Path, png: &Path) -> bool {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            StdCommand::new(c)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    let Some(chromium) = chromium else {
        let required = std::env::var_os("FLYTE_HOST_REQUIRE_BROWSER").is_some_and(|v| v == "1")
            || std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        assert!(
            !required,
            "Chromium is not installed, and a browser is required here \
             (FLYTE_HOST_REQUIRE_BROWSER=1 or CI): install Debian's chromium (.ci/run does)"
        );
        // Straight to the process's stderr: libtest captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the Chromium screenshot of {}: no chromium on this machine \
             (install Debian's chromium; FLYTE_HOST_REQUIRE_BROWSER=1 makes this a failure)",
            html.display()
        );
        return false;
    };
    let profile = tempfile::tempdir_in(sandbox.root()).expect("a Chromium profile dir");
    let mut child = StdCommand::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1000,700")
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish the screenshot within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

/// Checks a screenshot: a PNG of the window's size, and big enough to hold more than one colour
/// (a blank 1000×700 PNG compresses to a few hundred bytes).
fn check_png(png: &Path) -> Vec<u8> {
    let bytes = fs::read(png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().expect("4 bytes"));
    let height = u32::from_be_bytes(bytes[20..24].try_into().expect("4 bytes"));
    assert_eq!((width, height), (1000, 700), "the screenshot's size");
    assert!(
        bytes.len() > 5 * 1024,
        "the screenshot is {} bytes: a blank page?",
        bytes.len()
    );
    bytes
}

/// A successful login: the page, the output, the cache; returns the page.
fn assert_logged_in(setup: &Setup, run: &Run, out: &Path) -> String {
    if run.code != Some(0) {
        let page = fs::read_to_string(out.with_extension("html")).unwrap_or_default();
        panic!("login failed: {run}\nthe browser saw: {page}");
    }
    let endpoint = setup.endpoint();
    assert!(
        run.stdout.contains(&format!("Logged in to {endpoint}")),
        "{run}"
    );
    assert!(run.stderr.contains("/auth?"), "the URL is printed: {run}");
    let (status, page) = saved_page(out);
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&endpoint),
        "the page names the endpoint: {page}"
    );
    assert_eq!(external_resources(&page), Vec::<&str>::new(), "{page}");
    let cache = setup.cache_file();
    let tokens: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&cache).expect("the token cache is written"))
            .expect("the cache is JSON");
    let access = tokens["access_token"].as_str().expect("an access token");
    assert!(access.len() > 8);
    assert!(!run.all().contains(access), "the token was printed: {run}");
    if let Some(refresh) = tokens["refresh_token"].as_str() {
        assert!(!run.all().contains(refresh));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&cache).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token cache's mode");
    }
    page
}

#[test]
fn pkce_login_shows_myorgs_branded_page_in_chromium() {
    let setup = Setup::new(&redirect_uri());
    let (run, out) = setup.login(Some("myorg"), Browser::SignIn, &["--timeout", "60"]);
    let page = assert_logged_in(&setup, &run, &out);
    assert!(
        page.contains("<title>MyOrg Flyte Auth Success</title>"),
        "{page}"
    );
    assert!(page.contains("Welcome to MyOrg Flyte!"));
    let png = setup.sandbox.root().join("myorg.png");
    if screenshot(&setup.sandbox, &out.with_extension("html"), &png) {
        let bytes = check_png(&png);
        let _ = fs::create_dir_all(workspace_root().join("target/login-screenshots"));
        let _ = fs::write(
            workspace_root().join("target/login-screenshots/myorg.png"),
            bytes,
        );
    }
}

#[test]
fn pkce_login_without_a_plugin_shows_the_hosts_page_in_chromium() {
    let setup = Setup::new(&redirect_uri());
    let (run, out) = setup.login(None, Browser::SignIn, &["--timeout", "60", "--verbose"]);
    let page = assert_logged_in(&setup, &run, &out);
    assert!(
        page.contains("<title>Flyte Authentication Success</title>"),
        "{page}"
    );
    assert!(page.contains("Flyte login successful"));
    assert!(!page.contains("MyOrg"));
    // The cached token is the one admin accepts: no new login needed.
    let projects = support::run(
        &mut setup.sandbox.host(),
        ["-c", &setup.config, "get", "projects"],
    );
    assert_eq!(projects.code, Some(0), "{projects}");
    assert!(projects.stdout.contains("flytesnacks"), "{projects}");
    let png = setup.sandbox.root().join("builtin.png");
    if screenshot(&setup.sandbox, &out.with_extension("html"), &png) {
        let bytes = check_png(&png);
        let _ = fs::create_dir_all(workspace_root().join("target/login-screenshots"));
        let _ = fs::write(
            workspace_root().join("target/login-screenshots/builtin.png"),
            bytes,
        );
    }
}

/// A failed login: exit 1 with one error paragraph containing `needle`, the failure page in the
/// browser, no token cache.
fn assert_login_failed(setup: &Setup, run: &Run, out: &Path, needle: &str) {
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains(needle), "{run}");
    assert!(!run.stdout.contains("Logged in"));
    support::assert_no_rust_trace(run);
    let (status, page) = saved_page(out);
    assert_eq!(status, 400);
    assert!(page.contains("Flyte login failed"), "{page}");
    assert!(page.contains(&setup.endpoint()));
    assert_eq!(external_resources(&page), Vec::<&str>::new(), "{page}");
    assert!(!setup.cache_file().exists(), "no tokens are cached");
}

#[test]
fn access_denied_gets_a_failure_page_and_a_clear_error() {
    let setup = Setup::new(&redirect_uri());
    let start = Instant::now();
    let (run, out) = setup.login(None, Browser::Deny, &[]);
    assert!(start.elapsed() < Duration::from_secs(30), "no hang");
    assert_login_failed(
        &setup,
        &run,
        &out,
        "the OAuth server refused the login: access_denied (The user denied the request)",
    );
    let (_, page) = saved_page(&out);
    assert!(page.contains("access_denied"));
    let png = setup.sandbox.root().join("failure.png");
    if screenshot(&setup.sandbox, &out.with_extension("html"), &png) {
        let bytes = check_png(&png);
        let _ = fs::create_dir_all(workspace_root().join("target/login-screenshots"));
        let _ = fs::write(
            workspace_root().join("target/login-screenshots/failure.png"),
            bytes,
        );
    }
}

#[test]
fn a_forged_state_is_rejected() {
    let setup = Setup::new(&redirect_uri());
    let (run, out) = setup.login(Some("myorg"), Browser::Forge, &[]);
    assert_login_failed(&setup, &run, &out, "state does not match");
    let (_, page) = saved_page(&out);
    assert!(!page.contains("MyOrg"), "no success page on a forged state");
}

#[test]
fn timeout_ends_a_login_nobody_finishes() {
    let setup = Setup::new(&redirect_uri());
    let start = Instant::now();
    let (run, _) = setup.login(None, Browser::Nothing, &["--timeout", "2"]);
    let took = start.elapsed();
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("timed out after 2s"), "{run}");
    assert!(run.stderr.contains("--timeout"), "{run}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(!setup.cache_file().exists());
}

#[test]
fn a_redirect_uri_off_this_machine_is_refused() {
    let port = free_port();
    let setup = Setup::new(&format!("http://flyte.example.com:{port}/callback"));
    let (run, out) = setup.login(None, Browser::SignIn, &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("is not on this machine"), "{run}");
    assert!(run.stderr.contains("loopback"), "{run}");
    // Refused before any browser was opened or port bound.
    assert!(!run.stderr.contains("/auth?"), "{run}");
    assert!(!out.with_extension("status").exists());
    assert!(TcpListener::bind(("0.0.0.0", port)).is_ok());
}
