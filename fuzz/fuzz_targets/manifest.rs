//! Fuzzes a plugin manifest (parse, render, parse again): `flyte_host::fuzzing::manifest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::manifest(data);
});
