"""``semigrad.scipy.stats``: SciPy's distributions as differentiable functions of their
arguments and parameters.

Each distribution is an object with SciPy's function names and signatures
(``norm.logpdf(x, loc=0, scale=1)`` ...), every method a composition of semigrad
operations and of :mod:`semigrad.scipy.special`, broadcasting as SciPy does, so
gradients flow to the points and to the parameters (a maximum-likelihood fit is
one ``sg.grad`` away). Continuous: ``norm``, ``t``, ``expon``, ``laplace``,
``logistic``, ``cauchy``, ``uniform``, ``gamma``, ``beta``, ``multivariate_normal``,
``dirichlet``; discrete: ``poisson``, ``binom``, ``bernoulli``. Where SciPy's
``cdf`` needs an incomplete gamma or beta function (``t``, ``gamma``, ``beta``,
``poisson``, ``binom``), only the densities are here.

>>> import numpy as np
>>> import semigrad as sg
>>> from semigrad.scipy import stats
>>> x = np.array([0.2, 1.4, -0.3])
>>> nll = lambda mu, s: -sg.sum(stats.norm.logpdf(x, mu, s))
>>> [round(float(g), 6) for g in sg.grad(nll, argnums=(0, 1))(0.0, 1.0)]
[-1.3, 0.91]
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..numpy import asarray, linalg, sum
from . import special as sc

__all__ = ["bernoulli", "beta", "binom", "cauchy", "dirichlet", "expon", "gamma", "laplace",
           "logistic", "multivariate_normal", "norm", "poisson", "t", "uniform"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _z(x, loc, scale):
    return ops.divide(ops.subtract(asarray(x), loc), scale)


def _inside(cond, value, outside):
    """``value`` where ``cond`` holds, ``outside`` elsewhere (no derivative through ``cond``)."""
    return ops.where(np.asarray(getattr(cond, "value", cond)), value, outside)


class _Continuous:
    """SciPy's names for a location-scale family from its standard log-density and CDF."""

    def logpdf(self, x, loc=0.0, scale=1.0):
        return ops.subtract(self._logpdf(_z(x, loc, scale)), ops.log(asarray(scale)))

    def pdf(self, x, loc=0.0, scale=1.0):
        return ops.exp(self.logpdf(x, loc, scale))

    def cdf(self, x, loc=0.0, scale=1.0):
        return self._cdf(_z(x, loc, scale))

    def logcdf(self, x, loc=0.0, scale=1.0):
        return ops.log(self.cdf(x, loc, scale))

    def sf(self, x, loc=0.0, scale=1.0):
        return ops.subtract(1.0, self.cdf(x, loc, scale))

    def logsf(self, x, loc=0.0, scale=1.0):
        return ops.log(self.sf(x, loc, scale))

    def ppf(self, q, loc=0.0, scale=1.0):
        return ops.add(ops.multiply(self._ppf(asarray(q)), scale), loc)


class _Norm(_Continuous):
    """The normal distribution N(loc, scale²)."""

    def _logpdf(self, z):
        return ops.subtract(ops.multiply(-0.5, ops.square(z)), _LOG_SQRT_2PI)

    def _cdf(self, z):
        return sc.ndtr(z)

    def logcdf(self, x, loc=0.0, scale=1.0):
        return sc.log_ndtr(_z(x, loc, scale))

    def sf(self, x, loc=0.0, scale=1.0):
        return sc.ndtr(ops.negative(_z(x, loc, scale)))

    def logsf(self, x, loc=0.0, scale=1.0):
        return sc.log_ndtr(ops.negative(_z(x, loc, scale)))

    def _ppf(self, q):
        return sc.ndtri(q)


class _Expon(_Continuous):
    """The exponential distribution (rate 1/scale) shifted by loc."""

    def _logpdf(self, z):
        return _inside(getattr(z, "value", z) >= 0, ops.negative(z), -np.inf)

    def _cdf(self, z):
        return _inside(getattr(z, "value", z) >= 0, ops.negative(ops.expm1(ops.negative(z))), 0.0)

    def logsf(self, x, loc=0.0, scale=1.0):
        z = _z(x, loc, scale)
        return _inside(getattr(z, "value", z) >= 0, ops.negative(z), 0.0)

    def _ppf(self, q):
        return ops.negative(ops.log1p(ops.negative(q)))


