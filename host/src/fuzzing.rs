//! One entry point per parser of outside input, for the cargo-fuzz targets in `fuzz/` (not an
//! API: the modules behind it may become private). Each takes whatever bytes the fuzzer makes,
//! parses them as the host parses the file once read, and returns whether they were accepted; a
//! panic, a hang or a slow input is the finding.

use std::path::Path;

use crate::{
    config,
    install::{lock::Lock, manifest::Manifest},
    tasks,
};

/// `bytes` as the text of a file the bounded reader accepted (UTF-8), else `None`.
fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// A flytectl YAML config file (`config.yaml`), depth check included.
pub fn config_yaml(bytes: &[u8]) -> bool {
    text(bytes).is_some_and(|t| config::check_text(Path::new("config.yaml"), t).is_ok())
}

/// A legacy INI config file (`flytekit.config`).
pub fn config_ini(bytes: &[u8]) -> bool {
    text(bytes).is_some_and(|t| config::check_text(Path::new("flytekit.config"), t).is_ok())
}

/// A task file (TOML `[[task]]` tables).
pub fn task_file(bytes: &[u8]) -> bool {
    text(bytes).is_some_and(|t| tasks::parse_text(Path::new("tasks.toml"), t).is_ok())
}

/// A plugin manifest; an accepted one also renders back to itself.
pub fn manifest(bytes: &[u8]) -> bool {
    let Some(Ok(manifest)) = text(bytes).map(|t| Manifest::parse(t, "manifest.toml")) else {
        return false;
    };
    let again = Manifest::parse(&manifest.render(), "rendered")
        .expect("a parsed manifest renders to a manifest that parses");
    assert_eq!(
        again, manifest,
        "a manifest changed through render and parse"
    );
    true
}

/// The plugin directory's lock file. Its fast path must read every lock the TOML parser reads
/// the same way (it may accept some text the TOML parser refuses: the host wrote it).
pub fn lock(bytes: &[u8]) -> bool {
    let Some(t) = text(bytes) else {
        return false;
    };
    if let (Some(fast), Ok(toml)) = (
        crate::install::lock::parse_fast(t),
        toml::from_str::<Lock>(t),
    ) {
        assert_eq!(fast.plugins, toml.plugins, "the fast lock parser misread");
    }
    Lock::parse(t, Path::new("plugins.lock")).is_ok()
}

/// What `register files` reads from a pyflyte package: the bytes as an (uncompressed) tar stream
/// of `.pb` files, and as each serialized message kind; accepted entities are then given a
/// project, domain and version and put in dependency order.
pub fn packaged(bytes: &[u8]) -> bool {
    use crate::{packaged, remote::Entity};
    for kind in [Entity::Task, Entity::Workflow, Entity::LaunchPlan] {
        let _ = packaged::decode_one(kind, bytes);
    }
    let Ok(entities) = packaged::load_tar_bytes(bytes) else {
        return false;
    };
    let target = packaged::Target {
        project: "p".into(),
        domain: "d".into(),
        version: "v".into(),
    };
    packaged::prepare(entities, &target).is_ok()
}

/// An organization's plugin index.
pub fn plugin_index(bytes: &[u8]) -> bool {
    text(bytes)
        .is_some_and(|t| crate::install::index::file::IndexFile::parse(t, "index.toml").is_ok())
}

/// A project's plugin lock (`flyte-plugins.lock`); an accepted one also writes back to itself.
pub fn project_lock(bytes: &[u8]) -> bool {
    use crate::install::project_lock::ProjectLock;
    let path = Path::new("flyte-plugins.lock");
    let Some(Ok(lock)) = text(bytes).map(|t| ProjectLock::parse(t, path)) else {
        return false;
    };
    let written = lock.to_text().expect("a parsed lock writes");
    let again = ProjectLock::parse(&written, path).expect("a written lock parses");
    assert_eq!(again, lock, "a lock changed through write and parse");
    true
}

/// A minisign signature (`.minisig`, inline in manifests and locks).
pub fn minisign_signature(bytes: &[u8]) -> bool {
    text(bytes).is_some_and(|t| crate::trust::Signature::parse(t).is_ok())
}
