//! The host's error type and the one printer that turns any error into a short paragraph.

use std::io::Write;

use crate::{
    auth::AuthError, config::ConfigError, install::InstallError, loader::LoadError,
    packaged::PackagedError, plugin::HookError, plugin_dir::PluginDirError, remote::RemoteError,
    tasks::TaskError,
};

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The plugin could not be selected or loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A hook failed, panicked or answered nonsense.
    #[error(transparent)]
    Hook(#[from] HookError),
    /// Installing, removing or verifying a plugin failed.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// A config file or `FLYTE_*` variable is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A plugin command failed.
    #[error("plugin {plugin} failed in command `{command}`: {message}")]
    Command {
        /// The plugin's label.
        plugin: String,
        /// The command path.
        command: String,
        /// What went wrong.
        message: String,
    },
    /// A plugin command panicked (the panic was caught inside the plugin).
    #[error("plugin {plugin} panicked in command `{command}` {message}. This is a bug in the plugin: report it to its authors.")]
    CommandPanicked {
        /// The plugin's label.
        plugin: String,
        /// The command path.
        command: String,
        /// Where it panicked and its message (`at src/lib.rs:12: …`).
        message: String,
    },
    /// An error already worded for the user.
    #[error("{0}")]
    Message(String),
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

// The errors of the domain modules are already worded for the user: they become messages here,
// at the top, so those modules never depend on this one.
impl From<AuthError> for Error {
    fn from(error: AuthError) -> Self {
        Error::Message(error.to_string())
    }
}

impl From<PluginDirError> for Error {
    fn from(error: PluginDirError) -> Self {
        Error::Install(InstallError::Dir(error))
    }
}

impl From<crate::trust::TrustError> for Error {
    fn from(error: crate::trust::TrustError) -> Self {
        Error::Install(InstallError::Trust(error))
    }
}

impl From<RemoteError> for Error {
    fn from(error: RemoteError) -> Self {
        Error::Message(error.to_string())
    }
}

impl From<PackagedError> for Error {
    /// A failing hook stays a hook error.
    fn from(error: PackagedError) -> Self {
        match error {
            PackagedError::Task(e) => e.into(),
            other => Error::Message(other.to_string()),
        }
    }
}

impl From<TaskError> for Error {
    /// A failing hook stays a hook error.
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::Hook(e) => Error::Hook(e),
            other => Error::Message(other.to_string()),
        }
    }
}

impl Error {
    /// Whether this is a closed pipe (`flyte-host … | head`), which is not a failure.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    fn details(&self) -> Option<&str> {
        match self {
            Error::Load(e) => e.details(),
            _ => None,
        }
    }
}

/// Prints `error: …` to stderr; with `verbose`, also the full report behind a condensed error.
pub(crate) fn print(err: &Error, verbose: bool) {
    let human = crate::terminal::human;
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", human(&err.to_string()));
    if let (true, Some(details)) = (verbose, err.details()) {
        let _ = writeln!(stderr, "\nfull report:\n{}", human(details));
    }
}
