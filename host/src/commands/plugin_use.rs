//! `flyte-host plugin use NAME [NAME…]|builtin`: choose the active plugins, persistently, as a
//! stack, top layer first (installed plugins' names, or loose libraries' file names in the plugin
//! directory; see [`crate::loader::Choice`]); `plugin use builtin` clears the stack.
//! `FLYTEKIT_PLUGIN` still overrides the choice for one command.

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install::{self, lock::Guard, lock::Lock, seal, InstallError},
    loader::{self, Choice, LoadError},
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("use")
        .about("Choose the active plugins, a stack with the top layer first (persistent; FLYTEKIT_PLUGIN overrides it for one command)")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .action(ArgAction::Append)
                .help("Installed plugins' names or loose libraries' file names in the plugin directory (libNAME.so), top layer first; or `builtin` alone for the built-in plugin only"),
        )
}

/// The choice the names on the command line make, each checked to name a plugin of plugin
/// directory `dir`.
fn choice_of(names: &[String], dir: &std::path::Path) -> Result<Choice, Error> {
    if let [only] = names {
        if loader::is_builtin_word(only) {
            return Ok(Choice::Builtin);
        }
    }
    let lock = Lock::read(dir).map_err(Error::from)?;
    for (i, name) in names.iter().enumerate() {
        if loader::is_builtin_word(name) {
            return Err(Error::Message(format!(
                "plugin use: `{name}` can only stand alone (`flyte-host plugin use builtin`): the built-in plugin is always the bottom layer of a stack"
            )));
        }
        if names[..i].contains(name) {
            return Err(LoadError::DuplicateLayer {
                what: format!("`{name}`"),
                stack: "the command line".to_owned(),
            }
            .into());
        }
        if lock.get(name).is_none() && loader::loose_library(dir, name).is_none() {
            let loose = loader::drop_in_libraries(dir).unwrap_or_default();
            let names: Vec<String> = lock
                .plugins
                .iter()
                .map(|e| e.name.clone())
                .chain(
                    loose
                        .iter()
                        .filter_map(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned()),
                )
                .collect();
            return Err(Error::from(InstallError::NotInstalled {
                name: name.clone(),
                dir: dir.to_owned(),
                installed: if names.is_empty() {
                    "none; `plugin use builtin` selects the built-in plugin".into()
                } else {
                    format!("{}, or `builtin`", names.join(", "))
                },
            }));
        }
    }
    Ok(Choice::Stack(names.to_vec()))
}

/// Records the choice; prints it.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let names: Vec<String> = matches
        .get_many::<String>("name")
        .map(|n| n.cloned().collect())
        .unwrap_or_default();
    let dir = install::plugin_dir_from_env().map_err(Error::from)?;
    let choice = choice_of(&names, &dir)?;
    record(&dir, &choice)?;
    print(&choice, &dir, "chosen with `plugin use`")?;
    if std::env::var_os("FLYTEKIT_PLUGIN").is_some_and(|v| !v.is_empty()) {
        crate::say!(
            "note: FLYTEKIT_PLUGIN is set in this environment: it overrides this choice until it is unset."
        );
    }
    Ok(0)
}

/// The stack in one line for a person: `acme → myorg`, or `builtin`.
pub(super) fn shown(choice: &Choice) -> String {
    match choice.names() {
        [] => "builtin".to_owned(),
        names => names.join(" → "),
    }
}

/// Prints the recorded `choice` of plugin directory `dir` (`how` it came to be).
pub(super) fn print(choice: &Choice, dir: &std::path::Path, how: &str) -> Result<(), Error> {
    let file = Choice::file(dir);
    let stack: Vec<&str> = choice
        .names()
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("builtin"))
        .collect();
    if json_output() {
        output::document(&json!({
            "active": choice.name(),
            "stack": stack,
            "file": file.display().to_string(),
        }))?;
    } else {
        output::pairs(&[
            ("active", format!("{} ({how})", shown(choice))),
            ("recorded in", file.display().to_string()),
        ])?;
    }
    Ok(())
}

/// Writes `choice` into plugin directory `dir` under the directory's advisory lock, and seals the
/// directory again (the new file changed it).
pub(super) fn record(dir: &std::path::Path, choice: &Choice) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::from(InstallError::io(dir, e));
    crate::atomic_file::create_dirs(dir).map_err(io)?;
    {
        let _guard = Guard::acquire(dir).map_err(Error::from)?;
        choice.write(dir).map_err(io)?;
    }
    seal::seal(dir);
    Ok(())
}
