//! Fuzzes a flytectl YAML config file (`config.yaml`): `flyte_host::fuzzing::config_yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::config_yaml(data);
});
