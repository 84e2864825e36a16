"""Gradient checkpointing: trade compute for memory by recomputing a segment's forward pass.

``sg.checkpoint(f)`` returns a function that computes ``f`` and records it as
*one* hyperedge, keeping only its output; the intermediate values of ``f``
are released at once. When the backward sweep reaches that hyperedge it runs
``f`` again, recording, and sweeps the recomputed segment. Tensors that ``f``
closes over (parameters, say) are found on the first run and become inputs of
the hyperedge, so their gradients flow too.

The checkpoint's rule is "recompute and sweep" rather than a structured
Jacobian, so it takes part in the reverse sweep (first and higher order) but
not in scalarisation or semiring sweeps; forward mode works when ``f`` closes
over no traced value.
"""

from __future__ import annotations

import functools

import numpy as np

from ..primitives.base import Primitive
from ..tensor import Tensor


class Checkpoint(Primitive):
    """A segment recomputed during the backward sweep (see the module doc)."""

    kind = "checkpoint"

    shares_work = True  # one recomputation serves every input

    def vjp(self, i, g, xs, out, params):
        return self.vjp_many((i,), g, xs, out, params)[0]

    def vjp_many(self, wanted, g, xs, out, params):
        """Recompute the segment once, sweep it, and hand each wanted input its cotangent."""
        from . import reverse

        n = params["n_args"]
        nested = any(isinstance(x, Tensor) for x in xs) or isinstance(g, Tensor)
        leaves = [_leaf(x, nested) for x in xs[:n]]
        result = params["fn"](*leaves)
        wrt = leaves + list(params["externals"])
        adjoints = {}
        if isinstance(result, Tensor) and result.requires_grad:
            adjoints = reverse.sweep([result], [g], wrt, create_graph=nested,
                                     retain_graph=nested)
        cotangents = []
        for i in wanted:
            cotangent = adjoints.get(wrt[i]._id)
            if cotangent is None:
                batch = np.shape(getattr(g, "value", g))[: np.ndim(getattr(g, "value", g))
                                                          - np.ndim(out)]
                cotangent = np.zeros(batch + np.shape(getattr(xs[i], "value", xs[i])))
            cotangents.append(cotangent)
        return cotangents

    def scalar_edges(self, i, xs, out, params):
        raise TypeError(
            "checkpoint: a checkpointed segment is recomputed, not declared, so it has no "
            "scalar edges; trace the function without sg.checkpoint to scalarise it or to run "
            "semiring sweeps"
        )

    def jvp(self, ts, xs, out, params):
        from .api import jvp

        n = params["n_args"]
        if any(t is not None for t in ts[n:]):
            raise TypeError(
                "checkpoint: forward mode through a checkpointed function that closes over "
                "traced values is not supported; pass those values as arguments"
            )
        primals = tuple(xs[:n])
        tangents = tuple(np.zeros_like(getattr(x, "value", x)) if t is None else t
                         for t, x in zip(ts[:n], xs[:n]))
        return jvp(params["fn"], primals, tangents)[1]


def _leaf(x, nested):
    if isinstance(x, Tensor):
        from ..primitives.elementwise import identity

        return identity(x) if x.requires_grad else Tensor(x.value, requires_grad=True)
    return Tensor(x, requires_grad=True)


def _run(*values, fn, n_args, externals):
    out = fn(*values[:n_args])
    return getattr(out, "value", out)


CHECKPOINT = Checkpoint(
    "checkpoint",
    _run,
    doc="A function recorded as one hyperedge and recomputed during the backward sweep.",
)


def checkpoint(f):
    """``f``, recorded as one hyperedge whose forward pass is recomputed during backward.

    Memory for ``f``'s intermediate values is released after the forward pass
    and needed again only while the backward sweep crosses the segment.

    >>> import semigrad as sg
    >>> w = sg.tensor(np.full((3, 3), 0.1), requires_grad=True)
    >>> block = sg.checkpoint(lambda h: sg.tanh(h @ w))
    >>> x = sg.tensor(np.ones((2, 3)), requires_grad=True)
    >>> sg.sum(block(block(x))).backward()
    >>> w.grad.shape, x.grad.shape
    ((3, 3), (2, 3))
    """

    @functools.wraps(f)
    def wrapped(*args):
        if not any(isinstance(a, Tensor) and (a.requires_grad or a._prim is not None)
                   for a in args):
            return f(*args)  # nothing to differentiate through the arguments
        leaves = [Tensor(getattr(a, "value", a), requires_grad=True) for a in args]
        result = f(*leaves)
        if not isinstance(result, Tensor):
            raise TypeError(
                f"checkpoint({getattr(f, '__name__', 'f')}): the function must return one "
                f"Tensor; got {type(result).__name__}"
            )
        externals = _external_tensors(result, min(t._id for t in leaves))
        params = {"fn": f, "n_args": len(args), "externals": tuple(externals)}
        # Recorded like any primitive call, with the output already computed.
        return CHECKPOINT._apply((*args, *externals), params, value=result.value)

    return wrapped


def _external_tensors(result, min_id):
    """Traced tensors recorded before the segment began that the segment consumed."""
    seen, stack, found = set(), [result], []
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t._id < min_id:
            if t.requires_grad:
                found.append(t)
            continue
        stack.extend(a for a in (t._inputs or ()) if isinstance(a, Tensor))
    return sorted(found, key=lambda t: t._id)
