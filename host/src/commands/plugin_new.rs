//! `flyte-host plugin new NAME [--path DIR]`: scaffold a ready-to-build plugin crate.

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};

use crate::{
    cli::Cli,
    error::Error,
    install::scaffold::{self, AbiSource},
    output,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("new")
        .about("Create a ready-to-build plugin crate")
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("The plugin crate's name"),
        )
        .arg(
            Arg::new("path")
                .long("path")
                .value_name("DIR")
                .value_parser(value_parser!(PathBuf))
                .help("Where to create it (default: ./NAME)"),
        )
        .arg(
            Arg::new("abi-path")
                .long("abi-path")
                .value_name("DIR")
                .value_parser(value_parser!(PathBuf))
                .help("Depend on the flyte-plugin-abi crate in DIR instead of this host's own copy (default: $FLYTE_PLUGIN_ABI_PATH, unless --abi-registry is given)")
                .conflicts_with("abi-registry"),
        )
        .arg(
            Arg::new("abi-registry")
                .long("abi-registry")
                .action(ArgAction::SetTrue)
                .help("Depend on flyte-plugin-abi from crates.io instead of this host's own copy (written to ~/.flyte/sdk/)"),
        )
}

/// Writes the crate and prints the next steps.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .ok_or_else(|| Error::Message("plugin new: a NAME is required".into()))?;
    let dir = matches
        .get_one::<PathBuf>("path")
        .cloned()
        .unwrap_or_else(|| PathBuf::from(name));
    let home = crate::config::home_dir();
    // `FLYTE_PLUGIN_ABI_PATH` stands in for `--abi-path` unless a flag on the command line says
    // otherwise (so an exported variable never conflicts with `--abi-registry`).
    let env_path = std::env::var_os("FLYTE_PLUGIN_ABI_PATH")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    let abi = if let Some(path) = matches.get_one::<PathBuf>("abi-path") {
        AbiSource::Path(path, "--abi-path")
    } else if matches.get_flag("abi-registry") {
        AbiSource::Registry
    } else if let Some(path) = &env_path {
        AbiSource::Path(path, "FLYTE_PLUGIN_ABI_PATH")
    } else {
        AbiSource::Sdk {
            home: home.as_deref().ok_or_else(|| {
                Error::Message(
                    "plugin new: HOME is not set (or not an absolute path), so there is no ~/.flyte/sdk to write the plugin SDK to: \
                     set HOME, or pass --abi-path DIR or --abi-registry"
                        .into(),
                )
            })?,
        }
    };
    let dependency = scaffold::scaffold(name, &dir, abi).map_err(Error::from)?;
    output::pairs(&[
        ("created", format!("plugin crate {name} in {}", dir.display())),
        ("abi", dependency),
        (
            "next",
            format!(
                "cd {} && cargo build --release, then `flyte-host plugin check` and `flyte-host plugin install` on the library in target/release (see its README.md)",
                dir.display()
            ),
        ),
    ])?;
    Ok(0)
}
