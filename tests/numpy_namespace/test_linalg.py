"""semigrad.numpy.linalg: values against numpy.linalg, derivatives to order 2, conventions.

(The per-primitive gradient, batched-seed, semiring and symbolic checks live in
the CASES table of test_primitives.py.)
"""

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp
import semigrad.numpy.linalg as sla

rng = np.random.default_rng(3)


def well(*shape):
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def spd(*shape):
    n = shape[-1]
    g = rng.standard_normal(shape)
    return g @ np.swapaxes(g, -1, -2) + n * np.eye(n) + np.diag(np.arange(n) * 2.0)


A, S = well(3, 3), spd(3, 3)
AS, SS = well(2, 3, 3), spd(2, 3, 3)  # stacks of matrices
B, BM = rng.standard_normal(3), rng.standard_normal((3, 2))


@pytest.mark.parametrize("name, ours, ref, args", [
    ("inv", sla.inv, np.linalg.inv, (AS,)),
    ("det", sla.det, np.linalg.det, (AS,)),
    ("solve-vec", sla.solve, np.linalg.solve, (A, B)),
    ("solve-mat", sla.solve, np.linalg.solve, (AS, rng.standard_normal((2, 3, 2)))),
    ("cholesky", sla.cholesky, np.linalg.cholesky, (SS,)),
    ("eigvalsh", sla.eigvalsh, np.linalg.eigvalsh, (SS,)),
    ("slogdet", lambda a: sla.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], (AS,)),
    ("matrix_power", lambda a: sla.matrix_power(a, 5), lambda a: np.linalg.matrix_power(a, 5),
     (A,)),
    ("matrix_power-neg", lambda a: sla.matrix_power(a, -3),
     lambda a: np.linalg.matrix_power(a, -3), (A,)),
    ("matrix_power-0", lambda a: sla.matrix_power(a, 0), lambda a: np.linalg.matrix_power(a, 0),
     (A,)),
    ("pinv", sla.pinv, np.linalg.pinv, (rng.standard_normal((4, 2)),)),
    ("norm", sla.norm, np.linalg.norm, (A,)),
    ("norm-axis", lambda x: sla.norm(x, axis=1), lambda x: np.linalg.norm(x, axis=1), (A,)),
    ("norm-1", lambda x: sla.norm(x, 1), lambda x: np.linalg.norm(x, 1), (B,)),
    ("norm-inf", lambda x: sla.norm(x, np.inf), lambda x: np.linalg.norm(x, np.inf), (B,)),
])
def test_values_match_numpy(name, ours, ref, args):
    np.testing.assert_allclose(ours(*args), ref(*args), rtol=1e-10, atol=1e-12)


def test_eigh_matches_numpy_up_to_sign():
    w, v = sla.eigh(S)
    w0, v0 = np.linalg.eigh(S)
    np.testing.assert_allclose(w, w0, rtol=1e-12)
    np.testing.assert_allclose(np.abs(v), np.abs(v0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, S, rtol=1e-10, atol=1e-10)
    assert np.all(v[np.argmax(np.abs(v), axis=0), np.arange(3)] > 0)


@pytest.mark.parametrize("name, fn, args", [
    ("inv-stack", sla.inv, (AS,)),
    ("det-stack", sla.det, (AS,)),
    ("solve-stack", sla.solve, (AS, rng.standard_normal((2, 3, 2)))),
    ("cholesky-stack", sla.cholesky, (SS,)),
    ("eigvalsh-stack", sla.eigvalsh, (SS,)),
    ("eigh-vectors-stack", lambda a: sla.eigh(a)[1], (SS,)),
    ("slogdet", lambda a: sla.slogdet(a)[1], (A,)),
    ("matrix_power", lambda a: sla.matrix_power(a, 3), (A,)),
    ("matrix_power-neg", lambda a: sla.matrix_power(a, -2), (A,)),
    ("pinv", sla.pinv, (rng.standard_normal((4, 2)),)),
    ("norm", sla.norm, (A,)),
    ("chain", lambda a, b: sla.solve(sla.inv(a) @ a.T + 3 * np.eye(3), b) * sla.det(a),
     (A, B)),
])
def test_gradients_to_order_two(name, fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("fn", [sla.cholesky, sla.eigvalsh, lambda a: sla.eigh(a)[1]])
def test_symmetric_routines_read_the_lower_triangle(fn):
    junk = S + np.triu(rng.standard_normal((3, 3)), 1)  # upper triangle is ignored
    np.testing.assert_allclose(fn(junk), fn(S), rtol=1e-12)
    g = sg.grad(lambda a: sg.sum(fn(a) ** 2))(junk)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)
    sg.check_grads(lambda a: fn(a) ** 2, (junk,), modes=("rev", "fwd"), order=1)


def test_known_closed_forms():
    np.testing.assert_allclose(sg.grad(sla.det)(A), np.linalg.det(A) * np.linalg.inv(A).T)
    np.testing.assert_allclose(sg.grad(lambda a: sla.slogdet(a)[1])(A), np.linalg.inv(A).T)
    # d/dA of sum(eigenvalues) = d/dA trace = identity (on the lower triangle: I)
    np.testing.assert_allclose(sg.grad(lambda a: sg.sum(sla.eigvalsh(a)))(S), np.eye(3),
                               atol=1e-12)


def test_batched_seeds_on_stacks_equal_row_by_row():
    for fn, args in [(sla.inv, (AS,)), (sla.cholesky, (SS,)), (sla.eigvalsh, (SS,))]:
        out, vjp_fn = sg.vjp(fn, *args)
        seeds = rng.standard_normal((4, *np.shape(out)))
        (batched,) = vjp_fn(seeds)
        for k in range(4):
            np.testing.assert_allclose(batched[k], vjp_fn(seeds[k])[0], rtol=1e-10, atol=1e-12)


def test_invalid_norm_order_says_so():
    with pytest.raises(ValueError, match=r"norm: invalid order ord=3 for matrices"):
        sla.norm(A, ord=3)


# --- slogdet_logabs, svd (singular values), qr: a separate generator for their draws
_r2 = np.random.default_rng(17)
TALL = _r2.standard_normal((5, 3)) + np.vstack([np.diag([4.0, 2.5, 1.0]), np.zeros((2, 3))])
WIDE = _r2.standard_normal((2, 4)) + np.array([[3.0, 0, 0, 0], [0, 1.0, 0, 0]])
TALLS = _r2.standard_normal((2, 4, 3)) + np.vstack([np.diag([4.0, 2.5, 1.0]), np.zeros((1, 3))])
SQ = _r2.standard_normal((3, 3)) + np.diag([5.0, 3.0, 1.5])


@pytest.mark.parametrize("name, ours, ref, args", [
    ("svd-tall", sla.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), (TALL,)),
    ("svd-wide", sla.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), (WIDE,)),
    ("svd-stack", sla.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), (TALLS,)),
    ("slogdet-neg", lambda a: sla.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], (-SQ,)),
    ("qr-r-abs", lambda a: np.abs(sla.qr(a)[1]), lambda a: np.abs(np.linalg.qr(a)[1]), (TALLS,)),
    ("qr-q-abs", lambda a: np.abs(sla.qr(a)[0]), lambda a: np.abs(np.linalg.qr(a)[0]), (TALLS,)),
])
def test_new_values_match_numpy(name, ours, ref, args):
    np.testing.assert_allclose(ours(*args), ref(*args), rtol=1e-10, atol=1e-12)


