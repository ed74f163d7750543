//! The command line: the tree of built-in commands (from the list `commands/` declares) extended
//! by the active plugin, parsed and dispatched to the command's `exec` or the plugin's handler.

mod args;
mod builtin;
mod def;
pub(crate) mod extend;
mod needs;
mod plugin_command;
mod tree;

use builtin::GLOBAL_OPTIONS;
use tree::{Node, Scope};

use std::ffi::OsString;

use std::io::Write;

use clap::{error::ErrorKind, ArgMatches};

use crate::{context::Globals, error::Error, plugin::ActivePlugin};

pub(crate) use def::Def;
pub(crate) use extend::Extension;
pub(crate) use needs::{Loads, Need};

/// The CLI as extended by a plugin, ready to parse.
pub(crate) struct Cli {
    /// The clap command (also what completion scripts are generated from).
    pub command: clap::Command,
    /// The end of the top-level help when the plugin's commands are listed rather than built:
    /// printed after clap's part (a thousand plugin commands are cheaper written than templated).
    pub help_tail: Option<String>,
    /// What the plugin added, replaced and could not add.
    pub extension: Extension,
    /// The built-in commands.
    defs: &'static [Def],
}

/// The tree of the built-in commands `defs` extended by what each layer of the `plugin` stack's
/// `configure_pyflyte_cli` declares, applied bottom-up: each layer sees the CLI as the layers
/// below left it. Runs without a plugin library never build the view the hook gets. `lenient`
/// (`--help` and the like): a layer whose hook fails is left out with a warning, so help still
/// shows the rest.
fn extend(plugin: &ActivePlugin, defs: &[Def], lenient: bool) -> Result<(Node, Extension), Error> {
    let mut root = builtin::tree(defs);
    let mut extension = Extension::default();
    let layers = plugin.layers();
    let mut adders = Vec::new();
    // The view of the tree is rebuilt only after a layer changed it: layers that keep the
    // default (most wrap values, not the CLI) share one.
    let mut view = None;
    for layer in layers.iter().rev() {
        let current = view.get_or_insert_with(|| root.view());
        let changes = match plugin.configure_layer(layer, current) {
            Ok(Some(changes)) => changes,
            Ok(None) => continue,
            Err(e) if lenient => {
                crate::say!("warning: {e} (its commands are left out)");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        extension.overridden = true;
        view = None;
        if !changes.commands.is_empty() {
            adders.push(format!("'{}' {}", layer.name(), layer.version()));
        }
        let by = extend::Applier {
            layer: layer.position() - 1,
            name: layer.name(),
            stacked: layers.len() > 1,
        };
        if let Err(m) = extend::apply(&mut root, changes, &mut extension, &by) {
            let e = layer.invalid("configure_pyflyte_cli", m);
            if !lenient {
                return Err(e.into());
            }
            crate::say!("warning: {e} (some of its commands may be left out)");
        }
    }
    adders.reverse();
    extension.plugin_label = match adders.len() {
        1 => format!("plugin {}", adders[0]),
        _ => format!("plugins {}", adders.join(", ")),
    };
    Ok((root, extension))
}

/// Builds the CLI for the command line `args`: the built-in commands `defs` plus the plugin's
/// commands, of which only the one `args` asks for becomes a full clap command.
/// `lenient`: see [`extend`].
pub(crate) fn build(
    plugin: &ActivePlugin,
    args: &[OsString],
    defs: &'static [Def],
    lenient: bool,
) -> Result<Cli, Error> {
    let (root, extension) = extend(plugin, defs, lenient)?;
    let scope = scope(&root, args);
    let (mut command, listed) = root.into_clap(&extension, &scope);
    let help_tail = (scope == Scope::Only(None) && !listed.is_empty()).then(|| {
        command = std::mem::take(&mut command).after_help(None::<&str>);
        format!(
            "\nCommands from {}:\n{listed}\n{}\n",
            extension.plugin_label,
            builtin::EPILOGUE
        )
    });
    Ok(Cli {
        command,
        help_tail,
        extension,
        defs,
    })
}

/// Checks what `plugin`'s `configure_pyflyte_cli` declares over the built-in commands `defs`,
/// without keeping the CLI.
pub(crate) fn check(plugin: &ActivePlugin, defs: &[Def]) -> Result<Extension, Error> {
    extend(plugin, defs, false).map(|(_, extension)| extension)
}

/// What the command line `args` (program name first) needs of the active plugin, given the
/// built-in commands `defs`.
pub(crate) fn need(args: &[OsString], defs: &[Def]) -> Need {
    needs::of(args, &requested_words(args), defs)
}

/// The words of `args` that are not options or global-option values: the command path first.
fn requested_words(args: &[OsString]) -> Vec<String> {
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

/// The global options as the leaf command sees them. A command may shadow one with an option of
/// its own (`package -o DIR`); such a value is not the global's and reads as unset.
fn globals(matches: &ArgMatches) -> Globals {
    let text = |id: &str| matches.try_get_one::<String>(id).ok().flatten().cloned();
    Globals {
        config: text("config"),
        project: text("project").unwrap_or_default(),
        domain: text("domain").unwrap_or_default(),
        json: matches!(text("output").as_deref(), Some("json" | "yaml")),
        yaml: text("output").as_deref() == Some("yaml"),
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
    let globals = globals(leaf);
    if globals.yaml {
        crate::output::use_yaml();
    }
    crate::context::set_globals(globals);
    dispatch(cli, &path, leaf)
}

/// Runs the command at `path` with its matches: the plugin's handler where the plugin added or
/// replaced it, else the built-in command's `exec`.
fn dispatch(cli: &mut Cli, path: &[String], matches: &ArgMatches) -> Result<i32, Error> {
    if let Some(command) = cli.extension.live().find(|c| c.is_at(path)) {
        if let Some(handler) = &command.handler {
            return plugin_command::run(command, handler, matches);
        }
    }
    let exec = cli.defs.iter().find(|d| d.is_at(path)).and_then(Def::exec);
    match exec {
        Some(exec) => exec(cli, matches),
        None => Err(Error::Message(format!(
            "`{}` is not a command this host can run",
            path.join(" ")
        ))),
    }
}
