"""``sg.vmap``: a function of one example mapped over a batch axis, derived from the declarations.

The function is traced once on one example (the recorded graph semigrad already builds) and
the graph replayed on the whole batch, each primitive through its kind's batching rule
(:meth:`~semigrad.primitives.base.Primitive.batch`): elementwise primitives broadcast,
linear index maps, reductions and linear algebra act on trailing axes already (their rules
take leading batch axes), a contraction gets one more letter, and anything else runs once
per example. The replay goes through the primitives themselves, so ``sg.grad`` of a mapped
function differentiates it, and a mapped ``sg.grad`` gives per-example gradients in one call.

>>> import numpy as np
>>> import semigrad as sg
>>> xs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> sg.vmap(lambda x: sg.sum(x ** 2))(xs).tolist()
[5.0, 25.0, 61.0]
>>> w = np.array([0.5, -1.0])
>>> sg.vmap(sg.grad(lambda w, x: sg.sum(w * x) ** 2), in_axes=(None, 0))(w, xs).tolist()
[[-3.0, -6.0], [-15.0, -20.0], [-35.0, -42.0]]
"""

from __future__ import annotations

import contextvars
import functools

import numpy as np

from . import backend, context, ops
from .autodiff.api import _input_value, _new_leaf
from .autodiff.tree import flatten, unflatten
from .graph import graph_of
from .tensor import Tensor

__all__ = ["vmap"]


def _is_array(x) -> bool:
    """An array or a float (mapped, or an input of the trace); Python ints, strings and other
    objects are static: the trace closes over them."""
    return isinstance(x, Tensor | np.ndarray | float | np.generic) or (
        backend.library(x) is not None)


def _axes_per_leaf(name, axes, args):
    """``in_axes`` spread over the leaves of ``args`` (an int or None per positional argument,
    or one for all)."""
    if isinstance(axes, int) or axes is None:
        axes = (axes,) * len(args)
    axes = tuple(axes)
    if len(axes) != len(args):
        raise ValueError(f"{name}: in_axes has {len(axes)} entries for {len(args)} arguments; "
                         "give one per positional argument (an int, or None for unmapped)")
    out = []
    for a, arg in zip(axes, args):
        leaves, _ = flatten(arg)
        out.extend([a if _is_array(x) else None for x in leaves])
    return out


def _shape(x) -> tuple:
    return tuple(getattr(x, "shape", np.shape(x)))


def vmap(f, in_axes=0, out_axes=0):
    """``f`` mapped over an axis of its arguments, as ``jax.vmap``.

    ``in_axes``: for each positional argument the axis that is mapped (an int, also
    negative) or None (the argument is shared by every example); one int or None for all.
    ``out_axes``: where the batch axis goes in every output (an int). The function is
    traced once per call on one example and replayed on the batch through the primitives'
    batching rules (see the module), so Python control flow on traced values is refused
    (use ``sg.where``), and the result equals a Python loop over the examples.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> sg.vmap(lambda a, b: a @ b, in_axes=(0, None))(np.ones((4, 2, 3)), np.ones(3)).shape
    (4, 2)
    """
    name = f"vmap({getattr(f, '__name__', 'f')})"

    @functools.wraps(f)
    def mapped(*args):
        leaves, spec = flatten(args)
        axes = _axes_per_leaf(name, in_axes, args)
        sizes = {}
        moved = []
        for k, (x, a) in enumerate(zip(leaves, axes)):
            if a is None:
                moved.append(x)
                continue
            shape = _shape(getattr(x, "value", x))
            if not shape:
                raise ValueError(f"{name}: leaf {k} is a scalar; it has no axis {a} to map "
                                 "over (give it in_axes None)")
            ax = a % len(shape)
            sizes[k] = shape[ax]
            moved.append(x if ax == 0 else ops.moveaxis(x, ax, 0))
        if not sizes:
            raise ValueError(f"{name}: in_axes maps no argument; map at least one axis")
        if len(set(sizes.values())) > 1:
            raise ValueError(f"{name}: the mapped axes have different lengths "
                             f"{sorted(set(sizes.values()))} (leaves {sorted(sizes)}); they "
                             "must all have the batch's length")
        size = next(iter(sizes.values()))
        batched = [a is not None for a in axes]
        graph, examples_out = _trace(f, name, moved, batched, spec)
        outs = _replay(graph, moved, batched, size)
        results = []
        for value, batched in outs:
            if not batched:  # the output does not depend on the mapped inputs: every example's
                value = ops.broadcast_to(value, (size, *_shape(getattr(value, "value", value))))
            ax = out_axes % len(_shape(getattr(value, "value", value)))
            if ax:
                value = ops.moveaxis(value, 0, ax)
            results.append(value if isinstance(value, Tensor) or context.current().depth
                           else backend.unwrap(value))
        return unflatten(examples_out, results)

    return mapped


