//! How each installed plugin stands against the configured indexes (`plugin outdated`,
//! `plugin upgrade` and the update notice).

use super::{
    config::Fetched,
    file::compare,
    resolve::{choose, holders, Chosen, Request},
};
use crate::install::{fetch::Location, lock::LockEntry};

/// An installed plugin against its index.
#[derive(Debug, Clone)]
pub(crate) struct Standing {
    /// The plugin.
    pub name: String,
    /// The installed version.
    pub installed: String,
    /// The index it was found in (`None`: in none).
    pub index: Option<String>,
    /// The newest version the index lists.
    pub newest: Option<String>,
    /// The newest version this host can load, when newer than the installed one.
    pub upgrade: Option<Chosen>,
    /// Why the newest cannot be loaded by this host, when it cannot.
    pub blocked: Option<String>,
}

/// The index that holds `entry`: the one whose manifests include the one it was installed from,
/// else the only one that lists its name.
fn index_of<'a>(fetched: &'a [Fetched], entry: &LockEntry) -> Option<&'a Fetched> {
    let holders = holders(fetched, None, &entry.name);
    let installed_from = |f: &&&Fetched| {
        f.index.plugin(&entry.name).is_some_and(|p| {
            p.versions.iter().any(|v| {
                Location::parse(&v.manifest, Some(&f.location))
                    .is_ok_and(|l| l.to_string() == entry.source)
            })
        })
    };
    holders
        .iter()
        .find(installed_from)
        .or(if holders.len() == 1 {
            holders.first()
        } else {
            None
        })
        .copied()
}

/// Where `entry` stands in `fetched`.
pub(crate) fn standing(fetched: &[Fetched], entry: &LockEntry) -> Standing {
    let mut standing = Standing {
        name: entry.name.clone(),
        installed: entry.version.clone(),
        index: None,
        newest: None,
        upgrade: None,
        blocked: None,
    };
    let Some(from) = index_of(fetched, entry) else {
        return standing;
    };
    standing.index = Some(from.configured.name.clone());
    let request = Request {
        index: Some(from.configured.name.clone()),
        name: entry.name.clone(),
        version: None,
    };
    let plugin = from.index.plugin(&entry.name);
    standing.newest = plugin
        .and_then(|p| {
            p.versions
                .iter()
                .max_by(|a, b| compare(&a.version, &b.version))
        })
        .map(|v| v.version.clone());
    match choose(fetched, &request) {
        Ok(chosen) => {
            standing.blocked = chosen.newer.clone();
            if compare(&chosen.version.version, &entry.version).is_gt() {
                standing.upgrade = Some(chosen);
            }
        }
        Err(e) => standing.blocked = Some(e.to_string()),
    }
    standing
}