def test_slogdet_does_not_overflow_and_keeps_the_sign():
    big = 1e3 * np.eye(200)
    big[0, 0] = -1e3
    sign, logdet = sla.slogdet(big)
    assert float(sign) == -1.0
    np.testing.assert_allclose(logdet, 200 * np.log(1e3))
    np.testing.assert_allclose(sg.grad(lambda a: sla.slogdet(a)[1])(big), np.linalg.inv(big).T)


def test_qr_reconstructs_with_positive_diagonal():
    q, r = sla.qr(TALLS)
    np.testing.assert_allclose(q @ r, TALLS, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(3), (2, 3, 3)),
                               atol=1e-12)
    assert np.all(np.diagonal(r, axis1=-2, axis2=-1) > 0)
    np.testing.assert_array_equal(np.tril(r, -1), 0.0)


def test_svd_closed_form():
    u, s, vt = np.linalg.svd(TALL, full_matrices=False)
    g = np.array([1.0, -2.0, 0.5])
    got = sg.grad(lambda a: sg.sum(sla.svd(a, compute_uv=False) * g))(TALL)
    np.testing.assert_allclose(got, u @ np.diag(g) @ vt, atol=1e-10)


@pytest.mark.parametrize("name, fn, args", [
    ("slogdet-neg", lambda a: sla.slogdet(a)[1], (-SQ,)),
    ("slogdet-stack", lambda a: sla.slogdet(a)[1], (AS,)),
    ("svd-tall", sla.svdvals, (TALL,)),
    ("svd-wide", sla.svdvals, (WIDE,)),
    ("svd-stack", sla.svdvals, (TALLS,)),
    ("qr-r-tall", lambda a: sla.qr(a)[1], (TALL,)),
    ("qr-q-tall", lambda a: sla.qr(a)[0], (TALL,)),
    ("qr-square", lambda a: sla.qr(a)[0] @ sla.qr(a)[1] ** 2, (SQ,)),
    ("qr-stack", lambda a: sla.qr(a)[0] * 2 + sla.qr(a)[1][..., :1, :], (TALLS,)),
])
def test_new_gradients_to_order_two(name, fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


def test_new_batched_seeds_equal_row_by_row():
    for fn, args in [(sla.svdvals, (TALLS,)), (lambda a: sla.qr(a)[0], (TALLS,)),
                     (lambda a: sla.qr(a)[1], (TALLS,)), (lambda a: sla.slogdet(a)[1], (AS,))]:
        out, vjp_fn = sg.vjp(fn, *args)
        seeds = rng.standard_normal((3, *np.shape(out)))
        (batched,) = vjp_fn(seeds)
        for k in range(3):
            np.testing.assert_allclose(batched[k], vjp_fn(seeds[k])[0], rtol=1e-10, atol=1e-12)


# --- the SVD with singular vectors, wide QR, pinv, norms and the rest: their own draws
_r3 = np.random.default_rng(29)


def spread(m, n, *lead):
    """A random matrix with well-separated singular values 3, 2, 1, ... (stacks too)."""
    k = min(m, n)
    out = np.empty((*lead, m, n))
    for idx in np.ndindex(*lead):
        u, _ = np.linalg.qr(_r3.standard_normal((m, k)))
        v, _ = np.linalg.qr(_r3.standard_normal((n, k)))
        out[idx] = (u * (np.arange(k, 0, -1) + 0.5)) @ v.T
    return out


MATS = {
    "tall": spread(5, 3), "wide": spread(2, 4), "square": spread(3, 3),
    "tall-stack": spread(4, 2, 2), "wide-stack": spread(2, 3, 2, 1),
}


def reduced(a):
    return sla.svd(a, full_matrices=False)


@pytest.mark.parametrize("name", MATS)
def test_svd_values_signs_and_reconstruction(name):
    a = MATS[name]
    u, s, vh = reduced(a)
    u0, s0, vh0 = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(s, s0, rtol=1e-12)
    # NumPy's vectors up to one sign per singular pair, the same sign for u_i and v_i
    sign = np.sign(np.sum(u * u0, axis=-2))
    np.testing.assert_allclose(u, u0 * sign[..., None, :], atol=1e-12)
    np.testing.assert_allclose(vh, vh0 * sign[..., :, None], atol=1e-12)
    np.testing.assert_allclose((u * s[..., None, :]) @ vh, a, atol=1e-12)
    k = s.shape[-1]
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u,
                               np.broadcast_to(np.eye(k), s.shape + (k,)), atol=1e-12)
    np.testing.assert_allclose(a @ np.swapaxes(vh, -1, -2), u * s[..., None, :], atol=1e-12)
    # the convention: each column of U has its largest-magnitude entry positive
    top = np.take_along_axis(u, np.argmax(np.abs(u), axis=-2)[..., None, :], axis=-2)
    assert np.all(top > 0)


