//! The plugin contract of flyte-host: everything that crosses between the host and a plugin library.
//!
//! A flyte-host plugin is a `cdylib` that implements [`FlytekitPlugin`] (flytekit's
//! `FlytekitPluginProtocol`, with the built-in `FlytekitPlugin` behaviour as every default) and
//! exports it with [`export_plugin!`]:
//!
//! ```
//! use flyte_plugin_abi::{export_plugin, FlytekitPlugin};
//! #[derive(Default)]
//! struct Acme;
//! impl FlytekitPlugin for Acme {
//!     fn secret_requires_group(&self) -> bool { false }
//!     fn get_default_image(&self) -> Option<String> { Some("acme/base:1.0".into()) }
//!     fn get_auth_success_html(&self, endpoint: &str) -> Option<String> { Some(format!("<h1>Acme {endpoint}</h1>")) }
//! }
//! export_plugin!(Acme);
//! ```
//!
//! The other hooks, and a command, a group and a cache policy:
//!
//! ```
//! use flyte_plugin_abi::{
//!     export_plugin, host, Arg, CacheParams, CachePolicy, Cli, Command, Config, FlytekitPlugin,
//!     PluginError, Remote,
//! };
//!
//! #[derive(Default)]
//! struct Acme;
//!
//! struct SpecHash;
//! impl CachePolicy for SpecHash {
//!     fn name(&self) -> String { "acme-spec".into() }
//!     fn get_version(&self, salt: &str, params: &CacheParams) -> Result<String, PluginError> {
//!         Ok(format!("{salt}{}", params.spec().unwrap_or_default().len()))
//!     }
//! }
//!
//! impl FlytekitPlugin for Acme {
//!     fn get_remote(&self, config: Option<&str>, project: &str, domain: &str,
//!                   data_upload_location: Option<&str>) -> Result<Remote, PluginError> {
//!         let cfg = match config {
//!             None => Config::for_endpoint("https://flyte.acme.com")?,
//!             Some(path) => Config::auto(Some(path))?,
//!         };
//!         Ok(Remote::new(cfg, project, domain, data_upload_location).with_header("x-org", "acme"))
//!     }
//!
//!     fn configure_pyflyte_cli(&self, main: &mut Cli) -> Result<(), PluginError> {
//!         main.command(Command::new("acme").about("Acme tools").subcommand(
//!             Command::new("deploy")
//!                 .about("Deploy a model")
//!                 .arg(Arg::positional("model").required())
//!                 .arg(Arg::option("replicas").short('r').int().default_value("1"))
//!                 .run(|inv| inv.println(&format!("deploying {}", inv.get("model").unwrap_or_default()))),
//!         ));
//!         main.add_to("config", Command::new("env").run(|_| host::println("FLYTE_* variables…")));
//!         main.hide("completion").alias("info", "about").set_default("", "project", "acme");
//!         Ok(())
//!     }
//!
//!     fn get_default_cache_policies(&self) -> Result<Vec<Box<dyn CachePolicy>>, PluginError> {
//!         Ok(vec![Box::new(SpecHash)])
//!     }
//! }
//! export_plugin!(Acme);
//! ```
//!
//! # Testing a plugin
//! The `testing` feature adds [`testing::PluginTest`], a fake host for the plugin's own
//! `cargo test`: it calls the hooks and commands through the exported module as flyte-host does,
//! serves [`host`] and [`Config`] with the host's rules on the test's own variables and files,
//! captures what the plugin prints, and shows what `configure_pyflyte_cli` changed. Enable it for
//! tests only:
//!
//! ```toml
//! [dev-dependencies]
//! flyte-plugin-abi = { version = "1", features = ["testing"] }
//! ```
//!
//! ```
//! use flyte_plugin_abi::{export_plugin, testing::PluginTest, Arg, Cli, Command, FlytekitPlugin, PluginError};
//!
//! #[derive(Default)]
//! struct Acme;
//! impl FlytekitPlugin for Acme {
//!     fn configure_pyflyte_cli(&self, main: &mut Cli) -> Result<(), PluginError> {
//!         main.command(Command::new("acme-hello").arg(Arg::option("who").default_value("world"))
//!             .run(|inv| inv.println(&format!("hello {}", inv.get("who").unwrap_or_default()))));
//!         main.hide("completion");
//!         Ok(())
//!     }
//! }
//! export_plugin!(Acme);
//!
//! // In the plugin's `#[cfg(test)] mod tests`:
//! let test = PluginTest::<Acme>::new().env("FLYTE_PLATFORM_URL", "flyte.acme.com");
//! let cli = test.configure_pyflyte_cli().unwrap();
//! assert_eq!(cli.commands(), ["acme-hello"]);
//! assert_eq!(cli.hidden(), ["completion"]);
//! assert_eq!(test.run("acme-hello", &["--who", "you"]).unwrap().stdout, "hello you\n");
//! // Every hook the plugin keeps is the built-in one: here config from FLYTE_PLATFORM_URL.
//! let remote = test.get_remote(None, "p", "d", None).unwrap();
//! assert_eq!(remote.config.platform.endpoint, "flyte.acme.com");
//! assert_eq!(test.secret_requires_group(), Ok(true));
//! ```
//!
//! The [`testing`] module lists where the harness differs from flyte-host.
//!
//! # What crosses the boundary
//! - [`PluginMod`]: the root module, an abi_stable prefix table holding the handshake and the six
//!   hooks. The host finds it through abi_stable's library header and checks its layout at load.
//! - [`HostServices`]: the host's table handed over at the handshake: printing, flytekit's
//!   `Config.auto / for_endpoint / for_sandbox`, the hooks' defaults (so an override can wrap
//!   the default, see [`host`]), and the remote of the running command. When several plugins are
//!   stacked, a plugin's default is the answer of the plugins below it (the built-in plugin at the
//!   bottom): a plugin written for one-plugin hosts wraps whatever is below it unchanged.
//! - The data in between, all `#[repr(C)]` and `#[derive(StableAbi)]`, in the internal `ffi`
//!   module (hidden from these docs, also reachable under its 1.0 path `types`): the author-facing
//!   types ([`Config`], [`Remote`], [`Cli`], [`Invocation`], …) convert to and from it.
//!
//! Panics never cross: every hook, command handler and cache policy runs inside `catch_unwind` in
//! the plugin, and the host reports the panic as an error naming the plugin and the hook.
//!
//! # Evolution rule (binding for every 1.x release)
//! 1. Hooks and host services are only ever **appended** to [`PluginMod`] / [`HostServices`], after
//!    the 1.0 `last_prefix_field`; no field is removed, reordered or retyped, and no type in
//!    the `ffi` module changes. New data travels through new hooks.
//! 2. A plugin built against 1.0 loads in every later 1.x host: the host accepts a shorter table
//!    after checking that the common prefix has the same layout, and treats hooks the plugin's table
//!    lacks as not overridden (the built-in behaviour applies).
//! 3. A newer plugin loads in an older 1.x host: the host ignores hooks it does not know. A plugin
//!    that overrides a hook or uses a service added in 1.N sets
//!    [`FlytekitPlugin::MIN_HOST_ABI`] to 1.N, and older hosts refuse it with
//!    "plugin 'x' needs flyte-host with plugin ABI ≥ 1.N; this host has 1.M" rather than silently
//!    ignoring the hook.
//! 4. Any incompatible change is 2.0; hosts refuse plugins of another major version with a short
//!    message naming both versions.
//!
//! The abi_stable version is part of the ABI too: this crate stays on abi_stable 0.11 for all of 1.x.
//!
//! # What each minor added
//! - **1.0**: [`PluginMod`] with the handshake and the six hooks; [`HostServices`] up to
//!   `admin_request`.
//! - **1.1** (this crate, [`AbiVersion::V1_1`]): four host services appended to [`HostServices`],
//!   `try_default_secret_requires_group`, `try_default_get_default_image`,
//!   `try_default_get_auth_success_html` and `try_default_get_default_cache_policies`. They carry
//!   the answer of the layers below the calling plugin *or their error*, which the 1.0 services of
//!   those four hooks cannot (they return a bare value), so a plugin stacked on others learns that a
//!   layer below failed (and can, say, extend the cache policies below it rather than replace
//!   them). [`host`]'s `default_*` functions use them when the host has them and fall back to the
//!   1.0 services otherwise, so a plugin built against 1.1 still loads in a 1.0 host (its
//!   [`FlytekitPlugin::MIN_HOST_ABI`] stays 1.0). [`PluginMod`] is unchanged.
//!
//! # The `next` feature
//! A rehearsal of the next ABI minor (1.2) for the compatibility tests; never enabled in releases.
//! It appends one hook, `get_console_url(endpoint)`, to [`PluginMod`] after the 1.0
//! `last_prefix_field` (with a default method on [`FlytekitPlugin`]) and makes
//! [`AbiVersion::CURRENT`] 1.2, exactly as a real 1.2 release would, so the tests can load a 1.1
//! (and the frozen 1.0) plugin in a 1.2 host and a 1.2 plugin in a 1.1 host. Without it (every
//! normal build) the contract is the 1.1 one.
#![warn(missing_docs)]
#![allow(non_local_definitions)] // emitted by abi_stable's #[sabi_trait] on current compilers

