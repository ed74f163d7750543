//! Signed plugins end to end, with the real `minisign` (Debian's package; `.ci/run` installs it)
//! making keys and signatures: trusted keys (`plugin trust`), the install policy (good, unsigned,
//! signed by an unknown key, the signature of another file, tampered after signing), key files
//! writable by others, FLYTE_PLUGIN_REQUIRE_SIGNATURE, the lock's key id and the refusal at load,
//! `plugin verify` and FLYTE_PLUGIN_VERIFY=always, and `plugin manifest --sign/--signature`
//! checked by `minisign -V`.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command as StdCommand, Stdio},
};

use serde_json::Value;

use crate::install::{
    fixtures::{installed_library, manifest, sha256, tree},
    server::{Reply, Server},
};
use crate::support::{
    self, fails, host_target, ok, ok_json, plugin_file_name, plugin_path, Sandbox,
};

/// Whether `minisign` runs here. Where it is required (`CI` set, or
/// `FLYTE_HOST_REQUIRE_MINISIGN=1`, which `.ci/run` sets) a missing one fails the test; elsewhere
/// the test says it did not run.
fn have_minisign(test: &str) -> bool {
    let found = StdCommand::new("minisign")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    let required = std::env::var_os("FLYTE_HOST_REQUIRE_MINISIGN").is_some_and(|v| v == "1")
        || std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    assert!(
        !required,
        "minisign is not installed, and the signature tests must run here \
         (FLYTE_HOST_REQUIRE_MINISIGN=1 or CI): install Debian's minisign (`apt-get install minisign`; .ci/run does)"
    );
    support::not_run(&format!(
        "signatures::{test}: no `minisign` on this machine (install Debian's minisign; CI or FLYTE_HOST_REQUIRE_MINISIGN=1 makes this a failure)"
    ));
    false
}

/// Runs minisign with `args`; asserts it succeeded.
fn minisign(args: &[&str]) -> String {
    let out = StdCommand::new("minisign")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run minisign");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "minisign {args:?} failed:\n{all}");
    all
}

/// A minisign key pair made by `minisign -G -W` (no password).
struct Key {
    public: PathBuf,
    secret: PathBuf,
    /// Its key id as minisign prints it (uppercase hex, no leading zeros).
    id: String,
}

impl Key {
    fn generate(dir: &Path, name: &str) -> Key {
        fs::create_dir_all(dir).unwrap();
        let public = dir.join(format!("{name}.pub"));
        let secret = dir.join(format!("{name}.key"));
        minisign(&[
            "-G",
            "-W",
            "-p",
            public.to_str().unwrap(),
            "-s",
            secret.to_str().unwrap(),
        ]);
        let text = fs::read_to_string(&public).unwrap();
        let id = text
            .lines()
            .next()
            .and_then(|l| l.rsplit(' ').next())
            .unwrap()
            .to_owned();
        assert!(
            (1..=16).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{text}"
        );
        Key { public, secret, id }
    }

    /// `minisign -S` of `file` into `signature` (prehashed, minisign's default).
    fn sign(&self, file: &Path, signature: &Path) -> String {
        minisign(&[
            "-S",
            "-s",
            self.secret.to_str().unwrap(),
            "-m",
            file.to_str().unwrap(),
            "-x",
            signature.to_str().unwrap(),
        ]);
        fs::read_to_string(signature).unwrap()
    }

    /// The base64 key line of the public key file.
    fn base64(&self) -> String {
        fs::read_to_string(&self.public)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned()
    }
}

/// A sandbox, two keys (the organization's and a stranger's) and a loopback server with the myorg
/// library and its manifests: signed inline, signed by URL, unsigned, signed by the stranger,
/// carrying the signature of another file, and a library changed after signing.
struct World {
    sandbox: Sandbox,
    org: Key,
    stranger: Key,
    server: Server,
}

