"""Higher order: Hessians, k-th derivative tensors, batched Jacobians, nesting."""

import math

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import TABLE


def seed(x, y, z, v):
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


def seed_gradient(p):
    x, y, z, v = p
    e = math.exp(y ** -x - math.log(z))
    return np.array([
        e * y ** -x * -math.log(y),
        e * y ** -x * (-x / y) + 2 * (y - z) * math.log(v),
        -e / z - 2 * (y - z) * math.log(v),
        (y - z) ** 2 / v,
    ])


@pytest.mark.parametrize("point", [(0.5, 2.0, 3.0, 4.0), (1.5, 0.7, 2.2, 1.3)])
def test_hessian_of_the_seed_equals_differences_of_the_analytic_gradient(point):
    p = np.array(point)
    h = sg.hessian(lambda q: seed(q[0], q[1], q[2], q[3]))(p)
    eps = 1e-6
    fd = np.array([(seed_gradient(p + eps * e) - seed_gradient(p - eps * e)) / (2 * eps)
                   for e in np.eye(4)]).T
    np.testing.assert_allclose(h, fd, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)
    per_argument = sg.hessian(seed, argnums=(0, 1, 2, 3))(*point)
    np.testing.assert_allclose(np.array(per_argument, dtype=float), h, rtol=1e-12)


def test_derivatives_of_sum_of_cubes():
    x = np.array([0.5, -1.0, 2.0])
    n = len(x)
    d = [sg.derivative(lambda v: sg.sum(v ** 3), order=k)(x) for k in range(1, 5)]
    np.testing.assert_allclose(d[0], 3 * x ** 2)
    np.testing.assert_allclose(d[1], np.diag(6 * x))
    third = np.zeros((n, n, n))
    third[np.arange(n), np.arange(n), np.arange(n)] = 6
    np.testing.assert_allclose(d[2], third)
    assert d[3].shape == (n,) * 4 and not d[3].any()


def test_derivatives_of_exp_ax():
    a = np.array([0.3, -0.7])
    x = np.array([0.2, 0.9])
    for k in range(1, 5):
        d = sg.derivative(lambda v: sg.exp(a * v), order=k)(x)
        expected = np.zeros((2,) * (k + 1))
        for i in range(2):
            expected[(i,) * (k + 1)] = a[i] ** k * np.exp(a[i] * x[i])
        np.testing.assert_allclose(d, expected, rtol=1e-12)


def test_derivatives_of_sin_x_cos_y_are_symmetric():
    f = lambda p: sg.sin(p[0]) * sg.cos(p[1])  # noqa: E731
    p = np.array([0.4, 1.1])
    s, c = math.sin, math.cos
    x, y = p
    d3 = sg.derivative(f, order=3)(p)
    assert d3.shape == (2, 2, 2)
    expected = {
        (0, 0, 0): -c(x) * c(y), (0, 0, 1): s(x) * s(y),
        (0, 1, 1): -c(x) * c(y), (1, 1, 1): s(x) * s(y),
    }
    for idx, want in expected.items():
        for perm in {idx, idx[::-1], (idx[1], idx[0], idx[2]), (idx[0], idx[2], idx[1])}:
            assert d3[perm] == pytest.approx(want, rel=1e-12)
    d4 = sg.derivative(f, order=4)(p)
    np.testing.assert_allclose(d4, np.transpose(d4, (1, 0, 3, 2)), rtol=1e-12)
    assert d4[0, 0, 0, 0] == pytest.approx(s(x) * c(y), rel=1e-12)


def test_derivatives_of_a_quadratic_form():
    a = np.random.default_rng(0).standard_normal((3, 3))
    x = np.array([0.1, -0.4, 0.8])
    f = lambda v: v @ a @ v  # noqa: E731
    np.testing.assert_allclose(sg.derivative(f, order=1)(x), (a + a.T) @ x)
    np.testing.assert_allclose(sg.derivative(f, order=2)(x), a + a.T)
    assert not sg.derivative(f, order=3)(x).any()


@pytest.mark.parametrize("fn, args", TABLE)
def test_batched_jacobians_equal_row_by_row(fn, args):
    x = args[0]
    rest = args[1:]
    f = lambda v: fn(v, *rest)  # noqa: E731
    rev = sg.jacobian(f)(x)
    fwd = sg.jacfwd(f)(x)
    out, vjp_fn = sg.vjp(f, x)
    out = np.asarray(out)
    rows = np.array([vjp_fn(e.reshape(out.shape).astype(out.dtype))[0]
                     for e in np.eye(out.size)]).reshape(out.shape + np.shape(x))
    np.testing.assert_allclose(rev, rows, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fwd, rows, rtol=1e-5, atol=1e-6)


def test_batched_hessian_equals_row_by_row_hvps():
    a = np.random.default_rng(3).standard_normal((5, 4))
    f = lambda x: sg.sum(sg.log1p(sg.exp(a @ x))) + 0.5 * sg.sum(x * x)  # noqa: E731
    x = np.linspace(-1, 1, 4)
    h = sg.hessian(f)(x)
    rows = np.array([sg.hvp(f, (x,), (e,))[1] for e in np.eye(4)])
    np.testing.assert_allclose(h, rows, rtol=1e-12)
    s = 1 / (1 + np.exp(-(a @ x)))
    np.testing.assert_allclose(h, a.T @ np.diag(s * (1 - s)) @ a + np.eye(4), rtol=1e-12)


def test_perturbation_confusion():
    assert sg.grad(lambda x: x * sg.grad(lambda y: x + y)(1.0))(3.0) == 1.0
    # d/dx [x * d/dy (x * y)] = d/dx x^2 = 2x: the inner derivative closes over x.
    assert sg.grad(lambda x: x * sg.grad(lambda y: x * y)(2.0))(3.0) == 6.0
    assert sg.grad(lambda x: sg.grad(lambda y: x * y)(x))(3.0) == 1.0


def test_grad_inside_jvp_inside_grad():
    def inner(x):
        _, t = sg.jvp(lambda y: sg.grad(lambda z: z ** 3 * x)(y), (x,), (1.0,))
        return t  # d/dy (3 y^2 x) at y = x: 6 x^2

    assert sg.grad(inner)(2.0) == pytest.approx(24.0)


def test_forward_and_reverse_compose_both_ways():
    f = lambda x: sg.sum(sg.sin(x) * x)  # noqa: E731
    x = np.array([0.3, 1.2])
    fwd_over_rev = sg.jacfwd(sg.grad(f))(x)
    rev_over_fwd = sg.jacrev(lambda v: sg.jvp(f, (v,), (np.ones(2),))[1])(x)
    expected = np.diag(2 * np.cos(x) - x * np.sin(x))
    np.testing.assert_allclose(fwd_over_rev, expected, rtol=1e-12)
    np.testing.assert_allclose(rev_over_fwd, expected.sum(axis=0), rtol=1e-12)


def test_eager_create_graph():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = sg.sum(x ** 3)
    (g,) = sg.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.value, 3 * x.value ** 2)
    sg.sum(g).backward()
    np.testing.assert_allclose(x.grad, 6 * x.value)
    z = sg.tensor(0.5, requires_grad=True)
    w = sg.sin(z)
    w.backward(create_graph=True)
    first = z.grad
    assert isinstance(first, sg.Tensor)
    z.grad = None
    first.backward()
    assert float(z.grad) == pytest.approx(-math.sin(0.5))


def test_check_grads_recurses_to_third_order():
    sg.check_grads(lambda x: sg.sum(sg.tanh(x) ** 2), (np.array([0.3, -0.8]),),
                   modes=("rev", "fwd"), order=3)
