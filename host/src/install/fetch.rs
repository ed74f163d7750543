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

/// Opens `location` for reading; returns the reader and the length when known.
fn open(location: &Location) -> Result<(Box<dyn Read>, Option<u64>), InstallError> {
    let failed = |reason: String| InstallError::Download {
        url: location.to_string(),
        reason,
    };
    match location {
        Location::File(path) => {
            let file = fs::File::open(path).map_err(|e| failed(e.to_string()))?;
            let len = file.metadata().ok().map(|m| m.len());
            Ok((Box::new(file), len))
        }
        Location::Http(url) => {
            let config = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_connect(Some(Duration::from_secs(15)))
                .timeout_recv_response(Some(Duration::from_secs(60)))
                .build();
            let agent = ureq::Agent::new_with_config(config);
            let response = agent.get(url).call().map_err(|e| failed(e.to_string()))?;
            let status = response.status();
            if !status.is_success() {
                return Err(failed(format!("the server answered {status}")));
            }
            let len = response.body().content_length();
            Ok((Box::new(response.into_body().into_reader()), len))
        }
    }
}

/// Reads a manifest's text, refusing one over [`crate::input::MANIFEST_MAX`] and a path that is
/// not a file.
pub(super) fn read_text(location: &Location) -> Result<String, InstallError> {
    use crate::input::{self, MANIFEST_MAX};
    let read = match location {
        Location::File(path) => input::read_text(path, MANIFEST_MAX),
        Location::Http(_) => {
            let (reader, len) = open(location)?;
            input::read_at_most(reader, MANIFEST_MAX, len.unwrap_or(0)).and_then(input::utf8)
        }
    };
    read.map_err(|e| InstallError::Download {
        url: location.to_string(),
        reason: e.to_string(),
    })
}

/// Copies `location` into the new file `dest`, hashing on the way; returns the sha256. A progress
/// bar appears on a terminal once the download has taken more than half a second.
pub(super) fn download(location: &Location, dest: &Path) -> Result<String, InstallError> {
    let (mut reader, len) = open(location)?;
    let failed = |reason: String| InstallError::Download {
        url: location.to_string(),
        reason,
    };
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
        let n = reader.read(&mut buf).map_err(|e| failed(e.to_string()))?;
        if n == 0 {
            break;
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
        let base = Location::Http("http://127.0.0.1:1/a/m.toml".into());
        assert_eq!(
            Location::parse("lib.so", Some(&base)).unwrap(),
            Location::Http("http://127.0.0.1:1/a/lib.so".into())
        );
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
