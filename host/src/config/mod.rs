//! flytekit's `Config.auto`, `Config.for_endpoint` and `Config.for_sandbox`: finding the config
//! file, reading flytectl YAML or legacy INI, and applying `FLYTE_*` environment overrides.
//!
//! Everything here is a pure function of the files on disk and an [`Env`] snapshot.

mod api_key;
mod env;
mod error;
mod ini;
pub(crate) mod init;
mod platform;
mod search;
mod settings;
mod unknown_keys;
mod yaml;

use std::path::Path;

use flyte_plugin_abi::{AuthMode, Config, ConfigOrigin, PlatformConfig};

use crate::input;
pub(crate) use env::{home_dir, Env};
pub(crate) use error::ConfigError;
pub(crate) use search::find_config_file;
use settings::{strip_dns, Settings};

/// flytekit's `Config.auto(config_file)`: the settings in `config_file` (or in the file
/// [`find_config_file`] finds when `None`), each overridden by its `FLYTE_<SECTION>_<OPTION>`
/// environment variable, flytekit's defaults filling the rest. With no file at all the settings
/// come from the environment alone and the origin is [`ConfigOrigin::Env`].
///
/// # Errors
///
/// A named config file that does not exist, a file that cannot be read or parsed, a setting or
/// `FLYTE_*` variable with an unusable value, or a client secret file that cannot be read.
pub(crate) fn auto(config_file: Option<&Path>, env: &Env) -> Result<Config, ConfigError> {
    let found = find_config_file(config_file, env)?;
    resolve(found.as_deref(), env)
}

/// flytekit's `Config.for_endpoint(endpoint, insecure)`: runs [`auto`] with no file named (so a
/// broken config file or `FLYTE_*` variable is still reported), then uses flytekit's default
/// platform settings with this endpoint (`dns:///` stripped) and `insecure`. `config_file` keeps
/// the file `auto` found, since flytekit still uses its non-platform settings.
///
/// # Errors
///
/// Whatever [`auto`] reports.
pub(crate) fn for_endpoint(
    endpoint: &str,
    insecure: bool,
    env: &Env,
) -> Result<Config, ConfigError> {
    let found = auto(None, env)?;
    Ok(Config {
        platform: PlatformConfig {
            endpoint: strip_dns(endpoint),
            insecure,
            ..PlatformConfig::default()
        },
        config_file: found.config_file,
        origin: ConfigOrigin::Endpoint,
    })
}

/// flytekit's `Config.for_sandbox()`: `localhost:30080`, insecure, PKCE.
#[must_use]
pub(crate) fn for_sandbox() -> Config {
    Config {
        platform: PlatformConfig {
            endpoint: "localhost:30080".to_owned(),
            insecure: true,
            auth_mode: AuthMode::Pkce,
            ..PlatformConfig::default()
        },
        config_file: None,
        origin: ConfigOrigin::Sandbox,
    }
}

/// The config the built-in plugin's `get_remote` uses (flytekit `FlytekitPlugin.get_remote`):
/// `FLYTE_API_KEY` when set (an extension, as Flyte 2: client credentials to its endpoint, above
/// any config file), else the config file found from `explicit`, else the environment when
/// `FLYTE_PLATFORM_URL` is set, else the sandbox.
///
/// # Errors
///
/// Whatever [`find_config_file`] and [`auto`] report.
pub(crate) fn default_remote_config(
    explicit: Option<&Path>,
    env: &Env,
) -> Result<Config, ConfigError> {
    if let Some(key) = api_key::ApiKey::from_env(env)? {
        let found = find_config_file(explicit, env)?;
        return Ok(key.config(found.map(|f| f.display().to_string())));
    }
    match find_config_file(explicit, env)? {
        Some(file) => resolve(Some(&file), env),
        None if env.var("FLYTE_PLATFORM_URL").is_some() => resolve(None, env),
        None => Ok(for_sandbox()),
    }
}

/// The config from `file` (if any) under the environment's overrides.
fn resolve(file: Option<&Path>, env: &Env) -> Result<Config, ConfigError> {
    let from_file = file.map(read_settings).transpose()?.unwrap_or_default();
    let from_env = Settings::from_strings(env)?;
    Ok(Config {
        platform: from_env.or(from_file).into_platform(env)?,
        config_file: file.map(|f| f.display().to_string()),
        origin: match file {
            Some(_) => ConfigOrigin::ConfigFile,
            None => ConfigOrigin::Env,
        },
    })
}

/// The settings in config file `path`, read within [`input::CONFIG_MAX`]. Unknown keys in the
/// sections read are warned about on stderr.
fn read_settings(path: &Path) -> Result<Settings, ConfigError> {
    let text =
        input::read_text(path, input::CONFIG_MAX).map_err(|error| ConfigError::ReadFile {
            path: path.to_owned(),
            error,
        })?;
    let (settings, warnings) = parse_settings(path, &text)?;
    unknown_keys::print(warnings);
    Ok(settings)
}

/// The settings in config text `text` read from `path`, and the warnings about unknown keys: YAML
/// when its name ends in `yaml` or `yml` (as flytekit decides), legacy INI otherwise.
fn parse_settings(path: &Path, text: &str) -> Result<(Settings, Vec<String>), ConfigError> {
    let name = path.to_string_lossy();
    if name.ends_with("yaml") || name.ends_with("yml") {
        if let Some(line) = input::yaml_too_deep(text) {
            return Err(ConfigError::YamlDepth {
                path: path.to_owned(),
                line,
                limit: input::YAML_DEPTH_MAX,
            });
        }
        Ok((yaml::parse(path, text)?, unknown_keys::in_yaml(path, text)))
    } else {
        ini::parse_with_warnings(path, text)
    }
}

/// Parses config text as reading file `path` would, keeping only the verdict (the fuzzers' entry).
pub(crate) fn check_text(path: &Path, text: &str) -> Result<(), ConfigError> {
    parse_settings(path, text).map(drop)
}

#[cfg(test)]
mod tests;
