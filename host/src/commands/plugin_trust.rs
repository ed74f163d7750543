//! `flyte-host plugin trust add|list|remove`: the minisign public keys whose signatures
//! `plugin install` accepts (see [`crate::trust`]). The user's keys are in
//! `~/.flyte/trusted-keys/`; an administrator's, in `/etc/flyte-host/trusted-keys/` (or
//! `$FLYTE_HOST_SYSTEM_KEYS_DIR`), are listed too but never changed.

use clap::{Arg, ArgMatches, Command};
use serde_json::json;

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    output,
    trust::{self, KeyDirs, Policy, TrustedKey},
};

/// The group's one-line help.
pub(super) const ABOUT: &str =
    "Manage the signing keys whose plugins install (minisign public keys)";

/// `plugin trust add`'s clap definition.
pub(super) fn add_cli() -> Command {
    Command::new("add")
        .about("Trust a minisign public key: from then on, plugins must be signed by a trusted key")
        .arg(
            Arg::new("key")
                .value_name("PUBKEY_OR_FILE")
                .required(true)
                .help("A minisign public key file (`minisign -G` writes minisign.pub) or its base64 key line"),
        )
        .arg(
            Arg::new("name")
                .long("name")
                .value_name("N")
                .help("The name to keep it under (default: its key id)"),
        )
}

/// Adds the key to `~/.flyte/trusted-keys/`.
pub(super) fn add_exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let given = matches
        .get_one::<String>("key")
        .ok_or_else(|| Error::Message("plugin trust add: a key is required".into()))?;
    let dirs = KeyDirs::from_env()?;
    let (key, added) = trust::add(
        &dirs,
        given,
        matches.get_one::<String>("name").map(String::as_str),
    )?;
    if json_output() {
        output::document(&json!({"key": key_json(&key), "added": added}))?;
    } else {
        let what = if added {
            "trusted".to_owned()
        } else {
            format!("already trusted as '{}' (nothing to do)", key.name)
        };
        output::pairs(&[
            ("key", format!("{} {what}", key.key_id)),
            ("name", key.name.clone()),
            ("file", key.file.display().to_string()),
        ])?;
    }
    if added {
        crate::say!(
            "note: `flyte-host plugin install` now installs only plugins signed by a trusted key, and installed plugins without a verified signature no longer load (reinstall them from signed manifests)."
        );
    }
    Ok(0)
}

/// `plugin trust list`'s clap definition.
pub(super) fn list_cli() -> Command {
    Command::new("list").about("List the trusted signing keys, the user's and the machine's")
}

/// Lists both directories' keys and the policy they make.
pub(super) fn list_exec(_cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let dirs = KeyDirs::from_env()?;
    let policy = Policy::from_env(&dirs)?;
    let policy_word = match &policy {
        Policy::Off => "off: any plugin installs (no key trusted)",
        Policy::Keys(_) => "on: plugins must be signed by a trusted key",
        Policy::NoKey => {
            "on (FLYTE_PLUGIN_REQUIRE_SIGNATURE=1), but no key is trusted: nothing installs"
        }
    };
    let keys = policy.keys();
    if json_output() {
        output::document(&json!({
            "user_dir": dirs.user.as_ref().map(|d| d.display().to_string()),
            "system_dir": dirs.system.display().to_string(),
            "signatures_required": policy.in_force(),
            "keys": keys.iter().map(key_json).collect::<Vec<_>>(),
        }))?;
        return Ok(0);
    }
    if keys.is_empty() {
        output::pairs(&[
            ("keys", format!("none (in {})", dirs.describe())),
            ("policy", policy_word.to_owned()),
        ])?;
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.name.clone(),
                k.key_id.clone(),
                k.scope.word().to_owned(),
                k.file.display().to_string(),
            ]
        })
        .collect();
    output::table(&["NAME", "KEY ID", "SCOPE", "FILE"], &rows)?;
    Ok(0)
}

/// `plugin trust remove`'s clap definition.
pub(super) fn remove_cli() -> Command {
    Command::new("remove")
        .about("Stop trusting one of your signing keys")
        .arg(
            Arg::new("name")
                .value_name("N")
                .required(true)
                .help("The key's name or key id (`flyte-host plugin trust list`)"),
        )
}

/// Removes the key from `~/.flyte/trusted-keys/`.
pub(super) fn remove_exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let name = matches
        .get_one::<String>("name")
        .ok_or_else(|| Error::Message("plugin trust remove: a name is required".into()))?;
    let dirs = KeyDirs::from_env()?;
    let key = trust::remove(&dirs, name)?;
    if json_output() {
        output::document(&json!({"removed": key_json(&key)}))?;
    } else {
        let what = match key.name == key.key_id {
            true => key.key_id.clone(),
            false => format!("{} ({})", key.name, key.key_id),
        };
        output::pairs(&[("removed", what)])?;
    }
    Ok(0)
}

fn key_json(key: &TrustedKey) -> serde_json::Value {
    json!({
        "name": key.name,
        "key_id": key.key_id,
        "public_key": key.public_key,
        "scope": key.scope.word(),
        "file": key.file.display().to_string(),
    })
}
