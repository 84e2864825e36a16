"""Linear-algebra primitives: ``Dense`` primitives with matrix-calculus rules.

Every primitive acts on the last two axes (a stack of matrices is fine for the
values; the rules are written with ``...``-batched products). The rules use
semigrad's own operations (``matmul``, ``swapaxes``, ``sum``, arithmetic and
the primitives below), so they are recorded under ``create_graph=True`` and
can be differentiated again; cotangents ``g`` and tangents ``t`` may carry
extra leading batch axes.

Conventions:

* ``cholesky``, ``eigvalsh`` and ``eigh_vectors`` read only the **lower
  triangle** of their input, like NumPy: the input is the symmetric matrix
  ``sym(A) = tril(A) + tril(A, -1)ᵀ``. Their derivatives are the derivatives
  of exactly that map (an upper-triangle entry has zero derivative, a strictly
  lower entry moves two entries of the symmetric matrix), so they agree with
  finite differences of the primitive for any input.
* ``eigh`` is two primitives, one output each: ``eigvalsh`` (the ascending
  eigenvalues) and ``eigh_vectors`` (the eigenvectors, as columns). Each rule
  calls the other primitive, so higher orders work. Eigenvector signs are made
  deterministic: the largest-magnitude entry of each column is positive.
  Eigenvector derivatives need distinct eigenvalues.
* ``solve(a, b)`` follows NumPy ≥ 2: ``b`` is a vector when it is 1-D and a
  matrix (or a stack of them) otherwise.
* The SVD is three primitives, one output each: ``svdvals`` (descending),
  ``svd_u`` (U, m×k) and ``svd_vh`` (Vᵀ, k×n) of the *reduced* SVD,
  k = min(m, n). Signs are deterministic: each column of U has its
  largest-magnitude entry positive (the first one on a tie), and Vᵀ's rows
  follow so that A v_i = s_i u_i. The singular-vector rules use
  F_ij = 1/(s_j² − s_i²) plus the projections (I − U Uᵀ), (I − V Vᵀ) for
  non-square matrices, so their derivatives need distinct singular values,
  and nonzero ones for a non-square matrix.
* ``qr_q`` and ``qr_r`` are the reduced QR of a square or tall full-rank
  matrix with diag(R) > 0 (``semigrad.numpy.linalg.qr`` builds the wide case
  from them).
* ``pinv`` is NumPy's pseudo-inverse (singular values ≤ rtol·max(s) count as
  zero); its rules are the derivative of A⁺ along paths of constant rank.
"""

from __future__ import annotations

import numpy as np

from .. import backend as _backend
from . import complex as _C
from . import structural as _S
from .base import Dense, align, shape_of, unbroadcast


def _ops():
    from .. import ops

    return ops


def _mT(x):
    return _ops().swapaxes(x, -1, -2)


def _mm(a, b):
    return _ops().matmul(a, b)


def conj_transpose(x):
    """The conjugate transpose of the last two axes (for real values just the transpose)."""
    return _C.conj(_mT(x)) if _C.is_complex(x) else _mT(x)


_mH = conj_transpose


def _cplx(*xs) -> bool:
    return any(_C.is_complex(x) for x in xs if x is not None)


def _real_if(x, cond):
    return _C.real(x) if cond else x


def _unit_phase(x):
    """x/|x| elementwise (1 where x = 0): the sign for real values, the phase for complex."""
    m = np.abs(x)
    return np.where(m == 0, 1.0, x / np.where(m == 0, 1.0, m))


def _top_rows(v):
    """The row of each column's largest-magnitude entry (the first on a tie), (…, 1, k)."""
    return np.argmax(np.abs(v), axis=-2)[..., None, :]


