//! `package` is all or nothing: a rename failing half-way, SIGINT or SIGTERM leave the output
//! directory as it was and nothing hidden behind; what SIGKILL leaves, the next run sweeps.

use std::{
    fs,
    path::Path,
    process::{Command, Stdio},
    thread,
    time::Duration,
};

use crate::support::{listing, ok, run, Sandbox};

/// A task file of `n` tasks `t0…`.
fn tasks(sandbox: &Sandbox, n: usize) -> String {
    let text: String = (0..n)
        .map(|i| format!("[[task]]\nname = \"t{i}\"\ncommand = [\"run\", \"{i}\"]\n\n"))
        .collect();
    sandbox.write("work/tasks.toml", text);
    "tasks.toml".to_owned()
}

/// Nothing hidden (staging directories, temporary files) is left in `dir` or beside it.
fn assert_nothing_hidden(dir: &Path) {
    for place in [dir, dir.parent().unwrap()] {
        let hidden: Vec<String> = listing(place)
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(hidden.is_empty(), "left in {}: {hidden:?}", place.display());
    }
}

#[test]
fn signals_during_a_large_package_leave_all_or_nothing() {
    let sandbox = Sandbox::new();
    let file = tasks(&sandbox, 10_000);
    for (signal, delay_ms) in [("INT", 300), ("TERM", 700), ("INT", 1200), ("TERM", 5)] {
        let out = sandbox.cwd().join("out");
        let _ = fs::remove_dir_all(&out);
        let child = sandbox
            .std_host()
            .args(["package", &file, "-o", "out", "--version", "v1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        thread::sleep(Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        let files = listing(&out);
        assert!(
            files.is_empty() || files.len() == 10_000,
            "SIG{signal} after {delay_ms} ms left {} of 10000 files ({}; {stderr})",
            files.len(),
            output.status
        );
        assert_eq!(
            files.is_empty(),
            !output.status.success(),
            "{}: {stderr}",
            output.status
        );
        assert_nothing_hidden(&out);
    }
}

#[test]
fn what_sigkill_leaves_behind_the_next_run_removes() {
    let sandbox = Sandbox::new();
    let file = tasks(&sandbox, 10_000);
    fs::create_dir(sandbox.cwd().join("out")).unwrap();
    for delay in [30, 120] {
        let mut child = sandbox
            .std_host()
            .args(["package", &file, "-o", "out", "--version", "v1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // Temporary files of the format earlier versions used, from a process long gone.
    sandbox.write("work/out/.t1.json.4194304.tmp", "{}");
    fs::write(
        sandbox.cwd().join("small.toml"),
        "[[task]]\nname = \"one\"\ncommand = [\"x\"]\n",
    )
    .unwrap();
    ok(
        &mut sandbox.host(),
        ["package", "small.toml", "-o", "out", "--version", "v1"],
    );
    assert_nothing_hidden(&sandbox.cwd().join("out"));
}

#[test]
fn a_rename_failing_half_way_puts_everything_back() {
    let sandbox = Sandbox::new();
    let file = tasks(&sandbox, 1000);
    ok(
        &mut sandbox.host(),
        ["package", &file, "-o", "out", "--version", "v1"],
    );
    let out = sandbox.cwd().join("out");
    let before: Vec<(String, String)> = listing(&out)
        .into_iter()
        .map(|n| {
            let text = fs::read_to_string(out.join(&n)).unwrap();
            (n, text)
        })
        .collect();
    // A file that cannot be replaced: a mount point (rename over it fails with EBUSY).
    let pinned = out.join("t500.json");
    let mounted = Command::new("mount")
        .args(["--bind"])
        .arg(&pinned)
        .arg(&pinned)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        let why = "cannot bind-mount here (not root?): the half-way rename failure is untested";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED: {why}");
        return;
    }
    let result = run(
        &mut sandbox.host(),
        ["package", &file, "-o", "out", "--version", "v2"],
    );
    let _ = Command::new("umount").arg(&pinned).status();
    assert_ne!(result.code, Some(0), "{result}");
    assert!(result.stderr.contains("t500.json"), "{result}");
    assert!(result.stderr.contains("Nothing was written"), "{result}");
    let after: Vec<(String, String)> = listing(&out)
        .into_iter()
        .map(|n| {
            let text = fs::read_to_string(out.join(&n)).unwrap();
            (n, text)
        })
        .collect();
    assert!(after == before, "the output directory changed");
    assert_nothing_hidden(&out);
}
