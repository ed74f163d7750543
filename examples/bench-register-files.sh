#!/usr/bin/env bash
# `register files` benchmark: a `pyflyte package` archive of 200 tasks (made by flytekit itself)
# registered in the loopback stand-in FlyteAdmin with the built-in plugin and with the myorg
# plugin, timed as whole-process runs interleaved in one run (release build), printed as medians,
# the myorg/built-in ratio and the cost per entity. Every run registers under a new version, so
# each is a full registration (200 creates), not 200 "already registered". The per-entity cost
# is the median run of 200 tasks minus the median run of 1 task (process start, plugin load,
# connecting), divided by 199; it includes the stand-in's own time per request.
#
#   examples/bench-register-files.sh          # 15 runs of each
#   RUNS=30 examples/bench-register-files.sh
#
# flytekit comes from target/flytekit-venv (made here when missing, as .ci/run does).
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_build myorg

venv=target/flytekit-venv
if ! "$venv/bin/python" -c "import flytekit" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "flytekit==1.16.31"
fi

RUNS="${RUNS:-15}" python3 - "$BENCH_HOST" "$(bench_library myorg)" "$PWD/$venv/bin/pyflyte" <<'PY'
import os, shutil, subprocess, sys, tempfile
from bench import base_env, interleaved, run_ms, verdict

host, myorg, pyflyte = sys.argv[1:4]
runs = int(os.environ["RUNS"])
TASKS = 200

def module(count):
    # Typed tasks with a grouped secret, cache and retries: what pyflyte serializes for real code.
    head = "from flytekit import Secret, task\n\n"
    return head + "".join(f'''
@task(secret_requests=[Secret(group="db", key="password")], cache=True, cache_version="1", retries=2)
def step_{i:03d}(day: str, limit: int) -> int:
    return limit + {i}
''' for i in range(count))

def package(work, name, count):
    src = os.path.join(work, name)
    os.makedirs(src)
    with open(os.path.join(src, f"{name}.py"), "w") as f:
        f.write(module(count))
    subprocess.run([pyflyte, "--pkgs", name, "package", "--image", "ghcr.io/bench/img:1", "--force"],
                   cwd=src, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, HOME=work))
    return os.path.join(src, "flyte-package.tgz")

work = tempfile.mkdtemp(prefix="flyte-bench-register-files-")
admin = None
try:
    many, one = package(work, "bench200", TASKS), package(work, "bench1", 1)
    admin = subprocess.Popen([sys.executable, "tests/standin/flyteadmin.py", "--port", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = admin.stdout.readline().split()[1]
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(f"admin:\n  endpoint: dns:///127.0.0.1:{port}\n  insecure: true\n")
    env = base_env(os.path.join(work, "home"))
    cases = {
        "built-in plugin": (dict(env, FLYTEKIT_PLUGIN="builtin"), many),
        "myorg plugin": (dict(env, FLYTEKIT_PLUGIN=myorg), many),
        "built-in, 1 task": (dict(env, FLYTEKIT_PLUGIN="builtin"), one),
        "myorg, 1 task": (dict(env, FLYTEKIT_PLUGIN=myorg), one),
    }
    counter = iter(range(1_000_000))

    def once(case):
        case_env, archive = case
        version = f"b{next(counter)}"
        return run_ms([host, "-c", config, "register", "files", archive, "--version", version], case_env)

    med = interleaved(cases, once, runs, warmup=2)
    print(f"flyte-host register files, a pyflyte package of {TASKS} tasks, loopback stand-in admin, "
          f"{runs} interleaved runs each (median wall time per process)")
    for name, ms in med.items():
        print(f"  {name:<18} {ms:8.2f} ms")
    ratio = med["myorg plugin"] / med["built-in plugin"]
    per_entity = {
        "built-in": (med["built-in plugin"] - med["built-in, 1 task"]) * 1000.0 / (TASKS - 1),
        "myorg": (med["myorg plugin"] - med["myorg, 1 task"]) * 1000.0 / (TASKS - 1),
    }
    print("target: myorg/built-in ratio <= 1.2")
    print(f"  ratio              {ratio:.3f}x  {verdict(ratio <= 1.2)}")
    for name, cost in per_entity.items():
        print(f"  per entity ({name:<8}) {cost:7.1f} us")
finally:
    if admin:
        admin.kill()
    shutil.rmtree(work, ignore_errors=True)
PY
