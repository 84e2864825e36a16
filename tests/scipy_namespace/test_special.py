"""semigrad.scipy.special: values equal SciPy's (derivatives: tests/primitive_cases.py's table,
and here at the ends of the domains and for the arguments that are not differentiated)."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg

special = pytest.importorskip("scipy.special")
sps = pytest.importorskip("semigrad.scipy.special")

X = np.linspace(0.3, 2.7, 9)
P = np.linspace(0.05, 0.95, 9)
ONE = {"gammaln": X, "digamma": X, "psi": X, "gamma": X, "rgamma": X, "erf": X - 1.5,
       "erfc": X - 1.5, "erfinv": P * 1.8 - 0.9, "erfcinv": P * 1.9, "ndtr": X - 1.5,
       "ndtri": P, "log_ndtr": X * 4 - 9, "expit": X - 1.5, "logit": P, "entr": X,
       "i0": X - 1.5, "i1": X - 1.5, "i0e": X - 1.5, "i1e": X - 1.5}
TWO = {"betaln": (X, X[::-1]), "beta": (X, X[::-1]), "xlogy": (X - 1.0, X),
       "xlog1py": (X - 1.0, X), "rel_entr": (X, X[::-1])}


@pytest.mark.parametrize("name", sorted(ONE))
def test_one_argument_values(name):
    np.testing.assert_allclose(getattr(sps, name)(ONE[name]), getattr(special, name)(ONE[name]),
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(TWO))
def test_two_argument_values(name):
    np.testing.assert_allclose(getattr(sps, name)(*TWO[name]), getattr(special, name)(*TWO[name]),
                               rtol=1e-13, atol=1e-15)


def test_the_compositions():
    np.testing.assert_allclose(sps.polygamma(2, X), special.polygamma(2, X), rtol=1e-13)
    np.testing.assert_allclose(sps.multigammaln(3.5, 3), special.multigammaln(3.5, 3))
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    b = np.array([[2.0, 1.0], [1.0, 3.0]])
    for axis in (None, 0, 1):
        np.testing.assert_allclose(sps.logsumexp(a, axis=axis, b=b),
                                   special.logsumexp(a, axis=axis, b=b), rtol=1e-13)
        np.testing.assert_allclose(sps.softmax(a, axis=axis), special.softmax(a, axis=axis))
        np.testing.assert_allclose(sps.log_softmax(a, axis=axis),
                                   special.log_softmax(a, axis=axis))
    value, sign = sps.logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    want = special.logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    np.testing.assert_allclose((value, sign), want)
    with pytest.raises(ValueError, match="return_sign=True"):
        sps.logsumexp([1.0, 2.0], b=[1.0, -1.0])
    sg.check_grads(lambda v: sg.sum(sps.logsumexp(v, axis=1, b=b)), (a,), order=2)
    sg.check_grads(lambda v: sps.multigammaln(v, 3), (3.5,), order=2)


def test_derivatives_at_special_points():
    assert sg.grad(sps.i0)(0.0) == 0.0 and sg.grad(sps.i1)(0.0) == 0.5  # I1(0), I1'(0)
    assert sg.grad(sps.expit)(0.0) == 0.25
    # The gamma log-likelihood's score in its shape parameter: Σ log x − n ψ(k).
    x = np.array([0.7, 1.9, 3.2, 0.4])
    score = sg.grad(lambda k: sg.sum((k - 1) * np.log(x) - x) - 4 * sps.gammaln(k))(2.0)
    np.testing.assert_allclose(score, np.sum(np.log(x)) - 4 * special.digamma(2.0))


# ---- incomplete gamma and beta functions, Student's t, zeta: grids reaching into the tails

SHAPES = np.array([0.1, 0.5, 1.0, 2.5, 10.0, 50.0])
XS = np.concatenate([[0.0], np.logspace(-3, 2.5, 23), [np.inf]])
UNIT = np.concatenate([[0.0, 1e-12, 1e-6], np.linspace(0.01, 0.99, 13), [1 - 1e-6, 1.0]])
PROBS = np.concatenate([[0.0, 1e-300, 1e-12], np.linspace(0.01, 0.99, 13), [1 - 1e-12, 1.0]])


def _grid(*axes):
    return np.meshgrid(*axes, indexing="ij")


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_values(name):
    a, x = _grid(SHAPES, XS)
    np.testing.assert_allclose(getattr(sps, name)(a, x), getattr(special, name)(a, x),
                               rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", ["gammaincinv", "gammainccinv"])
def test_incomplete_gamma_inverse_values(name):
    a, y = _grid(SHAPES, PROBS)
    np.testing.assert_allclose(getattr(sps, name)(a, y), getattr(special, name)(a, y),
                               rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", ["betainc", "betaincc", "betaincinv", "betainccinv"])
def test_incomplete_beta_values(name):
    a, b, x = _grid(SHAPES, SHAPES[::-1], UNIT)
    np.testing.assert_allclose(getattr(sps, name)(a, b, x), getattr(special, name)(a, b, x),
                               rtol=1e-14, atol=0)


def test_student_t_and_zeta_values():
    df, t = _grid(np.array([0.5, 1.0, 3.0, 30.0, 1e6]), np.array(
        [-np.inf, -1e10, -1e3, -5.0, -0.5, 0.0, 0.5, 5.0, 1e3, 1e10, np.inf]))
    np.testing.assert_allclose(sps.stdtr(df, t), special.stdtr(df, t), rtol=1e-14, atol=0)
    df, p = _grid(np.array([0.5, 1.0, 3.0, 30.0]), PROBS)
    np.testing.assert_allclose(sps.stdtrit(df, p), special.stdtrit(df, p), rtol=1e-14, atol=0)
    x, q = _grid(np.array([1.5, 2.0, 3.0, 10.0]), np.array([0.01, 0.5, 1.0, 2.5, 100.0]))
    np.testing.assert_allclose(sps.zeta(x, q), special.zeta(x, q), rtol=1e-14, atol=0)
    # Riemann's (no q, or q = 1) by SciPy's own algorithm, also left of the pole
    x = np.array([-3.5, -1.0, 0.0, 0.5, 1.5, 2.0, 20.0])
    np.testing.assert_allclose(sps.zeta(x), special.zeta(x), rtol=1e-15, atol=0)
    np.testing.assert_allclose(sps.zeta(x, 1.0), special.zeta(x), rtol=1e-15, atol=0)


def test_derivatives_in_the_variable_are_the_densities():
    stats = pytest.importorskip("scipy.stats")
    a, x = _grid(SHAPES, XS[1:-1])
    da = sg.grad(lambda v: sg.sum(sps.gammainc(a, v)))(x)
    np.testing.assert_allclose(da, stats.gamma.pdf(x, a), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(sg.grad(lambda v: sg.sum(sps.gammaincc(a, v)))(x), -da)
    a, y = _grid(SHAPES, PROBS[2:-2])
    np.testing.assert_allclose(sg.grad(lambda v: sg.sum(sps.gammaincinv(a, v)))(y),
                               1 / stats.gamma.pdf(special.gammaincinv(a, y), a), rtol=1e-12)
    a, b, x = _grid(SHAPES, SHAPES[::-1], UNIT[1:-1])
    np.testing.assert_allclose(sg.grad(lambda v: sg.sum(sps.betainc(a, b, v)))(x),
                               stats.beta.pdf(x, a, b), rtol=1e-11)
    np.testing.assert_allclose(sg.grad(lambda v: sg.sum(sps.betaincinv(a, b, v)))(x),
                               1 / stats.beta.pdf(special.betaincinv(a, b, x), a, b), rtol=1e-11)
    df, t = _grid(np.array([0.5, 1.0, 3.0, 30.0]), np.linspace(-40.0, 40.0, 9))
    np.testing.assert_allclose(sg.grad(lambda v: sg.sum(sps.stdtr(df, v)))(t),
                               stats.t.pdf(t, df), rtol=1e-12)
    np.testing.assert_allclose(sg.grad(lambda q: sps.zeta(3.0, q))(2.5),
                               -3.0 * special.zeta(4.0, 2.5), rtol=1e-14)


def test_derivatives_at_the_ends_of_the_domain():
    at0 = [sg.grad(lambda x, a=a: sps.gammainc(a, x))(0.0) for a in (0.5, 1.0, 2.0)]
    assert at0 == [np.inf, 1.0, 0.0]  # x^(a−1)/Γ(a) at 0; 0⁰ = 1
    ends = np.array([0.0, 1.0])
    for (a, b), want in {(1.0, 1.0): [1.0, 1.0], (2.0, 3.0): [0.0, 0.0],
                         (0.5, 2.0): [np.inf, 0.0], (1.0, 2.0): [2.0, 0.0]}.items():
        got = sg.grad(lambda x, a=a, b=b: sg.sum(sps.betainc(a, b, x)))(ends)
        np.testing.assert_array_equal(got, want)
    # the inverses at their ends: 1/density, infinite where the density vanishes
    np.testing.assert_array_equal(sg.grad(lambda y: sg.sum(sps.betaincinv(1.0, 2.0, y)))(ends),
                                  [0.5, np.inf])
    assert sg.grad(lambda y: sps.gammaincinv(2.0, y))(0.0) == np.inf


@pytest.mark.parametrize("call, argument", [
    (lambda v: sps.betainc(v, 2.0, 0.5), "betainc: .* argument 0 .*a or b is a shape"),
    (lambda v: sps.betainc(2.0, v, 0.5), "betainc: .* argument 1 .*a or b is a shape"),
    (lambda v: sps.betaincinv(2.0, v, 0.5), "betaincinv: .* argument 1 .*a or b is a shape"),
    (lambda v: sps.stdtr(v, 0.5), "stdtr: .* argument 0 .*df, the degrees of freedom"),
    (lambda v: sps.stdtrit(v, 0.5), "stdtrit: .* argument 0 .*df, the degrees of freedom"),
    (lambda v: sps.zeta(v, 2.0), "zeta: .* argument 0 .*x, the exponent"),
], ids=["betainc-a", "betainc-b", "betaincinv", "stdtr", "stdtrit", "zeta"])
def test_shape_parameters_are_named_errors(call, argument):
    with pytest.raises(TypeError, match=argument):
        sg.grad(call)(1.5)
    with pytest.raises(TypeError, match=argument):
        sg.jvp(call, (1.5,), (1.0,))


# ---- the incomplete gamma function in its shape a: once, by a series or a continued fraction


def _mpmath_da(a, x):
    """∂P(a, x)/∂a to 30 digits: P's own derivative below a, −∂Q/∂a above (where P ≈ 1)."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(30):
        if x < a:
            return float(mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a))
        return -float(mp.diff(lambda s: mp.gammainc(s, x, mp.inf, regularized=True), a))


