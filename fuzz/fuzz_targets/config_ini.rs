//! Fuzzes a legacy INI config file (`flytekit.config`): `flyte_host::fuzzing::config_ini`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::config_ini(data);
});
