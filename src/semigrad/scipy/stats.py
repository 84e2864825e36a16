"""``semigrad.scipy.stats``: SciPy's distributions as differentiable functions of their
arguments and parameters.

Each distribution is an object with SciPy's function names and signatures
(``norm.logpdf(x, loc=0, scale=1)`` ...), every method a composition of semigrad
operations and of :mod:`semigrad.scipy.special`, broadcasting as SciPy does, so
gradients flow to the points and to the parameters (a maximum-likelihood fit is
one ``sg.grad`` away). Continuous, with ``logpdf pdf cdf logcdf sf logsf ppf isf``:
``norm``, ``t``, ``expon``, ``laplace``, ``logistic``, ``cauchy``, ``uniform``,
``gamma``, ``beta``; with ``logpdf pdf``: ``multivariate_normal``, ``dirichlet``;
discrete, with ``logpmf pmf cdf logcdf sf logsf ppf isf``: ``poisson``, ``binom``,
``bernoulli``.

The distribution functions of ``t``, ``gamma``, ``beta``, ``poisson`` and ``binom``
are Student's t distribution function and the incomplete gamma and beta functions of
:mod:`semigrad.scipy.special`: differentiable in the point (or q), loc and scale, and
in ``poisson``'s mu and ``binom``'s p (which enter as the special function's variable),
but not in the shapes df, a, b (a TypeError says so; the densities are differentiable
in them), except gamma's a, in which they are differentiable once (as
``special.gammainc``). Discrete quantiles are piecewise constant: SciPy's values,
derivative zero.

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
from ._scipy import scipy_module

__all__ = ["bernoulli", "beta", "binom", "cauchy", "dirichlet", "expon", "gamma", "laplace",
           "logistic", "multivariate_normal", "norm", "poisson", "t", "uniform"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _z(x, loc, scale):
    return ops.divide(ops.subtract(asarray(x), loc), scale)


def _value(x):
    return np.asarray(getattr(x, "value", x))


def _inside(cond, value, outside):
    """``value`` where ``cond`` holds, ``outside`` elsewhere (no derivative through ``cond``)."""
    return ops.where(_value(cond), value, outside)


def _masked(inside, fn, arg, interior, outside):
    """``fn(arg)`` where ``inside`` holds, ``outside`` elsewhere.

    ``fn`` sees ``interior`` in place of the points outside: a value there that is nan or
    infinite would otherwise turn the zero cotangent that ``where`` sends it into nan.
    """
    return _inside(inside, fn(_inside(inside, arg, interior)), outside)


def _bind(dist, method, names, defaults, args, kwds):
    """SciPy's positional-or-keyword arguments after the first, by name."""
    values = dict(zip(names, args))
    clash = [k for k in kwds if k not in names or k in values]
    missing = [n for n in names if n not in values and n not in kwds and n not in defaults]
    if len(args) > len(names) or clash or missing:
        shown = ", ".join(f"{n}={defaults[n]!r}" if n in defaults else n for n in names)
        raise TypeError(f"{dist}.{method} takes ({shown}) after the point; got "
                        f"{len(args)} positional argument(s) and keywords {sorted(kwds)}")
    return [values[n] if n in values else kwds.get(n, defaults.get(n)) for n in names]


