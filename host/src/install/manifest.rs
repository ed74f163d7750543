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
//! signature_url = "libmyorg.so.minisig"   # or: signature = """…the .minisig text…"""
//! ```
//!
//! `url` is https, http on the loopback interface, `file:`, or a path relative to the manifest;
//! so is `signature_url`. A platform may carry the library's minisign signature (see
//! [`crate::trust`]) inline (`signature`, the whole `.minisig` text) or as the URL of its
//! `.minisig` file, not both; manifests without either stay valid (unsigned).

use serde::{Deserialize, Serialize};

use super::{index::file::error_line, is_sha256, safe_component, InstallError, TARGET};

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
    /// The library's minisign signature: the whole `.minisig` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Where the library's `.minisig` signature is (like `url`, relative to the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_url: Option<String>,
}

impl Manifest {
    /// Parses and validates manifest text read from `source`.
    pub(crate) fn parse(text: &str, source: &str) -> Result<Manifest, InstallError> {
        let bad = |reason: String| InstallError::BadManifest {
            source_name: source.to_owned(),
            reason,
        };
        let mut manifest: Manifest = toml::from_str(text)
            .map_err(|e| bad(format!("{}{}", e.message(), error_line(text, &e))))?;
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
            if platform.signature.is_some() && platform.signature_url.is_some() {
                return Err(bad(format!(
                    "platform {} has both `signature` and `signature_url`: give the signature one way",
                    platform.target
                )));
            }
            if let Some(text) = &platform.signature {
                crate::trust::Signature::parse(text).map_err(|reason| {
                    bad(format!(
                        "the signature of platform {}: {reason}",
                        platform.target
                    ))
                })?;
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

    /// `minisign -S` of a file holding `hello\n` (key 17BB4AA3774E874F).
    const SIGNATURE: &str = "untrusted comment: signature from minisign secret key\nRURPh053o0q7F/g08X023udy/qc3dodtYroF+o3zPX8+wwNUqaLwD/rRfcJz4SZ7sS8x4LzwzNmih1BR5zDeaHUluQ+f1/Ajfgg=\ntrusted comment: timestamp:1796375046\tfile:f\thashed\nkJUjhS7YkIcwbG4QnQzBrDq4NH9z0anGf9QGFNTEulkfMsQIbjF2mMozLWbUj+q66q9PngtShEWXiQRlPqaUDQ==\n";

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
                signature: Some(SIGNATURE.into()),
                signature_url: None,
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

    #[test]
    fn a_parse_error_names_the_line_of_the_problem() {
        let good = format!(
            "name = \"a\"\nversion = \"1\"\nabi = \"1.0\"\n[[platform]]\ntarget = \"{TARGET}\"\nurl = \"a.so\"\nsha256 = \"{}\"\n",
            "ab".repeat(32)
        );
        let cases = [
            // A value of the wrong type, on line 3.
            (good.replace("abi = \"1.0\"", "abi = 1.0"), 3),
            // A platform without its url: the table starts on line 4, at the start of the line.
            (good.replace("url = \"a.so\"\n", ""), 4),
            // A misspelt field on line 7 (toml places it at its table, line 4).
            (good.replace("sha256 =", "sha265 ="), 7),
            // Not TOML at all on line 6.
            (good.replace("url = \"a.so\"", "url ="), 6),
        ];
        for (text, line) in cases {
            let err = Manifest::parse(&text, "m.toml").unwrap_err().to_string();
            assert!(err.contains(&format!("(line {line})")), "{err}\n{text}");
        }
    }

    #[test]
    fn signatures_are_inline_or_a_url_never_both_and_old_manifests_stay_valid() {
        let old = format!(
            "name = \"a\"\nversion = \"1\"\nabi = \"1.0\"\n[[platform]]\ntarget = \"{TARGET}\"\nurl = \"a.so\"\nsha256 = \"{}\"\n",
            "ab".repeat(32)
        );
        let parsed = Manifest::parse(&old, "m").unwrap();
        assert_eq!(parsed.platforms[0].signature, None);
        let with_url = format!("{old}signature_url = \"a.so.minisig\"\n");
        let parsed = Manifest::parse(&with_url, "m").unwrap();
        assert_eq!(
            parsed.platforms[0].signature_url.as_deref(),
            Some("a.so.minisig")
        );
        let both = format!("{with_url}signature = 'x'\n");
        let err = Manifest::parse(&both, "m").unwrap_err().to_string();
        assert!(err.contains("both"), "{err}");
        let garbage = format!("{old}signature = \"not a signature\"\n");
        let err = Manifest::parse(&garbage, "m").unwrap_err().to_string();
        assert!(err.contains("not a minisign signature"), "{err}");
    }
}
