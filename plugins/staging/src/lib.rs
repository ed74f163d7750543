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