class _Continuous:
    """SciPy's methods for a location-scale family with shape parameters ``_shapes``.

    A distribution gives its standard form (loc 0, scale 1) as functions of z and the
    shapes: ``_logpdf``, ``_cdf``, ``_ppf``, and where the defaults (1 − cdf, the log of
    cdf or sf, ppf(1 − q)) lose accuracy, ``_sf``, ``_logcdf``, ``_logsf``, ``_isf``.
    The public methods take SciPy's arguments ``(x, *shapes, loc=0, scale=1)``, outside
    the support ``_support`` give SciPy's constants without calling the standard form
    there, and quantiles of q outside [0, 1] are nan.
    """

    _shapes: tuple[str, ...] = ()
    _support = (-np.inf, np.inf)

    def __init__(self, name):
        self.name = name

    def _arguments(self, method, args, kwds):
        *shapes, loc, scale = _bind(self.name, method, (*self._shapes, "loc", "scale"),
                                    {"loc": 0.0, "scale": 1.0}, args, kwds)
        return shapes, loc, scale

    def _standardised(self, method, x, args, kwds):
        shapes, loc, scale = self._arguments(method, args, kwds)
        return _z(x, loc, scale), shapes, scale

    def _on_support(self, fn, z, shapes, below, above, closed=False):
        """``fn(z, *shapes)`` on the support (open, or ``closed``), ``below``/``above`` off it."""
        lo, hi = self._support
        if lo == -np.inf and hi == np.inf:
            return fn(z, *shapes)
        zv = _value(z)
        inside = (zv >= lo) & (zv <= hi) if closed else (zv > lo) & (zv < hi)
        outside = np.where(zv <= lo, below, np.where(zv >= hi, above, np.nan))
        interior = lo + 0.5 if hi == np.inf else 0.5 * (lo + hi)
        return _masked(inside, lambda u: fn(u, *shapes), z, interior, outside)

    def _quantile(self, method, fn, q, args, kwds):
        shapes, loc, scale = self._arguments(method, args, kwds)
        qv = _value(q)
        z = _masked((qv >= 0) & (qv <= 1), lambda u: fn(u, *shapes), asarray(q), 0.5, np.nan)
        return ops.add(ops.multiply(z, scale), loc)

    def logpdf(self, x, *args, **kwds):
        z, shapes, scale = self._standardised("logpdf", x, args, kwds)
        return ops.subtract(self._on_support(self._logpdf, z, shapes, -np.inf, -np.inf,
                                             closed=True), ops.log(asarray(scale)))

    def pdf(self, x, *args, **kwds):
        return ops.exp(self.logpdf(x, *args, **kwds))

    def cdf(self, x, *args, **kwds):
        z, shapes, _ = self._standardised("cdf", x, args, kwds)
        return self._on_support(self._cdf, z, shapes, 0.0, 1.0)

    def logcdf(self, x, *args, **kwds):
        z, shapes, _ = self._standardised("logcdf", x, args, kwds)
        return self._on_support(self._logcdf, z, shapes, -np.inf, 0.0)

    def sf(self, x, *args, **kwds):
        z, shapes, _ = self._standardised("sf", x, args, kwds)
        return self._on_support(self._sf, z, shapes, 1.0, 0.0)

    def logsf(self, x, *args, **kwds):
        z, shapes, _ = self._standardised("logsf", x, args, kwds)
        return self._on_support(self._logsf, z, shapes, 0.0, -np.inf)

    def ppf(self, q, *args, **kwds):
        return self._quantile("ppf", self._ppf, q, args, kwds)

    def isf(self, q, *args, **kwds):
        return self._quantile("isf", self._isf, q, args, kwds)

    def _logcdf(self, z, *shapes):
        # As SciPy: log cdf below the median and log1p(−sf) above, each accurate on its side.
        return self._split_at_median(z, shapes, lambda u: ops.log(self._cdf(u, *shapes)),
                                     lambda u: ops.log1p(ops.negative(self._sf(u, *shapes))))

    def _sf(self, z, *shapes):
        return ops.subtract(1.0, self._cdf(z, *shapes))

    def _logsf(self, z, *shapes):
        return self._split_at_median(z, shapes,
                                     lambda u: ops.log1p(ops.negative(self._cdf(u, *shapes))),
                                     lambda u: ops.log(self._sf(u, *shapes)))

    def _split_at_median(self, z, shapes, below, above):
        """``below(z)`` below the median, ``above(z)`` from it on; each sees only its side."""
        median = _value(self._ppf(0.5, *map(_value, shapes)))
        lower = _value(z) < median
        return _inside(lower, below(_inside(lower, z, median)), above(_inside(lower, median, z)))

    def _isf(self, q, *shapes):
        return self._ppf(ops.subtract(1.0, q), *shapes)


