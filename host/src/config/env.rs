//! A snapshot of the environment variables, home and current directory that config resolution reads.

use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
};

use super::{
    settings::{Entry, StringSource},
    ConfigError,
};

/// The process state config resolution depends on, captured once so that resolution is a pure
/// function and tests need no real environment.
#[derive(Clone)]
pub(crate) struct Env {
    vars: HashMap<String, String>,
    home: Option<PathBuf>,
    cwd: PathBuf,
}

/// This process's home directory: `$HOME`, else `%USERPROFILE%` (empty or relative values count
/// as unset: a relative one would read the config from, and write tokens under, whatever the
/// current directory is).
pub(crate) fn home_dir() -> Option<PathBuf> {
    ["HOME", "USERPROFILE"]
        .into_iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .find(|h| h.is_absolute())
}

impl Env {
    /// Captures this process's environment: its variables (those that are not valid UTF-8 are
    /// skipped), `$HOME` (or `%USERPROFILE%`) and the current directory (`.` if it is gone).
    pub(crate) fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        let home = home_dir();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Env::new(vars, home, cwd)
    }

    /// An environment with exactly these variables, home directory and current directory.
    pub(crate) fn new(
        vars: impl IntoIterator<Item = (String, String)>,
        home: Option<PathBuf>,
        cwd: PathBuf,
    ) -> Env {
        Env {
            vars: vars.into_iter().collect(),
            home,
            cwd,
        }
    }

    /// The value of a variable; an empty value counts as unset.
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The user's home directory, if known.
    pub(crate) fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    /// The current directory; relative paths resolve against it.
    pub(crate) fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `path` with a leading `~` replaced by the home directory (unchanged if the home is unknown).
    pub(super) fn expand_home(&self, path: &str) -> String {
        let rest = match path.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with(['/', '\\']) => rest,
            _ => return path.to_owned(),
        };
        match &self.home {
            Some(home) => format!("{}{rest}", home.display()),
            None => path.to_owned(),
        }
    }

    /// `path` with `~` expanded, made absolute against the current directory.
    pub(super) fn resolve(&self, path: &str) -> PathBuf {
        self.cwd.join(self.expand_home(path))
    }
}

impl fmt::Debug for Env {
    /// Shows only how many variables there are: some of them hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("vars", &format_args!("<{} variables>", self.vars.len()))
            .field("home", &self.home)
            .field("cwd", &self.cwd)
            .finish()
    }
}

/// Environment overrides: each setting from `FLYTE_<SECTION>_<OPTION>`.
impl StringSource for Env {
    fn raw(&self, entry: Entry) -> Result<Option<String>, ConfigError> {
        Ok(self.var(&entry.env_var()).map(str::to_owned))
    }

    fn invalid(&self, entry: Entry, message: String) -> ConfigError {
        ConfigError::InvalidEnv {
            var: entry.env_var(),
            message,
        }
    }

    fn describe(&self, entry: Entry) -> String {
        format!("environment variable {}", entry.env_var())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::new(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            Some(PathBuf::from("/home/me")),
            PathBuf::from("/work"),
        )
    }

    #[test]
    fn empty_values_count_as_unset() {
        let e = env(&[("A", "1"), ("B", "")]);
        assert_eq!(e.var("A"), Some("1"));
        assert_eq!(e.var("B"), None);
        assert_eq!(e.var("C"), None);
    }

    #[test]
    fn paths_expand_home_and_resolve_against_cwd() {
        let e = env(&[]);
        assert_eq!(e.expand_home("~/s"), "/home/me/s");
        assert_eq!(e.expand_home("~"), "/home/me");
        assert_eq!(e.expand_home("~bob/s"), "~bob/s");
        assert_eq!(e.resolve("~/s"), PathBuf::from("/home/me/s"));
        assert_eq!(e.resolve("s"), PathBuf::from("/work/s"));
        assert_eq!(e.resolve("/abs/s"), PathBuf::from("/abs/s"));
        let homeless = Env::new([], None, PathBuf::from("/work"));
        assert_eq!(homeless.expand_home("~/s"), "~/s");
    }

    #[test]
    fn debug_hides_values() {
        let shown = format!(
            "{:?}",
            env(&[("FLYTE_CREDENTIALS_CLIENT_SECRET", "hunter2")])
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
