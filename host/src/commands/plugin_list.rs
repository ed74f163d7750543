//! `flyte-host plugin list [-o json]`: every plugin found — installed, dropped into the plugin
//! directory, named by `FLYTEKIT_PLUGIN` — with version, ABI, source, whether it is active, and
//! for a broken one the reason, and where the choice of the active plugin came from. No library is
//! loaded in this process: each is checked for its structure and in child processes, so a broken
//! or crashing library is reported, never fatal.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use clap::{ArgMatches, Command};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install::{self, lock::Lock},
    loader::{self, Origin, Selection},
};

/// Where the choice of the active plugin came from: a short key (`FLYTEKIT_PLUGIN`, `plugin use`,
/// `only plugin installed`, `only drop-in`, `default`) and the words for a person.
fn chosen_by(selection: &Selection) -> (&'static str, String) {
    match selection {
        Selection::Builtin(reason) if reason.contains("FLYTEKIT_PLUGIN") => {
            ("FLYTEKIT_PLUGIN", (*reason).to_owned())
        }
        Selection::Builtin(reason) if reason.contains("plugin use") => {
            ("plugin use", (*reason).to_owned())
        }
        Selection::Builtin(reason) => ("default", (*reason).to_owned()),
        Selection::Layers(layers) => match &layers[0].origin {
            Origin::EnvVar | Origin::Check => {
                ("FLYTEKIT_PLUGIN", "chosen by FLYTEKIT_PLUGIN".into())
            }
            Origin::Chosen(_) => (
                "plugin use",
                "the recorded choice (`flyte-host plugin use`, or `plugin install`)".into(),
            ),
            Origin::Installed(_) => ("only plugin installed", "the only plugin installed".into()),
            Origin::DropIn(_) => (
                "only drop-in",
                "the only library in the plugin directory".into(),
            ),
        },
    }
}

/// One row of the list.
struct Row {
    name: String,
    version: String,
    abi: String,
    kind: &'static str,
    source: String,
    path: Option<PathBuf>,
    /// Chosen by the selection rules (`FLYTEKIT_PLUGIN`, the plugin directory).
    selected: bool,
    /// Selected and working: what commands other than `plugin …` run with.
    active: bool,
    /// Its place in the selected stack, 1 for the top.
    layer: Option<usize>,
    problem: Option<String>,
}

impl Row {
    fn json(&self) -> Value {
        json!({
            "name": self.name,
            "version": self.version,
            "abi_version": self.abi,
            "kind": self.kind,
            "source": self.source,
            "path": self.path.as_ref().map(|p| p.display().to_string()),
            "selected": self.selected,
            "active": self.active,
            "layer": self.layer,
            "ok": self.problem.is_none(),
            "reason": self.problem,
        })
    }
}

/// A row for a library that is not in the lock: what the check says about it.
fn checked_row(path: &Path, kind: &'static str, source: String) -> Row {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (name, version, abi, problem) =
        match install::check_standalone(path, &path.display().to_string()) {
            Ok(c) => (c.name, c.version, c.abi, None),
            Err(install::InstallError::CheckFailed { reason, .. }) => {
                (stem, "-".into(), "-".into(), Some(reason))
            }
            Err(e) => (stem, "-".into(), "-".into(), Some(e.to_string())),
        };
    Row {
        name,
        version,
        abi,
        kind,
        source,
        path: Some(path.to_owned()),
        selected: false,
        active: false,
        layer: None,
        problem,
    }
}

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("list").about(
        "List every plugin found (installed, drop-in, FLYTEKIT_PLUGIN), which is active, and why one is broken",
    )
}

