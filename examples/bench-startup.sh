#!/usr/bin/env bash
# Start-up benchmark: `flyte-host --help` with the built-in plugin, with the myorg plugin, and with
# a plugin adding 1,000 commands, timed as whole-process runs interleaved in one run (release build),
# printed as medians and ratios against the built-in run.
#
#   examples/bench-startup.sh            # 300 runs of each
#   RUNS=1000 examples/bench-startup.sh
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg many-commands

RUNS="${RUNS:-300}" python3 - "$BENCH_HOST" "$(bench_library myorg)" "$(bench_library many-commands)" <<'PY'
import os, sys
from bench import base_env, interleaved, print_ratios, run_ms, verdict

host, myorg, many = sys.argv[1:4]
runs = int(os.environ["RUNS"])
env = base_env("/nonexistent-flyte-bench-home")
cases = {
    "built-in plugin": dict(env, FLYTEKIT_PLUGIN="builtin"),
    "myorg plugin": dict(env, FLYTEKIT_PLUGIN=myorg),
    "1,000-command plugin": dict(env, FLYTEKIT_PLUGIN=many),
}
med = interleaved(cases, lambda case_env: run_ms([host, "--help"], case_env), runs)

ratio = print_ratios(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)",
                     med, "built-in plugin")
myorg_ratio = ratio["myorg plugin"]
many_ratio = ratio["1,000-command plugin"]
print("targets: plugin overhead <= 15% (ratio <= 1.15), --help with plugin < 5 ms, 1,000 commands < 2x")
print(f"  myorg overhead  {100 * (myorg_ratio - 1):+.1f}%  {verdict(myorg_ratio <= 1.15)}")
print(f"  myorg --help    {med['myorg plugin']:.3f} ms  {verdict(med['myorg plugin'] < 5)}")
print(f"  1,000 commands  {many_ratio:.2f}x  {verdict(many_ratio < 2)}")
PY
