"""Backprop computes marginals, and max-product backprop finds the Viterbi path.

A linear-chain CRF over T positions and L labels scores a label sequence y by
exp(Σ_t U[t, y_t] + Σ_t P[y_{t−1}, y_t]). Its log-partition log Z is computed
by the forward algorithm, written with semigrad operations; then

* the gradient of log Z with respect to the unary potentials U is the matrix
  of unary marginals p(y_t = j), and with respect to the transition
  potentials P the expected transition counts (Real semiring);
* in the linear-space forward algorithm every path from the start vector to Z
  visits one α_t[j] per position: a label sequence, weighted by its score, so
  the top path of the MaxProduct sweep *is* the Viterbi path.

Both are checked against enumerating all L^T label sequences.

    python examples/crf.py
"""

from __future__ import annotations

import itertools

import numpy as np

import semigrad as sg


def log_partition(unary, transition):
    """log Z by the forward algorithm in log space (stable)."""
    alpha = unary[0]
    for t in range(1, unary.shape[0]):
        alpha = sg.logsumexp(alpha[:, None] + transition, axis=0) + unary[t]
    return sg.logsumexp(alpha, axis=0)


def partition(start, psi_unary, psi_transition):
    """Z by the forward algorithm in linear space, from a start vector of ones."""
    alpha = start * psi_unary[0]
    for t in range(1, psi_unary.shape[0]):
        alpha = (alpha @ psi_transition) * psi_unary[t]
    return sg.sum(alpha)


def marginals(unary, transition):
    """(unary marginals T×L, expected transition counts L×L) as gradients of log Z."""
    return sg.grad(log_partition, argnums=(0, 1))(unary, transition)


def viterbi(unary, transition):
    """The best label sequence, read off the top path of the max-product sweep."""
    labels = unary.shape[1]
    start = sg.tensor(np.ones(labels), requires_grad=True, name="start")
    z = partition(start, np.exp(unary), np.exp(transition))
    best = sg.paths.top(z, start, k=1)[0]
    # The path reaches each α_t through its multiply by ψ_U[t]: those hops name the labels.
    sequence = [hop.to_element[0] for hop in best.hops if hop.primitive == "multiply"]
    return sequence, np.log(best.weight)


def brute_force(unary, transition):
    """Marginals, transition counts, the best sequence and log Z by enumeration."""
    length, labels = unary.shape
    scores = {}
    for y in itertools.product(range(labels), repeat=length):
        s = sum(unary[t, y[t]] for t in range(length))
        s += sum(transition[y[t - 1], y[t]] for t in range(1, length))
        scores[y] = s
    log_z = np.logaddexp.reduce(list(scores.values()))
    unary_marg = np.zeros_like(unary)
    pair = np.zeros_like(transition)
    for y, s in scores.items():
        p = np.exp(s - log_z)
        for t in range(length):
            unary_marg[t, y[t]] += p
            if t:
                pair[y[t - 1], y[t]] += p
    best = max(scores, key=scores.get)
    return unary_marg, pair, list(best), scores[best], log_z


def main():
    rng = np.random.default_rng(0)
    unary, transition = rng.standard_normal((5, 3)), rng.standard_normal((3, 3))
    unary_marg, pair, best, best_score, log_z = brute_force(unary, transition)
    g_unary, g_transition = marginals(unary, transition)
    path, score = viterbi(unary, transition)
    print(f"log Z: forward algorithm {float(log_partition(unary, transition)):.12f}, "
          f"enumeration {log_z:.12f}")
    print("unary marginals = ∂log Z/∂U, max |difference| from enumeration:",
          f"{np.abs(g_unary - unary_marg).max():.2e}")
    print("transition counts = ∂log Z/∂P, max |difference|:",
          f"{np.abs(g_transition - pair).max():.2e}")
    print(f"Viterbi by the top max-product path: {path} (score {score:.6f});"
          f" by enumeration: {best} (score {best_score:.6f})")


if __name__ == "__main__":
    main()
