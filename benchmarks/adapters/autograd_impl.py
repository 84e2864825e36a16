"""HIPS autograd: ``autograd.value_and_grad`` over ``autograd.numpy``.

"forward" measures call the same function on plain arrays, where autograd's numpy wrappers
record nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import autograd.numpy as anp
import numpy as np
from autograd import value_and_grad as ag_value_and_grad
from autograd.scipy.special import logsumexp

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

ops = SimpleNamespace(exp=anp.exp, log=anp.log, sin=anp.sin, tanh=anp.tanh, sum=anp.sum,
                      matmul=anp.matmul,
                      log_softmax=lambda h: h - logsumexp(h, axis=1, keepdims=True))


def _numpy(values):
    return [np.asarray(v) for v in values]


def w1(sizes):
    value_and_grad = ag_value_and_grad(lambda *a: seed(ops, *a), argnum=(0, 1, 2, 3))

    def check():
        value, grads = value_and_grad(*SEED_POINT)
        return _numpy([value, *grads])

    return Case({"value+grad": lambda: value_and_grad(*SEED_POINT)}, check)


def w1b(sizes):
    args = seed_arrays(sizes.array_len)
    total = lambda *a: anp.sum(seed(ops, *a))
    value_and_grad = ag_value_and_grad(total, argnum=(0, 1, 2, 3))

    def check():
        value, grads = value_and_grad(*args)
        return _numpy([value, *grads])

    return Case({"value+grad": lambda: value_and_grad(*args), "forward": lambda: total(*args)},
                check)


def w2(sizes):
    params, x, labels = mlp_data(sizes)
    rows = np.arange(sizes.batch)
    loss = lambda p: mlp_loss(ops, p, x, labels, rows)
    value_and_grad = ag_value_and_grad(loss)

    def step():
        value, grads = value_and_grad(params)
        for k, g in grads.items():
            params[k] -= LEARNING_RATE * g
        return value

    def check():
        value, grads = value_and_grad(mlp_data(sizes)[0])
        return _numpy([value, *(grads[k] for k in params)])

    return Case({"SGD step": step, "forward": lambda: loss(params)}, check)


def w3(sizes):
    """``autograd.hessian`` (reverse over reverse, row by row)."""
    from autograd import hessian as ag_hessian

    def hessian_for(a, x):
        hessian = ag_hessian(lambda v: logistic(ops, a, v))
        return (lambda: hessian(x)), np.asarray

    return hessian_case(hessian_for, sizes)


def w4(sizes):
    value_and_grad = ag_value_and_grad(
        lambda a0, a1: recurrence(ops, a0, a1, sizes.steps), argnum=(0, 1))

    def run():
        value, grads = value_and_grad(*RECURRENCE_START)
        return _numpy([value, *grads])

    return Case({"build+backward": run}, run)


def w5(sizes):
    x, mul, add = chain_data(sizes)
    value_and_grad = ag_value_and_grad(lambda h: anp.sum(chain(ops, h, mul, add, sizes.chain_ops)))

    def check():
        return _numpy(value_and_grad(x))

    return Case({"per op": lambda: value_and_grad(x)}, check, per_call_divisor=sizes.chain_ops)


def w6(sizes):
    """The NumPy program over ``autograd.numpy``."""
    a, x = numpy_data(sizes.numpy_n)
    f = lambda a, x: numpy_program(anp, a, x)
    value_and_grad = ag_value_and_grad(f, argnum=(0, 1))

    def check():
        value, grads = value_and_grad(a, x)
        return _numpy([value, *grads])

    return Case({"value+grad": lambda: value_and_grad(a, x), "forward": lambda: f(a, x)}, check)
