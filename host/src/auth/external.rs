//! `admin.command` / `admin.proxyCommand`: a command whose stripped stdout is a token.

use std::process::{Command, Stdio};

use super::AuthError;

/// Runs `command` (program and arguments; `what` names the config key) and returns its stripped
/// stdout. The output never appears in errors (it may be a token).
///
/// # Errors
///
/// The command cannot start, fails, or prints nothing.
pub(crate) fn run(command: &[String], what: &str) -> Result<String, AuthError> {
    let Some((program, args)) = command.split_first() else {
        return Err(AuthError::Config(format!(
            "{what} is empty: set it to the command that prints the token"
        )));
    };
    let shown = command.join(" ");
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| AuthError::Command(format!("cannot run {what} `{shown}`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr = crate::text::one_line_within(&stderr, 300);
        let detail = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {stderr}")
        };
        return Err(AuthError::Command(format!(
            "{what} `{shown}` failed ({}){detail}",
            output.status
        )));
    }
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    crate::redact::secret(&token);
    if token.is_empty() {
        return Err(AuthError::Command(format!(
            "{what} `{shown}` printed no token"
        )));
    }
    Ok(token)
}
