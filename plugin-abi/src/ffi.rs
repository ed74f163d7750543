//! The plain data that crosses the host/plugin boundary: FFI plumbing, not part of the API a
//! plugin author writes against (hidden from the docs; also reachable as `types`, its 1.0 path).
//!
//! Every type here is `#[repr(C)]` and `#[derive(StableAbi)]`, so abi_stable checks its layout when a
//! plugin is loaded. These types are frozen for the whole 1.x line: new data travels through new,
//! appended hooks (see the crate documentation), never through new fields here.
//!
//! Plugin authors never need these: the author-facing types in [`crate::config`],
//! [`crate::cli`] and [`crate::cache`] convert to and from them.

use abi_stable::{
    std_types::{ROption, RResult, RString, RVec},
    StableAbi,
};

use crate::auth::AuthenticatorBox;
use crate::cache::CachePolicyBox;
use crate::cli::CommandHandlerBox;

/// A version of the plugin ABI (the `flyte-plugin-abi` crate version a side was built against).
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AbiVersion {
    /// Incompatible changes bump this (never within 1.x).
    pub major: u16,
    /// Appended hooks or host services bump this.
    pub minor: u16,
    /// Fixes that change nothing at the boundary.
    pub patch: u16,
}

impl AbiVersion {
    /// The ABI version this copy of `flyte-plugin-abi` implements.
    #[cfg(not(feature = "next"))]
    pub const CURRENT: AbiVersion = AbiVersion {
        major: parse_u16(env!("CARGO_PKG_VERSION_MAJOR")),
        minor: parse_u16(env!("CARGO_PKG_VERSION_MINOR")),
        patch: parse_u16(env!("CARGO_PKG_VERSION_PATCH")),
    };

    /// The ABI version this copy of `flyte-plugin-abi` implements: with the `next` feature, the
    /// rehearsed next minor (the package's minor + 1, patch 0: 1.2.0 for the 1.1 package).
    #[cfg(feature = "next")]
    pub const CURRENT: AbiVersion = AbiVersion {
        major: parse_u16(env!("CARGO_PKG_VERSION_MAJOR")),
        minor: parse_u16(env!("CARGO_PKG_VERSION_MINOR")) + 1,
        patch: 0,
    };

    /// The first ABI version, whose hooks every 1.x host provides.
    pub const V1_0: AbiVersion = AbiVersion {
        major: 1,
        minor: 0,
        patch: 0,
    };

    /// ABI 1.1: the host services `try_default_*` (the default hooks' answers, or the error of a
    /// layer below) appended to [`HostServices`](crate::HostServices).
    pub const V1_1: AbiVersion = AbiVersion {
        major: 1,
        minor: 1,
        patch: 0,
    };
}

impl std::fmt::Display for AbiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

const fn parse_u16(s: &str) -> u16 {
    let bytes = s.as_bytes();
    let mut value: u16 = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u16;
        i += 1;
    }
    value
}

/// What a plugin says about itself during the handshake.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct PluginInfo {
    /// The plugin's name (its Cargo package name unless the author set one).
    pub name: RString,
    /// The plugin's version (its Cargo package version unless the author set one).
    pub version: RString,
    /// The `flyte-plugin-abi` version the plugin was built against.
    pub abi_version: AbiVersion,
    /// The oldest host ABI this plugin works with (it needs a hook or service added in that version).
    pub min_host_abi: AbiVersion,
}

/// A hook's answer: its value or an error message, and whether the plugin kept the default.
#[repr(C)]
#[derive(StableAbi)]
pub struct HookOutput<T> {
    /// The value, or the error (or caught panic) message.
    pub value: RResult<T, RString>,
    /// True when the plugin did not override the hook and the built-in behaviour applies.
    pub used_default: bool,
}

/// A string key and value (headers, cache parameters).
#[repr(C)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: RString,
    /// The value.
    pub value: RString,
}