def test_svd_result_fields_and_modes():
    a = MATS["square"]
    res = sla.svd(a)  # full_matrices=True is the reduced SVD for a square matrix
    assert isinstance(res, sla.SVDResult) and res.U is res[0] and res.Vh is res[2]
    np.testing.assert_allclose(res.S, sla.svdvals(a))
    np.testing.assert_allclose(sla.svd(a, compute_uv=False), res.S)
    for part in range(3):
        np.testing.assert_allclose(res[part], reduced(a)[part])
    sym = a + a.T
    junk = sym + np.triu(_r3.standard_normal((3, 3)), 1)  # hermitian=True reads the lower triangle
    for part in range(3):
        np.testing.assert_allclose(sla.svd(junk, hermitian=True)[part], sla.svd(sym)[part],
                                   atol=1e-12)
    np.testing.assert_allclose(sla.svd(junk, hermitian=True).S,
                               np.linalg.svd(junk, hermitian=True, compute_uv=False), rtol=1e-12)


@pytest.mark.parametrize("name", MATS)
@pytest.mark.parametrize("part", [0, 1, 2])
def test_svd_gradients_to_order_two(name, part):
    sg.check_grads(lambda a: reduced(a)[part], (MATS[name],), modes=("rev", "fwd"), order=2)


def test_svd_third_order_and_sign_free_closed_form():
    a = MATS["tall"]
    sg.check_grads(lambda m: sg.outer(reduced(m).U[:, 0], reduced(m).Vh[1]), (a,),
                   modes=("rev",), order=3)
    # the rank-1 truncation s₀ u₀ v₀ᵀ is sign-free: compare with central differences of NumPy's
    def top(m):
        u, s, vh = np.linalg.svd(m, full_matrices=False)
        return s[0] * np.outer(u[:, 0], vh[0])
    w = _r3.standard_normal((5, 3))
    got = sg.grad(lambda m: sg.sum(reduced(m).S[0] * sg.outer(reduced(m).U[:, 0],
                                                              reduced(m).Vh[0]) * w))(a)
    eps, num = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[idx] = eps
        num[idx] = np.sum((top(a + d) - top(a - d)) * w) / (2 * eps)
    np.testing.assert_allclose(got, num, atol=1e-7)


def test_svd_batched_seeds_and_tangents_on_stacks():
    a = MATS["wide-stack"]
    for part in range(3):
        fn = lambda m, part=part: reduced(m)[part]  # noqa: E731
        out, vjp_fn = sg.vjp(fn, a)
        seeds = _r3.standard_normal((3, *np.shape(out)))
        (batched,) = vjp_fn(seeds)
        tangents = _r3.standard_normal((3, *a.shape))
        _, tb = sg.jvp(fn, (a,), (tangents,))
        for k in range(3):
            np.testing.assert_allclose(batched[k], vjp_fn(seeds[k])[0], atol=1e-10)
            np.testing.assert_allclose(tb[k], sg.jvp(fn, (a,), (tangents[k],))[1], atol=1e-10)


