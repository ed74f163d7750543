//! flytekit's `Config.auto / for_endpoint / for_sandbox` and the built-in `get_remote`'s config, as
//! the harness computes them: the host's rules (search order, `FLYTE_*` overrides, flytekit's
//! defaults) on the harness's own variables, home and current directory.
//!
//! The host reads config files with full YAML and Python-configparser parsers; the harness reads
//! the same keys from the plain form such files have (`key: value` under `admin:` / `console:`,
//! lists as `[a, b]` or `- a` lines; INI `[platform]` / `[credentials]` with `key = value`) and
//! reports anything else (anchors, multi-line strings, `%(name)s` interpolation) as an error
//! naming the file and line, rather than guessing.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use crate::config::{AuthMode, Config, ConfigOrigin, PlatformConfig};

/// What config resolution reads: variables, home and current directory.
#[derive(Debug, Clone)]
pub(super) struct Env {
    pub(super) vars: HashMap<String, String>,
    pub(super) home: Option<PathBuf>,
    pub(super) cwd: PathBuf,
}

impl Env {
    /// A variable; empty counts as unset, as in the host.
    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn expand_home(&self, path: &str) -> String {
        let rest = match path.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with(['/', '\\']) => rest,
            _ => return path.to_owned(),
        };
        match &self.home {
            Some(home) => format!("{}{rest}", home.display()),
            None => path.to_owned(),
        }
    }
}

/// The settings one source gives, by legacy INI name (`platform.url`, `credentials.scopes`, …);
/// a missing key is unset.
type Settings = HashMap<&'static str, Setting>;

/// One setting's raw text and how messages name it.
#[derive(Debug, Clone)]
struct Setting {
    text: String,
    named_by: String,
}

/// Every setting: legacy INI name (which also names `FLYTE_<SECTION>_<OPTION>`) and YAML key.
const KEYS: &[(&str, Option<&str>)] = &[
    ("platform.url", Some("admin.endpoint")),
    ("platform.insecure", Some("admin.insecure")),
    (
        "platform.insecure_skip_verify",
        Some("admin.insecureSkipVerify"),
    ),
    ("platform.console_endpoint", Some("console.endpoint")),
    ("platform.ca_cert_file_path", Some("admin.caCertFilePath")),
    ("platform.http_proxy_url", Some("admin.httpProxyURL")),
    ("platform.rpc_retries", Some("admin.rpcRetries")),
    ("credentials.command", Some("admin.command")),
    ("credentials.proxy_command", Some("admin.proxyCommand")),
    ("credentials.client_id", Some("admin.clientId")),
    ("credentials.client_secret", None),
    (
        "credentials.client_secret_location",
        Some("admin.clientSecretLocation"),
    ),
    (
        "credentials.client_secret_env_var",
        Some("admin.clientSecretEnvVar"),
    ),
    ("credentials.scopes", Some("admin.scopes")),
    ("credentials.auth_mode", Some("admin.authType")),
    ("credentials.audience", Some("admin.audience")),
];

fn env_var(key: &str) -> String {
    format!("FLYTE_{}", key.replace('.', "_")).to_ascii_uppercase()
}

/// flytekit's `Config.auto(config_file)`.
pub(super) fn auto(config_file: Option<&str>, env: &Env) -> Result<Config, String> {
    let found = find_config_file(config_file, env)?;
    resolve(found.as_deref(), env)
}

/// flytekit's `Config.for_endpoint(endpoint, insecure)`.
pub(super) fn for_endpoint(endpoint: &str, insecure: bool, env: &Env) -> Result<Config, String> {
    let found = auto(None, env)?;
    let endpoint = endpoint.replace("dns:///", "");
    check_endpoint(&endpoint)?;
    Ok(Config {
        platform: PlatformConfig {
            endpoint,
            insecure,
            ..PlatformConfig::default()
        },
        config_file: found.config_file,
        origin: ConfigOrigin::Endpoint,
    })
}

