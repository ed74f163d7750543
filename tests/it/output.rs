//! `-o yaml` everywhere `-o json` exists (issue 17): the same document, as YAML, for every command
//! that prints one, with the built-in plugin and with a plugin stack.

use crate::support;

use serde_json::Value;
use support::{ok, plugin_path, Sandbox};

/// The document `args` print with `-o FORMAT`, parsed.
fn document(sandbox: &Sandbox, stack: Option<&str>, args: &[&str], format: &str) -> Value {
    let mut command = sandbox.host();
    if let Some(stack) = stack {
        command.env("FLYTEKIT_PLUGIN", stack);
    }
    let run = ok(&mut command, args.iter().copied().chain(["-o", format]));
    match format {
        "yaml" => serde_yaml_ng::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?} -o yaml is not YAML ({e}):\n{run}")),
        _ => serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?} -o json is not JSON ({e}):\n{run}")),
    }
}

#[test]
fn every_json_document_is_also_yaml() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/tasks.toml",
        "[[task]]\nname = \"t\"\ncommand = [\"run\"]\ncache = true\n",
    );
    let stack = format!(
        "{},{}",
        plugin_path("layer-mirror").display(),
        plugin_path("myorg").display()
    );
    for (stack, args) in [
        (None, &["info"][..]),
        (None, &["version"]),
        (None, &["plugin", "list"]),
        (None, &["config", "show"]),
        (Some(stack.as_str()), &["info"]),
        (Some(stack.as_str()), &["plugin", "show"]),
        (Some(stack.as_str()), &["plugin", "list"]),
        (Some(stack.as_str()), &["task", "show", "tasks.toml"]),
    ] {
        let json = document(&sandbox, stack, args, "json");
        let yaml = document(&sandbox, stack, args, "yaml");
        assert_eq!(yaml, json, "{args:?} with {stack:?}");
    }
    // The text is YAML, not JSON that YAML happens to accept.
    let run = ok(&mut sandbox.host(), ["info", "-o", "yaml"]);
    assert!(run.stdout.starts_with("host_version: "), "{run}");
    // A plugin command learns which one the user asked for.
    let run = ok(
        sandbox
            .host()
            .env("FLYTEKIT_PLUGIN", plugin_path("clitour")),
        ["acme", "deploy", "m", "-o", "yaml"],
    );
    assert!(run.stdout.contains(r#""output":"yaml""#), "{run}");
}
