"""semigrad.scipy.integrate.odeint: SciPy's values; gradients from the adjoint ODE checked
against closed forms, finite differences and both modes to second order."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg

integrate = pytest.importorskip("scipy.integrate")
from semigrad.scipy.integrate import odeint  # noqa: E402

T = np.linspace(0.0, 1.5, 4)
A = np.array([[-0.5, 1.0], [-1.0, -0.3]])
B = np.array([0.7, -0.2])
Y0 = np.array([1.0, 0.5])
TIGHT = dict(rtol=1e-11, atol=1e-11)


def rhs(y, s, a, b):
    return sg.tanh(a @ y) * b + 0.1 * s


def loss(y0, t, a, b):
    return sg.sum(odeint(rhs, y0, t, args=(a, b), **TIGHT) ** 2)


def test_values_are_scipys():
    ours = odeint(rhs, Y0, T, args=(A, B))
    theirs = integrate.odeint(lambda y, s: np.tanh(A @ y) * B + 0.1 * s, Y0, T)
    np.testing.assert_array_equal(ours, theirs)
    assert odeint(lambda y, s: -y, 2.0, T).shape == (4, 1)  # SciPy's: a number is a 1-state
    y, info = odeint(lambda y, s: -y, [1.0], T, full_output=True)
    assert info["message"] == "Integration successful." and "nfe" in info
    np.testing.assert_array_equal(odeint(lambda s, y: -y, [1.0], T, tfirst=True),
                                  integrate.odeint(lambda y, s: -y, [1.0], T))
    # a state of any shape, and a single time (the initial state back)
    np.testing.assert_allclose(odeint(lambda y, s: -y, np.ones((2, 3)), [0.0, 1.0], **TIGHT)[1],
                               np.full((2, 3), np.exp(-1.0)), rtol=1e-9)
    np.testing.assert_array_equal(odeint(lambda y, s: -y, [3.0], [0.0]), [[3.0]])


def test_gradient_of_a_linear_system_is_the_matrix_exponential():
    # y' = M y: y(t) = expm(M t) y0, so d y(t)/d y0 = expm(M t), and d/dt y(t) = M y(t).
    m = np.array([[0.0, 1.0], [-2.0, -0.4]])
    w, v = np.linalg.eig(m)
    expm = (v * np.exp(w * 1.2)) @ np.linalg.inv(v)
    jac = sg.jacobian(lambda y0: odeint(lambda y, s: m @ y, y0, [0.0, 1.2], **TIGHT)[1])(Y0)
    np.testing.assert_allclose(jac, expm.real, rtol=1e-8, atol=1e-10)
    dt = sg.jacobian(lambda t: odeint(lambda y, s: m @ y, Y0, t, **TIGHT)[1])(np.array([0.0, 1.2]))
    y1 = expm.real @ Y0
    np.testing.assert_allclose(dt[:, 1], m @ y1, rtol=1e-8)          # moving the end
    np.testing.assert_allclose(dt[:, 0], -expm.real @ m @ Y0, rtol=1e-8)  # moving the start


def test_gradients_match_finite_differences_in_every_argument():
    grads = sg.grad(loss, argnums=(0, 1, 2, 3))(Y0, T, A, B)
    for k, arg in enumerate((Y0, T, A, B)):
        def f(x, k=k):
            args = [Y0, T, A, B]
            args[k] = x
            return float(loss(*args))

        num = np.zeros_like(arg)
        for idx in np.ndindex(arg.shape):
            e = np.zeros_like(arg)
            e[idx] = 1e-5
            num[idx] = (f(arg + e) - f(arg - e)) / 2e-5
        np.testing.assert_allclose(grads[k], num, rtol=1e-6, atol=1e-7)


def test_both_modes_to_second_order():
    sg.check_grads(lambda y, a: loss(y, T, a, B), (Y0, A), modes=("rev", "fwd"), order=2,
                   rtol=1e-4, atol=1e-6)
    sg.check_grads(lambda t: loss(Y0, t, A, B), (T,), modes=("rev", "fwd"), order=2,
                   rtol=1e-4, atol=1e-6)
    jac_rev = sg.jacrev(lambda y: odeint(rhs, y, T, args=(A, B), **TIGHT))(Y0)
    jac_fwd = sg.jacfwd(lambda y: odeint(rhs, y, T, args=(A, B), **TIGHT))(Y0)
    np.testing.assert_allclose(jac_rev, jac_fwd, rtol=1e-8, atol=1e-10)
    h = sg.hessian(lambda y: loss(y, T, A, B))(Y0)
    h_rr = sg.jacrev(sg.grad(lambda y: loss(y, T, A, B)))(Y0)
    np.testing.assert_allclose(h, h.T, rtol=1e-7)
    np.testing.assert_allclose(h, h_rr, rtol=1e-7)


def test_parameters_in_a_nested_structure_get_gradients_of_that_structure():
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal((6, 2)) * 0.5, np.zeros(6)),
              (rng.standard_normal((2, 6)) * 0.5, np.zeros(2))]

    def net(y, s, p, scale):  # an int among the arguments is a constant
        return scale * (p[1][0] @ sg.tanh(p[0][0] @ y + p[0][1]) + p[1][1])

    g = sg.grad(lambda p: sg.sum(odeint(net, Y0, T, args=(p, 1), **TIGHT) ** 2))(params)
    assert [tuple(x.shape for x in layer) for layer in g] == [((6, 2), (6,)), ((2, 6), (2,))]
    w = params[1][0]
    e = np.zeros_like(w)
    e[1, 3] = 1e-5

    def at(wv):
        p = [params[0], (wv, params[1][1])]
        return float(sg.sum(odeint(net, Y0, T, args=(p, 1), **TIGHT) ** 2))

    np.testing.assert_allclose(g[1][0][1, 3], (at(w + e) - at(w - e)) / 2e-5, rtol=1e-6)


def test_eager_tensors_and_the_semiring_view():
    y0 = sg.Tensor(Y0, requires_grad=True)
    a = sg.Tensor(A, requires_grad=True)
    out = sg.sum(odeint(rhs, y0, T, args=(a, B), **TIGHT) ** 2)
    out.backward()
    want = sg.grad(loss, argnums=(0, 2))(Y0, T, A, B)
    np.testing.assert_allclose(y0.grad, want[0], rtol=1e-12)
    np.testing.assert_allclose(a.grad, want[1], rtol=1e-12)
    # One dense hyperedge from y0 to every y(t_i), its scalar partials from the adjoint: a
    # single time step's output is read once, so the sum-product sweep is the gradient.
    graph = sg.trace(lambda y: sg.sum(odeint(rhs, y, T, args=(A, B), **TIGHT)[-1]), Y0)
    grad_last = sg.grad(lambda y: sg.sum(odeint(rhs, y, T, args=(A, B), **TIGHT)[-1]))(Y0)
    np.testing.assert_allclose(graph.backprop(sg.semirings.Real())[0], grad_last,
                               rtol=1e-10)
    np.testing.assert_array_equal(graph.backprop(sg.semirings.Counting())[0], [2.0, 2.0])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"odeint: func returned shape \(3,\) for a state of "):
        odeint(lambda y, s: np.ones(3), Y0, T)
    with pytest.raises(TypeError, match="odeint: y0 must be real numbers"):
        odeint(lambda y, s: -y, [1j], T)
    with pytest.raises(ValueError, match="odeint: t must be a 1-D sequence"):
        odeint(lambda y, s: -y, [1.0], [[0.0, 1.0]])
    with pytest.raises(RuntimeError, match="odeint: the solver failed between t = 0 and t = 2"):
        odeint(lambda y, s: y**2, [1.0], [0.0, 2.0])  # blows up at t = 1
    with pytest.raises(TypeError, match=r"closes over.*args=\(\.\.\.\)"):
        sg.grad(lambda k: sg.sum(odeint(lambda y, s: -k * y, Y0, T)))(0.5)
    k = sg.Tensor(0.5, requires_grad=True)
    with pytest.raises(TypeError, match="closes over"):
        odeint(lambda y, s: -k * y, sg.Tensor(Y0, requires_grad=True), T)
    # a constant Tensor in the closure is a constant
    c = sg.Tensor(0.5)
    np.testing.assert_allclose(odeint(lambda y, s: -c * y, Y0, T), odeint(lambda y, s: -0.5 * y,
                                                                        Y0, T))
