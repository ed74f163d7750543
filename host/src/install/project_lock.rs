//! A lock an organization can commit (`flyte-plugins.lock`, as `terraform providers lock`): for
//! the plugins a project uses, in the stack's order, each one's version, the index it came from,
//! and for every requested platform the library's URL, sha256 and minisign signature (with the
//! signing key's id). `plugin lock` writes it; `plugin sync` installs exactly that on any listed
//! platform, through `plugin install`'s own checks.
//!
//! ```toml
//! lock_version = 1
//!
//! [[plugin]]                 # top layer first
//! name = "myorg"
//! version = "1.2.0"
//! abi = "1.1.0"
//! index = "acme"             # empty when installed from a manifest directly
//! manifest = "https://plugins.acme.com/myorg/1.2.0/myorg.toml"
//!
//! [[plugin.platform]]
//! target = "x86_64-unknown-linux-gnu"
//! url = "https://plugins.acme.com/myorg/1.2.0/libmyorg.so"
//! sha256 = "…"
//! key_id = "17BB…"           # when signed
//! signature = """…"""        # the .minisig text, when signed
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    fetch::{self, Location},
    index::{
        config::Fetched,
        file::{compare, error_line},
        status,
    },
    is_sha256,
    lock::LockEntry,
    manifest::{Manifest, Platform},
    safe_component, InstallError, TARGET,
};
use crate::{plugin_dir::LIBRARY_EXTENSION, trust};

/// The lock format's version.
const LOCK_VERSION: u32 = 1;

/// A project's plugin lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectLock {
    /// The format's version.
    pub lock_version: u32,
    /// The plugins, top layer first.
    #[serde(rename = "plugin")]
    pub plugins: Vec<LockedPlugin>,
}

/// One locked plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockedPlugin {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The plugin ABI it was built against.
    pub abi: String,
    /// The index it came from (empty: none).
    #[serde(default)]
    pub index: String,
    /// The manifest it was locked from.
    pub manifest: String,
    /// Its builds.
    #[serde(rename = "platform")]
    pub platforms: Vec<LockedPlatform>,
}

/// One platform's build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockedPlatform {
    /// The target triple.
    pub target: String,
    /// The library's URL.
    pub url: String,
    /// Its sha256.
    pub sha256: String,
    /// The id of the key that signed it (empty: unsigned).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_id: String,
    /// The `.minisig` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

fn bad(path: &Path, reason: String) -> InstallError {
    InstallError::Index(format!(
        "plugin lock `{}` is not valid: {reason}",
        path.display()
    ))
}

impl ProjectLock {
    /// Parses and checks lock text read from `path`.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<ProjectLock, InstallError> {
        let lock: ProjectLock = toml::from_str(text)
            .map_err(|e| bad(path, format!("{}{}", e.message(), error_line(text, &e))))?;
        if lock.lock_version != LOCK_VERSION {
            return Err(bad(
                path,
                format!(
                    "it is lock format {}, and this flyte-host reads format {LOCK_VERSION}: upgrade flyte-host",
                    lock.lock_version
                ),
            ));
        }
        for plugin in &lock.plugins {
            for value in [&plugin.name, &plugin.version] {
                safe_component(value)
                    .map_err(|_| bad(path, format!("`{value}` is not a plugin name or version")))?;
            }
            if lock
                .plugins
                .iter()
                .filter(|p| p.name == plugin.name)
                .count()
                > 1
            {
                return Err(bad(
                    path,
                    format!("plugin '{}' is listed twice", plugin.name),
                ));
            }
            for platform in &plugin.platforms {
                if !is_sha256(&platform.sha256) {
                    return Err(bad(
                        path,
                        format!(
                            "the sha256 of {} for {} is not 64 hex digits",
                            plugin.name, platform.target
                        ),
                    ));
                }
                if let Some(text) = &platform.signature {
                    let signature = trust::Signature::parse(text).map_err(|reason| {
                        bad(
                            path,
                            format!(
                                "the signature of {} for {}: {reason}",
                                plugin.name, platform.target
                            ),
                        )
                    })?;
                    if signature.key_id != platform.key_id {
                        return Err(bad(
                            path,
                            format!(
                                "{} for {} says key {}, but its signature was made by key {}",
                                plugin.name, platform.target, platform.key_id, signature.key_id
                            ),
                        ));
                    }
                } else if !platform.key_id.is_empty() {
                    return Err(bad(
                        path,
                        format!(
                            "{} for {} names key {} but carries no signature",
                            plugin.name, platform.target, platform.key_id
                        ),
                    ));
                }
            }
        }
        Ok(lock)
    }

    /// The lock as TOML, with a header saying what it is.
    pub(crate) fn to_text(&self) -> Result<String, InstallError> {
        let body = toml::to_string(self)
            .map_err(|e| InstallError::Index(format!("cannot write the plugin lock: {e}")))?;
        Ok(format!(
            "# flyte-plugins.lock: written by `flyte-host plugin lock`; install exactly this with\n# `flyte-host plugin sync flyte-plugins.lock`. Commit it; do not edit it by hand.\n{body}"
        ))
    }
}

