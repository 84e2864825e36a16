"""Reductions with data-dependent local weights: max, min, logsumexp, prod.

Each declares ∂out/∂x as an array of x's shape (``weights``); the reverse
rule multiplies the cotangent, broadcast back over the reduced axes, by it
(:class:`~semigrad.primitives.base.Reduction`). ``axis`` is a tuple of
negative axes. (Plain ``sum`` is linear and lives with the index maps.)

max and min are *selections*: the weight sits on the selected elements only.
Where several elements tie for the extreme, each gets 1/k of the derivative,
as in JAX and PyTorch (``amax``); scalarisation therefore gives one scalar
edge per tied element, weighted 1/k.
"""

from __future__ import annotations

import numpy as np

from .. import context as _context
from .base import Reduction
from .elementwise import _everywhere, astype, divide, equal, exp, not_equal, subtract, where
from .structural import keepdims_shape, sum_


def _reduce_sympy(fn):
    """A SymPy counterpart of a reduction: ``fn(sp, elements)`` per output element."""

    def symbolic(sp, x, axis, keepdims):
        x = np.asarray(x, dtype=object)
        moved = np.moveaxis(x, axis, tuple(range(-len(axis), 0)))
        rows = moved.reshape(moved.shape[: x.ndim - len(axis)] + (-1,))
        out = np.empty(rows.shape[:-1], dtype=object)
        for idx in np.ndindex(out.shape):
            out[idx] = fn(sp, list(rows[idx]))
        if keepdims:
            out = out.reshape(keepdims_shape(x.shape, axis))
        return out[()] if out.ndim == 0 else out

    return symbolic


def _selection_weights(x, out_kd, axis, keepdims):
    hit = equal(x, out_kd)
    return astype(divide(hit, sum_(hit, axis=axis, keepdims=True)), dtype=np.result_type(x))


max_ = Reduction(
    "max",
    lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
    _selection_weights,
    selective=True,
    sympy=_reduce_sympy(lambda sp, v: sp.Max(*v)),
)

min_ = Reduction(
    "min",
    lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
    _selection_weights,
    selective=True,
    sympy=_reduce_sympy(lambda sp, v: sp.Min(*v)),
)


# logsumexp is a primitive rather than log(sum(exp(x))) because that
# composition overflows for |x| ~ 1e3; its weights are the softmax.
def _logsumexp(x, axis, keepdims):
    # initial=-inf: no elements sum to exp(-inf) = 0, so logsumexp of nothing is -inf
    # (scipy's and JAX's value, the identity of log-space addition)
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return (s if keepdims else np.squeeze(s, axis=axis))[()]


logsumexp = Reduction(
    "logsumexp",
    _logsumexp,
    lambda x, out_kd, axis, keepdims: exp(subtract(x, out_kd)),
    sympy=_reduce_sympy(lambda sp, v: sp.log(sum(sp.exp(e) for e in v))),
)


# d prod / d x_j is the product of the other elements, which is out / x_j only where no
# element is 0. The weights are written so that their own derivatives are right too (the
# Hessian of prod at a point with zeros): with P the product of the nonzero elements, and
# z1, z2 the zero elements' (traced) values,
#   no zero:     w_j = P / x_j
#   one zero:    w_z = P,            w_j = (P / x_j)·z1                (exact at every order)
#   two zeros:   w_z = P·(other z),  w_j = (P / x_j)·z1·z2             (exact at every order)
#   three+:      w_j = 0                     (exact to the second derivative of prod)
def _prod_weights(x, out_kd, axis, keepdims):
    zero = equal(x, 0)
    nonzero = where(zero, 1.0, x)
    # no zeros: the shortcut (under sg.jit, guarded: checked on each call's values)
    no_zeros = _everywhere(not np.any(getattr(zero, "value", zero)), lambda: not_equal(x, 0))
    prod_nonzero = prod(nonzero, axis=axis, keepdims=True)
    no_zero = divide(prod_nonzero, nonzero)
    if no_zeros:
        return no_zero
    if _context.current().static:  # a trace replayed on other values: the count recorded
        count = sum_(where(zero, 1.0, 0.0), axis=axis, keepdims=True)
    else:
        count = np.sum(getattr(zero, "value", zero), axis=axis, keepdims=True)
    zx = where(zero, x, 0.0)
    z_sum = sum_(zx, axis=axis, keepdims=True)  # z1 (+ z2): the zeros' values, traced
    one_zero = where(zero, prod_nonzero, no_zero * z_sum)
    z_pair = 0.5 * (z_sum * z_sum - sum_(zx * zx, axis=axis, keepdims=True))  # z1·z2
    two_zeros = where(zero, prod_nonzero * (z_sum - x), no_zero * z_pair)
    return where(count == 0, no_zero,
                 where(count == 1, one_zero, where(count == 2, two_zeros, 0.0)))


prod = Reduction(
    "prod",
    lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    _prod_weights,
)