def test_svd_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"svd: full_matrices=True of a 5×3 matrix .* "
                                         r"pass full_matrices=False .*U 5×3, S 3, Vh 3×3"):
        sla.svd(MATS["tall"])
    with pytest.raises(ValueError, match=r"2×4 .* rows of Vh"):
        sla.svd(MATS["wide"])
    with pytest.raises(np.linalg.LinAlgError, match=r"svd: needs a matrix .* shape \(3,\)"):
        sla.svd(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match=r"svdvals: .*shape \(\)"):
        sla.svdvals(np.float64(1.0))


# --- QR of wide matrices and the modes

WIDE2, WIDES = spread(3, 5) + 0.1, spread(2, 4, 2)


@pytest.mark.parametrize("a", [WIDE2, WIDES], ids=["wide", "wide-stack"])
def test_wide_qr_matches_numpy(a):
    q, r = sla.qr(a)
    q0, r0 = np.linalg.qr(a)
    m = a.shape[-2]
    assert q.shape == q0.shape and r.shape == r0.shape == a.shape
    sign = np.sign(np.diagonal(r0, axis1=-2, axis2=-1))
    np.testing.assert_allclose(q, q0 * sign[..., None, :], atol=1e-12)
    np.testing.assert_allclose(r, r0 * sign[..., :, None], atol=1e-12)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    assert np.all(np.diagonal(r, axis1=-2, axis2=-1) > 0)
    np.testing.assert_array_equal(np.tril(r[..., :m], -1), 0.0)
    np.testing.assert_allclose(sla.qr(a, mode="r"), r)
    for x, y in zip(sla.qr(a, mode="complete"), (q, r)):
        np.testing.assert_allclose(x, y)


@pytest.mark.parametrize("part", [0, 1])
@pytest.mark.parametrize("a", [WIDE2, WIDES], ids=["wide", "wide-stack"])
def test_wide_qr_gradients_to_order_two(a, part):
    sg.check_grads(lambda m: sla.qr(m)[part], (a,), modes=("rev", "fwd"), order=2)


def test_qr_modes_and_errors():
    res = sla.qr(TALL)
    assert isinstance(res, sla.QRResult) and res.Q is res[0]
    np.testing.assert_allclose(sla.qr(TALL, mode="r"), res.R)
    np.testing.assert_allclose(sla.qr(SQ, mode="complete").Q, sla.qr(SQ).Q)
    with pytest.raises(ValueError, match=r"qr: mode='complete' of a tall 5×3 .* mode='reduced'"):
        sla.qr(TALL, mode="complete")
    with pytest.raises(ValueError, match="qr: mode='raw'"):
        sla.qr(TALL, mode="raw")
    with pytest.raises(ValueError, match="qr: unrecognized mode 'full'"):
        sla.qr(TALL, mode="full")
    with pytest.raises(np.linalg.LinAlgError, match=r"qr: needs a matrix"):
        sla.qr(np.ones(3))


# --- pinv

RANK1 = np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0, -2.0])  # 3×4 of rank 1
RANK2 = _r3.standard_normal((5, 2)) @ _r3.standard_normal((2, 4))
RANKS = np.stack([RANK2, spread(5, 4)])


@pytest.mark.parametrize("a", [RANK1, RANK1.T, RANK2, RANKS, MATS["tall"], MATS["wide-stack"]],
                         ids=["rank1-wide", "rank1-tall", "rank2", "stack", "full-tall",
                              "full-wide-stack"])
def test_pinv_matches_numpy(a):
    np.testing.assert_allclose(sla.pinv(a), np.linalg.pinv(a), atol=1e-12)
    p = sla.pinv(a)
    np.testing.assert_allclose(a @ p @ a, a, atol=1e-10)


def test_pinv_cutoff_follows_numpy():
    u, _ = np.linalg.qr(_r3.standard_normal((4, 3)))
    a = (u * np.array([1.0, 1e-3, 1e-13])) @ np.eye(3)
    for kw in [{}, {"rcond": 1e-12}, {"rtol": 1e-2}, {"rtol": None}, {"rcond": 1e-14}]:
        np.testing.assert_allclose(sla.pinv(a, **kw), np.linalg.pinv(a, **kw), rtol=1e-9)
    assert np.abs(sla.pinv(a)).max() > 1e12  # default rcond 1e-15 keeps 1e-13
    assert np.abs(sla.pinv(a, rtol=1e-2)).max() < 2.0
    with pytest.raises(ValueError, match="pinv: rtol and rcond"):
        sla.pinv(a, rcond=1e-3, rtol=1e-3)
    sym = S + np.triu(np.full((3, 3), 7.0), 1)
    np.testing.assert_allclose(sla.pinv(sym, hermitian=True), np.linalg.pinv(sym, hermitian=True),
                               atol=1e-12)


