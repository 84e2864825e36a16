"""semigrad itself: the functional API (``sg.value_and_grad``) and, for W4, the eager Tensor API.

W6 runs its NumPy code over ``semigrad.numpy``. With ``jit=True`` (``semigrad-jit``) the same
functions go through ``sg.jit``: traced once, then run as the compiled straight-line program
(W4, the eager Tensor API, has no compiled form).

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
    Skip,
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


def _compiled(fn, jit):
    return sg.jit(fn) if jit else fn


def _warmed(case, jit, programs=None):
    """With ``jit``: each measure's first call (trace and lowering) and the calls up to the
    native tier are made here, not timed, as the peers' compilations are; ``programs`` maps
    each measure to its jitted function and arguments. The native tier compiles in a
    background thread from the ``HOT_CALLS``-th call on; its time is waited for and reported
    separately, with the slowest of those calls (none waits for the compiler)."""
    if not jit:
        return case
    import importlib
    from time import perf_counter

    hot = importlib.import_module("semigrad.jit").HOT_CALLS
    for measure, fn in case.timed.items():
        start = perf_counter()
        fn()
        first = perf_counter() - start
        slowest = 0.0
        for _ in range(hot):
            start = perf_counter()
            fn()
            slowest = max(slowest, perf_counter() - start)
        jitted, args = programs[measure]
        jitted.wait_native(*args)
        cost = jitted.seconds(*args)
        case.first[measure] = {"first_s": first, "trace_s": cost["trace"],
                               "lower_s": cost["lower"], "native_s": cost["native"],
                               "slowest_warm_s": slowest}
    return case


def _array(a):
    """A Tensor's value (or a plain array / float) as a numpy array."""
    return np.asarray(getattr(a, "value", a))


def w1(sizes, jit=False):
    value_and_grad = _compiled(
        sg.value_and_grad(lambda *a: seed(ops, *a), argnums=(0, 1, 2, 3)), jit)

    def check():
        value, grads = value_and_grad(*SEED_POINT)
        return [value, *grads]

    return _warmed(Case({"value+grad": lambda: value_and_grad(*SEED_POINT)}, check), jit,
                   {"value+grad": (value_and_grad, SEED_POINT)})


def w1b(sizes, jit=False):
    args = seed_arrays(sizes.array_len)
    total = _compiled(lambda *a: sg.sum(seed(ops, *a)), jit)
    value_and_grad = _compiled(sg.value_and_grad(lambda *a: sg.sum(seed(ops, *a)),
                                                 argnums=(0, 1, 2, 3)), jit)

    def check():
        value, grads = value_and_grad(*args)
        return [value, *grads]

    return _warmed(Case({"value+grad": lambda: value_and_grad(*args),
                         "forward": lambda: total(*args)}, check), jit,
                   {"value+grad": (value_and_grad, args), "forward": (total, args)})


def w2(sizes, jit=False):
    params, x, labels = mlp_data(sizes)
    rows = np.arange(sizes.batch)
    loss = _compiled(lambda p: mlp_loss(ops, p, x, labels, rows), jit)
    value_and_grad = _compiled(sg.value_and_grad(lambda p: mlp_loss(ops, p, x, labels, rows)),
                               jit)

    def step():
        value, grads = value_and_grad(params)
        for k, g in grads.items():
            params[k] -= LEARNING_RATE * g
        return value

    def check():
        value, grads = value_and_grad(mlp_data(sizes)[0])
        return [value, *(grads[k] for k in params)]

    return _warmed(Case({"SGD step": step, "forward": lambda: loss(params)}, check), jit,
                   {"SGD step": (value_and_grad, (params,)), "forward": (loss, (params,))})


def w3(sizes, jit=False):
    """``sg.hessian``: forward-over-reverse, one batched sweep per order."""

    programs = {}

    def hessian_for(a, x):
        hessian = _compiled(sg.hessian(lambda v: logistic(ops, a, v)), jit)
        programs[f"n={len(x)}"] = (hessian, (x,))
        return (lambda: hessian(x)), _array

    return _warmed(hessian_case(hessian_for, sizes), jit, programs)


def w4(sizes, jit=False):
    """Eager Tensor API: build the graph step by step, then ``.backward()``."""
    if jit:
        raise Skip("the eager Tensor API (build, then backward) has no compiled form")

    def run():
        a0 = sg.tensor(RECURRENCE_START[0], requires_grad=True)
        a1 = sg.tensor(RECURRENCE_START[1], requires_grad=True)
        out = recurrence(ops, a0, a1, sizes.steps)
        out.backward()
        return [_array(out), _array(a0.grad), _array(a1.grad)]

    return Case({"build+backward": run}, run)


def w5(sizes, jit=False):
    x, mul, add = chain_data(sizes)
    value_and_grad = _compiled(
        sg.value_and_grad(lambda h: sg.sum(chain(ops, h, mul, add, sizes.chain_ops))), jit)

    def check():
        value, grad = value_and_grad(x)
        return [value, grad]

    return _warmed(Case({"per op": lambda: value_and_grad(x)}, check,
                        per_call_divisor=sizes.chain_ops), jit,
                   {"per op": (value_and_grad, (x,))})


def w6(sizes, jit=False):
    """The NumPy program over ``semigrad.numpy``."""
    a, x = numpy_data(sizes.numpy_n)
    f = _compiled(lambda a, x: numpy_program(snp, a, x), jit)
    value_and_grad = _compiled(
        sg.value_and_grad(lambda a, x: numpy_program(snp, a, x), argnums=(0, 1)), jit)

    def check():
        value, grads = value_and_grad(a, x)
        return [value, *grads]

    return _warmed(Case({"value+grad": lambda: value_and_grad(a, x), "forward": lambda: f(a, x)},
                        check), jit,
                   {"value+grad": (value_and_grad, (a, x)), "forward": (f, (a, x))})
