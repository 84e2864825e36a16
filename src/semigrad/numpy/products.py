"""``semigrad.numpy``'s products (dot, inner, outer, kron, cross ...) and filters
(convolve, correlate ...).
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import ops
from ..primitives import elementwise as E
from ._at import At  # noqa: F401
from ._base import (
    _arr,
    _gather,
    _gather_or_fill,
    _is_complex,
    _shapes,
    _value,
    add,
    divide,
    einsum,
    mod,
    multiply,
    subtract,
)

# ---- products ---------------------------------------------------------------------------


def dot(a, b):
    """NumPy's dot: scalar product, matrix product, or sum over the last/second-last axes.

    >>> import semigrad.numpy as snp
    >>> float(snp.dot([1.0, 2.0], [3.0, 4.0]))
    11.0
    """
    return ops.dot(_arr(a), _arr(b))


def vdot(a, b):
    """The scalar product of the flattened inputs, conjugating ``a`` (NumPy's vdot).

    >>> import semigrad.numpy as snp
    >>> float(snp.vdot(np.ones((2, 2)), np.ones((2, 2))))
    4.0
    >>> complex(snp.vdot(np.array([1j]), np.array([1j])))
    (1+0j)
    """
    return einsum("i,i->", ops.conj(ravel(a)), ravel(b))


def inner(a, b):
    """Sum over the last axes of both (a scalar times an array when either is 0-d).

    >>> import semigrad.numpy as snp
    >>> snp.inner(np.ones((2, 3)), np.ones((4, 3))).shape
    (2, 4)
    """
    a, b = _arr(a), _arr(b)
    if ops.ndim(a) == 0 or ops.ndim(b) == 0:
        return multiply(a, b)
    return ops.tensordot(a, b, axes=([-1], [-1]))


def kron(a, b):
    """The Kronecker product.

    >>> import semigrad.numpy as snp
    >>> snp.kron(np.eye(2), np.ones((1, 2))).tolist()
    [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
    """
    a, b = _arr(a), _arr(b)
    n = builtins.max(ops.ndim(a), ops.ndim(b))
    sa = (1,) * (n - ops.ndim(a)) + ops.shape(a)
    sb = (1,) * (n - ops.ndim(b)) + ops.shape(b)
    la, lb = "abcdefghijklm"[:n], "nopqrstuvwxyz"[:n]
    out = einsum(f"{la},{lb}->{''.join(x + y for x, y in zip(la, lb))}",
                 ops.reshape(a, sa), ops.reshape(b, sb))
    return ops.reshape(out, tuple(x * y for x, y in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or the z component for 2-vectors), as ``np.cross``.

    ``axisa``, ``axisb`` and ``axisc`` are the vector axes of ``a``, ``b`` and the
    result; ``axis`` sets all three.

    >>> import semigrad.numpy as snp
    >>> snp.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).tolist()
    [0.0, 0.0, 1.0]
    >>> snp.cross(np.eye(3)[:, :2], np.eye(3)[:, 1:], axis=0).tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    >>> snp.cross(np.eye(3), np.eye(3)[::-1], axisa=0, axisb=1, axisc=0).shape
    (3, 3)
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(_arr(a), axisa, -1), moveaxis(_arr(b), axisb, -1)
    na, nb = ops.shape(a)[-1], ops.shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components; got {na} and {nb}")

    def comp(v, k, n):
        return ops.getitem(v, (Ellipsis, k)) if k < n else 0.0

    a0, a1, a2 = (comp(a, k, na) for k in range(3))
    b0, b1, b2 = (comp(b, k, nb) for k in range(3))
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    return moveaxis(ops.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z], axis=-1), -1, axisc)


# ---- products and filters ---------------------------------------


def vecdot(x1, x2, /, *, axis=-1):
    """Σ conj(x1)·x2 along ``axis``, broadcasting the other axes (NumPy 2's ``vecdot``).

    >>> import semigrad.numpy as snp
    >>> snp.vecdot(np.ones((2, 3)), np.arange(3.0)).tolist()
    [3.0, 3.0]
    >>> complex(snp.vecdot(np.array([1j]), np.array([1j])))
    (1+0j)
    """
    x1, x2 = _arr(x1), _arr(x2)
    if ops.ndim(x1) == 0 or ops.ndim(x2) == 0:
        raise ValueError(f"vecdot: both inputs need at least one axis; got shapes "
                         f"{_shapes(x1, x2)}")
    a, b = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    if ops.shape(a)[-1] != ops.shape(b)[-1]:
        raise ValueError(f"vecdot: the vectors (axis {axis}) have lengths {ops.shape(a)[-1]} "
                         f"and {ops.shape(b)[-1]}; shapes {_shapes(x1, x2)}")
    return ops.sum(multiply(ops.conj(a), b), axis=-1)


def matvec(x1, x2, /):
    """Matrix-vector products over the last axes, broadcasting the others (NumPy ≥ 2.2).

    >>> import semigrad.numpy as snp
    >>> snp.matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0])).tolist()
    [3.0, 7.0]
    """
    x1, x2 = _arr(x1), _arr(x2)
    if ops.ndim(x1) < 2 or ops.ndim(x2) < 1 or ops.shape(x1)[-1] != ops.shape(x2)[-1]:
        raise ValueError(f"matvec: needs a matrix (..., m, n) and a vector (..., n); got "
                         f"shapes {_shapes(x1, x2)}")
    return ops.sum(multiply(x1, ops.expand_dims(x2, -2)), axis=-1)


def vecmat(x1, x2, /):
    """Vector-matrix products conj(x1) @ x2 over the last axes (NumPy ≥ 2.2).

    >>> import semigrad.numpy as snp
    >>> snp.vecmat(np.array([1.0, 1.0]), np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [4.0, 6.0]
    """
    x1, x2 = _arr(x1), _arr(x2)
    if ops.ndim(x1) < 1 or ops.ndim(x2) < 2 or ops.shape(x1)[-1] != ops.shape(x2)[-2]:
        raise ValueError(f"vecmat: needs a vector (..., n) and a matrix (..., n, m); got "
                         f"shapes {_shapes(x1, x2)}")
    return ops.sum(multiply(ops.expand_dims(ops.conj(x1), -1), x2), axis=-2)


_CONV_MODES = ("full", "same", "valid")


def _convolution(name, a, v, mode):
    """(full convolution of a and v, len(a), len(v)) for 1-d inputs: a Toeplitz matrix of the
    longer one (a gather) times the shorter one."""
    if mode not in _CONV_MODES:
        raise ValueError(f"{name}: mode {mode!r} is not one of {_CONV_MODES}")
    a, v = _arr(a), _arr(v)
    if ops.ndim(a) > 1 or ops.ndim(v) > 1:
        raise ValueError(f"{name}: a and v must be 1-d; got shapes {_shapes(a, v)}")
    a, v = ops.reshape(a, (-1,)), ops.reshape(v, (-1,))
    n, m = ops.shape(a)[0], ops.shape(v)[0]
    if n == 0 or m == 0:
        raise ValueError(f"{name}: {'a' if n == 0 else 'v'} is empty; shapes {_shapes(a, v)}")
    long_, short, L, s = (a, v, n, m) if n >= m else (v, a, m, n)
    k = np.arange(L + s - 1)[:, None] - np.arange(s)[None, :]  # T[k, j] = long[k − j]
    return ops.matmul(_gather_or_fill(long_, np.where((k >= 0) & (k < L), k, -1), 0), short), n, m


def convolve(a, v, mode="full"):
    """The discrete convolution of two 1-d arrays (modes full, same, valid); bilinear.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [0.0, 1.0, 2.5, 4.0, 1.5]
    >>> sg.grad(lambda v: snp.sum(snp.convolve(np.ones(3), v, "valid")))(np.ones(2)).tolist()
    [2.0, 2.0]
    """
    full_, n, m = _convolution("convolve", a, v, mode)
    s, L = builtins.min(n, m), builtins.max(n, m)
    if mode == "full":
        return full_
    start = (s - 1) // 2 if mode == "same" else s - 1
    return ops.getitem(full_, slice(start, start + (L if mode == "same" else L - s + 1)))


def correlate(a, v, mode="valid"):
    """The cross-correlation Σₙ a[n + k]·conj(v[n]) of two 1-d arrays (NumPy's ``correlate``).

    >>> import semigrad.numpy as snp
    >>> snp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [3.5]
    >>> snp.correlate(np.array([1j, 2.0]), np.array([1j]), "full").tolist()
    [(1+0j), -2j]
    """
    v_ = _arr(v)
    if ops.ndim(v_) <= 1:
        v_ = flip(ops.conj(ops.reshape(v_, (-1,))))
    full_, n, m = _convolution("correlate", a, v_, mode)
    s, L = builtins.min(n, m), builtins.max(n, m)
    if mode == "full":
        return full_
    if mode == "valid":
        return ops.getitem(full_, slice(s - 1, L))
    start = (m - 1) // 2 if n >= m else n // 2  # NumPy's centring of the longer v
    return ops.getitem(full_, slice(start, start + L))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The trapezoidal rule along ``axis``, at sample points ``x`` or spacing ``dx``.

    Differentiable in ``y`` and in ``x``.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.trapezoid(np.array([1.0, 2.0, 3.0])))
    4.0
    >>> sg.grad(lambda y: snp.trapezoid(y, dx=0.5))(np.ones(3)).tolist()
    [0.25, 0.5, 0.25]
    """
    y = _arr(y)
    nd = ops.ndim(y)
    ax = ops._axis("trapezoid", axis, nd)
    if x is None:
        d = dx
    else:
        x = _arr(x)
        if ops.ndim(x) == 1:
            if ops.shape(x)[0] != ops.shape(y)[ax]:
                raise ValueError(f"trapezoid: x has {ops.shape(x)[0]} points and y "
                                 f"{ops.shape(y)[ax]} along axis {axis}; shapes "
                                 f"{_shapes(x, y)}")
            d = diff(x)
            d = ops.reshape(d, tuple(-1 if k == ax else 1 for k in range(nd)))
        else:
            d = diff(x, axis=axis)
    lead = (slice(None),) * ax
    pairs = add(ops.getitem(y, lead + (slice(1, None),)), ops.getitem(y, lead + (slice(None, -1),)))
    return ops.sum(divide(multiply(d, pairs), 2.0), axis=ax)


def gradient(f, *varargs, axis=None, edge_order=1):
    """NumPy's ``gradient``: central differences inside, one-sided differences at the edges.

    ``varargs``: nothing (spacing 1), one spacing for every axis, or one per
    axis (a scalar or the coordinates along that axis). ``edge_order`` 1 or 2.
    A linear map of ``f`` (differentiable in ``f``; the spacings are constants).
    One array for one axis, else a tuple.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.gradient(np.array([1.0, 2.0, 4.0, 7.0])).tolist()
    [1.0, 1.5, 2.5, 3.0]
    >>> [g.tolist() for g in snp.gradient(np.array([[1.0, 2.0], [3.0, 5.0]]), 2.0)]
    [[[1.0, 1.5], [1.0, 1.5]], [[0.5, 0.5], [1.0, 1.0]]]
    """
    f = _arr(f)
    n = ops.ndim(f)
    if axis is None:
        axes = tuple(range(n))
    else:
        axes = tuple(ops._axis("gradient", a, n) for a in
                     ((axis,) if isinstance(axis, int | np.integer) else axis))
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(_value(varargs[0])) == 0:
        spacings = [_value(varargs[0])[()]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = [_value(s) for s in varargs]
    else:
        raise TypeError(f"gradient: give no spacing, one, or one per axis ({len(axes)}); got "
                        f"{len(varargs)}")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2; got {edge_order!r}")
    if _value(f).dtype.kind in "iub":
        f = ops.astype(f, np.float64)
    otype = _value(f).dtype
    outs = []
    for ax, dx in zip(axes, spacings):
        length = ops.shape(f)[ax]
        if length < edge_order + 1:
            raise ValueError(f"gradient: f has {length} point(s) along axis {ax} (shape "
                             f"{ops.shape(f)}); edge_order {edge_order} needs at least "
                             f"{edge_order + 1}")
        lead = (slice(None),) * ax

        def part(lo, hi, lead=lead):
            return ops.getitem(f, lead + (slice(lo, hi),))

        def along(c, ax=ax):  # coefficients along the axis
            return np.reshape(c, tuple(-1 if k == ax else 1 for k in range(n)))

        if np.ndim(dx) != 0:
            dx = np.asarray(dx)
            if dx.ndim != 1 or dx.shape[0] != length:
                raise ValueError(f"gradient: the coordinates for axis {ax} have shape "
                                 f"{dx.shape}; f has {length} points along it")
            dx = np.diff(dx.astype(np.float64) if dx.dtype.kind in "iub" else dx)
            if np.all(dx == dx[0]):
                dx = dx[0]
        if np.ndim(dx) == 0:  # uniform spacing
            inner_ = divide(subtract(part(2, None), part(None, -2)), 2.0 * dx)
            if edge_order == 1:
                first = divide(subtract(part(1, 2), part(0, 1)), dx)
                last = divide(subtract(part(-1, None), part(-2, -1)), dx)
            else:
                first = (part(0, 1) * (-1.5 / dx) + part(1, 2) * (2.0 / dx)
                         + part(2, 3) * (-0.5 / dx))
                last = (part(-3, -2) * (0.5 / dx) + part(-2, -1) * (-2.0 / dx)
                        + part(-1, None) * (1.5 / dx))
        else:
            d1, d2 = dx[:-1], dx[1:]
            inner_ = (part(None, -2) * along(-d2 / (d1 * (d1 + d2)))
                      + part(1, -1) * along((d2 - d1) / (d1 * d2))
                      + part(2, None) * along(d1 / (d2 * (d1 + d2))))
            if edge_order == 1:
                first = divide(subtract(part(1, 2), part(0, 1)), dx[0])
                last = divide(subtract(part(-1, None), part(-2, -1)), dx[-1])
            else:
                a1, a2 = dx[0], dx[1]
                first = (part(0, 1) * (-(2.0 * a1 + a2) / (a1 * (a1 + a2)))
                         + part(1, 2) * ((a1 + a2) / (a1 * a2))
                         + part(2, 3) * (-a1 / (a2 * (a1 + a2))))
                b1, b2 = dx[-2], dx[-1]
                last = (part(-3, -2) * (b2 / (b1 * (b1 + b2)))
                        + part(-2, -1) * (-(b2 + b1) / (b1 * b2))
                        + part(-1, None) * ((2.0 * b2 + b1) / (b2 * (b1 + b2))))
        out = ops.concatenate([first, inner_, last], axis=ax)
        outs.append(out if _value(out).dtype == otype else ops.astype(out, otype))
    return outs[0] if len(outs) == 1 else tuple(outs)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of (xp, fp) at x: differentiable in x and fp (and
    ``left``/``right``); the sample points ``xp`` are constants. ``fp`` may be complex.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.interp(np.array([0.5, 1.5, 3.0]), [0.0, 1.0, 2.0], [0.0, 2.0, 3.0]).tolist()
    [1.0, 2.5, 3.0]
    >>> sg.grad(lambda x: snp.interp(x, [0.0, 1.0, 2.0], [0.0, 2.0, 3.0]))(0.5)
    2.0
    """
    x, fp = _arr(x), _arr(fp)
    xpv = np.asarray(_value(xp))
    for label, v in (("x", _value(x)), ("xp", xpv)):
        if v.dtype.kind == "c":
            raise TypeError(f"interp: {label} must be real; got dtype {v.dtype}")
    if xpv.ndim != 1 or ops.ndim(fp) != 1 or xpv.shape[0] != ops.shape(fp)[0]:
        raise ValueError(f"interp: xp and fp must be 1-d of the same length; got shapes "
                         f"{xpv.shape} and {ops.shape(fp)}")
    if xpv.shape[0] == 0:
        raise ValueError("interp: xp and fp are empty (no sample points)")
    fdt = np.complex128 if _is_complex(fp) else np.float64
    if _value(fp).dtype != fdt:
        fp = ops.astype(fp, fdt)
    if _value(x).dtype != np.float64:
        x = ops.astype(x, np.float64)
    xpv = xpv.astype(np.float64)
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be nonzero")
        period = builtins.abs(float(_value(period)))
        left = right = None
        x = mod(x, period)
        xpv = np.mod(xpv, period)
        order = np.argsort(xpv, kind="stable")
        xpv = xpv[order]
        fp = _gather(fp, np.concatenate([order[-1:], order, order[:1]]))
        xpv = np.concatenate([xpv[-1:] - period, xpv, xpv[:1] + period])
    n = xpv.shape[0]
    xv = _value(x)
    f_first, f_last = ops.getitem(fp, 0), ops.getitem(fp, n - 1)
    if n == 1:
        out = ops.broadcast_to(f_first, ops.shape(x))
    else:
        j = np.clip(np.searchsorted(xpv, xv, side="right") - 1, 0, n - 2)
        x0 = xpv[j]
        f0, f1 = _gather(fp, j), _gather(fp, j + 1)
        slope = divide(subtract(f1, f0), xpv[j + 1] - x0)
        out = add(multiply(slope, subtract(x, x0)), f0)
        out = E.where(xv == xpv[-1], f_last, out)  # the last sample point exactly
    out = E.where(xv < xpv[0], f_first if left is None else _arr(left), out)
    out = E.where(xv > xpv[-1], f_last if right is None else _arr(right), out)
    return out if _value(out).dtype == fdt else ops.astype(out, fdt)


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
from .shaping import (  # noqa: E402
    diff,
    flip,
    moveaxis,
    ravel,
)
