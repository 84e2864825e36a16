"""``semigrad.scipy.linalg``: SciPy's ``linalg`` names, signatures and defaults, differentiable.

Five primitives are declared here, as the library declares its own (``Dense``
primitives whose rules are written with semigrad operations, so reverse and
forward mode work to any order and accept batches of seeds):

* ``solve_triangular`` reads only one triangle of ``a`` (not its diagonal
  with ``unit_diagonal``), so its derivative with respect to ``a`` lives on
  exactly that triangle. With M = op(tri(a)) and x = M⁻¹ b: b̄ = M⁻ᵀ ḡ (one
  more triangular solve), M̄ = −b̄ xᵀ, folded back through op and the mask.
* ``lu_factor``'s ``lu`` (SciPy's pivots are computed once and kept as a
  parameter, not differentiated): with PA = LU and F = L⁻¹ P dA U⁻¹,
  d(lu) = L·tril(F, −1) + triu(F)·U; the reverse rule is its transpose.
* ``expm``: the Fréchet derivative L(A, E) is the upper-right block of
  expm([[A, E], [0, A]]); the reverse rule is L(Aᵀ, Ḡ). Both call ``expm``.
* ``solve_sylvester`` (A X + X B = Q): dX = sylv(A, B, dQ − dA X − X dB);
  reverse: Ḡ = sylv(Aᵀ, Bᵀ, ḡ), Q̄ = Ḡ, Ā = −Ḡ Xᵀ, B̄ = −Xᵀ Ḡ.
* ``sqrtm``: X X = A, so dX = sylv(X, X, dA) and Ā = sylv(Xᵀ, Xᵀ, ḡ).

``cho_factor``, ``cho_solve``, ``lu_solve``, ``block_diag`` and SciPy's
versions of ``solve``, ``inv``, ``cholesky``, ``eigh`` ... are compositions of
these and of :mod:`semigrad.numpy.linalg`'s primitives (whose sign conventions
they share: see there). Complex values follow JAX's convention, as everywhere
in semigrad. SciPy computes the values; it is imported the first time one is.

>>> import numpy as np
>>> import semigrad as sg
>>> from semigrad.scipy import linalg
>>> a = np.array([[2.0, 0.0], [1.0, 4.0]])
>>> linalg.solve_triangular(a, np.array([2.0, 9.0]), lower=True).tolist()
[1.0, 2.0]
>>> sg.grad(lambda m: linalg.expm(m)[0, 0])(np.zeros((2, 2))).tolist()
[[1.0, 0.0], [0.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..numpy import linalg as _nla
from ..numpy import pad as _pad
from ..primitives import complex as _C
from ..primitives import linalg as _L
from ..primitives.base import Dense, align, from_list, like_dtype, shape_of, unbroadcast
from ..tensor import Tensor
from ._scipy import scipy_module

__all__ = [
    "block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eig", "eigh", "eigvals",
    "eigvalsh", "expm", "inv", "lstsq", "lu_factor", "lu_solve", "norm", "pinv", "qr", "solve",
    "solve_sylvester", "solve_triangular", "sqrtm", "svd", "svdvals",
]

LinAlgError = np.linalg.LinAlgError


def _sl():
    return scipy_module("linalg")


def _mT(x):
    return ops.swapaxes(x, -1, -2)


_mm = ops.matmul
_mH = _L.conj_transpose
_trailing_reshape = _L._trailing_reshape


def _value(x):
    return np.asarray(getattr(x, "value", x))


def _cplx(*xs) -> bool:
    return any(_C.is_complex(x) for x in xs)


def _array(x):
    """``x`` as a Tensor or a floating NumPy array (lists, integers and booleans converted)."""
    x = x if isinstance(x, Tensor) else from_list(x)
    return _nla._floating(x)


def _finite(name, check_finite, **arrays):
    """SciPy's ``check_finite``: refuse infinities and NaNs, naming the argument."""
    if not check_finite:
        return
    for arg, x in arrays.items():
        if not np.all(np.isfinite(_value(x))):
            raise ValueError(f"{name}: {arg} must not contain infs or NaNs (SciPy's "
                             "check_finite=True); pass check_finite=False to skip the check")


def _square(name, arg, x) -> int:
    shape = ops.shape(x)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{name}: {arg} must be a square matrix or a stack of them "
                         f"(shape (..., n, n)); got shape {shape}")
    return shape[-1]


def _system(name, a, b, arg_a="a", arg_b="b") -> bool:
    """Check that ``b`` is a right-hand side for the square ``a``; whether it is a vector.

    As SciPy (and NumPy ≥ 2): a 1-D ``b`` is one vector; otherwise its last two
    axes are a matrix and the axes before them a stack broadcasting against ``a``'s.
    """
    n = _square(name, arg_a, a)
    sa, sb = ops.shape(a), ops.shape(b)
    vector = len(sb) == 1
    if not sb or (sb[0] if vector else sb[-2]) != n:
        raise ValueError(f"{name}: {arg_b} of shape {sb} does not fit {arg_a} of shape {sa}: "
                         f"it needs {n} rows (shape ({n},) or (..., {n}, k))")
    if not vector:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise ValueError(f"{name}: the stacks of {arg_a} (shape {sa}) and {arg_b} (shape "
                             f"{sb}) do not broadcast") from None
    return vector


def _as_column(r, n, vector):
    return _trailing_reshape(r, (n, 1), (n,)) if vector else r


def _from_column(r, n, vector):
    return _trailing_reshape(r, (n,), (n, 1)) if vector else r


def _op(m, trans):
    """op(M) of a triangular solve: M (trans 0), Mᵀ (1) or Mᴴ (2). It is its own transpose
    for the pairing Re(u·v), so it also maps a cotangent of op(M) back to one of M."""
    return m if trans == 0 else _mT(m) if trans == 1 else _mH(m)


def _triangle_mask(n, lower, unit_diagonal):
    """The entries a triangular solve reads: one triangle, without the diagonal if unit."""
    k = -1 if unit_diagonal else 0
    return np.tril(np.ones((n, n)), k) if lower else np.triu(np.ones((n, n)), -k)


# --------------------------------------------------------------------------
# solve_triangular


def _solve_triangular_impl(a, b, trans, lower, unit_diagonal):
    return _sl().solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal,
                                  check_finite=False)