def test_the_derivative_in_a_against_mpmath():
    a, x = _grid(np.array([1e-3, 0.1, 0.7, 1.0, 2.5, 7.0, 49.0, 50.0, 1e3]),
                 np.array([1e-300, 1e-3, 0.5, 1.0, 1.1, 3.0, 8.0, 48.0, 50.5, 51.0, 52.0, 100.0,
                           999.0, 1001.5]))
    want = np.vectorize(_mpmath_da)(a, x)
    np.testing.assert_allclose(sps._gammainc_da(a, x), want, rtol=1e-12, atol=0)
    # where P is 0 or 1 whatever a is; nan outside the domain, as SciPy's values
    np.testing.assert_array_equal(sps._gammainc_da([2.0, 2.0, -1.0, 2.0], [0.0, np.inf, 1.0, -1.0]),
                                  [0.0, 0.0, np.nan, np.nan])


def test_the_derivative_in_a_against_differences_of_scipy():
    # a in [0.1, 50], x in [1e-3, 100]: fourth-order central differences of SciPy's values
    a, x = _grid(np.geomspace(0.1, 50.0, 9), np.geomspace(1e-3, 100.0, 11))
    h = 1e-3 * a
    for f, sign in ((special.gammainc, 1.0), (special.gammaincc, -1.0)):
        fd = (8 * (f(a + h, x) - f(a - h, x)) - (f(a + 2 * h, x) - f(a - 2 * h, x))) / (12 * h)
        np.testing.assert_allclose(sign * sps._gammainc_da(a, x), fd, rtol=1e-7, atol=1e-11)


