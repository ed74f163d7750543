//! Client credentials (authType `ClientSecret`): the token endpoint with HTTP Basic client
//! authentication, `scope` and `audience`.

use flyte_plugin_abi::PlatformConfig;

use super::{discovery::AuthMetadata, token, AuthError, Tokens};

/// A token for the configured client id and secret.
///
/// # Errors
///
/// No client id or secret configured, or the OAuth server refuses (never naming the secret).
pub fn login(
    meta: &AuthMetadata,
    platform: &PlatformConfig,
    agent: &ureq::Agent,
) -> Result<Tokens, AuthError> {
    let id = platform
        .client_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AuthError::Config(format!(
                "authType ClientSecret needs admin.clientId for {}",
                platform.endpoint
            ))
        })?;
    let secret = platform
        .client_credentials_secret
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AuthError::Config(format!(
                "authType ClientSecret needs a client secret for {}: set admin.clientSecretLocation, admin.clientSecretEnvVar or FLYTE_CREDENTIALS_CLIENT_SECRET",
                platform.endpoint
            ))
        })?;
    let scope = meta.scopes.join(" ");
    let mut form = vec![("grant_type", "client_credentials")];
    if !scope.is_empty() {
        form.push(("scope", scope.as_str()));
    }
    if let Some(audience) = &meta.audience {
        form.push(("audience", audience.as_str()));
    }
    token::exchange(meta, agent, &form, Some((id, secret)))
}
