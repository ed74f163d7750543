//! Fuzzes a project's plugin lock (flyte-plugins.lock), which must write back to itself: `flyte_host::fuzzing::project_lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flyte_host::fuzzing::project_lock(data);
});
