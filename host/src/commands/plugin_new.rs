//! `flyte-host plugin new NAME [--path DIR]`: scaffold a ready-to-build plugin crate.

use std::path::PathBuf;

use clap::ArgMatches;

use crate::{error::Error, install::scaffold, loader::LoadError, output};

/// Writes the crate and prints the next steps.
pub(super) fn run(matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .ok_or_else(|| Error::Message("plugin new: a NAME is required".into()))?;
    let dir = matches
        .get_one::<PathBuf>("path")
        .cloned()
        .unwrap_or_else(|| PathBuf::from(name));
    let abi_path = matches.get_one::<PathBuf>("abi-path");
    scaffold::scaffold(name, &dir, abi_path.map(PathBuf::as_path)).map_err(LoadError::from)?;
    output::pairs(&[
        ("created", format!("plugin crate {name} in {}", dir.display())),
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
