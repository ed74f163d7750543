//! The root command with the global options, and the built-in commands as a [`Node`] tree the
//! plugin can extend.

use clap::{builder::PossibleValuesParser, Arg, ArgAction, Command};

use super::{tree::Node, Def};

/// A global option as the command line sees it (the full definitions are in [`root`]).
pub(super) struct GlobalOption {
    /// `--long`.
    pub(super) long: &'static str,
    /// `-s`.
    pub(super) short: char,
    /// Whether the next word is its value (not a command name).
    pub(super) takes_value: bool,
}

/// The global options (plugin arguments may reuse neither names nor short flags). A test checks
/// that [`root`] defines exactly these.
pub(super) const GLOBAL_OPTIONS: &[GlobalOption] = &[
    GlobalOption {
        long: "config",
        short: 'c',
        takes_value: true,
    },
    GlobalOption {
        long: "project",
        short: 'p',
        takes_value: true,
    },
    GlobalOption {
        long: "domain",
        short: 'd',
        takes_value: true,
    },
    GlobalOption {
        long: "output",
        short: 'o',
        takes_value: true,
    },
    GlobalOption {
        long: "verbose",
        short: 'v',
        takes_value: false,
    },
];

/// Short flags clap itself adds: `-h` (help) and `-V` (version).
pub(super) const CLAP_SHORTS: &[char] = &['h', 'V'];

/// The last paragraph of the top-level help.
pub(super) const EPILOGUE: &str = "The active plugins come from FLYTEKIT_PLUGIN (library paths or installed \
    plugins' names,\ncomma-separated, top layer first; or `builtin`), else the stack chosen with `flyte-host plugin\n\
    use`, else the one plugin in $FLYTE_PLUGIN_DIR (default ~/.flyte/plugins/: installed or dropped\n\
    in), else the built-in plugin alone, which is always the bottom layer.\n\
    FLYTE_PLUGIN_DIR and HOME must be absolute paths. Secrets (client secret, tokens, token-command\n\
    output, proxy credentials) are shown as <redacted> everywhere, even quoted by a server or plugin,\n\
    and control characters in text for humans are escaped (\\u{1b}); -o json keeps JSON's escaping.";

/// Where the global options stand in every command's help: after the command's own options and
/// `--help` (which clap numbers from 0 in declaration order), in their own declaration order.
const GLOBAL_DISPLAY_ORDER: usize = 1000;

/// The root command with the global options.
fn root() -> Command {
    Command::new("flyte-host")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A fast Flyte host, customized by your organization's plugin library")
        .after_help(EPILOGUE)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .next_display_order(GLOBAL_DISPLAY_ORDER)
        .arg(
            Arg::new("config")
                .short('c')
                .long("config")
                .value_name("FILE")
                .global(true)
                .help("Flyte config file (flytectl config.yaml or legacy flytekit.config)"),
        )
        .arg(
            Arg::new("project")
                .short('p')
                .long("project")
                .value_name("PROJECT")
                .default_value(crate::context::DEFAULT_PROJECT)
                .value_parser(crate::validate::FlyteIdArg("project"))
                .global(true)
                .help("Flyte project (a DNS-1123 label: 1-63 lowercase letters, digits, '-')"),
        )
        .arg(
            Arg::new("domain")
                .short('d')
                .long("domain")
                .value_name("DOMAIN")
                .default_value(crate::context::DEFAULT_DOMAIN)
                .value_parser(crate::validate::FlyteIdArg("domain"))
                .global(true)
                .help("Flyte domain (a DNS-1123 label, like the project)"),
        )
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FORMAT")
                .value_parser(PossibleValuesParser::new(["table", "json", "yaml"]))
                .default_value("table")
                .global(true)
                .help("Output format of commands that print data"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::SetTrue)
                .global(true)
                .help("Explain more, including full error reports"),
        )
}

/// The tree of the built-in commands `defs` (a group before its subcommands), in their order.
pub(super) fn tree(defs: &[Def]) -> Node {
    let mut root = Node::builtin(root(), Vec::new());
    for def in defs {
        let (name, parent) = def.path.split_last().expect("a command has a name");
        let node = Node::builtin(def.clap(), Vec::new());
        debug_assert_eq!(node.name, *name);
        root.find_mut(parent)
            .expect("a group comes before its subcommands")
            .children
            .push(node);
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_global_option_table_is_what_root_defines() {
        let root = root();
        let defined: Vec<(String, char, bool)> = root
            .get_arguments()
            .filter(|a| a.is_global_set())
            .map(|a| {
                (
                    a.get_long().unwrap_or_default().to_owned(),
                    a.get_short().unwrap_or_default(),
                    a.get_action().takes_values(),
                )
            })
            .collect();
        let table: Vec<(String, char, bool)> = GLOBAL_OPTIONS
            .iter()
            .map(|g| (g.long.to_owned(), g.short, g.takes_value))
            .collect();
        assert_eq!(defined, table);
    }
}
