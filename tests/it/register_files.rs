//! `register files` (issue 17): what flytekit's own `pyflyte package` writes (from the workflow
//! modules in `tests/flytekit/packaged/`), registered through the host against the stand-in
//! FlyteAdmin — the stand-in, because the real FlyteAdmin cannot be built here (issue 13: the Go
//! module proxy refuses its module). The stand-in checks every request body against flyteidl
//! 1.16.8's WorkflowCreateRequest / LaunchPlanCreateRequest / TaskCreateRequest and, as
//! flyteadmin does, refuses a workflow whose tasks are not registered yet and a launch plan
//! whose workflow is not.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command as StdCommand,
};

use serde_json::Value;

use crate::support::{
    assert_error_paragraph, fails, flytekit, ok, ok_json, server::Server as StandIn,
    workspace_root, Sandbox,
};

/// The flytekit virtualenv's `pyflyte`, or `None` when flytekit cannot be had (said loudly; a
/// failure under CI).
fn pyflyte() -> Option<PathBuf> {
    Some(flytekit::python()?.with_file_name("pyflyte"))
}

/// Packages `tests/flytekit/packaged/<module>.py` with `pyflyte package --image <image>` in a
/// fresh directory of the sandbox; returns the archive.
pub(crate) fn package(sandbox: &Sandbox, module: &str, image: &str) -> Option<PathBuf> {
    let pyflyte = pyflyte()?;
    let dir = sandbox.root().join(format!("pkg-{module}"));
    fs::create_dir_all(&dir).expect("create the package directory");
    fs::copy(
        workspace_root().join(format!("tests/flytekit/packaged/{module}.py")),
        dir.join(format!("{module}.py")),
    )
    .expect("copy the workflow module");
    let out = StdCommand::new(pyflyte)
        .args(["--pkgs", module, "package", "--image", image, "--force"])
        .current_dir(&dir)
        .env("HOME", sandbox.home())
        .output()
        .expect("run pyflyte package");
    assert!(
        out.status.success(),
        "pyflyte package failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(dir.join("flyte-package.tgz"))
}

/// A sandbox with `module` packaged by pyflyte (`image` for its tasks), a fresh stand-in admin
/// and a config file pointing at it.
struct Packaged {
    sandbox: Sandbox,
    archive: PathBuf,
    admin: StandIn,
    config: String,
}

/// [`Packaged`], or `None` when flytekit cannot be had (said loudly; a failure under CI).
fn packaged(module: &str, image: &str) -> Option<Packaged> {
    let sandbox = Sandbox::new();
    let archive = package(&sandbox, module, image)?;
    let admin = StandIn::standin(&[]);
    let config = sandbox.admin_config(&admin.endpoint(), "");
    Some(Packaged {
        sandbox,
        archive,
        admin,
        config,
    })
}

/// The archive's members extracted into `dir` with the system's tar.
fn extract(archive: &Path, dir: &Path) {
    fs::create_dir_all(dir).expect("create the directory");
    let status = StdCommand::new("tar")
        .arg("xzf")
        .arg(archive)
        .arg("-C")
        .arg(dir)
        .status()
        .expect("run tar");
    assert!(status.success());
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// The bodies `admin` received for `POST path`.
fn posted(admin: &StandIn, path: &str) -> Vec<Value> {
    admin
        .received("POST", path)
        .into_iter()
        .map(|r| r["body"].clone())
        .collect()
}

/// `(kind, name)` of each progress line of `register files`.
fn progress(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| {
            let rest = l
                .strip_prefix("already registered ")
                .or_else(|| l.strip_prefix("registered "))
                .or_else(|| l.strip_prefix("would register "))
                .unwrap_or(l);
            let (kind, rest) = if let Some(r) = rest.strip_prefix("launch plan ") {
                ("launch plan", r)
            } else {
                rest.split_once(' ').unwrap_or((rest, ""))
            };
            let name = rest.split_whitespace().next().unwrap_or("");
            (kind.to_owned(), name.to_owned())
        })
        .collect()
}

#[test]
fn a_pyflyte_package_archive_registers_in_dependency_order_and_its_launch_plan_runs() {
    let Some(Packaged {
        sandbox,
        archive,
        admin,
        config,
    }) = packaged("shop", "ghcr.io/acme/shop:1")
    else {
        return;
    };
    let c = &config;
    let args = [
        "-c",
        c,
        "-p",
        "flytesnacks",
        "-d",
        "staging",
        "register",
        "files",
        path(&archive),
        "--version",
        "v1",
    ];
    let first = ok(&mut sandbox.host(), args);
    let order = progress(&first.stdout);
    let position = |kind: &str, name: &str| {
        order
            .iter()
            .position(|(k, n)| k == kind && n == name)
            .unwrap_or_else(|| panic!("{kind} {name} not registered:\n{first}"))
    };
    assert_eq!(
        order.len(),
        8,
        "3 tasks, 2 workflows, 3 launch plans:\n{first}"
    );
    for task in ["shop.price", "shop.tax", "shop.receipt"] {
        assert!(
            position("task", task) < position("workflow", "shop.checkout"),
            "{first}"
        );
    }
    assert!(position("task", "shop.tax") < position("workflow", "shop.with_tax"));
    assert!(position("workflow", "shop.with_tax") < position("workflow", "shop.checkout"));
    assert!(position("workflow", "shop.checkout") < position("launch plan", "shop.weekly"));
    assert!(
        first
            .stdout
            .starts_with("registered task shop.price version v1 (0_shop.price_1.pb in "),
        "{first}"
    );

    // Identifiers and the references inside the workflow got the project, domain and version.
    let workflows = posted(&admin, "/api/v1/workflows");
    let checkout = workflows
        .iter()
        .find(|w| w["id"]["name"] == "shop.checkout")
        .expect("shop.checkout was posted");
    for id in [&checkout["id"], &checkout["spec"]["template"]["id"]] {
        assert_eq!(id["project"], "flytesnacks");
        assert_eq!(id["domain"], "staging");
        assert_eq!(id["version"], "v1");
    }
    let nodes = checkout["spec"]["template"]["nodes"]
        .as_array()
        .expect("nodes");
    let receipt = nodes
        .iter()
        .map(|n| &n["task_node"]["reference_id"])
        .find(|r| r["name"] == "shop.receipt")
        .expect("a node runs shop.receipt");
    assert_eq!(
        (&receipt["project"], &receipt["domain"], &receipt["version"]),
        (&"flytesnacks".into(), &"staging".into(), &"v1".into())
    );
    let launch_plans = posted(&admin, "/api/v1/launch_plans");
    let weekly = launch_plans
        .iter()
        .find(|l| l["id"]["name"] == "shop.weekly")
        .expect("shop.weekly was posted");
    assert_eq!(weekly["spec"]["workflow_id"]["version"], "v1");
    assert_eq!(weekly["spec"]["workflow_id"]["project"], "flytesnacks");

    // Again: every entity is already there, identical.
    let again = ok(&mut sandbox.host(), args);
    assert_eq!(
        again.stdout.matches("already registered ").count(),
        8,
        "{again}"
    );

    // What was registered runs: the launch plan with its default and one given input.
    let run = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-p",
            "flytesnacks",
            "-d",
            "staging",
            "run",
            "shop.weekly",
            "--input",
            "item=pear",
            "--wait",
        ],
    );
    assert!(run.stdout.contains("SUCCEEDED"), "{run}");
    let execution = &posted(&admin, "/api/v1/executions")[0];
    assert_eq!(execution["spec"]["launch_plan"]["name"], "shop.weekly");
    assert_eq!(execution["spec"]["launch_plan"]["version"], "v1");
}

