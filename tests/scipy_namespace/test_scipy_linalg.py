"""semigrad.scipy.linalg: values equal SciPy's for every function and option, derivatives check
out in both modes to second order, and bad shapes are refused by name. (The primitives also go
through tests/primitive_cases.py's table: semirings, symbolic export, batched seeds.)"""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg

sl = pytest.importorskip("scipy.linalg")
slin = pytest.importorskip("semigrad.scipy.linalg")

_r = np.random.default_rng(3)
A = _r.standard_normal((3, 3)) + 3 * np.eye(3)
B = _r.standard_normal((3, 2))
V = _r.standard_normal(3)
_G = _r.standard_normal((3, 3))
SPD = _G @ _G.T + 3 * np.eye(3) + np.diag([0.0, 2.0, 4.0])  # distinct eigenvalues
_H = _r.standard_normal((3, 3))
SPD2 = _H @ _H.T + 2 * np.eye(3)
JUNK = np.triu(_r.standard_normal((3, 3)), 1)  # added above the diagonal: never read
PIVOT = np.array([[0.5, 2.0, 1.0], [3.0, 1.0, -1.0], [1.0, -2.0, 4.0]])  # LU swaps rows
TALL = _r.standard_normal((4, 3)) + np.vstack([np.diag([3.0, 2.0, 1.0]), np.zeros((1, 3))])


def close(got, want, **kw):
    np.testing.assert_allclose(np.asarray(getattr(got, "value", got)), want,
                               **({"rtol": 1e-10, "atol": 1e-12} | kw))


def check(f, *args):
    sg.check_grads(f, args, modes=("rev", "fwd"), order=2)


# ---- solve_triangular ---------------------------------------------------------------------

TRIANGULAR = [(trans, lower, unit) for trans in (0, 1, 2, "N", "T", "C")
              for lower in (False, True) for unit in (False, True)]


@pytest.mark.parametrize("trans, lower, unit", TRIANGULAR)
def test_solve_triangular_equals_scipy(trans, lower, unit):
    for b in (V, B, np.stack([B, 2 * B])):
        close(slin.solve_triangular(A, b, trans=trans, lower=lower, unit_diagonal=unit),
              sl.solve_triangular(A, b, trans=trans, lower=lower, unit_diagonal=unit))
    stack = np.stack([A, A.T + np.eye(3)])
    close(slin.solve_triangular(stack, V, trans=trans, lower=lower, unit_diagonal=unit),
          sl.solve_triangular(stack, V, trans=trans, lower=lower, unit_diagonal=unit))


@pytest.mark.parametrize("trans, lower, unit", [t for t in TRIANGULAR if type(t[0]) is int])
def test_solve_triangular_gradients(trans, lower, unit):
    check(lambda a, b: slin.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit),
          A, V)
    check(lambda a, b: slin.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit),
          A, B)


@pytest.mark.parametrize("lower, unit", [(False, False), (True, False), (False, True),
                                         (True, True)])
def test_solve_triangular_derivative_lives_on_the_entries_read(lower, unit):
    read = np.tril(np.ones((3, 3)), -unit) if lower else np.triu(np.ones((3, 3)), unit)
    jac = sg.jacobian(lambda a: slin.solve_triangular(a, B, lower=lower, unit_diagonal=unit))(A)
    assert not np.any(jac[..., read == 0])
    assert np.all(np.any(jac != 0, axis=(0, 1))[read == 1])
    # the value ignores the other entries too
    close(slin.solve_triangular(A + (1 - read) * 7.0, B, lower=lower, unit_diagonal=unit),
          slin.solve_triangular(A, B, lower=lower, unit_diagonal=unit))


def test_solve_triangular_batched_seeds_and_stacks():
    f = lambda a, b: slin.solve_triangular(a, b, trans=1, lower=True)  # noqa: E731
    stack = np.stack([A, A.T])
    check(f, stack, V)
    check(f, A, np.stack([B, -B]))
    h = sg.hessian(lambda a: sg.sum(f(a, V) ** 2))(A)
    h_rr = sg.jacobian(sg.grad(lambda a: sg.sum(f(a, V) ** 2)))(A)
    close(h, h_rr, rtol=1e-9)