/// flytekit's `Config.for_sandbox()`.
pub(super) fn for_sandbox() -> Config {
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

/// The built-in `get_remote`'s config: the file found, else the environment when
/// `FLYTE_PLATFORM_URL` is set, else the sandbox.
pub(super) fn default_remote_config(explicit: Option<&str>, env: &Env) -> Result<Config, String> {
    match find_config_file(explicit, env)? {
        Some(file) => resolve(Some(&file), env),
        None if env.var("FLYTE_PLATFORM_URL").is_some() => resolve(None, env),
        None => Ok(for_sandbox()),
    }
}

/// flytekit's search order: `explicit`, `$_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE` / `$FLYTECTL_CONFIG`,
/// `./flytekit.config`, `~/.flyte/config`, `~/.flyte/config.yaml`.
pub(super) fn find_config_file(
    explicit: Option<&str>,
    env: &Env,
) -> Result<Option<PathBuf>, String> {
    let named = |path: &str, named_by: String| {
        let path = env.cwd.join(path);
        if path.exists() {
            Ok(Some(path))
        } else {
            Err(format!(
                "config file {} ({named_by}) does not exist",
                path.display()
            ))
        }
    };
    if let Some(path) = explicit {
        return named(path, "given with --config".to_owned());
    }
    for var in ["_FLYTECTL_CONFIG_PYFLYTE_OVERRIDE", "FLYTECTL_CONFIG"] {
        if let Some(path) = env.var(var) {
            return named(path, format!("named by ${var}"));
        }
    }
    let mut candidates = vec![env.cwd.join("flytekit.config")];
    if let Some(home) = &env.home {
        candidates.push(home.join(".flyte").join("config"));
        candidates.push(home.join(".flyte").join("config.yaml"));
    }
    Ok(candidates.into_iter().find(|path| path.exists()))
}

/// The config from `file` (if any) under the environment's overrides.
fn resolve(file: Option<&Path>, env: &Env) -> Result<Config, String> {
    let mut settings = match file {
        Some(path) => read_file(path)?,
        None => Settings::new(),
    };
    for (key, _) in KEYS {
        let var = env_var(key);
        if let Some(value) = env.var(&var) {
            settings.insert(
                key,
                Setting {
                    text: value.to_owned(),
                    named_by: format!("environment variable {var}"),
                },
            );
        }
    }
    Ok(Config {
        platform: platform(&settings, env)?,
        config_file: file.map(|f| f.display().to_string()),
        origin: match file {
            Some(_) => ConfigOrigin::ConfigFile,
            None => ConfigOrigin::Env,
        },
    })
}

/// The platform config the settings describe, flytekit's defaults filling the gaps; a secret from
/// `client_secret_location` / `client_secret_env_var` beats a literal one and forces `ClientSecret`.
fn platform(settings: &Settings, env: &Env) -> Result<PlatformConfig, String> {
    let text = |key: &str| {
        settings
            .get(key)
            .map(|s| s.text.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let list = |key: &str| {
        text(key).map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    let invalid = |key: &str, message: String| {
        let named_by = settings
            .get(key)
            .map(|s| s.named_by.as_str())
            .unwrap_or(key);
        format!("{named_by}: {message}")
    };
    let flag = |key: &str| -> Result<Option<bool>, String> {
        text(key)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "yes" | "true" | "on" => Ok(true),
                "0" | "no" | "false" | "off" => Ok(false),
                _ => Err(invalid(
                    key,
                    format!("expected true or false (or yes/no, on/off, 1/0), found `{v}`"),
                )),
            })
            .transpose()
    };
    let defaults = PlatformConfig::default();
    let endpoint = match text("platform.url") {
        Some(e) => {
            let e = e.replace("dns:///", "");
            check_endpoint(&e).map_err(|m| invalid("platform.url", m))?;
            e
        }
        None => defaults.endpoint,
    };
    let rpc_retries = text("platform.rpc_retries")
        .map(|v| {
            v.parse().map_err(|_| {
                invalid(
                    "platform.rpc_retries",
                    format!("expected a whole number of retries, found `{v}`"),
                )
            })
        })
        .transpose()?;
    let auth_mode = text("credentials.auth_mode")
        .map(|v| {
            v.parse::<AuthMode>()
                .map_err(|e| invalid("credentials.auth_mode", e.message().to_owned()))
        })
        .transpose()?;
    let from_file = match text("credentials.client_secret_location") {
        Some(location) => {
            let path = env.cwd.join(env.expand_home(&location));
            let secret = std::fs::read_to_string(&path).map_err(|e| {
                invalid(
                    "credentials.client_secret_location",
                    format!("cannot read the client secret file {}: {e}", path.display()),
                )
            })?;
            let secret = if secret.ends_with('\n') {
                secret.trim().to_owned()
            } else {
                secret
            };
            Some(secret).filter(|s| !s.is_empty())
        }
        None => None,
    };
    let from_var = text("credentials.client_secret_env_var")
        .and_then(|name| env.var(&name).map(str::to_owned));
    let found_secret = from_file.is_some() || from_var.is_some();
    Ok(PlatformConfig {
        endpoint,
        insecure: flag("platform.insecure")?.unwrap_or(defaults.insecure),
        insecure_skip_verify: flag("platform.insecure_skip_verify")?
            .unwrap_or(defaults.insecure_skip_verify),
        ca_cert_file_path: text("platform.ca_cert_file_path").map(|p| env.expand_home(&p)),
        console_endpoint: text("platform.console_endpoint"),
        command: list("credentials.command").unwrap_or(defaults.command),
        proxy_command: list("credentials.proxy_command").unwrap_or(defaults.proxy_command),
        client_id: text("credentials.client_id"),
        client_credentials_secret: from_var
            .or(from_file)
            .or_else(|| text("credentials.client_secret")),
        scopes: list("credentials.scopes").unwrap_or(defaults.scopes),
        auth_mode: match auth_mode {
            _ if found_secret => AuthMode::ClientSecret,
            Some(mode) => mode,
            None => defaults.auth_mode,
        },
        audience: text("credentials.audience"),
        rpc_retries: rpc_retries.unwrap_or(defaults.rpc_retries),
        http_proxy_url: text("platform.http_proxy_url"),
    })
}

/// The host's endpoint check: `host[:port]` or a URL with a host, a valid port, no whitespace.
pub(super) fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .unwrap_or(endpoint);
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err(format!("endpoint '{endpoint}' has no host"));
    }
    if endpoint.chars().any(char::is_whitespace) {
        return Err(format!("endpoint '{endpoint}' contains whitespace"));
    }
    if let Some((host, port)) = authority.rsplit_once(':') {
        if host.is_empty() {
            return Err(format!("endpoint '{endpoint}' has no host"));
        }
        if !host.ends_with(']') && host.contains(':') {
            return Err(format!("endpoint '{endpoint}' is not host[:port]"));
        }
        if port.parse::<u16>().is_err() {
            return Err(format!(
                "endpoint '{endpoint}' has an invalid port '{port}'"
            ));
        }
    }
    Ok(())
}

