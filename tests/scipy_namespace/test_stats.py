"""semigrad.scipy.stats: values equal SciPy's; gradients in points and parameters check out."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg

ss = pytest.importorskip("scipy.stats")
st = pytest.importorskip("semigrad.scipy.stats")

X = np.array([-1.3, 0.2, 0.9, 2.5])
Q = np.array([0.1, 0.4, 0.8])
# the ends of the supports, the tails and beyond, and nan
TAILS = np.array([-np.inf, -40.0, -1e-300, 0.0, 1e-9, 0.3, 1.0, 1.7, 2.0, 40.0, 400.0, np.inf,
                  np.nan])
QTAILS = np.array([-0.1, 0.0, 1e-200, 1e-12, 0.5, 1 - 1e-12, 1.0, 1.1, np.nan])
LOCATION_SCALE = ["norm", "expon", "laplace", "logistic", "cauchy", "uniform"]


def _close(got, want, rtol=1e-10):
    np.testing.assert_allclose(np.asarray(getattr(got, "value", got), dtype=float), want,
                               rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("name", LOCATION_SCALE)
def test_location_scale_families_equal_scipy(name):
    ours, theirs = getattr(st, name), getattr(ss, name)
    with np.errstate(all="ignore"):
        for method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            _close(getattr(ours, method)(X, 0.3, 1.7), getattr(theirs, method)(X, 0.3, 1.7))
            _close(getattr(ours, method)(TAILS, 0.3, 1.7), getattr(theirs, method)(TAILS, 0.3, 1.7))
        for method in ("ppf", "isf"):
            _close(getattr(ours, method)(Q, 0.3, 1.7), getattr(theirs, method)(Q, 0.3, 1.7))
            _close(getattr(ours, method)(QTAILS, 0.3, 1.7),
                   getattr(theirs, method)(QTAILS, 0.3, 1.7))


SHAPED = [("t", (3.5,)), ("t", (0.7, 0.2, 1.3)), ("t", (40.0,)), ("gamma", (2.5,)),
          ("gamma", (0.5, -1.0, 2.0)), ("gamma", (1.0,)), ("gamma", (30.0, 0.0, 0.1)),
          ("beta", (2.0, 3.5)), ("beta", (0.5, 0.8, -0.2, 1.4)), ("beta", (1.0, 1.0)),
          ("beta", (20.0, 0.3, 0.0, 2.0))]


@pytest.mark.parametrize("name, args", SHAPED, ids=[f"{n}{a}" for n, a in SHAPED])
def test_shaped_families_equal_scipy(name, args):
    ours, theirs = getattr(st, name), getattr(ss, name)
    with np.errstate(all="ignore"):
        for method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            _close(getattr(ours, method)(TAILS, *args), getattr(theirs, method)(TAILS, *args),
                   rtol=1e-12)
        # Below q ≈ 1e-100 SciPy's beta.ppf (Boost) is inexact and special.betaincinv, which
        # semigrad's calls, gives nan: compare from 1e-12 on there.
        q = QTAILS[QTAILS != 1e-200] if name == "beta" else QTAILS
        for method in ("ppf", "isf"):
            _close(getattr(ours, method)(q, *args), getattr(theirs, method)(q, *args), rtol=1e-12)


DISCRETE = [("poisson", (2.5,)), ("poisson", (2.5, 3)), ("poisson", (0.0,)),
            ("poisson", (60.0,)), ("binom", (8, 0.3)), ("binom", (8, 0.3, -2)),
            ("binom", (8, 0.0)), ("binom", (8, 1.0)), ("binom", (200, 0.01)),
            ("bernoulli", (0.3,))]
COUNTS = np.array([-2, -1, -0.5, 0, 0.5, 1, 3, 7, 8, 8.5, 9, 30, 100, np.inf, np.nan])


@pytest.mark.parametrize("name, args", DISCRETE, ids=[f"{n}{a}" for n, a in DISCRETE])
def test_discrete_distributions_equal_scipy(name, args):
    ours, theirs = getattr(st, name), getattr(ss, name)
    with np.errstate(all="ignore"):
        for method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
            _close(getattr(ours, method)(COUNTS, *args), getattr(theirs, method)(COUNTS, *args),
                   rtol=1e-12)
        for method in ("ppf", "isf"):
            _close(getattr(ours, method)(QTAILS, *args), getattr(theirs, method)(QTAILS, *args))


def test_arguments_broadcast_and_bind_as_scipys():
    x, a, s = np.linspace(0.1, 3.0, 5)[:, None], np.array([0.5, 2.0, 7.0]), np.array([1.0, 0.5, 2])
    _close(st.gamma.cdf(x, a, scale=s), ss.gamma.cdf(x, a, scale=s), rtol=1e-12)
    _close(st.beta.sf(0.3, b=2.0, a=1.5, loc=0.1), ss.beta.sf(0.3, b=2.0, a=1.5, loc=0.1))
    _close(st.t.ppf(Q[:, None], df=a), ss.t.ppf(Q[:, None], df=a))
    k = np.arange(5)[:, None]
    _close(st.binom.cdf(k, np.array([3, 6]), 0.4), ss.binom.cdf(k, np.array([3, 6]), 0.4))
    _close(st.poisson.sf(k, mu=np.array([0.5, 6.0])), ss.poisson.sf(k, mu=np.array([0.5, 6.0])))
    with pytest.raises(TypeError, match=r"t.cdf takes \(df, loc=0.0, scale=1.0\) after the point"):
        st.t.cdf(0.3)
    with pytest.raises(TypeError, match=r"gamma.sf takes .*keywords \['bogus'\]"):
        st.gamma.sf(0.3, 2.0, bogus=1.0)
    with pytest.raises(TypeError, match=r"binom.cdf takes \(n, p, loc=0\)"):
        st.binom.cdf(1, 8, 0.3, 0, 1)


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


# Points inside the supports, so that the logs are finite (central differences of −inf are nan);
# the CDFs are also checked across the ends of the support, where they are constant.
GRADIENT_CASES = [("t", (3.5,), X), ("gamma", (2.5,), X[1:]), ("beta", (2.0, 3.5), Q),
                  ("norm", (), X), ("expon", (), X[1:]), ("laplace", (), X),
                  ("logistic", (), X), ("cauchy", (), X), ("uniform", (), Q)]


@pytest.mark.parametrize("name, shapes, x", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradients_of_the_distribution_functions(name, shapes, x):
    dist = getattr(st, name)
    for f in (dist.logpdf, dist.cdf, dist.logcdf, dist.sf, dist.logsf):
        sg.check_grads(lambda v, loc, scale, f=f: sg.sum(f(v, *shapes, loc, scale)),
                       (x, 0.05, 1.3), order=2)
    for f in (dist.cdf, dist.sf):  # across the support's ends
        sg.check_grads(lambda v, f=f: sg.sum(f(v, *shapes)), (np.array([-0.7, 0.4, 1.6]),),
                       order=2)
    for f in (dist.ppf, dist.isf):
        sg.check_grads(lambda q, loc, scale, f=f: sg.sum(f(q, *shapes, loc, scale)),
                       (np.array([0.01, 0.4, 0.8, 0.999]), 0.05, 1.3), order=2)


def test_gradients_of_the_discrete_distribution_functions():
    k, inside = np.array([-1, 0, 1, 3, 7, 8, 10]), np.array([0, 1, 3, 7])
    for method in ("cdf", "logcdf", "sf", "logsf"):
        counts = k if method in ("cdf", "sf") else inside  # the logs are finite on the support
        poisson, binom = getattr(st.poisson, method), getattr(st.binom, method)
        sg.check_grads(lambda mu, f=poisson, c=counts: sg.sum(f(c, mu)), (2.5,), order=2)
        sg.check_grads(lambda p, f=binom, c=counts: sg.sum(f(c, 8, p)), (0.3,), order=2)
    # the CDF's derivative in the parameter, in closed form: −pmf(k) for Poisson, −n·pmf(k; n − 1)
    # for the binomial
    np.testing.assert_allclose(sg.grad(lambda mu: sg.sum(st.poisson.cdf(inside, mu)))(2.5),
                               -np.sum(ss.poisson.pmf(inside, 2.5)), rtol=1e-12)
    np.testing.assert_allclose(sg.grad(lambda p: sg.sum(st.binom.cdf(inside, 8, p)))(0.3),
                               -8 * np.sum(ss.binom.pmf(inside, 7, 0.3)), rtol=1e-12)
    # quantiles are piecewise constant: SciPy's values, zero derivative
    for poisson, binom in ((st.poisson.ppf, st.binom.ppf), (st.poisson.isf, st.binom.isf)):
        assert sg.grad(lambda mu, f=poisson: sg.sum(f(Q, mu)))(2.5) == 0.0
        assert sg.grad(lambda p, f=binom: sg.sum(f(Q, 8, p)))(0.3) == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda v: st.t.cdf(0.3, v), "stdtr: .*argument 0.*df, the degrees of freedom"),
    (lambda v: st.t.isf(0.3, v), "stdtrit: .*argument 0.*df, the degrees of freedom"),
    (lambda v: st.beta.cdf(0.3, v, 2.0), "betainc: .*argument 0.*a or b is a shape parameter"),
    (lambda v: st.beta.sf(0.3, 2.0, v), "betaincc: .*argument 1.*a or b is a shape parameter"),
    (lambda v: sg.grad(lambda u: st.gamma.cdf(0.3, u))(v),
     "gammainc_da: .*argument 0.*differentiable once"),
], ids=["t.cdf-df", "t.isf-df", "beta.cdf-a", "beta.sf-b", "gamma.cdf-a-twice"])
def test_shape_parameters_of_the_distribution_functions_are_named_errors(call, message):
    with pytest.raises(TypeError, match=message):
        sg.grad(call)(1.5)
    # the densities are differentiable in them
    sg.check_grads(lambda v: st.gamma.logpdf(0.3, v) + st.beta.logpdf(0.3, 2.0, v), (1.5,),
                   order=2)


def test_the_gamma_distribution_functions_are_differentiable_once_in_a():
    x, q = np.array([0.2, 1.4, 6.0]), np.array([0.05, 0.5, 0.97])
    for f in (st.gamma.cdf, st.gamma.logcdf, st.gamma.sf, st.gamma.logsf):
        sg.check_grads(lambda a, f=f: sg.sum(f(x, a, 0.1, 1.3)), (2.5,), order=1)
    for f in (st.gamma.ppf, st.gamma.isf):
        sg.check_grads(lambda a, f=f: sg.sum(f(q, a, 0.1, 1.3)), (2.5,), order=1)


def test_a_maximum_likelihood_fit():
    data = np.random.default_rng(0).normal(1.5, 0.7, 400)
    nll = lambda p: -sg.sum(st.norm.logpdf(data, p[0], sg.exp(p[1])))
    p = np.array([0.0, 0.0])
    for _ in range(300):
        p = p - 0.002 * sg.grad(nll)(p)
    np.testing.assert_allclose([p[0], np.exp(p[1])], [data.mean(), data.std()], rtol=1e-3)
