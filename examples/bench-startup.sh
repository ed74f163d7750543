#!/usr/bin/env bash
# Start-up benchmark: `flyte-host --help` with the built-in plugin, with the myorg plugin, and with
# a plugin adding 1,000 commands, timed as whole-process runs interleaved in one run (release build),
# printed as medians and ratios against the built-in run.
#
#   examples/bench-startup.sh            # 300 runs of each
#   RUNS=1000 examples/bench-startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet -p flyte-host -p myorg -p many-commands
target="${CARGO_TARGET_DIR:-target}/release"
prefix=lib
ext=so
case "$(uname -s)" in
    Darwin) ext=dylib ;;
    MINGW* | MSYS* | CYGWIN*) prefix= ; ext=dll ;;
esac

RUNS="${RUNS:-300}" python3 - "$target/flyte-host" "$target/${prefix}myorg.$ext" "$target/${prefix}many_commands.$ext" <<'PY'
import os, statistics, subprocess, sys, time

host, myorg, many = sys.argv[1:4]
runs = int(os.environ["RUNS"])
base_env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent-flyte-bench-home"}
cases = [
    ("built-in plugin", dict(base_env, FLYTEKIT_PLUGIN="builtin")),
    ("myorg plugin", dict(base_env, FLYTEKIT_PLUGIN=myorg)),
    ("1,000-command plugin", dict(base_env, FLYTEKIT_PLUGIN=many)),
]
samples = {name: [] for name, _ in cases}

def once(env):
    start = time.perf_counter()
    subprocess.run([host, "--help"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000.0

for _, env in cases:  # warm the page cache
    for _ in range(10):
        once(env)
for _ in range(runs):  # interleaved, so drift affects every case alike
    for name, env in cases:
        samples[name].append(once(env))

base = statistics.median(samples[cases[0][0]])
print(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)")
for name, _ in cases:
    med = statistics.median(samples[name])
    print(f"  {name:<22} {med:7.3f} ms   ratio {med / base:5.2f}x")
myorg_ratio = statistics.median(samples["myorg plugin"]) / base
many_ratio = statistics.median(samples["1,000-command plugin"]) / base
print("targets: plugin overhead <= 15% (ratio <= 1.15), --help with plugin < 5 ms, 1,000 commands < 2x")
print(f"  myorg overhead  {100 * (myorg_ratio - 1):+.1f}%  {'ok' if myorg_ratio <= 1.15 else 'MISSED'}")
print(f"  myorg --help    {statistics.median(samples['myorg plugin']):.3f} ms  {'ok' if statistics.median(samples['myorg plugin']) < 5 else 'MISSED'}")
print(f"  1,000 commands  {many_ratio:.2f}x  {'ok' if many_ratio < 2 else 'MISSED'}")
PY