@pytest.mark.parametrize("name, fn, args", [
    ("full-tall", sla.pinv, (MATS["tall"],)),
    ("full-wide-stack", sla.pinv, (MATS["wide-stack"],)),
    ("rank1-path", lambda b, c: sla.pinv(b @ c), (_r3.standard_normal((3, 1)),
                                                  _r3.standard_normal((1, 4)))),
    ("rank2-path", lambda b, c: sla.pinv(b @ c), (_r3.standard_normal((5, 2)),
                                                  _r3.standard_normal((2, 4)))),
    ("square", sla.pinv, (A,)),
])
def test_pinv_gradients_to_order_two(name, fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


def test_pinv_of_invertible_is_inv():
    np.testing.assert_allclose(sg.jacobian(sla.pinv)(A), sg.jacobian(sla.inv)(A), atol=1e-10)


# --- norms: every ord / axis combination against NumPy

V = _r3.standard_normal(5)
V0 = V * np.array([1.0, 0.0, 1.0, 1.0, 1.0])  # one zero, for ord=0
M3 = _r3.standard_normal((3, 4, 2)) + np.arange(24).reshape(3, 4, 2) * 0.05  # distinct sums

VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1, -2.5]
MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("x, axis", [(V, None), (V, 0), (V, -1), (V, (0,)), (M3, 0), (M3, -1),
                                     (M3, (1,))])
def test_vector_norms_match_numpy(x, axis, ord, keepdims):
    got = sla.norm(x, ord, axis, keepdims)
    want = np.linalg.norm(x, ord, axis, keepdims)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("x, axis", [(M3[0], None), (M3[0], (0, 1)), (M3[0], (1, 0)),
                                     (M3, (0, 2)), (M3, (2, 0)), (M3, (-1, -2)), (M3, (1, 2))])
