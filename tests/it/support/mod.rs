//! The harness the end-to-end tests share: builds flyte-host and every plugin library once per test
//! process, and runs the binary in a sandbox with its own empty HOME and working directory and no
//! inherited environment, so nothing of the developer's machine (`~/.flyte`, `FLYTE_*`) leaks in.

pub(crate) mod flytekit;
pub(crate) mod loopback;
pub(crate) mod net;
pub(crate) mod oidc;
pub(crate) mod pty;
pub(crate) mod real_admin;
pub(crate) mod server;
pub(crate) mod snapshot;

use std::{
    collections::HashMap,
    ffi::OsStr,
    fs,
    path::{Path, PathBuf},
    process::{Command as StdCommand, Output, Stdio},
    sync::OnceLock,
};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// Every plugin package the tests load (package names, as `cargo build -p` takes them).
pub(crate) const PLUGINS: &[&str] = &[
    "myorg",
    "staging",
    "misbehaving",
    "not-a-plugin",
    "wrong-abi",
    "bad-layout",
    "many-commands",
    "clitour",
    "needs-newer-host",
    "failing-cache",
    "token-auth",
    "layer-mirror",
    "layer-header",
    "layer-command",
];

/// The plugins that load and whose every hook answers.
pub(crate) const GOOD_PLUGINS: &[&str] = &["myorg", "staging", "clitour", "misbehaving"];

/// The six hooks of flytekit's plugin protocol, in the order the host reports them.
pub(crate) const HOOKS: [&str; 6] = [
    "get_remote",
    "configure_pyflyte_cli",
    "secret_requires_group",
    "get_default_image",
    "get_auth_success_html",
    "get_default_cache_policies",
];

/// What the one build produced.
struct Built {
    host: PathBuf,
    libraries: HashMap<String, PathBuf>,
}

/// Task resources over the platform limits of the test admins (1 CPU, 1Gi), with FlyteAdmin's
/// words for each: the real-admin tests check they are admin's, the stand-in tests that the
/// stand-in answers the same.
pub(crate) const OVER_PLATFORM_LIMITS: [(&str, &str); 3] = [
    (
        r#"{ memory = "2Gi" }"#,
        "Requested MEMORY default [2Gi] is greater than current limit set in the platform configuration [1Gi]",
    ),
    (
        r#"{ cpu = ["2", "1"] }"#,
        "Requested CPU default [2] is greater than the limit [1]",
    ),
    (
        r#"{ gpu = ["1", "2"] }"#,
        "For extended resource 'gpu' the default value must equal the limit value",
    ),
];

