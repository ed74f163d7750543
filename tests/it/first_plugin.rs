//! A plugin author's first hour with nothing but a `flyte-host` binary and a Rust toolchain: a copy
//! of the release binary outside this workspace, a fresh HOME and directory, `plugin new` →
//! `cargo build --release` (real cargo, abi_stable from crates.io) → the scaffold's own `cargo test`
//! (the plugin test harness) → `plugin check` → `plugin install` → one of the scaffold's example
//! commands runs. Slow (a release build of
//! abi_stable from scratch), so this one test does the whole chain.

use std::{
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use crate::support::{cargo, target_dir};

/// The workspace root, as the generated crate must never mention it.
fn workspace_root() -> PathBuf {
    fs::canonicalize(crate::support::workspace_root()).expect("the workspace root")
}

fn text(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Builds the release binary of flyte-host (the workspace's target directory).
fn release_host() -> PathBuf {
    let target = target_dir();
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "flyte-host",
            "--target-dir",
        ])
        .arg(&target)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "building the release host: {}",
        text(&output)
    );
    target
        .join("release")
        .join(format!("flyte-host{}", std::env::consts::EXE_SUFFIX))
}

/// The toolchain's own locations, which the fresh HOME would otherwise hide from cargo and rustup.
fn toolchain_env() -> Vec<(&'static str, OsString)> {
    let real_home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut vars = vec![
        (
            "CARGO_HOME",
            std::env::var_os("CARGO_HOME").unwrap_or_else(|| real_home.join(".cargo").into()),
        ),
        (
            "RUSTUP_HOME",
            std::env::var_os("RUSTUP_HOME").unwrap_or_else(|| real_home.join(".rustup").into()),
        ),
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
    ];
    if let Some(toolchain) = std::env::var_os("RUSTUP_TOOLCHAIN") {
        vars.push(("RUSTUP_TOOLCHAIN", toolchain));
    }
    vars
}

