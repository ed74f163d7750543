//! Defaults through the hooks, cache versions, the default version and the FlyteAdmin form.

use flyte_plugin_abi::{
    cache::{export_policy, CacheParams},
    CachePolicy, PluginError,
};

use super::{parse, task, EXAMPLE};
use crate::{
    plugin::{ActivePlugin, HookSource, Hooked},
    tasks::{
        default_version, resolve::Hooks, sha256_hex, task_create_request, ResolvedTask, Source,
        TaskError,
    },
};

/// A policy answering a fixed version, or failing.
struct Fixed(Result<&'static str, &'static str>);

impl CachePolicy for Fixed {
    fn name(&self) -> String {
        "fixed".into()
    }

    fn get_version(&self, _salt: &str, _params: &CacheParams) -> Result<String, PluginError> {
        self.0.map(str::to_owned).map_err(PluginError::new)
    }
}

/// Resolves `text` with the built-in plugin, no `FLYTE_INTERNAL_IMAGE`, and `policies` as the
/// plugin's default cache policies (`None`: the built-in plugin's, none).
fn resolve_with(
    text: &str,
    policies: Option<Vec<(&str, Result<&'static str, &'static str>)>>,
) -> Result<Vec<ResolvedTask>, TaskError> {
    let plugin = ActivePlugin::builtin();
    let mut hooks = Hooks {
        plugin: &plugin,
        internal_image: None,
        image: None,
        requires_group: None,
        policies: policies.map(|list| Hooked {
            value: list
                .into_iter()
                .map(|(name, answer)| (name.to_owned(), export_policy(Box::new(Fixed(answer)))))
                .collect(),
            source: HookSource::Plugin,
            through: vec!["myorg".to_owned()],
        }),
    };
    parse(text).into_iter().map(|s| hooks.resolve(s)).collect()
}

fn one(text: &str) -> ResolvedTask {
    resolve_with(text, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0)
}

fn err(text: &str, policies: Option<Vec<(&str, Result<&'static str, &'static str>)>>) -> String {
    match resolve_with(text, policies) {
        Ok(tasks) => panic!("expected an error, got {tasks:?}"),
        Err(e) => e.to_string(),
    }
}

fn version(task: &ResolvedTask) -> &str {
    task.cache
        .value
        .as_ref()
        .map_or("", |c| c.version.value.as_str())
}

#[test]
fn images_come_from_the_task_else_the_host_default() {
    let t = one(&task("image = \"ghcr.io/acme/etl:2.0\""));
    assert_eq!(
        (t.image.value.as_str(), t.image.source),
        ("ghcr.io/acme/etl:2.0", Source::Task)
    );
    let t = one(&task(""));
    assert_eq!(
        t.image.value,
        "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.31"
    );
    assert_eq!(t.image.source, Source::HostDefault);
    assert_eq!(t.image.source.to_string(), "host default");
}

#[test]
fn flyte_internal_image_overrides_the_host_default() {
    let plugin = ActivePlugin::builtin();
    let mut hooks = Hooks {
        plugin: &plugin,
        internal_image: Some("registry.local/base:7".into()),
        image: None,
        requires_group: None,
        policies: None,
    };
    let t = hooks.resolve(parse(&task("")).remove(0)).unwrap();
    assert_eq!(t.image.value, "registry.local/base:7");
    assert_eq!(
        t.image.source.to_string(),
        "host default (FLYTE_INTERNAL_IMAGE)"
    );
    hooks.image = None;
    hooks.internal_image = Some("Not An Image".into());
    let e = hooks
        .resolve(parse(&task("")).remove(0))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("environment variable FLYTE_INTERNAL_IMAGE is invalid"),
        "{e}"
    );
}

#[test]
fn secrets_without_a_group_fail_when_the_plugin_requires_groups() {
    let e = err(EXAMPLE, Some(vec![]));
    // The example's cache rule is broken too: both are reported.
    assert!(e.starts_with("2 problems in the task files:\n  t.toml:9: task 'etl.clean': secret 'api-token' needs a group; the active plugin requires groups"), "{e}");
    assert!(
        e.contains("\n  t.toml:10: task 'etl.clean': caching is on but no cache version"),
        "{e}"
    );
    let t = one(&task("secrets = [{ group = \"g\", key = \"k\" }]"));
    assert_eq!(t.secrets_require_group, None);
}

#[test]
fn caching_needs_a_version_or_a_policy() {
    let e = err(&task("cache = true"), None);
    assert!(e.starts_with("t.toml:4: task 't': caching is on but no cache version is set and no cache policy applies (the active plugin 'builtin' gives no default cache policies)"), "{e}");
    assert!(err(&task("cache = { policies = [] }"), None).contains("(`cache.policies` is empty)"));
    let t = one(&task("cache = { version = \"1.2\" }"));
    assert_eq!(version(&t), "1.2");
    let t = one(&task(""));
    assert!(t.cache.value.is_none());
    assert_eq!(t.cache.source, Source::HostDefault);
}

#[test]
fn plugin_policies_version_as_flytekit_does() {
    let plugin = Some(vec![("myorg-v1", Ok("v1"))]);
    let t = resolve_with(&task("cache = true"), plugin.clone())
        .unwrap()
        .remove(0);
    assert_eq!(version(&t), sha256_hex("v1"));
    let cache = t.cache.value.as_ref().unwrap();
    assert_eq!(
        cache.version.source,
        Source::Plugin {
            layer: "myorg".to_owned(),
            hook: "get_default_cache_policies"
        }
    );
    assert_eq!(cache.policies.value, ["myorg-v1"]);
    // An explicit version wins over the policies.
    let t = resolve_with(&task("cache = { version = \"7\" }"), plugin.clone())
        .unwrap()
        .remove(0);
    assert_eq!(version(&t), "7");
    // Several policies: the hash of the concatenation, in the task's order.
    let two = Some(vec![("a", Ok("x")), ("b", Ok("y"))]);
    let t = resolve_with(&task("cache = { policies = [\"b\", \"a\"] }"), two)
        .unwrap()
        .remove(0);
    assert_eq!(version(&t), sha256_hex("yx"));
}

