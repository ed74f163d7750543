//! One module per command, cargo-style: each owns its clap definition (`cli()`) and its run
//! (`exec()`); [`ALL`] lists them, and `cli/` builds the command line from that list.

mod completion;
mod config_init;
mod config_show;
mod create_execution;
mod delete_execution;
mod exec_file;
mod get;
mod healthcheck;
mod info;
mod login;
mod logout;
mod package;
mod plugin_check;
mod plugin_index;
mod plugin_install;
mod plugin_list;
mod plugin_lock;
mod plugin_manifest;
mod plugin_new;
mod plugin_outdated;
mod plugin_remove;
mod plugin_show;
mod plugin_sync;
mod plugin_trust;
mod plugin_upgrade;
mod plugin_use;
mod plugin_verify;
mod register;
mod register_files;
mod run_task;
mod task_args;
mod task_show;
mod update_launch_plan;
mod update_project;
mod version;
mod whoami;

use crate::cli::{Def, Loads};
use get::What;

/// Every built-in command and group, in the order `--help` lists them; a group comes before its
/// subcommands. Adding a command is a new file here and one line in this list.
pub(crate) const ALL: &[Def] = &[
    Def::command(&["info"], info::cli, info::exec, Loads::Always),
    Def::command(&["login"], login::cli, login::exec, Loads::Always),
    Def::command(&["logout"], logout::cli, logout::exec, Loads::Always),
    Def::command(&["whoami"], whoami::cli, whoami::exec, Loads::Always),
    Def::command(
        &["healthcheck"],
        healthcheck::cli,
        healthcheck::exec,
        Loads::Always,
    ),
    Def::group(
        &["config"],
        "Inspect and write the Flyte connection settings",
        Loads::Always,
    ),
    Def::command(
        &["config", "init"],
        config_init::cli,
        config_init::exec,
        Loads::Never,
    ),
    Def::command(
        &["config", "show"],
        config_show::cli,
        config_show::exec,
        Loads::Always,
    ),
    // The plugin management commands never load the active plugin (`check`, `list` and `install`
    // try libraries in child processes); `show` and the bare group show its commands.
    Def::group(
        &["plugin"],
        "Inspect, install and manage plugins",
        Loads::Leniently,
    ),
    Def::command(
        &["plugin", "show"],
        plugin_show::cli,
        plugin_show::exec,
        Loads::Leniently,
    ),
    Def::command(
        &["plugin", "check"],
        plugin_check::cli,
        plugin_check::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "install"],
        plugin_install::cli,
        plugin_install::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "list"],
        plugin_list::cli,
        plugin_list::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "remove"],
        plugin_remove::cli,
        plugin_remove::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "use"],
        plugin_use::cli,
        plugin_use::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "verify"],
        plugin_verify::cli,
        plugin_verify::exec,
        Loads::Never,
    ),
    Def::group(&["plugin", "trust"], plugin_trust::ABOUT, Loads::Never),
    Def::command(
        &["plugin", "trust", "add"],
        plugin_trust::add_cli,
        plugin_trust::add_exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "trust", "list"],
        plugin_trust::list_cli,
        plugin_trust::list_exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "trust", "remove"],
        plugin_trust::remove_cli,
        plugin_trust::remove_exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "manifest"],
        plugin_manifest::cli,
        plugin_manifest::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "new"],
        plugin_new::cli,
        plugin_new::exec,
        Loads::Never,
    ),
    Def::group(
        &["plugin", "index"],
        "Add, list and remove the organization plugin indexes `plugin install NAME` looks in",
        Loads::Never,
    ),
    Def::command(
        &["plugin", "index", "add"],
        plugin_index::add_cli,
        plugin_index::add,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "index", "list"],
        plugin_index::list_cli,
        plugin_index::list,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "index", "remove"],
        plugin_index::remove_cli,
        plugin_index::remove,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "outdated"],
        plugin_outdated::cli,
        plugin_outdated::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "upgrade"],
        plugin_upgrade::cli,
        plugin_upgrade::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "lock"],
        plugin_lock::cli,
        plugin_lock::exec,
        Loads::Never,
    ),
    Def::command(
        &["plugin", "sync"],
        plugin_sync::cli,
        plugin_sync::exec,
        Loads::Never,
    ),
    Def::group(&["task"], "Inspect task specs", Loads::Always),
    Def::command(
        &["task", "show"],
        task_show::cli,
        task_show::exec,
        Loads::Always,
    ),
    Def::command(&["package"], package::cli, package::exec, Loads::Always),
    Def::command(&["register"], register::cli, register::exec, Loads::Always),
    Def::command(
        &["register", "files"],
        register_files::cli,
        register_files::exec,
        Loads::Always,
    ),
    Def::command(&["run"], run_task::cli, run_task::exec, Loads::Always),
    Def::group(
        &["get"],
        "List what Flyte admin holds in the project and domain",
        Loads::Always,
    ),
    Def::command(
        &["get", "projects"],
        || get::cli(What::Projects),
        |_, m| get::exec(What::Projects, m),
        Loads::Always,
    ),
    Def::command(
        &["get", "tasks"],
        || get::cli(What::Tasks),
        |_, m| get::exec(What::Tasks, m),
        Loads::Always,
    ),
    Def::command(
        &["get", "workflows"],
        || get::cli(What::Workflows),
        |_, m| get::exec(What::Workflows, m),
        Loads::Always,
    ),
    Def::command(
        &["get", "launch-plans"],
        || get::cli(What::LaunchPlans),
        |_, m| get::exec(What::LaunchPlans, m),
        Loads::Always,
    ),
    Def::command(
        &["get", "executions"],
        || get::cli(What::Executions),
        |_, m| get::exec(What::Executions, m),
        Loads::Always,
    ),
    Def::command(
        &["get", "execution"],
        || get::cli(What::Execution),
        |_, m| get::exec(What::Execution, m),
        Loads::Always,
    ),
    Def::group(
        &["create"],
        "Start, relaunch or recover executions (flytectl's create execution)",
        Loads::Always,
    ),
    Def::command(
        &["create", "execution"],
        create_execution::cli,
        create_execution::exec,
        Loads::Always,
    ),
    Def::group(
        &["delete"],
        "Terminate executions (flytectl's delete)",
        Loads::Always,
    ),
    Def::command(
        &["delete", "execution"],
        delete_execution::cli,
        delete_execution::exec,
        Loads::Always,
    ),
    Def::group(
        &["update"],
        "Activate or archive launch plans and projects (flytectl's update)",
        Loads::Always,
    ),
    Def::command(
        &["update", "launch-plan"],
        update_launch_plan::cli,
        update_launch_plan::exec,
        Loads::Always,
    ),
    Def::command(
        &["update", "project"],
        update_project::cli,
        update_project::exec,
        Loads::Always,
    ),
    Def::command(
        &["version"],
        version::cli,
        version::exec,
        Loads::NeverUnless("--remote"),
    ),
    Def::command(
        &["completion"],
        completion::cli,
        completion::exec,
        Loads::Leniently,
    ),
];

