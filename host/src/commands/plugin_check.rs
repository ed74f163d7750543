//! `flyte-host plugin check PATH`: load a library without activating it, call every hook, and
//! report each answer or failure — the tool a plugin author runs. The library is checked in a
//! child process (this binary with the hidden `--in-process`, after the structure check and trial
//! load every first load gets), so a library that crashes is diagnosed, never fatal.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use clap::{value_parser, Arg, ArgAction, ArgMatches};
use serde_json::{json, Value};

use super::{json_output, plugin_show::page_summary};
use crate::{
    cli::{self, Cli},
    config::Env,
    error::Error,
    inspect::{self, Answer},
    loader::{self, Origin},
    output,
    plugin::ActivePlugin,
    services,
};

fn answer_json(answer: &Answer) -> Value {
    match answer {
        Answer::Remote {
            endpoint,
            origin,
            config_file,
        } => {
            json!({"endpoint": endpoint, "origin": origin, "config_file": config_file})
        }
        Answer::Cli {
            added,
            replaced,
            conflicts,
        } => {
            json!({"added": added, "replaced": replaced, "conflicts": conflicts})
        }
        Answer::Bool(b) => json!(b),
        Answer::Image(image) => json!(image),
        Answer::Html(html) => json!(html
            .as_ref()
            .map(|h| json!({"bytes": h.len(), "summary": page_summary(h)}))),
        Answer::Policies(policies) => json!(policies
            .iter()
            .map(|(name, version)| match version {
                Ok(v) => json!({"name": name, "version": v}),
                Err(e) => json!({"name": name, "error": e}),
            })
            .collect::<Vec<_>>()),
        #[cfg(feature = "abi-next")]
        Answer::ConsoleUrl(url) => json!(url),
    }
}

fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Remote {
            endpoint, origin, ..
        } => format!("{endpoint} ({origin})"),
        Answer::Cli {
            added,
            replaced,
            conflicts,
        } => {
            let mut parts = vec![format!("{} command(s) added", added.len())];
            if !replaced.is_empty() {
                parts.push(format!("replaces {}", replaced.join(", ")));
            }
            for c in conflicts {
                parts.push(format!("conflict: {c}"));
            }
            parts.join("; ")
        }
        Answer::Bool(b) => b.to_string(),
        Answer::Image(image) => output::or_dash(image.as_deref()),
        Answer::Html(Some(h)) => format!("{} bytes: {}", h.len(), page_summary(h)),
        Answer::Html(None) => "- (host's built-in page)".to_owned(),
        Answer::Policies(policies) if policies.is_empty() => "-".to_owned(),
        Answer::Policies(policies) => policies
            .iter()
            .map(|(name, version)| match version {
                Ok(v) => format!("{name} → {v}"),
                Err(e) => format!("{name} → error: {e}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        #[cfg(feature = "abi-next")]
        Answer::ConsoleUrl(url) => url.clone(),
    }
}

/// Failing cache policies make the hook fail, naming the policy.
fn policy_failure(answer: &Answer) -> Option<String> {
    let Answer::Policies(policies) = answer else {
        return None;
    };
    policies.iter().find_map(|(name, version)| {
        version
            .as_ref()
            .err()
            .map(|e| format!("cache policy '{name}' failed: {e}"))
    })
}

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> clap::Command {
    clap::Command::new("check")
        .about("Load a plugin library without activating it and call every hook")
        .arg(
            Arg::new("path")
                .value_name("PATH")
                .required(true)
                .value_parser(value_parser!(PathBuf))
                .help("The plugin library (.so, .dylib or .dll)"),
        )
        .arg(
            // Set by `plugin check` for the child process that loads the library.
            Arg::new("in-process")
                .long("in-process")
                .action(ArgAction::SetTrue)
                .hide(true),
        )
}

/// Checks the library in a child process and passes its report on; exit status 1 when any hook
/// failed.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let path = matches
        .get_one::<PathBuf>("path")
        .cloned()
        .ok_or_else(|| Error::Message("plugin check: a library path is required".into()))?;
    if matches.get_flag("in-process") {
        check_here(&path)
    } else {
        check_in_child(&path)
    }
}

