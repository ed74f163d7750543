//! The token cache: one JSON file per admin endpoint under `~/.flyte/tokens/`, mode 0600, written
//! atomically (a temporary file renamed over it).

use std::{
    fs,
    path::{Path, PathBuf},
};

use super::{token::Tokens, AuthError};

/// The cached tokens of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct TokenCache {
    /// The cache file; `None` without a home directory to keep it in.
    path: Option<PathBuf>,
}

/// `endpoint` as a file name: `dns:///flyte.example.com:443` → `flyte.example.com_443`.
fn file_name(endpoint: &str) -> String {
    let (_, address) = crate::wire::endpoint_parts(endpoint);
    let name: String = address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "default.json".to_owned()
    } else {
        format!("{name}.json")
    }
}

impl TokenCache {
    /// The cache of admin `endpoint`: `~/.flyte/tokens/<endpoint>.json`. Without a home directory
    /// there is none (tokens live as long as the process), rather than one in whatever directory
    /// the command runs in.
    pub(crate) fn for_endpoint(endpoint: &str) -> TokenCache {
        match crate::config::home_dir() {
            Some(home) => TokenCache::in_dir(&home.join(".flyte").join("tokens"), endpoint),
            None => TokenCache { path: None },
        }
    }

    /// The cache of `endpoint` in directory `dir`.
    pub(crate) fn in_dir(dir: &Path, endpoint: &str) -> TokenCache {
        TokenCache {
            path: Some(dir.join(file_name(endpoint))),
        }
    }

    /// The cached tokens, if any (an unreadable or malformed file counts as none).
    pub(crate) fn load(&self) -> Option<Tokens> {
        let text = fs::read_to_string(self.path.as_ref()?).ok()?;
        let tokens: Tokens = serde_json::from_str(&text).ok()?;
        crate::redact::secret(&tokens.access_token);
        if let Some(refresh) = &tokens.refresh_token {
            crate::redact::secret(refresh);
        }
        Some(tokens)
    }

    /// Stores `tokens` (mode 0600, atomically); nothing without a cache file.
    ///
    /// # Errors
    ///
    /// The directory or the file cannot be written.
    pub(crate) fn store(&self, tokens: &Tokens) -> Result<(), AuthError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let fail = |e: std::io::Error| AuthError::Cache {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::atomic_file::create_dirs(dir).map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
        let text = serde_json::to_string(tokens).map_err(|e| AuthError::Cache {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        crate::atomic_file::write(path, text.as_bytes(), true).map_err(fail)
    }

    /// Removes the cache; whether there was one.
    ///
    /// # Errors
    ///
    /// The file exists but cannot be removed.
    pub(crate) fn remove(&self) -> Result<bool, AuthError> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        match fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(AuthError::Cache {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// The cache file, if there is one.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_round_trip() {
        assert_eq!(
            file_name("dns:///flyte.example.com:443"),
            "flyte.example.com_443.json"
        );
        assert_eq!(file_name("http://127.0.0.1:8088/"), "127.0.0.1_8088.json");
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::in_dir(&dir.path().join("t"), "localhost:30080");
        assert!(cache.load().is_none());
        let tokens = Tokens {
            access_token: "a".into(),
            refresh_token: Some("r".into()),
            expires_at: Some(5),
        };
        cache.store(&tokens).unwrap();
        assert_eq!(cache.load(), Some(tokens));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(cache.path().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(cache.remove().unwrap());
        assert!(!cache.remove().unwrap());
    }
}
