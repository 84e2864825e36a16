"""``semigrad.numpy.linalg``: NumPy's ``linalg`` names, differentiable (real values).

``inv``, ``det``, ``solve``, ``cholesky``, ``eigvalsh``, ``eigh``, ``svd``,
``svdvals``, ``qr`` and ``pinv`` are primitives (see
:mod:`semigrad.primitives.linalg` for their conventions: ``cholesky`` and
``eigh`` read the lower triangle, like NumPy; ``eigh``'s eigenvector signs are
fixed so the largest-magnitude entry of each column is positive, and so are
the columns of ``svd``'s ``U``, with ``Vh``'s rows following so that
``a @ v_i = s_i u_i``; ``qr``'s ``R`` has a positive diagonal; ``pinv`` is
differentiable where the rank is locally constant); ``slogdet``'s
log-magnitude is the ``slogdet_logabs`` primitive (its sign is a plain,
untraced value). ``norm``, ``vector_norm``, ``matrix_norm``, ``cond``,
``lstsq``, ``matrix_power``, ``multi_dot``, ``outer``, ``tensorinv`` and
``tensorsolve`` are compositions of semigrad operations; ``matrix_rank`` is a
plain integer.

>>> import semigrad as sg
>>> import semigrad.numpy.linalg as sla
>>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
>>> round(float(sla.det(a)), 12)
5.0
>>> sg.grad(sla.det)(a).round(12).tolist()
[[3.0, -1.0], [-1.0, 2.0]]
"""

from __future__ import annotations

import types
from typing import NamedTuple

import numpy as np

from .. import backend, ops
from ..primitives import complex as C
from ..primitives import linalg as L
from ..primitives.base import accepting_traced_lists
from ..tensor import Tensor

__all__ = [
    "EigResult", "EighResult", "QRResult", "SVDResult", "SlogdetResult",
    "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
    "lstsq", "matmul", "matrix_norm", "matrix_transpose", "tensordot", "trace", "vecdot",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet",
    "solve", "svd", "svdvals", "tensorinv", "tensorsolve", "vector_norm",
]

LinAlgError = np.linalg.LinAlgError


class SVDResult(NamedTuple):
    """``svd``'s result, as NumPy 2's: ``U`` (m×k), ``S`` (k), ``Vh`` (k×n)."""

    U: object
    S: object
    Vh: object


class QRResult(NamedTuple):
    """``qr``'s result, as NumPy 2's: ``Q`` and ``R``."""

    Q: object
    R: object


class EigResult(NamedTuple):
    """``eig``'s result, as NumPy 2's: ``eigenvalues`` and ``eigenvectors`` (columns)."""

    eigenvalues: object
    eigenvectors: object


class EighResult(NamedTuple):
    """``eigh``'s result, as NumPy 2's: ascending ``eigenvalues`` and ``eigenvectors`` (columns)."""

    eigenvalues: object
    eigenvectors: object


class SlogdetResult(NamedTuple):
    """``slogdet``'s result, as NumPy 2's: ``sign`` (untraced) and ``logabsdet``."""

    sign: object
    logabsdet: object


def _value(x):
    x = getattr(x, "value", x)
    return backend.wrap(x) if backend.library(x) is not None else np.asarray(x)


def _matrix_shape(name, a):
    """``(m, n)`` of the last two axes; a clear error for fewer than two."""
    shape = ops.shape(a)
    if len(shape) < 2:
        raise LinAlgError(
            f"{name}: needs a matrix or a stack of matrices (at least 2-D), got shape {shape}"
        )
    return shape[-2:]


def _square(name, a):
    m, n = _matrix_shape(name, a)
    if m != n:
        raise LinAlgError(f"{name}: needs square matrices, got shape {ops.shape(a)}")
    return n


def _floating(x):
    """``x`` as a floating array (integers and booleans become float64), like NumPy's norm."""
    dt = getattr(getattr(x, "value", x), "dtype", None)
    if dt is None:
        x = np.asarray(x)
        dt = x.dtype
    return x if dt.kind in "fc" else ops.astype(x, np.float64)


