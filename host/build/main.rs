//! Build-time facts the host carries: the target triple it is built for (the platform key of
//! plugin manifests) and the exact `flyte-plugin-abi` source of its plugin ABI (the SDK that
//! `plugin new` writes out, so a plugin builds without this repository).

mod sdk;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=FLYTE_HOST_TARGET={target}");
    println!("cargo:rerun-if-changed=build");
    if let Err(e) = sdk::embed() {
        panic!("embedding the flyte-plugin-abi source: {e}");
    }
}
