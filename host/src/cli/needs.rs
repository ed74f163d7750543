//! What a command line needs of the active plugin, decided before any plugin is looked at:
//! a library is only loaded into the host's process when the command calls its hooks. Each
//! built-in command declares when it [`Loads`] the plugin in the list of commands
//! (`commands::ALL`); the command line adds its own cases:
//!
//! - [`Need::Nothing`]: `--version`, and the commands that say so: `version` (without
//!   `--remote`), `config init`, and the plugin management commands
//!   `plugin list|check|install|remove|verify|use|manifest|new` never load the active plugin
//!   (`check`, `list` and `install` try libraries in child processes).
//! - [`Need::Lenient`]: `--help` (and `-h`, anywhere), `help`, a bare command line, and the
//!   commands that say so (`completion`, `plugin show`, the `plugin` group): they show the
//!   plugin's commands, so they load it, but a plugin that cannot be selected or loaded costs
//!   one `warning:` line and they go on with the built-in plugin.
//! - [`Need::Hooks`]: every other command (`info`, `config show`, `login`, `run`, a plugin's own
//!   commands, …): a plugin that cannot be loaded is an error.

use std::ffi::OsString;

use super::Def;

/// What a command line needs of the active plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// No plugin: the built-in CLI is enough and no library is loaded.
    Nothing,
    /// The plugin if it loads, else the built-in plugin after a warning.
    Lenient,
    /// The plugin, or an error.
    Hooks,
}

/// When a built-in command loads the active plugin, as it declares in the list of commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loads {
    /// Never ([`Need::Nothing`]).
    Never,
    /// Only when this option is given (`version --remote`), then as [`Loads::Always`].
    NeverUnless(&'static str),
    /// To show its commands, going on without it when it cannot load ([`Need::Lenient`]).
    Leniently,
    /// To call its hooks ([`Need::Hooks`]).
    Always,
}

/// What the command line `args` (program name first) needs of the commands `defs`; `words` are
/// its command words (see [`super::requested_words`]).
pub(crate) fn of(args: &[OsString], words: &[String], defs: &[Def]) -> Need {
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
    match words.first().map(String::as_str) {
        None if options().any(|a| a == "--version" || is_short_flag(&a, 'V')) => Need::Nothing,
        None | Some("help") => Need::Lenient,
        Some(_) => {
            // The built-in command or group the words are in: the one with the longest path.
            let def = defs
                .iter()
                .filter(|d| words.get(..d.path.len()).is_some_and(|head| d.is_at(head)))
                .max_by_key(|d| d.path.len());
            match def.map(|d| d.loads) {
                Some(Loads::Never) => Need::Nothing,
                Some(Loads::NeverUnless(option)) if !options().any(|a| a == option) => {
                    Need::Nothing
                }
                Some(Loads::Leniently) => Need::Lenient,
                // A plugin's own command, or a typo clap will answer, needs the plugin too.
                Some(Loads::NeverUnless(_) | Loads::Always) | None => Need::Hooks,
            }
        }
    }
}

/// Whether `arg` is a bundle of short flags (`-vh`) holding `flag`.
fn is_short_flag(arg: &str, flag: char) -> bool {
    arg.strip_prefix('-')
        .filter(|rest| !rest.starts_with('-') && !rest.is_empty())
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_alphabetic()) && rest.contains(flag))
}