/// flytekit's `PlatformConfig`: how to reach and authenticate to Flyte admin.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiPlatformConfig {
    /// `host:port` or a URL of Flyte admin.
    pub endpoint: RString,
    /// Plain HTTP instead of TLS.
    pub insecure: bool,
    /// TLS without certificate verification.
    pub insecure_skip_verify: bool,
    /// Extra CA bundle for admin and identity-provider TLS.
    pub ca_cert_file_path: ROption<RString>,
    /// Base URL of the Flyte console.
    pub console_endpoint: ROption<RString>,
    /// External command whose output is the access token.
    pub command: RVec<RString>,
    /// External command whose output goes in `proxy-authorization`.
    pub proxy_command: RVec<RString>,
    /// OAuth client id.
    pub client_id: ROption<RString>,
    /// OAuth client secret (never printed).
    pub client_credentials_secret: ROption<RString>,
    /// OAuth scopes.
    pub scopes: RVec<RString>,
    /// Authentication mode in flytectl spelling (`Pkce`, `ClientSecret`, `ExternalCommand`, `DeviceFlow`).
    pub auth_mode: RString,
    /// OAuth audience.
    pub audience: ROption<RString>,
    /// Retries for idempotent admin calls.
    pub rpc_retries: u32,
    /// HTTP proxy for OAuth calls.
    pub http_proxy_url: ROption<RString>,
}

/// flytekit's `Config` as far as the host uses it: the platform plus where it came from.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiConfig {
    /// The platform settings.
    pub platform: FfiPlatformConfig,
    /// The config file that was read, if any.
    pub config_file: ROption<RString>,
    /// How the settings were found: `config-file`, `env`, `endpoint` or `sandbox`.
    pub origin: RString,
}

/// The arguments of `get_remote(config, project, domain, data_upload_location)`.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiRemoteRequest {
    /// The config file the user named (`--config`), if any.
    pub config: ROption<RString>,
    /// The project the user selected.
    pub project: RString,
    /// The domain the user selected.
    pub domain: RString,
    /// Where data is uploaded, if set.
    pub data_upload_location: ROption<RString>,
}

impl FfiRemoteRequest {
    /// The config file, if one was named.
    pub fn config_file(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.as_str()).into_option()
    }

    /// The upload location, if set.
    pub fn upload_location(&self) -> Option<&str> {
        self.data_upload_location
            .as_ref()
            .map(|d| d.as_str())
            .into_option()
    }
}

/// The remote description `get_remote` returns: everything the host needs to build its admin client.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiRemote {
    /// Platform settings and their origin.
    pub config: FfiConfig,
    /// Default project for remote commands.
    pub project: RString,
    /// Default domain for remote commands.
    pub domain: RString,
    /// Where data is uploaded, if set.
    pub data_upload_location: ROption<RString>,
    /// Headers sent on every admin request (e.g. an organization header).
    pub headers: RVec<KeyValue>,
    /// The plugin's own token source, replacing the host's login flows (flytekit's custom
    /// `AuthType` / `AuthClient`).
    pub authenticator: ROption<AuthenticatorBox>,
}

/// What kind of command-line argument an [`FfiArg`] is.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiArgKind {
    /// `--name VALUE`.
    Option,
    /// `--name` with no value.
    Flag,
    /// A positional value.
    Positional,
}

/// The type the host validates an argument's value against.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiValueType {
    /// Any text.
    String,
    /// A signed 64-bit integer.
    Int,
    /// A 64-bit float.
    Float,
    /// `true` or `false`.
    Bool,
    /// A filesystem path.
    Path,
}

/// One argument of a plugin command.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiArg {
    /// Long name (`--name`) or, for positionals, the value name.
    pub name: RString,
    /// Option, flag or positional.
    pub kind: FfiArgKind,
    /// The value type the host checks.
    pub value_type: FfiValueType,
    /// Short flag (`-x`), or 0 for none.
    pub short: u32,
    /// Help text.
    pub help: RString,
    /// Default value, if any.
    pub default: ROption<RString>,
    /// Whether the argument must be given.
    pub required: bool,
    /// Whether the argument may be repeated.
    pub multiple: bool,
    /// Allowed values (empty: any).
    pub choices: RVec<RString>,
    /// Environment variable the value may come from.
    pub env: ROption<RString>,
}

