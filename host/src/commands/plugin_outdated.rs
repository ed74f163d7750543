//! `flyte-host plugin outdated`: each installed plugin's version against the newest its
//! organization's index lists, and whether this host can load that one (fetches the indexes).

use clap::{ArgMatches, Command};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install::{
        self,
        index::{config, status},
        lock::Lock,
    },
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("outdated")
        .about("Show installed plugins with newer versions in their index, and whether this host can load them")
}

/// Prints the table (or JSON).
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let dir = install::plugin_dir_from_env()?;
    let fetched = config::fetch_all(&dir)?;
    let lock = Lock::read(&dir)?;
    let standings: Vec<status::Standing> = lock
        .plugins
        .iter()
        .map(|entry| status::standing(&fetched, entry))
        .collect();
    if json_output() {
        let rows: Vec<Value> = standings
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "installed": s.installed,
                    "index": s.index,
                    "newest": s.newest,
                    "upgrade_to": s.upgrade.as_ref().map(|c| &c.version.version),
                    "can_load_newest": s.newest.is_some() && s.blocked.is_none(),
                    "blocked": s.blocked,
                })
            })
            .collect();
        output::document(&Value::Array(rows))?;
        return Ok(0);
    }
    if standings.is_empty() {
        crate::say!("no plugin is installed");
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = standings
        .iter()
        .map(|s| {
            let note = match (&s.index, &s.upgrade, &s.blocked) {
                (None, _, _) => "in no configured index".to_owned(),
                (_, Some(c), None) => format!(
                    "upgrade to {}: flyte-host plugin upgrade {}",
                    c.version.version, s.name
                ),
                (_, Some(c), Some(why)) => format!("upgrade to {}; {why}", c.version.version),
                (_, None, Some(why)) => why.clone(),
                (_, None, None) => "up to date".to_owned(),
            };
            vec![
                s.name.clone(),
                s.installed.clone(),
                output::or_dash(s.newest.as_deref()),
                output::or_dash(s.index.as_deref()),
                note,
            ]
        })
        .collect();
    output::table(&["PLUGIN", "INSTALLED", "NEWEST", "INDEX", "NOTE"], &rows)?;
    Ok(0)
}