def _trace(f, name, moved, batched, spec):
    """The graph of ``f`` on one example (the first), its array leaves all inputs."""
    example = [getattr(x, "value", x)[0, ...] if b and _is_array(x) else x
               for x, b in zip(moved, batched)]
    return trace_static(f, name, example, spec)


def trace_static(f, name, leaves, spec, guards=None):
    """The graph of ``f`` on the arguments ``leaves`` (of structure ``spec``), to be replayed
    on other values (sg.vmap, sg.jit): every array leaf is an input (integers and booleans
    through a recorded cast), other leaves are closed over, and Python control flow on
    traced values is refused while ``f`` runs. Returns ``(graph, output structure)``.

    ``guards``: a list that collects the checks of the shortcuts rules take for the traced
    values (sg.jit; see ``elementwise._everywhere``); they follow the outputs among the
    graph's outputs. None: rules record their general formulas."""
    example = []
    lifted = []
    for x in leaves:
        if not _is_array(x):
            example.append(x)
            continue
        v = getattr(x, "value", x)
        kind = (backend.wrap(v).dtype if backend.library(v) is not None  # another library's
                else np.result_type(getattr(v, "dtype", type(v)))).kind
        if kind in "iub":
            # Integers and booleans (labels, indices, masks) enter as a float input cast
            # back: the cast is recorded, so what the function does with them replays too.
            t = Tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
            lifted.append(t)
            example.append(ops.astype(t, np.asarray(v).dtype))
            continue
        # a read-only view of the caller's array, as a transform's inputs are: no copy
        t = _new_leaf(_input_value(v, name, "an argument"))
        lifted.append(t)
        example.append(t)
    state = context.current()
    floor = lifted[0]._id if lifted else state.floor

    def run():
        context.push(context.State(state.depth + 1, min(floor, state.floor), state.anomaly,
                                   True, True, guards))
        return f(*unflatten(spec, example))

    result = contextvars.copy_context().run(run)
    outs, out_spec = flatten(result)
    outs = [o if isinstance(o, Tensor) else Tensor(o) for o in [*outs, *(guards or ())]]
    return graph_of(outs, lifted, in_spec=spec, out_spec=out_spec, name=name), out_spec


def _replay(graph, moved, batched, size):
    """The graph's outputs on the batch: (value, batched) each."""
    env: dict[int, tuple] = {}
    for node in graph.nodes:
        if node.kind == "constant":
            env[node.index] = (node.value, False)
    arrays = [(x, b) for x, b in zip(moved, batched) if _is_array(x)]
    for node, (x, b) in zip(graph.inputs, arrays):
        env[node.index] = (x, b)
    for e in graph.edges:
        ins = [env[n.index] for n in e.inputs]
        flags = [b for _, b in ins]
        xs = [v for v, _ in ins]
        if any(flags):
            out = e.prim.batch(xs, flags, size, e.params)
        else:
            out = e.prim(*xs, **e.params)
        env[e.output.index] = (out, any(flags))
    return [env[n.index] for n in graph.outputs]
