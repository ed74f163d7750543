//! The `description` of the Cargo package a plugin library was built from, for `plugin manifest`.
//! The plugin ABI carries no description (1.0 has no such field, and fields are only appended
//! in a new minor), so the manifest reads the crate's Cargo.toml: the library is found in the
//! `target/<profile>/` directory of the package or of its workspace, so the nearest Cargo.toml
//! above it, or a member of that workspace, names the package whose lib file it is.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::plugin_dir::LIBRARY_EXTENSION;

/// The description in the Cargo.toml of the package that built `library` (`libacme_plugin.so`
/// comes from package `acme-plugin` or `acme_plugin`); `None` when no such package is found above
/// it or it has no description.
pub(crate) fn find(library: &Path) -> Option<String> {
    let file = library.file_name()?.to_str()?;
    let stem = file
        .strip_suffix(&format!(".{LIBRARY_EXTENSION}"))?
        .strip_prefix(std::env::consts::DLL_PREFIX)?;
    let library = std::fs::canonicalize(library).ok()?;
    for dir in library.ancestors().skip(1) {
        let Some(manifest) = read(&dir.join("Cargo.toml")) else {
            continue;
        };
        if let Some(description) = description_of(&manifest, stem, None) {
            return Some(description);
        }
        let members = manifest
            .get("workspace")
            .and_then(|w| w.get("members"))
            .and_then(Value::as_array);
        for member in members.into_iter().flatten().filter_map(Value::as_str) {
            for member_dir in expand(dir, member) {
                let Some(package) = read(&member_dir.join("Cargo.toml")) else {
                    continue;
                };
                if let Some(description) = description_of(&package, stem, Some(&manifest)) {
                    return Some(description);
                }
            }
        }
        return None; // the nearest manifest decides: never wander into unrelated projects
    }
    None
}

fn read(path: &Path) -> Option<Table> {
    std::fs::read_to_string(path).ok()?.parse().ok()
}

/// `package.description` of `manifest` if it is package `stem` (`-` and `_` alike), resolving
/// `description.workspace = true` against `workspace`.
fn description_of(manifest: &Table, stem: &str, workspace: Option<&Table>) -> Option<String> {
    let package = manifest.get("package")?.as_table()?;
    let lib_name = manifest
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(Value::as_str);
    let name = lib_name.or_else(|| package.get("name").and_then(Value::as_str))?;
    if name.replace('-', "_") != stem {
        return None;
    }
    let description = match package.get("description")? {
        Value::String(text) => text.clone(),
        Value::Table(t) if t.get("workspace").and_then(Value::as_bool) == Some(true) => workspace?
            .get("workspace")?
            .get("package")?
            .get("description")?
            .as_str()?
            .to_owned(),
        _ => return None,
    };
    Some(description.trim().to_owned()).filter(|d| !d.is_empty())
}

/// The directories a `members` entry names: `plugins/myorg`, or every directory of `plugins/*`.
fn expand(root: &Path, member: &str) -> Vec<PathBuf> {
    match member.strip_suffix("/*") {
        Some(parent) => std::fs::read_dir(root.join(parent))
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect(),
        None => vec![root.join(member)],
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::find;
    use crate::plugin_dir::LIBRARY_EXTENSION;

    fn library(dir: &std::path::Path, stem: &str) -> std::path::PathBuf {
        let release = dir.join("target/release");
        fs::create_dir_all(&release).unwrap();
        let lib = release.join(format!(
            "{}{stem}.{LIBRARY_EXTENSION}",
            std::env::consts::DLL_PREFIX
        ));
        fs::write(&lib, "").unwrap();
        lib
    }

    #[test]
    fn a_packages_own_target_and_a_workspace_member() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"acme-plugin\"\ndescription = \"Acme's plugin\"\n",
        )
        .unwrap();
        assert_eq!(
            find(&library(dir.path(), "acme_plugin")).as_deref(),
            Some("Acme's plugin")
        );
        assert_eq!(find(&library(dir.path(), "other")), None);

        let ws = tempfile::tempdir().unwrap();
        fs::create_dir_all(ws.path().join("plugins/myorg")).unwrap();
        fs::write(
            ws.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"plugins/*\"]\n[workspace.package]\ndescription = \"shared\"\n",
        )
        .unwrap();
        fs::write(
            ws.path().join("plugins/myorg/Cargo.toml"),
            "[package]\nname = \"myorg\"\ndescription.workspace = true\n",
        )
        .unwrap();
        assert_eq!(
            find(&library(ws.path(), "myorg")).as_deref(),
            Some("shared")
        );
    }
}
