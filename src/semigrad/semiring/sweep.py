"""The backward sweep in any semiring, over a recorded Graph, element by element.

For each hyperedge, in reverse topological order, the adjoint of its output
(a semiring array) is pushed to each input through the primitive's declared
Jacobian, lifted into the semiring:

* elementwise: g ⊗ lift(∂out/∂in), then ⊕ over the broadcast axes;
* linear maps and reductions: through their scalar edges, a gather of g and
  a ⊕-scatter into the input (``Semiring.plus_at``);
* multilinear: a semiring einsum of g with the lifted other operands, in
  blocks so that memory stays bounded.

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
        for i, node in enumerate(edge.inputs):
            if node.kind == "constant":
                continue
            if not edge.prim.has_partial(i):
                error = edge.prim.unprovided(i, [n.value for n in edge.inputs])
                if error is not None:
                    raise error
                continue
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