def _st(a, r, vector, **params):
    """op(tri(a))⁻¹ r for a right-hand side with leading batch axes (a vector's trailing axis
    is solved as a column, so the batch is not mistaken for a matrix)."""
    n = shape_of(a)[-1]
    return _from_column(_solve_triangular(a, _as_column(r, n, vector), **params), n, vector)


def _solve_triangular_vjp_many(wanted, g, xs, out, trans, lower, unit_diagonal):
    """Both cotangents from one b̄ = M⁻ᵀ ḡ (M = op(tri(a)); Mᵀ flips ``trans``)."""
    a, b = xs
    vector = len(shape_of(b)) == 1
    n = shape_of(a)[-1]
    if trans == 2 and _cplx(a):  # Mᵀ = conj(T): M⁻ᵀ ḡ = conj(T⁻¹ conj(ḡ))
        gb = _C.conj(_st(a, _C.conj(g), vector, trans=0, lower=lower,
                         unit_diagonal=unit_diagonal))
    else:  # for real values Tᴴ = Tᵀ, so trans 2 flips to 0 as trans 1 does
        gb = _st(a, g, vector, trans=1 if trans == 0 else 0, lower=lower,
                 unit_diagonal=unit_diagonal)
    result = []
    for i in wanted:
        if i == 1:
            result.append(unbroadcast(gb, b, out))
            continue
        nout = len(shape_of(out))
        if vector:  # M̄ = −b̄ xᵀ, an outer product per batch element
            mbar = -(_as_column(gb, n, True) * _trailing_reshape(out, (1, n), (n,)))
            nout += 1
        else:
            mbar = -_mm(gb, _mT(out))
        result.append(unbroadcast(_op(mbar, trans) * _triangle_mask(n, lower, unit_diagonal),
                                  a, nout))
    return result


def _solve_triangular_jvp(ts, xs, out, trans, lower, unit_diagonal):
    a, b = xs
    ta, tb = ts
    vector = len(shape_of(b)) == 1
    n = shape_of(a)[-1]
    na, nout = len(shape_of(a)), len(shape_of(out))
    rhs = None
    if ta is not None:  # −op(tri(t_a)) x
        dm = _op(ta * _triangle_mask(n, lower, unit_diagonal), trans)
        if vector:
            dx = _mm(align(dm, na, nout + 1), _as_column(out, n, True))
            rhs = -_from_column(dx, n, True)
        else:
            rhs = -_mm(align(dm, na, nout), out)
    if tb is not None:
        tb = align(tb, len(shape_of(b)), nout)
        rhs = tb if rhs is None else rhs + tb
    return _st(a, rhs, vector, trans=trans, lower=lower, unit_diagonal=unit_diagonal)


def _sympy_solve_triangular(sp, a, b, trans, lower, unit_diagonal):
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    n = a.shape[-1]
    mask = _triangle_mask(n, lower, unit_diagonal)
    vector = b.ndim == 1
    stack = np.broadcast_shapes(a.shape[:-2], () if vector else b.shape[:-2])
    a = np.broadcast_to(a, (*stack, n, n))
    b = b if vector else np.broadcast_to(b, (*stack, *b.shape[-2:]))
    out = np.empty((*stack, *b.shape[-1 if vector else -2:]), dtype=object)
    for k in np.ndindex(stack):
        bk = b if vector else b[k]
        t = sp.Matrix(np.where(mask, a[k], 0) + (np.eye(n, dtype=int) if unit_diagonal else 0))
        m = t if trans == 0 else t.T if trans == 1 else t.H
        out[k] = np.array(m.LUsolve(sp.Matrix(bk)), dtype=object).reshape(bk.shape)
    return out


_solve_triangular = Dense(
    "solve_triangular",
    _solve_triangular_impl,
    None,
    _solve_triangular_jvp,
    vjp_many_rule=_solve_triangular_vjp_many,
    doc="x = op(T)⁻¹ b with T the lower or upper triangle of a (unit diagonal if asked) and "
        "op ∈ (T, Tᵀ, Tᴴ) for trans 0, 1, 2. Only T's entries carry a derivative. "
        "JVP op(T)⁻¹ (t_b − op(tri(t_a)) x); VJP b̄ = op(T)⁻ᵀ ḡ, ā = op(−b̄ xᵀ) on T's entries.",
    sympy=_sympy_solve_triangular,
)


# --------------------------------------------------------------------------
# lu_factor's lu


def _permute_rows(x, perm):
    """``x[..., perm, :]`` per matrix of the stack ``perm`` (…, n) belongs to (P x for the
    permutation matrix P with rows e_perm[i]); leading batch axes of ``x`` untouched."""
    perm = np.asarray(perm)
    if perm.ndim == 1:
        return ops.getitem(x, (Ellipsis, perm, slice(None)))
    grids = [g[..., None] for g in np.indices(perm.shape[:-1], sparse=True)]
    return ops.getitem(x, (Ellipsis, *grids, perm, slice(None)))


def _lu_impl(a, perm):
    """LU without pivoting of the row-permuted ``a`` (Doolittle; works on SymPy objects too).

    ``lu_factor`` records SciPy's value and calls this only to replay a graph.
    """
    pa = np.take_along_axis(np.asarray(a), np.asarray(perm)[..., None], axis=-2)
    lu = pa.copy() if pa.dtype == object else pa.astype(np.result_type(pa, np.float64))
    n = lu.shape[-1]
    for k in range(n - 1):
        lu[..., k + 1:, k] = lu[..., k + 1:, k] / lu[..., k:k + 1, k]
        lu[..., k + 1:, k + 1:] -= lu[..., k + 1:, k:k + 1] * lu[..., k:k + 1, k + 1:]
    return lu


def _lu_triangles(lu):
    """L (unit lower) and U (upper) of a packed ``lu``, and the masks of the two parts."""
    n = shape_of(lu)[-1]
    strict, upper = np.tril(np.ones((n, n)), -1), np.triu(np.ones((n, n)))
    return lu * strict + np.eye(n), lu * upper, strict, upper


_UNIT_LOWER = {"lower": True, "unit_diagonal": True}
_UPPER = {"lower": False, "unit_diagonal": False}


