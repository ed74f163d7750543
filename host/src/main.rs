//! The `flyte-host` binary: parse, run, exit.

fn main() -> std::process::ExitCode {
    flyte_host::main(std::env::args_os().collect())
}
