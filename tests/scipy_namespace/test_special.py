"""semigrad.scipy.special: values equal SciPy's (derivatives: tests/primitive_cases.py's table)."""

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
