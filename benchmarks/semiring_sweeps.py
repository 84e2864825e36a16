"""Semiring sweeps over the W2 MLP, relative to the real backward pass.

The MLP 784-512-512-10 (tanh, softmax cross-entropy, batch 256) is traced
once; then, on the same graph, we time the ordinary reverse pass (the Real
semiring through the engine, ``sg.grad``) and the semiring sweeps
(``Graph.backprop``) for Real, MaxProduct, MaxPlus, KMax(3), Entropy, Log and
Counting, and the top-1 and top-3 gradient paths of one example
(``sg.paths.top``: one k-max sweep with backpointers, then the paths read
back), printing medians and ratios to the real backward pass.

The selective semirings' contractions run compiled when numba is installed
(its one-time compile, or load from numba's on-disk cache, is reported
apart) and are timed again on NumPy's blocked loops. Reports, never asserts.

    python benchmarks/semiring_sweeps.py [--batch 256] [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib

import numpy as np

import semigrad as sg
from semigrad.semiring import kernels
from timing import median_time


def mlp_loss(params, x, labels):
    h = x
    for k in range(len(params) // 2 - 1):
        h = sg.tanh(h @ params[2 * k] + params[2 * k + 1])
    logits = h @ params[-2] + params[-1]
    logp = sg.log_softmax(logits, axis=1)
    return -sg.mean(logp[np.arange(len(labels)), labels])


def setup(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params += [rng.standard_normal((a, b)) / np.sqrt(a), np.zeros(b)]
    x = rng.standard_normal((batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], batch)
    return params, x, labels


def row(name, seconds, real):
    print(f"{name:<34}{seconds * 1e3:>10.2f}ms{seconds / real:>12.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a 64-32-32-10 MLP, batch 32")
    args = parser.parse_args()
    sizes = (64, 32, 32, 10) if args.quick else (784, 512, 512, 10)
    batch = 32 if args.quick else args.batch
    params, x, labels = setup(sizes, batch)
    loss = lambda *p: mlp_loss(p, x, labels)  # noqa: E731
    graph = sg.trace(loss, *params)
    one = sg.trace(lambda *p: mlp_loss(p, x[:1], labels[:1]), *params)
    grad = sg.grad(loss, argnums=tuple(range(len(params))))

    if kernels.numba_available():
        kernels.contract("ij,jk->ik", np.ones((2, 2)), np.ones((2, 2)), "times")
        print(f"numba: used; its kernels compiled (or loaded from numba's cache) once, in "
              f"{kernels.compile_seconds():.2f} s, not counted below")
    else:
        print("numba: not installed; the selective contractions run on NumPy's blocked loops")
    real = median_time(lambda: grad(*params), args.rounds)
    print(f"MLP {'-'.join(map(str, sizes))}, batch {batch}, float64: {len(graph)} hyperedges; "
          "one thread is meant (OMP_NUM_THREADS=1)")
    print(f"{'sweep':<34}{'median':>12}{'ratio':>12}   (ratio: to the real backward pass)")
    row("real backward (sg.grad)", real, real)
    rounds = max(1, args.rounds // 2)
    semirings = [sg.semirings.Real(), sg.semirings.MaxProduct(), sg.semirings.MaxPlus(),
                 sg.semirings.KMax(3), sg.semirings.Entropy(), sg.semirings.Log(),
                 sg.semirings.Counting()]
    selective = (sg.semirings.MaxProduct, sg.semirings.MaxPlus, sg.semirings.KMax)
    backends = ["numba", "NumPy loops"] if kernels.numba_available() else ["NumPy loops"]
    for s in semirings:
        for backend in backends if isinstance(s, selective) else [""]:
            with _backend(backend):
                t = median_time(lambda s=s: graph.backprop(s), rounds)
            row(f"{s!r}{f' ({backend})' if backend else ''}", t, real)
    for k in (1, 3):
        for backend in backends:
            with _backend(backend):
                t = median_time(lambda k=k: sg.paths.top(one, wrt=[0], k=k), args.rounds)
            row(f"top-{k} paths, 1 example ({backend})", t, real)


def _backend(name):
    """The kernels as named: NumPy's loops, or whatever is installed."""
    return kernels.numpy_only() if name == "NumPy loops" else contextlib.nullcontext()


if __name__ == "__main__":
    main()
