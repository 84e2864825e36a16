"""The worker: runs one workload for one library in a fresh process and prints JSON.

Started by ``run.py`` as ``run.py --worker LIB --workload W``. It imports only that library,
builds the workload through its adapter, warms up, then times each measure: a batch of calls
lasting at least ``Sizes.target_s`` (per-call time = batch time / calls). W4 instead makes one
full-size call after a small warm-up and records its peak memory growth. With ``--check`` it
also returns a fingerprint of the library's result (value and gradients) for ``run.py`` to
compare against the hand-written NumPy reference. Errors (RecursionError included) are
reported in the JSON, never raised.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import resource
import sys
import traceback
from dataclasses import replace
from time import perf_counter

import numpy as np

from adapters import LIBS
from problems import FULL, QUICK, WORKLOADS, Skip

MARKER = "BENCH-RESULT "
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return str(getattr(sys.modules.get(dist), "__version__", "?"))


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) < 300 else text[:300] + "..."


def fingerprint(items) -> list[dict]:
    """Summaries of each result array that survive JSON: sums, absolute sum, weighted sum."""
    out = []
    for item in items:
        a = np.asarray(item)
        flat = a.astype(np.float64).ravel()
        weights = np.linspace(0.5, 1.5, flat.size)
        out.append({"dtype": str(a.dtype), "shape": list(a.shape), "sum": float(flat.sum()),
                    "abs": float(np.abs(flat).sum()), "weighted": float(flat @ weights)})
    return out


def time_calls(fn, target_s: float) -> dict:
    """First-call time, then warm-up, then one batch of calls lasting at least target_s."""
    start = perf_counter()
    fn()
    first = perf_counter() - start
    for _ in range(2):
        fn()
    start = perf_counter()
    fn()
    one = perf_counter() - start
    calls = max(1, min(1_000_000, int(target_s / max(one, 1e-9))))
    start = perf_counter()
    for _ in range(calls):
        fn()
    return {"per_call_s": (perf_counter() - start) / calls, "calls": calls, "first_s": first}


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def measure_memory(fn):
    """One call: its time and the growth of peak resident memory it caused, in KiB.

    Preferred method: reset the kernel's high-water mark (``/proc/self/clear_refs``) to the
    current RSS, call, read ``VmHWM``. Fallback: growth of ``ru_maxrss``, a lower bound when
    the process peaked higher before the call.
    """
    try:
        before = _status_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        method = "VmHWM after reset (/proc/self/clear_refs) minus VmRSS before"
        peak = lambda: _status_kib("VmHWM")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        method = "ru_maxrss growth (lower bound)"
        peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = perf_counter()
    result = fn()
    elapsed = perf_counter() - start
    return result, {"per_call_s": elapsed, "calls": 1, "peak_growth_kib": peak() - before,
                    "memory_method": method}


def run(lib: str, key: str, quick: bool, check: bool, timing: bool) -> dict:
    dist, module_name, options = LIBS[lib]
    workload, sizes = WORKLOADS[key], QUICK if quick else FULL
    out = {"lib": lib, "workload": key, "measures": {}, "notes": [], "pid": os.getpid(),
           "threads_env": {k: os.environ.get(k) for k in THREAD_VARS}}
    try:
        make = getattr(importlib.import_module(f"adapters.{module_name}"), key.lower())
        out["version"] = version(dist)
        if workload.memory and timing:  # warm the code paths on a small graph first
            small = make(replace(sizes, steps=100), **options)
            for fn in small.timed.values():
                fn()
        case = make(sizes, **options)
    except Skip as exc:
        return out | {"skipped": str(exc)}
    except Exception as exc:  # a broken library is a result, not a crash
        return out | {"error": describe(exc), "traceback": traceback.format_exc()}
    out["notes"] = case.notes
    for name, fn in case.timed.items() if timing else ():
        try:
            if workload.memory:
                result, figures = measure_memory(fn)
                if check:
                    out["check"] = fingerprint(result)
            else:
                figures = time_calls(fn, sizes.target_s) | case.first.get(name, {})
                figures["per_call_s"] /= case.per_call_divisor
        except Exception as exc:
            figures = {"error": describe(exc)}
            if check and workload.memory:
                out["check_error"] = describe(exc)
        out["measures"][name] = figures
    # checked after the timing, so that a first call timed is the process's first call
    if check and not (workload.memory and timing):
        try:
            out["check"] = fingerprint(case.check())
        except Exception as exc:
            out["check_error"] = describe(exc)
    return out


def main(lib: str, key: str, quick: bool, check: bool, timing: bool) -> None:
    result = run(lib, key, quick, check, timing)
    print(MARKER + json.dumps(result), flush=True)
