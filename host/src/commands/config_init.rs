//! `flyte-host config init --host HOST [--insecure] [--console URL] [--force]`: writes
//! `~/.flyte/config.yaml` as `flytectl config init` does. Loads no plugin: it only writes a file.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::{
    atomic_file,
    cli::Cli,
    config::{self, Env},
    error::Error,
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("init")
        .about("Write ~/.flyte/config.yaml for a Flyte admin host (as flytectl config init)")
        .arg(
            Arg::new("host")
                .long("host")
                .value_name("HOST")
                .required(true)
                .help("Flyte admin's host[:port] (dns:///, http:// or https:// is stripped)"),
        )
        .arg(
            Arg::new("insecure")
                .long("insecure")
                .action(ArgAction::SetTrue)
                .help("Connect without TLS (plain http), as to a local sandbox"),
        )
        .arg(
            Arg::new("console")
                .long("console")
                .value_name("URL")
                .help("The Flyte console's URL, when it is not admin's"),
        )
        .arg(
            Arg::new("force")
                .long("force")
                .action(ArgAction::SetTrue)
                .help("Replace an existing ~/.flyte/config.yaml"),
        )
}

/// Writes the file (atomically; an existing one only with `--force`) and says where.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let host = matches
        .get_one::<String>("host")
        .ok_or_else(|| Error::Message("config init: --host HOST is required".into()))?;
    let text = config::init::render(
        host,
        matches.get_flag("insecure"),
        matches.get_one::<String>("console").map(String::as_str),
    )
    .map_err(|reason| Error::Message(format!("config init: {reason}")))?;
    let home = config::home_dir().ok_or_else(|| {
        Error::Message(
            "config init: HOME is not set (or not an absolute path), so there is no ~/.flyte/config.yaml to write".into(),
        )
    })?;
    let dir = home.join(".flyte");
    let path = dir.join("config.yaml");
    if path.exists() && !matches.get_flag("force") {
        return Err(Error::Message(format!(
            "config init: {} already exists; pass --force to replace it (its settings are lost), \
             or edit it by hand",
            path.display()
        )));
    }
    let written = crate::atomic_file::create_dirs(&dir)
        .and_then(|()| atomic_file::write(&path, text.as_bytes(), false));
    written.map_err(|e| {
        Error::Message(format!("config init: cannot write {}: {e}", path.display()))
    })?;
    output::pairs(&[("written", path.display().to_string())])?;
    if let Some(shadowing) = shadowed_by(&path) {
        crate::say!(
            "warning: {} is read first and hides the new file: remove it, or point the host at \
             the new file with --config {}",
            shadowing.display(),
            path.display()
        );
    }
    Ok(0)
}

/// The file the host would read instead of `written` (a `--config`-less search finds another
/// one first: `$FLYTECTL_CONFIG`, `./flytekit.config` or `~/.flyte/config`).
fn shadowed_by(written: &std::path::Path) -> Option<PathBuf> {
    let found = config::find_config_file(None, &Env::from_process()).ok()??;
    (found != written).then_some(found)
}
