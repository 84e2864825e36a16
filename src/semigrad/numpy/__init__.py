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
import functools
import warnings
from collections.abc import Sequence

import numpy as np

from .. import ops
from ..primitives import complex as C
from ..primitives import elementwise as E
from ..primitives import numpy_elementwise as X
from ..primitives import structural as S
from ..primitives import structural as _S
from ..primitives.base import from_list, holds_tensor
from ..tensor import Tensor
from . import (
    fft,  # noqa: F401 (semigrad.numpy.fft)
    linalg,  # noqa: F401 (semigrad.numpy.linalg)
    random,  # noqa: F401
)
from ._at import At

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
# NumPy's helpers that only look at shapes, dtypes or settings (no values to trace).
broadcast_shapes = np.broadcast_shapes
errstate = np.errstate
finfo = np.finfo
iinfo = np.iinfo
index_exp = np.index_exp
mgrid = np.mgrid
ogrid = np.ogrid
s_ = np.s_
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


def _arr(x):
    """A Tensor as it is; a list holding Tensors as their stack; anything else as an array."""
    if isinstance(x, Tensor):
        return x
    return array(x) if type(x) in (list, tuple) and holds_tensor(x) else np.asarray(x)


def _value(x):
    return x.value if isinstance(x, Tensor) else np.asarray(x)


_is_complex = C.is_complex


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


# ---- creation -----------------------------------------------------------------------