/// The settings in config file `path`: YAML when its name ends in `yaml` or `yml` (as flytekit
/// decides), legacy INI otherwise.
fn read_file(path: &Path) -> Result<Settings, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    let name = path.to_string_lossy();
    let unsupported = |line: usize, what: &str| {
        format!(
            "config file {} line {line}: {what}; the plugin test harness reads the plain form of \
             config files (`key: value`, `[a, b]` lists); flyte-host itself reads full YAML",
            path.display()
        )
    };
    if name.ends_with("yaml") || name.ends_with("yml") {
        read_yaml(path, &text, unsupported)
    } else {
        read_ini(path, &text, unsupported)
    }
}

fn yaml_scalar(raw: &str) -> String {
    let raw = match raw.find(" #") {
        Some(i) => &raw[..i],
        None => raw,
    }
    .trim();
    let unquoted = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')));
    match unquoted {
        Some(text) => text.to_owned(),
        None if raw == "~" || raw == "null" => String::new(),
        None => raw.to_owned(),
    }
}

/// `admin:` / `console:` keys of a flytectl YAML file, as comma-joined text per setting.
fn read_yaml(
    path: &Path,
    text: &str,
    unsupported: impl Fn(usize, &str) -> String,
) -> Result<Settings, String> {
    let by_yaml: HashMap<&str, &str> = KEYS
        .iter()
        .filter_map(|(ini, yaml)| Some(((*yaml)?, *ini)))
        .collect();
    let mut settings = Settings::new();
    let mut section = String::new();
    // The setting whose block list (`- item` lines) is being read.
    let mut list: Option<(&'static str, Vec<String>, String)> = None;
    let finish = |list: &mut Option<(&'static str, Vec<String>, String)>, s: &mut Settings| {
        if let Some((key, items, named_by)) = list.take() {
            s.insert(
                key,
                Setting {
                    text: items.join(","),
                    named_by,
                },
            );
        }
    };
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let content = line.trim_end();
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        let indent = content.len() - trimmed.len();
        if let Some(item) = trimmed.strip_prefix("- ") {
            if indent > 0 {
                if let Some((_, items, _)) = &mut list {
                    items.push(yaml_scalar(item));
                    continue;
                }
            }
            if section == "admin" || section == "console" {
                return Err(unsupported(number, "a list item outside a list key"));
            }
            continue;
        }
        finish(&mut list, &mut settings);
        let Some((key, value)) = trimmed.split_once(':') else {
            return Err(unsupported(number, "a line that is not `key: value`"));
        };
        let (key, value) = (key.trim(), value.trim());
        if indent == 0 {
            section = key.to_owned();
            if !value.is_empty() && (key == "admin" || key == "console") {
                return Err(unsupported(number, "a section written on one line"));
            }
            continue;
        }
        let full = format!("{section}.{key}");
        let Some(ini) = by_yaml.get(full.as_str()) else {
            continue;
        };
        let named_by = format!("{full} in {} line {number}", path.display());
        if value.starts_with(['&', '*', '|', '>', '{']) {
            return Err(unsupported(number, "YAML beyond plain values"));
        }
        if value.is_empty() {
            list = Some((ini, Vec::new(), named_by));
            continue;
        }
        let text = match value.strip_prefix('[') {
            Some(inner) => inner
                .strip_suffix(']')
                .ok_or_else(|| unsupported(number, "a list that does not end on its line"))?
                .split(',')
                .map(yaml_scalar)
                .collect::<Vec<_>>()
                .join(","),
            None => yaml_scalar(value),
        };
        settings.insert(ini, Setting { text, named_by });
    }
    finish(&mut list, &mut settings);
    Ok(settings)
}

/// `[platform]` / `[credentials]` options of a legacy INI file.
fn read_ini(
    path: &Path,
    text: &str,
    unsupported: impl Fn(usize, &str) -> String,
) -> Result<Settings, String> {
    let mut settings = Settings::new();
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            section = rest
                .strip_suffix(']')
                .ok_or_else(|| unsupported(number, "a section header without `]`"))?
                .trim()
                .to_owned();
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(unsupported(number, "a continuation line"));
        }
        let Some((option, value)) = trimmed.split_once(['=', ':']) else {
            return Err(unsupported(number, "a line that is not `option = value`"));
        };
        if value.contains("%(") {
            return Err(unsupported(number, "`%(name)s` interpolation"));
        }
        let full = format!("{section}.{}", option.trim().to_ascii_lowercase());
        if let Some((key, _)) = KEYS.iter().find(|(k, _)| *k == full) {
            settings.insert(
                key,
                Setting {
                    text: value.trim().to_owned(),
                    named_by: format!(
                        "[{section}] {} in {} line {number}",
                        option.trim(),
                        path.display()
                    ),
                },
            );
        }
    }
    Ok(settings)
}
