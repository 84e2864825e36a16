"""Time this checkout's semigrad against an earlier revision of itself, in the same run.

Usage: ``python benchmarks/against_revision.py --rev REV [--only W1,W5] [--rounds N] [--quick]``.

The revision is checked out into a temporary git worktree; every (round, revision,
workload) runs in a fresh worker process of that tree's own ``benchmarks/run.py`` (so each
side measures its own code with its own harness), the two sides alternating from round to
round. The report gives each workload's median per side and the ratio now / then (above 1:
slower now). It measures what a change costs; like every benchmark here it asserts nothing.

Example: the cost of issue 13's protection of recorded values (``--rev 56edb4d``, the
commit before it) on W1 and W5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARKER = "BENCH-RESULT "


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rev", required=True, help="the git revision to compare against")
    p.add_argument("--only", default="W1,W5", help="comma-separated workloads (default W1,W5)")
    p.add_argument("--rounds", type=int, default=7, help="worker runs per side (default 7)")
    p.add_argument("--quick", action="store_true", help="smaller sizes, shorter batches")
    return p.parse_args(argv)


def run_worker(tree: Path, workload: str, quick: bool) -> dict:
    cmd = [sys.executable, str(tree / "benchmarks" / "run.py"), "--worker", "semigrad",
           "--workload", workload] + ["--quick"] * quick
    env = {"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env=env, timeout=1800)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
    if not lines:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{tree.name} {workload}: worker exit {proc.returncode}: {tail}")
    return json.loads(lines[-1][len(MARKER):])


def figures(result: dict) -> dict[str, float]:
    """The timed measures of one worker result (seconds per call, by measure name)."""
    out = {}
    for name, m in result.get("measures", {}).items():
        value = m.get("per_call_s") if isinstance(m, dict) else m
        if isinstance(value, int | float):
            out[name] = float(value)
        peak = m.get("peak_growth_kib") if isinstance(m, dict) else None
        if isinstance(peak, int | float):
            out[f"{name} peak memory"] = float(peak) * 1024  # bytes
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    workloads = [w.strip() for w in args.only.split(",") if w.strip()]
    with tempfile.TemporaryDirectory(prefix="semigrad-rev-") as tmp:
        then = Path(tmp) / "then"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(then),
                        args.rev], check=True)
        try:
            sides = {"now": ROOT, "then": then}
            times: dict = {}
            for r in range(args.rounds):
                order = list(sides.items()) if r % 2 == 0 else list(sides.items())[::-1]
                for w in workloads:
                    for side, tree in order:
                        for name, t in figures(run_worker(tree, w, args.quick)).items():
                            times.setdefault((w, name), {}).setdefault(side, []).append(t)
                print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(then)],
                           check=False)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.rev],
                         capture_output=True, text=True).stdout.strip()
    print(f"\nsemigrad now (working tree) vs {rev}: medians of {args.rounds} fresh workers each")
    print(f"{'workload':<10} {'measure':<28} {'now':>12} {'then':>12} {'now/then':>9}")
    for (w, name), by_side in times.items():
        now, then_ = statistics.median(by_side["now"]), statistics.median(by_side["then"])
        print(f"{w:<10} {name:<28} {_fmt(now, name):>12} {_fmt(then_, name):>12} "
              f"{now / then_:>9.3f}")


def _fmt(value: float, name: str = "") -> str:
    if "memory" in name:
        return f"{value / 2**20:.3g} MiB"
    seconds = value
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


if __name__ == "__main__":
    main()
