"""User-defined derivatives for opaque functions: ``sg.custom_vjp`` and ``sg.custom_jvp``.

JAX's semantics. A function decorated with :func:`custom_vjp` gets its reverse
rule from ``f.defvjp(fwd, bwd)``: ``fwd(*args)`` returns ``(output, residuals)``
and ``bwd(residuals, g)`` one cotangent per argument (None for none). A
function decorated with :func:`custom_jvp` gets its forward rule from
``f.defjvp(rule)``: ``rule(primals, tangents)`` returns ``(output,
tangent_out)``, linear in the tangents; its reverse rule is the transpose of
that forward rule (reverse mode through it), so both modes work.

Either way the function is recorded as **one dense hyperedge** (the kind
:class:`~semigrad.primitives.base.Dense`): every interpreter that reads
declarations handles it. The semiring sweeps and scalarisation see its scalar
partials, which the rule gives for a batch of unit seeds (one seed at a time
when the rule does not accept batch axes). Higher derivatives work when the
rule is written with semigrad's operations: the rule is then recorded like
the library's own. The function's body itself runs on plain arrays and may
call anything (SciPy, a simulator, a solver).

>>> import numpy as np
>>> import semigrad as sg
>>> @sg.custom_vjp
... def clipped_sqrt(x):
...     return np.sqrt(np.maximum(x, 1e-12))
>>> def fwd(x):
...     y = clipped_sqrt(x)
...     return y, y
>>> def bwd(y, g):
...     return (g * 0.5 / y,)
>>> clipped_sqrt.defvjp(fwd, bwd)
>>> float(sg.grad(clipped_sqrt)(4.0))
0.25
"""

from __future__ import annotations

import functools

import numpy as np

from ..primitives.base import Dense, shape_of
from ..tensor import Tensor


def _values(args):
    return [a.value if isinstance(a, Tensor) else a for a in args]


def _batch_ndim(t, x) -> int:
    return len(shape_of(t)) - len(shape_of(x))


class _Custom(Dense):
    """One user function as a dense hyperedge (not listed in the registry)."""

    registered = False

    def flops(self, xs, out, params):
        return int(np.size(out))

    def scalar_edges(self, i, xs, out, params):
        # The dense Jacobian from unit seeds, one at a time (a user rule need not
        # accept batch axes).
        oshape = shape_of(out)
        n_out = int(np.prod(oshape, dtype=np.int64))
        rows = []
        for k in range(n_out):
            seed = np.zeros(n_out)
            seed[k] = 1.0
            g = self.vjp(i, seed.reshape(oshape), xs, out, params)
            rows.append(np.zeros(np.shape(xs[i])) if g is None else np.asarray(
                getattr(g, "value", g), dtype=np.float64))
        jac = np.reshape(rows, (n_out, -1))
        dst, src = np.indices(jac.shape).reshape(2, -1)
        return src, dst, jac.reshape(-1)


class _CustomFunction:
    """What custom_vjp and custom_jvp share: the wrapped function as one hyperedge."""

    def __init__(self, fun, kind, **rules):
        functools.update_wrapper(self, fun)
        self.fun = fun
        name = f"{kind}({getattr(fun, '__name__', 'f')})"
        self.primitive = _Custom(name, self._impl, doc=fun.__doc__ or "", **rules)

    def _impl(self, *args):
        out = self.fun(*args)
        if isinstance(out, tuple | list | dict):
            raise TypeError(
                f"{self.primitive.name}: a custom-rule function returns one array here; got a "
                f"{type(out).__name__}: split it into functions with one output each"
            )
        return getattr(out, "value", out)

    def _missing(self) -> str | None:
        """What is missing and how to declare it, when the rule is not declared yet (each
        kind of custom function says which rule it needs); None when nothing is."""
        return None

    def __call__(self, *args):
        if not any(isinstance(a, Tensor) for a in args):
            return self.fun(*args)
        missing = self._missing()
        if missing:
            raise TypeError(f"{self.primitive.name}: {missing}")
        return self.primitive(*args)


