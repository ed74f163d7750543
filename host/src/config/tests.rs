//! End-to-end tests of config resolution: search order, file formats, overrides and errors.

use std::{fs, path::PathBuf};

use tempfile::TempDir;

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A temp dir holding `home/.flyte/` and `work/` (the current directory).
/// A temp dir with `home/.flyte/` and `work/` (the working directory) inside.
pub(super) fn sandbox_dirs() -> Result<TempDir, std::io::Error> {
    let dir = tempfile::tempdir()?;
    fs::create_dir_all(dir.path().join("home/.flyte"))?;
    fs::create_dir_all(dir.path().join("work"))?;
    Ok(dir)
}

/// An environment with these variables, HOME `home/` and working directory `work/` of `dir`.
pub(super) fn env(dir: &TempDir, vars: &[(&str, &str)]) -> Env {
    Env::new(
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        Some(dir.path().join("home")),
        dir.path().join("work"),
    )
}

fn write(dir: &TempDir, file: &str, text: &str) -> Result<PathBuf, std::io::Error> {
    let path = dir.path().join(file);
    fs::write(&path, text)?;
    Ok(path)
}

const FULL_YAML: &str = "admin:
  endpoint: dns:///flyte.example.com:443
  insecure: false
  insecureSkipVerify: true
  caCertFilePath: ~/ca.pem
  authType: Pkce
  clientId: ci
  clientSecretLocation: ../secret
  scopes: [all]
  audience: flyte
  command: [get-token]
  proxyCommand: [proxy-token]
  httpProxyURL: http://proxy:3128
console:
  endpoint: https://console.example.com
storage:
  type: s3
";

#[test]
fn yaml_file_gives_every_platform_setting() -> TestResult {
    let dir = sandbox_dirs()?;
    write(&dir, "secret", "s3cret\n")?;
    let file = write(&dir, "home/.flyte/config.yaml", FULL_YAML)?;
    let config = auto(None, &env(&dir, &[]))?;
    assert_eq!(config.origin, ConfigOrigin::ConfigFile);
    assert_eq!(config.config_file, Some(file.display().to_string()));
    let home = dir.path().join("home");
    assert_eq!(
        config.platform,
        PlatformConfig {
            endpoint: "flyte.example.com:443".into(),
            insecure: false,
            insecure_skip_verify: true,
            ca_cert_file_path: Some(format!("{}/ca.pem", home.display())),
            console_endpoint: Some("https://console.example.com".into()),
            command: vec!["get-token".into()],
            proxy_command: vec!["proxy-token".into()],
            client_id: Some("ci".into()),
            client_credentials_secret: Some("s3cret".into()),
            scopes: vec!["all".into()],
            auth_mode: AuthMode::ClientSecret,
            audience: Some("flyte".into()),
            rpc_retries: 3,
            http_proxy_url: Some("http://proxy:3128".into()),
        }
    );
    Ok(())
}

#[test]
fn legacy_ini_file_is_read() -> TestResult {
    let dir = sandbox_dirs()?;
    let ini = "[platform]\nurl = flyte.example.com\ninsecure = True\n\
               [credentials]\nclient_id = ci\nclient_secret = literal\nauth_mode = basic\n";
    write(&dir, "work/flytekit.config", ini)?;
    let config = auto(None, &env(&dir, &[]))?;
    assert_eq!(config.origin, ConfigOrigin::ConfigFile);
    let p = config.platform;
    assert_eq!(
        (p.endpoint.as_str(), p.insecure),
        ("flyte.example.com", true)
    );
    assert_eq!(p.client_credentials_secret.as_deref(), Some("literal"));
    assert_eq!(p.auth_mode, AuthMode::ClientSecret);
    Ok(())
}

#[test]
fn environment_overrides_the_file() -> TestResult {
    let dir = sandbox_dirs()?;
    let file = write(
        &dir,
        "c.yaml",
        "admin:\n  endpoint: file:1\n  insecure: true\n  clientId: file-id\n  scopes: [a]\n",
    )?;
    let vars = [
        ("FLYTE_PLATFORM_URL", "dns:///env:2"),
        ("FLYTE_PLATFORM_INSECURE", "false"),
        ("FLYTE_CREDENTIALS_SCOPES", "x,y"),
        ("FLYTE_CREDENTIALS_CLIENT_SECRET", "env-secret"),
        ("FLYTE_CREDENTIALS_AUTH_MODE", "DeviceFlow"),
        ("FLYTE_CREDENTIALS_CLIENT_ID", ""),
    ];
    let p = auto(Some(&file), &env(&dir, &vars))?.platform;
    assert_eq!((p.endpoint.as_str(), p.insecure), ("env:2", false));
    assert_eq!(p.scopes, vec!["x".to_owned(), "y".to_owned()]);
    assert_eq!(p.client_credentials_secret.as_deref(), Some("env-secret"));
    assert_eq!(p.auth_mode, AuthMode::DeviceFlow);
    assert_eq!(p.client_id.as_deref(), Some("file-id"));
    Ok(())
}

#[test]
fn secret_env_var_named_in_the_file_is_used() -> TestResult {
    let dir = sandbox_dirs()?;
    let file = write(&dir, "c.yml", "admin:\n  clientSecretEnvVar: CI_SECRET\n")?;
    let p = auto(Some(&file), &env(&dir, &[("CI_SECRET", "from-var")]))?.platform;
    assert_eq!(p.client_credentials_secret.as_deref(), Some("from-var"));
    assert_eq!(p.auth_mode, AuthMode::ClientSecret);
    Ok(())
}

