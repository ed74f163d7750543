//! `plugin check` of a candidate library in a child process of this host, so a library that
//! crashes (segfault, abort, exit) while loading or in a hook cannot take the caller down.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::Value;

use super::InstallError;
use crate::{
    child::{self, Ended},
    loader::{self, Origin},
};

/// How long a library may take to load and answer every hook before the check gives up on it.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// What the check learned about a library that passed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The plugin's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The plugin ABI it was built against.
    pub abi: String,
}

/// Checks `library` the way `flyte-host plugin check LIBRARY -o json` does, without loading it in
/// this process: its structure and a trial load in a child (see [`loader::try_in_child`]), then
/// the hooks in another child with a clean environment (the built-in plugin active, HOME and the
/// working directory in `scratch`, so no user config is read). Returns what the library said
/// about itself, or why it failed; a crashed child is a reason like any other.
pub(crate) fn check_in_child(
    library: &Path,
    scratch: &Path,
    source: &str,
) -> Result<Checked, InstallError> {
    // The check sees the library where install staged it (`.staging-…/`): its messages name the
    // user's file instead.
    let staged = std::path::absolute(library)
        .unwrap_or_else(|_| library.to_owned())
        .display()
        .to_string();
    let failed = |reason: String| InstallError::CheckFailed {
        source_name: source.to_owned(),
        reason: reason.replace(&staged, source),
    };
    let exe = std::env::current_exe()
        .map_err(|e| failed(format!("cannot find flyte-host itself: {e}")))?;
    // The child runs in `scratch`: a relative path must name the caller's file there too.
    let library = std::path::absolute(library).unwrap_or_else(|_| library.to_owned());
    loader::try_in_child(&library, &Origin::Check).map_err(|e| failed(e.to_string()))?;
    // The check's layout record goes where this user's start-ups look for it.
    let cache = crate::layout_cache::cache_home();
    let mut command = Command::new(exe);
    command
        .args(["plugin", "check", "--in-process", "-o", "json", "--"])
        .arg(&library)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", scratch)
        .env("FLYTEKIT_PLUGIN", "builtin")
        .current_dir(scratch)
        .stdin(Stdio::null());
    if let Some(cache) = cache {
        command.env("XDG_CACHE_HOME", cache);
    }
    let output = match child::output_within(&mut command, CHECK_TIMEOUT) {
        Ok(Ended::Finished(output)) => output,
        Ok(Ended::TimedOut) => {
            return Err(failed(format!(
                "the library did not finish the check within {} s (a hook hangs)",
                CHECK_TIMEOUT.as_secs()
            )))
        }
        Err(e) => return Err(failed(format!("cannot run flyte-host plugin check: {e}"))),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Option<Value> = serde_json::from_slice(&output.stdout).ok();
    if let Some(how) = child::crash_description(&output.status) {
        return Err(failed(format!(
            "it loads, but crashed in a hook during the check: {how}{}",
            last_words(&stderr)
        )));
    }
    let code = output.status.code().unwrap_or(1);
    let Some(report) = report else {
        let message = stderr
            .lines()
            .map(|l| l.strip_prefix("error: ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join(" ");
        return Err(failed(if message.trim().is_empty() {
            format!("the check exited with status {code} and said nothing")
        } else {
            message.trim().to_owned()
        }));
    };
    if code != 0 || report["ok"] != Value::Bool(true) {
        let hooks: Vec<String> = report["hooks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["status"] == "error")
            .map(|h| {
                format!(
                    "{}: {}",
                    h["hook"].as_str().unwrap_or("?"),
                    h["error"].as_str().unwrap_or("?")
                )
            })
            .collect();
        return Err(failed(if hooks.is_empty() {
            format!("the check exited with status {code}")
        } else {
            hooks.join("; ")
        }));
    }
    let field = |key: &str| {
        report["plugin"][key]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    Ok(Checked {
        name: field("name"),
        version: field("version"),
        abi: field("abi_version"),
    })
}

/// The last line the crashed child printed, if any.
fn last_words(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", l.trim()))
        .unwrap_or_default()
}

/// [`check_in_child`] with a scratch directory of its own: for libraries outside the plugin
/// directory (`plugin list`, `plugin manifest`).
pub(crate) fn check_standalone(library: &Path, source: &str) -> Result<Checked, InstallError> {
    // A new private directory (0700, a name no one can take first), removed on drop: a
    // predictable name in a shared /tmp could be created by someone else beforehand.
    let scratch = crate::atomic_file::PrivateTempDir::new("flyte-host-check-")
        .map_err(|e| InstallError::io(&std::env::temp_dir(), e))?;
    check_in_child(library, scratch.path(), source)
}
