//! The CLI side of the harness: the built-in CLI a plugin sees, what `configure_pyflyte_cli`
//! changed, and a command line parsed against a declared command.

use std::collections::HashMap;

use abi_stable::std_types::{RString, RVec};

use super::services::State;
use crate::{
    cli::CommandHandlerBox,
    ffi::{
        FfiArg, FfiArgKind, FfiArgValue, FfiCliChanges, FfiCliView, FfiCommand, FfiCommandInfo,
        FfiEditKind, FfiInvocation, FfiValueType,
    },
};

/// flyte-host's built-in commands for this ABI version: path, is a group, long options.
const BUILTIN: &[(&str, bool, &[&str])] = &[
    ("info", false, &[]),
    ("login", false, &["timeout"]),
    ("logout", false, &[]),
    ("whoami", false, &[]),
    ("healthcheck", false, &[]),
    ("config", true, &[]),
    (
        "config init",
        false,
        &["host", "insecure", "console", "force"],
    ),
    ("config show", false, &[]),
    ("plugin", true, &[]),
    ("plugin show", false, &[]),
    ("plugin check", false, &["in-process"]),
    ("plugin install", false, &[]),
    ("plugin list", false, &[]),
    ("plugin remove", false, &[]),
    ("plugin use", false, &[]),
    ("plugin verify", false, &[]),
    ("plugin trust", true, &[]),
    ("plugin trust add", false, &["name"]),
    ("plugin trust list", false, &[]),
    ("plugin trust remove", false, &[]),
    (
        "plugin manifest",
        false,
        &[
            "url",
            "target",
            "description",
            "sign",
            "signature",
            "signature-url",
            "out",
        ],
    ),
    ("plugin new", false, &["path", "abi-path", "abi-registry"]),
    ("plugin index", true, &[]),
    ("plugin index add", false, &[]),
    ("plugin index list", false, &[]),
    ("plugin index remove", false, &[]),
    ("plugin outdated", false, &[]),
    ("plugin upgrade", false, &[]),
    ("plugin lock", false, &["platform", "output"]),
    ("plugin sync", false, &[]),
    ("task", true, &[]),
    ("task show", false, &[]),
    ("package", false, &["output", "version"]),
    ("register", true, &["version"]),
    (
        "register files",
        false,
        &["version", "dry-run", "no-defaults"],
    ),
    (
        "run",
        false,
        &[
            "task",
            "launch-plan",
            "workflow",
            "version",
            "input",
            "inputs-file",
            "wait",
        ],
    ),
    ("get", true, &[]),
    ("get projects", false, &["limit", "all"]),
    ("get tasks", false, &["limit", "all"]),
    ("get workflows", false, &["limit", "all"]),
    ("get launch-plans", false, &["exec-file", "limit", "all"]),
    ("get executions", false, &["limit", "all"]),
    ("get execution", false, &[]),
    ("create", true, &[]),
    (
        "create execution",
        false,
        &["relaunch", "recover", "exec-file", "name", "wait"],
    ),
    ("delete", true, &[]),
    ("delete execution", false, &["reason"]),
    ("update", true, &[]),
    (
        "update launch-plan",
        false,
        &["version", "activate", "archive"],
    ),
    ("update project", false, &["activate", "archive"]),
    ("version", false, &["remote"]),
    ("completion", false, &[]),
];

/// flyte-host's global options.
const GLOBAL_OPTIONS: &[&str] = &["config", "project", "domain", "output", "verbose"];

fn rstrings<'a>(items: impl IntoIterator<Item = &'a str>) -> RVec<RString> {
    items.into_iter().map(RString::from).collect()
}

/// The built-in CLI as `configure_pyflyte_cli` sees it.
pub(super) fn builtin_view() -> FfiCliView {
    FfiCliView {
        commands: BUILTIN
            .iter()
            .map(|(path, is_group, options)| FfiCommandInfo {
                path: rstrings(path.split(' ')),
                options: rstrings(options.iter().copied()),
                is_group: *is_group,
            })
            .collect(),
        global_options: rstrings(GLOBAL_OPTIONS.iter().copied()),
    }
}

