//! Fuzzes a minisign signature (.minisig): `flyte_host::fuzzing::minisign_signature`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::minisign_signature(data);
});
