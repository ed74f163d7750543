#!/usr/bin/env bash
# Start-up benchmark: `flyte-host --help` with the myorg plugin installed through `plugin install`
# (selected from the plugin directory, its lock entry checked at every start) vs the built-in plugin
# only, timed as whole-process runs interleaved in one run (release build), printed as medians and
# the ratio. Target: ratio <= 1.15.
#
#   examples/bench-installed.sh            # 300 runs of each
#   RUNS=1000 examples/bench-installed.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet -p flyte-host -p myorg
target="${CARGO_TARGET_DIR:-target}/release"
prefix=lib
ext=so
case "$(uname -s)" in
    Darwin) ext=dylib ;;
    MINGW* | MSYS* | CYGWIN*) prefix= ; ext=dll ;;
esac

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home"
env -i PATH="$PATH" HOME="$scratch/home" "$target/flyte-host" plugin install "$target/${prefix}myorg.$ext" >/dev/null

RUNS="${RUNS:-300}" python3 - "$target/flyte-host" "$scratch/home" <<'PY'
import os, statistics, subprocess, sys, time

host, home = sys.argv[1:3]
runs = int(os.environ["RUNS"])
base_env = {"PATH": os.environ.get("PATH", ""), "HOME": home}
cases = [
    ("built-in plugin", dict(base_env, FLYTEKIT_PLUGIN="builtin")),
    ("installed myorg", dict(base_env)),
    ("installed, by name", dict(base_env, FLYTEKIT_PLUGIN="myorg")),
]
out = subprocess.run([host, "plugin", "show", "-o", "json"], env=cases[1][1], capture_output=True, text=True, check=True)
assert '"name": "myorg"' in out.stdout, out.stdout
samples = {name: [] for name, _ in cases}

def once(env):
    start = time.perf_counter()
    subprocess.run([host, "--help"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000.0

for _, env in cases:  # warm the page cache and the layout-check record
    for _ in range(10):
        once(env)
for _ in range(runs):  # interleaved, so drift affects every case alike
    for name, env in cases:
        samples[name].append(once(env))

base = statistics.median(samples[cases[0][0]])
print(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)")
for name, _ in cases:
    med = statistics.median(samples[name])
    print(f"  {name:<20} {med:7.3f} ms   ratio {med / base:5.2f}x")
ratio = statistics.median(samples["installed myorg"]) / base
print(f"target: installed, lock-verified plugin <= 1.15x built-in: {ratio:.2f}x {'ok' if ratio <= 1.15 else 'MISSED'}")
PY