def _gauge_fix(v, dv):
    """Make the tangents ``dv`` of unit columns keep each column's largest entry real.

    The columns of ``v`` have their largest-magnitude entry real and positive (the phase
    convention of ``eigh_vectors`` and ``svd_u``); the decomposition fixes them only up to a
    phase e^{iθ}, and the phase that keeps that entry real moves by dθ = −Im(dv_k)/v_k.
    Returns ``(dv + i v dθ, dθ)``; for complex values only (real ones need no correction).
    """
    vv = v.value if hasattr(v, "value") else v if isinstance(v, _backend.Array) else np.asarray(v)
    idx = _top_rows(vv)
    onehot = (np.arange(vv.shape[-2])[:, None] == idx).astype(np.float64)
    entry = _ops().sum(dv * onehot, axis=-2, keepdims=True)
    top = _C.real(_ops().sum(v * onehot, axis=-2, keepdims=True))
    dtheta = -_C.imag(entry) / top
    return dv + 1j * v * dtheta, dtheta


def _trailing_reshape(x, shape, in_shape):
    """Reshape the trailing ``in_shape`` axes of ``x`` to ``shape`` (batch axes untouched)."""
    return _S.reshape(x, shape=tuple(shape), in_shape=tuple(in_shape))


def _lower_masks(n):
    low = np.tril(np.ones((n, n)))
    return low, np.tril(np.ones((n, n)), -1)


def _sym_lower_tangent(t, n):
    """The tangent of ``tril(A) + tril(A, -1)ᵀ`` for a tangent ``t`` of ``A``.

    For complex values the matrix read is Hermitian, ``tril(A, -1) + tril(A, -1)ᴴ +
    Re diag(A)`` (LAPACK ignores the imaginary part of the diagonal), and so is its tangent.
    """
    low, strict = _lower_masks(n)
    if _C.is_complex(t):
        return t * strict + _mH(t) * strict.T + _C.real(t) * np.eye(n)
    return t * low + _mT(t) * strict.T


def _sym_lower_cotangent(g, n):
    """The adjoint of :func:`_sym_lower_tangent`: ``tril(g) + tril(gᵀ, -1)``."""
    low, strict = _lower_masks(n)
    return g * low + _mT(g) * strict


def _symmetric_from_lower(a):
    a = a if isinstance(a, _backend.Array) else np.asarray(a)
    strict = np.tril(a, -1)
    diag = np.real(np.diagonal(a, axis1=-2, axis2=-1))[..., None] * np.eye(a.shape[-1])
    return strict + np.conj(np.swapaxes(strict, -1, -2)) + diag


# --------------------------------------------------------------------------
# inv


def _inv_vjp(i, g, xs, out):
    ot = _mT(out)
    return -_mm(_mm(ot, g), ot)


def _inv_jvp(ts, xs, out):
    return -_mm(_mm(out, ts[0]), out)


inv = Dense(
    "inv",
    np.linalg.inv,
    _inv_vjp,
    _inv_jvp,
    doc="The matrix inverse A⁻¹ (last two axes). VJP −A⁻ᵀ g A⁻ᵀ; JVP −A⁻¹ t A⁻¹.",
    sympy=lambda sp, a: np.array(sp.Matrix(a).inv(), dtype=object),
)


# --------------------------------------------------------------------------
# det


def _det_vjp(i, g, xs, out):
    a = xs[0]
    g2 = _trailing_reshape(g * out, (*shape_of(out), 1, 1), shape_of(out))
    return g2 * _mT(inv(a))


def _det_jvp(ts, xs, out):
    a = xs[0]
    tr = _ops().sum(_mT(inv(a)) * ts[0], axis=(-2, -1))
    return out * tr


def _sympy_det(sp, a):
    return sp.Matrix(a).det(method="berkowitz")


det = Dense(
    "det",
    np.linalg.det,
    _det_vjp,
    _det_jvp,
    doc="The determinant (last two axes). VJP g·det·A⁻ᵀ; JVP det·tr(A⁻¹ t).",
    sympy=_sympy_det,
)


# --------------------------------------------------------------------------
# solve


def _solve_impl(a, b):
    return np.linalg.solve(a, b)


def _solve_batched(a, r, vector):
    """A⁻¹ r for a (batched) right-hand side ``r``: one LU solve, no inverse.

    In the vector case (``b`` 1-D) the trailing axis of ``r`` is a vector and leading
    axes are a batch, so it is solved as the columns of a matrix.
    """
    if not vector:
        return solve(a, r)
    n = shape_of(a)[-1]
    col = solve(a, _trailing_reshape(r, (n, 1), (n,)))
    return _trailing_reshape(col, (n,), (n, 1))