/// Lists the plugins; never fails because one of them is broken.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let env_value = std::env::var_os("FLYTEKIT_PLUGIN").filter(|v| !v.is_empty());
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = loader::plugin_dir(std::env::var_os("FLYTE_PLUGIN_DIR"), home.clone())?;
    let selection = loader::select(
        env_value.clone(),
        std::env::var_os("FLYTE_PLUGIN_DIR"),
        home,
    );
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    if let Some(dir) = &dir {
        add_installed(dir, &mut rows, &mut notes);
        add_drop_ins(dir, &mut rows, &mut notes);
    }
    let stack = selected_paths(&selection, &rows, &mut notes);
    if env_value.is_some() {
        for (path, spec) in &stack {
            add_named_by_env(path, spec, &mut rows);
        }
    }
    mark_selected(&stack, &mut rows, &mut notes);
    rows.push(builtin_row(&selection));
    let chosen = selection.as_ref().ok().map(chosen_by);
    let (chosen_key, chosen_text) = (chosen.as_ref().map(|c| c.0), chosen.map(|c| c.1));
    if json_output() {
        crate::output::document(&json!({
            "plugin_dir": dir.map(|d| d.display().to_string()),
            "plugins": rows.iter().map(Row::json).collect::<Vec<_>>(),
            "chosen_by": chosen_key,
            "notes": notes,
        }))?;
    } else {
        print_table(&rows, chosen_text.as_deref(), &notes)?;
    }
    Ok(0)
}

/// A row per plugin in the lock of `dir`, each checked against its lock entry, its permissions
/// and in a child process; an unreadable lock is a note.
fn add_installed(dir: &Path, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let lock = match Lock::read(dir) {
        Ok(lock) => lock,
        Err(e) => return notes.push(e.to_string()),
    };
    for entry in lock.plugins {
        let path = entry.library(dir);
        let problem = loader::check_locked(&path, &entry)
            .and_then(|()| loader::check_installed_permissions(&path))
            .err()
            .map(|e| e.to_string())
            .or_else(|| {
                install::check_standalone(&path, &entry.name)
                    .err()
                    .map(|e| e.to_string())
            });
        rows.push(Row {
            name: entry.name,
            version: entry.version,
            abi: entry.abi,
            kind: "installed",
            source: entry.source,
            path: Some(path),
            selected: false,
            active: false,
            layer: None,
            problem,
        });
    }
}

/// A row per library dropped into `dir`, each checked in a child process; an unreadable
/// directory is a note.
fn add_drop_ins(dir: &Path, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    match loader::drop_in_libraries(dir) {
        Ok(files) => rows.extend(
            files
                .iter()
                .map(|f| checked_row(f, "drop-in", format!("drop-in directory {}", dir.display()))),
        ),
        Err(e) => notes.push(e.to_string()),
    }
}

/// The libraries the selection rules chose, top first, each with how the user named it; a
/// selection that failed is a note (once: not again when a row already reports the same problem).
fn selected_paths(
    selection: &Result<Selection, loader::LoadError>,
    rows: &[Row],
    notes: &mut Vec<String>,
) -> Vec<(PathBuf, String)> {
    match selection {
        Ok(selection) => selection
            .layers()
            .iter()
            .map(|l| (l.path.clone(), l.spec.clone()))
            .collect(),
        Err(e) => {
            let e = e.to_string();
            if rows
                .iter()
                .any(|r| r.problem.as_deref() == Some(e.as_str()))
            {
                notes.push("no plugin is active: the plugin directory's problem above stops every command that calls plugin hooks (`--help`, `--version` and `plugin …` go on with the built-in plugin)".to_owned());
            } else {
                notes.push(format!("no plugin is active: {e}"));
            }
            Vec::new()
        }
    }
}

/// A row for the library `FLYTEKIT_PLUGIN` names (`spec`) at `path`, unless it is already listed.
fn add_named_by_env(path: &Path, spec: &str, rows: &mut Vec<Row>) {
    if !rows.iter().any(|r| r.path.as_deref() == Some(path)) {
        rows.push(checked_row(
            path,
            "FLYTEKIT_PLUGIN",
            format!("FLYTEKIT_PLUGIN: {spec}"),
        ));
    }
}