fn joined(path: &[RString]) -> String {
    path.iter()
        .map(RString::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `configure_pyflyte_cli` added to and changed in the CLI. Paths are command names
/// separated by spaces, as in [`Cli`](crate::Cli).
pub struct CliChanges {
    changes: FfiCliChanges,
}

impl CliChanges {
    pub(super) fn new(changes: FfiCliChanges) -> CliChanges {
        CliChanges { changes }
    }

    /// The paths of the commands and groups the plugin added, parents first.
    pub fn commands(&self) -> Vec<String> {
        self.changes
            .commands
            .iter()
            .map(|c| {
                let mut path = joined(&c.parent);
                if !path.is_empty() {
                    path.push(' ');
                }
                path + c.name.as_str()
            })
            .collect()
    }

    /// The added command or group at `path` (its aliases allowed for the plugin's own names).
    pub fn command(&self, path: &str) -> Option<DeclaredCommand<'_>> {
        let words: Vec<&str> = path.split_whitespace().collect();
        let (last, parents) = words.split_last()?;
        let mut parent: Vec<&str> = Vec::new();
        for word in parents {
            // A plugin group (by name or alias), else a built-in group of that name.
            let name = self.find(&parent, word).map_or(*word, |c| c.name.as_str());
            parent.push(name);
        }
        let inner = self.find(&parent, last)?;
        parent.push(inner.name.as_str());
        let is_group = self.changes.commands.iter().any(|c| {
            c.parent
                .iter()
                .map(RString::as_str)
                .eq(parent.iter().copied())
        });
        Some(DeclaredCommand { inner, is_group })
    }

    /// The added command named (or aliased) `word` under `parent`.
    fn find(&self, parent: &[&str], word: &str) -> Option<&FfiCommand> {
        self.changes.commands.iter().find(|c| {
            c.parent
                .iter()
                .map(RString::as_str)
                .eq(parent.iter().copied())
                && (c.name == word || c.aliases.iter().any(|a| a == word))
        })
    }

    fn edits(&self, kind: FfiEditKind) -> impl Iterator<Item = &crate::ffi::FfiEdit> {
        self.changes.edits.iter().filter(move |e| e.kind == kind)
    }

    /// The commands the plugin hid with [`Cli::hide`](crate::Cli::hide).
    pub fn hidden(&self) -> Vec<String> {
        self.edits(FfiEditKind::Hide)
            .map(|e| joined(&e.path))
            .collect()
    }

    /// The aliases given with [`Cli::alias`](crate::Cli::alias): (command path, alias).
    pub fn aliases(&self) -> Vec<(String, String)> {
        self.edits(FfiEditKind::Alias)
            .map(|e| (joined(&e.path), e.value.to_string()))
            .collect()
    }

    /// The defaults changed with [`Cli::set_default`](crate::Cli::set_default): (command path,
    /// `""` for a global option; option; value).
    pub fn defaults(&self) -> Vec<(String, String, String)> {
        self.edits(FfiEditKind::SetDefault)
            .map(|e| (joined(&e.path), e.option.to_string(), e.value.to_string()))
            .collect()
    }

    /// The default set for `option` of the command at `path` (`""`: a global option), the last
    /// one set winning.
    pub fn default_of(&self, path: &str, option: &str) -> Option<String> {
        self.defaults()
            .into_iter()
            .rev()
            .find(|(p, o, _)| p == path && o == option)
            .map(|(_, _, v)| v)
    }

    pub(super) fn handler(&self, path: &[RString]) -> Result<&CommandHandlerBox, String> {
        let found = self
            .command(&joined(path))
            .ok_or_else(|| format!("no plugin command '{}'", joined(path)))?;
        found.inner.handler.as_ref().into_option().ok_or_else(|| {
            format!(
                "'{}' is a group of commands: name one of them",
                joined(path)
            )
        })
    }

    /// The invocation of the command at `path` for command line `args`, checked against its
    /// declaration; `vars` supply arguments declared with `env`.
    pub(super) fn invocation(
        &self,
        path: &str,
        args: &[&str],
        vars: &HashMap<String, String>,
        globals: &State,
    ) -> Result<FfiInvocation, String> {
        let command = self.command(path).ok_or_else(|| {
            format!(
                "no plugin command '{path}': the plugin added {:?}",
                self.commands()
            )
        })?;
        let mut full: Vec<RString> = command.inner.parent.iter().cloned().collect();
        full.push(command.inner.name.clone());
        let shown = joined(&full);
        let values = parse(&command.inner.args, args, vars)
            .map_err(|m| format!("{m} (command '{shown}')"))?;
        Ok(FfiInvocation {
            path: full.into(),
            args: values,
            output: if globals.json { "json" } else { "table" }.into(),
            verbose: globals.verbose,
            project: globals.project.as_str().into(),
            domain: globals.domain.as_str().into(),
            config: globals.config.as_deref().map(RString::from).into(),
        })
    }
}

/// A command or group the plugin added, for assertions.
pub struct DeclaredCommand<'a> {
    inner: &'a FfiCommand,
    is_group: bool,
}