impl World {
    fn new() -> World {
        let sandbox = Sandbox::new();
        let keys = sandbox.root().join("keys");
        let org = Key::generate(&keys, "org");
        let stranger = Key::generate(&keys, "stranger");
        let server = Server::start();
        let file = plugin_file_name("myorg");
        let library = plugin_path("myorg");
        let bytes = fs::read(&library).unwrap();
        let sha = sha256(&library);
        let target = host_target();
        let signed = org.sign(&library, &keys.join("myorg.minisig"));
        let by_stranger = stranger.sign(&library, &keys.join("stranger.minisig"));
        // The organization's signature of another library.
        let another = keys.join("another-file.bin");
        fs::write(&another, b"another file").unwrap();
        let other_file = org.sign(&another, &keys.join("another.minisig"));
        // Changed after signing: the manifest's hash is the changed file's (a web server's owner
        // can change both), the signature is the original's.
        let mut tampered = bytes.clone();
        tampered.extend_from_slice(b"changed after signing");
        let tampered_path = keys.join("tampered.so");
        fs::write(&tampered_path, &tampered).unwrap();
        server.route(&format!("/lib/{file}"), Reply::Ok(bytes));
        server.route(
            &format!("/lib/{file}.minisig"),
            Reply::Ok(signed.clone().into_bytes()),
        );
        server.route(&format!("/tampered/{file}"), Reply::Ok(tampered));
        let lib = format!("lib/{file}");
        let inline = |signature: &str| format!("signature = '''{signature}'''\n");
        let put = |path: &str, text: String| server.route(path, Reply::Ok(text.into_bytes()));
        let plain = manifest("myorg", &target, &lib, &sha);
        put("/unsigned.toml", plain.clone());
        put("/signed.toml", format!("{plain}{}", inline(&signed)));
        put(
            "/signed-url.toml",
            format!("{plain}signature_url = \"{lib}.minisig\"\n"),
        );
        put("/stranger.toml", format!("{plain}{}", inline(&by_stranger)));
        put(
            "/other-file.toml",
            format!("{plain}{}", inline(&other_file)),
        );
        put(
            "/tampered.toml",
            format!(
                "{}{}",
                manifest(
                    "myorg",
                    &target,
                    &format!("tampered/{file}"),
                    &sha256(&tampered_path)
                ),
                inline(&signed)
            ),
        );
        World {
            sandbox,
            org,
            stranger,
            server,
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn trust(&self, key: &Key, name: &str) {
        ok(
            &mut self.sandbox.host(),
            [
                "plugin",
                "trust",
                "add",
                key.public.to_str().unwrap(),
                "--name",
                name,
            ],
        );
    }

    fn install(&self, path: &str) -> Value {
        ok_json(
            &mut self.sandbox.host(),
            ["plugin", "install", &self.url(path), "-o", "json"],
        )
    }

    /// Installs `path`, which must be refused with one paragraph containing each of `needles`,
    /// leaving nothing installed.
    fn refused(&self, path: &str, needles: &[&str]) -> support::Run {
        let run = fails(
            &mut self.sandbox.host(),
            ["plugin", "install", &self.url(path)],
        );
        for needle in needles {
            assert!(run.stderr.contains(needle), "{path}: {needle:?}\n{run}");
        }
        let left = tree(&self.sandbox.default_drop_in());
        assert!(
            !left.iter().any(|e| e.starts_with("myorg")),
            "{path} installed something: {left:?}"
        );
        run
    }

    fn lock(&self) -> String {
        fs::read_to_string(self.sandbox.default_drop_in().join("plugins.lock")).unwrap()
    }
}

#[test]
fn a_signed_plugin_installs_and_the_lock_records_its_key() {
    if !have_minisign("a_signed_plugin_installs_and_the_lock_records_its_key") {
        return;
    }
    let world = World::new();
    world.trust(&world.org, "org");
    let listed = ok_json(
        &mut world.sandbox.host(),
        ["plugin", "trust", "list", "-o", "json"],
    );
    assert_eq!(listed["signatures_required"], true, "{listed}");
    assert_eq!(listed["keys"][0]["name"], "org");
    assert_eq!(listed["keys"][0]["key_id"], world.org.id.as_str());
    assert_eq!(listed["keys"][0]["scope"], "user");
    assert_eq!(listed["keys"][0]["public_key"], world.org.base64().as_str());
    let yaml = ok(
        &mut world.sandbox.host(),
        ["plugin", "trust", "list", "-o", "yaml"],
    );
    assert!(
        yaml.stdout.contains(&format!("key_id: {}", world.org.id)),
        "{yaml}"
    );
    let table = ok(&mut world.sandbox.host(), ["plugin", "trust", "list"]);
    assert!(
        table.stdout.contains("KEY ID") && table.stdout.contains(&world.org.id),
        "{table}"
    );
    // The key file flyte-host keeps is a minisign public key file minisign itself reads.
    let kept = world.sandbox.home().join(".flyte/trusted-keys/org.pub");
    let check = world.sandbox.write("hello.txt", "hello");
    world
        .org
        .sign(&check, &world.sandbox.root().join("hello.minisig"));
    minisign(&[
        "-V",
        "-p",
        kept.to_str().unwrap(),
        "-m",
        check.to_str().unwrap(),
        "-x",
        world.sandbox.root().join("hello.minisig").to_str().unwrap(),
    ]);

    let installed = world.install("/signed.toml");
    assert_eq!(installed["outcome"]["status"], "installed", "{installed}");
    assert_eq!(installed["key_id"], world.org.id.as_str(), "{installed}");
    assert!(
        world
            .lock()
            .contains(&format!("key_id = \"{}\"", world.org.id)),
        "{}",
        world.lock()
    );
    let library = installed_library(&world.sandbox);
    let kept_signature = PathBuf::from(format!("{}.minisig", library.display()));
    minisign(&[
        "-V",
        "-p",
        world.org.public.to_str().unwrap(),
        "-m",
        library.to_str().unwrap(),
        "-x",
        kept_signature.to_str().unwrap(),
    ]);
    // It loads, and verifies.
    ok(&mut world.sandbox.host(), ["info"]);
    let verified = ok(&mut world.sandbox.host(), ["plugin", "verify"]);
    assert!(
        verified
            .stdout
            .contains(&format!("ok, signed by key {}", world.org.id)),
        "{verified}"
    );
    let again = world.install("/signed.toml");
    assert_eq!(again["outcome"]["status"], "unchanged", "{again}");

    // The signature as a URL next to the library.
    ok(&mut world.sandbox.host(), ["plugin", "remove", "myorg"]);
    let by_url = world.install("/signed-url.toml");
    assert_eq!(by_url["key_id"], world.org.id.as_str(), "{by_url}");
    ok(&mut world.sandbox.host(), ["info"]);

    // Removing the key: a listing shows none, and nothing is required any more.
    ok(
        &mut world.sandbox.host(),
        ["plugin", "trust", "remove", "org"],
    );
    let listed = ok_json(
        &mut world.sandbox.host(),
        ["plugin", "trust", "list", "-o", "json"],
    );
    assert_eq!(listed["keys"], Value::Array(Vec::new()), "{listed}");
    assert_eq!(listed["signatures_required"], false, "{listed}");
    let run = fails(
        &mut world.sandbox.host(),
        ["plugin", "trust", "remove", "org"],
    );
    assert!(
        run.stderr.contains("no trusted key is named 'org'"),
        "{run}"
    );
}

#[test]
fn unsigned_and_badly_signed_libraries_are_refused_once_a_key_is_trusted() {
    if !have_minisign("unsigned_and_badly_signed_libraries_are_refused_once_a_key_is_trusted") {
        return;
    }
    let world = World::new();
    // No key trusted: an unsigned plugin installs as before.
    world.install("/unsigned.toml");
    ok(&mut world.sandbox.host(), ["plugin", "remove", "myorg"]);

    // Trusted by its base64 line, named by its key id.
    let added = ok_json(
        &mut world.sandbox.host(),
        ["plugin", "trust", "add", &world.org.base64(), "-o", "json"],
    );
    assert_eq!(added["key"]["name"], world.org.id.as_str(), "{added}");
    assert_eq!(added["added"], true);
    let again = ok_json(
        &mut world.sandbox.host(),
        [
            "plugin",
            "trust",
            "add",
            world.org.public.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(again["added"], false, "{again}");

    let org = world.org.id.as_str();
    let stranger = world.stranger.id.as_str();
    world.refused(
        "/unsigned.toml",
        &["has no signature", org, "nothing was installed"],
    );
    let library = plugin_path("myorg");
    let run = fails(
        &mut world.sandbox.host(),
        ["plugin", "install", library.to_str().unwrap()],
    );
    assert!(run.stderr.contains("carries no signature"), "{run}");
    assert!(run.stderr.contains(org), "{run}");
    world.refused(
        "/stranger.toml",
        &[&format!("signed by key {stranger}"), "does not trust", org],
    );
    world.refused(
        "/other-file.toml",
        &["does not verify with trusted key", org, "another file"],
    );
    world.refused(
        "/tampered.toml",
        &[
            "does not verify with trusted key",
            org,
            "changed after signing",
        ],
    );
    // The good one still installs.
    assert_eq!(world.install("/signed.toml")["key_id"], org);
}

#[test]
fn key_files_writable_by_others_are_refused() {
    if !have_minisign("key_files_writable_by_others_are_refused") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let world = World::new();
    world.trust(&world.org, "org");
    let kept = world.sandbox.home().join(".flyte/trusted-keys/org.pub");
    let mode = fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o022, 0, "a key file written with mode {mode:o}");
    fs::set_permissions(&kept, fs::Permissions::from_mode(0o666)).unwrap();
    let signed = world.url("/signed.toml");
    for args in [
        vec!["plugin", "install", signed.as_str()],
        vec!["plugin", "trust", "list"],
        vec!["plugin", "verify"],
    ] {
        let run = fails(&mut world.sandbox.host(), &args);
        assert!(
            run.stderr.contains(&format!(
                "trusted key file `{}` is writable by other users",
                kept.display()
            )),
            "{args:?}\n{run}"
        );
        assert!(run.stderr.contains("chmod go-w"), "{run}");
    }
    fs::set_permissions(&kept, fs::Permissions::from_mode(0o644)).unwrap();
    world.install("/signed.toml");

    // The same rule for the machine-wide directory, and its directory.
    let system = world.sandbox.system_keys();
    fs::create_dir_all(&system).unwrap();
    fs::set_permissions(&system, fs::Permissions::from_mode(0o755)).unwrap();
    let admin = system.join("admin.pub");
    fs::copy(&world.stranger.public, &admin).unwrap();
    fs::set_permissions(&admin, fs::Permissions::from_mode(0o664)).unwrap();
    let run = fails(&mut world.sandbox.host(), ["plugin", "trust", "list"]);
    assert!(run.stderr.contains(&admin.display().to_string()), "{run}");
    fs::set_permissions(&admin, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&system, fs::Permissions::from_mode(0o777)).unwrap();
    let run = fails(&mut world.sandbox.host(), ["plugin", "trust", "list"]);
    assert!(
        run.stderr
            .contains(&format!("trusted key directory `{}`", system.display())),
        "{run}"
    );
    fs::set_permissions(&system, fs::Permissions::from_mode(0o755)).unwrap();
    let listed = ok_json(
        &mut world.sandbox.host(),
        ["plugin", "trust", "list", "-o", "json"],
    );
    assert_eq!(listed["keys"][1]["scope"], "system", "{listed}");
    assert_eq!(listed["keys"][1]["key_id"], world.stranger.id.as_str());
    // An administrator's key is not the user's to remove.
    let run = fails(
        &mut world.sandbox.host(),
        ["plugin", "trust", "remove", "admin"],
    );
    assert!(run.stderr.contains("administrator"), "{run}");
}

#[test]
fn require_signature_with_no_key_installs_nothing_until_a_key_is_trusted() {
    if !have_minisign("require_signature_with_no_key_installs_nothing_until_a_key_is_trusted") {
        return;
    }
    let world = World::new();
    let require = |command: &mut assert_cmd::Command| {
        command.env("FLYTE_PLUGIN_REQUIRE_SIGNATURE", "1");
    };
    for path in ["/signed.toml", "/unsigned.toml"] {
        let mut host = world.sandbox.host();
        require(&mut host);
        let run = fails(&mut host, ["plugin", "install", &world.url(path)]);
        assert!(
            run.stderr.contains(
                "FLYTE_PLUGIN_REQUIRE_SIGNATURE=1 requires plugins signed by a trusted key"
            ),
            "{run}"
        );
        assert!(run.stderr.contains("plugin trust add"), "{run}");
    }
    let mut host = world.sandbox.host();
    host.env("FLYTE_PLUGIN_REQUIRE_SIGNATURE", "maybe");
    let run = fails(&mut host, ["plugin", "install", &world.url("/signed.toml")]);
    assert!(
        run.stderr
            .contains("FLYTE_PLUGIN_REQUIRE_SIGNATURE is `maybe`"),
        "{run}"
    );

    // An administrator's key (the machine-wide directory) is enough.
    fs::create_dir_all(world.sandbox.system_keys()).unwrap();
    fs::copy(
        &world.org.public,
        world.sandbox.system_keys().join("org.pub"),
    )
    .unwrap();
    let mut host = world.sandbox.host();
    require(&mut host);
    let installed = ok_json(
        &mut host,
        [
            "plugin",
            "install",
            &world.url("/signed.toml"),
            "-o",
            "json",
        ],
    );
    assert_eq!(installed["key_id"], world.org.id.as_str(), "{installed}");
    let mut host = world.sandbox.host();
    require(&mut host);
    ok(&mut host, ["info"]);
}

#[test]
fn loading_an_install_without_a_verified_signature_is_refused_under_a_policy() {
    if !have_minisign("loading_an_install_without_a_verified_signature_is_refused_under_a_policy") {
        return;
    }
    let world = World::new();
    // Installed while no key was trusted: its lock entry records no key.
    world.install("/signed.toml");
    assert!(!world.lock().contains("key_id"), "{}", world.lock());
    ok(&mut world.sandbox.host(), ["info"]);
    let mut host = world.sandbox.host();
    host.env("FLYTE_PLUGIN_REQUIRE_SIGNATURE", "1");
    let run = fails(&mut host, ["info"]);
    assert!(run.stderr.contains("'myorg'"), "{run}");
    assert!(run.stderr.contains("has no verified signature"), "{run}");
    assert!(
        run.stderr.contains("FLYTE_PLUGIN_REQUIRE_SIGNATURE=1"),
        "{run}"
    );

    world.trust(&world.org, "org");
    let run = fails(&mut world.sandbox.host(), ["info"]);
    assert!(run.stderr.contains("has no verified signature"), "{run}");
    assert!(run.stderr.contains("signing keys are trusted"), "{run}");
    assert!(run.stderr.contains("plugin install"), "{run}");
    ok(
        world.sandbox.host().env("FLYTEKIT_PLUGIN", "builtin"),
        ["info"],
    );
    let verify = support::run(&mut world.sandbox.host(), ["plugin", "verify"]);
    assert_eq!(verify.code, Some(1), "{verify}");
    assert!(verify.stdout.contains("no verified signature"), "{verify}");
    // Reinstalling from the signed manifest verifies it and records the key.
    let again = world.install("/signed.toml");
    assert_eq!(again["key_id"], world.org.id.as_str(), "{again}");
    ok(&mut world.sandbox.host(), ["info"]);
    ok(&mut world.sandbox.host(), ["plugin", "verify"]);
}

#[test]
fn verify_and_verify_always_recheck_signatures() {
    if !have_minisign("verify_and_verify_always_recheck_signatures") {
        return;
    }
    let world = World::new();
    world.trust(&world.org, "org");
    world.install("/signed.toml");
    let always = |world: &World| {
        let mut host = world.sandbox.host();
        host.env("FLYTE_PLUGIN_VERIFY", "always");
        host
    };
    ok(&mut always(&world), ["info"]);
    let run = fails(
        world.sandbox.host().env("FLYTE_PLUGIN_VERIFY", "sometimes"),
        ["info"],
    );
    assert!(
        run.stderr.contains("FLYTE_PLUGIN_VERIFY is `sometimes`"),
        "{run}"
    );

    // The kept signature swapped for the same key's signature of another file: the lock still
    // names the key, so a normal start loads; `verify` and FLYTE_PLUGIN_VERIFY=always notice.
    let library = installed_library(&world.sandbox);
    let kept = PathBuf::from(format!("{}.minisig", library.display()));
    let original = fs::read_to_string(&kept).unwrap();
    world
        .org
        .sign(&world.sandbox.write("another.bin", "another file"), &kept);
    ok(&mut world.sandbox.host(), ["info"]);
    let run = fails(&mut always(&world), ["info"]);
    assert!(run.stderr.contains("FLYTE_PLUGIN_VERIFY=always"), "{run}");
    assert!(run.stderr.contains("does not verify with key"), "{run}");
    let verify = run_verify(&world);
    assert!(
        verify.stdout.contains("does not verify with key"),
        "{verify}"
    );
    fs::write(&kept, original).unwrap();
    ok(&mut world.sandbox.host(), ["plugin", "verify"]);

    // A same-size change with the modification time put back: only a re-hash sees it.
    let bytes = fs::read(&library).unwrap();
    let mut changed = bytes.clone();
    let last = changed.len() - 1;
    changed[last] ^= 0xff;
    let mtime = fs::metadata(&library).unwrap().modified().unwrap();
    fs::write(&library, &changed).unwrap();
    let set_mtime = || {
        fs::File::options()
            .write(true)
            .open(&library)
            .unwrap()
            .set_modified(mtime)
            .unwrap()
    };
    set_mtime();
    let run = fails(&mut always(&world), ["info"]);
    assert!(
        run.stderr.contains("was modified after it was installed"),
        "{run}"
    );
    fs::write(&library, &bytes).unwrap();
    set_mtime();

    // The key it was verified with is no longer trusted (another one is).
    world.trust(&world.stranger, "stranger");
    ok(
        &mut world.sandbox.host(),
        ["plugin", "trust", "remove", &world.org.id],
    );
    ok(&mut world.sandbox.host(), ["info"]);
    let run = fails(&mut always(&world), ["info"]);
    assert!(run.stderr.contains("no longer trusted"), "{run}");
    assert!(run.stderr.contains(&world.org.id), "{run}");
    let verify = run_verify(&world);
    assert!(verify.stdout.contains("no longer trusted"), "{verify}");
}

fn run_verify(world: &World) -> support::Run {
    let verify = support::run(&mut world.sandbox.host(), ["plugin", "verify"]);
    assert_eq!(verify.code, Some(1), "{verify}");
    assert!(
        verify.stderr.contains("failed verification: myorg"),
        "{verify}"
    );
    verify
}

/// A copy of the myorg library in `<sandbox>/dist`, for `plugin manifest`.
fn dist_library(sandbox: &Sandbox) -> (PathBuf, String) {
    let dist = sandbox.root().join("dist");
    fs::create_dir_all(&dist).unwrap();
    let file = plugin_file_name("myorg");
    fs::copy(plugin_path("myorg"), dist.join(&file)).unwrap();
    (dist.join(&file), file)
}

/// The `signature` of the manifest at `path`'s one platform.
fn manifest_signature(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    value["platform"][0]
        .get("signature")
        .and_then(|s| s.as_str())
        .map(str::to_owned)
}

#[test]
fn manifest_sign_writes_a_signature_minisign_verifies() {
    if !have_minisign("manifest_sign_writes_a_signature_minisign_verifies") {
        return;
    }
    let world = World::new();
    let sandbox = &world.sandbox;
    let (library, file) = dist_library(sandbox);
    let out = library.with_file_name("myorg.toml");
    let made = ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &file,
            "--sign",
            world.org.secret.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(made.stderr.contains(&world.org.id), "{made}");
    let signature = manifest_signature(&out).expect("an inline signature");
    let signature_file = sandbox.write("made.minisig", &signature);
    let said = minisign(&[
        "-V",
        "-p",
        world.org.public.to_str().unwrap(),
        "-m",
        library.to_str().unwrap(),
        "-x",
        signature_file.to_str().unwrap(),
    ]);
    assert!(
        said.contains("Signature and comment signature verified"),
        "{said}"
    );
    assert!(said.contains(&format!("file:{file}")), "{said}");
    world.trust(&world.org, "org");
    let installed = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", out.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(installed["key_id"], world.org.id.as_str(), "{installed}");

    // --signature-url: the signature goes to LIB.minisig, which minisign finds by itself.
    let out_url = library.with_file_name("myorg-url.toml");
    ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &file,
            "--sign",
            world.org.secret.to_str().unwrap(),
            "--signature-url",
            &format!("{file}.minisig"),
            "--out",
            out_url.to_str().unwrap(),
        ],
    );
    assert_eq!(manifest_signature(&out_url), None);
    assert!(
        fs::read_to_string(&out_url)
            .unwrap()
            .contains(&format!("signature_url = \"{file}.minisig\"")),
        "{}",
        fs::read_to_string(&out_url).unwrap()
    );
    minisign(&[
        "-V",
        "-p",
        world.org.public.to_str().unwrap(),
        "-m",
        library.to_str().unwrap(),
    ]);
    ok(&mut sandbox.host(), ["plugin", "remove", "myorg"]);
    let installed = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", out_url.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(installed["key_id"], world.org.id.as_str(), "{installed}");

    // A public key is not a secret key.
    let run = fails(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &file,
            "--sign",
            world.org.public.to_str().unwrap(),
        ],
    );
    assert!(run.stderr.contains("is not a minisign secret key"), "{run}");
}

