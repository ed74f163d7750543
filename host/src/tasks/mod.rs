//! Task specs (TOML container tasks) with the organization's defaults applied through the active
//! plugin's hooks, and their FlyteAdmin `TaskCreateRequest` form.
//!
//! [`load_and_resolve`] reads and validates task files and applies the plugin's default image,
//! secret group rule and cache policies (recording where each value came from), [`task_create_request`]
//! builds what FlyteAdmin receives and [`default_version`] versions a set of tasks by their content.

mod admin;
mod cache;
mod error;
mod parse;
mod resolve;
mod spec;
#[cfg(test)]
mod tests;
mod values;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

pub(crate) use admin::{task_create_request, write_task_create_request};
pub(crate) use error::TaskError;
pub(crate) use resolve::{Hooks, ResolvedTask, Source};
pub(crate) use spec::{Resource, TaskSpec, Variable};

/// Reads and validates `files`, in order: every task of every file, names unique across them.
/// Every problem of every file is reported at once (up to a cap), not only the first.
#[cfg(test)]
fn load(files: &[PathBuf]) -> Result<Vec<TaskSpec>, TaskError> {
    let (specs, problems) = load_partly(files);
    problems.into_result(specs)
}

/// Reads `files` as [`load`] does and applies the active plugin's defaults as [`resolve`] does,
/// reporting the problems of both in one run: a task that is valid is checked against the
/// plugin's defaults even when another task (of the same file or another) is not.
///
/// # Errors
///
/// Every problem found (up to a cap), by file and line; or the one failing hook.
pub(crate) fn load_and_resolve(
    files: &[PathBuf],
    plugin: &crate::plugin::ActivePlugin,
) -> Result<Vec<ResolvedTask>, TaskError> {
    let (specs, mut problems) = load_partly(files);
    let resolved = resolve::resolve_partly(specs, plugin, &mut problems)?;
    problems.sort_by_file_and_line(files);
    problems.into_result(resolved)
}

/// The valid tasks of `files` and the problems of the rest.
fn load_partly(files: &[PathBuf]) -> (Vec<TaskSpec>, error::Problems) {
    let mut specs = Vec::new();
    let mut problems = error::Problems::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for file in files {
        let text = crate::input::read_text(file, crate::input::TASK_MAX).map_err(|error| {
            TaskError::Read {
                path: file.clone(),
                error,
            }
        });
        let Some(text) = problems.take(text) else {
            continue;
        };
        let (file_specs, file_problems) = parse::file_partly(file, &text);
        if let Err(e) = file_problems.into_result(()) {
            problems.push(e);
        }
        for spec in file_specs {
            if let Some(&first) = seen.get(&spec.name) {
                let first: &TaskSpec = &specs[first];
                problems.push(TaskError::Duplicate {
                    name: spec.name.clone(),
                    first: first.location.clone(),
                    at: spec.location,
                });
                continue;
            }
            seen.insert(spec.name.clone(), specs.len());
            specs.push(spec);
        }
    }
    (specs, problems)
}

/// Parses and validates the tasks of one file's text, as [`load`] does once it is read (the
/// fuzzers' entry).
pub(crate) fn parse_text(path: &Path, text: &str) -> Result<Vec<TaskSpec>, TaskError> {
    parse::file(path, text)
}

/// The version tasks get when the user names none: a hash of everything packaged for them
/// (independent of file order), so any change to any task gives a new version.
pub(crate) fn default_version(tasks: &[ResolvedTask]) -> String {
    let mut ordered: Vec<&ResolvedTask> = tasks.iter().collect();
    ordered.sort_by(|a, b| a.name().cmp(b.name()));
    let mut hasher = Sha256::new();
    for task in ordered {
        hasher.update(task.name().as_bytes());
        hasher.update([0]);
        // Cannot fail: the hasher's writer never fails and every map key is a string.
        let _ = admin::write_template_body(task, &mut hasher);
        hasher.update([0]);
    }
    let digest = format!("{:x}", hasher.finalize());
    digest[..DEFAULT_VERSION_LEN].to_owned()
}

/// How many hex digits of the hash make a default version.
const DEFAULT_VERSION_LEN: usize = 32;

/// Checks a version the user gave (`--version`): FlyteAdmin puts it in URL paths.
pub(crate) fn check_version(version: &str) -> Result<(), TaskError> {
    let message = if version.is_empty() {
        Some("it is empty")
    } else if version.len() > 128 {
        Some("it is longer than 128 characters")
    } else if !version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-+=".contains(c))
    {
        Some("use letters, digits and . _ - + = only")
    } else {
        None
    };
    match message {
        Some(message) => Err(TaskError::Version {
            version: version.to_owned(),
            message: message.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The SHA-256 hex of `text`.
fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}
