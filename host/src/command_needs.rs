//! What a command line needs of the active plugin, decided before any plugin is looked at:
//! a library is only loaded into the host's process when the command calls its hooks.
//!
//! - [`Need::Nothing`]: `--version`, `version` (without `--remote`), `config init`, and the plugin
//!   management commands `plugin list|check|install|remove|verify|use|manifest|new` never load
//!   the active plugin (`check`, `list` and `install` try libraries in child processes).
//! - [`Need::Lenient`]: `--help` (and `-h`, anywhere), `help`, `completion`, `plugin show`, a bare
//!   `plugin`: they show the plugin's commands, so they load it, but a plugin that cannot be
//!   selected or loaded costs one `warning:` line and they go on with the built-in plugin.
//! - [`Need::Hooks`]: every other command (`info`, `config show`, `login`, `run`, a plugin's own
//!   commands, …): a plugin that cannot be loaded is an error.

use std::ffi::OsString;

/// What a command needs of the active plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// No plugin: the built-in CLI is enough and no library is loaded.
    Nothing,
    /// The plugin if it loads, else the built-in plugin after a warning.
    Lenient,
    /// The plugin, or an error.
    Hooks,
}

/// The `plugin …` subcommands that manage or inspect libraries without loading the active one.
const PLUGIN_MANAGEMENT: &[&str] = &[
    "list", "check", "install", "remove", "verify", "use", "manifest", "new",
];

/// What the command line `args` (program name first) needs; `words` are its command words (see
/// [`crate::cli::requested_words`]).
pub(crate) fn of(args: &[OsString], words: &[String]) -> Need {
    // Options before a `--` only: after it, `--help` is a value.
    let options = || {
        args.iter()
            .skip(1)
            .take_while(|a| *a != "--")
            .map(|a| a.to_string_lossy())
    };
    if options().any(|a| a == "--help" || is_short_flag(&a, 'h')) {
        return Need::Lenient;
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] if options().any(|a| a == "--version" || is_short_flag(&a, 'V')) => Need::Nothing,
        [] | ["help", ..] | ["completion", ..] | ["plugin"] | ["plugin", "show", ..] => {
            Need::Lenient
        }
        ["version", ..] if !options().any(|a| a == "--remote") => Need::Nothing,
        ["config", "init", ..] => Need::Nothing,
        ["plugin", sub, ..] if PLUGIN_MANAGEMENT.contains(sub) => Need::Nothing,
        ["plugin", ..] => Need::Lenient,
        _ => Need::Hooks,
    }
}

/// Whether `arg` is a bundle of short flags (`-vh`) holding `flag`.
fn is_short_flag(arg: &str, flag: char) -> bool {
    arg.strip_prefix('-')
        .filter(|rest| !rest.starts_with('-') && !rest.is_empty())
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_alphabetic()) && rest.contains(flag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(line: &str) -> Need {
        let args: Vec<OsString> = std::iter::once("flyte-host")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect();
        of(&args, &crate::cli::requested_words(&args))
    }

    #[test]
    fn each_command_family() {
        for line in [
            "--version",
            "-V",
            "version",
            "-o json version",
            "config init --host x",
            "plugin list",
            "plugin check lib.so",
            "plugin install x.toml",
            "plugin remove myorg",
            "plugin verify",
            "plugin use builtin",
            "plugin manifest lib.so --url u",
            "plugin new acme",
        ] {
            assert_eq!(need(line), Need::Nothing, "{line}");
        }
        for line in [
            "",
            "--help",
            "-h",
            "info --help",
            "-vh",
            "help",
            "help info",
            "completion bash",
            "plugin",
            "plugin show",
        ] {
            assert_eq!(need(line), Need::Lenient, "{line}");
        }
        for line in [
            "info",
            "version --remote",
            "config show",
            "run hello --version 3",
            "boom",
            "get projects",
            "-c x.yaml info",
            "task show -- --help",
        ] {
            assert_eq!(need(line), Need::Hooks, "{line}");
        }
    }
}
