//! Warnings for misspelled keys in the config sections the host reads (`admin:` and `console:` of
//! config.yaml, `[platform]` and `[credentials]` of the legacy INI files): flytekit and flytectl
//! ignore them, so `admin.endpont` silently meant the sandbox. Other sections are not ours to judge.

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::Mutex,
};

use crate::text::did_you_mean;

/// The `admin:` keys flytectl's Go client knows: those the host reads, then those it ignores.
const ADMIN_KEYS: &[&str] = &[
    "endpoint",
    "insecure",
    "insecureSkipVerify",
    "caCertFilePath",
    "httpProxyURL",
    "rpcRetries",
    "command",
    "proxyCommand",
    "clientId",
    "clientSecretLocation",
    "clientSecretEnvVar",
    "scopes",
    "authType",
    "audience",
    "useAuth",
    "useAudienceFromAdmin",
    "pkceConfig",
    "deviceFlowConfig",
    "tokenUrl",
    "authorizationServerUrl",
    "authorizationHeader",
    "tokenRefreshWindow",
    "maxBackoffDelay",
    "perRetryTimeout",
    "maxRetries",
    "maxMessageSizeBytes",
    "defaultServiceConfig",
];
/// The `console:` keys.
const CONSOLE_KEYS: &[&str] = &["endpoint"];
/// The legacy `[platform]` options.
const PLATFORM_OPTIONS: &[&str] = &[
    "url",
    "insecure",
    "insecure_skip_verify",
    "console_endpoint",
    "ca_cert_file_path",
    "http_proxy_url",
    "rpc_retries",
];
/// The legacy `[credentials]` options.
const CREDENTIALS_OPTIONS: &[&str] = &[
    "command",
    "proxy_command",
    "client_id",
    "client_secret",
    "client_secret_location",
    "client_secret_env_var",
    "scopes",
    "auth_mode",
    "audience",
];

/// One warning per unknown key of `admin:` and `console:` in YAML `text` (file `path`), with the
/// key's line when it is written in block style.
pub(super) fn in_yaml(path: &Path, text: &str) -> Vec<String> {
    let Ok(serde_yaml_ng::Value::Mapping(doc)) = serde_yaml_ng::from_str(text) else {
        return Vec::new(); // the parser reports what is wrong with the file
    };
    let mut warnings = Vec::new();
    for (section, known) in [("admin", ADMIN_KEYS), ("console", CONSOLE_KEYS)] {
        let Some(serde_yaml_ng::Value::Mapping(keys)) = doc.get(section) else {
            continue;
        };
        // Found once per section, not once per key: a file of many unknown keys stays linear.
        let mut lines = None;
        for key in keys.keys().filter_map(serde_yaml_ng::Value::as_str) {
            if !known.contains(&key) {
                let lines = lines.get_or_insert_with(|| yaml_lines(text, section));
                let line = lines.get(key).copied();
                warnings.push(warning(path, line, &format!("{section}.{key}"), key, known));
            }
        }
    }
    warnings
}

/// One warning per unknown option of `[platform]` and `[credentials]`; `options` are (section,
/// lower-cased option, line) as the INI parser read them.
pub(super) fn in_ini<'a>(
    path: &Path,
    options: impl IntoIterator<Item = (&'a str, &'a str, usize)>,
) -> Vec<String> {
    let mut unknown: Vec<_> = options
        .into_iter()
        .filter_map(|(section, option, line)| {
            let known = match section {
                "platform" => PLATFORM_OPTIONS,
                "credentials" => CREDENTIALS_OPTIONS,
                _ => return None,
            };
            (!known.contains(&option)).then(|| {
                let key = format!("[{section}] {option}");
                (line, warning(path, Some(line), &key, option, known))
            })
        })
        .collect();
    unknown.sort();
    unknown.into_iter().map(|(_, warning)| warning).collect()
}

/// Prints each warning on stderr once per process (config files are read by several hooks).
pub(super) fn print(warnings: Vec<String>) {
    static PRINTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let Ok(mut printed) = PRINTED.lock() else {
        return;
    };
    let printed = printed.get_or_insert_with(HashSet::new);
    for warning in warnings {
        if printed.insert(warning.clone()) {
            crate::say!("{warning}");
        }
    }
}

fn warning(path: &Path, line: Option<usize>, key: &str, word: &str, known: &[&str]) -> String {
    let at = line.map(|l| format!(":{l}")).unwrap_or_default();
    let hint = did_you_mean(word, known);
    format!(
        "warning: {}{at}: `{key}` is not a setting flyte-host knows and is ignored{hint}",
        path.display()
    )
}

/// The 1-based line of each key directly under the top-level `section:` of block-style YAML
/// `text` (its first, where a key is written twice), in one pass over the text.
fn yaml_lines<'t>(text: &'t str, section: &str) -> HashMap<&'t str, usize> {
    let mut lines = HashMap::new();
    let mut inside = false;
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if line.len() == content.len() {
            inside = content
                .strip_prefix(section)
                .and_then(|rest| rest.trim_start().strip_prefix(':'))
                .is_some();
        } else if inside {
            let name = content.split(':').next().unwrap_or_default().trim();
            lines
                .entry(name.trim_matches(['"', '\'']))
                .or_insert(index + 1);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelled_yaml_keys_are_named_with_line_and_hint() {
        let text = "logger: {level: 0}\nadmin:\n  # sandbox\n  endpont: dns:///x\n  insecure: true\n  pkceConfig: {timeout: 2m}\nconsole:\n  endpiont: https://c\nstorage:\n  typo: 1\n";
        assert_eq!(
            in_yaml(Path::new("/c.yaml"), text),
            [
                "warning: /c.yaml:4: `admin.endpont` is not a setting flyte-host knows and is ignored; did you mean 'endpoint'?",
                "warning: /c.yaml:8: `console.endpiont` is not a setting flyte-host knows and is ignored; did you mean 'endpoint'?",
            ]
        );
        let flow = in_yaml(Path::new("/c.yaml"), "admin: {endpont: x}\n");
        assert_eq!(
            flow,
            ["warning: /c.yaml: `admin.endpont` is not a setting flyte-host knows and is ignored; did you mean 'endpoint'?"]
        );
    }

    #[test]
    fn ini_options_outside_our_sections_are_fine() {
        let warnings = in_ini(
            Path::new("/f.config"),
            [
                ("platform", "urll", 2),
                ("sdk", "whatever", 5),
                ("credentials", "client_id", 7),
            ],
        );
        assert_eq!(
            warnings,
            ["warning: /f.config:2: `[platform] urll` is not a setting flyte-host knows and is ignored; did you mean 'url'?"]
        );
    }
}
