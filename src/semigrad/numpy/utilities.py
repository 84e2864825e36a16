"""``semigrad.numpy``'s remaining NumPy names, by what they do with values.

* **On the values** (untraced: integer, boolean or set results, printing, files,
  settings, dtype and memory helpers): NumPy's function runs on the Tensors'
  values; nothing is recorded, as for ``argmax``. Bit operations, set routines,
  index conversions, ``nanargmax``, ``spacing``, ``histogram2d``, ``einsum_path``,
  ``save``/``savez``, ``array2string``, ``seterr``...
* **Constants** (window functions, ``geomspace``, the ``from*`` and ``load*``
  readers): NumPy's own result, a plain array.
* **In place** (``put``, ``place``, ``putmask``, ``copyto``, ``fill_diagonal``,
  ``put_along_axis``): NumPy's on arrays; refused on Tensors, which never change
  once recorded (``x.at[...].set(...)`` is the differentiable spelling).
* **Differentiable**: ``copy``, ``compress``, ``extract``, ``resize``, ``unstack``,
  ``trim_zeros``, ``apply_over_axes``, the array conversions (``asanyarray``,
  ``ascontiguousarray``, ``asfortranarray``, ``asarray_chkfinite``, ``require``)
  and ``nextafter`` (the derivative passes to ``x``).

Left out on purpose (``EXCLUDED``): ``asmatrix`` and ``bmat`` (NumPy's matrix
class, deprecated), ``i0`` (its derivative is I₁, which NumPy lacks), and
NumPy's own housekeeping (``test``).

>>> import semigrad as sg
>>> import semigrad.numpy as snp
>>> snp.union1d(sg.tensor([3.0, 1.0]), [2.0]).tolist()
[1.0, 2.0, 3.0]
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..primitives.base import holds_tensor
from ..tensor import Tensor
from ._base import _arr, _value
from .searching import _plain, _untraced

#: NumPy's public callables that semigrad.numpy leaves out, with the reason.
EXCLUDED = {
    "asmatrix": "NumPy's matrix class (deprecated); use 2-D arrays",
    "bmat": "NumPy's matrix class (deprecated); use block or concatenate",
    "i0": "its derivative is the Bessel function I1, which NumPy lacks",
    "test": "NumPy's own test runner",
}


def _in_place(fn):
    def in_place(*args, **kwargs):
        if any(isinstance(a, Tensor) for a in args[:1]):
            raise TypeError(
                f"{fn.__name__}: changes an array in place, and a Tensor never changes once "
                "recorded: build a new one with x.at[index].set(values) (or sg.where)"
            )
        return fn(*(_plain(a) for a in args), **{k: _plain(v) for k, v in kwargs.items()})

    in_place.__name__ = in_place.__qualname__ = fn.__name__
    in_place.__doc__ = (f"NumPy's ``{fn.__name__}`` on arrays (in place); refused on Tensors "
                        "(use ``x.at[...].set(...)``).")
    return in_place


_ON_VALUES = (
    "array2string", "array_equiv", "array_repr", "array_str", "base_repr", "binary_repr",
    "bitwise_and", "bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "busday_count", "busday_offset",
    "can_cast", "common_type", "datetime_as_string", "datetime_data", "einsum_path",
    "format_float_positional", "format_float_scientific", "from_dlpack", "frompyfunc", "gcd",
    "get_include", "get_printoptions", "getbufsize", "geterr", "geterrcall", "histogram2d",
    "histogramdd", "info", "intersect1d", "invert", "is_busday", "isdtype", "isfortran",
    "isnat", "issubdtype", "iterable", "lcm", "left_shift", "may_share_memory",
    "min_scalar_type", "mintypecode", "nanargmax", "nanargmin", "nested_iters", "packbits",
    "printoptions", "promote_types", "ravel_multi_index", "right_shift", "save", "savetxt",
    "savez", "savez_compressed", "set_printoptions", "setbufsize", "setdiff1d", "seterr",
    "seterrcall", "setxor1d", "shares_memory", "show_config", "show_runtime", "spacing",
    "typename", "union1d", "unpackbits", "unravel_index",
)
_CONSTANTS = (
    "bartlett", "blackman", "fromfile", "fromfunction", "fromiter", "fromregex", "fromstring",
    "frombuffer", "genfromtxt", "geomspace", "hamming", "hanning", "kaiser", "load", "loadtxt",
    "mask_indices",
)
_IN_PLACE = ("copyto", "fill_diagonal", "place", "put", "put_along_axis", "putmask")

for _name in _ON_VALUES:
    globals()[_name] = _untraced(getattr(np, _name))
for _name in _CONSTANTS:
    globals()[_name] = getattr(np, _name)
for _name in _IN_PLACE:
    globals()[_name] = _in_place(getattr(np, _name))
del _name


def copy(a, order="K", subok=False):
    """A copy: for a Tensor, a new node with the same value (the identity, differentiable).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.copy(x) * 3.0)(1.0)
    3.0
    """
    if isinstance(a, Tensor):
        return a.copy()
    return np.copy(a, order=order, subok=subok)


def _conversion(np_fn):
    def convert(a, *args, **kwargs):
        if isinstance(a, Tensor) or holds_tensor(a):
            if np_fn is np.asarray_chkfinite and not np.all(np.isfinite(_value(_arr(a)))):
                raise ValueError("asarray_chkfinite: array must not contain infs or NaNs")
            return _arr(a)  # Tensors are contiguous, immutable arrays already
        return np_fn(a, *args, **kwargs)

    convert.__name__ = convert.__qualname__ = np_fn.__name__
    convert.__doc__ = (f"NumPy's ``{np_fn.__name__}``; a Tensor (or a list holding Tensors) "
                       "is returned as a Tensor, unchanged.")
    return convert


asanyarray = _conversion(np.asanyarray)
ascontiguousarray = _conversion(np.ascontiguousarray)
asfortranarray = _conversion(np.asfortranarray)
asarray_chkfinite = _conversion(np.asarray_chkfinite)
require = _conversion(np.require)


def _routed(a, index_fn):
    """``a`` rearranged by NumPy's function on element numbers: one differentiable gather."""
    a = _arr(a)
    ids = index_fn(np.arange(int(np.prod(ops.shape(a), dtype=np.int64))).reshape(ops.shape(a)))
    return ops.getitem(ops.reshape(a, (-1,)), ids) if isinstance(a, Tensor) else \
        np.reshape(a, -1)[ids]


