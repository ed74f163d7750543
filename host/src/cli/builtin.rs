//! The built-in command tree and global options, as a [`Node`] tree the plugin can extend.

use clap::{builder::PossibleValuesParser, value_parser, Arg, ArgAction, Command};

use super::tree::Node;

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
pub(super) const EPILOGUE: &str = "The active plugin comes from FLYTEKIT_PLUGIN (a library path, an installed \
    plugin's name, or\n`builtin`), else the choice made with `flyte-host plugin use`, else the one plugin in\n\
    $FLYTE_PLUGIN_DIR (default ~/.flyte/plugins/: installed or dropped in), else the built-in plugin.\n\
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

/// `--version` of `package` and `register`, whose default is computed from the specs.
fn version_arg() -> Arg {
    Arg::new("version")
        .long("version")
        .value_name("VERSION")
        .help("Task version (default: a hash of the packaged specs)")
}

/// `--version` of `run`, which looks the task up in admin.
fn run_version_arg() -> Arg {
    version_arg().help("Task version to run (default: the latest registered version)")
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

/// A `get` subcommand: `--limit N`, and an entity NAME (`Some(required)`) when it takes one.
fn get_leaf(name: &'static str, about: &'static str, name_arg: Option<bool>) -> Node {
    let mut cmd = Command::new(name).about(about);
    if let Some(required) = name_arg {
        cmd = cmd.arg(
            Arg::new("name")
                .value_name("NAME")
                .required(required)
                .help("The entity's name"),
        );
    }
    if name != "execution" {
        cmd = cmd.arg(
            Arg::new("limit")
                .long("limit")
                .value_name("N")
                .value_parser(clap::builder::RangedU64ValueParser::<usize>::new().range(1..))
                .help("List at most N entities (default: all)"),
        );
    }
    leaf(cmd)
}

/// The built-in CLI.
pub(super) fn tree() -> Node {
    Node::builtin(
        root(),
        vec![
            leaf(Command::new("info").about("Show the host version, the active plugin and the Flyte endpoint")),
            leaf(
                Command::new("login")
                    .about("Log in to the Flyte endpoint with its configured authType (PKCE opens the browser)")
                    .arg(
                        Arg::new("timeout")
                            .long("timeout")
                            .value_name("SECONDS")
                            .value_parser(clap::builder::RangedU64ValueParser::<u64>::new().range(1..))
                            .help("How long to wait for the browser login to finish (default: 120)"),
                    ),
            ),
            leaf(Command::new("logout").about("Forget the cached login tokens of the Flyte endpoint")),
            group(
                Command::new("config").about("Inspect and write the Flyte connection settings"),
                vec![
                    leaf(
                        Command::new("init")
                            .about("Write ~/.flyte/config.yaml for a Flyte admin host (as flytectl config init)")
                            .arg(
                                Arg::new("host")
                                    .long("host")
                                    .value_name("HOST")
                                    .required(true)
                                    .help("Flyte admin's host[:port] (dns:///, http:// or https:// is stripped)"),
                            )
                            .arg(
                                Arg::new("insecure")
                                    .long("insecure")
                                    .action(ArgAction::SetTrue)
                                    .help("Connect without TLS (plain http), as to a local sandbox"),
                            )
                            .arg(
                                Arg::new("console")
                                    .long("console")
                                    .value_name("URL")
                                    .help("The Flyte console's URL, when it is not admin's"),
                            )
                            .arg(
                                Arg::new("force")
                                    .long("force")
                                    .action(ArgAction::SetTrue)
                                    .help("Replace an existing ~/.flyte/config.yaml"),
                            ),
                    ),
                    leaf(Command::new("show").about(
                        "Show the remote the active plugin's get_remote resolves (the secret is never printed)",
                    )),
                ],
            ),
            group(
                Command::new("plugin").about("Inspect, install and manage plugins"),
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
                            )
                            .arg(
                                // Set by `plugin check` for the child process that loads the library.
                                Arg::new("in-process")
                                    .long("in-process")
                                    .action(ArgAction::SetTrue)
                                    .hide(true),
                            ),
                    ),
                    leaf(
                        Command::new("install")
                            .about("Install a plugin from a manifest (path or URL) or a library, verified and checked")
                            .after_help("Downloads follow redirects only to https (or loopback http) URLs, are capped at 512 MiB\n(FLYTE_PLUGIN_MAX_SIZE, e.g. 800M) and at the plugin file system's free space, and are abandoned\nafter 30 s without data (FLYTE_PLUGIN_IDLE_TIMEOUT, seconds).")
                            .arg(
                                Arg::new("source")
                                    .value_name("SOURCE")
                                    .required(true)
                                    .value_parser(value_parser!(std::ffi::OsString))
                                    .help("A plugin manifest or library: a path, an https:// or file: URL, or an http:// URL on this machine's loopback interface"),
                            ),
                    ),
                    leaf(Command::new("list").about(
                        "List every plugin found (installed, drop-in, FLYTEKIT_PLUGIN), which is active, and why one is broken",
                    )),
                    leaf(
                        Command::new("remove")
                            .about("Uninstall an installed plugin")
                            .arg(Arg::new("name").value_name("NAME").required(true).help("The plugin's name")),
                    ),
                    leaf(
                        Command::new("use")
                            .about("Choose the active plugin among those in the plugin directory (persistent; FLYTEKIT_PLUGIN overrides it for one command)")
                            .arg(
                                Arg::new("name")
                                    .value_name("NAME")
                                    .required(true)
                                    .help("An installed plugin's name, a loose library's file name in the plugin directory (libNAME.so), or `builtin` for the built-in plugin"),
                            ),
                    ),
                    leaf(Command::new("verify").about(
                        "Re-hash every installed plugin against the lock file and check its permissions",
                    )),
                    leaf(
                        Command::new("manifest")
                            .about("Print the install manifest of a built plugin library (for an organization's CI)")
                            .arg(
                                Arg::new("library")
                                    .value_name("LIB")
                                    .required(true)
                                    .value_parser(value_parser!(std::path::PathBuf))
                                    .help("The built plugin library"),
                            )
                            .arg(
                                Arg::new("url")
                                    .long("url")
                                    .value_name("URL")
                                    .required(true)
                                    .help("Where the library will be published: an https URL, http on the loopback, a file: URL or a path relative to the manifest (not empty: install needs it)"),
                            )
                            .arg(
                                Arg::new("target")
                                    .long("target")
                                    .value_name("TRIPLE")
                                    .help("The platform the library is built for (default: this host's)"),
                            )
                            .arg(
                                Arg::new("description")
                                    .long("description")
                                    .value_name("TEXT")
                                    .help("One line about the plugin (default: the description in the Cargo.toml of the crate that built LIB)"),
                            )
                            .arg(
                                Arg::new("out")
                                    .long("out")
                                    .value_name("FILE")
                                    .value_parser(value_parser!(std::path::PathBuf))
                                    .help("Write the manifest to FILE instead of stdout"),
                            ),
                    ),
                    leaf(
                        Command::new("new")
                            .about("Create a ready-to-build plugin crate")
                            .arg(Arg::new("name").value_name("NAME").required(true).help("The plugin crate's name"))
                            .arg(
                                Arg::new("path")
                                    .long("path")
                                    .value_name("DIR")
                                    .value_parser(value_parser!(std::path::PathBuf))
                                    .help("Where to create it (default: ./NAME)"),
                            )
                            .arg(
                                Arg::new("abi-path")
                                    .long("abi-path")
                                    .value_name("DIR")
                                    .value_parser(value_parser!(std::path::PathBuf))
                                    .help("Depend on the flyte-plugin-abi crate in DIR instead of this host's own copy (default: $FLYTE_PLUGIN_ABI_PATH, unless --abi-registry is given)")
                                    .conflicts_with("abi-registry"),
                            )
                            .arg(
                                Arg::new("abi-registry")
                                    .long("abi-registry")
                                    .action(ArgAction::SetTrue)
                                    .help("Depend on flyte-plugin-abi from crates.io instead of this host's own copy (written to ~/.flyte/sdk/)"),
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
                    .arg(run_version_arg())
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
            group(
                Command::new("get").about("List what Flyte admin holds in the project and domain"),
                vec![
                    get_leaf("projects", "List the projects", None),
                    get_leaf("tasks", "List the tasks, or the versions of task NAME", Some(false)),
                    get_leaf("workflows", "List the workflows, or the versions of workflow NAME", Some(false)),
                    get_leaf("launch-plans", "List the launch plans, or the versions of launch plan NAME", Some(false)),
                    get_leaf("executions", "List the executions, newest first, or show execution NAME", Some(false)),
                    get_leaf("execution", "Show an execution's phase, timing and error", Some(true)),
                ],
            ),
            leaf(
                Command::new("version")
                    .about("Show the host version and plugin ABI, and with --remote Flyte admin's version")
                    .arg(
                        Arg::new("remote")
                            .long("remote")
                            .action(ArgAction::SetTrue)
                            .help("Also ask the Flyte admin of the remote from get_remote for its version"),
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