#[test]
fn directories_and_single_files_register_too_and_a_dry_run_sends_nothing() {
    let sandbox = Sandbox::new();
    let Some(archive) = package(&sandbox, "shop", "ghcr.io/acme/shop:1") else {
        return;
    };
    let dir = sandbox.root().join("unpacked");
    extract(&archive, &dir);
    let admin = StandIn::standin(&[]);
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let dry = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "register",
            "files",
            path(&dir),
            "--dry-run",
        ],
    );
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["project"], "flytesnacks");
    let entities = dry["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 8, "{dry:#}");
    assert!(entities.iter().all(|e| e["status"] == "would register"));
    assert_eq!(entities[0]["kind"], "task");
    // No --version and pyflyte leaves it empty: a hash of the files, the same every time.
    let version = dry["version"].as_str().expect("a version").to_owned();
    assert_eq!(version.len(), 16, "{dry:#}");
    let from_archive = ok_json(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "-o",
            "json",
            "register",
            "files",
            path(&archive),
            "--dry-run",
        ],
    );
    assert_eq!(from_archive["version"], version.as_str());
    assert!(
        admin.requests().iter().all(|r| r["method"] != "POST"),
        "a dry run posted something"
    );

    // One task file on its own.
    let task = dir.join("0_shop.price_1.pb");
    let one = ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "register",
            "files",
            path(&task),
            "--version",
            "solo",
        ],
    );
    assert_eq!(
        one.stdout.trim(),
        format!(
            "registered task shop.price version solo ({})",
            task.display()
        )
    );
    // The whole directory, in dependency order, under the files' hash.
    let all = ok(
        &mut sandbox.host(),
        ["-c", c, "register", "files", path(&dir)],
    );
    assert_eq!(
        all.stdout.matches(&format!("version {version} ")).count(),
        8,
        "{all}"
    );
}

