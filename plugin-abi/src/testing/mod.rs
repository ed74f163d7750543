//! A fake host for a plugin's own `cargo test` (the `testing` feature): [`PluginTest`] calls the
//! plugin's hooks and commands the way flyte-host does, without the flyte-host binary.
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! flyte-plugin-abi = { version = "1", features = ["testing"] }
//! ```
//!
//! What the harness provides, and where it differs from flyte-host:
//! - **The calls**: every hook and command goes through the plugin's exported root module, as
//!   the host calls it, so errors and caught panics come back as the host would report them
//!   (``plugin 'acme' 0.1.0 panicked in hook `get_remote` at src/lib.rs:12: …``).
//! - **The host services** ([`crate::host`], [`Config`](crate::Config)): `Config::auto`,
//!   `for_endpoint` and `for_sandbox` and the built-in hooks behind `host::default_*` follow the
//!   host's rules (the config search order, `FLYTE_*` overrides, and for the default `get_remote`
//!   config file → `FLYTE_PLATFORM_URL` → sandbox) on the test's own variables
//!   ([`PluginTest::env`]), home ([`PluginTest::home`]) and current directory
//!   ([`PluginTest::cwd`]) — never the test process's, so tests run in parallel. Config files are
//!   read in their plain form (`key: value`, `[a, b]` lists, INI `key = value`); YAML anchors,
//!   multi-line strings and INI interpolation are reported as unsupported, where flyte-host reads
//!   them. Unknown keys are not warned about.
//! - **Output**: what the plugin prints through the host is captured: from a hook on stderr (as
//!   the host does, so a script's stdout stays clean), from a command on the stream it chose.
//!   Printing from a thread the plugin started itself is not captured.
//! - **The CLI**: `configure_pyflyte_cli` sees this version's built-in commands and global
//!   options; [`CliChanges`] shows what it added and changed. [`PluginTest::run`] parses a
//!   command line against the declared arguments (types, choices, defaults, `env`, required)
//!   and runs the handler; flyte-host's own usage messages (clap's) are worded differently.
//! - **Admin**: [`host::admin_get`](crate::host::admin_get) / `admin_post` get the answers the
//!   test gave with [`PluginTest::admin_reply`]; nothing goes over the network.
//! - **Not checked here** (only `flyte-host plugin check` does): the host's validation of the
//!   remote `get_remote` returns and of the declared commands (a required positional after an
//!   optional one, a default that does not match its type), hook time limits, and the redaction
//!   and control-character escaping the host applies to printed text. The built-in commands are
//!   a list kept with this crate; flyte-host's own list is the reference.
//!
//! ```
//! use flyte_plugin_abi::{export_plugin, host, testing::PluginTest, Config, FlytekitPlugin, PluginError, Remote};
//!
//! #[derive(Default)]
//! struct Acme;
//! impl FlytekitPlugin for Acme {
//!     fn get_remote(&self, config: Option<&str>, project: &str, domain: &str,
//!                   upload: Option<&str>) -> Result<Remote, PluginError> {
//!         if config.is_some() {
//!             return host::default_get_remote(config, project, domain, upload);
//!         }
//!         host::println("using Acme's cluster");
//!         Ok(Remote::new(Config::for_endpoint("https://flyte.acme.com")?, project, domain, upload))
//!     }
//! }
//! export_plugin!(Acme);
//!
//! let test = PluginTest::<Acme>::new();
//! let remote = test.get_remote(None, "p", "d", None).unwrap();
//! assert_eq!(remote.config.platform.endpoint, "https://flyte.acme.com");
//! assert_eq!(test.stderr(), "using Acme's cluster\n");
//! ```

mod cli;
mod config;
mod services;
#[cfg(test)]
mod tests;

use std::{cell::RefCell, collections::HashMap, marker::PhantomData, path::PathBuf, rc::Rc};

use abi_stable::std_types::{RResult, RStr, RString};

pub use cli::{CliChanges, DeclaredCommand};

use crate::{
    cache::{CachePolicy, ImportedPolicy},
    config::Remote,
    export::PluginInstance,
    ffi::{AbiVersion, PluginInfo},
    module::PluginModRef,
    plugin::PluginError,
};
use services::State;

/// A fake flyte-host for one plugin `P` (a type exported with
/// [`export_plugin!`](crate::export_plugin)): its hooks, its commands, captured output.
///
/// Each test makes its own; the settings (`env`, `home`, `project`, …) apply to the calls made
/// after them. A `PluginTest` stays on the thread that made it.
pub struct PluginTest<P: PluginInstance> {
    module: PluginModRef,
    info: PluginInfo,
    state: Rc<RefCell<State>>,
    plugin: PhantomData<fn() -> P>,
}

/// What a plugin command did: its exit status and what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The exit status the handler returned (0 for `()`).
    pub status: i32,
    /// What it printed to stdout.
    pub stdout: String,
    /// What it printed to stderr.
    pub stderr: String,
}

