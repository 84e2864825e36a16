"""``semigrad.scipy.special``: SciPy's special functions as primitives with their derivatives.

Each function is declared once, as the library declares its own (an
:class:`~semigrad.primitives.Elementwise` primitive): SciPy computes the values,
the partials are written with semigrad operations (often another function
here: ``gammaln``' is ``digamma``, ``digamma``' is ``polygamma(1, ·)``), so every
order of derivative, both modes and every semiring work, and each has a SymPy
counterpart for symbolic export. SciPy is imported the first time a value is
computed.

>>> import numpy as np
>>> import semigrad as sg
>>> import semigrad.scipy.special as sc
>>> bool(sg.grad(sc.erf)(0.0) == 2 / np.sqrt(np.pi))
True
>>> sg.grad(lambda p: sg.sum(sc.xlogy(p, p)))(np.array([0.5, 1.0])).round(6).tolist()
[0.306853, 1.0]
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..primitives.base import Elementwise, NoDerivative
from ..primitives.elementwise import _elementwise_sympy
from ._scipy import scipy_module

__all__ = [
    "beta", "betainc", "betaincc", "betainccinv", "betaincinv", "betaln", "digamma", "entr",
    "erf", "erfc", "erfcinv", "erfinv", "expit", "gamma", "gammainc", "gammaincc",
    "gammainccinv", "gammaincinv", "gammaln", "i0", "i0e", "i1", "i1e", "log_ndtr",
    "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi",
    "rel_entr", "rgamma", "softmax", "stdtr", "stdtrit", "xlog1py", "xlogy", "zeta",
]


def _sc():
    return scipy_module("special")


def _scipy(name):
    def impl(*args):
        return getattr(_sc(), name)(*args)

    impl.__name__ = name
    return impl


def _declare(name, partials, sympy, doc, impl=None):
    return Elementwise(name, impl or _scipy(name), partials, doc=doc,
                       sympy=None if sympy is None else _elementwise_sympy(sympy))


_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)

# ---- gamma and relatives ------------------------------------------------------------------

polygamma = Elementwise(
    "polygamma",
    lambda n, x: _sc().polygamma(n, x),
    (None, lambda n, x, out: polygamma(n + 1, x)),
    doc="""ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n an integer, not differentiated).

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sg.grad(lambda x: sc.polygamma(1, x))(1.0)), 10)   # ψ''(1) = −2ζ(3)
    -2.4041138063
    """,
    sympy=_elementwise_sympy(lambda sp, n, x: sp.polygamma(n, x)),
)

digamma = _declare(
    "digamma", (lambda x, out: polygamma(1, x),), lambda sp, x: sp.digamma(x),
    """ψ(x) = Γ'(x)/Γ(x); its derivative is ``polygamma(1, x)``.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.digamma(1.0)), 12)
    -0.577215664902
    """)
psi = digamma

gammaln = _declare(
    "gammaln", (lambda x, out: digamma(x),), lambda sp, x: sp.loggamma(x),
    """log |Γ(x)|; its derivative is ``digamma(x)``.

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.gammaln(5.0)), 12)
    3.178053830348
    """)

gamma = _declare(
    "gamma", (lambda x, out: out * digamma(x),), lambda sp, x: sp.gamma(x),
    """Γ(x); its derivative is Γ(x)·ψ(x).

    >>> import semigrad.scipy.special as sc
    >>> float(sc.gamma(5.0))
    24.0
    """)

rgamma = _declare(
    "rgamma", (lambda x, out: -out * digamma(x),), lambda sp, x: 1 / sp.gamma(x),
    """1/Γ(x); its derivative is −ψ(x)/Γ(x).

    >>> import semigrad.scipy.special as sc
    >>> float(sc.rgamma(4.0)) == 1 / 6
    True
    """)

betaln = _declare(
    "betaln",
    (lambda a, b, out: digamma(a) - digamma(a + b),
     lambda a, b, out: digamma(b) - digamma(a + b)),
    lambda sp, a, b: sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b),
    """log |B(a, b)|.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.betaln(2.0, 3.0)), 12)
    -2.484906649788
    """)

beta = _declare(
    "beta",
    (lambda a, b, out: out * (digamma(a) - digamma(a + b)),
     lambda a, b, out: out * (digamma(b) - digamma(a + b))),
    lambda sp, a, b: sp.gamma(a) * sp.gamma(b) / sp.gamma(a + b),
    """B(a, b) = Γ(a)Γ(b)/Γ(a + b).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.beta(2.0, 3.0)), 12)
    0.083333333333
    """)


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension ``d`` (as SciPy's).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.multigammaln(3.0, 2)), 10)
    1.550194994
    """
    if not isinstance(d, int | np.integer) or d < 1:
        raise ValueError(f"multigammaln: the dimension d must be a positive integer; got {d!r}")
    total = d * (d - 1) / 4 * math.log(math.pi)
    for j in range(int(d)):
        total = ops.add(gammaln(ops.subtract(a, j / 2)), total)
    return total


