//! The end-to-end tests: the built flyte-host binary with real plugin libraries, one module per
//! area, all in one test binary (one link step; the host and plugins are built once per run).

mod support;

mod admin_changes;
mod auth;
mod bounded_input;
mod cli_extension;
mod compat;
mod config_resolution;
mod crash;
mod errors;
mod first_contact;
mod first_plugin;
mod flytekit_reference;
mod get;
mod hooks;
mod hostile;
mod identity;
mod install;
mod layers;
mod loading;
mod login;
mod output;
mod plugin_use;
mod readme;
mod real_admin;
mod register_files;
mod remote_tasks;
mod selection;
mod signatures;
mod tasks;
