"""``semigrad.numpy``'s elementwise mathematics with NumPy's signatures.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import ops
from ..primitives import elementwise as E
from ..primitives import numpy_elementwise as X
from ..primitives.base import holds_tensor
from ..tensor import Tensor
from ._at import At  # noqa: F401
from ._base import (
    _arr,
    _in_numpy_dtype,
    _is_complex,
    _no_out,
    _value,
    abs,
    add,
    mod,
    multiply,
    negative,
    power,
    subtract,
    trunc,
)

# ---- elementwise with NumPy's signatures ------------------------------------------------


def positive(x):
    """+x (the identity).

    >>> import semigrad.numpy as snp
    >>> snp.positive(np.array([-1.0])).tolist()
    [-1.0]
    """
    return x


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    """Clip to [a_min, a_max] (or NumPy 2's ``min=``/``max=``); the derivative passes at the
    bounds (as PyTorch).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.clip(x, 0.0, 1.0))(1.0)
    1.0
    >>> snp.clip(np.array([-1.0, 2.0]), min=0.0).tolist()
    [0.0, 2.0]
    """
    _no_out("clip", out)
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: give a_min or min=, not both")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: give a_max or max=, not both")
        a_max = max
    return ops.clip(a, a_min, a_max)


def round(a, decimals=0):  # noqa: A001 (NumPy's name)
    """Round to ``decimals`` places, halves to even; zero derivative.

    >>> import semigrad.numpy as snp
    >>> snp.round(np.array([1.25, 2.5]), 1).tolist()
    [1.2, 2.5]
    """
    return X.round_(a, decimals=int(decimals))


around = round


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and ±inf (by default with 0 and the dtype's extremes); derivative 1 elsewhere.

    >>> import semigrad.numpy as snp
    >>> snp.nan_to_num(np.array([np.nan, 1.0]), nan=-1.0).tolist()
    [-1.0, 1.0]
    """
    x = _arr(x)
    info = np.finfo(x.dtype if x.dtype.kind in "fc" else np.float64)  # complex64: float32's
    params = dict(nan=float(nan), posinf=float(info.max if posinf is None else posinf),
                  neginf=float(info.min if neginf is None else neginf))
    if x.dtype.kind == "c":  # the real and imaginary parts separately, as NumPy
        re = X.nan_to_num(ops.real(x), **params)
        return ops.add(re, ops.multiply(X.nan_to_num(ops.imag(x), **params), 1j))
    return X.nan_to_num(x, **params)


def float_power(x, y):
    """x ** y in float64 (complex128 when either is complex), as NumPy.

    >>> import semigrad.numpy as snp
    >>> float(snp.float_power(2, 3))
    8.0
    >>> complex(snp.float_power(1j, 2))
    (-1+0j)
    """
    x, y = _arr(x), _arr(y)
    dt = np.complex128 if _is_complex(x) or _is_complex(y) else np.float64
    return power(ops.astype(x, dt), ops.astype(y, dt))


def reciprocal(x):
    """1/x; integers give NumPy's integer reciprocal (1/2 → 0), untraced like all integers.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(snp.reciprocal)(2.0), snp.reciprocal(np.array([1, 2])).tolist()
    (-0.25, [1, 0])
    """
    if not isinstance(x, Tensor) and np.asarray(x).dtype.kind in "iub":
        return np.reciprocal(x)
    if isinstance(x, Tensor) and x.dtype.kind in "iub":
        return Tensor(np.reciprocal(x.value))
    return ops.reciprocal(x)


def floor_divide(x, y):
    """NumPy's ``x // y`` (its rounding and integer dtypes), with zero derivative.

    >>> import semigrad.numpy as snp
    >>> snp.floor_divide(np.array([7.0, -7.0]), 2.0).tolist()
    [3.0, -4.0]
    >>> snp.floor_divide(np.array([7, -7]), 2).tolist(), snp.floor_divide(1.0, 0.1)
    ([3, -4], np.float64(9.0))
    """
    q = np.floor_divide(_value(x), _value(y))
    return Tensor(q) if isinstance(x, Tensor) or isinstance(y, Tensor) else q


def fabs(x):
    """|x| of real values, as a float (integers become floats; NumPy refuses complex values).

    >>> import semigrad.numpy as snp
    >>> snp.fabs(np.array([-2, 3])).tolist()
    [2.0, 3.0]
    """
    return abs(_in_numpy_dtype(np.fabs, x))


def deg2rad(x):
    """Degrees to radians.

    >>> import semigrad.numpy as snp
    >>> float(snp.deg2rad(180.0)) == np.pi
    True
    """
    return multiply(_in_numpy_dtype(np.deg2rad, x), np.pi / 180.0)