def test_solve_triangular_complex_equals_scipy():
    a = A + 1j * _r.standard_normal((3, 3))
    b = V - 2j * V
    for trans in (0, 1, 2):
        close(slin.solve_triangular(a, b, trans=trans, lower=True),
              sl.solve_triangular(a, b, trans=trans, lower=True))


# ---- Cholesky ------------------------------------------------------------------------------


@pytest.mark.parametrize("lower", [False, True])
def test_cholesky_and_cho_factor_read_one_triangle_as_scipy(lower):
    a = SPD
    other = JUNK if lower else JUNK.T  # changes only the triangle that is not read
    close(slin.cholesky(a + other, lower=lower), sl.cholesky(a, lower=lower))
    c, low = slin.cho_factor(a + other, lower=lower)
    c_sp, low_sp = sl.cho_factor(a, lower=lower)
    mask = np.tril(np.ones((3, 3))) if lower else np.triu(np.ones((3, 3)))
    assert low == low_sp
    close(c * mask, c_sp * mask)
    close(c * (1 - mask), np.zeros((3, 3)))  # zeros where SciPy leaves whatever was there
    for b in (V, B):
        close(slin.cho_solve((c, low), b), sl.cho_solve((c_sp, low_sp), b))
    assert np.allclose(slin.cholesky(SPD).T @ slin.cholesky(SPD), SPD)  # upper by default


@pytest.mark.parametrize("lower", [False, True])
def test_cho_solve_gradients(lower):
    other = JUNK if lower else JUNK.T
    check(lambda a, b: slin.cho_solve(slin.cho_factor(a, lower=lower), b), SPD + other, B)
    check(lambda c, b: slin.cho_solve((c, lower), b),
          sl.cholesky(SPD, lower=lower) + other, V)
    check(lambda a: slin.cholesky(a, lower=lower), SPD + other)


# ---- LU ------------------------------------------------------------------------------------


@pytest.mark.parametrize("a", [A, PIVOT, np.stack([PIVOT, A, PIVOT.T])],
                         ids=["A", "pivot", "stack"])
def test_lu_factor_equals_scipy(a):
    lu, piv = slin.lu_factor(a)
    lu_sp, piv_sp = sl.lu_factor(a)
    close(lu, lu_sp)
    np.testing.assert_array_equal(piv, piv_sp)
    lu_t, piv_t = slin.lu_factor(sg.tensor(a, requires_grad=True))
    close(lu_t, lu_sp)
    np.testing.assert_array_equal(piv_t, piv_sp)


def test_lu_factor_replays_its_permutation():
    # The recorded primitive replays with the pivots kept as a parameter (Doolittle on P a).
    from semigrad.scipy.linalg import _lu, _nested_tuple, _permutation

    for a in (PIVOT, np.stack([PIVOT, A])):
        lu_sp, piv = sl.lu_factor(a)
        close(_lu(a, perm=_nested_tuple(_permutation(piv))), lu_sp)


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve_equals_scipy_and_differentiates(trans):
    for a in (A, PIVOT):
        for b in (V, B):
            close(slin.lu_solve(slin.lu_factor(a), b, trans=trans),
                  sl.lu_solve(sl.lu_factor(a), b, trans=trans))
    stack = np.stack([PIVOT, A])
    close(slin.lu_solve(slin.lu_factor(stack), B, trans=trans),
          sl.lu_solve(sl.lu_factor(stack), B, trans=trans))
    close(slin.lu_solve(slin.lu_factor(stack), V, trans=trans),
          sl.lu_solve(sl.lu_factor(stack), V, trans=trans))
    check(lambda a, b: slin.lu_solve(slin.lu_factor(a), b, trans=trans), PIVOT, V)
    check(lambda lu, b: slin.lu_solve((lu, sl.lu_factor(PIVOT)[1]), b, trans=trans),
          sl.lu_factor(PIVOT)[0], B)


