"""``semigrad.numpy``'s joining, splitting and rearranging (stack, split, roll, flip, pad,
append, ``r_``/``c_`` ...).
"""

from __future__ import annotations

import builtins
import functools

import numpy as np

from .. import ops
from ..primitives import elementwise as E
from ..primitives.base import holds_tensor
from ..primitives.deferred import concrete
from ..tensor import Tensor
from ._at import At  # noqa: F401
from ._base import (
    _arr,
    _gather,
    _ids,
    _shapes,
    _value,
    power,
    subtract,
)


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
    return concrete(obj.value) if isinstance(obj, Tensor) else obj


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


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
from .creation import (  # noqa: E402
    array,
)
from .searching import (  # noqa: E402
    any,
)
from .shaping import (  # noqa: E402
    concatenate,
    diag,
    moveaxis,
    ravel,
    sort,
    transpose,
)