def _lu_jvp(ts, xs, out, perm):
    low, up, strict, upper = _lu_triangles(out)
    y = _solve_triangular(out, _permute_rows(ts[0], perm), trans=0, **_UNIT_LOWER)  # L⁻¹ P t
    f = _mT(_solve_triangular(out, _mT(y), trans=1, **_UPPER))  # L⁻¹ P t U⁻¹
    return _mm(low, f * strict) + _mm(f * upper, up)


def _lu_vjp(i, g, xs, out, perm):
    low, up, strict, upper = _lu_triangles(out)
    fbar = _mm(_mT(low), g) * strict + _mm(g, _mT(up)) * upper
    y = _solve_triangular(out, fbar, trans=1, **_UNIT_LOWER)  # L⁻ᵀ F̄
    z = _mT(_solve_triangular(out, _mT(y), trans=0, **_UPPER))  # L⁻ᵀ F̄ U⁻ᵀ
    return _permute_rows(z, np.argsort(np.asarray(perm), axis=-1))  # Pᵀ z


class _PivotedLU(Dense):
    """The LU primitive: its row permutation is a parameter chosen from the values."""

    def batch(self, xs, batched, size, params):
        raise TypeError(
            "lu_factor under sg.vmap: its pivots are chosen from each matrix's values, and a "
            "traced function is replayed with the first example's; factor the matrices in a "
            "Python loop, or solve with semigrad.numpy.linalg.solve, which maps"
        )


_lu = _PivotedLU(
    "lu_factor",
    _lu_impl,
    _lu_vjp,
    _lu_jvp,
    doc="The packed LU factors of P a (unit lower L below the diagonal, U on and above it) "
        "for the row permutation ``perm`` (SciPy's pivots, a parameter, not differentiated). "
        "With F = L⁻¹ P t U⁻¹: JVP L·tril(F, −1) + triu(F)·U; VJP Pᵀ L⁻ᵀ (tril(Lᵀ ḡ, −1) + "
        "triu(ḡ Uᵀ)) U⁻ᵀ.",
)


def _permutation(piv):
    """The row order ``perm`` with (P a)[i] = a[perm[i]] from LAPACK's pivots (row i was
    interchanged with row piv[i], for i = 0, 1, …, in turn)."""
    piv = np.asarray(piv)
    n = piv.shape[-1]
    perm = np.array(np.broadcast_to(np.arange(n), piv.shape))
    for i in range(n):
        j = piv[..., i : i + 1]
        pi = perm[..., i : i + 1].copy()
        perm[..., i : i + 1] = np.take_along_axis(perm, j, axis=-1)
        np.put_along_axis(perm, j, pi, axis=-1)
    return perm


def _nested_tuple(a):
    return tuple(_nested_tuple(r) for r in a) if np.ndim(a) > 1 else tuple(int(v) for v in a)


# --------------------------------------------------------------------------
# expm


def _expm_frechet(a, e):
    """L(A, E), the derivative of expm at A along E: the upper-right block of
    expm([[A, E], [0, A]]). ``e`` may carry leading batch axes (``a`` is broadcast)."""
    n = shape_of(a)[-1]
    shape = shape_of(e)
    if shape_of(a) != shape:
        a = ops.broadcast_to(a, shape)
    zero = np.zeros(shape, dtype=np.result_type(_value(a).dtype, _value(e).dtype))
    block = ops.concatenate([ops.concatenate([a, e], axis=-1),
                             ops.concatenate([zero, a], axis=-1)], axis=-2)
    return ops.getitem(_expm(block), (Ellipsis, slice(None, n), slice(n, None)))


_expm = Dense(
    "expm",
    lambda a: _sl().expm(a),
    lambda i, g, xs, out: _expm_frechet(_mT(xs[0]), g),
    lambda ts, xs, out: _expm_frechet(xs[0], ts[0]),
    doc="The matrix exponential (last two axes; SciPy's Padé approximation). JVP L(A, t), the "
        "upper-right block of expm([[A, t], [0, A]]); VJP L(Aᵀ, ḡ).",
)


# --------------------------------------------------------------------------
# solve_sylvester


def _sylvester_vjp_many(wanted, g, xs, out):
    """Every cotangent from one Ḡ = sylv(Aᵀ, Bᵀ, ḡ)."""
    a, b, q = xs
    gq = _sylvester(_mT(a), _mT(b), g)
    parts = {0: lambda: -_mm(gq, _mT(out)), 1: lambda: -_mm(_mT(out), gq), 2: lambda: gq}
    return [unbroadcast(parts[i](), xs[i], out) for i in wanted]


def _sylvester_jvp(ts, xs, out):
    a, b, q = xs
    ta, tb, tq = ts
    nout = len(shape_of(out))
    rhs = None
    for t, x, term in ((tq, q, lambda t: t), (ta, a, lambda t: -_mm(t, out)),
                       (tb, b, lambda t: -_mm(out, t))):
        if t is not None:
            d = term(align(t, len(shape_of(x)), nout))
            rhs = d if rhs is None else rhs + d
    return _sylvester(a, b, rhs)


def _sympy_sylvester(sp, a, b, q):
    m, n = np.shape(q)
    k = sp.zeros(m * n, m * n)  # row-major vec(X): (A X)_ij = Σ A_il X_lj, (X B)_ij = Σ X_il B_lj
    for i in range(m):
        for j in range(n):
            for ll in range(m):
                k[i * n + j, ll * n + j] += a[i, ll]
            for ll in range(n):
                k[i * n + j, i * n + ll] += b[ll, j]
    x = k.LUsolve(sp.Matrix(m * n, 1, list(np.ravel(q))))
    return np.array(x, dtype=object).reshape(m, n)


_sylvester = Dense(
    "solve_sylvester",
    lambda a, b, q: _sl().solve_sylvester(a, b, q),
    None,
    _sylvester_jvp,
    vjp_many_rule=_sylvester_vjp_many,
    doc="X with A X + X B = Q (Bartels–Stewart, by SciPy). JVP sylv(A, B, t_Q − t_A X − X t_B); "
        "VJP Ḡ = sylv(Aᵀ, Bᵀ, ḡ), Q̄ = Ḡ, Ā = −Ḡ Xᵀ, B̄ = −Xᵀ Ḡ. Needs A and −B to share "
        "no eigenvalue.",
    sympy=_sympy_sylvester,
)


# --------------------------------------------------------------------------
# sqrtm


