"""``semigrad.numpy``: NumPy's names, differentiable; change one import to trace NumPy code.

``import semigrad.numpy as snp`` and write NumPy code: every function that has
a derivative has it in reverse and forward mode, to any order; the others
(comparisons, ``argmax``, ``any``, ``floor`` ...) work on traced values and
have zero derivative (integer and boolean results are plain NumPy arrays).
Functions called on plain values return plain NumPy values; creation
functions (``zeros``, ``arange``, ``linspace`` ...) always do, since they make
constants. Complex values work wherever NumPy accepts them, with JAX's convention
(see :mod:`semigrad.primitives.complex`); ``tests/test_numpy_grid.py`` checks every
function's values, derivatives and dtypes over a grid of shapes, axes and dtypes.
``random`` is NumPy's own.

Index-routing functions (``sort``, ``partition``, ``flip``, ``roll``,
``rot90``, ``repeat``, ``tile``, ``diagonal``, ``take``, ``pad`` ...) are
one ``getitem`` of the flattened array with the index array NumPy's own
function computes on element numbers, so their scalar paths are exactly the
routes the elements take. Ties in ``sort`` follow the stable order.

>>> import semigrad as sg
>>> import semigrad.numpy as snp
>>> sg.grad(lambda x: snp.sum(snp.sort(x) * snp.arange(3.0)))(np.array([3.0, 1.0, 2.0])).tolist()
[2.0, 0.0, 1.0]
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from .. import ops
from ..primitives import elementwise as E
from ..primitives import extra as X
from ..primitives import structural as S
from ..tensor import Tensor
from . import (
    fft,  # noqa: F401 (semigrad.numpy.fft)
    linalg,  # noqa: F401 (semigrad.numpy.linalg)
    random,  # noqa: F401
)

# NumPy's constants and dtypes, and semigrad.ops's functions under NumPy's names.
abs = ops.abs  # noqa: A001 (NumPy's name)
shape = ops.shape
bool_ = np.bool_
complex64 = np.complex64
complex128 = np.complex128
dtype = np.dtype
e = np.e
euler_gamma = np.euler_gamma
float16 = np.float16
float32 = np.float32
float64 = np.float64
inf = np.inf
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
intp = np.intp
nan = np.nan
ndarray = np.ndarray
newaxis = np.newaxis
pi = np.pi
uint8 = np.uint8
add = ops.add
broadcast_to = ops.broadcast_to
cos = ops.cos
divide = ops.divide
einsum = ops.einsum
equal = ops.equal
exp = ops.exp
expand_dims = ops.expand_dims
expm1 = ops.expm1
greater = ops.greater
greater_equal = ops.greater_equal
less = ops.less
less_equal = ops.less_equal
log = ops.log
log1p = ops.log1p
logical_and = ops.logical_and
logical_not = ops.logical_not
logical_or = ops.logical_or
matmul = ops.matmul
maximum = ops.maximum
minimum = ops.minimum
multiply = ops.multiply
negative = ops.negative
not_equal = ops.not_equal
outer = ops.outer
power = ops.power
reciprocal = ops.reciprocal
sign = ops.sign
sin = ops.sin
sqrt = ops.sqrt
square = ops.square
subtract = ops.subtract
swapaxes = ops.swapaxes
tan = ops.tan
tanh = ops.tanh
tensordot = ops.tensordot
true_divide = ops.true_divide
absolute = abs
arcsin, arccos, arctan, arctan2 = X.arcsin, X.arccos, X.arctan, X.arctan2
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
sinh, cosh, arcsinh, arccosh, arctanh = X.sinh, X.cosh, X.arcsinh, X.arccosh, X.arctanh
asinh, acosh, atanh = arcsinh, arccosh, arctanh
exp2, log2, log10, cbrt, sinc = X.exp2, X.log2, X.log10, X.cbrt, X.sinc
logaddexp, logaddexp2, hypot, fmax, fmin = X.logaddexp, X.logaddexp2, X.hypot, X.fmax, X.fmin
mod = remainder = X.remainder
fmod = X.fmod
floor, ceil, rint, trunc = X.floor, X.ceil, X.rint, X.trunc
fix = trunc
amax = ops.max
amin = ops.min
max = ops.max  # noqa: A001
min = ops.min  # noqa: A001


def _arr(x):
    """A Tensor as it is; anything else as a NumPy array."""
    return x if isinstance(x, Tensor) else np.asarray(x)


def _value(x):
    return x.value if isinstance(x, Tensor) else np.asarray(x)


def _is_complex(x) -> bool:
    return _value(x).dtype.kind == "c"


def _ids(x) -> np.ndarray:
    """Each element's flat index, in x's shape."""
    s = ops.shape(x)
    return np.arange(int(np.prod(s, dtype=np.int64))).reshape(s)


def _gather(x, positions):
    """``ravel(x)[positions]``: the elements NumPy's function sends to each output place."""
    return ops.getitem(ops.reshape(x, (-1,)), np.asarray(positions, dtype=np.intp))


