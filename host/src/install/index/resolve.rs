//! Which version of an indexed plugin to install: `NAME` (the newest this host can load),
//! `NAME@VERSION` (exactly that one), either as `INDEX/NAME…` to pick the index.

use flyte_plugin_abi::ffi::AbiVersion;

use super::{
    config::Fetched,
    file::{compare, numbers, IndexedVersion},
};
use crate::install::{fetch::Location, safe_component, InstallError};

/// What `plugin install` was asked for by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// `INDEX/` given.
    pub index: Option<String>,
    /// The plugin's name.
    pub name: String,
    /// `@VERSION` given.
    pub version: Option<String>,
}

impl Request {
    /// `source` as a request by name, when it has that shape (`myorg`, `myorg@1.2.0`,
    /// `acme/myorg`); paths and URLs are not.
    pub(crate) fn parse(source: &str) -> Option<Request> {
        if source.contains("://") || source.starts_with("file:") || source.ends_with(".toml") {
            return None;
        }
        let (index, rest) = match source.split_once('/') {
            Some((index, rest)) => (Some(index), rest),
            None => (None, source),
        };
        let (name, version) = match rest.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (rest, None),
        };
        let safe = |part: &str| safe_component(part).is_ok();
        if !safe(name) || !index.is_none_or(safe) || !version.is_none_or(safe) {
            return None;
        }
        Some(Request {
            index: index.map(str::to_owned),
            name: name.to_owned(),
            version: version.map(str::to_owned),
        })
    }
}

/// The version chosen, and where its manifest is.
#[derive(Debug, Clone)]
pub(crate) struct Chosen {
    /// The plugin's name.
    pub name: String,
    /// The index it comes from.
    pub index: String,
    /// The version.
    pub version: IndexedVersion,
    /// Its manifest, resolved against the index's location.
    pub manifest: String,
    /// A newer version this host cannot load, and why (`1.3.0 needs flyte-host 0.3.0 or later`).
    pub newer: Option<String>,
}

/// Why this host cannot load `version`, if it cannot.
pub(crate) fn unloadable(version: &IndexedVersion) -> Option<String> {
    let at_least = |have: &str, need: &str| {
        let (Some(mut have), Some(mut need)) = (numbers(have), numbers(need)) else {
            return false;
        };
        let len = have.len().max(need.len());
        have.resize(len, 0);
        need.resize(len, 0);
        have >= need
    };
    let host = env!("CARGO_PKG_VERSION");
    if let Some(need) = &version.min_host {
        if !at_least(host, need) {
            return Some(format!("needs flyte-host {need} or later (this is {host})"));
        }
    }
    let abi = AbiVersion::CURRENT.to_string();
    if let Some(need) = &version.min_host_abi {
        if !at_least(&abi, need) {
            return Some(format!(
                "needs a host with plugin ABI {need} or later (this one has {abi})"
            ));
        }
    }
    None
}

/// The indexes among `fetched` that list plugin `name` (only `index`, when given).
pub(crate) fn holders<'a>(
    fetched: &'a [Fetched],
    index: Option<&str>,
    name: &str,
) -> Vec<&'a Fetched> {
    fetched
        .iter()
        .filter(|f| index.is_none_or(|i| f.configured.name == i))
        .filter(|f| f.index.plugin(name).is_some())
        .collect()
}

/// Chooses what `request` installs from the `fetched` indexes.
pub(crate) fn choose(fetched: &[Fetched], request: &Request) -> Result<Chosen, InstallError> {
    let name = &request.name;
    if let Some(index) = &request.index {
        if !fetched.iter().any(|f| &f.configured.name == index) {
            return Err(InstallError::Index(format!(
                "no index named '{index}' is configured: flyte-host plugin index list shows them"
            )));
        }
    }
    let holders = holders(fetched, request.index.as_deref(), name);
    let from = match holders.as_slice() {
        [] if fetched.is_empty() => {
            return Err(InstallError::Index(format!(
                "`{name}` is neither a file nor a URL, and no plugin index is configured to look it up in: add your organization's with flyte-host plugin index add NAME URL, or give the manifest's path or URL"
            )))
        }
        [] => {
            let searched: Vec<&str> = fetched.iter().map(|f| f.configured.name.as_str()).collect();
            return Err(InstallError::Index(format!(
                "no plugin named '{name}' in the configured {} ({})",
                if searched.len() == 1 { "index" } else { "indexes" },
                searched.join(", ")
            )));
        }
        [one] => *one,
        many => {
            let names: Vec<String> = many.iter().map(|f| format!("'{}'", f.configured.name)).collect();
            return Err(InstallError::Index(format!(
                "plugin '{name}' is in more than one index ({}): say which with {}/{name}",
                names.join(" and "),
                many[0].configured.name
            )));
        }
    };
    let plugin = from
        .index
        .plugin(name)
        .expect("holders list only indexes that have it");
    let mut versions: Vec<&IndexedVersion> = plugin.versions.iter().collect();
    versions.sort_by(|a, b| compare(&b.version, &a.version));
    let index_name = from.configured.name.clone();
    let (version, newer) = match &request.version {
        Some(wanted) => {
            let Some(found) = versions.iter().find(|v| &v.version == wanted) else {
                let listed: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
                return Err(InstallError::Index(format!(
                    "index '{index_name}' has no version {wanted} of '{name}' (it has: {})",
                    if listed.is_empty() {
                        "none".to_owned()
                    } else {
                        listed.join(", ")
                    }
                )));
            };
            if let Some(why) = unloadable(found) {
                return Err(InstallError::Index(format!(
                    "'{name}' {wanted} {why}: upgrade flyte-host, or install an older version"
                )));
            }
            (*found, None)
        }
        None => {
            let Some(newest) = versions.iter().find(|v| unloadable(v).is_none()) else {
                let why = versions
                    .first()
                    .and_then(|v| unloadable(v).map(|why| format!("{} {why}", v.version)))
                    .unwrap_or_else(|| "the index lists no version".to_owned());
                return Err(InstallError::Index(format!(
                    "no version of '{name}' in index '{index_name}' can be loaded by this host: {why}"
                )));
            };
            let newer = versions
                .first()
                .filter(|top| top.version != newest.version)
                .and_then(|top| unloadable(top).map(|why| format!("{} {why}", top.version)));
            (*newest, newer)
        }
    };
    let manifest = Location::parse(&version.manifest, Some(&from.location))?.to_string();
    Ok(Chosen {
        name: name.clone(),
        index: index_name,
        version: version.clone(),
        manifest,
        newer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_versions_and_indexes_are_requests_paths_and_urls_are_not() {
        let r = Request::parse("acme/myorg@1.2.0").unwrap();
        assert_eq!(
            (r.index.as_deref(), r.name.as_str(), r.version.as_deref()),
            (Some("acme"), "myorg", Some("1.2.0"))
        );
        assert_eq!(Request::parse("myorg").unwrap().index, None);
        for not in [
            "./myorg.toml",
            "myorg.toml",
            "https://x/y",
            "file:/x",
            "a/b/c",
            "../x",
            "/abs",
        ] {
            assert_eq!(Request::parse(not), None, "{not}");
        }
    }
}
