//! The built-in command tree and global options, as a [`Node`] tree the plugin can extend.

use clap::{builder::PossibleValuesParser, value_parser, Arg, ArgAction, Command};

use super::tree::Node;

/// Long names of the global options (plugin arguments may not reuse them).
pub(super) const GLOBAL_OPTIONS: &[&str] = &["config", "project", "domain", "output", "verbose"];

/// Short flags the host uses (plugin arguments may not reuse them).
pub(super) const RESERVED_SHORTS: &[char] = &['c', 'p', 'd', 'o', 'v', 'h', 'V'];

/// The last paragraph of the top-level help.
pub(super) const EPILOGUE: &str = "The active plugin comes from FLYTEKIT_PLUGIN (a library path, or \
    `builtin`), else the one\nlibrary in $FLYTE_PLUGIN_DIR (default ~/.flyte/plugins/), else the built-in plugin.";

/// The root command with the global options.
fn root() -> Command {
    Command::new("flyte-host")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A fast Flyte host, customized by your organization's plugin library")
        .after_help(EPILOGUE)
        .subcommand_required(true)
        .arg_required_else_help(true)
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
                .default_value("flytesnacks")
                .global(true)
                .help("Flyte project"),
        )
        .arg(
            Arg::new("domain")
                .short('d')
                .long("domain")
                .value_name("DOMAIN")
                .default_value("development")
                .global(true)
                .help("Flyte domain"),
        )
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FORMAT")
                .value_parser(PossibleValuesParser::new(["table", "json"]))
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

fn task_files() -> Arg {
    Arg::new("files")
        .value_name("FILE")
        .required(true)
        .num_args(1..)
        .value_parser(value_parser!(std::path::PathBuf))
        .help("Task spec files (TOML)")
}

fn version_arg() -> Arg {
    Arg::new("version")
        .long("version")
        .value_name("VERSION")
        .help("Task version (default: a hash of the packaged specs)")
}

fn leaf(cmd: Command) -> Node {
    Node::builtin(cmd, Vec::new())
}

fn group(cmd: Command, children: Vec<Node>) -> Node {
    Node::builtin(
        cmd.subcommand_required(true).arg_required_else_help(true),
        children,
    )
}

/// The built-in CLI.
pub(super) fn tree() -> Node {
    Node::builtin(
        root(),
        vec![
            leaf(Command::new("info").about("Show the host version, the active plugin and the Flyte endpoint")),
            group(
                Command::new("config").about("Inspect the Flyte connection settings"),
                vec![leaf(Command::new("show").about(
                    "Show the remote the active plugin's get_remote resolves (the secret is never printed)",
                ))],
            ),
            group(
                Command::new("plugin").about("Inspect plugins"),
                vec![
                    leaf(Command::new("show").about(
                        "Show the active plugin, which hooks it overrides and what they return",
                    )),
                    leaf(
                        Command::new("check")
                            .about("Load a plugin library without activating it and call every hook")
                            .arg(
                                Arg::new("path")
                                    .value_name("PATH")
                                    .required(true)
                                    .value_parser(value_parser!(std::path::PathBuf))
                                    .help("The plugin library (.so, .dylib or .dll)"),
                            ),
                    ),
                ],
            ),
            group(
                Command::new("task").about("Inspect task specs"),
                vec![leaf(
                    Command::new("show")
                        .about("Show each task after the organization's defaults, and where each value came from")
                        .arg(task_files()),
                )],
            ),
            leaf(
                Command::new("package")
                    .about("Write one FlyteAdmin TaskCreateRequest JSON per task into a directory")
                    .arg(task_files())
                    .arg(
                        // Shadows the global -o/--output (a format): package prints no data, it writes files.
                        Arg::new("output")
                            .short('o')
                            .long("output")
                            .value_name("DIR")
                            .required(true)
                            .value_parser(value_parser!(std::path::PathBuf))
                            .help("Directory to write the task JSON files to"),
                    )
                    .arg(version_arg()),
            ),
            leaf(
                Command::new("register")
                    .about("Register the tasks in FlyteAdmin through the remote from get_remote")
                    .arg(task_files())
                    .arg(version_arg()),
            ),
            leaf(
                Command::new("run")
                    .about("Run a registered task and print the execution name and console URL")
                    .arg(Arg::new("task").value_name("TASK").required(true).help("The task's name"))
                    .arg(version_arg())
                    .arg(
                        Arg::new("input")
                            .long("input")
                            .short('i')
                            .value_name("NAME=VALUE")
                            .action(ArgAction::Append)
                            .help("An input of the task (repeat for each input)"),
                    )
                    .arg(
                        Arg::new("wait")
                            .long("wait")
                            .action(ArgAction::SetTrue)
                            .help("Wait until the execution reaches a terminal phase"),
                    ),
            ),
            leaf(
                Command::new("completion")
                    .about("Print a shell completion script (includes plugin commands)")
                    .arg(
                        Arg::new("shell")
                            .value_name("SHELL")
                            .required(true)
                            .value_parser(value_parser!(clap_complete::Shell)),
                    ),
            ),
        ],
    )
}
