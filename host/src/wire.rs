//! What Flyte admin and its OAuth server share on the wire, for `remote` and `auth` alike: the
//! forms of an admin endpoint, the TLS settings of the config, transport errors in words, and JSON
//! field names in either protobuf spelling. Depends on nothing else in the host but `input`.

use std::io::ErrorKind;

use flyte_plugin_abi::PlatformConfig;
use serde_json::Value;
use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};

/// How to point the host at another Flyte admin: the end of every "cannot reach admin" error.
pub(crate) const ELSEWHERE: &str =
    "To use another Flyte admin: `flyte-host config init --host HOST` \
     (writes ~/.flyte/config.yaml), `--config FILE`, or `FLYTE_PLATFORM_URL=HOST`.";

/// Admin endpoint `endpoint` as its scheme, when it names one (`http` or `https`, as written), and
/// the rest: surrounding space, the gRPC `dns:///` and a trailing `/` dropped.
pub(crate) fn endpoint_parts(endpoint: &str) -> (Option<&str>, &str) {
    let trimmed = endpoint.trim();
    let trimmed = trimmed.strip_prefix("dns:///").unwrap_or(trimmed);
    let trimmed = trimmed.trim_end_matches('/');
    match trimmed.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            (Some(scheme), rest)
        }
        _ => (None, trimmed),
    }
}

/// The hint for a TLS failure.
const TLS_HINT: &str = "set `insecure: true` if admin speaks plain HTTP, `caCertFilePath` for a private CA, or `insecureSkipVerify: true`";

/// A transport error in words (`tls`: the URL is `https://`).
pub(crate) fn transport_reason(error: &ureq::Error, tls: bool) -> String {
    match error {
        ureq::Error::Io(e) => match e.kind() {
            ErrorKind::ConnectionRefused => "connection refused (is admin running there?)".into(),
            // rustls reports handshake failures (e.g. a plain-HTTP server) as invalid data.
            ErrorKind::InvalidData if tls => format!("TLS failed: {e} ({TLS_HINT})"),
            _ => e.to_string(),
        },
        ureq::Error::HostNotFound => "the host name does not resolve".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Tls(m) => format!("TLS failed: {m} ({TLS_HINT})"),
        ureq::Error::Rustls(e) => format!("TLS failed: {e} ({TLS_HINT})"),
        other => other.to_string(),
    }
}

/// The root certificates in PEM file `path`.
fn read_ca_certs(path: &str) -> Result<RootCerts, String> {
    let pem = crate::input::read(path.as_ref(), crate::input::NAMED_FILE_MAX)
        .map_err(|e| format!("cannot read caCertFilePath {path}: {e}"))?;
    let mut certs = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("caCertFilePath {path} is not valid PEM: {e}")),
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "caCertFilePath {path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// The TLS settings of `platform` for admin and its OAuth server alike: `insecureSkipVerify`, and
/// `caCertFilePath` as the trusted roots.
pub(crate) fn tls_config(platform: &PlatformConfig) -> Result<TlsConfig, String> {
    let mut tls = TlsConfig::builder().disable_verification(platform.insecure_skip_verify);
    if let Some(path) = platform
        .ca_cert_file_path
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        tls = tls.root_certs(read_ca_certs(path)?);
    }
    Ok(tls.build())
}

/// Field `name` (a proto name) of JSON object `value`, also found under its lowerCamelCase JSON
/// name: admin answers in either spelling depending on its version and the `Accept` header.
pub(crate) fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        if name.contains('_') {
            object.get(&camel(name))
        } else {
            None
        }
    })
}

/// `name` in lowerCamelCase (`compiled_task` → `compiledTask`), the JSON name protobuf also uses.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` percent-encoded for a URL path segment or query value (RFC 3986 unreserved characters
/// kept).
pub(crate) fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_in_either_spelling() {
        let v = json!({"compiledTask": 1, "name": 2, "resource_type": 3});
        assert_eq!(field(&v, "compiled_task"), Some(&json!(1)));
        assert_eq!(field(&v, "name"), Some(&json!(2)));
        assert_eq!(field(&v, "resource_type"), Some(&json!(3)));
        assert_eq!(field(&v, "missing_one"), None);
        assert_eq!(camel("a_b_c"), "aBC");
    }
}