_sqrtm = Dense(
    "sqrtm",
    lambda a: _sl().sqrtm(a),
    # a real A with a complex root: its cotangent is the real part (like_dtype)
    lambda i, g, xs, out: like_dtype(_sylvester(_mT(out), _mT(out), g), xs[0]),
    lambda ts, xs, out: _sylvester(out, out, ts[0]),
    doc="The principal matrix square root X (X X = A; SciPy's value, complex when a real A "
        "has no real principal root). JVP sylv(X, X, t); VJP sylv(Xᵀ, Xᵀ, ḡ). Needs X and −X "
        "to share no eigenvalue (A nonsingular).",
)


# --------------------------------------------------------------------------
# Triangular systems, Cholesky and LU


_TRANS = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """Solve ``op(a) x = b`` reading one triangle of ``a`` (SciPy's signature; stacks too).

    ``trans`` 0/'N' (a x = b), 1/'T' (aᵀ x = b), 2/'C' (aᴴ x = b); ``lower``
    picks the triangle read, ``unit_diagonal`` takes its diagonal as ones
    (unread). The derivative with respect to ``a`` is zero outside the entries
    read. ``overwrite_b`` is accepted and ignored (values are never written in place).

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> a = np.array([[2.0, 7.0], [1.0, 4.0]])   # the 7 is not read
    >>> linalg.solve_triangular(a, np.array([2.0, 9.0]), lower=True).tolist()
    [1.0, 2.0]
    >>> sg.grad(lambda m: linalg.solve_triangular(m, np.array([2.0, 9.0]), lower=True)[1])(a)
    array([[ 0.125,  0.   ],
           [-0.25 , -0.5  ]])
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C'; "
                         f"got {trans!r}")
    a, b = _array(a), _array(b)
    _system("solve_triangular", a, b)
    _finite("solve_triangular", check_finite, a=a, b=b)
    return _solve_triangular(a, b, trans=_TRANS[trans], lower=bool(lower),
                             unit_diagonal=bool(unit_diagonal))


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of a Hermitian positive-definite matrix: upper by default (SciPy's).

    ``lower=False`` gives U with a = Uᴴ U, reading the upper triangle of
    ``a``; ``lower=True`` gives L with a = L Lᴴ, reading the lower one. The
    other triangle of the result is zero.

    >>> from semigrad.scipy import linalg
    >>> linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 1.0], [0.0, 2.0]]
    """
    a = _array(a)
    _square("cholesky", "a", a)
    _finite("cholesky", check_finite, a=a)
    return _nla.cholesky(a, upper=not lower)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)``: the Cholesky factor for :func:`cho_solve`, differentiable in ``a``.

    ``c`` is :func:`cholesky`'s factor, from the triangle of ``a`` that
    ``lower`` names, with zeros in the other triangle (as JAX; SciPy leaves
    whatever was there, which no solve reads).

    >>> from semigrad.scipy import linalg
    >>> c, low = linalg.cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> c.tolist(), low
    ([[2.0, 1.0], [0.0, 2.0]], False)
    """
    return cholesky(a, lower=lower, check_finite=check_finite), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` from ``cho_factor(a)``: two triangular solves, differentiable in c and b.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> linalg.cho_solve(linalg.cho_factor(a), np.array([6.0, 7.0])).tolist()
    [1.0, 1.0]
    >>> c = linalg.cho_factor(a)
    >>> np.allclose(sg.grad(lambda v: linalg.cho_solve(c, v)[0])(np.ones(2)), np.linalg.inv(a)[0])
    True
    """
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        raise TypeError("cho_solve: c_and_lower must be the pair (c, lower) that cho_factor "
                        "returns") from None
    c, b = _array(c), _array(b)
    _system("cho_solve", c, b, "c", "b")
    _finite("cho_solve", check_finite, c=c, b=b)
    if lower:  # a = L Lᴴ
        y = _solve_triangular(c, b, trans=0, lower=True, unit_diagonal=False)
        return _solve_triangular(c, y, trans=2, lower=True, unit_diagonal=False)
    y = _solve_triangular(c, b, trans=2, lower=False, unit_diagonal=False)  # a = Uᴴ U
    return _solve_triangular(c, y, trans=0, lower=False, unit_diagonal=False)


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)``: SciPy's pivoted LU of a square matrix (or a stack), ``lu`` differentiable.

    ``lu`` packs L (unit lower, below the diagonal) and U; ``piv`` are
    LAPACK's pivots (row i was interchanged with row piv[i]), plain integers.
    Where the pivots do not change (almost everywhere), ``lu`` is a smooth
    function of ``a``: with P a = L U and F = L⁻¹ P da U⁻¹,
    d(lu) = L·tril(F, −1) + triu(F)·U.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> lu, piv = linalg.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lu.round(12).tolist(), piv.tolist()
    ([[3.0, 4.0], [0.333333333333, 0.666666666667]], [1, 1])
    >>> # rows swapped: lu[1, 1] = a01 − a00·a11/a10
    >>> sg.grad(lambda m: linalg.lu_factor(m)[0][1, 1])(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[-1.33333333,  1.        ],
           [ 0.44444444, -0.33333333]])
    """
    a = _array(a)
    _square("lu_factor", "a", a)
    _finite("lu_factor", check_finite, a=a)
    lu, piv = _sl().lu_factor(_value(a), check_finite=False)
    if isinstance(a, Tensor):
        lu = _lu._apply((a,), {"perm": _nested_tuple(_permutation(piv))}, value=lu)
    return lu, piv


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` (``trans`` 1: aᵀ x = b, 2: aᴴ x = b) from ``lu_factor(a)``.

    A row permutation and two triangular solves, differentiable in ``lu`` and ``b``.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> linalg.lu_solve(linalg.lu_factor(a), np.array([5.0, 11.0])).round(12).tolist()
    [1.0, 2.0]
    >>> sg.grad(lambda m: linalg.lu_solve(linalg.lu_factor(m), np.array([5.0, 11.0]))[0])(a)
    array([[ 2.,  4.],
           [-1., -2.]])
    """
    try:
        lu, piv = lu_and_piv
    except (TypeError, ValueError):
        raise TypeError("lu_solve: lu_and_piv must be the pair (lu, piv) that lu_factor "
                        "returns") from None
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2; got {trans!r}")
    lu, b = _array(lu), _array(b)
    vector = _system("lu_solve", lu, b, "lu", "b")
    n = ops.shape(lu)[-1]
    piv = np.asarray(_value(piv))
    if piv.shape != ops.shape(lu)[:-1]:
        raise ValueError(f"lu_solve: piv of shape {piv.shape} does not fit lu of shape "
                         f"{ops.shape(lu)}: it needs shape {ops.shape(lu)[:-1]}")
    _finite("lu_solve", check_finite, lu=lu, b=b)
    perm = _permutation(piv)
    b = _as_column(b, n, vector)
    stack = np.broadcast_shapes(ops.shape(lu)[:-2], ops.shape(b)[:-2])
    if ops.shape(b)[:-2] != stack:
        b = ops.broadcast_to(b, (*stack, *ops.shape(b)[-2:]))
    if trans == 0:  # L U x = P b
        y = _solve_triangular(lu, _permute_rows(b, perm), trans=0, **_UNIT_LOWER)
        x = _solve_triangular(lu, y, trans=0, **_UPPER)
    else:  # op(U) op(L) (P x) = b
        y = _solve_triangular(lu, b, trans=trans, **_UPPER)
        x = _permute_rows(_solve_triangular(lu, y, trans=trans, **_UNIT_LOWER),
                          np.argsort(perm, axis=-1))
    return _from_column(x, n, vector)


