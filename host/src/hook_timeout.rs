//! The time limit on plugin code: a value hook that does not return within the limit (default
//! [`DEFAULT_HOOK_LIMIT`]; plugin commands have none) ends the command with a message naming the
//! plugin and the hook, instead of hanging forever. `FLYTE_PLUGIN_HOOK_TIMEOUT=SECONDS` sets the
//! limit for both (0: no limit).
//!
//! The hook runs on the calling thread under an alarm set to the earliest deadline of the calls in
//! progress (see [`alarm`]); when one passes, the message is printed and the process exits. A call
//! without a limit costs nothing; a limited one, a mutex and two system calls.

use std::{
    sync::{Mutex, MutexGuard, OnceLock, PoisonError},
    time::{Duration, Instant},
};

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
pub(crate) fn configure() -> Result<(), String> {
    let value = std::env::var_os(VARIABLE).map(|v| v.to_string_lossy().into_owned());
    let limits = parse(value.as_deref())?;
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

/// A call in progress: its id, deadline, and the message to die with (`error: …\n`). The message
/// is boxed so that its address stays put while the alarm may read it.
type Call = (u64, Instant, Box<Vec<u8>>);

/// The calls in progress, innermost last, and the last id given.
static CALLS: Mutex<(u64, Vec<Call>)> = Mutex::new((0, Vec::new()));

fn calls() -> MutexGuard<'static, (u64, Vec<Call>)> {
    CALLS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A call in progress; dropping it ends the call's watch.
struct Armed(u64);

impl Drop for Armed {
    fn drop(&mut self) {
        let mut calls = calls();
        let Some(at) = calls.1.iter().position(|(id, _, _)| *id == self.0) else {
            return;
        };
        let ended = calls.1.remove(at);
        // The alarm must stop pointing at the message before the message goes.
        alarm::set(earliest(&calls.1));
        drop(ended);
    }
}

fn arm(deadline: Instant, message: String) -> Armed {
    let mut calls = calls();
    calls.0 += 1;
    let id = calls.0;
    let message = crate::terminal::human(&format!("error: {message}\n")).into_bytes();
    calls.1.push((id, deadline, Box::new(message)));
    alarm::set(earliest(&calls.1));
    Armed(id)
}

/// The call whose deadline comes first.
fn earliest(calls: &[Call]) -> Option<(Instant, &Vec<u8>)> {
    calls
        .iter()
        .min_by_key(|(_, deadline, _)| *deadline)
        .map(|(_, deadline, message)| (*deadline, &**message))
}

/// The alarm: on Unix a real-time interval timer (`setitimer`) whose `SIGALRM` handler writes the
/// message and ends the process. No thread, and two system calls per limited call: start-up
/// calls `configure_pyflyte_cli` on every run (a watchdog thread cost about a millisecond there).
#[cfg(unix)]
#[allow(unsafe_code)]
mod alarm {
    use std::{
        ptr,
        sync::{
            atomic::{AtomicPtr, Ordering},
            Once,
        },
        time::Instant,
    };

    /// The message of the earliest deadline, for the signal handler (null: none armed).
    static MESSAGE: AtomicPtr<Vec<u8>> = AtomicPtr::new(ptr::null_mut());

    extern "C" fn on_alarm(_signal: libc::c_int) {
        let message = MESSAGE.load(Ordering::SeqCst);
        if !message.is_null() {
            // SAFETY: `set` points MESSAGE at a message its caller keeps alive until `set` is
            // called again; write(2) and _exit(2) are async-signal-safe.
            unsafe {
                let message = &*message;
                libc::write(2, message.as_ptr().cast(), message.len());
            }
        }
        // SAFETY: ends the process at once, as the deadline demands.
        unsafe { libc::_exit(1) }
    }

    /// Arms the alarm for `next` (a deadline and the message to print then), or disarms it. The
    /// caller keeps the message alive until it calls `set` again.
    pub(super) fn set(next: Option<(Instant, &Vec<u8>)>) {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(|| {
            // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler
            // only does async-signal-safe things.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_alarm as extern "C" fn(libc::c_int) as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGALRM, &action, ptr::null_mut());
            }
        });
        let (remaining, message) = match next {
            Some((deadline, message)) => (
                // Never zero: a zero timer is a disarmed one.
                deadline
                    .saturating_duration_since(Instant::now())
                    .max(std::time::Duration::from_micros(1)),
                ptr::from_ref(message).cast_mut(),
            ),
            None => (std::time::Duration::ZERO, ptr::null_mut()),
        };
        // Disarm first, so the handler never sees a message that is being replaced (nothing to
        // disarm when no message was set: the common first call costs one system call less).
        if !MESSAGE.load(Ordering::SeqCst).is_null() {
            let off = libc::itimerval {
                it_interval: libc::timeval {
                    tv_sec: 0,
                    tv_usec: 0,
                },
                it_value: libc::timeval {
                    tv_sec: 0,
                    tv_usec: 0,
                },
            };
            // SAFETY: plain system calls with valid arguments.
            unsafe { libc::setitimer(libc::ITIMER_REAL, &off, ptr::null_mut()) };
        }
        MESSAGE.store(message, Ordering::SeqCst);
        if message.is_null() {
            return;
        }
        let value = libc::itimerval {
            it_interval: libc::timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            it_value: libc::timeval {
                tv_sec: libc::time_t::try_from(remaining.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_usec: libc::suseconds_t::from(remaining.subsec_micros().min(999_999) as i32),
            },
        };
        // SAFETY: as above.
        unsafe { libc::setitimer(libc::ITIMER_REAL, &value, ptr::null_mut()) };
    }
}

/// The alarm elsewhere: a watchdog thread that sleeps until the earliest deadline.
#[cfg(not(unix))]
mod alarm {
    use std::{
        io::Write as _,
        sync::{Condvar, Mutex, Once, PoisonError},
        time::Instant,
    };

    static NEXT: Mutex<Option<(Instant, Vec<u8>)>> = Mutex::new(None);
    static CHANGED: Condvar = Condvar::new();

    pub(super) fn set(next: Option<(Instant, &Vec<u8>)>) {
        static WATCHDOG: Once = Once::new();
        WATCHDOG.call_once(|| {
            let _ = std::thread::Builder::new()
                .name("hook-timeout".into())
                .spawn(watchdog);
        });
        *NEXT.lock().unwrap_or_else(PoisonError::into_inner) =
            next.map(|(deadline, message)| (deadline, message.clone()));
        CHANGED.notify_one();
    }

    fn watchdog() {
        let mut next = NEXT.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            next = match &*next {
                None => CHANGED.wait(next).unwrap_or_else(PoisonError::into_inner),
                Some((deadline, message)) => {
                    let now = Instant::now();
                    if now >= *deadline {
                        let _ = std::io::stderr().write_all(message);
                        std::process::exit(1);
                    }
                    let wait = *deadline - now;
                    CHANGED
                        .wait_timeout(next, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
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
    fn calls_that_return_in_time_are_not_stopped() {
        let outer = arm(Instant::now() + Duration::from_millis(80), "outer".into());
        let inner = arm(Instant::now() + Duration::from_millis(40), "inner".into());
        drop(inner);
        drop(outer);
        std::thread::sleep(Duration::from_millis(150));
        assert!(calls().1.is_empty());
    }
}
