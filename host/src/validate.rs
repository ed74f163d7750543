//! Checks on what hooks return, so nonsense from a plugin becomes a clear error instead of a
//! broken request later.

use flyte_plugin_abi::Remote;

/// A remote needs a usable endpoint, a project and a domain, and well-formed header names.
pub(crate) fn remote(remote: &Remote) -> Result<(), String> {
    endpoint(&remote.config.platform.endpoint)?;
    flyte_id("project", &remote.project)?;
    flyte_id("domain", &remote.domain)?;
    for (name, _) in &remote.headers {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(format!("'{name}' is not a valid HTTP header name"));
        }
    }
    Ok(())
}

/// A project or domain id as Flyte admin accepts it: a DNS-1123 label (flyteadmin's
/// `ValidateProject` checks project ids with Kubernetes' `IsDNS1123Label`; domains become part of
/// the `<project>-<domain>` namespace): 1 to 63 lowercase letters, digits and `-`, starting and
/// ending with a letter or digit. `what` is `project` or `domain`.
pub(crate) fn flyte_id(what: &str, value: &str) -> Result<(), String> {
    let ok = (1..=63).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        return Ok(());
    }
    let shown =
        crate::terminal::escape(&crate::text::one_line_within(value, 80), false).into_owned();
    Err(format!(
        "the {what} '{shown}' is not a valid Flyte {what} id: Flyte requires 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)"
    ))
}

/// [`flyte_id`] as clap's value parser of `--project` (`"project"`) or `--domain` (`"domain"`):
/// its error is the message alone, without clap's copy of a possibly huge or multi-line value.
#[derive(Clone, Copy)]
pub(crate) struct FlyteIdArg(pub &'static str);

impl clap::builder::TypedValueParser for FlyteIdArg {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let text = value.to_string_lossy();
        flyte_id(self.0, &text)
            .map(|()| text.into_owned())
            .map_err(|message| {
                clap::Error::raw(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--{}: {message}\n", self.0),
                )
            })
    }
}

/// `value` as an error message quotes it: one line of at most 120 characters (a hostile file may
/// hold a megabyte in one value).
fn short(value: &str) -> String {
    crate::text::one_line_within(value, 120)
}

/// An endpoint is `host[:port]` or `http(s)://host[:port][/path]`.
pub(crate) fn endpoint(endpoint: &str) -> Result<(), String> {
    let shown = short(endpoint);
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .unwrap_or(endpoint);
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err(format!("endpoint '{shown}' has no host"));
    }
    if endpoint.chars().any(char::is_whitespace) {
        return Err(format!("endpoint '{shown}' contains whitespace"));
    }
    if let Some((host, port)) = authority.rsplit_once(':') {
        if host.is_empty() {
            return Err(format!("endpoint '{shown}' has no host"));
        }
        if !host.ends_with(']') && host.contains(':') {
            return Err(format!("endpoint '{shown}' is not host[:port]"));
        }
        if port.parse::<u16>().is_err() {
            return Err(format!(
                "endpoint '{shown}' has an invalid port '{}'",
                short(port)
            ));
        }
    }
    Ok(())
}

/// An image reference: `[registry[:port]/]name[:tag][@digest]`, no whitespace, lowercase name.
pub(crate) fn image(image: &str) -> Result<(), String> {
    let shown = short(image);
    if image.trim().is_empty() {
        return Err("the image name is empty".into());
    }
    if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("image '{shown}' contains whitespace"));
    }
    let without_digest = image.split('@').next().unwrap_or(image);
    let name = match without_digest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => {
            let tag_ok = !tag.is_empty()
                && tag.len() <= 128
                && tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !tag_ok {
                return Err(format!(
                    "image '{shown}' has an invalid tag '{}'",
                    short(tag)
                ));
            }
            name
        }
        _ => without_digest,
    };
    let mut parts = name.split('/').collect::<Vec<_>>();
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    let component_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    };
    if !parts.iter().all(component_ok) {
        return Err(format!(
            "image '{shown}' is not a valid image reference (names are lowercase letters, digits and . _ -)"
        ));
    }
    Ok(())
}

/// A success page must be HTML: non-blank and with markup.
pub(crate) fn html(html: &str) -> Result<(), String> {
    let trimmed = html.trim();
    if trimmed.is_empty() {
        return Err("the success page is empty".into());
    }
    if !(trimmed.contains('<') && trimmed.contains('>')) {
        return Err("the success page is not HTML (it has no markup)".into());
    }
    Ok(())
}

/// Cache policy names must be present and unique.
pub(crate) fn policy_names(names: &[String]) -> Result<(), String> {
    for (i, name) in names.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(format!("cache policy #{} has an empty name", i + 1));
        }
        if names[..i].contains(name) {
            return Err(format!("two cache policies are named '{name}'"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_and_domain_ids_follow_flyte() {
        for good in ["flytesnacks", "a", "my-proj-2", &"a".repeat(63)] {
            assert!(flyte_id("project", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "../x",
            "x\n",
            "Upper",
            "-a",
            "a-",
            "a_b",
            "a.b",
            &"a".repeat(64),
            &"a".repeat(100_000),
        ] {
            let err = flyte_id("project", bad).unwrap_err();
            assert!(err.contains("DNS-1123") && err.len() < 400, "{bad}: {err}");
        }
    }

    #[test]
    fn endpoints() {
        for ok in [
            "localhost:30080",
            "https://flyte.prod.myorg.com",
            "http://127.0.0.1:8089/api",
            "dns.example",
        ] {
            assert!(endpoint(ok).is_ok(), "{ok}");
        }
        for bad in ["", "https://", "host:port", "a b:80", "http://:80"] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images() {
        for ok in [
            "myorg/flytekit-base:1.2.3",
            "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.0",
            "localhost:5000/x/y@sha256:abc",
            "ubuntu",
        ] {
            assert!(image(ok).is_ok(), "{ok}");
        }
        for bad in ["", "  ", "My/Image:1", "a b:1", "x:", "x:bad tag"] {
            assert!(image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_and_policies() {
        assert!(html("<h1>ok</h1>").is_ok());
        assert!(html("   ").is_err());
        assert!(html("plain text").is_err());
        assert!(policy_names(&["a".into(), "b".into()]).is_ok());
        assert!(policy_names(&["a".into(), "a".into()]).is_err());
        assert!(policy_names(&["".into()]).is_err());
    }
}
