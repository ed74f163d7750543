//! An organization's plugin index: a TOML file at a URL (https, loopback http, `file:`) listing
//! plugins and their versions, each version pointing at its manifest.
//!
//! ```toml
//! [[plugin]]
//! name = "myorg"
//! description = "MyOrg's flyte-host plugin"
//!
//! [[plugin.version]]
//! version = "1.2.0"
//! manifest = "myorg/1.2.0/manifest.toml"   # relative to the index, or a URL
//! min_host = "0.2.0"                        # optional: the oldest flyte-host that can load it
//! min_host_abi = "1.1"                      # optional: the oldest plugin ABI the host must speak
//! ```

use serde::Deserialize;

use crate::install::{safe_component, InstallError};

/// A parsed index.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndexFile {
    /// Its plugins.
    #[serde(default, rename = "plugin")]
    pub plugins: Vec<IndexedPlugin>,
}

/// One plugin of an index.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndexedPlugin {
    /// Its name (what `plugin install NAME` asks for).
    pub name: String,
    /// One line about it.
    #[serde(default)]
    pub description: String,
    /// Its published versions.
    #[serde(default, rename = "version")]
    pub versions: Vec<IndexedVersion>,
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndexedVersion {
    /// The plugin version.
    pub version: String,
    /// Its manifest: relative to the index, or a URL.
    pub manifest: String,
    /// The oldest flyte-host version that can load it.
    #[serde(default)]
    pub min_host: Option<String>,
    /// The oldest plugin ABI the host must implement.
    #[serde(default)]
    pub min_host_abi: Option<String>,
}

impl IndexFile {
    /// Parses and checks index text read from `source`.
    pub(crate) fn parse(text: &str, source: &str) -> Result<IndexFile, InstallError> {
        let bad = |reason: String| {
            InstallError::Index(format!(
                "plugin {source} is not a valid plugin index: {reason}; tell its publisher"
            ))
        };
        let index: IndexFile = toml::from_str(text)
            .map_err(|e| bad(format!("{}{}", e.message(), error_line(text, &e))))?;
        for plugin in &index.plugins {
            safe_component(&plugin.name).map_err(|_| {
                bad(format!(
                    "plugin name `{}` is not a plugin name",
                    plugin.name
                ))
            })?;
            if index
                .plugins
                .iter()
                .filter(|p| p.name == plugin.name)
                .count()
                > 1
            {
                return Err(bad(format!("plugin `{}` is listed twice", plugin.name)));
            }
            for v in &plugin.versions {
                safe_component(&v.version).map_err(|_| {
                    bad(format!(
                        "{} version `{}` is not a plugin version",
                        plugin.name, v.version
                    ))
                })?;
                for (what, value) in [("min_host", &v.min_host), ("min_host_abi", &v.min_host_abi)]
                {
                    if let Some(value) = value {
                        if numbers(value).is_none() {
                            return Err(bad(format!(
                                "{} {}: {what} `{value}` is not a dotted version such as 1.2.0",
                                plugin.name, v.version
                            )));
                        }
                    }
                }
            }
        }
        Ok(index)
    }

    /// The plugin named `name`.
    pub(crate) fn plugin(&self, name: &str) -> Option<&IndexedPlugin> {
        self.plugins.iter().find(|p| p.name == name)
    }
}

/// ` (line N)` for a TOML parse error in `text` (empty when it has no place): toml places an
/// unknown field at the start of its table, so the line of the field itself is looked for from
/// there.
pub(crate) fn error_line(text: &str, error: &toml::de::Error) -> String {
    error
        .span()
        .map(|span| format!(" (line {})", line_at(text, span.start, error.message())))
        .unwrap_or_default()
}

fn line_at(text: &str, start: usize, message: &str) -> usize {
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let field = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field);
    let Some(field) = field else {
        return line_of(start);
    };
    let mut at = text[..start].rfind('\n').map_or(0, |i| i + 1);
    for line in text[at..].split_inclusive('\n') {
        let rest = line.trim_start().strip_prefix(field);
        if rest.is_some_and(|r| r.trim_start().starts_with('=')) {
            return line_of(at);
        }
        at += line.len();
    }
    line_of(start)
}

/// A dotted version's numbers (`1.2.0-rc1` → 1, 2, 0; missing parts are 0 when compared).
pub(crate) fn numbers(version: &str) -> Option<Vec<u64>> {
    let core = version.trim().split(['-', '+']).next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

/// Orders two versions: by their numbers, then a release above its pre-releases, then as text.
pub(crate) fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    let pad = |mut v: Vec<u64>| {
        while v.last() == Some(&0) {
            v.pop();
        }
        v
    };
    match (numbers(a), numbers(b)) {
        (Some(x), Some(y)) => pad(x).cmp(&pad(y)).then_with(|| {
            let pre = |v: &str| v.split_once('-').map(|(_, p)| p.to_owned());
            match (pre(a), pre(b)) {
                (Some(p), Some(q)) => p.cmp(&q),
                (x, y) => y.is_some().cmp(&x.is_some()),
            }
        }),
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::*;

    use super::*;

    #[test]
    fn versions_order_by_their_numbers() {
        assert_eq!(compare("1.10.0", "1.9.3"), Greater);
        assert_eq!(compare("1.2", "1.2.0"), Equal);
        assert_eq!(compare("1.2.0", "1.2.0-rc1"), Greater);
        assert_eq!(compare("0.9", "nightly"), Greater);
    }

    #[test]
    fn an_index_is_checked_with_the_line_of_the_problem() {
        let good = "[[plugin]]\nname = \"myorg\"\n[[plugin.version]]\nversion = \"1.0.0\"\nmanifest = \"m.toml\"\nmin_host = \"0.2\"\n";
        let index = IndexFile::parse(good, "i.toml").unwrap();
        assert_eq!(
            index.plugin("myorg").unwrap().versions[0]
                .min_host
                .as_deref(),
            Some("0.2")
        );
        let typo = good.replace("manifest =", "manfest =");
        let err = IndexFile::parse(&typo, "i.toml").unwrap_err().to_string();
        assert!(
            err.contains("i.toml") && err.contains("line 5") && err.contains("manfest"),
            "{err}"
        );
        let bad_min = good.replace("\"0.2\"", "\"soon\"");
        let err = IndexFile::parse(&bad_min, "i.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("min_host `soon` is not a dotted version"),
            "{err}"
        );
    }
}
