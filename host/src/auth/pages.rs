//! The pages the PKCE callback server shows in the browser: the host's own success page (when the
//! active plugin has none) and the failure page. Both are self-contained: inline CSS and SVG, no
//! script, no link, image, font or stylesheet fetched from anywhere, so they render even when the
//! browser can reach nothing but the loopback callback.

/// `text` with HTML's special characters escaped (safe in element content and quoted attributes).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The shared frame: `title`, an accent colour, the inline icon and the body paragraphs.
fn frame(title: &str, accent: &str, icon: &str, body: &str) -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
         background: #f3f5f9; color: #1d2433;
         font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }}
  main {{ background: #ffffff; border-top: 6px solid {accent}; border-radius: 10px; padding: 36px 48px;
          max-width: 520px; text-align: center; box-shadow: 0 8px 30px rgba(29, 36, 51, 0.15); }}
  h1 {{ margin: 16px 0 12px; font-size: 1.5em; }}
  p {{ margin: 8px 0; line-height: 1.5; }}
  .endpoint {{ font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }}
  .hint {{ color: #5b6475; }}
</style>
</head>
<body>
<main>
{icon}
{body}
</main>
</body>
</html>
"##
    )
}

/// The host's success page for a login to `endpoint` (escaped).
pub(crate) fn success(endpoint: &str) -> String {
    let endpoint = escape(endpoint);
    let icon = r##"<svg width="88" height="88" viewBox="0 0 88 88" role="img" aria-label="Logged in">
  <circle cx="44" cy="44" r="40" fill="#2f7d4f"/>
  <path d="M25 45 L38 58 L63 31" fill="none" stroke="#ffffff" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"/>
</svg>"##;
    let body = format!(
        "<h1>Flyte login successful</h1>\n\
         <p>You are logged in to <span class=\"endpoint\">{endpoint}</span>.</p>\n\
         <p class=\"hint\">You can close this window and return to your terminal.</p>"
    );
    frame("Flyte Authentication Success", "#2f7d4f", icon, &body)
}

/// The failure page for a login to `endpoint`: `reason` says what went wrong (both escaped).
pub(crate) fn failure(endpoint: &str, reason: &str) -> String {
    let endpoint = escape(endpoint);
    let mut chars = reason.chars();
    let reason = escape(&match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    });
    let icon = r##"<svg width="88" height="88" viewBox="0 0 88 88" role="img" aria-label="Login failed">
  <circle cx="44" cy="44" r="40" fill="#b3261e"/>
  <path d="M30 30 L58 58 M58 30 L30 58" fill="none" stroke="#ffffff" stroke-width="8" stroke-linecap="round"/>
</svg>"##;
    let body = format!(
        "<h1>Flyte login failed</h1>\n\
         <p>The login to <span class=\"endpoint\">{endpoint}</span> did not complete.</p>\n\
         <p class=\"reason\">{reason}</p>\n\
         <p class=\"hint\">Return to your terminal for details, then run <code>flyte-host login</code> again.</p>"
    );
    frame("Flyte Authentication Failed", "#b3261e", icon, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `page` fetches anything: a `src`/`href` attribute, a CSS `url(` or `@import`.
    fn loads_resources(page: &str) -> bool {
        let lower = page.to_ascii_lowercase();
        ["src=", "href=", "url(", "@import", "<script", "<link"]
            .iter()
            .any(|p| lower.contains(p))
    }

    #[test]
    fn escapes_everything_special() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn success_names_the_endpoint_and_is_self_contained() {
        let page = success("flyte.example.com:443");
        assert!(page.contains("<title>Flyte Authentication Success</title>"));
        assert!(page.contains("flyte.example.com:443"));
        assert!(!loads_resources(&page));
        let evil = success("<script>alert(1)</script>");
        assert!(!evil.contains("<script>"));
        assert!(evil.contains("&lt;script&gt;"));
    }

    #[test]
    fn failure_says_why() {
        let page = failure("e.com", "access_denied: <no>");
        assert!(page.contains("Flyte Authentication Failed"));
        assert!(page.contains("Access_denied: &lt;no&gt;"));
        assert!(!loads_resources(&page));
    }
}
