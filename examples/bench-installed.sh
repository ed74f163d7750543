#!/usr/bin/env bash
# Start-up benchmark: `flyte-host --help` with the myorg plugin installed through `plugin install`
# (selected from the plugin directory, its lock entry checked at every start) vs the built-in plugin
# only, timed as whole-process runs interleaved in one run (release build), printed as medians and
# the ratio. Target: ratio <= 1.15.
#
#   examples/bench-installed.sh            # 300 runs of each
#   RUNS=1000 examples/bench-installed.sh
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home"
env -i PATH="$PATH" HOME="$scratch/home" "$BENCH_HOST" plugin install "$(bench_library myorg)" >/dev/null

RUNS="${RUNS:-300}" python3 - "$BENCH_HOST" "$scratch/home" <<'PY'
import os, subprocess, sys
from bench import base_env, interleaved, print_ratios, run_ms, verdict

host, home = sys.argv[1:3]
runs = int(os.environ["RUNS"])
env = base_env(home)
cases = {
    "built-in plugin": dict(env, FLYTEKIT_PLUGIN="builtin"),
    "installed myorg": dict(env),
    "installed, by name": dict(env, FLYTEKIT_PLUGIN="myorg"),
}
shown = subprocess.run([host, "plugin", "show", "-o", "json"], env=cases["installed myorg"],
                       capture_output=True, text=True, check=True)
assert '"name": "myorg"' in shown.stdout, shown.stdout
# The warm-up also leaves the layout-check record, as any second start would.
med = interleaved(cases, lambda case_env: run_ms([host, "--help"], case_env), runs)

ratio = print_ratios(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)",
                     med, "built-in plugin")["installed myorg"]
print(f"target: installed, lock-verified plugin <= 1.15x built-in: {ratio:.2f}x {verdict(ratio <= 1.15)}")
PY