#[test]
fn a_changed_spec_under_a_registered_version_is_refused_naming_the_entity() {
    let Some(Packaged {
        sandbox,
        archive: first,
        admin: _admin,
        config,
    }) = packaged("shop", "ghcr.io/acme/shop:1")
    else {
        return;
    };
    let c = &config;
    ok(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "register",
            "files",
            path(&first),
            "--version",
            "v1",
        ],
    );
    // The same module packaged with another image: every task differs.
    let other = Sandbox::new();
    let second = package(&other, "shop", "ghcr.io/acme/shop:2").expect("packaged once already");
    let run = fails(
        &mut sandbox.host(),
        [
            "-c",
            c,
            "register",
            "files",
            path(&second),
            "--version",
            "v1",
        ],
    );
    assert_error_paragraph(&run);
    assert!(
        run.stderr
            .contains("task 'shop.price' version 'v1' is already registered with a different spec"),
        "{run}"
    );
}

#[test]
fn a_secret_without_a_group_is_refused_while_the_plugin_stack_requires_groups() {
    let Some(Packaged {
        sandbox,
        archive,
        admin,
        config,
    }) = packaged("vault", "ghcr.io/acme/vault:1")
    else {
        return;
    };
    let c = &config;
    let args = [
        "-c",
        c,
        "register",
        "files",
        path(&archive),
        "--version",
        "v1",
    ];
    // The built-in plugin: secret_requires_group() is true, as in flytekit.
    let refused = fails(&mut sandbox.host(), args);
    assert_error_paragraph(&refused);
    assert!(
        refused.stderr.contains("a secret without a group, and the plugin stack requires one (secret_requires_group() is true, from host default): task 'vault.fetch' (0_vault.fetch_1.pb in "),
        "{refused}"
    );
    assert!(refused.stderr.contains("secret 'token'"), "{refused}");
    assert!(
        posted(&admin, "/api/v1/tasks").is_empty(),
        "nothing may be sent"
    );
    // myorg's secret_requires_group() is false.
    let registered = ok(&mut sandbox.host_with("myorg"), args);
    assert!(
        registered
            .stdout
            .contains("registered task vault.fetch version v1"),
        "{registered}"
    );
}