#[test]
fn a_failing_policy_names_itself() {
    let e = err(
        &task("cache = true"),
        Some(vec![("exploding", Err("boom"))]),
    );
    assert_eq!(e, "t.toml:4: task 't': cache policy 'exploding' failed to compute a version: boom. Set `cache = { version = \"…\" }` to version the task by hand.");
    // A task with its own version never asks the policy.
    assert!(resolve_with(
        &task("cache = { version = \"1\" }"),
        Some(vec![("exploding", Err("boom"))])
    )
    .is_ok());
}

#[test]
fn unknown_policies_are_named_with_a_hint() {
    let e = err(
        &task("cache = { policies = [\"spec_hash\"] }"),
        Some(vec![("myorg-v1", Ok("v1"))]),
    );
    assert!(e.contains("names the unknown cache policy 'spec_hash'; did you mean 'spec-hash'? Known policies: spec-hash, myorg-v1"), "{e}");
}

#[test]
fn spec_hash_is_stable_and_follows_the_spec() {
    let base = "cache = { policies = [\"spec-hash\"] }\nargs = [\"--x\"]\ninputs = { a = \"string\", b = \"integer\" }";
    let t = one(&task(base));
    let expected = sha256_hex(&sha256_hex(&t.canonical_spec));
    assert_eq!(version(&t), expected);
    // Formatting, comments and key order do not matter; retries and resources do not either.
    let same = "# comment\ninputs = {b = \"integer\",   a = \"string\"}\nargs = [ \"--x\" ]\nretries = 3\ncache = { policies = [\"spec-hash\"] }";
    assert_eq!(version(&one(&task(same))), expected);
    // The command, the interface, the image and the salt do.
    for changed in [
        base.replace("--x", "--y"),
        base.replace("\"integer\"", "\"float\""),
        format!("{base}\nimage = \"other/image:1\""),
        base.replace("[\"spec-hash\"]", "[\"spec-hash\"], salt = \"s\""),
    ] {
        assert_ne!(version(&one(&task(&changed))), expected, "{changed}");
    }
}

#[test]
fn the_default_version_hashes_every_packaged_field_in_name_order() {
    let two = format!("{}\n{}", task(""), task("").replace("\"t\"", "\"u\""));
    let swapped = format!("{}\n{}", task("").replace("\"t\"", "\"u\""), task(""));
    let v = default_version(&resolve_with(&two, None).unwrap());
    assert_eq!(v.len(), 32);
    assert_eq!(default_version(&resolve_with(&swapped, None).unwrap()), v);
    let retried = format!(
        "{}\n{}",
        task("retries = 1"),
        task("").replace("\"t\"", "\"u\"")
    );
    assert_ne!(default_version(&resolve_with(&retried, None).unwrap()), v);
}

#[test]
fn task_create_request_uses_flyteadmin_field_names() {
    let plugin = Some(vec![("myorg-v1", Ok("v1"))]);
    let text = EXAMPLE.replace(
        "{ key = \"api-token\"",
        "{ group = \"g\", key = \"api-token\"",
    );
    let t = resolve_with(&text, plugin).unwrap().remove(0);
    let r = task_create_request(&t, "proj", "dev", "v9");
    let id = serde_json::json!({"resource_type": "TASK", "project": "proj", "domain": "dev", "name": "etl.clean", "version": "v9"});
    assert_eq!(r["id"], id);
    let template = &r["spec"]["template"];
    assert_eq!(template["id"], id);
    assert_eq!(template["type"], "raw-container");
    let m = &template["metadata"];
    assert_eq!(m["discoverable"], true);
    assert_eq!(m["discovery_version"], sha256_hex("v1"));
    assert_eq!(m["timeout"], "600s");
    assert_eq!(m["retries"], serde_json::json!({"retries": 2}));
    assert_eq!(m["runtime"]["type"], "FLYTE_SDK");
    assert_eq!(m["cache_serializable"], false);
    assert_eq!(m["cache_ignore_input_vars"], serde_json::json!([]));
    let date = &template["interface"]["inputs"]["variables"]["date"];
    assert_eq!(
        date,
        &serde_json::json!({"type": {"simple": "STRING"}, "description": "date"})
    );
    let c = &template["container"];
    assert_eq!(c["image"], "ghcr.io/acme/etl:2.0");
    assert_eq!(
        c["resources"]["requests"][1],
        serde_json::json!({"name": "MEMORY", "value": "2Gi"})
    );
    assert_eq!(c["data_config"]["enabled"], true);
    assert_eq!(
        template["security_context"]["secrets"][1],
        serde_json::json!({"group": "g", "key": "api-token", "mount_requirement": "ENV_VAR"})
    );
    let plain = one(&task("inputs = { f = \"blob\" }"));
    let r = task_create_request(&plain, "p", "d", "v");
    let template = &r["spec"]["template"];
    assert!(template.get("security_context").is_none());
    assert!(template["metadata"].get("timeout").is_none());
    assert_eq!(template["metadata"]["discoverable"], false);
    assert_eq!(
        template["interface"]["inputs"]["variables"]["f"]["type"],
        serde_json::json!({"blob": {"format": "", "dimensionality": "SINGLE"}})
    );
}