def _eps(a):
    dt = _value(a).dtype
    return np.finfo(dt if dt.kind in "fc" else np.float64).eps


def _from_lower(name, a):
    """The symmetric matrix ``tril(a) + tril(a, -1)ᵀ`` (what ``hermitian=True`` reads)."""
    n = _square(name, a)
    return (ops.multiply(a, np.tril(np.ones((n, n))))
            + ops.multiply(ops.swapaxes(a, -1, -2), np.triu(np.ones((n, n)), 1)))


def inv(a):
    """The inverse of a square matrix (or a stack of them).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.inv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    return L.inv(a)


def det(a):
    """The determinant of a square matrix (or a stack of them).

    >>> import semigrad.numpy.linalg as sla
    >>> round(float(sla.det(np.array([[1.0, 2.0], [3.0, 4.0]]))), 12)
    -2.0
    """
    return L.det(a)


def slogdet(a):
    """``(sign, logabsdet)`` (a ``SlogdetResult``); a real sign (±1) has zero derivative, a
    complex one (a phase) is differentiable.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> sign, logdet = sla.slogdet(a)
    >>> float(sign), round(float(logdet), 12) == round(float(np.log(5.0)), 12)
    (1.0, True)
    >>> np.allclose(sg.grad(lambda m: sla.slogdet(m)[1])(a), np.linalg.inv(a).T)
    True
    """
    if np.iscomplexobj(_value(a)):  # the sign is a phase that moves with a
        ld = L.logdet(a)
        return SlogdetResult(ops.exp(1j * ops.imag(ld)), ops.real(ld))
    _square("slogdet", a)
    sign, logabs = np.linalg.slogdet(_value(a))  # one factorisation for both
    if isinstance(a, Tensor):
        logabs = L.slogdet_logabs._apply((a,), {}, value=logabs)
    return SlogdetResult(sign, logabs)


def solve(a, b):
    """Solve ``a @ x = b`` (``b`` a vector when 1-D, as in NumPy ≥ 2).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0])).tolist()
    [0.5, 0.25]
    """
    return L.solve(a, b)


def _upper_as_lower(a):
    """``aᴴ``: the matrix whose lower triangle is ``a``'s upper one (conjugated), so the
    lower-triangle primitives read what NumPy's ``UPLO='U'`` / ``upper=True`` read."""
    return L.conj_transpose(a)


def _uplo(name, UPLO):  # noqa: N803 (NumPy's name)
    if UPLO not in ("L", "U"):
        raise ValueError(f"{name}: UPLO must be 'L' or 'U'; got {UPLO!r}")
    return UPLO == "U"


