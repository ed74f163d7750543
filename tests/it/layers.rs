//! Several plugins at once (issue 15): a stack of layers, top first, above the built-in plugin.
//! Each value hook is answered by the top-most layer that overrides it; a layer asking the host
//! for the default gets the answer of the layers below it; `configure_pyflyte_cli` applies
//! bottom-up. The wrapping fixtures (`layer-mirror`, `layer-header`, `layer-command`) are stacked
//! with the seed's `myorg` and `staging`, the frozen ABI 1.0 plugin, a panicking layer and a
//! refused one, in both orders.

use crate::support;

use std::ffi::OsString;

use serde_json::{json, Value};
use support::{
    assert_error_paragraph, fails, ok, ok_json, plugin_file_name, plugin_path, run, Sandbox,
};

/// `FLYTEKIT_PLUGIN` for the built libraries of `packages`, top first.
fn stack(packages: &[&str]) -> OsString {
    let paths: Vec<String> = packages
        .iter()
        .map(|p| plugin_path(p).display().to_string())
        .collect();
    paths.join(",").into()
}

/// flyte-host in `sandbox` with the stack `packages` (top first).
fn host(sandbox: &Sandbox, packages: &[&str]) -> assert_cmd::Command {
    let mut command = sandbox.host();
    command.env("FLYTEKIT_PLUGIN", stack(packages));
    command
}

/// `plugin show -o json` with the stack `packages`.
fn show(sandbox: &Sandbox, packages: &[&str]) -> Value {
    ok_json(
        &mut host(sandbox, packages),
        ["plugin", "show", "-o", "json"],
    )
}

#[test]
fn a_layer_wraps_the_image_and_extends_the_cache_policies_of_the_layers_below() {
    let sandbox = Sandbox::new();
    let shown = show(&sandbox, &["layer-mirror", "myorg"]);
    assert_eq!(
        shown["values"]["default_image"], "mirror.layer.example/myorg/flytekit-base:1.2.3",
        "{shown:#}"
    );
    assert_eq!(
        shown["through"]["get_default_image"],
        json!(["layer-mirror", "myorg"])
    );
    // Extended, not replaced: myorg's policy, then the mirror's.
    assert_eq!(
        shown["values"]["default_cache_policies"],
        json!(["myorg-v1", "mirror-v1"])
    );
    // Hooks the top layer keeps are answered by the next layer that overrides them.
    assert_eq!(shown["values"]["secret_requires_group"], false);
    assert_eq!(shown["through"]["secret_requires_group"], json!(["myorg"]));
    let names: Vec<&str> = shown["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["layer-mirror", "myorg"]);
    let text = ok(
        &mut host(&sandbox, &["layer-mirror", "myorg"]),
        ["plugin", "show"],
    );
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("get_default_image")
                && l.ends_with(
                    "[layer-mirror → myorg] mirror.layer.example/myorg/flytekit-base:1.2.3"
                )),
        "{text}"
    );

    // The other order: myorg answers without asking below, so the mirror never runs.
    let shown = show(&sandbox, &["myorg", "layer-mirror"]);
    assert_eq!(
        shown["values"]["default_image"],
        "myorg/flytekit-base:1.2.3"
    );
    assert_eq!(shown["through"]["get_default_image"], json!(["myorg"]));
    assert_eq!(
        shown["values"]["default_cache_policies"],
        json!(["myorg-v1"])
    );

    // Over the built-in plugin alone the mirror wraps the built-in answer (no image).
    let shown = show(&sandbox, &["layer-mirror"]);
    assert_eq!(
        shown["values"]["default_image"],
        "mirror.layer.example/flytekit:base"
    );
}

#[test]
fn task_show_names_the_layer_that_answered() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/tasks.toml",
        "[[task]]\nname = \"t\"\ncommand = [\"run\"]\ncache = true\n",
    );
    let shown = ok_json(
        &mut host(&sandbox, &["layer-mirror", "myorg"]),
        ["task", "show", "tasks.toml", "-o", "json"],
    );
    let text = shown.to_string();
    assert!(
        text.contains("plugin:layer-mirror:get_default_image"),
        "{shown:#}"
    );
    assert!(
        text.contains("mirror.layer.example/myorg/flytekit-base:1.2.3"),
        "{shown:#}"
    );
    let shown = ok(
        &mut host(&sandbox, &["myorg", "layer-mirror"]),
        ["task", "show", "tasks.toml"],
    );
    assert!(
        shown.stdout.contains("plugin:myorg:get_default_image"),
        "{shown}"
    );
}

