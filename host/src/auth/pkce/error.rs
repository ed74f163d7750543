//! How a PKCE login fails, each variant worded for the user.

use std::{io, net::SocketAddr};

use crate::auth::AuthError;

/// How a PKCE login fails. No variant carries a token, the code or the verifier.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PkceError {
    /// The redirect URI points off this machine.
    #[error(
        "the redirect URI {uri} is not on this machine: the login's callback server only listens \
         on loopback (localhost, 127.0.0.1 or [::1]), so the authorization code never leaves it"
    )]
    NotLoopback {
        /// The redirect URI.
        uri: String,
    },
    /// The redirect URI is not an `http://host:port/path` URL.
    #[error("the redirect URI '{uri}' cannot be served: {reason}")]
    BadRedirect {
        /// The redirect URI.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The callback port is taken or not allowed.
    #[error(
        "cannot listen for the login callback on {addr}: {source} (is another login running?)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The browser never came back in time.
    #[error(
        "the login timed out after {waited}: the browser never came back to {redirect}. Open the \
         URL printed above in a browser, or give it more time with `flyte-host login --timeout SECONDS`"
    )]
    Timeout {
        /// How long it waited.
        waited: String,
        /// The redirect URI.
        redirect: String,
    },
    /// The OAuth server redirected with `?error=`.
    #[error("the OAuth server refused the login: {0}")]
    Denied(String),
    /// The callback's `state` is not the one this login sent.
    #[error(
        "the login callback's state does not match the one this login sent (a stale browser tab \
         or a forged request): the login was rejected"
    )]
    StateMismatch,
    /// The callback has neither `code` nor `error`.
    #[error("the login callback carries no authorization code")]
    MissingCode,
    /// No randomness.
    #[error("cannot generate random values for the login: {0}")]
    Random(io::Error),
    /// The callback server failed.
    #[error("the login callback server failed: {0}")]
    Io(io::Error),
}

impl From<PkceError> for AuthError {
    fn from(error: PkceError) -> Self {
        AuthError::Login(error.to_string())
    }
}
