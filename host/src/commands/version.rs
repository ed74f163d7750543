//! `flyte-host version [--remote]`: the host's version and plugin ABI, and with `--remote` the
//! version of the Flyte admin the remote from `get_remote` points at (`GET /api/v1/version`).

use clap::ArgMatches;
use flyte_plugin_abi::AbiVersion;
use serde_json::{json, Value};

use super::json_output;
use crate::{error::Error, output, remote::field};

/// Prints the versions.
pub(super) fn run(matches: &ArgMatches) -> Result<i32, Error> {
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
        output::json(&document)?;
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
