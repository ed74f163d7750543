#!/usr/bin/env bash
# Start-up benchmark: `flyte-host --help` with the myorg plugin installed through `plugin install`
# (selected from the plugin directory, its lock entry checked at every start) vs the built-in plugin
# only, timed as whole-process runs interleaved in one run (release build), printed as medians and
# the ratio. Target: ratio <= 1.15. With `minisign` on PATH it also times myorg installed signed
# (a trusted key, the lock recording it: the same target) and the opt-in FLYTE_PLUGIN_VERIFY=always
# (a re-hash and a signature check at every start: its cost is reported, not held to a target).
#
#   examples/bench-installed.sh            # 300 runs of each
#   RUNS=1000 examples/bench-installed.sh
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/signed-home" "$scratch/dist"
env -i PATH="$PATH" HOME="$scratch/home" "$BENCH_HOST" plugin install "$(bench_library myorg)" >/dev/null
signed_home=""
if command -v minisign >/dev/null 2>&1; then
    # A signed install: key pair, signed manifest, the key trusted, installed from the manifest.
    library="$scratch/dist/$(basename "$(bench_library myorg)")"
    cp "$(bench_library myorg)" "$library"
    minisign -G -W -p "$scratch/org.pub" -s "$scratch/org.key" >/dev/null
    signed_env=(env -i PATH="$PATH" HOME="$scratch/signed-home" FLYTE_HOST_SYSTEM_KEYS_DIR="$scratch/no-system-keys")
    "${signed_env[@]}" "$BENCH_HOST" plugin manifest "$library" --url "$(basename "$library")" \
        --description myorg --sign "$scratch/org.key" --out "$scratch/dist/myorg.toml" 2>/dev/null
    "${signed_env[@]}" "$BENCH_HOST" plugin trust add "$scratch/org.pub" --name org >/dev/null 2>&1
    "${signed_env[@]}" "$BENCH_HOST" plugin install "$scratch/dist/myorg.toml" >/dev/null
    signed_home="$scratch/signed-home"
else
    echo "note: no minisign on PATH: the signed cases are left out (apt-get install minisign)"
fi

RUNS="${RUNS:-300}" python3 - "$BENCH_HOST" "$scratch/home" "$signed_home" "$scratch/no-system-keys" \
    "$(bench_library myorg)" <<'PY'
import os, subprocess, sys
from bench import base_env, interleaved, print_ratios, run_ms, verdict

host, home, signed_home, no_system_keys, library = sys.argv[1:6]
runs = int(os.environ["RUNS"])
env = base_env(home)
cases = {
    "built-in plugin": dict(env, FLYTEKIT_PLUGIN="builtin"),
    "installed myorg": dict(env),
    "installed, by name": dict(env, FLYTEKIT_PLUGIN="myorg"),
}
if signed_home:
    signed = dict(base_env(signed_home), FLYTE_HOST_SYSTEM_KEYS_DIR=no_system_keys)
    cases["installed signed"] = signed
    cases["signed, VERIFY=always"] = dict(signed, FLYTE_PLUGIN_VERIFY="always")
for name in ("installed myorg", "installed signed"):
    if name in cases:
        shown = subprocess.run([host, "plugin", "show", "-o", "json"], env=cases[name],
                               capture_output=True, text=True, check=True)
        assert '"name": "myorg"' in shown.stdout, shown.stdout
# The warm-up also leaves the layout-check record, as any second start would.
med = interleaved(cases, lambda case_env: run_ms([host, "--help"], case_env), runs)

ratios = print_ratios(f"flyte-host --help, {runs} interleaved runs each (median wall time per process)",
                      med, "built-in plugin")
ratio = ratios["installed myorg"]
print(f"target: installed, lock-verified plugin <= 1.15x built-in: {ratio:.2f}x {verdict(ratio <= 1.15)}")
if signed_home:
    signed_ratio = ratios["installed signed"]
    print(f"target: installed, signed plugin <= 1.15x built-in: {signed_ratio:.2f}x {verdict(signed_ratio <= 1.15)}")
    always = med["signed, VERIFY=always"] - med["installed signed"]
    print(f"FLYTE_PLUGIN_VERIFY=always costs {always:+.2f} ms per start "
          f"(a {os.path.getsize(library) / 1e6:.1f} MB library re-hashed and re-verified; opt-in, no target)")
PY