def _solve_vjp_many(wanted, g, xs, out):
    """Both inputs' cotangents from one A⁻ᵀ g (one LU solve, shared: the sweep asks once)."""
    a, b = xs
    vector = len(shape_of(b)) == 1
    gb = _solve_batched(_mT(a), g, vector)  # A⁻ᵀ g, stacked like the output
    result = []
    for i in wanted:
        if i == 1:
            result.append(unbroadcast(gb, b, out))  # b may have been broadcast against a's stack
        elif vector:
            n = shape_of(b)[0]
            col = _trailing_reshape(gb, (n, 1), (n,))
            row = _trailing_reshape(out, (1, n), (n,))
            result.append(unbroadcast(-(col * row), a, len(shape_of(out)) + 1))
        else:
            result.append(unbroadcast(-_mm(gb, _mT(out)), a, out))
    return result


def _solve_jvp(ts, xs, out):
    a, b = xs
    ta, tb = ts
    vector = len(shape_of(b)) == 1
    na, nout = len(shape_of(a)), len(shape_of(out))
    rhs = None
    if ta is not None:  # −t_A x, with x as a column in the vector case
        if vector:
            n = shape_of(b)[0]
            ta = align(ta, na, nout + 1)  # batch axes in front of x's stack axes
            tx = _mm(ta, _trailing_reshape(out, (n, 1), (n,)))
            rhs = -_trailing_reshape(tx, (n,), (n, 1))
        else:
            rhs = -_mm(align(ta, na, nout), out)
    if tb is not None:
        tb = align(tb, len(shape_of(b)), nout)
        rhs = tb if rhs is None else rhs + tb
    return _solve_batched(a, rhs, vector)


def _sympy_solve(sp, a, b):
    x = sp.Matrix(a).LUsolve(sp.Matrix(b))
    return np.array(x, dtype=object).reshape(np.shape(b))


solve = Dense(
    "solve",
    _solve_impl,
    None,
    _solve_jvp,
    vjp_many_rule=_solve_vjp_many,
    doc="x = A⁻¹ b. VJP_b = A⁻ᵀ g, VJP_A = −(A⁻ᵀ g) xᵀ; JVP A⁻¹ (t_b − t_A x); the rules "
        "solve (one LU factorisation each), they never invert.",
    sympy=_sympy_solve,
)


# --------------------------------------------------------------------------
# cholesky (lower triangle of the input, like NumPy)


def _phi_mask(n):
    """Lower triangle with a halved diagonal: the Φ of the Cholesky rules."""
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _cholesky_vjp(i, g, xs, out):
    n = shape_of(out)[-1]
    linv = inv(out)
    inner = _mm(_mT(out), g) * _phi_mask(n)
    s = _mm(_mm(_mT(linv), inner), linv)
    s = 0.5 * (s + _mT(s))
    return _sym_lower_cotangent(s, n)


def _cholesky_jvp(ts, xs, out):
    n = shape_of(out)[-1]
    t = _sym_lower_tangent(ts[0], n)
    linv = inv(out)
    return _mm(out, _mm(_mm(linv, t), _mH(linv)) * _phi_mask(n))


def _sympy_cholesky(sp, a):
    n = np.shape(a)[0]
    m = sp.Matrix(n, n, lambda r, c: a[max(r, c), min(r, c)])
    return np.array(m.cholesky(hermitian=False), dtype=object)


cholesky = Dense(
    "cholesky",
    lambda a: np.linalg.cholesky(_symmetric_from_lower(a)),
    _cholesky_vjp,
    _cholesky_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="The lower Cholesky factor L (L Lᵀ = A), reading A's lower triangle. "
        "JVP L Φ(L⁻¹ Ṡ L⁻ᵀ); VJP sym(L⁻ᵀ Φ(Lᵀ ḡ) L⁻¹) folded onto the lower triangle.",
    sympy=_sympy_cholesky,
)


# --------------------------------------------------------------------------
# eigh: eigenvalues and eigenvectors as two primitives