def test_gammainc_is_differentiable_once_in_a():
    a, x, y = np.array([0.5, 2.5, 9.0]), np.array([0.3, 2.0, 12.0]), np.array([0.1, 0.5, 0.9])
    for f, point in ((sps.gammainc, x), (sps.gammaincc, x), (sps.gammaincinv, y),
                     (sps.gammainccinv, y)):
        sg.check_grads(lambda s, f=f, point=point: f(s, point), (a,), order=1)
        # the mixed second derivatives (in a, then the variable) are closed-form
        sg.check_grads(lambda s, v, f=f: sg.grad(lambda u: sg.sum(f(s, u)))(v), (a, point),
                       order=1)
    np.testing.assert_allclose(sg.grad(lambda s: sps.gammaincc(s, 2.0))(2.5),
                               -sps._gammainc_da(2.5, 2.0))
    message = r"gammainc_da: no derivative with respect to argument 0 .*differentiable once in"
    with pytest.raises(TypeError, match=message):
        sg.hessian(lambda s: sps.gammainc(s, 1.0))(2.0)
    with pytest.raises(TypeError, match=message):
        sg.derivative(lambda s: sps.gammaincinv(s, 0.5), order=2)(2.0)


def test_the_derivative_in_a_exports_to_sympy():
    sympy = pytest.importorskip("sympy")
    x = np.array([0.7, 4.0])
    (out,), (symbols,) = sg.symbolic.to_sympy(sg.trace(lambda v: sps._gammainc_da(2.5, v), x))[:2]
    values = [float(sympy.N(e.subs(dict(zip(symbols, x))))) for e in out]
    np.testing.assert_allclose(values, sps._gammainc_da(2.5, x), rtol=1e-12)
