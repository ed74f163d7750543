//! Keeps the dependencies between the host's top-level modules pointing one way: reads every
//! `crate::…` path in `src/` (plain and inside `use crate::{…}` groups), builds the graph of
//! top-level modules, and fails on any import cycle among them, naming the edges of each.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level module names of `src` (files and directories, not `lib.rs`/`main.rs`).
fn modules(src: &Path) -> BTreeSet<String> {
    fs::read_dir(src)
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if entry.path().is_dir() {
                Some(name)
            } else {
                let stem = name.strip_suffix(".rs")?;
                (stem != "lib" && stem != "main").then(|| stem.to_owned())
            }
        })
        .collect()
}

/// The first path segment of every `crate::` path in `text`, including each item of a
/// `crate::{a::b, c}` group.
fn crate_paths(text: &str) -> Vec<&str> {
    let ident = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut expect) = (1, true);
            let mut i = 0;
            let bytes = group.as_bytes();
            while depth > 0 && i < bytes.len() {
                match bytes[i] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    b',' if depth == 1 => expect = true,
                    c if depth == 1 && expect && (c.is_ascii_alphabetic() || c == b'_') => {
                        let len = ident(&group[i..]);
                        found.push(&group[i..i + len]);
                        expect = false;
                        i += len;
                        continue;
                    }
                    _ => {}
                }
                i += 1;
            }
        } else {
            found.push(&rest[..ident(rest)]);
        }
    }
    found
}

/// Which top-level modules each top-level module of `src` uses.
fn graph(src: &Path) -> Graph {
    let modules = modules(src);
    let mut graph = Graph::new();
    let mut stack = vec![src.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let first = relative.components().next().unwrap();
            let first = first.as_os_str().to_string_lossy();
            let top = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
            if !modules.contains(&top) {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            for used in crate_paths(&text) {
                if used != top && modules.contains(used) {
                    graph
                        .entry(top.clone())
                        .or_default()
                        .insert(used.to_owned());
                }
            }
        }
    }
    graph
}

/// The groups of modules that reach each other (strongly connected, more than one module).
fn cycles(graph: &Graph) -> BTreeSet<BTreeSet<String>> {
    let reaches = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(module) = todo.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reaches(m))).collect();
    reach
        .iter()
        .map(|(module, from_it)| {
            let mut group: BTreeSet<String> = from_it
                .iter()
                .filter(|other| reach.get(other).is_some_and(|r| r.contains(*module)))
                .cloned()
                .collect();
            group.insert((*module).clone());
            group
        })
        .filter(|group| group.len() > 1)
        .collect()
}

#[test]
fn paths_inside_use_groups_are_found() {
    let text = "use crate::{\n    auth::{self, Branding},\n    text::one_line,\n};\nlet x = crate::wire::field(v);";
    assert_eq!(crate_paths(text), ["auth", "text", "wire"]);
}

#[test]
fn cycles_are_found() {
    let graph: Graph = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .into_iter()
        .fold(Graph::new(), |mut g, (from, to)| {
            g.entry(from.into()).or_default().insert(to.into());
            g
        });
    let found = cycles(&graph);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found.first().unwrap().iter().collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
}

#[test]
fn no_import_cycle_between_the_hosts_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    let found = cycles(&graph);
    let describe = |group: &BTreeSet<String>| {
        group
            .iter()
            .map(|m| {
                let uses: Vec<_> = graph[m].intersection(group).cloned().collect();
                format!("{m} -> {}", uses.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let problems: Vec<String> = found
        .iter()
        .map(|group| {
            format!(
                "import cycle between the host's modules: {}. Move what they share into a module below them.",
                describe(group)
            )
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