# ---- incomplete gamma and beta functions, Student's t, zeta -------------------------------
# The derivative in the variable is a density (of the gamma, beta or t distribution), written
# in log space so that it neither overflows nor turns 0·log 0 into nan at the boundary
# (xlogy(0, 0) = 0); an inverse's derivative is 1/density at its output. The shape
# parameters' derivatives are not closed-form: the incomplete gamma function's in a is its own
# primitive below (``_gammainc_da``, first order in a); the others are NoDerivative.

def _shape(names, function):
    return NoDerivative(f"{names} is a shape parameter of the {function}, whose derivative "
                        "semigrad does not provide (SciPy has none)")


_BETA_SHAPE = _shape("a or b", "incomplete beta function")
_T_SHAPE = NoDerivative("df, the degrees of freedom, is a shape parameter of Student's t "
                        "distribution function, whose derivative semigrad does not provide "
                        "(SciPy has none)")


def _gamma_logpdf(a, x):
    """log of x^(a−1)·e^(−x)/Γ(a), the derivative of gammainc(a, x) in x."""
    return xlogy(a - 1.0, x) - x - gammaln(a)


def _beta_logpdf(a, b, x):
    """log of x^(a−1)·(1 − x)^(b−1)/B(a, b), the derivative of betainc(a, b, x) in x."""
    return xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b)


def _t_logpdf(df, t):
    """log of Student's t density with df degrees of freedom, the derivative of stdtr in t."""
    half = 0.5 * (df + 1.0)
    return (gammaln(half) - gammaln(0.5 * df) - 0.5 * ops.log(math.pi * df)
            - half * ops.log1p(t * t / df))


_EPS = np.finfo(np.float64).eps


def _gammainc_da_values(a, x):
    """∂P(a, x)/∂a on arrays: P's power series (x < a + 1) or the continued fraction of
    Q = 1 − P (x ≥ a + 1), each differentiated in a term by term.

    Each side is the one that converges fast and whose terms do not cancel there (the
    split of Numerical Recipes' gammp/gammq). Against mpmath the relative error is below
    1e-12 for a in [1e-3, 1e4] and x in [1e-300, 1e4], 2e-10 near x ≈ a for a ≈ 1e5.
    """
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (x >= 0)
    out[valid & ((x == 0) | (x == np.inf))] = 0.0  # P is 0 and 1 there whatever a is
    series = valid & (x > 0) & (x < a + 1)
    fraction = valid & (x >= a + 1) & (x < np.inf)
    out[series] = _gammainc_da_series(a[series], x[series])
    out[fraction] = _gammainc_da_fraction(a[fraction], x[fraction])
    return out[()]


def _gammainc_da_series(a, x):
    # P = Σₙ tₙ with tₙ = exp((a + n)·log x − x − gammaln(a + n + 1)), so
    # ∂P/∂a = Σₙ tₙ·dₙ with dₙ = log x − ψ(a + n + 1); both by recurrence
    # (tₙ = tₙ₋₁·x/(a + n), dₙ = dₙ₋₁ − 1/(a + n)), carried until the terms are negligible.
    special = _sc()
    t = np.exp(a * np.log(x) - x - special.gammaln(a + 1))
    d = np.log(x) - special.digamma(a + 1)
    total = t * d
    live = np.ones(a.shape, dtype=bool)
    n = 0
    while live.any():
        n += 1
        t = t * x / (a + n)
        d = d - 1 / (a + n)
        term = np.where(live, t * d, 0.0)
        total = total + term
        live &= np.abs(term) > _EPS / 4 * np.abs(total)
    return total


