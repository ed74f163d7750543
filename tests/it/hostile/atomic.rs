//! Atomic for writers and readers: start-ups racing re-installs see the old plugin or the new one,
//! never neither; installs under `umask 002` and `000` leave files later start-ups accept.

use std::{
    fs,
    path::PathBuf,
    process::Command,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    thread,
};

use crate::support::{host_binary, ok, ok_json, plugin_path, Sandbox};

#[test]
fn start_ups_during_re_installs_see_the_old_plugin_or_the_new_one() {
    let sandbox = Sandbox::new();
    // Two builds of the same plugin and version (the second with trailing bytes: another sha256).
    let a = plugin_path("myorg");
    let mut bytes = fs::read(&a).unwrap();
    bytes.extend_from_slice(b"another build");
    let b = sandbox.write("work/b/libmyorg.so", bytes);
    ok(
        &mut sandbox.host(),
        ["plugin", "install", a.to_str().unwrap()],
    );

    let stop = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, runs, failures) =
                (Arc::clone(&stop), Arc::clone(&runs), Arc::clone(&failures));
            let mut command = sandbox.std_host();
            command.args(["plugin", "show", "-o", "json"]);
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let out = command.output().unwrap();
                    runs.fetch_add(1, Ordering::Relaxed);
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    // (myorg's hooks print a note on stderr; anything about the library is a failure.)
                    let alarm = ["error", "warning", "missing", "modified", "tamper"]
                        .iter()
                        .any(|w| stderr.to_lowercase().contains(w));
                    if !out.status.success() || alarm || !stdout.contains("\"myorg\"") {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}\n{stdout}\n{stderr}", out.status));
                    }
                }
            })
        })
        .collect();
    for round in 0..6 {
        let library: &PathBuf = if round % 2 == 0 { &b } else { &a };
        ok(
            &mut sandbox.host(),
            ["plugin", "install", library.to_str().unwrap()],
        );
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        runs.load(Ordering::Relaxed) >= 10,
        "too few start-ups raced the installs"
    );
    assert!(
        failures.is_empty(),
        "{} of {} start-ups failed during re-installs, e.g.:\n{}",
        failures.len(),
        runs.load(Ordering::Relaxed),
        failures[0]
    );
    // One install remains, and it is intact.
    ok(&mut sandbox.host(), ["plugin", "verify"]);
    let versions: Vec<_> = fs::read_dir(sandbox.default_drop_in().join("myorg"))
        .unwrap()
        .collect();
    assert_eq!(versions.len(), 1, "{versions:?}");
    // ...at the usual path.
    assert!(sandbox
        .default_drop_in()
        .join("myorg/1.0.0/libmyorg.so")
        .is_file());
}

#[cfg(unix)]
#[test]
fn installs_under_a_permissive_umask_stay_usable() {
    use std::os::unix::fs::PermissionsExt as _;
    for umask in ["002", "000"] {
        let sandbox = Sandbox::new();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" plugin install \"$1\""
            ))
            .arg(host_binary())
            .arg(plugin_path("myorg"))
            .env_clear()
            .env("HOME", sandbox.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(sandbox.cwd())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "umask {umask}: install failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = sandbox.default_drop_in();
        let mode = |p: PathBuf| fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.join("plugins.lock")), 0o644, "umask {umask}");
        let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
        assert_eq!(shown["name"], "myorg", "umask {umask}: {shown}");
        let library = PathBuf::from(shown["path"].as_str().unwrap());
        assert_eq!(mode(library.clone()), 0o644, "umask {umask}");
        assert_eq!(
            mode(library.parent().unwrap().to_owned()),
            0o755,
            "umask {umask}"
        );
    }
}

/// Runs `flyte-host args…` under `umask`, with the sandbox's HOME; panics unless it succeeds.
#[cfg(unix)]
fn under_umask(sandbox: &Sandbox, umask: &str, args: &[&str]) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(host_binary())
        .args(args)
        .env_clear()
        .env("HOME", sandbox.home())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(sandbox.cwd())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "umask {umask}: {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn directories_created_before_the_first_install_stay_private_under_a_permissive_umask() {
    use std::os::unix::fs::PermissionsExt as _;
    let myorg = plugin_path("myorg");
    let myorg = myorg.to_str().unwrap();
    // `plugin use` and `config init` create ~/.flyte (and the plugin directory) before any install.
    let first: [&[&str]; 2] = [
        &["plugin", "use", "builtin"],
        &["config", "init", "--host", "flyte.example.com"],
    ];
    for umask in ["002", "000"] {
        for command in first {
            let sandbox = Sandbox::new();
            under_umask(&sandbox, umask, command);
            under_umask(&sandbox, umask, &["plugin", "install", myorg]);
            under_umask(&sandbox, umask, &["plugin", "use", "myorg"]);
            let mode = |p: PathBuf| fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            for dir in [sandbox.home().join(".flyte"), sandbox.default_drop_in()] {
                assert_eq!(
                    mode(dir.clone()),
                    0o755,
                    "umask {umask}, {command:?}: {dir:?}"
                );
            }
            let shown = ok_json(&mut sandbox.host(), ["plugin", "show", "-o", "json"]);
            assert_eq!(
                shown["name"], "myorg",
                "umask {umask}, {command:?}: {shown}"
            );
        }
    }
}
