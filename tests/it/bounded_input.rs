//! Every file flyte-host reads from outside is bounded (issue 18, "Fuzzing, in the tree"): a
//! config nested 100,000 levels deep, a device, an endless pipe, an oversized lock or manifest
//! each end the command quickly with one clear paragraph naming the file, never a hang. Every input
//! ever found crashing or slow (by the fuzz targets in `fuzz/` or by hand beside them) is kept
//! here too, run through the binary as a user would meet it.

use crate::support;

use std::{
    io::{Read, Write},
    process::{Child, Stdio},
    thread,
    time::{Duration, Instant},
};

use support::{assert_error_paragraph, fails, ok, Run, Sandbox};

/// How long a refusal may take: generous for a loaded CI machine, far below "reads forever" or
/// the quadratic parse this replaced (~30 s for the nested config).
const QUICK: Duration = Duration::from_secs(5);

/// Waits for `child` at most `limit` (killing it and failing the test past that), collecting
/// what it printed.
fn finish_within(mut child: Child, limit: Duration, what: &str) -> Run {
    let drain = |stream: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut stream) = stream {
                stream
                    .read_to_end(&mut text)
                    .expect("read the host's output");
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for flyte-host") {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().expect("kill flyte-host");
            child.wait().expect("reap flyte-host");
            panic!("`flyte-host {what}` still ran after {limit:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Runs flyte-host with `args` in `sandbox` (stdin empty), failing the test past [`QUICK`].
fn run_quickly(sandbox: &Sandbox, args: &[&str]) -> Run {
    let child = sandbox
        .std_host()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flyte-host");
    finish_within(child, QUICK, &args.join(" "))
}

/// [`run_quickly`], asserting the run failed with one error paragraph.
fn fails_quickly(sandbox: &Sandbox, args: &[&str]) -> Run {
    let run = run_quickly(sandbox, args);
    assert_error_paragraph(&run);
    run
}

#[test]
fn a_config_nested_100000_levels_deep_is_refused_at_once_naming_the_file() {
    let sandbox = Sandbox::new();
    // 200 KB: the example, which took ~30 s of CPU before its error.
    let file = sandbox.write("deep/config.yaml", "[ ".repeat(100_000));
    let path = file.display().to_string();
    for args in [
        vec!["-c", &path, "info"],
        vec!["-c", &path, "config", "show"],
    ] {
        let run = fails_quickly(&sandbox, &args);
        assert!(run.stderr.contains(&path), "{run}");
        assert!(run.stderr.contains("nest more than 64 levels"), "{run}");
        assert!(run.stderr.contains("line 1"), "{run}");
    }
    // Found through ~/.flyte/config.yaml, with the nesting under a key further down.
    let home = sandbox.write(
        "home/.flyte/config.yaml",
        format!("admin:\n  endpoint: {}\n", "{a: ".repeat(50_000)),
    );
    let run = fails_quickly(&sandbox, &["info"]);
    assert!(run.stderr.contains(&home.display().to_string()), "{run}");
    assert!(run.stderr.contains("line 2"), "{run}");
}

#[test]
fn a_config_nested_up_to_the_limit_still_reads() {
    let sandbox = Sandbox::new();
    // 64 levels: the mapping at the top, `storage`, and 62 lists.
    let text = |lists: usize| {
        format!(
            "admin: {{endpoint: \"dns:///x.example.com:443\", scopes: [all]}}\nstorage:\n  x: {}{}\n",
            "[".repeat(lists),
            "]".repeat(lists)
        )
    };
    let file = sandbox.write("config.yaml", text(62));
    let path = file.display().to_string();
    let run = ok(&mut sandbox.host(), ["-c", &path, "config", "show"]);
    assert!(run.stdout.contains("x.example.com:443"), "{run}");
    // One level more is refused, at its line.
    sandbox.write("config.yaml", text(63));
    let run = fails_quickly(&sandbox, &["-c", &path, "config", "show"]);
    assert!(run.stderr.contains("line 3"), "{run}");
}

/// Found while hunting slow inputs beside the fuzz targets (by hand): every unknown key under
/// `admin:` searched the whole file again for its line, so 25,000 of them (290 KB) took 32 s,
/// 50,000 more than a minute.
#[test]
fn many_unknown_config_keys_are_warned_about_in_linear_time() {
    let sandbox = Sandbox::new();
    let keys: String = (0..10_000).map(|i| format!("  k{i}: v\n")).collect();
    let file = sandbox.write(
        "config.yaml",
        format!("admin:\n  endpoint: dns:///x.example.com:443\n{keys}"),
    );
    let path = file.display().to_string();
    let run = run_quickly(&sandbox, &["-c", &path, "config", "show"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("x.example.com:443"), "{run}");
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        warnings.len(),
        10_000,
        "one warning per unknown key:\n{run}"
    );
    assert_eq!(
        warnings[0],
        format!("warning: {path}:3: `admin.k0` is not a setting flyte-host knows and is ignored")
    );
    assert!(
        warnings[9_999].starts_with(&format!("warning: {path}:10002: `admin.k9999` ")),
        "{run}"
    );
}

/// Found while hunting slow inputs beside the fuzz targets (by hand): `%(name)s` references in a
/// legacy INI file, twenty per option eight levels deep, expanded to gigabytes ("billion
/// laughs") and ran for minutes.
#[test]
fn ini_interpolation_that_would_explode_is_refused_at_once() {
    let sandbox = Sandbox::new();
    let mut text = String::from("[platform]\nurl = %(a0)s\n");
    for level in 0..7 {
        text.push_str(&format!(
            "a{level} = {}\n",
            format!("%(a{})s", level + 1).repeat(20)
        ));
    }
    text.push_str("a7 = x\n");
    let file = sandbox.write("work/flytekit.config", text);
    let run = fails_quickly(&sandbox, &["info"]);
    assert!(run.stderr.contains(&file.display().to_string()), "{run}");
    assert!(run.stderr.contains("line 2"), "{run}");
    assert!(run.stderr.contains("`url` in [platform]"), "{run}");
    assert!(
        run.stderr.contains("more than 1000 `%(name)s` references"),
        "{run}"
    );
}

#[test]
fn dev_zero_as_config_or_task_file_is_refused_instead_of_read_forever() {
    let sandbox = Sandbox::new();
    let run = fails_quickly(&sandbox, &["-c", "/dev/zero", "info"]);
    assert!(run.stderr.contains("config file `/dev/zero`"), "{run}");
    assert!(run.stderr.contains("not a regular file"), "{run}");
    let run = fails_quickly(&sandbox, &["task", "show", "/dev/zero"]);
    assert!(run.stderr.contains("task file `/dev/zero`"), "{run}");
    assert!(run.stderr.contains("not a regular file"), "{run}");
}

#[test]
fn an_endless_pipe_is_read_only_up_to_the_limit() {
    let sandbox = Sandbox::new();
    for (args, named, limit) in [
        (
            ["-c", "/dev/stdin", "info"],
            "config file `/dev/stdin`",
            "1 MiB",
        ),
        (
            ["task", "show", "/dev/stdin"],
            "task file `/dev/stdin`",
            "16 MiB",
        ),
    ] {
        let mut child = sandbox
            .std_host()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start flyte-host");
        let mut stdin = child.stdin.take().expect("the host's stdin");
        // `yes`: writes until the host closes its end of the pipe.
        let writer = thread::spawn(move || {
            let line = "y\n".repeat(4096);
            while stdin.write_all(line.as_bytes()).is_ok() {}
        });
        let run = finish_within(child, QUICK, &args.join(" "));
        writer.join().expect("the pipe writer");
        assert_error_paragraph(&run);
        assert!(run.stderr.contains(named), "{run}");
        assert!(
            run.stderr.contains(&format!("larger than {limit}")),
            "{run}"
        );
    }
}

#[test]
fn an_oversized_or_deeply_nested_lock_is_reported_without_stopping_plugin_commands() {
    let sandbox = Sandbox::new();
    let lock = sandbox.default_drop_in().join("plugins.lock");
    let shown = lock.display().to_string();
    for (text, why) in [
        (format!("# {}\n", "x".repeat(5 << 20)), "larger than 4 MiB"),
        (
            format!("[[plugin]]\nname = {}\n", "[".repeat(100_000)),
            "damaged",
        ),
    ] {
        sandbox.write(&lock, &text);
        // `info` needs the active plugin: it stops, naming the lock.
        let run = fails_quickly(&sandbox, &["info"]);
        assert!(run.stderr.contains(&shown), "{run}");
        assert!(run.stderr.contains(why), "{run}");
        // `plugin list` lists what it can and says what is wrong with the lock.
        let run = ok(&mut sandbox.host(), ["plugin", "list"]);
        assert!(run.stdout.contains("builtin"), "{run}");
        assert!(run.all().contains(&shown), "{run}");
        assert!(run.all().contains(why), "{run}");
    }
}

#[test]
fn an_oversized_manifest_is_refused_before_parsing() {
    let sandbox = Sandbox::new();
    let manifest = sandbox.write("myorg.toml", format!("# {}\n", "x".repeat(2 << 20)));
    let path = manifest.display().to_string();
    let run = fails(&mut sandbox.host(), ["plugin", "install", &path]);
    assert!(run.stderr.contains(&path), "{run}");
    assert!(run.stderr.contains("larger than"), "{run}");
    assert!(
        !sandbox.default_drop_in().join("plugins.lock").exists(),
        "nothing was installed"
    );
}

#[test]
fn a_megabyte_value_is_quoted_short_in_its_error() {
    let sandbox = Sandbox::new();
    // An INI `url` continued over 140,000 lines: one endpoint of about a megabyte, with spaces.
    let mut text = String::from("[platform]\nurl = flyte.example.com\n");
    for _ in 0..140_000 {
        text.push_str("  more\n");
    }
    sandbox.write("work/flytekit.config", text);
    let run = fails_quickly(&sandbox, &["info"]);
    assert!(run.stderr.contains("contains whitespace"), "{run}");
    assert!(
        run.stderr.len() < 2_000,
        "{} bytes of error",
        run.stderr.len()
    );
}

#[test]
fn a_manifest_with_thousands_of_platforms_names_a_few() {
    let sandbox = Sandbox::new();
    let mut text = String::from("name = \"x\"\nversion = \"1.0.0\"\nabi = \"1.0\"\n");
    for i in 0..6_000 {
        text.push_str(&format!(
            "[[platform]]\ntarget = \"t{i}-unknown-none\"\nurl = \"https://example.com/{i}.so\"\nsha256 = \"{}\"\n",
            "0".repeat(64)
        ));
    }
    let manifest = sandbox.write("x.toml", text);
    let run = fails(
        &mut sandbox.host(),
        ["plugin", "install", manifest.to_str().unwrap()],
    );
    assert!(run.stderr.contains("no build for this platform"), "{run}");
    assert!(run.stderr.contains("and 5992 more"), "{run}");
    assert!(
        run.stderr.len() < 2_000,
        "{} bytes of error",
        run.stderr.len()
    );
}
