//! What admin's answers and transport failures become for the user: the gateway's error body
//! read leniently, "not logged in", admin's status and message, unreadable or incomplete answers,
//! and an endpoint that cannot be reached, each naming the endpoint.

use serde_json::Value;

use super::{AdminClient, Reply};
use crate::{
    remote::error::{grpc_code_name, RemoteError},
    text::one_line,
    wire::transport_reason,
};

impl Reply {
    /// The body of a gateway error (`{"code","message","details"}`): the gRPC code's name and the
    /// message, leniently (an ingress may answer with HTML or nothing).
    pub(crate) fn error_status(&self) -> (Option<String>, String) {
        let parsed: Option<Value> = serde_json::from_str(&self.body).ok();
        let code = parsed.as_ref().and_then(|v| v.get("code")).and_then(|c| {
            c.as_i64()
                .and_then(grpc_code_name)
                .map(str::to_owned)
                .or_else(|| c.as_str().map(str::to_owned))
        });
        let message = parsed
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("error")))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let body = self.body.trim();
                if body.is_empty() {
                    "(no message)".to_owned()
                } else {
                    body.to_owned()
                }
            });
        (code, one_line(&message))
    }
}

impl AdminClient {
    /// The error for a request that never got an answer from admin.
    pub(super) fn unreachable(&self, error: &ureq::Error) -> RemoteError {
        RemoteError::Unreachable {
            url: self.base_url.clone(),
            endpoint: self.endpoint.clone(),
            origin: self.origin.clone(),
            reason: transport_reason(error, self.base_url.starts_with("https://")),
        }
    }

    /// The error for a non-2xx `reply` to `action`: 401 is "not logged in", others carry the
    /// status, the gRPC code and admin's message.
    pub(crate) fn status_error(&self, reply: &Reply, action: &str) -> RemoteError {
        if reply.status == 401 {
            if let Some(source) = self.auth.rejected_mode() {
                return RemoteError::Auth(format!(
                    "Flyte admin at {} rejected the token of {source} (HTTP 401 UNAUTHENTICATED)",
                    self.endpoint
                ));
            }
            return RemoteError::NotLoggedIn {
                endpoint: self.endpoint.clone(),
            };
        }
        let (code, message) = reply.error_status();
        RemoteError::Admin {
            endpoint: self.endpoint.clone(),
            action: action.to_owned(),
            status: reply.status,
            code: code.map(|c| format!(" {c}")).unwrap_or_default(),
            message,
        }
    }

    /// `reply`'s body as JSON, or an error naming `action`.
    pub(crate) fn json(&self, reply: &Reply, action: &str) -> Result<Value, RemoteError> {
        serde_json::from_str(&reply.body).map_err(|e| RemoteError::BadResponse {
            endpoint: self.endpoint.clone(),
            action: action.to_owned(),
            message: format!("not JSON ({e}): {}", one_line(&reply.body)),
        })
    }

    /// An error for an answer that is JSON but lacks what the host needs.
    pub(crate) fn bad_response(&self, action: &str, message: impl Into<String>) -> RemoteError {
        RemoteError::BadResponse {
            endpoint: self.endpoint.clone(),
            action: action.to_owned(),
            message: message.into(),
        }
    }

    /// A "not found" error for `what` in `project`/`domain`.
    pub(crate) fn not_found(&self, what: String, project: &str, domain: &str) -> RemoteError {
        RemoteError::NotFound {
            what,
            project: project.to_owned(),
            domain: domain.to_owned(),
            endpoint: self.endpoint.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        let reply = Reply {
            status: 404,
            body: r#"{"code": 5, "message": "missing\nentity", "details": []}"#.into(),
        };
        assert_eq!(
            reply.error_status(),
            (Some("NOT_FOUND".into()), "missing entity".into())
        );
        let html = Reply {
            status: 502,
            body: "<html>bad gateway</html>".into(),
        };
        assert_eq!(
            html.error_status(),
            (None, "<html>bad gateway</html>".into())
        );
    }
}
