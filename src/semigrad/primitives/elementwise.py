"""Elementwise primitives: one block each, forward beside its partials.

Each partial is ∂out/∂in_i as a function ``(*inputs, out) -> array``, written
with these same primitives (or Python operators, which call them on Tensors)
so that it can be recorded and differentiated again; on plain arrays the
operators are NumPy's and nothing is recorded. A partial may return the
Python ints 1 or -1 (free) and broadcasts against the output; the reverse
and forward rules are derived from it in :class:`~semigrad.primitives.base.Elementwise`.

Conventions at non-differentiable points (documented in docs/semantics.md):
|x|' = 0 at 0; relu'(0) = 0; maximum/minimum of equal values split the
derivative in halves (as JAX and PyTorch); clip passes the derivative at the
bounds (as PyTorch); d(x**0)/dx = 0 and d(0**y)/dy = 0.
"""

from __future__ import annotations

import numpy as np

from .base import Elementwise


def _stable_sigmoid(x):
    # exp(-|x|) never overflows; for x < 0, sigmoid(x) = e^x / (1 + e^x).
    e = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0), 1 / (1 + e), e / (1 + e))[()]


def _power(x, y):
    return x**y


def _inverse(y):
    # 1/y; a Python-number divisor goes through NumPy (inf at 0, not ZeroDivisionError).
    return 1.0 / (np.float64(y) if type(y) is int or type(y) is float else y)


# ---- arithmetic ----------------------------------------------------------

add = Elementwise("add", lambda x, y: x + y, (lambda x, y, out: 1, lambda x, y, out: 1))

subtract = Elementwise(
    "subtract", lambda x, y: x - y, (lambda x, y, out: 1, lambda x, y, out: -1)
)

multiply = Elementwise(
    "multiply", lambda x, y: x * y, (lambda x, y, out: y, lambda x, y, out: x)
)

divide = Elementwise(
    "divide",
    lambda x, y: x / y,
    (lambda x, y, out: _inverse(y), lambda x, y, out: -out / y),
)

negative = Elementwise("negative", lambda x: -x, (lambda x, out: -1,))

reciprocal = Elementwise(
    "reciprocal", lambda x: 1.0 / x, (lambda x, out: -(out * out),)
)


def _value(x):
    return getattr(x, "value", x) if not isinstance(x, np.ndarray) else x


def _dpow_base(x, y, out):
    # y * x**(y-1), with the convention d(x**0)/dx = 0 (also at x = 0, where
    # the formula gives 0 * inf).
    if type(y) is int or type(y) is float:
        if y == 0:
            return 0.0
        if y == 1:
            return 1
        return 2.0 * x if y == 2 else y * x ** (y - 1)
    if (np.asarray(_value(x)) != 0).all():
        return y * out / x  # = y * x**(y-1) without a second power
    return where(equal(y, 0), 0.0, y * x ** (y - 1))


def _dpow_exponent(x, y, out):
    # out * log(x); at x = 0 the limit is 0 (for y > 0). Negative bases have no
    # real derivative in y: NaN there, as in NumPy, PyTorch and JAX.
    if (np.asarray(_value(x)) > 0).all():
        return out * log(x)
    positive = greater(x, 0)
    safe = where(positive, x, 1.0)
    return where(positive, out * log(safe), where(equal(x, 0), 0.0, np.nan))


power = Elementwise("power", _power, (_dpow_base, _dpow_exponent))

square = Elementwise("square", lambda x: x * x, (lambda x, out: 2.0 * x,))

sqrt = Elementwise("sqrt", np.sqrt, (lambda x, out: 0.5 / out,))

abs_ = Elementwise("abs", np.abs, (lambda x, out: sign(x),))

sign = Elementwise("sign", np.sign, None)

# ---- exponentials and logarithms -----------------------------------------

exp = Elementwise("exp", np.exp, (lambda x, out: out,))

log = Elementwise("log", np.log, (lambda x, out: 1.0 / x,))

log1p = Elementwise("log1p", np.log1p, (lambda x, out: 1.0 / (x + 1.0),))

expm1 = Elementwise("expm1", np.expm1, (lambda x, out: out + 1.0,))

# ---- trigonometric and hyperbolic ----------------------------------------

sin = Elementwise("sin", np.sin, (lambda x, out: cos(x),))

cos = Elementwise("cos", np.cos, (lambda x, out: -sin(x),))

tan = Elementwise("tan", np.tan, (lambda x, out: 1.0 + out * out,))

tanh = Elementwise("tanh", np.tanh, (lambda x, out: 1.0 - out * out,))

# ---- activations ----------------------------------------------------------

sigmoid = Elementwise(
    "sigmoid", _stable_sigmoid, (lambda x, out: out * (1.0 - out),)
)

relu = Elementwise("relu", lambda x: np.maximum(x, 0), (lambda x, out: x > 0,))

# ---- selection between operands ------------------------------------------


def _half_where_equal(first_wins):
    def partial(x, y, out):
        return add(first_wins(x, y), multiply(0.5, equal(x, y)))

    return partial


maximum = Elementwise(
    "maximum",
    np.maximum,
    (_half_where_equal(lambda x, y: greater(x, y)), _half_where_equal(lambda x, y: greater(y, x))),
)

minimum = Elementwise(
    "minimum",
    np.minimum,
    (_half_where_equal(lambda x, y: less(x, y)), _half_where_equal(lambda x, y: less(y, x))),
)

def _truth(c):
    return c if getattr(c, "dtype", None) == np.bool_ else not_equal(c, 0)


where = Elementwise(
    "where",
    lambda c, x, y: np.where(c, x, y)[()],
    (None, lambda c, x, y, out: _truth(c), lambda c, x, y, out: logical_not(c)),
)

clip = Elementwise(
    "clip",
    lambda x, lo, hi: np.clip(x, lo, hi),
    (
        lambda x, lo, hi, out: logical_and(greater_equal(x, lo), less_equal(x, hi)),
        lambda x, lo, hi, out: less(x, lo),
        lambda x, lo, hi, out: greater(x, hi),
    ),
)

stop_gradient = Elementwise(
    "stop_gradient",
    lambda x: x,
    None,
    doc="The identity, with zero derivative: gradients do not flow through it.",
)

astype = Elementwise(
    "astype",
    lambda x, dtype: np.asarray(x).astype(dtype, copy=False)[()],
    (lambda x, out, dtype: 1,),
    doc="Conversion to another dtype; cotangents are converted back.",
)

identity = Elementwise(
    "identity",
    lambda x: x,
    (lambda x, out: 1,),
    doc="The identity: a fresh node for an argument of a nested transform.",
)

# ---- comparisons and logic: zero derivative ------------------------------

equal = Elementwise("equal", lambda x, y: x == y, None)
not_equal = Elementwise("not_equal", lambda x, y: x != y, None)
less = Elementwise("less", lambda x, y: x < y, None)
less_equal = Elementwise("less_equal", lambda x, y: x <= y, None)
greater = Elementwise("greater", lambda x, y: x > y, None)
greater_equal = Elementwise("greater_equal", lambda x, y: x >= y, None)
logical_not = Elementwise("logical_not", np.logical_not, None)
logical_and = Elementwise("logical_and", np.logical_and, None)
logical_or = Elementwise("logical_or", np.logical_or, None)