/// Runs `program args` in `cwd` with only the toolchain's variables, HOME and `extra` set.
fn run(program: &Path, args: &[&str], cwd: &Path, home: &Path, extra: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(program);
    command.env_clear().envs(toolchain_env()).env("HOME", home);
    for (key, value) in extra {
        command.env(key, value);
    }
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

fn ok(program: &Path, args: &[&str], cwd: &Path, home: &Path, extra: &[(&str, &Path)]) -> String {
    let output = run(program, args, cwd, home, extra);
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        program.display(),
        text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Uncomments the scaffold's `configure_pyflyte_cli` example (its imports are there already)
/// and the assertions on it in the scaffold's test.
fn uncomment_command_example(lib_rs: &str) -> String {
    let mut inside = false;
    let mut in_test = false;
    let mut out = String::new();
    for line in lib_rs.lines() {
        let trimmed = line.trim_start();
        let uncomment = if trimmed.starts_with("// fn configure_pyflyte_cli") {
            inside = true;
            true
        } else if inside {
            inside = trimmed != "// }";
            true
        } else if trimmed.starts_with("// With the `configure_pyflyte_cli` example uncommented") {
            in_test = true;
            false
        } else if in_test {
            in_test = trimmed.starts_with("// ");
            in_test
        } else {
            false
        };
        if uncomment {
            out.push_str(&line.replacen("// ", "", 1));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Every file under `dir` (recursively) whose contents mention `needle`.
fn files_mentioning(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_mentioning(&path, needle));
        } else if String::from_utf8_lossy(&fs::read(&path).unwrap()).contains(needle) {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_plugin_builds_installs_and_runs_with_only_the_binary_and_a_toolchain() {
    let root = tempfile::Builder::new()
        .prefix("flyte-host-first-plugin-")
        .tempdir()
        .unwrap();
    let (bin, home, work) = (
        root.path().join("bin"),
        root.path().join("home"),
        root.path().join("work"),
    );
    for dir in [&bin, &home, &work] {
        fs::create_dir(dir).unwrap();
    }
    let host = bin.join(format!("flyte-host{}", std::env::consts::EXE_SUFFIX));
    fs::copy(release_host(), &host).unwrap();
    let no_env: &[(&str, &Path)] = &[];

    ok(&host, &["plugin", "new", "acme"], &work, &home, no_env);
    let crate_dir = work.join("acme");
    let checkout = workspace_root().display().to_string();
    assert_eq!(
        files_mentioning(&crate_dir, &checkout),
        Vec::<PathBuf>::new(),
        "the crate points into the checkout"
    );
    let manifest = fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    let sdk = home.join(".flyte/sdk");
    assert!(manifest.contains(&sdk.display().to_string()), "{manifest}");
    let lib_rs = crate_dir.join("src/lib.rs");
    fs::write(
        &lib_rs,
        uncomment_command_example(&fs::read_to_string(&lib_rs).unwrap()),
    )
    .unwrap();

    let target = root.path().join("target");
    let cargo = PathBuf::from(cargo());
    let built = run(
        &cargo,
        &["build", "--release"],
        &crate_dir,
        &home,
        &[("CARGO_TARGET_DIR", &target)],
    );
    assert!(built.status.success(), "cargo build: {}", text(&built));
    // The example uncommented builds cleanly: no warning about its imports or anything else.
    let warnings = String::from_utf8_lossy(&built.stderr);
    assert!(
        !warnings.contains("warning"),
        "cargo build warns about the scaffold: {}",
        text(&built)
    );
    // The scaffold's own test, through the plugin test harness, with the command's assertions.
    let tests = ok(
        &cargo,
        &["test"],
        &crate_dir,
        &home,
        &[("CARGO_TARGET_DIR", &target)],
    );
    assert!(
        tests.contains("test tests::keeps_the_builtin_behaviour ... ok")
            && tests.contains("test result: ok. 1 passed"),
        "{tests}"
    );
    let library = target.join("release").join(format!(
        "{}acme{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert_eq!(
        files_mentioning(&crate_dir, &checkout),
        Vec::<PathBuf>::new(),
        "after the build"
    );

    let library = library.to_str().unwrap();
    let check = ok(&host, &["plugin", "check", library], &work, &home, no_env);
    assert!(check.contains("acme 0.1.0"), "{check}");
    ok(&host, &["plugin", "install", library], &work, &home, no_env);
    let hello = ok(&host, &["acme-hello", "--who", "you"], &work, &home, no_env);
    assert_eq!(hello, "hello you\n");
}

#[test]
fn the_abi_source_follows_the_flags_then_flyte_plugin_abi_path() {
    let root = tempfile::tempdir().unwrap();
    let (home, work, abi) = (
        root.path().join("home"),
        root.path().join("work"),
        root.path().join("abi"),
    );
    for dir in [&home, &work, &abi] {
        fs::create_dir(dir).unwrap();
    }
    let host = release_host();
    let dependency = |name: &str| {
        let manifest = fs::read_to_string(work.join(name).join("Cargo.toml")).unwrap();
        let manifest: toml::Table = manifest.parse().unwrap();
        manifest["dependencies"]["flyte-plugin-abi"].to_string()
    };
    let abi_dir = fs::canonicalize(&abi).unwrap();
    let env: &[(&str, &Path)] = &[("FLYTE_PLUGIN_ABI_PATH", &abi)];

    ok(&host, &["plugin", "new", "from-env"], &work, &home, env);
    assert!(
        dependency("from-env").contains(&format!("path = {:?}", abi_dir.display().to_string())),
        "{}",
        dependency("from-env")
    );
    // A flag on the command line wins over the exported variable, without a conflict.
    ok(
        &host,
        &["plugin", "new", "registry", "--abi-registry"],
        &work,
        &home,
        env,
    );
    assert_eq!(dependency("registry"), "\"1\"");

    let missing = root.path().join("missing");
    let failed = run(
        &host,
        &["plugin", "new", "nowhere"],
        &work,
        &home,
        &[("FLYTE_PLUGIN_ABI_PATH", &missing)],
    );
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("FLYTE_PLUGIN_ABI_PATH"),
        "the variable is named: {}",
        text(&failed)
    );
    let both = run(
        &host,
        &["plugin", "new", "both", "--abi-registry", "--abi-path", "x"],
        &work,
        &home,
        &[],
    );
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
}
