//! Organizations' plugin indexes: `plugin index add/list/remove`, `plugin install NAME[@VERSION]`
//! resolved from them, `plugin outdated` and `plugin upgrade`.

pub(crate) mod config;
pub(crate) mod file;
pub(crate) mod notice;
pub(crate) mod resolve;

pub(crate) use resolve::{Chosen, Request};
pub(crate) mod status;

use std::path::Path;

use super::{manifest::Manifest, InstallError};

/// The version of an indexed plugin `source` names, when `source` is a plugin name (`myorg`,
/// `myorg@1.2.0`, `acme/myorg`) rather than an existing file or a URL; fetches the indexes. Its
/// manifest is read once, by the install (see [`confirm`]).
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
    resolve::choose(&fetched, &request).map(Some)
}

/// Checks that `manifest`, read from where `chosen` points, is the plugin and version the index
/// lists, before anything is downloaded: an index that points at the wrong manifest (or at no
/// manifest) is its publisher's error.
pub(crate) fn confirm(chosen: &Chosen, manifest: Option<&Manifest>) -> Result<(), InstallError> {
    let listed = &chosen.version.version;
    let wrong = |found: String| {
        InstallError::Index(format!(
            "index '{}' lists {} {listed} at {}, but {found}: the index is wrong; tell its publisher",
            chosen.index, chosen.name, chosen.manifest
        ))
    };
    match manifest {
        None => Err(wrong("that is not a manifest".to_owned())),
        Some(m) if m.name != chosen.name || file::compare(&m.version, listed).is_ne() => {
            Err(wrong(format!("that manifest is {} {}", m.name, m.version)))
        }
        Some(_) => Ok(()),
    }
}