class _Laplace(_Continuous):
    """The Laplace distribution."""

    def _logpdf(self, z):
        return ops.subtract(ops.negative(ops.abs(z)), math.log(2.0))

    def _cdf(self, z):
        zv = getattr(z, "value", z)
        return _inside(zv < 0, ops.multiply(0.5, ops.exp(z)),
                       ops.subtract(1.0, ops.multiply(0.5, ops.exp(ops.negative(z)))))

    def _ppf(self, q):
        qv = getattr(q, "value", q)
        return _inside(qv < 0.5, ops.log(ops.multiply(2.0, q)),
                       ops.negative(ops.log(ops.multiply(2.0, ops.subtract(1.0, q)))))


class _Logistic(_Continuous):
    """The logistic distribution."""

    def _logpdf(self, z):
        return ops.subtract(ops.negative(z), ops.multiply(2.0, ops.log1p(ops.exp(ops.negative(z)))))

    def _cdf(self, z):
        return sc.expit(z)

    def _ppf(self, q):
        return sc.logit(q)


class _Cauchy(_Continuous):
    """The Cauchy distribution."""

    def _logpdf(self, z):
        return ops.negative(ops.add(math.log(math.pi), ops.log1p(ops.square(z))))

    def _cdf(self, z):
        from ..numpy import arctan

        return ops.add(0.5, ops.divide(arctan(z), math.pi))

    def _ppf(self, q):
        return ops.tan(ops.multiply(math.pi, ops.subtract(q, 0.5)))


class _Uniform(_Continuous):
    """The uniform distribution on [loc, loc + scale]."""

    def _logpdf(self, z):
        zv = getattr(z, "value", z)
        return _inside((zv >= 0) & (zv <= 1), ops.multiply(z, 0.0), -np.inf)

    def _cdf(self, z):
        return ops.clip(z, 0.0, 1.0)

    def _ppf(self, q):
        return asarray(q)


class _T:
    """Student's t with ``df`` degrees of freedom (density only: its CDF needs betainc)."""

    def logpdf(self, x, df, loc=0.0, scale=1.0):
        z = _z(x, loc, scale)
        half = ops.multiply(0.5, ops.add(df, 1.0))
        norm_const = ops.subtract(ops.subtract(sc.gammaln(half), sc.gammaln(ops.multiply(0.5, df))),
                                  ops.multiply(0.5, ops.log(ops.multiply(math.pi, df))))
        return ops.subtract(ops.subtract(norm_const, ops.multiply(half, ops.log1p(
            ops.divide(ops.square(z), df)))), ops.log(asarray(scale)))

    def pdf(self, x, df, loc=0.0, scale=1.0):
        return ops.exp(self.logpdf(x, df, loc, scale))


class _Gamma:
    """The gamma distribution with shape ``a`` (density only: its CDF needs gammainc)."""

    def logpdf(self, x, a, loc=0.0, scale=1.0):
        z = _z(x, loc, scale)
        zv = getattr(z, "value", z)
        safe = _inside(zv > 0, z, 1.0)
        value = ops.subtract(ops.subtract(ops.multiply(ops.subtract(a, 1.0), ops.log(safe)), safe),
                             sc.gammaln(a))
        return ops.subtract(_inside(zv > 0, value, -np.inf), ops.log(asarray(scale)))

    def pdf(self, x, a, loc=0.0, scale=1.0):
        return ops.exp(self.logpdf(x, a, loc, scale))


class _Beta:
    """The beta distribution with shapes ``a``, ``b`` (density only)."""

    def logpdf(self, x, a, b, loc=0.0, scale=1.0):
        z = _z(x, loc, scale)
        zv = getattr(z, "value", z)
        safe = _inside((zv > 0) & (zv < 1), z, 0.5)
        value = ops.subtract(ops.add(sc.xlogy(ops.subtract(a, 1.0), safe),
                                     sc.xlog1py(ops.subtract(b, 1.0), ops.negative(safe))),
                             sc.betaln(a, b))
        return ops.subtract(_inside((zv > 0) & (zv < 1), value, -np.inf), ops.log(asarray(scale)))

    def pdf(self, x, a, b, loc=0.0, scale=1.0):
        return ops.exp(self.logpdf(x, a, b, loc, scale))


