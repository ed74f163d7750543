//! The harness on a plugin that uses every part of it.
// `export_plugin!` makes its items `pub`, as a plugin's crate root needs; here they sit in a
// private module.
#![allow(unreachable_pub)]

use std::fs;

use super::PluginTest;
use crate::{
    export_plugin, host, Arg, CacheParams, CachePolicy, Cli, Command, ConfigOrigin, FlytekitPlugin,
    PluginError, Remote,
};

#[derive(Default)]
struct Tour;

impl FlytekitPlugin for Tour {
    fn get_remote(
        &self,
        config: Option<&str>,
        project: &str,
        domain: &str,
        upload: Option<&str>,
    ) -> Result<Remote, PluginError> {
        if project == "boom" {
            panic!("no project boom");
        }
        let remote = host::default_get_remote(config, project, domain, upload)?;
        Ok(remote.with_header("x-org", "tour"))
    }

    fn configure_pyflyte_cli(&self, main: &mut Cli) -> Result<(), PluginError> {
        if !main.has_command("config show") {
            return Err(PluginError::new("no config show"));
        }
        main.command(
            Command::new("tour").about("A tour").alias("t").subcommand(
                Command::new("go")
                    .arg(Arg::positional("place").required())
                    .arg(Arg::option("times").short('n').int().default_value("1"))
                    .arg(
                        Arg::option("mode")
                            .choices(&["walk", "run"])
                            .env("TOUR_MODE"),
                    )
                    .arg(Arg::flag("loud"))
                    .run(|inv| {
                        let times = inv.get_int("times")?.unwrap_or(0);
                        for _ in 0..times {
                            inv.println(&format!(
                                "{} to {} ({})",
                                inv.get("mode").unwrap_or("stroll"),
                                inv.get("place").unwrap_or_default(),
                                if inv.flag("loud") { "loud" } else { "quiet" }
                            ));
                        }
                        inv.eprintln(&format!("project {}", inv.remote()?.project));
                        Ok::<i32, PluginError>(if inv.is_json() { 3 } else { 0 })
                    }),
            ),
        );
        main.add_to(
            "get",
            Command::new("fail").hidden().replaces_builtin().run(|_| {
                host::admin_get("/api/v1/projects")?;
                Err::<(), _>(PluginError::new("it failed"))
            }),
        );
        main.hide("completion")
            .alias("info", "about")
            .set_default("", "project", "tours")
            .set_default("get tasks", "limit", "5");
        Ok(())
    }

    /// Extends, not replaces, the policies below it (ABI 1.1's `try_default_*` service).
    fn get_default_cache_policies(&self) -> Result<Vec<Box<dyn CachePolicy>>, PluginError> {
        let mut policies = host::default_get_default_cache_policies()?;
        policies.push(Box::new(TourPolicy));
        Ok(policies)
    }
}

struct TourPolicy;

impl CachePolicy for TourPolicy {
    fn name(&self) -> String {
        "tour-v1".into()
    }

    fn get_version(&self, salt: &str, _params: &CacheParams) -> Result<String, PluginError> {
        Ok(format!("{salt}tour"))
    }
}

export_plugin!(Tour, name = "tour", version = "0.3.0");

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

#[test]
fn knows_the_plugin() {
    let test = PluginTest::<Tour>::new();
    assert_eq!(
        (test.name(), test.version()),
        ("tour".into(), "0.3.0".into())
    );
    assert_eq!(test.min_host_abi(), crate::AbiVersion::V1_0);
}

#[test]
fn default_remote_is_the_sandbox_then_the_environment_then_a_config_file() {
    let test = PluginTest::<Tour>::new();
    let remote = test.get_remote(None, "p", "d", None).unwrap();
    assert_eq!(remote.config.origin, ConfigOrigin::Sandbox);
    assert_eq!(remote.config.platform.endpoint, "localhost:30080");
    assert_eq!(remote.headers, [("x-org".into(), "tour".into())]);

    let test = PluginTest::<Tour>::new()
        .env("FLYTE_PLATFORM_URL", "flyte.env.example.com")
        .env("FLYTE_CREDENTIALS_SCOPES", "a, b");
    let remote = test.get_remote(None, "p", "d", None).unwrap();
    assert_eq!(remote.config.origin, ConfigOrigin::Env);
    assert_eq!(remote.config.platform.endpoint, "flyte.env.example.com");
    assert_eq!(remote.config.platform.scopes, ["a", "b"]);

    let home = dir();
    fs::create_dir(home.path().join(".flyte")).unwrap();
    fs::write(home.path().join("secret"), "s3cret\n").unwrap();
    fs::write(
        home.path().join(".flyte/config.yaml"),
        "# mine\nadmin:\n  # the cluster\n  endpoint: dns:///flyte.home.example.com\n  \
         authType: Pkce\n  clientSecretLocation: ~/secret\n  command:\n    - get-token\n    \
         - --quiet\nlogger:\n  level: 4\n",
    )
    .unwrap();
    let test = PluginTest::<Tour>::new()
        .home(home.path())
        .env("FLYTE_PLATFORM_URL", "flyte.env.example.com");
    let remote = test.get_remote(None, "p", "d", None).unwrap();
    let platform = &remote.config.platform;
    assert_eq!(remote.config.origin, ConfigOrigin::ConfigFile);
    // The variable overrides the file's endpoint, as FLYTE_* variables do.
    assert_eq!(platform.endpoint, "flyte.env.example.com");
    assert_eq!(platform.command, ["get-token", "--quiet"]);
    assert_eq!(
        platform.client_credentials_secret.as_deref(),
        Some("s3cret")
    );
    assert_eq!(platform.auth_mode.as_str(), "ClientSecret");
}

