"""The seed's "exponential number of paths", counted in linear time.

Each layer h ← sin(h) + cos(h) has two branches, so a graph of depth d has 2^d
paths from x to the output. Bauer's formula sums over all of them; the
backward sweep shares them, so the Counting semiring returns 2^d exactly
(Python integers past 2^53) in O(d) work, and enumeration agrees for small d.

    python examples/exponential_paths.py
"""

from __future__ import annotations

import time

import semigrad as sg


def layers(x, depth):
    for _ in range(depth):
        x = sg.sin(x) + sg.cos(x)
    return x


def main():
    for depth in (4, 8, 12):
        x = sg.tensor(0.3, requires_grad=True)
        y = layers(x, depth)
        counted = int(sg.paths.count(y, x))
        listed = len(sg.paths.enumerate(y, x, limit=10_000))
        print(f"depth {depth:>3}: Counting sweep {counted:>6}, enumeration {listed:>6}, "
              f"2^d = {2 ** depth}")
    x = sg.tensor(0.3, requires_grad=True)
    y = layers(x, 200)
    t = time.perf_counter()
    n = sg.paths.count(y, x)
    print(f"depth 200: {int(n)} paths (= 2^200: {int(n) == 2 ** 200}), counted in "
          f"{(time.perf_counter() - t) * 1e3:.1f} ms; gradient by the same sweep in the "
          f"Real semiring: {float(sg.backprop(y, x, sg.semirings.Real())):.6g}")


if __name__ == "__main__":
    main()
