"""The one timing helper of the stand-alone benchmark scripts (``run.py`` has its workers)."""

from __future__ import annotations

import statistics
import time


def median_time(fn, repeats: int = 3, budget: float | None = None) -> float:
    """Median seconds of ``repeats`` calls after one warm-up call.

    With ``budget`` (seconds), a warm-up call slower than a quarter of it is the answer:
    a slow case is timed once rather than ``repeats`` times.
    """
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if budget is not None and first > budget / 4:
        return first
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