/// An error of plugin `label` (`'acme' 0.1.0`) in the host's words: ``plugin 'acme' 0.1.0
/// failed in hook `get_remote`: …`` or ``… panicked in hook `get_remote` at src/lib.rs:9:5: …``
/// (the host adds the library's path after the version, and "This is a bug in the plugin…" after
/// a panic).
pub(super) fn plugin_error(label: &str, kind: &str, name: &str, message: &str) -> String {
    match message.strip_prefix("panicked") {
        Some(panic) => format!(
            "plugin {label} panicked in {kind} `{name}` {}",
            panic.trim_start()
        ),
        None => format!("plugin {label} failed in {kind} `{name}`: {message}"),
    }
}

impl<P: PluginInstance> Default for PluginTest<P> {
    fn default() -> Self {
        PluginTest::new()
    }
}

impl<P: PluginInstance> PluginTest<P> {
    /// Shakes hands with the plugin as a host does: no variables, no home (so no config file is
    /// found unless the test names one), the process's current directory, project
    /// `flytesnacks`, domain `development`, table output.
    pub fn new() -> PluginTest<P> {
        crate::export::UNDER_TEST.store(true, std::sync::atomic::Ordering::Relaxed);
        let module = crate::export::root_module::<P>();
        let state = Rc::new(RefCell::new(State {
            env: config::Env {
                vars: HashMap::new(),
                home: None,
                cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            },
            config: None,
            project: "flytesnacks".to_owned(),
            domain: "development".to_owned(),
            json: false,
            verbose: false,
            stdout: String::new(),
            stderr: String::new(),
            in_command: false,
            get_remote: module.get_remote(),
            resolved: None,
            resolving: false,
            admin: HashMap::new(),
            admin_calls: Vec::new(),
            plugin: String::new(),
        }));
        let info = services::with_state(&state, || module.handshake()(services::table()));
        state.borrow_mut().plugin = format!("'{}' {}", info.name, info.version);
        PluginTest {
            module,
            info,
            state,
            plugin: PhantomData,
        }
    }

    /// Sets an environment variable the host services see (`FLYTE_PLATFORM_URL`,
    /// `FLYTECTL_CONFIG`, a client secret's variable, an argument's `env`).
    pub fn env(self, name: &str, value: &str) -> Self {
        self.state
            .borrow_mut()
            .env
            .vars
            .insert(name.to_owned(), value.to_owned());
        self
    }

    /// The home directory the config search looks in (`~/.flyte/config.yaml`) and `~` expands to.
    pub fn home(self, dir: impl Into<PathBuf>) -> Self {
        self.state.borrow_mut().env.home = Some(dir.into());
        self
    }

    /// The directory relative paths resolve against (`./flytekit.config`, `--config c.yaml`).
    pub fn cwd(self, dir: impl Into<PathBuf>) -> Self {
        self.state.borrow_mut().env.cwd = dir.into();
        self
    }

    /// The global `--config` a command and the resolved remote see.
    pub fn config(self, file: &str) -> Self {
        self.state.borrow_mut().config = Some(file.to_owned());
        self
    }

    /// The global `--project`.
    pub fn project(self, project: &str) -> Self {
        self.state.borrow_mut().project = project.to_owned();
        self
    }

    /// The global `--domain`.
    pub fn domain(self, domain: &str) -> Self {
        self.state.borrow_mut().domain = domain.to_owned();
        self
    }

    /// The global `--output json` (commands see [`Invocation::is_json`](crate::Invocation::is_json)).
    pub fn json(self) -> Self {
        self.state.borrow_mut().json = true;
        self
    }

    /// The global `--verbose`.
    pub fn verbose(self) -> Self {
        self.state.borrow_mut().verbose = true;
        self
    }

    /// Admin's answer to `method` (`GET` or `POST`) `path` for `host::admin_get` / `admin_post`:
    /// `Ok(json_text)` or `Err(the host's one-line error)`.
    pub fn admin_reply(self, method: &str, path: &str, reply: Result<&str, &str>) -> Self {
        self.state.borrow_mut().admin.insert(
            (method.to_owned(), path.to_owned()),
            reply.map(str::to_owned).map_err(str::to_owned),
        );
        self
    }

    /// The admin requests the plugin made: method, path and POST body.
    pub fn admin_requests(&self) -> Vec<(String, String, Option<String>)> {
        self.state.borrow().admin_calls.clone()
    }

    /// The plugin's name as it told the host.
    pub fn name(&self) -> String {
        self.info.name.to_string()
    }

    /// The plugin's version as it told the host.
    pub fn version(&self) -> String {
        self.info.version.to_string()
    }

    /// The oldest host ABI the plugin says it works with.
    pub fn min_host_abi(&self) -> AbiVersion {
        self.info.min_host_abi
    }

    /// Everything captured on stdout so far (only commands print there).
    pub fn stdout(&self) -> String {
        self.state.borrow().stdout.clone()
    }

    /// Everything captured on stderr so far (including what hooks printed).
    pub fn stderr(&self) -> String {
        self.state.borrow().stderr.clone()
    }