class _Norm(_Continuous):
    """The normal distribution N(loc, scale²)."""

    def _logpdf(self, z):
        return ops.subtract(ops.multiply(-0.5, ops.square(z)), _LOG_SQRT_2PI)

    def _cdf(self, z):
        return sc.ndtr(z)

    def _logcdf(self, z):
        return sc.log_ndtr(z)

    def _sf(self, z):
        return sc.ndtr(ops.negative(z))

    def _logsf(self, z):
        return sc.log_ndtr(ops.negative(z))

    def _ppf(self, q):
        return sc.ndtri(q)

    def _isf(self, q):
        return ops.negative(sc.ndtri(q))


class _Expon(_Continuous):
    """The exponential distribution (rate 1/scale) shifted by loc."""

    _support = (0.0, np.inf)

    def _logpdf(self, z):
        return ops.negative(z)

    def _cdf(self, z):
        return ops.negative(ops.expm1(ops.negative(z)))

    def _sf(self, z):
        return ops.exp(ops.negative(z))

    def _logsf(self, z):
        return ops.negative(z)

    def _ppf(self, q):
        return ops.negative(ops.log1p(ops.negative(q)))

    def _isf(self, q):
        return ops.negative(ops.log(q))


class _Laplace(_Continuous):
    """The Laplace distribution."""

    def _logpdf(self, z):
        return ops.subtract(ops.negative(ops.abs(z)), math.log(2.0))

    def _cdf(self, z):
        return ops.exp(self._logcdf(z))

    def _logcdf(self, z):
        # z − log 2 below 0, log(1 − e⁻ᶻ/2) above; each branch sees only its side of 0 (the
        # other side's exp overflows, and where's zero cotangent times inf would be nan)
        lower = _value(z) < 0
        return _inside(lower, ops.subtract(_inside(lower, z, 0.0), math.log(2.0)),
                       ops.log1p(ops.multiply(-0.5, ops.exp(ops.negative(
                           _inside(lower, 0.0, z))))))

    def _sf(self, z):
        return self._cdf(ops.negative(z))

    def _logsf(self, z):
        return self._logcdf(ops.negative(z))

    def _ppf(self, q):
        qv = getattr(q, "value", q)
        return _inside(qv < 0.5, ops.log(ops.multiply(2.0, q)),
                       ops.negative(ops.log(ops.multiply(2.0, ops.subtract(1.0, q)))))

    def _isf(self, q):
        return ops.negative(self._ppf(q))


class _Logistic(_Continuous):
    """The logistic distribution."""

    def _logpdf(self, z):
        # log expit(z) + log expit(−z): finite slopes everywhere, −inf (not nan) at ±inf
        from ..numpy import logaddexp

        return ops.negative(ops.add(logaddexp(0.0, z), logaddexp(0.0, ops.negative(z))))

    def _cdf(self, z):
        return sc.expit(z)

    def _logcdf(self, z):
        from ..numpy import logaddexp

        return ops.negative(logaddexp(0.0, ops.negative(z)))

    def _sf(self, z):
        return sc.expit(ops.negative(z))

    def _logsf(self, z):
        return self._logcdf(ops.negative(z))

    def _ppf(self, q):
        return sc.logit(q)

    def _isf(self, q):
        return ops.negative(sc.logit(q))


