//! Fuzzes a task file (TOML `[[task]]` tables): `flyte_host::fuzzing::task_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::task_file(data);
});