def _gather_or_fill(x, positions, fill):
    """As :func:`_gather`, with ``fill`` where ``positions`` is −1 (no input element)."""
    positions = np.asarray(positions, dtype=np.intp)
    hit = positions >= 0
    if hit.all():
        return _gather(x, positions)
    taken = _gather(x, positions[hit])
    flat = S.scatter_add(taken, np.flatnonzero(hit), idx=(S.SLOT,), in_shape=(positions.size,),
                         out_ndim=1, adv_move=0, unique=True)
    if np.any(fill != 0):
        flat = flat + np.where(hit.ravel(), 0, fill).astype(_value(x).dtype)
    return ops.reshape(flat, positions.shape)


def _has_tensor(obj) -> bool:
    if isinstance(obj, Tensor):
        return True
    if isinstance(obj, list | tuple):
        return builtins.any(_has_tensor(o) for o in obj)
    return False


# ---- creation -----------------------------------------------------------------------


def array(obj, dtype=None):
    """An array from data; lists may mix Tensors and plain values (then a Tensor results).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.array([x, 2.0, [x, x][0]]) ** 2))(1.5)
    6.0
    """
    if not _has_tensor(obj):
        return np.array(obj, dtype=dtype)
    if isinstance(obj, Tensor):
        out = obj
    else:
        out = ops.stack([array(o) for o in obj])
    return out if dtype is None else ops.astype(out, dtype)


def asarray(obj, dtype=None):
    """As :func:`array`, without copying a Tensor or array that is already one.

    >>> import semigrad.numpy as snp
    >>> snp.asarray([1.0, 2.0]).tolist()
    [1.0, 2.0]
    """
    if isinstance(obj, Tensor) and (dtype is None or obj.dtype == np.dtype(dtype)):
        return obj
    if not _has_tensor(obj):
        return np.asarray(obj, dtype=dtype)
    return array(obj, dtype)


def _creation(fn, example):
    def create(*args, **kwargs):
        return fn(*args, **kwargs)

    create.__name__ = create.__qualname__ = fn.__name__
    create.__doc__ = (
        f"NumPy's ``{fn.__name__}``: a constant array (plain NumPy, never traced).\n\n"
        f"    >>> import semigrad.numpy as snp\n    >>> {example}\n"
    )
    return create


zeros = _creation(np.zeros, "snp.zeros((2, 3)).shape\n    (2, 3)")
ones = _creation(np.ones, "snp.ones(2).tolist()\n    [1.0, 1.0]")
empty = _creation(np.empty, "snp.empty((2, 0)).shape\n    (2, 0)")
arange = _creation(np.arange, "snp.arange(3.0).tolist()\n    [0.0, 1.0, 2.0]")
linspace = _creation(np.linspace, "snp.linspace(0.0, 1.0, 3).tolist()\n    [0.0, 0.5, 1.0]")
logspace = _creation(np.logspace, "snp.logspace(0.0, 2.0, 3).tolist()\n    [1.0, 10.0, 100.0]")
eye = _creation(np.eye, "snp.eye(2).tolist()\n    [[1.0, 0.0], [0.0, 1.0]]")
identity = _creation(np.identity, "snp.identity(2).tolist()\n    [[1.0, 0.0], [0.0, 1.0]]")
indices = _creation(np.indices, "snp.indices((2,)).tolist()\n    [[0, 1]]")
meshgrid = _creation(np.meshgrid, "[g.shape for g in snp.meshgrid([1, 2], [3, 4, 5])]\n"
                     "    [(3, 2), (3, 2)]")


