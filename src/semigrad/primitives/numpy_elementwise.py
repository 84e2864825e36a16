"""NumPy's further real elementwise functions, for ``semigrad.numpy``: inverse trigonometric,
hyperbolic, roots and logarithms in other bases, NaN-aware selection, rounding, remainders.

One block per primitive, as in :mod:`~semigrad.primitives.elementwise`: the
forward implementation on raw arrays beside its partials, written with
semigrad's own operations so that they record for higher order, and a SymPy
counterpart for symbolic export.

Conventions at non-differentiable points (docs/semantics.md, docs/numpy.md):
``fmax``/``fmin`` of equal values split the derivative in halves (like
``maximum``), and a NaN operand passes the whole derivative to the other one;
``sinc``'s derivative at 0 is 0 (its true value) but recorded as a constant
there, so second derivatives at exactly 0 are 0; ``floor``, ``ceil``,
``rint``, ``trunc`` and ``round`` have zero derivative (their outputs never
require grad); ``remainder`` and ``fmod`` differentiate as x − q·y with the
integer quotient q held constant; ``nan_to_num`` passes the derivative where x
is finite and 0 where it was replaced.
"""

from __future__ import annotations

import numpy as np

from .base import Elementwise
from .elementwise import (
    _elementwise_sympy,
    _half_where_equal,
    abs_,
    cos,
    equal,
    exp,
    greater,
    less,
    logical_and,
    logical_not,
    not_equal,
    reciprocal,
    sqrt,
    where,
)

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))

# ---- inverse trigonometric -------------------------------------------------

arcsin = Elementwise(
    "arcsin",
    np.arcsin,
    (lambda x, out: reciprocal(sqrt(1.0 - x * x)),),
    doc="""Inverse sine; the derivative is 1/√(1 − x²).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.arcsin)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.asin(x)),
)

arccos = Elementwise(
    "arccos",
    np.arccos,
    (lambda x, out: -reciprocal(sqrt(1.0 - x * x)),),
    doc="""Inverse cosine; the derivative is −1/√(1 − x²).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.arccos)(0.0)
    -1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.acos(x)),
)

arctan = Elementwise(
    "arctan",
    np.arctan,
    (lambda x, out: reciprocal(1.0 + x * x),),
    doc="""Inverse tangent; the derivative is 1/(1 + x²).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.arctan)(1.0)
    0.5
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.atan(x)),
)

arctan2 = Elementwise(
    "arctan2",
    np.arctan2,
    (
        lambda y, x, out: x / (x * x + y * y),
        lambda y, x, out: -y / (x * x + y * y),
    ),
    doc="""The angle of the point (x, y): arctan2(y, x), y first as in NumPy.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.arctan2, argnums=(0, 1))(1.0, 1.0)
    (0.5, -0.5)
    """,
    sympy=_elementwise_sympy(lambda sp, y, x: sp.atan2(y, x)),
)

# ---- hyperbolic and their inverses -----------------------------------------

sinh = Elementwise(
    "sinh",
    np.sinh,
    (lambda x, out: cosh(x),),
    doc="""Hyperbolic sine.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.sinh)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sinh(x)),
)

cosh = Elementwise(
    "cosh",
    np.cosh,
    (lambda x, out: sinh(x),),
    doc="""Hyperbolic cosine.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.cosh)(0.0)
    0.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.cosh(x)),
)

arcsinh = Elementwise(
    "arcsinh",
    np.arcsinh,
    (lambda x, out: reciprocal(sqrt(x * x + 1.0)),),
    doc="""Inverse hyperbolic sine; the derivative is 1/√(x² + 1).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.arcsinh)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.asinh(x)),
)

arccosh = Elementwise(
    "arccosh",
    np.arccosh,
    (lambda x, out: reciprocal(sqrt(x * x - 1.0)),),
    doc="""Inverse hyperbolic cosine (x ≥ 1); the derivative is 1/√(x² − 1).

    >>> import semigrad as sg
    >>> round(float(sg.grad(sg.primitives.numpy_elementwise.arccosh)(2.0)), 6)
    0.57735
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.acosh(x)),
)

arctanh = Elementwise(
    "arctanh",
    np.arctanh,
    (lambda x, out: reciprocal(1.0 - x * x),),
    doc="""Inverse hyperbolic tangent; the derivative is 1/(1 − x²).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.arctanh)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.atanh(x)),
)

# ---- exponentials, logarithms, roots ----------------------------------------

