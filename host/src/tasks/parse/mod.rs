//! Reading a task file: TOML parsed with spans, every `[[task]]` table checked field by field so
//! each error names the file, the line, the task and the field.

use std::{fmt, ops::Range, path::Path, sync::Arc};

use toml::{
    de::{DeTable, DeValue},
    Spanned,
};

use super::{
    error::{Problems, TaskError},
    spec::{Location, TaskSpec},
    values,
};

mod chunks;
mod fields;

/// The fields of a `[[task]]` table.
const TASK_FIELDS: &[&str] = &[
    "name",
    "command",
    "args",
    "inputs",
    "outputs",
    "image",
    "secrets",
    "cache",
    "cache_serialize",
    "retries",
    "timeout",
    "resources",
    "env",
];

/// The fields of a secret.
const SECRET_FIELDS: &[&str] = &["group", "key", "group_version", "mount"];

/// The fields of a cache table.
const CACHE_FIELDS: &[&str] = &["version", "salt", "policies", "serialize", "ignored_inputs"];

type Value<'i> = Spanned<DeValue<'i>>;

/// A field's name for messages, formatted only when an error needs it.
type Field<'f> = &'f dyn fmt::Display;

/// `field[i]`.
struct Indexed<'f>(Field<'f>, usize);

impl fmt::Display for Indexed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// `field.key`.
struct Keyed<'f, 'k>(Field<'f>, &'k str);

impl fmt::Display for Keyed<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// A task file's text, for turning byte offsets into lines.
pub(super) struct Doc {
    path: Arc<Path>,
    line_starts: Vec<usize>,
}

impl Doc {
    fn new(path: &Path, text: &str) -> Doc {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Doc {
            path: Arc::from(path),
            line_starts,
        }
    }

    /// The location of byte `offset`.
    fn at(&self, offset: usize) -> Location {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        Location {
            file: Arc::clone(&self.path),
            line,
        }
    }
}

/// At least this many `[[task]]` tables per parsing thread.
const TASKS_PER_THREAD: usize = 128;

/// Parses and validates the tasks of one file, one `[[task]]` at a time, reporting every problem
/// found (up to [`MAX_REPORTED`](super::error::MAX_REPORTED)), in file order; a large file is
/// parsed by a few threads, each taking a run of consecutive tasks.
pub(super) fn file(path: &Path, text: &str) -> Result<Vec<TaskSpec>, TaskError> {
    let (specs, problems) = file_partly(path, text);
    problems.into_result(specs)
}

/// The tasks of `text` that are valid, and the problems of the others (so that the valid ones
/// can still be checked against the plugin's defaults in the same run).
pub(super) fn file_partly(path: &Path, text: &str) -> (Vec<TaskSpec>, Problems) {
    let doc = Doc::new(path, text);
    let pieces = chunks::split(text);
    let runs = crate::parallel::runs(pieces.len(), TASKS_PER_THREAD, |run| {
        let mut specs = Vec::with_capacity(run.len());
        let mut problems = Problems::default();
        for piece in &pieces[run] {
            piece_tasks(
                &doc,
                &text[piece.clone()],
                piece.start,
                &mut specs,
                &mut problems,
            );
        }
        Ok::<_, std::convert::Infallible>((specs, problems))
    });
    let mut specs = Vec::new();
    let mut problems = Problems::default();
    for (run_specs, run_problems) in runs.into_iter().flatten() {
        specs.extend(run_specs);
        if let Err(e) = run_problems.into_result(()) {
            problems.push(e);
        }
    }
    if specs.is_empty() && problems.is_empty() {
        problems.push(TaskError::Layout {
            at: doc.at(0),
            message: "the file declares no tasks: add a [[task]] table".into(),
        });
    }
    problems.sort_by_line();
    (specs, problems)
}

/// Parses the tasks of `piece`, which starts at byte `base` of the file, onto `specs`, and its
/// problems onto `problems`.
fn piece_tasks(
    doc: &Doc,
    piece: &str,
    base: usize,
    specs: &mut Vec<TaskSpec>,
    problems: &mut Problems,
) {
    let layout = |offset: usize, message: String| TaskError::Layout {
        at: doc.at(base + offset),
        message,
    };
    let root = match DeTable::parse(piece) {
        Ok(root) => root,
        Err(e) => {
            return problems.push(TaskError::Syntax {
                at: doc.at(base + e.span().map_or(0, |s| s.start)),
                message: e.message().trim().to_owned(),
            })
        }
    };
    let root = root.get_ref();
    for (key, _) in root.iter() {
        if key.get_ref() != "task" {
            let hint = crate::text::did_you_mean(key.get_ref(), &["task"]);
            problems.push(layout(
                key.span().start,
                format!(
                    "`{}` is not a key of a task file{hint}: declare each task as a [[task]] table",
                    key.get_ref()
                ),
            ));
        }
    }
    let Some(tasks) = root.get("task") else {
        return;
    };
    let DeValue::Array(items) = tasks.get_ref() else {
        return problems.push(layout(
            tasks.span().start,
            "`task` must be an array of tables: write [[task]], not [task] or task = …".into(),
        ));
    };
    for item in items.iter() {
        match item.get_ref() {
            DeValue::Table(table) => {
                if let Some(spec) = Task::new(doc, base, item.span()).parse(table, problems) {
                    specs.push(spec);
                }
            }
            other => problems.push(layout(
                item.span().start,
                format!(
                    "each `task` must be a table ([[task]]), found {}",
                    described(other)
                ),
            )),
        }
    }
}

/// `a string`, `an integer`, …: a value's kind for messages.
fn described(value: &DeValue<'_>) -> String {
    let kind = value.type_str();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

/// One `[[task]]` table being read.
struct Task<'d> {
    doc: &'d Doc,
    /// Where the piece being parsed starts in the file.
    base: usize,
    /// `task 'name'`, or `unnamed task` until the name is known.
    label: String,
    /// Where the table starts.
    at: Location,
}

