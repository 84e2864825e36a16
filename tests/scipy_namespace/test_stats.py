"""semigrad.scipy.stats: values equal SciPy's; gradients in points and parameters check out."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg

ss = pytest.importorskip("scipy.stats")
st = pytest.importorskip("semigrad.scipy.stats")

X = np.array([-1.3, 0.2, 0.9, 2.5])
Q = np.array([0.1, 0.4, 0.8])
LOCATION_SCALE = ["norm", "expon", "laplace", "logistic", "cauchy", "uniform"]


def _close(got, want):
    np.testing.assert_allclose(np.asarray(getattr(got, "value", got), dtype=float), want,
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", LOCATION_SCALE)
def test_location_scale_families_equal_scipy(name):
    ours, theirs = getattr(st, name), getattr(ss, name)
    with np.errstate(all="ignore"):
        for method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            _close(getattr(ours, method)(X, 0.3, 1.7), getattr(theirs, method)(X, 0.3, 1.7))
    _close(ours.ppf(Q, 0.3, 1.7), theirs.ppf(Q, 0.3, 1.7))


def test_the_other_densities_equal_scipy():
    _close(st.t.logpdf(X, 3.5, 0.2, 1.3), ss.t.logpdf(X, 3.5, 0.2, 1.3))
    _close(st.gamma.logpdf(X, 2.5, -2, 1.5), ss.gamma.logpdf(X, 2.5, -2, 1.5))
    b = np.array([0.1, 0.5, 0.9, 1.2])
    _close(st.beta.logpdf(b, 2.0, 3.5), ss.beta.logpdf(b, 2.0, 3.5))
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    pts = np.array([[0.1, 0.2], [1.0, -1.0], [0.5, 0.5]])
    _close(st.multivariate_normal.logpdf(pts, [0.1, 0.0], cov),
           ss.multivariate_normal.logpdf(pts, [0.1, 0.0], cov))
    _close(st.multivariate_normal.logpdf(pts[0], [0.1, 0.0], cov),
           ss.multivariate_normal.logpdf(pts[0], [0.1, 0.0], cov))
    alpha, x = np.array([1.5, 2.0, 3.0]), np.array([0.2, 0.3, 0.5])
    _close(st.dirichlet.logpdf(x, alpha), ss.dirichlet.logpdf(x, alpha))
    k = np.array([0, 1, 3, 7])
    _close(st.poisson.logpmf(k, 2.5), ss.poisson.logpmf(k, 2.5))
    _close(st.binom.logpmf(k, 8, 0.3), ss.binom.logpmf(k, 8, 0.3))
    _close(st.bernoulli.logpmf(np.array([0, 1]), 0.3), ss.bernoulli.logpmf(np.array([0, 1]), 0.3))


def test_gradients_in_points_and_parameters():
    sg.check_grads(lambda m, s: sg.sum(st.norm.logpdf(X, m, s)), (0.3, 1.7), order=2)
    sg.check_grads(lambda x: sg.sum(st.norm.logcdf(x, 0.3, 1.7)), (X,), order=2)
    sg.check_grads(lambda q: sg.sum(st.norm.ppf(q)), (Q,), order=2)
    pts = np.array([[0.1, 0.2], [1.0, -1.0], [0.5, 0.5]])
    sg.check_grads(lambda c: sg.sum(st.multivariate_normal.logpdf(
        pts, [0.1, 0.0], c @ c.T + np.eye(2))), (np.array([[1.0, 0.2], [0.1, 0.8]]),), order=2)
    sg.check_grads(lambda a: sg.sum(st.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), a)),
                   (np.array([1.5, 2.0, 3.0]),), order=2)
    sg.check_grads(lambda d: sg.sum(st.t.logpdf(X, d, 0.2, 1.3)), (3.5,), order=2)
    sg.check_grads(lambda m: sg.sum(st.poisson.logpmf(np.array([0, 1, 3, 7]), m)), (2.5,),
                   order=2)
    sg.check_grads(lambda p: sg.sum(st.binom.logpmf(np.array([0, 1, 3, 7]), 8, p)), (0.3,),
                   order=2)
    sg.check_grads(lambda a: sg.sum(st.gamma.logpdf(np.array([0.5, 1.5]), a)), (2.5,), order=2)


def test_a_maximum_likelihood_fit():
    data = np.random.default_rng(0).normal(1.5, 0.7, 400)
    nll = lambda p: -sg.sum(st.norm.logpdf(data, p[0], sg.exp(p[1])))
    p = np.array([0.0, 0.0])
    for _ in range(300):
        p = p - 0.002 * sg.grad(nll)(p)
    np.testing.assert_allclose([p[0], np.exp(p[1])], [data.mean(), data.std()], rtol=1e-3)