#[test]
fn a_layer_adds_a_header_to_the_remote_below_in_a_stack_of_three() {
    let sandbox = Sandbox::new();
    let shown = ok_json(
        &mut host(&sandbox, &["layer-header", "staging", "myorg"]),
        ["config", "show", "-o", "json"],
    );
    assert_eq!(
        shown["platform"]["endpoint"], "https://flyte.staging.example.com",
        "{shown:#}"
    );
    assert_eq!(shown["headers"]["x-layer"], "header", "{shown:#}");
    assert_eq!(
        shown["source"]["through"],
        json!(["layer-header", "staging"])
    );
    assert_eq!(shown["source"]["plugin"], "layer-header");
    // Reordered: staging answers alone, and nobody adds the header.
    let shown = ok_json(
        &mut host(&sandbox, &["staging", "layer-header", "myorg"]),
        ["config", "show", "-o", "json"],
    );
    assert_eq!(
        shown["platform"]["endpoint"],
        "https://flyte.staging.example.com"
    );
    assert!(shown["headers"].get("x-layer").is_none(), "{shown:#}");
    // myorg on top: its own remote, the layers below never asked.
    let shown = ok_json(
        &mut host(&sandbox, &["myorg", "layer-header", "staging"]),
        ["config", "show", "-o", "json"],
    );
    assert_eq!(
        shown["platform"]["endpoint"],
        "https://flyte.prod.myorg.com"
    );
    assert_eq!(shown["source"]["through"], json!(["myorg"]));
}

