//! The indexes a user configured (`plugin index add/list/remove`) and the last copy fetched of
//! each: `<plugin dir>/.indexes/indexes.toml` and `<plugin dir>/.indexes/cache/<name>.toml`. A
//! directory whose name no plugin can have, so installs never meet it, and whose changes do not
//! touch the plugin directory itself (its seal keeps start-up from listing it).

use std::{
    fs,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::file::IndexFile;
use crate::{
    atomic_file,
    install::{
        fetch::{self, Location},
        safe_component, seal, InstallError,
    },
};

/// The index state's directory inside the plugin directory.
pub(crate) const INDEX_DIR: &str = ".indexes";

/// An index the user added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Configured {
    /// Its name (`index/plugin` picks a plugin from it).
    pub name: String,
    /// Its URL or path.
    pub url: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default, rename = "index")]
    indexes: Vec<Configured>,
}

/// An index as fetched.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    /// The configured index.
    pub configured: Configured,
    /// Where it is (what its manifests are relative to).
    pub(in crate::install) location: Location,
    /// Its content.
    pub index: IndexFile,
}

fn config_path(dir: &Path) -> PathBuf {
    dir.join(INDEX_DIR).join("indexes.toml")
}

fn cache_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(INDEX_DIR)
        .join("cache")
        .join(format!("{name}.toml"))
}

fn io_error(path: &Path, e: std::io::Error) -> InstallError {
    InstallError::Index(format!("cannot read or write `{}`: {e}", path.display()))
}

/// The configured indexes, in the order they were added.
pub(crate) fn read(dir: &Path) -> Result<Vec<Configured>, InstallError> {
    let path = config_path(dir);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(&path, e)),
    };
    let config: Config = toml::from_str(&text).map_err(|e| {
        InstallError::Index(format!(
            "`{}` is not a valid list of plugin indexes: {}; fix it, or remove it and add the indexes again with flyte-host plugin index add NAME URL",
            path.display(),
            e.message()
        ))
    })?;
    Ok(config.indexes)
}

fn write(dir: &Path, indexes: Vec<Configured>) -> Result<(), InstallError> {
    let path = config_path(dir);
    let fresh = !dir.join(INDEX_DIR).exists();
    atomic_file::create_dirs(&dir.join(INDEX_DIR).join("cache")).map_err(|e| io_error(&path, e))?;
    let text = toml::to_string(&Config { indexes })
        .map_err(|e| InstallError::Index(format!("cannot write the index list: {e}")))?;
    atomic_file::write(&path, text.as_bytes(), false).map_err(|e| io_error(&path, e))?;
    if fresh {
        // Creating `.indexes` changed the plugin directory: seal it again.
        seal::seal(dir);
    }
    Ok(())
}

/// Adds index `name` at `url` after fetching it once (an index that cannot be read or parsed is
/// not added); returns it.
pub(crate) fn add(dir: &Path, name: &str, url: &str) -> Result<Fetched, InstallError> {
    safe_component(name).map_err(|_| {
        InstallError::Index(format!(
            "`{name}` is not an index name: use letters, digits, `.`, `_`, `-` and `+` only, not starting with `.`"
        ))
    })?;
    let mut indexes = read(dir)?;
    if let Some(old) = indexes.iter().find(|i| i.name == name) {
        return Err(InstallError::Index(format!(
            "an index named '{name}' is already configured ({}): remove it first with flyte-host plugin index remove {name}",
            old.url
        )));
    }
    let url = match Location::parse(url, None)? {
        // A relative path is kept absolute: the index must not depend on the working directory.
        Location::File(path) => fs::canonicalize(&path)
            .map_err(|e| {
                InstallError::Index(format!("cannot read index `{}`: {e}", path.display()))
            })?
            .display()
            .to_string(),
        Location::Http(url) => url,
    };
    let configured = Configured {
        name: name.to_owned(),
        url,
    };
    let (fetched, text) = fetch_text(&configured)?;
    indexes.push(configured);
    write(dir, indexes)?;
    keep(dir, name, &text);
    Ok(fetched)
}

/// Removes index `name` and its cached copy; returns it.
pub(crate) fn remove(dir: &Path, name: &str) -> Result<Configured, InstallError> {
    let mut indexes = read(dir)?;
    let Some(at) = indexes.iter().position(|i| i.name == name) else {
        let known: Vec<&str> = indexes.iter().map(|i| i.name.as_str()).collect();
        return Err(InstallError::Index(format!(
            "no index named '{name}' is configured{}",
            if known.is_empty() {
                String::new()
            } else {
                format!(" (configured: {})", known.join(", "))
            }
        )));
    };
    let removed = indexes.remove(at);
    write(dir, indexes)?;
    let _ = fs::remove_file(cache_path(dir, name));
    Ok(removed)
}

/// Fetches and parses `configured`; also returns its text.
fn fetch_text(configured: &Configured) -> Result<(Fetched, String), InstallError> {
    let location = Location::parse(&configured.url, None)?;
    let text = fetch::read_text(&location)
        .map_err(|e| InstallError::Index(format!("plugin index '{}': {e}", configured.name)))?;
    let index = IndexFile::parse(
        &text,
        &format!("index '{}' ({})", configured.name, configured.url),
    )?;
    let fetched = Fetched {
        configured: configured.clone(),
        location,
        index,
    };
    Ok((fetched, text))
}

/// Keeps `text` as index `name`'s last copy (best effort: the copy only feeds the notice and
/// `plugin index list`).
fn keep(dir: &Path, name: &str, text: &str) {
    let cache = cache_path(dir, name);
    if cache.parent().is_some_and(Path::is_dir) {
        let _ = atomic_file::write(&cache, text.as_bytes(), false);
    }
}

/// Fetches `configured` and keeps a copy for the update notice.
pub(crate) fn fetch_index(dir: &Path, configured: &Configured) -> Result<Fetched, InstallError> {
    let (fetched, text) = fetch_text(configured)?;
    keep(dir, &configured.name, &text);
    Ok(fetched)
}

/// Every configured index, fetched now.
pub(crate) fn fetch_all(dir: &Path) -> Result<Vec<Fetched>, InstallError> {
    read(dir)?
        .iter()
        .map(|configured| fetch_index(dir, configured))
        .collect()
}

/// The copies of the configured indexes fetched last, without the network (unreadable ones are
/// left out).
pub(crate) fn cached(dir: &Path) -> Vec<Fetched> {
    let Ok(indexes) = read(dir) else {
        return Vec::new();
    };
    indexes
        .into_iter()
        .filter_map(|configured| {
            let text = fs::read_to_string(cache_path(dir, &configured.name)).ok()?;
            let index = IndexFile::parse(&text, &configured.name).ok()?;
            let location = Location::parse(&configured.url, None).ok()?;
            Some(Fetched {
                configured,
                location,
                index,
            })
        })
        .collect()
}