/// A library's identity as the host names its layout-check record by it (the record's name is
/// `<host>_<this>`): device, inode, size, modification and change time.
#[cfg(unix)]
pub(crate) fn layout_record_identity(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt as _;
    let m = fs::metadata(path).unwrap();
    format!(
        "{}-{}-{}-{}.{}-{}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    )
}

/// Says, past the test harness's output capture (so every run shows it, passing or not), that
/// the test did not run and why: a test that cannot run is never silent.
pub(crate) fn not_run(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n*** NOT RUN: {why} ***\n");
}

/// The workspace root (this package's parent).
pub(crate) fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The cargo running the tests (`$CARGO`), else `cargo` from PATH.
pub(crate) fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `$CARGO_TARGET_DIR`, or `<workspace>/target`.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// The library file name cargo gives package `package`'s cdylib (`libmyorg.so`, `not_a_plugin.dll`).
fn library_file_name(package: &str) -> String {
    format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        package.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds the host and every plugin the tests load (debug profile, the workspace target directory).
fn build() -> Result<Built, String> {
    cargo_build(
        "flyte-host and the plugins",
        &workspace_root(),
        &target_dir(),
        &[],
        PLUGINS,
    )
}

/// Runs `cargo build --locked` in `workspace` of flyte-host (when it is that workspace's, with
/// `features`) and `plugins` into `target`, and records where cargo put the binary and the
/// libraries (its messages say so, whatever the target directory; the conventional paths are the
/// fallback). `Err` is cargo's report of a failed build.
fn cargo_build(
    what: &str,
    workspace: &Path,
    target: &Path,
    features: &[String],
    plugins: &[&str],
) -> Result<Built, String> {
    let mut command = StdCommand::new(cargo());
    command
        .current_dir(workspace)
        .args([
            "build",
            "--locked",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--target-dir")
        .arg(target);
    if workspace == workspace_root() {
        command.args(["-p", "flyte-host"]);
    }
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    for plugin in plugins {
        command.args(["-p", plugin]);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo to build {what}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building {what} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let debug = target.join("debug");
    let mut built = Built {
        host: debug.join(format!("flyte-host{}", std::env::consts::EXE_SUFFIX)),
        libraries: plugins
            .iter()
            .map(|p| (p.replace('-', "_"), debug.join(library_file_name(p))))
            .collect(),
    };
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let target = &message["target"];
        let kinds = target["kind"].as_array().cloned().unwrap_or_default();
        let name = target["name"].as_str().unwrap_or_default();
        if name == "flyte-host" && kinds.iter().any(|k| k == "bin") {
            if let Some(exe) = message["executable"].as_str() {
                built.host = PathBuf::from(exe);
            }
        } else if kinds.iter().any(|k| k == "cdylib") && built.libraries.contains_key(name) {
            let library = message["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .find(|f| f.ends_with(std::env::consts::DLL_SUFFIX));
            if let Some(library) = library {
                built
                    .libraries
                    .insert(name.to_owned(), PathBuf::from(library));
            }
        }
    }
    Ok(built)
}

/// The one build of this test process; every test fails with cargo's report if it failed.
fn built() -> &'static Built {
    static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(built) => built,
        Err(report) => panic!("{report}"),
    }
}

/// The flyte-host binary.
pub(crate) fn host_binary() -> &'static Path {
    &built().host
}

/// The built library of plugin package `package` (e.g. `plugin_path("not-a-plugin")`).
pub(crate) fn plugin_path(package: &str) -> PathBuf {
    let built = built();
    let path = built
        .libraries
        .get(&package.replace('-', "_"))
        .unwrap_or_else(|| panic!("no plugin package named {package}"));
    assert!(
        path.is_file(),
        "plugin library {} was not built",
        path.display()
    );
    path.clone()
}

/// The file name of plugin package `package`'s library.
pub(crate) fn plugin_file_name(package: &str) -> String {
    library_file_name(package)
}

/// A private HOME and working directory for one test.
pub(crate) struct Sandbox {
    root: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    /// A fresh sandbox: `<tmp>/home` (empty) and `<tmp>/work` (the working directory).
    pub(crate) fn new() -> Sandbox {
        let root = tempfile::Builder::new()
            .prefix("flyte-host-e2e-")
            .tempdir()
            .expect("create a temp dir");
        fs::create_dir(root.path().join("home")).expect("create the sandbox HOME");
        fs::create_dir(root.path().join("work")).expect("create the sandbox working directory");
        Sandbox { root }
    }

    /// The sandbox's HOME.
    pub(crate) fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// The working directory the host runs in.
    pub(crate) fn cwd(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// The sandbox's root (holds `home` and `work`): for files that are in neither.
    pub(crate) fn root(&self) -> &Path {
        self.root.path()
    }

    /// Writes `contents` to `path` (relative paths are under the sandbox root), creating parent
    /// directories; returns the absolute path.
    pub(crate) fn write(&self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.path().join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, contents).expect("write a sandbox file");
        path
    }

    /// Copies plugin `package`'s library into `dir` (relative paths are under the sandbox root)
    /// as `file_name` (its usual name when `None`); returns the copy's path.
    pub(crate) fn install_plugin(
        &self,
        package: &str,
        dir: impl AsRef<Path>,
        file_name: Option<&str>,
    ) -> PathBuf {
        let dir = self.root.path().join(dir);
        fs::create_dir_all(&dir).expect("create the plugin directory");
        let name = file_name.map_or_else(|| plugin_file_name(package), str::to_owned);
        let target = dir.join(name);
        fs::copy(plugin_path(package), &target).expect("copy the plugin library");
        target
    }

    /// Writes a flytectl `config.yaml` (in the sandbox root) pointing at admin `endpoint`
    /// (`host:port`) without TLS, with the `extra` admin keys (indented lines); returns its path.
    pub(crate) fn admin_config(&self, endpoint: &str, extra: &str) -> String {
        let yaml = format!("admin:\n  endpoint: dns:///{endpoint}\n  insecure: true\n{extra}");
        let path = self.write("config.yaml", yaml);
        path.to_str().expect("a UTF-8 temp path").to_owned()
    }

    /// The machine-wide directory of trusted signing keys the host sees
    /// (`FLYTE_HOST_SYSTEM_KEYS_DIR`; it does not exist until a test creates it).
    pub(crate) fn system_keys(&self) -> PathBuf {
        self.root.path().join("system-trusted-keys")
    }

    /// The drop-in directory the host reads by default, `~/.flyte/plugins`.
    pub(crate) fn default_drop_in(&self) -> PathBuf {
        self.home().join(".flyte").join("plugins")
    }

    /// flyte-host with a clean environment: only PATH and the sandbox's HOME are set (and the
    /// machine-wide directory of trusted signing keys is one in the sandbox, empty unless a test
    /// fills it: a key an administrator trusts on this machine must not change the tests), and it
    /// runs in the sandbox's working directory.
    pub(crate) fn host(&self) -> Command {
        Command::from_std(self.std_host())
    }

    /// [`Sandbox::host`] as a `std::process::Command`, for tests that need to spawn the process.
    pub(crate) fn std_host(&self) -> StdCommand {
        let mut command = StdCommand::new(host_binary());
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("FLYTE_HOST_SYSTEM_KEYS_DIR", self.system_keys())
            .current_dir(self.cwd());
        command
    }

    /// flyte-host with `FLYTEKIT_PLUGIN` set to plugin `package`'s built library.
    pub(crate) fn host_with(&self, package: &str) -> Command {
        let mut command = self.host();
        command.env("FLYTEKIT_PLUGIN", plugin_path(package));
        command
    }
}

/// A finished run's output as text.
pub(crate) struct Run {
    /// The exit code (`None` when a signal killed the process).
    pub(crate) code: Option<i32>,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Everything the user saw.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Stdout parsed as one JSON document.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `command` with `args` and returns what happened, whatever the exit status.
pub(crate) fn run<I, S>(command: &mut Command, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = command.args(args).output().expect("run flyte-host");
    Run::from_output(output)
}

/// Runs `command` with `args`, asserts it exits 0, and returns what it printed.
pub(crate) fn ok<I, S>(command: &mut Command, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let run = run(command, args);
    assert_eq!(run.code, Some(0), "expected success:\n{run}");
    assert_no_rust_trace(&run);
    run
}

/// Runs `command` with `args`, asserts it succeeds, and parses its stdout as JSON.
pub(crate) fn ok_json<I, S>(command: &mut Command, args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    ok(command, args).json()
}

/// Asserts nothing of Rust's panic machinery reached the user.
pub(crate) fn assert_no_rust_trace(run: &Run) {
    for marker in [
        "thread '",
        "RUST_BACKTRACE",
        "stack backtrace",
        "hit an internal error",
    ] {
        assert!(
            !run.stderr.contains(marker),
            "Rust panic output ({marker:?}) reached the user:\n{run}"
        );
    }
}

/// Runs `command` with `args` and asserts the host failed the way users should see failures: a
/// normal exit (no signal) with a non-zero code, no panic trace, and stderr that is one paragraph
/// starting with `error:`. Returns the run; its stderr is the paragraph.
pub(crate) fn fails<I, S>(command: &mut Command, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let run = run(command, args);
    assert_error_paragraph(&run);
    run
}

/// The checks of [`fails`] on a finished run.
pub(crate) fn assert_error_paragraph(run: &Run) {
    assert!(
        run.code.is_some(),
        "flyte-host was killed by a signal:\n{run}"
    );
    assert_ne!(run.code, Some(0), "expected a failure:\n{run}");
    assert_no_rust_trace(run);
    let stderr = run.stderr.trim_end();
    assert!(
        stderr.starts_with("error: "),
        "stderr must start with `error: `:\n{run}"
    );
    assert!(
        !stderr.contains("\n\n"),
        "the error must be one paragraph:\n{run}"
    );
    assert_eq!(
        stderr.matches("error:").count(),
        1,
        "exactly one error must be reported:\n{run}"
    );
}

/// Runs `command` with `args` and asserts clap rejected the command line: exit status 2 and a
/// usage error on stderr containing each of `needles`.
pub(crate) fn usage_error<I, S>(command: &mut Command, args: I, needles: &[&str]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let run = run(command, args);
    assert_eq!(run.code, Some(2), "expected a usage error (exit 2):\n{run}");
    assert_no_rust_trace(&run);
    assert!(run.stderr.starts_with("error: "), "{run}");
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{run}"
        );
    }
    run
}

/// The target triple this host was built for (the manifests' platform key), as `plugin manifest`
/// writes it.
pub(crate) fn host_target() -> String {
    static TARGET: OnceLock<String> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let library = plugin_path("myorg");
            let manifest = ok(
                &mut Sandbox::new().host(),
                [
                    "plugin".as_ref(),
                    "manifest".as_ref(),
                    library.as_os_str(),
                    "--url".as_ref(),
                    "x.so".as_ref(),
                ],
            );
            manifest
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("target = \""))
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or_else(|| panic!("the manifest names no target:\n{manifest}"))
                .to_owned()
        })
        .clone()
}

