//! Fuzzes what `register files` reads from a pyflyte package (tar stream, each message kind, then identifiers and order): `flyte_host::fuzzing::packaged`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::packaged(data);
});