class custom_vjp(_CustomFunction):  # noqa: N801 (JAX's name)
    """A function with a user-defined reverse rule (``f.defvjp(fwd, bwd)``), as ``jax.custom_vjp``.

    ``fwd(*args)`` returns ``(f(*args), residuals)``; ``bwd(residuals, g)``
    returns a tuple with one cotangent per positional argument (None: no
    gradient), each with its argument's shape; ``g`` has the output's shape
    (Jacobians and Hessians call the rule once per seed). Forward mode through a
    ``custom_vjp`` function is refused, as in JAX: use :class:`custom_jvp`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> @sg.custom_vjp
    ... def f(x, y):
    ...     return np.sin(x) * y
    >>> f.defvjp(lambda x, y: (f(x, y), (x, y)),
    ...          lambda res, g: (g * sg.cos(res[0]) * res[1], g * sg.sin(res[0])))
    >>> [round(float(d), 6) for d in sg.grad(f, argnums=(0, 1))(0.5, 2.0)]
    [1.755165, 0.479426]
    """

    def __init__(self, fun):
        self.fwd = self.bwd = None
        super().__init__(fun, "custom_vjp", vjp_rule=None, jvp_rule=self._jvp_refused,
                         vjp_many_rule=self._vjp_many)

    def defvjp(self, fwd, bwd):
        """Declare the rule: ``fwd`` gives the output and the residuals, ``bwd`` the cotangents."""
        self.fwd, self.bwd = fwd, bwd

    def _missing(self):
        return None if self.bwd is not None else "no reverse rule: call f.defvjp(fwd, bwd)"

    def _jvp_refused(self, ts, xs, out):
        raise TypeError(
            f"{self.primitive.name}: forward mode is not defined for a custom_vjp function "
            "(as in JAX): declare its forward rule with sg.custom_jvp instead"
        )

    def _cotangents(self, g, xs):
        values = _values(xs)
        if any(isinstance(x, Tensor) for x in xs) or isinstance(g, Tensor):
            # Higher order: residuals computed from the traced inputs, so that a rule
            # written with semigrad operations records and can be differentiated again.
            _, res = self.fwd(*xs)
        else:
            _, res = self.fwd(*values)
        cts = self.bwd(res, g)
        if not isinstance(cts, tuple | list) or len(cts) != len(xs):
            raise TypeError(
                f"{self.primitive.name}: bwd must return a tuple with one cotangent per "
                f"argument ({len(xs)}); got {type(cts).__name__}"
                + (f" of length {len(cts)}" if isinstance(cts, tuple | list) else "")
            )
        return cts

    def _vjp_many(self, wanted, g, xs, out):
        nb = _batch_ndim(g, out)
        # A batch of seeds (Jacobians, Hessians) goes to the rule one seed at a time: a rule
        # written for one cotangent could mistake batch axes for its own (np.dot(A.T, g)).
        cts = self._per_seed(g, xs, out, nb) if nb else self._cotangents(g, xs)
        result = []
        for i in wanted:
            c = cts[i]
            if c is None:
                c = np.zeros(shape_of(g)[:nb] + shape_of(xs[i]))
            result.append(c)
        return result

    def _per_seed(self, g, xs, out, nb):
        """The rule called once per seed of a batch (a rule written for one cotangent)."""
        from .. import ops

        batch = shape_of(g)[:nb]
        gv = g if isinstance(g, Tensor) else np.asarray(g)
        seeds = ops.reshape(gv, (int(np.prod(batch, dtype=np.int64)), *shape_of(out)))
        per = [self._cotangents(seeds[k], xs) for k in range(shape_of(seeds)[0])]
        stacked = []
        for i, x in enumerate(xs):
            cs = [p[i] if p[i] is not None else np.zeros(shape_of(x)) for p in per]
            stacked.append(ops.reshape(ops.stack(cs), (*batch, *shape_of(x))))
        return stacked