#[test]
fn config_errors_name_the_culprit() {
    let here = dir();
    fs::write(here.path().join("a.yaml"), "admin:\n  endpoint: &x flyte\n").unwrap();
    fs::write(here.path().join("b.yaml"), "admin:\n  insecure: maybe\n").unwrap();
    let test = PluginTest::<Tour>::new().cwd(here.path());
    let err = test.get_remote(Some("a.yaml"), "p", "d", None).unwrap_err();
    assert!(err.message().contains("a.yaml line 2"), "{err}");
    let err = test.get_remote(Some("b.yaml"), "p", "d", None).unwrap_err();
    assert!(err.message().contains("admin.insecure in"), "{err}");
    assert!(err.message().contains("`maybe`"), "{err}");
    let err = test.get_remote(Some("c.yaml"), "p", "d", None).unwrap_err();
    assert!(err.message().contains("does not exist"), "{err}");
    let test = test.env("FLYTECTL_CONFIG", "gone.yaml");
    let err = test.get_remote(None, "p", "d", None).unwrap_err();
    assert!(err.message().contains("named by $FLYTECTL_CONFIG"), "{err}");
}

#[test]
fn a_panic_comes_back_as_the_host_reports_it() {
    let test = PluginTest::<Tour>::new();
    let err = test.get_remote(None, "boom", "d", None).unwrap_err();
    assert!(
        err.message().starts_with(
            "plugin 'tour' 0.3.0 panicked in hook `get_remote` at plugin-abi/src/testing/tests.rs:"
        ),
        "{err}"
    );
    assert!(err.message().ends_with(": no project boom"), "{err}");
}

#[test]
fn cli_changes_are_visible() {
    let test = PluginTest::<Tour>::new();
    let cli = test.configure_pyflyte_cli().unwrap();
    assert_eq!(cli.commands(), ["tour", "tour go", "get fail"]);
    let tour = cli.command("t").unwrap();
    assert!(tour.is_group());
    assert_eq!(
        (tour.about(), tour.aliases()),
        ("A tour", vec!["t".to_owned()])
    );
    let go = cli.command("tour go").unwrap();
    assert!(!go.is_group());
    assert_eq!(go.args(), ["place", "times", "mode", "loud"]);
    assert_eq!(go.default_of("times").as_deref(), Some("1"));
    assert!(go.is_required("place") && !go.is_required("times"));
    let fail = cli.command("get fail").unwrap();
    assert!(fail.is_hidden() && fail.replaces_builtin());
    assert_eq!(cli.hidden(), ["completion"]);
    assert_eq!(cli.aliases(), [("info".to_owned(), "about".to_owned())]);
    assert_eq!(cli.default_of("", "project").as_deref(), Some("tours"));
    assert_eq!(cli.default_of("get tasks", "limit").as_deref(), Some("5"));
    assert!(cli.command("tour stay").is_none());
}

#[test]
fn commands_run_with_checked_arguments() {
    let test = PluginTest::<Tour>::new().project("ml");
    let run = test.run("t go", &["home", "-n", "2", "--loud"]).unwrap();
    assert_eq!(run.status, 0);
    assert_eq!(run.stdout, "stroll to home (loud)\nstroll to home (loud)\n");
    assert_eq!(run.stderr, "project ml\n");

    let test = PluginTest::<Tour>::new().json().env("TOUR_MODE", "run");
    let run = test.run("tour go", &["--times=1", "park"]).unwrap();
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (3, "run to park (quiet)\n")
    );

    for (args, wanted) in [
        (&[][..], "the required argument 'place' was not given"),
        (
            &["x", "--times", "many"][..],
            "'many' is not a valid value of 'times'",
        ),
        (
            &["x", "--mode", "fly"][..],
            "'fly' is not a value of 'mode'",
        ),
        (&["x", "y"][..], "unexpected argument 'y'"),
        (&["x", "--times"][..], "'--times' needs a value"),
    ] {
        let err = test.run("tour go", args).unwrap_err();
        assert!(err.message().contains(wanted), "{args:?}: {err}");
    }
    let err = test.run("tour", &[]).unwrap_err();
    assert!(err.message().contains("is a group"), "{err}");
    let err = test.run("tour stay", &[]).unwrap_err();
    assert!(
        err.message().contains("no plugin command 'tour stay'"),
        "{err}"
    );
}

#[test]
fn admin_answers_come_from_the_test() {
    let test = PluginTest::<Tour>::new();
    let err = test.run("get fail", &[]).unwrap_err();
    assert!(
        err.message()
            .contains("no answer for admin request GET /api/v1/projects"),
        "{err}"
    );
    let test = test.admin_reply("GET", "/api/v1/projects", Ok("{}"));
    let err = test.run("get fail", &[]).unwrap_err();
    assert_eq!(
        err.message(),
        "plugin 'tour' 0.3.0 failed in command `get fail`: it failed"
    );
    let call = ("GET".to_owned(), "/api/v1/projects".to_owned(), None);
    assert_eq!(test.admin_requests(), [call.clone(), call]);
}

#[test]
fn a_plugin_extends_the_default_cache_policies() {
    let test = PluginTest::<Tour>::new();
    let policies = test.get_default_cache_policies().unwrap();
    let names: Vec<String> = policies.iter().map(|p| p.name()).collect();
    // The harness's layers below (the built-in plugin alone) have none: the plugin's is added.
    assert_eq!(names, ["tour-v1"]);
    // The harness serves the other three 1.1 services too (installed at the handshake).
    assert_eq!(host::default_secret_requires_group(), Ok(true));
    assert_eq!(host::default_get_default_image(), Ok(None));
    assert_eq!(
        host::default_get_auth_success_html("flyte.example.com"),
        Ok(None)
    );
}
