"""``semigrad.numpy``'s reductions and cumulative functions (sum, mean, max, prod, var,
cumsum ...), with NumPy's keywords.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from .. import ops
from ..primitives import complex as C
from ..primitives import elementwise as E
from ..primitives import structural as _S
from ._at import At  # noqa: F401
from ._base import (
    _along,
    _arr,
    _in_numpy_dtype,
    _no_out,
    _value,
    add,
    divide,
    greater,
    maximum,
    minimum,
    multiply,
    sqrt,
    subtract,
)

# ---- reductions -------------------------------------------------------------------------


def _reduction_input(name, a, dtype, out, where, fill):
    """NumPy's reduction arguments: ``a`` cast to ``dtype``, ``fill`` where ``where`` is False."""
    _no_out(name, out)
    a = _arr(a)
    if dtype is not None and _value(a).dtype != np.dtype(dtype):
        a = ops.astype(a, dtype)
    if where is not None and where is not True:
        mask = np.broadcast_to(np.asarray(_value(where), dtype=bool), ops.shape(a))
        if fill is None:
            raise ValueError(f"{name}: where= needs initial= (the reduction has no identity)")
        a = E.where(mask, a, np.asarray(fill, dtype=_value(a).dtype))
    return a


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Sum over ``axis`` (int, tuple or None), with NumPy's ``dtype``, ``initial``, ``where``.

    >>> import semigrad.numpy as snp
    >>> snp.sum(np.ones((2, 3)), axis=1).tolist()
    [3.0, 3.0]
    >>> float(snp.sum(np.arange(4.0), where=np.arange(4) > 1, initial=10.0))
    15.0
    """
    r = ops.sum(_reduction_input("sum", a, dtype, out, where, 0), axis=axis, keepdims=keepdims)
    return r if initial is None else add(r, np.asarray(initial, _value(r).dtype))


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Mean over ``axis``; with ``where``, over the selected elements only.

    >>> import semigrad.numpy as snp
    >>> float(snp.mean(np.array([1.0, 2.0, 6.0])))
    3.0
    >>> float(snp.mean(np.array([1.0, 2.0, 6.0]), where=np.array([True, True, False])))
    1.5
    """
    if where is None or where is True:
        a = _reduction_input("mean", a, dtype, out, None, 0)
        return ops.mean(a, axis=axis, keepdims=keepdims)
    a = _reduction_input("mean", a, dtype, out, where, 0)
    count = np.sum(np.broadcast_to(np.asarray(_value(where), bool), ops.shape(a)), axis=axis,
                   keepdims=keepdims)
    return divide(ops.sum(a, axis=axis, keepdims=keepdims), count.astype(_value(a).dtype))


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over ``axis`` (exact derivatives also where elements are 0).

    >>> import semigrad.numpy as snp
    >>> float(snp.prod(np.array([2.0, 3.0])))
    6.0
    """
    r = ops.prod(_reduction_input("prod", a, dtype, out, where, 1), axis=axis, keepdims=keepdims)
    return r if initial is None else multiply(r, np.asarray(initial, _value(r).dtype))


def _extreme(name, reduce, pick, a, axis, out, keepdims, initial, where):
    a = _reduction_input(name, a, None, out, where, initial)
    return _with_initial(name, reduce, pick, a, axis, keepdims, initial)


def _with_initial(name, reduce, pick, a, axis, keepdims, initial):
    """``reduce`` over ``axis`` (max or min) combined with ``initial`` by ``pick``.

    Over no elements the result is ``initial`` (NumPy's rule), written as the empty sum
    plus ``initial`` so that a traced input still gets its (empty) gradient; without
    ``initial`` that is NumPy's "no identity" error.
    """
    axes = ops._axes(name, a, axis)
    if ops._count(a, axes) == 0:
        if initial is None:
            ops._no_identity(name, a, axes, axis, _INITIAL_HINT)
        r = ops.sum(a, axis=axes, keepdims=keepdims)
        return add(r, np.asarray(initial, _value(r).dtype))
    r = reduce(a, axis=axes, keepdims=keepdims)
    return r if initial is None else pick(r, np.asarray(initial, _value(r).dtype))


_INITIAL_HINT = "give initial= for a value over no elements, or reduce a non-empty array"


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Maximum over ``axis``; ties share the derivative; ``initial``/``where`` as NumPy.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.max(x))(np.array([1.0, 3.0, 3.0])).tolist()
    [0.0, 0.5, 0.5]
    >>> float(snp.max(np.array([1.0, 3.0]), initial=5.0))
    5.0
    """
    return _extreme("max", ops.max, maximum, a, axis, out, keepdims, initial, where)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Minimum over ``axis``; ties share the derivative; ``initial``/``where`` as NumPy.

    >>> import semigrad.numpy as snp
    >>> float(snp.min(np.array([1.0, 3.0]), where=np.array([False, True]), initial=9.0))
    3.0
    """
    return _extreme("min", ops.min, minimum, a, axis, out, keepdims, initial, where)


amax = max
amin = min


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    """Variance over ``axis``: Σ|x − mean|² / (n − ddof); NumPy's ``where``, ``mean`` (a
    precomputed mean, keepdims-shaped) and ``correction`` (the array API's ``ddof``).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    >>> sg.grad(lambda x: snp.var(x))(np.array([1.0, 3.0])).tolist()
    [-1.0, 1.0]
    """
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: give ddof or correction, not both")
        ddof = correction
    a = _reduction_input("var", a, dtype, out, None, 0)
    axes = ops._axes("var", a, axis)
    s = ops.shape(a)
    if where is None or where is True:
        n = ops._count(a, axes)
        if n == 0:  # NaN, with NumPy's warning; a reverse rule that divides nothing by 0
            warnings.warn(f"var: degrees of freedom <= 0 for slice (input shape {s}, axis "
                          f"{axis!r}): NaN", RuntimeWarning, stacklevel=2)
            return multiply(C.abs_squared(ops.sum(a, axis=axes, keepdims=keepdims)), np.nan)
        centre = ops.mean(a, axis=axes, keepdims=True) if mean is None else _arr(mean)
        d = subtract(a, centre)
        sq = C.abs_squared(d)
        # NumPy divides by max(n - ddof, 0): inf or NaN, never a negative count
        return divide(ops.sum(sq, axis=axes, keepdims=keepdims), float(builtins.max(n - ddof, 0)))
    mask = np.broadcast_to(np.asarray(_value(where), bool), s)
    n = np.sum(mask, axis=axes, keepdims=True)
    centre = (divide(ops.sum(E.where(mask, a, 0.0), axis=axes, keepdims=True),
                     n.astype(_value(a).real.dtype)) if mean is None else _arr(mean))
    d = E.where(mask, subtract(a, centre), 0.0)
    sq = C.abs_squared(d)
    count = np.maximum(n - ddof, 0).astype(_value(sq).dtype)
    total = ops.sum(sq, axis=axes, keepdims=True)
    r = divide(total, count)
    kept = {k % len(s) for k in axes}
    return r if keepdims else ops.reshape(r, tuple(d for k, d in enumerate(s) if k not in kept))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    """Standard deviation over ``axis``; where it is 0 its derivative is 0 (e.g. one element).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.std(np.array([1.0, 3.0])))
    1.0
    >>> sg.grad(lambda x: snp.std(x))(np.array([2.0])).tolist()
    [0.0]
    """
    v = var(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=where,
            mean=mean, correction=correction)
    # The double where keeps sqrt's infinite slope at 0 out of the derivative; v·0 is the
    # value 0 (NaN where the variance is NaN, e.g. ddof = n) with derivative 0.
    positive_var = greater(v, 0)
    return E.where(positive_var, sqrt(E.where(positive_var, v, 1.0)), multiply(v, 0.0))


def ptp(a, axis=None, keepdims=False):
    """max − min over ``axis``.

    >>> import semigrad.numpy as snp
    >>> float(snp.ptp(np.array([1.0, 5.0, 2.0])))
    4.0
    """
    a = _arr(a)
    ops._no_identity("ptp", a, ops._axes("ptp", a, axis), axis,
                     "the range of no elements is undefined: reduce a non-empty array")
    return subtract(ops.max(a, axis, keepdims), ops.min(a, axis, keepdims))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Weighted mean over ``axis`` (the weights may be traced too); ``returned`` adds the sum
    of the weights, as NumPy.

    >>> import semigrad.numpy as snp
    >>> float(snp.average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0])))
    1.5
    >>> [float(v) for v in snp.average(np.array([1.0, 3.0]), weights=[3.0, 1.0], returned=True)]
    [1.5, 4.0]
    """
    a = _arr(a)
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        if not returned:
            return avg
        count = np.asarray(ops._count(a, ops._axes("average", a, axis)), _value(avg).dtype)
        return avg, np.broadcast_to(count, np.shape(_value(avg))).copy()[()]
    w = ops.broadcast_to(_arr(weights), ops.shape(a)) if axis is None else _arr(weights)
    if axis is not None and ops.ndim(w) == 1 and ops.ndim(a) > 1:
        k = axis % ops.ndim(a)
        w = ops.reshape(w, tuple(-1 if j == k else 1 for j in range(ops.ndim(a))))
    num = ops.sum(multiply(a, w), axis=axis, keepdims=keepdims)
    den = ops.sum(ops.broadcast_to(w, ops.shape(a)) if ops.shape(w) != ops.shape(a) else w,
                  axis=axis, keepdims=keepdims)
    avg = divide(num, den)
    return (avg, den) if returned else avg


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (flattened when None); a linear map.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.cumsum(x)))(np.ones(3)).tolist()
    [3.0, 2.0, 1.0]
    """
    a, ax = _along("cumsum", _reduction_input("cumsum", a, dtype, out, None, 0), axis)
    return _S.cumsum(a, axis=ax, reverse=False)


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along ``axis`` (flattened when None), exact where elements are 0.

    Composed of one multiply per position along the axis, so the scalar paths
    are those of the running product.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.cumprod(x)))(np.array([2.0, 0.0, 3.0])).tolist()
    [1.0, 8.0, 0.0]
    """
    a = _reduction_input("cumprod", a, dtype, out, None, 1) if dtype is not None else a
    a, ax = _along("cumprod", _in_numpy_dtype(np.cumprod, a), axis)
    n = ops.shape(a)[ax]
    if n == 0:
        return a
    lead = (slice(None),) * (ops.ndim(a) + ax)
    running = ops.getitem(a, lead + (slice(0, 1),))
    parts = [running]
    for k in range(1, n):
        running = multiply(running, ops.getitem(a, lead + (slice(k, k + 1),)))
        parts.append(running)
    return ops.concatenate(parts, axis=ax) if n > 1 else running


