"""How derivative cost scales: O(m) gradients, O(n·m) Hessians, O(n^(k−1)·m) k-th derivatives.

Two sweeps over a logistic-style loss f(x) = Σ log(1 + exp(A x)) + ½|x|², A of
shape (rows, n):

* **order k as n grows** (rows fixed): time of the k-th derivative tensor for
  k = 1..4; the log-log slope in n should approach k − 1 (plus the O(n) of
  the forward pass itself, which dominates for small n);
* **gradient and Hessian as m grows** (n fixed): the function is repeated as
  a chain of d blocks, so that m ∝ d; the slopes in m should be 1.

Prints both tables with the fitted slopes and, with ``--plot FILE.png`` (needs
matplotlib), draws them on log-log axes. Reports, never asserts.

    python benchmarks/scaling.py [--quick] [--plot scaling.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import semigrad as sg
from timing import median_time


def loss(a):
    return lambda x: sg.sum(sg.log1p(sg.exp(a @ x))) + 0.5 * sg.sum(x * x)


def deep_loss(a, depth):
    def f(x):
        h = x
        for _ in range(depth):
            h = sg.tanh(a @ h) * 0.5 + h * 0.5
        return sg.sum(h * h)

    return f



def slope(xs, ys):
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def order_table(ns, orders, rows, repeats):
    rng = np.random.default_rng(0)
    table = {k: [] for k in orders}
    for n in ns:
        a = rng.standard_normal((rows, n)) / np.sqrt(n)
        x = rng.standard_normal(n)
        for k in orders:
            if n ** (k - 1) > 2e6:  # the k-th derivative tensor itself would be too large
                table[k].append(float("nan"))
                continue
            d = sg.derivative(loss(a), order=k)
            table[k].append(median_time(lambda d=d, x=x: d(x), repeats))
    return table


def depth_table(depths, n, repeats):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    table = {"forward": [], "gradient": [], "hessian": []}
    for d in depths:
        f = deep_loss(a, d)
        table["forward"].append(median_time(lambda f=f: f(x), repeats))
        table["gradient"].append(median_time(lambda f=f: sg.grad(f)(x), repeats))
        table["hessian"].append(median_time(lambda f=f: sg.hessian(f)(x), repeats))
    return table


def print_table(title, xname, xs, table):
    print(f"\n{title}")
    print(f"{xname:>8} " + " ".join(f"{k!s:>12}" for k in table))
    for i, x in enumerate(xs):
        print(f"{x:>8} " + " ".join(f"{table[k][i] * 1e3:>10.3f}ms" for k in table))
    slopes = []
    for k, ys in table.items():
        ok = [(x, y) for x, y in zip(xs, ys) if y == y]
        half = ok[len(ok) // 2:]  # the asymptotic half
        slopes.append(f"{k}: {slope(*zip(*half)):.2f}" if len(half) >= 2 else f"{k}: -")
    print("log-log slope (upper half): " + ", ".join(slopes))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--plot", metavar="FILE.png", help="write a log-log plot (matplotlib)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    ns = [8, 16, 32, 64] if args.quick else [8, 16, 32, 64, 128, 256]
    depths = [2, 4, 8, 16] if args.quick else [2, 4, 8, 16, 32, 64]
    orders = [1, 2, 3, 4]
    by_order = order_table(ns, orders, rows=256, repeats=repeats)
    print_table("k-th derivative of Σ log(1+exp(Ax)) + ½|x|², A: 256×n (median time)",
                "n", ns, by_order)
    by_depth = depth_table(depths, n=16, repeats=repeats)
    print_table("gradient and Hessian of a chain of d tanh blocks, n = 16 (median time)",
                "d", depths, by_depth)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        for k, ys in by_order.items():
            left.loglog(ns, ys, "o-", label=f"order {k}")
        left.set(xlabel="n (inputs)", ylabel="seconds", title="k-th derivative vs n")
        left.legend()
        for k, ys in by_depth.items():
            right.loglog(depths, ys, "o-", label=k)
        right.set(xlabel="d (blocks, m ∝ d)", ylabel="seconds", title="cost vs graph size")
        for ax, xs in ((left, ns), (right, depths)):
            ax.set_xticks(xs, [str(v) for v in xs])
            ax.minorticks_off()
        right.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"\nplot written to {args.plot}")


if __name__ == "__main__":
    main()
