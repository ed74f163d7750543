//! `flyte-host whoami`: who the admin of the remote `get_remote` resolves takes you for (its
//! IdentityService, `GET /me`, through the login flow), the first thing to run when a call is
//! refused.

use clap::{ArgMatches, Command};
use serde_json::{json, Value};

use super::json_output;
use crate::{cli::Cli, error::Error, output, remote::field};

/// The user-info fields shown, with their labels, in this order.
const FIELDS: [(&str, &str); 6] = [
    ("subject", "subject"),
    ("preferred_username", "username"),
    ("name", "name"),
    ("given_name", "given name"),
    ("family_name", "family name"),
    ("email", "email"),
];

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("whoami").about("Show who the Flyte admin takes you for (its GET /me)")
}

/// Asks admin; prints the user.
pub(super) fn exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let client = crate::context::connect()?;
    let user = client.user_info()?;
    let text = |name: &str| {
        field(&user, name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let anonymous = FIELDS.iter().all(|(name, _)| text(name).is_none());
    if json_output() {
        output::document(&json!({
            "endpoint": client.endpoint(),
            "anonymous": anonymous,
            "user": user,
        }))?;
        return Ok(0);
    }
    let mut rows = vec![("endpoint", client.endpoint().to_owned())];
    if anonymous {
        rows.push((
            "user",
            "anonymous: admin names no user (its authentication is off)".to_owned(),
        ));
    }
    rows.extend(
        FIELDS
            .iter()
            .filter_map(|(name, label)| text(name).map(|value| (*label, value))),
    );
    output::pairs(&rows)?;
    Ok(0)
}
