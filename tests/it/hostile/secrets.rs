//! No secret the host knows is ever printed, in any form, even when a server quotes the request
//! back: the client secret (raw, URL-encoded, inside `Basic base64(id:secret)`), tokens (raw and
//! as `Bearer`), a token command's output and API-key headers.

use std::{net::TcpStream, sync::Arc};

use crate::{
    support::loopback::{answer, Request, Server},
    support::{run, Run, Sandbox},
};

const CLIENT_ID: &str = "client-1";
/// A secret with characters that URL and form encoding change.
const SECRET: &str = "Sup3r s3cret/+value";
const TOKEN: &str = "tok-4f1c9e7a2b";

/// How the echoing server treats the token request.
#[derive(Clone, Copy, PartialEq)]
enum TokenEndpoint {
    /// Refuses it, quoting the request (with its Basic header) in the error description.
    Echoes,
    /// Issues [`TOKEN`]; admin then refuses every authorized call, quoting it (with the bearer).
    Grants,
}

/// Admin and OAuth server in one, echoing every request it refuses.
fn echo_server(token: TokenEndpoint) -> Server {
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let base_in = Arc::clone(&base);
    let server = Server::start(move |request: &Request, stream: &mut TcpStream| {
        let base = base_in.get().cloned().unwrap_or_default();
        let echo = serde_json::to_string(&request.echo()).unwrap();
        let path = request.path.split('?').next().unwrap_or_default();
        let authorized = request
            .head
            .to_ascii_lowercase()
            .contains("authorization: bearer");
        match path {
            "/.well-known/oauth-authorization-server" => answer(
                stream,
                "200 OK",
                &format!(
                    r#"{{"issuer":"{base}","token_endpoint":"{base}/token","authorization_endpoint":"{base}/auth"}}"#
                ),
            ),
            "/config/v1/flyte_client" => answer(
                stream,
                "200 OK",
                r#"{"client_id":"flytectl","redirect_uri":"http://localhost:53593/callback","scopes":["all"],"authorization_metadata_key":"flyte-authorization"}"#,
            ),
            "/token" if token == TokenEndpoint::Grants => answer(
                stream,
                "200 OK",
                &format!(
                    r#"{{"access_token":"{TOKEN}","refresh_token":"refresh-{TOKEN}","expires_in":3600,"token_type":"bearer"}}"#
                ),
            ),
            "/token" => answer(
                stream,
                "401 Unauthorized",
                &format!(r#"{{"error":"invalid_client","error_description":{echo}}}"#),
            ),
            _ if !authorized => answer(
                stream,
                "401 Unauthorized",
                &format!(r#"{{"code":16,"message":{echo}}}"#),
            ),
            _ => answer(
                stream,
                "500 Internal Server Error",
                &format!(r#"{{"code":13,"message":{echo}}}"#),
            ),
        }
    });
    base.set(server.url("")).unwrap();
    server
}

/// Every form of the credentials a leak could take.
fn forms() -> Vec<String> {
    use base64_forms::*;
    let form = |s: &str| form_encode(s);
    vec![
        SECRET.to_owned(),
        form(SECRET),
        percent(SECRET),
        b64(&format!("{}:{}", form(CLIENT_ID), form(SECRET))),
        b64(&format!("{CLIENT_ID}:{SECRET}")),
        TOKEN.to_owned(),
        format!("refresh-{TOKEN}"),
        "cmd-T0ken-5521".to_owned(),
        "plugin-T0ken-1".to_owned(),
        "plugin-T0ken-2".to_owned(),
    ]
}

/// Minimal encoders, so the test does not trust the host's own.
mod base64_forms {
    pub(super) fn b64(text: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = text.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub(super) fn percent(text: &str) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    pub(super) fn form_encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b' ' => "+".to_owned(),
                b'*' | b'-' | b'.' | b'_' => (b as char).to_string(),
                _ if b.is_ascii_alphanumeric() => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
}

fn assert_no_secret(run: &Run, what: &str) {
    for form in forms() {
        assert!(
            !run.all().contains(&form),
            "{what} printed a credential ({form:?}):\n{run}"
        );
    }
}

fn config(sandbox: &Sandbox, server: &Server, auth: &str) -> String {
    sandbox.admin_config(&format!("127.0.0.1:{}", server.port), auth)
}

#[test]
fn a_server_echoing_the_request_never_shows_the_client_secret() {
    for mode in [TokenEndpoint::Echoes, TokenEndpoint::Grants] {
        let server = echo_server(mode);
        let sandbox = Sandbox::new();
        let c = config(
            &sandbox,
            &server,
            &format!("  authType: ClientSecret\n  clientId: {CLIENT_ID}\n  scopes: [all]\n"),
        );
        for args in [
            &["-c", &c, "get", "projects"][..],
            &["-v", "-c", &c, "version", "--remote"],
            &["-v", "-c", &c, "login"],
            &["-v", "-c", &c, "-o", "json", "get", "projects"],
        ] {
            let run = run(
                sandbox
                    .host()
                    .env("FLYTE_CREDENTIALS_CLIENT_SECRET", SECRET),
                args,
            );
            // The echo reached the user (so the test proves redaction, not silence)...
            let logged_in = mode == TokenEndpoint::Grants && args.contains(&"login");
            assert!(
                logged_in || run.all().contains("<redacted>"),
                "expected the echoed credentials, redacted ({args:?}):\n{run}"
            );
            // ...without the credentials in any form.
            assert_no_secret(&run, &format!("{args:?}"));
            let _ = std::fs::remove_dir_all(sandbox.home().join(".flyte/tokens"));
        }
    }
}

#[test]
fn a_server_echoing_a_token_commands_output_never_shows_it() {
    let server = echo_server(TokenEndpoint::Grants);
    let sandbox = Sandbox::new();
    let script = sandbox.write("token.sh", "#!/bin/sh\necho cmd-T0ken-5521\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let c = config(
        &sandbox,
        &server,
        &format!(
            "  authType: ExternalCommand\n  command: [{}]\n",
            script.display()
        ),
    );
    for args in [
        &["-c", &c, "get", "projects"][..],
        &["-v", "-c", &c, "version", "--remote"],
    ] {
        let run = run(&mut sandbox.host(), args);
        assert!(run.all().contains("<redacted>"), "{args:?}:\n{run}");
        assert_no_secret(&run, &format!("{args:?}"));
    }
}

#[test]
fn a_server_echoing_a_plugins_tokens_never_shows_them() {
    let server = echo_server(TokenEndpoint::Grants);
    let sandbox = Sandbox::new();
    let c = config(&sandbox, &server, "");
    for args in [
        &["-c", &c, "get", "projects"][..],
        &["-v", "-c", &c, "-o", "json", "version", "--remote"],
    ] {
        let run = run(
            sandbox
                .host_with("token-auth")
                .env("TOKEN_AUTH_TOKENS", "plugin-T0ken-1,plugin-T0ken-2"),
            args,
        );
        assert!(run.all().contains("<redacted>"), "{args:?}:\n{run}");
        assert_no_secret(&run, &format!("{args:?}"));
    }
}
