//! `plugin new`: writes a ready-to-build plugin crate from the templates next to this file.

use std::{fs, path::Path};

use super::{sdk, InstallError};
use crate::plugin_dir::LIBRARY_EXTENSION;

const CARGO_TOML: &str = include_str!("Cargo.toml.tmpl");
const LIB_RS: &str = include_str!("lib.rs.tmpl");
const README: &str = include_str!("README.md.tmpl");
const GITIGNORE: &str = include_str!("gitignore.tmpl");

/// Where the scaffolded crate gets `flyte-plugin-abi` from.
pub(crate) enum AbiSource<'a> {
    /// The copy this host carries, written out under the user's home (see [`super::sdk`]).
    Sdk {
        /// The home directory (`~`).
        home: &'a Path,
    },
    /// A `flyte-plugin-abi` crate directory, and what named it (`--abi-path`,
    /// `FLYTE_PLUGIN_ABI_PATH`) for the error when it is not there.
    Path(&'a Path, &'static str),
    /// The crate registry's `flyte-plugin-abi` of this host's major version (`--abi-registry`).
    Registry,
}

/// Writes the plugin crate `name` into `dir` (which must not exist or be empty), depending on
/// `flyte-plugin-abi` from `abi`; returns that dependency as the crate's Cargo.toml has it.
pub(crate) fn scaffold(name: &str, dir: &Path, abi: AbiSource<'_>) -> Result<String, InstallError> {
    let fail = |reason: String| InstallError::Scaffold {
        path: dir.to_owned(),
        reason,
    };
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(fail(format!(
            "`{name}` is not a valid crate name: start with a letter, then letters, digits, `-` or `_`"
        )));
    }
    if fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(fail(
            "the directory exists and is not empty: choose another --path".into(),
        ));
    }
    let path_dependency = |path: &Path| format!("{{ path = {:?} }}", path.display().to_string());
    let major = sdk::VERSION.split('.').next().unwrap_or(sdk::VERSION);
    let (abi_comment, abi_dependency, abi_needs) = match abi {
        AbiSource::Sdk { home } => (
            format!(
                "# The plugin ABI's source as this flyte-host carries it (written out by `flyte-host plugin new`).\n\
                 # Once flyte-plugin-abi is published on crates.io, `flyte-plugin-abi = \"{major}\"` works too."
            ),
            path_dependency(&sdk::write_out(home)?),
            format!(
                "A Rust toolchain (1.85 or newer) and the `flyte-host` binary that created it; no checkout of\n\
                 flyte-host. `Cargo.toml` depends on the plugin ABI's source that this `flyte-host` carries and\n\
                 wrote to `~/.flyte/sdk/flyte-plugin-abi-{version}/` (a second `flyte-host plugin new` rewrites it\n\
                 if it was changed); its other dependencies (`abi_stable`, …) come from crates.io.\n\
                 `flyte-host plugin new NAME --abi-registry` depends on `flyte-plugin-abi` from crates.io instead\n\
                 (once it is published there), and `--abi-path DIR` on a local checkout of it.",
                version = sdk::VERSION
            ),
        ),
        AbiSource::Path(path, given_by) => {
            let path = fs::canonicalize(path)
                .map_err(|e| fail(format!("{given_by} {}: {e}", path.display())))?;
            let needs = format!(
                "A Rust toolchain (1.85 or newer), the `flyte-host` binary, and the `flyte-plugin-abi` crate at\n\
                 `{}` (`flyte-host plugin new --abi-path`), which `Cargo.toml` depends on by path; the other\n\
                 dependencies (`abi_stable`, …) come from crates.io. Without `--abi-path`, `flyte-host plugin new`\n\
                 depends on the copy of the plugin ABI that `flyte-host` itself carries instead.",
                path.display()
            );
            (
                "# A local flyte-plugin-abi crate (`flyte-host plugin new --abi-path`).".to_owned(),
                path_dependency(&path),
                needs,
            )
        }
        AbiSource::Registry => (
            "# flyte-plugin-abi from crates.io (`flyte-host plugin new --abi-registry`).".to_owned(),
            format!("\"{major}\""),
            format!(
                "A Rust toolchain (1.85 or newer) and the `flyte-host` binary. `Cargo.toml` depends on\n\
                 `flyte-plugin-abi = \"{major}\"` from crates.io (`flyte-host plugin new --abi-registry`), like its\n\
                 other dependencies (`abi_stable`, …). Until flyte-plugin-abi is published there, that build\n\
                 fails with `no matching package named flyte-plugin-abi found`: `flyte-host plugin new NAME`\n\
                 without `--abi-registry` depends on the copy of the plugin ABI that `flyte-host` itself carries\n\
                 (written to `~/.flyte/sdk/flyte-plugin-abi-{version}/`) and builds anywhere.",
                version = sdk::VERSION
            ),
        ),
    };
    // The same crate with the test harness (`flyte_plugin_abi::testing`) for `cargo test`.
    let abi_test_dependency = match abi_dependency.strip_suffix(" }") {
        Some(table) => format!("{table}, features = [\"testing\"] }}"),
        None => format!("{{ version = {abi_dependency}, features = [\"testing\"] }}"),
    };
    let crate_name = name.replace('-', "_");
    let type_name: String = name
        .split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<String>()
        + "Plugin";
    let library = format!(
        "{}{crate_name}.{LIBRARY_EXTENSION}",
        std::env::consts::DLL_PREFIX
    );
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{type_name}}", &type_name)
            .replace("{{library}}", &library)
            .replace("{{abi_comment}}", &abi_comment)
            .replace("{{abi_dependency}}", &abi_dependency)
            .replace("{{abi_test_dependency}}", &abi_test_dependency)
            .replace("{{abi_needs}}", &abi_needs)
    };
    let files = [
        ("Cargo.toml", fill(CARGO_TOML)),
        ("src/lib.rs", fill(LIB_RS)),
        ("README.md", fill(README)),
        (".gitignore", fill(GITIGNORE)),
    ];
    fs::create_dir_all(dir.join("src")).map_err(|e| fail(e.to_string()))?;
    for (file, text) in files {
        fs::write(dir.join(file), text).map_err(|e| fail(format!("{file}: {e}")))?;
    }
    Ok(format!("flyte-plugin-abi = {abi_dependency}"))
}

