//! `flyte-host info`: the host version, the active plugin (or stack, in one line) and the Flyte
//! endpoint.

use clap::{ArgMatches, Command};
use flyte_plugin_abi::AbiVersion;
use serde_json::json;

use super::json_output;
use crate::{cli::Cli, error::Error, output};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("info").about("Show the host version, the active plugin and the Flyte endpoint")
}

/// Prints what this host is and where it connects.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let plugin = crate::context::active();
    let remote = crate::context::resolved_remote()
        .map_err(Error::Message)?
        .value;
    let path = plugin.path().map(|p| p.display().to_string());
    if json_output() {
        output::document(&json!({
            "host_version": env!("CARGO_PKG_VERSION"),
            "plugin_abi": AbiVersion::CURRENT.to_string(),
            "plugin": {
                "name": plugin.name(),
                "version": plugin.version(),
                "path": path,
                "builtin": plugin.is_builtin(),
                "origin": plugin.origin().map(|o| o.to_string()).or(plugin.why_builtin().map(str::to_owned)),
            },
            "stack": plugin.layers().iter().map(|l| json!({
                "layer": l.position(),
                "name": l.name(),
                "version": l.version(),
                "path": l.path().display().to_string(),
            })).collect::<Vec<_>>(),
            "endpoint": remote.config.platform.endpoint,
            "insecure": remote.config.platform.insecure,
            "project": remote.project,
            "domain": remote.domain,
        }))?;
    } else {
        let plugin_text = match (&path, plugin.origin()) {
            // A stack in one line, top first.
            (Some(_), Some(origin)) if plugin.layers().len() > 1 => {
                format!("{} (from {origin})", plugin.describe())
            }
            (Some(path), Some(origin)) => {
                format!(
                    "{} {} ({path}, from {origin})",
                    plugin.name(),
                    plugin.version()
                )
            }
            _ => match plugin.why_builtin() {
                Some(why) => format!("{} (built-in) — {why}", plugin.name()),
                None => format!("{} (built-in)", plugin.name()),
            },
        };
        let scheme = crate::remote::transport_word(&remote.config.platform);
        output::pairs(&[
            ("flyte-host", env!("CARGO_PKG_VERSION").to_owned()),
            ("plugin ABI", AbiVersion::CURRENT.to_string()),
            ("plugin", plugin_text),
            (
                "endpoint",
                format!("{} ({scheme})", remote.config.platform.endpoint),
            ),
            ("project", remote.project),
            ("domain", remote.domain),
        ])?;
    }
    Ok(0)
}
