//! What can go wrong while authenticating, worded for the user. No variant ever carries a token
//! or a secret: messages come from the OAuth server's `error`/`error_description` or the host.

/// An authentication failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthError {
    /// Discovery of the OAuth server failed.
    #[error("cannot discover the OAuth server of {endpoint}: {message}")]
    Discovery {
        /// The admin endpoint.
        endpoint: String,
        /// What went wrong.
        message: String,
    },
    /// The token endpoint refused or could not be reached.
    #[error("the OAuth server at {url} refused the token request: {message}")]
    Token {
        /// The token endpoint.
        url: String,
        /// The server's error (never the secret).
        message: String,
    },
    /// The configuration lacks something the flow needs.
    #[error("{0}")]
    Config(String),
    /// The external command failed.
    #[error("{0}")]
    Command(String),
    /// The interactive login (PKCE or device flow) failed or timed out.
    #[error("{0}")]
    Login(String),
    /// The token cache could not be read or written.
    #[error("token cache {path}: {message}")]
    Cache {
        /// The cache file.
        path: String,
        /// What went wrong.
        message: String,
    },
}
