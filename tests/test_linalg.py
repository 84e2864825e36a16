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
