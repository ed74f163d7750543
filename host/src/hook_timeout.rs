//! The time limit on plugin code: a value hook that does not return within the limit (default
//! [`DEFAULT_HOOK_LIMIT`]; plugin commands have none) ends the command with a message naming the
//! plugin and the hook, instead of hanging forever. `FLYTE_PLUGIN_HOOK_TIMEOUT=SECONDS` sets the
//! limit for both (0: no limit).
//!
//! The hook runs on the calling thread; one watchdog thread per process (started by the first
//! limited call) waits for the earliest deadline of the calls in progress and, when one passes,
//! prints the message and exits the process. A call without a limit costs nothing; a limited one
//! costs a mutex and a condition-variable signal.

use std::{
    sync::{Condvar, Mutex, MutexGuard, Once, OnceLock, PoisonError},
    time::{Duration, Instant},
};

use crate::error::Error;

/// The environment variable that sets the limit, in seconds.
pub(crate) const VARIABLE: &str = "FLYTE_PLUGIN_HOOK_TIMEOUT";

/// How long a value hook may take unless `FLYTE_PLUGIN_HOOK_TIMEOUT` says otherwise.
const DEFAULT_HOOK_LIMIT: Duration = Duration::from_secs(5);

/// The limits of this process: value hooks, plugin commands.
#[derive(Debug, Clone, Copy)]
struct Limits {
    hooks: Option<Duration>,
    commands: Option<Duration>,
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

/// The limits `value` (of `FLYTE_PLUGIN_HOOK_TIMEOUT`) sets.
fn parse(value: Option<&str>) -> Result<Limits, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(Limits {
            hooks: Some(DEFAULT_HOOK_LIMIT),
            commands: None,
        });
    };
    let seconds = value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            format!(
                "{VARIABLE} is `{value}`, not a number of seconds. Set it to how long a plugin hook or command may run (0: no limit), or unset it for the default ({} s for hooks, no limit for commands).",
                DEFAULT_HOOK_LIMIT.as_secs()
            )
        })?;
    let limit = (!seconds.is_zero()).then_some(seconds);
    Ok(Limits {
        hooks: limit,
        commands: limit,
    })
}

/// Reads `FLYTE_PLUGIN_HOOK_TIMEOUT`; an error names the variable. Called before a plugin library
/// is loaded (the built-in plugin has nothing to time).
pub(crate) fn configure() -> Result<(), Error> {
    let value = std::env::var_os(VARIABLE).map(|v| v.to_string_lossy().into_owned());
    let limits = parse(value.as_deref()).map_err(Error::Message)?;
    let _ = LIMITS.set(limits);
    Ok(())
}

/// The limits, read from the environment on first use when [`configure`] was not called (a bad
/// value then means the defaults).
fn limits() -> Limits {
    *LIMITS.get_or_init(|| {
        let value = std::env::var_os(VARIABLE).map(|v| v.to_string_lossy().into_owned());
        parse(value.as_deref()).unwrap_or(Limits {
            hooks: Some(DEFAULT_HOOK_LIMIT),
            commands: None,
        })
    })
}

/// What is timed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A value hook (`get_remote`, …).
    Hook,
    /// A plugin command's handler.
    Command,
}

/// Runs `call`, plugin code of `plugin` (its label, computed only when there is a limit) in hook
/// or command `what`, under the limit for `kind`.
pub(crate) fn limit<T>(
    kind: Kind,
    plugin: impl FnOnce() -> String,
    what: &str,
    call: impl FnOnce() -> T,
) -> T {
    let limits = limits();
    let Some(limit) = (match kind {
        Kind::Hook => limits.hooks,
        Kind::Command => limits.commands,
    }) else {
        return call();
    };
    let seconds = limit.as_secs_f64();
    let (noun, fix) = match kind {
        Kind::Hook => ("hook", "return from"),
        Kind::Command => ("command", "finish"),
    };
    let message = format!(
        "plugin {} did not {fix} {noun} `{what}` within {seconds} s, so flyte-host stopped. Fix the plugin, allow it longer with {VARIABLE}=SECONDS (0: no limit), or set FLYTEKIT_PLUGIN=builtin to run without it.",
        plugin()
    );
    let _armed = arm(Instant::now() + limit, message);
    call()
}

/// The calls in progress: an id, a deadline and the message to die with, innermost last.
struct Watch {
    calls: Mutex<(u64, Vec<(u64, Instant, String)>)>,
    changed: Condvar,
}

static WATCH: Watch = Watch {
    calls: Mutex::new((0, Vec::new())),
    changed: Condvar::new(),
};

fn calls() -> MutexGuard<'static, (u64, Vec<(u64, Instant, String)>)> {
    WATCH.calls.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A call in progress; dropping it ends the call's watch.
struct Armed(u64);

impl Drop for Armed {
    fn drop(&mut self) {
        calls().1.retain(|(id, _, _)| *id != self.0);
    }
}

fn arm(deadline: Instant, message: String) -> Armed {
    static WATCHDOG: Once = Once::new();
    WATCHDOG.call_once(|| {
        // A small stack: the watchdog only waits and prints (and a smaller mapping starts faster).
        let _ = std::thread::Builder::new()
            .name("hook-timeout".into())
            .stack_size(64 * 1024)
            .spawn(watchdog);
    });
    let mut calls = calls();
    calls.0 += 1;
    let id = calls.0;
    calls.1.push((id, deadline, message));
    drop(calls);
    WATCH.changed.notify_one();
    Armed(id)
}

/// Sleeps until the earliest deadline; exits the process with its message once one passes.
fn watchdog() {
    let mut calls = calls();
    loop {
        let earliest = calls.1.iter().min_by_key(|(_, deadline, _)| *deadline);
        calls = match earliest {
            None => WATCH
                .changed
                .wait(calls)
                .unwrap_or_else(PoisonError::into_inner),
            Some((_, deadline, message)) => {
                let now = Instant::now();
                if now >= *deadline {
                    crate::say!("error: {message}");
                    std::process::exit(1);
                }
                let wait = *deadline - now;
                WATCH
                    .changed
                    .wait_timeout(calls, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_sets_both_limits_and_zero_lifts_them() {
        let default = parse(None).unwrap();
        assert_eq!(default.hooks, Some(DEFAULT_HOOK_LIMIT));
        assert_eq!(default.commands, None);
        let set = parse(Some(" 2.5 ")).unwrap();
        assert_eq!(set.hooks, Some(Duration::from_millis(2500)));
        assert_eq!(set.commands, Some(Duration::from_millis(2500)));
        let none = parse(Some("0")).unwrap();
        assert_eq!((none.hooks, none.commands), (None, None));
        for bad in ["soon", "-1", "inf"] {
            let err = parse(Some(bad)).unwrap_err();
            assert!(err.contains(VARIABLE) && err.contains(bad), "{err}");
        }
    }

    #[test]
    fn a_call_that_returns_in_time_is_not_stopped() {
        let armed = arm(Instant::now() + Duration::from_millis(50), "never".into());
        drop(armed);
        std::thread::sleep(Duration::from_millis(100));
        assert!(calls().1.is_empty());
    }
}
