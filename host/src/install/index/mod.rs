//! Organizations' plugin indexes: `plugin index add/list/remove`, `plugin install NAME[@VERSION]`
//! resolved from them, `plugin outdated` and `plugin upgrade`.

pub(crate) mod config;
pub(crate) mod file;
pub(crate) mod notice;
pub(crate) mod resolve;

pub(crate) use resolve::{Chosen, Request};
pub(crate) mod status;

use std::path::Path;

use super::InstallError;

/// The version of an indexed plugin `source` names, when `source` is a plugin name (`myorg`,
/// `myorg@1.2.0`, `acme/myorg`) rather than an existing file or a URL; fetches the indexes.
///
/// # Errors
///
/// An index cannot be fetched, or none (or more than one) has a version this host can load.
pub(crate) fn resolve_source(source: &str, dir: &Path) -> Result<Option<Chosen>, InstallError> {
    if Path::new(source).exists() {
        return Ok(None);
    }
    let Some(request) = Request::parse(source) else {
        return Ok(None);
    };
    let fetched = config::fetch_all(dir)?;
    let chosen = resolve::choose(&fetched, &request)?;
    confirm(&chosen, &request.name)?;
    Ok(Some(chosen))
}

/// Checks that the manifest `chosen` points at is the plugin and version the index says, before
/// anything is downloaded: an index that points at the wrong manifest is its publisher's error.
pub(crate) fn confirm(chosen: &Chosen, name: &str) -> Result<(), InstallError> {
    let location = super::fetch::Location::parse(&chosen.manifest, None)?;
    let manifest =
        super::manifest::Manifest::parse(&super::fetch::read_text(&location)?, &chosen.manifest)?;
    let listed = &chosen.version.version;
    if manifest.name != name || file::compare(&manifest.version, listed).is_ne() {
        return Err(InstallError::Index(format!(
            "index '{}' lists {name} {listed} at {}, but that manifest is {} {}: the index is wrong; tell its publisher",
            chosen.index, chosen.manifest, manifest.name, manifest.version
        )));
    }
    Ok(())
}
