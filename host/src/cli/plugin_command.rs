//! Running a command a plugin layer added: hand it its parsed arguments, with the whole stack
//! active, and report its exit status.

use abi_stable::std_types::{RString, RVec};
use clap::ArgMatches;
use flyte_plugin_abi::{
    cli::CommandHandlerBox,
    types::{FfiArgKind, FfiArgValue, FfiInvocation},
};

use crate::{cli::extend::PluginCommand, error::Error, services};

/// Runs `command` with the values clap parsed.
pub(super) fn run(
    command: &PluginCommand,
    handler: &CommandHandlerBox,
    matches: &ArgMatches,
) -> Result<i32, Error> {
    let args = command
        .args
        .iter()
        .map(|arg| {
            let name = arg.name.as_str();
            let values: RVec<RString> = if arg.kind == FfiArgKind::Flag {
                std::iter::once(RString::from(matches.get_flag(name).to_string())).collect()
            } else {
                matches
                    .get_raw(name)
                    .into_iter()
                    .flatten()
                    .map(|v| RString::from(v.to_string_lossy().as_ref()))
                    .collect()
            };
            FfiArgValue {
                name: name.into(),
                values,
            }
        })
        .collect();
    let globals = crate::context::globals().cloned();
    let globals = globals.as_ref();
    let invocation = FfiInvocation {
        path: command.path(),
        args,
        output: match globals {
            Some(g) if g.yaml => "yaml",
            Some(g) if g.json => "json",
            _ => "table",
        }
        .into(),
        verbose: globals.is_some_and(|g| g.verbose),
        project: globals
            .map(|g| g.project.as_str())
            .unwrap_or_default()
            .into(),
        domain: globals
            .map(|g| g.domain.as_str())
            .unwrap_or_default()
            .into(),
        config: globals
            .and_then(|g| g.config.as_deref())
            .map(RString::from)
            .into(),
    };
    let stack = crate::context::active();
    // Errors name the layer that added the command.
    let label = || {
        stack
            .layers()
            .get(command.layer)
            .map_or_else(|| stack.label(), |l| l.label())
    };
    let failed = |message: String| {
        let (plugin, command) = (label(), command.path_text());
        match crate::plugin::panic_report(&message) {
            Some(panic) => Error::CommandPanicked {
                plugin,
                command,
                message: panic.to_owned(),
            },
            None => Error::Command {
                plugin,
                command,
                message,
            },
        }
    };
    let status = crate::hook_timeout::limit(
        crate::hook_timeout::Kind::Command,
        label,
        &command.path_text(),
        // Its `host::default_*` calls get the answers of the layers below its own.
        || {
            stack.run_as(command.layer, || {
                services::in_command(|| handler.run(&invocation))
            })
        },
    )
    .into_result()
    .map_err(|message| failed(message.into_string()))?;
    if !(0..=255).contains(&status) {
        return Err(failed(format!(
            "it returned exit status {status}, outside the 0–255 a process can exit with"
        )));
    }
    Ok(status)
}
