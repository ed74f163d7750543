//! The command tree before it becomes a clap `Command`: built-in and plugin nodes side by side, so
//! plugin commands can be inserted, replaced, hidden and aliased by path, and turned into clap
//! commands only where the command line needs them (a plugin may add a thousand commands; building
//! and parsing all of them on every run would cost more than the rest of start-up).

use abi_stable::std_types::RString;
use clap::Command;
use flyte_plugin_abi::types::{FfiCliView, FfiCommandInfo};

use super::{args::clap_command, extend::Extension};

/// Who provides a command.
pub(crate) enum Kind {
    /// The host, with its clap definition (without subcommands); boxed to keep nodes small.
    Builtin(Box<Command>),
    /// The plugin: an index into [`Extension::commands`].
    Plugin(usize),
}

/// One command and its subcommands.
pub(crate) struct Node {
    /// The command's name.
    pub name: String,
    /// One-line help of a built-in command (a plugin command's is in its [`Extension`] entry).
    pub about: String,
    /// Extra names.
    pub aliases: Vec<String>,
    /// Hidden from `--help`.
    pub hidden: bool,
    /// Who provides it.
    pub kind: Kind,
    /// Its subcommands.
    pub children: Vec<Node>,
}

/// Which plugin commands become clap commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// All of them (completion, `help`, or an unknown command that clap should suggest for).
    Full,
    /// Only the top-level command with this name; the others are listed in the root help text.
    Only(Option<String>),
}

impl Node {
    /// A built-in command.
    pub(crate) fn builtin(cmd: Command, children: Vec<Node>) -> Node {
        Node {
            name: cmd.get_name().to_owned(),
            about: cmd.get_about().map(|a| a.to_string()).unwrap_or_default(),
            aliases: Vec::new(),
            hidden: false,
            kind: Kind::Builtin(Box::new(cmd)),
            children,
        }
    }

    /// Whether `name` is this command's name or one of its aliases.
    pub(crate) fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }

    /// Whether this is a built-in command without subcommands.
    pub(crate) fn is_builtin_leaf(&self) -> bool {
        matches!(self.kind, Kind::Builtin(_)) && self.children.is_empty()
    }

    /// The node at `path` below this one (`[]` is this node).
    pub(crate) fn find_mut<S: AsRef<str>>(&mut self, path: &[S]) -> Option<&mut Node> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .children
                .iter_mut()
                .find(|c| c.name == first.as_ref())?
                .find_mut(rest),
        }
    }

    /// What `configure_pyflyte_cli` sees of the built-in CLI.
    pub(crate) fn view(&self) -> FfiCliView {
        let mut commands = Vec::new();
        for child in &self.children {
            child.collect_info(&mut Vec::new(), &mut commands);
        }
        let globals = match &self.kind {
            Kind::Builtin(cmd) => long_names(cmd),
            Kind::Plugin(_) => Vec::new(),
        };
        FfiCliView {
            commands: commands.into(),
            global_options: globals.into(),
        }
    }

    fn collect_info<'a>(&'a self, parent: &mut Vec<&'a str>, out: &mut Vec<FfiCommandInfo>) {
        parent.push(&self.name);
        let options = match &self.kind {
            Kind::Builtin(cmd) => long_names(cmd),
            Kind::Plugin(_) => Vec::new(),
        };
        out.push(FfiCommandInfo {
            path: parent.iter().map(|p| RString::from(*p)).collect(),
            options: options.into(),
            is_group: !self.children.is_empty(),
        });
        for child in &self.children {
            child.collect_info(parent, out);
        }
        parent.pop();
    }

    /// The clap command for this node and its subcommands, leaving out the top-level plugin
    /// commands outside `scope`; those are returned as help lines instead.
    pub(crate) fn into_clap(self, ext: &Extension, scope: &Scope) -> (Command, String) {
        let mut listed = String::new();
        let Node { kind, children, .. } = self;
        let cmd = match kind {
            Kind::Builtin(cmd) => *cmd,
            Kind::Plugin(i) => clap_command(&ext.commands[i]),
        };
        let mut subcommands = Vec::new();
        for child in children {
            let wanted = match (scope, &child.kind) {
                (Scope::Only(requested), Kind::Plugin(_)) => {
                    requested.as_deref().is_some_and(|r| child.answers_to(r))
                }
                _ => true,
            };
            if wanted {
                subcommands.push(child.finish(ext));
            } else if !child.hidden {
                let about = match child.kind {
                    Kind::Plugin(i) => ext.commands[i].about.as_str(),
                    Kind::Builtin(_) => child.about.as_str(),
                };
                list_entry(&mut listed, &child, about);
            }
        }
        (cmd.subcommands(subcommands), listed)
    }

    /// A whole subtree as clap commands, with this node's name settings applied.
    fn finish(self, ext: &Extension) -> Command {
        let (aliases, hidden) = (self.aliases.clone(), self.hidden);
        let (cmd, _) = self.into_clap(ext, &Scope::Full);
        cmd.visible_aliases(aliases).hide(hidden)
    }
}

/// `  name (alias)   about`, aligned like clap's command list.
fn list_entry(out: &mut String, node: &Node, about: &str) {
    let start = out.len();
    out.push_str("  ");
    out.push_str(&node.name);
    if !node.aliases.is_empty() {
        out.push_str(" (");
        out.push_str(&node.aliases.join(", "));
        out.push(')');
    }
    let width = out.len() - start;
    out.extend(std::iter::repeat_n(
        ' ',
        17usize.saturating_sub(width).max(2),
    ));
    out.push_str(about);
    out.push('\n');
}

fn long_names(cmd: &Command) -> Vec<RString> {
    cmd.get_arguments()
        .filter_map(|a| a.get_long())
        .map(RString::from)
        .collect()
}