#[test]
fn env_only_when_no_file() -> TestResult {
    let dir = sandbox_dirs()?;
    let vars = [("FLYTE_PLATFORM_URL", "flyte.example.com")];
    let config = auto(None, &env(&dir, &vars))?;
    assert_eq!(config.origin, ConfigOrigin::Env);
    assert_eq!(config.config_file, None);
    assert_eq!(config.platform.endpoint, "flyte.example.com");
    assert!(!config.platform.insecure);
    Ok(())
}

#[test]
fn remote_config_prefers_file_then_platform_url_then_sandbox() -> TestResult {
    let dir = sandbox_dirs()?;
    let url = [("FLYTE_PLATFORM_URL", "env:1")];

    assert_eq!(default_remote_config(None, &env(&dir, &[]))?, for_sandbox());

    let from_env = default_remote_config(None, &env(&dir, &url))?;
    assert_eq!(from_env.origin, ConfigOrigin::Env);
    assert_eq!(from_env.platform.endpoint, "env:1");

    write(
        &dir,
        "home/.flyte/config.yaml",
        "admin:\n  endpoint: file:1\n",
    )?;
    let from_file = default_remote_config(None, &env(&dir, &[]))?;
    assert_eq!(from_file.origin, ConfigOrigin::ConfigFile);
    assert_eq!(from_file.platform.endpoint, "file:1");
    let overridden = default_remote_config(None, &env(&dir, &url))?;
    assert_eq!(overridden.platform.endpoint, "env:1");
    assert_eq!(overridden.origin, ConfigOrigin::ConfigFile);
    Ok(())
}

#[test]
fn sandbox_is_local_insecure_pkce() {
    let config = for_sandbox();
    assert_eq!(config.platform.endpoint, "localhost:30080");
    assert!(config.platform.insecure);
    assert_eq!(config.platform.auth_mode, AuthMode::Pkce);
    assert_eq!(
        (config.origin, config.config_file),
        (ConfigOrigin::Sandbox, None)
    );
}

#[test]
fn for_endpoint_uses_default_platform_but_checks_the_config() -> TestResult {
    let dir = sandbox_dirs()?;
    let file = write(&dir, "home/.flyte/config.yaml", "admin:\n  clientId: ci\n")?;
    let config = for_endpoint("dns:///flyte.example.com", false, &env(&dir, &[]))?;
    assert_eq!(config.origin, ConfigOrigin::Endpoint);
    assert_eq!(config.config_file, Some(file.display().to_string()));
    assert_eq!(
        config.platform,
        PlatformConfig {
            endpoint: "flyte.example.com".into(),
            ..PlatformConfig::default()
        }
    );
    write(
        &dir,
        "home/.flyte/config.yaml",
        "admin:\n  insecure: maybe\n",
    )?;
    let broken = for_endpoint("x:1", true, &env(&dir, &[]));
    assert!(
        matches!(broken, Err(ConfigError::Yaml { line: Some(2), .. })),
        "{broken:?}"
    );
    Ok(())
}

#[test]
fn explicit_missing_file_is_an_error() -> TestResult {
    let dir = sandbox_dirs()?;
    write(
        &dir,
        "home/.flyte/config.yaml",
        "admin:\n  endpoint: file:1\n",
    )?;
    let missing = auto(Some(Path::new("missing.yaml")), &env(&dir, &[]));
    assert!(
        matches!(missing, Err(ConfigError::MissingFile { .. })),
        "{missing:?}"
    );
    let missing = default_remote_config(Some(Path::new("missing.config")), &env(&dir, &[]));
    assert!(
        matches!(missing, Err(ConfigError::MissingFile { .. })),
        "{missing:?}"
    );
    Ok(())
}

#[test]
fn unreadable_config_file_is_an_error() -> TestResult {
    let dir = sandbox_dirs()?;
    fs::create_dir(dir.path().join("work/flytekit.config"))?;
    let err = auto(None, &env(&dir, &[]))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("flytekit.config"), "{err}");
    Ok(())
}

#[test]
fn bad_env_values_name_the_variable() -> TestResult {
    let dir = sandbox_dirs()?;
    for (var, value) in [
        ("FLYTE_PLATFORM_INSECURE", "perhaps"),
        ("FLYTE_CREDENTIALS_AUTH_MODE", "nope"),
        ("FLYTE_PLATFORM_RPC_RETRIES", "many"),
    ] {
        match auto(None, &env(&dir, &[(var, value)])) {
            Err(e @ ConfigError::InvalidEnv { .. }) => {
                let shown = e.to_string();
                assert!(shown.contains(var) && shown.contains(value), "{shown}");
            }
            other => panic!("{var}={value}: {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn missing_secret_file_names_the_key() -> TestResult {
    let dir = sandbox_dirs()?;
    let file = write(
        &dir,
        "c.yaml",
        "admin:\n  clientSecretLocation: /no/such/secret\n",
    )?;
    let err = auto(Some(&file), &env(&dir, &[]))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("admin.clientSecretLocation") && err.contains("/no/such/secret"),
        "{err}"
    );
    Ok(())
}