# --------------------------------------------------------------------------
# Matrix functions


def expm(A):  # noqa: N803 (SciPy's name)
    """The matrix exponential (SciPy's signature; stacks too), differentiable to any order.

    Its derivative along E is the Fréchet derivative L(A, E), the upper-right
    block of ``expm([[A, E], [0, A]])``; the gradient is L(Aᵀ, Ḡ).

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> linalg.expm(np.array([[0.0, 1.0], [0.0, 0.0]])).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    >>> a = np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> sg.grad(lambda m: sg.einsum("ii->", linalg.expm(m)))(a).tolist()   # expm(a)ᵀ
    [[1.0, 0.0], [1.0, 1.0]]
    """
    A = _array(A)
    _square("expm", "A", A)
    return _expm(A)


def sqrtm(A):  # noqa: N803 (SciPy's name)
    """The principal square root X (X @ X = A; SciPy's value and signature, stacks too).

    A real matrix with a real principal root gives a real X; one with a
    negative real eigenvalue gives SciPy's complex root, differentiated with
    semigrad's complex convention (a real ``A``'s gradient is then the real
    part). Derivatives solve Sylvester equations (dX = sylv(X, X, dA)), so A
    must be nonsingular. SciPy's deprecated ``disp`` and ``blocksize`` are not
    taken.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> linalg.sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]])).tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    >>> sg.grad(lambda a: linalg.sqrtm(a)[1, 1])(np.array([[4.0, 0.0], [0.0, 9.0]])).round(12)
    array([[0.        , 0.        ],
           [0.        , 0.16666667]])
    """
    A = _array(A)
    _square("sqrtm", "A", A)
    return _sqrtm(A)


def solve_sylvester(a, b, q):
    """X with ``a @ X + X @ b = q`` (SciPy's signature; stacks too), differentiable in a, b, q.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> a, b = np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[3.0]])
    >>> linalg.solve_sylvester(a, b, np.array([[4.0], [10.0]])).tolist()
    [[1.0], [2.0]]
    >>> q = np.array([[4.0], [10.0]])
    >>> sg.grad(lambda b: linalg.solve_sylvester(a, b, q)[0, 0])(b).tolist()   # x = 4/(1 + b)
    [[-0.25]]
    """
    a, b, q = _array(a), _array(b), _array(q)
    m, n = _square("solve_sylvester", "a", a), _square("solve_sylvester", "b", b)
    sq = ops.shape(q)
    if len(sq) < 2 or sq[-2:] != (m, n):
        raise ValueError(f"solve_sylvester: q of shape {sq} does not fit a of shape "
                         f"{ops.shape(a)} and b of shape {ops.shape(b)}: it needs shape "
                         f"(..., {m}, {n})")
    return _sylvester(a, b, q)


def block_diag(*arrs):
    """The block-diagonal matrix of the arguments (SciPy's rules: 0-d and 1-d become rows).

    ``[]`` and other empty 1-d inputs count as 1×0 blocks (an empty row), as
    SciPy; no argument gives a 1×0 array. Each block is padded with zeros (one
    gather) and the rows are joined, so the derivative routes each element back.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> linalg.block_diag(1.0, [2.0, 3.0], [[4.0], [5.0]]).tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0], [0.0, 0.0, 0.0, 5.0]]
    >>> sg.grad(lambda x: sg.sum(linalg.block_diag(x, x) ** 2))(np.ones((1, 2))).tolist()
    [[4.0, 4.0]]
    """
    if not arrs:
        return np.empty((1, 0))
    arrs = [a if isinstance(a, Tensor) else from_list(a) for a in arrs]
    bad = [k for k, a in enumerate(arrs) if len(ops.shape(a)) > 2]
    if bad:
        shapes = [ops.shape(arrs[k]) for k in bad]
        raise ValueError(f"block_diag: arguments in positions {bad} (shapes {shapes}) have "
                         "more than 2 dimensions; pass matrices, vectors or numbers")
    dtype = np.result_type(*[_value(a).dtype for a in arrs])
    blocks = []
    for a in arrs:
        s = ops.shape(a)
        a = ops.reshape(a, (1, 1) if not s else (1, s[0]) if len(s) == 1 else s)
        blocks.append(a if _value(a).dtype == dtype else ops.astype(a, dtype))
    total = sum(ops.shape(a)[1] for a in blocks)
    rows, col = [], 0
    for a in blocks:
        width = ops.shape(a)[1]
        rows.append(_pad(a, ((0, 0), (col, total - col - width))))
        col += width
    return ops.concatenate(rows, axis=0)


# --------------------------------------------------------------------------
# SciPy's versions of semigrad.numpy.linalg's functions


def _from_triangle(a, lower, hermitian):
    """The symmetric (Hermitian) matrix SciPy reads from one triangle of ``a``.

    A Hermitian matrix's diagonal is taken real, as LAPACK does.
    """
    n = ops.shape(a)[-1]
    low = a if lower else (_mH(a) if hermitian else _mT(a))
    strict = low * np.tril(np.ones((n, n)), -1)
    if hermitian and _cplx(a):
        return strict + _mH(strict) + _C.real(low) * np.eye(n)
    return strict + _mT(strict) + low * np.eye(n)


