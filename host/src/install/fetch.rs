//! Reading manifests and libraries from https, loopback http, `file:` URLs and paths, hashing the
//! bytes as they arrive, with a progress bar on a terminal when a download is slow.

use std::{
    fs,
    io::{IsTerminal, Read, Write},
    net::IpAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use super::InstallError;

/// A download taking longer than this gets a progress bar (on a terminal).
const SLOW: Duration = Duration::from_millis(500);

/// Where a manifest or library is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Location {
    /// An https URL, or an http URL on the loopback interface.
    Http(String),
    /// A local file.
    File(PathBuf),
}

impl Location {
    /// Parses `text`: a URL, or a path (relative to `base`'s directory when given, else to the
    /// working directory).
    pub(super) fn parse(text: &str, base: Option<&Location>) -> Result<Location, InstallError> {
        if text.starts_with("https://") {
            return Ok(Location::Http(text.to_owned()));
        }
        if text.starts_with("http://") {
            return if is_loopback(text) {
                Ok(Location::Http(text.to_owned()))
            } else {
                Err(InstallError::InsecureUrl {
                    url: text.to_owned(),
                })
            };
        }
        let remote_base = matches!(base, Some(Location::Http(_)));
        let local = text.starts_with("file:") || Path::new(text).is_absolute();
        if remote_base && local {
            return Err(InstallError::BadSource {
                source_name: text.to_owned(),
                reason: "a manifest downloaded over http(s) may only name http(s) URLs or paths relative to its own URL, never local files".into(),
            });
        }
        if let Some(rest) = text.strip_prefix("file://") {
            return Ok(Location::File(PathBuf::from(rest)));
        }
        if let Some(rest) = text.strip_prefix("file:") {
            return Ok(Location::File(PathBuf::from(rest)));
        }
        if text.contains("://") {
            return Err(InstallError::BadSource {
                source_name: text.to_owned(),
                reason: "only https, http on loopback, file: URLs and paths are supported".into(),
            });
        }
        Ok(match base {
            Some(Location::Http(url)) if Path::new(text).is_relative() => {
                let dir = url.rsplit_once('/').map_or(url.as_str(), |(d, _)| d);
                Location::Http(format!("{dir}/{text}"))
            }
            Some(Location::File(manifest)) => Location::File(
                manifest
                    .parent()
                    .map_or_else(|| PathBuf::from(text), |d| d.join(text)),
            ),
            _ => Location::File(PathBuf::from(text)),
        })
    }

