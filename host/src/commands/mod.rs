//! One module per command; `dispatch` routes a parsed command line to it.

mod completion;
mod config_init;
mod config_show;
mod get;
mod info;
mod login;
mod logout;
mod package;
mod plugin_check;
mod plugin_command;
mod plugin_install;
mod plugin_list;
mod plugin_manifest;
mod plugin_new;
mod plugin_remove;
mod plugin_show;
mod plugin_use;
mod plugin_verify;
mod register;
mod run_task;
mod task_args;
mod task_show;
mod version;

use crate::{
    cli::{Cli, Parsed},
    error::Error,
};

/// Runs the command `parsed` names; returns the exit status.
pub(crate) fn dispatch(cli: &mut Cli, parsed: &Parsed<'_>) -> Result<i32, Error> {
    if let Some(command) = cli
        .extension
        .commands
        .iter()
        .find(|c| c.is_at(&parsed.path))
    {
        if let Some(handler) = &command.handler {
            return plugin_command::run(command, handler, parsed.matches);
        }
    }
    let path: Vec<&str> = parsed.path.iter().map(String::as_str).collect();
    match path.as_slice() {
        ["info"] => info::run(),
        ["login"] => login::run(parsed.matches),
        ["logout"] => logout::run(),
        ["config", "init"] => config_init::run(parsed.matches),
        ["config", "show"] => config_show::run(),
        ["plugin", "show"] => plugin_show::run(&cli.extension),
        ["plugin", "check"] => plugin_check::run(parsed.matches),
        ["plugin", "install"] => plugin_install::run(parsed.matches),
        ["plugin", "list"] => plugin_list::run(),
        ["plugin", "remove"] => plugin_remove::run(parsed.matches),
        ["plugin", "verify"] => plugin_verify::run(),
        ["plugin", "use"] => plugin_use::run(parsed.matches),
        ["plugin", "manifest"] => plugin_manifest::run(parsed.matches),
        ["plugin", "new"] => plugin_new::run(parsed.matches),
        ["task", "show"] => task_show::run(parsed.matches),
        ["package"] => package::run(parsed.matches),
        ["register"] => register::run(parsed.matches),
        ["get", what] => get::run(what, parsed.matches),
        ["version"] => version::run(parsed.matches),
        ["run"] => run_task::run(parsed.matches),
        ["completion"] => completion::run(&mut cli.command, parsed.matches),
        _ => Err(Error::Message(format!(
            "`{}` is not a command this host can run",
            parsed.path.join(" ")
        ))),
    }
}

/// Whether the user asked for JSON output.
fn json_output() -> bool {
    crate::context::globals().is_some_and(|g| g.json)
}
