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
mod parallel;
mod plugin;
mod plugin_dir;
mod redact;
mod remote;
mod services;
mod tasks;
mod terminal;
mod text;
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

/// Chooses and loads the active plugin.
fn load_active_plugin() -> Result<ActivePlugin, Error> {
    let home = std::env::var_os("HOME").map(Into::into);
    let selection = loader::select(
        std::env::var_os("FLYTEKIT_PLUGIN"),
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        home,
    )?;
    match selection {
        Selection::Builtin(reason) => Ok(ActivePlugin::builtin_because(reason)),
        Selection::Library {
            path,
            origin,
            locked,
        } => {
            loader::check_pin(&path, std::env::var_os("FLYTE_PLUGIN_SHA256"))?;
            hook_timeout::configure().map_err(Error::Message)?;
            let loaded = loader::load(&path, origin.clone(), locked.as_ref(), services::table())?;
            Ok(ActivePlugin::library(loaded, origin))
        }
    }
}

fn run(args: Vec<OsString>) -> Result<i32, Error> {
    // Only commands that call the plugin's hooks load it (see `cli::needs`): the commands that
    // show help, versions or manage plugins work whatever state the plugin is in.
    let plugin = match cli::need(&args, commands::ALL) {
        Need::Nothing => ActivePlugin::builtin(),
        Need::Hooks => load_active_plugin()?,
        Need::Lenient => load_active_plugin().unwrap_or_else(|e| {
            crate::say!(
                "warning: {} (continuing with the built-in plugin)",
                e.to_string().trim_end()
            );
            ActivePlugin::builtin()
        }),
    };
    let plugin = context::activate(plugin);
    let mut cli = cli::build(plugin, &args, commands::ALL)?;
    let status = cli::run(&mut cli, args);
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
