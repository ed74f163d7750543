#!/usr/bin/env bash
# Start-up benchmark: `flyte-host --help` with the built-in plugin, with the myorg plugin, with a
# plugin adding 1,000 commands, and with stacks of 2 and 4 plugin layers (myorg, staging and the
# layer fixtures), timed as whole-process runs interleaved in one run (release build), printed as
# medians and ratios against the built-in run.
#
#   examples/bench-startup.sh            # 300 runs of each
#   RUNS=1000 examples/bench-startup.sh
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg many-commands staging layer-mirror layer-header

RUNS="${RUNS:-300}" python3 - "$BENCH_HOST" "$(bench_library myorg)" "$(bench_library many-commands)" \
    "$(bench_library staging)" "$(bench_library layer-mirror)" "$(bench_library layer-header)" <<'PY'
import os, sys
from bench import base_env, interleaved, print_ratios, run_ms, verdict

host, myorg, many, staging, mirror, header = sys.argv[1:7]
runs = int(os.environ["RUNS"])
env = base_env("/nonexistent-flyte-bench-home")
stack2 = ",".join([myorg, staging])
stack4 = ",".join([mirror, header, myorg, staging])
cases = {
    "built-in plugin": dict(env, FLYTEKIT_PLUGIN="builtin"),
    "myorg plugin": dict(env, FLYTEKIT_PLUGIN=myorg),
    "1,000-command plugin": dict(env, FLYTEKIT_PLUGIN=many),
    "stack of 2 layers": dict(env, FLYTEKIT_PLUGIN=stack2),
    "stack of 4 layers": dict(env, FLYTEKIT_PLUGIN=stack4),
}
med = interleaved(cases, lambda case_env: run_ms([host, "--help"], case_env), runs)

ratio = print_ratios(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)",
                     med, "built-in plugin")
myorg_ratio = ratio["myorg plugin"]
many_ratio = ratio["1,000-command plugin"]
# What each layer beyond the first adds, as a share of the built-in --help time.
per_layer_2 = ratio["stack of 2 layers"] - myorg_ratio
per_layer_4 = (ratio["stack of 4 layers"] - myorg_ratio) / 3
print("targets: plugin overhead <= 15% (ratio <= 1.15), --help with plugin < 5 ms, 1,000 commands < 2x,")
print("         each extra layer <= +10% of the built-in time")
print(f"  myorg overhead  {100 * (myorg_ratio - 1):+.1f}%  {verdict(myorg_ratio <= 1.15)}")
print(f"  myorg --help    {med['myorg plugin']:.3f} ms  {verdict(med['myorg plugin'] < 5)}")
print(f"  1,000 commands  {many_ratio:.2f}x  {verdict(many_ratio < 2)}")
print(f"  2 layers        {100 * per_layer_2:+.1f}% for the second layer  {verdict(per_layer_2 <= 0.10)}")
print(f"  4 layers        {100 * per_layer_4:+.1f}% per layer beyond the first  {verdict(per_layer_4 <= 0.10)}")
PY
