"""The benchmark workloads, written once for every library.

Each workload is described here (what it measures, its sizes, its input data) and its
mathematics is written once as plain Python over an ``ops`` namespace (``ops.exp``,
``ops.log``, ``ops.sin``, ``ops.tanh``, ``ops.sum``, ``ops.matmul``, ``ops.log_softmax``), so
every library computes exactly the same thing. W6 is written over a whole NumPy-like module
``m`` instead (``m.linalg``, ``m.fft``, ``m.real`` ...): ordinary NumPy code, one import
away. The per-library files in ``adapters/`` only supply ``ops`` (or ``m``), wrap the inputs
and call their library's gradient machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LEARNING_RATE = 0.01
SEED_POINT = (0.5, 2.0, 3.0, 4.0)
RECURRENCE_START = (0.3, 0.7)


class Skip(Exception):
    """Raised by an adapter for a workload its library cannot run; the message says why."""


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    measures: tuple[str, ...]
    memory: bool = False  # one full-size call per round, with its peak memory growth


WORKLOADS = {
    "W1": Workload("W1", "seed function on Python floats: value and all 4 partials, per call",
                   ("value+grad",)),
    "W1b": Workload("W1b", "seed function on float64 arrays, output summed: per call",
                    ("value+grad", "forward")),
    "W2": Workload("W2", "MLP 784-512-512-10, tanh, softmax cross-entropy, batch 256, float32",
                   ("SGD step", "forward")),
    "W3": Workload("W3", "full Hessian of Σ log(1 + exp(Ax)) + ½|x|², A: 200×n, float64",
                   ("n=50", "n=200")),
    "W4": Workload("W4", "scalar recurrence a' = sin(a)/2 + a_prev/2, grad w.r.t. a0 and a1",
                   ("build+backward",), memory=True),
    "W5": Workload("W5", "elementwise mul/add/sin chain on 10-element float64 arrays, "
                   "then sum and backward: time per operation", ("per op",)),
    "W6": Workload("W6", "NumPy code through one import: slogdet, solve, rfft/fft, complex "
                   "intermediates, n×n float64: value and gradient", ("value+grad", "forward")),
}


@dataclass(frozen=True)
class Sizes:
    array_len: int = 1_000_000  # W1b
    layers: tuple[int, ...] = (784, 512, 512, 10)  # W2
    batch: int = 256  # W2
    steps: int = 100_000  # W4
    chain_ops: int = 1000  # W5
    chain_len: int = 10  # W5
    hessian_ns: tuple[int, ...] = (50, 200)  # W3 (one measure per n, named "n=<n>")
    numpy_n: int = 256  # W6: A is n×n, x has n elements
    target_s: float = 0.5  # minimum duration of one timed batch of calls


FULL = Sizes()
QUICK = Sizes(array_len=100_000, steps=10_000, chain_ops=300, target_s=0.1,
              hessian_ns=(50, 200), numpy_n=128)


@dataclass
class Case:
    """What an adapter hands the worker for one workload.

    ``timed`` maps each measure of the workload to a zero-argument callable doing one call;
    ``check`` returns the canonical result (a list of floats / numpy arrays: the value, then
    the gradients) that is compared against the hand-written NumPy reference;
    ``per_call_divisor`` turns a per-call time into the reported unit (W5: per operation);
    ``first`` holds, per measure, figures of calls an adapter made before the timing (a
    compiled function's first call and what it cost), which replace the worker's own.
    """

    timed: dict[str, Callable[[], Any]]
    check: Callable[[], list] | None = None
    per_call_divisor: int = 1
    notes: list[str] = field(default_factory=list)
    first: dict[str, dict] = field(default_factory=dict)


# ---- input data (seeded, identical for every library) ----------------------------------


def seed_arrays(n: int) -> tuple[np.ndarray, ...]:
    """W1b inputs x, y, z, v inside the seed function's domain."""
    rng = np.random.default_rng(1)
    return (rng.uniform(0.1, 1.0, n), rng.uniform(1.0, 3.0, n),
            rng.uniform(1.0, 3.0, n), rng.uniform(1.0, 4.0, n))


def mlp_data(sizes: Sizes) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """W2 float32 parameters {W1, b1, W2, b2, W3, b3}, a batch of inputs and integer labels."""
    rng = np.random.default_rng(2)
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes.layers, sizes.layers[1:], strict=False), 1):
        params[f"W{i}"] = (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)
        params[f"b{i}"] = np.zeros(n_out, np.float32)
    x = rng.standard_normal((sizes.batch, sizes.layers[0])).astype(np.float32)
    labels = rng.integers(0, sizes.layers[-1], sizes.batch)
    return params, x, labels


