#!/usr/bin/env bash
# First-load benchmark: what a library file costs the first time this host build meets it (the
# structure check, the trial load in a child process, abi_stable's layout check) against every
# later start (one `stat` finds the verdict). `flyte-host --help` with the myorg plugin by path,
# a fresh $XDG_CACHE_HOME for each "first" run, interleaved with "known" runs (release build),
# printed as medians; the difference is the first load's extra cost.
#
#   examples/bench-first-load.sh            # 100 runs of each
#   RUNS=300 examples/bench-first-load.sh
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home"

RUNS="${RUNS:-100}" python3 - "$BENCH_HOST" "$scratch" "$(bench_library myorg)" <<'PY'
import os, shutil, sys
from bench import base_env, interleaved, print_ratios, run_ms

host, scratch, library = sys.argv[1:4]
runs = int(os.environ["RUNS"])
env = dict(base_env(os.path.join(scratch, "home")), FLYTEKIT_PLUGIN=library)
known_cache = os.path.join(scratch, "known")
fresh_cache = os.path.join(scratch, "fresh")
cases = {
    "built-in plugin": dict(env, FLYTEKIT_PLUGIN="builtin", XDG_CACHE_HOME=known_cache),
    "myorg, known": dict(env, XDG_CACHE_HOME=known_cache),
    "myorg, first load": dict(env, XDG_CACHE_HOME=fresh_cache),
}

def once(case_env):
    if case_env["XDG_CACHE_HOME"] == fresh_cache:
        shutil.rmtree(fresh_cache, ignore_errors=True)
    return run_ms([host, "--help"], case_env)

med = interleaved(cases, once, runs)
print_ratios(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)",
             med, "built-in plugin")
print(f"first load costs {med['myorg, first load'] - med['myorg, known']:.2f} ms more than a known library")
PY
