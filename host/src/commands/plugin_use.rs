//! `flyte-host plugin use NAME|builtin`: choose which plugin is active, persistently (an installed
//! plugin's name, or a loose library's file name in the plugin directory)
//! (see [`crate::loader::Choice`]); `FLYTEKIT_PLUGIN` still overrides the choice for one command.

use clap::{Arg, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    install::{self, lock::Guard, lock::Lock, seal, InstallError},
    loader::{self, Choice},
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("use")
        .about("Choose the active plugin among those in the plugin directory (persistent; FLYTEKIT_PLUGIN overrides it for one command)")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("An installed plugin's name, a loose library's file name in the plugin directory (libNAME.so), or `builtin` for the built-in plugin"),
        )
}

/// Records the choice; prints it.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .ok_or_else(|| Error::Message("plugin use: a NAME is required".into()))?;
    let dir = install::plugin_dir_from_env().map_err(Error::from)?;
    let choice = if name.eq_ignore_ascii_case("builtin") || name.eq_ignore_ascii_case("none") {
        Choice::Builtin
    } else {
        let lock = Lock::read(&dir).map_err(Error::from)?;
        if lock.get(name).is_none() && loader::loose_library(&dir, name).is_none() {
            let loose = loader::drop_in_libraries(&dir).unwrap_or_default();
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
                dir: dir.clone(),
                installed: if names.is_empty() {
                    "none; `plugin use builtin` selects the built-in plugin".into()
                } else {
                    format!("{}, or `builtin`", names.join(", "))
                },
            }));
        }
        Choice::Plugin(name.clone())
    };
    record(&dir, &choice)?;
    let file = Choice::file(&dir);
    if json_output() {
        output::json(&json!({"active": choice.name(), "file": file.display().to_string()}))?;
    } else {
        output::pairs(&[
            (
                "active",
                format!("{} (chosen with `plugin use`)", choice.name()),
            ),
            ("recorded in", file.display().to_string()),
        ])?;
    }
    if std::env::var_os("FLYTEKIT_PLUGIN").is_some_and(|v| !v.is_empty()) {
        crate::say!(
            "note: FLYTEKIT_PLUGIN is set in this environment: it overrides this choice until it is unset."
        );
    }
    Ok(0)
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
