//! Exports the target triple the host is built for, the platform key of plugin manifests.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=FLYTE_HOST_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
