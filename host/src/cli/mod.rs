//! The command line: the built-in clap tree extended by the active plugin, parsed and dispatched to
//! the command modules.

mod builtin;
pub mod extend;
mod tree;

use std::ffi::OsString;

use clap::ArgMatches;

use crate::{
    commands,
    error::Error,
    plugin::{ActivePlugin, HookSource},
    services::{self, Globals},
};

pub use extend::Extension;

/// The CLI as extended by a plugin, ready to parse.
pub struct Cli {
    /// The clap command (also what completion scripts are generated from).
    pub command: clap::Command,
    /// What the plugin added, replaced and could not add.
    pub extension: Extension,
}

/// Builds the CLI: the built-in tree plus what `plugin`'s `configure_pyflyte_cli` declares.
pub fn build(plugin: &ActivePlugin) -> Result<Cli, Error> {
    let mut root = builtin::tree();
    let changes = plugin.configure_pyflyte_cli(&root.view())?;
    let mut extension = extend::apply(&mut root, changes.value)
        .map_err(|m| plugin.invalid("configure_pyflyte_cli", m))?;
    extension.overridden = changes.source == HookSource::Plugin;
    Ok(Cli {
        command: root.into_clap(),
        extension,
    })
}

/// Checks what `plugin`'s `configure_pyflyte_cli` declares, without keeping the CLI.
pub fn check(plugin: &ActivePlugin) -> Result<Extension, Error> {
    build(plugin).map(|cli| cli.extension)
}

/// What the user asked for, after parsing.
pub struct Parsed<'a> {
    /// The subcommand path, e.g. `["config", "show"]`.
    pub path: Vec<String>,
    /// The leaf command's matches.
    pub matches: &'a ArgMatches,
}

fn globals(matches: &ArgMatches) -> Globals {
    let text = |id: &str| matches.get_one::<String>(id).cloned();
    Globals {
        config: text("config"),
        project: text("project").unwrap_or_default(),
        domain: text("domain").unwrap_or_default(),
        json: text("output").as_deref() == Some("json"),
        verbose: matches.get_flag("verbose"),
    }
}

/// Parses `args` and runs the command; returns the process exit status.
pub fn run(mut cli: Cli, args: Vec<OsString>) -> Result<i32, Error> {
    let matches = match cli.command.try_get_matches_from_mut(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return Ok(e.exit_code());
        }
    };
    let mut path = Vec::new();
    let mut leaf = &matches;
    while let Some((name, sub)) = leaf.subcommand() {
        path.push(name.to_owned());
        leaf = sub;
    }
    services::set_globals(globals(leaf));
    let parsed = Parsed {
        path,
        matches: leaf,
    };
    commands::dispatch(&mut cli, &parsed)
}
