//! MyOrg's flyte-host plugin: the Rust form of the seed's `MyOrgFlytekitPlugin`.
//!
//! It connects to MyOrg's production cluster unless a config file is given, adds a
//! `my-org-status` command, lets secrets go without a group, enforces MyOrg's base image, shows a
//! branded login page and versions cached tasks with a `v1` cache policy.

use flyte_plugin_abi::{
    export_plugin, host, CacheParams, CachePolicy, Cli, Command, Config, FlytekitPlugin,
    PluginError, Remote,
};

/// The endpoint used when the user names no config file.
pub const PRODUCTION_ENDPOINT: &str = "https://flyte.prod.myorg.com";

/// The image for tasks that name none.
pub const DEFAULT_IMAGE: &str = "myorg/flytekit-base:1.2.3";

/// A custom plugin for MyOrg that enforces specific defaults and adds CLI commands.
#[derive(Debug, Default)]
pub struct MyOrgFlytekitPlugin;

impl FlytekitPlugin for MyOrgFlytekitPlugin {
    /// Always uses the production endpoint unless overridden by a config file.
    fn get_remote(
        &self,
        config: Option<&str>,
        project: &str,
        domain: &str,
        data_upload_location: Option<&str>,
    ) -> Result<Remote, PluginError> {
        let cfg = match config {
            None => {
                let cfg = Config::for_endpoint(PRODUCTION_ENDPOINT)?;
                host::println("MyOrg Plugin: Using production endpoint by default.");
                cfg
            }
            Some(path) => Config::auto(Some(path))?,
        };
        Ok(Remote::new(cfg, project, domain, data_upload_location))
    }

    /// Adds `my-org-status` to the CLI.
    fn configure_pyflyte_cli(&self, main: &mut Cli) -> Result<(), PluginError> {
        main.command(
            Command::new("my-org-status")
                .about("Checks the status of MyOrg's Flyte services.")
                .run(|inv| {
                    // In a real scenario, this would call an internal API or check logs.
                    inv.println("MyOrg Flyte services are operational.");
                }),
        );
        Ok(())
    }

    /// MyOrg policy: secrets do not require a group.
    fn secret_requires_group(&self) -> bool {
        false
    }

    /// Enforces MyOrg's base image for all tasks.
    fn get_default_image(&self) -> Option<String> {
        Some(DEFAULT_IMAGE.to_owned())
    }

    /// A success page with MyOrg branding.
    fn get_auth_success_html(&self, endpoint: &str) -> Option<String> {
        Some(auth_success_html(endpoint))
    }

    /// Versions every cached task that names no version with `v1`.
    fn get_default_cache_policies(&self) -> Result<Vec<Box<dyn CachePolicy>>, PluginError> {
        Ok(vec![Box::new(MyOrgCachePolicy)])
    }
}

export_plugin!(MyOrgFlytekitPlugin);

/// flytekit's `CachePolicy(enable_cache=True, cache_version="v1")`: every task's version is `v1`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MyOrgCachePolicy;

impl MyOrgCachePolicy {
    /// The policy's name.
    pub const NAME: &'static str = "myorg-v1";
    /// The cache version it gives every task.
    pub const VERSION: &'static str = "v1";
}

impl CachePolicy for MyOrgCachePolicy {
    fn name(&self) -> String {
        Self::NAME.to_owned()
    }

    fn get_version(&self, _salt: &str, _params: &CacheParams) -> Result<String, PluginError> {
        Ok(Self::VERSION.to_owned())
    }
}

