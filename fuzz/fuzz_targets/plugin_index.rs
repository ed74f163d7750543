//! Fuzzes an organization's plugin index: `flyte_host::fuzzing::plugin_index`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::plugin_index(data);
});
