//! insta snapshot filters: the parts of the host's output that differ from run to run and from
//! machine to machine (temp sandboxes, the checkout and target paths, ports, the host's version)
//! are replaced by placeholders, so `tests/it/snapshots/` holds on any machine.

use std::{fs, path::Path};

use insta::Settings;

use super::{host_version, target_dir, workspace_root};

/// `text` as a regex matching itself.
fn literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `path` and its canonical form (they differ when the checkout is reached through a symlink).
fn spellings(path: &Path) -> Vec<String> {
    let mut all = vec![path.display().to_string()];
    if let Ok(canonical) = fs::canonicalize(path) {
        all.insert(0, canonical.display().to_string());
    }
    all
}

/// The settings every snapshot of the host's output is taken with; bind them to the test's scope.
pub(crate) fn settings() -> Settings {
    let mut settings = Settings::clone_current();
    // Longest first: the target directory is usually inside the checkout.
    for dir in spellings(&target_dir()) {
        settings.add_filter(&literal(&dir), "[TARGET]");
    }
    for dir in spellings(&workspace_root()) {
        settings.add_filter(&literal(&dir), "[WORKSPACE]");
    }
    // A Sandbox's root: `<temp dir>/flyte-host-e2e-<random>`.
    settings.add_filter(r"/[^\s'`]*/flyte-host-e2e-[A-Za-z0-9]+", "[SANDBOX]");
    settings.add_filter(r"127\.0\.0\.1:[0-9]+", "127.0.0.1:[PORT]");
    settings.add_filter(&format!(r"\b{}\b", literal(&host_version())), "[VERSION]");
    settings
}

/// Asserts `$text` (the host's output, never empty) matches snapshot `$name` of the calling
/// module, with [`settings`]'s filters.
macro_rules! assert_snapshot {
    ($name:expr, $text:expr) => {{
        let text: &str = &$text;
        assert!(!text.trim().is_empty(), "nothing to snapshot for {}", $name);
        crate::support::snapshot::settings().bind(|| insta::assert_snapshot!($name, text));
    }};
}
pub(crate) use assert_snapshot;
