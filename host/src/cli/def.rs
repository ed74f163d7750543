//! The shape of a built-in command as `commands/` declares it: where it sits, its clap definition,
//! its run and what it needs of the plugin. `cli/` assembles the tree, decides what to load and
//! dispatches from the one list of these; it never names a command itself.

use clap::{ArgMatches, Command};

use super::{needs::Loads, Cli};
use crate::error::Error;

/// Runs a parsed command: the CLI it was parsed by (for `completion` and `plugin show`) and its
/// own matches; returns the exit status.
pub(crate) type Exec = fn(&mut Cli, &ArgMatches) -> Result<i32, Error>;

/// A built-in command or command group.
pub(crate) struct Def {
    /// Its command path, e.g. `&["plugin", "install"]`; a group comes before its subcommands.
    pub(crate) path: &'static [&'static str],
    /// A command, or a group of subcommands.
    pub(crate) kind: Kind,
    /// When it loads the active plugin (a group: also for any word after it that is no
    /// built-in subcommand, such as a plugin's command in the group).
    pub(crate) loads: Loads,
}

/// A command or a group.
pub(crate) enum Kind {
    /// A group: its one-line help; it needs a subcommand.
    Group(&'static str),
    /// A command: its clap definition (name, help, arguments) and its run.
    Command(fn() -> Command, Exec),
}

impl Def {
    /// A command at `path`.
    pub(crate) const fn command(
        path: &'static [&'static str],
        cli: fn() -> Command,
        exec: Exec,
        loads: Loads,
    ) -> Def {
        Def {
            path,
            kind: Kind::Command(cli, exec),
            loads,
        }
    }

    /// A group at `path`.
    pub(crate) const fn group(
        path: &'static [&'static str],
        about: &'static str,
        loads: Loads,
    ) -> Def {
        Def {
            path,
            kind: Kind::Group(about),
            loads,
        }
    }

    /// Whether its path is `path` (as `PluginCommand::is_at` is for a plugin's command).
    pub(crate) fn is_at(&self, path: &[String]) -> bool {
        self.path
            .iter()
            .copied()
            .eq(path.iter().map(String::as_str))
    }

    /// Its clap definition, without subcommands.
    pub(crate) fn clap(&self) -> Command {
        match self.kind {
            Kind::Group(about) => Command::new(self.path.last().copied().unwrap_or_default())
                .about(about)
                .subcommand_required(true)
                .arg_required_else_help(true),
            Kind::Command(cli, _) => cli(),
        }
    }

    /// Its run, for a command.
    pub(crate) fn exec(&self) -> Option<Exec> {
        match self.kind {
            Kind::Group(_) => None,
            Kind::Command(_, exec) => Some(exec),
        }
    }
}