class _Cauchy(_Continuous):
    """The Cauchy distribution."""

    def _logpdf(self, z):
        return ops.negative(ops.add(math.log(math.pi), ops.log1p(ops.square(z))))

    def _cdf(self, z):
        from ..numpy import arctan

        return ops.add(0.5, ops.divide(arctan(z), math.pi))

    def _sf(self, z):
        return self._cdf(ops.negative(z))

    def _ppf(self, q):
        # −cot(πq) below 1/2 and cot(π(1 − q)) above: accurate in both tails, ±inf at 0 and 1
        qv = getattr(q, "value", q)
        lower = np.asarray(qv) < 0.5
        return _inside(lower, ops.negative(ops.reciprocal(ops.tan(ops.multiply(math.pi, q)))),
                       ops.reciprocal(ops.tan(ops.multiply(math.pi, ops.subtract(1.0, q)))))

    def _isf(self, q):
        return ops.negative(self._ppf(q))


class _Uniform(_Continuous):
    """The uniform distribution on [loc, loc + scale]."""

    _support = (0.0, 1.0)

    def _logpdf(self, z):
        return ops.multiply(z, 0.0)

    def _cdf(self, z):
        return z

    def _ppf(self, q):
        return q


class _T(_Continuous):
    """Student's t with ``df`` degrees of freedom: ``t.cdf(x, df, loc=0, scale=1)`` ...

    Differentiable in x (or q), loc and scale; in df only through the density
    (``logpdf``, ``pdf``): the CDF and quantiles are SciPy's ``stdtr``/``stdtrit``,
    which have no derivative in df.

    >>> import semigrad as sg
    >>> from semigrad.scipy import stats
    >>> float(stats.t.cdf(0.0, 3.0))
    0.5
    >>> round(float(sg.grad(lambda x: stats.t.cdf(x, 1.0))(0.0)), 12)  # the Cauchy density
    0.318309886184
    """

    _shapes = ("df",)

    def _logpdf(self, z, df):
        half = ops.multiply(0.5, ops.add(df, 1.0))
        norm_const = ops.subtract(ops.subtract(sc.gammaln(half), sc.gammaln(ops.multiply(0.5, df))),
                                  ops.multiply(0.5, ops.log(ops.multiply(math.pi, df))))
        return ops.subtract(norm_const, ops.multiply(half, ops.log1p(ops.divide(ops.square(z),
                                                                                df))))

    def _cdf(self, z, df):
        return sc.stdtr(df, z)

    def _sf(self, z, df):
        return sc.stdtr(df, ops.negative(z))

    def _ppf(self, q, df):
        # stdtrit(df, 0) is +inf in SciPy (its scipy.stats.t.ppf says −inf, the support's end)
        qv = _value(q)
        return _masked(qv > 0, lambda u: sc.stdtrit(df, u), q, 0.5, -np.inf)

    def _isf(self, q, df):
        return ops.negative(self._ppf(q, df))


class _Gamma(_Continuous):
    """The gamma distribution with shape ``a``: ``gamma.cdf(x, a, loc=0, scale=1)`` ...

    Differentiable in x (or q), loc and scale; in a the density to any order, the
    distribution functions and quantiles once (as the incomplete gamma function).

    >>> import semigrad as sg
    >>> from semigrad.scipy import stats
    >>> round(float(stats.gamma.cdf(1.0, 1.0)), 12)       # 1 − 1/e
    0.632120558829
    >>> round(float(sg.grad(lambda s: stats.gamma.sf(1.0, 1.0, scale=s))(1.0)), 12)  # e⁻¹
    0.367879441171
    >>> round(float(sg.grad(lambda a: stats.gamma.cdf(1.0, a))(1.0)), 12)
    -0.431729710635
    """

    _shapes = ("a",)
    _support = (0.0, np.inf)

    def _logpdf(self, z, a):
        return ops.subtract(ops.subtract(sc.xlogy(ops.subtract(a, 1.0), z), z), sc.gammaln(a))

    def _cdf(self, z, a):
        return sc.gammainc(a, z)

    def _sf(self, z, a):
        return sc.gammaincc(a, z)

    def _ppf(self, q, a):
        return sc.gammaincinv(a, q)

    def _isf(self, q, a):
        return sc.gammainccinv(a, q)