/// `cmd` with `--activate` and `--archive` (exactly one required), helped by `activate` and
/// `archive`: the state flags of the `update` commands.
fn activate_or_archive(cmd: clap::Command, activate: &str, archive: &str) -> clap::Command {
    use clap::{Arg, ArgAction, ArgGroup};
    cmd.arg(
        Arg::new("activate")
            .long("activate")
            .action(ArgAction::SetTrue)
            .help(activate.to_owned()),
    )
    .arg(
        Arg::new("archive")
            .long("archive")
            .action(ArgAction::SetTrue)
            .help(archive.to_owned()),
    )
    .group(
        ArgGroup::new("state")
            .args(["activate", "archive"])
            .required(true),
    )
}

/// Whether the user asked for a data document (`-o json` or `-o yaml`) rather than a table.
fn json_output() -> bool {
    crate::context::globals().is_some_and(|g| g.json)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;
    use crate::cli::Need;

    fn need(line: &str) -> Need {
        let args: Vec<OsString> = std::iter::once("flyte-host")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect();
        crate::cli::need(&args, ALL)
    }

    #[test]
    fn each_command_family() {
        for line in [
            "--version",
            "-V",
            "version",
            "-o json version",
            "config init --host x",
            "plugin list",
            "plugin check lib.so",
            "plugin install x.toml",
            "plugin remove myorg",
            "plugin verify",
            "plugin use builtin",
            "plugin manifest lib.so --url u",
            "plugin new acme",
        ] {
            assert_eq!(need(line), Need::Nothing, "{line}");
        }
        for line in [
            "",
            "--help",
            "-h",
            "info --help",
            "-vh",
            "help",
            "help info",
            "completion bash",
            "plugin",
            "plugin show",
            "plugin frob",
        ] {
            assert_eq!(need(line), Need::Lenient, "{line}");
        }
        for line in [
            "info",
            "version --remote",
            "config show",
            "run hello --version 3",
            "boom",
            "get projects",
            "-c x.yaml info",
            "task show -- --help",
            "config",
            "get",
        ] {
            assert_eq!(need(line), Need::Hooks, "{line}");
        }
    }
}
