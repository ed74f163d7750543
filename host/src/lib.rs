//! flyte-host: a fast Flyte host whose behaviour an organization customizes with a prebuilt plugin
//! library implementing flytekit's plugin protocol.
//!
//! The binary is `main` below; the modules are the pieces it wires together: [`loader`] finds and
//! loads the plugin, [`plugin`] exposes its hooks, [`config`] is flytekit's config resolution,
//! [`cli`] builds the command line the plugin extends, [`commands`] runs each command.

mod atomic_file;
pub mod auth;
pub mod builtin;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
mod input;
pub mod inspect;
pub mod install;
mod layout_cache;
pub mod loader;
pub mod output;
mod parallel;
pub mod plugin;
pub mod remote;
pub mod services;
pub mod tasks;
pub mod validate;

use std::{ffi::OsString, process::ExitCode};

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
        eprintln!(
            "error: flyte-host hit an internal error ({message}{location}). This is a bug in flyte-host: please report it with the command you ran."
        );
    }));
}

/// Whether the command line asks for a command that inspects or manages plugin libraries: those
/// must work even when the active plugin fails to load (to diagnose, verify, replace or remove it).
fn manages_plugins(words: &[String]) -> bool {
    matches!(
        words,
        [group, command, ..] if group == "plugin"
            && ["check", "install", "list", "remove", "verify", "manifest", "new"].contains(&command.as_str())
    )
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
        Selection::Builtin(_) => Ok(ActivePlugin::builtin()),
        Selection::Library {
            path,
            origin,
            locked,
        } => {
            loader::check_pin(&path, std::env::var_os("FLYTE_PLUGIN_SHA256"))?;
            let loaded = loader::load(&path, origin.clone(), locked.as_ref(), services::table())?;
            Ok(ActivePlugin::library(loaded, origin))
        }
    }
}

fn run(args: Vec<OsString>) -> Result<i32, Error> {
    let plugin = match load_active_plugin() {
        Ok(plugin) => plugin,
        // `plugin check` is how an author diagnoses a library, and `plugin list/verify/remove/install`
        // how a user repairs a broken set-up: they must work even when the active plugin fails to load.
        Err(e) if manages_plugins(&cli::requested_words(&args)) => {
            eprintln!(
                "warning: {e}
warning: continuing with the built-in plugin active instead."
            );
            ActivePlugin::builtin()
        }
        Err(e) => return Err(e),
    };
    let plugin = services::activate(plugin);
    let mut cli = cli::build(plugin, &args)?;
    let status = cli::run(&mut cli, args);
    // The process ends next: freeing a large plugin CLI (each command's handler lives in the
    // plugin) would only add to the run time.
    std::mem::forget(cli);
    status
}

/// Runs flyte-host with `args` (program name first) and returns the process exit code.
pub fn main(args: Vec<OsString>) -> ExitCode {
    install_panic_hook();
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