class _Beta(_Continuous):
    """The beta distribution with shapes ``a``, ``b``: ``beta.cdf(x, a, b, loc=0, scale=1)`` ...

    Differentiable in x (or q), loc and scale; in a and b only through the density:
    the CDF is the incomplete beta function, whose derivatives in a and b are not provided.

    >>> import semigrad as sg
    >>> from semigrad.scipy import stats
    >>> float(stats.beta.cdf(0.5, 2.0, 1.0))               # x²
    0.25
    >>> float(stats.beta.ppf(0.25, 2.0, 1.0))
    0.5
    """

    _shapes = ("a", "b")
    _support = (0.0, 1.0)

    def _logpdf(self, z, a, b):
        return ops.subtract(ops.add(sc.xlogy(ops.subtract(a, 1.0), z),
                                    sc.xlog1py(ops.subtract(b, 1.0), ops.negative(z))),
                            sc.betaln(a, b))

    def _cdf(self, z, a, b):
        return sc.betainc(a, b, z)

    def _sf(self, z, a, b):
        return sc.betaincc(a, b, z)

    def _ppf(self, q, a, b):
        return sc.betaincinv(a, b, q)

    def _isf(self, q, a, b):
        return sc.betainccinv(a, b, q)


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


class _Discrete:
    """SciPy's methods for a distribution on the counts 0 … ``_last(*shapes)``, shifted by loc.

    A distribution gives ``_logpmf(k, *shapes)`` and, on its support, ``_cdf`` and ``_sf``
    (the log forms are their logs, as SciPy's). Counts are not differentiated (they are
    integers); the parameters are, except for ``ppf`` and ``isf``, which are piecewise
    constant in q and in the parameters: their values are SciPy's and their derivative is 0.
    """

    _shapes: tuple[str, ...] = ()

    def __init__(self, name):
        self.name = name

    def _arguments(self, method, args, kwds):
        *shapes, loc = _bind(self.name, method, (*self._shapes, "loc"), {"loc": 0}, args, kwds)
        return shapes, loc

    def _on_support(self, method, fn, k, args, kwds, below, above):
        shapes, loc = self._arguments(method, args, kwds)
        k = np.floor(_value(k) - _value(loc))
        last = self._last(*shapes)
        inside = (k >= 0) & (k < last)
        outside = np.where(k < 0, below, np.where(k >= last, above, np.nan))
        return _masked(inside, lambda kk: fn(kk, *shapes), k, 0.0, outside)

    def logpmf(self, k, *args, **kwds):
        shapes, loc = self._arguments("logpmf", args, kwds)
        k = _value(k) - _value(loc)
        return _inside(np.isnan(k), np.nan, self._logpmf(k, *shapes))

    def pmf(self, k, *args, **kwds):
        return ops.exp(self.logpmf(k, *args, **kwds))

    def cdf(self, k, *args, **kwds):
        return self._on_support("cdf", self._cdf, k, args, kwds, 0.0, 1.0)

    def logcdf(self, k, *args, **kwds):
        return self._on_support("logcdf", lambda kk, *s: ops.log(self._cdf(kk, *s)), k, args,
                                kwds, -np.inf, 0.0)

    def sf(self, k, *args, **kwds):
        return self._on_support("sf", self._sf, k, args, kwds, 1.0, 0.0)

    def logsf(self, k, *args, **kwds):
        return self._on_support("logsf", lambda kk, *s: ops.log(self._sf(kk, *s)), k, args,
                                kwds, 0.0, -np.inf)

    def ppf(self, q, *args, **kwds):
        return self._scipy("ppf", q, args, kwds)

    def isf(self, q, *args, **kwds):
        return self._scipy("isf", q, args, kwds)

    def _scipy(self, method, q, args, kwds):
        shapes, loc = self._arguments(method, args, kwds)
        dist = getattr(_scipy_stats(), self.name)
        return getattr(dist, method)(_value(q), *map(_value, shapes), loc=_value(loc))[()]

    def _last(self, *shapes):
        return np.inf


