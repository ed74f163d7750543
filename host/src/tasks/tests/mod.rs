//! Unit tests of the task module: parsing and validation, defaults, cache versions and the
//! FlyteAdmin form.

mod parse;
mod resolve;

use std::path::Path;

use super::{parse as parser, TaskSpec};

/// The issue's example task.
pub(super) const EXAMPLE: &str = r#"# the issue's example
[[task]]
name = "etl.clean"                          # required, unique in the file
command = ["python", "-m", "etl.clean"]     # required
args = ["--date", "{{.inputs.date}}"]
inputs = { date = "string", limit = "integer" }
outputs = { rows = "integer" }
image = "ghcr.io/acme/etl:2.0"              # optional
secrets = [{ group = "db", key = "password" }, { key = "api-token", mount = "env" }]
cache = true
retries = 2
timeout = "10m"
resources = { cpu = "1", memory = "2Gi" }
"#;

/// The tasks of `text`, read as file `t.toml`.
pub(super) fn parse(text: &str) -> Vec<TaskSpec> {
    parser::file(Path::new("t.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// The error `text` gives, as the user sees it.
pub(super) fn parse_err(text: &str) -> String {
    match parser::file(Path::new("t.toml"), text) {
        Ok(specs) => panic!("expected an error, got {specs:?}"),
        Err(e) => e.to_string(),
    }
}

/// One task with `name = "t"`, `command = ["run"]` and `extra` lines (from line 4 on).
pub(super) fn task(extra: &str) -> String {
    format!("[[task]]\nname = \"t\"\ncommand = [\"run\"]\n{extra}\n")
}
