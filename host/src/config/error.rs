//! The errors config resolution reports, each a short paragraph naming the culprit and the fix.

use std::{io, path::PathBuf};

/// Why no [`Config`](flyte_plugin_abi::Config) could be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// A config file named explicitly or by an environment variable does not exist.
    #[error(
        "config file `{}` ({named_by}) does not exist. Check the path, or leave it out to use \
         the usual search (./flytekit.config, ~/.flyte/config, ~/.flyte/config.yaml).",
        .path.display()
    )]
    MissingFile {
        /// The path, resolved against the current directory.
        path: PathBuf,
        /// Who named it, e.g. `named by $FLYTECTL_CONFIG`.
        named_by: String,
    },

    /// A config file exists but cannot be read.
    #[error("cannot read config file `{}`: {error}. Check that it is a readable text file.", .path.display())]
    ReadFile {
        /// The config file.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
    },

    /// A YAML config file is malformed, or one of its `admin`/`console` settings has a value of
    /// the wrong kind. The message names the key and the line.
    #[error(
        "config file `{}` is invalid: {error}. {}",
        .path.display(),
        if .line.is_some() { "Fix the value at that line." } else { "Fix the file." }
    )]
    Yaml {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the problem, when the parser knows it.
        line: Option<usize>,
        /// The parser's description, including the key path and position.
        error: serde_yaml_ng::Error,
    },

    /// A YAML config file whose top level is not a mapping.
    #[error(
        "config file `{}` line 1: the file is a {found}, but a Flyte config file is a mapping of \
         sections (`admin:`, `console:`, …). Fix the file, or point --config at the right one.",
        .path.display()
    )]
    YamlShape {
        /// The config file.
        path: PathBuf,
        /// What the top level is.
        found: &'static str,
    },

    /// A YAML config file whose lists and mappings nest deeper than any config needs (checked
    /// before parsing, whose cost grows with the square of the depth).
    #[error(
        "config file `{}` line {line}: lists and mappings nest more than {limit} levels deep, \
         deeper than flyte-host reads (a Flyte config nests three). Fix the file (an unclosed \
         `[` or `{{`?), or point --config at the right one.",
        .path.display()
    )]
    YamlDepth {
        /// The config file.
        path: PathBuf,
        /// 1-based line where the limit is passed.
        line: usize,
        /// The deepest nesting read.
        limit: usize,
    },

    /// A legacy INI config file cannot be parsed.
    #[error(
        "config file `{}` line {line}: {message}. Legacy config files are INI: `[section]` \
         headers followed by `key = value` lines.",
        .path.display()
    )]
    Ini {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong there.
        message: String,
    },

    /// A setting in a legacy INI config file has a value that cannot be used.
    #[error("config file `{}`{}: bad value for {key}: {message}.", .path.display(), at_line(*.line))]
    InvalidValue {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the setting, when it could be found.
        line: Option<usize>,
        /// The setting, e.g. `insecure in [platform]`.
        key: String,
        /// What is wrong with the value and what is expected.
        message: String,
    },

    /// A `FLYTE_*` environment variable has a value that cannot be used.
    #[error("environment variable {var} is invalid: {message}. Fix or unset it.")]
    InvalidEnv {
        /// The variable, e.g. `FLYTE_PLATFORM_INSECURE`.
        var: String,
        /// What is wrong with the value and what is expected.
        message: String,
    },

    /// The client secret file a setting points to cannot be read.
    #[error(
        "cannot read the client secret file `{}` named by {key}: {error}. Fix the path, or \
         remove the setting.",
        .path.display()
    )]
    SecretFile {
        /// Where the location was set, e.g. ``admin.clientSecretLocation in `/home/me/.flyte/config.yaml` ``.
        key: String,
        /// The secret file, resolved against the home and current directories.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
    },
}

/// ` line N`, or nothing when the line is unknown.
fn at_line(line: Option<usize>) -> String {
    line.map(|n| format!(" line {n}")).unwrap_or_default()
}
