//! Running this binary as a child process with a time limit, and saying in words how a child
//! died: the isolation every trial of a plugin library goes through (the load probe, `plugin
//! check`, `plugin list`, `plugin install`).

use std::{
    io::Read,
    process::{Command, ExitStatus, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

/// How a child that was given a time limit ended.
pub(crate) enum Ended {
    /// It exited (normally or by a signal) with this output.
    Finished(Output),
    /// It was still running at the limit and was killed.
    TimedOut,
}

/// Runs `command` with its stdout and stderr captured, killing it after `timeout`; `Err` when it
/// cannot be started or waited for. Stdin is the caller's to set.
pub(crate) fn output_within(command: &mut Command, timeout: Duration) -> std::io::Result<Ended> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Drained on threads so a chatty child cannot block on a full pipe while we wait.
    fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let Some(status) = wait_within(&mut child, timeout)? else {
        return Ok(Ended::TimedOut);
    };
    Ok(Ended::Finished(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

/// Waits for `child` up to `timeout`; kills it and returns `None` when it is still running then.
/// The first checks come quickly: most children (a load probe) end within milliseconds.
pub(crate) fn wait_within(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_micros(200);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// The signal that killed a child, by name, with what it usually means for a library being
/// loaded: `SIGBUS — the file is damaged or truncated`. `None` when the child exited normally.
pub(crate) fn crash_description(status: &ExitStatus) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        let signal = status.signal()?;
        let (name, meaning) = match signal {
            libc::SIGBUS => ("SIGBUS", "the file is damaged or truncated"),
            libc::SIGSEGV => (
                "SIGSEGV",
                "the library's code or data is broken (it read or wrote invalid memory)",
            ),
            libc::SIGABRT => ("SIGABRT", "the library aborted (its code called abort())"),
            libc::SIGILL => (
                "SIGILL",
                "the library has instructions this machine cannot run (built for another CPU?)",
            ),
            libc::SIGFPE => ("SIGFPE", "an arithmetic fault in the library's code"),
            libc::SIGKILL => ("SIGKILL", "killed from outside (out of memory?)"),
            libc::SIGSYS => ("SIGSYS", "the library made a forbidden system call"),
            other => return Some(format!("signal {other}")),
        };
        Some(format!("{name} — {meaning}"))
    }
    #[cfg(not(unix))]
    {
        // Windows reports a crash as an NTSTATUS exit code (0xC0000005: access violation).
        let code = status.code()? as u32;
        (code >= 0xC000_0000).then(|| format!("exception {code:#010x}"))
    }
}
