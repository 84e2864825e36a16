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


# The variables through which BLAS and OpenMP read their thread counts (at load time).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads(threads, env=None):
    """Set BLAS's and OpenMP's thread counts in ``env`` (default ``os.environ``), when given.

    They are read when the libraries load: pin before importing NumPy or PyTorch in this
    process, or pass the environment of a process to start.
    """
    import os

    env = os.environ if env is None else env
    if threads:
        for var in THREAD_VARIABLES:
            env[var] = str(threads)
    return env