def cholesky(a, /, *, upper=False):
    """The lower Cholesky factor ``L`` with ``L @ L.T == a``, reading ``a``'s lower triangle.

    >>> import semigrad.numpy.linalg as sla
    >>> sla.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    if upper:  # U with A = Uᴴ U, from the upper triangle
        return _upper_as_lower(L.cholesky(_upper_as_lower(a)))
    return L.cholesky(a)


def eigvalsh(a, UPLO="L"):  # noqa: N803 (NumPy's name)
    """The ascending eigenvalues of a symmetric matrix (its lower triangle is read).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).round(12).tolist()
    [1.0, 3.0]
    """
    return L.eigvalsh(_upper_as_lower(a) if _uplo("eigvalsh", UPLO) else a)


def eigh(a, UPLO="L"):  # noqa: N803 (NumPy's name)
    """``(w, v)`` (an ``EighResult``): ascending eigenvalues and eigenvectors (columns).

    Two primitives, ``eigvalsh`` and ``eigh_vectors``. The lower triangle is
    read; each column's largest-magnitude entry is positive; eigenvector
    derivatives need distinct eigenvalues.

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> w, v = sla.eigh(a)
    >>> np.allclose(w, np.linalg.eigvalsh(a)), np.allclose(v @ np.diag(w) @ v.T, a)
    (True, True)
    """
    if _uplo("eigh", UPLO):
        a = _upper_as_lower(a)
    return EighResult(L.eigvalsh(a), L.eigh_vectors(a))


def eigvals(a):
    """The eigenvalues of a general square matrix (complex unless all are real, as NumPy).

    Derivatives need a diagonalisable matrix (distinct eigenvalues for ``eig``'s vectors).

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> sla.eigvals(np.array([[0.0, 1.0], [-2.0, 0.0]])).round(12).tolist()
    [1.414213562373j, -1.414213562373j]
    >>> sg.grad(lambda m: sla.eigvals(m).sum())(np.array([[2.0, 1.0], [0.0, 3.0]])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    _square("eigvals", a)
    return L.eigvals(a)


def eig(a):
    """``(w, v)`` (an ``EigResult``) of a general square matrix: ``a @ v = v * w``.

    Two primitives, ``eigvals`` and ``eig_vectors``. The columns of ``v`` have unit norm, as
    NumPy's, and their largest-magnitude entry real and positive (NumPy's phases may differ
    column by column). Eigenvector derivatives need distinct eigenvalues.

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[2.0, 1.0], [0.5, 3.0]])
    >>> w, v = sla.eig(a)
    >>> np.allclose(a @ v, v * w), np.allclose(np.linalg.norm(v, axis=0), 1.0)
    (True, True)
    """
    _square("eig", a)
    return EigResult(L.eigvals(a), L.eig_vectors(a))


def matrix_power(a, n):
    """``a`` multiplied by itself ``n`` times (``n`` an integer; negative uses ``inv``).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
    [[1.0, 3.0], [0.0, 1.0]]
    """
    n = int(n)
    if n == 0:
        return np.broadcast_to(np.eye(ops.shape(a)[-1]), ops.shape(a)).copy()
    if n < 0:
        a, n = L.inv(a), -n
    result, base = None, a
    while n:  # binary powering
        if n & 1:
            result = base if result is None else ops.matmul(result, base)
        n >>= 1
        if n:
            base = ops.matmul(base, base)
    return result


# --------------------------------------------------------------------------
# SVD and what is built on it


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """The SVD ``a = U @ diag(S) @ Vh`` (an ``SVDResult``), or the singular values alone.

    NumPy's signature. ``U``, ``S`` and ``Vh`` are three primitives (``svd_u``,
    ``svdvals``, ``svd_vh``), each differentiable to any order. The singular
    values are descending; each column of ``U`` has its largest-magnitude
    entry positive (the first such entry on a tie), and the rows of ``Vh``
    follow so that ``a @ v_i = s_i u_i`` (NumPy's own signs may differ pair by
    pair). Derivatives of ``U`` and ``Vh`` need distinct singular values (and
    nonzero ones for a non-square matrix); those of ``S`` only at second order.

    ``full_matrices=True`` (NumPy's default) is the reduced SVD for square
    matrices; for an m×n matrix with m ≠ n the extra columns of the full ``U``
    (or rows of ``Vh``) are not unique, so it raises: pass
    ``full_matrices=False``. ``hermitian=True`` reads the lower triangle (as
    NumPy) and takes the SVD of that symmetric matrix.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]])
    >>> u, s, vh = sla.svd(a, full_matrices=False)
    >>> s.round(12).tolist(), np.allclose(u * s @ vh, a)
    ([3.0, 2.0], True)
    >>> sla.svd(a, compute_uv=False).round(12).tolist()
    [3.0, 2.0]
    >>> sg.grad(lambda m: sla.svd(m)[1][0])(np.array([[3.0, 0.0], [0.0, 2.0]])).round(12).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    m, n = _matrix_shape("svd", a)
    if hermitian:
        a = _from_lower("svd", a)
    if not compute_uv:
        return L.svdvals(a)
    if full_matrices and m != n:
        k = min(m, n)
        extra = "U" if m > n else "Vh"
        raise ValueError(
            f"svd: full_matrices=True of a {m}×{n} matrix (input shape {ops.shape(a)}) adds "
            f"{abs(m - n)} {'columns of U' if extra == 'U' else 'rows of Vh'} that are not "
            f"unique, so not differentiable; pass full_matrices=False for the reduced SVD "
            f"(U {m}×{k}, S {k}, Vh {k}×{n})"
        )
    return SVDResult(L.svd_u(a), L.svdvals(a), L.svd_vh(a))


def svdvals(x, /):
    """The singular values of a matrix (or a stack of them), descending.

    The ``svdvals`` primitive; its gradient is ``U @ diag(g) @ Vh``.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> sla.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]])).round(12).tolist()
    [2.0, 1.0]
    >>> sg.grad(lambda a: sla.svdvals(a)[0])(np.array([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    _matrix_shape("svdvals", x)
    return L.svdvals(x)


_NOVALUE = object()


def pinv(a, rcond=None, hermitian=False, *, rtol=_NOVALUE):
    """The Moore–Penrose pseudo-inverse (any m×n, also rank-deficient; stacks too).

    NumPy's cutoff: singular values at most ``rtol * max(s)`` count as zero.
    As NumPy 2.4, ``rcond`` (the same ratio) defaults to 1e-15 when neither is
    given, ``rtol=None`` means ``max(m, n) * eps``, and giving both is an
    error. ``hermitian=True`` reads the lower triangle. The ``pinv`` primitive:
    differentiable where the rank is locally constant (the derivative along
    matrices of the same rank; a perturbation that changes the rank makes the
    pseudo-inverse jump).

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])  # rank 1
    >>> np.allclose(sla.pinv(a), np.linalg.pinv(a))
    True
    >>> np.allclose(sg.grad(lambda m: sla.pinv(m)[0, 0])(np.eye(2) * 2.0), [[-0.25, 0], [0, 0]])
    True
    """
    m, n = _matrix_shape("pinv", a)
    if rcond is None:
        if rtol is _NOVALUE:
            cut = 1e-15
        elif rtol is None:
            cut = max(m, n) * _eps(a)
        else:
            cut = rtol
    elif rtol is not _NOVALUE:
        raise ValueError("pinv: rtol and rcond are the same cutoff ratio; pass one of them")
    else:
        cut = rcond
    cut = np.asarray(cut, dtype=np.float64)
    cut = float(cut) if cut.ndim == 0 else cut
    if hermitian:
        a = _from_lower("pinv", a)
    return L.pinv(a, rtol=cut)


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):  # noqa: N803 (NumPy's name)
    """The rank: the number of singular values above the tolerance (a plain integer).

    NumPy's rules (``tol`` absolute, ``rtol`` relative to the largest singular
    value, default ``max(m, n) * eps``); no derivative.

    >>> import semigrad.numpy.linalg as sla
    >>> int(sla.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    return np.linalg.matrix_rank(_value(A), tol=tol, hermitian=hermitian, rtol=rtol)


def cond(x, p=None):
    """The condition number ``norm(x, p) * norm(inv(x), p)``.

    ``p`` None or 2: ``s_max / s_min`` from ``svdvals`` (any m×n); -2:
    ``s_min / s_max``; 1, -1, inf, -inf, 'fro', 'nuc': through ``inv``, so
    square invertible matrices only.

    >>> import semigrad.numpy.linalg as sla
    >>> float(sla.cond(np.array([[4.0, 0.0], [0.0, 0.5]])))
    8.0
    >>> float(sla.cond(np.array([[4.0, 0.0], [0.0, 0.5]]), 1))
    8.0
    """
    _matrix_shape("cond", x)
    x = _floating(x)
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise ValueError(f"cond: invalid p={p!r}; use None, 2, -2, 1, -1, inf, -inf, "
                             "'fro' or 'nuc'")
    elif p is None or p == 2 or p == -2:
        s = L.svdvals(x)
        big, small = ops.getitem(s, (Ellipsis, 0)), ops.getitem(s, (Ellipsis, -1))
        return big / small if p != -2 else small / big
    elif p not in (1, -1, np.inf, -np.inf):
        raise ValueError(f"cond: invalid p={p!r}; use None, 2, -2, 1, -1, inf, -inf, "
                         "'fro' or 'nuc'")
    _square("cond", x)
    return (_norm("cond", x, p, (-2, -1), False)
            * _norm("cond", L.inv(x), p, (-2, -1), False))


def lstsq(a, b, rcond=None):
    """Least squares ``min ||a @ x - b||``: ``(x, residuals, rank, s)`` as NumPy.

    ``a`` is m×n, ``b`` m or m×k; singular values at most ``rcond * max(s)``
    count as zero (default ``max(m, n) * eps``, as NumPy). ``x = pinv(a) @ b``
    (the minimum-norm solution), differentiable in ``a`` and ``b`` where the
    rank is locally constant; ``residuals`` (the squared residual norm per
    column, shape (k,) or (1,) for a vector ``b``; empty unless the rank is n
    and m > n) and ``s`` (the ``svdvals`` of ``a``) are differentiable too;
    ``rank`` is a plain integer.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> b = np.array([1.0, 2.0, 4.0])
    >>> x, res, rank, s = sla.lstsq(a, b)
    >>> np.allclose(x, np.linalg.lstsq(a, b)[0]), rank, np.allclose(res, np.linalg.lstsq(a, b)[1])
    (True, 2, True)
    >>> (sg.grad(lambda y: sla.lstsq(a, y)[0][1])(b).round(12) + 0.0).tolist()  # the slope
    [-0.5, 0.0, 0.5]
    """
    sa, sb = ops.shape(a), ops.shape(b)
    if len(sa) != 2 or len(sb) not in (1, 2) or sb[0] != sa[0]:
        raise LinAlgError(
            f"lstsq: needs a 2-D a (m×n) and a b of shape (m,) or (m, k) with the same m; "
            f"got shapes {sa} and {sb}"
        )
    m, n = sa
    if rcond is None or rcond < 0:
        rcond = _eps(a) * max(m, n)
    s = L.svdvals(a)
    sv = _value(s)
    rank = int(np.count_nonzero(sv > rcond * sv.max())) if sv.size else 0
    x = ops.matmul(L.pinv(a, rtol=float(rcond)), b)
    if rank == n and m > n:
        r = ops.subtract(b, ops.matmul(a, x))
        residuals = ops.sum(C.abs_squared(r), axis=0)
        if len(sb) == 1:
            residuals = ops.reshape(residuals, (1,))
    else:
        residuals = np.empty((0,), dtype=np.result_type(_value(a).dtype, np.float64))
    return x, residuals, rank, s


# --------------------------------------------------------------------------
# QR


def qr(a, mode="reduced"):
    """``(Q, R)`` (a ``QRResult``) of full-rank matrices, ``diag(R) > 0``; ``mode='r'``: R only.

    Tall or square m×n (m ≥ n): the reduced QR, two primitives ``qr_q``
    (m×n) and ``qr_r`` (n×n). Wide (m < n): with ``a = [X | Y]``, X the
    first m columns (which must be invertible), ``Q, R1 = qr(X)`` and
    ``R = [R1 | Qᴴ Y]`` (m×n), as NumPy. ``mode='complete'`` equals the
    reduced mode when m ≤ n and raises for a tall matrix (the extra columns of
    Q are not unique); ``mode='raw'`` is not supported. NumPy's signs may
    differ row by row of R (column by column of Q).

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    >>> q, r = sla.qr(a)
    >>> np.allclose(q @ r, a), np.allclose(q.T @ q, np.eye(2)), bool(np.all(np.diag(r) > 0))
    (True, True, True)
    >>> q, r = sla.qr(a.T)  # wide: R is 2×3
    >>> r.shape, np.allclose(q @ r, a.T)
    ((2, 3), True)
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(
            f"qr: unrecognized mode {mode!r}; use 'reduced' (default), 'complete' or 'r'"
        )
    m, n = _matrix_shape("qr", a)
    if mode == "raw":
        raise ValueError("qr: mode='raw' (LAPACK's Householder reflectors) is not supported; "
                         "use mode='reduced', 'complete' or 'r'")
    if mode == "complete" and m > n:
        raise ValueError(
            f"qr: mode='complete' of a tall {m}×{n} matrix (input shape {ops.shape(a)}) adds "
            f"{m - n} columns of Q that are not unique, so not differentiable; use "
            f"mode='reduced' (Q {m}×{n}, R {n}×{n})"
        )
    if m >= n:
        r = L.qr_r(a)
        return r if mode == "r" else QRResult(L.qr_q(a), r)
    x = ops.getitem(a, (Ellipsis, slice(None), slice(None, m)))
    y = ops.getitem(a, (Ellipsis, slice(None), slice(m, None)))
    q = L.qr_q(x)
    qh = L.conj_transpose(q)
    r = ops.concatenate([L.qr_r(x), ops.matmul(qh, y)], axis=-1)
    return r if mode == "r" else QRResult(q, r)


# --------------------------------------------------------------------------
# Products and tensor forms


def outer(x1, x2, /):
    """The outer product of two vectors (1-D only, as NumPy 2's ``linalg.outer``).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.outer(np.array([1.0, 2.0]), np.array([1.0, 10.0])).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    s1, s2 = ops.shape(x1), ops.shape(x2)
    if len(s1) != 1 or len(s2) != 1:
        raise ValueError(f"outer: needs two 1-D arrays, got shapes {s1} and {s2}; "
                         "use semigrad.numpy.outer to flatten them first")
    return ops.outer(x1, x2)


def _chain_order(dims):
    """The cheapest parenthesisation of a matrix chain (dims p0 × p1, p1 × p2, ...)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays, *, out=None):
    """The product of a chain of matrices in the cheapest order (1-D ends as vectors).

    >>> import semigrad.numpy.linalg as sla
    >>> a, b, c = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
    >>> sla.multi_dot([a, b, c]).tolist()
    [12.0, 12.0]
    """
    if out is not None:
        raise TypeError("multi_dot: out= is not supported (results are new values)")
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: expects at least two arrays, got {len(arrays)}")
    if len(arrays) == 2:
        return ops.dot(arrays[0], arrays[1])
    shapes = [ops.shape(a) for a in arrays]
    first, last = len(shapes[0]), len(shapes[-1])
    if first == 1:
        arrays[0] = ops.reshape(arrays[0], (1, -1))
    if last == 1:
        arrays[-1] = ops.reshape(arrays[-1], (-1, 1))
    shapes2 = [ops.shape(a) for a in arrays]
    if any(len(s) != 2 for s in shapes2):
        raise ValueError(f"multi_dot: needs 2-D arrays (the first and last may be 1-D), "
                         f"got shapes {shapes}")
    split = _chain_order([shapes2[0][0]] + [s[1] for s in shapes2])

    def product(i, j):
        if i == j:
            return arrays[i]
        return ops.matmul(product(i, split[i][j]), product(split[i][j] + 1, j))

    result = product(0, len(arrays) - 1)
    if first == 1 and last == 1:
        return ops.getitem(result, (0, 0))
    if first == 1 or last == 1:
        return ops.reshape(result, (-1,))
    return result


def tensorinv(a, ind=2):
    """The inverse of ``a`` seen as a linear map from its first ``ind`` axes' … to the rest.

    ``tensordot(tensorinv(a, ind), a, ind)`` is the identity, as NumPy.

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.eye(4).reshape(4, 2, 2) * 2.0
    >>> sla.tensorinv(a, ind=1).shape, float(sla.tensorinv(a, ind=1)[0, 0, 0])
    ((2, 2, 4), 0.5)
    """
    shape = ops.shape(a)
    if int(ind) <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got {ind!r}")
    ind = int(ind)
    rows = int(np.prod(shape[ind:], dtype=np.int64))
    flat = ops.reshape(a, (rows, -1)) if rows else ops.reshape(a, (0, 0))
    return ops.reshape(L.inv(flat), shape[ind:] + shape[:ind])


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x``, as NumPy.

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.eye(6).reshape(6, 2, 3) * 2.0
    >>> sla.tensorsolve(a, np.ones(6)).tolist()
    [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    """
    an = len(ops.shape(a))
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k % an)
            allaxes.insert(an, k % an)
        a = ops.transpose(a, allaxes)
    shape, bshape = ops.shape(a), ops.shape(b)
    oldshape = shape[len(bshape):]
    n = int(np.prod(oldshape, dtype=np.int64))
    if int(np.prod(shape, dtype=np.int64)) != n * n or int(np.prod(bshape, dtype=np.int64)) != n:
        raise LinAlgError(
            f"tensorsolve: needs prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim]); got "
            f"a of shape {shape} (after axes={axes!r}) and b of shape {bshape}"
        )
    x = L.solve(ops.reshape(a, (n, n)), ops.reshape(b, (-1,)))
    return ops.reshape(x, oldshape)



# --------------------------------------------------------------------------
# The array API's linear-algebra names (NumPy 2's numpy.linalg has them too)


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-element vectors along ``axis`` (NumPy's ``linalg.cross``).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    from . import cross as _cross

    for name, x in (("x1", x1), ("x2", x2)):
        if ops.shape(x)[axis] != 3:
            raise ValueError(f"cross: {name} of shape {ops.shape(x)} has {ops.shape(x)[axis]} "
                             f"elements along axis {axis}; linalg.cross needs 3")
    return _cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset=0):
    """The diagonals of the matrices on the last two axes.

    >>> import semigrad.numpy.linalg as sla
    >>> sla.diagonal(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 3.0]
    """
    from . import diagonal as _diagonal

    _matrix_shape("diagonal", x)
    return _diagonal(x, offset, -2, -1)


def trace(x, /, *, offset=0, dtype=None):
    """The traces of the matrices on the last two axes.

    >>> import semigrad.numpy.linalg as sla
    >>> float(sla.trace(np.arange(4.0).reshape(2, 2)))
    3.0
    """
    t = ops.sum(diagonal(x, offset=offset), axis=-1)
    return t if dtype is None else ops.astype(t, dtype)


def matmul(x1, x2, /):
    """The matrix product (``x1 @ x2``).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.matmul(np.eye(2), np.ones((2, 1))).tolist()
    [[1.0], [1.0]]
    """
    return ops.matmul(x1, x2)


def matrix_transpose(x, /):
    """The last two axes swapped.

    >>> import semigrad.numpy.linalg as sla
    >>> sla.matrix_transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    _matrix_shape("matrix_transpose", x)
    return ops.swapaxes(x, -1, -2)


def tensordot(x1, x2, /, *, axes=2):
    """``numpy.tensordot`` (the array API's keyword-only ``axes``).

    >>> import semigrad.numpy.linalg as sla
    >>> float(sla.tensordot(np.ones((2, 3)), np.ones((2, 3))))
    6.0
    """
    return ops.tensordot(x1, x2, axes=axes)


def vecdot(x1, x2, /, *, axis=-1):
    """The dot product along ``axis``, conjugating ``x1`` (NumPy's ``linalg.vecdot``).

    >>> import semigrad.numpy.linalg as sla
    >>> complex(sla.vecdot(np.array([1j]), np.array([1j])))
    (1+0j)
    """
    from . import vecdot as _vecdot

    return _vecdot(x1, x2, axis=axis)


# The norms live in their own module (they use this one's decompositions).
from .linalg_norms import _norm, matrix_norm, norm, vector_norm  # noqa: E402, F401

# Every function whose arguments are arrays (multi_dot takes a list of them as it is).
for _name in __all__:
    _fn = globals()[_name]
    if isinstance(_fn, types.FunctionType) and _name != "multi_dot":
        globals()[_name] = accepting_traced_lists(_fn)
del _name, _fn