def test_matrix_norms_match_numpy(x, axis, ord, keepdims):
    got = sla.norm(x, ord, axis, keepdims)
    want = np.linalg.norm(x, ord, axis, keepdims)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("x, ord, axis", [
    (M3, None, None), (V0, 0, None), (np.float64(-3.0), None, None),
    (np.arange(6).reshape(2, 3), None, None), (np.arange(6).reshape(2, 3), 1, None),
    (np.arange(6).reshape(2, 3), "nuc", None), (np.arange(5), 3, None),
])
def test_whole_array_and_integer_norms_match_numpy(x, ord, axis):
    for keepdims in (False, True):
        got = sla.norm(x, ord, axis, keepdims)
        want = np.linalg.norm(x, ord, axis, keepdims)
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("ord", [o for o in VECTOR_ORDS if o != 0])
def test_vector_norm_gradients_to_order_two(ord):
    sg.check_grads(lambda x: sla.norm(x, ord, axis=1, keepdims=True), (M3,),
                   modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradients_to_order_two(ord):
    sg.check_grads(lambda x: sla.norm(x, ord, axis=(2, 0)), (M3,), modes=("rev", "fwd"), order=2)


def test_count_norm_has_zero_derivative():
    assert float(sla.norm(V0, 0)) == 4.0
    np.testing.assert_array_equal(sg.grad(lambda x: sla.norm(x, 0) + sg.sum(x))(V0), np.ones(5))


@pytest.mark.parametrize("call, message", [
    (lambda: sla.norm(V, "fro"), r"norm: invalid order ord='fro' for vectors \(axis=None, "
                                 r"input shape \(5,\)\)"),
    (lambda: sla.norm(M3, "nuc", axis=1), r"ord='nuc' for vectors \(axis=1, input shape "
                                          r"\(3, 4, 2\)\)"),
    (lambda: sla.norm(M3[0], 3), r"norm: invalid order ord=3 for matrices \(axis=None, "
                                 r"input shape \(4, 2\)\)"),
    (lambda: sla.norm(M3[0], "x", axis=(0, 1)), r"invalid order ord='x' for matrices"),
    (lambda: sla.norm(M3, 2), r"norm: improper number of dimensions .*axis=None, input shape "
                              r"\(3, 4, 2\)"),
    (lambda: sla.norm(M3, None, (0, 1, 2)), r"improper number of dimensions"),
    (lambda: sla.norm(M3, None, (1, -2)), r"norm: duplicate axes given \(axis=\(1, -2\)"),
    (lambda: sla.norm(M3, None, 3), r"norm: axis 3 is out of range .*\(3, 4, 2\)"),
    (lambda: sla.matrix_norm(V), r"matrix_norm: needs a matrix"),
    (lambda: sla.vector_norm(V, ord="fro"), r"vector_norm: invalid order ord='fro'"),
    (lambda: sla.cond(A, 3), r"cond: invalid p=3"),
])
def test_norm_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_norm_axis_type_error():
    with pytest.raises(TypeError, match="norm: 'axis' must be None, an integer or a tuple"):
        sla.norm(M3, axis="rows")


@pytest.mark.parametrize("axis", [None, 1, (0, 2), (2, 0, 1), (-1,)])
@pytest.mark.parametrize("ord", [2, 1, np.inf, 0, 3])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm_matches_numpy(axis, ord, keepdims):
    got = sla.vector_norm(M3, axis=axis, ord=ord, keepdims=keepdims)
    want = np.linalg.vector_norm(M3, axis=axis, ord=ord, keepdims=keepdims)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("ord", MATRIX_ORDS[1:])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norm_matches_numpy(ord, keepdims):
    got = sla.matrix_norm(M3, ord=ord, keepdims=keepdims)
    want = np.linalg.matrix_norm(M3, ord=ord, keepdims=keepdims)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_vector_and_matrix_norm_gradients():
    sg.check_grads(lambda x: sla.vector_norm(x, axis=(0, 2), ord=3), (M3,),
                   modes=("rev", "fwd"), order=2)
    sg.check_grads(lambda x: sla.matrix_norm(x, ord="nuc"), (M3,), modes=("rev", "fwd"), order=2)


# --- cond, matrix_rank, lstsq, multi_dot, outer, tensorinv, tensorsolve


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"])
def test_cond_matches_numpy_and_differentiates(p):
    np.testing.assert_allclose(sla.cond(AS, p), np.linalg.cond(AS, p), rtol=1e-10)
    sg.check_grads(lambda a: sla.cond(a, p), (MATS["square"],), modes=("rev", "fwd"), order=2)


def test_cond_of_non_square_uses_singular_values():
    np.testing.assert_allclose(sla.cond(MATS["tall"]), np.linalg.cond(MATS["tall"]), rtol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match=r"cond: needs square matrices, got shape "
                                                    r"\(5, 3\)"):
        sla.cond(MATS["tall"], 1)


def test_matrix_rank_is_numpy_s():
    for a in [RANK1, RANK2, RANKS, MATS["tall"], np.zeros((2, 2))]:
        np.testing.assert_array_equal(sla.matrix_rank(a), np.linalg.matrix_rank(a))
    assert sla.matrix_rank(sg.tensor(RANK2, requires_grad=True)) == 2
    assert sla.matrix_rank(np.diag([1.0, 1e-3]), rtol=1e-2) == 1


@pytest.mark.parametrize("a, b", [
    (MATS["tall"], _r3.standard_normal(5)),
    (MATS["tall"], _r3.standard_normal((5, 2))),
    (MATS["wide"], _r3.standard_normal(2)),
    (RANK2, _r3.standard_normal((5, 3))),
    (MATS["square"], _r3.standard_normal(3)),
])
def test_lstsq_matches_numpy(a, b):
    x, res, rank, s = sla.lstsq(a, b)
    x0, res0, rank0, s0 = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, x0, atol=1e-10)
    assert np.shape(res) == np.shape(res0) and rank == rank0
    np.testing.assert_allclose(res, res0, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(s, s0, rtol=1e-12)


def test_lstsq_gradients_and_errors():
    a, b = MATS["tall"], _r3.standard_normal((5, 2))
    for part in (0, 1, 3):
        sg.check_grads(lambda m, y, part=part: sla.lstsq(m, y)[part], (a, b),
                       modes=("rev", "fwd"), order=2)
    with pytest.raises(np.linalg.LinAlgError, match=r"lstsq: .*got shapes \(5, 3\) and \(4,\)"):
        sla.lstsq(a, np.ones(4))


def test_multi_dot_outer_tensor_forms():
    ms = [_r3.standard_normal(s) for s in [(3,), (3, 6), (6, 2), (2, 4), (4,)]]
    np.testing.assert_allclose(sla.multi_dot(ms), np.linalg.multi_dot(ms), rtol=1e-12)
    np.testing.assert_allclose(sla.multi_dot(ms[1:4]), np.linalg.multi_dot(ms[1:4]), rtol=1e-12)
    np.testing.assert_allclose(sla.multi_dot(ms[:3]), np.linalg.multi_dot(ms[:3]), rtol=1e-12)
    np.testing.assert_allclose(sla.multi_dot(ms[:2]), np.linalg.multi_dot(ms[:2]), rtol=1e-12)
    sg.check_grads(lambda *xs: sla.multi_dot(xs), tuple(ms[1:]), modes=("rev", "fwd"), order=2)
    with pytest.raises(ValueError, match="multi_dot: expects at least two arrays"):
        sla.multi_dot(ms[:1])
    np.testing.assert_allclose(sla.outer(ms[0], ms[4]), np.linalg.outer(ms[0], ms[4]))
    with pytest.raises(ValueError, match=r"outer: needs two 1-D arrays, got shapes \(3, 6\)"):
        sla.outer(ms[1], ms[0])
    t = well(6, 6).reshape(6, 2, 3)
    np.testing.assert_allclose(sla.tensorinv(t, ind=1), np.linalg.tensorinv(t, ind=1))
    t4 = well(6, 6).reshape(2, 3, 3, 2)
    np.testing.assert_allclose(sla.tensorinv(t4), np.linalg.tensorinv(t4), rtol=1e-12)
    rhs = _r3.standard_normal(6)
    np.testing.assert_allclose(sla.tensorsolve(t, rhs), np.linalg.tensorsolve(t, rhs))
    t3 = np.moveaxis(t, 0, 2)
    np.testing.assert_allclose(sla.tensorsolve(t3, rhs, axes=(0, 1)),
                               np.linalg.tensorsolve(t3, rhs, axes=(0, 1)))
    sg.check_grads(sla.tensorsolve, (t, rhs), modes=("rev", "fwd"), order=2)
    with pytest.raises(np.linalg.LinAlgError, match="tensorsolve: needs prod"):
        sla.tensorsolve(t, np.ones((2, 3)))


# ---- complex matrices ------------------------------------------------------------------

_crng = np.random.default_rng(11)


def _c(*shape):
    return _crng.standard_normal(shape) + 1j * _crng.standard_normal(shape)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 4), (2, 3, 3)])