/// A command (or group, when it has no handler) a plugin adds to the CLI.
#[repr(C)]
#[derive(StableAbi)]
pub struct FfiCommand {
    /// Path of the parent group (empty: top level).
    pub parent: RVec<RString>,
    /// The command's name.
    pub name: RString,
    /// One-line help.
    pub about: RString,
    /// Other names for the command.
    pub aliases: RVec<RString>,
    /// Hidden from `--help`.
    pub hidden: bool,
    /// Replace a built-in command of the same name (otherwise the built-in wins).
    pub replace_builtin: bool,
    /// The arguments.
    pub args: RVec<FfiArg>,
    /// What runs the command; `None` for a group.
    pub handler: ROption<CommandHandlerBox>,
}

/// A change to an existing command or option.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiEditKind {
    /// Hide the command at `path` from `--help`.
    Hide,
    /// Give the command at `path` another name, `value`.
    Alias,
    /// Change the default of option `option` of the command at `path` (empty path: global) to `value`.
    SetDefault,
}

/// One edit of the CLI, see [`FfiEditKind`].
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiEdit {
    /// What to change.
    pub kind: FfiEditKind,
    /// The command the edit applies to.
    pub path: RVec<RString>,
    /// The option name, for `SetDefault`.
    pub option: RString,
    /// The alias or the new default.
    pub value: RString,
}

/// A built-in command as the plugin sees it in `configure_pyflyte_cli`.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiCommandInfo {
    /// Its path, e.g. `["config", "show"]`.
    pub path: RVec<RString>,
    /// Its long option names.
    pub options: RVec<RString>,
    /// Whether it is a group of subcommands.
    pub is_group: bool,
}

/// The built-in CLI handed to `configure_pyflyte_cli` (flytekit's `main` group).
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiCliView {
    /// Every built-in command and group.
    pub commands: RVec<FfiCommandInfo>,
    /// The global options.
    pub global_options: RVec<RString>,
}

/// What `configure_pyflyte_cli` returns: commands to add and edits to make.
#[repr(C)]
#[derive(StableAbi)]
pub struct FfiCliChanges {
    /// New commands and groups, parents before children.
    pub commands: RVec<FfiCommand>,
    /// Edits of existing commands and options.
    pub edits: RVec<FfiEdit>,
}

/// A parsed argument handed to a plugin command.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiArgValue {
    /// The argument's name.
    pub name: RString,
    /// Its values (flags: `"true"` or `"false"`), empty when absent.
    pub values: RVec<RString>,
}

/// Everything a plugin command gets when it runs.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiInvocation {
    /// The command's path, e.g. `["my-org-status"]`.
    pub path: RVec<RString>,
    /// Its parsed arguments.
    pub args: RVec<FfiArgValue>,
    /// The output format the user chose: `table`, `json` or `yaml` (hosts before `-o yaml` say
    /// `table` or `json` only; treat a value you do not know as `json`).
    pub output: RString,
    /// Whether `--verbose` was given.
    pub verbose: bool,
    /// The global `--project`.
    pub project: RString,
    /// The global `--domain`.
    pub domain: RString,
    /// The global `--config`, if given.
    pub config: ROption<RString>,
}

/// Which stream a plugin prints to through the host.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output (from a hook, the host sends it to stderr when the user asked for JSON).
    Stdout,
    /// Standard error.
    Stderr,
}

/// The parameters a cache policy computes a version from.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiCacheParams {
    /// Named parameters (`task_name`, `image`, `command`, `args`, `interface`, `spec`, …).
    pub entries: RVec<KeyValue>,
}

/// A list of cache policies.
pub type FfiCachePolicies = RVec<CachePolicyBox>;
