//! The command tree before it becomes a clap `Command`: built-in and plugin nodes side by side, so
//! plugin commands can be inserted, replaced, hidden and aliased by path.

use abi_stable::std_types::RString;
use clap::Command;
use flyte_plugin_abi::types::{FfiCliView, FfiCommandInfo};

/// Who provides a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The host.
    Builtin,
    /// The plugin; `Some(i)` is the index of its handler, `None` a group.
    Plugin(Option<usize>),
}

/// One command and its subcommands.
pub struct Node {
    /// The command without its subcommands.
    pub cmd: Command,
    /// Who provides it.
    pub origin: Origin,
    /// Its subcommands.
    pub children: Vec<Node>,
}

impl Node {
    /// A node.
    pub fn new(cmd: Command, origin: Origin, children: Vec<Node>) -> Node {
        Node {
            cmd,
            origin,
            children,
        }
    }

    /// The command's name.
    pub fn name(&self) -> &str {
        self.cmd.get_name()
    }

    /// Whether `name` is this command's name or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name() == name || self.cmd.get_all_aliases().any(|a| a == name)
    }

    /// The node at `path` below this one (`[]` is this node).
    pub fn find_mut(&mut self, path: &[String]) -> Option<&mut Node> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .children
                .iter_mut()
                .find(|c| c.name() == first)?
                .find_mut(rest),
        }
    }

    /// The node at `path` below this one.
    pub fn find(&self, path: &[String]) -> Option<&Node> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.children.iter().find(|c| c.name() == first)?.find(rest),
        }
    }

    /// Applies a clap builder method to this node's command.
    pub fn edit(&mut self, f: impl FnOnce(Command) -> Command) {
        let cmd = std::mem::take(&mut self.cmd);
        self.cmd = f(cmd);
    }

    /// What `configure_pyflyte_cli` sees of the built-in CLI.
    pub fn view(&self) -> FfiCliView {
        let mut commands = Vec::new();
        for child in &self.children {
            child.collect_info(&mut Vec::new(), &mut commands);
        }
        FfiCliView {
            commands: commands.into_iter().collect(),
            global_options: long_names(&self.cmd).collect(),
        }
    }

    fn collect_info(&self, parent: &mut Vec<String>, out: &mut Vec<FfiCommandInfo>) {
        parent.push(self.name().to_owned());
        out.push(FfiCommandInfo {
            path: parent.iter().map(|p| RString::from(p.as_str())).collect(),
            options: long_names(&self.cmd).collect(),
            is_group: !self.children.is_empty(),
        });
        for child in &self.children {
            child.collect_info(parent, out);
        }
        parent.pop();
    }

    /// The clap command with every subcommand attached.
    pub fn into_clap(self) -> Command {
        let Node { cmd, children, .. } = self;
        cmd.subcommands(children.into_iter().map(Node::into_clap))
    }
}

fn long_names(cmd: &Command) -> impl Iterator<Item = RString> + '_ {
    cmd.get_arguments()
        .filter_map(|a| a.get_long())
        .map(RString::from)
}