def test_complex_decompositions_reconstruct_and_follow_the_phase_convention(shape):
    a = _c(*shape)
    u, s, vh = sla.svd(a, full_matrices=False)
    np.testing.assert_allclose((u * s[..., None, :]) @ vh, a, atol=1e-12)
    top = np.take_along_axis(u, np.argmax(np.abs(u), axis=-2)[..., None, :], axis=-2)
    assert np.allclose(top.imag, 0) and np.all(top.real > 0)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-12)
    q, r = sla.qr(a)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    assert np.allclose(d.imag, 0) and np.all(d.real > 0)
    np.testing.assert_allclose(sla.pinv(a), np.linalg.pinv(a), atol=1e-12)
    for o in (None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf):
        np.testing.assert_allclose(sla.norm(a, o, axis=(-2, -1)),
                                   np.linalg.norm(a, o, axis=(-2, -1)), rtol=1e-12)
    for o in (None, 1, 2, 3.5, np.inf, -np.inf, 0):
        np.testing.assert_allclose(sla.norm(a, o, axis=-1), np.linalg.norm(a, o, axis=-1),
                                   rtol=1e-12)


def test_complex_hermitian_decompositions_match_numpy():
    m = _c(3, 3)
    h = m @ m.conj().T + np.eye(3)
    low = np.tril(h) + np.triu(_c(3, 3), 1)  # only the lower triangle is read, as NumPy
    low[np.diag_indices(3)] += 0.7j  # and the imaginary part of the diagonal is ignored
    np.testing.assert_allclose(sla.cholesky(low), np.linalg.cholesky(h), atol=1e-12)
    w, v = sla.eigh(low)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(h), atol=1e-12)
    np.testing.assert_allclose(h @ v, v * w, atol=1e-12)
    sign, logabs = sla.slogdet(m)
    np.testing.assert_allclose([sign, logabs], np.linalg.slogdet(m), atol=1e-12)


def test_complex_linalg_gradients_follow_jax_convention():
    # f = |det A|²: df = 2 Re(conj(det)·det·tr(A⁻¹ dA)), so ∂f/∂X − i ∂f/∂Y = 2 |det|² A⁻ᵀ.
    a = _c(3, 3)
    g = sg.grad(lambda x: snp.abs(sla.det(x)) ** 2)(a)
    want = 2 * np.abs(np.linalg.det(a)) ** 2 * np.linalg.inv(a).T
    np.testing.assert_allclose(g, want, rtol=1e-10)
    # The sum of singular values is the nuclear norm; its gradient is conj(U Vᴴ) here.
    u, _, vh = np.linalg.svd(a)
    np.testing.assert_allclose(sg.grad(lambda x: sla.norm(x, "nuc"))(a), np.conj(u @ vh),
                               rtol=1e-10)


@pytest.mark.parametrize("name, fn, shape", [
    ("cholesky", sla.cholesky, "hpd"),
    ("eigh", lambda a: sla.eigh(a)[1] * sla.eigh(a)[0], "hpd"),
    ("svd", lambda a: sla.svd(a, full_matrices=False)[0] @ sla.svd(a, full_matrices=False)[2],
     (4, 3)),
    ("qr-wide", lambda a: sla.qr(a)[1], (2, 4)),
    ("pinv", sla.pinv, (2, 3, 4)),
    ("slogdet", lambda a: sla.slogdet(a)[0] * sla.slogdet(a)[1], (2, 3, 3)),
    ("lstsq", lambda a: sla.lstsq(a, np.ones((4, 2)))[0], (4, 3)),
    ("norm-2", lambda a: sla.norm(a, 2), (3, 4)),
])
def test_complex_linalg_check_grads(name, fn, shape):
    if shape == "hpd":
        m = _c(3, 3)
        a = m @ m.conj().T + 2 * np.eye(3)
    else:
        a = _c(*shape)
    sg.check_grads(fn, (a,), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("a", [
    np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 0.2, 5.0]]),   # real spectrum
    np.array([[0.0, 1.0, 0.3], [-2.0, 0.1, 0.0], [0.5, 0.0, 1.0]]),  # complex pair
    _c(3, 3),
])
def test_eig_of_general_matrices(a):
    w, v = sla.eig(a)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1.0)
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(np.linalg.eigvals(a)))
    assert w.dtype == np.linalg.eigvals(a).dtype  # real when every eigenvalue is real
    top = np.take_along_axis(v, np.argmax(np.abs(v), axis=0)[None], axis=0)
    assert np.allclose(np.imag(top), 0) and np.all(np.real(top) > 0)
    # d(Σ λ)/dA = I (the trace); Σ λ² = tr(A²) gives 2 Aᵀ (holomorphic rules, JAX's convention)
    np.testing.assert_allclose(sg.grad(lambda m: snp.real(sla.eigvals(m).sum()))(a),
                               np.eye(3), atol=1e-10)
    np.testing.assert_allclose(sg.grad(lambda m: snp.real((sla.eigvals(m) ** 2).sum()))(a),
                               2 * a.T, atol=1e-9)  # grad Re g = g' for holomorphic g
    sg.check_grads(lambda m: sla.eig(m)[1] * sla.eig(m)[0], (a,), modes=("rev", "fwd"), order=2)
    with pytest.raises(sla.LinAlgError, match="eig: needs square matrices"):
        sla.eig(np.ones((2, 3)))


