//! `flyte-host plugin show`: the active plugin stack, which layers answered each hook (and which
//! they passed through), what the hooks return, and which layer added or changed each command.

use clap::{ArgMatches, Command};
use serde_json::{json, Map, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    inspect::{self, Answer, HookReport},
    output,
};

/// A page in a few words, for tables: its `<title>`, else its first line.
pub(super) fn page_summary(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let start = start + "<title>".len();
        lower[start..]
            .find("</title>")
            .map(|len| html[start..start + len].trim())
    });
    title.filter(|t| !t.is_empty()).unwrap_or_else(|| {
        html.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    })
}

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("show")
        .about("Show the active plugin, which hooks it overrides and what they return")
}

/// The layers of the stack as `-o json` lists them, top first.
fn layers_json(plugin: &crate::plugin::ActivePlugin) -> Vec<Value> {
    plugin
        .layers()
        .iter()
        .map(|l| {
            json!({
                "layer": l.position(),
                "name": l.name(),
                "version": l.version(),
                "path": l.path().display().to_string(),
                "origin": l.origin().to_string(),
                "abi_version": l.abi_version().to_string(),
                "min_host_abi": l.min_host_abi().to_string(),
            })
        })
        .collect()
}

/// For each command path a layer added or changed, what each layer did: `acme deploy: added by
/// acme; set the default of --replicas to 2 by myorg`.
fn command_rows(extension: &crate::cli::Extension) -> Vec<String> {
    let mut paths: Vec<(&str, Vec<String>)> = Vec::new();
    for change in &extension.changes {
        let what = format!("{} by {}", change.action, change.layer);
        match paths.iter_mut().find(|(p, _)| *p == change.path) {
            Some((_, whats)) => whats.push(what),
            None => paths.push((&change.path, vec![what])),
        }
    }
    paths
        .into_iter()
        .map(|(path, whats)| format!("{path}: {}", whats.join("; ")))
        .collect()
}

/// Prints the active plugin stack's report; a failing hook is an error naming the plugin, its
/// layer and the hook.
pub(super) fn exec(cli: &mut Cli, _matches: &ArgMatches) -> Result<i32, Error> {
    let extension = &cli.extension;
    let plugin = crate::context::active();
    let stacked = plugin.layers().len() > 1;
    let remote = crate::context::resolved_remote();
    let reports = inspect::probe(plugin, remote, Ok(extension));
    let mut hooks = Map::new();
    let mut through_json = Map::new();
    let mut errors = Map::new();
    let mut failure = None;
    let mut values = Map::new();
    let mut rows = Vec::new();
    if stacked {
        rows.push(("stack", plugin.describe()));
    }
    rows.extend([
        ("name", plugin.name().to_owned()),
        ("version", plugin.version().to_owned()),
        (
            "path",
            output::or_dash(plugin.path().map(|p| p.to_string_lossy()).as_deref()),
        ),
        ("abi_version", plugin.abi_version().to_string()),
    ]);
    for HookReport {
        hook,
        outcome,
        through,
    } in reports
    {
        // A failing hook is reported in its row and ends the command with its error, once every
        // other hook was shown.
        let (source, answer) = match outcome {
            Ok(answered) => answered,
            Err(e) => {
                hooks.insert(hook.to_owned(), json!("failed"));
                errors.insert(hook.to_owned(), json!(e));
                rows.push((hook, "FAILED (see the error below)".to_owned()));
                failure.get_or_insert(e);
                continue;
            }
        };
        hooks.insert(hook.to_owned(), json!(source.as_str()));
        through_json.insert(hook.to_owned(), json!(through));
        let shown = match answer {
            Answer::Remote { endpoint, .. } => endpoint,
            Answer::Cli { added, .. } => {
                if added.is_empty() {
                    "-".to_owned()
                } else {
                    added.join(", ")
                }
            }
            Answer::Bool(b) => {
                values.insert("secret_requires_group".into(), json!(b));
                b.to_string()
            }
            Answer::Image(image) => {
                values.insert("default_image".into(), json!(image));
                output::or_dash(image.as_deref())
            }
            Answer::Html(html) => {
                values.insert("auth_success_html".into(), json!(html.is_some()));
                match html {
                    Some(h) => format!("{} bytes: {}", h.len(), page_summary(&h)),
                    None => "- (host's built-in page)".to_owned(),
                }
            }
            Answer::Policies(policies) => {
                let names: Vec<&String> = policies.iter().map(|(n, _)| n).collect();
                values.insert("default_cache_policies".into(), json!(names));
                if names.is_empty() {
                    "-".to_owned()
                } else {
                    names
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }
            #[cfg(feature = "abi-next")]
            Answer::ConsoleUrl(url) => {
                values.insert("console_url".into(), json!(url));
                url
            }
        };
        // A stack names the layers each answer went through; one plugin says plugin/default.
        let from = if stacked {
            match through.as_slice() {
                [] => crate::builtin::NAME.to_owned(),
                layers => layers.join(" → "),
            }
        } else {
            source.as_str().to_owned()
        };
        rows.push((hook, format!("[{from}] {shown}")));
    }
    if stacked {
        rows.extend(command_rows(extension).into_iter().map(|c| ("command", c)));
    }
    for conflict in &extension.conflicts {
        rows.push(("cli conflict", conflict.clone()));
    }
    if json_output() {
        output::document(&json!({
            "name": plugin.name(),
            "version": plugin.version(),
            "path": plugin.path().map(|p| p.display().to_string()),
            "builtin": plugin.is_builtin(),
            "origin": plugin.origin().map(|o| o.to_string()),
            "abi_version": plugin.abi_version().to_string(),
            "min_host_abi": plugin.min_host_abi().to_string(),
            "layers": layers_json(plugin),
            "hooks": Value::Object(hooks),
            "through": Value::Object(through_json),
            "errors": Value::Object(errors),
            "values": Value::Object(values),
            "cli": {
                "added": extension.added(),
                "replaced": extension.replaced,
                "conflicts": extension.conflicts,
                "changes": extension.changes.iter().map(|c| json!({
                    "path": c.path,
                    "layer": c.layer,
                    "action": c.action,
                })).collect::<Vec<_>>(),
            },
        }))?;
    } else {
        output::pairs(&rows)?;
    }
    match failure {
        Some(e) => Err(Error::Message(e)),
        None => Ok(0),
    }
}
