"""semigrad itself: the functional API (``sg.value_and_grad``) and, for W4, the eager Tensor API.

W6 runs its NumPy code over ``semigrad.numpy``.

Functions are called on plain numpy arrays for the "forward" measures: semigrad returns
plain numpy values when no Tensor is involved, so that is its no-tape path.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import semigrad as sg
import semigrad.numpy as snp
from problems import (
    LEARNING_RATE,
    RECURRENCE_START,
    SEED_POINT,
    Case,
    chain,
    chain_data,
    hessian_case,
    logistic,
    mlp_data,
    mlp_loss,
    numpy_data,
    numpy_program,
    recurrence,
    seed,
    seed_arrays,
)

ops = SimpleNamespace(exp=sg.exp, log=sg.log, sin=sg.sin, tanh=sg.tanh, sum=sg.sum,
                      matmul=sg.matmul, log_softmax=lambda h: sg.log_softmax(h, axis=1))


def _array(a):
    """A Tensor's value (or a plain array / float) as a numpy array."""
    return np.asarray(getattr(a, "value", a))


def w1(sizes):
    value_and_grad = sg.value_and_grad(lambda *a: seed(ops, *a), argnums=(0, 1, 2, 3))

    def check():
        value, grads = value_and_grad(*SEED_POINT)
        return [value, *grads]

    return Case({"value+grad": lambda: value_and_grad(*SEED_POINT)}, check)


def w1b(sizes):
    args = seed_arrays(sizes.array_len)
    total = lambda *a: sg.sum(seed(ops, *a))
    value_and_grad = sg.value_and_grad(total, argnums=(0, 1, 2, 3))

    def check():
        value, grads = value_and_grad(*args)
        return [value, *grads]

    return Case({"value+grad": lambda: value_and_grad(*args), "forward": lambda: total(*args)},
                check)


def w2(sizes):
    params, x, labels = mlp_data(sizes)
    rows = np.arange(sizes.batch)
    loss = lambda p: mlp_loss(ops, p, x, labels, rows)
    value_and_grad = sg.value_and_grad(loss)

    def step():
        value, grads = value_and_grad(params)
        for k, g in grads.items():
            params[k] -= LEARNING_RATE * g
        return value

    def check():
        value, grads = value_and_grad(mlp_data(sizes)[0])
        return [value, *(grads[k] for k in params)]

    return Case({"SGD step": step, "forward": lambda: loss(params)}, check)


def w3(sizes):
    """``sg.hessian``: forward-over-reverse, one batched sweep per order."""

    def hessian_for(a, x):
        hessian = sg.hessian(lambda v: logistic(ops, a, v))
        return (lambda: hessian(x)), _array

    return hessian_case(hessian_for, sizes)


def w4(sizes):
    """Eager Tensor API: build the graph step by step, then ``.backward()``."""

    def run():
        a0 = sg.tensor(RECURRENCE_START[0], requires_grad=True)
        a1 = sg.tensor(RECURRENCE_START[1], requires_grad=True)
        out = recurrence(ops, a0, a1, sizes.steps)
        out.backward()
        return [_array(out), _array(a0.grad), _array(a1.grad)]

    return Case({"build+backward": run}, run)


def w5(sizes):
    x, mul, add = chain_data(sizes)
    value_and_grad = sg.value_and_grad(lambda h: sg.sum(chain(ops, h, mul, add, sizes.chain_ops)))

    def check():
        value, grad = value_and_grad(x)
        return [value, grad]

    return Case({"per op": lambda: value_and_grad(x)}, check, per_call_divisor=sizes.chain_ops)


def w6(sizes):
    """The NumPy program over ``semigrad.numpy``."""
    a, x = numpy_data(sizes.numpy_n)
    f = lambda a, x: numpy_program(snp, a, x)
    value_and_grad = sg.value_and_grad(f, argnums=(0, 1))

    def check():
        value, grads = value_and_grad(a, x)
        return [value, *grads]

    return Case({"value+grad": lambda: value_and_grad(a, x), "forward": lambda: f(a, x)}, check)
