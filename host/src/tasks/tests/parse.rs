//! Parsing and validating task files: every field, and errors naming file, line, task and field.

use super::{parse, parse_err, task, EXAMPLE};
use crate::tasks::{
    spec::{CacheSpec, Location, Mount, Resource, VarType},
    values,
};

#[test]
fn the_issue_example_parses() {
    let specs = parse(EXAMPLE);
    assert_eq!(specs.len(), 1);
    let t = &specs[0];
    assert_eq!(t.name, "etl.clean");
    assert_eq!(
        t.location,
        Location {
            file: std::path::Path::new("t.toml").into(),
            line: 2
        }
    );
    assert_eq!(t.command, ["python", "-m", "etl.clean"]);
    assert_eq!(
        t.args.as_deref(),
        Some(&["--date".to_owned(), "{{.inputs.date}}".to_owned()][..])
    );
    let inputs: Vec<(&str, VarType)> = t.inputs.iter().map(|v| (v.name.as_str(), v.kind)).collect();
    assert_eq!(
        inputs,
        [("date", VarType::String), ("limit", VarType::Integer)]
    );
    assert_eq!(t.outputs[0].name, "rows");
    assert_eq!(t.image.as_deref(), Some("ghcr.io/acme/etl:2.0"));
    assert_eq!(t.secrets.len(), 2);
    assert_eq!(t.secrets[0].group.as_deref(), Some("db"));
    assert_eq!(t.secrets[1].group, None);
    assert_eq!(t.secrets[1].mount, Mount::Env);
    assert_eq!(t.secrets[1].location.line, 9);
    assert!(
        matches!(&t.cache, CacheSpec::On(on) if on.version.is_none() && on.policies.is_none() && on.location.line == 10)
    );
    assert_eq!(t.retries, Some(2));
    assert_eq!(t.timeout, Some(600));
    assert_eq!(
        t.resources.requests,
        [
            (Resource::Cpu, "1".to_owned()),
            (Resource::Memory, "2Gi".to_owned())
        ]
    );
    assert!(t.resources.limits.is_empty());
}

#[test]
fn many_tasks_keep_their_order_and_lines() {
    let specs = parse(&format!(
        "{}\n{}",
        task(""),
        task("").replace("\"t\"", "\"u\"")
    ));
    let names: Vec<(&str, usize)> = specs
        .iter()
        .map(|s| (s.name.as_str(), s.location.line))
        .collect();
    assert_eq!(names, [("t", 1), ("u", 6)]);
}

#[test]
fn inputs_keep_declaration_order_and_every_type_parses() {
    let specs = parse(&task(
        "[task.inputs]\nz = \"string\"\na = \"integer\"\nm = \"float\"\nb = \"boolean\"\nd = \"datetime\"\ne = \"duration\"\nf = \"blob\"",
    ));
    let names: Vec<&str> = specs[0].inputs.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["z", "a", "m", "b", "d", "e", "f"]);
    assert_eq!(specs[0].inputs[6].kind, VarType::Blob);
}

#[test]
fn cache_forms() {
    let cache = |line: &str| parse(&task(line)).remove(0).cache;
    assert_eq!(cache(""), CacheSpec::Off { declared: false });
    assert_eq!(cache("cache = false"), CacheSpec::Off { declared: true });
    let CacheSpec::On(on) = cache("inputs = { a = \"string\", b = \"integer\" }\ncache = { version = \"1\", salt = \"s\", policies = [\"spec-hash\"], serialize = true, ignored_inputs = [\"b\"] }") else {
        panic!("cache is off");
    };
    assert_eq!(on.version.as_deref(), Some("1"));
    assert_eq!(on.salt, "s");
    assert_eq!(on.policies, Some(vec!["spec-hash".to_owned()]));
    assert!(on.serialize);
    assert_eq!(on.ignored_inputs, ["b"]);
    let CacheSpec::On(on) = cache("cache = true\ncache_serialize = true") else {
        panic!("cache is off");
    };
    assert!(on.serialize);
    let CacheSpec::On(on) =
        cache("inputs = { a = \"string\" }\ncache = { ignored_inputs = \"a\" }")
    else {
        panic!("cache is off");
    };
    assert_eq!(on.ignored_inputs, ["a"]);
}