def _scipy_stats():
    return scipy_module("stats")


class _Poisson(_Discrete):
    """The Poisson distribution with mean ``mu``: ``poisson.cdf(k, mu, loc=0)`` ...

    The CDF is ``gammaincc(k + 1, mu)``, differentiable in mu (the incomplete gamma
    function's variable).

    >>> import semigrad as sg
    >>> from semigrad.scipy import stats
    >>> round(float(stats.poisson.cdf(0, 2.0)), 12)        # e⁻²
    0.135335283237
    >>> round(float(sg.grad(lambda mu: stats.poisson.cdf(1, mu))(2.0)), 12)  # −pmf(1)
    -0.270670566473
    """

    _shapes = ("mu",)

    def _logpmf(self, k, mu):
        ok = (k >= 0) & (k == np.floor(k))
        kk = np.where(ok, k, 0)
        value = ops.subtract(ops.subtract(sc.xlogy(kk.astype(float), mu), mu),
                             sc.gammaln(kk + 1.0))
        return _inside(ok, value, -np.inf)

    def _cdf(self, k, mu):
        return sc.gammaincc(k + 1.0, mu)

    def _sf(self, k, mu):
        return sc.gammainc(k + 1.0, mu)


class _Binom(_Discrete):
    """The binomial distribution: ``binom.cdf(k, n, p, loc=0)`` ...

    The CDF is ``betaincc(k + 1, n − k, p)``, differentiable in p (the incomplete beta
    function's variable); the number of trials n is an integer, not differentiated.

    >>> import semigrad as sg
    >>> from semigrad.scipy import stats
    >>> round(float(stats.binom.cdf(0, 3, 0.5)), 12)       # (1 − p)³
    0.125
    >>> round(float(sg.grad(lambda p: stats.binom.cdf(0, 3, p))(0.5)), 12)  # −3(1 − p)²
    -0.75
    """

    _shapes = ("n", "p")

    def _logpmf(self, k, n, p):
        n = _value(n)
        ok = (k >= 0) & (k <= n) & (k == np.floor(k))
        kk = np.where(ok, k, 0).astype(float)
        comb = (sc.gammaln(n + 1.0) - sc.gammaln(kk + 1.0)) - sc.gammaln(n - kk + 1.0)
        value = ops.add(ops.add(comb, sc.xlogy(kk, p)), sc.xlog1py(n - kk, ops.negative(p)))
        return _inside(ok, value, -np.inf)

    def _cdf(self, k, n, p):
        return sc.betaincc(k + 1.0, _value(n) - k, p)

    def _sf(self, k, n, p):
        return sc.betainc(k + 1.0, _value(n) - k, p)

    def _last(self, n, p):
        return _value(n)


class _Bernoulli(_Discrete):
    """The Bernoulli distribution with success probability ``p`` (binom with n = 1)."""

    _shapes = ("p",)

    def _logpmf(self, k, p):
        return binom._logpmf(k, 1, p)

    def _cdf(self, k, p):
        return binom._cdf(k, 1, p)

    def _sf(self, k, p):
        return binom._sf(k, 1, p)

    def _last(self, p):
        return 1


norm = _Norm("norm")
expon = _Expon("expon")
laplace = _Laplace("laplace")
logistic = _Logistic("logistic")
cauchy = _Cauchy("cauchy")
uniform = _Uniform("uniform")
t = _T("t")
gamma = _Gamma("gamma")
beta = _Beta("beta")
multivariate_normal = _MultivariateNormal()
dirichlet = _Dirichlet()
poisson = _Poisson("poisson")
binom = _Binom("binom")
bernoulli = _Bernoulli("bernoulli")
