"""Numerical differentiation (``semigrad.numeric``) against analytic derivatives and reverse mode.

The accuracy table is the spec: smooth float64 functions at unit scale, each
method's relative error |numeric - exact| / max(1, |exact|) below its target.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import semigrad as sg
from semigrad import numeric

METHODS = numeric.METHODS

# Relative accuracy at unit scale, float64, first derivatives.
TOLERANCE = {
    "forward": 1e-7,
    "backward": 1e-7,
    "central": 2e-10,
    "richardson": 1e-13,
    "complex": 1e-15,
}


def seed(q):
    """The seed function f(x, y, z, v) = exp(y^(-x) - log z) + (y - z)^2 log v of one array."""
    x, y, z, v = q[0], q[1], q[2], q[3]
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


SEED_POINT = np.array([0.5, 2.0, 3.0, 4.0])
SEED_GRADIENT = np.array([-0.331346037775083, -2.89209654361886, 2.54724261316784, 0.25])

# (name, f, x, exact gradient): plain NumPy functions and a semigrad one.
SMOOTH = [
    ("exp", lambda x: np.sum(np.exp(x)), np.array([0.3, -0.7, 1.0]), np.exp),
    (
        "sin·cos",
        lambda x: np.sin(x[0]) * np.cos(x[1]),
        np.array([0.4, -1.1]),
        lambda x: np.array([np.cos(x[0]) * np.cos(x[1]), -np.sin(x[0]) * np.sin(x[1])]),
    ),
    (
        "rational",
        lambda x: x[0] * x[1] / (1 + x[2] ** 2),
        np.array([0.8, -0.6, 0.9]),
        lambda x: np.array([x[1], x[0], -2 * x[0] * x[1] * x[2] / (1 + x[2] ** 2)])
        / (1 + x[2] ** 2),
    ),
    ("seed (semigrad ops)", seed, SEED_POINT, sg.grad(seed)),
]


def relative_error(got, exact):
    got, exact = np.asarray(got), np.asarray(exact)
    return float(np.max(np.abs(got - exact) / np.maximum(1.0, np.abs(exact))))


# ---- accuracy --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name, f, x, exact", SMOOTH, ids=[case[0] for case in SMOOTH])
def test_gradient_accuracy(name, f, x, exact, method):
    got = numeric.gradient(f, x, method=method)
    assert got.shape == x.shape and got.dtype == np.float64
    assert relative_error(got, exact(x)) < TOLERANCE[method], method


def test_seed_gradient_matches_the_published_digits():
    for method in ("central", "richardson", "complex"):
        got = numeric.gradient(seed, SEED_POINT, method=method)
        np.testing.assert_allclose(got, SEED_GRADIENT, rtol=0, atol=max(TOLERANCE[method], 1e-14))


def test_richardson_error_estimate_bounds_the_error():
    for name, f, x, exact in SMOOTH:
        value, error = numeric.gradient(f, x, method="richardson", error=True)
        assert error.shape == x.shape
        actual = np.abs(value - exact(x))
        # The estimate is an estimate; allow for rounding in the exact formula.
        assert np.all(actual <= error + 4 * np.finfo(float).eps * np.abs(exact(x))), name
        assert np.all(error < 1e-11), name


def test_richardson_ignores_steps_where_f_is_not_finite():
    # h0 = 0.1 reaches below 0, where sqrt is nan: the smaller steps carry the result.
    value, error = numeric.derivative(np.sqrt, 0.05, method="richardson", error=True)
    assert abs(value - 0.5 / math.sqrt(0.05)) < 1e-12
    assert error < 1e-9


def test_scalar_derivatives_of_every_order():
    # d^k/dx^k sin at 0.7, for k = 0..3.
    exact = [math.sin(0.7), math.cos(0.7), -math.sin(0.7), -math.cos(0.7)]
    tolerance = {
        "forward": [0, 1e-7, 1e-4, 1e-2],
        "backward": [0, 1e-7, 1e-4, 1e-2],
        "central": [0, 2e-10, 1e-7, 1e-4],
        "richardson": [0, 1e-13, 1e-11, 1e-9],
        "complex": [0, 1e-15, 1e-9, 1e-6],
    }
    for method in METHODS:
        for order, d in enumerate(exact):
            got = numeric.derivative(np.sin, 0.7, order=order, method=method)
            assert np.ndim(got) == 0
            assert abs(got - d) <= tolerance[method][order], (method, order)


def test_complex_valued_functions_by_real_methods():
    x = np.array([0.0, 1.0])
    got = numeric.jacobian(lambda t: np.exp(1j * t), x)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, np.diag(1j * np.exp(1j * x)), atol=1e-9)


# ---- Jacobians, Hessians, derivative tensors against reverse mode --------------------------

W = np.linspace(-1.0, 1.0, 12).reshape(3, 4)


def layer(x):
    """R^(2, 3) -> R^(2, 4): a small tanh layer written with semigrad ops."""
    return sg.tanh(sg.matmul(x, W)) * sg.exp(0.1 * sg.sum(x))


def scalar_field(x):
    return sg.sum(sg.sin(x) * sg.exp(0.5 * x)) + sg.sum(x) ** 2


X23 = np.array([[0.1, -0.4, 0.7], [0.3, 0.5, -0.2]])

JACOBIAN_TOLERANCE = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "richardson": 1e-12,
                      "complex": 1e-14}
HESSIAN_TOLERANCE = {"forward": 1e-3, "backward": 1e-3, "central": 1e-6, "richardson": 1e-10,
                     "complex": 1e-9}


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_matches_reverse_mode(method):
    got = numeric.jacobian(layer, X23, method=method)
    assert got.shape == (2, 4, 2, 3)
    assert relative_error(got, sg.jacobian(layer)(X23)) < JACOBIAN_TOLERANCE[method]


@pytest.mark.parametrize("method", METHODS)
def test_hessian_matches_reverse_mode(method):
    got = numeric.hessian(scalar_field, X23, method=method)
    assert got.shape == (2, 3, 2, 3)
    assert relative_error(got, sg.hessian(scalar_field)(X23)) < HESSIAN_TOLERANCE[method]


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_derivative_tensor_matches_reverse_mode(order):
    def f(x):
        return sg.tanh(x) * sg.sum(x ** 2)

    x = np.array([0.3, -0.5])
    got = numeric.derivative(f, x, order=order, method="richardson")
    assert got.shape == (2,) + order * (2,)
    exact = f(x) if order == 0 else sg.derivative(f, order=order)(x)
    assert relative_error(got, exact) < 1e-9


def test_hessian_of_the_seed_function():
    got = numeric.hessian(seed, SEED_POINT, method="richardson")
    np.testing.assert_allclose(got, got.T, atol=1e-12)
    assert relative_error(got, sg.hessian(seed)(SEED_POINT)) < 1e-10


# ---- evaluation counts -----------------------------------------------------------------------

GRADIENT_COST = {
    "forward": lambda n: n + 1,
    "backward": lambda n: n + 1,
    "central": lambda n: 2 * n,
    "richardson": lambda n: 16 * n,
    "complex": lambda n: n,
}
HESSIAN_COST = {
    "forward": lambda n: (n + 1) * (n + 2) // 2,
    "backward": lambda n: (n + 1) * (n + 2) // 2,
    "central": lambda n: 2 * n * n + 1,
    "richardson": lambda n: 16 * n * n + 1,
    "complex": lambda n: 2 * n * n,
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [1, 4, 7])
def test_evaluation_counts(method, n):
    x = np.linspace(0.1, 0.9, n)
    f = numeric.count_evaluations(lambda t: np.sum(np.exp(t)))
    _, info = numeric.gradient(f, x, method=method, info=True)
    assert info.evaluations == f.evaluations == GRADIENT_COST[method](n)
    f.evaluations = 0
    _, info = numeric.hessian(f, x, method=method, info=True)
    assert info.evaluations == f.evaluations == HESSIAN_COST[method](n)


def test_jacobian_cost_does_not_depend_on_the_output_size():
    x = np.ones(3)
    _, info = numeric.jacobian(lambda t: np.outer(t, np.arange(5.0)), x, info=True)
    assert info.evaluations == 6


def test_reverse_mode_calls_f_once():
    f = numeric.count_evaluations(seed)
    sg.grad(f)(SEED_POINT)
    assert f.evaluations == 1
    assert f.__name__ == "seed"


def test_info_fields():
    x = np.array([0.5, 3.0])
    g, info = numeric.gradient(lambda t: np.sum(t ** 3), x, method="richardson", info=True)
    assert info.method == "richardson"
    assert info.step.shape == x.shape
    np.testing.assert_allclose(info.step, [0.1, 0.3], rtol=1e-12)  # 0.1 · max(1, |x|)
    assert info.error.shape == x.shape
    value, error, info2 = numeric.gradient(lambda t: np.sum(t ** 3), x, method="richardson",
                                           error=True, info=True)
    np.testing.assert_array_equal(error, info2.error)
    _, info = numeric.gradient(lambda t: np.sum(t ** 3), x, info=True)
    assert info.error is None


def test_order_zero_is_one_evaluation_of_f():
    value, info = numeric.derivative(np.sin, 0.5, order=0, info=True)
    assert value == np.sin(0.5) and info.evaluations == 1


# ---- steps ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, power", [("forward", 1 / 2), ("central", 1 / 3)])
def test_default_steps(method, power):
    x = np.array([0.25, -4.0, 1e3])
    _, info = numeric.gradient(lambda t: np.sum(t ** 2), x, method=method, info=True)
    expected = np.finfo(np.float64).eps ** power * np.maximum(1.0, np.abs(x))
    np.testing.assert_allclose(info.step, expected, rtol=1e-9)


def test_complex_default_step():
    _, info = numeric.gradient(np.exp, -30.0, method="complex", info=True)
    assert info.step == pytest.approx(30e-20)


def test_steps_are_exact_in_floating_point():
    # (Richardson's largest steps stay below the next power of two: 0.11, 0.37, 6.6, 111.)
    x = np.array([0.1, 1 / 3, -6.0, 101.0])
    for method in ("forward", "central", "richardson"):
        _, info = numeric.gradient(lambda t: np.sum(t ** 2), x, method=method, info=True)
        np.testing.assert_array_equal((x + info.step) - x, info.step)
        np.testing.assert_array_equal(x - (x - info.step), info.step)


def test_step_overrides():
    f = lambda t: np.sum(np.exp(t))
    x = np.zeros(2)
    # forward difference error ≈ h·f''/2: the step is really used
    got = numeric.gradient(f, x, method="forward", step=1e-3)
    np.testing.assert_allclose(got - 1.0, 5e-4, rtol=1e-3)
    got, info = numeric.gradient(f, x, method="central", step=np.array([1e-2, 1e-3]), info=True)
    np.testing.assert_allclose(info.step, [1e-2, 1e-3], rtol=1e-12)
    np.testing.assert_allclose(got - 1.0, [1e-4 / 6, 1e-6 / 6], rtol=1e-3)


# ---- inputs and outputs ---------------------------------------------------------------------


def test_float32_inputs():
    seen = set()

    def f(t):
        seen.add(np.result_type(t))
        return np.sum(np.sin(t) * t)

    x = np.array([0.3, -1.2, 0.8], dtype=np.float32)
    exact = np.sin(x.astype(np.float64)) + x * np.cos(x.astype(np.float64))
    for method, tolerance in [("forward", 1e-3), ("central", 1e-4), ("richardson", 1e-5),
                              ("complex", 1e-6)]:
        got = numeric.gradient(f, x, method=method)
        assert got.dtype == np.float32, method
        assert relative_error(got, exact) < tolerance, method
    assert seen == {np.dtype(np.float32), np.dtype(np.complex64)}


def test_integer_inputs_are_promoted():
    seen = set()

    def f(t):
        seen.add(np.result_type(t))
        return np.sum(t ** 2)

    got = numeric.gradient(f, np.array([1, 2, 3]))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [2.0, 4.0, 6.0], rtol=1e-9)
    assert seen == {np.dtype(np.float64)}
    assert numeric.derivative(lambda t: t ** 3, 2) == pytest.approx(12.0, rel=1e-9)
    np.testing.assert_allclose(numeric.gradient(lambda t: t[0] * t[1], [3, 4]), [4, 3], rtol=1e-9)


def test_scalar_inputs_give_scalars():
    calls = []

    def f(t):
        calls.append(type(t))
        return t ** 2

    got = numeric.gradient(f, 1.5)
    assert isinstance(got, np.float64) and got == pytest.approx(3.0, rel=1e-9)
    assert set(calls) == {np.float64}
    assert numeric.jacobian(lambda t: np.array([t, t ** 2]), 2.0).shape == (2,)


def test_tensors_in_and_out():
    got = numeric.gradient(lambda t: sg.tensor(np.sum(t ** 2)), sg.tensor([1.0, 2.0]))
    np.testing.assert_allclose(got, [2.0, 4.0], rtol=1e-9)


def test_empty_input():
    got, info = numeric.jacobian(lambda t: np.array([1.0, 2.0]), np.zeros(0), info=True)
    assert got.shape == (2, 0) and info.evaluations == 1


# ---- errors ---------------------------------------------------------------------------------


def softplus(t):
    return np.logaddexp(t, 0.0)  # a ufunc without complex loops


def _message(call, error):
    with pytest.raises(error) as caught:
        call()
    return str(caught.value)


ERRORS = [
    ("unknown method", lambda: numeric.gradient(np.sin, 1.0, method="fancy"), ValueError,
     [r"numeric\.gradient\(sin\)", "'fancy'", "'central'", "'richardson'"]),
    ("negative order", lambda: numeric.derivative(np.sin, 1.0, order=-1), ValueError,
     [r"numeric\.derivative\(sin\)", "non-negative integer", "-1"]),
    ("fractional order", lambda: numeric.derivative(np.sin, 1.0, order=1.5), ValueError,
     [r"numeric\.derivative\(sin\)", "1.5"]),
    ("non-finite f near x", lambda: numeric.gradient(lambda t: np.sum(np.log(t)),
                                                     np.array([1.0, 1e-7])), ValueError,
     [r"numeric\.gradient\(<lambda>\)", "non-finite", r"x\[1\]", r"\(2,\)", "step="]),
    ("non-finite f at x", lambda: numeric.gradient(lambda t: np.log(t - 1.0), 0.5,
                                                   method="backward"), ValueError,
     ["non-finite", "nan", "x itself"]),
    ("Richardson out of domain", lambda: numeric.gradient(np.sqrt, 1e-4, method="richardson"),
     ValueError, [r"numeric\.gradient\(sqrt\)", "Richardson", "step="]),
    ("non-finite x", lambda: numeric.gradient(np.sum, np.array([1.0, np.inf])), ValueError,
     [r"x\[1\]", "inf", r"\(2,\)", "finite"]),
    ("gradient of a vector", lambda: numeric.gradient(np.sin, np.ones(3)), ValueError,
     [r"numeric\.gradient\(sin\)", "scalar", r"\(3,\)", "jacobian"]),
    ("hessian of a vector", lambda: numeric.hessian(np.sin, np.ones(3)), ValueError,
     [r"numeric\.hessian\(sin\)", "scalar", r"\(3,\)", "order=2"]),
    ("error without Richardson", lambda: numeric.gradient(np.sin, 1.0, error=True), ValueError,
     ["error=True", "richardson", "'central'"]),
    ("step shape", lambda: numeric.gradient(np.sum, np.ones(3), step=np.ones(2)), ValueError,
     ["step", r"\(2,\)", r"\(3,\)"]),
    ("negative step", lambda: numeric.gradient(np.sum, np.ones(3), step=-1e-3), ValueError,
     ["step", "positive"]),
    ("step not a number", lambda: numeric.gradient(np.sum, np.ones(3), step="small"), TypeError,
     ["step", "'small'"]),
    ("complex x", lambda: numeric.gradient(np.sum, np.array([1j])), TypeError,
     ["complex128", "real"]),
    ("boolean x", lambda: numeric.gradient(np.sum, np.array([True])), TypeError,
     ["bool", "float"]),
    ("output shape changes", lambda: numeric.jacobian(lambda t: t[: 1 + (t[0] > 1)],
                                                      np.array([1.0, 2.0])), ValueError,
     ["shape", r"\(1,\)", r"\(2,\)", "same shape"]),
    ("output not numbers", lambda: numeric.jacobian(lambda t: "text", np.ones(2)), TypeError,
     ["numbers", "<U4"]),
    ("too many terms", lambda: numeric.derivative(np.sum, np.ones(100), order=4), ValueError,
     ["order 4", r"\(100,\)", "reverse mode"]),
    ("complex step on abs", lambda: numeric.jacobian(np.abs, np.array([1.0, -2.0]),
                                                     method="complex"), ValueError,
     [r"numeric\.jacobian\(absolute\)", "method='complex'", "real values", "method='central'"]),
    ("complex step, f raises", lambda: numeric.gradient(softplus, 0.5, method="complex"),
     ValueError, [r"numeric\.gradient\(softplus\)", "complex", "TypeError", "logaddexp",
                  "method='central'"]),
    ("complex step through float()", lambda: numeric.gradient(lambda t: float(t) ** 2, 0.5,
                                                              method="complex"), ValueError,
     ["real values", "method='central'"]),
]


@pytest.mark.parametrize("name, call, error, patterns", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_function_and_say_what_to_do(name, call, error, patterns):
    message = _message(call, error)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"


def test_complex_step_refusal_does_not_warn(recwarn):
    with pytest.raises(ValueError):
        numeric.gradient(lambda t: float(t) ** 2, 0.5, method="complex")
    assert not [w for w in recwarn if issubclass(w.category, np.exceptions.ComplexWarning)]


def test_complex_step_works_on_semigrad_functions():
    got = numeric.gradient(seed, SEED_POINT, method="complex")
    assert relative_error(got, sg.grad(seed)(SEED_POINT)) < 1e-15


def test_check_grads_is_still_exported():
    sg.check_grads(sg.sin, (np.array([0.2, 1.0]),), modes=("rev", "fwd"), order=2)