impl<'d> Task<'d> {
    fn new(doc: &'d Doc, base: usize, span: Range<usize>) -> Task<'d> {
        Task {
            doc,
            base,
            label: "unnamed task".to_owned(),
            at: doc.at(base + span.start),
        }
    }

    /// The location of byte `offset` of the piece being parsed.
    fn locate(&self, offset: usize) -> Location {
        self.doc.at(self.base + offset)
    }

    fn err(&self, span: Range<usize>, field: Field<'_>, message: impl Into<String>) -> TaskError {
        TaskError::Field {
            at: self.locate(span.start),
            task: self.label.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn wrong_type(&self, value: &Value<'_>, field: Field<'_>, expected: &str) -> TaskError {
        self.err(
            value.span(),
            field,
            format!("must be {expected}, found {}", described(value.get_ref())),
        )
    }

    fn string(&self, value: &Value<'_>, field: Field<'_>) -> Result<String, TaskError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.wrong_type(value, field, "a string")),
        }
    }

    fn non_empty(&self, value: &Value<'_>, field: Field<'_>) -> Result<String, TaskError> {
        let s = self.string(value, field)?;
        if s.trim().is_empty() {
            return Err(self.err(value.span(), field, "must not be empty"));
        }
        Ok(s)
    }

    fn strings(&self, value: &Value<'_>, field: Field<'_>) -> Result<Vec<String>, TaskError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(value, field, "an array of strings"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.string(item, &Indexed(field, i)))
            .collect()
    }

    fn table<'v, 'i>(
        &self,
        value: &'v Value<'i>,
        field: Field<'_>,
    ) -> Result<&'v DeTable<'i>, TaskError> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            _ => Err(self.wrong_type(value, field, "a table")),
        }
    }

    fn boolean(&self, value: &Value<'_>, field: Field<'_>) -> Result<bool, TaskError> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type(value, field, "true or false")),
        }
    }

    /// Rejects keys of `table` that are not in `known`, with a hint; every such key is a
    /// problem of its own.
    fn known_keys(
        &self,
        table: &DeTable<'_>,
        prefix: Option<Field<'_>>,
        known: &[&str],
    ) -> Result<(), TaskError> {
        let mut problems = Problems::default();
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if !known.contains(&name) {
                let hint = crate::text::did_you_mean(name, known);
                let message = if hint.is_empty() {
                    format!("is unknown. Known fields: {}", known.join(", "))
                } else {
                    format!("is unknown{hint}")
                };
                problems.push(match prefix {
                    Some(prefix) => self.err(key.span(), &Keyed(prefix, name), message),
                    None => self.err(key.span(), &name, message),
                });
            }
        }
        problems.into_result(())
    }

    /// The task in `table`, or `None` with each of its problems (one per field) in `problems`.
    fn parse(mut self, table: &DeTable<'_>, problems: &mut Problems) -> Option<TaskSpec> {
        let mut found = Problems::default();
        let name = match table.get("name") {
            None => found.take(Err(TaskError::Field {
                at: self.at.clone(),
                task: self.label.clone(),
                field: "name".into(),
                message: "is missing: every task needs a unique name".into(),
            })),
            Some(value) => found.take(self.string(value, &"name").and_then(|name| {
                values::task_name(&name)
                    .map(|()| name)
                    .map_err(|m| self.err(value.span(), &"name", m))
            })),
        };
        if let Some(name) = &name {
            self.label = format!("task '{name}'");
        }
        found.take(self.known_keys(table, None, TASK_FIELDS));

        let command = match table.get("command") {
            None => found.take(Err(TaskError::Field {
                at: self.at.clone(),
                task: self.label.clone(),
                field: "command".into(),
                message: "is missing: every task needs the command its container runs".into(),
            })),
            Some(value) => found.take(self.strings(value, &"command").and_then(|command| {
                if command.first().is_none_or(|c| c.trim().is_empty()) {
                    return Err(self.err(
                        value.span(),
                        &"command",
                        "must name a program: it is empty",
                    ));
                }
                Ok(command)
            })),
        };
        let inputs = found.take(self.variables(table.get("inputs"), "inputs"));
        let image = found.take(
            table
                .get("image")
                .map(|v| {
                    let image = self.string(v, &"image")?;
                    crate::validate::image(&image).map_err(|m| self.err(v.span(), &"image", m))?;
                    Ok(image)
                })
                .transpose(),
        );
        let args = found.take(
            table
                .get("args")
                .map(|v| self.strings(v, &"args"))
                .transpose(),
        );
        let outputs = found.take(self.variables(table.get("outputs"), "outputs"));
        let secrets = found.take(self.secrets(table.get("secrets")));
        // The cache names inputs: checked only against inputs that parsed.
        let cache = inputs
            .as_ref()
            .and_then(|inputs| found.take(self.cache(table, inputs)));
        let retries = found.take(table.get("retries").map(|v| self.retries(v)).transpose());
        let timeout = found.take(table.get("timeout").map(|v| self.timeout(v)).transpose());
        let resources = found.take(self.resources(table.get("resources")));
        let env = found.take(self.env(table.get("env")));
        if let Err(e) = found.into_result(()) {
            problems.push(e);
            return None;
        }
        Some(TaskSpec {
            args: args?,
            outputs: outputs?,
            secrets: secrets?,
            cache: cache?,
            retries: retries?,
            timeout: timeout?,
            resources: resources?,
            env: env?,
            name: name?,
            location: self.at.clone(),
            command: command?,
            inputs: inputs?,
            image: image?,
        })
    }
}
