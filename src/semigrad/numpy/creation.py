"""``semigrad.numpy``'s array creation: ``array``, ``zeros``, ``arange``, ``linspace`` ...
(constants: their results are never traced, except ``array`` of traced values).
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..primitives.base import from_list, holds_tensor
from ..tensor import Tensor
from ._at import At  # noqa: F401
from ._base import (
    _value,
)

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


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """Evenly spaced numbers over [start, stop]; differentiable in traced endpoints.

    With plain endpoints it is NumPy's ``linspace`` (a constant); with traced ones,
    ``start + (stop - start) · t`` for NumPy's spacing ``t`` of [0, 1].

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.linspace(0.0, 1.0, 3).tolist()
    [0.0, 0.5, 1.0]
    >>> sg.grad(lambda s: snp.sum(snp.linspace(s, 2.0 * s, 5)))(1.0)
    7.5
    """
    if not (holds_tensor([start]) or holds_tensor([stop])):
        return np.linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep,
                           dtype=dtype, axis=axis)
    start, stop = asarray(start), asarray(stop)
    t = np.linspace(0.0, 1.0, num=num, endpoint=endpoint)
    shape = np.broadcast_shapes(ops.shape(start), ops.shape(stop))
    t = t.reshape((-1,) + (1,) * len(shape))
    step = ops.subtract(stop, start)
    out = ops.add(ops.multiply(t, step), start)
    if axis != 0:
        out = ops.moveaxis(out, 0, axis)
    if dtype is not None:
        out = ops.astype(out, np.dtype(dtype))
    if retstep:
        return out, ops.divide(step, max(num - 1, 1) if endpoint else num)
    return out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``base ** linspace(start, stop)``; differentiable in traced endpoints and base.

    >>> import semigrad.numpy as snp
    >>> snp.logspace(0.0, 2.0, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    if not holds_tensor([start, stop, base]):
        return np.logspace(start, stop, num=num, endpoint=endpoint, base=base, dtype=dtype,
                           axis=axis)
    exponents = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    out = ops.power(asarray(base), exponents)
    return out if dtype is None else ops.astype(out, np.dtype(dtype))


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