def _column_phases(v):
    """Each column's phase convention: the unit phase of its largest-magnitude entry, shaped
    (…, 1, k); dividing by it makes that entry real and positive."""
    return _unit_phase(np.take_along_axis(v, _top_rows(v), axis=-2))


def _eigh(a):
    w, v = np.linalg.eigh(a, UPLO="L")
    return w, v * np.conj(_column_phases(v))


def _eigvalsh_vjp(i, g, xs, out):
    a = xs[0]
    n = shape_of(out)[-1]
    v = eigh_vectors(a)
    gw = _trailing_reshape(g, (*shape_of(out)[:-1], 1, n), shape_of(out))
    return _sym_lower_cotangent(_mm(v * gw, _mT(v)), n)


def _eigvalsh_jvp(ts, xs, out):
    a = xs[0]
    n = shape_of(out)[-1]
    v = eigh_vectors(a)
    t = _sym_lower_tangent(ts[0], n)
    c = _cplx(a, ts[0])
    return _real_if(_ops().sum((_C.conj(v) if c else v) * _mm(t, v), axis=-2), c)


def _gap_inverse(w):
    """F[i, j] = 1 / (w_j − w_i) off the diagonal, 0 on it."""
    n = shape_of(w)[-1]
    lead = shape_of(w)[:-1]
    row = _trailing_reshape(w, (*lead, 1, n), shape_of(w))
    col = _trailing_reshape(w, (*lead, n, 1), shape_of(w))
    eye = np.eye(n)
    return (1.0 - eye) / (row - col + eye)


def _eigh_vectors_vjp(i, g, xs, out):
    a = xs[0]
    n = shape_of(out)[-1]
    f = _gap_inverse(eigvalsh(a))
    inner = _mm(_mT(out), g) * f
    return _sym_lower_cotangent(_mm(_mm(out, inner), _mT(out)), n)


def _eigh_vectors_jvp(ts, xs, out):
    a = xs[0]
    n = shape_of(out)[-1]
    f = _gap_inverse(eigvalsh(a))
    t = _sym_lower_tangent(ts[0], n)
    dv = _mm(out, _mm(_mm(_mH(out), t), out) * f)
    return _gauge_fix(out, dv)[0] if _cplx(a) else dv


eigvalsh = Dense(
    "eigvalsh",
    lambda a: np.linalg.eigvalsh(a, UPLO="L"),
    _eigvalsh_vjp,
    _eigvalsh_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="Ascending eigenvalues of the symmetric matrix read from A's lower triangle. "
        "VJP V diag(ḡ) Vᵀ; JVP diag(Vᵀ Ṡ V).",
)

eigh_vectors = Dense(
    "eigh_vectors",
    lambda a: _eigh(a)[1],
    _eigh_vectors_vjp,
    _eigh_vectors_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="Eigenvectors (columns, largest-magnitude entry positive) of the symmetric matrix "
        "read from A's lower triangle; needs distinct eigenvalues for derivatives. "
        "JVP V (F ∘ Vᵀ Ṡ V) with F_ij = 1/(w_j − w_i).",
)


# --------------------------------------------------------------------------
# eig: eigenvalues and eigenvectors of a general square matrix; forward rules only


def _eig(a):
    """NumPy's eig with each (unit) column's largest-magnitude entry made real and positive."""
    w, v = np.linalg.eig(a)
    return w, v * np.conj(_column_phases(v))


def _eig_coupling(t, a):
    """``C = V⁻¹ t V``: the tangent in the eigenbasis (diag(C) moves the eigenvalues)."""
    v = eig_vectors(a)
    return v, _mm(solve(v, t), v)


def _eigvals_jvp(ts, xs, out):
    n = shape_of(out)[-1]
    _, c = _eig_coupling(ts[0], xs[0])
    return _ops().sum(c * np.eye(n), axis=-2)


def _eig_vectors_jvp(ts, xs, out):
    a, v = xs[0], out
    _, c = _eig_coupling(ts[0], a)
    dv = _mm(v, c * _gap_inverse(eigvals(a)))
    # Unit columns: remove each column's component along itself that changes its norm.
    cplx = _cplx(v)
    along = _ops().sum((_C.conj(v) if cplx else v) * dv, axis=-2, keepdims=True)
    dv = dv - v * (_C.real(along) if cplx else along)
    return _gauge_fix(v, dv)[0] if cplx else dv