/// The names in directory `dir`, sorted (none when it does not exist).
pub(crate) fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("read a directory entry").file_name())
                .map(|name| name.to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The names of `value`'s keys (panics unless it is an object), sorted.
pub(crate) fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("expected a JSON object, got {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// `names` as sorted owned strings, to compare with [`keys`].
pub(crate) fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

/// The version `flyte-host --version` reports.
pub(crate) fn host_version() -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            let run = ok(&mut Sandbox::new().host(), ["--version"]);
            run.stdout
                .trim()
                .strip_prefix("flyte-host ")
                .unwrap_or_else(|| panic!("unexpected --version output:\n{run}"))
                .to_owned()
        })
        .clone()
}

/// The plugin packages the compatibility tests build against plugin ABI 1.2 (their `next`
/// feature), alongside the 1.2 host.
pub(crate) const NEXT_PLUGINS: &[&str] = &["compat-next", "compat-needs-next"];

/// The target directory of the compatibility tests' own builds (the ABI 1.2 rehearsal and the
/// frozen ABI 1.0 plugin): apart from the normal build's, so the rehearsal's features never reach
/// its artifacts, and shared by both, so their common dependencies compile once.
fn compat_target_dir() -> PathBuf {
    target_dir().join("compat")
}

/// The compatibility tests' second build: flyte-host with its `abi-next` feature (a host with
/// plugin ABI 1.2, flyte-plugin-abi's `next` rehearsal) and [`NEXT_PLUGINS`] built against 1.2;
/// `Err` is cargo's report of a failed build.
fn build_next() -> Result<Built, String> {
    let mut features = vec!["flyte-host/abi-next".to_owned()];
    features.extend(NEXT_PLUGINS.iter().map(|p| format!("{p}/next")));
    cargo_build(
        "the plugin ABI 1.2 host and plugins",
        &workspace_root(),
        &compat_target_dir(),
        &features,
        NEXT_PLUGINS,
    )
}

