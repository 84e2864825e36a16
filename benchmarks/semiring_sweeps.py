"""Semiring sweeps over the W2 MLP, relative to the real backward pass.

The MLP 784-512-512-10 (tanh, softmax cross-entropy, batch 256) is traced
once; then, on the same graph, we time the ordinary reverse pass (the Real
semiring through the engine, ``sg.grad``) and the semiring sweeps
(``Graph.backprop``) for Real, MaxProduct (the values the top-path
backpointer search reads), Entropy, Log and Counting, printing medians and
ratios to the real backward pass. Reports, never asserts.

    python benchmarks/semiring_sweeps.py [--batch 256] [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np

import semigrad as sg
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
    grad = sg.grad(loss, argnums=tuple(range(len(params))))
    real = median_time(lambda: grad(*params), args.rounds)
    print(f"MLP {'-'.join(map(str, sizes))}, batch {batch}, float64: {len(graph)} hyperedges")
    print(f"{'sweep':<22}{'median':>12}{'ratio to real backward':>26}")
    print(f"{'real backward (grad)':<22}{real * 1e3:>10.2f}ms{1.0:>26.2f}")
    semirings = [sg.semirings.Real(), sg.semirings.MaxProduct(), sg.semirings.Entropy(),
                 sg.semirings.Log(), sg.semirings.Counting()]
    for s in semirings:
        t = median_time(lambda s=s: graph.backprop(s), max(1, args.rounds // 2))
        print(f"{type(s).__name__:<22}{t * 1e3:>10.2f}ms{t / real:>26.2f}")
    # Top paths scalarise the graph (one edge per product term): one example at a time.
    one = sg.trace(lambda *p: mlp_loss(p, x[:1], labels[:1]), *params)
    t = median_time(lambda: sg.paths.top(one, wrt=[0], k=3), 1)
    print(f"{'top-3 paths, 1 example':<22}{t * 1e3:>10.2f}ms{t / real:>26.2f}")


if __name__ == "__main__":
    main()
