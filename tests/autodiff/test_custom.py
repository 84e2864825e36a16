"""User-defined derivatives: sg.custom_vjp, sg.custom_jvp, and primitives declared by users."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
from semigrad.primitives import REGISTRY, Elementwise

X = np.array([0.3, 0.7, 1.1])


def _sin_squared():
    @sg.custom_vjp
    def f(x):
        return np.sum(np.sin(x) ** 2)  # opaque: plain NumPy inside

    f.defvjp(lambda x: (f(x), x), lambda x, g: (g * 2 * sg.sin(x) * sg.cos(x),))
    return f


def test_custom_vjp_gradient_jacobian_and_hessian():
    f = _sin_squared()
    np.testing.assert_allclose(sg.grad(f)(X), np.sin(2 * X), rtol=1e-14)
    np.testing.assert_allclose(sg.hessian(f)(X), np.diag(2 * np.cos(2 * X)), atol=1e-14)
    jac = sg.jacobian(lambda v: f(v) * v)(X)
    np.testing.assert_allclose(jac, np.diag(np.full(3, f(X))) + np.outer(X, np.sin(2 * X)),
                               rtol=1e-13)
    sg.check_grads(lambda v: f(v) * 2.0, (X,), modes=("rev",), order=2)
    x = sg.tensor(X, requires_grad=True)
    (f(x) * 3.0).backward()
    np.testing.assert_allclose(x.grad, 3 * np.sin(2 * X), rtol=1e-14)


def test_custom_vjp_around_a_scipy_call():
    special = pytest.importorskip("scipy.special")

    @sg.custom_vjp
    def gammaln(x):
        return special.gammaln(x)

    gammaln.defvjp(lambda x: (gammaln(x), x), lambda x, g: (g * special.digamma(
        getattr(x, "value", x)),))
    g = sg.grad(lambda v: sg.sum(gammaln(v) * v))(X + 1.0)
    want = special.gammaln(X + 1.0) + (X + 1.0) * special.digamma(X + 1.0)
    np.testing.assert_allclose(g, want, rtol=1e-12)


def test_custom_vjp_rules_are_checked():
    @sg.custom_vjp
    def h(x, y):
        return x * y

    with pytest.raises(TypeError, match="no reverse rule: call f.defvjp"):
        sg.grad(h)(1.0, 2.0)
    h.defvjp(lambda x, y: (h(x, y), (x, y)), lambda res, g: (g * res[1],))
    with pytest.raises(TypeError, match=r"per argument \(2\); got tuple of length 1"):
        sg.grad(h)(1.0, 2.0)
    h.defvjp(lambda x, y: (h(x, y), (x, y)), lambda res, g: (g * res[1], None))
    assert sg.grad(h, argnums=(0, 1))(1.0, 2.0) == (2.0, 0.0)  # None: no gradient
    with pytest.raises(TypeError, match="forward mode is not defined for a custom_vjp"):
        sg.jvp(lambda v: h(v, 2.0), (1.0,), (1.0,))
    assert h(3.0, 2.0) == 6.0  # plain values: the function itself


def test_custom_vjp_rule_without_batch_axes_still_gives_jacobians():
    @sg.custom_vjp
    def double(x):
        return 2.0 * x

    def bwd(_, g):
        assert np.ndim(getattr(g, "value", g)) == 1, "called one seed at a time"
        return (2.0 * g,)

    double.defvjp(lambda x: (double(x), None), bwd)
    np.testing.assert_allclose(sg.jacobian(double)(X), 2 * np.eye(3))


def _expm1():
    @sg.custom_jvp
    def g(x):
        return np.expm1(x)

    @g.defjvp
    def g_jvp(primals, tangents):
        return g(primals[0]), tangents[0] * sg.exp(primals[0])

    return g


def test_custom_jvp_both_modes_to_second_order():
    g = _expm1()
    np.testing.assert_allclose(sg.grad(lambda v: sg.sum(g(v)))(X), np.exp(X), rtol=1e-14)
    np.testing.assert_allclose(sg.jacobian(g)(X), np.diag(np.exp(X)), rtol=1e-14)
    np.testing.assert_allclose(sg.jacobian(g, mode="fwd")(X), np.diag(np.exp(X)), rtol=1e-14)
    np.testing.assert_allclose(sg.hessian(lambda v: sg.sum(g(v)))(X), np.diag(np.exp(X)),
                               rtol=1e-14)
    np.testing.assert_allclose(sg.jvp(g, (X,), (np.ones(3),))[1], np.exp(X), rtol=1e-14)
    sg.check_grads(lambda v: sg.sum(g(v) * v), (X,), order=2)


def test_custom_functions_are_one_dense_hyperedge_for_the_semirings():
    g = _expm1()
    graph = sg.trace(lambda v: sg.sum(g(v) * 2.0), X)
    assert [e.primitive for e in graph.edges][0].startswith("custom_jvp")
    top = graph.backprop(sg.semirings.MaxProduct())[0]
    np.testing.assert_allclose(top, 2 * np.exp(X), rtol=1e-14)  # one path per element
    counts = graph.backprop(sg.semirings.Counting())[0]
    assert counts.tolist() == [3.0, 3.0, 3.0]  # dense: each output may depend on each input
    assert not any(name.startswith("custom_") for name in REGISTRY)


def test_a_user_declared_primitive_works_in_every_interpreter():
    softsign = Elementwise(
        "user_softsign",
        lambda x: x / (1.0 + np.abs(x)),
        (lambda x, out: 1.0 / (1.0 + sg.abs(x)) ** 2,),
        doc="x / (1 + |x|), declared as the library declares its own.",
    )
    try:
        want = 1.0 / (1.0 + np.abs(X)) ** 2
        np.testing.assert_allclose(sg.grad(lambda v: sg.sum(softsign(v)))(X), want, rtol=1e-14)
        sg.check_grads(lambda v: sg.sum(softsign(v) * v), (X,), order=2)
        graph = sg.trace(lambda v: sg.sum(softsign(v) * v), X)
        counts = graph.backprop(sg.semirings.Counting())[0]
        assert counts.tolist() == [2.0, 2.0, 2.0]  # through softsign, and v directly
        assert sg.cost(lambda v: sg.sum(softsign(v)), X)["forward"].operations == 2
    finally:
        REGISTRY.pop("user_softsign", None)


def test_no_grad_and_enable_grad_as_decorators():
    w = sg.tensor([1.0, 2.0], requires_grad=True)

    @sg.no_grad()
    def evaluate(v):
        return v * 2.0

    @sg.enable_grad()
    def train(v):
        return v * 2.0

    assert not evaluate(w).requires_grad and sg.is_grad_enabled()
    with sg.no_grad():
        assert train(w).requires_grad


def test_fixed_point_by_the_implicit_function_theorem():
    f = lambda a, x: a + 0.5 * sg.sin(x)  # a contraction in x
    a = np.array([1.0, 2.0, -0.5])
    x = sg.fixed_point(f, a, np.zeros(3))
    np.testing.assert_allclose(x, a + 0.5 * np.sin(x), atol=1e-12)
    g = sg.grad(lambda v: sg.sum(sg.fixed_point(f, v, np.zeros(3)) ** 2))(a)
    np.testing.assert_allclose(g, 2 * x / (1 - 0.5 * np.cos(x)), rtol=1e-9)
    numeric = sg.numeric.gradient(
        lambda v: float(np.sum(sg.fixed_point(f, v, np.zeros(3)) ** 2)), a, method="central")
    np.testing.assert_allclose(g, numeric, rtol=1e-6)
    with pytest.raises(RuntimeError, match="did not converge"):
        sg.fixed_point(lambda a, x: 2.0 * x + a, 1.0, 0.0, max_iter=50)
