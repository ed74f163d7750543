//! Plugin manifests: what an organization's CI publishes next to its prebuilt libraries (krew's
//! per-platform manifests): name, version, description, plugin ABI, and one `[[platform]]` per
//! target triple with the library's URL and sha256.
//!
//! ```toml
//! name = "myorg"
//! version = "1.2.0"
//! description = "MyOrg's flyte-host plugin"
//! abi = "1.0"
//!
//! [[platform]]
//! target = "x86_64-unknown-linux-gnu"
//! url = "https://plugins.myorg.com/myorg/1.2.0/libmyorg.so"
//! sha256 = "…64 hex digits…"
//! ```
//!
//! `url` is https, http on the loopback interface, `file:`, or a path relative to the manifest.

use serde::{Deserialize, Serialize};

use super::{is_sha256, safe_component, InstallError, TARGET};

/// A plugin manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// The plugin's name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// One line about the plugin.
    #[serde(default)]
    pub description: String,
    /// The plugin ABI version it was built against.
    pub abi: String,
    /// One build per target triple.
    #[serde(rename = "platform")]
    pub platforms: Vec<Platform>,
}

/// One platform's build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Platform {
    /// The target triple (`x86_64-unknown-linux-gnu`, `aarch64-apple-darwin`, …).
    pub target: String,
    /// Where the library is.
    pub url: String,
    /// The library's sha256, hex.
    pub sha256: String,
}

impl Manifest {
    /// Parses and validates manifest text read from `source`.
    pub(crate) fn parse(text: &str, source: &str) -> Result<Manifest, InstallError> {
        let bad = |reason: String| InstallError::BadManifest {
            source_name: source.to_owned(),
            reason,
        };
        let mut manifest: Manifest = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!(" (line {})", text[..s.start].lines().count().max(1)))
                .unwrap_or_default();
            bad(format!("{}{line}", e.message()))
        })?;
        for (what, value) in [("name", &manifest.name), ("version", &manifest.version)] {
            if safe_component(value).is_err() {
                return Err(bad(format!(
                    "its {what} `{value}` is not a plugin {what}: use letters, digits, `.`, `_`, `-` and `+` only, not starting with `.`"
                )));
            }
        }
        for platform in &mut manifest.platforms {
            platform.sha256 = platform.sha256.trim().to_ascii_lowercase();
            if !is_sha256(&platform.sha256) {
                return Err(bad(format!(
                    "the sha256 of platform {} is not 64 hex digits",
                    platform.target
                )));
            }
        }
        Ok(manifest)
    }

    /// This machine's build.
    pub(crate) fn for_this_platform(&self, source: &str) -> Result<&Platform, InstallError> {
        self.platforms
            .iter()
            .find(|p| p.target == TARGET)
            .ok_or_else(|| InstallError::NoPlatform {
                source_name: source.to_owned(),
                target: TARGET,
                available: if self.platforms.is_empty() {
                    "none".to_owned()
                } else {
                    // A hostile manifest may list thousands: name a few, count the rest.
                    const SHOWN: usize = 8;
                    let mut listed = self
                        .platforms
                        .iter()
                        .take(SHOWN)
                        .map(|p| crate::text::one_line_within(&p.target, 80))
                        .collect::<Vec<_>>()
                        .join(", ");
                    if self.platforms.len() > SHOWN {
                        listed.push_str(&format!(" and {} more", self.platforms.len() - SHOWN));
                    }
                    listed
                },
            })
    }

    /// The manifest as TOML text.
    pub(crate) fn render(&self) -> String {
        let mut text = format!(
            "# flyte-host plugin manifest: install with `flyte-host plugin install <this file or its URL>`\n{}",
            toml::to_string(self).unwrap_or_default()
        );
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_platform_choice() {
        let manifest = Manifest {
            name: "acme".into(),
            version: "1.0.0".into(),
            description: "Acme".into(),
            abi: "1.0".into(),
            platforms: vec![Platform {
                target: TARGET.into(),
                url: "libacme.so".into(),
                sha256: "ab".repeat(32),
            }],
        };
        let parsed = Manifest::parse(&manifest.render(), "m.toml").unwrap();
        assert_eq!(parsed, manifest);
        assert_eq!(parsed.for_this_platform("m").unwrap().url, "libacme.so");
        let bad = manifest.render().replace(&"ab".repeat(32), "xyz");
        assert!(Manifest::parse(&bad, "m.toml").is_err());
        let other = manifest.render().replace(TARGET, "sparc-sun-solaris");
        let err = Manifest::parse(&other, "m.toml")
            .unwrap()
            .for_this_platform("m.toml")
            .unwrap_err();
        assert!(err.to_string().contains("sparc-sun-solaris"), "{err}");
    }
}