/// The branded page shown after a successful login to `endpoint`. It is self-contained (inline
/// style and logo), so it renders even when the browser cannot reach anything but the host.
pub fn auth_success_html(endpoint: &str) -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MyOrg Flyte Auth Success</title>
<style>
  body {{ margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
         background: linear-gradient(135deg, #1f2a44 0%, #3b4f7d 100%);
         font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2a44; }}
  main {{ background: #ffffff; border-radius: 12px; padding: 40px 48px; max-width: 480px; text-align: center;
          box-shadow: 0 12px 40px rgba(0, 0, 0, 0.3); }}
  h1 {{ margin: 16px 0 12px; font-size: 1.6em; }}
  p {{ margin: 8px 0; line-height: 1.5; }}
  .endpoint {{ font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }}
  .hint {{ color: #5a6478; }}
</style>
</head>
<body>
<main>
<svg width="100" height="100" viewBox="0 0 100 100" role="img" aria-label="MyOrg Logo" xmlns="http://www.w3.org/2000/svg">
  <circle cx="50" cy="50" r="46" fill="#3b4f7d"/>
  <path d="M28 70 V32 L50 54 L72 32 V70" fill="none" stroke="#ffffff" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"/>
  <circle cx="76" cy="74" r="10" fill="#2ecc71"/>
  <path d="M71 74 L75 78 L82 70" fill="none" stroke="#ffffff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
<h1>Welcome to MyOrg Flyte!</h1>
<p>You have successfully authenticated to <span class="endpoint">{endpoint}</span>.</p>
<p class="hint">You can now close this window.</p>
</main>
</body>
</html>
"##,
        endpoint = html_escape(endpoint)
    )
}

/// Escapes text for use in HTML content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use std::fs;

    use flyte_plugin_abi::{testing::PluginTest, CacheParams, ConfigOrigin};

    use super::*;

    #[test]
    fn escapes_html_special_characters() {
        assert_eq!(
            html_escape("plain.example.com:443"),
            "plain.example.com:443"
        );
        assert_eq!(
            html_escape(r#"<script>alert("x & 'y'")</script>"#),
            "&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;"
        );
    }

    #[test]
    fn auth_page_is_branded_and_escapes_the_endpoint() {
        let test = PluginTest::<MyOrgFlytekitPlugin>::new();
        let page = test
            .get_auth_success_html("evil.example.com/<b>")
            .unwrap()
            .unwrap();
        assert!(page.contains("<title>MyOrg Flyte Auth Success</title>"));
        assert!(page.contains("<h1>Welcome to MyOrg Flyte!</h1>"));
        assert!(page.contains("You have successfully authenticated to"));
        assert!(page.contains("evil.example.com/&lt;b&gt;"));
        assert!(!page.contains("<b>"));
        assert!(page.contains("You can now close this window."));
    }

    #[test]
    fn auth_page_is_self_contained() {
        let page = auth_success_html("flyte.prod.myorg.com");
        assert!(page.contains("<svg"));
        assert!(!page.contains("<img"));
        assert!(!page.contains("<link"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("src="));
        assert!(!page.contains("url("));
        // The only URL is the SVG namespace, which browsers never fetch.
        assert_eq!(page.matches("http").count(), 1);
    }

    #[test]
    fn simple_hooks_answer_myorg_policy() {
        let test = PluginTest::<MyOrgFlytekitPlugin>::new();
        assert_eq!(test.name(), "myorg");
        assert_eq!(test.secret_requires_group(), Ok(false));
        assert_eq!(
            test.get_default_image(),
            Ok(Some("myorg/flytekit-base:1.2.3".to_owned()))
        );
    }

    #[test]
    fn cache_policy_is_always_v1() {
        let test = PluginTest::<MyOrgFlytekitPlugin>::new();
        let policies = test.get_default_cache_policies().unwrap();
        assert_eq!(policies.len(), 1);
        assert_eq!(policies[0].name(), "myorg-v1");
        let params = CacheParams::new(vec![("task_name".into(), "wf.t1".into())]);
        assert_eq!(policies[0].get_version("salt", &params).unwrap(), "v1");
        assert_eq!(
            policies[0]
                .get_version("", &CacheParams::default())
                .unwrap(),
            "v1"
        );
    }

    #[test]
    fn adds_my_org_status_which_reports_on_stdout() {
        let test = PluginTest::<MyOrgFlytekitPlugin>::new();
        let cli = test.configure_pyflyte_cli().unwrap();
        assert_eq!(cli.commands(), ["my-org-status"]);
        assert!(cli.hidden().is_empty() && cli.aliases().is_empty() && cli.defaults().is_empty());
        let status = cli.command("my-org-status").unwrap();
        assert_eq!(
            status.about(),
            "Checks the status of MyOrg's Flyte services."
        );
        assert!(!status.is_hidden() && !status.replaces_builtin() && status.args().is_empty());

        let run = test.run("my-org-status", &[]).unwrap();
        assert_eq!(run.status, 0);
        assert_eq!(run.stdout, "MyOrg Flyte services are operational.\n");
        assert_eq!(run.stderr, "");
        let err = test.run("my-org-status", &["--verbose"]).unwrap_err();
        assert!(
            err.message().contains("unexpected argument '--verbose'"),
            "{err}"
        );
    }

    #[test]
    fn production_endpoint_unless_a_config_file_is_given() {
        let test = PluginTest::<MyOrgFlytekitPlugin>::new();
        let remote = test.get_remote(None, "p", "d", None).unwrap();
        assert_eq!(remote.config.platform.endpoint, PRODUCTION_ENDPOINT);
        assert!(!remote.config.platform.insecure);
        assert_eq!(remote.config.origin, ConfigOrigin::Endpoint);
        assert_eq!(
            (remote.project.as_str(), remote.domain.as_str()),
            ("p", "d")
        );
        // Printed from a hook: the host shows it on stderr, keeping stdout for data.
        assert_eq!(
            test.stderr(),
            "MyOrg Plugin: Using production endpoint by default.\n"
        );
        assert_eq!(test.stdout(), "");
    }

    #[test]
    fn a_config_file_wins_over_production() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("dev.yaml"),
            "admin:\n  endpoint: dns:///flyte.dev.myorg.com:8089\n  insecure: true\n  \
             scopes: [all, offline]\nconsole:\n  endpoint: https://console.dev.myorg.com\n",
        )
        .unwrap();
        let test = PluginTest::<MyOrgFlytekitPlugin>::new()
            .cwd(dir.path())
            .config("dev.yaml")
            .project("ml");
        let remote = test.resolved_remote().unwrap();
        let platform = &remote.config.platform;
        assert_eq!(platform.endpoint, "flyte.dev.myorg.com:8089");
        assert!(platform.insecure);
        assert_eq!(platform.scopes, ["all", "offline"]);
        assert_eq!(
            platform.console_endpoint.as_deref(),
            Some("https://console.dev.myorg.com")
        );
        assert_eq!(remote.config.origin, ConfigOrigin::ConfigFile);
        assert_eq!(remote.project, "ml");
        assert_eq!(test.stderr(), "");

        let missing = test
            .get_remote(Some("nope.yaml"), "p", "d", None)
            .unwrap_err();
        assert!(missing.message().contains("nope.yaml"), "{missing}");
    }

    #[test]
    fn a_broken_flyte_variable_is_reported_even_for_production() {
        // flytekit's Config.for_endpoint still reads Config.auto() first.
        let test = PluginTest::<MyOrgFlytekitPlugin>::new().env("FLYTE_PLATFORM_INSECURE", "maybe");
        let err = test.get_remote(None, "p", "d", None).unwrap_err();
        assert!(err.message().contains("FLYTE_PLATFORM_INSECURE"), "{err}");
        assert!(err.message().contains("maybe"), "{err}");
    }
}