def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):  # noqa: A002
    """An array from data; lists may mix Tensors and plain values (then a Tensor results).

    ``ndmin`` prepends unit axes, as NumPy; a Tensor is never copied in place (values in a
    graph are immutable), so ``copy`` only matters for plain data.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.array([x, 2.0, [x, x][0]]) ** 2))(1.5)
    6.0
    >>> snp.array(sg.tensor([1.0, 2.0]), ndmin=3).shape
    (1, 1, 2)
    """
    if not holds_tensor(object):
        return np.array(object, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    out = from_list(object)
    if dtype is not None and out.dtype != np.dtype(dtype):
        out = ops.astype(out, dtype)
    if ops.ndim(out) < ndmin:
        out = ops.reshape(out, (1,) * (ndmin - ops.ndim(out)) + ops.shape(out))
    return out


def asarray(obj, dtype=None):
    """As :func:`array`, without copying a Tensor or array that is already one.

    >>> import semigrad.numpy as snp
    >>> snp.asarray([1.0, 2.0]).tolist()
    [1.0, 2.0]
    """
    if isinstance(obj, Tensor) and (dtype is None or obj.dtype == np.dtype(dtype)):
        return obj
    if not holds_tensor(obj):
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


def _plain(obj):
    """Tensors replaced by their values, also inside lists and tuples (``lexsort``'s keys)."""
    if isinstance(obj, Tensor):
        return obj.value
    if isinstance(obj, list | tuple) and holds_tensor(obj):
        return type(obj)(_plain(o) for o in obj)
    return obj


def _untraced(fn, example):
    def untraced(*args, **kwargs):
        args = tuple(_plain(a) for a in args)
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
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


def _arg_extreme(np_fn, example):
    untraced = _untraced(np_fn, example)
    name = np_fn.__name__

    @functools.wraps(untraced)
    def arg_extreme(a, axis=None, out=None, *, keepdims=False):
        s = ops.shape(a)
        if (int(np.prod(s)) if axis is None else s[ops._axis(name, axis, len(s))]) == 0:
            raise ValueError(f"{name}: attempt to get {name} of an empty sequence (input shape "
                             f"{s}, axis {axis!r}); reduce a non-empty array or axis")
        return untraced(a, axis=axis, out=out, keepdims=keepdims)

    return arg_extreme


argmax = _arg_extreme(np.argmax, f"int(snp.argmax({_T}))\n    1")
argmin = _arg_extreme(np.argmin, f"int(snp.argmin({_T}))\n    0")
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


def _along(name, a, axis):
    """(array, negative axis); ``axis=None`` flattens first (NumPy's rule)."""
    a = _arr(a)
    if axis is None:
        return ops.reshape(a, (-1,)), -1
    n = ops.ndim(a)
    return a, ops._axis(name, axis, n) - n


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
        each, extra = builtins.divmod(length, sections)
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


def take(a, indices, axis=None, out=None, mode="raise"):
    """Elements at ``indices`` (of the flattened array when ``axis`` is None).

    >>> import semigrad.numpy as snp
    >>> snp.take(np.array([1.0, 2.0, 3.0]), [2, 0]).tolist()
    [3.0, 1.0]
    """
    a = _arr(a)
    _no_out("take", out)
    return _gather(a, np.take(_ids(a), _value(indices), axis=axis, mode=mode))


def take_along_axis(arr, indices, axis):
    """Elements at ``indices`` along ``axis`` (NumPy's ``take_along_axis``).

    >>> import semigrad.numpy as snp
    >>> snp.take_along_axis(np.array([[1.0, 2.0]]), np.array([[1, 0]]), 1).tolist()
    [[2.0, 1.0]]
    """
    arr = _arr(arr)
    return _gather(arr, np.take_along_axis(_ids(arr), _value(indices), axis))


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted along ``axis`` (flattened when None): each output is routed from one input.

    Ties keep their input order (a stable sort), so the derivative of each
    output goes to one element.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sort(x)[0])(np.array([3.0, 1.0, 2.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    if order is not None:
        raise ValueError("sort: order= sorts structured arrays, which semigrad does not trace")
    a, ax = _along("sort", a, axis)
    # always stable (any order of ties sorts the values; a stable one routes them predictably)
    perm = np.argsort(_value(a), axis=ax, kind="stable")
    return _gather(a, np.take_along_axis(_ids(a), perm, ax))


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's partition: the ``kth`` element in its sorted place, smaller ones before it.

    >>> import semigrad.numpy as snp
    >>> float(snp.partition(np.array([3.0, 1.0, 2.0]), 1)[1])
    2.0
    """
    a, ax = _along("partition", a, axis)
    if order is not None:
        raise ValueError("partition: order= works on structured arrays, which semigrad does "
                         "not trace")
    perm = np.argpartition(_value(a), kth, axis=ax, kind=kind)
    return _gather(a, np.take_along_axis(_ids(a), perm, ax))


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


# ---- NumPy 2's other functions: shape, joining and rearranging ----------------------------


def _shapes(*xs) -> str:
    return " and ".join(str(ops.shape(_arr(x))) for x in xs)


def matrix_transpose(x, /):
    """Swap the last two axes (NumPy 2's ``matrix_transpose``, the array API's ``.mT``).

    >>> import semigrad.numpy as snp
    >>> snp.matrix_transpose(np.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = _arr(x)
    if ops.ndim(x) < 2:
        raise ValueError(f"matrix_transpose: x must have at least two axes; got shape "
                         f"{ops.shape(x)}")
    return ops.swapaxes(x, -1, -2)


def permute_dims(a, /, axes=None):
    """Permute axes (NumPy 2's array-API name for :func:`transpose`).

    >>> import semigrad.numpy as snp
    >>> snp.permute_dims(np.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return transpose(a, axes)


def astype(x, dtype, /, *, copy=True, device=None):
    """``x`` converted to ``dtype`` (differentiable between floating and complex dtypes).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.astype(sg.tensor([1, 2]), np.float32).dtype
    dtype('float32')
    """
    x = _arr(x)
    if not isinstance(x, Tensor):
        return x.astype(dtype, copy=copy)
    return ops.astype(x, dtype)


pow = power  # noqa: A001 (NumPy 2's name)


def rollaxis(a, axis, start=0):
    """Move ``axis`` to just before position ``start`` (NumPy's older :func:`moveaxis`).

    >>> import semigrad.numpy as snp
    >>> snp.rollaxis(np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    a = _arr(a)
    n = ops.ndim(a)
    axis = ops._axis("rollaxis", axis, n)
    if not isinstance(start, int | np.integer) or not -n <= start <= n:
        raise ValueError(f"rollaxis: start {start!r} is out of range for an array of shape "
                         f"{ops.shape(a)}; use an integer in [{-n}, {n}]")
    start = int(start) + n if start < 0 else int(start)
    if axis < start:
        start -= 1
    order = [k for k in range(n) if k != axis]
    order.insert(start, axis)
    return ops.transpose(a, order) if order != list(range(n)) else a


def broadcast_arrays(*args):
    """The arrays broadcast against each other, as a tuple (NumPy 2).

    >>> import semigrad.numpy as snp
    >>> [a.shape for a in snp.broadcast_arrays(np.ones((2, 1)), np.ones(3))]
    [(2, 3), (2, 3)]
    """
    arrays = [_arr(a) for a in args]
    try:
        s = np.broadcast_shapes(*(ops.shape(a) for a in arrays))
    except ValueError:
        raise ValueError(f"broadcast_arrays: shapes {_shapes(*arrays)} do not broadcast "
                         "together") from None
    return tuple(a if ops.shape(a) == s else ops.broadcast_to(a, s) for a in arrays)


def append(arr, values, axis=None):
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.append(x, x * 2.0) ** 2))(np.array([1.0])).tolist()
    [10.0]
    """
    arr, values = _arr(arr), _arr(values)
    if axis is None:
        return ops.concatenate([ravel(arr), ravel(values)], axis=0)
    if ops.ndim(arr) != ops.ndim(values):
        raise ValueError(f"append: arr and values must have the same number of axes when "
                         f"axis is given; got shapes {_shapes(arr, values)}")
    return ops.concatenate([arr, values], axis=axis)


def _index_arg(obj):
    return obj.value if isinstance(obj, Tensor) else obj


def delete(arr, obj, axis=None):
    """``arr`` without the entries ``obj`` (an index, slice or indices) along ``axis``.

    >>> import semigrad.numpy as snp
    >>> snp.delete(np.array([1.0, 2.0, 3.0]), 1).tolist()
    [1.0, 3.0]
    """
    arr = _arr(arr)
    try:
        ids = np.delete(_ids(arr), _index_arg(obj), axis)
    except (IndexError, ValueError) as e:
        raise type(e)(f"delete: {e} (arr shape {ops.shape(arr)}, axis {axis})") from None
    return _gather(arr, ids)


def insert(arr, obj, values, axis=None):
    """``values`` inserted before the index or indices ``obj``; both may be traced.

    ``values`` is cast to ``arr``'s dtype and broadcast as NumPy does.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.insert(np.array([1.0, 2.0]), 1, 9.0).tolist()
    [1.0, 9.0, 2.0]
    >>> sg.grad(lambda v: snp.sum(snp.insert(np.zeros(3), [0, 2], v)))(1.0)
    2.0
    """
    arr, values = _arr(arr), _arr(values)
    dt = _value(arr).dtype
    if _value(values).dtype != dt:
        values = ops.astype(values, dt)
    n = int(np.prod(ops.shape(arr), dtype=np.int64))
    # NumPy's own insert, on element numbers: values' elements are numbered after arr's
    try:
        ids = np.insert(_ids(arr), _index_arg(obj), n + _ids(values), axis)
    except (IndexError, ValueError) as e:
        raise type(e)(f"insert: {e} (arr shape {ops.shape(arr)}, values shape "
                      f"{ops.shape(values)}, axis {axis})") from None
    return _gather(ops.concatenate([ravel(arr), ravel(values)], axis=0), ids)


def block(arrays):
    """Assemble an array from nested lists of blocks (the innermost lists join on the last axis).

    >>> import semigrad.numpy as snp
    >>> snp.block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 3))]]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    """
    def depth(x, path):
        if isinstance(x, tuple):
            raise TypeError(f"block: arrays{path} is a tuple; only lists may hold blocks")
        if not isinstance(x, list):
            return 0
        if not x:
            raise ValueError(f"block: arrays{path} is an empty list")
        ds = [depth(e, f"{path}[{i}]") for i, e in enumerate(x)]
        if builtins.any(d != ds[0] for d in ds):
            raise ValueError(f"block: the lists in arrays{path} are nested to different "
                             f"depths {ds}")
        return ds[0] + 1

    def leaves(x):
        return [y for e in x for y in leaves(e)] if isinstance(x, list) else [_arr(x)]

    d = depth(arrays, "")
    nd = builtins.max([d] + [ops.ndim(a) for a in leaves(arrays)])

    def build(x, level):
        if level == d:
            a = _arr(x)
            s = ops.shape(a)
            return ops.reshape(a, (1,) * (nd - len(s)) + s) if len(s) < nd else a
        parts = [build(e, level + 1) for e in x]
        try:
            return ops.concatenate(parts, axis=level - d)
        except ValueError:
            raise ValueError(f"block: blocks of shapes {_shapes(*parts)} do not join along "
                             f"axis {level - d}") from None

    return build(arrays, 0)


def diagflat(v, k=0):
    """The flattened input on the ``k``-th diagonal of a square matrix.

    >>> import semigrad.numpy as snp
    >>> snp.diagflat(np.array([[1.0, 2.0]])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    return diag(ravel(v), k)


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of the flattened array, with optional values before and after.

    >>> import semigrad.numpy as snp
    >>> snp.ediff1d(np.array([1.0, 4.0, 9.0]), to_begin=0.0).tolist()
    [0.0, 3.0, 5.0]
    """
    ary = ravel(ary)
    dt = _value(ary).dtype
    parts = []
    for label, extra in (("to_begin", to_begin), ("to_end", to_end)):
        if extra is None:
            parts.append(None)
            continue
        extra = _arr(extra)
        if not np.can_cast(_value(extra).dtype, dt, casting="same_kind"):
            raise TypeError(f"ediff1d: {label} of dtype {_value(extra).dtype} does not cast "
                            f"to the input's dtype {dt}")
        parts.append(ravel(extra if _value(extra).dtype == dt else ops.astype(extra, dt)))
    d = subtract(ops.getitem(ary, slice(1, None)), ops.getitem(ary, slice(None, -1)))
    out = [p for p in (parts[0], d, parts[1]) if p is not None]
    return ops.concatenate(out, axis=0) if len(out) > 1 else d


def sort_complex(a):
    """Sorted along the last axis in NumPy's complex (lexicographic) order, as complex values.

    >>> import semigrad.numpy as snp
    >>> snp.sort_complex(np.array([2.0, 1.0])).tolist()
    [(1+0j), (2+0j)]
    """
    out = sort(a)
    dt = _value(out).dtype
    if dt.kind != "c":
        out = ops.astype(out, np.complex64 if dt.char in "bhBH" else np.complex128)
    return out


def choose(a, choices, out=None, mode="raise"):
    """Each element from the choice its index in ``a`` names (``a`` untraced integers).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.choose(np.array([0, 1, 0]), [np.array([1.0, 2.0, 3.0]), 10.0]).tolist()
    [1.0, 10.0, 3.0]
    >>> sg.grad(lambda c: snp.sum(snp.choose([1, 0, 1], [c, 2 * c])))(np.ones(3)).tolist()
    [2.0, 1.0, 2.0]
    """
    if out is not None:
        raise TypeError("choose: out= is not supported (results are new arrays)")
    idx = np.asarray(_value(a))
    if idx.dtype.kind not in "iub":
        raise TypeError(f"choose: a must hold integers; got dtype {idx.dtype} (shape "
                        f"{idx.shape})")
    n = len(choices)
    if mode == "raise":
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"choose: an index in a is out of range for {n} choices "
                             f"(a has shape {idx.shape}); use mode='wrap' or 'clip'")
    elif mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    else:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip'; got {mode!r}")
    return select([idx == k for k in range(n)], list(choices),
                  default=np.zeros((), np.result_type(*[_value(c) for c in choices])))


def piecewise(x, condlist, funclist, *args, **kw):
    """``funclist[k]`` applied where ``condlist[k]`` holds (later conditions win), as NumPy.

    Each function sees only the elements of its piece (``x[cond]``), so a function that is
    undefined elsewhere (``sqrt`` of negatives) costs no NaN in value or derivative. One
    function more than conditions gives the value where none holds; a number is a constant.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> f = lambda x: snp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, snp.sqrt])
    >>> x0 = np.array([-4.0, 4.0])
    >>> f(x0).tolist(), sg.grad(lambda x: snp.sum(f(x)))(x0).tolist()
    ([4.0, 2.0], [-1.0, 0.25])
    """
    x = _arr(x)
    xv = _value(x)
    if isinstance(condlist, np.ndarray | Tensor) and np.ndim(_value(condlist)) == np.ndim(xv):
        condlist = [condlist]
    conds = [np.broadcast_to(np.asarray(_value(c), dtype=bool), xv.shape) for c in condlist]
    n = len(conds)
    if len(funclist) == n + 1:
        otherwise = ~np.any(np.stack(conds), axis=0) if conds else np.ones(xv.shape, bool)
        conds = [*conds, otherwise]
    elif len(funclist) != n:
        raise ValueError(f"piecewise: {n} conditions need {n} or {n + 1} functions; got "
                         f"{len(funclist)}")
    out = np.zeros(xv.shape, dtype=xv.dtype if xv.dtype.kind in "fc" else np.float64)
    for cond, fn in zip(conds, funclist):
        if not cond.any():
            continue
        piece = fn(x[cond], *args, **kw) if callable(fn) else fn
        out = At(out)[cond].set(piece)
    return out


def vectorize(pyfunc=None, otypes=None, doc=None, excluded=None, cache=False, signature=None):
    """NumPy's ``vectorize`` for functions of scalars, differentiable: on traced arguments
    ``pyfunc`` runs element by element on scalar Tensors and the results are stacked.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> f = snp.vectorize(lambda a, b: a * b if a > 0 else b)
    >>> f(np.array([1.0, -1.0]), 3.0).tolist()
    [3.0, 3.0]
    >>> sg.grad(lambda x: snp.sum(f(x, 3.0)))(np.array([1.0, -1.0])).tolist()
    [3.0, 0.0]
    """
    if pyfunc is None:
        return lambda fn: vectorize(fn, otypes, doc, excluded, cache, signature)
    plain = np.vectorize(pyfunc, otypes=otypes, doc=doc, excluded=excluded, cache=cache,
                         signature=signature)
    skip = set(excluded or ())

    @functools.wraps(pyfunc)
    def wrapper(*args, **kwargs):
        traced = [k for k, a in enumerate(args) if k not in skip and holds_tensor(a)]
        if not traced and not any(holds_tensor(v) for v in kwargs.values()):
            return plain(*args, **kwargs)
        if signature is not None or kwargs:
            raise TypeError("vectorize: on traced arguments only positional arguments and no "
                            "signature are supported; loop explicitly, or use semigrad.numpy's "
                            "array functions")
        vec = [k for k in range(len(args)) if k not in skip]
        arrs = {k: _arr(args[k]) for k in vec}
        shape_ = np.broadcast_shapes(*[ops.shape(a) for a in arrs.values()])
        arrs = {k: ops.broadcast_to(a, shape_) if ops.shape(a) != shape_ else a
                for k, a in arrs.items()}
        results = []
        for idx in np.ndindex(*shape_):
            call = [arrs[k][idx] if k in arrs else a for k, a in enumerate(args)]
            results.append(pyfunc(*call))
        if not results:
            return np.zeros(shape_)
        return ops.reshape(array(results), shape_)

    return wrapper


def select(condlist, choicelist, default=0):
    """For each element, the choice of the first condition that holds, else ``default``.

    >>> import semigrad.numpy as snp
    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> snp.select([x < 0, x > 1], [-x, x ** 2], default=x).tolist()
    [2.0, 0.5, 9.0]
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist has {len(condlist)} entries and choicelist "
                         f"{len(choicelist)}; give one choice per condition")
    conds = [np.asarray(_value(c)) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"select: condlist[{i}] has dtype {c.dtype}; conditions must be "
                            "boolean")
    choices = [_arr(c) for c in choicelist]
    if not choices:
        raise ValueError("select: choicelist is empty")
    # NumPy's result type: a Python number as default is weak (NEP 50)
    weak = isinstance(default, bool | int | float | complex)
    dt = np.result_type(*[_value(c) for c in choices], default if weak else _value(default))
    out = default if isinstance(default, Tensor) else np.asarray(default, dtype=dt)
    for c, choice in zip(reversed(conds), reversed(choices)):
        out = E.where(c, choice, out)
    if _value(out).dtype != dt:
        out = ops.astype(out, dt)
    shape_ = np.broadcast_shapes(*[c.shape for c in conds], *[ops.shape(c) for c in choices],
                                 ops.shape(out))
    return out if ops.shape(out) == shape_ else ops.broadcast_to(out, shape_)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """``func1d`` applied to each 1-d slice along ``axis``; its results stacked in that place.

    Differentiable when ``func1d`` is (write it with ``semigrad.numpy``).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.apply_along_axis(lambda r: snp.sum(r ** 2), 1, np.ones((2, 3))).tolist()
    [3.0, 3.0]
    >>> sg.grad(lambda x: snp.sum(snp.apply_along_axis(snp.sort, 0, x)[0]))(
    ...     np.array([[2.0, 1.0], [1.0, 2.0]])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    arr = _arr(arr)
    n = ops.ndim(arr)
    ax = ops._axis("apply_along_axis", axis, n)
    moved = moveaxis(arr, ax, -1)
    batch = ops.shape(moved)[:-1]
    if 0 in batch:
        raise ValueError(f"apply_along_axis: no slices to apply the function to (array shape "
                         f"{ops.shape(arr)}, axis {axis})")
    results = [_arr(func1d(ops.getitem(moved, idx), *args, **kwargs))
               for idx in np.ndindex(*batch)]
    dt = _value(results[0]).dtype
    rshape = ops.shape(results[0])
    for r in results:
        if ops.shape(r) != rshape:
            raise ValueError(f"apply_along_axis: func1d returned shapes {rshape} and "
                             f"{ops.shape(r)}; every slice must give the same shape")
    out = ops.reshape(ops.stack(results), batch + rshape)
    if _value(out).dtype != dt:
        out = ops.astype(out, dt)
    # the result's axes go where ``axis`` was
    k = len(rshape)
    order = list(range(ax)) + [len(batch) + j for j in range(k)] + list(range(ax, len(batch)))
    return ops.transpose(out, order) if order != list(range(len(order))) else out


# ---- NumPy 2's other functions: elementwise -------------------------------------------------


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


# ---- NumPy 2's other functions: products and filters ---------------------------------------


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


# ---- NumPy 2's other functions: cumulative ---------------------------------------------------


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


# ---- NumPy 2's other functions: statistics --------------------------------------------------


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """The covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``
    (and ``y``); ``ddof`` defaults to 1, or 0 with ``bias``. Weights are constants.

    Complex variables give Σ (x − x̄)·conj(y − ȳ) / (n − ddof), as NumPy.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    >>> sg.grad(lambda x: snp.cov(x))(np.array([1.0, 2.0, 6.0])).tolist()
    [-2.0, -1.0, 3.0]
    """
    m = _arr(m)
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof must be an integer; got {ddof!r}")
    if ops.ndim(m) > 2:
        raise ValueError(f"cov: m has more than 2 axes; got shape {ops.shape(m)}")
    if y is not None:
        y = _arr(y)
        if ops.ndim(y) > 2:
            raise ValueError(f"cov: y has more than 2 axes; got shape {ops.shape(y)}")
    if dtype is None:
        dtype = np.result_type(*[_value(v).dtype for v in (m, y) if v is not None], np.float64)

    def rows(v):
        v = ops.astype(v, dtype) if _value(v).dtype != dtype else v
        v = ops.reshape(v, (1, -1)) if ops.ndim(v) < 2 else v
        return v

    X = rows(m)
    if not rowvar and ops.ndim(m) != 1:
        X = ops.transpose(X)
    if ops.shape(X)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        Y = rows(y)
        if not rowvar and ops.shape(Y)[0] != 1:
            Y = ops.transpose(Y)
        if ops.shape(Y)[1] != ops.shape(X)[1]:
            raise ValueError(f"cov: m and y have different numbers of observations; shapes "
                             f"{_shapes(m, y)} (rowvar={rowvar})")
        X = ops.concatenate([X, Y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    nobs = ops.shape(X)[1]
    w = None
    for label, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        wt = np.asarray(_value(wt), dtype=float)
        if wt.ndim != 1 or wt.shape[0] != nobs:
            raise ValueError(f"cov: {label} must be 1-d with one weight per observation "
                             f"({nobs}); got shape {wt.shape}")
        if np.any(wt < 0):
            raise ValueError(f"cov: {label} cannot be negative")
        if label == "fweights" and not np.all(wt == np.around(wt)):
            raise TypeError("cov: fweights must be integers")
        w = wt if w is None else w * wt
    if w is None:
        avg = ops.mean(X, axis=1)
        fact = nobs - ddof
    else:
        w_sum = w.sum()
        avg = divide(ops.sum(multiply(X, w), axis=1), w_sum)
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * np.sum(w * np.asarray(_value(aweights), float)) / w_sum
    if fact <= 0:
        warnings.warn("cov: degrees of freedom <= 0", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = subtract(X, ops.expand_dims(avg, 1))
    XT = ops.transpose(X if w is None else multiply(X, w))
    with np.errstate(divide="ignore"):
        scale = np.true_divide(1, fact)
    c = multiply(ops.matmul(X, ops.conj(XT)), scale)
    return ops.squeeze(c) if 1 in ops.shape(c) else c


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients: cov / (σᵢ σⱼ), parts clipped to [−1, 1] (as NumPy).

    >>> import semigrad.numpy as snp
    >>> snp.corrcoef(np.array([1.0, 2.0, 4.0]), np.array([2.0, 4.0, 8.0])).round(12).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if ops.ndim(c) == 0:
        return divide(c, c)
    d = diagonal(c)
    std_ = sqrt(ops.real(d))
    c = divide(divide(c, ops.expand_dims(std_, 1)), ops.expand_dims(std_, 0))
    if _is_complex(c):
        return add(ops.clip(ops.real(c), -1, 1), multiply(ops.clip(ops.imag(c), -1, 1), 1j))
    return ops.clip(c, -1, 1)


def _quantile(name, np_fn, a, q, axis, keepdims, method, ignore_nan, scale=1):
    """Linear-interpolation quantiles: a sort, then a lerp of the two neighbours with constant
    weights (NumPy's ``method='linear'``); NaN where a slice holds NaN (``ignore_nan``: the
    NaNs are dropped, NaN where a slice is all NaN); NaN, with a warning, over no elements."""
    if method != "linear":
        raise ValueError(f"{name}: only method='linear' is supported; got {method!r}")
    a = _arr(a)
    av = _value(a)
    if av.dtype.kind not in "fiub":
        raise TypeError(f"{name}: a must be real; got dtype {av.dtype} (shape {av.shape})")
    weak = type(q) in (int, float)  # NumPy's rule: only Python numbers are weak
    qv = np.true_divide(_value(q), scale) if scale != 1 else np.asarray(_value(q))
    if qv.dtype.kind not in "fiu" or not np.all((qv >= 0) & (qv <= 1)):
        bound = "[0, 100]" if scale == 100 else "[0, 1]"
        raise ValueError(f"{name}: q must be real numbers in {bound}; got {_value(q)!r}")
    probe = q if weak else np.zeros((), np.asarray(_value(q)).dtype)
    dt = np.asarray(np_fn(np.zeros(1, av.dtype), probe)).dtype
    n = ops.ndim(a)
    axes = tuple(range(n)) if axis is None else tuple(sorted(
        ops._axis(name, k, n) for k in ((axis,) if isinstance(axis, int | np.integer) else axis)))
    kept = [k for k in range(n) if k not in axes]
    batch = tuple(ops.shape(a)[k] for k in kept)
    x = ops.transpose(a, kept + list(axes)) if kept + list(axes) != list(range(n)) else a
    length = int(np.prod([ops.shape(a)[k] for k in axes], dtype=np.int64))
    x = ops.reshape(x, batch + (length,))
    if length == 0:
        # NaN with a warning, as np.median and np.nanquantile (np.quantile raises IndexError)
        warnings.warn(f"{name}: empty slice (input shape {ops.shape(a)}, axis {axis!r}): NaN",
                      RuntimeWarning, stacklevel=3)
        out = multiply(ops.sum(x, axis=-1), np.full(qv.shape + (1,) * len(batch), np.nan, dt))
    else:
        out = _sorted_quantile(x, length, qv, batch, weak, av.dtype, dt, name, ignore_nan)
    if _value(out).dtype != dt:
        out = ops.astype(out, dt)
    if keepdims:
        out = ops.reshape(out, qv.shape + tuple(1 if k in axes else ops.shape(a)[k]
                                                for k in range(n)))
    return out


def _sorted_quantile(x, length, qv, batch, weak, in_dtype, dt, name, ignore_nan):
    """The quantiles ``qv`` along the last axis (of ``length`` > 0) of ``x``."""
    xs = sort(x, axis=-1)
    nans = np.isnan(_value(xs)) if in_dtype.kind == "f" else np.zeros(ops.shape(xs), bool)
    count = (length - nans.sum(axis=-1)) if ignore_nan else np.full(batch, length)
    top = np.maximum(count - 1, 0)
    qb = qv.reshape(qv.shape + (1,) * len(batch))
    virtual = (count - 1) * qb  # q's axes first, then the batch
    lo = np.clip(np.floor(virtual), 0, top).astype(np.intp)
    hi = np.minimum(lo + 1, top)
    gamma = virtual - lo
    start = np.arange(int(np.prod(batch, dtype=np.int64))).reshape(batch) * length
    below, above = _gather(xs, start + lo), _gather(xs, start + hi)
    step = subtract(above, below)
    # NumPy's weights: float64, or (q a Python number) the input's float dtype
    g = gamma.astype(_value(step).dtype) if weak and _value(step).dtype.kind == "f" else gamma
    out = E.where(gamma >= 0.5, subtract(above, multiply(step, 1 - g)),
                  add(below, multiply(step, g)))
    bad = (count == 0) if ignore_nan else nans.any(axis=-1)
    if np.any(bad):
        if ignore_nan:
            warnings.warn(f"{name}: All-NaN slice encountered", RuntimeWarning, stacklevel=4)
        out = E.where(np.broadcast_to(bad, ops.shape(out)), np.array(np.nan, dt), out)
    return out


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False):
    """The ``q``-th quantiles (q in [0, 1]) over ``axis`` by linear interpolation
    (``method='linear'`` only); differentiable in ``a`` (q is a constant).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.quantile(np.array([1.0, 3.0, 2.0, 4.0]), 0.25))
    1.75
    >>> sg.grad(lambda x: snp.quantile(x, 0.25))(np.array([1.0, 3.0, 2.0, 4.0])).tolist()
    [0.25, 0.0, 0.75, 0.0]
    """
    _no_out("quantile", out)
    return _quantile("quantile", np.quantile, a, q, axis, keepdims, method, False)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    """The ``q``-th percentiles (q in [0, 100]) over ``axis``, as :func:`quantile`.

    >>> import semigrad.numpy as snp
    >>> snp.percentile(np.array([[1.0, 2.0], [3.0, 5.0]]), [50, 100], axis=1).tolist()
    [[1.5, 4.0], [2.0, 5.0]]
    """
    _no_out("percentile", out)
    return _quantile("percentile", np.percentile, a, q, axis, keepdims, method, False, 100)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for an even count).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.median(np.array([3.0, 1.0, 2.0, 5.0])))
    2.5
    >>> sg.grad(snp.median)(np.array([3.0, 1.0, 2.0, 5.0])).tolist()
    [0.5, 0.0, 0.5, 0.0]
    """
    _no_out("median", out)
    return _quantile("median", lambda v, q: np.median(v), a, 0.5, axis, keepdims, "linear", False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False):
    """As :func:`quantile`, ignoring NaNs (NaN, with a warning, where a slice is all NaN).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5))
    2.0
    """
    _no_out("nanquantile", out)
    return _quantile("nanquantile", np.nanquantile, a, q, axis, keepdims, method, True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False):
    """As :func:`percentile`, ignoring NaNs.

    >>> import semigrad.numpy as snp
    >>> float(snp.nanpercentile(np.array([1.0, np.nan, 3.0]), 25))
    1.5
    """
    _no_out("nanpercentile", out)
    return _quantile("nanpercentile", np.nanpercentile, a, q, axis, keepdims, method, True,
                     100)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """As :func:`median`, ignoring NaNs.

    >>> import semigrad.numpy as snp
    >>> float(snp.nanmedian(np.array([1.0, np.nan, 3.0, 4.0])))
    3.0
    """
    _no_out("nanmedian", out)
    return _quantile("nanmedian", lambda v, q: np.nanmedian(v), a, 0.5, axis, keepdims,
                     "linear", True)


