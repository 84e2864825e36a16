"""micrograd (``micrograd.engine.Value``): scalars only, and only +, *, ** by a constant, relu.

It has no exp, log or sin, and no ``Value ** Value``. So that it can run the scalar workloads
at all, this module adds exp, log and sin as nodes built the way micrograd builds its own (a
``Value`` with its parents and a ``_backward`` closure), and W1 writes ``y ** -x`` as
``exp(-x * log(y))``. The array workloads W1b, W2 and W6 are skipped. W5 runs its 10-element
arrays as 10 scalar chains. ``Value.backward`` sorts the graph recursively, so graphs deeper
than Python's recursion limit (left as is) end in RecursionError, which is reported.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from micrograd.engine import Value

from problems import RECURRENCE_START, SEED_POINT, Case, Skip, chain, chain_data, recurrence

NOTE = "exp/log/sin added in micrograd's own style (it has none)"


def _unary(a, value, derivative, name):
    out = Value(value, (a,), name)

    def _backward():
        a.grad += derivative * out.grad

    out._backward = _backward
    return out


def exp(a):
    e = math.exp(a.data)
    return _unary(a, e, e, "exp")


def log(a):
    return _unary(a, math.log(a.data), 1.0 / a.data, "log")


def sin(a):
    return _unary(a, math.sin(a.data), math.cos(a.data), "sin")


ops = SimpleNamespace(exp=exp, log=log, sin=sin)


def _seed(x, y, z, v):
    """The seed function with ``y ** -x`` written as ``exp(-x * log(y))``."""
    return exp(exp(-x * log(y)) - log(z)) + (y - z) ** 2 * log(v)


def w1(sizes):
    def value_and_grad():
        args = [Value(a) for a in SEED_POINT]
        out = _seed(*args)
        out.backward()
        return [out.data, *(a.grad for a in args)]

    return Case({"value+grad": value_and_grad}, value_and_grad, notes=[NOTE])


def w1b(sizes):
    raise Skip("scalars only")


def w2(sizes):
    raise Skip("scalars only")


def w3(sizes):
    raise Skip("no higher-order derivatives (its backward works on Python floats)")


def w4(sizes):
    def run():
        a0, a1 = Value(RECURRENCE_START[0]), Value(RECURRENCE_START[1])
        out = recurrence(ops, a0, a1, sizes.steps)
        out.backward()
        return [out.data, a0.grad, a1.grad]

    return Case({"build+backward": run}, run, notes=[NOTE])


def w5(sizes):
    x, mul, add = chain_data(sizes)

    def value_and_grad():
        xs = [Value(float(a)) for a in x]
        outs = [chain(ops, h, float(m), float(b), sizes.chain_ops) for h, m, b in zip(xs, mul, add)]
        total = sum(outs)
        total.backward()
        return [total.data, [h.grad for h in xs]]

    return Case({"per op": value_and_grad}, value_and_grad, per_call_divisor=sizes.chain_ops,
                notes=[NOTE])


def w6(sizes):
    raise Skip("scalars only: no arrays, linear algebra, FFT or complex numbers")