def test_lu_gradients():
    check(lambda a: slin.lu_factor(a)[0], PIVOT)
    check(lambda a: slin.lu_factor(a)[0], np.stack([PIVOT, A]))
    # L U reassembles P a: its Jacobian is the permutation P
    def rebuilt(a):
        lu, _ = slin.lu_factor(a)
        return (np.tril(np.ones((3, 3)), -1) * lu + np.eye(3)) @ (np.triu(np.ones((3, 3))) * lu)

    perm = slin._permutation(sl.lu_factor(PIVOT)[1])
    assert perm.tolist() != [0, 1, 2]
    close(sg.jacobian(rebuilt)(PIVOT), np.eye(9).reshape(3, 3, 3, 3)[perm])


# ---- matrix functions ----------------------------------------------------------------------


def test_expm_equals_scipy_and_differentiates():
    for a in (A, 0.3 * SPD, np.stack([A, -A]), np.zeros((0, 0)), A + 2j * _G):
        close(slin.expm(a), sl.expm(a))
    check(slin.expm, 0.4 * A)
    check(slin.expm, np.stack([0.4 * A, 0.2 * SPD]))
    # the derivative along E is the upper-right block of expm([[A, E], [0, A]])
    e = _G
    _, tangent = sg.jvp(slin.expm, (0.4 * A,), (e,))
    close(tangent, sl.expm_frechet(0.4 * A, e, compute_expm=False), rtol=1e-9)


def test_sqrtm_equals_scipy_and_differentiates():
    for a in (SPD, A, np.stack([SPD, A])):
        close(slin.sqrtm(a), sl.sqrtm(a))
        assert slin.sqrtm(a).dtype == np.float64  # a real principal root stays real
    check(slin.sqrtm, SPD)
    check(slin.sqrtm, A)
    check(slin.sqrtm, np.stack([SPD, A]))


def test_sqrtm_of_a_real_matrix_without_a_real_root_is_scipys_complex_root():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])  # eigenvalues −0.37 and 5.37
    x = slin.sqrtm(a)
    assert x.dtype == np.complex128
    close(x, sl.sqrtm(a))
    close(x @ x, a)
    g = sg.grad(lambda m: sg.sum(sg.real(slin.sqrtm(m)) * _G[:2, :2]))(a)
    assert g.dtype == np.float64
    check(lambda m: sg.real(slin.sqrtm(m)), a)


def test_solve_sylvester_equals_scipy_and_differentiates():
    b = _r.standard_normal((2, 2)) + 2 * np.eye(2)
    close(slin.solve_sylvester(A, b, B), sl.solve_sylvester(A, b, B))
    q = np.stack([B, -B])
    close(slin.solve_sylvester(A, b, q), sl.solve_sylvester(A, b, q))
    check(slin.solve_sylvester, A, b, B)
    check(lambda q: slin.solve_sylvester(A, b, q), np.stack([B, 2 * B]))


# ---- block_diag ----------------------------------------------------------------------------

BLOCKS = [
    (1.0, [2.0, 3.0], [[4.0], [5.0]]),
    (np.ones((2, 2)), 3, []),
    ([[]], np.arange(3)),
    (np.array([1, 2]), np.array([[3]])),
    (np.array([1.0 + 1j]), 2.0),
    (),
]


@pytest.mark.parametrize("arrs", BLOCKS, ids=range(len(BLOCKS)))
def test_block_diag_equals_scipy(arrs):
    got, want = slin.block_diag(*arrs), sl.block_diag(*arrs)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_block_diag_gradients():
    check(lambda x, y, z: slin.block_diag(x, y, z) ** 2, A[:2], V, 1.5)
    weights = np.arange(28.0).reshape(4, 7)  # blocks 2×3, 1×1, 1×3
    gx, gy = sg.grad(lambda x, y: sg.sum(slin.block_diag(x, 2.0, y) * weights),
                     argnums=(0, 1))(A[:2], V)
    close(gx, weights[:2, :3])
    close(gy, weights[3, 4:])


# ---- SciPy's versions of semigrad.numpy.linalg's functions ---------------------------------