impl DeclaredCommand<'_> {
    /// Its one-line help.
    pub fn about(&self) -> &str {
        &self.inner.about
    }

    /// Its other names.
    pub fn aliases(&self) -> Vec<String> {
        self.inner.aliases.iter().map(|a| a.to_string()).collect()
    }

    /// Whether it is hidden from `--help`.
    pub fn is_hidden(&self) -> bool {
        self.inner.hidden
    }

    /// Whether it replaces a built-in command of the same name.
    pub fn replaces_builtin(&self) -> bool {
        self.inner.replace_builtin
    }

    /// Whether it is a group (it has subcommands and no handler).
    pub fn is_group(&self) -> bool {
        self.is_group
    }

    /// Its arguments' names, in declaration order.
    pub fn args(&self) -> Vec<String> {
        self.inner.args.iter().map(|a| a.name.to_string()).collect()
    }

    /// The default value of argument `name`.
    pub fn default_of(&self, name: &str) -> Option<String> {
        self.inner
            .args
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.default.as_ref().into_option().map(|d| d.to_string()))
    }

    /// Whether argument `name` must be given.
    pub fn is_required(&self, name: &str) -> bool {
        self.inner.args.iter().any(|a| a.name == name && a.required)
    }
}

fn check_value(arg: &FfiArg, value: &str) -> Result<(), String> {
    if !arg.choices.is_empty() && !arg.choices.iter().any(|c| c.as_str() == value) {
        return Err(format!(
            "'{value}' is not a value of '{}': choose one of {:?}",
            arg.name,
            arg.choices.iter().map(RString::as_str).collect::<Vec<_>>()
        ));
    }
    let ok = match arg.value_type {
        FfiValueType::Int => value.parse::<i64>().is_ok(),
        FfiValueType::Float => value.parse::<f64>().is_ok(),
        FfiValueType::Bool => value == "true" || value == "false",
        FfiValueType::String | FfiValueType::Path => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{value}' is not a valid value of '{}' ({:?} expected)",
            arg.name, arg.value_type
        ))
    }
}

/// `args` parsed against `decl`: `--name value`, `--name=value`, `-x value`, flags, positionals
/// in order; then `env`, defaults, required and types checked.
fn parse(
    decl: &RVec<FfiArg>,
    args: &[&str],
    vars: &HashMap<String, String>,
) -> Result<RVec<FfiArgValue>, String> {
    let mut given: HashMap<&str, Vec<String>> = HashMap::new();
    let positionals: Vec<&FfiArg> = decl
        .iter()
        .filter(|a| a.kind == FfiArgKind::Positional)
        .collect();
    let mut next_positional = 0;
    let mut words = args.iter();
    while let Some(&word) = words.next() {
        let named = if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            Some((
                decl.iter()
                    .find(|a| a.kind != FfiArgKind::Positional && a.name == name)
                    .ok_or_else(|| format!("unexpected argument '--{name}'"))?,
                inline,
            ))
        } else if let Some(short) = word.strip_prefix('-').filter(|s| s.chars().count() == 1) {
            let c = short.chars().next().map_or(0, u32::from);
            decl.iter()
                .find(|a| a.kind != FfiArgKind::Positional && a.short == c)
                .map(|a| (a, None))
        } else {
            None
        };
        match named {
            Some((arg, inline)) if arg.kind == FfiArgKind::Flag => {
                if inline.is_some() {
                    return Err(format!("flag '--{}' takes no value", arg.name));
                }
                given.insert(arg.name.as_str(), vec!["true".to_owned()]);
            }
            Some((arg, inline)) => {
                let value = match inline {
                    Some(v) => v,
                    None => words
                        .next()
                        .copied()
                        .ok_or_else(|| format!("'--{}' needs a value", arg.name))?,
                };
                let values = given.entry(arg.name.as_str()).or_default();
                if !values.is_empty() && !arg.multiple {
                    return Err(format!("'--{}' given more than once", arg.name));
                }
                values.push(value.to_owned());
            }
            None => {
                let arg = positionals
                    .get(next_positional)
                    .ok_or_else(|| format!("unexpected argument '{word}'"))?;
                given
                    .entry(arg.name.as_str())
                    .or_default()
                    .push(word.to_owned());
                if !arg.multiple {
                    next_positional += 1;
                }
            }
        }
    }
    decl.iter()
        .map(|arg| {
            let name = arg.name.as_str();
            let mut values = given.remove(name).unwrap_or_default();
            if values.is_empty() && arg.kind != FfiArgKind::Flag {
                let from_env = arg
                    .env
                    .as_ref()
                    .into_option()
                    .and_then(|var| vars.get(var.as_str()))
                    .filter(|v| !v.is_empty());
                if let Some(value) = from_env.cloned() {
                    values.push(value);
                } else if let Some(default) = arg.default.as_ref().into_option() {
                    values.push(default.to_string());
                } else if arg.required {
                    return Err(format!("the required argument '{name}' was not given"));
                }
            }
            if arg.kind == FfiArgKind::Flag && values.is_empty() {
                values.push("false".to_owned());
            }
            for value in &values {
                check_value(arg, value)?;
            }
            Ok(FfiArgValue {
                name: name.into(),
                values: values.into_iter().map(RString::from).collect(),
            })
        })
        .collect()
}