def _gammainc_da_fraction(a, x):
    # Q = e^(−x)·x^a/Γ(a) · 1/f with Legendre's continued fraction
    # f = b₀ + A₁/(b₁ + A₂/(b₂ + …)), bₙ = x + 2n + 1 − a, Aₙ = −n(n − a), evaluated by the
    # modified Lentz method (f ← f·Cₙ·Dₙ) with each quantity's a-derivative (′) carried
    # alongside; then ∂Q/∂a = Q·(log x − ψ(a) − f′/f) and ∂P/∂a = −∂Q/∂a. For x ≥ a + 1 the
    # three terms are of one sign: no cancellation.
    special = _sc()
    b0 = x + 1 - a
    c, dc = b0, np.full(a.shape, -1.0)
    d, dd = np.zeros(a.shape), np.zeros(a.shape)
    log_f_da = -1 / b0
    live = np.ones(a.shape, dtype=bool)
    n = 0
    while live.any():
        n += 1
        an, bn = -n * (n - a), x + 2 * n + 1 - a  # ∂Aₙ/∂a = n, ∂bₙ/∂a = −1
        denominator = bn + an * d
        dd = -(-1 + n * d + an * dd) / denominator**2
        d = 1 / denominator
        c, dc = bn + an / c, -1 + (n * c - an * dc) / c**2
        delta = c * d
        step = np.where(live, (dc * d + c * dd) / delta, 0.0)
        log_f_da = log_f_da + step
        live &= (np.abs(delta - 1) > _EPS) | (np.abs(step) > _EPS * np.abs(log_f_da))
    q = special.gammaincc(a, x)
    return -q * (np.log(x) - special.digamma(a) - log_f_da)


def _gammainc_da_sympy(sp, a, x):
    s = sp.Dummy("s")
    return sp.diff(sp.lowergamma(s, x) / sp.gamma(s), s).subs(s, a)


_gammainc_da = Elementwise(
    "gammainc_da",
    _gammainc_da_values,
    (NoDerivative("a: the incomplete gamma function is differentiable once in its shape a "
                  "(gammainc_da is ∂gammainc/∂a; its own derivative in a is not provided)"),
     # ∂²P/∂a∂x = ∂/∂a of the density x^(a−1)e^(−x)/Γ(a) = density·(log x − ψ(a))
     lambda a, x, out: xlogy(ops.exp(_gamma_logpdf(a, x)), x)
     - ops.exp(_gamma_logpdf(a, x)) * digamma(a)),
    doc="""∂gammainc(a, x)/∂a, the incomplete gamma function's derivative in its shape.

    Differentiable in x (the density times log x − ψ(a)) to any order; not in a, so
    gammainc, gammaincc and their inverses are differentiable once in a.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc._gammainc_da(1.0, 1.0)), 12)    # ∫₀¹ (log t + γ)·e^(−t) dt
    -0.431729710635
    """,
    sympy=_elementwise_sympy(_gammainc_da_sympy),
)


def _quantile_da(a, x):
    # x = P⁻¹(a, y) (or Q⁻¹: Q = 1 − P moves the same way): ∂x/∂a = −(∂P/∂a)/(∂P/∂x).
    return -_gammainc_da(a, x) * ops.exp(-_gamma_logpdf(a, x))


