"""Linear index maps: reshape, transpose, broadcast, sum, indexing, concatenate, cumsum.

Each block declares the map (acting on the *trailing* axes, so that the same
primitive applied to a batched tangent is its forward rule) and its transpose
(the reverse rule), itself written with primitives of this module: reshape is
its own transpose, transpose's is the inverse permutation, broadcast_to and
sum are each other's, getitem and scatter_add are each other's, and
concatenate's is a set of slices. Axes in parameters are negative (counted
from the end) for the same reason.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from .. import backend as _backend
from ..tensor import Tensor
from .base import Linear, _flat_ids, shape_of, unbroadcast


def keepdims_shape(shape: tuple, axis: tuple) -> tuple:
    """``shape`` with the (negative) ``axis`` entries set to 1."""
    n = len(shape)
    return tuple(1 if k - n in axis else d for k, d in enumerate(shape))


def zeros_batched(batch: tuple, x):
    return np.zeros(batch + shape_of(x), dtype=np.result_type(x))


# ---- reshape ---------------------------------------------------------------


def _reshape(x, shape, in_shape):
    xs = np.shape(x)
    return np.reshape(x, xs[: len(xs) - len(in_shape)] + shape)


reshape = Linear(
    "reshape",
    _reshape,
    lambda i, g, xs, out, shape, in_shape: reshape(g, shape=in_shape, in_shape=shape),
    gather=True,
)


def _reshape_specialized(params, x):
    if type(x) is not np.ndarray:
        return None
    return _method("reshape", x.shape[: x.ndim - len(params["in_shape"])] + params["shape"])


@functools.lru_cache(maxsize=1024)
def _method(name, arg):
    """``x.name(arg)`` as one callable, the same for the same arguments (programs name it
    once)."""
    return operator.methodcaller(name, arg)


reshape.specialize = _reshape_specialized

# ---- transpose (axis permutation) -------------------------------------------


def _transpose(x, axes):
    nb = np.ndim(x) - len(axes)
    if nb:
        axes = tuple(range(nb)) + tuple(nb + a for a in axes)
    return np.transpose(x, axes)


transpose = Linear(
    "transpose",
    _transpose,
    lambda i, g, xs, out, axes: transpose(g, axes=tuple(np.argsort(axes).tolist())),
    gather=True,
)


def _transpose_specialized(params, x):
    if type(x) is not np.ndarray:
        return None
    nb = x.ndim - len(params["axes"])
    return _method("transpose", tuple(range(nb)) + tuple(nb + a for a in params["axes"]))


transpose.specialize = _transpose_specialized

# ---- broadcast_to and sum: each other's transpose ---------------------------


def _broadcast_to(x, shape, in_shape):
    xs = np.shape(x)
    batch = xs[: len(xs) - len(in_shape)]
    x = np.reshape(x, batch + (1,) * (len(shape) - len(in_shape)) + in_shape)
    return np.broadcast_to(x, batch + shape)


broadcast_to = Linear(
    "broadcast_to",
    _broadcast_to,
    # in_shape, not the input's shape: a recorded input may carry batch axes in front.
    lambda i, g, xs, out, shape, in_shape: unbroadcast(g, xs[0], len(shape), in_shape),
    gather=True,
)


def _sum_transpose(i, g, xs, out, axis, keepdims):
    xshape = shape_of(xs[0])
    kd = keepdims_shape(xshape, axis)
    if not keepdims:
        g = reshape(g, shape=kd, in_shape=shape_of(out))
    if type(xs[0]) is _backend.Array and not isinstance(g, Tensor):
        return _backend.broadcast_like(g, xs[0])  # another library's: chunked like the input
    return broadcast_to(g, shape=xshape, in_shape=kd)


sum_ = Linear(
    "sum",
    lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    _sum_transpose,
    gather=False,
    doc="Sum over the (negative) axes ``axis``.",
)
sum_.accumulates = True
sum_.deferral = "proxy"

# ---- indexing: getitem and scatter_add are each other's transpose ----------
# ``idx`` is a full index for the primal's axes (no Ellipsis) in which every
# index array is replaced by ``SLOT``; the arrays themselves are the extra
# inputs (not differentiable), so that a mask computed from traced values is
# part of the graph and replays with it. Prefixing the index with Ellipsis
# makes it act on the trailing axes. NumPy moves the axes of non-adjacent
# advanced indices to the front, before any batch axes; ``adv_move`` (their
# number) moves them back behind the batch.


class _Slot:
    def __repr__(self):
        return "<index array>"


SLOT = _Slot()


def _fill(idx, arrays):
    it = iter(arrays)
    return tuple(next(it) if k is SLOT else k for k in idx)


def _getitem(x, *arrays, idx, in_shape, out_ndim, adv_move, unique):
    r = x[(Ellipsis, *_fill(idx, arrays))]
    nb = np.ndim(x) - len(in_shape)
    if nb and adv_move:
        r = np.moveaxis(r, tuple(range(adv_move)), tuple(range(nb, nb + adv_move)))
    return r


def _scatter_add(g, *arrays, idx, in_shape, out_ndim, adv_move, unique):
    if isinstance(g, _backend.Array):
        return _backend.scatter_add(g, _fill(idx, arrays), in_shape, out_ndim, adv_move)
    nb = np.ndim(g) - out_ndim
    z = np.zeros(np.shape(g)[:nb] + in_shape, dtype=np.result_type(g))
    if nb and adv_move:
        g = np.moveaxis(g, tuple(range(nb, nb + adv_move)), tuple(range(adv_move)))
    key = (Ellipsis, *_fill(idx, arrays))
    if unique:
        z[key] = g
    else:
        np.add.at(z, key, g)
    return z


getitem = Linear(
    "getitem",
    _getitem,
    lambda i, g, xs, out, **params: scatter_add(g, *xs[1:], **params),
    gather=True,
    n_linear=1,
    doc="Indexing: basic slices, integer arrays (repeats allowed), boolean masks.",
)

scatter_add = Linear(
    "scatter_add",
    _scatter_add,
    lambda i, g, xs, out, **params: getitem(g, *xs[1:], **params),
    gather=False,
    n_linear=1,
    doc="Adds the input into zeros of shape ``in_shape`` at ``idx`` (repeats accumulate).",
)

# ---- concatenate -------------------------------------------------------------


def _concatenate_transpose(i, g, xs, out, axis):
    start = sum(shape_of(x)[axis] for x in xs[:i])
    stop = start + shape_of(xs[i])[axis]
    out_shape = shape_of(out)
    idx = (slice(None),) * (len(out_shape) + axis) + (slice(start, stop),)
    idx += (slice(None),) * (-axis - 1)
    return getitem(
        g, idx=idx, in_shape=out_shape, out_ndim=len(out_shape), adv_move=0, unique=True
    )  # slices only: no index arrays


concatenate = Linear(
    "concatenate",
    lambda *xs, axis: np.concatenate(xs, axis=axis),
    _concatenate_transpose,
    gather=True,
    doc="Joins arrays along the (negative) axis ``axis``.",
)


# ---- cumulative sum: a linear map ----------------------------------------------


def _cumsum(x, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis)
    return np.cumsum(x, axis)


class _Cumulative(Linear):
    # Not a gather nor a one-to-one scatter: each input element reaches every
    # later (earlier, when reversed) output element along the axis, weight 1.
    def scalar_edges(self, i, xs, out, params):
        ids = np.moveaxis(_flat_ids(xs[0]), params["axis"], -1)
        n = ids.shape[-1]
        src, dst = [], []
        for d in range(n):
            early, late = ids[..., : n - d].ravel(), ids[..., d:].ravel()
            src.append(late if params["reverse"] else early)
            dst.append(early if params["reverse"] else late)
        src = np.concatenate(src) if src else np.zeros(0, np.int64)
        dst = np.concatenate(dst) if dst else np.zeros(0, np.int64)
        return src.astype(np.int64), dst.astype(np.int64), np.ones(src.size)


cumsum = _Cumulative(
    "cumsum",
    _cumsum,
    lambda i, g, xs, out, axis, reverse: cumsum(g, axis=axis, reverse=not reverse),
    gather=False,
    doc="""Cumulative sum along the (negative) ``axis``, from the end when ``reverse``.

    Its transpose is the reversed cumulative sum.

    >>> import semigrad as sg
    >>> sg.primitives.structural.cumsum(np.array([1.0, 2.0, 3.0]), axis=-1, reverse=False).tolist()
    [1.0, 3.0, 6.0]
    """,
)