exp2 = Elementwise(
    "exp2",
    np.exp2,
    (lambda x, out: out * _LN2,),
    doc="""2ˣ.

    >>> import semigrad as sg
    >>> float(sg.grad(sg.primitives.numpy_elementwise.exp2)(0.0)) == float(np.log(2.0))
    True
    """,
    sympy=_elementwise_sympy(lambda sp, x: 2**x),
)

log2 = Elementwise(
    "log2",
    np.log2,
    (lambda x, out: reciprocal(x * _LN2),),
    doc="""Base-2 logarithm.

    >>> import semigrad as sg
    >>> float(sg.primitives.numpy_elementwise.log2(8.0))
    3.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.log(x) / sp.log(2)),
)

log10 = Elementwise(
    "log10",
    np.log10,
    (lambda x, out: reciprocal(x * _LN10),),
    doc="""Base-10 logarithm.

    >>> import semigrad as sg
    >>> float(sg.primitives.numpy_elementwise.log10(100.0))
    2.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.log(x) / sp.log(10)),
)

cbrt = Elementwise(
    "cbrt",
    np.cbrt,
    (lambda x, out: reciprocal(3.0 * out * out),),
    doc="""Real cube root (negative for negative x); the derivative is inf at 0.

    >>> import semigrad as sg
    >>> round(float(sg.grad(sg.primitives.numpy_elementwise.cbrt)(8.0)), 6)
    0.083333
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3)),
)


def _dsinc(x, out):
    # d/dx sin(πx)/(πx) = (cos(πx) − sinc(x)) / x, whose limit at 0 is 0.
    at_zero = equal(x, 0)
    safe = where(at_zero, 1.0, x)
    return where(at_zero, 0.0, (cos(np.pi * x) - out) / safe)


sinc = Elementwise(
    "sinc",
    np.sinc,
    (_dsinc,),
    doc="""The normalised sinc, sin(πx)/(πx) (1 at 0), as NumPy.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.sinc)(0.0)
    0.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sin(sp.pi * x) / (sp.pi * x)),
)

# logaddexp is a primitive rather than log(exp(x) + exp(y)) because that
# composition overflows for |x| ~ 1e3; its partials are the two softmax weights.
logaddexp = Elementwise(
    "logaddexp",
    np.logaddexp,
    (lambda x, y, out: exp(x - out), lambda x, y, out: exp(y - out)),
    doc="""log(eˣ + eʸ), stable for large arguments.

    >>> import semigrad as sg
    >>> float(sg.primitives.numpy_elementwise.logaddexp(1000.0, 1000.0))  # no overflow
    1000.6931471805599
    >>> sg.grad(sg.primitives.numpy_elementwise.logaddexp, argnums=(0, 1))(0.0, 0.0)
    (0.5, 0.5)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.log(sp.exp(x) + sp.exp(y))),
)

logaddexp2 = Elementwise(
    "logaddexp2",
    np.logaddexp2,
    (lambda x, y, out: exp2(x - out), lambda x, y, out: exp2(y - out)),
    doc="""log₂(2ˣ + 2ʸ), stable for large arguments.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.logaddexp2, argnums=(0, 1))(3.0, 3.0)
    (0.5, 0.5)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.log(2**x + 2**y) / sp.log(2)),
)

hypot = Elementwise(
    "hypot",
    np.hypot,
    (lambda x, y, out: x / out, lambda x, y, out: y / out),
    doc="""√(x² + y²) without overflow; the derivative is NaN at the origin.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.hypot, argnums=(0, 1))(3.0, 4.0)
    (0.6, 0.8)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.sqrt(x * x + y * y)),
)

# ---- NaN-ignoring selection ---------------------------------------------------


def _isnan(v):
    return not_equal(v, v)


def _nan_aware(wins, first):
    # As maximum/minimum (halves at ties), and the whole derivative goes to the
    # non-NaN operand when the other is NaN.
    halves = _half_where_equal(wins)

    def partial(x, y, out):
        mine, other = (x, y) if first else (y, x)
        return where(logical_and(_isnan(other), logical_not(_isnan(mine))), 1.0,
                     halves(x, y, out))

    return partial


fmax = Elementwise(
    "fmax",
    np.fmax,
    (_nan_aware(lambda x, y: greater(x, y), True), _nan_aware(lambda x, y: greater(y, x), False)),
    doc="""Elementwise maximum ignoring NaN; equal values share the derivative in halves.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.fmax, argnums=(0, 1))(np.nan, 2.0)
    (0.0, 1.0)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Max(x, y)),
)