/// Runs this command again in a child process (`--in-process`, the same global options), its
/// output going straight to ours; a crash of the child becomes the error.
fn check_in_child(path: &Path) -> Result<i32, Error> {
    loader::try_in_child(path, &Origin::Check)?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::Message(format!("plugin check cannot find flyte-host itself: {e}")))?;
    let mut command = Command::new(exe);
    command.args(["plugin", "check", "--in-process"]);
    if let Some(globals) = crate::context::globals() {
        if let Some(config) = &globals.config {
            command.args(["--config", config]);
        }
        command.args(["--project", &globals.project, "--domain", &globals.domain]);
        let output = match (globals.yaml, globals.json) {
            (true, _) => "yaml",
            (_, true) => "json",
            _ => "table",
        };
        command.args(["--output", output]);
        if globals.verbose {
            command.arg("--verbose");
        }
    }
    let status = command
        .arg("--")
        .arg(path)
        .status()
        .map_err(|e| Error::Message(format!("plugin check cannot run flyte-host: {e}")))?;
    if let Some(how) = crate::child::crash_description(&status) {
        return Err(Error::Message(format!(
            "plugin library `{}` loads, but crashed in one of its hooks during the check: {how}. The check ran in a child process; any command calling that hook would die the same way, so fix the plugin before using it.",
            path.display()
        )));
    }
    Ok(status.code().unwrap_or(1))
}

/// Loads and exercises the library in this process (the child of [`check_in_child`]).
fn check_here(path: &Path) -> Result<i32, Error> {
    let path = path.to_owned();
    let loaded = loader::load_here(&path, Origin::Check, None, services::table())?;
    // Activated, so the host services it calls (`host::default_*`) answer for it.
    let plugin = crate::context::activate(ActivePlugin::library(loaded, Origin::Check));
    let globals = crate::context::globals().cloned();
    let request = globals.as_ref().map(crate::context::remote_request);
    let remote = match request {
        Some(request) => plugin
            .get_remote(request, &Env::from_process())
            .map_err(|e| e.to_string()),
        None => Err("no global options".to_owned()),
    };
    let extension = cli::check(plugin, super::ALL).map_err(|e| e.to_string());
    let reports = inspect::probe(plugin, remote, extension.as_ref().map_err(Clone::clone));
    let mut failed = false;
    let mut hooks = Vec::new();
    let mut rows = vec![(
        "plugin",
        format!(
            "{} {} (plugin ABI {}, needs host ABI ≥ {})",
            plugin.name(),
            plugin.version(),
            plugin.abi_version(),
            plugin.min_host_abi()
        ),
    )];
    for report in &reports {
        let outcome = report
            .outcome
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|(source, answer)| match policy_failure(answer) {
                Some(e) => Err(e),
                None => Ok((source, answer)),
            });
        match outcome {
            Ok((source, answer)) => {
                hooks.push(json!({"hook": report.hook, "status": "ok", "source": source.as_str(), "value": answer_json(answer)}));
                rows.push((
                    report.hook,
                    format!("ok [{}] {}", source.as_str(), answer_text(answer)),
                ));
            }
            Err(e) => {
                failed = true;
                hooks.push(json!({"hook": report.hook, "status": "error", "error": e}));
                rows.push((report.hook, format!("FAILED: {e}")));
            }
        }
    }
    if json_output() {
        output::document(&json!({
            "plugin": {
                "name": plugin.name(),
                "version": plugin.version(),
                "path": path.display().to_string(),
                "abi_version": plugin.abi_version().to_string(),
                "min_host_abi": plugin.min_host_abi().to_string(),
            },
            "ok": !failed,
            "hooks": hooks,
        }))?;
    } else {
        output::pairs(&rows)?;
    }
    Ok(i32::from(failed))
}
