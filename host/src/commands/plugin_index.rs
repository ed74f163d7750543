//! `flyte-host plugin index add NAME URL | list | remove NAME`: the organization indexes that
//! `plugin install NAME`, `plugin outdated` and `plugin upgrade` look plugins up in.

use clap::{Arg, ArgMatches, Command};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install::{self, index::config},
    output,
};

/// `plugin index add`'s clap definition.
pub(super) fn add_cli() -> Command {
    Command::new("add")
        .about("Add a plugin index (fetched once now to check it)")
        .arg(Arg::new("name").value_name("NAME").required(true).help("A name for the index (INDEX/PLUGIN picks from it)"))
        .arg(
            Arg::new("url")
                .value_name("URL")
                .required(true)
                .help("The index: an https:// or file: URL, a path, or an http:// URL on this machine's loopback interface"),
        )
}

/// Adds the index.
pub(super) fn add(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let (name, url) = (arg(matches, "name")?, arg(matches, "url")?);
    let dir = install::plugin_dir_from_env()?;
    let fetched = config::add(&dir, name, url)?;
    let plugins: Vec<&str> = fetched
        .index
        .plugins
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    if json_output() {
        output::document(&json!({
            "added": {"name": name, "url": fetched.configured.url, "plugins": plugins},
        }))?;
    } else {
        output::pairs(&[
            (
                "added",
                format!("index '{name}' ({})", fetched.configured.url),
            ),
            (
                "plugins",
                if plugins.is_empty() {
                    "(none)".to_owned()
                } else {
                    plugins.join(", ")
                },
            ),
        ])?;
    }
    Ok(0)
}

/// `plugin index list`'s clap definition.
pub(super) fn list_cli() -> Command {
    Command::new("list").about("List the configured plugin indexes")
}

/// Lists the configured indexes (from the last copy fetched: no network).
pub(super) fn list(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let dir = install::plugin_dir_from_env()?;
    let configured = config::read(&dir)?;
    let cached = config::cached(&dir);
    let plugins_of = |name: &str| -> Vec<String> {
        cached
            .iter()
            .find(|f| f.configured.name == name)
            .map(|f| f.index.plugins.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    };
    if json_output() {
        let rows: Vec<Value> = configured
            .iter()
            .map(|c| json!({"name": c.name, "url": c.url, "plugins": plugins_of(&c.name)}))
            .collect();
        output::document(&Value::Array(rows))?;
    } else if configured.is_empty() {
        crate::say!(
            "no plugin index is configured: add one with flyte-host plugin index add NAME URL"
        );
    } else {
        let rows: Vec<Vec<String>> = configured
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.url.clone(),
                    plugins_of(&c.name).join(", "),
                ]
            })
            .collect();
        output::table(&["INDEX", "URL", "PLUGINS"], &rows)?;
    }
    Ok(0)
}

/// `plugin index remove`'s clap definition.
pub(super) fn remove_cli() -> Command {
    Command::new("remove")
        .about("Remove a plugin index (installed plugins stay)")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("The index's name"),
        )
}

/// Removes the index.
pub(super) fn remove(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let name = arg(matches, "name")?;
    let dir = install::plugin_dir_from_env()?;
    let removed = config::remove(&dir, name)?;
    if json_output() {
        output::document(&json!({"removed": {"name": removed.name, "url": removed.url}}))?;
    } else {
        output::pairs(&[(
            "removed",
            format!("index '{}' ({})", removed.name, removed.url),
        )])?;
    }
    Ok(0)
}

fn arg<'a>(matches: &'a ArgMatches, id: &str) -> Result<&'a str, Error> {
    matches
        .get_one::<String>(id)
        .map(String::as_str)
        .ok_or_else(|| Error::Message(format!("{} is required", id.to_uppercase())))
}
