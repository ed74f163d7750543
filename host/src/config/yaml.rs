//! flytectl-style YAML config files: the `admin.*` keys and `console.endpoint`; everything else
//! in the file is ignored.

use std::{fmt, path::Path};

use flyte_plugin_abi::AuthMode;
use serde::{
    de::{self, SeqAccess, Visitor},
    Deserialize, Deserializer,
};

use super::{
    settings::{
        parse_auth, parse_bool, parse_endpoint, parse_retries, split_list, SecretLocation, Settings,
    },
    ConfigError,
};

/// The parts of a flytectl config file flytekit reads.
#[derive(Deserialize)]
#[serde(expecting = "a mapping of sections such as `admin:` and `console:`")]
struct File {
    admin: Option<Admin>,
    console: Option<Console>,
}

/// The `admin:` section (flyteidl's Go client config).
#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a mapping of `admin` keys such as `endpoint:`"
)]
struct Admin {
    #[serde(default, deserialize_with = "endpoint")]
    endpoint: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    insecure: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    insecure_skip_verify: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    ca_cert_file_path: Option<String>,
    #[serde(default, deserialize_with = "text", rename = "httpProxyURL")]
    http_proxy_url: Option<String>,
    #[serde(default, deserialize_with = "retries")]
    rpc_retries: Option<u32>,
    #[serde(default, deserialize_with = "list")]
    command: Option<Vec<String>>,
    #[serde(default, deserialize_with = "list")]
    proxy_command: Option<Vec<String>>,
    #[serde(default, deserialize_with = "text")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    client_secret_location: Option<String>,
    #[serde(default, deserialize_with = "text")]
    client_secret_env_var: Option<String>,
    #[serde(default, deserialize_with = "list")]
    scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "auth")]
    auth_type: Option<AuthMode>,
    #[serde(default, deserialize_with = "text")]
    audience: Option<String>,
}

/// The `console:` section.
#[derive(Deserialize)]
#[serde(expecting = "a mapping with `endpoint:`")]
struct Console {
    #[serde(default, deserialize_with = "text")]
    endpoint: Option<String>,
}

/// The settings in the YAML config file `path`, whose contents are `text`.
pub(super) fn parse(path: &Path, text: &str) -> Result<Settings, ConfigError> {
    // The parser reports no line for a document of the wrong shape, so check the shape first.
    if let Ok(doc) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
        let found = match doc {
            serde_yaml_ng::Value::Sequence(_) => Some("list"),
            serde_yaml_ng::Value::String(_) => Some("string"),
            serde_yaml_ng::Value::Number(_) | serde_yaml_ng::Value::Bool(_) => Some("single value"),
            _ => None,
        };
        if let Some(found) = found {
            return Err(ConfigError::YamlShape {
                path: path.to_owned(),
                found,
            });
        }
    }
    let file: Option<File> = serde_yaml_ng::from_str(text).map_err(|error| ConfigError::Yaml {
        path: path.to_owned(),
        line: error.location().map(|l| l.line()),
        error,
    })?;
    let (admin, console) = match file {
        Some(File { admin, console }) => (admin, console),
        None => (None, None),
    };
    let console_endpoint = console.and_then(|c| c.endpoint);
    let Some(a) = admin else {
        return Ok(Settings {
            console_endpoint,
            ..Settings::default()
        });
    };
    Ok(Settings {
        endpoint: a.endpoint,
        insecure: a.insecure,
        insecure_skip_verify: a.insecure_skip_verify,
        console_endpoint,
        ca_cert_file_path: a.ca_cert_file_path,
        http_proxy_url: a.http_proxy_url,
        rpc_retries: a.rpc_retries,
        command: a.command,
        proxy_command: a.proxy_command,
        client_id: a.client_id,
        client_secret: None,
        client_secret_location: a.client_secret_location.map(|p| SecretLocation {
            path: p,
            named_by: format!("admin.clientSecretLocation in `{}`", path.display()),
        }),
        client_secret_env_var: a.client_secret_env_var,
        scopes: a.scopes,
        auth_mode: a.auth_type,
        audience: a.audience,
    })
}

/// Accepts any scalar, seen as text, and parses it; null and blank text give `None`. The parse
/// runs inside the visitor so that errors carry the value's line and key path.
struct Scalar<T> {
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Visitor<'_> for Scalar<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        (self.parse)(v).map(Some).map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Scalar {
        expecting: "a string",
        parse: |v| Ok(v.to_owned()),
    })
}

fn endpoint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Scalar {
        expecting: "an endpoint such as dns:///flyte.example.com:443",
        parse: parse_endpoint,
    })
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(Scalar {
        expecting: "true or false",
        parse: parse_bool,
    })
}

fn retries<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    d.deserialize_any(Scalar {
        expecting: "a whole number",
        parse: parse_retries,
    })
}

fn auth<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AuthMode>, D::Error> {
    d.deserialize_any(Scalar {
        expecting: "an auth type such as Pkce or ClientSecret",
        parse: parse_auth,
    })
}

/// One list item: any scalar, as text.
struct Item(Option<String>);

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text(d).map(Item)
    }
}

