//! The README tells the truth: every TOML example in it runs as written with the built-in plugin
//! (task files), or is exactly what the host writes (the install manifest `plugin manifest`
//! prints, the Cargo.toml `plugin new` writes).

use crate::support;

use std::fs;

use support::{ok, plugin_path, workspace_root, Sandbox};
use toml::Table;

/// The ```toml blocks of the README, with the line each starts on.
fn toml_examples() -> Vec<(usize, String)> {
    let readme = fs::read_to_string(workspace_root().join("README.md")).expect("read README.md");
    let mut examples = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in readme.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some((index + 2, String::new())),
            (Some(_), "```") => examples.extend(current.take()),
            (Some((_, text)), line) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "README.md ends inside a ```toml block");
    examples
}

fn parse(line: usize, text: &str) -> Table {
    text.parse()
        .unwrap_or_else(|e| panic!("README.md:{line}: the TOML example does not parse: {e}"))
}

/// A task file: `task show` and `package` succeed with the built-in plugin.
fn runs_as_a_task_file(line: usize, text: &str) {
    let sandbox = Sandbox::new();
    sandbox.write("work/example.toml", text);
    let shown = ok(&mut sandbox.host(), ["task", "show", "example.toml"]);
    assert!(shown.stderr.is_empty(), "README.md:{line}: {shown}");
    ok(
        &mut sandbox.host(),
        ["package", "example.toml", "-o", "out"],
    );
    assert!(
        fs::read_dir(sandbox.cwd().join("out")).unwrap().count() > 0,
        "README.md:{line}: package wrote nothing"
    );
}

/// `minisign -S` (0.11) of a file holding `hello\n`.
const SIGNATURE: &str = "untrusted comment: signature from minisign secret key\nRURPh053o0q7F/g08X023udy/qc3dodtYroF+o3zPX8+wwNUqaLwD/rRfcJz4SZ7sS8x4LzwzNmih1BR5zDeaHUluQ+f1/Ajfgg=\ntrusted comment: timestamp:1796375046\tfile:f\thashed\nkJUjhS7YkIcwbG4QnQzBrDq4NH9z0anGf9QGFNTEulkfMsQIbjF2mMozLWbUj+q66q9PngtShEWXiQRlPqaUDQ==\n";

/// An install manifest: what `plugin manifest` prints for the myorg library and the example's URL.
fn is_what_plugin_manifest_prints(line: usize, text: &str) {
    let example = parse(line, text);
    let url = example["platform"][0]["url"]
        .as_str()
        .expect("a platform url");
    let sandbox = Sandbox::new();
    let library = plugin_path("myorg");
    let mut args = vec![
        "plugin".to_owned(),
        "manifest".to_owned(),
        library.to_str().unwrap().to_owned(),
        "--url".to_owned(),
        url.to_owned(),
    ];
    // A signed example: a signature (its format is checked, not what it signs) goes in as
    // `--signature` would put it.
    if example["platform"][0].get("signature").is_some() {
        let signature = sandbox.write("example.minisig", SIGNATURE);
        args.extend(["--signature".to_owned(), signature.display().to_string()]);
    }
    let printed = ok(&mut sandbox.host(), &args);
    let printed = parse(line, &printed.stdout);
    for key in ["name", "version", "description", "abi"] {
        assert_eq!(example[key], printed[key], "README.md:{line}: `{key}`");
    }
    let keys = |t: &Table| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&example), keys(&printed), "README.md:{line}");
    let platform = |t: &Table| t["platform"][0].as_table().unwrap().clone();
    assert_eq!(
        keys(&platform(&example)),
        keys(&platform(&printed)),
        "README.md:{line}"
    );
}

/// A plugin crate's Cargo.toml: every key the example sets is what `plugin new` writes.
fn is_what_plugin_new_writes(line: usize, text: &str) {
    let sandbox = Sandbox::new();
    ok(&mut sandbox.host(), ["plugin", "new", "acme"]);
    let written = parse(
        line,
        &fs::read_to_string(sandbox.cwd().join("acme/Cargo.toml")).unwrap(),
    );
    let example = parse(
        line,
        &text.replace("/home/you", &sandbox.home().display().to_string()),
    );
    assert_eq!(example["lib"], written["lib"], "README.md:{line}: [lib]");
    for (name, dependency) in example["dependencies"].as_table().unwrap() {
        assert_eq!(
            Some(dependency),
            written["dependencies"].get(name),
            "README.md:{line}: dependency {name}"
        );
    }
    let sdk = example["dependencies"]["flyte-plugin-abi"]["path"]
        .as_str()
        .unwrap();
    assert!(
        std::path::Path::new(sdk).join("Cargo.toml").is_file(),
        "README.md:{line}: plugin new did not write the SDK at {sdk}"
    );
}

/// The index example is one `plugin index add` accepts, listing its plugin.
fn is_an_index_plugin_index_add_takes(line: usize, text: &str) {
    let sandbox = Sandbox::new();
    let index = sandbox.write("index.toml", text);
    let added = ok(
        &mut sandbox.host(),
        ["plugin", "index", "add", "acme", index.to_str().unwrap()],
    );
    assert!(
        added.stdout.contains("plugins  myorg"),
        "README.md:{line}: {added}"
    );
}

#[test]
fn every_toml_example_in_the_readme_runs_as_written() {
    let examples = toml_examples();
    assert!(examples.len() >= 3, "found only {examples:?}");
    for (line, text) in examples {
        if text.contains("[[task]]") {
            runs_as_a_task_file(line, &text);
        } else if text.contains("[[platform]]") {
            is_what_plugin_manifest_prints(line, &text);
        } else if text.contains("[lib]") {
            is_what_plugin_new_writes(line, &text);
        } else if text.contains("[[plugin.version]]") {
            is_an_index_plugin_index_add_takes(line, &text);
        } else {
            panic!("README.md:{line}: a TOML example tests/it/readme.rs does not know how to run:\n{text}");
        }
    }
}