#[allow(unsafe_code)] // abi_stable's #[sabi_trait] expands to unsafe glue
pub mod auth;
#[allow(unsafe_code)]
pub mod cache;
#[allow(unsafe_code)]
pub mod cli;
pub mod config;
mod export;
#[doc(hidden)]
pub mod ffi;
pub mod host;
mod invocation;
// abi_stable's accessors for fields after the `last_prefix_field` are unsafe glue: since ABI 1.1
// `HostServices` has such fields in every build (and `PluginMod` too under `next`).
#[allow(unsafe_code)]
mod module;
mod plugin;
#[cfg(feature = "testing")]
pub mod testing;
/// The FFI data under its ABI 1.0 path: the internal `ffi` module, kept so code naming
/// `flyte_plugin_abi::types::…` still builds.
#[doc(hidden)]
pub mod types {
    pub use crate::ffi::*;
}

pub use auth::{Authenticator, PluginAuthenticator};
pub use cache::{CacheParams, CachePolicy};
pub use cli::{Arg, Cli, Command};
pub use config::{AuthMode, Config, ConfigOrigin, PlatformConfig, Remote};
pub use ffi::AbiVersion;
pub use invocation::Invocation;
pub use module::{HostServices, HostServicesRef, PluginMod, PluginModRef};
pub use plugin::{FlytekitPlugin, PluginError};

/// Items used by [`export_plugin!`]; not part of the stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::{root_module, PluginInstance};
    pub use abi_stable::library::{
        __call_root_module_loader as call_root_module_loader, CheckTypeLayout, LibHeader,
        RootModuleResult,
    };
}