@pytest.mark.parametrize("a_shape, b_shape", [
    ((4, 4), (4,)), ((4, 4), (4, 3)), ((4, 4), (2, 4, 3)), ((2, 4, 4), (4,)),
    ((2, 4, 4), (4, 3)), ((2, 4, 4), (2, 4, 3)), ((2, 4, 4), (3, 2, 4, 1)),
])
def test_solve_broadcasts_stacks_in_every_rule(a_shape, b_shape):
    r = np.random.default_rng(1)
    a = r.standard_normal(a_shape) + 4 * np.eye(4)
    b = r.standard_normal(b_shape)
    np.testing.assert_allclose(sla.solve(a, b), np.linalg.solve(a, b), rtol=1e-12)
    sg.check_grads(sla.solve, (a, b), modes=("rev", "fwd"), order=2)


def test_hessian_through_cholesky_and_solve():
    # forward over reverse: solve's reverse rule solves with a batched right-hand side
    x = np.linspace(-1.0, 1.0, 5)
    y = np.sin(x)

    def f(p):
        k = np.exp(-(x[:, None] - x[None, :]) ** 2 / snp.exp(p[0])) + snp.exp(p[1]) * np.eye(5)
        chol = sla.cholesky(k)
        return y @ sla.solve(chol.T, sla.solve(chol, y)) + snp.sum(snp.log(snp.diagonal(chol)))

    p = np.array([0.3, -1.0])
    h = sg.hessian(f)(p)
    np.testing.assert_allclose(h, h.T, atol=1e-9)
    np.testing.assert_allclose(h, sg.numeric.hessian(f, p), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, args, kw", [
    ("cross", (np.arange(6.0).reshape(2, 3), np.ones(3)), {}),
    ("diagonal", (np.arange(18.0).reshape(2, 3, 3),), {"offset": 1}),
    ("trace", (np.arange(18.0).reshape(2, 3, 3) * (1 + 1j),), {}),
    ("matmul", (np.ones((2, 3, 4)), np.arange(4.0)), {}),
    ("matrix_transpose", (np.arange(6.0).reshape(2, 3),), {}),
    ("tensordot", (np.ones((2, 3, 3)), np.arange(36.0).reshape(3, 3, 4)), {"axes": 2}),
    ("vecdot", (np.arange(6.0).reshape(2, 3) * 1j, np.ones(3)), {}),
])
def test_array_api_names_of_numpy_linalg(name, args, kw):
    got = getattr(sla, name)(*args, **kw)
    want = getattr(np.linalg, name)(*args, **kw)
    np.testing.assert_allclose(got, want)
    assert np.asarray(got).dtype == want.dtype
    sg.check_grads(lambda *xs: getattr(sla, name)(*xs, **kw), args, modes=("rev", "fwd"),
                   order=2)


def test_solves_sharing_a_matrix_and_a_cotangent():
    # Two solve nodes receive the very same cotangent array (add passes it on unchanged),
    # one with a constant right-hand side: the reuse of A⁻ᵀ g must stay exact.
    r = np.random.default_rng(4)
    a = r.standard_normal((3, 3)) + 3 * np.eye(3)
    b1, b2 = r.standard_normal(3), r.standard_normal(3)
    const = r.standard_normal(3)

    def f(m, v, w):
        return sla.solve(m, v) + sla.solve(m, const) + sla.solve(m, w) * 2.0

    sg.check_grads(f, (a, b1, b2), modes=("rev", "fwd"), order=2)
    g = sg.grad(lambda m, v: snp.sum(f(m, v, b2)), argnums=(0, 1))(a, b1)
    ainv_t = np.linalg.inv(a).T
    np.testing.assert_allclose(g[1], ainv_t @ np.ones(3), rtol=1e-12)


@pytest.mark.parametrize("complex_", [False, True])
def test_upper_triangle_options_read_the_upper_triangle(complex_):
    r = np.random.default_rng(6)
    a = r.standard_normal((3, 3)) + (1j * r.standard_normal((3, 3)) if complex_ else 0)
    m = a @ a.conj().T + np.eye(3)
    up = np.triu(m) + np.tril(r.standard_normal((3, 3)), -1)  # the lower part is not read
    np.testing.assert_allclose(sla.cholesky(up, upper=True), np.linalg.cholesky(up, upper=True),
                               atol=1e-12)
    np.testing.assert_allclose(sla.eigvalsh(up, UPLO="U"), np.linalg.eigvalsh(up, UPLO="U"))
    np.testing.assert_allclose(np.abs(sla.eigh(up, UPLO="U")[1]),
                               np.abs(np.linalg.eigh(up, UPLO="U")[1]), atol=1e-12)
    sg.check_grads(lambda x: sla.cholesky(x, upper=True), (up,), modes=("rev", "fwd"), order=2)
    sg.check_grads(lambda x: sla.eigh(x, UPLO="U")[1] * sla.eigvalsh(x, "U"), (up,),
                   modes=("rev", "fwd"), order=2)
    with pytest.raises(ValueError, match="eigh: UPLO must be 'L' or 'U'"):
        sla.eigh(up, UPLO="X")
