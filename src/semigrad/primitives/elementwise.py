"""Elementwise primitives: one block each, forward beside its partials.

Each partial is ∂out/∂in_i as a function ``(*inputs, out) -> array``, written
with these same primitives (or Python operators, which call them on Tensors)
so that it can be recorded and differentiated again; on plain arrays the
operators are NumPy's and nothing is recorded. A partial may return the
Python ints 1 or -1 (free) and broadcasts against the output; the reverse
and forward rules are derived from it in :class:`~semigrad.primitives.base.Elementwise`.

Conventions at non-differentiable points (docs/semantics.md):
|x|' = 0 at 0; relu'(0) = 0; maximum/minimum of equal values split the
derivative in halves (as JAX and PyTorch); clip passes the derivative at the
bounds (as PyTorch); d(x**0)/dx = 0 and d(0**y)/dy = 0.
"""

from __future__ import annotations

import numpy as np

from .. import backend as _backend
from .. import context as _context
from .base import Elementwise


def _elementwise_sympy(fn):
    """A SymPy counterpart applied element by element (object arrays broadcast)."""

    def symbolic(sp, *xs, **params):
        out = np.vectorize(lambda *a: fn(sp, *a, **params), otypes=[object])(*xs)
        return out[()] if out.ndim == 0 else out

    return symbolic


def _stable_sigmoid(x):
    # exp(-|x|) never overflows; for x < 0, sigmoid(x) = e^x / (1 + e^x).
    e = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0), 1 / (1 + e), e / (1 + e))[()]


def _astype(x, dtype):
    if isinstance(x, _backend.Array):
        return (x.real if x.dtype.kind == "c" and np.dtype(dtype).kind != "c" else x).astype(dtype)
    x = np.asarray(x)
    if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        x = x.real  # complex to real keeps the real part (NumPy's cast, without its warning)
    return x.astype(dtype, copy=False)[()]


def _power(x, y):
    return x**y


def _inverse(y):
    # 1/y; a Python-number divisor goes through NumPy (inf at 0, not ZeroDivisionError).
    return 1.0 / (np.float64(y) if type(y) is int or type(y) is float else y)


# ---- arithmetic ----------------------------------------------------------

add = Elementwise(
    "add",
    lambda x, y: x + y,
    (lambda x, y, out: 1, lambda x, y, out: 1),
    doc="""x + y.

    >>> import semigrad as sg
    >>> sg.grad(sg.add, argnums=(0, 1))(2.0, 3.0)
    (1.0, 1.0)
    """,
)

subtract = Elementwise(
    "subtract",
    lambda x, y: x - y,
    (lambda x, y, out: 1, lambda x, y, out: -1),
    doc="""x − y.

    >>> import semigrad as sg
    >>> sg.grad(sg.subtract, argnums=(0, 1))(2.0, 3.0)
    (1.0, -1.0)
    """,
)

multiply = Elementwise(
    "multiply",
    lambda x, y: x * y,
    (lambda x, y, out: y, lambda x, y, out: x),
    doc="""x · y.

    >>> import semigrad as sg
    >>> sg.grad(sg.multiply, argnums=(0, 1))(2.0, 3.0)
    (3.0, 2.0)
    """,
)

divide = Elementwise(
    "divide",
    lambda x, y: x / y,
    (lambda x, y, out: _inverse(y), lambda x, y, out: -out / y),
    doc="""x / y.

    >>> import semigrad as sg
    >>> sg.grad(sg.divide, argnums=(0, 1))(1.0, 2.0)
    (0.5, -0.25)
    """,
)

negative = Elementwise(
    "negative",
    lambda x: -x,
    (lambda x, out: -1,),
    doc="""−x.

    >>> import semigrad as sg
    >>> sg.grad(sg.negative)(2.0)
    -1.0
    """,
)

