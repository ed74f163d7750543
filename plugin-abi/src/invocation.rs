//! What a plugin command receives when it runs: its parsed arguments, the global options, and the
//! way back to the host (printing, the resolved remote).

use crate::{config::Remote, ffi::FfiInvocation, host, plugin::PluginError};

/// What a plugin command receives: its parsed arguments and the global options.
#[derive(Debug, Clone)]
pub struct Invocation {
    path: Vec<String>,
    args: Vec<(String, Vec<String>)>,
    output: String,
    verbose: bool,
    project: String,
    domain: String,
    config: Option<String>,
}

impl From<&FfiInvocation> for Invocation {
    fn from(inv: &FfiInvocation) -> Self {
        Invocation {
            path: inv.path.iter().map(|p| p.to_string()).collect(),
            args: inv
                .args
                .iter()
                .map(|a| {
                    (
                        a.name.to_string(),
                        a.values.iter().map(|v| v.to_string()).collect(),
                    )
                })
                .collect(),
            output: inv.output.to_string(),
            verbose: inv.verbose,
            project: inv.project.to_string(),
            domain: inv.domain.to_string(),
            config: inv.config.as_ref().map(|c| c.to_string()).into_option(),
        }
    }
}

impl Invocation {
    /// The command's path, e.g. `["acme", "deploy"]`.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// All values of an argument (empty when absent).
    pub fn values(&self, name: &str) -> &[String] {
        self.args
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The (first) value of an argument.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values(name).first().map(String::as_str)
    }

    /// Whether a flag was given.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == Some("true")
    }

    /// An integer argument (the host has already checked it parses).
    pub fn get_int(&self, name: &str) -> Result<Option<i64>, PluginError> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| PluginError::new(format!("--{name}: '{v}' is not an integer")))
            })
            .transpose()
    }

    /// A numeric argument (the host has already checked it parses).
    pub fn get_float(&self, name: &str) -> Result<Option<f64>, PluginError> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| PluginError::new(format!("--{name}: '{v}' is not a number")))
            })
            .transpose()
    }

    /// The output format the user chose: `table`, `json` or `yaml` (hosts before `-o yaml` say
    /// `table` or `json` only; treat a value you do not know as `json`).
    pub fn output(&self) -> &str {
        &self.output
    }

    /// Whether the user asked for JSON output.
    pub fn is_json(&self) -> bool {
        self.output == "json"
    }

    /// Whether `--verbose` was given.
    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// The global `--project`.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The global `--domain`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The global `--config`, if given.
    pub fn config(&self) -> Option<&str> {
        self.config.as_deref()
    }

    /// The remote this command should use (the active plugin's `get_remote`).
    pub fn remote(&self) -> Result<Remote, PluginError> {
        host::resolved_remote()
    }

    /// Prints a line to the host's stdout.
    pub fn println(&self, text: &str) {
        host::println(text);
    }

    /// Prints a line to the host's stderr.
    pub fn eprintln(&self, text: &str) {
        host::eprintln(text);
    }
}
