//! The notice that newer plugin versions exist: at most once a day, on stderr, only when stderr
//! is a terminal, never when `CI` is set, off with `FLYTE_PLUGIN_NO_UPDATE_CHECK=1`. It reads the
//! copies of the indexes that `plugin install`, `outdated` and `upgrade` keep, never the network,
//! and runs only after commands that call the plugin's hooks (never for `--help`, `--version` or
//! `plugin …`). When there is nothing to say it costs one `stat`.

use std::{
    fs,
    io::IsTerminal,
    path::Path,
    time::{Duration, SystemTime},
};

use super::{config, status};
use crate::install::{lock::Lock, plugin_dir_from_env};

/// The variable that turns the notice off.
pub(crate) const OFF_VAR: &str = "FLYTE_PLUGIN_NO_UPDATE_CHECK";

/// How often at most.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Says, on stderr, which installed plugins have newer versions this host can load, if the
/// notice is due (see the module docs).
pub(crate) fn after_command() {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if set(OFF_VAR) || set("CI") || !std::io::stderr().is_terminal() {
        return;
    }
    let Ok(dir) = plugin_dir_from_env() else {
        return;
    };
    let stamp = dir.join(config::INDEX_DIR).join("notice-shown");
    let due = match fs::metadata(&stamp).and_then(|m| m.modified()) {
        Ok(shown) => SystemTime::now()
            .duration_since(shown)
            .is_ok_and(|since| since >= EVERY),
        // No stamp: due, if indexes are configured at all.
        Err(_) => dir.join(config::INDEX_DIR).is_dir(),
    };
    if due {
        show(&dir, &stamp);
    }
}

fn show(dir: &Path, stamp: &Path) {
    // Checked now, whatever it finds: the next check is in a day.
    let _ = crate::atomic_file::write(stamp, b"", false);
    let Ok(lock) = Lock::read(dir) else {
        return;
    };
    let cached = config::cached(dir);
    let newer: Vec<String> = lock
        .plugins
        .iter()
        .filter_map(|entry| {
            let standing = status::standing(&cached, entry);
            standing.upgrade.map(|c| {
                format!(
                    "{} {} (installed {})",
                    entry.name, c.version.version, entry.version
                )
            })
        })
        .collect();
    if !newer.is_empty() {
        crate::say!(
            "note: newer plugin versions are available: {}. `flyte-host plugin upgrade` installs them ({OFF_VAR}=1 turns this note off).",
            newer.join(", ")
        );
    }
}
