//! What can be wrong with task files and with the tasks after the plugin's defaults: each error
//! names the file and line, the task and the field.

use std::{io, path::PathBuf};

use crate::plugin::HookError;

use super::spec::Location;

/// Why tasks could not be loaded, resolved or packaged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TaskError {
    /// A task file cannot be read.
    #[error("cannot read task file `{}`: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
    },
    /// A task file is not valid TOML.
    #[error("{at}: invalid TOML: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Location,
        /// The parser's description.
        message: String,
    },
    /// A task file's layout is wrong (no `[[task]]`, an unknown top-level key, …).
    #[error("{at}: {message}")]
    Layout {
        /// Where.
        at: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A field of a task is missing or wrong.
    #[error("{at}: {task}: field `{field}` {message}")]
    Field {
        /// Where the field (or the task, for a missing field) is.
        at: Location,
        /// The task, as messages name it (`task 'etl.clean'`, or `unnamed task` before its name is known).
        task: String,
        /// The field's path (`retries`, `secrets[1].mount`, `cache.version`).
        field: String,
        /// What is wrong, starting with a verb (`is missing`, `must be …`).
        message: String,
    },
    /// Two tasks have the same name.
    #[error("{at}: task '{name}' is declared again (first at {first}): task names must be unique across the task files")]
    Duplicate {
        /// The task's name.
        name: String,
        /// The first declaration.
        first: Location,
        /// The second one.
        at: Location,
    },
    /// A secret has no group but the active plugin requires one.
    #[error("{at}: task '{task}': secret '{secret}' needs a group; the active plugin requires groups (plugin '{plugin}'). Add `group = \"…\"` to the secret.")]
    SecretGroup {
        /// Where the secret is declared.
        at: Location,
        /// The task.
        task: String,
        /// The secret's key.
        secret: String,
        /// The active plugin's label.
        plugin: String,
    },
    /// Caching is on with neither a version nor a policy (flytekit's "If version is not defined
    /// then at least one cache policy needs to be set").
    #[error("{at}: task '{task}': caching is on but no cache version is set and no cache policy applies ({why}). If the version is not set, at least one cache policy is needed: set `cache = {{ version = \"…\" }}` or `cache = {{ policies = [\"spec-hash\"] }}`.")]
    NoCachePolicy {
        /// Where the cache setting is.
        at: Location,
        /// The task.
        task: String,
        /// Why no policy applies.
        why: String,
    },
    /// A task names a cache policy that does not exist.
    #[error("{at}: task '{task}': field `cache.policies` names the unknown cache policy '{policy}'{detail}")]
    UnknownPolicy {
        /// Where the cache setting is.
        at: Location,
        /// The task.
        task: String,
        /// The unknown name.
        policy: String,
        /// A "did you mean" hint and the policies that exist.
        detail: String,
    },
    /// A cache policy failed to compute a version.
    #[error("{at}: task '{task}': cache policy '{policy}' failed to compute a version: {message}. Set `cache = {{ version = \"…\" }}` to version the task by hand.")]
    PolicyFailed {
        /// Where the cache setting is.
        at: Location,
        /// The task.
        task: String,
        /// The failing policy's name.
        policy: String,
        /// The policy's error.
        message: String,
    },
    /// An environment variable the host reads has an unusable value.
    #[error("environment variable {name} is invalid: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A hook of the active plugin failed.
    #[error(transparent)]
    Hook(#[from] HookError),
    /// Several of the errors above, each on its own line: a run reports every problem of its
    /// task files at once (up to [`MAX_REPORTED`]).
    #[error("{} problems in the task files:{}", .errors.len() + .more, listed(.errors, *.more))]
    Several {
        /// The errors reported, in file order.
        errors: Vec<TaskError>,
        /// How many more were found but not listed.
        more: usize,
    },
    /// A `--version` that FlyteAdmin would not accept.
    #[error("version '{version}' is invalid: {message}")]
    Version {
        /// The version.
        version: String,
        /// What is wrong.
        message: String,
    },
}

/// At most this many problems are listed; past it the message says how many more there are.
pub(super) const MAX_REPORTED: usize = 20;

/// Each error on its own indented line, then `… and N more` when some were left out.
fn listed(errors: &[TaskError], more: usize) -> String {
    let mut text: String = errors.iter().map(|e| format!("\n  {e}")).collect();
    if more > 0 {
        text.push_str(&format!(
            "\n  … and {more} more (only the first {MAX_REPORTED} are listed)"
        ));
    }
    text
}

/// The problems found so far in a run over task files, so that one run reports all of them.
#[derive(Debug, Default)]
pub(super) struct Problems {
    errors: Vec<TaskError>,
    more: usize,
}

impl Problems {
    /// Records `error` (each of a [`TaskError::Several`]'s).
    pub(super) fn push(&mut self, error: TaskError) {
        match error {
            TaskError::Several { errors, more } => {
                errors.into_iter().for_each(|e| self.push(e));
                self.more += more;
            }
            error if self.errors.len() < MAX_REPORTED => self.errors.push(error),
            _ => self.more += 1,
        }
    }

    /// `Some(value)` of `result`, recording its error otherwise.
    pub(super) fn take<T>(&mut self, result: Result<T, TaskError>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// Orders the problems by line (they are found field by field, a table's in no particular
    /// order); for the problems of one file.
    pub(super) fn sort_by_line(&mut self) {
        self.errors
            .sort_by_key(|e| e.location().map_or(0, |at| at.line));
    }

    /// Orders the problems by file, in the order of `files`, then by line (problems found while
    /// reading files and those found while applying the plugin's defaults, merged).
    pub(super) fn sort_by_file_and_line(&mut self, files: &[std::path::PathBuf]) {
        self.errors.sort_by_key(|e| match e {
            TaskError::Read { path, .. } => (files.iter().position(|f| f == path), 0),
            _ => e.location().map_or((None, 0), |at| {
                (files.iter().position(|f| **f == *at.file), at.line)
            }),
        });
    }

    /// Whether nothing was found.
    pub(super) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `value` when nothing was found; else the one error, or all of them.
    pub(super) fn into_result<T>(mut self, value: T) -> Result<T, TaskError> {
        match (self.errors.len(), self.more) {
            (0, _) => Ok(value),
            (1, 0) => Err(self.errors.remove(0)),
            _ => Err(TaskError::Several {
                errors: self.errors,
                more: self.more,
            }),
        }
    }
}

impl TaskError {
    /// Where in a task file the problem is, if it is in one.
    fn location(&self) -> Option<&Location> {
        match self {
            TaskError::Syntax { at, .. }
            | TaskError::Layout { at, .. }
            | TaskError::Field { at, .. }
            | TaskError::Duplicate { at, .. }
            | TaskError::SecretGroup { at, .. }
            | TaskError::NoCachePolicy { at, .. }
            | TaskError::UnknownPolicy { at, .. }
            | TaskError::PolicyFailed { at, .. } => Some(at),
            _ => None,
        }
    }
}