STRUCTURES = [None, "gen", "general", "banded", "sym", "symmetric", "her", "hermitian", "pos",
              "positive definite", "diagonal", "tridiagonal", "upper triangular",
              "lower triangular"]


@pytest.mark.parametrize("assume_a", STRUCTURES)
@pytest.mark.parametrize("lower", [False, True])
def test_solve_equals_scipy_and_differentiates(assume_a, lower):
    a = SPD + JUNK
    for b in (V, B):
        close(slin.solve(a, b, assume_a=assume_a, lower=lower),
              sl.solve(a, b, assume_a=assume_a, lower=lower))
        close(slin.solve(a, b, assume_a=assume_a, lower=lower, transposed=True),
              sl.solve(a, b, assume_a=assume_a, lower=lower, transposed=True))
    check(lambda m, b: slin.solve(m, b, assume_a=assume_a, lower=lower), a, V)


@pytest.mark.parametrize("assume_a", ["sym", "her", "pos", "diagonal", "tridiagonal",
                                      "upper triangular", "lower triangular"])
def test_solve_reads_only_the_structure_it_assumes(assume_a):
    n = 4
    read = {"sym": np.triu(np.ones((n, n))), "her": np.triu(np.ones((n, n))),
            "pos": np.triu(np.ones((n, n))), "diagonal": np.eye(n),
            "tridiagonal": np.tri(n, n, 1) * np.tri(n, n, 1).T,
            "upper triangular": np.triu(np.ones((n, n))),
            "lower triangular": np.tril(np.ones((n, n)))}[assume_a]
    g = _r.standard_normal((n, n))
    a = g @ g.T + n * np.eye(n)
    jac = sg.jacobian(lambda m: slin.solve(m, np.ones(n), assume_a=assume_a))(a)
    assert not np.any(jac[:, read == 0])


def test_solve_complex_hermitian_and_symmetric_equal_scipy():
    g = _G + 1j * _H
    her = g @ g.conj().T + 3 * np.eye(3)
    for assume_a, a in (("her", her), ("pos", her), ("sym", g + g.T + 4 * np.eye(3))):
        for lower in (False, True):
            close(slin.solve(a, V + 1j, assume_a=assume_a, lower=lower),
                  sl.solve(a, V + 1j, assume_a=assume_a, lower=lower))


@pytest.mark.parametrize("assume_a", [None, "gen", "general", "sym", "her", "pos",
                                      "upper triangular", "lower triangular"])
@pytest.mark.parametrize("lower", [False, True])
def test_inv_equals_scipy_and_differentiates(assume_a, lower):
    a = SPD + JUNK
    close(slin.inv(a, assume_a=assume_a, lower=lower), sl.inv(a, assume_a=assume_a, lower=lower))
    check(lambda m: slin.inv(m, assume_a=assume_a, lower=lower), a)


def test_inv_diagonal_is_the_inverse_of_the_diagonal():
    # SciPy 1.17 returns a's off-diagonal entries unchanged here; semigrad returns the inverse
    # of the diagonal matrix it reads (SciPy's own diagonal agrees).
    a = SPD + JUNK
    got = slin.inv(a, assume_a="diagonal")
    close(got, np.diag(1 / np.diag(a)))
    close(np.diag(got), np.diag(sl.inv(a, assume_a="diagonal")))
    check(lambda m: slin.inv(m, assume_a="diagonal"), a)


def test_det_norm_svdvals_equal_scipy():
    close(slin.det(A), sl.det(A))
    close(slin.det(np.stack([A, SPD])), sl.det(np.stack([A, SPD])))
    for ord_ in (None, "fro", "nuc", 1, 2, np.inf, -2):
        close(slin.norm(A, ord_), sl.norm(A, ord_))
    close(slin.norm(V, 3), sl.norm(V, 3))
    close(slin.norm(B, axis=0, keepdims=True), sl.norm(B, axis=0, keepdims=True))
    close(slin.svdvals(TALL), sl.svdvals(TALL))
    check(slin.det, A)
    check(lambda a: slin.norm(a, "nuc"), TALL)
    check(slin.svdvals, TALL)


