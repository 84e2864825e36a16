"""Numerical differentiation by finite differences, and ``check_grads``.

Reverse mode gets a whole gradient for the cost of a few function
evaluations; numerical differentiation needs O(n) evaluations of ``f`` for
n inputs, and is only approximate. This module makes that comparison
concrete. ``gradient``, ``jacobian``, ``hessian`` and ``derivative``
differentiate any function of one array ``x`` (plain Python/NumPy code or
semigrad functions) by forward, backward or central differences, Richardson
extrapolation of central differences, or the complex step, and report how
many times ``f`` was called (``info=True``) and, for Richardson, an error
estimate (``error=True``). See ``docs/numeric.md`` for the step rules.

``check_grads`` never forms a Jacobian. For a random direction v of the
inputs and a random cotangent u of the output it compares

* reverse mode: ⟨vjp(u), v⟩, and forward mode: ⟨u, jvp(v)⟩,
* with the central difference of φ(ε) = ⟨u, f(x + εv)⟩ at 0,

the inner-product identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩. For ``order > 1`` it
recurses on the maps (x, u) ↦ vjp(u) and (x, v) ↦ jvp(v), so that order 2
exercises rev∘rev, fwd∘rev, rev∘fwd and fwd∘fwd. Directions come from a
fixed-seed generator: the same call checks the same numbers every time.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from typing import NamedTuple

import numpy as np

from .autodiff.api import jvp, vjp
from .autodiff.tree import flatten, unflatten
from .primitives.complex import real_dtype
from .tensor import Tensor

# Step and tolerances per floating dtype: the step balances truncation error
# (∝ ε²) against round-off (∝ eps/ε) for central differences.
_STEP = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-2, np.dtype(np.float16): 1e-1}
_TOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 2e-2, np.dtype(np.float16): 1e-1}


def _values(tree):
    leaves, spec = flatten(tree)
    return [np.asarray(x.value if isinstance(x, Tensor) else x) for x in leaves], spec


def _random_like(rng, arrays):
    out = []
    for a in arrays:
        r = rng.standard_normal(a.shape)
        if a.dtype.kind == "c":
            r = r + 1j * rng.standard_normal(a.shape)
        out.append(r.astype(a.dtype if a.dtype.kind in "fc" else np.float64))
    return out


def _inner(xs, ys) -> float:
    """Σ Re(x·y): the pairing under which reverse rules are transposes (no conjugation)."""
    return float(sum(np.real(np.sum(np.asarray(x, np.complex128) * np.asarray(y, np.complex128)))
                     for x, y in zip(xs, ys)))


def check_grads(f, args, modes=("rev",), order=1, atol=None, rtol=None, eps=None):
    """Check ``f``'s derivatives at ``args`` against central differences.

    ``args`` is a tuple of arguments (floats, arrays, nested containers);
    ``modes`` any of "rev" and "fwd"; ``order`` how many times to
    differentiate. Raises ``AssertionError`` naming the function, mode, order
    and the two numbers when they differ.

    >>> import semigrad as sg
    >>> sg.check_grads(sg.tanh, (np.array([0.3, -1.2]),), modes=("rev", "fwd"), order=2)
    """
    if not isinstance(args, tuple):
        args = (args,)
    for m in modes:
        if m not in ("rev", "fwd"):
            raise ValueError(f"check_grads: unknown mode {m!r}; use 'rev' and/or 'fwd'")
    name = getattr(f, "__name__", repr(f))
    _check(f, args, tuple(modes), order, atol, rtol, eps, name, np.random.default_rng(0), "")


def _check(f, args, modes, order, atol, rtol, eps, name, rng, path):
    xs, spec = _values(args)
    xs = [x.astype(np.float64) if x.dtype.kind in "iub" else x for x in xs]
    dtype = real_dtype(np.result_type(*xs)) if xs else np.dtype(np.float64)
    step = eps if eps is not None else _STEP.get(dtype, 1e-6)
    tol = _TOL.get(dtype, 1e-6)
    atol = tol if atol is None else atol
    rtol = tol if rtol is None else rtol

    def call(vals):
        return _values(f(*unflatten(spec, vals)))[0]

    out = call(xs)
    v = _random_like(rng, xs)
    u = _random_like(rng, out)
    plus = call([x + step * d for x, d in zip(xs, v)])
    minus = call([x - step * d for x, d in zip(xs, v)])
    numeric = (_inner(u, plus) - _inner(u, minus)) / (2 * step)

    primals = unflatten(spec, xs)
    directions = unflatten(spec, v)
    _, out_spec = flatten(f(*primals))
    cotangent = unflatten(out_spec, u)
    for mode in modes:
        if mode == "rev":
            _, vjp_fn = vjp(f, *primals)
            got = _inner(_values(vjp_fn(cotangent))[0], v)
        else:
            _, tangent = jvp(f, primals, directions)
            got = _inner(u, _values(tangent)[0])
        where = f"{path}{mode}"
        if not abs(got - numeric) <= atol + rtol * abs(numeric):
            raise AssertionError(
                f"check_grads({name}): {where} mode, order {where.count('∘') + 1}: "
                f"directional derivative {got!r} != central difference {numeric!r} "
                f"(|diff| {abs(got - numeric):.3g} > atol {atol:.1g} + rtol {rtol:.1g}·|numeric|)"
            )
    if order > 1:
        n_args = len(args)
        for mode in modes:
            if mode == "rev":

                def pullback(*a, _n=n_args):
                    return vjp(f, *a[:_n])[1](a[_n])

                sub, extra = pullback, unflatten(out_spec, u)
            else:

                def pushforward(*a, _n=n_args):
                    return jvp(f, a[:_n], a[_n:])[1]

                sub, extra = pushforward, None
            sub_args = (*primals, extra) if mode == "rev" else (*primals, *directions)
            _check(sub, sub_args, modes, order - 1, atol, rtol, eps, name, rng,
                   f"{path}{mode}∘")


# ---- numerical differentiation ---------------------------------------------------------------

METHODS = ("forward", "backward", "central", "richardson", "complex")

# First-derivative stencils along one axis: (offset in steps, weight), the
# difference being Σ weight · f(x + offset·h) / h. Order k nests k of them.
_STENCILS = {
    "forward": ((1, 1.0), (0, -1.0)),
    "backward": ((0, 1.0), (-1, -1.0)),
    "central": ((1, 0.5), (-1, -0.5)),
}
# Richardson: central differences at steps h0, h0/2, ..., h0/2**(LEVELS - 1) with
# h0 = START · max(1, |x_i|), extrapolated to h = 0. The ratio 2 keeps every step
# an exact multiple of the smallest one, so points of different levels coincide
# and are evaluated once.
_RICHARDSON_LEVELS = 8
_RICHARDSON_START = 0.1
# Complex step: its error is O(h²) with no cancellation, so h can be tiny; 1e-20
# makes h²·f''' vanish below eps and keeps h·f' far from underflow, even in complex64.
_COMPLEX_STEP = 1e-20
# A plan with more stencil terms than this is a job for reverse mode.
_MAX_TERMS = 10_000_000


class Info(NamedTuple):
    """What a numerical derivative cost, and how good it is.

    ``evaluations``: how many times ``f`` was called; ``method``: the method;
    ``step``: the step per element of ``x`` (``x``'s shape; for "richardson"
    the largest step of the sequence, for "complex" the imaginary step);
    ``error``: for "richardson" an estimate of the absolute error of every
    element of the result, else ``None``.

    >>> g, info = gradient(lambda x: (x ** 2).sum(), np.array([1.0, 2.0]), info=True)
    >>> g.round(6).tolist(), info.evaluations, info.method
    ([2.0, 4.0], 4, 'central')
    """

    evaluations: int
    method: str
    step: np.ndarray
    error: np.ndarray | None


class CountedFunction:
    """``f`` with a counter: ``evaluations`` is how many times it has been called.

    >>> import semigrad as sg
    >>> f = count_evaluations(sg.sin)
    >>> _ = sg.grad(f)(0.5)
    >>> f.evaluations
    1
    """

    def __init__(self, f):
        functools.update_wrapper(self, f)
        self.f = f
        self.evaluations = 0

    def __call__(self, *args, **kwargs):
        self.evaluations += 1
        return self.f(*args, **kwargs)


def count_evaluations(f) -> CountedFunction:
    """Wrap ``f`` so that it counts its calls (any caller: numeric, reverse mode, your code).

    The numeric functions report their own count with ``info=True``; this
    wrapper counts the calls of anything else, e.g. reverse mode's single
    forward evaluation.

    >>> import semigrad as sg
    >>> f = count_evaluations(lambda x: sg.sum(sg.exp(x)))
    >>> _ = gradient(f, np.zeros(3), method="forward")
    >>> f.evaluations
    4
    """
    return CountedFunction(f)


def gradient(f, x, method="central", step=None, error=False, info=False):
    """The gradient of a scalar-valued ``f`` at ``x`` by finite differences (shape ``x.shape``).

    ``method`` is "forward", "backward" (n + 1 evaluations of ``f`` for n
    elements of ``x``), "central" (2n), "richardson" (central differences at
    8 steps h0, h0/2, ..., extrapolated to 0: 16n) or "complex" (Im f(x + ih)/h:
    n evaluations, exact to rounding for ``f`` analytic in ``x``). Default
    steps, per element: forward/backward sqrt(eps)·max(1, |x_i|), central
    eps^(1/3)·max(1, |x_i|), richardson h0 = 0.1·max(1, |x_i|), complex
    1e-20·max(1, |x_i|), eps being that of ``x``'s dtype. ``step`` (a scalar
    or an array broadcasting to ``x``) overrides them. Real steps are rounded
    down to a multiple of the spacing of floats near ``x``, so that the points
    x ± c·h are computed exactly (unless they cross a power of two above |x|).

    ``f`` takes one array of ``x``'s shape and dtype (a NumPy scalar when
    ``x`` is a float; integers are promoted to float64); to differentiate
    ``f(x, y, ...)`` pass ``lambda p: f(*p)`` and a stacked ``x``. With
    ``error=True`` (richardson only) returns ``(value, error_estimate)``; with
    ``info=True`` appends an :class:`Info` (``evaluations``, ``error``, ...).

    >>> import semigrad as sg
    >>> def f(x, y, z, v):
    ...     return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)
    >>> p = np.array([0.5, 2.0, 3.0, 4.0])
    >>> gradient(lambda q: f(*q), p).round(8).tolist()
    [-0.33134604, -2.89209654, 2.54724261, 0.25]
    >>> g, err = gradient(lambda q: f(*q), p, method="richardson", error=True)
    >>> bool(err.max() < 1e-11)
    True
    >>> g, info = gradient(np.sin, 0.0, method="complex", info=True)
    >>> float(g), info.evaluations
    (1.0, 1)
    """
    return _numeric("gradient", f, x, 1, method, step, error, info, scalar_output=True)


def jacobian(f, x, method="central", step=None, error=False, info=False):
    """The Jacobian of ``f`` at ``x`` by finite differences: shape ``out.shape + x.shape``.

    Same methods, steps, costs and flags as :func:`gradient`; ``f`` may
    return any shape.

    >>> J = jacobian(lambda x: np.array([x[0] * x[1], np.sin(x[1])]), np.array([2.0, 0.0]))
    >>> J.round(8).tolist()
    [[0.0, 2.0], [0.0, 1.0]]
    """
    return _numeric("jacobian", f, x, 1, method, step, error, info)


def hessian(f, x, method="central", step=None, error=False, info=False):
    """The Hessian of a scalar-valued ``f`` at ``x``: shape ``x.shape + x.shape``.

    Nested differences, each point evaluated once: central costs 2n² + 1
    evaluations (default step eps^(1/4)·max(1, |x_i|)), forward (n + 1)(n + 2)/2
    (step eps^(1/3)·max(1, |x_i|)). "complex" takes central differences (step
    eps^(1/3)·max(1, |x_i|)) of the complex-step gradient: 2n² evaluations.
    "richardson" extrapolates the central Hessian over 8 steps.

    >>> H = hessian(lambda x: x[0] ** 2 * x[1], np.array([1.0, 3.0]), method="richardson")
    >>> H.round(8).tolist()
    [[6.0, 2.0], [2.0, 0.0]]
    """
    return _numeric("hessian", f, x, 2, method, step, error, info, scalar_output=True)


def derivative(f, x, order=1, method="central", step=None, error=False, info=False):
    """The ``order``-th derivative tensor of ``f`` at ``x``: shape ``out.shape + order * x.shape``.

    For scalar ``x`` and scalar ``f`` this is the plain k-th derivative.
    Order k nests k first-derivative stencils (central: (2n)^k terms, fewer
    evaluations since coinciding points are evaluated once) with default step
    eps^(1/(k+2))·max(1, |x_i|) for central, eps^(1/(k+1))·max(1, |x_i|) for
    forward and backward; "complex" applies k - 1 central levels (step
    eps^(1/(k+1))·max(1, |x_i|)) to the complex-step derivative; "richardson"
    extrapolates the central k-th difference. ``order=0`` returns ``f(x)``.
    Accuracy falls with the order, least for "richardson" (docs/numeric.md).

    >>> round(float(derivative(np.sin, 0.0, order=3, method="richardson")), 8)
    -1.0
    >>> derivative(lambda x: x ** 3, np.array([1.0, 2.0]), order=2).shape
    (2, 2, 2)
    """
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or order < 0:
        raise ValueError(
            f"numeric.derivative({_name(f)}): order must be a non-negative integer; got "
            f"{order!r}: use order=1 for the Jacobian, 2 for second derivatives, ..."
        )
    return _numeric("derivative", f, x, int(order), method, step, error, info)


def _name(f) -> str:
    return getattr(f, "__name__", None) or type(f).__name__


def _point_input(x, where):
    """``x`` as a finite float array (integers promoted to float64)."""
    arr = np.asarray(x.value if isinstance(x, Tensor) else x)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        hint = ("differentiate with respect to the real and imaginary parts as two real "
                "arrays" if arr.dtype.kind == "c" else "pass floating-point numbers")
        raise TypeError(f"{where}: x must be real (float32, float64 or integers); got dtype "
                        f"{arr.dtype}, shape {arr.shape}: {hint}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{where}: x has a non-finite element x{list(bad)} = {arr[bad]} (x of "
                         f"shape {arr.shape}); derivatives need a finite point")
    return arr


def _user_step(step, shape, where):
    try:
        s = np.asarray(step, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: step must be a positive number or an array of them; got "
                        f"{step!r}") from None
    try:
        s = np.broadcast_to(s, shape)
    except ValueError:
        raise ValueError(f"{where}: step of shape {s.shape} does not fit x of shape {shape}; pass "
                         "a scalar or an array of x's shape") from None
    if not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(f"{where}: step must be positive and finite; got {step!r}")
    return s.ravel()


def _exact_unit(x, unit, reach):
    """Round steps down to a multiple of the float spacing at |x| + reach·unit.

    Then every x_i + c·unit_i with integer |c| <= reach is a float, computed
    without rounding, and the stencil is exactly the one its weights assume;
    unless the points cross a power of two above |x_i| (x_i need not lie on
    the coarser grid there): then they are off by at most half a spacing of x_i.
    """
    spacing = np.spacing((np.abs(x) + reach * unit).astype(x.dtype)).astype(np.float64)
    return np.maximum(np.floor(unit / spacing), 1.0) * spacing


class _Steps(NamedTuple):
    """How ``_numeric`` differentiates: the stencil nesting and its steps."""

    base: tuple  # the one-axis stencil: (offset, weight) pairs
    real_levels: int  # how many nested real stencils
    imaginary: bool  # whether a complex-step level comes innermost
    multipliers: list  # Richardson: the steps as multiples of ``unit``, largest first
    unit: np.ndarray  # the real step per element (float64, exact in x's dtype)
    complex_step: np.ndarray | None  # the imaginary step per element


def _steps(method, order, x, step, where) -> _Steps:
    """The default steps of the docstrings, or ``step``; see docs/numeric.md."""
    eps = float(np.finfo(x.dtype).eps)
    scale = np.maximum(1.0, np.abs(x).astype(np.float64))
    user = None if step is None else _user_step(step, x.shape, where).reshape(x.shape)
    imaginary = method == "complex" and order > 0
    real_levels = order - 1 if imaginary else order
    multipliers = [1]
    complex_step = None
    if method == "richardson":
        multipliers = [2 ** (_RICHARDSON_LEVELS - 1 - j) for j in range(_RICHARDSON_LEVELS)]
        unit = (user if user is not None else _RICHARDSON_START * scale) / multipliers[0]
    elif method == "complex":
        # The central levels over a complex-step derivative (exact to ~eps)
        # balance h² against eps/h^(k-1).
        unit = eps ** (1 / (order + 1)) * scale
        if imaginary:
            complex_step = user if user is not None else _COMPLEX_STEP * scale
            # as stored in the imaginary part (complex64 at least: float16 has no complex)
            complex_step = complex_step.astype(np.result_type(x.dtype, np.float32))
            complex_step = complex_step.astype(np.float64)
    else:
        # Truncation h^p (p = 1 one-sided, 2 central) against round-off eps/h^k.
        power = order + (2 if method == "central" else 1)
        unit = user if user is not None else eps ** (1 / power) * scale
    unit = _exact_unit(x, unit, max(real_levels, 1) * multipliers[0])
    base = _STENCILS[method if method in ("forward", "backward") else "central"]
    return _Steps(base, real_levels, imaginary, multipliers, unit.ravel(),
                  None if complex_step is None else complex_step.ravel())


def _plan(n, order, steps):
    """The stencil terms: which points are needed, and how to combine their values.

    For every multiplier (Richardson level), derivative element (row: the
    flat multi-index) and stencil combination, the point it needs and its
    weight. A point is keyed by its integer offsets in units of
    ``steps.unit`` and the element carrying the imaginary step (-1: none),
    so that a point shared by several terms or levels is evaluated once.
    Returns ``points`` (key -> column) and one (rows, columns, weights) per level.
    """
    points, plans = {}, []
    for m in steps.multipliers:
        stencil = tuple((o * m, w / m) for o, w in steps.base)
        levels = [stencil] * steps.real_levels + ([((None, 1.0),)] if steps.imaginary else [])
        rows, cols, weights = [], [], []
        for row, axes in enumerate(itertools.product(range(n), repeat=order)):
            for combo in itertools.product(*levels):
                moves, imag, weight = {}, -1, 1.0
                for i, (offset, w) in zip(axes, combo):
                    weight *= w
                    if offset is None:
                        imag = i
                    elif offset:
                        moves[i] = moves.get(i, 0) + offset
                key = (tuple(sorted((i, c) for i, c in moves.items() if c)), imag)
                rows.append(row)
                cols.append(points.setdefault(key, len(points)))
                weights.append(weight)
        plans.append((np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp),
                      np.array(weights)))
    if not points:  # x is empty: one call tells the output's shape
        points[((), -1)] = 0
    return points, plans


def _evaluate(f, where, x, points, steps, scalar_output, order):
    """Call ``f`` once per point: (values (points, outputs), output shape, first non-finite).

    The first non-finite evaluation is returned as (key, output), or None.
    Values are what the stencils combine: f, or Im f at complex points.
    """
    xf = x.ravel()
    step_of = steps.unit.astype(x.dtype)
    outputs, out_shape, non_finite = [], None, None
    for key in points:
        moves, imag = key
        p = xf.copy()
        for i, c in moves:
            p[i] = xf[i] + c * step_of[i]
        if imag >= 0:
            p = p.astype(np.result_type(x.dtype, np.complex64))
            p[imag] += 1j * steps.complex_step[imag]
        arg = p.reshape(x.shape)
        arg = arg[()] if arg.ndim == 0 else arg
        # Domain errors show up as non-finite values, reported below with the point.
        with np.errstate(all="ignore"):
            out = _call_complex(f, arg, where) if imag >= 0 else f(arg)
        out = np.asarray(out.value if isinstance(out, Tensor) else out)
        if out.dtype.kind not in "biufc":
            raise TypeError(f"{where}: f must return numbers (a scalar or an array); got "
                            f"dtype {out.dtype}, shape {out.shape}")
        if out_shape is None:
            out_shape = out.shape
            if scalar_output and out_shape != ():
                alternative = "jacobian" if order == 1 else f"derivative(f, x, order={order})"
                raise ValueError(f"{where} requires a scalar output; got shape {out_shape}: "
                                 f"use numeric.{alternative}")
        elif out.shape != out_shape:
            raise ValueError(f"{where}: f returned shape {out_shape} at its first point and "
                             f"{out.shape} at {_describe(key, steps, x.shape)}; f must "
                             "return the same shape near x")
        if non_finite is None and not np.all(np.isfinite(out)):
            non_finite = key, out
        if imag >= 0:
            if out.dtype.kind != "c":
                raise ValueError(
                    f"{where}: method='complex' needs f analytic and written for complex "
                    f"input, but f returned real values (dtype {out.dtype}) at a complex "
                    "point: it discards the imaginary part (abs, real, a cast, a comparison); "
                    "use method='central' (or 'richardson')"
                )
            out = out.imag
        outputs.append(out.ravel())
    values = np.array(outputs)
    values = values.astype(np.complex128 if values.dtype.kind == "c" else np.float64)
    return values, out_shape, non_finite


def _call_complex(f, arg, where):
    try:
        with warnings.catch_warnings():  # a cast to real is reported by the caller
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            return f(arg)
    except Exception as e:  # noqa: BLE001 - any failure means f is not complex-ready
        raise ValueError(
            f"{where}: method='complex' evaluates f at complex points, and f raised "
            f"{type(e).__name__}: {e}; use method='central' (or 'richardson'), or write f "
            "with functions that accept complex input"
        ) from e


def _numeric(caller, f, x, order, method, step, error, info, scalar_output=False):
    """Differentiate ``f`` ``order`` times at ``x``: the engine behind every public function."""
    where = f"numeric.{caller}({_name(f)})"
    if method not in METHODS:
        raise ValueError(f"{where}: unknown method {method!r}; use one of "
                         + ", ".join(repr(m) for m in METHODS))
    if error and method != "richardson":
        raise ValueError(f"{where}: error=True needs method='richardson', the method that "
                         f"estimates its own error; got method={method!r}")
    x = _point_input(x, where)
    n = x.size
    steps = _steps(method, order, x, step, where)
    terms = n ** order * len(steps.base) ** steps.real_levels * len(steps.multipliers)
    if terms > _MAX_TERMS:
        raise ValueError(f"{where}: order {order} over x of shape {x.shape} needs {terms} "
                         "stencil terms; use semigrad's reverse mode (sg.derivative, sg.hessian) "
                         "or differentiate with respect to fewer inputs")
    points, plans = _plan(n, order, steps)
    values, out_shape, non_finite = _evaluate(f, where, x, points, steps, scalar_output, order)
    if non_finite is not None and method != "richardson":
        _raise_non_finite(where, *non_finite, steps, x.shape, method)

    denominator = np.ones(())
    for s in [steps.unit] * steps.real_levels + [steps.complex_step] * steps.imaginary:
        denominator = np.multiply.outer(denominator, s)
    denominator = denominator.reshape(-1, 1)
    eps = float(np.finfo(x.dtype).eps)
    estimates, noises = [], []
    for rows, cols, weights in plans:
        terms = weights[:, None] * values[cols]
        d = np.zeros((n ** order, values.shape[1]), dtype=values.dtype)
        np.add.at(d, rows, terms)
        estimates.append(d / denominator)
        if method == "richardson":
            # Round-off: each value carries a relative error of about eps.
            noise = np.zeros(d.shape)
            np.add.at(noise, rows, np.abs(terms))
            noises.append(eps * noise / denominator)

    err = None
    if method == "richardson":
        value, err = _extrapolate(estimates, noises)
        if not np.all(np.isfinite(err)):
            key, out = non_finite or (((), -1), np.array(np.inf))  # else the tableau overflowed
            _raise_non_finite(where, key, out, steps, x.shape, method)
    else:
        value = estimates[0]
    shape = out_shape + x.shape * order

    def arrange(a, dtype):
        a = a.T.reshape(shape).astype(dtype)
        return a[()] if a.ndim == 0 else a

    complex_valued = values.dtype.kind == "c"  # a complex f differentiated by a real method
    result = arrange(value, np.result_type(x.dtype, np.complex64) if complex_valued else x.dtype)
    if err is not None:
        err = arrange(err, x.dtype)
    extras = (err,) if error else ()
    if info:
        used = steps.complex_step if steps.imaginary else steps.unit * steps.multipliers[0]
        used = used.reshape(x.shape).astype(x.dtype if not steps.imaginary else
                                            np.result_type(x.dtype, np.float32))
        extras += (Info(len(points), method, used[()] if used.ndim == 0 else used, err),)
    return (result, *extras) if extras else result


def _extrapolate(estimates, noises):
    """Richardson extrapolation of central differences at steps h, h/2, h/4, ... to h = 0.

    Central differences are even in h: D(h) = D + c₁h² + c₂h⁴ + ...; column c
    of the tableau eliminates the h^(2c) term. An entry's error is estimated
    as its distance to the two entries it was made from (Ridders' rule) plus
    its round-off (``noises``: that of each D(h), carried through the
    tableau), and every element of the result takes the entry with the
    smallest estimate: large steps lose to truncation, small ones to
    round-off, and a step at which f was not finite never wins.
    """
    best = np.full(estimates[0].shape, np.nan, dtype=estimates[0].dtype)
    best_err = np.full(estimates[0].shape, np.inf)

    def offer(value, err):
        better = err < best_err  # NaN never wins
        best[better] = value[better]
        best_err[better] = err[better]

    previous = [(estimates[0], noises[0])]
    for d, noise in zip(estimates[1:], noises[1:]):
        row = [(d, noise)]
        offer(d, np.abs(d - previous[0][0]) + noise)
        for c in range(1, len(previous) + 1):
            (fine, fine_noise), (coarse, coarse_noise) = row[c - 1], previous[c - 1]
            a = 1 / (4 ** c - 1)
            t = fine + a * (fine - coarse)
            t_noise = (1 + a) * fine_noise + a * coarse_noise
            offer(t, np.maximum(np.abs(t - fine), np.abs(t - coarse)) + t_noise)
            row.append((t, t_noise))
        previous = row
    return best, best_err


def _describe(key, steps, shape):
    """Where a point is, for error messages: ``the point x[1] + 6.06e-06, x[2] - 6.06e-06``."""
    moves, imag = key

    def element(i):
        index = np.unravel_index(i, shape) if shape else ()
        return "x" + (f"[{', '.join(str(int(k)) for k in index)}]" if index else "")

    parts = [f"{element(i)} {'+' if c > 0 else '-'} {abs(c) * steps.unit[i]:.3g}"
             for i, c in moves]
    if imag >= 0:
        parts.append(f"{element(imag)} + {steps.complex_step[imag]:.3g}i")
    return "x itself" if not parts else "the point " + ", ".join(parts)


def _raise_non_finite(where, key, out, steps, shape, method):
    kind = "nan" if np.any(np.isnan(out)) else "inf"
    if method == "richardson":
        i = key[0][0][0] if key[0] else int(np.argmax(steps.unit))
        largest = steps.unit[i] * steps.multipliers[0]
        hint = (f"Richardson extrapolation needs f finite at two or more of its steps (here up "
                f"to {largest:.3g} from x): pass a smaller largest step=, or check x")
    else:
        hint = "f may be undefined or overflow near x: check x, or pass a smaller step="
    raise ValueError(f"{where}: f returned non-finite values ({kind}) at "
                     f"{_describe(key, steps, shape)} (x of shape {shape}); {hint}")