class _MultivariateNormal:
    """The multivariate normal N(mean, cov), its log-density by a Cholesky factor."""

    def logpdf(self, x, mean=None, cov=1.0):
        x = asarray(x)
        d = ops.shape(x)[-1]
        mean = np.zeros(d) if mean is None else mean
        cov = asarray(cov)
        if ops.ndim(cov) < 2:
            cov = ops.multiply(np.eye(d), cov)
        diff = ops.subtract(x, mean)
        chol = linalg.cholesky(cov)
        # solve L y = diffᵀ for every point: the Mahalanobis distance is |y|².
        cols = ops.transpose(ops.reshape(diff, (-1, d)))
        y = linalg.solve(chol, cols)
        maha = sum(ops.square(y), axis=0)
        logdet = ops.multiply(2.0, sum(ops.log(linalg.diagonal(chol))))
        out = ops.multiply(-0.5, ops.add(ops.add(maha, logdet), d * math.log(2 * math.pi)))
        return ops.reshape(out, ops.shape(x)[:-1])

    def pdf(self, x, mean=None, cov=1.0):
        return ops.exp(self.logpdf(x, mean, cov))


class _Dirichlet:
    """The Dirichlet distribution with concentrations ``alpha`` (the last axis of x)."""

    def logpdf(self, x, alpha):
        x, alpha = asarray(x), asarray(alpha)
        norm_const = ops.subtract(sum(sc.gammaln(alpha)), sc.gammaln(sum(alpha)))
        return ops.subtract(sum(sc.xlogy(ops.subtract(alpha, 1.0), x), axis=-1), norm_const)

    def pdf(self, x, alpha):
        return ops.exp(self.logpdf(x, alpha))


class _Poisson:
    """The Poisson distribution with mean ``mu`` (k an integer count, not differentiated)."""

    def logpmf(self, k, mu, loc=0):
        k = np.asarray(getattr(k, "value", k)) - loc
        ok = (k >= 0) & (k == np.floor(k))
        kk = np.where(ok, k, 0)
        value = ops.subtract(ops.subtract(sc.xlogy(kk.astype(float), mu), mu),
                             sc.gammaln(kk + 1.0))
        return _inside(ok, value, -np.inf)

    def pmf(self, k, mu, loc=0):
        return ops.exp(self.logpmf(k, mu, loc))


class _Binom:
    """The binomial distribution with ``n`` trials and success probability ``p``."""

    def logpmf(self, k, n, p, loc=0):
        k = np.asarray(getattr(k, "value", k)) - loc
        n = np.asarray(getattr(n, "value", n))
        ok = (k >= 0) & (k <= n) & (k == np.floor(k))
        kk = np.where(ok, k, 0).astype(float)
        comb = (sc.gammaln(n + 1.0) - sc.gammaln(kk + 1.0)) - sc.gammaln(n - kk + 1.0)
        value = ops.add(ops.add(comb, sc.xlogy(kk, p)), sc.xlog1py(n - kk, ops.negative(p)))
        return _inside(ok, value, -np.inf)

    def pmf(self, k, n, p, loc=0):
        return ops.exp(self.logpmf(k, n, p, loc))


class _Bernoulli:
    """The Bernoulli distribution with success probability ``p``."""

    def logpmf(self, k, p, loc=0):
        return _Binom().logpmf(k, 1, p, loc)

    def pmf(self, k, p, loc=0):
        return ops.exp(self.logpmf(k, p, loc))


norm = _Norm()
expon = _Expon()
laplace = _Laplace()
logistic = _Logistic()
cauchy = _Cauchy()
uniform = _Uniform()
t = _T()
gamma = _Gamma()
beta = _Beta()
multivariate_normal = _MultivariateNormal()
dirichlet = _Dirichlet()
poisson = _Poisson()
binom = _Binom()
bernoulli = _Bernoulli()