def full(shape, fill_value, dtype=None):
    """An array of ``fill_value``; a traced fill value gives a traced (broadcast) result.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda v: snp.sum(snp.full((2, 3), v)))(1.0)
    6.0
    """
    if isinstance(fill_value, Tensor):
        shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
        out = ops.broadcast_to(fill_value, shape)
        return out if dtype is None else ops.astype(out, dtype)
    return np.full(shape, fill_value, dtype=dtype)


def _like(fn, example):
    def create(a, dtype=None, shape=None):
        return fn(_value(a), dtype=dtype, shape=shape)

    create.__name__ = create.__qualname__ = fn.__name__
    create.__doc__ = (
        f"NumPy's ``{fn.__name__}`` of a value's shape and dtype (a plain constant).\n\n"
        f"    >>> import semigrad as sg\n    >>> import semigrad.numpy as snp\n"
        f"    >>> {example}\n"
    )
    return create


zeros_like = _like(np.zeros_like, "snp.zeros_like(sg.tensor([1.0, 2.0])).tolist()\n"
                   "    [0.0, 0.0]")
ones_like = _like(np.ones_like, "snp.ones_like(sg.tensor([1.0, 2.0])).tolist()\n    [1.0, 1.0]")
empty_like = _like(np.empty_like, "snp.empty_like(sg.tensor([1.0, 2.0])).shape\n    (2,)")


def full_like(a, fill_value, dtype=None, shape=None):
    """An array of ``fill_value`` with a value's shape and dtype (a plain constant).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.full_like(sg.tensor([1.0, 2.0]), 7.0).tolist()
    [7.0, 7.0]
    """
    return np.full_like(_value(a), fill_value, dtype=dtype, shape=shape)


# ---- elementwise with NumPy's signatures ------------------------------------------------


def positive(x):
    """+x (the identity).

    >>> import semigrad.numpy as snp
    >>> snp.positive(np.array([-1.0])).tolist()
    [-1.0]
    """
    return x


def clip(a, a_min=None, a_max=None):
    """Clip to [a_min, a_max]; the derivative passes at the bounds (as PyTorch).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.clip(x, 0.0, 1.0))(1.0)
    1.0
    """
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


def floor_divide(x, y):
    """floor(x / y): zero derivative.

    >>> import semigrad.numpy as snp
    >>> snp.floor_divide(np.array([7.0, -7.0]), 2.0).tolist()
    [3.0, -4.0]
    """
    return floor(divide(x, y))


def _in_numpy_dtype(np_fn, x):
    """``x`` cast to the dtype NumPy's ``np_fn`` returns for it (fabs: int8 → float16, int →
    float64; cumprod: int8, bool → int64); NumPy's own error for the dtypes it refuses."""
    x = _arr(x)
    dt = np_fn(np.zeros((), _value(x).dtype)).dtype
    return x if _value(x).dtype == dt else ops.astype(x, dt)


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


# ---- untraced: integer and boolean results ----------------------------------------------