#[test]
fn resources_take_a_request_or_a_request_limit_pair() {
    let spec = parse(&task(
        "resources = { cpu = 1, memory = [\"1Gi\", \"2Gi\"], gpu = 0.5 }",
    ))
    .remove(0);
    assert_eq!(
        spec.resources.requests,
        [
            (Resource::Cpu, "1".to_owned()),
            (Resource::Memory, "1Gi".to_owned()),
            (Resource::Gpu, "0.5".to_owned())
        ]
    );
    assert_eq!(
        spec.resources.limits,
        [(Resource::Memory, "2Gi".to_owned())]
    );
}

#[test]
fn unknown_keys_get_a_did_you_mean_hint() {
    assert_eq!(
        parse_err(&task("retires = 2")),
        "t.toml:4: task 't': field `retires` is unknown; did you mean 'retries'?"
    );
    let err = parse_err(&task("colour = 2"));
    assert!(
        err.starts_with(
            "t.toml:4: task 't': field `colour` is unknown. Known fields: name, command"
        ),
        "{err}"
    );
    assert!(parse_err(&task("resources = { mem = \"1Gi\" }"))
        .contains("field `resources.mem` is unknown; did you mean 'memory'?"));
    assert!(parse_err(&task("cache = { verison = \"1\" }"))
        .contains("field `cache.verison` is unknown; did you mean 'version'?"));
    assert!(
        parse_err(&task("secrets = [{ grop = \"g\", key = \"k\" }]"))
            .contains("field `secrets[0].grop` is unknown; did you mean 'group'?")
    );
    assert_eq!(
        parse_err("[[tasks]]\nname = \"t\"\n"),
        "t.toml:1: `tasks` is not a key of a task file; did you mean 'task'?: declare each task as a [[task]] table"
    );
}

#[test]
fn missing_fields_name_the_task_table() {
    assert_eq!(
        parse_err("\n[[task]]\ncommand = [\"x\"]\n"),
        "t.toml:2: unnamed task: field `name` is missing: every task needs a unique name"
    );
    assert_eq!(
        parse_err(&format!("{}\n[[task]]\nname = \"u\"\n", task(""))),
        "t.toml:6: task 'u': field `command` is missing: every task needs the command its container runs"
    );
}

#[test]
fn every_kind_of_bad_value_names_file_line_task_and_field() {
    let cases: &[(&str, &str)] = &[
        ("retries = \"two\"", "t.toml:4: task 't': field `retries` must be a whole number, found a string"),
        ("retries = -1", "t.toml:4: task 't': field `retries` must be between 0 and 4294967295 (found -1)"),
        ("timeout = \"ten minutes\"", "field `timeout` must be a duration such as"),
        ("timeout = 0", "field `timeout` must be more than zero"),
        ("timeout = true", "field `timeout` must be a duration such as \"10m\", found a boolean"),
        ("image = \"Bad Image\"", "field `image` image 'Bad Image' contains whitespace"),
        ("args = \"--x\"", "field `args` must be an array of strings, found a string"),
        ("args = [\"a\", 1]", "field `args[1]` must be a string, found an integer"),
        ("inputs = { date = \"str\" }", "field `inputs.date` has the unknown type 'str'; did you mean 'string'?"),
        ("inputs = { 1x = \"string\" }", "field `inputs.1x` is not a valid variable name"),
        ("outputs = [\"rows\"]", "field `outputs` must be a table, found an array"),
        ("secrets = [{ key = \"k\", mount = \"envvar\" }]", "field `secrets[0].mount` must be 'any', 'env' or 'file' (found 'envvar')"),
        ("secrets = [{ mount = \"env\" }]", "field `secrets[0]` needs a `key`"),
        ("secrets = [{ key = \"\" }]", "field `secrets[0].key` must not be empty"),
        ("secrets = { key = \"k\" }", "field `secrets` must be an array of tables, found a table"),
        ("resources = { cpu = \"lots\" }", "field `resources.cpu` must be a quantity"),
        ("resources = { cpu = [\"1\"] }", "field `resources.cpu` must be a quantity, or a [request, limit] pair"),
        ("cache = \"yes\"", "field `cache` must be true, false or a table"),
        ("cache = { version = \"\" }", "field `cache.version` must not be empty"),
        ("cache = { policies = [\"a\", \"a\"] }", "field `cache.policies[1]` names 'a' twice"),
        ("cache = { ignored_inputs = [\"nope\"] }", "field `cache.ignored_inputs[0]` names 'nope', which is not an input (the task has no inputs)"),
        ("cache_serialize = true", "field `cache_serialize` needs caching on: add `cache = true`"),
        ("cache = false\ncache_serialize = true", "t.toml:5: task 't': field `cache_serialize` needs caching on"),
        ("cache = { serialize = true }\ncache_serialize = true", "field `cache_serialize` is set twice"),
    ];
    for (extra, expected) in cases {
        let err = parse_err(&task(extra));
        assert!(err.contains(expected), "{extra}: {err}");
        assert!(
            err.starts_with("t.toml:4: task 't': field `") || err.starts_with("t.toml:5: task 't'"),
            "{extra}: {err}"
        );
    }
    let err = parse_err("[[task]]\nname = \"bad name\"\ncommand = [\"x\"]\n");
    assert!(
        err.starts_with("t.toml:2: unnamed task: field `name` must start with a letter"),
        "{err}"
    );
    assert!(parse_err(&task("").replace("[\"run\"]", "[]"))
        .contains("field `command` must name a program"));
}

