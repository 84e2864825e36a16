"""Memory: bytes per recorded node, and peak memory with and without checkpointing.

1. A chain of 10^6 scalar operations is recorded and differentiated: the
   memory the recording holds, per node (tracemalloc, which sees Python
   objects and NumPy buffers alike), and the time.
2. A deep MLP (depth × width tanh layers, batch b) is trained one step with
   the plain eager graph and with each layer wrapped in ``sg.checkpoint``:
   the peak traced memory of forward + backward falls from O(depth) saved
   activations to O(1) plus one recomputed layer, for about one extra forward
   pass of compute.

Reports, never asserts.

    python benchmarks/memory.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import numpy as np

import semigrad as sg


def chain(n):
    x = sg.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0000001 + 0.0
    return y


def chain_memory(n):
    """(bytes per node held by the recording, build seconds, backward seconds)."""
    gc.collect()
    tracemalloc.start()
    y = chain(n)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del y
    gc.collect()
    start = time.perf_counter()  # timed again without tracemalloc, which slows Python down
    y = chain(n)
    built = time.perf_counter()
    y.backward()
    return held / (2 * n), built - start, time.perf_counter() - built


def mlp_peak(depth, width, batch, segment):
    """Peak memory of one step; ``segment`` layers per checkpoint (0: no checkpointing)."""
    rng = np.random.default_rng(0)
    weights = [sg.tensor(rng.standard_normal((width, width)) / np.sqrt(width),
                         requires_grad=True) for _ in range(depth)]
    x = rng.standard_normal((batch, width))
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    h = sg.tensor(x)
    step = segment or 1
    for k in range(0, depth, step):
        def block(h, ws=weights[k:k + step]):
            for w in ws:
                h = sg.tanh(h @ w)
            return h

        h = sg.checkpoint(block)(h) if segment else block(h)
    loss = sg.mean(h * h)
    loss.backward()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    per_node, build, backward = chain_memory(n)
    print(f"chain of {2 * n:,} recorded operations: {per_node:.0f} bytes per node held by the "
          f"graph; build {build:.2f} s, backward {backward:.2f} s")
    depth, width, batch = (16, 64, 512) if args.quick else (48, 128, 4096)
    print(f"\nMLP {depth} tanh layers × {width}, batch {batch}, float64: forward + backward "
          "(activations dominate)")
    print(f"{'':<32}{'peak memory':>14}{'ratio':>8}{'time':>10}")
    plain = None
    for segment in (0, 1, 4):
        peak, seconds = mlp_peak(depth, width, batch, segment)
        plain = plain or peak
        name = "plain graph" if not segment else f"sg.checkpoint, {segment} layer(s) each"
        print(f"{name:<32}{peak / 2 ** 20:>11.1f} MiB{peak / plain:>8.2f}{seconds:>9.2f}s")


if __name__ == "__main__":
    main()
