//! Trust boundaries: the layout-check record in the user's cache is trusted only as the plugin
//! directory is. A record that others may write, or one in a directory others may write, never
//! skips a library's layout check.

use std::fs;

use crate::support::{fails, layout_record_identity as identity, ok, Sandbox};

#[cfg(unix)]
#[test]
fn a_layout_check_record_others_could_write_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt as _;
    let sandbox = Sandbox::new();
    let dir = sandbox.default_drop_in();
    let good = sandbox.install_plugin("staging", &dir, None);
    ok(&mut sandbox.host(), ["info"]);
    let records = sandbox.home().join(".cache/flyte-host/layout-checked");
    let names: Vec<String> = fs::read_dir(&records)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // The record of the good library: `<host version and build>_<library identity>`, so the test
    // forges exactly the name the host looks up.
    let suffix = format!("_{}", identity(&good));
    let host_part = names
        .iter()
        .find_map(|n| n.strip_suffix(&suffix))
        .unwrap_or_else(|| panic!("no record named …{suffix} in {names:?}"))
        .to_owned();
    fs::remove_file(&good).unwrap();
    // A library whose layout does not match, with a record claiming it was checked, planted by
    // someone who can write the record or its directory.
    let bad = sandbox.install_plugin("bad-layout", &dir, None);
    let forged = records.join(format!("{host_part}_{}", identity(&bad)));
    for (record_mode, dir_mode) in [
        (0o666, 0o700),
        (0o620, 0o700),
        (0o600, 0o777),
        (0o600, 0o770),
    ] {
        fs::set_permissions(&records, fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(&forged, format!("{}\n", bad.display())).unwrap();
        fs::set_permissions(&forged, fs::Permissions::from_mode(record_mode)).unwrap();
        fs::set_permissions(&records, fs::Permissions::from_mode(dir_mode)).unwrap();
        let run = fails(&mut sandbox.host(), ["info"]);
        assert!(
            run.stderr.contains("does not match this host's plugin ABI"),
            "record {record_mode:o} in a directory {dir_mode:o} skipped the layout check: {run}"
        );
    }
}
