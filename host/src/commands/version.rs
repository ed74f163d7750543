//! `flyte-host version [--remote]`: the host's version and plugin ABI, and with `--remote` the
//! version of the Flyte admin the remote from `get_remote` points at (`GET /api/v1/version`).

use clap::{Arg, ArgAction, ArgMatches, Command};
use flyte_plugin_abi::AbiVersion;
use serde_json::{json, Value};

use super::json_output;
use crate::{cli::Cli, error::Error, output, remote::field};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("version")
        .about("Show the host version and plugin ABI, and with --remote Flyte admin's version")
        .arg(
            Arg::new("remote")
                .long("remote")
                .action(ArgAction::SetTrue)
                .help("Also ask the Flyte admin of the remote from get_remote for its version"),
        )
}

/// Prints the versions.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let remote = if matches.get_flag("remote") {
        let client = crate::context::connect()?;
        let version = client.admin_version()?;
        Some((client.endpoint().to_owned(), version))
    } else {
        None
    };
    let part = |version: &Value, name: &str| {
        field(version, name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    if json_output() {
        let mut document = json!({
            "host_version": env!("CARGO_PKG_VERSION"),
            "plugin_abi": AbiVersion::CURRENT.to_string(),
        });
        if let Some((endpoint, version)) = &remote {
            document["remote"] = json!({"endpoint": endpoint, "control_plane_version": version});
        }
        output::document(&document)?;
        return Ok(0);
    }
    let mut rows = vec![
        ("flyte-host", env!("CARGO_PKG_VERSION").to_owned()),
        ("plugin ABI", AbiVersion::CURRENT.to_string()),
    ];
    if let Some((endpoint, version)) = &remote {
        rows.push(("admin endpoint", endpoint.clone()));
        rows.push(("admin version", part(version, "Version")));
        rows.push(("admin build", part(version, "Build")));
        rows.push(("admin build time", part(version, "BuildTime")));
    }
    output::pairs(&rows)?;
    Ok(0)
}
