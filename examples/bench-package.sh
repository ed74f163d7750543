#!/usr/bin/env bash
# Package benchmark: `flyte-host package` of one 1,000-task file with the built-in plugin and with
# the myorg plugin, timed as whole-process runs interleaved in one run (release build), printed as
# medians, the myorg/built-in ratio and the cost per task. The per-task cost is the median run of
# 1,000 tasks minus the median run of 1 task (process start, plugin load), divided by 999.
#
# The output goes to a RAM file system (/dev/shm) when there is one, so the numbers are the host's
# and not the disk's; set BENCH_DIR to write somewhere else.
#
#   examples/bench-package.sh            # 30 runs of each
#   RUNS=100 examples/bench-package.sh
#   BENCH_DIR=/tmp examples/bench-package.sh
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg

RUNS="${RUNS:-30}" python3 - "$BENCH_HOST" "$(bench_library myorg)" <<'PY'
import os, shutil, sys, tempfile
from bench import base_env, interleaved, run_ms, verdict

host, myorg = sys.argv[1:3]
runs = int(os.environ["RUNS"])
TASKS = 1000

def task(i):
    # Every task takes its image from get_default_image; half version their cache with the
    # built-in spec-hash policy, half pin it. Secrets have groups, so both plugins accept them.
    cache = '{ policies = ["spec-hash"] }' if i % 2 == 0 else '{ version = "1" }'
    return f'''[[task]]
name = "bench.task_{i:04d}"
command = ["python", "-m", "bench.task_{i:04d}"]
args = ["--date", "{{{{.inputs.date}}}}", "--limit", "{{{{.inputs.limit}}}}"]
inputs = {{ date = "datetime", limit = "integer", path = "blob" }}
outputs = {{ rows = "integer", ok = "boolean" }}
secrets = [{{ group = "db", key = "password" }}, {{ group = "api", key = "token", mount = "env" }}]
cache = {cache}
retries = 2
timeout = "10m"
resources = {{ cpu = "1", memory = ["1Gi", "2Gi"] }}
'''

default_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
work = tempfile.mkdtemp(prefix="flyte-bench-package-", dir=os.environ.get("BENCH_DIR") or default_dir)
try:
    many = os.path.join(work, "tasks.toml")
    one = os.path.join(work, "one.toml")
    with open(many, "w") as f:
        f.write("\n".join(task(i) for i in range(TASKS)))
    with open(one, "w") as f:
        f.write(task(0))
    env = base_env(os.path.join(work, "home"))
    cases = {
        "built-in plugin": (dict(env, FLYTEKIT_PLUGIN="builtin"), many, "out-builtin"),
        "myorg plugin": (dict(env, FLYTEKIT_PLUGIN=myorg), many, "out-myorg"),
        "built-in, 1 task": (dict(env, FLYTEKIT_PLUGIN="builtin"), one, "out-builtin-1"),
        "myorg, 1 task": (dict(env, FLYTEKIT_PLUGIN=myorg), one, "out-myorg-1"),
    }

    def once(case):
        # Each case packages into its own directory, run after run.
        case_env, file, out = case
        return run_ms([host, "package", file, "-o", os.path.join(work, out)], case_env)

    med = interleaved(cases, once, runs, warmup=3)
    print(f"flyte-host package, {TASKS:,} tasks in one file, {runs} interleaved runs each (median wall time per process)")
    print(f"  output under {os.path.dirname(work)}")
    for name, ms in med.items():
        print(f"  {name:<18} {ms:8.3f} ms")
    ratio = med["myorg plugin"] / med["built-in plugin"]
    per_task = {
        "built-in": (med["built-in plugin"] - med["built-in, 1 task"]) * 1000.0 / (TASKS - 1),
        "myorg": (med["myorg plugin"] - med["myorg, 1 task"]) * 1000.0 / (TASKS - 1),
    }
    print("targets: myorg/built-in ratio <= 1.2, per-task cost < 50 us")
    print(f"  ratio            {ratio:.3f}x  {verdict(ratio <= 1.2)}")
    for name, cost in per_task.items():
        print(f"  per task ({name:<8}) {cost:6.1f} us  {verdict(cost < 50)}")
finally:
    shutil.rmtree(work, ignore_errors=True)
PY