reciprocal = Elementwise(
    "reciprocal",
    lambda x: 1.0 / x,
    (lambda x, out: -(out * out),),
    doc="""1 / x.

    >>> import semigrad as sg
    >>> sg.grad(sg.reciprocal)(2.0)
    -0.25
    """,
)


def _value(x):
    return getattr(x, "value", x) if not isinstance(x, np.ndarray) else x


def _everywhere(mask, traced=None) -> bool:
    """Whether a fast formula holds for every element (the rules' value-dependent shortcut).

    In a trace replayed on other values (sg.jit, sg.vmap) the answer must hold for those
    values too. Under sg.jit (the state collects ``guards``) a shortcut that holds for the
    traced values is taken with a guard: ``traced()`` records the condition on the traced
    values (a boolean array), which the compiled program checks before the shortcut runs,
    falling back to a program of general formulas where it fails. Otherwise (sg.vmap, or no
    ``traced``) the general formula is recorded.
    """
    state = _context.current()
    # np.all is slow on NumPy scalars, and this sits on the scalar fast path.
    holds = bool(mask) if type(mask) is np.bool_ or type(mask) is bool else bool(mask.all())
    if not state.static:
        return holds
    if not holds or state.guards is None or traced is None:
        return False
    state.guards.append(traced())
    return True


def _dpow_base(x, y, out):
    # y * x**(y-1), with the convention d(x**0)/dx = 0 (also at x = 0, where
    # the formula gives 0 * inf).
    if type(y) is int or type(y) is float:
        if y == 0:
            return 0.0
        if y == 1:
            return 1
        return 2.0 * x if y == 2 else y * x ** (y - 1)
    if _everywhere(_value(x) != 0, lambda: not_equal(x, 0)):
        return y * out / x  # = y * x**(y-1) without a second power
    return where(equal(y, 0), 0.0, y * x ** (y - 1))


def _dpow_exponent(x, y, out):
    # out * log(x); at x = 0 the limit is 0 (for y > 0). Negative bases have no
    # real derivative in y: NaN there, as in NumPy, PyTorch and JAX. A complex base
    # has the principal log (0 at x = 0).
    xv = _value(x)
    if getattr(xv, "dtype", None) is not None and xv.dtype.kind == "c":
        if _everywhere(xv != 0, lambda: not_equal(x, 0)):
            return out * log(x)
        nonzero = not_equal(x, 0)
        return where(nonzero, out * log(where(nonzero, x, 1.0)), 0.0)
    if _everywhere(xv > 0, lambda: greater(x, 0)):
        return out * log(x)
    positive = greater(x, 0)
    safe = where(positive, x, 1.0)
    return where(positive, out * log(safe), where(equal(x, 0), 0.0, np.nan))


power = Elementwise(
    "power",
    _power,
    (_dpow_base, _dpow_exponent),
    doc="""x ** y; d/dx = y·x^(y−1) (0 when y = 0), d/dy = x^y·log x (0 at x = 0).

    >>> import semigrad as sg
    >>> sg.grad(sg.power, argnums=(0, 1))(2.0, 3.0)
    (12.0, 5.545177444479562)
    """,
)

square = Elementwise(
    "square",
    lambda x: x * x,
    (lambda x, out: 2.0 * x,),
    doc="""x².

    >>> import semigrad as sg
    >>> sg.grad(sg.square)(3.0)
    6.0
    """,
)

sqrt = Elementwise(
    "sqrt",
    np.sqrt,
    (lambda x, out: 0.5 / out,),
    doc="""√x.

    >>> import semigrad as sg
    >>> sg.grad(sg.sqrt)(4.0)
    0.25
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sqrt(x)),
)

abs_ = Elementwise(
    "abs",
    np.abs,
    (lambda x, out: _C.abs_partial(x, out),),
    doc="""|x|; the derivative is sign(x), 0 at 0 (for complex z: conj(z)/|z|, see
    :mod:`~semigrad.primitives.complex`).

    >>> import semigrad as sg
    >>> sg.grad(sg.abs)(-2.0)
    -1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.Abs(x)),
)