    fn call<T>(&self, f: impl FnOnce() -> T) -> T {
        services::with_state(&self.state, f)
    }

    fn error(&self, kind: &str, name: &str, message: &str) -> String {
        let label = format!("'{}' {}", self.info.name, self.info.version);
        plugin_error(&label, kind, name, message)
    }

    fn hook_result<T>(&self, value: RResult<T, RString>, hook: &str) -> Result<T, PluginError> {
        value
            .into_result()
            .map_err(|e| PluginError::new(self.error("hook", hook, &e)))
    }

    /// Calls `get_remote(config, project, domain, data_upload_location)`, as the host does for a
    /// plugin's `get_remote` (a named config file that does not exist is the user's error).
    pub fn get_remote(
        &self,
        config: Option<&str>,
        project: &str,
        domain: &str,
        data_upload_location: Option<&str>,
    ) -> Result<Remote, PluginError> {
        if let Some(file) = config {
            let env = self.state.borrow().env.clone();
            config::find_config_file(Some(file), &env).map_err(PluginError::new)?;
        }
        let request = crate::ffi::FfiRemoteRequest {
            config: config.map(RString::from).into(),
            project: project.into(),
            domain: domain.into(),
            data_upload_location: data_upload_location.map(RString::from).into(),
        };
        let output = self.call(|| self.module.get_remote()(request));
        self.hook_result(output.value, "get_remote")?.try_into()
    }

    /// The remote the running command would use: `get_remote` for the test's global options
    /// (see [`config`](Self::config), [`project`](Self::project)), computed once.
    pub fn resolved_remote(&self) -> Result<Remote, PluginError> {
        services::resolve(&self.state)
            .map_err(PluginError::new)?
            .try_into()
    }

    /// Calls `configure_pyflyte_cli` on this version's built-in CLI.
    pub fn configure_pyflyte_cli(&self) -> Result<CliChanges, PluginError> {
        let view = cli::builtin_view();
        let output = self.call(|| self.module.configure_pyflyte_cli()(&view));
        Ok(CliChanges::new(
            self.hook_result(output.value, "configure_pyflyte_cli")?,
        ))
    }

    /// Calls `secret_requires_group()`.
    pub fn secret_requires_group(&self) -> Result<bool, PluginError> {
        self.hook_result(
            self.call(|| self.module.secret_requires_group()()).value,
            "secret_requires_group",
        )
    }

    /// Calls `get_default_image()`.
    pub fn get_default_image(&self) -> Result<Option<String>, PluginError> {
        self.hook_result(
            self.call(|| self.module.get_default_image()()).value,
            "get_default_image",
        )
        .map(|image| image.into_option().map(String::from))
    }

    /// Calls `get_auth_success_html(endpoint)`.
    pub fn get_auth_success_html(&self, endpoint: &str) -> Result<Option<String>, PluginError> {
        let endpoint = RStr::from_str(endpoint);
        self.hook_result(
            self.call(|| self.module.get_auth_success_html()(endpoint))
                .value,
            "get_auth_success_html",
        )
        .map(|page| page.into_option().map(String::from))
    }

    /// Calls `get_default_cache_policies()`; the policies are called back through the boundary.
    pub fn get_default_cache_policies(&self) -> Result<Vec<Box<dyn CachePolicy>>, PluginError> {
        let policies = self.hook_result(
            self.call(|| self.module.get_default_cache_policies()())
                .value,
            "get_default_cache_policies",
        )?;
        Ok(policies
            .into_iter()
            .map(|p| Box::new(ImportedPolicy::new(p)) as Box<dyn CachePolicy>)
            .collect())
    }

    /// Runs the plugin command at `path` (e.g. `"acme deploy"`, aliases allowed) with command-line
    /// `args`, after `configure_pyflyte_cli` declared it: the arguments are checked against its
    /// declaration as the host checks them, then its handler runs.
    ///
    /// # Errors
    ///
    /// No such command (or a group), an argument the declaration rejects, or the handler's error
    /// or panic, in the words the host would print.
    pub fn run(&self, path: &str, args: &[&str]) -> Result<Run, PluginError> {
        let changes = self.configure_pyflyte_cli()?;
        let env = self.state.borrow().env.clone();
        let invocation = {
            let s = self.state.borrow();
            changes.invocation(path, args, &env.vars, &s)
        }
        .map_err(PluginError::new)?;
        let handler = changes
            .handler(&invocation.path)
            .map_err(PluginError::new)?;
        let (out_before, err_before) = {
            let mut s = self.state.borrow_mut();
            s.in_command = true;
            (s.stdout.len(), s.stderr.len())
        };
        let status = self.call(|| handler.run(&invocation));
        self.state.borrow_mut().in_command = false;
        let status = status
            .into_result()
            .map_err(|e| PluginError::new(self.error("command", path, &e)))?;
        let s = self.state.borrow();
        Ok(Run {
            status,
            stdout: s.stdout[out_before..].to_owned(),
            stderr: s.stderr[err_before..].to_owned(),
        })
    }
}
