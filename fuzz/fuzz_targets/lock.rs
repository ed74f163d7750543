//! Fuzzes the plugin directory's lock file (fast path against the TOML parser): `flyte_host::fuzzing::lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::lock(data);
});