gammainc = _declare(
    "gammainc", (lambda a, x, out: _gammainc_da(a, x),
                 lambda a, x, out: ops.exp(_gamma_logpdf(a, x))),
    lambda sp, a, x: sp.lowergamma(a, x) / sp.gamma(a),
    """P(a, x) = γ(a, x)/Γ(a), the regularized lower incomplete gamma function.

    Its derivative in x is the gamma density x^(a−1)·e^(−x)/Γ(a), to any order; in the
    shape a it is differentiable once (by a series or a continued fraction, see
    ``_gammainc_da``), and a second derivative in a is a TypeError.

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.gammainc(2.0, 1.0)), 12)     # 1 − 2/e
    0.264241117657
    >>> round(float(sg.grad(lambda x: sc.gammainc(2.0, x))(1.0)), 12)   # 1/e
    0.367879441171
    >>> round(float(sg.grad(lambda a: sc.gammainc(a, 1.0))(1.0)), 12)
    -0.431729710635
    """)

gammaincc = _declare(
    "gammaincc", (lambda a, x, out: -_gammainc_da(a, x),
                  lambda a, x, out: -ops.exp(_gamma_logpdf(a, x))),
    lambda sp, a, x: sp.uppergamma(a, x) / sp.gamma(a),
    """Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x), accurate where P is near 1.

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.gammaincc(2.0, 1.0)), 12)    # 2/e
    0.735758882343
    >>> round(float(sg.grad(lambda x: sc.gammaincc(2.0, x))(1.0)), 12)
    -0.367879441171
    """)

gammaincinv = _declare(
    "gammaincinv", (lambda a, y, out: _quantile_da(a, out),
                    lambda a, y, out: ops.exp(-_gamma_logpdf(a, out))),
    None,
    """The x with gammainc(a, x) = y; its derivative in y is 1/(the gamma density at x),
    in a −(∂gammainc/∂a)/(the density) (once, as gammainc's).

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.gammaincinv(1.0, 0.5)), 12)  # log 2
    0.69314718056
    >>> round(float(sg.grad(lambda y: sc.gammaincinv(1.0, y))(0.5)), 12)   # 1/(1 − y)
    2.0
    """)

gammainccinv = _declare(
    "gammainccinv", (lambda a, y, out: _quantile_da(a, out),
                     lambda a, y, out: -ops.exp(-_gamma_logpdf(a, out))),
    None,
    """The x with gammaincc(a, x) = y.

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.gammainccinv(1.0, 0.25)), 12)    # log 4
    1.38629436112
    >>> round(float(sg.grad(lambda y: sc.gammainccinv(1.0, y))(0.25)), 12)    # −1/y
    -4.0
    """)

betainc = _declare(
    "betainc", (_BETA_SHAPE, _BETA_SHAPE, lambda a, b, x, out: ops.exp(_beta_logpdf(a, b, x))),
    lambda sp, a, b, x: sp.betainc_regularized(a, b, 0, x),
    """I_x(a, b), the regularized incomplete beta function (the beta distribution's CDF).

    Its derivative in x is the beta density x^(a−1)·(1 − x)^(b−1)/B(a, b); the shapes
    a and b are not differentiated (a TypeError says so).

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> float(sc.betainc(2.0, 1.0, 0.5))            # x²
    0.25
    >>> float(sg.grad(lambda x: sc.betainc(2.0, 1.0, x))(0.5))
    1.0
    >>> sg.grad(lambda a: sc.betainc(a, 1.0, 0.5))(2.0)
    Traceback (most recent call last):
    ...
    TypeError: betainc: no derivative with respect to argument 0 (shape ()); a or b is a shape ...
    """)

betaincc = _declare(
    "betaincc", (_BETA_SHAPE, _BETA_SHAPE, lambda a, b, x, out: -ops.exp(_beta_logpdf(a, b, x))),
    lambda sp, a, b, x: sp.betainc_regularized(a, b, x, 1),
    """1 − I_x(a, b), accurate where I_x is near 1.

    >>> import semigrad.scipy.special as sc
    >>> float(sc.betaincc(2.0, 1.0, 0.5))
    0.75
    """)

betaincinv = _declare(
    "betaincinv",
    (_BETA_SHAPE, _BETA_SHAPE, lambda a, b, y, out: ops.exp(-_beta_logpdf(a, b, out))), None,
    """The x with betainc(a, b, x) = y; its derivative in y is 1/(the beta density at x).

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> float(sc.betaincinv(2.0, 1.0, 0.25))        # √y
    0.5
    >>> float(sg.grad(lambda y: sc.betaincinv(2.0, 1.0, y))(0.25))
    1.0
    """)

