//! A plugin's own authenticator (flytekit's custom `AuthType` / `AuthClient` case): an object
//! that hands the host access tokens, carried by the remote description `get_remote` returns.

use std::{fmt, sync::Arc};

use abi_stable::{
    sabi_trait,
    sabi_trait::TD_Opaque,
    std_types::{RArc, RResult, RString},
};

use crate::{export::guarded, plugin::PluginError};

/// The FFI form of an authenticator. Plugin authors implement [`Authenticator`] instead.
#[sabi_trait]
pub trait FfiAuthenticator: Clone + Debug + Send + Sync {
    /// A token for the next admin request.
    fn get_token(&self) -> RResult<RString, RString>;

    /// A new token after admin rejected the last one.
    #[sabi(last_prefix_field)]
    fn refresh(&self) -> RResult<RString, RString>;
}

/// An authenticator crossing the boundary (shared: remotes are cloned).
pub type AuthenticatorBox = FfiAuthenticator_TO<'static, RArc<()>>;

/// Supplies the access tokens the host sends to Flyte admin (as `Bearer <token>`), instead of the
/// host's own login flows. Attach one with [`Remote::with_authenticator`](crate::Remote::with_authenticator).
pub trait Authenticator: Send + Sync + 'static {
    /// A token for the next request (called once per process, then after each refresh).
    fn get_token(&self) -> Result<String, PluginError>;

    /// A new token after admin answered 401 to the last one. Default: [`get_token`](Self::get_token).
    fn refresh(&self) -> Result<String, PluginError> {
        self.get_token()
    }
}

/// An authenticator held by a remote description: a plugin's own, or one that crossed the
/// boundary. Clones share it; two are equal when they are the same object.
#[derive(Clone)]
pub struct PluginAuthenticator(Arc<dyn Authenticator>);

impl PluginAuthenticator {
    /// Wraps an author's authenticator.
    pub fn new(authenticator: impl Authenticator) -> Self {
        PluginAuthenticator(Arc::new(authenticator))
    }

    /// A token for the next request.
    pub fn get_token(&self) -> Result<String, PluginError> {
        self.0.get_token()
    }

    /// A new token after a 401.
    pub fn refresh(&self) -> Result<String, PluginError> {
        self.0.refresh()
    }

    pub(crate) fn export(&self) -> AuthenticatorBox {
        FfiAuthenticator_TO::from_ptr(RArc::new(Exported(self.clone())), TD_Opaque)
    }

    pub(crate) fn import(ffi: AuthenticatorBox) -> Self {
        PluginAuthenticator(Arc::new(Imported(ffi)))
    }
}

impl fmt::Debug for PluginAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PluginAuthenticator(..)")
    }
}

impl PartialEq for PluginAuthenticator {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for PluginAuthenticator {}

/// Carries an author's authenticator across the boundary, catching its panics.
#[derive(Clone, Debug)]
struct Exported(PluginAuthenticator);

impl FfiAuthenticator for Exported {
    fn get_token(&self) -> RResult<RString, RString> {
        guarded(|| self.0.get_token()).map(RString::from)
    }

    fn refresh(&self) -> RResult<RString, RString> {
        guarded(|| self.0.refresh()).map(RString::from)
    }
}

/// An authenticator from the other side of the boundary.
struct Imported(AuthenticatorBox);

impl Authenticator for Imported {
    fn get_token(&self) -> Result<String, PluginError> {
        self.0
            .get_token()
            .into_result()
            .map(RString::into_string)
            .map_err(PluginError::new)
    }

    fn refresh(&self) -> Result<String, PluginError> {
        self.0
            .refresh()
            .into_result()
            .map(RString::into_string)
            .map_err(PluginError::new)
    }
}