#[cfg(test)]
mod tests {
    use super::{scaffold, AbiSource};

    #[test]
    fn each_abi_source_gives_its_dependency() {
        let dir = tempfile::tempdir().unwrap();
        let registry = scaffold("a", &dir.path().join("a"), AbiSource::Registry).unwrap();
        assert_eq!(registry, "flyte-plugin-abi = \"1\"");
        let manifest = std::fs::read_to_string(dir.path().join("a/Cargo.toml")).unwrap();
        assert!(
            manifest.contains("\nflyte-plugin-abi = \"1\"\n"),
            "{manifest}"
        );
        assert!(
            manifest.contains(
                "[dev-dependencies]\nflyte-plugin-abi = { version = \"1\", features = [\"testing\"] }\n"
            ),
            "{manifest}"
        );

        let home = dir.path().join("home");
        let sdk = scaffold("b", &dir.path().join("b"), AbiSource::Sdk { home: &home }).unwrap();
        let expected = super::sdk::dir(&home);
        assert_eq!(
            sdk,
            format!(
                "flyte-plugin-abi = {{ path = {:?} }}",
                expected.display().to_string()
            )
        );
        assert!(expected.join("src/lib.rs").is_file());
        assert!(expected.join("src/testing/mod.rs").is_file());
        let manifest = std::fs::read_to_string(dir.path().join("b/Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!(
                "[dev-dependencies]\nflyte-plugin-abi = {{ path = {:?}, features = [\"testing\"] }}\n",
                expected.display().to_string()
            )),
            "{manifest}"
        );
    }

    #[test]
    fn the_readme_says_where_the_abi_comes_from() {
        let dir = tempfile::tempdir().unwrap();
        let readme =
            |name: &str| std::fs::read_to_string(dir.path().join(name).join("README.md")).unwrap();
        scaffold("a", &dir.path().join("a"), AbiSource::Registry).unwrap();
        let registry = readme("a");
        assert!(
            registry.contains("`flyte-plugin-abi = \"1\"` from crates.io"),
            "{registry}"
        );
        assert!(
            !registry.contains("depends on the plugin ABI's source"),
            "{registry}"
        );

        let abi = dir.path().join("abi");
        std::fs::create_dir(&abi).unwrap();
        scaffold(
            "b",
            &dir.path().join("b"),
            AbiSource::Path(&abi, "--abi-path"),
        )
        .unwrap();
        let path = readme("b");
        let abi = std::fs::canonicalize(&abi).unwrap();
        assert!(
            path.contains(&format!("crate at\n`{}`", abi.display())),
            "{path}"
        );

        let home = dir.path().join("home");
        scaffold("c", &dir.path().join("c"), AbiSource::Sdk { home: &home }).unwrap();
        let sdk = readme("c");
        assert!(
            sdk.contains(&format!(
                "`~/.flyte/sdk/flyte-plugin-abi-{}/`",
                super::sdk::VERSION
            )),
            "{sdk}"
        );
    }
}
