//! The platform settings each source (environment, YAML file, legacy INI file) can give, and how
//! their text values are parsed.

use std::str::FromStr;

use flyte_plugin_abi::AuthMode;

use super::ConfigError;

/// A flytekit setting by its legacy INI name (`[section] option`), which also names its
/// environment variable `FLYTE_<SECTION>_<OPTION>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) section: &'static str,
    pub(super) option: &'static str,
}

impl Entry {
    const fn new(section: &'static str, option: &'static str) -> Entry {
        Entry { section, option }
    }

    /// `FLYTE_<SECTION>_<OPTION>`, upper-cased.
    pub(super) fn env_var(self) -> String {
        format!("FLYTE_{}_{}", self.section, self.option).to_ascii_uppercase()
    }
}

/// `[platform] url` / `admin.endpoint`.
pub(super) const URL: Entry = Entry::new("platform", "url");
/// `[platform] insecure` / `admin.insecure`.
pub(super) const INSECURE: Entry = Entry::new("platform", "insecure");
/// `[platform] insecure_skip_verify` / `admin.insecureSkipVerify`.
pub(super) const INSECURE_SKIP_VERIFY: Entry = Entry::new("platform", "insecure_skip_verify");
/// `[platform] console_endpoint` / `console.endpoint`.
pub(super) const CONSOLE_ENDPOINT: Entry = Entry::new("platform", "console_endpoint");
/// `[platform] ca_cert_file_path` / `admin.caCertFilePath`.
pub(super) const CA_CERT_FILE_PATH: Entry = Entry::new("platform", "ca_cert_file_path");
/// `[platform] http_proxy_url` / `admin.httpProxyURL`.
pub(super) const HTTP_PROXY_URL: Entry = Entry::new("platform", "http_proxy_url");
/// `[platform] rpc_retries` / `admin.rpcRetries`: our addition, flytekit reads no such setting.
pub(super) const RPC_RETRIES: Entry = Entry::new("platform", "rpc_retries");
/// `[credentials] command` / `admin.command`.
pub(super) const COMMAND: Entry = Entry::new("credentials", "command");
/// `[credentials] proxy_command` / `admin.proxyCommand`.
pub(super) const PROXY_COMMAND: Entry = Entry::new("credentials", "proxy_command");
/// `[credentials] client_id` / `admin.clientId`.
pub(super) const CLIENT_ID: Entry = Entry::new("credentials", "client_id");
/// `[credentials] client_secret`; no YAML key, as in flytekit.
pub(super) const CLIENT_SECRET: Entry = Entry::new("credentials", "client_secret");
/// `[credentials] client_secret_location` / `admin.clientSecretLocation`.
pub(super) const CLIENT_SECRET_LOCATION: Entry =
    Entry::new("credentials", "client_secret_location");
/// `[credentials] client_secret_env_var` / `admin.clientSecretEnvVar`.
pub(super) const CLIENT_SECRET_ENV_VAR: Entry = Entry::new("credentials", "client_secret_env_var");
/// `[credentials] scopes` / `admin.scopes`.
pub(super) const SCOPES: Entry = Entry::new("credentials", "scopes");
/// `[credentials] auth_mode` / `admin.authType`.
pub(super) const AUTH_MODE: Entry = Entry::new("credentials", "auth_mode");
/// `[credentials] audience` / `admin.audience`.
pub(super) const AUDIENCE: Entry = Entry::new("credentials", "audience");

/// Where a client secret file is, and how to name the setting that said so in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SecretLocation {
    pub(super) path: String,
    pub(super) named_by: String,
}

/// The settings one source gives; `None` means the source leaves it unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Settings {
    pub(super) endpoint: Option<String>,
    pub(super) insecure: Option<bool>,
    pub(super) insecure_skip_verify: Option<bool>,
    pub(super) console_endpoint: Option<String>,
    pub(super) ca_cert_file_path: Option<String>,
    pub(super) http_proxy_url: Option<String>,
    pub(super) rpc_retries: Option<u32>,
    pub(super) command: Option<Vec<String>>,
    pub(super) proxy_command: Option<Vec<String>>,
    pub(super) client_id: Option<String>,
    pub(super) client_secret: Option<String>,
    pub(super) client_secret_location: Option<SecretLocation>,
    pub(super) client_secret_env_var: Option<String>,
    pub(super) scopes: Option<Vec<String>>,
    pub(super) auth_mode: Option<AuthMode>,
    pub(super) audience: Option<String>,
}

