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
    use super::*;
    use flyte_plugin_abi::types::{FfiCliView, FfiInvocation};

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
        let page = MyOrgFlytekitPlugin
            .get_auth_success_html("evil.example.com/<b>")
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
        let plugin = MyOrgFlytekitPlugin;
        assert_eq!(plugin.try_secret_requires_group(), Ok(false));
        assert_eq!(
            plugin.try_get_default_image(),
            Ok(Some("myorg/flytekit-base:1.2.3".to_owned()))
        );
    }

    #[test]
    fn cache_policy_is_always_v1() {
        let policies = MyOrgFlytekitPlugin.get_default_cache_policies().unwrap();
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
    fn adds_my_org_status() {
        let view = FfiCliView {
            commands: Default::default(),
            global_options: Default::default(),
        };
        let mut cli = Cli::new(&view);
        MyOrgFlytekitPlugin.configure_pyflyte_cli(&mut cli).unwrap();
        let changes = cli.into_changes();
        assert_eq!(changes.commands.len(), 1);
        assert!(changes.edits.is_empty());
        let command = &changes.commands[0];
        assert_eq!(command.name.as_str(), "my-org-status");
        assert!(command.parent.is_empty());
        assert_eq!(
            command.about.as_str(),
            "Checks the status of MyOrg's Flyte services."
        );
        let handler = command.handler.as_ref().unwrap();
        let invocation = FfiInvocation {
            path: vec!["my-org-status".into()].into_iter().collect(),
            args: Default::default(),
            output: "table".into(),
            verbose: false,
            project: "flytesnacks".into(),
            domain: "development".into(),
            config: None.into(),
        };
        assert_eq!(handler.run(&invocation).into_result(), Ok(0));
    }

    #[test]
    fn get_remote_needs_the_host() {
        let err = MyOrgFlytekitPlugin
            .get_remote(None, "p", "d", None)
            .unwrap_err();
        assert!(err.message().contains("not loaded by flyte-host"), "{err}");
    }
}
