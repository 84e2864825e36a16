"""Benchmark semigrad against PyTorch, JAX, autograd, micrograd and hand-written NumPy.

Usage: ``python benchmarks/run.py [--quick] [--rounds N] [--only W1,W4] [--libs semigrad,torch]
[--threads 1] [--json FILE] [--markdown]``. Every (round, workload, library) runs in a fresh
worker process (``run.py --worker LIB --workload W``, see ``worker.py``), libraries in
alternating order from round to round. semigrad's results are first checked against the NumPy
reference; peers are checked in their first round. The report gives per workload the median
over rounds for each library and the ratio semigrad/peer, plus the machine's load.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(HERE))

from adapters import LIBS  # noqa: E402
from problems import FULL, QUICK, WORKLOADS  # noqa: E402
from report import compare, render, summarise  # noqa: E402
from timing import pin_threads  # noqa: E402
from worker import MARKER, fingerprint  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, help="worker runs per library and workload "
                   "(default 5, 2 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: fewer rounds, smaller sizes, shorter timing batches")
    p.add_argument("--only", help=f"comma-separated workloads, from {','.join(WORKLOADS)} "
                   "(default: all)")
    p.add_argument("--libs", help=f"comma-separated, from {','.join(LIBS)} (default: all)")
    p.add_argument("--threads", type=int, help="set OMP/OPENBLAS/MKL_NUM_THREADS and XLA_FLAGS "
                   "to this many threads in the workers (default: leave the environment)")
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    p.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    p.add_argument("--worker", metavar="LIB", help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    p.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-time", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def pick(text: str | None, known, what: str) -> list[str]:
    if not text:
        return list(known)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def installed(dist: str) -> bool:
    sys.path.insert(0, str(SRC))  # semigrad is measured from this checkout
    try:
        return importlib.util.find_spec(dist) is not None
    finally:
        sys.path.remove(str(SRC))


def worker_env(threads: int | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    pin_threads(threads, env)
    if threads:
        env["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={str(threads > 1).lower()} "
                            f"intra_op_parallelism_threads={threads}")
    return env


def launch(lib, key, args, env, check=False, timing=True) -> dict:
    cmd = [sys.executable, str(HERE / "run.py"), "--worker", lib, "--workload", key]
    cmd += ["--quick"] * args.quick + ["--check"] * check + ["--no-time"] * (not timing)
    start, busy, own = time.perf_counter(), busy_seconds(), own_cpu_seconds()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=HERE.parent,
                              timeout=600 if args.quick else 3600)
    except subprocess.TimeoutExpired:
        return {"lib": lib, "workload": key, "error": "worker timed out"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
    if not lines:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return {"lib": lib, "workload": key, "error": f"worker exit {proc.returncode}: {tail}"}
    result = json.loads(lines[-1][len(MARKER):])
    result["wall_s"] = time.perf_counter() - start
    others = busy_seconds() - busy - (own_cpu_seconds() - own)
    result["other_cpu_share"] = max(0.0, others) / result["wall_s"]
    return result


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine so far (all cores, from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this harness and its finished workers."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def machine() -> dict:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        from worker import main as worker_main

        worker_main(args.worker, args.workload, args.quick, args.check, not args.no_time)
        return
    keys = pick(args.only, WORKLOADS, "workloads")
    libs = pick(args.libs, LIBS, "libraries")
    rounds = args.rounds or (2 if args.quick else 5)
    sizes = QUICK if args.quick else FULL
    env = worker_env(args.threads)
    present = {lib: installed(LIBS[lib][0]) for lib in libs}
    runnable = [lib for lib in libs if present[lib]]
    log = lambda msg: print(msg, file=sys.stderr, flush=True)

    from adapters.numpy_impl import REFERENCE

    reference = {key: fingerprint(REFERENCE[key](sizes)) for key in keys}
    meta = {"machine": machine(), "rounds": rounds, "quick": args.quick, "sizes": vars(sizes),
            "threads": args.threads, "loadavg_before": loadavg(), "started": time.ctime()}
    busy0, own0, wall0 = busy_seconds(), own_cpu_seconds(), time.perf_counter()

    checks = {}
    if "semigrad" in runnable:
        log("checking semigrad against the NumPy reference ...")
        for key in keys:
            result = launch("semigrad", key, args, env, check=True, timing=False)
            checks[key] = compare(result, reference[key])
            log(f"  semigrad {key}: {checks[key]}")

    results = {key: {lib: [] for lib in runnable} for key in keys}
    for r in range(rounds):
        order = runnable if r % 2 == 0 else runnable[::-1]
        for key in keys:
            for lib in order:
                result = launch(lib, key, args, env, check=(r == 0 and lib != "semigrad"))
                results[key][lib].append(result)
                log(f"round {r + 1}/{rounds} {key:<4} {lib:<10} {result.get('wall_s', 0):6.1f} s"
                    f"  other load {result.get('other_cpu_share', 0):4.0%}"
                    + (f"  ({result['error']})" if "error" in result else ""))

    wall = time.perf_counter() - wall0
    others = busy_seconds() - busy0 - (own_cpu_seconds() - own0)
    meta |= {"loadavg_after": loadavg(), "wall_s": wall,
             "other_cpu_share": max(0.0, others) / wall}
    summary = summarise(keys, libs, present, results, reference, checks)
    print(render(meta, summary, markdown=args.markdown))
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "workloads": summary}, indent=1))
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
