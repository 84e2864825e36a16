"""``semigrad.numpy.linalg``'s norms: ``norm``, ``vector_norm``, ``matrix_norm`` (every ``ord``
and ``axis`` NumPy accepts), as compositions of semigrad operations.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..primitives import complex as C
from ..primitives import linalg as L
from .linalg import (
    _floating,
    _matrix_shape,
    _value,
)

_VECTOR_ORDS = "None, 2, 1, inf, -inf, 0 or any other number"
_MATRIX_ORDS = "None, 'fro', 'nuc', 2, -2, 1, -1, inf or -inf"


def _normalise_axis(name, axis, nd, shape):
    try:
        k = int(axis)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name}: 'axis' must be None, an integer or a tuple of integers, got {axis!r}"
        ) from None
    if not -nd <= k < nd:
        raise ValueError(f"{name}: axis {axis!r} is out of range for an input of shape {shape}")
    return k % nd


def _norm(name, x, ord, axis, keepdims):  # noqa: A002
    shape = ops.shape(x)
    nd = len(shape)
    x = _floating(x)
    if axis is None and (ord is None or (isinstance(ord, str) and ord in ("f", "fro") and nd == 2)
                         or (not isinstance(ord, str) and ord == 2 and nd == 1)):
        return _root_of_sum(ops.sum(C.abs_squared(x), keepdims=keepdims), x, None, 2.0)
    if axis is None:
        axes = tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = tuple(_normalise_axis(name, k, nd, shape) for k in axis)
    else:
        axes = (_normalise_axis(name, axis, nd, shape),)
    where = f"(axis={axis!r}, input shape {shape})"

    if len(axes) == 1:
        ax = axes[0]
        if isinstance(ord, str) or not (ord is None or isinstance(ord, numbers.Real)):
            raise ValueError(f"{name}: invalid order ord={ord!r} for vectors {where}; "
                             f"use {_VECTOR_ORDS}")
        if ord is None or ord == 2:
            return _root_of_sum(ops.sum(C.abs_squared(x), axis=ax, keepdims=keepdims), x, ax, 2.0)
        if ord == np.inf:
            return _max_or_zero(ops.abs(x), ax, keepdims)
        if ord == -np.inf:
            _refuse_empty_min(name, ord, shape[ax], where)
            return ops.min(ops.abs(x), axis=ax, keepdims=keepdims)
        if ord == 0:  # the number of nonzero entries: zero derivative
            dt = _value(x).dtype
            return ops.sum(ops.astype(ops.not_equal(x, 0), dt), axis=ax, keepdims=keepdims)
        if ord == 1:
            return ops.sum(ops.abs(x), axis=ax, keepdims=keepdims)
        p = float(ord)
        return _root_of_sum(ops.sum(ops.power(ops.abs(x), p), axis=ax, keepdims=keepdims), x, ax, p)

    if len(axes) != 2:
        raise ValueError(
            f"{name}: improper number of dimensions to norm {where}: give one axis (a vector "
            "norm) or two (a matrix norm), or use vector_norm for several axes"
        )
    r, c = axes
    if r == c:
        raise ValueError(f"{name}: duplicate axes given {where}")
    kd_shape = tuple(1 if k in (r, c) else d for k, d in enumerate(shape))
    out_shape = tuple(d for k, d in enumerate(shape) if k not in (r, c))
    if isinstance(ord, str):
        if ord not in ("fro", "f", "nuc"):
            raise ValueError(f"{name}: invalid order ord={ord!r} for matrices {where}; "
                             f"use {_MATRIX_ORDS}")
    elif not (ord is None or ord in (2, -2, 1, -1, np.inf, -np.inf)):
        raise ValueError(f"{name}: invalid order ord={ord!r} for matrices {where}; "
                         f"use {_MATRIX_ORDS}")

    if ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2)):
        if min(shape[r], shape[c]) == 0:  # no singular values: 0 (NumPy's value) or refuse
            if ord == -2:
                _refuse_empty_min(name, ord, 0, where)
            ret = ops.sum(ops.abs(x), axis=(r, c), keepdims=True)
            return ret if keepdims else ops.reshape(ret, out_shape)
        perm = [k for k in range(nd) if k not in (r, c)] + [r, c]
        s = L.svdvals(ops.transpose(x, perm))
        if ord == "nuc":
            ret = ops.sum(s, axis=-1)
        else:
            ret = ops.getitem(s, (Ellipsis, 0 if ord == 2 else -1))
        return ops.reshape(ret, kd_shape if keepdims else out_shape)
    if ord is None or isinstance(ord, str):  # Frobenius
        ret = _root_of_sum(ops.sum(C.abs_squared(x), axis=(r, c), keepdims=True), x, (r, c), 2.0)
    else:
        # ord ±1: sum over rows, extreme over columns; ±inf: the other way round
        inner, outer_ = (r, c) if abs(ord) == 1 else (c, r)
        sums = ops.sum(ops.abs(x), axis=inner, keepdims=True)
        if ord > 0:
            ret = _max_or_zero(sums, outer_, True)
        else:
            _refuse_empty_min(name, ord, shape[outer_], where)
            ret = ops.min(sums, axis=outer_, keepdims=True)
    return ret if keepdims else ops.reshape(ret, out_shape)


def _root_of_sum(total, x, axis, p):
    """``total ** (1/p)``: the p-norm from the sum of |x|^p over ``axis``.

    Over no elements the norm is the empty sum itself (0, NumPy's value; NumPy's inf, with
    its warning, for p < 0) without the root, whose slope at 0 would put 0 · inf (and a
    warning) into the empty gradient.
    """
    if ops._count(x, ops._axes("norm", x, axis)) == 0:
        return total if p > 0 else ops.add(total, np.power(_value(total), 1.0 / p))
    return ops.sqrt(total) if p == 2.0 else ops.power(total, 1.0 / p)


def _max_or_zero(v, axis, keepdims):
    """The maximum of the non-negative ``v`` over ``axis``, 0 over no elements (NumPy's
    ``max(..., initial=0)`` in its norms)."""
    axes = ops._axes("norm", v, axis)
    if ops._count(v, axes) == 0:
        return ops.sum(v, axis=axes, keepdims=keepdims)
    return ops.max(v, axis=axes, keepdims=keepdims)


def _refuse_empty_min(name, ord, count, where):  # noqa: A002
    if count == 0:
        raise ValueError(f"{name}: ord={ord!r} is a minimum over no elements {where}: "
                         "zero-size array to reduction operation minimum which has no "
                         "identity; use a non-negative ord or a non-empty array")


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (NumPy's name)
    """A vector or matrix norm, with NumPy's ``ord`` / ``axis`` / ``keepdims`` rules.

    ``axis`` an int (vector norms: ``ord`` None or 2 Euclidean, 1, inf, -inf,
    0 (the number of nonzero entries, zero derivative) or any number p:
    ``sum(|x|^p)^(1/p)``), a pair (matrix norms: None/'fro' Frobenius, 'nuc'
    the sum of singular values, 2 / -2 the largest / smallest singular value
    (through ``svdvals``), 1 / -1 the max / min absolute column sum, inf /
    -inf the max / min absolute row sum), or None: the whole array for
    ``ord=None`` (any number of dimensions), else the vector norm of a 1-D
    and the matrix norm of a 2-D input. max/min ties share the derivative.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> float(sla.norm(np.array([3.0, 4.0])))
    5.0
    >>> sg.grad(sla.norm)(np.array([3.0, 4.0])).round(12).tolist()
    [0.6, 0.8]
    >>> a = np.array([[1.0, -2.0], [3.0, 4.0]])
    >>> float(sla.norm(a, 1)), float(sla.norm(a, np.inf)), sla.norm(a, 1, axis=1).tolist()
    (6.0, 7.0, [3.0, 7.0])
    """
    return _norm("norm", x, ord, axis, keepdims)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """The vector norm over ``axis`` (None: all of ``x``; an int; or any tuple of axes).

    ``ord`` as the vector norms of :func:`norm` (2 by default).

    >>> import semigrad.numpy.linalg as sla
    >>> float(sla.vector_norm(np.array([[3.0, 0.0], [0.0, 4.0]])))
    5.0
    >>> sla.vector_norm(np.ones((2, 3, 4)), axis=(0, 2), ord=1, keepdims=True).shape
    (1, 3, 1)
    """
    shape = ops.shape(x)
    nd = len(shape)
    if axis is None:
        y, ax, axes = ops.reshape(x, (-1,)), 0, tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = tuple(_normalise_axis("vector_norm", k, nd, shape) for k in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"vector_norm: repeated axis in {axis!r} (input shape {shape})")
        rest = tuple(k for k in range(nd) if k not in axes)
        y = ops.reshape(ops.transpose(x, axes + rest),
                        (int(np.prod([shape[k] for k in axes], dtype=np.int64)),
                         *[shape[k] for k in rest]))
        ax = 0
    else:
        y = x
        ax = _normalise_axis("vector_norm", axis, nd, shape)
        axes = (ax,)
    if isinstance(ord, str):
        raise ValueError(f"vector_norm: invalid order ord={ord!r} (axis={axis!r}, input shape "
                         f"{shape}); use {_VECTOR_ORDS}")
    res = _norm("vector_norm", y, ord, ax, False)
    if keepdims:
        res = ops.reshape(res, tuple(1 if k in axes else d for k, d in enumerate(shape)))
    return res


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """The matrix norm over the last two axes (``ord`` as the matrix norms of :func:`norm`).

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[3.0, 0.0], [0.0, 4.0]])
    >>> float(sla.matrix_norm(a)), float(sla.matrix_norm(a, ord="nuc"))
    (5.0, 7.0)
    """
    _matrix_shape("matrix_norm", x)
    return _norm("matrix_norm", x, ord, (-2, -1), keepdims)
