"""``semigrad.scipy.integrate``: quadrature of sampled functions, differentiable in the samples
and the sample points, and ``odeint``, differentiated by the adjoint ODE.

>>> import numpy as np
>>> import semigrad as sg
>>> from semigrad.scipy import integrate
>>> float(integrate.trapezoid([0.0, 1.0, 4.0], dx=1.0))
3.0
>>> sg.grad(lambda y: integrate.trapezoid(y, dx=0.5))(np.ones(3)).tolist()
[0.25, 0.5, 0.25]
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import context, ops
from ..autodiff.api import jvp, vjp
from ..autodiff.tree import flatten, unflatten
from ..numpy import asarray, cumsum, diff, moveaxis, trapezoid
from ..primitives.base import Dense, shape_of
from ..tensor import Tensor
from ._scipy import scipy_module

__all__ = ["cumulative_trapezoid", "odeint", "trapezoid"]


def cumulative_trapezoid(y, x=None, dx=1.0, axis=-1, initial=None):
    """The running trapezoidal integral along ``axis`` (as ``scipy.integrate``'s).

    >>> from semigrad.scipy import integrate
    >>> integrate.cumulative_trapezoid([0.0, 1.0, 4.0], initial=0.0).tolist()
    [0.0, 0.5, 3.0]
    """
    y = moveaxis(asarray(y), axis, -1)
    n = ops.shape(y)[-1]
    mid = ops.multiply(0.5, ops.add(ops.getitem(y, (Ellipsis, slice(1, None))),
                                    ops.getitem(y, (Ellipsis, slice(0, n - 1)))))
    widths = dx if x is None else diff(asarray(x))
    out = cumsum(ops.multiply(mid, widths), axis=-1)
    if initial is not None:
        if initial != 0:
            raise ValueError("cumulative_trapezoid: initial must be None or 0 (as SciPy)")
        first = ops.multiply(ops.getitem(y, (Ellipsis, slice(0, 1))), 0.0)
        out = ops.concatenate([first, out], axis=-1)
    return moveaxis(out, -1, axis)


# ---- odeint: the solution by SciPy's LSODA, its derivatives by the adjoint ODE ----------------

# What the adjoint and tangent solves inherit (the others describe the primal problem only).
_SWEEP_OPTIONS = ("rtol", "atol", "mxstep", "hmax", "hmin", "mxordn", "mxords")


class _Problem:
    """``func`` with its arguments split into the differentiated leaves (arrays, Tensors) and
    the constants (anything else: ints, strings, functions), and the solver's options."""

    def __init__(self, func, tfirst, spec, static, options):
        self.func, self.tfirst, self.spec = func, tfirst, spec
        self.static = static  # {position in the flattened args: value}
        self.options = options
        self.report = {}  # SciPy's full_output of the last primal solve

    def rhs(self, y, s, leaves):
        it = iter(leaves)
        n = len(self.static) + len(leaves)
        args = unflatten(self.spec, [self.static[k] if k in self.static else next(it)
                                     for k in range(n)])
        return self.func(s, y, *args) if self.tfirst else self.func(y, s, *args)

    def sweep(self):
        """The problem of an adjoint or tangent solve: the same tolerances."""
        return {k: v for k, v in self.options.items() if k in _SWEEP_OPTIONS}


def _solve(problem, y0, t, *leaves):
    """The solution at the times ``t`` on values: SciPy's ``odeint`` on the flattened state."""
    si = scipy_module("integrate")
    y0, t = np.asarray(y0, dtype=np.float64), np.asarray(t, dtype=np.float64)
    shape = y0.shape

    def rhs(y, s):
        dy = problem.rhs(y.reshape(shape), s, leaves)
        if isinstance(dy, Tensor):
            if not dy.requires_grad:
                dy = dy.value  # a constant Tensor
        if isinstance(dy, Tensor):
            raise TypeError(
                f"odeint: func returned a traced value at t = {s:g} for an untraced state: it "
                "reads a Tensor or a differentiated value that it closes over (model "
                "parameters, a transform's argument). Pass such values through args=(...) "
                "and take them as func's extra arguments, so that their gradients are computed"
            )
        dy = np.asarray(dy, dtype=np.float64)
        if dy.shape != shape:
            raise ValueError(f"odeint: func returned shape {dy.shape} for a state of shape "
                             f"{shape}; it must return dy/dt with the state's shape")
        return dy.ravel()

    # On values, outside any running transform: the vjp and jvp of the adjoint and tangent
    # solves' dynamics then give arrays, and only a closure over a traced value gives a Tensor.
    with context.changed(depth=0, floor=float("inf")), warnings.catch_warnings():
        warnings.simplefilter("ignore", si.ODEintWarning)  # a failure is raised below
        ys, report = si.odeint(rhs, y0.ravel(), t, full_output=True, **problem.options)
    if report["message"] not in ("Integration successful.",
                                 "Nothing was done; the integration time was 0."):
        raise RuntimeError(
            f"odeint: the solver failed between t = {t[0]:g} and t = {t[-1]:g}: "
            f"{report['message']} Raise mxstep, loosen rtol/atol, or check func for a "
            "blow-up (a stiff or diverging system)"
        )
    problem.report = report
    return ys.reshape((len(t), *shape))


def _flat(parts):
    return ops.concatenate([ops.reshape(p, (-1,)) for p in parts])


def _split(vec, shapes):
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out.append(ops.reshape(ops.getitem(vec, slice(start, start + size)), shape))
        start += size
    return out


def _batch(x, like) -> tuple:
    sx, sl = shape_of(x), shape_of(like)
    return sx[: len(sx) - len(sl)]


def _adjoint(wanted, g, xs, out):
    """Every wanted cotangent from one backward solve of the adjoint ODE (a batch of seeds
    at once): a' = −aᵀ∂f/∂y and θ̄' = −aᵀ∂f/∂θ from the last time to the first, with the
    state re-solved alongside and reset to the recorded solution at each time."""
    problem, y0, t, *theta = xs
    shape, n_t = shape_of(y0), shape_of(t)[0]
    batch = _batch(g, out)
    nb = len(batch)
    lead = (slice(None),) * nb

    def g_at(i):
        return ops.getitem(g, (*lead, i))

    def f_at(y, i):
        return problem.rhs(y, ops.getitem(t, i), theta)

    state_axes = tuple(range(nb, nb + len(shape)))
    shapes = [shape, (*batch, *shape)] + [(*batch, *shape_of(p)) for p in theta]

    def aug(state, s, *params):
        y, a = _split(state, shapes[:2])
        dy, pull = vjp(lambda yy, *pp: problem.rhs(yy, s, pp), y, *params)
        return _flat([dy, *pull(-a)])

    a = g_at(n_t - 1)
    bars = [np.zeros(shp) for shp in shapes[2:]]
    t_bars = []
    for i in range(n_t - 1, 0, -1):
        y_i = ops.getitem(out, i)
        t_bars.append(ops.sum(g_at(i) * f_at(y_i, i), axis=state_axes))
        seg = ops.getitem(t, np.array([i, i - 1]))
        end = odeint(aug, _flat([y_i, a, *bars]), seg, args=tuple(theta), **problem.sweep())
        _, a, *bars = _split(ops.getitem(end, 1), shapes)
        a = a + g_at(i - 1)
    t0_bar = -ops.sum((a - g_at(0)) * f_at(y0, 0), axis=state_axes)
    t_bar = ops.stack([t0_bar, *t_bars[::-1]], axis=-1)
    cotangents = {1: a, 2: t_bar}
    cotangents.update({3 + k: b for k, b in enumerate(bars)})
    return [cotangents[i] for i in wanted]


def _tangent(ts, xs, out):
    """Forward sensitivities: ẏ' = ∂f/∂y ẏ + ∂f/∂θ θ̇ solved alongside the state (a batch of
    tangents at once); a time's tangent moves its point along f."""
    problem, y0, t, *theta = xs
    _, y0_dot, t_dot, *theta_dot = ts
    shape = shape_of(y0)
    k, ref = next((k, d) for k, d in enumerate(ts) if d is not None)
    batch = _batch(ref, xs[k])
    theta_dot = [np.zeros((*batch, *shape_of(p))) if d is None else d
                 for p, d in zip(theta, theta_dot)]
    if y0_dot is None:
        y0_dot = np.zeros((*batch, *shape))
    if t_dot is not None:  # moving t₀ starts the same state earlier or later
        y0_dot = y0_dot - problem.rhs(y0, ops.getitem(t, 0), theta) * ops.reshape(
            ops.getitem(t_dot, (Ellipsis, 0)), (*batch, *(1,) * len(shape)))
    shapes = [shape, (*batch, *shape)]
    m = len(theta)

    def aug(state, s, *params):
        y, y_dot = _split(state, shapes)
        dy, d_dot = jvp(lambda yy, *pp: problem.rhs(yy, s, pp), (y, *params[:m]),
                        (y_dot, *params[m:]))
        return _flat([dy, d_dot])

    sol = odeint(aug, _flat([y0, y0_dot]), t, args=(*theta, *theta_dot), **problem.sweep())
    n = int(np.prod(shape, dtype=np.int64))
    n_t = shape_of(t)[0]
    y_dot = ops.reshape(ops.getitem(sol, (slice(None), slice(n, None))), (n_t, *batch, *shape))
    y_dot = ops.moveaxis(y_dot, 0, len(batch))  # (*batch, time, *state)
    if t_dot is None:
        return y_dot
    velocity = ops.stack([problem.rhs(ops.getitem(out, i), ops.getitem(t, i), theta)
                          for i in range(n_t)])
    return y_dot + velocity * ops.reshape(t_dot, (*batch, n_t, *(1,) * len(shape)))


class _ODESolution(Dense):
    """The solution of one initial-value problem at the requested times: one hyperedge from
    the initial state, the times and the parameters (not listed in the registry)."""

    registered = False

    def flops(self, xs, out, params):
        return int(np.size(out))


_odeint = _ODESolution(
    "odeint", _solve, None, _tangent, vjp_many_rule=_adjoint,
    doc="y(t) of y' = f(y, t, *args), y(t₀) = y0. VJP: the adjoint ODE solved backwards; "
        "JVP: the tangent ODE solved forwards. Both solve with odeint, so they differentiate "
        "again.",
)


def odeint(func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None,
           rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0,
           mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False):
    """Solve ``dy/dt = func(y, t, *args)`` from ``y(t[0]) = y0``, as ``scipy.integrate.odeint``;
    differentiable in ``y0``, ``t`` and the arrays in ``args``.

    The values are SciPy's (LSODA). The gradient is not obtained by differentiating the
    solver's steps: it comes from the **adjoint ODE**, solved backwards in time from the
    last requested time to the first (reverse mode, any batch of seeds at once), and forward
    mode solves the tangent ODE alongside the state. ``func`` is written with semigrad
    operations (it is differentiated by ``sg.vjp``/``sg.jvp`` inside those solves), and both
    solves call ``odeint`` again, so second derivatives work too. The state may have any
    shape (SciPy's must be 1-D). Values that ``func`` depends on and that should get
    gradients (model parameters) go through ``args``, as in SciPy: a closure over a
    Tensor is refused with that advice. The derivatives are as accurate as the solves:
    tighten ``rtol``/``atol`` for tighter gradients. Integration failures (SciPy's
    warning) are a RuntimeError.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> from semigrad.scipy.integrate import odeint
    >>> t = np.linspace(0.0, 1.0, 5)
    >>> decay = lambda y, t, k: -k * y
    >>> y = odeint(decay, 2.0, t, args=(0.5,), rtol=1e-10, atol=1e-10)
    >>> y.shape                             # SciPy's: a number is a state of one element
    (5, 1)
    >>> bool(np.allclose(y[:, 0], 2.0 * np.exp(-0.5 * t)))
    True
    >>> dk = sg.grad(lambda k: odeint(decay, 2.0, t, args=(k,), rtol=1e-10, atol=1e-10)[-1, 0])
    >>> round(float(dk(0.5)), 6)            # d/dk 2e^(−k) at k = 0.5
    -1.213061
    """
    options = dict(rtol=rtol, atol=atol, tcrit=tcrit, h0=h0, hmax=hmax, hmin=hmin, ixpr=ixpr,
                   mxstep=mxstep, mxhnil=mxhnil, mxordn=mxordn, mxords=mxords,
                   printmessg=printmessg, ml=ml, mu=mu, Dfun=Dfun, col_deriv=col_deriv)
    if not isinstance(args, tuple):
        args = (args,)
    leaves, spec = flatten(args)
    diff, static = [], {}
    for k, leaf in enumerate(leaves):
        if isinstance(leaf, Tensor) or (isinstance(leaf, np.ndarray | float | np.floating)
                                        and np.result_type(leaf).kind == "f"):
            diff.append(leaf)
        else:
            static[k] = leaf
    problem = _Problem(func, tfirst, spec, static, options)
    for name, x in (("y0", y0), ("t", t)):
        dtype = np.asarray(getattr(x, "value", x)).dtype
        if dtype.kind not in "fiub":
            raise TypeError(
                f"odeint: {name} must be real numbers (SciPy's LSODA is real); got dtype "
                f"{dtype}: split a complex state into its real and imaginary parts"
            )
    y0 = y0 if isinstance(y0, Tensor) else np.asarray(y0, dtype=np.float64)
    if ops.ndim(y0) == 0:  # SciPy's state is 1-D: a number is a state of one element
        y0 = ops.reshape(y0, (1,))
    t = t if isinstance(t, Tensor) else np.asarray(t, dtype=np.float64)
    if ops.ndim(t) != 1 or shape_of(t)[0] < 1:
        raise ValueError(f"odeint: t must be a 1-D sequence of times (t[0] the initial time); "
                         f"got shape {shape_of(t)}")
    if any(isinstance(x, Tensor) for x in (y0, t, *diff)):
        y = _odeint(problem, y0, t, *diff)
    else:
        y = _solve(problem, y0, t, *diff)
    return (y, problem.report) if full_output else y
