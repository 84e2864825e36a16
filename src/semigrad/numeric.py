"""Numerical differentiation, and ``check_grads``: rules checked against finite differences.

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

import numpy as np

from .autodiff.api import jvp, vjp
from .autodiff.tree import flatten, unflatten
from .tensor import Tensor

# Step and tolerances per floating dtype: the step balances truncation error
# (∝ ε²) against round-off (∝ eps/ε) for central differences.
_STEP = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-2, np.dtype(np.float16): 1e-1}
_TOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 2e-2, np.dtype(np.float16): 1e-1}


def _values(tree):
    leaves, spec = flatten(tree)
    return [np.asarray(x.value if isinstance(x, Tensor) else x) for x in leaves], spec


def _random_like(rng, arrays):
    return [rng.standard_normal(a.shape).astype(a.dtype if a.dtype.kind == "f" else np.float64)
            for a in arrays]


def _inner(xs, ys) -> float:
    return float(sum(np.vdot(np.asarray(x, np.float64), np.asarray(y, np.float64))
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
    dtype = np.result_type(*xs) if xs else np.dtype(np.float64)
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
