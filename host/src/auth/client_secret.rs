//! Client credentials (authType `ClientSecret`): the token endpoint with HTTP Basic client
//! authentication, `scope` and `audience`.

use flyte_plugin_abi::PlatformConfig;

use super::{discovery::AuthMetadata, token, AuthError, Tokens};

/// A token for the configured client id and secret.
///
/// # Errors
///
/// No client id or secret configured, or the OAuth server refuses (never naming the secret).
pub(crate) fn login(
    meta: &AuthMetadata,
    platform: &PlatformConfig,
    agent: &ureq::Agent,
) -> Result<Tokens, AuthError> {
    let id = super::setting(&platform.client_id).ok_or_else(|| {
        AuthError::Config(format!(
            "authType ClientSecret needs admin.clientId for {}",
            platform.endpoint
        ))
    })?;
    let secret = super::setting(&platform.client_credentials_secret).ok_or_else(|| {
        AuthError::Config(format!(
            "authType ClientSecret needs a client secret for {}: set admin.clientSecretLocation, admin.clientSecretEnvVar or FLYTE_CREDENTIALS_CLIENT_SECRET",
            platform.endpoint
        ))
    })?;
    let extra = meta.scope_and_audience();
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    token::exchange(meta, agent, &form, Some((id, secret)))
}
