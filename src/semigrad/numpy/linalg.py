"""``semigrad.numpy.linalg``: NumPy's ``linalg`` names, differentiable (real values).

``inv``, ``det``, ``solve``, ``cholesky``, ``eigvalsh``, ``eigh``, ``svd``
(singular values only) and ``qr`` are primitives (see
:mod:`semigrad.primitives.linalg` for their conventions: ``cholesky`` and
``eigh`` read the lower triangle, like NumPy; ``eigh``'s eigenvector signs are
fixed so the largest-magnitude entry of each column is positive; ``qr``'s ``R``
has a positive diagonal); ``slogdet``'s log-magnitude is the ``slogdet_logabs``
primitive (its sign is a plain, untraced value); ``norm``, ``matrix_power`` and
``pinv`` are compositions of semigrad operations.

>>> import semigrad as sg
>>> import semigrad.numpy.linalg as sla
>>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
>>> round(float(sla.det(a)), 12)
5.0
>>> sg.grad(sla.det)(a).round(12).tolist()
[[3.0, -1.0], [-1.0, 2.0]]
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..primitives import linalg as L

__all__ = [
    "cholesky", "det", "eigh", "eigvalsh", "inv", "matrix_power", "norm", "pinv", "qr", "slogdet",
    "solve", "svd",
]


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
    """``(sign, log|det a|)``; the sign has zero derivative.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> sign, logdet = sla.slogdet(a)
    >>> float(sign), round(float(logdet), 12) == round(float(np.log(5.0)), 12)
    (1.0, True)
    >>> np.allclose(sg.grad(lambda m: sla.slogdet(m)[1])(a), np.linalg.inv(a).T)
    True
    """
    sign = np.linalg.slogdet(getattr(a, "value", a))[0]
    return sign, L.slogdet_logabs(a)


def solve(a, b):
    """Solve ``a @ x = b`` (``b`` a vector when 1-D, as in NumPy ≥ 2).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0])).tolist()
    [0.5, 0.25]
    """
    return L.solve(a, b)


def cholesky(a):
    """The lower Cholesky factor ``L`` with ``L @ L.T == a``, reading ``a``'s lower triangle.

    >>> import semigrad.numpy.linalg as sla
    >>> sla.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    return L.cholesky(a)


def eigvalsh(a):
    """The ascending eigenvalues of a symmetric matrix (its lower triangle is read).

    >>> import semigrad.numpy.linalg as sla
    >>> sla.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).round(12).tolist()
    [1.0, 3.0]
    """
    return L.eigvalsh(a)


def eigh(a):
    """``(w, v)``: eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.

    Two primitives, ``eigvalsh`` and ``eigh_vectors``. The lower triangle is
    read; each column's largest-magnitude entry is positive; eigenvector
    derivatives need distinct eigenvalues.

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> w, v = sla.eigh(a)
    >>> np.allclose(w, np.linalg.eigvalsh(a)), np.allclose(v @ np.diag(w) @ v.T, a)
    (True, True)
    """
    return L.eigvalsh(a), L.eigh_vectors(a)


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


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (NumPy's name)
    """The Frobenius / 2-norm (``ord`` None, 'fro' or 2 for vectors), or ``ord=1`` / ``inf``
    for vectors; ``axis`` as in NumPy for those.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> float(sla.norm(np.array([3.0, 4.0])))
    5.0
    >>> sg.grad(sla.norm)(np.array([3.0, 4.0])).round(12).tolist()
    [0.6, 0.8]
    """
    nd = len(ops.shape(x))
    if ord is None or ord == "fro" or (ord == 2 and (nd == 1 or isinstance(axis, int))):
        return ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=keepdims))
    if ord == 1 and (nd == 1 or isinstance(axis, int)):
        return ops.sum(ops.abs(x), axis=axis, keepdims=keepdims)
    if ord == np.inf and (nd == 1 or isinstance(axis, int)):
        return ops.max(ops.abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(
        f"norm: ord={ord!r} with axis={axis!r} is not supported; use ord None, 1, 2 or inf"
    )


def pinv(a):
    """The pseudo-inverse of a matrix of full column rank: ``inv(aᵀ a) aᵀ``.

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> np.allclose(sla.pinv(a), np.linalg.pinv(a))
    True
    """
    at = ops.swapaxes(a, -1, -2)
    return ops.matmul(L.inv(ops.matmul(at, a)), at)


def svd(a, compute_uv=False):
    """The singular values (descending) of a matrix (or a stack of them).

    Only ``compute_uv=False`` is supported; derivatives need distinct nonzero
    singular values.

    >>> import semigrad as sg
    >>> import semigrad.numpy.linalg as sla
    >>> sla.svd(np.array([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]])).round(12).tolist()
    [3.0, 2.0]
    >>> sg.grad(lambda m: sla.svd(m)[0])(np.array([[3.0, 0.0], [0.0, 2.0]])).round(12).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    if compute_uv:
        raise ValueError(
            "svd: the singular vectors are not differentiable here; call svd(a, compute_uv=False) "
            "for the singular values, or use eigh(a.T @ a) for the right singular vectors"
        )
    return L.svdvals(a)


def qr(a):
    """``(q, r)``: the reduced QR of a square or tall full-rank matrix, ``diag(r) > 0``.

    Two primitives, ``qr_q`` and ``qr_r`` (NumPy's signs may differ column by column).

    >>> import semigrad.numpy.linalg as sla
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    >>> q, r = sla.qr(a)
    >>> np.allclose(q @ r, a), np.allclose(q.T @ q, np.eye(2)), bool(np.all(np.diag(r) > 0))
    (True, True, True)
    """
    return L.qr_q(a), L.qr_r(a)
