//! Which config file to read: flytekit's `get_config_file` search order.

use std::path::{Path, PathBuf};

use super::{ConfigError, Env};

/// pyflyte's own override, set for its child processes; beats [`FLYTECTL_CONFIG`].
pub(crate) const FLYTECTL_CONFIG_OVERRIDE: &str = "_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE";
/// The variable the flytectl sandbox instructions tell users to set.
pub(crate) const FLYTECTL_CONFIG: &str = "FLYTECTL_CONFIG";

/// The config file to read, searched in flytekit's order:
///
/// 1. `explicit` (e.g. `--config`);
/// 2. `$_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE`, else `$FLYTECTL_CONFIG`;
/// 3. `./flytekit.config` (legacy INI);
/// 4. `~/.flyte/config` (legacy INI);
/// 5. `~/.flyte/config.yaml`.
///
/// Relative paths resolve against [`Env::cwd`]. `None` when no step finds a file. Unlike
/// flytekit, which warns and moves on, a file named in steps 1 or 2 that does not exist is an
/// error.
///
/// # Errors
///
/// [`ConfigError::MissingFile`] when the file named in step 1 or 2 does not exist.
pub(crate) fn find_config_file(
    explicit: Option<&Path>,
    env: &Env,
) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(path) = explicit {
        return named(path, "given with --config".to_owned(), env).map(Some);
    }
    for var in [FLYTECTL_CONFIG_OVERRIDE, FLYTECTL_CONFIG] {
        if let Some(path) = env.var(var) {
            return named(Path::new(path), format!("named by ${var}"), env).map(Some);
        }
    }
    let mut candidates = vec![env.cwd().join("flytekit.config")];
    if let Some(home) = env.home() {
        candidates.push(home.join(".flyte").join("config"));
        candidates.push(home.join(".flyte").join("config.yaml"));
    }
    Ok(candidates.into_iter().find(|path| path.exists()))
}

/// `path` made absolute, if it exists.
fn named(path: &Path, named_by: String, env: &Env) -> Result<PathBuf, ConfigError> {
    let path = env.cwd().join(path);
    if path.exists() {
        Ok(path)
    } else {
        Err(ConfigError::MissingFile { path, named_by })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use tempfile::TempDir;

    use super::*;
    use crate::config::tests::{env, sandbox_dirs};

    /// A sandbox (see [`sandbox_dirs`]) with these files created in it.
    fn layout(files: &[&str]) -> Result<TempDir, std::io::Error> {
        let dir = sandbox_dirs()?;
        for file in files {
            fs::write(dir.path().join(file), "")?;
        }
        Ok(dir)
    }

    fn found(dir: &TempDir, explicit: Option<&str>, vars: &[(&str, &str)]) -> Option<PathBuf> {
        match find_config_file(explicit.map(Path::new), &env(dir, vars)) {
            Ok(found) => found.map(|p| p.strip_prefix(dir.path()).unwrap_or(&p).to_owned()),
            Err(e) => panic!("{e}"),
        }
    }

    const ALL: &[&str] = &[
        "explicit.yaml",
        "override.yaml",
        "flytectl.yaml",
        "work/flytekit.config",
        "home/.flyte/config",
        "home/.flyte/config.yaml",
    ];

    #[test]
    fn each_step_beats_the_ones_after_it() -> Result<(), std::io::Error> {
        let dir = layout(ALL)?;
        let vars = [
            (FLYTECTL_CONFIG_OVERRIDE, "../override.yaml"),
            (FLYTECTL_CONFIG, "../flytectl.yaml"),
        ];
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(
            found(&dir, Some("../explicit.yaml"), &vars),
            p("work/../explicit.yaml")
        );
        assert_eq!(found(&dir, None, &vars), p("work/../override.yaml"));
        assert_eq!(found(&dir, None, &vars[1..]), p("work/../flytectl.yaml"));
        assert_eq!(found(&dir, None, &[]), p("work/flytekit.config"));
        fs::remove_file(dir.path().join("work/flytekit.config"))?;
        assert_eq!(found(&dir, None, &[]), p("home/.flyte/config"));
        fs::remove_file(dir.path().join("home/.flyte/config"))?;
        assert_eq!(found(&dir, None, &[]), p("home/.flyte/config.yaml"));
        fs::remove_file(dir.path().join("home/.flyte/config.yaml"))?;
        assert_eq!(found(&dir, None, &[]), None);
        Ok(())
    }

    #[test]
    fn empty_variables_are_skipped() -> Result<(), std::io::Error> {
        let dir = layout(&["home/.flyte/config.yaml"])?;
        let vars = [(FLYTECTL_CONFIG_OVERRIDE, ""), (FLYTECTL_CONFIG, "")];
        assert_eq!(
            found(&dir, None, &vars),
            Some(PathBuf::from("home/.flyte/config.yaml"))
        );
        Ok(())
    }

    #[test]
    fn no_home_skips_home_steps() -> Result<(), Box<dyn std::error::Error>> {
        let dir = layout(&["home/.flyte/config.yaml"])?;
        let homeless = Env::new([], None, dir.path().join("work"));
        assert_eq!(find_config_file(None, &homeless)?, None);
        Ok(())
    }

    #[test]
    fn named_files_that_do_not_exist_are_errors() -> Result<(), std::io::Error> {
        let dir = layout(ALL)?;
        let cases = [
            (Some("nope.yaml"), vec![], "given with --config"),
            (
                None,
                vec![(FLYTECTL_CONFIG, "nope.yaml")],
                "$FLYTECTL_CONFIG",
            ),
            (
                None,
                vec![
                    (FLYTECTL_CONFIG_OVERRIDE, "nope.yaml"),
                    (FLYTECTL_CONFIG, "../flytectl.yaml"),
                ],
                "$_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE",
            ),
        ];
        for (explicit, vars, named_by) in cases {
            match find_config_file(explicit.map(Path::new), &env(&dir, &vars)) {
                Err(e @ ConfigError::MissingFile { .. }) => {
                    let shown = e.to_string();
                    assert!(shown.contains(named_by), "{shown}");
                    let missing = dir.path().join("work/nope.yaml");
                    assert!(shown.contains(&missing.display().to_string()), "{shown}");
                }
                other => panic!("{explicit:?} {vars:?}: {other:?}"),
            }
        }
        Ok(())
    }
}
