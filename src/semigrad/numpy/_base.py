"""Shared parts of ``semigrad.numpy``: NumPy's constants and dtypes, helpers, and the
functions of :mod:`semigrad.ops` under NumPy's names.
"""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..primitives import complex as C
from ..primitives import numpy_elementwise as X
from ..primitives import structural as S
from ..primitives.base import holds_tensor
from ..primitives.deferred import concrete
from ..tensor import Tensor
from ._at import At  # noqa: F401

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
    """The array of ``x``: a Tensor's value, an array of another library kept in it."""
    if isinstance(x, Tensor):
        return concrete(x.value)
    return backend.wrap(x) if backend.library(x) is not None else np.asarray(x)


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


def _in_numpy_dtype(np_fn, x):
    """``x`` cast to the dtype NumPy's ``np_fn`` returns for it (fabs: int8 → float16, int →
    float64; cumprod: int8, bool → int64); NumPy's own error for the dtypes it refuses."""
    x = _arr(x)
    dt = np_fn(np.zeros((), _value(x).dtype)).dtype
    return x if _value(x).dtype == dt else ops.astype(x, dt)


def _along(name, a, axis):
    """(array, negative axis); ``axis=None`` flattens first (NumPy's rule)."""
    a = _arr(a)
    if axis is None:
        return ops.reshape(a, (-1,)), -1
    n = ops.ndim(a)
    return a, ops._axis(name, axis, n) - n


def _shapes(*xs) -> str:
    return " and ".join(str(ops.shape(_arr(x))) for x in xs)


def _no_out(name, out):
    if out is not None:
        raise TypeError(f"{name}: out= is not supported (semigrad values are immutable); "
                        "use the returned value")


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
from .creation import (  # noqa: E402
    array,
)
