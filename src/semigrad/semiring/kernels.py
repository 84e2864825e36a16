"""Selective contractions without the product tensor: max-times, max-plus and k-max-plus.

A MaxProduct or MaxPlus sweep through a matmul needs, for every output
element, the best of K products; materialising all B·M·K·N of them (then
reducing) is what made these sweeps an order of magnitude slower than the
real backward pass. Here every two-operand einsum that is a batched matrix
product after transposes and reshapes runs as a ``(B, M, K) × (B, K, N)``
kernel that keeps only the running best of each output element:

* compiled loops (numba, ``parallel=False``, ``cache=True`` so that the
  compile is paid once per machine) when numba is installed (the ``jit``
  extra); imported lazily, on the first selective contraction;
* otherwise NumPy, one contracted index at a time over output blocks small
  enough to stay in cache: memory is bounded and the loops are vectorised.

The k-max-plus kernel keeps the k best of the K·k candidates of each output
element *with backpointers*: which contracted index and which rank of the
left operand each of the k values came from, and the length (hops) of the
path it continues. Ties keep the shorter path, then the candidate met first
in the order (contracted index, rank): this is the tie rule of
:func:`semigrad.semiring.paths.top`.

``use_numba`` (a context variable) turns the compiled kernels off, for the
tests of the NumPy loops and for comparisons; :func:`compile_seconds` says
what compiling (or loading from numba's cache) took.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import time
from functools import lru_cache

import numpy as np

from ..primitives.multilinear import parse_equation

#: Whether the compiled kernels may be used (they are, where numba is installed).
use_numba: contextvars.ContextVar[bool] = contextvars.ContextVar("semiring_use_numba",
                                                                 default=True)

#: Elements of one output block of the NumPy loops: a block and its products stay in cache.
NUMPY_BLOCK = 1 << 14

_compile_seconds: list[float] = []


@contextlib.contextmanager
def numpy_only():
    """Run the selective contractions on NumPy's loops within the block, numba or not.

    >>> from semigrad.semiring import kernels
    >>> with kernels.numpy_only():
    ...     kernels.numba_active()
    False
    """
    token = use_numba.set(False)
    try:
        yield
    finally:
        use_numba.reset(token)


def numba_available() -> bool:
    """Whether numba is installed (the ``jit`` extra), without importing it."""
    return importlib.util.find_spec("numba") is not None


def numba_active() -> bool:
    """Whether the selective contractions run compiled here and now."""
    return use_numba.get() and numba_available()


def compile_seconds() -> float | None:
    """Seconds that compiling the kernels took (or loading them from numba's on-disk cache),
    None before the first compiled contraction (or without numba).

    >>> from semigrad.semiring import kernels
    >>> kernels.compile_seconds() is None or kernels.compile_seconds() >= 0
    True
    """
    return _compile_seconds[0] if _compile_seconds else None


# ---- reducing an einsum to a batched matrix product -----------------------------


@lru_cache(maxsize=1024)
def matmul_plan(eq: str, a_shape: tuple, b_shape: tuple, summed: str | None = None):
    """How ``eq`` on operands of these element shapes runs as ``(B, M, K) × (B, K, N)``.

    Returns ``(a_perm, b_perm, (B, M, K), (B, K, N), mid_shape, out_perm, summed)`` or
    None when the equation is not a batched matrix product (a repeated letter, a letter
    summed within one operand only, more or fewer than two operands). ``summed`` lists
    the contracted letters in the order in which the flat contracted index (and so
    the tie rule) runs: as given, else as they first occur in the equation's inputs.
    """
    ins, out = parse_equation(eq)
    if len(ins) != 2:
        return None
    a_sub, b_sub = ins
    if len(set(a_sub)) < len(a_sub) or len(set(b_sub)) < len(b_sub) or len(set(out)) < len(out):
        return None
    size = {}
    for sub, shape in ((a_sub, a_shape), (b_sub, b_shape)):
        if len(sub) != len(shape):
            return None
        for c, d in zip(sub, shape):
            if size.setdefault(c, d) != d:
                return None
    if any(c not in out and (c not in a_sub or c not in b_sub) for c in a_sub + b_sub):
        return None  # summed within one operand: not a matrix product
    if any(c not in a_sub and c not in b_sub for c in out):
        return None
    batch = [c for c in out if c in a_sub and c in b_sub]
    left = [c for c in out if c in a_sub and c not in b_sub]
    right = [c for c in out if c in b_sub and c not in a_sub]
    first = [c for c in dict.fromkeys(a_sub + b_sub) if c not in out]
    if summed is not None and sorted(summed) != sorted(first):
        raise ValueError(f"matmul_plan: {summed!r} is not an order of {eq!r}'s summed letters")
    summed = first if summed is None else list(summed)

    def n(cs):
        return int(np.prod([size[c] for c in cs], dtype=np.int64))

    mid = batch + left + right
    return (
        tuple(a_sub.index(c) for c in batch + left + summed),
        tuple(b_sub.index(c) for c in batch + summed + right),
        (n(batch), n(left), n(summed)),
        (n(batch), n(summed), n(right)),
        tuple(size[c] for c in mid),
        tuple(mid.index(c) for c in out),
        "".join(summed),
    )


def _as_matrices(plan, a, b):
    """The operands (element axes only) as contiguous (B, M, K) and (B, K, N) arrays."""
    a_perm, b_perm, a3, b3 = plan[:4]
    return (_plain(a.transpose(a_perm).reshape(a3), np.float64),
            _plain(b.transpose(b_perm).reshape(b3), np.float64))


def _plain(x, dtype):
    """``x`` as a C-contiguous, writeable array of ``dtype`` (the compiled loops' types)."""
    return np.require(x, dtype, ["C", "W"])


def _to_output(plan, c):
    """A (..., B, M, N) kernel result as the equation's output axes (leading axes kept)."""
    lead = c.shape[:-3]
    c = c.reshape((*lead, *plan[4]))
    return c.transpose((*range(len(lead)), *(len(lead) + k for k in plan[5])))


def contract(eq: str, a, b, mode: str):
    """``eq`` on arrays ``a`` and ``b`` with ⊗ = × (``mode="times"``) or + (``"plus"``) and
    ⊕ = max, never materialising the products; None when ``eq`` is no matrix product.

    Max-times expects non-negative operands (lifted |partials|) and gives 0 for an empty
    sum; max-plus gives −inf.

    >>> import numpy as np
    >>> from semigrad.semiring import kernels
    >>> a, b = np.array([[1.0, 4.0]]), np.array([[3.0], [0.5]])
    >>> kernels.contract("ij,jk->ik", a, b, "times").tolist()  # max(1·3, 4·0.5)
    [[3.0]]
    """
    plan = matmul_plan(eq, a.shape, b.shape)
    if plan is None:
        return None
    a3, b3 = _as_matrices(plan, a, b)
    if numba_active():
        out = np.empty((a3.shape[0], a3.shape[1], b3.shape[2]))
        _compiled()[mode](a3, b3, out)
    else:
        out = _numpy_max(a3, b3, mode)
    return _to_output(plan, out)


def kmax_contract(eq: str, a, b, k: int, summed: str | None = None, lengths=None):
    """k-max-plus ``eq``: ``a`` (k, *a's shape) sorted best first on its leading axis,
    ``b`` one value per element; the k best sums per output element, with backpointers.

    Returns ``(values, where, rank, length)`` each shaped (k, *output), or None when
    ``eq`` is no matrix product: ``values`` best first (−inf: fewer candidates),
    ``where`` the flat index over the contracted letters (in the order of
    ``summed``, by default as they first occur in ``eq``), ``rank`` the rank in ``a``
    each came from (−1 where there is none) and ``length`` that rank's entry of
    ``lengths`` (ints shaped like ``a``, by default 0) plus one: the number of hops of
    a path. Equal values keep the shorter, then the earlier (where, rank).

    >>> import numpy as np
    >>> from semigrad.semiring import kernels
    >>> a = np.array([[[0.0, 2.0]], [[-1.0, -np.inf]]])   # k = 2 ranks of a (1, 2)
    >>> b = np.array([[1.0], [0.0]])
    >>> values, where, rank, length = kernels.kmax_contract("ij,jk->ik", a, b, 2)
    >>> values[:, 0, 0].tolist(), where[:, 0, 0].tolist(), rank[:, 0, 0].tolist()
    ([2.0, 1.0], [1, 0], [0, 0])
    """
    plan = matmul_plan(eq, a.shape[1:], b.shape, summed)
    if plan is None:
        return None
    a_perm, a3 = plan[0], plan[2]

    def as_rows(x, dtype):
        return _plain(x.transpose((0, *(1 + p for p in a_perm))).reshape((k, *a3)), dtype)

    a3k = as_rows(a, np.float64)
    a_len = as_rows(np.zeros(a.shape, dtype=np.int64) if lengths is None
                    else np.broadcast_to(lengths, a.shape), np.int64)
    b3 = _as_matrices(plan, a[0], b)[1]
    shape = (k, a3[0], a3[1], b3.shape[2])
    values = np.empty(shape)  # every entry is written below
    where = np.empty(shape, dtype=np.int64)
    rank = np.empty(shape, dtype=np.int64)
    length = np.empty(shape, dtype=np.int64)
    if numba_active():
        bt = _plain(b3.transpose(0, 2, 1), np.float64)
        _compiled()["kmax"](a3k, a_len, bt, values, where, rank, length)
    else:
        _numpy_kmax(a3k, a_len, b3, values, where, rank, length)
    return tuple(_to_output(plan, x) for x in (values, where, rank, length))


# ---- NumPy loops ------------------------------------------------------------------


def _blocks(B, M, N):
    """(batch slice, row slice) blocks of about NUMPY_BLOCK output elements."""
    rows = max(1, NUMPY_BLOCK // max(N, 1))
    if rows >= M:
        step = max(1, rows // max(M, 1))
        return [(slice(s, s + step), slice(None)) for s in range(0, B, step)]
    return [(slice(s, s + 1), slice(r, r + rows)) for s in range(B) for r in range(0, M, rows)]


def _numpy_max(a, b, mode):
    B, M, K = a.shape
    N = b.shape[2]
    op = np.multiply if mode == "times" else np.add
    out = np.full((B, M, N), 0.0 if mode == "times" else -np.inf)
    if K == 0:
        return out
    for bs, rs in _blocks(B, M, N):
        block = out[bs, rs]
        products = np.empty_like(block)
        for j in range(K):
            op(a[bs, rs, j, None], b[bs, j, None, :], out=products)
            np.maximum(block, products, out=block)
    return out


def _numpy_kmax(a, a_len, b, values, where, rank, length):
    k, B, M, K = a.shape
    N = b.shape[2]
    values.fill(-np.inf)
    for out in (where, rank, length):
        out.fill(-1)
    for bs, rs in _blocks(B, M, N):
        best = [x[:, bs, rs] for x in (values, where, rank, length)]
        v, n = best[0], best[3]
        for c in range(K):
            for r in range(k):  # the candidates in (contracted index, rank) order
                x = a[r, bs, rs, c]
                if not np.any(x > -np.inf):
                    break  # a's ranks are sorted: the rest are no better
                cand = x[..., None] + b[bs, c, None, :]
                hops = a_len[r, bs, rs, c][..., None] + 1
                # beats[p]: the candidate is better than the p-th best (larger, or as large
                # and shorter), so it goes above it: otherwise the earlier stays ahead
                beats = (cand > v) | ((cand == v) & (hops < n) & (cand > -np.inf))
                if not beats[k - 1].any():
                    continue
                new = [cand, c, r, hops]
                for p in range(k - 1, -1, -1):  # bottom up: row p - 1 is still the old one
                    here = beats[p] & ~beats[p - 1] if p else beats[p]
                    for x, y in zip(best, new):
                        if p:
                            np.copyto(x[p], x[p - 1], where=beats[p - 1])
                        np.copyto(x[p], np.broadcast_to(y, here.shape), where=here)


# ---- compiled loops ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _compiled():
    """The numba kernels, compiled (or loaded from numba's cache) on the first call."""
    import numba  # the optional ``jit`` extra: imported only when a kernel runs

    start = time.perf_counter()

    def jit(signature):
        return numba.njit(signature, cache=True, parallel=False, error_model="numpy")

    f8_3 = numba.float64[:, :, ::1]
    f8_4 = numba.float64[:, :, :, ::1]
    i8_4 = numba.int64[:, :, :, ::1]
    loops = jit(numba.void(f8_3, f8_3, f8_3, numba.boolean))(_max_loops)
    kernels = {
        "times": lambda a, b, out: loops(a, b, out, False),
        "plus": lambda a, b, out: loops(a, b, out, True),
        "kmax": jit(numba.void(f8_4, i8_4, f8_3, f8_4, i8_4, i8_4, i8_4))(_kmax_plus_loops),
    }
    _compile_seconds.append(time.perf_counter() - start)
    return kernels


# The loops below are plain Python over arrays, compiled by numba: blocks of TILE_K
# contracted indices × TILE_N columns keep the right operand's tile in cache while a
# row of the output is updated by a vectorised inner loop, four contracted indices
# at a time (one load and store of the row for four products).
TILE_K, TILE_N = 128, 256


def _max_loops(a, b, out, plus):
    nb, m, kk = a.shape
    n = b.shape[2]
    empty = -np.inf if plus else 0.0
    for s in range(nb):
        for i in range(m):
            for j in range(n):
                out[s, i, j] = empty
        for j0 in range(0, n, TILE_N):
            j1 = min(n, j0 + TILE_N)
            for k0 in range(0, kk, TILE_K):
                k1 = min(kk, k0 + TILE_K)
                for i in range(m):
                    row = out[s, i]
                    c = k0
                    while c + 4 <= k1:
                        x0, x1, x2, x3 = a[s, i, c], a[s, i, c + 1], a[s, i, c + 2], a[s, i, c + 3]
                        b0, b1, b2, b3 = b[s, c], b[s, c + 1], b[s, c + 2], b[s, c + 3]
                        for j in range(j0, j1):
                            if plus:  # loop-invariant: compiled as two loops
                                v = max(max(x0 + b0[j], x1 + b1[j]), max(x2 + b2[j], x3 + b3[j]))
                            else:
                                v = max(max(x0 * b0[j], x1 * b1[j]), max(x2 * b2[j], x3 * b3[j]))
                            row[j] = max(row[j], v)
                        c += 4
                    while c < k1:
                        x, brow = a[s, i, c], b[s, c]
                        for j in range(j0, j1):
                            row[j] = max(row[j], x + brow[j] if plus else x * brow[j])
                        c += 1


def _kmax_plus_loops(a, a_len, bt, values, where, rank, length):
    # One output element at a time, its k best in small arrays (registers, mostly) while
    # the contracted index runs along contiguous rows of ``a`` and of ``b`` transposed.
    k, nb, m, kk = a.shape
    n = bt.shape[1]
    best = np.empty(k)
    at = np.empty(k, dtype=np.int64)
    came = np.empty(k, dtype=np.int64)
    hops_of = np.empty(k, dtype=np.int64)
    for s in range(nb):
        for i in range(m):
            for j in range(n):
                for p in range(k):
                    best[p], at[p], came[p], hops_of[p] = -np.inf, -1, -1, -1
                last = -np.inf  # the k-th best so far
                for c in range(kk):
                    y = bt[s, j, c]
                    for r in range(k):
                        v = a[r, s, i, c] + y
                        if not v >= last:
                            break  # a's ranks are sorted: the rest are no better
                        hops = a_len[r, s, i, c] + 1
                        # better than the k-th: larger, or as large and shorter
                        if v > last or (hops < hops_of[k - 1] and v > -np.inf):
                            p = k - 1  # insert below every value at least as good
                            while p > 0 and (v > best[p - 1] or (
                                    v == best[p - 1] and hops < hops_of[p - 1])):
                                best[p], at[p] = best[p - 1], at[p - 1]
                                came[p], hops_of[p] = came[p - 1], hops_of[p - 1]
                                p -= 1
                            best[p], at[p], came[p], hops_of[p] = v, c, r, hops
                            last = best[k - 1]
                for p in range(k):
                    values[p, s, i, j], where[p, s, i, j] = best[p], at[p]
                    rank[p, s, i, j], length[p, s, i, j] = came[p], hops_of[p]
