"""``semigrad.numpy``'s polynomial functions (NumPy's ``poly*`` family, ``roots``, ``vander``).

Coefficients are highest degree first, as NumPy's. Every function is a
composition of semigrad operations, so coefficients and points may be traced:
``polyval`` is Horner's rule, ``polymul`` a convolution, ``roots`` the
eigenvalues of the companion matrix, ``polyfit`` a least-squares solve.

>>> import semigrad as sg
>>> import semigrad.numpy as snp
>>> float(sg.grad(lambda c: snp.polyval(c, 2.0))(np.array([1.0, 0.0, -1.0]))[0])
4.0
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor
from ._base import _arr, _value
from .linalg import eigvals, lstsq
from .products import convolve


def _coefficients(name, p):
    p = _arr(p)
    if ops.ndim(p) != 1:
        raise ValueError(f"{name}: coefficients must be 1-D; got shape {ops.shape(p)}")
    return p


def _plain_or(result, *args):
    return result if any(isinstance(a, Tensor) for a in args) else _value(result)


def polyval(p, x):
    """p(x) by Horner's rule; ``p`` highest degree first (as ``np.polyval``).

    >>> import semigrad.numpy as snp
    >>> float(snp.polyval([1.0, 2.0, 3.0], 2.0))
    11.0
    """
    p = _coefficients("polyval", p)
    x = _arr(x)
    n = ops.shape(p)[0]
    if n == 0:
        return ops.multiply(x, 0.0)
    y = ops.multiply(ops.getitem(p, 0), ops.add(ops.multiply(x, 0.0), 1.0))
    for k in range(1, n):
        y = ops.add(ops.multiply(y, x), ops.getitem(p, k))
    return y


def _padded(a, n):
    m = ops.shape(a)[0]
    if m == n:
        return a
    return ops.concatenate([np.zeros(n - m, dtype=np.result_type(_value(a), float)), a])


def polyadd(a1, a2):
    """The sum of two polynomials.

    >>> import semigrad.numpy as snp
    >>> snp.polyadd([1.0, 2.0], [1.0, 0.0, 0.0]).tolist()
    [1.0, 1.0, 2.0]
    """
    a1, a2 = _coefficients("polyadd", a1), _coefficients("polyadd", a2)
    n = max(ops.shape(a1)[0], ops.shape(a2)[0])
    return ops.add(_padded(a1, n), _padded(a2, n))


def polysub(a1, a2):
    """The difference of two polynomials.

    >>> import semigrad.numpy as snp
    >>> snp.polysub([1.0, 2.0], [1.0, 0.0, 0.0]).tolist()
    [-1.0, 1.0, 2.0]
    """
    a1, a2 = _coefficients("polysub", a1), _coefficients("polysub", a2)
    n = max(ops.shape(a1)[0], ops.shape(a2)[0])
    return ops.subtract(_padded(a1, n), _padded(a2, n))


def polymul(a1, a2):
    """The product of two polynomials (a convolution of their coefficients).

    >>> import semigrad.numpy as snp
    >>> snp.polymul([1.0, 1.0], [1.0, -1.0]).tolist()
    [1.0, 0.0, -1.0]
    """
    return convolve(_coefficients("polymul", a1), _coefficients("polymul", a2))


def polyder(p, m=1):
    """The ``m``-th derivative of a polynomial.

    >>> import semigrad.numpy as snp
    >>> snp.polyder([1.0, 1.0, 1.0]).tolist()
    [2.0, 1.0]
    """
    p = _coefficients("polyder", p)
    if not isinstance(m, int) or m < 0:
        raise ValueError(f"polyder: the order m must be a non-negative integer; got {m!r}")
    for _ in range(m):
        n = ops.shape(p)[0]
        if n <= 1:
            return ops.multiply(ops.getitem(p, slice(0, 1)), 0.0)
        p = ops.multiply(ops.getitem(p, slice(0, n - 1)), np.arange(n - 1, 0, -1, dtype=float))
    return p


def polyint(p, m=1, k=None):
    """The ``m``-th antiderivative, with integration constants ``k`` (zeros by default).

    >>> import semigrad.numpy as snp
    >>> snp.polyint([3.0, 2.0]).tolist()
    [1.5, 2.0, 0.0]
    """
    p = _coefficients("polyint", p)
    if not isinstance(m, int) or m < 0:
        raise ValueError(f"polyint: the order m must be a non-negative integer; got {m!r}")
    ks = np.zeros(m) if k is None else np.atleast_1d(_value(k)) * np.ones(m)
    for j in range(m):
        n = ops.shape(p)[0]
        p = ops.concatenate([ops.divide(p, np.arange(n, 0, -1, dtype=float)),
                             np.array([ks[j]], dtype=float)])
    return p


def polydiv(u, v):
    """Quotient and remainder of polynomial division (long division, differentiable).

    >>> import semigrad.numpy as snp
    >>> q, r = snp.polydiv([1.0, 0.0, -1.0], [1.0, 1.0])
    >>> q.tolist(), r.tolist()
    ([1.0, -1.0], [0.0])
    """
    u, v = _coefficients("polydiv", u), _coefficients("polydiv", v)
    nu, nv = ops.shape(u)[0], ops.shape(v)[0]
    if nv == 0 or not np.any(_value(v)):
        raise ZeroDivisionError("polydiv: division by the zero polynomial")
    lead = ops.getitem(v, 0)
    rem = [ops.getitem(u, i) for i in range(nu)]
    quotient = []
    for k in range(max(nu - nv + 1, 0)):
        c = ops.divide(rem[k], lead)
        quotient.append(c)
        for j in range(nv):
            rem[k + j] = ops.subtract(rem[k + j], ops.multiply(c, ops.getitem(v, j)))
    q = ops.stack(quotient) if quotient else ops.multiply(ops.getitem(u, slice(0, 1)), 0.0)
    tail = rem[max(nu - nv + 1, 0):] or [ops.multiply(ops.getitem(u, 0), 0.0)]
    r = ops.stack(tail)
    # NumPy drops the leading zeros of the remainder (keeping one coefficient).
    rv = _value(r)
    nz = np.flatnonzero(np.abs(rv) > 0)
    start = int(nz[0]) if nz.size else int(np.shape(rv)[0]) - 1
    return _plain_or(q, u, v), _plain_or(ops.getitem(r, slice(start, None)), u, v)


def vander(x, N=None, increasing=False):  # noqa: N803 (NumPy's name)
    """The Vandermonde matrix: columns x**(N-1), ..., x, 1 (reversed with ``increasing``).

    >>> import semigrad.numpy as snp
    >>> snp.vander([1.0, 2.0], 3).tolist()
    [[1.0, 1.0, 1.0], [4.0, 2.0, 1.0]]
    """
    x = _arr(x)
    if ops.ndim(x) != 1:
        raise ValueError(f"vander: x must be 1-D; got shape {ops.shape(x)}")
    n = ops.shape(x)[0] if N is None else int(N)
    powers = range(n) if increasing else range(n - 1, -1, -1)
    if n == 0:
        return np.zeros((ops.shape(x)[0], 0))
    columns = [ops.power(x, float(k)) if k else ops.add(ops.multiply(x, 0.0), 1.0)
               for k in powers]
    return ops.stack(columns, axis=1)


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given roots (or a matrix's eigenvalues).

    >>> import semigrad.numpy as snp
    >>> snp.poly([1.0, -1.0]).tolist()
    [1.0, 0.0, -1.0]
    """
    z = _arr(seq_of_zeros)
    if ops.ndim(z) == 2 and ops.shape(z)[0] == ops.shape(z)[1] and ops.shape(z)[0] > 0:
        z = eigvals(z)
    if ops.ndim(z) != 1:
        raise ValueError(f"poly: expected a 1-D sequence of roots or a square matrix; got "
                         f"shape {ops.shape(z)}")
    c = np.ones(1)
    for i in range(ops.shape(z)[0]):
        c = convolve(c, ops.stack([ops.add(ops.multiply(ops.getitem(z, i), 0.0), 1.0),
                                   ops.negative(ops.getitem(z, i))]))
    return c