# ---- cumulative ---------------------------------------------------


def _cumulative(name, fn, x, axis, dtype, include_initial, initial):
    x = _arr(x)
    if ops.ndim(x) == 0:
        x = ops.reshape(x, (1,))
    if axis is None:
        if ops.ndim(x) != 1:
            raise ValueError(f"{name}: give axis for an array of shape {ops.shape(x)}")
        axis = 0
    if dtype is not None:
        x = ops.astype(x, dtype)
    out = fn(x, axis=axis)
    if not include_initial:
        return out
    ax = ops._axis(name, axis, ops.ndim(out))
    s = list(ops.shape(out))
    s[ax] = 1
    return ops.concatenate([np.full(s, initial, dtype=_value(out).dtype), out], axis=ax)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """NumPy 2's cumulative sum (``axis`` needed beyond 1-d; a leading 0 with
    ``include_initial``).

    >>> import semigrad.numpy as snp
    >>> snp.cumulative_sum(np.array([1.0, 2.0, 3.0]), include_initial=True).tolist()
    [0.0, 1.0, 3.0, 6.0]
    """
    return _cumulative("cumulative_sum", cumsum, x, axis, dtype, include_initial, 0)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """NumPy 2's cumulative product (``axis`` needed beyond 1-d; a leading 1 with
    ``include_initial``).

    >>> import semigrad.numpy as snp
    >>> snp.cumulative_prod(np.array([1.0, 2.0, 3.0]), include_initial=True).tolist()
    [1.0, 1.0, 2.0, 6.0]
    """
    return _cumulative("cumulative_prod", cumprod, x, axis, dtype, include_initial, 1)


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
