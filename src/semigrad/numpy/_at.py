"""Functional index updates, ``x.at[idx].set(v)`` / ``.add`` / ``.multiply`` / ..., as in JAX.

Tensors in a graph are immutable, so code that assigns into arrays writes
``x = x.at[idx].set(v)`` instead of ``x[idx] = v``: a new value, differentiable
in both ``x`` and ``v``. The updates are compositions of existing primitives
(reshape, getitem, scatter_add, where, multiply) on the flattened array:

* ``set``: where the index hits, the value of ``v`` (the last one when the
  index repeats a position, as NumPy's assignment), elsewhere ``x``;
* ``add``: ``x`` plus ``v`` scattered; repeated positions accumulate (``np.add.at``);
* ``multiply``: ``x`` times ``v`` scattered; repeated positions multiply
  (``np.multiply.at``);
* ``divide``, ``power``, ``min``, ``max``, ``apply(func)``: JAX's others, one round per
  repetition of a position.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..primitives import structural as S
from ..primitives.deferred import concrete
from ..tensor import Tensor


def _plain_index(index):
    # Index arrays carry no derivative: a mask computed from traced values is data here.
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(concrete(it.value) if isinstance(it, Tensor) else it for it in items)
    return items if isinstance(index, tuple) else items[0]


class IndexUpdate:
    """``x.at[idx]``: the positions ``idx`` of ``x``, ready for a functional update.

    >>> import semigrad as sg
    >>> from semigrad.numpy._at import At
    >>> sg.grad(lambda x: sg.sum(At(x)[1].set(5.0) * x))(np.ones(3)).tolist()
    [2.0, 5.0, 2.0]
    """

    def __init__(self, x, index):
        self.x = x if isinstance(x, Tensor) else np.asarray(x)
        shape = ops.shape(self.x)
        self.size = int(np.prod(shape, dtype=np.int64))
        ids = np.arange(self.size).reshape(shape)
        try:
            self.positions = np.asarray(ids[_plain_index(index)])
        except IndexError as e:
            raise IndexError(f"at[{index!r}]: {e} (array shape {shape})") from None

    def _flat(self):
        return ops.reshape(self.x, (-1,))

    def _values(self, v):
        """``v`` broadcast to the indexed positions, flattened, in x's dtype."""
        pshape = self.positions.shape
        v = v if isinstance(v, Tensor) else np.asarray(v)
        try:
            v = ops.broadcast_to(v, pshape)
        except ValueError:
            raise ValueError(
                f"at[...]: cannot broadcast a value of shape {ops.shape(v)} to the "
                f"indexed shape {pshape}"
            ) from None
        v = ops.reshape(v, (-1,))
        dtype = self.x.dtype
        if v.dtype != dtype and dtype.kind in "fc":
            v = ops.astype(v, dtype)
        return v

    def _scatter(self, values, positions, unique):
        return S.scatter_add(values, positions, idx=(S.SLOT,), in_shape=(self.size,),
                             out_ndim=1, adv_move=0, unique=unique)

    def _finish(self, flat):
        return ops.reshape(flat, ops.shape(self.x))

    def get(self):
        """The indexed values, ``x[idx]``.

        >>> from semigrad.numpy._at import At
        >>> At(np.arange(4.0))[1:3].get().tolist()
        [1.0, 2.0]
        """
        return ops.getitem(self._flat(), self.positions)

    def set(self, v):
        """``x`` with ``v`` at the indexed positions (the last value where they repeat).

        >>> from semigrad.numpy._at import At
        >>> At(np.zeros(3))[[0, 0, 2]].set([1.0, 2.0, 3.0]).tolist()
        [2.0, 0.0, 3.0]
        """
        p = self.positions.ravel()
        values = self._values(v)
        # keep the last occurrence of every position
        _, first_from_end = np.unique(p[::-1], return_index=True)
        keep = p.size - 1 - first_from_end
        mask = np.zeros(self.size, dtype=bool)
        mask[p] = True
        scattered = self._scatter(ops.getitem(values, keep), p[keep], unique=True)
        return self._finish(ops.where(mask, scattered, self._flat()))

    def add(self, v):
        """``x`` plus ``v`` at the indexed positions (repeats accumulate).

        >>> from semigrad.numpy._at import At
        >>> At(np.zeros(3))[[0, 0, 2]].add(1.0).tolist()
        [2.0, 0.0, 1.0]
        """
        p = self.positions.ravel()
        return self._finish(ops.add(self._flat(), self._scatter(self._values(v), p, False)))

    def _by_rounds(self, values, step):
        """Apply ``step(out, mask, scattered)`` once per repetition round of the positions.

        Round r holds each position's r-th occurrence (at most one hit per position), so
        repeated positions apply their updates one after the other, in index order.
        """
        p = self.positions.ravel()
        order = np.argsort(p, kind="stable")
        sorted_p = p[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_p)) + 1] if p.size else np.zeros(0, int)
        rank = np.empty(p.size, dtype=np.intp)
        rank[order] = np.arange(p.size) - np.repeat(starts, np.diff(np.r_[starts, p.size]))
        out = self._flat()
        for r in range(int(rank.max()) + 1 if p.size else 0):
            sel = np.flatnonzero(rank == r)
            mask = np.zeros(self.size, dtype=bool)
            mask[p[sel]] = True
            scattered = None if values is None else self._scatter(
                ops.getitem(values, sel), p[sel], unique=True)
            out = step(out, mask, scattered)
        return self._finish(out)

    def multiply(self, v):
        """``x`` times ``v`` at the indexed positions (repeats multiply).

        >>> from semigrad.numpy._at import At
        >>> At(np.ones(3))[[0, 0, 2]].multiply(3.0).tolist()
        [9.0, 1.0, 3.0]
        """
        return self._by_rounds(self._values(v), lambda out, mask, s: ops.multiply(
            out, ops.where(mask, s, 1.0)))

    def divide(self, v):
        """``x`` divided by ``v`` at the indexed positions (repeats divide again).

        >>> from semigrad.numpy._at import At
        >>> At(np.ones(3))[[0, 0, 2]].divide(2.0).tolist()
        [0.25, 1.0, 0.5]
        """
        return self._by_rounds(self._values(v), lambda out, mask, s: ops.divide(
            out, ops.where(mask, s, 1.0)))

    def power(self, v):
        """``x ** v`` at the indexed positions.

        >>> from semigrad.numpy._at import At
        >>> At(np.full(3, 2.0))[[0, 2]].power(3.0).tolist()
        [8.0, 2.0, 8.0]
        """
        return self._by_rounds(self._values(v), lambda out, mask, s: ops.where(
            mask, ops.power(out, ops.where(mask, s, 1.0)), out))

    def min(self, v):
        """The elementwise minimum of ``x`` and ``v`` at the indexed positions.

        >>> from semigrad.numpy._at import At
        >>> At(np.ones(3))[[0, 0, 2]].min([0.5, 2.0, -1.0]).tolist()
        [0.5, 1.0, -1.0]
        """
        return self._by_rounds(self._values(v), lambda out, mask, s: ops.where(
            mask, ops.minimum(out, s), out))

    def max(self, v):
        """The elementwise maximum of ``x`` and ``v`` at the indexed positions.

        >>> from semigrad.numpy._at import At
        >>> At(np.ones(3))[[0, 0, 2]].max([0.5, 2.0, -1.0]).tolist()
        [2.0, 1.0, 1.0]
        """
        return self._by_rounds(self._values(v), lambda out, mask, s: ops.where(
            mask, ops.maximum(out, s), out))

    def apply(self, func):
        """``func`` (elementwise, written with semigrad operations) applied at the positions,
        once per occurrence.

        >>> import semigrad as sg
        >>> from semigrad.numpy._at import At
        >>> At(np.full(3, 2.0))[1:].apply(sg.square).tolist()
        [2.0, 4.0, 4.0]
        """
        return self._by_rounds(None, lambda out, mask, s: ops.where(mask, func(out), out))


class At:
    """The ``.at`` helper of a value: ``At(x)[idx]`` is an :class:`IndexUpdate`.

    >>> from semigrad.numpy._at import At
    >>> At(np.zeros(2))[0].set(1.0).tolist()
    [1.0, 0.0]
    """

    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __getitem__(self, index):
        return IndexUpdate(self.x, index)