sign = Elementwise(
    "sign",
    np.sign,
    None,
    doc="""sign(x): −1, 0 or 1, with zero derivative.

    >>> import semigrad as sg
    >>> sg.sign([-2.0, 0.0, 3.0]).tolist()
    [-1.0, 0.0, 1.0]
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sign(x)),
)

# ---- exponentials and logarithms -----------------------------------------

exp = Elementwise(
    "exp",
    np.exp,
    (lambda x, out: out,),
    doc="""eˣ.

    >>> import semigrad as sg
    >>> sg.grad(sg.exp)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.exp(x)),
)

log = Elementwise(
    "log",
    np.log,
    (lambda x, out: 1.0 / x,),
    doc="""Natural logarithm.

    >>> import semigrad as sg
    >>> sg.grad(sg.log)(2.0)
    0.5
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.log(x)),
)

log1p = Elementwise(
    "log1p",
    np.log1p,
    (lambda x, out: 1.0 / (x + 1.0),),
    doc="""log(1 + x), accurate for small x.

    >>> import semigrad as sg
    >>> sg.grad(sg.log1p)(1.0)
    0.5
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.log(1 + x)),
)

expm1 = Elementwise(
    "expm1",
    np.expm1,
    (lambda x, out: out + 1.0,),
    doc="""eˣ − 1, accurate for small x.

    >>> import semigrad as sg
    >>> sg.grad(sg.expm1)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.exp(x) - 1),
)

# ---- trigonometric and hyperbolic ----------------------------------------

sin = Elementwise(
    "sin",
    np.sin,
    (lambda x, out: cos(x),),
    doc="""Sine.

    >>> import semigrad as sg
    >>> sg.grad(sg.sin)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.sin(x)),
)

cos = Elementwise(
    "cos",
    np.cos,
    (lambda x, out: -sin(x),),
    doc="""Cosine.

    >>> import semigrad as sg
    >>> sg.grad(sg.cos)(0.0)
    -0.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.cos(x)),
)

tan = Elementwise(
    "tan",
    np.tan,
    (lambda x, out: 1.0 + out * out,),
    doc="""Tangent.

    >>> import semigrad as sg
    >>> sg.grad(sg.tan)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.tan(x)),
)

tanh = Elementwise(
    "tanh",
    np.tanh,
    (lambda x, out: 1.0 - out * out,),
    doc="""Hyperbolic tangent.

    >>> import semigrad as sg
    >>> sg.grad(sg.tanh)(0.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.tanh(x)),
)

# ---- activations ----------------------------------------------------------

sigmoid = Elementwise(
    "sigmoid",
    _stable_sigmoid,
    (lambda x, out: out * (1.0 - out),),
    doc="""1 / (1 + e^(−x)), stable for large |x|.

    >>> import semigrad as sg
    >>> sg.grad(sg.sigmoid)(0.0)
    0.25
    """,
    sympy=_elementwise_sympy(lambda sp, x: 1 / (1 + sp.exp(-x))),
)

relu = Elementwise(
    "relu",
    lambda x: np.maximum(x, 0),
    (lambda x, out: x > 0,),
    doc="""max(x, 0); the derivative is 0 at 0.

    >>> import semigrad as sg
    >>> sg.grad(sg.relu)(2.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.Max(x, 0)),
)

# ---- selection between operands ------------------------------------------


def _half_where_equal(first_wins):
    def partial(x, y, out):
        return add(first_wins(x, y), multiply(0.5, equal(x, y)))

    return partial