def test_pinv_equals_scipy():
    rank1 = np.outer([1.0, 2.0, 0.5], [1.0, -1.0])
    for a, kw in ((TALL, {}), (rank1, {}), (TALL, {"atol": 2.0}), (TALL, {"rtol": 0.5}),
                  (TALL, {"atol": 0.5, "rtol": 0.1}), (np.stack([TALL, 2 * TALL]), {})):
        close(slin.pinv(a, **kw), sl.pinv(a, **kw))
    b, rank = slin.pinv(TALL, atol=2.0, return_rank=True)
    assert rank == sl.pinv(TALL, atol=2.0, return_rank=True)[1]
    check(slin.pinv, TALL)


def test_eig_and_eigvals_follow_scipy():
    w, v = slin.eig(A)
    w_sp = sl.eigvals(A)
    assert w.dtype == w_sp.dtype == np.complex128  # complex always, as SciPy
    close(np.sort_complex(w), np.sort_complex(w_sp))
    close(A @ v, v * w)
    close(np.linalg.norm(v, axis=0), np.ones(3))
    close(slin.eigvals(A, homogeneous_eigvals=True)[1], np.ones(3))
    assert slin.eig(A, right=False).shape == (3,)
    p = np.eye(3) + 0.3 * _G
    a = p @ np.diag([1.0, 2.5, 4.0]) @ np.linalg.inv(p)  # real, distinct eigenvalues
    check(lambda m: sg.real(slin.eigvals(m)), a)
    check(lambda m: slin.eig(m)[1], a)


@pytest.mark.parametrize("lower", [True, False])
def test_eigh_reads_one_triangle_as_scipy(lower):
    a = SPD + (JUNK if lower else JUNK.T)
    w, v = slin.eigh(a, lower=lower)
    w_sp, v_sp = sl.eigh(a, lower=lower)
    close(w, w_sp)
    close(np.abs(v), np.abs(v_sp))
    close(slin.eigvalsh(a, lower=lower), w_sp)
    close(slin.eigh(a, lower=lower, eigvals_only=True), w_sp)
    check(lambda m: slin.eigh(m, lower=lower)[1], a)
    check(lambda m: slin.eigvalsh(m, lower=lower), a)


@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("lower", [True, False])
def test_generalized_eigh_equals_scipy(kind, lower):
    junk = JUNK if lower else JUNK.T
    a, b = SPD + junk, SPD2 + 2 * junk
    w, v = slin.eigh(a, b, lower=lower, type=kind)
    w_sp, v_sp = sl.eigh(a, b, lower=lower, type=kind)
    close(w, w_sp)
    close(np.abs(v), np.abs(v_sp))  # same normalisation, signs per column
    close(slin.eigvalsh(a, b, lower=lower, type=kind), w_sp)
    check(lambda m, n: slin.eigh(m, n, lower=lower, type=kind)[0], a, b)
    check(lambda m, n: slin.eigh(m, n, lower=lower, type=kind)[1], a, b)


def test_eigh_subsets_equal_scipy():
    for kw in ({"subset_by_index": (1, 2)}, {"subset_by_index": [0, 0]},
               {"subset_by_value": (4.0, np.inf)}, {"subset_by_value": (-np.inf, 5.0)}):
        w, v = slin.eigh(SPD, **kw)
        w_sp, v_sp = sl.eigh(SPD, **kw)
        close(w, w_sp)
        close(np.abs(v), np.abs(v_sp))
    check(lambda m: slin.eigh(m, subset_by_index=(1, 2))[1], SPD)