/// A source of settings as text, keyed by legacy INI name: the environment or an INI file.
pub(super) trait StringSource {
    /// The text of `entry`, or `None` when the source does not set it.
    fn raw(&self, entry: Entry) -> Result<Option<String>, ConfigError>;
    /// The error for a value of `entry` that cannot be used.
    fn invalid(&self, entry: Entry, message: String) -> ConfigError;
    /// How messages name `entry` in this source.
    fn describe(&self, entry: Entry) -> String;
}

impl Settings {
    /// Reads and parses every setting `source` has.
    pub(super) fn from_strings(source: &impl StringSource) -> Result<Settings, ConfigError> {
        Ok(Settings {
            endpoint: parsed(source, URL, parse_endpoint)?,
            insecure: parsed(source, INSECURE, parse_bool)?,
            insecure_skip_verify: parsed(source, INSECURE_SKIP_VERIFY, parse_bool)?,
            console_endpoint: text(source, CONSOLE_ENDPOINT)?,
            ca_cert_file_path: text(source, CA_CERT_FILE_PATH)?,
            http_proxy_url: text(source, HTTP_PROXY_URL)?,
            rpc_retries: parsed(source, RPC_RETRIES, parse_retries)?,
            command: list(source, COMMAND)?,
            proxy_command: list(source, PROXY_COMMAND)?,
            client_id: text(source, CLIENT_ID)?,
            client_secret: text(source, CLIENT_SECRET)?,
            client_secret_location: text(source, CLIENT_SECRET_LOCATION)?.map(|path| {
                SecretLocation {
                    path,
                    named_by: source.describe(CLIENT_SECRET_LOCATION),
                }
            }),
            client_secret_env_var: text(source, CLIENT_SECRET_ENV_VAR)?,
            scopes: list(source, SCOPES)?,
            auth_mode: parsed(source, AUTH_MODE, parse_auth)?,
            audience: text(source, AUDIENCE)?,
        })
    }

    /// These settings, with `lower`'s filling in whatever these leave unset.
    pub(super) fn or(self, lower: Settings) -> Settings {
        Settings {
            endpoint: self.endpoint.or(lower.endpoint),
            insecure: self.insecure.or(lower.insecure),
            insecure_skip_verify: self.insecure_skip_verify.or(lower.insecure_skip_verify),
            console_endpoint: self.console_endpoint.or(lower.console_endpoint),
            ca_cert_file_path: self.ca_cert_file_path.or(lower.ca_cert_file_path),
            http_proxy_url: self.http_proxy_url.or(lower.http_proxy_url),
            rpc_retries: self.rpc_retries.or(lower.rpc_retries),
            command: self.command.or(lower.command),
            proxy_command: self.proxy_command.or(lower.proxy_command),
            client_id: self.client_id.or(lower.client_id),
            client_secret: self.client_secret.or(lower.client_secret),
            client_secret_location: self.client_secret_location.or(lower.client_secret_location),
            client_secret_env_var: self.client_secret_env_var.or(lower.client_secret_env_var),
            scopes: self.scopes.or(lower.scopes),
            auth_mode: self.auth_mode.or(lower.auth_mode),
            audience: self.audience.or(lower.audience),
        }
    }
}

/// `entry`'s text; unset and blank values give `None`.
fn text(source: &impl StringSource, entry: Entry) -> Result<Option<String>, ConfigError> {
    Ok(source.raw(entry)?.filter(|v| !v.trim().is_empty()))
}

/// `entry`'s text as a comma-separated list; a list with no items gives `None`.
fn list(source: &impl StringSource, entry: Entry) -> Result<Option<Vec<String>>, ConfigError> {
    Ok(text(source, entry)?
        .map(|v| split_list(&v))
        .filter(|items| !items.is_empty()))
}

/// `entry`'s text parsed by `parse`.
fn parsed<T>(
    source: &impl StringSource,
    entry: Entry,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    text(source, entry)?
        .map(|v| parse(&v).map_err(|message| source.invalid(entry, message)))
        .transpose()
}