_SOLVE_STRUCTURES = {
    None: "gen", "gen": "gen", "general": "gen", "banded": "gen",
    "sym": "sym", "symmetric": "sym", "her": "her", "hermitian": "her",
    "pos": "pos", "positive definite": "pos", "diagonal": "diagonal",
    "tridiagonal": "tridiagonal", "upper triangular": "upper", "lower triangular": "lower",
}
_INV_STRUCTURES = ("gen", "general", "sym", "her", "pos", "diagonal", "upper triangular",
                   "lower triangular")


def _structure(name, assume_a, known):
    if assume_a not in known:
        names = ", ".join(repr(k) for k in known if k is not None)
        raise ValueError(f"{name}: assume_a={assume_a!r} is not a recognized matrix structure; "
                         f"use None or one of {names}")
    return _SOLVE_STRUCTURES[assume_a]


def _pos_factor(a, lower):
    """The lower Cholesky factor of the Hermitian matrix read from ``a``'s ``lower`` triangle."""
    return _L.cholesky(a if lower else _mH(a))


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """Solve ``a @ x = b`` (SciPy's signature and defaults; ``transposed``: ``a.T @ x = b``).

    ``assume_a`` says which entries are read, and so which carry a derivative:
    None (SciPy detects the structure from the values, so every entry counts),
    'gen' and 'banded' read all of ``a``; 'sym', 'her' and 'pos' one triangle
    (the upper unless ``lower``), building the symmetric or Hermitian matrix
    from it ('pos' through a Cholesky factor, which fails for a matrix that is
    not positive definite, as SciPy); 'diagonal', 'tridiagonal', 'upper
    triangular' and 'lower triangular' only those entries. ``b`` is a vector
    when 1-D, else a matrix (or a stack of them).

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> a = np.array([[4.0, 100.0], [1.0, 3.0]])
    >>> linalg.solve(a, np.array([5.0, 4.0]), assume_a="sym", lower=True).tolist()   # 100 unread
    [1.0, 1.0]
    >>> g = sg.grad(lambda m: linalg.solve(m, [5.0, 4.0], assume_a="sym", lower=True)[0])(a)
    >>> (g.round(6) + 0.0).tolist()   # a[0, 1] unread; a[1, 0] stands for both off-diagonals
    [[-0.272727, 0.0], [-0.181818, 0.090909]]
    """
    kind = _structure("solve", assume_a, _SOLVE_STRUCTURES)
    a, b = _array(a), _array(b)
    _system("solve", a, b)
    _finite("solve", check_finite, a=a, b=b)
    if transposed and _cplx(a):
        raise NotImplementedError("solve: transposed=True is not supported for complex a "
                                  "(as SciPy); pass the transpose of a instead")
    n = ops.shape(a)[-1]
    if kind in ("upper", "lower"):
        return _solve_triangular(a, b, trans=int(bool(transposed)), lower=kind == "lower",
                                 unit_diagonal=False)
    if kind == "pos":
        return cho_solve((_pos_factor(a, lower), True), b, check_finite=False)
    if kind in ("sym", "her"):
        a = _from_triangle(a, lower, kind == "her")  # symmetric: transposed changes nothing
    else:
        if kind == "diagonal":
            a = a * np.eye(n)
        elif kind == "tridiagonal":
            a = a * np.tri(n, n, 1) * np.tri(n, n, 1).T
        if transposed:
            a = _mT(a)
    return _L.solve(a, b)


