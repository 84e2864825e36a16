"""The forward sweep: tangents flow from inputs to outputs (forward mode).

True forward mode, derived from each primitive's declaration
(``prim.jvp``), not a transposed reverse pass: the function is recorded from
fresh input nodes, then the nodes between those inputs and the outputs are
visited in creation order (a topological order) and each pushes the tangents
of its inputs through its local Jacobian. Tangents may carry leading batch
axes, so a whole Jacobian is one sweep seeded with an identity batch.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .. import anomaly, context
from ..tensor import Tensor, saved_values
from .reverse import _check_saved


def sweep(inputs, tangents, outputs, *, create_graph=False):
    """Push ``tangents`` of the recorded leaves ``inputs`` forward to ``outputs``.

    Returns one tangent per output (None where an output does not depend on
    the inputs).
    """
    min_id = min(t._id for t in inputs)
    tangent = {x._id: t for x, t in zip(inputs, tangents) if t is not None}
    seen = set()
    stack = [o for o in outputs if isinstance(o, Tensor) and o._id >= min_id]
    nodes = []
    while stack:
        n = stack.pop()
        if n._id in seen:
            continue
        seen.add(n._id)
        if n._inputs is None:
            continue
        nodes.append(n)
        for a in n._inputs:
            if type(a) is Tensor and a._id >= min_id and a._id not in seen:
                stack.append(a)
    nodes.sort(key=lambda n: n._id)
    check = context.current().anomaly
    # With anomaly mode on, a NaN or Inf is reported in words (anomaly.check_rule): NumPy's
    # floating-point warnings would only repeat it, as in the forward pass (primitives/base.py).
    with np.errstate(all="ignore") if check else contextlib.nullcontext():
        for n in nodes:
            if not n.requires_grad:
                continue
            inputs_ = n._inputs
            ts = [tangent.get(a._id) if type(a) is Tensor else None for a in inputs_]
            if all(t is None for t in ts):
                continue
            saved = saved_values(n)
            for k, a in enumerate(inputs_):
                if type(a) is Tensor and a.value is not saved[k]:
                    _check_saved(n, inputs_, saved)
            if create_graph:
                xs, out = inputs_, n
            else:
                xs, out = saved, n.value
            t = n._prim.jvp(ts, xs, out, n._params)
            if check:
                anomaly.check_rule(n, "(all)", t, "forward")
            if t is not None:
                tangent[n._id] = t
    return [tangent.get(o._id) if isinstance(o, Tensor) else None for o in outputs]