class custom_jvp(_CustomFunction):  # noqa: N801 (JAX's name)
    """A function with a user-defined forward rule (``f.defjvp(rule)``), as ``jax.custom_jvp``.

    ``rule(primals, tangents)`` returns ``(f(*primals), tangent_out)``, linear
    in the tangents and written with semigrad operations; reverse mode is its
    transpose, so ``grad``, ``jacobian`` and ``hessian`` all work. Tangents of
    arguments that are not differentiated are zeros.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> @sg.custom_jvp
    ... def softplus(x):
    ...     return np.logaddexp(0.0, x)
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softplus(x), t * sg.sigmoid(x)
    >>> round(float(sg.grad(softplus)(0.0)), 6), round(float(sg.hessian(softplus)(0.0)), 6)
    (0.5, 0.25)
    """

    def __init__(self, fun):
        self.rule = None
        super().__init__(fun, "custom_jvp", vjp_rule=None, jvp_rule=self._jvp)

    def defjvp(self, rule):
        """Declare the forward rule; returns it, so that it can be used as a decorator."""
        self.rule = rule
        return rule

    def _missing(self):
        return None if self.rule is not None else "no forward rule: call f.defjvp(rule)"

    def _jvp(self, ts, xs, out):
        ref = next(t for t in ts if t is not None)
        k = next(i for i, t in enumerate(ts) if t is not None)
        nb = _batch_ndim(ref, xs[k])
        if nb:
            return self._per_tangent(ts, xs, nb)
        tangents = tuple(np.zeros(shape_of(x)) if t is None else t for t, x in zip(ts, xs))
        return self.rule(tuple(xs), tangents)[1]

    def _per_tangent(self, ts, xs, nb):
        """The rule called once per tangent of a batch (a rule written for one tangent)."""
        from .. import ops

        ref = next(t for t in ts if t is not None)
        batch = shape_of(ref)[:nb]
        n = int(np.prod(batch, dtype=np.int64))
        flat = [None if t is None else ops.reshape(t, (n, *shape_of(x))) for t, x in zip(ts, xs)]
        outs = []
        for j in range(n):
            tangents = tuple(np.zeros(shape_of(x)) if t is None else t[j]
                             for t, x in zip(flat, xs))
            outs.append(self.rule(tuple(xs), tangents)[1])
        first = outs[0]
        return ops.reshape(ops.stack(outs), (*batch, *shape_of(first)))


# ---- fixed points, differentiated by the implicit function theorem ------------------------


def _iterate(f, a, x, tol, max_iter, what):
    for _ in range(max_iter):
        x_new = np.asarray(f(a, x), dtype=np.result_type(x, float))
        if np.max(np.abs(x_new - x), initial=0.0) <= tol * (1.0 + np.max(np.abs(x_new),
                                                                        initial=0.0)):
            return x_new
        x = x_new
    raise RuntimeError(
        f"fixed_point: {what} did not converge in {max_iter} iterations (tol {tol:g}); "
        "raise max_iter, or check that f(a, ·) is a contraction near the fixed point"
    )


def fixed_point(f, a, x0, *, tol=1e-12, max_iter=10_000):
    """The ``x`` with ``x = f(a, x)``, found by iterating from ``x0``; differentiable in ``a``.

    The derivative comes from the implicit function theorem, not from the
    iterations: with J = ∂f/∂x at the fixed point, the cotangent ``w`` solves
    w = g + Jᵀw (iterated, as the forward pass is), and a's cotangent is
    (∂f/∂a)ᵀw. ``f`` is written with semigrad operations (it is differentiated
    by reverse mode); ``x0`` gets no gradient. Built on :class:`custom_vjp`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> f = lambda a, x: a + 0.5 * sg.sin(x)        # x* = a + sin(x*)/2
    >>> x = sg.fixed_point(f, 1.0, 0.0)
    >>> bool(abs(x - (1.0 + 0.5 * np.sin(x))) < 1e-12)
    True
    >>> d = sg.grad(lambda a: sg.fixed_point(f, a, 0.0))(1.0)
    >>> bool(abs(d - 1.0 / (1.0 - 0.5 * np.cos(x))) < 1e-10)
    True
    """
    solver = _fixed_point_solver(tol, max_iter)
    return solver(f, a, x0)


@functools.lru_cache(maxsize=64)
def _fixed_point_solver(tol, max_iter):
    @custom_vjp
    def solve(f, a, x0):
        x0 = np.asarray(getattr(x0, "value", x0), dtype=float)
        return _iterate(f, a, x0, tol, max_iter, "the forward iteration")

    def fwd(f, a, x0):
        plain = getattr(a, "value", a)
        x = _iterate(f, plain, np.asarray(getattr(x0, "value", x0), dtype=float), tol,
                     max_iter, "the forward iteration")
        return x, (f, a, x)

    def bwd(res, g):
        from .api import vjp

        f, a, x = res
        _, vjp_x = vjp(lambda xx: f(a, xx), x)
        gv = np.asarray(getattr(g, "value", g), dtype=float)
        def step(_, ww):
            ct = vjp_x(ww)[0]
            return gv + np.asarray(getattr(ct, "value", ct))

        w = _iterate(step, None, gv, tol, max_iter, "the adjoint iteration w = g + Jᵀw")
        _, vjp_a = vjp(lambda aa: f(aa, x), a)
        return (None, vjp_a(w)[0], None)

    solve.defvjp(fwd, bwd)
    return solve