betainccinv = _declare(
    "betainccinv",
    (_BETA_SHAPE, _BETA_SHAPE, lambda a, b, y, out: -ops.exp(-_beta_logpdf(a, b, out))), None,
    """The x with betaincc(a, b, x) = y.

    >>> import semigrad.scipy.special as sc
    >>> float(sc.betainccinv(2.0, 1.0, 0.75))
    0.5
    """)

stdtr = _declare(
    "stdtr", (_T_SHAPE, lambda df, t, out: ops.exp(_t_logpdf(df, t))),
    # P(T ≤ t) = 1 − I_{df/(df+t²)}(df/2, 1/2)/2 for t ≥ 0, and its mirror image below 0.
    lambda sp, df, t: sp.Piecewise(
        (1 - sp.betainc_regularized(df / 2, sp.S.Half, 0, df / (df + t**2)) / 2, t >= 0),
        (sp.betainc_regularized(df / 2, sp.S.Half, 0, df / (df + t**2)) / 2, True)),
    """Student's t distribution function with df degrees of freedom, P(T ≤ t).

    Its derivative in t is the t density; df is not differentiated here (the density
    ``stats.t.logpdf`` is differentiable in it).

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> float(sc.stdtr(3.0, 0.0))
    0.5
    >>> round(float(sg.grad(lambda t: sc.stdtr(1.0, t))(0.0)), 12)    # Cauchy: 1/π
    0.318309886184
    """)

stdtrit = _declare(
    "stdtrit", (_T_SHAPE, lambda df, p, out: ops.exp(-_t_logpdf(df, out))), None,
    """The t with stdtr(df, t) = p (the t quantile function).

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.stdtrit(1.0, 0.75)), 12)     # Cauchy: tan(π/4)
    1.0
    >>> round(float(sg.grad(lambda p: sc.stdtrit(1.0, p))(0.5)), 12)   # π
    3.14159265359
    """)


def _zeta_values(x, q):
    # q = 1 is Riemann's zeta, computed by SciPy's own algorithm for it (defined for x < 1 too).
    special = _sc()
    return np.where(np.equal(q, 1), special.zeta(x), special.zeta(x, q))[()]


_hurwitz_zeta = Elementwise(
    "zeta",
    _zeta_values,
    (NoDerivative("x, the exponent, is not differentiated (SciPy has no derivative of zeta "
                  "in it)"),
     lambda x, q, out: -x * _hurwitz_zeta(x + 1.0, q)),
    doc="""ζ(x, q) = Σₙ (n + q)^(−x), differentiated in q: −x·ζ(x + 1, q) (see ``zeta``).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.zeta(2.0, 2.0)), 12)         # π²/6 − 1
    0.644934066848
    """,
    sympy=_elementwise_sympy(lambda sp, x, q: sp.zeta(x, q)),
)


def zeta(x, q=None):
    """The Hurwitz zeta function ζ(x, q) = Σₙ (n + q)^(−x); Riemann's (q = 1) by default.

    Differentiable in q (∂ζ/∂q = −x·ζ(x + 1, q)); the exponent x is not differentiated.

    >>> import semigrad as sg
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.zeta(2.0)), 12)              # π²/6
    1.644934066848
    >>> round(float(sg.grad(lambda q: sc.zeta(2.0, q))(1.0)), 12)   # −2ζ(3)
    -2.404113806319
    """
    return _hurwitz_zeta(x, 1.0 if q is None else q)


# ---- error function and normal distribution ----------------------------------------------

erf = _declare(
    "erf", (lambda x, out: (2 / _SQRT_PI) * ops.exp(-x * x),), lambda sp, x: sp.erf(x),
    """The error function; its derivative is 2/√π · exp(−x²).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.erf(1.0)), 12)
    0.84270079295
    """)

erfc = _declare(
    "erfc", (lambda x, out: (-2 / _SQRT_PI) * ops.exp(-x * x),), lambda sp, x: sp.erfc(x),
    """1 − erf(x), accurate for large x.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.erfc(1.0)), 12)
    0.15729920705
    """)

