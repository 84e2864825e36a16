"""The backward sweep in any semiring, over a recorded Graph, element by element.

For each hyperedge, in reverse topological order, the adjoint of its output
(a semiring array) is pushed to each input through the primitive's declared
Jacobian, lifted into the semiring:

* elementwise: g ⊗ lift(∂out/∂in), then ⊕ over the broadcast axes;
* linear maps and reductions: through their scalar edges, a gather of g and
  a ⊕-scatter into the input (``Semiring.plus_at``);
* multilinear: a semiring einsum of g with the lifted other operands, in
  blocks so that memory stays bounded.

With backpointers (:func:`sweep_pointers`, in a k-max semiring), every node
keeps, for each of its k best values, the scalar edge and the rank at the
edge's output that it came from: the k best paths are then read back by
following pointers, with no second sweep.

The result at an input element is the ⊕ over all paths from it to the output
of the ⊗ of the lifted scalar edge weights: exactly brute-force enumeration on
``Graph.scalarize()``. The kinds own these rules (``semiring_vjp`` of
:mod:`semigrad.primitives.base`); the sweep never looks at a kind or a name.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..primitives.multilinear import BLOCK_ELEMENTS, semiring_contract  # noqa: F401
from .algebras import Semiring

#: The blocked semiring einsum (declared with the multilinear kind), by its old name.
contract = semiring_contract


def edge_vjp(S: Semiring, edge, i: int, g):
    """The semiring cotangent of input ``i`` of ``edge`` given its output's ``g``.

    The primitive's kind computes it (``Primitive.semiring_vjp``): elementwise
    partials lifted and ⊕-unbroadcast, contractions as blocked semiring einsums,
    every other kind through its scalar edges.
    """
    xs = [n.value for n in edge.inputs]
    return edge.prim.semiring_vjp(S, i, g, xs, edge.output.value, edge.params)


def _complex_node(graph):
    return next((n for n in graph.nodes if np.iscomplexobj(n.value)), None)


def refuse_complex(graph, where: str):
    """Semiring sweeps and path analyses weigh edges with real partials: no complex nodes."""
    node = _complex_node(graph)
    if node is not None:
        raise TypeError(
            f"{where}: node {node.index} ({node.label}, shape {np.shape(node.value)}) holds "
            "complex values; semiring sweeps and path analyses need a real-valued graph "
            "(use sg.grad / sg.vjp for complex functions)"
        )


def refuse_foreign(graph, where: str):
    """Semiring sweeps and path analyses run on NumPy: a graph recorded on another library's
    arrays (PyTorch, Dask, CuPy, array-api-strict) is refused with the way to a NumPy one."""
    for node in graph.nodes:
        lib = backend.library(node.value)
        if lib is not None:
            raise TypeError(
                f"{where}: node {node.index} ({node.label}, shape {tuple(node.value.shape)}) "
                f"holds {lib} values; semiring sweeps and path analyses run on NumPy only: "
                "trace the function on NumPy inputs (semigrad.backend.to_numpy converts an "
                "array explicitly: a copy from the device, or a Dask computation)"
            )


def swept_inputs(edge):
    """The ``(position, node)`` of ``edge``'s inputs that paths enter: not constants, and
    with a declared partial. An input the primitive refuses to differentiate (its
    ``unprovided`` error, e.g. a NoDerivative argument) raises here rather than reading
    as zero; one without a partial by nature (an index) is skipped."""
    for i, node in enumerate(edge.inputs):
        if node.kind == "constant":
            continue
        if not edge.prim.has_partial(i):
            error = edge.prim.unprovided(i, [n.value for n in edge.inputs])
            if error is not None:
                raise error
            continue
        yield i, node


def sweep(graph, S: Semiring, keep: bool = False) -> dict:
    """Semiring adjoints ``{node index: array}`` of the input nodes (of all nodes with ``keep``).

    Every output element is seeded with 1̄. A graph with complex values has only the
    ordinary adjoints: a semiring whose operations are the engine's (``reverse_rules``,
    i.e. Real) runs each primitive's own reverse rule, in the convention of
    :mod:`~semigrad.primitives.complex`; the others refuse it.
    """
    refuse_foreign(graph, f"semiring sweep ({type(S).__name__})")
    complex_real = S.reverse_rules and _complex_node(graph) is not None
    if not complex_real:
        refuse_complex(graph, f"semiring sweep ({type(S).__name__})")
    adjoint: dict[int, np.ndarray] = {}
    for node in graph.outputs:
        if node.kind != "constant":
            seed = S.ones(node.shape)
            adjoint[node.index] = (S.plus(adjoint[node.index], seed)
                                   if node.index in adjoint else seed)
    kept = {}
    for edge in reversed(graph.edges):
        key = edge.output.index
        g = adjoint.pop(key, None)
        if g is None:
            continue
        if keep:
            kept[key] = g
        for i, node in swept_inputs(edge):
            if complex_real:  # g carries Real's one-component axis: a batch of one seed
                contribution = edge.prim.vjp(i, g, [n.value for n in edge.inputs],
                                             edge.output.value, edge.params)
            else:
                contribution = edge_vjp(S, edge, i, g)
            if node.index in adjoint:
                adjoint[node.index] = S.plus(adjoint[node.index], contribution)
            else:
                adjoint[node.index] = contribution
    kept.update(adjoint)
    return kept




def sweep_pointers(graph, S) -> tuple[dict, dict]:
    """The k best values of every node with backpointers, in one sweep.

    ``S`` is a :class:`~semigrad.semiring.algebras.KMax` (or a subclass). Returns
    ``(found, hops)``. ``found[node index]`` holds ``value`` (k, *shape), S's k best
    values from each element to the outputs, and per value its backpointer, arrays of
    the same shape: the hyperedge ``edge`` and input ``position`` the path leaves by
    (``edge`` −1: it ends here, at an output; none where the value is −inf), which of that
    input's scalar edges it takes (``where``), the ``rank`` of the value it
    continues with at the edge's output and the ``length`` (hops) of the path.
    ``hops[(edge, position)](element, where)`` gives that scalar edge's (output
    element, term, partial). Equal values keep the shorter path, then the pointer
    first in (edge, position, term, rank) order.
    """
    refuse_foreign(graph, f"backpointer sweep ({type(S).__name__})")
    refuse_complex(graph, f"backpointer sweep ({type(S).__name__})")
    found: dict[int, dict] = {}
    hops = {}
    for node in graph.outputs:
        if node.kind != "constant":
            value = S.ones(node.shape)
            zero = np.zeros(value.shape, dtype=np.int64)
            seed = _pointers(value, -1, 0, zero, zero, zero)
            found[node.index] = _best(S, found.get(node.index), seed)
    kept = {}
    for edge in reversed(graph.edges):
        g = found.pop(edge.output.index, None)
        if g is None:
            continue
        kept[edge.output.index] = g
        xs = [n.value for n in edge.inputs]
        for i, node in swept_inputs(edge):
            value, where, rank, length, hop = edge.prim.semiring_pointers(
                S, i, g["value"], g["length"], xs, edge.output.value, edge.params)
            hops[edge.index, i] = hop
            found[node.index] = _best(S, found.get(node.index),
                                      _pointers(value, edge.index, i, where, rank, length))
    kept.update(found)
    return kept, hops


def _pointers(value, edge: int, position: int, where, rank, length) -> dict:
    """A value with its backpointers (meaningless where the value is −inf: no path)."""
    return {"value": value, "edge": np.broadcast_to(np.int64(edge), value.shape),
            "position": np.broadcast_to(np.int64(position), value.shape),
            "where": where, "rank": rank, "length": length}


def _best(S, a, b):
    """The k best of a node's candidates from two sources, ties to the shorter path, then
    to the earlier pointer.

    Candidates from one (edge, position) arrive already in order, so sorting stably on
    (value, length, edge, position) keeps the tie rule.
    """
    if a is None:
        return b
    both = {f: np.concatenate([a[f], b[f]]) for f in a}
    order = np.lexsort([both["position"], both["edge"], both["length"], -both["value"]],
                       axis=0)
    order = order[: S.components]
    return {f: np.take_along_axis(v, order, axis=0) for f, v in both.items()}