/// The plugin package of the frozen plugin ABI 1.0 workspace (`tests/fixtures/abi-1.0`: a verbatim
/// copy of flyte-plugin-abi 1.0.0 and a plugin built against it).
pub(crate) const FROZEN_1_0_PLUGIN: &str = "abi-1-0";

/// The frozen plugin ABI 1.0 plugin, built from its own workspace (see [`FROZEN_1_0_PLUGIN`]).
pub(crate) fn frozen_1_0_plugin_path() -> PathBuf {
    static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        cargo_build(
            "the plugin built against the frozen plugin ABI 1.0",
            &workspace_root().join("tests/fixtures/abi-1.0"),
            &compat_target_dir(),
            &[],
            &[FROZEN_1_0_PLUGIN],
        )
    });
    let built = built.as_ref().unwrap_or_else(|report| panic!("{report}"));
    let path = &built.libraries[&FROZEN_1_0_PLUGIN.replace('-', "_")];
    assert!(
        path.is_file(),
        "plugin library {} was not built",
        path.display()
    );
    path.clone()
}

/// The one plugin ABI 1.2 build of this test process (see [`build_next`]).
fn built_next() -> &'static Built {
    static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();
    match BUILT.get_or_init(build_next) {
        Ok(built) => built,
        Err(report) => panic!("{report}"),
    }
}

/// The flyte-host binary with plugin ABI 1.2.
pub(crate) fn next_host_binary() -> &'static Path {
    &built_next().host
}

/// The library of [`NEXT_PLUGINS`] package `package`, built against plugin ABI 1.2.
pub(crate) fn next_plugin_path(package: &str) -> PathBuf {
    let path = built_next()
        .libraries
        .get(&package.replace('-', "_"))
        .unwrap_or_else(|| panic!("no plugin ABI 1.2 plugin package named {package}"));
    assert!(
        path.is_file(),
        "plugin library {} was not built",
        path.display()
    );
    path.clone()
}

impl Sandbox {
    /// [`Sandbox::host`] for the flyte-host binary with plugin ABI 1.2.
    pub(crate) fn next_host(&self) -> Command {
        let mut command = StdCommand::new(next_host_binary());
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .current_dir(self.cwd());
        Command::from_std(command)
    }
}
