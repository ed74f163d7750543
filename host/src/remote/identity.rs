//! Who and how admin is: `GET /me` (the IdentityService's user info, through the login flow) and
//! `GET /healthcheck` (no auth), the first things to ask when something is off.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{client::AdminClient, error::RemoteError};

impl AdminClient {
    /// `GET /me`: the user admin takes the caller for (its `UserInfoResponse`: `subject`, `name`,
    /// `preferred_username`, `email`, … with proto field names). Admin without authentication
    /// answers with empty fields.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached, refuses (401: not logged in), or answers something else than an
    /// object.
    pub(crate) fn user_info(&self) -> Result<Value, RemoteError> {
        let action = "say who you are (GET /me)";
        let reply = self.get("/me", &[], action)?;
        if !reply.is_success() {
            return Err(self.status_error(&reply, action));
        }
        let body = self.json(&reply, action)?;
        if body.is_object() {
            Ok(body)
        } else {
            Err(self.bad_response(action, "the user info is not an object"))
        }
    }

    /// `GET /healthcheck`, which admin answers without authentication: how long it took.
    ///
    /// # Errors
    ///
    /// Admin cannot be reached, or answers with an error status.
    pub(crate) fn health(&self) -> Result<Duration, RemoteError> {
        let action = "answer its health check (GET /healthcheck)";
        let started = Instant::now();
        let reply = self.get("/healthcheck", &[], action)?;
        let took = started.elapsed();
        if reply.is_success() {
            Ok(took)
        } else {
            Err(self.status_error(&reply, action))
        }
    }
}
