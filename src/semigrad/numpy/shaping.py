"""``semigrad.numpy``'s shape functions: reshaping, transposing, indexing helpers,
repeating, sorting and the index-routing functions.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from .. import ops
from ..primitives import elementwise as E
from ._at import At  # noqa: F401
from ._base import (
    _along,
    _arr,
    _gather,
    _gather_or_fill,
    _ids,
    _no_out,
    _value,
    subtract,
)

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
    """Shift elements cyclically: two slices joined, so the transpose is the opposite roll.

    (A gather with index arrays would transpose to a scatter-add; slices and a
    concatenation transpose to slices, as cheap as NumPy's own ``roll``.)

    >>> import semigrad.numpy as snp
    >>> snp.roll(np.arange(3.0), 1).tolist()
    [2.0, 0.0, 1.0]
    >>> snp.roll(np.arange(6.0).reshape(2, 3), (1, -1), axis=(0, 1)).tolist()
    [[4.0, 5.0, 3.0], [1.0, 2.0, 0.0]]
    """
    a = _arr(a)
    if axis is None:
        return ops.reshape(roll(ops.reshape(a, (-1,)), shift, 0), ops.shape(a))
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    total = {}
    for sh, ax in zip(shifts.ravel().tolist(), axes.ravel().tolist(), strict=True):
        ax = ops._axis("roll", ax, ops.ndim(a))
        total[ax] = total.get(ax, 0) + int(sh)
    for ax, sh in total.items():
        n = ops.shape(a)[ax]
        sh = sh % n if n else 0
        if sh:
            head = (slice(None),) * ax
            a = ops.concatenate([ops.getitem(a, (*head, slice(n - sh, None))),
                                 ops.getitem(a, (*head, slice(0, n - sh)))], axis=ax)
    return a


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


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
