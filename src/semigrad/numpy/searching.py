"""``semigrad.numpy``'s untraced results: sorting indices, searching, counting, logic
(integer and boolean results, zero derivative).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import ops
from ..primitives.base import holds_tensor
from ..primitives.deferred import concrete
from ..tensor import Tensor
from ._at import At  # noqa: F401
from .creation import (
    _creation,
)

# ---- untraced: integer and boolean results ----------------------------------------------


def _plain(obj):
    """Tensors replaced by their values, also inside lists and tuples (``lexsort``'s keys)."""
    if isinstance(obj, Tensor):
        return concrete(obj.value)
    if isinstance(obj, list | tuple) and holds_tensor(obj):
        return type(obj)(_plain(o) for o in obj)
    return obj


def _untraced(fn, example=None):
    """NumPy's ``fn`` on the values of its arguments: nothing is recorded (no derivative)."""
    def untraced(*args, **kwargs):
        args = tuple(_plain(a) for a in args)
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        return fn(*args, **kwargs)

    untraced.__name__ = untraced.__qualname__ = fn.__name__
    untraced.__doc__ = f"NumPy's ``{fn.__name__}`` on the values (untraced: no derivative)."
    if example is not None:
        untraced.__doc__ += (f"\n\n    >>> import semigrad as sg\n"
                             f"    >>> import semigrad.numpy as snp\n    >>> {example}\n")
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


# ---- untraced (integers, booleans, indices, constants) -----------

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