def compress(condition, a, axis=None, out=None):
    """The slices of ``a`` where ``condition`` holds (differentiable in ``a``).

    >>> import semigrad.numpy as snp
    >>> snp.compress([True, False, True], [1.0, 2.0, 3.0]).tolist()
    [1.0, 3.0]
    """
    if out is not None:
        raise TypeError("compress: out= is not supported (semigrad values are immutable)")
    cond = np.asarray(_plain(condition))
    return _routed(a, lambda ids: np.compress(cond, ids, axis=axis))


def extract(condition, arr):
    """The elements of ``arr`` where ``condition`` holds, flattened (differentiable in ``arr``).

    >>> import semigrad.numpy as snp
    >>> snp.extract([[True, False], [False, True]], [[1.0, 2.0], [3.0, 4.0]]).tolist()
    [1.0, 4.0]
    """
    cond = np.asarray(_plain(condition))
    return _routed(arr, lambda ids: np.extract(cond, ids))


def resize(a, new_shape):
    """NumPy's ``resize``: the elements repeated in order to fill ``new_shape``.

    >>> import semigrad.numpy as snp
    >>> snp.resize([1.0, 2.0, 3.0], (2, 2)).tolist()
    [[1.0, 2.0], [3.0, 1.0]]
    """
    return _routed(a, lambda ids: np.resize(ids, new_shape))


def trim_zeros(filt, trim="fb"):
    """``filt`` without its leading (``"f"``) and trailing (``"b"``) zeros.

    >>> import semigrad.numpy as snp
    >>> snp.trim_zeros([0.0, 1.0, 2.0, 0.0]).tolist()
    [1.0, 2.0]
    """
    a = _arr(filt)
    nz = np.flatnonzero(_value(a))
    if nz.size == 0:
        return ops.getitem(a, slice(0, 0)) if isinstance(a, Tensor) else _value(a)[:0]
    start = int(nz[0]) if "f" in trim.lower() else 0
    stop = int(nz[-1]) + 1 if "b" in trim.lower() else ops.shape(a)[0]
    return ops.getitem(a, slice(start, stop)) if isinstance(a, Tensor) else _value(a)[start:stop]


def unstack(x, /, *, axis=0):
    """The slices of ``x`` along ``axis``, as a tuple.

    >>> import semigrad.numpy as snp
    >>> [u.tolist() for u in snp.unstack([[1.0, 2.0], [3.0, 4.0]], axis=1)]
    [[1.0, 3.0], [2.0, 4.0]]
    """
    x = _arr(x)
    moved = ops.moveaxis(x, axis, 0)
    return tuple(ops.getitem(moved, i) for i in range(ops.shape(moved)[0]))


def apply_over_axes(func, a, axes):
    """``func(a, axis)`` applied over each of ``axes`` in turn, keeping the axes (as NumPy).

    >>> import semigrad.numpy as snp
    >>> snp.apply_over_axes(snp.sum, [[1.0, 2.0], [3.0, 4.0]], [0, 1]).tolist()
    [[10.0]]
    """
    a = _arr(a)
    for axis in np.atleast_1d(axes):
        axis = int(axis)
        b = func(a, axis)
        a = b if ops.ndim(b) == ops.ndim(a) else ops.expand_dims(b, axis)
    return a


def nextafter(x1, x2):
    """The next float after ``x1`` towards ``x2``; its derivative passes to ``x1`` (1), not ``x2``.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda x: snp.nextafter(x, 2.0))(1.0)
    1.0
    """
    x1 = _arr(x1)
    step = np.nextafter(_value(x1), _value(_arr(x2))) - _value(x1)
    return ops.add(x1, step) if isinstance(x1, Tensor) else _value(x1) + step