/// Python configparser's booleans: `1 yes true on` and `0 no false off`, in any case.
pub(super) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" => Ok(false),
        _ => Err(format!(
            "expected true or false (or yes/no, on/off, 1/0), found `{value}`"
        )),
    }
}

/// A comma-separated list; items are trimmed and empty ones dropped.
pub(super) fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A retry count: a whole number from 0 up.
pub(super) fn parse_retries(value: &str) -> Result<u32, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number of retries, found `{value}`"))
}

/// An auth mode in flytectl's or flytekit's spelling.
pub(super) fn parse_auth(value: &str) -> Result<AuthMode, String> {
    AuthMode::from_str(value).map_err(|e| e.message().to_owned())
}

/// An admin endpoint, checked as it will be used (after the `dns:///` scheme is dropped).
pub(super) fn parse_endpoint(value: &str) -> Result<String, String> {
    crate::validate::endpoint(&strip_dns(value))?;
    Ok(value.to_owned())
}

/// `endpoint` without the gRPC `dns:///` scheme, as flytekit's `replace("dns:///", "")`.
pub(super) fn strip_dns(endpoint: &str) -> String {
    endpoint.replace("dns:///", "")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Map(HashMap<&'static str, &'static str>);

    impl StringSource for Map {
        fn raw(&self, entry: Entry) -> Result<Option<String>, ConfigError> {
            Ok(self.0.get(entry.option).map(ToString::to_string))
        }
        fn invalid(&self, entry: Entry, message: String) -> ConfigError {
            ConfigError::InvalidEnv {
                var: entry.env_var(),
                message,
            }
        }
        fn describe(&self, entry: Entry) -> String {
            entry.option.to_owned()
        }
    }

    fn read(pairs: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        Settings::from_strings(&Map(pairs.iter().copied().collect()))
    }

    #[test]
    fn env_names_follow_the_legacy_names() {
        assert_eq!(URL.env_var(), "FLYTE_PLATFORM_URL");
        assert_eq!(
            CLIENT_SECRET_ENV_VAR.env_var(),
            "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR"
        );
    }

    #[test]
    fn text_values_are_parsed_by_kind() -> Result<(), ConfigError> {
        let s = read(&[
            ("insecure", "On"),
            ("insecure_skip_verify", "0"),
            ("rpc_retries", " 7 "),
            ("scopes", "openid, offline,,all"),
            ("auth_mode", "client_credentials"),
            ("client_id", "  "),
            ("command", ","),
        ])?;
        assert_eq!(s.insecure, Some(true));
        assert_eq!(s.insecure_skip_verify, Some(false));
        assert_eq!(s.rpc_retries, Some(7));
        assert_eq!(
            s.scopes,
            Some(vec!["openid".into(), "offline".into(), "all".into()])
        );
        assert_eq!(s.auth_mode, Some(AuthMode::ClientSecret));
        assert_eq!(s.client_id, None);
        assert_eq!(s.command, None);
        Ok(())
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (option, value, var) in [
            ("insecure", "maybe", "FLYTE_PLATFORM_INSECURE"),
            ("rpc_retries", "-1", "FLYTE_PLATFORM_RPC_RETRIES"),
            ("auth_mode", "Kerberos", "FLYTE_CREDENTIALS_AUTH_MODE"),
        ] {
            match read(&[(option, value)]) {
                Err(ConfigError::InvalidEnv { var: v, message }) => {
                    assert_eq!(v, var);
                    assert!(message.contains(value), "{message}");
                }
                other => panic!("{option}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn higher_settings_win_and_lower_fill_gaps() -> Result<(), ConfigError> {
        let high = read(&[("url", "high:1"), ("insecure", "false")])?;
        let low = read(&[("url", "low:1"), ("insecure", "true"), ("client_id", "c")])?;
        let merged = high.or(low);
        assert_eq!(merged.endpoint.as_deref(), Some("high:1"));
        assert_eq!(merged.insecure, Some(false));
        assert_eq!(merged.client_id.as_deref(), Some("c"));
        Ok(())
    }

    #[test]
    fn dns_scheme_is_stripped() {
        assert_eq!(
            strip_dns("dns:///flyte.example.com:443"),
            "flyte.example.com:443"
        );
        assert_eq!(
            strip_dns("http://localhost:30080"),
            "http://localhost:30080"
        );
    }
}
