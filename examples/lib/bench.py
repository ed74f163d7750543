"""Shared by the examples/bench-*.sh scripts: whole-process runs, timed interleaved in one run."""

import os
import statistics
import subprocess
import time


def run_ms(argv, env, stdout=subprocess.DEVNULL):
    """Wall time of one process run in milliseconds; a failing run stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000.0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed


def interleaved(cases, once, runs, warmup=10):
    """Median of `runs` timings of each case, the cases taking turns so that drift in the machine's
    speed affects all alike. `cases` maps a name to what `once` gets; `warmup` untimed runs of each
    come first (page cache, caches of the host)."""
    for case in cases.values():
        for _ in range(warmup):
            once(case)
    samples = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            samples[name].append(once(case))
    return {name: statistics.median(s) for name, s in samples.items()}


def print_ratios(title, med, base):
    """Prints `title`, then each case's median and its ratio to case `base`'s; returns the ratios."""
    print(title)
    width = max(len(name) for name in med)
    for name, ms in med.items():
        print(f"  {name:<{width}} {ms:7.3f} ms   ratio {ms / med[base]:5.2f}x")
    return {name: ms / med[base] for name, ms in med.items()}


def base_env(home):
    """A clean environment: PATH and HOME only."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": home}


def verdict(ok):
    return "ok" if ok else "MISSED"
