//! `FLYTE_API_KEY`: the one-variable credentials Flyte 2 and Union give CI machines,
//! `base64("endpoint:client_id:client_secret:org")`. The built-in `get_remote` turns it into a
//! client-credentials login to that endpoint, above any config file (as Flyte 2 does). An extension
//! of flytekit 1's rules; the key and the secret in it are never shown.

use base64::Engine;
use flyte_plugin_abi::{AuthMode, Config, ConfigOrigin, PlatformConfig};

use super::{settings::strip_dns, ConfigError, Env};

/// The variable.
pub(crate) const VARIABLE: &str = "FLYTE_API_KEY";

/// What an API key holds.
#[derive(PartialEq, Eq)]
pub(super) struct ApiKey {
    endpoint: String,
    client_id: String,
    client_secret: String,
    /// The organization (`None`, or empty, for none); shown, not sent: FlyteAdmin 1.x
    /// identifiers take their default org.
    org: Option<String>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("org", &self.org)
            .finish()
    }
}

/// The error for a key that cannot be used; it never quotes the key.
fn invalid(message: &str) -> ConfigError {
    ConfigError::InvalidEnv {
        var: VARIABLE.to_owned(),
        message: format!(
            "{message} (expected base64 of `endpoint:client_id:client_secret:org`, as Flyte 2 and Union issue it)"
        ),
    }
}

impl ApiKey {
    /// The key in `FLYTE_API_KEY`, if set and non-empty.
    pub(super) fn from_env(env: &Env) -> Result<Option<ApiKey>, ConfigError> {
        let Some(value) = env.var(VARIABLE).map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
            .map_err(|_| invalid("it is not base64"))?;
        let text = String::from_utf8(bytes).map_err(|_| invalid("it does not decode to text"))?;
        ApiKey::parse(text.trim()).map(Some)
    }

    /// `endpoint:client_id:client_secret:org`, split from the right: the endpoint may hold a
    /// scheme and a port.
    fn parse(text: &str) -> Result<ApiKey, ConfigError> {
        let mut parts = text.rsplitn(4, ':');
        let (Some(org), Some(secret), Some(client_id), Some(endpoint)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("it does not hold four `:`-separated parts"));
        };
        if endpoint.is_empty() || client_id.is_empty() || secret.is_empty() {
            return Err(invalid("its endpoint, client id or client secret is empty"));
        }
        crate::validate::endpoint(&strip_dns(endpoint))
            .map_err(|m| invalid(&format!("its endpoint is not usable: {m}")))?;
        let org = (!org.is_empty() && org != "None").then(|| org.to_owned());
        Ok(ApiKey {
            endpoint: strip_dns(endpoint),
            client_id: client_id.to_owned(),
            client_secret: secret.to_owned(),
            org,
        })
    }

    /// The config it makes: its endpoint over TLS (unless it names `http://`), logging in with
    /// client credentials; `config_file` (the one found, if any) kept for what else it says.
    pub(super) fn config(self, config_file: Option<String>) -> Config {
        Config {
            platform: PlatformConfig {
                endpoint: self.endpoint,
                insecure: false,
                auth_mode: AuthMode::ClientSecret,
                client_id: Some(self.client_id),
                client_credentials_secret: Some(self.client_secret),
                ..PlatformConfig::default()
            },
            config_file,
            origin: ConfigOrigin::Env,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn env(value: &str) -> Env {
        Env::new(
            [(VARIABLE.to_owned(), value.to_owned())],
            None,
            std::path::PathBuf::from("/"),
        )
    }

    #[test]
    fn keys_split_from_the_right() {
        let read = ApiKey::from_env(&env(&key("dns:///flyte.example.com:443:ci:s3:acme")))
            .unwrap()
            .unwrap();
        assert_eq!(read.endpoint, "flyte.example.com:443");
        assert_eq!(read.client_id, "ci");
        assert_eq!(read.client_secret, "s3");
        assert_eq!(read.org.as_deref(), Some("acme"));
        let read = ApiKey::from_env(&env(&key("http://127.0.0.1:8088:ci:s3:None")))
            .unwrap()
            .unwrap();
        assert_eq!(read.endpoint, "http://127.0.0.1:8088");
        assert_eq!(read.org, None);
        assert!(!format!("{read:?}").contains("s3"));
        assert_eq!(ApiKey::from_env(&env("")).unwrap(), None);
    }

    #[test]
    fn bad_keys_name_the_variable_never_the_key() {
        for value in [
            "not base64 at all!".to_owned(),
            key("only:three:parts"),
            key("host::s3:org"),
        ] {
            let err = ApiKey::from_env(&env(&value)).unwrap_err().to_string();
            assert!(err.contains("FLYTE_API_KEY"), "{err}");
            assert!(!err.contains(&value), "{err}");
            assert!(!err.contains("s3"), "{err}");
        }
    }
}