#[test]
fn manifest_signature_takes_a_real_minisign_signature() {
    if !have_minisign("manifest_signature_takes_a_real_minisign_signature") {
        return;
    }
    let world = World::new();
    let sandbox = &world.sandbox;
    let (library, file) = dist_library(sandbox);
    let signature = library.with_file_name(format!("{file}.minisig"));
    let text = world.org.sign(&library, &signature);
    let out = library.with_file_name("myorg.toml");
    ok(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &file,
            "--signature",
            signature.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(manifest_signature(&out).as_deref(), Some(text.as_str()));
    world.trust(&world.org, "org");
    let installed = ok_json(
        &mut sandbox.host(),
        ["plugin", "install", out.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(installed["key_id"], world.org.id.as_str(), "{installed}");

    // A legacy (not prehashed) signature is refused, saying how to sign.
    let legacy = sandbox.root().join("legacy.minisig");
    minisign(&[
        "-S",
        "-l",
        "-s",
        world.org.secret.to_str().unwrap(),
        "-m",
        library.to_str().unwrap(),
        "-x",
        legacy.to_str().unwrap(),
    ]);
    let run = fails(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &file,
            "--signature",
            legacy.to_str().unwrap(),
        ],
    );
    assert!(run.stderr.contains("legacy minisign signature"), "{run}");
    let run = fails(
        &mut sandbox.host(),
        [
            "plugin",
            "manifest",
            library.to_str().unwrap(),
            "--url",
            &file,
            "--signature",
            world.org.public.to_str().unwrap(),
        ],
    );
    assert!(run.stderr.contains("not a minisign signature"), "{run}");
}

/// World's server also serves `/two.toml`: the signed myorg manifest with a second platform.
fn serve_two_platforms(world: &World) {
    let file = plugin_file_name("myorg");
    let library = plugin_path("myorg");
    let signed = fs::read_to_string(world.sandbox.root().join("keys/myorg.minisig")).unwrap();
    let text = format!(
        "{}signature = '''{signed}'''\n\n[[platform]]\ntarget = \"aarch64-apple-darwin\"\nurl = \"mac/libmyorg.dylib\"\nsha256 = \"{}\"\nsignature = '''{signed}'''\n",
        manifest("myorg", &host_target(), &format!("lib/{file}"), &sha256(&library)),
        "ab".repeat(32),
    );
    world
        .server
        .route("/two.toml", Reply::Ok(text.into_bytes()));
}

#[test]
fn a_lock_for_two_platforms_syncs_on_this_one_with_its_signing_key() {
    if !have_minisign("a_lock_for_two_platforms_syncs_on_this_one_with_its_signing_key") {
        return;
    }
    let world = World::new();
    serve_two_platforms(&world);
    world.trust(&world.org, "org");
    world.install("/two.toml");
    let lock_file = world.sandbox.root().join("flyte-plugins.lock");
    let target = host_target();
    let locked = ok(
        &mut world.sandbox.host(),
        [
            "plugin",
            "lock",
            "--platform",
            &target,
            "--platform",
            "aarch64-apple-darwin",
            "-o",
            lock_file.to_str().unwrap(),
        ],
    );
    assert!(locked.stderr.contains("locked myorg 1.0.0 for"), "{locked}");
    let text = fs::read_to_string(&lock_file).unwrap();
    assert_eq!(text.matches("[[plugin.platform]]").count(), 2, "{text}");
    assert_eq!(
        text.matches(&format!("key_id = \"{}\"", world.org.id))
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "url = \"{}\"",
            world.url(&format!("/lib/{}", plugin_file_name("myorg")))
        )),
        "{text}"
    );

    // Another engineer's machine: nothing installed, the organization's key not yet trusted.
    let laptop = Sandbox::new();
    let lock_arg = lock_file.to_str().unwrap();
    let untrusted = fails(&mut laptop.host(), ["plugin", "sync", lock_arg]);
    assert!(
        untrusted.stderr.contains(&format!(
            "is signed by key {}, which this machine does not trust",
            world.org.id
        )),
        "{untrusted}"
    );
    assert!(!laptop.default_drop_in().join("plugins.lock").exists());
    ok(
        &mut laptop.host(),
        [
            "plugin",
            "trust",
            "add",
            world.org.public.to_str().unwrap(),
            "--name",
            "org",
        ],
    );
    let synced = ok(&mut laptop.host(), ["plugin", "sync", lock_arg]);
    assert_eq!(
        synced.stdout, "myorg 1.0.0 installed\nplugin stack: myorg → builtin\n",
        "{synced}"
    );
    let installed = fs::read_to_string(laptop.default_drop_in().join("plugins.lock")).unwrap();
    assert!(
        installed.contains(&format!("key_id = \"{}\"", world.org.id)),
        "{installed}"
    );
    assert!(
        installed.contains(&world.url("/two.toml")),
        "the source is the locked manifest:\n{installed}"
    );
    let again = ok(&mut laptop.host(), ["plugin", "sync", lock_arg]);
    assert!(
        again.stdout.starts_with("myorg 1.0.0 unchanged\n"),
        "{again}"
    );
    let info = ok(&mut laptop.host(), ["info"]);
    assert!(info.stdout.contains("myorg"), "{info}");
}

