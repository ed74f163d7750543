//! flyte-host: a fast Flyte host whose behaviour an organization customizes with a prebuilt plugin
//! library implementing flytekit's plugin protocol.
//!
//! The binary is `main` below; the modules are the pieces it wires together: [`loader`] finds and
//! loads the plugin, [`plugin`] exposes its hooks, [`config`] is flytekit's config resolution,
//! [`cli`] builds the command line the plugin extends, [`commands`] runs each command.
//!
//! The library is private: only `main.rs` (through [`main`]) and the fuzz targets (through
//! [`fuzzing`]) use it, so every other item is `pub(crate)` at most and the compiler's
//! `dead_code` and `unreachable_pub` lints see all of it.

mod atomic_file;
mod auth;
mod builtin;
mod child;
mod cli;
mod commands;
mod config;
mod context;
mod duration;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod hook_timeout;
mod input;
mod inspect;
mod install;
#[cfg(test)]
mod layering;
mod layout_cache;
mod leftovers;
mod loader;
mod output;
mod packaged;
mod parallel;
mod plugin;
mod plugin_dir;
mod redact;
mod remote;
mod services;
mod tasks;
mod terminal;
mod text;
mod trust;
mod validate;
mod wire;

use std::{ffi::OsString, process::ExitCode};

use cli::Need;
use error::Error;
use loader::Selection;
use plugin::ActivePlugin;

/// Replaces Rust's panic output (a trace) with one paragraph: a host bug is reported, not dumped.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        crate::say!(
            "error: flyte-host hit an internal error ({message}{location}). This is a bug in flyte-host: please report it with the command you ran."
        );
    }));
}

/// Chooses and loads the active plugin stack, as the environment and the plugin directory select
/// it. `lenient` (for `--help` and the like): a layer of several that cannot be loaded is left
/// out with a warning.
fn load_active_plugin(lenient: bool) -> Result<ActivePlugin, Error> {
    let home = std::env::var_os("HOME").map(Into::into);
    let selection = loader::select(
        std::env::var_os("FLYTEKIT_PLUGIN"),
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        home,
    )?;
    let layers = match selection {
        Selection::Builtin(reason) => return Ok(ActivePlugin::builtin_because(reason)),
        Selection::Layers(layers) => layers,
    };
    hook_timeout::configure().map_err(Error::Message)?;
    let count = layers.len();
    let pins = loader::pins(std::env::var_os("FLYTE_PLUGIN_SHA256"), count)?;
    let specs: Vec<String> = layers.iter().map(|l| l.spec.clone()).collect();
    let mut loaded = Vec::with_capacity(count);
    for (i, (layer, pin)) in layers.into_iter().zip(pins).enumerate() {
        let result = loader::check_pin(&layer.path, pin).and_then(|()| {
            loader::load(
                &layer.path,
                layer.origin.clone(),
                layer.locked.as_ref(),
                services::table(),
            )
        });
        match result {
            Ok(library) => loaded.push((library, layer.origin, layer.spec)),
            Err(e) if count == 1 => return Err(e.into()),
            Err(e) => {
                let e = loader::LoadError::InLayer {
                    position: i + 1,
                    count,
                    spec: layer.spec,
                    leave_out: layer.origin.leave_out(&loader::other_layers(&specs, i)),
                    source: Box::new(e),
                };
                if !lenient {
                    return Err(e.into());
                }
                crate::say!(
                    "warning: {} (continuing without that layer)",
                    e.to_string().trim_end()
                );
            }
        }
    }
    Ok(ActivePlugin::stack(loaded)?)
}

fn run(args: Vec<OsString>) -> Result<i32, Error> {
    // Only commands that call the plugin's hooks load it (see `cli::needs`): the commands that
    // show help, versions or manage plugins work whatever state the plugin is in.
    let need = cli::need(&args, commands::ALL);
    if need == Need::Nothing {
        // Nothing activated: a command checking a library in-process may activate that one.
        let builtin = ActivePlugin::builtin();
        let mut cli = cli::build(&builtin, &args, commands::ALL, false)?;
        let status = cli::run(&mut cli, args);
        std::mem::forget(cli);
        return status;
    }
    let plugin = match need {
        Need::Lenient => load_active_plugin(true).unwrap_or_else(|e| {
            crate::say!(
                "warning: {} (continuing with the built-in plugin)",
                e.to_string().trim_end()
            );
            ActivePlugin::builtin()
        }),
        _ => load_active_plugin(false)?,
    };
    let plugin = context::activate(plugin);
    let mut cli = cli::build(plugin, &args, commands::ALL, need == Need::Lenient)?;
    let status = cli::run(&mut cli, args);
    if need == Need::Hooks && status.is_ok() {
        install::index::notice::after_command();
    }
    // The process ends next: freeing a large plugin CLI (each command's handler lives in the
    // plugin) would only add to the run time.
    std::mem::forget(cli);
    status
}

/// Runs flyte-host with `args` (program name first) and returns the process exit code.
pub fn main(args: Vec<OsString>) -> ExitCode {
    install_panic_hook();
    if let [_, word, path] = args.as_slice() {
        if word == loader::PROBE_COMMAND {
            return loader::probe_child_main(std::path::Path::new(path), services::table());
        }
    }
    // Known before parsing, so load errors can show their full report too.
    let verbose = args.iter().skip(1).any(|a| a == "-v" || a == "--verbose");
    match run(args) {
        Ok(status) => ExitCode::from(u8::try_from(status).unwrap_or(1)),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            error::print(&e, verbose);
            ExitCode::FAILURE
        }
    }
}
