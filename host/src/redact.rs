//! Every secret the host learns (client secret, access and refresh tokens, API keys, proxy
//! credentials, the output of token commands) is registered here, and everything printed for the
//! user or logged passes through [`redact`]: a server or plugin that quotes a request back (an
//! OAuth server echoing `Authorization: Basic …` in its error body) cannot make the host show it.

use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// What a secret becomes in output.
pub(crate) const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: replacing every `ab` of the output would hide
/// everything and protect nothing.
const MIN_LEN: usize = 4;

/// The registered forms of every secret, longest first (a form containing another is replaced
/// whole).
static FORMS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn add(forms: &mut Vec<String>, form: String) {
    if form.len() >= MIN_LEN && !forms.contains(&form) {
        forms.push(form);
    }
}

/// Registers `secret`: from now on it, and its URL-encoded, form-encoded, JSON-escaped and base64
/// forms, are redacted from everything the host prints.
pub(crate) fn secret(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_LEN {
        return;
    }
    let mut forms = FORMS.lock().unwrap_or_else(PoisonError::into_inner);
    let b64 = base64::engine::general_purpose::STANDARD;
    let json = serde_json::to_string(secret).unwrap_or_default();
    for form in [
        secret.to_owned(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        json.trim_matches('"').to_owned(),
        b64.encode(secret),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
    ] {
        add(&mut forms, form);
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
}

/// Registers an HTTP header value that carries a secret (`Basic <base64>`, `Bearer <token>`):
/// the credential part and its pieces (a Basic pair's `id:secret` and its secret).
pub(crate) fn header(value: &str) {
    let credential = value
        .split_once(' ')
        .map_or(value, |(_, credential)| credential)
        .trim();
    secret(credential);
    if value
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("basic ")
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credential)
            .ok()
            .and_then(|d| String::from_utf8(d).ok());
        if let Some(pair) = decoded {
            secret(&pair);
            if let Some((_, password)) = pair.split_once(':') {
                secret(password);
                if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                    secret(&decoded.replace('+', " "));
                }
            }
        }
    }
}

/// Registers the password of a URL's user info (`http://user:password@proxy:3128`), and the
/// `user:password` pair (raw and percent-decoded), whose base64 is the `Proxy-Authorization:
/// Basic …` value a proxy could quote back.
pub(crate) fn url_credentials(url: &str) {
    let Some((_, rest)) = url.split_once("://") else {
        return;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if let Some((_, password)) = userinfo.split_once(':') {
            secret(password);
            if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                secret(&decoded);
            }
            secret(userinfo);
            if let Ok(decoded) = percent_encoding::percent_decode_str(userinfo).decode_utf8() {
                secret(&decoded);
            }
        }
    }
}

/// `text` with every registered secret form replaced by [`REDACTED`].
pub(crate) fn redact(text: &str) -> String {
    let forms = FORMS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut text = text.to_owned();
    for form in forms.iter() {
        if text.contains(form.as_str()) {
            text = text.replace(form.as_str(), REDACTED);
        }
    }
    text
}

/// Whether any secret is registered (output with none skips the search).
pub(crate) fn any() -> bool {
    !FORMS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_redacted() {
        secret("s3cr+t/é\"x");
        let b64 = base64::engine::general_purpose::STANDARD;
        for form in [
            "s3cr+t/é\"x".to_owned(),
            "s3cr%2Bt%2F%C3%A9%22x".to_owned(),
            "s3cr%2Bt%2F%C3%A9%22x".to_owned(),
            "s3cr+t/é\\\"x".to_owned(),
            b64.encode("s3cr+t/é\"x"),
        ] {
            let shown = redact(&format!("echo: {form}!"));
            assert_eq!(shown, format!("echo: {REDACTED}!"), "{form}");
        }
        header(&format!("Basic {}", b64.encode("client-1:p%40ss+word")));
        assert_eq!(redact("p@ss word"), REDACTED);
        assert_eq!(redact("client-1:p%40ss+word"), REDACTED);
        url_credentials("http://bob:hunter%4022@127.0.0.1:3128");
        assert_eq!(redact("x hunter@22"), format!("x {REDACTED}"));
        let basic = format!("Proxy-Authorization: Basic {}", b64.encode("bob:hunter@22"));
        assert_eq!(
            redact(&basic),
            format!("Proxy-Authorization: Basic {REDACTED}")
        );
        secret("ab");
        assert_eq!(redact("ab"), "ab");
    }
}
