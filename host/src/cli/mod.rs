//! The command line: the built-in clap tree extended by the active plugin, parsed and dispatched to
//! the command modules.

mod args;
mod builtin;
pub(crate) mod extend;
mod tree;

use builtin::GLOBAL_OPTIONS;
use tree::{Node, Scope};

use std::ffi::OsString;

use std::io::Write;

use clap::{error::ErrorKind, ArgMatches};

use crate::{
    commands,
    context::Globals,
    error::Error,
    plugin::{ActivePlugin, HookSource},
};

pub(crate) use extend::Extension;

/// The CLI as extended by a plugin, ready to parse.
pub(crate) struct Cli {
    /// The clap command (also what completion scripts are generated from).
    pub command: clap::Command,
    /// The end of the top-level help when the plugin's commands are listed rather than built:
    /// printed after clap's part (a thousand plugin commands are cheaper written than templated).
    pub help_tail: Option<String>,
    /// What the plugin added, replaced and could not add.
    pub extension: Extension,
}

/// The built-in tree extended by what `plugin`'s `configure_pyflyte_cli` declares.
fn extend(plugin: &ActivePlugin) -> Result<(Node, Extension), Error> {
    let mut root = builtin::tree();
    let changes = plugin.configure_pyflyte_cli(|| root.view())?;
    let label = format!("'{}' {}", plugin.name(), plugin.version());
    let mut extension = extend::apply(&mut root, changes.value, label)
        .map_err(|m| plugin.invalid("configure_pyflyte_cli", m))?;
    extension.overridden = changes.source == HookSource::Plugin;
    Ok((root, extension))
}

/// Builds the CLI for the command line `args`: the built-in tree plus the plugin's commands, of
/// which only the one `args` asks for becomes a full clap command.
pub(crate) fn build(plugin: &ActivePlugin, args: &[OsString]) -> Result<Cli, Error> {
    let (root, extension) = extend(plugin)?;
    let scope = scope(&root, args);
    let (mut command, listed) = root.into_clap(&extension, &scope);
    let help_tail = (scope == Scope::Only(None) && !listed.is_empty()).then(|| {
        command = std::mem::take(&mut command).after_help(None::<&str>);
        format!(
            "\nCommands from plugin {}:\n{listed}\n{}\n",
            extension.plugin_label,
            builtin::EPILOGUE
        )
    });
    Ok(Cli {
        command,
        help_tail,
        extension,
    })
}

/// Checks what `plugin`'s `configure_pyflyte_cli` declares, without keeping the CLI.
pub(crate) fn check(plugin: &ActivePlugin) -> Result<Extension, Error> {
    extend(plugin).map(|(_, extension)| extension)
}

/// The words of `args` that are not options or global-option values: the command path first.
pub(crate) fn requested_words(args: &[OsString]) -> Vec<String> {
    let mut found = Vec::new();
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            found.extend(words.map(|w| w.into_owned()));
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            if GLOBAL_OPTIONS
                .iter()
                .any(|g| g.takes_value && g.long == long)
            {
                words.next();
            }
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            let takes_value =
                |c: char| GLOBAL_OPTIONS.iter().any(|g| g.takes_value && g.short == c);
            if let Some(pos) = shorts.find(takes_value) {
                if pos + 1 == shorts.len() {
                    words.next();
                }
            }
        } else {
            found.push(word.into_owned());
        }
    }
    found
}

/// Which plugin commands the command line needs as clap commands.
fn scope(root: &Node, args: &[OsString]) -> Scope {
    match requested_words(args).into_iter().next() {
        None => Scope::Only(None),
        Some(word) if word == "help" || word == "completion" => Scope::Full,
        Some(word) if root.children.iter().any(|c| c.answers_to(&word)) => Scope::Only(Some(word)),
        // Unknown: let clap see everything so it can suggest the closest command.
        Some(_) => Scope::Full,
    }
}

/// What the user asked for, after parsing.
pub(crate) struct Parsed<'a> {
    /// The subcommand path, e.g. `["config", "show"]`.
    pub path: Vec<String>,
    /// The leaf command's matches.
    pub matches: &'a ArgMatches,
}

/// The global options as the leaf command sees them. A command may shadow one with an option of
/// its own (`package -o DIR`); such a value is not the global's and reads as unset.
fn globals(matches: &ArgMatches) -> Globals {
    let text = |id: &str| matches.try_get_one::<String>(id).ok().flatten().cloned();
    Globals {
        config: text("config"),
        project: text("project").unwrap_or_default(),
        domain: text("domain").unwrap_or_default(),
        json: text("output").as_deref() == Some("json"),
        verbose: matches
            .try_get_one::<bool>("verbose")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false),
    }
}

/// Parses `args` and runs the command; returns the process exit status.
pub(crate) fn run(cli: &mut Cli, args: Vec<OsString>) -> Result<i32, Error> {
    let matches = match cli.command.try_get_matches_from_mut(args) {
        Ok(m) => m,
        Err(e) => {
            if e.use_stderr() {
                // A usage error quotes the user's words: control characters escaped.
                crate::terminal::eprint(&e.render().to_string());
            } else {
                // --help and --version: a failed write (a full disk) is an error like any other.
                e.print()?;
                std::io::stdout().flush()?;
            }
            let help = matches!(
                e.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if let (true, Some(tail)) = (help, &cli.help_tail) {
                // Where clap put its part: stdout for --help, stderr for a missing command.
                let mut out: Box<dyn Write> = if e.use_stderr() {
                    Box::new(std::io::stderr().lock())
                } else {
                    Box::new(std::io::stdout().lock())
                };
                out.write_all(tail.as_bytes())?;
                out.flush()?;
            }
            return Ok(e.exit_code());
        }
    };
    let mut path = Vec::new();
    let mut leaf = &matches;
    while let Some((name, sub)) = leaf.subcommand() {
        path.push(name.to_owned());
        leaf = sub;
    }
    crate::context::set_globals(globals(leaf));
    let parsed = Parsed {
        path,
        matches: leaf,
    };
    commands::dispatch(cli, &parsed)
}