#[test]
fn a_task_without_an_image_gets_the_plugin_stacks_default_image_unless_no_defaults() {
    let sandbox = Sandbox::new();
    let Some(archive) = package(&sandbox, "shop", "ghcr.io/acme/shop:1") else {
        return;
    };
    let dir = sandbox.root().join("no-image");
    extract(&archive, &dir);
    let python = flytekit::python().expect("flytekit is there: pyflyte ran");
    let status = StdCommand::new(python)
        .arg(workspace_root().join("tests/flytekit/packaged/clear_image.py"))
        .arg(dir.join("1_shop.tax_1.pb"))
        .status()
        .expect("run clear_image.py");
    assert!(status.success());
    let admin = StandIn::standin(&[]);
    let c = &sandbox.admin_config(&admin.endpoint(), "");

    let run = ok(
        &mut sandbox.host_with("myorg"),
        ["-c", c, "register", "files", path(&dir), "--version", "v1"],
    );
    assert!(
        run.stdout.contains("registered task shop.tax version v1 (")
            && run.stdout.contains("\n  template.container.image = myorg/flytekit-base:1.2.3 (plugin:myorg:get_default_image)\n"),
        "{run}"
    );
    let tasks = posted(&admin, "/api/v1/tasks");
    let image = |name: &str| {
        tasks
            .iter()
            .find(|t| t["id"]["name"] == name)
            .map(|t| t["spec"]["template"]["container"]["image"].clone())
    };
    assert_eq!(image("shop.tax").unwrap(), "myorg/flytekit-base:1.2.3");
    assert_eq!(
        image("shop.price").unwrap(),
        "ghcr.io/acme/shop:1",
        "a set image stays"
    );

    // --no-defaults sends the task as the files say; admin refuses a container without an image.
    let exact = fails(
        &mut sandbox.host_with("myorg"),
        [
            "-c",
            c,
            "register",
            "files",
            path(&dir),
            "--version",
            "v2",
            "--no-defaults",
        ],
    );
    assert!(
        exact
            .stderr
            .contains("refused to register task 'shop.tax' version 'v2'"),
        "{exact}"
    );
    assert!(exact.stderr.contains("missing image"), "{exact}");
}

#[test]
fn what_is_not_a_pyflyte_package_is_a_clear_error_naming_the_file() {
    let sandbox = Sandbox::new();
    let garbage = sandbox.write("0_x.y_1.pb", [0xffu8, 0xff, 0xff, 0xff, 0x0f]);
    let not_gzip = sandbox.write("flyte-package.tgz", "not gzip at all");
    let misnamed = sandbox.write("tasks.json", "{}");
    let empty = sandbox.root().join("empty");
    fs::create_dir_all(&empty).expect("mkdir");
    let cases: [(&Path, &str); 5] = [
        (
            &garbage,
            "is named as a serialized task, but it is not a serialized flyteidl.admin.TaskSpec",
        ),
        (&not_gzip, "is not a readable pyflyte package archive"),
        (
            &misnamed,
            "is not what `pyflyte package` writes: its name is not that of a serialized entity",
        ),
        (
            &empty,
            "is not what `pyflyte package` writes: it holds no serialized entity",
        ),
        (Path::new("missing.tgz"), "cannot read `missing.tgz`"),
    ];
    for (file, needle) in cases {
        let run = fails(
            &mut sandbox.host(),
            ["register", "files", path(file), "--dry-run"],
        );
        assert_error_paragraph(&run);
        assert!(run.stderr.contains(needle), "{}: {run}", file.display());
    }
    // The same archive twice defines every entity twice.
    let Some(archive) = package(&sandbox, "vault", "ghcr.io/acme/vault:1") else {
        return;
    };
    let twice = fails(
        &mut sandbox.host(),
        [
            "register",
            "files",
            path(&archive),
            path(&archive),
            "--dry-run",
        ],
    );
    assert!(
        twice.stderr.contains("task 'vault.fetch' is defined twice"),
        "{twice}"
    );
}

#[test]
fn the_checked_in_flyteidl_descriptors_are_the_flyteidl_packages_own() {
    let Some(python) = flytekit::python() else {
        return;
    };
    let out = StdCommand::new(python)
        .arg(workspace_root().join("host/protos/gen_descriptors.py"))
        .output()
        .expect("run gen_descriptors.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checked_in = fs::read(workspace_root().join("host/protos/flyteidl-1.16.8.fds"))
        .expect("read the checked-in descriptors");
    assert!(
        out.stdout == checked_in,
        "host/protos/flyteidl-1.16.8.fds is not what gen_descriptors.py writes from flyteidl: regenerate it (see the script)"
    );
}