eigvals = Dense(
    "eigvals",
    np.linalg.eigvals,
    None,
    _eigvals_jvp,
    doc="Eigenvalues of a general square matrix (last two axes), in LAPACK's order; real "
        "when all are real, as NumPy. JVP diag(V⁻¹ t V); the reverse rule is its transpose. "
        "Needs a diagonalisable matrix.",
)

eig_vectors = Dense(
    "eig_vectors",
    lambda a: _eig(a)[1],
    None,
    _eig_vectors_jvp,
    doc="Unit eigenvectors (columns) of a general square matrix, each column's "
        "largest-magnitude entry real and positive. With C = V⁻¹ t V and F_ij = 1/(w_j − w_i): "
        "JVP V (F ∘ C), minus each column's norm-changing part, plus the phase term that keeps "
        "the convention; the reverse rule is its transpose. Needs distinct eigenvalues.",
)


# --------------------------------------------------------------------------
# slogdet_logabs: log|det A| without overflow


def _slogdet_logabs_vjp(i, g, xs, out):
    a = xs[0]
    g2 = _trailing_reshape(g, (*shape_of(out), 1, 1), shape_of(out))
    return g2 * _mT(inv(a))


def _slogdet_logabs_jvp(ts, xs, out):
    return _ops().sum(_mT(inv(xs[0])) * ts[0], axis=(-2, -1))


slogdet_logabs = Dense(
    "slogdet_logabs",
    lambda a: np.linalg.slogdet(a)[1],
    _slogdet_logabs_vjp,
    _slogdet_logabs_jvp,
    doc="log|det A| (last two axes), computed by np.linalg.slogdet without overflow. "
        "VJP g·A⁻ᵀ; JVP tr(A⁻¹ t).",
    sympy=lambda sp, a: sp.log(sp.Abs(sp.Matrix(a).det())),
)


def _logdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.log(sign.astype(np.result_type(sign, np.complex64))) + logabs


logdet = Dense(
    "logdet",
    _logdet,
    _slogdet_logabs_vjp,
    _slogdet_logabs_jvp,
    doc="The complex logarithm of det A, log(sign) + log|det A| without overflow (holomorphic; "
        "``slogdet`` of a complex matrix takes its sign as exp(i·Im) and log|det| as Re). "
        "VJP g·A⁻ᵀ; JVP tr(A⁻¹ t).",
)


# --------------------------------------------------------------------------
# svd: singular values (descending) and the reduced U, Vᵀ as three primitives


