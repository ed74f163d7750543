//! What can go wrong talking to Flyte admin, worded for the user (one line each).

use crate::wire::ELSEWHERE;

/// An error from the admin client or from turning command-line inputs into Flyte literals.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RemoteError {
    /// The remote description could not be resolved (`get_remote` failed).
    #[error("{0}")]
    Remote(String),
    /// The client could not be built from the remote description.
    #[error("cannot connect to Flyte admin at {endpoint} ({origin}): {message}")]
    Setup {
        /// The endpoint as configured.
        endpoint: String,
        /// Where the endpoint came from.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// No connection could be made (refused, unknown host, timeout, TLS failure).
    #[error(
        "cannot reach Flyte admin at {url} (endpoint {endpoint} {origin}): {reason}. {ELSEWHERE}"
    )]
    Unreachable {
        /// The base URL that was tried.
        url: String,
        /// The endpoint as configured.
        endpoint: String,
        /// Where the endpoint came from.
        origin: String,
        /// Why the connection failed.
        reason: String,
    },
    /// Admin answered 401.
    #[error("not logged in to {endpoint}: run `flyte-host login`")]
    NotLoggedIn {
        /// The endpoint as configured.
        endpoint: String,
    },
    /// Authentication failed (discovery, the token request, the login or the token command).
    #[error("{0}")]
    Auth(String),
    /// The entity does not exist (404).
    #[error("{what} not found in {project}/{domain} on {endpoint}")]
    NotFound {
        /// What was looked for, e.g. `task 'etl.clean' version 'v1'`.
        what: String,
        /// The project.
        project: String,
        /// The domain.
        domain: String,
        /// The endpoint as configured.
        endpoint: String,
    },
    /// The project does not exist (admin's 404 for it).
    #[error("project '{project}' not found on {endpoint}")]
    ProjectNotFound {
        /// The project.
        project: String,
        /// The endpoint as configured.
        endpoint: String,
    },
    /// Admin answered with an error status.
    #[error("Flyte admin at {endpoint} refused to {action}: HTTP {status}{code}: {message}")]
    Admin {
        /// The endpoint as configured.
        endpoint: String,
        /// What the host asked for, e.g. `register task 'etl.clean' version 'v1'`.
        action: String,
        /// The HTTP status.
        status: u16,
        /// ` INVALID_ARGUMENT` (with its leading space), or empty when the body had no code.
        code: String,
        /// Admin's message (one line).
        message: String,
    },
    /// Admin's answer could not be understood.
    #[error("Flyte admin at {endpoint} answered {action} with something flyte-host cannot read: {message}")]
    BadResponse {
        /// The endpoint as configured.
        endpoint: String,
        /// What the host asked for.
        action: String,
        /// What is wrong with the answer.
        message: String,
    },
    /// The task, workflow or launch plan is registered under this version with a different spec.
    #[error("{noun} '{name}' version '{version}' is already registered with a different spec{detail}: register the change under a new version (--version, or omit it to use the spec hash)")]
    DifferentSpec {
        /// `task`, `workflow` or `launch plan`.
        noun: &'static str,
        /// The entity's name.
        name: String,
        /// The version.
        version: String,
        /// ` (<what differs>)`, or empty.
        detail: String,
    },
    /// A `--input` could not be turned into a Flyte literal.
    #[error("{0}")]
    Input(String),
}

/// The name of gRPC status code `code` (`5` → `NOT_FOUND`).
pub(crate) fn grpc_code_name(code: i64) -> Option<&'static str> {
    Some(match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names() {
        assert_eq!(grpc_code_name(6), Some("ALREADY_EXISTS"));
        assert_eq!(grpc_code_name(16), Some("UNAUTHENTICATED"));
        assert_eq!(grpc_code_name(99), None);
    }
}