/// A YAML sequence of scalars, or a comma-separated string (as flytekit's list transform).
struct List;

impl<'de> Visitor<'de> for List {
    type Value = Option<Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(split_list(v)).filter(|items| !items.is_empty()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Item(item)) = seq.next_element()? {
            items.extend(item);
        }
        Ok(Some(items).filter(|items| !items.is_empty()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    d.deserialize_any(List)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Settings, ConfigError> {
        parse(Path::new("/cfg/config.yaml"), text)
    }

    #[test]
    fn reads_every_key() -> Result<(), ConfigError> {
        let s = parse_str(
            "admin:
  endpoint: dns:///flyte.example.com:443
  insecure: false
  insecureSkipVerify: true
  caCertFilePath: /etc/ca.pem
  httpProxyURL: http://proxy:3128
  rpcRetries: 5
  command: [get-token, --quiet]
  proxyCommand: proxy-token,--now
  clientId: my-client
  clientSecretLocation: /etc/secrets/client_secret
  clientSecretEnvVar: MY_SECRET
  scopes: [all, 42]
  authType: ExternalCommand
  audience: flyte
  useAuth: true
  pkceConfig: {timeout: 2m}
console:
  endpoint: https://console.example.com
logger: {show-source: true, level: 0}
storage:
  connection: {endpoint: 'http://localhost:30084'}
",
        )?;
        assert_eq!(s.endpoint.as_deref(), Some("dns:///flyte.example.com:443"));
        assert_eq!(s.insecure, Some(false));
        assert_eq!(s.insecure_skip_verify, Some(true));
        assert_eq!(s.ca_cert_file_path.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(s.http_proxy_url.as_deref(), Some("http://proxy:3128"));
        assert_eq!(s.rpc_retries, Some(5));
        assert_eq!(s.command, Some(vec!["get-token".into(), "--quiet".into()]));
        assert_eq!(
            s.proxy_command,
            Some(vec!["proxy-token".into(), "--now".into()])
        );
        assert_eq!(s.client_id.as_deref(), Some("my-client"));
        let location = s.client_secret_location.as_ref().map(|l| l.path.as_str());
        assert_eq!(location, Some("/etc/secrets/client_secret"));
        assert_eq!(s.client_secret_env_var.as_deref(), Some("MY_SECRET"));
        assert_eq!(s.scopes, Some(vec!["all".into(), "42".into()]));
        assert_eq!(s.auth_mode, Some(AuthMode::ExternalCommand));
        assert_eq!(s.audience.as_deref(), Some("flyte"));
        assert_eq!(
            s.console_endpoint.as_deref(),
            Some("https://console.example.com")
        );
        Ok(())
    }

    #[test]
    fn empty_and_null_values_are_unset() -> Result<(), ConfigError> {
        assert_eq!(parse_str("")?, Settings::default());
        assert_eq!(parse_str("admin:\nconsole:\n")?, Settings::default());
        let s = parse_str("admin:\n  endpoint: ''\n  insecure: ~\n  scopes: []\n")?;
        assert_eq!(s, Settings::default());
        Ok(())
    }

    fn error_of(text: &str) -> (Option<usize>, String) {
        match parse_str(text) {
            Err(e @ ConfigError::Yaml { line, .. }) => (line, e.to_string()),
            other => panic!("expected a YAML error, got {other:?}"),
        }
    }

    #[test]
    fn unparsable_yaml_names_file_and_line() {
        let (line, message) = error_of("admin:\n  endpoint: \"unterminated\n");
        assert!(line.is_some(), "{message}");
        assert!(message.contains("/cfg/config.yaml"), "{message}");
        let (line, message) = error_of("admin:\n  endpoint: a: b\n");
        assert_eq!(line, Some(2), "{message}");
    }

    #[test]
    fn bad_values_name_key_and_line() {
        for (text, line, key) in [
            (
                "admin:\n  endpoint: x\n  insecure: maybe\n",
                3,
                "admin.insecure",
            ),
            ("admin:\n  authType: Kerberos\n", 2, "admin.authType"),
            ("admin:\n  rpcRetries: lots\n", 2, "admin.rpcRetries"),
            ("admin:\n  endpoint: {host: x}\n", 2, "admin.endpoint"),
            ("admin:\n  scopes: [[all]]\n", 2, "admin.scopes"),
            ("console:\n  endpoint: [a]\n", 2, "console.endpoint"),
        ] {
            let (got, message) = error_of(text);
            assert_eq!(got, Some(line), "{message}");
            assert!(message.contains(key), "{message}");
            assert!(message.contains("/cfg/config.yaml"), "{message}");
        }
    }

    #[test]
    fn wrong_shapes_are_errors() {
        match parse_str("- admin\n") {
            Err(e @ ConfigError::YamlShape { .. }) => {
                assert!(e.to_string().contains("line 1: the file is a list"), "{e}")
            }
            other => panic!("expected a shape error, got {other:?}"),
        }
        let (line, message) = error_of("admin: 5\n");
        assert_eq!(line, Some(1), "{message}");
        assert!(
            message.contains("expected a mapping of `admin` keys"),
            "{message}"
        );
    }
}
