//! `flyte-host update launch-plan NAME --version V --activate|--archive`: makes a launch plan
//! version the active one (its schedule runs, it answers for the name), or deactivates it
//! (flytectl's `update launchplan`).

use clap::{Arg, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{cli::Cli, error::Error, output};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    let cmd = Command::new("launch-plan")
        .about("Activate or archive (deactivate) a launch plan version")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("The launch plan's name"),
        )
        .arg(
            Arg::new("version")
                .long("version")
                .value_name("V")
                .required(true)
                .help("The version to change"),
        );
    super::activate_or_archive(cmd, "Make it the active version", "Make it inactive")
}

/// Changes the state; prints it.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let client = crate::context::connect()?;
    let (project, domain) = (client.project(), client.domain());
    let name = matches.get_one::<String>("name").map_or("", String::as_str);
    let version = matches
        .get_one::<String>("version")
        .map_or("", String::as_str);
    let active = matches.get_flag("activate");
    client.set_launch_plan_state(project, domain, name, version, active)?;
    let state = if active { "ACTIVE" } else { "INACTIVE" };
    if json_output() {
        output::document(&json!({
            "project": project,
            "domain": domain,
            "name": name,
            "version": version,
            "state": state,
        }))?;
    } else {
        output::pairs(&[
            (
                "launch plan",
                format!("{name} {version} in {project}/{domain}"),
            ),
            ("state", state.to_owned()),
        ])?;
    }
    Ok(0)
}