maximum = Elementwise(
    "maximum",
    np.maximum,
    (_half_where_equal(lambda x, y: greater(x, y)), _half_where_equal(lambda x, y: greater(y, x))),
    doc="""Elementwise maximum; equal values share the derivative in halves.

    >>> import semigrad as sg
    >>> sg.grad(sg.maximum, argnums=(0, 1))(1.0, 1.0)
    (0.5, 0.5)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Max(x, y)),
)

minimum = Elementwise(
    "minimum",
    np.minimum,
    (_half_where_equal(lambda x, y: less(x, y)), _half_where_equal(lambda x, y: less(y, x))),
    doc="""Elementwise minimum; equal values share the derivative in halves.

    >>> import semigrad as sg
    >>> sg.grad(sg.minimum, argnums=(0, 1))(1.0, 2.0)
    (1.0, 0.0)
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Min(x, y)),
)


def _truth(c):
    return c if getattr(c, "dtype", None) == np.bool_ else not_equal(c, 0)


where = Elementwise(
    "where",
    lambda c, x, y: np.where(c, x, y)[()],
    (None, lambda c, x, y, out: _truth(c), lambda c, x, y, out: logical_not(c)),
    doc="""x where the condition holds, else y; the condition has no derivative.

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.where(x > 0, x, 2 * x))(-1.0)
    2.0
    """,
    sympy=_elementwise_sympy(lambda sp, c, x, y: sp.Piecewise((x, c), (y, True))),
)

clip = Elementwise(
    "clip",
    lambda x, lo, hi: np.clip(x, lo, hi),
    (
        lambda x, lo, hi, out: logical_and(greater_equal(x, lo), less_equal(x, hi)),
        lambda x, lo, hi, out: less(x, lo),
        lambda x, lo, hi, out: greater(x, hi),
    ),
    doc="""Clip x to [lo, hi]; the derivative passes at the bounds (as PyTorch).

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.clip(x, 0.0, 1.0))(1.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x, lo, hi: sp.Min(sp.Max(x, lo), hi)),
)

stop_gradient = Elementwise(
    "stop_gradient",
    lambda x: x,
    None,
    doc="""The identity, with zero derivative: gradients do not flow through it.

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.stop_gradient(x) * x)(3.0)
    3.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: x),
)

astype = Elementwise(
    "astype",
    lambda x, dtype: _astype(x, dtype),
    (lambda x, out, dtype: 1,),
    doc="""Conversion to another dtype; cotangents are converted back.

    >>> import semigrad as sg
    >>> sg.astype(np.float32(1.5), np.float64).dtype
    dtype('float64')
    """,
    sympy=_elementwise_sympy(lambda sp, x, dtype: x),
)

identity = Elementwise(
    "identity",
    lambda x: x,
    (lambda x, out: 1,),
    doc="""The identity: a fresh node for an argument of a nested transform.

    >>> import semigrad as sg
    >>> sg.grad(sg.primitives.elementwise.identity)(2.0)
    1.0
    """,
    sympy=_elementwise_sympy(lambda sp, x: x),
)

# ---- comparisons and logic: zero derivative ------------------------------