def roots(p):
    """The roots of a polynomial: the eigenvalues of its companion matrix (as ``np.roots``).

    >>> import semigrad.numpy as snp
    >>> sorted(snp.roots([1.0, -3.0, 2.0]).real.round(12).tolist())
    [1.0, 2.0]
    """
    p = _coefficients("roots", p)
    pv = _value(p)
    nz = np.flatnonzero(pv)
    if nz.size == 0:
        return np.array([])
    trailing = pv.size - 1 - int(nz[-1])
    p = ops.getitem(p, slice(int(nz[0]), pv.size - trailing))
    n = ops.shape(p)[0] - 1
    if n < 1:
        return np.zeros(trailing)
    lead = ops.getitem(p, 0)
    top = ops.negative(ops.divide(ops.getitem(p, slice(1, None)), lead))
    below = np.eye(n - 1, n) if n > 1 else np.zeros((0, 1))
    companion = ops.concatenate([ops.reshape(top, (1, n)), below], axis=0)
    r = eigvals(companion)
    if trailing:
        r = ops.concatenate([r, np.zeros(trailing, dtype=np.result_type(_value(r), float))])
    return r


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree ``deg`` (coefficients highest first).

    ``full``, ``w`` and ``cov`` are NumPy's; here ``full`` and ``cov`` are refused
    (they return diagnostics of the solver) and ``w`` weights the residuals.

    >>> import semigrad.numpy as snp
    >>> snp.polyfit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], 1).round(12).tolist()
    [2.0, 1.0]
    """
    if full or cov:
        raise TypeError("polyfit: full= and cov= are not supported; fit, then compute the "
                        "residuals with polyval")
    x, y = _arr(x), _arr(y)
    a = vander(x, int(deg) + 1)
    if w is not None:
        a = ops.multiply(a, ops.reshape(_arr(w), (-1, 1)))
        y = ops.multiply(y, _arr(w))
    return lstsq(a, y, rcond=rcond)[0]