def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    """The inverse of a square matrix (or a stack); ``assume_a`` as :func:`solve`'s.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> linalg.inv(np.array([[2.0, 5.0], [0.0, 4.0]]), assume_a="lower triangular").tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    kind = _structure("inv", assume_a, (None, *_INV_STRUCTURES))
    a = _array(a)
    n = _square("inv", "a", a)
    _finite("inv", check_finite, a=a)
    if kind in ("upper", "lower", "pos"):
        eye = np.broadcast_to(np.eye(n, dtype=_value(a).dtype), ops.shape(a))
        if kind == "pos":
            return cho_solve((_pos_factor(a, lower), True), eye, check_finite=False)
        return _solve_triangular(a, eye, trans=0, lower=kind == "lower", unit_diagonal=False)
    if kind in ("sym", "her"):
        a = _from_triangle(a, lower, kind == "her")
    elif kind == "diagonal":
        a = a * np.eye(n)
    return _L.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    """The determinant of a square matrix (or a stack).

    >>> from semigrad.scipy import linalg
    >>> round(float(linalg.det(np.array([[1.0, 2.0], [3.0, 4.0]]))), 12)
    -2.0
    """
    a = _array(a)
    _square("det", "a", a)
    _finite("det", check_finite, a=a)
    return _L.det(a)


def pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    """The pseudo-inverse with SciPy's cutoff: singular values ≤ atol + rtol·max(s) are zero.

    Defaults ``atol=0``, ``rtol=max(m, n)·eps``, as SciPy. Differentiable where
    the rank is locally constant (see :mod:`semigrad.numpy.linalg`'s ``pinv``);
    ``return_rank=True`` also returns the rank (a plain integer).

    >>> from semigrad.scipy import linalg
    >>> b, rank = linalg.pinv(np.array([[1.0, 2.0], [2.0, 4.0]]), return_rank=True)
    >>> b.round(12).tolist(), rank
    ([[0.04, 0.08], [0.08, 0.16]], 1)
    """
    a = _array(a)
    m, n = _nla._matrix_shape("pinv", a)
    _finite("pinv", check_finite, a=a)
    atol = 0.0 if atol is None else atol
    rtol = max(m, n) * _nla._eps(a) if rtol is None else rtol
    if atol < 0 or rtol < 0:
        raise ValueError(f"pinv: atol and rtol must be non-negative; got atol={atol!r}, "
                         f"rtol={rtol!r}")
    s = np.linalg.svd(_value(a), compute_uv=False)
    smax = np.max(s, axis=-1, initial=0.0)
    cut = atol + rtol * smax
    relative = np.where(smax > 0, cut / np.where(smax > 0, smax, 1.0), rtol)
    result = _L.pinv(a, rtol=float(relative) if relative.ndim == 0 else relative)
    if return_rank:
        rank = np.sum(s > np.asarray(cut)[..., None], axis=-1)
        return result, int(rank) if rank.ndim == 0 else rank
    return result


def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):  # noqa: A002
    """A vector or matrix norm, as ``semigrad.numpy.linalg.norm`` (SciPy's signature).

    >>> from semigrad.scipy import linalg
    >>> float(linalg.norm(np.array([3.0, 4.0])))
    5.0
    """
    a = _array(a)
    _finite("norm", check_finite, a=a)
    return _nla.norm(a, ord=ord, axis=axis, keepdims=keepdims)


def _no_generalized(name, b):
    if b is not None:
        raise NotImplementedError(f"{name}: the generalized problem (b given) is not "
                                  "supported; pass b=None, or solve(b, a) for an invertible b")


def _complex(w):
    return w if _cplx(w) else ops.astype(w, np.result_type(_value(w).dtype, np.complex64))


def _homogeneous(w):
    return ops.stack([w, np.ones(ops.shape(w), dtype=_value(w).dtype)], axis=-2)


def eigvals(a, b=None, overwrite_a=False, check_finite=True, homogeneous_eigvals=False):
    """The eigenvalues of a general square matrix, complex always (as SciPy's).

    Derivatives need a diagonalisable matrix. ``homogeneous_eigvals=True``
    gives the (2, n) pairs (w, 1).

    >>> from semigrad.scipy import linalg
    >>> linalg.eigvals(np.array([[2.0, 1.0], [0.0, 3.0]])).tolist()
    [(2+0j), (3+0j)]
    """
    return eig(a, b, right=False, check_finite=check_finite,
               homogeneous_eigvals=homogeneous_eigvals)


def eig(a, b=None, left=False, right=True, overwrite_a=False, overwrite_b=False,
        check_finite=True, homogeneous_eigvals=False):
    """``(w, vr)`` of a general square matrix: complex eigenvalues, unit right eigenvectors.

    The eigenvectors are ``semigrad.numpy.linalg.eig``'s (each column's
    largest-magnitude entry real and positive; SciPy's phases may differ
    column by column) and need distinct eigenvalues for derivatives.
    ``right=False`` gives ``w`` alone; left eigenvectors and the generalized
    problem are not supported.

    >>> from semigrad.scipy import linalg
    >>> a = np.array([[2.0, 1.0], [0.5, 3.0]])
    >>> w, v = linalg.eig(a)
    >>> np.allclose(a @ v, v * w), w.dtype
    (True, dtype('complex128'))
    """
    _no_generalized("eig", b)
    if left:
        raise NotImplementedError("eig: left eigenvectors are not supported; the left "
                                  "eigenvectors of a are the right ones of a.conj().T")
    a = _array(a)
    _square("eig", "a", a)
    _finite("eig", check_finite, a=a)
    w = _complex(_L.eigvals(a))
    if homogeneous_eigvals:
        w = _homogeneous(w)
    return (w, _L.eig_vectors(a)) if right else w


_EIGH_DRIVERS = (None, "ev", "evd", "evr", "evx", "gv", "gvd", "gvx")


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None,  # noqa: A002
         driver=None):
    """``(w, v)`` of a Hermitian matrix read from one triangle (the lower one by default).

    With ``b`` (Hermitian positive definite, read from the same triangle) the
    generalized problem of ``type`` 1 (a v = w b v), 2 (a b v = w v) or 3
    (b a v = w v), reduced to a standard problem through b's Cholesky factor
    L (L⁻¹ a L⁻ᴴ, or Lᴴ a L) and mapped back, normalised as SciPy's
    (vᴴ b v = I for types 1 and 2, vᴴ b⁻¹ v = I for type 3). ``subset_by_index``
    (inclusive) and ``subset_by_value`` (the half-open (lo, hi]) select
    eigenpairs; ``driver`` picks SciPy's algorithm and changes nothing here.
    Eigenvector signs follow ``semigrad.numpy.linalg.eigh`` (each standard
    eigenvector's largest-magnitude entry positive), and their derivatives
    need distinct eigenvalues.

    >>> from semigrad.scipy import linalg
    >>> w, v = linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w.round(12).tolist(), np.allclose(v @ np.diag(w) @ v.T, [[2.0, 1.0], [1.0, 2.0]])
    ([1.0, 3.0], True)
    """
    if type not in (1, 2, 3):
        raise ValueError(f"eigh: type must be 1, 2 or 3; got {type!r}")
    if driver not in _EIGH_DRIVERS:
        raise ValueError(f"eigh: driver={driver!r} is not one of SciPy's "
                         f"{', '.join(repr(d) for d in _EIGH_DRIVERS[1:])}")
    if subset_by_index is not None and subset_by_value is not None:
        raise ValueError("eigh: pass subset_by_index or subset_by_value, not both")
    a = _array(a)
    n = _square("eigh", "a", a)
    _finite("eigh", check_finite, a=a)
    low = a if lower else _mH(a)  # the lower-triangle primitives read what SciPy reads
    if b is None:
        w, v = _L.eigvalsh(low), None if eigvals_only else _L.eigh_vectors(low)
    else:
        b = _array(b)
        if ops.shape(b) != ops.shape(a):
            raise ValueError(f"eigh: b of shape {ops.shape(b)} must have a's shape "
                             f"{ops.shape(a)}")
        _finite("eigh", check_finite, b=b)
        fac = _pos_factor(b, lower)
        full = _from_triangle(a, lower, True)
        if type == 1:  # L⁻¹ a L⁻ᴴ (a Hermitian)
            half = _solve_triangular(fac, full, trans=0, lower=True, unit_diagonal=False)
            c = _solve_triangular(fac, _mH(half), trans=0, lower=True, unit_diagonal=False)
        else:  # Lᴴ a L
            c = _mm(_mm(_mH(fac), full), fac)
        w = _L.eigvalsh(c)
        if not eigvals_only:
            v = _L.eigh_vectors(c)
            v = (_mm(fac, v) if type == 3 else
                 _solve_triangular(fac, v, trans=2, lower=True, unit_diagonal=False))
    if subset_by_index is not None:
        lo, hi = (int(k) for k in subset_by_index)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"eigh: subset_by_index={subset_by_index!r} must satisfy "
                             f"0 <= lo <= hi < {n}")
        keep = np.arange(lo, hi + 1)
    elif subset_by_value is not None:
        lo, hi = subset_by_value
        wv = _value(w)
        if wv.ndim != 1:
            raise ValueError("eigh: subset_by_value needs a single matrix, not a stack")
        keep = np.flatnonzero((wv > lo) & (wv <= hi))
    else:
        keep = None
    if keep is not None:
        w = ops.getitem(w, (Ellipsis, keep))
        v = None if v is None else ops.getitem(v, (Ellipsis, keep))
    return w if eigvals_only else (w, v)


def eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,  # noqa: A002
             check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """The ascending eigenvalues of a Hermitian matrix: ``eigh(..., eigvals_only=True)``.

    >>> from semigrad.scipy import linalg
    >>> linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).round(12).tolist()
    [1.0, 3.0]
    """
    return eigh(a, b, lower=lower, eigvals_only=True, type=type, check_finite=check_finite,
                subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                driver=driver)


def _svd_driver(name, lapack_driver):
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"{name}: lapack_driver must be 'gesdd' or 'gesvd'; got "
                         f"{lapack_driver!r}")


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """``(U, s, Vh)`` or ``s`` (SciPy's signature; ``semigrad.numpy.linalg.svd``'s signs).

    ``full_matrices=True`` (the default) of a non-square matrix raises, since
    the extra columns of U (or rows of Vh) are not unique: pass
    ``full_matrices=False``.

    >>> from semigrad.scipy import linalg
    >>> u, s, vh = linalg.svd(np.array([[3.0, 0.0], [0.0, -2.0]]))
    >>> s.round(12).tolist(), np.allclose(u * s @ vh, [[3.0, 0.0], [0.0, -2.0]])
    ([3.0, 2.0], True)
    """
    _svd_driver("svd", lapack_driver)
    a = _array(a)
    _finite("svd", check_finite, a=a)
    result = _nla.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(result) if compute_uv else result


def svdvals(a, overwrite_a=False, check_finite=True):
    """The singular values, descending.

    >>> from semigrad.scipy import linalg
    >>> linalg.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    a = _array(a)
    _finite("svdvals", check_finite, a=a)
    return _nla.svdvals(a)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """``(Q, R)`` of a full-rank matrix (SciPy's modes; ``semigrad.numpy.linalg.qr``'s signs).

    ``mode='full'`` (the default) equals 'economic' for square and wide
    matrices and raises for a tall one (the extra columns of Q are not
    unique); 'economic' is the reduced QR; 'r' returns ``(R,)`` with R m×n
    (zero rows below for a tall matrix). ``pivoting=True`` appends SciPy's
    column permutation P (plain integers) with ``a[:, P] = Q R``. ``diag(R) >
    0``: SciPy's signs may differ row by row. 'raw' is not supported.

    >>> from semigrad.scipy import linalg
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    >>> q, r = linalg.qr(a, mode="economic")
    >>> q.shape, r.shape, np.allclose(q @ r, a)
    ((3, 2), (2, 2), True)
    >>> linalg.qr(a, mode="r")[0].shape
    (3, 2)
    """
    if mode not in ("full", "economic", "r", "raw"):
        raise ValueError(f"qr: mode must be 'full', 'economic', 'r' or 'raw'; got {mode!r}")
    if mode == "raw":
        raise ValueError("qr: mode='raw' (LAPACK's Householder reflectors) is not supported; "
                         "use 'full', 'economic' or 'r'")
    a = _array(a)
    shape = ops.shape(a)
    if len(shape) != 2:
        raise ValueError(f"qr: a must be a matrix (2-D); got shape {shape}")
    _finite("qr", check_finite, a=a)
    m, n = shape
    if mode == "full" and m > n:
        raise ValueError(f"qr: mode='full' of a tall {m}×{n} matrix adds {m - n} columns of Q "
                         f"that are not unique, so not differentiable; use mode='economic' "
                         f"(Q {m}×{n}, R {n}×{n}) or mode='r'")
    perm = None
    if pivoting:
        perm = _sl().qr(_value(a), mode="r", pivoting=True, check_finite=False)[1]
        a = ops.getitem(a, (slice(None), perm))
    if mode == "r":
        r = _nla.qr(a, mode="r")
        if m > n:
            r = ops.concatenate([r, np.zeros((m - n, n), dtype=_value(r).dtype)], axis=0)
        return (r,) if perm is None else (r, perm)
    q, r = _nla.qr(a)
    return (q, r) if perm is None else (q, r, perm)


_LSTSQ_DRIVERS = (None, "gelsd", "gelsy", "gelss")


def lstsq(a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
          lapack_driver=None):
    """``(x, residues, rank, s)``: least squares with SciPy's conventions.

    Singular values below ``cond·max(s)`` count as zero (default: the machine
    epsilon, as SciPy's drivers). ``x = pinv(a) @ b``, differentiable in ``a``
    and ``b`` where the rank is locally constant; ``residues`` is the squared
    residual norm per column (a scalar for a 1-D ``b``) when m > n and the
    rank is n, else an empty array; ``s`` the singular values (None with
    'gelsy', as SciPy, whose residues are then empty too); ``rank`` an integer.

    >>> import semigrad as sg
    >>> from semigrad.scipy import linalg
    >>> a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> x, res, rank, s = linalg.lstsq(a, np.array([1.0, 2.0, 4.0]))
    >>> x.round(12).tolist(), round(float(res), 12), rank
    ([0.833333333333, 1.5], 0.166666666667, 2)
    """
    if lapack_driver not in _LSTSQ_DRIVERS:
        raise ValueError(f"lstsq: lapack_driver must be 'gelsd', 'gelsy' or 'gelss'; got "
                         f"{lapack_driver!r}")
    a, b = _array(a), _array(b)
    _finite("lstsq", check_finite, a=a, b=b)
    if cond is None or cond < 0:
        cond = float(np.finfo(np.result_type(_value(a).dtype, _value(b).dtype)).eps)
    x, res, rank, s = _nla.lstsq(a, b, rcond=cond)
    if lapack_driver == "gelsy":
        return x, np.empty((0,), dtype=_value(x).dtype), rank, None
    if len(ops.shape(b)) == 1 and ops.shape(res) == (1,):
        res = ops.reshape(res, ())
    return x, res, rank, s