    /// The last path segment (a library's file name).
    pub(super) fn file_name(&self) -> Option<String> {
        match self {
            Location::Http(url) => {
                let path = url.split(['?', '#']).next().unwrap_or(url);
                path.rsplit('/').next().map(str::to_owned)
            }
            Location::File(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Http(url) => f.write_str(url),
            Location::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Whether `url`'s host is a loopback address, as the HTTP client itself parses the URL (a
/// different reading of `user@host` or `[v6]` could send a "loopback" download elsewhere).
fn is_loopback(url: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The most redirects followed (each hop checked like the URL given).
const MAX_REDIRECTS: usize = 10;

/// The largest library downloaded unless `FLYTE_PLUGIN_MAX_SIZE` says otherwise: far above any
/// plugin (a few MB), far below a disk.
const LIBRARY_LIMIT: u64 = 512 * 1024 * 1024;

/// The variable that overrides [`LIBRARY_LIMIT`]: bytes, or with a `K`, `M` or `G` suffix.
pub(super) const MAX_SIZE_VAR: &str = "FLYTE_PLUGIN_MAX_SIZE";

/// How long a download may receive nothing before it is abandoned, unless
/// `FLYTE_PLUGIN_IDLE_TIMEOUT` (seconds) says otherwise.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The variable that overrides [`IDLE_TIMEOUT`], in seconds.
pub(super) const IDLE_TIMEOUT_VAR: &str = "FLYTE_PLUGIN_IDLE_TIMEOUT";

/// Space a download always leaves free on the plugin file system.
const KEEP_FREE: u64 = 1024 * 1024;

/// The library size limit: [`MAX_SIZE_VAR`], else [`LIBRARY_LIMIT`].
fn library_limit() -> Result<u64, InstallError> {
    let Some(value) = std::env::var(MAX_SIZE_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(LIBRARY_LIMIT);
    };
    let text = value.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => 64,
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|_| shift < 64)
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| InstallError::BadSetting {
            variable: MAX_SIZE_VAR,
            value: value.clone(),
            expected: "a positive size in bytes, optionally with a K, M or G suffix (e.g. 800M)",
        })
}

/// The idle timeout: [`IDLE_TIMEOUT_VAR`], else [`IDLE_TIMEOUT`].
fn idle_timeout() -> Result<Duration, InstallError> {
    match std::env::var(IDLE_TIMEOUT_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        None => Ok(IDLE_TIMEOUT),
        Some(value) => value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or(InstallError::BadSetting {
                variable: IDLE_TIMEOUT_VAR,
                value,
                expected: "a positive number of seconds",
            }),
    }
}

/// The bytes free for this user on the file system holding `dir` (`None` where unknown).
fn free_space(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let stat = rustix::fs::statvfs(dir).ok()?;
        Some(stat.f_bavail.saturating_mul(stat.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// `target` (a redirect's `Location`) resolved against `url`.
fn resolve(url: &str, target: &str) -> String {
    if target.contains("://") {
        return target.to_owned();
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if let Some(path) = target.strip_prefix("//") {
        format!("{scheme}://{path}")
    } else if target.starts_with('/') {
        format!("{scheme}://{authority}{target}")
    } else {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let dir = path.rsplit_once('/').map_or(path, |(d, _)| d);
        format!("{dir}/{target}")
    }
}

/// What was opened: the reader, the length when known, and the URL the bytes come from (the last
/// hop of any redirects).
type Opened = (Box<dyn Read>, Option<u64>, String);

/// Opens `location` for reading, following redirects only to URLs that pass the same rule as the
/// first (https, or http on the loopback interface).
fn open(location: &Location) -> Result<Opened, InstallError> {
    let failed = |url: &str, reason: String| InstallError::Download {
        url: url.to_owned(),
        reason,
    };
    match location {
        Location::File(path) => {
            let shown = location.to_string();
            let file = fs::File::open(path).map_err(|e| failed(&shown, e.to_string()))?;
            let len = file
                .metadata()
                .ok()
                .filter(fs::Metadata::is_file)
                .map(|m| m.len());
            Ok((Box::new(file), len, shown))
        }
        Location::Http(first) => {
            let config = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_connect(Some(Duration::from_secs(15)))
                .timeout_recv_response(Some(Duration::from_secs(60)))
                .timeout_per_read(Some(idle_timeout()?))
                .build();
            let agent = ureq::Agent::new_with_config(config);
            let mut url = first.clone();
            for _ in 0..=MAX_REDIRECTS {
                let response = agent
                    .get(&url)
                    .call()
                    .map_err(|e| failed(&url, reason(&e)))?;
                let status = response.status();
                if status.is_redirection() {
                    let target = response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .ok_or_else(|| {
                            failed(
                                &url,
                                format!("the server answered {status} without a Location"),
                            )
                        })?;
                    let next = resolve(&url, target);
                    let refused =
                        |why: String| failed(&url, format!("it redirects to `{next}`, {why}"));
                    match Location::parse(&next, None) {
                        Ok(Location::Http(next)) => url = next,
                        Ok(Location::File(_)) => {
                            return Err(refused("which is not an https URL".to_owned()))
                        }
                        Err(InstallError::InsecureUrl { .. }) => {
                            return Err(refused("plain http off the loopback interface, which every hop must avoid (https only)".to_owned()))
                        }
                        Err(e) => return Err(refused(e.to_string())),
                    }
                    continue;
                }
                if !status.is_success() {
                    return Err(failed(&url, format!("the server answered {status}")));
                }
                let len = response.body().content_length();
                return Ok((Box::new(response.into_body().into_reader()), len, url));
            }
            Err(failed(
                first,
                format!("more than {MAX_REDIRECTS} redirects"),
            ))
        }
    }
}

/// Why a request failed, in words (a stalled server named as such).
fn reason(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "the server stopped answering (timed out)".to_owned(),
        other => other.to_string(),
    }
}

/// Why reading a body failed: a stall names the idle timeout and how to change it.
fn read_failure(error: &std::io::Error) -> String {
    let timed_out = matches!(
        error.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) || error.to_string().to_ascii_lowercase().contains("timeout");
    if timed_out {
        let secs = idle_timeout().unwrap_or(IDLE_TIMEOUT).as_secs_f64();
        format!("the server sent nothing for {secs} s and the download was abandoned (set {IDLE_TIMEOUT_VAR} to wait longer)")
    } else {
        error.to_string()
    }
}

/// Reads a manifest's text (at most [`MANIFEST_MAX`](crate::input::MANIFEST_MAX) bytes: a larger one is refused).
pub(super) fn read_text(location: &Location) -> Result<String, InstallError> {
    let (reader, len, url) = open(location)?;
    let too_big = || InstallError::Download {
        url: url.clone(),
        reason: format!(
            "it is larger than {} bytes, which no plugin manifest is",
            crate::input::MANIFEST_MAX
        ),
    };
    if len.is_some_and(|len| len > crate::input::MANIFEST_MAX) {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    reader
        .take(crate::input::MANIFEST_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InstallError::Download {
            url: url.clone(),
            reason: read_failure(&e),
        })?;
    if bytes.len() as u64 > crate::input::MANIFEST_MAX {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| InstallError::Download {
        url: url.clone(),
        reason: "it is not UTF-8 text".to_owned(),
    })
}

/// Copies `location` into the new file `dest`, hashing on the way; returns the sha256. Refuses,
/// before or while downloading, a library larger than the size limit ([`MAX_SIZE_VAR`]) or than
/// the free space of `dest`'s file system. A progress bar appears on a terminal once the download
/// has taken more than half a second.
pub(super) fn download(location: &Location, dest: &Path) -> Result<String, InstallError> {
    let limit = library_limit()?;
    let (mut reader, len, url) = open(location)?;
    let failed = |reason: String| InstallError::Download {
        url: url.clone(),
        reason,
    };
    let free = dest
        .parent()
        .and_then(free_space)
        .map(|f| f.saturating_sub(KEEP_FREE));
    let too_big = |size: String| {
        failed(format!(
            "the library is {size}, more than the limit of {limit} bytes; set {MAX_SIZE_VAR} to allow larger plugins"
        ))
    };
    let no_space = |size: String, free: u64| {
        failed(format!(
            "the library is {size}, but only {free} bytes are free for it in {}; free some space or set FLYTE_PLUGIN_DIR to another file system",
            // The plugin directory, not the staging directory inside it.
            dest.parent().and_then(Path::parent).unwrap_or(dest).display()
        ))
    };
    if let Some(len) = len {
        if len > limit {
            return Err(too_big(format!("{len} bytes")));
        }
        if let Some(free) = free.filter(|&free| len > free) {
            return Err(no_space(format!("{len} bytes"), free));
        }
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .map_err(|e| InstallError::io(dest, e))?;
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::hidden();
    if let Some(len) = len {
        bar.set_length(len);
    }
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!(
        "downloading {}",
        location.file_name().unwrap_or_default()
    ));
    let started = Instant::now();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| failed(read_failure(&e)))?;
        if n == 0 {
            break;
        }
        let total = bar.position() + n as u64;
        if total > limit {
            return Err(too_big(format!(
                "over {limit} bytes (the server sent more)"
            )));
        }
        if let Some(free) = free.filter(|&free| total > free) {
            return Err(no_space(format!("over {free} bytes"), free));
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|e| InstallError::io(dest, e))?;
        bar.inc(n as u64);
        if terminal && bar.is_hidden() && started.elapsed() > SLOW {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
    bar.finish_and_clear();
    if let Some(len) = len.filter(|&l| l != bar.position()) {
        return Err(failed(format!(
            "the download ended after {} of {len} bytes",
            bar.position()
        )));
    }
    file.sync_all().map_err(|e| InstallError::io(dest, e))?;
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        for refused in [
            "http://example.com/x.toml",
            "http://127.0.0.1@example.com/x.toml",
            "http://localhost.example.com/x.toml",
            "http://[::2]/x.toml",
        ] {
            assert!(
                matches!(
                    Location::parse(refused, None),
                    Err(InstallError::InsecureUrl { .. })
                ),
                "{refused}"
            );
        }
        for ok in [
            "http://127.0.0.1:8080/m.toml",
            "http://localhost/m",
            "http://[::1]:9/m",
            "http://user@127.0.0.1/m",
        ] {
            assert!(
                matches!(Location::parse(ok, None), Ok(Location::Http(_))),
                "{ok}"
            );
        }
        assert_eq!(resolve("http://h:1/a/b?q", "c"), "http://h:1/a/c");
        assert_eq!(resolve("http://h:1/a/b", "/c"), "http://h:1/c");
        assert_eq!(resolve("https://h/a", "//x/y"), "https://x/y");
        assert_eq!(resolve("https://h/a", "http://e/z"), "http://e/z");
        let base = Location::Http("http://127.0.0.1:1/a/m.toml".into());
        assert_eq!(
            Location::parse("lib.so", Some(&base)).unwrap(),
            Location::Http("http://127.0.0.1:1/a/lib.so".into())
        );
        for local in ["file:///dev/zero", "file:/etc/passwd", "/dev/zero"] {
            assert!(
                matches!(
                    Location::parse(local, Some(&base)),
                    Err(InstallError::BadSource { .. })
                ),
                "{local}"
            );
        }
        let base = Location::File("/m/manifest.toml".into());
        assert_eq!(
            Location::parse("lib.so", Some(&base)).unwrap(),
            Location::File("/m/lib.so".into())
        );
        assert_eq!(
            Location::parse("file:///x/lib.so", Some(&base)).unwrap(),
            Location::File("/x/lib.so".into())
        );
    }
}
