//! `flyte-host config init`: the config.yaml flytectl's `config init` writes, for a given admin
//! host, so the host, flytectl and flytekit all connect to the same place.

use std::fmt::Write as _;

/// The prefixes `flytectl config init` strips from `--host` and `--console` before checking them.
const ENDPOINT_PREFIXES: [&str; 3] = ["dns:///", "http://", "https://"];

/// The text of `~/.flyte/config.yaml` for admin at `host` (`host[:port]`, optionally with a
/// `dns:///`, `http://` or `https://` prefix), in flytectl's layout: `admin.endpoint` as
/// `dns:///host[:port]`, `admin.insecure`, and `console.endpoint` when `console` is given.
///
/// # Errors
///
/// A one-line reason naming the flag when `host` or `console` is not a host name or `host:port`.
pub(crate) fn render(host: &str, insecure: bool, console: Option<&str>) -> Result<String, String> {
    let host = checked("--host", host)?;
    let mut text = format!(
        "admin:\n  # For GRPC endpoints you might want to use dns:///flyte.myexample.com\n  \
         endpoint: dns:///{host}\n  insecure: {insecure}\n"
    );
    if let Some(console) = console {
        checked("--console", console)?;
        let _ = writeln!(text, "console:\n  endpoint: {console}");
    }
    Ok(text)
}

/// `endpoint` without its scheme prefix and trailing `/`, if it is `host` or `host:port`.
fn checked<'a>(flag: &str, endpoint: &'a str) -> Result<&'a str, String> {
    let trimmed = ENDPOINT_PREFIXES
        .iter()
        .fold(endpoint.trim(), |e, prefix| {
            e.strip_prefix(prefix).unwrap_or(e)
        })
        .trim_end_matches('/');
    let (name, port) = match trimmed.rsplit_once(':') {
        Some((name, port)) if !name.contains(']') || name.ends_with(']') => (name, Some(port)),
        _ => (trimmed, None),
    };
    let name_ok = if let Some(ipv6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        !ipv6.is_empty()
            && ipv6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !name.is_empty()
            && !name.starts_with(['-', '.'])
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if name_ok && port_ok {
        Ok(trimmed)
    } else {
        Err(format!(
            "{flag} `{endpoint}` is not a host name or host:port (for example flyte.example.com or localhost:30080)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn writes_flytectl_layout_with_dns_prefix() {
        assert_eq!(
            render(
                "https://flyte.example.com/",
                false,
                Some("https://console.example.com")
            )
            .unwrap(),
            "admin:\n  # For GRPC endpoints you might want to use dns:///flyte.myexample.com\n  \
             endpoint: dns:///flyte.example.com\n  insecure: false\n\
             console:\n  endpoint: https://console.example.com\n"
        );
        assert!(render("localhost:30080", true, None)
            .unwrap()
            .contains("endpoint: dns:///localhost:30080\n  insecure: true\n"));
        assert!(render("[::1]:8089", true, None).is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_host() {
        for bad in [
            "",
            "flyte example.com",
            "host:99999",
            "host:abc",
            "-x",
            "a/b",
        ] {
            let error = render(bad, false, None).unwrap_err();
            assert!(error.starts_with("--host"), "{bad}: {error}");
        }
        assert!(render("h", false, Some("bad url"))
            .unwrap_err()
            .starts_with("--console"));
    }
}