/// Marks the rows of the selected stack (`stack`, top first): selected, with their layer, and
/// active unless broken or failing their `FLYTE_PLUGIN_SHA256` pin (then a note says what that
/// stops).
fn mark_selected(stack: &[(PathBuf, String)], rows: &mut [Row], notes: &mut Vec<String>) {
    if stack.is_empty() {
        return;
    }
    // The pins apply to the libraries selected, as at start-up.
    let pins = loader::pins(std::env::var_os("FLYTE_PLUGIN_SHA256"), stack.len());
    for (i, (path, _)) in stack.iter().enumerate() {
        let Some(row) = rows.iter_mut().find(|r| r.path.as_deref() == Some(path)) else {
            continue;
        };
        if row.problem.is_none() {
            row.problem = match &pins {
                Ok(pins) => loader::check_pin(path, pins[i].clone())
                    .err()
                    .map(|e| e.to_string()),
                Err(e) => Some(e.to_string()),
            };
        }
        // A selected plugin that is broken is not active: other commands refuse to start.
        row.selected = true;
        row.layer = Some(i + 1);
        row.active = row.problem.is_none();
        if !row.active {
            let which = if stack.len() == 1 {
                format!("'{}'", row.name)
            } else {
                format!("'{}' (layer {} of {})", row.name, i + 1, stack.len())
            };
            notes.push(format!(
                "no plugin is active: the selected plugin {which} is broken, so commands that call plugin hooks fail until it is fixed or another is chosen (`--help`, `--version` and `plugin …` go on with the built-in plugin)"
            ));
        }
    }
    // One broken layer stops the whole stack.
    if rows.iter().any(|r| r.selected && !r.active) {
        for row in rows.iter_mut() {
            row.active = false;
        }
    }
}

/// The built-in plugin's row, selected and active when no library is.
fn builtin_row(selection: &Result<Selection, loader::LoadError>) -> Row {
    let chosen = matches!(selection, Ok(Selection::Builtin(_)));
    Row {
        name: "builtin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        abi: flyte_plugin_abi::AbiVersion::CURRENT.to_string(),
        kind: "built-in",
        source: "flyte-host".into(),
        path: None,
        selected: chosen,
        active: chosen,
        layer: chosen.then_some(1),
        problem: None,
    }
}

/// The table (fitted to the terminal like every table), where the choice came from, then why
/// each broken plugin is broken.
fn print_table(rows: &[Row], chosen: Option<&str>, notes: &[String]) -> std::io::Result<()> {
    // A stack of several shows each selected layer's place instead of a star.
    let stacked = rows.iter().filter(|r| r.layer.is_some()).count() > 1;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                match (r.active, r.layer) {
                    (_, Some(layer)) if stacked => layer.to_string(),
                    (true, _) => "*".to_owned(),
                    _ => String::new(),
                },
                r.name.clone(),
                r.version.clone(),
                r.abi.clone(),
                r.kind.to_owned(),
                r.source.clone(),
            ]
        })
        .collect();
    crate::output::table(&["", "NAME", "VERSION", "ABI", "KIND", "SOURCE"], &cells)?;
    let mut out = std::io::stdout().lock();
    let mut stack: Vec<&Row> = rows.iter().filter(|r| r.layer.is_some()).collect();
    stack.sort_by_key(|r| r.layer);
    if let (Some(chosen), false) = (chosen, stack.is_empty()) {
        let names: Vec<&str> = stack.iter().map(|r| r.name.as_str()).collect();
        if names.len() == 1 {
            writeln!(out, "selected: {} ({chosen})", names[0])?;
        } else {
            writeln!(out, "selected: {} → builtin ({chosen})", names.join(" → "))?;
        }
    }
    for row in rows {
        if let Some(problem) = &row.problem {
            writeln!(out, "broken: {}: {problem}", row.name)?;
        }
    }
    for note in notes {
        writeln!(out, "note: {note}")?;
    }
    out.flush()
}
