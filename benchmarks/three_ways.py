"""Reverse mode, forward mode, numerical and symbolic differentiation: cost as n grows.

For f: R^n → R with m operations, reverse mode costs O(m) whatever n is;
forward mode (one JVP per input) and central differences (2n evaluations of
f) cost O(n·m); symbolic differentiation writes one derivative expression per
input. Two functions:

* a logistic loss: Σ log(1 + exp(−y ⊙ (A w))) / rows + ½λ|w|², A: 64×n;
* an MLP loss: a one-hidden-layer tanh network with n parameters in total.

For each n: time (median) and cost (evaluations of f, or JVP sweeps) of
reverse mode, forward mode by one JVP per input, central differences, and
SymPy (while it finishes within a time budget, logistic loss only). Prints a
table; ``--plot FILE.png`` draws the log-log plot. Then the expression swell
of a family f_d(x) = g(g(…g(x))) (d compositions of g(x) = sin(x)·x): the
symbolic gradient as a tree, as a DAG after common-subexpression
elimination, and semigrad's backward graph, with the time to evaluate each.

    python benchmarks/three_ways.py [--quick] [--plot three_ways.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import semigrad as sg
from timing import median_time


def logistic(n, rows=64, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((rows, n)) / np.sqrt(n)
    y = np.sign(rng.standard_normal(rows))

    def f(w):
        return sg.sum(sg.log1p(sg.exp(-y * (a @ w)))) / rows + 0.05 * sg.sum(w * w)

    return f, rng.standard_normal(n) * 0.1


def mlp(n, inputs=16, batch=32, seed=1):
    hidden = max(1, n // (inputs + 2))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, inputs))
    t = rng.standard_normal(batch)
    n_params = inputs * hidden + 2 * hidden

    def f(p):
        w1 = sg.reshape(p[: inputs * hidden], (inputs, hidden))
        b1 = p[inputs * hidden: inputs * hidden + hidden]
        w2 = p[inputs * hidden + hidden:]
        return sg.mean((sg.tanh(x @ w1 + b1) @ w2 - t) ** 2)

    return f, rng.standard_normal(n_params) * 0.1


def forward_by_jvps(f, w):
    basis = np.eye(w.size)
    return np.array([sg.jvp(f, (w,), (e,))[1] for e in basis])


def symbolic_gradient(f, w):
    _, (g,), (syms,) = sg.symbolic.gradient(f, w)
    return sg.symbolic.lambdify([syms], list(g))(*w)


def cost_table(name, make, ns, symbolic_limit):
    rows = []
    for n in ns:
        f, w = make(n)
        n = w.size
        row = {"n": n, "m": len(sg.trace(f, w))}
        methods = {
            "reverse": (lambda f=f, w=w: sg.grad(f)(w), True),
            "forward (n JVPs)": (lambda f=f, w=w: forward_by_jvps(f, w), n <= 2000),
            "central (2n evals)": (
                lambda f=f, w=w: sg.numeric.gradient(f, w, method="central"), n <= 20000),
            "symbolic": (lambda f=f, w=w: symbolic_gradient(f, w), n <= symbolic_limit),
        }
        for key, (fn, feasible) in methods.items():
            repeats = 3 if key == "reverse" else 1
            row[key] = median_time(fn, repeats, budget=20.0) if feasible else float("nan")
        rows.append(row)
    keys = ["reverse", "forward (n JVPs)", "central (2n evals)", "symbolic"]
    print(f"\n{name}: median seconds (nan: skipped as too slow)")
    print(f"{'n':>8}{'m':>6}" + "".join(f"{k:>22}" for k in keys))
    for row in rows:
        print(f"{row['n']:>8}{row['m']:>6}" + "".join(f"{row[k]:>22.3g}" for k in keys))
    return rows, keys


def swell_table(depths):
    print("\nexpression swell of the gradient of f_d = (sin(x)·x) composed d times")
    print(f"{'d':>4}{'tree ops':>12}{'DAG ops (cse)':>16}{'backward graph':>16}"
          f"{'eval tree':>12}{'eval DAG':>12}{'semigrad grad':>15}")
    rows = []
    import sympy as sp

    for d in depths:
        if sp is None:  # pragma: no cover
            break
        def f(x, d=d):
            for _ in range(d):
                x = sg.sin(x) * x
            return x

        s = sg.symbolic.swell(f, 0.7)
        _, (g,), syms = sg.symbolic.gradient(f, 0.7)
        tree_fn = sg.symbolic.lambdify(syms, g)
        dag_fn = sp.lambdify(syms, g, "numpy", cse=True)
        t_tree = median_time(lambda fn=tree_fn: fn(0.7), repeats=5, budget=20.0)
        t_dag = median_time(lambda fn=dag_fn: fn(0.7), repeats=5, budget=20.0)
        t_sg = median_time(lambda f=f: sg.grad(f)(0.7), repeats=5, budget=20.0)
        print(f"{d:>4}{s.tree:>12}{s.dag:>16}{s.backward_graph:>16}"
              f"{t_tree * 1e6:>10.1f}µs{t_dag * 1e6:>10.1f}µs{t_sg * 1e6:>13.1f}µs")
        rows.append((d, s.tree, s.dag, s.backward_graph))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller n")
    parser.add_argument("--plot", metavar="FILE.png", help="write the log-log plots")
    args = parser.parse_args()
    ns = [10, 100, 1000] if args.quick else [10, 100, 1000, 10_000, 100_000]
    logistic_rows, keys = cost_table("logistic loss", logistic, ns, symbolic_limit=10)
    mlp_rows, _ = cost_table("MLP loss", mlp, ns, symbolic_limit=0)
    swell_rows = swell_table([1, 2, 4, 6, 8] if args.quick else [1, 2, 4, 6, 8, 10])
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
        for ax, (title, rows) in zip(axes, (("logistic loss", logistic_rows),
                                            ("MLP loss", mlp_rows))):
            for k in keys:
                pts = [(r["n"], r[k]) for r in rows if r[k] == r[k]]
                if pts:
                    ax.loglog(*zip(*pts), "o-", label=k)
            ax.set(xlabel="n (inputs)", ylabel="seconds", title=f"gradient of the {title}")
            ax.legend()
        d, tree, dag, graph = zip(*swell_rows)
        axes[2].semilogy(d, tree, "o-", label="symbolic, tree")
        axes[2].semilogy(d, dag, "o-", label="symbolic, DAG (cse)")
        axes[2].semilogy(d, graph, "o-", label="semigrad backward graph")
        axes[2].set(xlabel="d (compositions)", ylabel="operations",
                    title="expression swell of the gradient")
        axes[2].legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"\nplot written to {args.plot}")


if __name__ == "__main__":
    main()