#[test]
fn file_layout_errors() {
    assert_eq!(
        parse_err("# nothing\n"),
        "t.toml:1: the file declares no tasks: add a [[task]] table"
    );
    assert_eq!(
        parse_err("\n[task]\nname = \"t\"\n"),
        "t.toml:2: `task` must be an array of tables: write [[task]], not [task] or task = …"
    );
    assert!(parse_err("task = [1]\n")
        .contains("each `task` must be a table ([[task]]), found an integer"));
    let err = parse_err("[[task]]\nname = \"t\"\ncommand = [\"x\"\n");
    assert!(err.starts_with("t.toml:3: invalid TOML: "), "{err}");
    let err = parse_err("[[task]]\nname = \"t\"\nname = \"u\"\n");
    assert!(err.starts_with("t.toml:3: invalid TOML: "), "{err}");
}

#[test]
fn durations() {
    assert_eq!(values::duration("10m"), Ok(600));
    assert_eq!(values::duration("1h30m"), Ok(5_400));
    assert_eq!(values::duration("90s"), Ok(90));
    assert_eq!(values::duration("2d"), Ok(172_800));
    // The forms `run --input` also took: one duration reading for both.
    assert_eq!(values::duration("1.5h"), Ok(5_400));
    assert_eq!(values::duration("10"), Ok(10));
    assert_eq!(values::duration("10 m"), Ok(600));
    assert_eq!(values::duration("10 minutes"), Ok(600));
    assert_eq!(values::duration("2000ms"), Ok(2));
    for bad in ["", "m", "0s", "-1s", "99999999999999999999d", "1 month"] {
        assert!(values::duration(bad).is_err(), "{bad}");
    }
    assert!(values::duration("-1s")
        .unwrap_err()
        .starts_with("must be a duration such as"));
    assert_eq!(
        values::duration("0s").unwrap_err(),
        "must be more than zero"
    );
    assert_eq!(
        values::duration("1500ms").unwrap_err(),
        "must be a whole number of seconds (found \"1500ms\")"
    );
    assert_eq!(
        values::duration("3652501d").unwrap_err(),
        "is too long (found \"3652501d\")"
    );
}

#[test]
fn quantities() {
    for ok in ["1", "500m", "0.5", ".5", "2Gi", "1e3", "4k", "1E-2"] {
        assert!(values::quantity(ok).is_ok(), "{ok}");
    }
    for bad in ["", "lots", "1 Gi", "1GB", "1..2", "-1", "Gi", "1e"] {
        assert!(values::quantity(bad).is_err(), "{bad}");
    }
}

