"""The reverse sweep: adjoints flow from outputs to inputs in one pass.

Nodes are visited in decreasing creation order (``Tensor._id``), which is a
reverse topological order, through a heap: a node is processed only after
every consumer that can reach the outputs, and its adjoint is released at
that moment. The loop is iterative, so a chain of a million operations needs
no recursion. Each hyperedge contributes ``prim.vjp(i, ...)``, the rule
derived from the primitive's declaration; the sweep never looks at which
primitive it is.

With ``create_graph=True`` the rules receive Tensors and are recorded, so
the gradients are differentiable; otherwise they receive arrays and nothing
is recorded.
"""

from __future__ import annotations

import heapq

import numpy as np

from .. import anomaly, backend, context
from ..primitives import complex as _C
from ..tensor import Tensor


def _freed_error(node):
    return RuntimeError(
        f"backward through the graph a second time: the values saved by {node._prim.name!r} "
        "were released after the first backward; pass retain_graph=True to the first call"
    )


def sweep(outputs, seeds, wrt=None, **options):
    """Reverse sweep (see :func:`_sweep`), with anomaly checks when anomaly mode is on here.

    It changes no state: rules that share work between inputs get all of them in
    one call (``Primitive.vjp_many``), so nothing is kept between calls.
    """
    if not context.current().anomaly:
        return _sweep(outputs, seeds, wrt, check=False, **options)
    # A NaN or Inf is reported in words (anomaly.check_rule): NumPy's floating-point
    # warnings would only repeat it, as in the forward pass (primitives/base.py).
    with np.errstate(all="ignore"):
        return _sweep(outputs, seeds, wrt, check=True, **options)


def _replaced_error(node, position, a):
    origin = getattr(node, "_origin", None)
    where = (f"recorded at {context.where(origin)}" if origin else
             "record the forward pass inside sg.detect_anomaly() to see the line that recorded it")
    what = "a leaf" if a._prim is None else f"the output of {a._prim.name!r}"
    return RuntimeError(
        f"backward: input {position} of {node._prim.name!r} (node {node._id}; {what}, shape "
        f"{a.shape}) changed after {node._prim.name!r} saved it ({where}): its .value was "
        "replaced (an optimiser step or an assignment between the forward pass and this "
        "backward). The gradient would mix old and new values: run the forward pass again "
        "after updating, or update after the last backward"
    )


def _check_saved(node, inputs, saved):
    """Refuse a sweep through a node whose Tensor inputs' values were replaced after recording."""
    for k, a in enumerate(inputs):
        if type(a) is Tensor and a.value is not saved[k]:
            v, s = a.value, saved[k]
            if np.shape(v) != np.shape(s) or not np.array_equal(v, s, equal_nan=True):
                raise _replaced_error(node, k, a)


def _sweep(outputs, seeds, wrt=None, *, create_graph=False, retain_graph=True, accumulate=False,
           check=False):
    """Reverse sweep from ``outputs`` (Tensors) with cotangents ``seeds``.

    Returns ``{id: adjoint}`` for the tensors in ``wrt`` (when given). Seeds
    may carry leading batch axes. With ``accumulate``, leaf adjoints are
    added into ``.grad`` (the eager face).
    """
    min_id = min(t._id for t in wrt) if wrt else -1
    wanted = {t._id for t in wrt} if wrt else None
    adjoint = {}
    heap = []
    for out, seed in zip(outputs, seeds):
        if not out.requires_grad or out._id < min_id:
            continue
        if out._id in adjoint:
            adjoint[out._id] = adjoint[out._id] + seed
        else:
            adjoint[out._id] = seed
            heap.append((-out._id, out))
    heapq.heapify(heap)
    results = {}
    handed_out: set[int] = set()
    pop, push = heapq.heappop, heapq.heappush
    tensor_type = Tensor
    while heap:
        node = pop(heap)[1]
        key = node._id
        g = adjoint.pop(key)
        if wanted is not None and key in wanted:
            results[key] = g
        inputs = node._inputs
        if inputs is None:
            if node._prim is not None:
                raise _freed_error(node)
            if accumulate:
                if id(g) in handed_out:  # one array reached two leaves: give each its own
                    g = g.copy()
                handed_out.add(id(g))
                _accumulate_grad(node, g)
                if not retain_graph:
                    _thaw(node)
            continue
        if key == min_id:
            continue
        vjp, params = node._prim.vjp, node._params
        n = len(inputs)  # the saved values (tensor.saved_values, inline)
        saved = (node._s0, node._s1) if n == 2 else (node._s0,) if n == 1 else node._sn
        if create_graph:
            xs, out = inputs, node
        else:
            xs, out = saved, node.value
        shared = None
        if node._prim.shares_work:  # every needed input's cotangent in one call
            needed = [i for i, a in enumerate(inputs) if type(a) is tensor_type
                      and a.requires_grad and a._id >= min_id]
            shared = dict(zip(needed, node._prim.vjp_many(needed, g, xs, out, params)))
        i = -1
        for a in inputs:
            i += 1
            if type(a) is not tensor_type:
                continue
            if a.value is not saved[i]:
                _check_saved(node, inputs, saved)
            if not a.requires_grad:
                continue
            k = a._id
            if k < min_id:
                continue
            gi = vjp(i, g, xs, out, params) if shared is None else shared[i]
            if check:
                anomaly.check_rule(node, i, gi, "reverse")
            if k in adjoint:
                adjoint[k] = adjoint[k] + gi
            else:
                adjoint[k] = gi
                push(heap, (-k, a))
        if not retain_graph:
            node._inputs = None
            if n == 2:
                node._s0 = node._s1 = None
            elif n == 1:
                node._s0 = None
            else:
                node._sn = None
    return results


