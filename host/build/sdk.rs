//! Embeds the `flyte-plugin-abi` crate the host is built with: every file of `plugin-abi/src`
//! (listed here, so a new module is never forgotten), its README, and its Cargo.toml with the
//! workspace inheritance resolved (`edition.workspace = true` → the workspace's value), so the copy
//! builds on its own, outside this workspace. Writes `$OUT_DIR/sdk_files.rs`: a
//! `&[(&str, &str)]` of (relative path, contents).

use std::{
    error::Error,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use toml::{Table, Value};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Writes `$OUT_DIR/sdk_files.rs` and `$OUT_DIR/sdk-Cargo.toml`, and exports the crate's version
/// as `FLYTE_PLUGIN_ABI_CRATE_VERSION`.
pub(crate) fn embed() -> Result<()> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let workspace = manifest_dir
        .parent()
        .ok_or("the host crate has no parent directory")?;
    let abi = workspace.join("plugin-abi");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    for watched in [abi.clone(), workspace.join("Cargo.toml")] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }

    let abi_manifest = fs::read_to_string(abi.join("Cargo.toml"))?;
    let version = abi_manifest.parse::<Table>()?["package"]["version"]
        .as_str()
        .ok_or("plugin-abi/Cargo.toml has no literal package.version")?
        .to_owned();
    println!("cargo:rustc-env=FLYTE_PLUGIN_ABI_CRATE_VERSION={version}");
    let cargo_toml = standalone_manifest(
        &abi_manifest,
        &fs::read_to_string(workspace.join("Cargo.toml"))?.parse::<Table>()?,
    )?;
    let cargo_toml_out = out.join("sdk-Cargo.toml");
    fs::write(&cargo_toml_out, cargo_toml)?;

    let mut files = vec![
        ("Cargo.toml".to_owned(), cargo_toml_out),
        ("README.md".to_owned(), abi.join("README.md")),
    ];
    let mut sources = Vec::new();
    list(&abi.join("src"), &mut sources)?;
    sources.sort();
    for source in sources {
        let relative = source
            .strip_prefix(&abi)?
            .to_str()
            .ok_or("non-UTF-8 path")?;
        files.push((relative.replace('\\', "/"), source));
    }
    let mut code = String::from("&[\n");
    for (relative, path) in files {
        writeln!(
            code,
            "    ({relative:?}, include_str!({:?})),",
            path.display().to_string()
        )?;
    }
    code.push(']');
    fs::write(out.join("sdk_files.rs"), code)?;
    Ok(())
}

/// Every file under `dir`, recursively.
fn list(dir: &Path, into: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list(&path, into)?;
        } else {
            into.push(path);
        }
    }
    Ok(())
}

/// `flyte-plugin-abi`'s manifest with `key.workspace = true` replaced by the workspace's values and
/// the workspace lints inlined, as `cargo package` would normalize it.
fn standalone_manifest(text: &str, workspace: &Table) -> Result<String> {
    let mut manifest = text.parse::<Table>()?;
    let shared = workspace
        .get("workspace")
        .and_then(Value::as_table)
        .ok_or("the workspace Cargo.toml has no [workspace]")?;
    let inherited = |section: &str| shared.get(section).and_then(Value::as_table);
    if let Some(Value::Table(package)) = manifest.get_mut("package") {
        for (key, value) in package.iter_mut() {
            if is_inherited(value) {
                *value = inherited("package")
                    .and_then(|p| p.get(key))
                    .ok_or_else(|| format!("workspace.package.{key} is not set"))?
                    .clone();
            }
        }
    }
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(Value::Table(deps)) = manifest.get_mut(section) else {
            continue;
        };
        for (name, value) in deps.iter_mut() {
            if !is_inherited(value) {
                continue;
            }
            let mut resolved = match inherited("dependencies").and_then(|d| d.get(name)) {
                Some(Value::Table(t)) => t.clone(),
                Some(Value::String(v)) => Table::from_iter([("version".into(), v.clone().into())]),
                _ => return Err(format!("workspace.dependencies.{name} is not set").into()),
            };
            if let Value::Table(own) = value {
                for (k, v) in own.iter().filter(|(k, _)| *k != "workspace") {
                    resolved.insert(k.clone(), v.clone());
                }
            }
            *value = Value::Table(resolved);
        }
    }
    if manifest.get("lints").is_some_and(is_inherited) {
        match inherited("lints") {
            Some(lints) => manifest.insert("lints".into(), Value::Table(lints.clone())),
            None => manifest.remove("lints"),
        };
    }
    // [package] first, as people write it (the table itself sorts its keys).
    let package = manifest.remove("package").ok_or("no [package]")?;
    Ok(format!(
        "# flyte-plugin-abi as embedded in flyte-host (`flyte-host plugin new` writes it out); the\n\
         # same source as the published crate of this version.\n\n{}\n{}",
        toml::to_string(&Table::from_iter([("package".to_owned(), package)]))?,
        toml::to_string(&manifest)?
    ))
}

/// Whether `value` is `{ workspace = true, … }`.
fn is_inherited(value: &Value) -> bool {
    value
        .as_table()
        .and_then(|t| t.get("workspace"))
        .and_then(Value::as_bool)
        == Some(true)
}