def rad2deg(x):
    """Radians to degrees.

    >>> import semigrad.numpy as snp
    >>> float(snp.rad2deg(np.pi))
    180.0
    """
    return multiply(_in_numpy_dtype(np.rad2deg, x), 180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


def where(condition, x=None, y=None):
    """x where the condition holds, else y; with one argument, NumPy's ``nonzero``.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.where(x > 0, x, 0.0)))(np.array([-1.0, 2.0])).tolist()
    [0.0, 1.0]
    """
    if x is None and y is None:
        return np.nonzero(_value(condition))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    return E.where(condition, x, y)


real = ops.real
imag = ops.imag
conj = conjugate = ops.conj


def angle(z, deg=False):
    """The argument of z (in degrees with ``deg``); differentiable for complex z.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.angle(np.array([-1.0, 1.0])).tolist() == [np.pi, 0.0]
    True
    >>> sg.grad(lambda z: snp.angle(z, deg=True))(np.array(1j)).round(6)
    np.complex128(-57.29578+0j)
    """
    a = ops.angle(z)
    return a * (180 / np.pi) if deg else a


# ---- elementwise -------------------------------------------------


def _probe(x):
    """What NumPy sees of ``x`` for its result dtype: Python numbers stay weak (NEP 50)."""
    if isinstance(x, bool | int | float | complex):
        return x
    return np.zeros((), _value(x).dtype)


def copysign(x1, x2):
    """|x1| with the sign of x2 (its sign bit); derivative ±1 in x1, zero in x2.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.copysign(np.array([1.0, -2.0]), -1.0).tolist()
    [-1.0, -2.0]
    >>> sg.grad(lambda x: snp.copysign(x, -1.0))(2.0)
    -1.0
    """
    dt = np.copysign(_probe(x1), _probe(x2)).dtype
    x1 = _arr(x1)
    if _value(x1).dtype != dt:
        x1 = ops.astype(x1, dt)
    a = abs(x1)
    return E.where(np.signbit(_value(x2)), negative(a), a)


def heaviside(x1, x2):
    """The step function: 0 below 0, ``x2`` at 0, 1 above; zero derivative.

    On traced inputs the result is a constant Tensor (it never requires grad).

    >>> import semigrad.numpy as snp
    >>> snp.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5).tolist()
    [0.0, 0.5, 1.0]
    """
    out = np.heaviside(_value(x1), _value(x2))
    return ops.stop_gradient(Tensor(out)) if holds_tensor([x1, x2]) else out


def divmod(x1, x2):  # noqa: A001 (NumPy's name)
    """(floor_divide(x1, x2), mod(x1, x2)): the quotient untraced, the remainder as :func:`mod`.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> q, r = snp.divmod(np.array([7.0, -7.0]), 2.0)
    >>> q.tolist(), r.tolist()
    ([3.0, -4.0], [1.0, 1.0])
    >>> sg.grad(lambda x: snp.divmod(x, 2.0)[1])(7.5)
    1.0
    """
    return np.floor_divide(_value(x1), _value(x2)), mod(x1, x2)


def modf(x):
    """(fractional part, integral part), both with x's sign: derivatives 1 and 0.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> [p.tolist() for p in snp.modf(np.array([2.5, -1.25]))]
    [[0.5, -0.25], [2.0, -1.0]]
    >>> sg.grad(lambda x: snp.modf(x)[0])(2.5)
    1.0
    """
    x = _arr(x)
    dt = np.modf(_probe(x))[0].dtype
    if _value(x).dtype != dt:
        x = ops.astype(x, dt)
    whole = trunc(x)
    xv = _value(x)
    frac = subtract(x, whole)
    fv = _value(frac)
    inf_ = np.isinf(xv)
    if inf_.any():  # modf(±inf) = (±0, ±inf)
        frac = E.where(inf_, np.copysign(np.zeros((), dt), xv), frac)
        fv = _value(frac)
    neg_zero = (fv == 0) & np.signbit(xv) & ~np.signbit(fv)
    if neg_zero.any():  # x − trunc(x) is +0 at negative integers; NumPy's is −0
        frac = E.where(neg_zero, negative(subtract(0.0, frac)), frac)
    return frac, whole


def ldexp(x1, x2):
    """x1 · 2**x2 for integer x2: differentiable in x1 (x2 is an integer, untraced).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.ldexp(np.array([1.5, 3.0]), 2).tolist()
    [6.0, 12.0]
    >>> sg.grad(lambda x: snp.ldexp(x, 3))(1.0)
    8.0
    """
    dt = np.ldexp(_probe(x1), _probe(x2)).dtype
    x1 = _arr(x1)
    if _value(x1).dtype != dt:
        x1 = ops.astype(x1, dt)
    return multiply(x1, np.ldexp(np.ones((), dt), _value(x2)))


def real_if_close(a, tol=100):
    """The real part when every imaginary part is within ``tol`` machine epsilons of 0, else
    ``a`` (traced either way).

    >>> import semigrad.numpy as snp
    >>> snp.real_if_close(np.array([1.0 + 1e-16j, 2.0])).tolist()
    [1.0, 2.0]
    """
    a = _arr(a)
    v = _value(a)
    if v.dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(v.dtype).eps * tol
    return ops.real(a) if np.all(np.abs(v.imag) < tol) else a


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """Remove jumps larger than ``discont`` by adding multiples of ``period``; derivative 1.

    The corrections are piecewise constant: they are computed from the values.

    >>> import semigrad.numpy as snp
    >>> snp.unwrap(np.array([0.0, 3.0, -3.0])).round(4).tolist()
    [0.0, 3.0, 3.2832]
    """
    p = _arr(p)
    pv = _value(p)
    n = ops.ndim(p)
    ax = ops._axis("unwrap", axis, n)
    dd = np.diff(pv, axis=ax)
    if discont is None:
        discont = period / 2
    dt = np.result_type(dd, period)
    if np.issubdtype(dt, np.integer):
        high, rem = builtins.divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    ddmod = np.mod(dd + high, period) - high
    if ambiguous:  # a jump of exactly period/2 keeps its sign
        ddmod = np.where((ddmod == -high) & (dd > 0), high, ddmod)
    correction = np.where(np.abs(dd) < discont, 0, ddmod - dd).cumsum(axis=ax)
    if pv.dtype != dt:
        p = ops.astype(p, dt)
    lead = (slice(None),) * ax
    rest = add(ops.getitem(p, lead + (slice(1, None),)), correction.astype(dt, copy=False))
    return ops.concatenate([ops.getitem(p, lead + (slice(0, 1),)), rest], axis=ax)


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