def test_qr_modes_equal_scipy_up_to_signs():
    for a, mode in ((A, "full"), (TALL.T, "full"), (TALL, "economic"), (TALL, "r"),
                    (TALL.T, "r")):
        ours, theirs = slin.qr(a, mode=mode), sl.qr(a, mode=mode)
        assert len(ours) == len(theirs)
        for x, y in zip(ours, theirs):
            assert x.shape == y.shape
            close(np.abs(x), np.abs(y))
    q, r, p = slin.qr(TALL, mode="economic", pivoting=True)
    q_sp, r_sp, p_sp = sl.qr(TALL, mode="economic", pivoting=True)
    np.testing.assert_array_equal(p, p_sp)
    close(q @ r, TALL[:, p])
    close(np.abs(r), np.abs(r_sp))
    r, p = slin.qr(TALL, mode="r", pivoting=True)
    np.testing.assert_array_equal(p, p_sp)
    assert np.all(np.diag(slin.qr(TALL, mode="economic")[1]) > 0)
    check(lambda m: slin.qr(m, mode="economic")[0], TALL)
    check(lambda m: slin.qr(m, mode="r")[0], TALL)


def test_svd_equals_scipy_up_to_signs():
    u, s, vh = slin.svd(A)
    u_sp, s_sp, vh_sp = sl.svd(A)
    close(s, s_sp)
    close(np.abs(u), np.abs(u_sp))
    close(np.abs(vh), np.abs(vh_sp))
    u, s, vh = slin.svd(TALL, full_matrices=False, lapack_driver="gesvd")
    close(u * s @ vh, TALL)
    close(slin.svd(TALL, compute_uv=False), sl.svd(TALL, compute_uv=False))
    assert isinstance(slin.svd(A), tuple)
    check(lambda m: slin.svd(m, full_matrices=False)[0], TALL)


def test_lstsq_equals_scipy():
    for b in (_r.standard_normal(4), _r.standard_normal((4, 2))):
        for driver in (None, "gelsd", "gelss", "gelsy"):
            ours, theirs = slin.lstsq(TALL, b, lapack_driver=driver), sl.lstsq(
                TALL, b, lapack_driver=driver)
            close(ours[0], theirs[0])
            assert np.shape(ours[1]) == np.shape(theirs[1])
            close(ours[1], theirs[1])
            assert ours[2] == theirs[2]
            assert (ours[3] is None) == (theirs[3] is None)
            if theirs[3] is not None:
                close(ours[3], theirs[3])
    rank1 = np.outer(np.arange(1.0, 5.0), [1.0, 2.0])
    ours, theirs = slin.lstsq(rank1, np.ones(4)), sl.lstsq(rank1, np.ones(4))
    close(ours[0], theirs[0])
    assert ours[2] == theirs[2] == 1 and np.shape(ours[1]) == np.shape(theirs[1]) == (0,)
    y = _r.standard_normal(4)
    check(lambda a, b: slin.lstsq(a, b)[0], TALL, y)
    check(lambda a, b: slin.lstsq(a, b)[1], TALL, y)


def test_lists_and_integers_are_accepted_as_scipy():
    close(slin.solve_triangular([[2, 0], [1, 4]], [2, 9], lower=True),
          sl.solve_triangular([[2, 0], [1, 4]], [2, 9], lower=True))
    close(slin.expm([[0, 1], [0, 0]]), sl.expm(np.array([[0, 1], [0, 0]])))
    close(slin.det([[1, 2], [3, 4]]), sl.det([[1, 2], [3, 4]]))


# ---- errors --------------------------------------------------------------------------------