def _thaw(leaf):
    """After the graph is released: give a leaf a writable copy of its frozen value.

    Recording froze the leaf's array (see ``primitives.base.protect``); once
    this graph no longer needs it, ``w.value -= lr * w.grad`` should work, as
    in PyTorch. Other graphs that saved the old array keep it, unchanged.
    """
    leaf.value = writable(leaf.value)


def _accumulate_grad(leaf, g):
    g = g.value if isinstance(g, Tensor) and not g.requires_grad else g
    if not isinstance(g, Tensor) and (isinstance(g, backend.Array)
                                      or backend.library(leaf.value) is not None):
        # computed in another library (a lazy Dask array, a GPU tensor): .grad stays there
        g = backend.like(g, leaf.value)  # a NumPy gradient for a leaf of another library
        if g.dtype != leaf.dtype and leaf.dtype.kind in "fc":
            g = g.astype(leaf.dtype)
        g = g.raw
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    if not isinstance(g, Tensor):
        g = np.asarray(g)
        if g.dtype != leaf.dtype and leaf.dtype.kind in "fc":
            g = g.astype(leaf.dtype)
        g = writable(g)
    leaf.grad = g if leaf.grad is None else leaf.grad + g


def _seed_for(out, seed, name, keyword="seed=", batched=True):
    if seed is None:
        if np.ndim(out.value) != 0:
            raise ValueError(
                f"{name}: the output has shape {out.shape}; {name} without a seed needs a "
                f"scalar output: reduce it (e.g. .sum()) or pass {keyword} with the output's "
                "shape"
            )
        if np.iscomplexobj(out.value):
            raise TypeError(
                f"{name}: the output is complex ({out.dtype}); {name} without a seed needs a real "
                f"output: take .real or abs() first, or pass {keyword} (the cotangent; with "
                "seed=1 the result is the holomorphic derivative)"
            )
        return np.ones_like(out.value)[()]
    value = seed.value if isinstance(seed, Tensor) and not seed.requires_grad else seed
    _C.require_real(name, "seed", value, "output", out.dtype)
    if type(out.value) is backend.Array and not isinstance(value, Tensor):
        value = backend.like(value, out.value)  # the sweep runs in the output's library
        value = value if value.dtype == out.dtype else value.astype(out.dtype)
    elif not isinstance(value, Tensor):
        value = np.asarray(value, dtype=out.dtype)[()]
    vshape = np.shape(value.value if isinstance(value, Tensor) else value)
    if not batched and vshape != out.shape:
        raise ValueError(
            f"{name}: seed of shape {vshape} for an output of shape {out.shape}; the seed must "
            "have the output's shape (as in PyTorch). For a batch of seeds use "
            "sg.autograd.grad(out, inputs, seeds) or sg.vjp, which accept leading batch axes"
        )
    if vshape[len(vshape) - out.ndim :] != out.shape:
        raise ValueError(
            f"{name}: seed of shape {vshape} does not end with the output's shape "
            f"{out.shape}; pass a cotangent of that shape (leading batch axes are allowed)"
        )
    return value


def backward(out, seed=None, *, retain_graph=None, create_graph=False):
    """``out.backward(seed)``: accumulate into ``.grad`` of the leaves (PyTorch semantics)."""
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad (no input it depends on was created "
            "with requires_grad=True)"
        )
    s = _seed_for(out, seed, "backward", batched=False)
    if create_graph and not isinstance(s, Tensor):
        s = Tensor(s)
    if retain_graph is None:
        retain_graph = create_graph
    sweep([out], [s], None, create_graph=create_graph, retain_graph=retain_graph, accumulate=True)


def grad(outputs, inputs, seeds=None, *, create_graph=False, retain_graph=None):
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    ``outputs`` and ``inputs`` are Tensors or sequences of them; ``seeds`` the
    cotangents (needed for non-scalar outputs). Returns a tuple with one
    gradient per input (zeros where an input does not influence the outputs).

    >>> import semigrad as sg
    >>> x = sg.tensor(3.0, requires_grad=True)
    >>> sg.autograd.grad(x ** 2, x)
    (np.float64(6.0),)
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for k, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise ValueError(
                f"autograd.grad: input {k} does not require grad; create it with "
                "requires_grad=True"
            )
    if seeds is None:
        seeds = [None] * len(outs)
    elif isinstance(seeds, Tensor | np.ndarray | float | int):
        seeds = [seeds]
    if len(seeds) != len(outs):
        raise ValueError(f"autograd.grad: {len(seeds)} seeds for {len(outs)} outputs")
    live = [(o, _seed_for(o, s, "autograd.grad", "seeds=")) for o, s in zip(outs, seeds)
            if isinstance(o, Tensor) and o.requires_grad]
    if create_graph:
        live = [(o, s if isinstance(s, Tensor) else Tensor(s)) for o, s in live]
    if retain_graph is None:
        retain_graph = create_graph
    res = sweep([o for o, _ in live], [s for _, s in live], ins, create_graph=create_graph,
                retain_graph=retain_graph)
    batch = ()
    if live:
        s0 = live[0][1]
        batch = np.shape(getattr(s0, "value", s0))[: np.ndim(getattr(s0, "value", s0))
                                                     - live[0][0].ndim]
    return tuple(
        writable(res[t._id]) if t._id in res else np.zeros(batch + t.shape, dtype=t.dtype)[()]
        for t in ins
    )


def writable(x):
    """An array handed back to the caller: writable, like NumPy's results (a copy if frozen)."""
    if type(x) is np.ndarray and not x.flags.writeable:
        return x.copy()
    return x
