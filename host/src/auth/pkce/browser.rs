//! Opening the login page in a browser: `$BROWSER` as Python's `webbrowser` reads it, else the
//! platform's opener.

use std::{
    process::{Command, Stdio},
    thread,
};

/// Splits a `$BROWSER` entry into program and arguments, `%s` replaced by (or the URL added as
/// the last argument).
fn browser_command(entry: &str, url: &str) -> Option<(String, Vec<String>)> {
    let mut words = entry.split_whitespace().map(str::to_owned);
    let program = words.next()?;
    let mut args: Vec<String> = words.collect();
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_owned());
    }
    Some((program, args))
}

/// Starts `program args` in the background (its stderr shown when `quiet` is false); whether it
/// started.
fn spawn(program: &str, args: &[String], quiet: bool) -> bool {
    let stderr = if quiet {
        Stdio::null()
    } else {
        Stdio::inherit()
    };
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
    {
        Ok(mut child) => {
            thread::spawn(move || {
                let _ = child.wait();
            });
            true
        }
        Err(_) => false,
    }
}

/// Opens `url` with `$BROWSER` (a list of commands separated like `PATH`, `%s` for the URL), else
/// the platform's opener. Never fails: the URL is printed anyway.
pub(crate) fn open_browser(url: &str) -> bool {
    if let Some(browser) = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        let separator = if cfg!(windows) { ';' } else { ':' };
        return browser
            .split(separator)
            .filter_map(|entry| browser_command(entry, url))
            .any(|(program, args)| spawn(&program, &args, false));
    }
    let (program, args): (&str, Vec<String>) = if cfg!(target_os = "macos") {
        ("open", vec![url.to_owned()])
    } else if cfg!(windows) {
        (
            "rundll32",
            vec!["url.dll,FileProtocolHandler".to_owned(), url.to_owned()],
        )
    } else {
        ("xdg-open", vec![url.to_owned()])
    };
    // xdg-open lists every opener it tries and fails on a headless machine: the URL is printed.
    spawn(program, &args, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands() {
        assert_eq!(
            browser_command("firefox --new-tab", "http://u"),
            Some((
                "firefox".into(),
                vec!["--new-tab".into(), "http://u".into()]
            ))
        );
        assert_eq!(
            browser_command("b %s x", "U"),
            Some(("b".into(), vec!["U".into(), "x".into()]))
        );
        assert_eq!(browser_command("  ", "U"), None);
    }
}