ERRORS = [
    (lambda: slin.solve_triangular(np.ones((3, 2)), V), ValueError,
     r"solve_triangular: a must be a square matrix .* got shape \(3, 2\)"),
    (lambda: slin.solve_triangular(A, np.ones(4)), ValueError,
     r"solve_triangular: b of shape \(4,\) does not fit a of shape \(3, 3\)"),
    (lambda: slin.solve_triangular(np.stack([A, A]), np.ones((3, 3, 2))), ValueError,
     r"solve_triangular: the stacks of a \(shape \(2, 3, 3\)\) and b \(shape \(3, 3, 2\)\)"),
    (lambda: slin.solve_triangular(A, V, trans=3), ValueError, "solve_triangular: trans must"),
    (lambda: slin.solve_triangular(A * np.nan, V), ValueError,
     "solve_triangular: a must not contain infs or NaNs"),
    (lambda: slin.cho_solve((np.ones((2, 3)), True), V), ValueError,
     r"cho_solve: c must be a square matrix .* got shape \(2, 3\)"),
    (lambda: slin.cho_solve((A, True), np.ones((2, 2))), ValueError,
     r"cho_solve: b of shape \(2, 2\) does not fit c of shape \(3, 3\)"),
    (lambda: slin.cho_solve(A, V), TypeError, r"cho_solve: c_and_lower must be the pair"),
    (lambda: slin.lu_factor(np.ones((2, 3))), ValueError, r"lu_factor: a must be a square"),
    (lambda: slin.lu_solve(sl.lu_factor(A), np.ones(2)), ValueError,
     r"lu_solve: b of shape \(2,\) does not fit lu of shape \(3, 3\)"),
    (lambda: slin.lu_solve((A, np.zeros(2, dtype=np.int32)), V), ValueError,
     r"lu_solve: piv of shape \(2,\) does not fit lu of shape \(3, 3\)"),
    (lambda: slin.lu_solve(sl.lu_factor(A), V, trans="T"), ValueError, "lu_solve: trans must"),
    (lambda: slin.expm(np.ones(3)), ValueError, r"expm: A must be a square .* got shape \(3,\)"),
    (lambda: slin.sqrtm(np.ones((2, 3))), ValueError, r"sqrtm: A must be a square"),
    (lambda: slin.solve_sylvester(A, np.eye(2), np.ones((2, 2))), ValueError,
     r"solve_sylvester: q of shape \(2, 2\) does not fit a of shape \(3, 3\) and b of shape "
     r"\(2, 2\): it needs shape \(\.\.\., 3, 2\)"),
    (lambda: slin.solve_sylvester(np.ones((3, 2)), np.eye(2), B), ValueError,
     r"solve_sylvester: a must be a square"),
    (lambda: slin.block_diag(A, np.ones((2, 2, 2))), ValueError,
     r"block_diag: arguments in positions \[1\] \(shapes \[\(2, 2, 2\)\]\)"),
    (lambda: slin.solve(A, V, assume_a="triangular"), ValueError,
     "solve: assume_a='triangular' is not a recognized matrix structure"),
    (lambda: slin.inv(A, assume_a="banded"), ValueError, "inv: assume_a='banded' is not"),
    (lambda: slin.solve(A + 1j, V, transposed=True), NotImplementedError,
     "solve: transposed=True is not supported for complex a"),
    (lambda: slin.solve(np.ones((3, 3)), np.ones((2, 1))), ValueError,
     r"solve: b of shape \(2, 1\) does not fit a of shape \(3, 3\)"),
    (lambda: slin.qr(TALL), ValueError, "qr: mode='full' of a tall 4×3 matrix"),
    (lambda: slin.qr(TALL, mode="raw"), ValueError, "qr: mode='raw'"),
    (lambda: slin.qr(A, mode="reduced"), ValueError, "qr: mode must be"),
    (lambda: slin.svd(TALL), ValueError, "svd: full_matrices=True of a 4×3 matrix"),
    (lambda: slin.svd(A, lapack_driver="gesvj"), ValueError, "svd: lapack_driver must be"),
    (lambda: slin.eigh(A, type=4), ValueError, "eigh: type must be 1, 2 or 3"),
    (lambda: slin.eigh(SPD, np.eye(2)), ValueError, r"eigh: b of shape \(2, 2\) must have"),
    (lambda: slin.eigh(SPD, subset_by_index=(2, 5)), ValueError, "eigh: subset_by_index"),
    (lambda: slin.eig(A, np.eye(3)), NotImplementedError, "eig: the generalized problem"),
    (lambda: slin.eig(A, left=True), NotImplementedError, "eig: left eigenvectors"),
    (lambda: slin.pinv(A, atol=-1.0), ValueError, "pinv: atol and rtol must be non-negative"),
    (lambda: slin.lstsq(A, V, lapack_driver="gels"), ValueError, "lstsq: lapack_driver must"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=range(len(ERRORS)))
def test_errors_name_the_function_the_argument_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_check_finite_false_skips_the_check():
    out = slin.solve_triangular(A * np.nan, V, check_finite=False)
    assert np.all(np.isnan(out))
