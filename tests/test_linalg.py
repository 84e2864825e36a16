"""semigrad.numpy.linalg: values against numpy.linalg, derivatives to order 2, conventions.

(The per-primitive gradient, batched-seed, semiring and symbolic checks live in
the CASES table of test_primitives.py.)
"""

import numpy as np
import pytest

import semigrad as sg
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


def test_unsupported_norm_says_so():
    with pytest.raises(ValueError, match="norm"):
        sla.norm(A, ord=2)


# --- slogdet_logabs, svd (singular values), qr: a separate generator for their draws
_r2 = np.random.default_rng(17)
TALL = _r2.standard_normal((5, 3)) + np.vstack([np.diag([4.0, 2.5, 1.0]), np.zeros((2, 3))])
WIDE = _r2.standard_normal((2, 4)) + np.array([[3.0, 0, 0, 0], [0, 1.0, 0, 0]])
TALLS = _r2.standard_normal((2, 4, 3)) + np.vstack([np.diag([4.0, 2.5, 1.0]), np.zeros((1, 3))])
SQ = _r2.standard_normal((3, 3)) + np.diag([5.0, 3.0, 1.5])


@pytest.mark.parametrize("name, ours, ref, args", [
    ("svd-tall", sla.svd, lambda a: np.linalg.svd(a, compute_uv=False), (TALL,)),
    ("svd-wide", sla.svd, lambda a: np.linalg.svd(a, compute_uv=False), (WIDE,)),
    ("svd-stack", sla.svd, lambda a: np.linalg.svd(a, compute_uv=False), (TALLS,)),
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
    with pytest.raises(ValueError, match="qr"):
        sla.qr(WIDE)


def test_svd_closed_form_and_unsupported_vectors():
    u, s, vt = np.linalg.svd(TALL, full_matrices=False)
    g = np.array([1.0, -2.0, 0.5])
    got = sg.grad(lambda a: sg.sum(sla.svd(a) * g))(TALL)
    np.testing.assert_allclose(got, u @ np.diag(g) @ vt, atol=1e-10)
    with pytest.raises(ValueError, match="svd"):
        sla.svd(TALL, compute_uv=True)


@pytest.mark.parametrize("name, fn, args", [
    ("slogdet-neg", lambda a: sla.slogdet(a)[1], (-SQ,)),
    ("slogdet-stack", lambda a: sla.slogdet(a)[1], (AS,)),
    ("svd-tall", sla.svd, (TALL,)),
    ("svd-wide", sla.svd, (WIDE,)),
    ("svd-stack", sla.svd, (TALLS,)),
    ("qr-r-tall", lambda a: sla.qr(a)[1], (TALL,)),
    ("qr-q-tall", lambda a: sla.qr(a)[0], (TALL,)),
    ("qr-square", lambda a: sla.qr(a)[0] @ sla.qr(a)[1] ** 2, (SQ,)),
    ("qr-stack", lambda a: sla.qr(a)[0] * 2 + sla.qr(a)[1][..., :1, :], (TALLS,)),
])
def test_new_gradients_to_order_two(name, fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


def test_new_batched_seeds_equal_row_by_row():
    for fn, args in [(sla.svd, (TALLS,)), (lambda a: sla.qr(a)[0], (TALLS,)),
                     (lambda a: sla.qr(a)[1], (TALLS,)), (lambda a: sla.slogdet(a)[1], (AS,))]:
        out, vjp_fn = sg.vjp(fn, *args)
        seeds = rng.standard_normal((3, *np.shape(out)))
        (batched,) = vjp_fn(seeds)
        for k in range(3):
            np.testing.assert_allclose(batched[k], vjp_fn(seeds[k])[0], rtol=1e-10, atol=1e-12)
