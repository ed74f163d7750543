//! A flyte-host plugin that connects to the staging cluster: the Rust form of the seed's
//! `MyCustomRemotePlugin`. Every hook but `get_remote` keeps the built-in behaviour.

use flyte_plugin_abi::{export_plugin, host, Config, FlytekitPlugin, PluginError, Remote};

/// The endpoint used when the user names no config file.
pub const STAGING_ENDPOINT: &str = "https://flyte.staging.example.com";

/// Always connects to the staging cluster unless a config file is provided.
#[derive(Debug, Default)]
pub struct MyCustomRemotePlugin;

impl FlytekitPlugin for MyCustomRemotePlugin {
    /// The staging endpoint without `--config`; otherwise flytekit's `Config.auto(config)`.
    fn get_remote(
        &self,
        config: Option<&str>,
        project: &str,
        domain: &str,
        data_upload_location: Option<&str>,
    ) -> Result<Remote, PluginError> {
        let cfg = match config {
            None => {
                let cfg = Config::for_endpoint(STAGING_ENDPOINT)?;
                host::println("Using custom staging endpoint for remote connection.");
                cfg
            }
            Some(path) => Config::auto(Some(path))?,
        };
        Ok(Remote::new(cfg, project, domain, data_upload_location))
    }
}

export_plugin!(MyCustomRemotePlugin);

#[cfg(test)]
mod tests {
    use std::fs;

    use flyte_plugin_abi::{testing::PluginTest, ConfigOrigin};

    use super::*;

    #[test]
    fn staging_unless_a_config_file_is_given() {
        let test = PluginTest::<MyCustomRemotePlugin>::new();
        let remote = test
            .get_remote(None, "p", "d", Some("s3://bucket"))
            .unwrap();
        assert_eq!(remote.config.platform.endpoint, STAGING_ENDPOINT);
        assert_eq!(remote.config.origin, ConfigOrigin::Endpoint);
        assert_eq!(remote.data_upload_location.as_deref(), Some("s3://bucket"));
        assert_eq!(
            test.stderr(),
            "Using custom staging endpoint for remote connection.\n"
        );
    }

    #[test]
    fn a_legacy_config_file_is_read_as_flytekit_does() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("flytekit.config"),
            "[platform]\nurl = flyte.local:30081\ninsecure = True\n\n\
             [credentials]\nclient_id = ci\nauth_mode = basic\n",
        )
        .unwrap();
        let test = PluginTest::<MyCustomRemotePlugin>::new().cwd(dir.path());
        let remote = test
            .get_remote(Some("flytekit.config"), "p", "d", None)
            .unwrap();
        let platform = &remote.config.platform;
        assert_eq!(platform.endpoint, "flyte.local:30081");
        assert!(platform.insecure);
        assert_eq!(platform.client_id.as_deref(), Some("ci"));
        assert_eq!(platform.auth_mode.as_str(), "ClientSecret");
        assert_eq!(test.stderr(), "");
    }

    #[test]
    fn other_hooks_keep_the_builtin_behaviour() {
        let test = PluginTest::<MyCustomRemotePlugin>::new();
        assert_eq!(test.secret_requires_group(), Ok(true));
        assert_eq!(test.get_default_image(), Ok(None));
        assert_eq!(test.get_auth_success_html("e"), Ok(None));
        assert!(test.get_default_cache_policies().unwrap().is_empty());
        assert!(test.configure_pyflyte_cli().unwrap().commands().is_empty());
    }
}
