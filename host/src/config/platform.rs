//! Merged settings to flytekit's `PlatformConfig`, with the client secret read from the file or
//! variable they name (the tail of flytekit's `PlatformConfig.auto`).

use flyte_plugin_abi::{AuthMode, PlatformConfig};

use super::{
    settings::{strip_dns, SecretLocation, Settings},
    ConfigError, Env,
};

impl Settings {
    /// The platform config these settings describe, flytekit's defaults filling the gaps.
    ///
    /// As in flytekit, a secret found through `clientSecretLocation` or `clientSecretEnvVar`
    /// beats a literal `client_secret` and forces the `ClientSecret` auth mode.
    pub(super) fn into_platform(self, env: &Env) -> Result<PlatformConfig, ConfigError> {
        let defaults = PlatformConfig::default();
        let from_file = match &self.client_secret_location {
            Some(location) => read_secret(location, env)?,
            None => None,
        };
        let from_var = self
            .client_secret_env_var
            .as_deref()
            .and_then(|name| env.var(name))
            .map(str::to_owned);
        let found_secret = from_file.is_some() || from_var.is_some();
        Ok(PlatformConfig {
            endpoint: self
                .endpoint
                .map(|e| strip_dns(&e))
                .filter(|e| !e.is_empty())
                .unwrap_or(defaults.endpoint),
            insecure: self.insecure.unwrap_or(defaults.insecure),
            insecure_skip_verify: self
                .insecure_skip_verify
                .unwrap_or(defaults.insecure_skip_verify),
            ca_cert_file_path: self.ca_cert_file_path.map(|p| env.expand_home(&p)),
            console_endpoint: self.console_endpoint,
            command: self.command.unwrap_or(defaults.command),
            proxy_command: self.proxy_command.unwrap_or(defaults.proxy_command),
            client_id: self.client_id,
            client_credentials_secret: from_var.or(from_file).or(self.client_secret),
            scopes: self.scopes.unwrap_or(defaults.scopes),
            auth_mode: match self.auth_mode {
                _ if found_secret => AuthMode::ClientSecret,
                Some(mode) => mode,
                None => defaults.auth_mode,
            },
            audience: self.audience,
            rpc_retries: self.rpc_retries.unwrap_or(defaults.rpc_retries),
            http_proxy_url: self.http_proxy_url,
        })
    }
}

/// The secret in the file at `location`: surrounding whitespace stripped when it ends with a
/// newline (as flytekit does), `None` when empty.
fn read_secret(location: &SecretLocation, env: &Env) -> Result<Option<String>, ConfigError> {
    let path = env.resolve(&location.path);
    let secret = crate::input::read_text(&path, crate::input::NAMED_FILE_MAX).map_err(|error| {
        ConfigError::SecretFile {
            key: location.named_by.clone(),
            path,
            error,
        }
    })?;
    let secret = if secret.ends_with('\n') {
        secret.trim().to_owned()
    } else {
        secret
    };
    Ok(Some(secret).filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use std::{fs, path::PathBuf};

    use super::*;

    fn env_in(dir: &std::path::Path, vars: &[(&str, &str)]) -> Env {
        Env::new(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            Some(dir.join("home")),
            dir.to_owned(),
        )
    }

    fn location(path: &str) -> Option<SecretLocation> {
        Some(SecretLocation {
            path: path.to_owned(),
            named_by: "admin.clientSecretLocation in `c.yaml`".to_owned(),
        })
    }

    #[test]
    fn nothing_set_gives_flytekit_defaults() -> Result<(), ConfigError> {
        let env = env_in(&PathBuf::from("/nowhere"), &[]);
        assert_eq!(
            Settings::default().into_platform(&env)?,
            PlatformConfig::default()
        );
        Ok(())
    }

    #[test]
    fn secret_file_is_read_relative_to_cwd_and_trimmed() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        fs::write(dir.path().join("secret"), "s3cret\n")?;
        let settings = Settings {
            client_secret: Some("literal".into()),
            client_secret_location: location("secret"),
            auth_mode: Some(AuthMode::Pkce),
            ..Settings::default()
        };
        let p = settings.into_platform(&env_in(dir.path(), &[]))?;
        assert_eq!(p.client_credentials_secret.as_deref(), Some("s3cret"));
        assert_eq!(p.auth_mode, AuthMode::ClientSecret);
        Ok(())
    }

    #[test]
    fn secret_file_under_home_is_found() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        fs::create_dir(dir.path().join("home"))?;
        fs::write(dir.path().join("home/secret"), "no-newline ")?;
        let settings = Settings {
            client_secret_location: location("~/secret"),
            ..Settings::default()
        };
        let p = settings.into_platform(&env_in(dir.path(), &[]))?;
        assert_eq!(p.client_credentials_secret.as_deref(), Some("no-newline "));
        Ok(())
    }

    #[test]
    fn missing_secret_file_names_key_and_path() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let settings = Settings {
            client_secret_location: location("gone"),
            ..Settings::default()
        };
        let err = match settings.into_platform(&env_in(dir.path(), &[])) {
            Err(e @ ConfigError::SecretFile { .. }) => e.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(err.contains("admin.clientSecretLocation"), "{err}");
        assert!(
            err.contains(&dir.path().join("gone").display().to_string()),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn secret_env_var_wins_and_forces_client_secret() -> Result<(), ConfigError> {
        let env = env_in(&PathBuf::from("/nowhere"), &[("MY_SECRET", "from-var")]);
        let settings = Settings {
            client_secret: Some("literal".into()),
            client_secret_env_var: Some("MY_SECRET".into()),
            ..Settings::default()
        };
        let p = settings.into_platform(&env)?;
        assert_eq!(p.client_credentials_secret.as_deref(), Some("from-var"));
        assert_eq!(p.auth_mode, AuthMode::ClientSecret);
        Ok(())
    }

    #[test]
    fn unset_secret_env_var_is_ignored_like_flytekit() -> Result<(), ConfigError> {
        let env = env_in(&PathBuf::from("/nowhere"), &[]);
        let settings = Settings {
            client_secret: Some("literal".into()),
            client_secret_env_var: Some("MY_SECRET".into()),
            auth_mode: Some(AuthMode::DeviceFlow),
            ..Settings::default()
        };
        let p = settings.into_platform(&env)?;
        assert_eq!(p.client_credentials_secret.as_deref(), Some("literal"));
        assert_eq!(p.auth_mode, AuthMode::DeviceFlow);
        Ok(())
    }

    #[test]
    fn endpoint_loses_dns_scheme_and_ca_path_expands_home() -> Result<(), ConfigError> {
        let env = env_in(&PathBuf::from("/w"), &[]);
        let settings = Settings {
            endpoint: Some("dns:///flyte.example.com".into()),
            ca_cert_file_path: Some("~/ca.pem".into()),
            ..Settings::default()
        };
        let p = settings.into_platform(&env)?;
        assert_eq!(p.endpoint, "flyte.example.com");
        assert_eq!(p.ca_cert_file_path.as_deref(), Some("/w/home/ca.pem"));
        Ok(())
    }
}
