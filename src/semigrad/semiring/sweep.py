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
``Graph.scalarize()``. The sweep reads only each primitive's kind and
declaration, never its name.
"""

from __future__ import annotations

import numpy as np

from ..primitives.multilinear import _vjp_equations, parse_equation
from .algebras import Semiring

#: Elements of the largest intermediate array in a blocked semiring einsum.
BLOCK_ELEMENTS = 1 << 22


def _size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def edge_vjp(S: Semiring, edge, i: int, g):
    """The semiring cotangent of input ``i`` of ``edge`` given its output's ``g``."""
    prim, params = edge.prim, edge.params
    xs = [n.value for n in edge.inputs]
    out = edge.output.value
    in_shape, out_shape = np.shape(xs[i]), np.shape(out)
    if prim.kind == "multilinear":
        return einsum_vjp(S, params["eq"], i, g, xs)
    if prim.kind == "elementwise":
        p = np.broadcast_to(np.asarray(prim.partials[i](*xs, out, **params)), out_shape)
        value = S.times(g, S.lift(p))
        lead = len(out_shape) - len(in_shape)
        axes = tuple(range(lead)) + tuple(
            lead + k for k, d in enumerate(in_shape) if d == 1 and out_shape[lead + k] != 1
        )
        return S.reduce(value, axes).reshape((S.components, *in_shape))
    src, dst, w = prim.scalar_edges(i, xs, out, params)
    flat = g.reshape(S.components, -1)
    z = S.zeros((_size(in_shape),))
    if src.size:
        S.plus_at(z, src, S.times(flat[:, dst], S.lift(w)))
    return z.reshape((S.components, *in_shape))


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


def sweep(graph, S: Semiring, keep: bool = False) -> dict:
    """Semiring adjoints ``{node index: array}`` of the input nodes (of all nodes with ``keep``).

    Every output element is seeded with 1̄. A graph with complex values has only the
    ordinary adjoints: a semiring whose operations are the engine's (``reverse_rules``,
    i.e. Real) runs each primitive's own reverse rule, in the convention of
    :mod:`~semigrad.primitives.complex`; the others refuse it.
    """
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
            if node.kind == "constant" or not edge.prim.has_partial(i):
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


# ---- the semiring einsum ------------------------------------------------------


def _arrange(a, sub: str, letters: str, size: dict):
    """A semiring operand (C, *sub axes) laid out on the grid of ``letters``."""
    sub = list(sub)
    while len(set(sub)) < len(sub):  # a repeated letter: take the diagonal
        c = next(c for c in sub if sub.count(c) > 1)
        j, k = [n for n, d in enumerate(sub) if d == c][:2]
        a = np.diagonal(a, axis1=j + 1, axis2=k + 1)
        sub = [d for n, d in enumerate(sub) if n not in (j, k)] + [c]
    perm = [0] + [1 + sub.index(c) for c in letters if c in sub]
    a = a.transpose(perm)
    return a.reshape((a.shape[0], *(size[c] if c in sub else 1 for c in letters)))


def contract(S: Semiring, eq: str, operands):
    """⊕ over the summed letters of the ⊗ of semiring operands (C, *shape), blocked."""
    fast = S.contract(eq, operands)
    if fast is not None:
        return fast
    ins, out = parse_equation(eq)
    # Output letters first and summed letters last, so that ⊕ reduces contiguous axes.
    letters = out + "".join(c for c in dict.fromkeys("".join(ins)) if c not in out)
    size = {}
    for sub, a in zip(ins, operands):
        size.update(zip(sub, a.shape[1:]))
    grid = [_arrange(a, sub, letters, size) for sub, a in zip(ins, operands)]
    summed = tuple(k for k, c in enumerate(letters) if c not in out)
    total = S.components * _size([size[c] for c in letters])
    block_axis = max(summed, key=lambda k: size[letters[k]], default=None)
    if block_axis is None or total <= BLOCK_ELEMENTS:
        chunks = [slice(None)]
    else:
        step = max(1, size[letters[block_axis]] * BLOCK_ELEMENTS // total)
        chunks = [slice(s, s + step) for s in range(0, size[letters[block_axis]], step)]
    acc = None
    for chunk in chunks:
        parts = grid
        if block_axis is not None and chunk != slice(None):
            index = (slice(None),) * (block_axis + 1) + (chunk,)
            parts = [p[index] if p.shape[block_axis + 1] > 1 else p for p in grid]
        value = parts[0]
        for p in parts[1:]:
            value = S.times(value, p)
        # Every letter occurs in some operand, so ``value`` spans the whole grid.
        value = S.reduce(value, summed)
        acc = value if acc is None else S.plus(acc, value)
    kept = [c for c in letters if c in out]
    return acc.transpose([0] + [1 + kept.index(c) for c in out])


def einsum_vjp(S: Semiring, eq: str, i: int, g, xs):
    """The semiring cotangent of operand ``i`` of a contraction."""
    ins, out = parse_equation(eq)
    eq1, _, kept, avail = _vjp_equations(eq, i, 0)
    others = [S.lift(np.asarray(x)) for j, x in enumerate(xs) if j != i]
    r = contract(S, eq1, [g, *others])
    target = ins[i]
    if kept == target:
        return r
    shape = np.shape(xs[i])
    size = dict(zip(target, shape))
    if len(set(target)) == len(target):  # only broadcast letters: copies
        placed = r.reshape((S.components, *(size[c] if c in kept else 1 for c in target)))
        return np.broadcast_to(placed, (S.components, *shape)).copy()
    # A repeated letter: values on the diagonal, 0̄ elsewhere.
    z = S.zeros(shape)
    idx = np.indices(shape).reshape(len(shape), -1)
    first = {c: target.index(c) for c in target}
    on_diag = np.all([idx[k] == idx[first[c]] for k, c in enumerate(target)], axis=0)
    src = tuple(idx[first[c]][on_diag] for c in kept)
    flat_z = z.reshape(S.components, -1)
    cols = np.flatnonzero(on_diag)
    values = r[(slice(None), *src)] if kept else r[:, None]  # no kept letter: one value
    flat_z[:, cols] = np.broadcast_to(values, (S.components, cols.size))
    return z