def hessian_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """W3 matrix A (200×n) and point x (float64)."""
    rng = np.random.default_rng(4)
    return rng.standard_normal((200, n)) / np.sqrt(n), rng.standard_normal(n)


def chain_data(sizes: Sizes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W5 input x, the multipliers and the addends (float64, ``chain_len`` elements each)."""
    rng = np.random.default_rng(3)
    n = sizes.chain_len
    return rng.uniform(-1.0, 1.0, n), rng.uniform(0.9, 1.1, n), rng.uniform(-0.01, 0.01, n)


def numpy_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """W6 matrix A = 3 I + 0.1 · randn (n×n, well-conditioned) and vector x (float64)."""
    rng = np.random.default_rng(6)
    return 3.0 * np.eye(n) + 0.1 * rng.standard_normal((n, n)), rng.standard_normal(n)


# ---- the mathematics, generic over ``ops`` ---------------------------------------------


def seed(ops, x, y, z, v):
    """The seed function f(x, y, z, v)."""
    return ops.exp(y ** -x - ops.log(z)) + (y - z) ** 2 * ops.log(v)


def mlp_loss(ops, params, x, labels, rows):
    """Mean softmax cross-entropy of the tanh MLP; ``rows`` is arange(batch)."""
    h = x
    n_layers = len(params) // 2
    for i in range(1, n_layers + 1):
        h = ops.matmul(h, params[f"W{i}"]) + params[f"b{i}"]
        if i < n_layers:
            h = ops.tanh(h)
    logp = ops.log_softmax(h)
    return -logp[rows, labels].mean()


def logistic(ops, a, x):
    """W3: Σ log(1 + exp(A x)) + ½|x|²."""
    return ops.sum(ops.log(1.0 + ops.exp(ops.matmul(a, x)))) + 0.5 * ops.sum(x * x)


def hessian_case(hessian_for, sizes) -> Case:
    """A W3 case from ``hessian_for(a, x) -> (callable computing H, H to numpy)``."""
    timed, results = {}, []
    for n in sizes.hessian_ns:
        a, x = hessian_data(n)
        fn, to_numpy = hessian_for(a, x)
        timed[f"n={n}"] = fn
        results.append((fn, to_numpy))
    return Case(timed, lambda: [np.asarray(to_numpy(fn())) for fn, to_numpy in results])


def recurrence(ops, a0, a1, steps: int):
    """``steps`` updates of a(i+1) = sin(a(i)) * 0.5 + a(i-1) * 0.5; returns the last a."""
    prev, cur = a0, a1
    for _ in range(steps):
        prev, cur = cur, ops.sin(cur) * 0.5 + prev * 0.5
    return cur


def chain(ops, x, mul, add, n_ops: int):
    """``n_ops`` elementwise operations cycling through h*mul, h+add, sin(h)."""
    h = x
    for i in range(n_ops):
        step = i % 3
        if step == 0:
            h = h * mul
        elif step == 1:
            h = h + add
        else:
            h = ops.sin(h)
    return h


def numpy_program(m, a, x):
    """W6, over a NumPy-like module ``m``: a real scalar from real A (n×n) and x (n).

    log|det A| + Σ solve(A, x)² + Σ |rfft(x · tanh(A x))|² / n + Σ Re(exp(i x) · conj(fft(x))).
    ``slogdet(a)[1]`` is its ``logabsdet`` (autograd's traced result is a plain sequence).
    """
    n = x.shape[0]
    return (m.linalg.slogdet(a)[1] + m.sum(m.linalg.solve(a, x) ** 2)
            + m.sum(m.abs(m.fft.rfft(x * m.tanh(a @ x))) ** 2) / n
            + m.sum(m.real(m.exp(1j * x) * m.conj(m.fft.fft(x)))))