#[test]
fn commands_apply_bottom_up_and_run_with_the_whole_stack() {
    let sandbox = Sandbox::new();
    let layers = [
        "layer-command",
        "layer-mirror",
        "clitour",
        "layer-header",
        "staging",
    ];
    // layer-command adds `acme stack` inside the group clitour (below it) adds; its command sees
    // the stack's remote (staging's, with layer-header's header) and, as its default, the image
    // of the layers below it (the mirror's).
    let out = ok(&mut host(&sandbox, &layers), ["acme", "stack"]);
    assert!(
        out.stdout
            .contains("endpoint: https://flyte.staging.example.com\n"),
        "{out}"
    );
    assert!(out.stdout.contains("headers: x-layer=header\n"), "{out}");
    assert!(
        out.stdout
            .contains("image below: mirror.layer.example/flytekit:base\n"),
        "{out}"
    );
    let help = ok(&mut host(&sandbox, &layers), ["acme", "--help"]);
    assert!(help.stdout.contains("stack"), "{help}");
    // Two layers adding `hello`: the lower one (clitour) stays, the clash is reported; the one
    // saying it replaces (`secret-cmd`) replaces.
    let out = ok(&mut host(&sandbox, &layers), ["hello"]);
    assert_eq!(out.stdout, "hello from clitour\n");
    let out = ok(&mut host(&sandbox, &layers), ["secret-cmd"]);
    assert_eq!(out.stdout, "secret-cmd of layer-command\n");
    let shown = show(&sandbox, &layers);
    let conflicts = shown["cli"]["conflicts"].to_string();
    assert!(
        conflicts.contains(
            "layer-command: command 'hello' clashes with the command a lower layer added"
        ),
        "{shown:#}"
    );
    let changes = shown["cli"]["changes"].as_array().unwrap();
    let by = |path: &str| -> Vec<String> {
        changes
            .iter()
            .filter(|c| c["path"] == path)
            .map(|c| {
                format!(
                    "{} {}",
                    c["layer"].as_str().unwrap(),
                    c["action"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(by("acme stack"), ["layer-command added"]);
    assert_eq!(by("acme deploy"), ["clitour added"]);
    assert_eq!(
        by("secret-cmd"),
        ["clitour added", "layer-command replaced"]
    );
    let text = ok(&mut host(&sandbox, &layers), ["plugin", "show"]);
    assert!(
        text.stdout
            .contains("secret-cmd: added by clitour; replaced by layer-command"),
        "{text}"
    );
    // The other order: the group does not exist yet when layer-command (now below) applies.
    let reversed = ["clitour", "layer-command"];
    let run = run(&mut host(&sandbox, &reversed), ["acme", "stack"]);
    assert_eq!(run.code, Some(2), "{run}");
    let shown = show(&sandbox, &reversed);
    assert!(
        shown["cli"]["conflicts"].to_string().contains(
            "layer-command: command 'acme stack' was not added: this host has no group 'acme'"
        ),
        "{shown:#}"
    );
    // Here layer-command's `hello` is the lower one and stays.
    let out = ok(&mut host(&sandbox, &reversed), ["hello"]);
    assert_eq!(out.stdout, "hello from layer-command\n");
}

#[test]
fn info_and_plugin_list_show_the_stack_in_order() {
    let sandbox = Sandbox::new();
    let layers = ["layer-mirror", "myorg", "staging"];
    let info = ok(&mut host(&sandbox, &layers), ["info"]);
    assert!(
        info.stdout.contains("plugin      layer-mirror 1.0.0 → myorg 1.0.0 → staging 1.0.0 → builtin (from FLYTEKIT_PLUGIN)"),
        "{info}"
    );
    let info = ok_json(&mut host(&sandbox, &layers), ["info", "-o", "json"]);
    let names: Vec<&str> = info["stack"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, layers);
    let listed = ok_json(
        &mut host(&sandbox, &layers),
        ["plugin", "list", "-o", "json"],
    );
    let layer_of = |name: &str| {
        listed["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["layer"].clone())
            .unwrap()
    };
    assert_eq!(layer_of("layer-mirror"), 1);
    assert_eq!(layer_of("myorg"), 2);
    assert_eq!(layer_of("staging"), 3);
    assert_eq!(layer_of("builtin"), Value::Null);
    let text = ok(&mut host(&sandbox, &layers), ["plugin", "list"]);
    assert!(
        text.stdout.contains(
            "selected: layer-mirror → myorg → staging → builtin (chosen by FLYTEKIT_PLUGIN)"
        ),
        "{text}"
    );
}

#[test]
fn installed_plugins_stack_with_plugin_use_and_install_puts_the_new_one_on_top() {
    let sandbox = Sandbox::new();
    let install = |package: &str| {
        ok(
            &mut sandbox.host(),
            ["plugin", "install", plugin_path(package).to_str().unwrap()],
        )
    };
    let first = install("myorg");
    assert!(
        first.stderr.contains("'myorg' is the active plugin"),
        "{first}"
    );
    let second = install("layer-mirror");
    assert!(
        second.stderr.contains(
            "'layer-mirror' is now the top layer of the plugin stack (layer-mirror → myorg → builtin)"
        ) && second.stderr.contains("`flyte-host plugin use NAME [NAME…]` reorders"),
        "{second}"
    );
    let image = |sandbox: &Sandbox| {
        show_installed(sandbox)["values"]["default_image"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        image(&sandbox),
        "mirror.layer.example/myorg/flytekit-base:1.2.3"
    );
    // Installing again changes nothing about the order.
    let again = install("layer-mirror");
    assert!(!again.stderr.contains("top layer"), "{again}");

    let used = ok(
        &mut sandbox.host(),
        ["plugin", "use", "myorg", "layer-mirror"],
    );
    assert!(used.stdout.contains("myorg → layer-mirror"), "{used}");
    assert_eq!(image(&sandbox), "myorg/flytekit-base:1.2.3");
    let used = ok_json(
        &mut sandbox.host(),
        ["plugin", "use", "layer-mirror", "myorg", "-o", "json"],
    );
    assert_eq!(used["active"], "layer-mirror,myorg");
    assert_eq!(used["stack"], json!(["layer-mirror", "myorg", "builtin"]));
    let info = ok(&mut sandbox.host(), ["info"]);
    assert!(
        info.stdout
            .contains("layer-mirror 1.0.0 → myorg 1.0.0 → builtin (from `plugin use`"),
        "{info}"
    );
    // FLYTEKIT_PLUGIN, by installed names, overrides the recorded stack for one command.
    let shown = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", "myorg,layer-mirror"),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(
        shown["values"]["default_image"],
        "myorg/flytekit-base:1.2.3"
    );

    // The same plugin twice, or `builtin` inside a stack: refused, nothing recorded.
    let run = fails(&mut sandbox.host(), ["plugin", "use", "myorg", "myorg"]);
    assert!(run.stderr.contains("`myorg` twice"), "{run}");
    let run = fails(&mut sandbox.host(), ["plugin", "use", "builtin", "myorg"]);
    assert!(run.stderr.contains("can only stand alone"), "{run}");
    assert_eq!(
        image(&sandbox),
        "mirror.layer.example/myorg/flytekit-base:1.2.3"
    );

    // Removing a layer takes it out of the stack; the rest stays.
    let removed = ok(&mut sandbox.host(), ["plugin", "remove", "layer-mirror"]);
    assert!(
        removed
            .stderr
            .contains("'layer-mirror' left the plugin stack"),
        "{removed}"
    );
    assert_eq!(image(&sandbox), "myorg/flytekit-base:1.2.3");
    install("layer-mirror");
    // `plugin use builtin` clears the stack.
    ok(&mut sandbox.host(), ["plugin", "use", "builtin"]);
    let shown = show_installed(&sandbox);
    assert_eq!(shown["name"], "builtin");
}

fn show_installed(sandbox: &Sandbox) -> Value {
    ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"])
}

#[test]
fn the_same_plugin_twice_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let myorg = plugin_path("myorg");
    // The same path twice.
    let run = fails(&mut host(&sandbox, &["myorg", "myorg"]), ["info"]);
    assert!(
        run.stderr.contains("twice") && run.stderr.contains("FLYTEKIT_PLUGIN"),
        "{run}"
    );
    // The same plugin under another file name.
    let copy = sandbox.root().join(format!(
        "copy-of-{}",
        myorg.file_name().unwrap().to_string_lossy()
    ));
    std::fs::copy(&myorg, &copy).unwrap();
    let value = format!("{},{}", myorg.display(), copy.display());
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &value), ["info"]);
    assert!(
        run.stderr.contains("plugin 'myorg'") && run.stderr.contains("twice"),
        "{run}"
    );
    // An empty entry names the variable.
    let value = format!("{},,{}", myorg.display(), plugin_path("staging").display());
    let run = fails(sandbox.host().env("FLYTEKIT_PLUGIN", &value), ["info"]);
    assert!(
        run.stderr.starts_with("error: FLYTEKIT_PLUGIN is `")
            && run.stderr.contains("entry 2 is empty"),
        "{run}"
    );
}

#[test]
fn a_panicking_layer_in_the_middle_is_named_and_help_and_list_still_work() {
    let sandbox = Sandbox::new();
    let layers = ["layer-mirror", "misbehaving", "myorg"];
    // The mirror extends the cache policies below; misbehaving panics there and the mirror passes
    // the failure on: the error names misbehaving and its layer, not the layer that asked, and
    // says how to run without it. (myorg's get_remote prints to stderr first: not `fails`, which
    // wants the error alone.)
    let shown = run(
        host(&sandbox, &layers).env("MISBEHAVE", "panic:get_default_cache_policies"),
        ["plugin", "show"],
    );
    assert_eq!(shown.code, Some(1), "{shown}");
    support::assert_no_rust_trace(&shown);
    let run = shown;
    assert!(
        run.stderr
            .contains("\nerror: plugin 'misbehaving' (layer 2 of 3; 1.0.0, ")
            && run
                .stderr
                .contains("panicked in hook `get_default_cache_policies`")
            && run
                .stderr
                .contains("leave it out of the stack meanwhile: FLYTEKIT_PLUGIN="),
        "{run}"
    );
    assert!(run.stdout.contains("get_default_image"), "{run}");
    // Plugin ABI 1.1 told the mirror when the image below failed: it handles that itself (its
    // own base image, saying why), so the command goes on.
    let shown = ok_json(
        host(&sandbox, &layers).env("MISBEHAVE", "panic:get_default_image"),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(
        shown["values"]["default_image"],
        "mirror.layer.example/flytekit:base"
    );
    let text = ok(
        host(&sandbox, &layers).env("MISBEHAVE", "panic:get_default_image"),
        ["plugin", "show"],
    );
    assert!(
        text.stderr.contains(
            "layer-mirror: the layers below failed (plugin 'misbehaving' (layer 2 of 3; 1.0.0, "
        ) && text
            .stderr
            .contains("deliberate panic in get_default_image"),
        "{text}"
    );
    let run = fails(
        host(&sandbox, &["misbehaving", "myorg"]).env("MISBEHAVE", "error:get_remote"),
        ["config", "show"],
    );
    assert!(
        run.stderr
            .starts_with("error: plugin 'misbehaving' (layer 1 of 2; 1.0.0, ")
            && run
                .stderr
                .contains("failed in hook `get_remote`: deliberate error in get_remote"),
        "{run}"
    );
    // A layer whose configure_pyflyte_cli panics: --help goes on without its commands.
    let help = ok(
        host(&sandbox, &layers).env("MISBEHAVE", "panic:configure_pyflyte_cli"),
        ["--help"],
    );
    assert!(help.stdout.contains("my-org-status"), "{help}");
    assert!(!help.stdout.contains("boom"), "{help}");
    assert!(
        help.stderr
            .starts_with("warning: plugin 'misbehaving' (layer 2 of 3"),
        "{help}"
    );
    ok(
        host(&sandbox, &layers).env("MISBEHAVE", "panic:configure_pyflyte_cli"),
        ["plugin", "list"],
    );
    let run = fails(
        host(&sandbox, &layers).env("MISBEHAVE", "panic:configure_pyflyte_cli"),
        ["info"],
    );
    assert!(run.stderr.contains("(layer 2 of 3"), "{run}");
}

#[test]
fn a_refused_layer_in_the_middle_stops_hook_commands_not_help_show_or_list() {
    let sandbox = Sandbox::new();
    let layers = ["layer-mirror", "wrong-abi", "myorg"];
    let run = fails(&mut host(&sandbox, &layers), ["info"]);
    assert!(
        run.stderr
            .starts_with("error: layer 2 of 3 of the plugin stack (`")
            && run.stderr.contains("plugin ABI 2.0.0"),
        "{run}"
    );
    // It says how to run without that one layer, not without every plugin.
    let leave_out = format!(
        "Meanwhile leave it out of the stack: FLYTEKIT_PLUGIN={}.",
        stack(&["layer-mirror", "myorg"]).to_string_lossy()
    );
    assert!(run.stderr.trim_end().ends_with(&leave_out), "{run}");
    let library = std::fs::read(plugin_path("staging")).unwrap();
    let truncated = sandbox.write(
        format!("truncated/{}", plugin_file_name("staging")),
        &library[..300_000],
    );
    let run = fails(
        sandbox.host().env(
            "FLYTEKIT_PLUGIN",
            format!("{},{}", truncated.display(), plugin_path("myorg").display()),
        ),
        ["info"],
    );
    assert_error_paragraph(&run);
    assert!(run.stderr.contains("is truncated"), "{run}");
    assert!(!run.stderr.contains("FLYTEKIT_PLUGIN=builtin"), "{run}");
    assert!(
        run.stderr.trim_end().ends_with(&format!(
            "Meanwhile leave it out of the stack: FLYTEKIT_PLUGIN={}.",
            plugin_path("myorg").display()
        )),
        "{run}"
    );
    // plugin show and --help go on without it, saying so.
    let shown = ok(&mut host(&sandbox, &layers), ["plugin", "show"]);
    assert!(
        shown.stderr.contains("(continuing without that layer)"),
        "{shown}"
    );
    assert!(
        shown
            .stdout
            .contains("[layer-mirror → myorg] mirror.layer.example/myorg/flytekit-base:1.2.3"),
        "{shown}"
    );
    let help = ok(&mut host(&sandbox, &layers), ["--help"]);
    assert!(help.stdout.contains("my-org-status"), "{help}");
    let listed = ok_json(
        &mut host(&sandbox, &layers),
        ["plugin", "list", "-o", "json"],
    );
    let wrong = listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["layer"] == 2)
        .cloned()
        .unwrap();
    assert_eq!(wrong["ok"], false, "{listed:#}");
    assert!(
        listed["notes"]
            .to_string()
            .contains("(layer 2 of 3) is broken"),
        "{listed:#}"
    );
}

#[test]
fn the_frozen_abi_1_0_plugin_works_as_a_layer() {
    let sandbox = Sandbox::new();
    let frozen = support::frozen_1_0_plugin_path();
    let mirror = plugin_path("layer-mirror");
    let value = format!("{},{}", mirror.display(), frozen.display());
    let shown = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", &value),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(
        shown["values"]["default_image"], "mirror.layer.example/abi-1-0/base:1.0.0",
        "{shown:#}"
    );
    assert_eq!(
        shown["through"]["get_default_image"],
        json!(["layer-mirror", "abi-1-0"])
    );
    // And on top: the 1.0 plugin's own answers, the mirror below never asked.
    let value = format!("{},{}", frozen.display(), mirror.display());
    let shown = ok_json(
        sandbox.host().env("FLYTEKIT_PLUGIN", &value),
        ["plugin", "show", "-o", "json"],
    );
    assert_eq!(shown["values"]["default_image"], "abi-1-0/base:1.0.0");
    assert_eq!(shown["layers"][0]["abi_version"], "1.0.0");
}