equal = Elementwise(
    "equal",
    lambda x, y: x == y,
    None,
    doc="""x == y (zero derivative).

    >>> import semigrad as sg
    >>> sg.equal([1.0, 2.0], 2.0).tolist()
    [False, True]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Eq(x, y)),
)
not_equal = Elementwise(
    "not_equal",
    lambda x, y: x != y,
    None,
    doc="""x != y (zero derivative).

    >>> import semigrad as sg
    >>> sg.not_equal([1.0, 2.0], 2.0).tolist()
    [True, False]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Ne(x, y)),
)
less = Elementwise(
    "less",
    lambda x, y: x < y,
    None,
    doc="""x < y (zero derivative).

    >>> import semigrad as sg
    >>> sg.less([1.0, 2.0], 2.0).tolist()
    [True, False]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Lt(x, y)),
)
less_equal = Elementwise(
    "less_equal",
    lambda x, y: x <= y,
    None,
    doc="""x <= y (zero derivative).

    >>> import semigrad as sg
    >>> sg.less_equal([1.0, 2.0], 2.0).tolist()
    [True, True]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Le(x, y)),
)
greater = Elementwise(
    "greater",
    lambda x, y: x > y,
    None,
    doc="""x > y (zero derivative).

    >>> import semigrad as sg
    >>> sg.greater([1.0, 2.0], 1.0).tolist()
    [False, True]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Gt(x, y)),
)
greater_equal = Elementwise(
    "greater_equal",
    lambda x, y: x >= y,
    None,
    doc="""x >= y (zero derivative).

    >>> import semigrad as sg
    >>> sg.greater_equal([1.0, 2.0], 2.0).tolist()
    [False, True]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Ge(x, y)),
)
logical_not = Elementwise(
    "logical_not",
    np.logical_not,
    None,
    doc="""not x (zero derivative).

    >>> import semigrad as sg
    >>> sg.logical_not([True, False]).tolist()
    [False, True]
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.Not(x)),
)
logical_and = Elementwise(
    "logical_and",
    np.logical_and,
    None,
    doc="""x and y (zero derivative).

    >>> import semigrad as sg
    >>> sg.logical_and([True, False], True).tolist()
    [True, False]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.And(x, y)),
)
logical_or = Elementwise(
    "logical_or",
    np.logical_or,
    None,
    doc="""x or y (zero derivative).

    >>> import semigrad as sg
    >>> sg.logical_or([True, False], False).tolist()
    [True, False]
    """,
    sympy=_elementwise_sympy(lambda sp, x, y: sp.Or(x, y)),
)


# What compiled programs need of them (Primitive.scalar_form, Primitive.ufunc): the scalar
# forms, and the ufuncs behind the operator implementations (which stay operators so that
# object arrays work too).
for _prim, _form in ((add, "{0} + {1}"), (subtract, "{0} - {1}"), (multiply, "{0} * {1}"),
                     (divide, "{0} / {1}"), (negative, "-{0}"), (power, "{0} ** {1}"),
                     (square, "{0} * {0}"), (reciprocal, "1.0 / {0}"), (exp, "math.exp({0})"),
                     (expm1, "math.expm1({0})"), (log, "math.log({0})"),
                     (log1p, "math.log1p({0})"), (sqrt, "math.sqrt({0})"),
                     (sin, "math.sin({0})"), (cos, "math.cos({0})"), (tan, "math.tan({0})"),
                     (tanh, "math.tanh({0})"), (abs_, "abs({0})"),
                     (sigmoid, "1.0 / (1.0 + math.exp(-{0}))"), (identity, "{0}"),
                     (equal, "{0} == {1}"), (not_equal, "{0} != {1}"), (greater, "{0} > {1}"),
                     (greater_equal, "{0} >= {1}"), (less, "{0} < {1}"),
                     (less_equal, "{0} <= {1}"), (where, "({1} if {0} else {2})"),
                     # NumPy's: the first where it wins or is NaN, else the second (ties: ±0 too)
                     (maximum, "({0} if ({0} > {1} or {0} != {0}) else {1})"),
                     (minimum, "({0} if ({0} < {1} or {0} != {0}) else {1})")):
    _prim.scalar_form = _form
for _prim, _ufunc in ((add, np.add), (subtract, np.subtract), (multiply, np.multiply),
                      (divide, np.true_divide), (negative, np.negative), (equal, np.equal),
                      (not_equal, np.not_equal), (greater, np.greater),
                      (greater_equal, np.greater_equal), (less, np.less),
                      (less_equal, np.less_equal)):
    _prim.ufunc = _ufunc


def _power_specialized(params, x, y):
    # An array exponent: ``x ** y`` is NumPy's power ufunc itself (a program may let it write
    # into a dying buffer). A scalar exponent takes NumPy's fast paths (sqrt for 0.5, square
    # for 2), whose results may differ from pow's in the last bit: left to the operator.
    if type(y) is np.ndarray and y.ndim and (type(x) is np.ndarray or type(x) is float
                                              or isinstance(x, np.generic)):
        return np.power
    return None


power.specialize = _power_specialized


from . import complex as _C  # noqa: E402  (its primitives use the ones above)