def _untraced(fn, example):
    def untraced(*args, **kwargs):
        args = tuple(_value(a) if isinstance(a, Tensor) else a for a in args)
        kwargs = {k: _value(v) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        return fn(*args, **kwargs)

    untraced.__name__ = untraced.__qualname__ = fn.__name__
    untraced.__doc__ = (
        f"NumPy's ``{fn.__name__}`` on the values (untraced: no derivative).\n\n"
        f"    >>> import semigrad as sg\n    >>> import semigrad.numpy as snp\n"
        f"    >>> {example}\n"
    )
    return untraced


_T = "sg.tensor([1.0, 3.0, 2.0])"
any = _untraced(np.any, f"bool(snp.any({_T} > 2.5))\n    True")  # noqa: A001
all = _untraced(np.all, f"bool(snp.all({_T} > 2.5))\n    False")  # noqa: A001
argmax = _untraced(np.argmax, f"int(snp.argmax({_T}))\n    1")
argmin = _untraced(np.argmin, f"int(snp.argmin({_T}))\n    0")
argsort = _untraced(np.argsort, f"snp.argsort({_T}).tolist()\n    [0, 2, 1]")
argpartition = _untraced(np.argpartition, f"int(snp.argpartition({_T}, 0)[0])\n    0")
nonzero = _untraced(np.nonzero, f"snp.nonzero({_T} > 1.5)[0].tolist()\n    [1, 2]")
flatnonzero = _untraced(np.flatnonzero, f"snp.flatnonzero({_T} > 1.5).tolist()\n    [1, 2]")
argwhere = _untraced(np.argwhere, f"snp.argwhere({_T} > 2.5).tolist()\n    [[1]]")
count_nonzero = _untraced(np.count_nonzero, f"int(snp.count_nonzero({_T} > 1.5))\n    2")
isnan = _untraced(np.isnan, f"snp.isnan({_T}).tolist()\n    [False, False, False]")
isinf = _untraced(np.isinf, f"snp.isinf({_T}).tolist()\n    [False, False, False]")
isfinite = _untraced(np.isfinite, f"snp.isfinite({_T}).tolist()\n    [True, True, True]")
signbit = _untraced(np.signbit, f"snp.signbit(-{_T}).tolist()\n    [True, True, True]")
isclose = _untraced(np.isclose, f"snp.isclose({_T}, 2.0).tolist()\n    [False, False, True]")
allclose = _untraced(np.allclose, f"snp.allclose({_T}, {_T})\n    True")
array_equal = _untraced(np.array_equal, f"snp.array_equal({_T}, {_T})\n    True")
searchsorted = _untraced(np.searchsorted, "int(snp.searchsorted(sg.tensor([1.0, 2.0]), 1.5))\n"
                         "    1")
ndim = _untraced(np.ndim, f"snp.ndim({_T})\n    1")
size = _untraced(np.size, f"snp.size({_T})\n    3")
result_type = _untraced(np.result_type, f"snp.result_type({_T}, np.float32)\n"
                        "    dtype('float64')")
iscomplexobj = _untraced(np.iscomplexobj, f"snp.iscomplexobj({_T})\n    False")


# ---- reductions -------------------------------------------------------------------------


def sum(a, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis`` (int, tuple or None for all).

    >>> import semigrad.numpy as snp
    >>> snp.sum(np.ones((2, 3)), axis=1).tolist()
    [3.0, 3.0]
    """
    return ops.sum(_arr(a), axis=axis, keepdims=keepdims)


def mean(a, axis=None, keepdims=False):
    """Mean over ``axis``.

    >>> import semigrad.numpy as snp
    >>> float(snp.mean(np.array([1.0, 2.0, 6.0])))
    3.0
    """
    return ops.mean(_arr(a), axis=axis, keepdims=keepdims)


def prod(a, axis=None, keepdims=False):
    """Product over ``axis`` (exact derivatives also where elements are 0).

    >>> import semigrad.numpy as snp
    >>> float(snp.prod(np.array([2.0, 3.0])))
    6.0
    """
    return ops.prod(_arr(a), axis=axis, keepdims=keepdims)


def var(a, axis=None, ddof=0, keepdims=False):
    """Variance over ``axis``: Σ(x − mean)² / (n − ddof).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    >>> sg.grad(lambda x: snp.var(x))(np.array([1.0, 3.0])).tolist()
    [-1.0, 1.0]
    """
    a = _arr(a)
    axes = ops._axes("var", a, axis)
    s = ops.shape(a)
    n = int(np.prod([s[k] for k in axes]))
    d = subtract(a, ops.mean(a, axis=axes, keepdims=True))
    # |d|² for complex values (NumPy's variance is real), as a real function of d.
    sq = ops.real(ops.conj(d) * d) if _is_complex(d) else d * d
    # NumPy divides by max(n - ddof, 0): inf or NaN, never a negative count
    return divide(ops.sum(sq, axis=axes, keepdims=keepdims), float(builtins.max(n - ddof, 0)))


def std(a, axis=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis``; where it is 0 its derivative is 0 (e.g. one element).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.std(np.array([1.0, 3.0])))
    1.0
    >>> sg.grad(lambda x: snp.std(x))(np.array([2.0])).tolist()
    [0.0]
    """
    v = var(a, axis=axis, ddof=ddof, keepdims=keepdims)
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
    return subtract(ops.max(a, axis, keepdims), ops.min(a, axis, keepdims))


def average(a, axis=None, weights=None, keepdims=False):
    """Weighted mean over ``axis`` (the weights may be traced too).

    >>> import semigrad.numpy as snp
    >>> float(snp.average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0])))
    1.5
    """
    a = _arr(a)
    if weights is None:
        return mean(a, axis=axis, keepdims=keepdims)
    w = ops.broadcast_to(_arr(weights), ops.shape(a)) if axis is None else _arr(weights)
    if axis is not None and ops.ndim(w) == 1 and ops.ndim(a) > 1:
        k = axis % ops.ndim(a)
        w = ops.reshape(w, tuple(-1 if j == k else 1 for j in range(ops.ndim(a))))
    num = ops.sum(multiply(a, w), axis=axis, keepdims=keepdims)
    den = ops.sum(ops.broadcast_to(w, ops.shape(a)) if ops.shape(w) != ops.shape(a) else w,
                  axis=axis, keepdims=keepdims)
    return divide(num, den)


def _along(name, a, axis):
    """(array, negative axis); ``axis=None`` flattens first (NumPy's rule)."""
    a = _arr(a)
    if axis is None:
        return ops.reshape(a, (-1,)), -1
    n = ops.ndim(a)
    return a, ops._axis(name, axis, n) - n


def cumsum(a, axis=None):
    """Cumulative sum along ``axis`` (flattened when None); a linear map.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.cumsum(x)))(np.ones(3)).tolist()
    [3.0, 2.0, 1.0]
    """
    a, ax = _along("cumsum", a, axis)
    return X.cumsum(a, axis=ax, reverse=False)


def cumprod(a, axis=None):
    """Cumulative product along ``axis`` (flattened when None), exact where elements are 0.

    Composed of one multiply per position along the axis, so the scalar paths
    are those of the running product.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.cumprod(x)))(np.array([2.0, 0.0, 3.0])).tolist()
    [1.0, 8.0, 0.0]
    """
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


# ---- shape ------------------------------------------------------------------------------


def reshape(a, shape):
    """Reshape (one entry may be −1).

    >>> import semigrad.numpy as snp
    >>> snp.reshape(np.arange(6.0), (3, -1)).shape
    (3, 2)
    """
    return ops.reshape(_arr(a), shape)


def ravel(a):
    """Flatten to one axis (C order).

    >>> import semigrad.numpy as snp
    >>> snp.ravel(np.ones((2, 3))).shape
    (6,)
    """
    return ops.reshape(_arr(a), (-1,))


def transpose(a, axes=None):
    """Permute axes (reverse them by default).

    >>> import semigrad.numpy as snp
    >>> snp.transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    return ops.transpose(_arr(a), axes)


def moveaxis(a, source, destination):
    """Move axes to new positions (ints or sequences, as NumPy).

    >>> import semigrad.numpy as snp
    >>> snp.moveaxis(np.ones((2, 3, 4)), [0, 1], [-1, -2]).shape
    (4, 3, 2)
    """
    a = _arr(a)
    n = ops.ndim(a)
    src = [source] if isinstance(source, int | np.integer) else list(source)
    dst = [destination] if isinstance(destination, int | np.integer) else list(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of axes")
    src = [ops._axis("moveaxis", s, n) for s in src]
    dst = [ops._axis("moveaxis", d, n) for d in dst]
    order = [k for k in range(n) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return ops.transpose(a, order)


def squeeze(a, axis=None):
    """Remove unit axes (all, or those in ``axis``).

    >>> import semigrad.numpy as snp
    >>> snp.squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    return ops.squeeze(_arr(a), axis)


def _atleast(n, arrays):
    out = []
    for a in arrays:
        a = _arr(a)
        s = ops.shape(a)
        if len(s) < n:
            if n == 1 or len(s) == 0:
                new = (1,) * (n - len(s)) + s
            elif n == 2:
                new = (1,) + s
            else:
                new = (1,) + s + (1,) if len(s) == 1 else s + (1,)
            a = ops.reshape(a, new)
        out.append(a)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arrays):
    """Views with at least one axis.

    >>> import semigrad.numpy as snp
    >>> snp.atleast_1d(1.0).shape
    (1,)
    """
    return _atleast(1, arrays)


def atleast_2d(*arrays):
    """Views with at least two axes (a vector becomes a row).

    >>> import semigrad.numpy as snp
    >>> snp.atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(2, arrays)


def atleast_3d(*arrays):
    """Views with at least three axes (NumPy's placement: (1, n, 1), (m, n, 1)).

    >>> import semigrad.numpy as snp
    >>> snp.atleast_3d(np.ones(3)).shape
    (1, 3, 1)
    """
    return _atleast(3, arrays)


def concatenate(arrays: Sequence, axis=0):
    """Join arrays along an existing axis (flattened first when ``axis`` is None).

    >>> import semigrad.numpy as snp
    >>> snp.concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    arrays = [_arr(a) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    return ops.concatenate(arrays, axis=axis)


concat = concatenate


def stack(arrays: Sequence, axis=0):
    """Join arrays along a new axis; the list may mix Tensors and plain values.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.stack([sg.tensor([1.0, 2.0]), [3.0, 4.0]]).shape
    (2, 2)
    """
    return ops.stack([_arr(a) for a in arrays], axis=axis)


def hstack(tup):
    """Join along the second axis (the first for 1-d arrays).

    >>> import semigrad.numpy as snp
    >>> snp.hstack([np.ones(2), np.zeros(1)]).shape
    (3,)
    """
    arrays = [atleast_1d(a) for a in tup]
    return ops.concatenate(arrays, axis=0 if ops.ndim(arrays[0]) == 1 else 1)


def vstack(tup):
    """Join along the first axis, vectors as rows.

    >>> import semigrad.numpy as snp
    >>> snp.vstack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    return ops.concatenate([atleast_2d(a) for a in tup], axis=0)


row_stack = vstack


def dstack(tup):
    """Join along the third axis.

    >>> import semigrad.numpy as snp
    >>> snp.dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape
    (2, 2, 2)
    """
    return ops.concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup):
    """Vectors as columns, joined along the second axis.

    >>> import semigrad.numpy as snp
    >>> snp.column_stack([np.ones(3), np.zeros(3)]).shape
    (3, 2)
    """
    arrays = []
    for a in tup:
        a = _arr(a)
        arrays.append(ops.reshape(a, (-1, 1)) if ops.ndim(a) < 2 else a)
    return ops.concatenate(arrays, axis=1)


def _split(name, ary, indices_or_sections, axis, even):
    ary = _arr(ary)
    n = ops.ndim(ary)
    ax = ops._axis(name, axis, n)
    length = ops.shape(ary)[ax]
    if isinstance(indices_or_sections, int | np.integer):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{name}: the number of sections must be positive")
        if even and length % sections:
            raise ValueError(
                f"{name}: an axis of length {length} does not divide into {sections} equal "
                "sections; use array_split"
            )
        each, extra = divmod(length, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.r_[0, np.cumsum(sizes)]
    else:
        bounds = np.r_[0, list(indices_or_sections), length]
    lead = (slice(None),) * ax
    return [
        ops.getitem(ary, lead + (slice(int(lo), builtins.max(int(lo), int(hi))),))
        for lo, hi in zip(bounds[:-1], bounds[1:])
    ]


def split(ary, indices_or_sections, axis=0):
    """Split into equal sections, or at the given indices, along ``axis``.

    >>> import semigrad.numpy as snp
    >>> [p.tolist() for p in snp.split(np.arange(4.0), 2)]
    [[0.0, 1.0], [2.0, 3.0]]
    """
    return _split("split", ary, indices_or_sections, axis, even=True)


def array_split(ary, indices_or_sections, axis=0):
    """As :func:`split`, allowing sections of unequal length.

    >>> import semigrad.numpy as snp
    >>> [len(p) for p in snp.array_split(np.arange(5.0), 2)]
    [3, 2]
    """
    return _split("array_split", ary, indices_or_sections, axis, even=False)


def hsplit(ary, indices_or_sections):
    """Split along the second axis (the first for 1-d arrays).

    >>> import semigrad.numpy as snp
    >>> [p.shape for p in snp.hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    return split(ary, indices_or_sections, axis=1 if ops.ndim(ary) > 1 else 0)


def vsplit(ary, indices_or_sections):
    """Split along the first axis.

    >>> import semigrad.numpy as snp
    >>> [p.shape for p in snp.vsplit(np.ones((4, 2)), 2)]
    [(2, 2), (2, 2)]
    """
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary, indices_or_sections):
    """Split along the third axis.

    >>> import semigrad.numpy as snp
    >>> [p.shape for p in snp.dsplit(np.ones((1, 1, 4)), 2)]
    [(1, 1, 2), (1, 1, 2)]
    """
    return split(ary, indices_or_sections, axis=2)


def repeat(a, repeats, axis=None):
    """Repeat elements; the gradient sums over the copies.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.repeat(x, [1, 3])))(np.ones(2)).tolist()
    [1.0, 3.0]
    """
    a = _arr(a)
    return _gather(a, np.repeat(_ids(a), repeats, axis=axis))


def tile(A, reps):
    """Repeat the whole array ``reps`` times along each axis.

    >>> import semigrad.numpy as snp
    >>> snp.tile(np.array([1.0, 2.0]), 2).tolist()
    [1.0, 2.0, 1.0, 2.0]
    """
    A = _arr(A)
    return _gather(A, np.tile(_ids(A), reps))


def roll(a, shift, axis=None):
    """Shift elements cyclically.

    >>> import semigrad.numpy as snp
    >>> snp.roll(np.arange(3.0), 1).tolist()
    [2.0, 0.0, 1.0]
    """
    a = _arr(a)
    return _gather(a, np.roll(_ids(a), shift, axis=axis))


def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90° ``k`` times in the plane of ``axes``.

    >>> import semigrad.numpy as snp
    >>> snp.rot90(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[2.0, 4.0], [1.0, 3.0]]
    """
    m = _arr(m)
    return _gather(m, np.rot90(_ids(m), k, axes))


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None).

    >>> import semigrad.numpy as snp
    >>> snp.flip(np.arange(3.0)).tolist()
    [2.0, 1.0, 0.0]
    """
    m = _arr(m)
    return _gather(m, np.flip(_ids(m), axis))


def flipud(m):
    """Reverse the first axis.

    >>> import semigrad.numpy as snp
    >>> snp.flipud(np.array([[1.0], [2.0]])).tolist()
    [[2.0], [1.0]]
    """
    return flip(m, 0)


def fliplr(m):
    """Reverse the second axis.

    >>> import semigrad.numpy as snp
    >>> snp.fliplr(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 1.0]]
    """
    return flip(m, 1)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of the plane (axis1, axis2), moved to the last axis (as NumPy).

    >>> import semigrad.numpy as snp
    >>> snp.diagonal(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 3.0]
    """
    a = _arr(a)
    return _gather(a, np.diagonal(_ids(a), offset, axis1, axis2))


def diag(v, k=0):
    """A vector's diagonal matrix, or a matrix's ``k``-th diagonal.

    >>> import semigrad.numpy as snp
    >>> snp.diag(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    v = _arr(v)
    if ops.ndim(v) == 2:
        return diagonal(v, k)
    if ops.ndim(v) != 1:
        raise ValueError(f"diag: the input must be 1-d or 2-d; got shape {ops.shape(v)}")
    return _gather_or_fill(v, np.diag(_ids(v) + 1, k) - 1, 0)


def trace(a, offset=0, axis1=0, axis2=1):
    """The sum of a diagonal.

    >>> import semigrad.numpy as snp
    >>> float(snp.trace(np.arange(4.0).reshape(2, 2)))
    3.0
    """
    return ops.sum(diagonal(a, offset, axis1, axis2), axis=-1)


def _triangle(name, m, k, keep):
    m = _arr(m)
    s = ops.shape(m)
    if len(s) < 2:
        raise ValueError(f"{name}: the input must have at least two axes; got shape {s}")
    mask = keep(np.ones(s[-2:], dtype=bool), k)
    return E.where(mask, m, np.zeros((), dtype=_value(m).dtype))


def triu(m, k=0):
    """The upper triangle (on and above the ``k``-th diagonal), zeros below.

    >>> import semigrad.numpy as snp
    >>> snp.triu(np.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    return _triangle("triu", m, k, np.triu)


def tril(m, k=0):
    """The lower triangle (on and below the ``k``-th diagonal), zeros above.

    >>> import semigrad.numpy as snp
    >>> snp.tril(np.ones((2, 2))).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    return _triangle("tril", m, k, np.tril)


_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad(array, pad_width, mode="constant", constant_values=0):
    """Pad with a constant, or by repeating elements (edge, reflect, symmetric, wrap modes).

    >>> import semigrad.numpy as snp
    >>> snp.pad(np.array([1.0, 2.0]), 1).tolist()
    [0.0, 1.0, 2.0, 0.0]
    >>> snp.pad(np.array([1.0, 2.0]), 1, mode="edge").tolist()
    [1.0, 1.0, 2.0, 2.0]
    """
    array = _arr(array)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {_PAD_MODES}")
    if mode == "constant":
        if np.ndim(constant_values) != 0:
            raise ValueError("pad: constant_values must be one number (no per-axis pairs)")
        ids = np.pad(_ids(array), pad_width, mode="constant", constant_values=-1)
        return _gather_or_fill(array, ids, constant_values)
    return _gather(array, np.pad(_ids(array), pad_width, mode=mode))


def take(a, indices, axis=None):
    """Elements at ``indices`` (of the flattened array when ``axis`` is None).

    >>> import semigrad.numpy as snp
    >>> snp.take(np.array([1.0, 2.0, 3.0]), [2, 0]).tolist()
    [3.0, 1.0]
    """
    a = _arr(a)
    return _gather(a, np.take(_ids(a), _value(indices), axis=axis))


def take_along_axis(arr, indices, axis):
    """Elements at ``indices`` along ``axis`` (NumPy's ``take_along_axis``).

    >>> import semigrad.numpy as snp
    >>> snp.take_along_axis(np.array([[1.0, 2.0]]), np.array([[1, 0]]), 1).tolist()
    [[2.0, 1.0]]
    """
    arr = _arr(arr)
    return _gather(arr, np.take_along_axis(_ids(arr), _value(indices), axis))


def sort(a, axis=-1):
    """Sorted along ``axis`` (flattened when None): each output is routed from one input.

    Ties keep their input order (a stable sort), so the derivative of each
    output goes to one element.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sort(x)[0])(np.array([3.0, 1.0, 2.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    a, ax = _along("sort", a, axis)
    order = np.argsort(_value(a), axis=ax, kind="stable")
    return _gather(a, np.take_along_axis(_ids(a), order, ax))


def partition(a, kth, axis=-1):
    """NumPy's partition: the ``kth`` element in its sorted place, smaller ones before it.

    >>> import semigrad.numpy as snp
    >>> float(snp.partition(np.array([3.0, 1.0, 2.0]), 1)[1])
    2.0
    """
    a, ax = _along("partition", a, axis)
    order = np.argpartition(_value(a), kth, axis=ax)
    return _gather(a, np.take_along_axis(_ids(a), order, ax))


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th differences along ``axis`` (with optional ``prepend``/``append`` values).

    >>> import semigrad.numpy as snp
    >>> snp.diff(np.array([1.0, 4.0, 9.0])).tolist()
    [3.0, 5.0]
    """
    a = _arr(a)
    nd = ops.ndim(a)
    ax = ops._axis("diff", axis, nd)
    parts = []
    for extra, where_ in ((prepend, "before"), (append, "after")):
        if extra is None:
            continue
        extra = _arr(extra)
        if ops.ndim(extra) == 0:
            s = list(ops.shape(a))
            s[ax] = 1
            extra = ops.broadcast_to(extra, tuple(s))
        parts.append((where_, extra))
    if parts:
        before = [e for w, e in parts if w == "before"]
        after = [e for w, e in parts if w == "after"]
        a = ops.concatenate(before + [a] + after, axis=ax)
    lead = (slice(None),) * ax
    for _ in range(n):
        a = subtract(ops.getitem(a, lead + (slice(1, None),)),
                     ops.getitem(a, lead + (slice(None, -1),)))
    return a


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


def cross(a, b, axis=-1):
    """The cross product of 3-vectors (or the z component for 2-vectors) along ``axis``.

    >>> import semigrad.numpy as snp
    >>> snp.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).tolist()
    [0.0, 0.0, 1.0]
    >>> snp.cross(np.eye(3)[:, :2], np.eye(3)[:, 1:], axis=0).tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """
    a, b = moveaxis(_arr(a), axis, -1), moveaxis(_arr(b), axis, -1)
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
    # NumPy's ``axis`` is also the output's vector axis (axisc)
    return moveaxis(ops.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z], axis=-1), -1, axis)