#[test]
fn a_lock_missing_this_platform_or_with_another_hash_installs_nothing() {
    if !have_minisign("a_lock_missing_this_platform_or_with_another_hash_installs_nothing") {
        return;
    }
    let world = World::new();
    serve_two_platforms(&world);
    world.install("/two.toml");
    let lock_file = world.sandbox.root().join("flyte-plugins.lock");
    ok(
        &mut world.sandbox.host(),
        ["plugin", "lock", "-o", lock_file.to_str().unwrap()],
    );
    let text = fs::read_to_string(&lock_file).unwrap();
    let target = host_target();

    let laptop = Sandbox::new();
    let elsewhere = laptop.write(
        "elsewhere.lock",
        text.replace(
            &format!("target = \"{target}\""),
            "target = \"sparc-sun-solaris\"",
        ),
    );
    let missing = fails(
        &mut laptop.host(),
        ["plugin", "sync", elsewhere.to_str().unwrap()],
    );
    assert!(
        missing.stderr.contains(&format!(
            "has no build of 'myorg' 1.0.0 for this platform ({target}); it has: sparc-sun-solaris"
        )),
        "{missing}"
    );
    ok(
        &mut laptop.host(),
        ["plugin", "trust", "add", world.org.public.to_str().unwrap()],
    );
    let sha = sha256(&plugin_path("myorg"));
    let other = laptop.write("other.lock", text.replace(&sha, &"0".repeat(64)));
    let mismatch = fails(
        &mut laptop.host(),
        ["plugin", "sync", other.to_str().unwrap()],
    );
    assert!(
        mismatch.stderr.contains("'myorg' 1.0.0:") && mismatch.stderr.contains("sha256"),
        "{mismatch}"
    );
    assert!(
        !laptop.default_drop_in().join("plugins.lock").exists(),
        "nothing may be installed"
    );
    let broken = laptop.write(
        "broken.lock",
        text.replace("lock_version = 1", "lock_version = 7"),
    );
    let newer = fails(
        &mut laptop.host(),
        ["plugin", "sync", broken.to_str().unwrap()],
    );
    assert!(newer.stderr.contains("it is lock format 7"), "{newer}");
}
