//! `flyte-host update project NAME --activate|--archive`: archives a project (admin hides it from
//! listings) or activates it again (flytectl's `update project`).

use clap::{Arg, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{cli::Cli, error::Error, output};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    let cmd = Command::new("project")
        .about("Archive a project, or activate it again")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("The project's id"),
        );
    super::activate_or_archive(cmd, "Make it active", "Archive it")
}

/// Changes the state; prints it.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let client = crate::context::connect()?;
    let name = matches.get_one::<String>("name").map_or("", String::as_str);
    let archived = matches.get_flag("archive");
    client.set_project_state(name, archived)?;
    let state = if archived { "ARCHIVED" } else { "ACTIVE" };
    if json_output() {
        output::document(&json!({"project": name, "state": state}))?;
    } else {
        output::pairs(&[("project", name.to_owned()), ("state", state.to_owned())])?;
    }
    Ok(0)
}