#[test]
fn did_you_mean_only_for_near_misses() {
    let known = ["retries", "timeout", "resources"];
    assert_eq!(
        crate::text::did_you_mean("retry", &known),
        "; did you mean 'retries'?"
    );
    assert_eq!(
        crate::text::did_you_mean("Timeout", &known),
        "; did you mean 'timeout'?"
    );
    assert_eq!(crate::text::did_you_mean("colour", &known), "");
}

#[test]
fn names_are_unique_across_files_and_unreadable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, task("")).unwrap();
    std::fs::write(
        &b,
        format!("{}\n{}", task("").replace("\"t\"", "\"u\""), task("")),
    )
    .unwrap();
    let e = crate::tasks::load(&[a.clone(), b.clone()])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}:6: task 't' is declared again (first at {}:1): task names must be unique across the task files",
            b.display(),
            a.display()
        )
    );
    assert_eq!(
        crate::tasks::load(std::slice::from_ref(&a)).unwrap().len(),
        1
    );
    let missing = dir.path().join("missing.toml");
    let e = crate::tasks::load(std::slice::from_ref(&missing))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("cannot read task file `{}`", missing.display())),
        "{e}"
    );
}

#[test]
fn versions_the_user_gives_are_checked() {
    assert!(crate::tasks::check_version("v1.2-rc+3").is_ok());
    for bad in ["", "a b", "a/b", &"x".repeat(129)] {
        assert!(crate::tasks::check_version(bad).is_err(), "{bad}");
    }
}

#[test]
fn large_files_keep_order_and_report_every_error_in_file_order() {
    let many = |bad: &[usize]| {
        (0..600)
            .map(|i| {
                let extra = if bad.contains(&i) {
                    "retries = -1\n"
                } else {
                    ""
                };
                format!("[[task]]\nname = \"t{i}\"\ncommand = [\"run\"]\n{extra}")
            })
            .collect::<String>()
    };
    let names: Vec<String> = parse(&many(&[])).into_iter().map(|s| s.name).collect();
    let expected: Vec<String> = (0..600).map(|i| format!("t{i}")).collect();
    assert_eq!(names, expected);
    let err = parse_err(&many(&[590, 170, 450]));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "3 problems in the task files:", "{err}");
    assert!(
        lines[1].starts_with("  t.toml:514: task 't170': field `retries`"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("  t.toml:1355: task 't450': field `retries`"),
        "{err}"
    );
    assert!(
        lines[3].starts_with("  t.toml:1776: task 't590': field `retries`"),
        "{err}"
    );
    assert_eq!(lines.len(), 4, "{err}");
}

#[test]
fn every_problem_of_a_file_is_reported_in_one_run_up_to_a_cap() {
    let text = "[[task]]\nname = \"a\"\ncommand = [\"run\"]\nretires = 2\ntimeout = 0\ninputs = { n = \"intger\" }\n\
                [[task]]\ncommand = [\"run\"]\n\
                [tsk]\n";
    let err = parse_err(text);
    assert_eq!(
        err,
        "5 problems in the task files:\n  \
         t.toml:4: task 'a': field `retires` is unknown; did you mean 'retries'?\n  \
         t.toml:5: task 'a': field `timeout` must be more than zero\n  \
         t.toml:6: task 'a': field `inputs.n` has the unknown type 'intger'; did you mean 'integer'? Types: string, integer, float, boolean, datetime, duration, blob\n  \
         t.toml:7: unnamed task: field `name` is missing: every task needs a unique name\n  \
         t.toml:9: `tsk` is not a key of a task file; did you mean 'task'?: declare each task as a [[task]] table"
    );
    let many: String = (0..30)
        .map(|i| format!("[[task]]\nname = \"t{i}\"\ncommand = [\"run\"]\nretries = -1\n"))
        .collect();
    let err = parse_err(&many);
    assert!(err.starts_with("30 problems in the task files:\n"), "{err}");
    assert_eq!(err.lines().count(), 1 + 20 + 1, "{err}");
    assert!(
        err.ends_with("\n  … and 10 more (only the first 20 are listed)"),
        "{err}"
    );
}