def _no_out(name, out):
    if out is not None:
        raise TypeError(f"{name}: out= is not supported (semigrad values are immutable); "
                        "use the returned value")


# ---- NumPy 2's other functions: NaN-ignoring reductions -------------------------------------


def _nan_filled(a, fill, where=None):
    """(a with NaNs replaced by ``fill`` (a constant: zero derivative there), the NaN mask)."""
    a = _arr(a)
    v = _value(a)
    mask = np.isnan(v) if v.dtype.kind in "fc" else np.zeros(v.shape, bool)
    if where is not None and where is not True:  # left out like a NaN
        mask = mask | ~np.broadcast_to(np.asarray(_value(where), bool), v.shape)
    if mask.any():
        a = E.where(mask, np.array(fill, dtype=v.dtype), a)
    return a, mask


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum over ``axis`` treating NaNs as 0 (they get zero derivative).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.nansum(np.array([1.0, np.nan, 2.0])))
    3.0
    >>> sg.grad(snp.nansum)(np.array([1.0, np.nan])).tolist()
    [1.0, 0.0]
    """
    _no_out("nansum", out)
    a, _ = _nan_filled(a, 0, where)
    return sum(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over ``axis`` treating NaNs as 1 (they get zero derivative).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanprod(np.array([2.0, np.nan, 3.0])))
    6.0
    """
    _no_out("nanprod", out)
    a, _ = _nan_filled(a, 1, where)
    return prod(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaNs as 0.

    >>> import semigrad.numpy as snp
    >>> snp.nancumsum(np.array([1.0, np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    return cumsum(_nan_filled(a, 0)[0], axis=axis, dtype=dtype, out=out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaNs as 1.

    >>> import semigrad.numpy as snp
    >>> snp.nancumprod(np.array([2.0, np.nan, 3.0])).tolist()
    [2.0, 2.0, 6.0]
    """
    return cumprod(_nan_filled(a, 1)[0], axis=axis, dtype=dtype, out=out)


def _nan_extreme(name, reduce, pick, fill, a, axis, keepdims, initial, where):
    if where is not None and where is not True and initial is None:
        raise ValueError(f"{name}: where= needs initial= (the reduction has no identity)")
    a0 = _arr(a)
    a, mask = _nan_filled(a0, fill, where)
    out = _with_initial(name, reduce, pick, a, axis, keepdims, initial)
    if initial is not None:  # every slice has a value: no all-NaN case
        return out
    if mask.any():
        all_nan = np.all(mask, axis=axis, keepdims=keepdims)
        if np.any(all_nan):
            warnings.warn(f"{name}: All-NaN slice encountered", RuntimeWarning, stacklevel=3)
            out = E.where(all_nan, np.array(np.nan, _value(out).dtype), out)
    return out


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum over ``axis`` ignoring NaNs (NaN, with a warning, for an all-NaN slice).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanmax(np.array([1.0, np.nan, 3.0])))
    3.0
    """
    _no_out("nanmax", out)
    return _nan_extreme("nanmax", ops.max, maximum, -np.inf, a, axis, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum over ``axis`` ignoring NaNs (NaN, with a warning, for an all-NaN slice).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanmin(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    _no_out("nanmin", out)
    return _nan_extreme("nanmin", ops.min, minimum, np.inf, a, axis, keepdims, initial, where)


def _nan_count(mask, axis, keepdims):
    return np.sum(~mask, axis=axis, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Mean over ``axis`` of the non-NaN values (NaN for an all-NaN slice).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.nanmean(np.array([1.0, np.nan, 3.0])))
    2.0
    >>> sg.grad(snp.nanmean)(np.array([1.0, np.nan, 3.0])).tolist()
    [0.5, 0.0, 0.5]
    """
    _no_out("nanmean", out)
    a = _arr(a)
    if _value(a).dtype.kind not in "fc":
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
    a, mask = _nan_filled(a, 0, where)
    if dtype is not None:
        a = ops.astype(a, dtype)
    total = ops.sum(a, axis=axis, keepdims=keepdims)
    count = np.asarray(_nan_count(mask, axis, keepdims))
    empty = count == 0
    if not np.any(empty):
        return divide(total, count.astype(_value(total).dtype))
    # NaN with NumPy's warning where a slice has no values; dividing by 1 there keeps 0/0
    # out of the reverse rule
    warnings.warn(f"nanmean: mean of empty slice (input shape {mask.shape}, axis {axis!r}): "
                  "NaN", RuntimeWarning, stacklevel=2)
    out = divide(total, np.where(empty, 1, count).astype(_value(total).dtype))
    return E.where(empty, np.array(np.nan, _value(out).dtype), out)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Variance over ``axis`` of the non-NaN values: Σ|x − mean|² / (count − ddof), NaN where
    count ≤ ddof.

    >>> import semigrad.numpy as snp
    >>> float(snp.nanvar(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    _no_out("nanvar", out)
    a = _arr(a)
    if dtype is not None:
        a = ops.astype(a, dtype)
    if _value(a).dtype.kind not in "fc":
        return var(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                   correction=correction)
    if correction is not None:
        ddof = correction
    a, mask = _nan_filled(a, 0, where)
    # counts of at least 1 (and dof where positive) keep 0/0 out of the derivatives; the
    # slices without degrees of freedom are NaN below, as NumPy's
    count = np.maximum(_nan_count(mask, axis, True), 1)
    rdt = C.real_dtype(_value(a).dtype)
    avg = (divide(ops.sum(a, axis=axis, keepdims=True), count.astype(_value(a).dtype))
           if mean is None else _arr(mean))
    d = subtract(a, avg)
    if mask.any():
        d = E.where(mask, np.zeros((), _value(d).dtype), d)
    sq = C.abs_squared(d)
    dof = _nan_count(mask, axis, keepdims) - ddof
    out = divide(ops.sum(sq, axis=axis, keepdims=keepdims), np.where(dof > 0, dof, 1).astype(rdt))
    if np.any(dof <= 0):
        warnings.warn("nanvar: degrees of freedom <= 0 for slice", RuntimeWarning,
                      stacklevel=2)
        out = E.where(dof <= 0, np.array(np.nan, rdt), out)
    return out


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Standard deviation of the non-NaN values (derivative 0 where it is 0, as :func:`std`).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanstd(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    v = nanvar(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=where,
               mean=mean, correction=correction)
    positive_var = greater(v, 0)
    return E.where(positive_var, sqrt(E.where(positive_var, v, 1.0)), multiply(v, 0.0))


# ---- NumPy 2's other functions: untraced (integers, booleans, indices, constants) -----------

tri = _creation(np.tri, "snp.tri(2).tolist()\n    [[1.0, 0.0], [1.0, 1.0]]")
tril_indices = _creation(np.tril_indices, "[i.tolist() for i in snp.tril_indices(2)]\n"
                         "    [[0, 1, 1], [0, 0, 1]]")
triu_indices = _creation(np.triu_indices, "[i.tolist() for i in snp.triu_indices(2)]\n"
                         "    [[0, 0, 1], [0, 1, 1]]")
diag_indices = _creation(np.diag_indices, "[i.tolist() for i in snp.diag_indices(2)]\n"
                         "    [[0, 1], [0, 1]]")
_M = "sg.tensor([[1.0, 2.0], [3.0, 4.0]])"
tril_indices_from = _untraced(np.tril_indices_from,
                              f"[i.tolist() for i in snp.tril_indices_from({_M})]\n"
                              "    [[0, 1, 1], [0, 0, 1]]")
triu_indices_from = _untraced(np.triu_indices_from,
                              f"[i.tolist() for i in snp.triu_indices_from({_M})]\n"
                              "    [[0, 0, 1], [0, 1, 1]]")
diag_indices_from = _untraced(np.diag_indices_from,
                              f"[i.tolist() for i in snp.diag_indices_from({_M})]\n"
                              "    [[0, 1], [0, 1]]")
logical_xor = _untraced(np.logical_xor, f"snp.logical_xor({_T} > 1.5, True).tolist()\n"
                        "    [True, False, False]")
frexp = _untraced(np.frexp, "[p.tolist() for p in snp.frexp(sg.tensor([8.0]))]\n"
                  "    [[0.5], [4]]")
isreal = _untraced(np.isreal, "snp.isreal(sg.tensor([1.0, 1j])).tolist()\n    [True, False]")
iscomplex = _untraced(np.iscomplex, "snp.iscomplex(sg.tensor([1.0, 1j])).tolist()\n"
                      "    [False, True]")
isrealobj = _untraced(np.isrealobj, f"snp.isrealobj({_T})\n    True")
isscalar = _untraced(np.isscalar, "snp.isscalar(3.0), snp.isscalar(sg.tensor([3.0]))\n"
                     "    (True, False)")
isneginf = _untraced(np.isneginf, "snp.isneginf(sg.tensor([-np.inf, np.inf])).tolist()\n"
                     "    [True, False]")
isposinf = _untraced(np.isposinf, "snp.isposinf(sg.tensor([-np.inf, np.inf])).tolist()\n"
                     "    [False, True]")
isin = _untraced(np.isin, f"snp.isin({_T}, [2.0, 3.0]).tolist()\n    [False, True, True]")
unique = _untraced(np.unique, "snp.unique(sg.tensor([2.0, 1.0, 2.0])).tolist()\n    [1.0, 2.0]")
unique_values = _untraced(np.unique_values,
                          "sorted(snp.unique_values(sg.tensor([2.0, 1.0, 2.0])).tolist())\n"
                          "    [1.0, 2.0]")
unique_counts = _untraced(np.unique_counts,
                          "snp.unique_counts(sg.tensor([2.0, 1.0, 2.0])).counts.tolist()\n"
                          "    [1, 2]")
unique_inverse = _untraced(np.unique_inverse,
                           "snp.unique_inverse(sg.tensor([2.0, 1.0, 2.0])).inverse_indices"
                           ".tolist()\n    [1, 0, 1]")
unique_all = _untraced(np.unique_all,
                       "snp.unique_all(sg.tensor([2.0, 1.0, 2.0])).indices.tolist()\n"
                       "    [1, 0]")
bincount = _untraced(np.bincount, "snp.bincount(np.array([0, 2, 2])).tolist()\n    [1, 0, 2]")
digitize = _untraced(np.digitize, f"snp.digitize({_T}, [1.5, 2.5]).tolist()\n    [0, 2, 1]")
histogram = _untraced(np.histogram, f"snp.histogram({_T}, bins=2)[0].tolist()\n    [1, 2]")
histogram_bin_edges = _untraced(np.histogram_bin_edges,
                                f"snp.histogram_bin_edges({_T}, bins=2).tolist()\n"
                                "    [1.0, 2.0, 3.0]")
lexsort = _untraced(np.lexsort, f"snp.lexsort([{_T}, np.zeros(3)]).tolist()\n    [0, 2, 1]")
ix_ = _untraced(np.ix_, "[i.shape for i in snp.ix_(np.array([0, 1]), np.array([2, 0, 1]))]\n"
                "    [(2, 1), (1, 3)]")


# ---- r_ and c_: concatenation by indexing --------------------------------------------------


class _Concatenator:
    """``r_[...]`` and ``c_[...]``: NumPy's index tricks, for traced values too.

    Items are arrays (at least 1-D; ``c_`` makes 1-D ones columns), scalars and
    slices (``start:stop:step`` as ``arange``, ``start:stop:nj`` as ``linspace``); a
    leading string ``"axis"`` picks the axis (r_ only). Other directives are NumPy's
    own (plain values only).
    """

    def __init__(self, columns: bool):
        self._columns = columns

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        axis = -1 if self._columns else 0
        if items and isinstance(items[0], str) and not self._columns:
            try:
                axis = int(items[0])
            except ValueError:
                if builtins.any(isinstance(i, Tensor) for i in items):
                    raise ValueError(
                        f"r_: the directive {items[0]!r} works on plain values only; use "
                        "concatenate/stack for traced ones"
                    ) from None
                return np.r_[key]
            items = items[1:]
        parts = []
        for item in items:
            if isinstance(item, slice):
                part = np.r_[item]
            elif isinstance(item, Tensor) or np.ndim(item) > 0:
                part = _arr(item)
            else:
                part = np.atleast_1d(np.asarray(item))
            if ops.ndim(part) == 0:
                part = ops.reshape(part, (1,))
            if self._columns and ops.ndim(part) == 1:
                part = ops.reshape(part, (-1, 1))
            parts.append(part)
        if not builtins.any(isinstance(p, Tensor) for p in parts):
            return np.c_[key] if self._columns else np.r_[key]
        return concatenate(parts, axis=axis)


r_ = _Concatenator(columns=False)
r_.__doc__ = """Concatenation along the first axis by indexing, as ``np.r_``.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.sum(snp.r_[x, 2 * x, 0:2] ** 2))(1.0)
    10.0
    """
c_ = _Concatenator(columns=True)
c_.__doc__ = """Concatenation along the last axis (1-D items as columns), as ``np.c_``.

    >>> import semigrad.numpy as snp
    >>> snp.c_[np.array([1.0, 2.0]), np.array([3.0, 4.0])].tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