fmin = Elementwise(
    "fmin",
    np.fmin,
    (_nan_aware(lambda x, y: less(x, y), True), _nan_aware(lambda x, y: less(y, x), False)),
    doc="""Elementwise minimum ignoring NaN; equal values share the derivative in halves.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.fmin, argnums=(0, 1))(1.0, 2.0)
    (1.0, 0.0)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Min(x, y)),
)

# ---- rounding: zero derivative ------------------------------------------------

floor = Elementwise(
    "floor",
    np.floor,
    None,
    doc="""The largest integer ≤ x (zero derivative).

    >>> import semigrad as sg
    >>> sg.primitives.numpy_elementwise.floor([-1.5, 1.5]).tolist()
    [-2.0, 1.0]
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.floor(x)),
)

ceil = Elementwise(
    "ceil",
    np.ceil,
    None,
    doc="""The smallest integer ≥ x (zero derivative).

    >>> import semigrad as sg
    >>> sg.primitives.numpy_elementwise.ceil([-1.5, 1.5]).tolist()
    [-1.0, 2.0]
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.ceiling(x)),
)

trunc = Elementwise(
    "trunc",
    np.trunc,
    None,
    doc="""x rounded towards zero (zero derivative).

    >>> import semigrad as sg
    >>> sg.primitives.numpy_elementwise.trunc([-1.5, 1.5]).tolist()
    [-1.0, 1.0]
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sign(x) * sp.floor(sp.Abs(x))),
)

# SymPy has no round-half-to-even; floor(x + ½) differs from it only at halves.
rint = Elementwise(
    "rint",
    np.rint,
    None,
    doc="""x rounded to the nearest integer, halves to even (zero derivative).

    >>> import semigrad as sg
    >>> sg.primitives.numpy_elementwise.rint([0.5, 1.5, 1.7]).tolist()
    [0.0, 2.0, 2.0]
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.floor(x + sp.Rational(1, 2))),
)

round_ = Elementwise(
    "round",
    lambda x, decimals: np.round(x, decimals),
    None,
    doc="""x rounded to ``decimals`` places, halves to even (zero derivative).

    >>> import semigrad as sg
    >>> sg.primitives.numpy_elementwise.round_([1.234, 5.678], decimals=1).tolist()
    [1.2, 5.7]
    """,
    sympy=_elementwise_sympy(
        lambda sp, x, decimals: sp.floor(x * 10**decimals + sp.Rational(1, 2)) / 10**decimals
    ),
)

# ---- remainders: x − q·y with the integer quotient q constant ---------------

remainder = Elementwise(
    "remainder",
    np.remainder,
    (lambda x, y, out: 1, lambda x, y, out: -floor(x / y)),
    doc="""x mod y with the sign of y (NumPy's ``mod``, Python's ``%``).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.remainder, argnums=(0, 1))(7.0, 2.0)
    (1.0, -3.0)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Mod(x, y)),
)

fmod = Elementwise(
    "fmod",
    np.fmod,
    (lambda x, y, out: 1, lambda x, y, out: -trunc(x / y)),
    doc="""x mod y with the sign of x (C's ``fmod``).

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.numpy_elementwise.fmod, argnums=(0, 1))(-7.0, 2.0)
    (1.0, 3.0)
    """,
    sympy=_elementwise_sympy(
        lambda sp, x, y: x - y * sp.sign(x / y) * sp.floor(sp.Abs(x / y))
    ),
)


def _finite(x):
    return logical_and(equal(x, x), less(abs_(x), np.inf))


nan_to_num = Elementwise(
    "nan_to_num",
    lambda x, nan, posinf, neginf: np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
    (lambda x, out, nan, posinf, neginf: _finite(x),),
    doc="""x with NaN and ±inf replaced; the derivative is 1 where x is finite, else 0.

    >>> import semigrad as sg
    >>> nan_to_num = sg.primitives.numpy_elementwise.nan_to_num
    >>> f = lambda x: nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    >>> sg.grad(lambda x: sg.sum(f(x)))(np.array([1.0, np.inf])).tolist()
    [1.0, 0.0]
    """,
    sympy=_elementwise_sympy(lambda sp, x, nan, posinf, neginf: x),
)


# Their scalar forms, for programs compiled whole (Primitive.scalar_form).
for _prim, _form in ((sinh, "math.sinh({0})"), (cosh, "math.cosh({0})"),
                     (arcsin, "math.asin({0})"), (arccos, "math.acos({0})"),
                     (arctan, "math.atan({0})"), (arctan2, "math.atan2({0}, {1})")):
    _prim.scalar_form = _form