erfinv = _declare(
    "erfinv", (lambda x, out: (_SQRT_PI / 2) * ops.exp(out * out),),
    lambda sp, x: sp.erfinv(x),
    """The inverse of erf on (−1, 1); its derivative is √π/2 · exp(erfinv(x)²).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.erfinv(0.5)), 12)
    0.476936276204
    """)

erfcinv = _declare(
    "erfcinv", (lambda x, out: (-_SQRT_PI / 2) * ops.exp(out * out),),
    lambda sp, x: sp.erfcinv(x),
    """The inverse of erfc on (0, 2).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.erfcinv(0.5)), 12)
    0.476936276204
    """)

ndtr = _declare(
    "ndtr", (lambda x, out: ops.exp(-0.5 * x * x) / _SQRT_2PI,),
    lambda sp, x: (1 + sp.erf(x / sp.sqrt(2))) / 2,
    """The standard normal CDF Φ(x); its derivative is the density.

    >>> import semigrad.scipy.special as sc
    >>> float(sc.ndtr(0.0))
    0.5
    """)

ndtri = _declare(
    "ndtri", (lambda x, out: _SQRT_2PI * ops.exp(0.5 * out * out),),
    lambda sp, x: sp.sqrt(2) * sp.erfinv(2 * x - 1),
    """The inverse of ndtr (the normal quantile function).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.ndtri(0.975)), 6)
    1.959964
    """)

log_ndtr = _declare(
    "log_ndtr", (lambda x, out: ops.exp(-0.5 * x * x - out) / _SQRT_2PI,),
    lambda sp, x: sp.log((1 + sp.erf(x / sp.sqrt(2))) / 2),
    """log Φ(x), accurate far in the lower tail; its derivative is φ(x)/Φ(x).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.log_ndtr(-10.0)), 6)
    -53.231285
    """)

# ---- logistic -----------------------------------------------------------------------------

expit = _declare(
    "expit", (lambda x, out: out * (1.0 - out),), lambda sp, x: 1 / (1 + sp.exp(-x)),
    """The logistic function 1/(1 + e⁻ˣ).

    >>> import semigrad.scipy.special as sc
    >>> float(sc.expit(0.0))
    0.5
    """)

logit = _declare(
    "logit", (lambda x, out: ops.reciprocal(x * (1.0 - x)),),
    lambda sp, x: sp.log(x / (1 - x)),
    """log(p/(1 − p)), the inverse of expit.

    >>> import semigrad.scipy.special as sc
    >>> float(sc.logit(0.5))
    0.0
    """)

# ---- information theory -------------------------------------------------------------------

xlogy = _declare(
    "xlogy", (lambda x, y, out: ops.log(y), lambda x, y, out: x / y),
    lambda sp, x, y: x * sp.log(y),
    """x·log(y), 0 where x = 0 (as SciPy's).

    >>> import semigrad.scipy.special as sc
    >>> float(sc.xlogy(0.0, 0.0))
    0.0
    """)

xlog1py = _declare(
    "xlog1py", (lambda x, y, out: ops.log1p(y), lambda x, y, out: x / (1.0 + y)),
    lambda sp, x, y: x * sp.log(1 + y),
    """x·log(1 + y), 0 where x = 0.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.xlog1py(2.0, 1.0)), 12)
    1.38629436112
    """)

entr = _declare(
    "entr", (lambda x, out: -(ops.log(x) + 1.0),), lambda sp, x: -x * sp.log(x),
    """−x·log(x) (0 at 0), the entropy's summand.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.entr(0.5)), 12)
    0.34657359028
    """)

rel_entr = _declare(
    "rel_entr", (lambda x, y, out: ops.log(x / y) + 1.0, lambda x, y, out: -x / y),
    lambda sp, x, y: x * sp.log(x / y),
    """x·log(x/y), the relative entropy's summand.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.rel_entr(0.5, 0.25)), 12)
    0.34657359028
    """)

# ---- modified Bessel functions ------------------------------------------------------------