def _svd(a):
    """NumPy's reduced SVD with signs fixed: each column of U has its largest-magnitude
    entry positive (the first such entry on a tie), and the rows of Vᵀ follow (A v_i = s_i u_i)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    phase = _column_phases(u)
    return u * np.conj(phase), s, vh * np.swapaxes(phase, -1, -2)


def _svd_parts(s):
    """``S`` as a row (…, 1, k) and a column (…, k, 1), and ``F_ij = 1/(s_j² − s_i²)``."""
    k = shape_of(s)[-1]
    lead = shape_of(s)[:-1]
    srow = _trailing_reshape(s, (*lead, 1, k), shape_of(s))
    scol = _trailing_reshape(s, (*lead, k, 1), shape_of(s))
    return srow, scol, _gap_inverse(s * s)


def _svdvals_vjp(i, g, xs, out):
    a = xs[0]
    k = shape_of(out)[-1]
    gw = _trailing_reshape(g, (*shape_of(out)[:-1], 1, k), shape_of(out))
    return _mm(svd_u(a) * gw, svd_vh(a))


def _svdvals_jvp(ts, xs, out):
    a = xs[0]
    c = _cplx(a)
    u = svd_u(a)
    return _real_if(_ops().sum((_C.conj(u) if c else u) * _mm(ts[0], _mH(svd_vh(a))), axis=-2), c)


def _svd_tangent(t, a, which):
    """The tangent of the reduced SVD's ``U`` (``which="u"``) or ``Vᴴ`` (``"vh"``) along ``t``.

    With P = Uᴴ t V and F_ij = 1/(s_j² − s_i²): dU = U (F ∘ (P S + S Pᴴ)) + i U diag(α)
    + (I − U Uᴴ) t V S⁻¹ and dV = V (F ∘ (S P + Pᴴ S)) + i V diag(β) + (I − V Vᴴ) tᴴ U S⁻¹.
    For complex values α keeps U's phase convention and β = α − Im(P_ii)/s_i keeps
    A = U S Vᴴ; for real ones both are 0 (and ᴴ is ᵀ).
    """
    m, n = shape_of(a)[-2:]
    u, vh = svd_u(a), svd_vh(a)
    v = _mH(vh)
    srow, scol, f = _svd_parts(svdvals(a))
    tv = _mm(t, v)
    p = _mm(_mH(u), tv)
    cplx = _cplx(a)
    if which == "u" or cplx:
        du = _mm(u, f * (p * srow + scol * _mH(p)))
        if m > n:
            du = du + (tv - _mm(u, _mm(_mH(u), tv))) / srow
        if cplx:
            du, alpha = _gauge_fix(u, du)
        if which == "u":
            return du
    dv = _mm(v, f * (scol * p + _mH(p) * srow))
    if cplx:
        k = shape_of(srow)[-1]
        pdiag = _ops().sum(p * np.eye(k), axis=-2, keepdims=True)
        dv = dv + 1j * v * (alpha - _C.imag(pdiag) / srow)
    if n > m:
        th_u = _mm(_mH(t), u)
        dv = dv + (th_u - _mm(v, _mm(vh, th_u))) / srow
    return _mH(dv)


def _svd_u_vjp(i, g, xs, out):
    a = xs[0]
    m, n = shape_of(a)[-2:]
    u, vh = out, svd_vh(a)
    srow, _, f = _svd_parts(svdvals(a))
    j = _mm(_mT(u), g) * f
    abar = _mm(_mm(u, (j + _mT(j)) * srow), vh)
    if m > n:  # (I − U Uᵀ) Ū S⁻¹ Vᵀ: zero for square matrices
        abar = abar + _mm((g - _mm(u, _mm(_mT(u), g))) / srow, vh)
    return abar


def _svd_u_jvp(ts, xs, out):
    return _svd_tangent(ts[0], xs[0], "u")


def _svd_vh_vjp(i, g, xs, out):
    a = xs[0]
    m, n = shape_of(a)[-2:]
    u, vh = svd_u(a), out
    _, scol, f = _svd_parts(svdvals(a))
    kk = _mm(vh, _mT(g)) * f
    abar = _mm(_mm(u, scol * (kk + _mT(kk))), vh)
    if n > m:  # U S⁻¹ Ḡ (I − V Vᵀ): zero for square matrices
        abar = abar + _mm(u, (g - _mm(_mm(g, _mT(vh)), vh)) / scol)
    return abar


def _svd_vh_jvp(ts, xs, out):
    return _svd_tangent(ts[0], xs[0], "vh")


svdvals = Dense(
    "svdvals",
    lambda a: np.linalg.svd(a, compute_uv=False),
    _svdvals_vjp,
    _svdvals_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="Singular values, descending (last two axes; any m×n). With the reduced SVD "
        "A = U diag(s) Vᵀ: VJP U diag(g) Vᵀ; JVP diag(Uᵀ t V). Second and higher "
        "derivatives need distinct singular values (nonzero ones for non-square A).",
)

svd_u = Dense(
    "svd_u",
    lambda a: _svd(a)[0],
    _svd_u_vjp,
    _svd_u_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="U (m×k, k = min(m, n)) of the reduced SVD A = U diag(s) Vᵀ, each column's "
        "largest-magnitude entry positive. With P = Uᵀ t V, F_ij = 1/(s_j² − s_i²): "
        "JVP U (F ∘ (P S + S Pᵀ)) + (I − U Uᵀ) t V S⁻¹; VJP U ((J + Jᵀ) S) Vᵀ + "
        "(I − U Uᵀ) Ū S⁻¹ Vᵀ with J = F ∘ Uᵀ Ū. Needs distinct (and, for m > n, "
        "nonzero) singular values.",
)

svd_vh = Dense(
    "svd_vh",
    lambda a: _svd(a)[2],
    _svd_vh_vjp,
    _svd_vh_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="Vᵀ (k×n, k = min(m, n)) of the reduced SVD A = U diag(s) Vᵀ, signs following "
        "``svd_u`` (A v_i = s_i u_i). With P = Uᵀ t V, F_ij = 1/(s_j² − s_i²): "
        "JVP (F ∘ (S P + Pᵀ S))ᵀ Vᵀ + S⁻¹ Uᵀ t (I − V Vᵀ); VJP U (S (K + Kᵀ)) Vᵀ + "
        "U S⁻¹ Ḡ (I − V Vᵀ) with K = F ∘ Vᵀ Ḡᵀ. Needs distinct (and, for m < n, "
        "nonzero) singular values.",
)


# --------------------------------------------------------------------------
# pinv: the Moore–Penrose pseudo-inverse with NumPy's cutoff


def _pinv_vjp(i, g, xs, out, rtol):
    a, p = xs[0], out
    pt, gt = _mT(p), _mT(g)
    x2 = _mm(gt, _mm(p, pt))  # Ḡᵀ A⁺ A⁺ᵀ
    x3 = _mm(_mm(pt, p), gt)  # A⁺ᵀ A⁺ Ḡᵀ
    return (-_mm(_mm(pt, g), pt) + (x2 - _mm(a, _mm(p, x2)))
            + (x3 - _mm(_mm(x3, p), a)))


def _pinv_jvp(ts, xs, out, rtol):
    a, p, t = xs[0], out, ts[0]
    pt, tt = _mH(p), _mH(t)
    y2 = _mm(_mm(p, pt), tt)  # A⁺ A⁺ᵀ tᵀ
    y3 = _mm(tt, _mm(pt, p))  # tᵀ A⁺ᵀ A⁺
    return (-_mm(_mm(p, t), p) + (y2 - _mm(_mm(y2, a), p))
            + (y3 - _mm(p, _mm(a, y3))))


pinv = Dense(
    "pinv",
    lambda a, rtol: np.linalg.pinv(a, rtol=rtol),
    _pinv_vjp,
    _pinv_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="The Moore–Penrose pseudo-inverse A⁺ (n×m for m×n A; last two axes), singular "
        "values at most rtol·max(s) treated as zero, as np.linalg.pinv. Derivative where the "
        "rank is locally constant: JVP −A⁺ t A⁺ + A⁺ A⁺ᵀ tᵀ (I − A A⁺) + (I − A⁺ A) tᵀ A⁺ᵀ A⁺; "
        "VJP −A⁺ᵀ ḡ A⁺ᵀ + (I − A A⁺) ḡᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ ḡᵀ (I − A⁺ A).",
)


# --------------------------------------------------------------------------
# qr: R and Q (reduced, m ≥ n, full rank) as two primitives


def _qr(a):
    q, r = np.linalg.qr(a, mode="reduced")
    d = _unit_phase(np.diagonal(r, axis1=-2, axis2=-1))
    return q * d[..., None, :], r * np.conj(d)[..., :, None]


def _qr_check(a):
    m, n = np.shape(a)[-2:]
    if m < n:
        raise ValueError(f"qr: needs a square or tall matrix (m >= n), got {m}×{n}")
    return _qr(a)


def _strict_lower(n):
    return np.tril(np.ones((n, n)), -1)


def _qr_r_vjp(i, g, xs, out):
    n = shape_of(out)[-1]
    q = qr_q(xs[0])
    h = _mm(g, _mT(out))
    k = h - (h - _mT(h)) * _strict_lower(n)
    return _mm(_mm(q, k), _mT(inv(out)))


def _qr_q_vjp(i, g, xs, out):
    n = shape_of(out)[-1]
    rinv_t = _mT(inv(qr_r(xs[0])))
    p = _mm(_mT(out), g)
    k = (p - _mT(p)) * _strict_lower(n) - p
    return _mm(_mm(out, k), rinv_t) + _mm(g, rinv_t)


def _qr_parts(t, a, q, r):
    """``C = Qᴴ t R⁻¹``, ``D = t R⁻¹`` and the skew-Hermitian ``Ω = Qᴴ dQ``:
    ``tril(C, −1) − tril(C, −1)ᴴ``, plus ``i Im diag(C)`` for complex values (diag(R) stays
    real)."""
    n = shape_of(r)[-1]
    d = _mm(t, inv(r))
    c = _mm(_mH(q), d)
    low = c * _strict_lower(n)
    om = low - _mH(low)
    if _cplx(c):
        om = om + 1j * _C.imag(c) * np.eye(n)
    return c, d, om


def _qr_r_jvp(ts, xs, out):
    c, _, om = _qr_parts(ts[0], xs[0], qr_q(xs[0]), out)
    return _mm(c - om, out)


def _qr_q_jvp(ts, xs, out):
    c, d, om = _qr_parts(ts[0], xs[0], out, qr_r(xs[0]))
    return _mm(out, om - c) + d


qr_r = Dense(
    "qr_r",
    lambda a: _qr_check(a)[1],
    _qr_r_vjp,
    _qr_r_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="The R of the reduced QR of a square or tall full-rank A, with a positive diagonal. "
        "With C = Qᵀ t R⁻¹ and Ω = tril(C, −1) − tril(C, −1)ᵀ: JVP (C − Ω) R; "
        "VJP Q (H − tril(H − Hᵀ, −1)) R⁻ᵀ with H = ḡ Rᵀ.",
)

qr_q = Dense(
    "qr_q",
    lambda a: _qr_check(a)[0],
    _qr_q_vjp,
    _qr_q_jvp,
    real_vjp=True,  # complex values: the transpose of the forward rule
    doc="The Q (orthonormal columns) of the reduced QR of a square or tall full-rank A, "
        "signs fixed by diag(R) > 0. JVP Q (Ω − C) + t R⁻¹; "
        "VJP Q (tril(P − Pᵀ, −1) − P) R⁻ᵀ + ḡ R⁻ᵀ with P = Qᵀ ḡ.",
)


# --------------------------------------------------------------------------
# One LU factorisation shared by the operations that read the same matrix
#
# A compiled program (sg.jit) that reads one float64 matrix with several of inv, solve
# (with the matrix or its transpose) and slogdet_logabs factors it once and computes each
# from the factors (Primitive.from_lu), as NumPy computes each from its own: LAPACK's getrf,
# then getrs for solves and the inverse (gesv is getrf + getrs), the diagonal summed in
# order for log|det| (as NumPy's slogdet). NumPy exposes no LU, so this needs SciPy's
# LAPACK; where NumPy and SciPy link the same LAPACK the results are NumPy's to the last
# bit. A singular matrix goes to the primitive itself: NumPy's error, or -inf.


def lu_factors(a):
    """``(lu, piv)`` of a float64 matrix by LAPACK's getrf (SciPy's), None when singular."""
    from scipy.linalg import lapack

    lu, piv, info = lapack.dgetrf(a)
    return (lu, piv) if info == 0 else None


def _getrs(factors, b, transposed):
    from scipy.linalg import lapack

    return lapack.dgetrs(*factors, b, trans=int(transposed))[0]


def _solve_from_lu(factors, transposed, a, b):
    return _solve_impl(a, b) if factors is None else _getrs(factors, b, transposed)


def _inv_from_lu(factors, transposed, a):
    if factors is None:
        return np.linalg.inv(a)
    return _getrs(factors, np.eye(a.shape[-1]), transposed)


def _slogdet_logabs_from_lu(factors, transposed, a):
    if factors is None:
        return np.linalg.slogdet(a)[1]
    return np.cumsum(np.log(np.abs(np.diagonal(factors[0]))))[-1]  # in order, as NumPy's


solve.from_lu = _solve_from_lu
inv.from_lu = _inv_from_lu
slogdet_logabs.from_lu = _slogdet_logabs_from_lu