/// Locks the installed plugin `entry` for `targets`: from its index's manifest of the installed
/// version when one of the `fetched` indexes lists it, else from the manifest it was installed
/// from.
///
/// # Errors
///
/// It was installed from a library (no manifest), a manifest cannot be read, a target has no
/// build, or the installed library is not the one its manifest names.
pub(crate) fn lock_plugin(
    fetched: &[Fetched],
    entry: &LockEntry,
    targets: &[String],
) -> Result<LockedPlugin, InstallError> {
    let standing = status::standing(fetched, entry);
    let from_index = standing.index.as_ref().and_then(|name| {
        let index = fetched.iter().find(|f| &f.configured.name == name)?;
        let version = index
            .index
            .plugin(&entry.name)?
            .versions
            .iter()
            .find(|v| compare(&v.version, &entry.version).is_eq())?;
        let manifest = Location::parse(&version.manifest, Some(&index.location)).ok()?;
        Some((name.clone(), manifest))
    });
    let (index, manifest_at) = match from_index {
        Some(found) => found,
        None if entry.source.ends_with(&format!(".{LIBRARY_EXTENSION}")) => {
            return Err(InstallError::Index(format!(
                "plugin '{}' was installed from a library ({}), not from a manifest or an index, so nothing says where each platform's build is: install it from its manifest or index to lock it",
                entry.name, entry.source
            )))
        }
        None => (String::new(), Location::parse(&entry.source, None)?),
    };
    let source = manifest_at.to_string();
    let manifest = Manifest::parse(&fetch::read_text(&manifest_at)?, &source)?;
    if manifest.name != entry.name || compare(&manifest.version, &entry.version).is_ne() {
        return Err(InstallError::Index(format!(
            "the manifest {source} is {} {} now, and {} {} is installed: install the version to lock (flyte-host plugin install {}@VERSION), then lock again",
            manifest.name, manifest.version, entry.name, entry.version, entry.name
        )));
    }
    let mut platforms = Vec::with_capacity(targets.len());
    for target in targets {
        let Some(platform) = manifest.platforms.iter().find(|p| &p.target == target) else {
            let has: Vec<&str> = manifest
                .platforms
                .iter()
                .map(|p| p.target.as_str())
                .collect();
            return Err(InstallError::Index(format!(
                "plugin '{}' {} has no build for {target} (its manifest {source} has: {})",
                entry.name,
                entry.version,
                has.join(", ")
            )));
        };
        let locked = lock_platform(platform, &manifest_at)?;
        if target == TARGET && locked.sha256 != entry.sha256 {
            return Err(InstallError::Index(format!(
                "the installed '{}' {} is not the library its manifest {source} names (sha256 {} installed, {} listed): reinstall it (flyte-host plugin install {}), then lock again",
                entry.name, entry.version, entry.sha256, locked.sha256, entry.name
            )));
        }
        platforms.push(locked);
    }
    Ok(LockedPlugin {
        name: entry.name.clone(),
        version: entry.version.clone(),
        abi: entry.abi.clone(),
        index,
        manifest: source,
        platforms,
    })
}

/// One platform of a manifest at `base`, with absolute URLs and its signature fetched.
fn lock_platform(platform: &Platform, base: &Location) -> Result<LockedPlatform, InstallError> {
    let signature = match (&platform.signature, &platform.signature_url) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(url)) => Some(fetch::read_text(&Location::parse(url, Some(base))?)?),
        (None, None) => None,
    };
    let key_id = match &signature {
        Some(text) => {
            trust::Signature::parse(text)
                .map_err(|reason| {
                    InstallError::Index(format!(
                        "the signature of {} in {base}: {reason}",
                        platform.target
                    ))
                })?
                .key_id
        }
        None => String::new(),
    };
    Ok(LockedPlatform {
        target: platform.target.clone(),
        url: Location::parse(&platform.url, Some(base))?.to_string(),
        sha256: platform.sha256.clone(),
        key_id,
        signature,
    })
}

/// The one-platform manifest `plugin sync` installs `plugin` from on this machine.
///
/// # Errors
///
/// The lock has no build for this platform.
pub(crate) fn this_platform(plugin: &LockedPlugin, path: &Path) -> Result<Manifest, InstallError> {
    let Some(platform) = plugin.platforms.iter().find(|p| p.target == TARGET) else {
        let has: Vec<&str> = plugin.platforms.iter().map(|p| p.target.as_str()).collect();
        return Err(InstallError::Index(format!(
            "plugin lock `{}` has no build of '{}' {} for this platform ({TARGET}); it has: {}. Lock it for this platform too: flyte-host plugin lock --platform {TARGET} (with the others)",
            path.display(),
            plugin.name,
            plugin.version,
            has.join(", ")
        )));
    };
    Ok(Manifest {
        name: plugin.name.clone(),
        version: plugin.version.clone(),
        description: String::new(),
        abi: plugin.abi.clone(),
        platforms: vec![Platform {
            target: platform.target.clone(),
            url: platform.url.clone(),
            sha256: platform.sha256.clone(),
            signature: platform.signature.clone(),
            signature_url: None,
        }],
    })
}

/// Records that installed plugin `name` came from the locked `manifest` (sync installs it from a
/// one-platform manifest it writes to a temporary directory), so `outdated` and the next `lock`
/// find it again; seals the directory again.
pub(crate) fn record_source(dir: &Path, name: &str, manifest: &str) -> Result<(), InstallError> {
    {
        let _guard = super::lock::Guard::acquire(dir)?;
        let mut lock = super::lock::Lock::read(dir)?;
        let Some(mut entry) = lock.get(name).cloned() else {
            return Ok(());
        };
        entry.source = manifest.to_owned();
        lock.put(entry);
        lock.write(dir)?;
    }
    super::seal::seal(dir);
    Ok(())
}