i1 = Elementwise(
    "i1",
    _scipy("i1"),
    # I1'(x) = I0(x) − I1(x)/x, which is 1/2 at 0.
    (lambda x, out: i0(x) - ops.where(x == 0, 0.5, out / ops.where(x == 0, 1.0, x)),),
    doc="""The modified Bessel function I₁.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.i1(1.0)), 12)
    0.565159103992
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.besseli(1, x)),
)

i0 = _declare(
    "i0", (lambda x, out: i1(x),), lambda sp, x: sp.besseli(0, x),
    """The modified Bessel function I₀; its derivative is I₁.

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.i0(1.0)), 12)
    1.266065877752
    """)

i0e = _declare(
    "i0e", (lambda x, out: i1e(x) - ops.sign(x) * out,),
    lambda sp, x: sp.exp(-sp.Abs(x)) * sp.besseli(0, x),
    """exp(−|x|)·I₀(x).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.i0e(1.0)), 12)
    0.465759607594
    """)

i1e = Elementwise(
    "i1e",
    _scipy("i1e"),
    (lambda x, out: i0e(x) - ops.sign(x) * out
     - ops.where(x == 0, 0.5, out / ops.where(x == 0, 1.0, x)),),
    doc="""exp(−|x|)·I₁(x).

    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.i1e(1.0)), 12)
    0.20791041535
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.exp(-sp.Abs(x)) * sp.besseli(1, x)),
)

# ---- reductions ---------------------------------------------------------------------------


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log Σ b·exp(a) over ``axis``, stable, with SciPy's ``b`` and ``return_sign``.

    >>> import numpy as np
    >>> import semigrad.scipy.special as sc
    >>> round(float(sc.logsumexp(np.array([1.0, 2.0]), b=np.array([2.0, 0.5]))), 12)
    2.211685260995
    >>> value, sign = sc.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0]),
    ...                            return_sign=True)
    >>> round(float(value), 12), float(sign)
    (1.541324854613, -1.0)
    """
    from .. import numpy as snp

    if b is None:
        out = ops.logsumexp(a, axis=axis, keepdims=keepdims)
        return (out, np.ones(np.shape(getattr(out, "value", out)))) if return_sign else out
    a = snp.asarray(a)
    shift = ops.stop_gradient(ops.max(a, axis=axis, keepdims=True)) if np.size(
        getattr(a, "value", a)) else 0.0
    shift = ops.where(ops.stop_gradient(snp.isfinite(shift)), shift, 0.0)
    total = snp.sum(ops.multiply(b, ops.exp(ops.subtract(a, shift))), axis=axis, keepdims=True)
    sign = np.sign(getattr(total, "value", total))
    if not return_sign and np.any(sign < 0):
        raise ValueError("logsumexp: the weighted sum is negative somewhere; pass "
                         "return_sign=True to get its log-magnitude and sign")
    out = ops.add(ops.log(ops.abs(total)), shift)
    if not keepdims:
        out = snp.squeeze(out, axis=axis) if axis is not None else ops.reshape(out, ())
        sign = np.squeeze(sign, axis=axis) if axis is not None else sign.reshape(())
    return (out, sign) if return_sign else out


def softmax(x, axis=None):
    """exp(x)/Σ exp(x) over ``axis`` (all elements by default, as SciPy's).

    >>> import semigrad.scipy.special as sc
    >>> sc.softmax([0.0, 0.0]).tolist()
    [0.5, 0.5]
    """
    if axis is None:
        flat = ops.reshape(x, (-1,))
        return ops.reshape(ops.softmax(flat, axis=0), ops.shape(x))
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=None):
    """log softmax(x) over ``axis`` (all elements by default, as SciPy's).

    >>> import semigrad.scipy.special as sc
    >>> [round(v, 6) for v in sc.log_softmax([0.0, 0.0]).tolist()]
    [-0.693147, -0.693147]
    """
    if axis is None:
        flat = ops.reshape(x, (-1,))
        return ops.reshape(ops.log_softmax(flat, axis=0), ops.shape(x))
    return ops.log_softmax(x, axis=axis)
