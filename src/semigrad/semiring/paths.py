"""Bauer paths made concrete: scalarisation, enumeration, top-k paths and the conveniences.

Bauer's formula: ∂y/∂x_j = Σ over all paths from x_j to y of the product of
the local partials on the path. :func:`scalarize` gives the scalar
hypergraph whose paths those are (one node per array element, one edge per
entry of each primitive's Jacobian pattern); :func:`enumerate_paths` lists
them (a brute-force oracle, exponential in general); :func:`backprop` is the
dynamic program that shares them, in any semiring; :func:`top` reads the k
best paths back exactly, best first, by following the backpointers that one
k-max sweep records (:func:`~semigrad.semiring.sweep.sweep_pointers`).

Each function takes ``(y, wrt)``: an eager output Tensor and a Tensor or list
of Tensors it was computed from, or a :class:`~semigrad.graph.Graph` and
input positions (None: all inputs). Paths name an eager input as the
Tensor's ``name``, else as the caller's variable holding it, else
``input0``, ``input1``, ...; a traced Graph's inputs are named by its
function's parameters.

Ties between equal path weights go to the path with fewer hops, then to
the one whose start comes first (inputs in the order given, their elements
in flat (C) order), then to the one whose first differing hop comes first:
hyperedges in graph order, argument positions, and scalar edges in the order
of their ``term`` (for a contraction, the flat order of the grid of its
letters): the order in which a breadth-first search discovers them. Paths
of weight 0 come after all others, those with fewer zero partials first; among
those, the order is not promised (a zero partial makes paths equal that were
not equal where the sweep chose between them).
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field

import numpy as np

from ..graph import Graph, graph_of
from ..tensor import Tensor
from . import sweep as _sweep
from .algebras import (
    AbsSum,
    Boolean,
    Counting,
    Entropy,
    KMax,
    MaxProduct,
    Semiring,
)
from .sweep import sweep


def _graph_and_inputs(y, wrt):
    """(graph, input nodes, single) for an eager output or a traced Graph."""
    if isinstance(y, Graph):
        nodes = y.inputs if wrt is None else (
            [y.inputs[wrt]] if isinstance(wrt, int) else [y.inputs[k] for k in wrt]
        )
        return y, nodes, isinstance(wrt, int)
    if not isinstance(y, Tensor):
        raise TypeError(
            f"paths: expected an output Tensor or a Graph; got {type(y).__name__}: record the "
            "computation with sg.tensor(..., requires_grad=True) or sg.trace"
        )
    single = isinstance(wrt, Tensor)
    wrt = [wrt] if single else list(wrt)
    for k, t in enumerate(wrt):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise ValueError(
                f"paths: wrt[{k}] is not a Tensor that requires grad; pass the leaves the "
                "output was computed from"
            )
    names = [t.name or _caller_name(t) or f"input{k}" for k, t in enumerate(wrt)]
    return graph_of([y], wrt, names), None, single


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_name(t) -> str | None:
    """The name the user's code binds ``t`` to, in the first frame outside semigrad.

    Labels paths the way the user wrote them (``x[1] → ...``); None when no
    variable there holds ``t`` itself (an expression, a list element).
    """
    frame = inspect.currentframe()
    try:
        while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
                _PACKAGE + os.sep):
            frame = frame.f_back
        if frame is None:
            return None
        return next((name for name, v in frame.f_locals.items()
                     if v is t and not name.startswith("_")), None)
    finally:
        del frame


def backprop(y, wrt=None, semiring: Semiring | None = None):
    """The backward sweep of ``y`` in ``semiring``: one array per input, shaped like it.

    Semirings with several components (Entropy, KMax) put them on a leading axis.

    >>> import semigrad as sg
    >>> x = sg.tensor([1.0, -2.0], requires_grad=True)
    >>> y = sg.sum(x * x * 3.0)
    >>> sg.backprop(y, x, sg.semirings.Real()).tolist()  # the gradient
    [6.0, -12.0]
    >>> sg.backprop(y, x, sg.semirings.Counting()).tolist()  # two paths per element
    [2.0, 2.0]
    """
    if semiring is None:
        raise TypeError("backprop: pass a semiring, e.g. sg.semirings.MaxProduct()")
    if isinstance(semiring, type):
        semiring = semiring()
    graph, nodes, single = _graph_and_inputs(y, wrt)
    if nodes is None:
        nodes = graph.inputs
    results = _sweep_results(graph, semiring, nodes)
    return results[0] if single else results


def _sweep_results(graph, S, nodes):
    adj = sweep(graph, S)
    out = [S.result(adj[n.index]) if n.index in adj else S.result(S.zeros(n.shape))
           for n in nodes]
    if isinstance(S, Counting) and not S.exact_integers and any(
        np.max(r, initial=0) >= 2.0 ** 53 for r in out
    ):
        return _sweep_results(graph, Counting(exact_integers=True), nodes)
    return out


def _apply(y, wrt, semiring, finish=lambda r: r):
    results = backprop(y, wrt, semiring)
    if isinstance(results, list):
        return [finish(r) for r in results]
    return finish(results)


def count(y, wrt=None):
    """Number of paths from each input element to the output, exactly.

    One type whatever the size: per input, a NumPy array of Python ints
    (``dtype=object``) shaped like the input (0-d for a scalar). The sweep
    runs in float64 while every count fits in 53 bits, where float64 counts
    are exact, and again on Python integers when one does not.

    >>> import semigrad as sg
    >>> x = sg.tensor([0.5, 2.0], requires_grad=True)
    >>> sg.paths.count(sg.sum(sg.exp(x) * x), x)
    array([2, 2], dtype=object)
    >>> h = sg.tensor(1.0, requires_grad=True)
    >>> y = h
    >>> for _ in range(60):
    ...     y = y * y                # two paths through each product
    >>> n = sg.paths.count(y, h)
    >>> n
    array(1152921504606846976, dtype=object)
    >>> n.item() == 2 ** 60   # past 2^53, where float64 would round
    True
    """
    return _apply(y, wrt, Counting(), _python_ints)


def _python_ints(counts):
    flat = np.asarray(counts).reshape(-1)
    out = np.empty(flat.size, dtype=object)
    out[:] = [int(v) for v in flat]
    return out.reshape(np.shape(counts))


def total_weight(y, wrt=None):
    """Z: the sum over paths of |path weight| (AbsSum)."""
    return _apply(y, wrt, AbsSum())


def max_weight(y, wrt=None):
    """The weight |path| of the top gradient path from each element (MaxProduct)."""
    return _apply(y, wrt, MaxProduct())


def entropy(y, wrt=None):
    """Shannon entropy (nats) of p(path) ∝ |path weight|, per input element (Entropy)."""
    return _apply(y, wrt, Entropy(), lambda r: r[1])


def depends(y, wrt=None):
    """Whether the output depends on each input element at this point (Boolean)."""
    return _apply(y, wrt, Boolean())


# ---- the scalarised graph --------------------------------------------------------


@dataclass(frozen=True)
class ScalarGraph:
    """One node per array element, one edge per entry of each Jacobian pattern.

    Edge arrays (all of one length): ``src_node``/``src_elem`` and
    ``dst_node``/``dst_elem`` (node index, flat element index), ``weight``
    (the local partial), ``edge`` (hyperedge index), ``position`` (which
    input of the hyperedge) and ``term`` (the edge's number within that input).
    """

    graph: Graph
    src_node: np.ndarray
    src_elem: np.ndarray
    dst_node: np.ndarray
    dst_elem: np.ndarray
    weight: np.ndarray
    edge: np.ndarray
    position: np.ndarray
    term: np.ndarray
    _out: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.weight.size)

    def consumers(self, node: int, elem: int):
        """Indices of the scalar edges leaving (node, elem), in graph order."""
        if not self._out:
            # One sort of the edges by (source node, source element, edge number), then a
            # binary search per question: a dict built edge by edge cost a Python step per
            # scalar edge, most of sg.paths.top's time on a CNN.
            stride = int(self.src_elem.max(initial=0)) + 1
            order = np.lexsort((np.arange(len(self)), self.src_elem, self.src_node))
            self._out.update(order=order, stride=stride,
                             keys=(self.src_node * stride + self.src_elem)[order])
        if elem >= self._out["stride"]:  # no edge leaves an element past the largest source
            return []
        keys, key = self._out["keys"], node * self._out["stride"] + elem
        lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        return self._out["order"][lo:hi].tolist()


def scalarize(graph: Graph) -> ScalarGraph:
    """The scalar hypergraph of ``graph`` at its recorded values (see the module doc)."""
    _sweep.refuse_foreign(graph, "scalarize")
    _sweep.refuse_complex(graph, "scalarize")
    parts = []
    for e in graph.edges:
        xs = [n.value for n in e.inputs]
        for i, node in _sweep.swept_inputs(e):
            src, dst, w = e.prim.scalar_edges(i, xs, e.output.value, e.params)
            n = src.size
            parts.append((np.full(n, node.index), src, np.full(n, e.output.index), dst, w,
                          np.full(n, e.index), np.full(n, i), np.arange(n)))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return ScalarGraph(graph, empty, empty, empty, empty, np.zeros(0), empty, empty, empty)
    cols = [np.concatenate(c) for c in zip(*parts)]
    ints = [c.astype(np.int64) for k, c in enumerate(cols) if k != 4]
    return ScalarGraph(graph, ints[0], ints[1], ints[2], ints[3], cols[4].astype(np.float64),
                       ints[4], ints[5], ints[6])


# ---- paths ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """One scalar edge of a path: ``node``[``element``] enters ``primitive`` at input
    ``position`` with local partial ``partial`` and reaches ``to_node``[``to_element``].

    ``term`` numbers the scalar edges of that primitive input, telling apart
    parallel edges (the product terms of a contraction that share both ends).
    """

    node: str
    element: tuple
    primitive: str
    position: int
    term: int
    partial: float
    to_node: str
    to_element: tuple

    @property
    def source(self) -> str:
        """Where the hop starts, as ``node[element]``."""
        return _at(self.node, self.element)

    @property
    def target(self) -> str:
        """Where the hop ends, as ``node[element]``."""
        return _at(self.to_node, self.to_element)


@dataclass(frozen=True)
class Path:
    """A path from an input element to an output element, with its weight (the product).

    Its repr reads as one line: where it starts, the primitives it crosses,
    where it ends and its weight; :meth:`table` lists its hops.

    >>> import semigrad as sg
    >>> x = sg.tensor([1.0, 3.0], requires_grad=True)
    >>> best = sg.paths.top(sg.sum(x * x), x)[0]
    >>> best
    Path(x[1] → multiply → sum → v2, weight 3)
    >>> print(best.table())
    x[1] → v2, weight 3
      from   primitive  arg  partial  to
      x[1]   multiply   0    3        v1[1]
      v1[1]  sum        0    1        v2
    """

    input: str
    element: tuple
    weight: float
    hops: tuple[Hop, ...]

    def __len__(self) -> int:
        return len(self.hops)

    @property
    def output(self) -> str:
        """Where the path ends: node[element] (the input itself for a path of no hops)."""
        if not self.hops:
            return _at(self.input, self.element)
        return self.hops[-1].target

    def __repr__(self) -> str:
        steps = [_at(self.input, self.element), *(h.primitive for h in self.hops)]
        if self.hops:
            steps.append(self.output)
        return f"Path({' → '.join(steps)}, weight {_number(self.weight)})"

    def table(self) -> str:
        """The hops as plain text, one row each, under a line with the path's weight."""
        rows = [("from", "primitive", "arg", "partial", "to")] + [
            (h.source, h.primitive, str(h.position), _number(h.partial), h.target)
            for h in self.hops]
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        lines = [f"{_at(self.input, self.element)} → {self.output}, "
                 f"weight {_number(self.weight)}"]
        lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip()
                  for r in rows]
        return "\n".join(lines)


def table(paths) -> str:
    """Several paths' tables (see :meth:`Path.table`), numbered, a blank line apart.

    >>> import semigrad as sg
    >>> x = sg.tensor(2.0, requires_grad=True)
    >>> print(sg.paths.table(sg.paths.top(sg.exp(x) * x, x, k=2)))
    1. x → v2, weight 14.78
      from  primitive  arg  partial  to
      x     exp        0    7.389    v1
      v1    multiply   0    2        v2
    <BLANKLINE>
    2. x → v2, weight 7.389
      from  primitive  arg  partial  to
      x     multiply   1    7.389    v2
    """
    if isinstance(paths, Path):
        paths = [paths]
    return "\n\n".join(f"{k}. {p.table()}" for k, p in enumerate(paths, 1))


def _at(node, element) -> str:
    return f"{node}[{', '.join(map(str, element))}]" if element else node


def _number(w) -> str:
    return f"{w:.4g}"


def _unravel(k, shape):
    return tuple(int(v) for v in np.unravel_index(k, shape)) if shape else ()


def _make_path(graph, sg_, start_node, start_elem, edges):
    hops, w = [], 1.0
    for k in edges:
        src, dst = graph.nodes[sg_.src_node[k]], graph.nodes[sg_.dst_node[k]]
        w *= float(sg_.weight[k])
        hops.append(Hop(src.label, _unravel(sg_.src_elem[k], src.shape),
                        graph.edges[sg_.edge[k]].primitive, int(sg_.position[k]),
                        int(sg_.term[k]), float(sg_.weight[k]), dst.label,
                        _unravel(sg_.dst_elem[k], dst.shape)))
    node = graph.nodes[start_node]
    return Path(node.label, _unravel(start_elem, node.shape), w, tuple(hops))


def _starts(nodes, element):
    for node in nodes:
        elems = range(int(np.size(node.value))) if element is None else [
            int(np.ravel_multi_index(element if isinstance(element, tuple) else (element,),
                                     node.shape)) if node.shape else 0]
        for e in elems:
            yield node.index, e


def enumerate_paths(y, wrt=None, limit: int = 10_000, element=None):
    """Every path from the inputs' elements to the output, as :class:`Path` objects.

    Brute force (the number of paths can be exponential): past ``limit``
    paths a ValueError points to the semiring sweep instead.
    """
    graph, nodes, _ = _graph_and_inputs(y, wrt)
    nodes = nodes or graph.inputs
    sg_ = scalarize(graph)
    outputs = {n.index for n in graph.outputs}
    found = []
    for start in _starts(nodes, element):
        stack = [(start, ())]
        while stack:
            (node, elem), edges = stack.pop()
            if node in outputs:
                found.append(_make_path(graph, sg_, start[0], start[1], edges))
                if len(found) > limit:
                    raise ValueError(
                        f"enumerate: more than limit={limit} paths; count them with "
                        "sg.paths.count or use the semiring sweep (sg.backprop) instead"
                    )
            for k in reversed(sg_.consumers(node, elem)):
                stack.append(((int(sg_.dst_node[k]), int(sg_.dst_elem[k])), edges + (k,)))
    return found


def bauer_gradient(y, wrt=None, limit: int = 10_000):
    """The gradient as Bauer's sum over enumerated paths of the products of partials.

    >>> import semigrad as sg
    >>> x = sg.tensor(0.5, requires_grad=True)
    >>> y = sg.sin(x) * x
    >>> float(sg.paths.bauer_gradient(y, x)) == float(sg.grad(lambda v: sg.sin(v) * v)(0.5))
    True
    """
    graph, nodes, single = _graph_and_inputs(y, wrt)
    nodes = nodes or graph.inputs
    grads = []
    for node in nodes:
        g = np.zeros(int(np.size(node.value)))
        for p in enumerate_paths(graph, [graph.inputs.index(node)], limit):
            g[int(np.ravel_multi_index(p.element, node.shape)) if node.shape else 0] += p.weight
        grads.append(g.reshape(node.shape))
    return grads[0] if single or isinstance(wrt, int) else grads


class _PathWeights(KMax):
    """KMax in which a partial of 0 is a path of the lowest weight rather than none, so
    that top paths lists zero-weight paths (last) as enumeration does."""

    #: log 0 stand-in: below every real log-weight, and finite so that a sum of
    #: fewer than ~10^8 of them stays finite (−inf means "no path").
    ZERO = -1e300

    def lift(self, w):
        w = np.abs(np.asarray(w, dtype=np.float64))
        out = np.full((self.k, *w.shape), -np.inf)
        out[0] = np.log(w, where=w > 0, out=np.full(w.shape, self.ZERO))
        return out


def top(y, wrt=None, k: int = 1, element=None):
    """The k best paths (largest |weight|) from the inputs (or one element) to the output.

    Exact and best first: one k-max sweep records, at every node element, its k
    best ways on to the outputs and which scalar edge each takes (backpointers);
    the k best starts are then followed to the outputs, pointer by pointer. Each
    :class:`Path` lists its hops with their partials; their product is the path's
    weight. Equal weights follow the module's tie rule.

    >>> import semigrad as sg
    >>> x = sg.tensor([1.0, 3.0], requires_grad=True)
    >>> best = sg.paths.top(sg.sum(x * x), x, k=1)[0]   # x·x: two paths of weight x each
    >>> best.element, best.weight
    ((1,), 3.0)
    >>> [h.position for h in sg.paths.top(sg.sum(x * x), x, k=2)[1].hops]  # the tie
    [1, 0]
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"top: k must be a positive integer; got {k!r}")
    graph, nodes, _ = _graph_and_inputs(y, wrt)
    nodes = nodes or graph.inputs
    found, hops = _sweep.sweep_pointers(graph, _PathWeights(k))
    # A start's rank-r value needs its ranks 0..r at least as good: the k best starts are
    # among the k best elements by their best value (ties included), at ranks below k.
    values, lengths, starts = [], [], []
    for order, node in enumerate(nodes):
        if node.index not in found:
            continue
        v = found[node.index]["value"].reshape(k, -1)
        n = found[node.index]["length"].reshape(k, -1)
        if element is None:
            elems = np.arange(v.shape[1])
            if elems.size > k:
                kth = np.partition(v[0], elems.size - k)[elems.size - k]
                elems = np.flatnonzero(v[0] >= kth)
        else:
            elems = np.array([next(_starts([node], element))[1]])
        values.append(v[:, elems].T.reshape(-1))  # element by element, ranks within
        lengths.append(n[:, elems].T.reshape(-1))
        starts += [(order, int(e), r) for e in elems for r in range(k)]
    if not values:
        return []
    values = np.concatenate(values)
    best = np.lexsort((np.arange(values.size), np.concatenate(lengths), -values))[:k]
    return [_follow(graph, found, hops, nodes[starts[j][0]].index, *starts[j][1:])
            for j in best if values[j] > -np.inf]


def _follow(graph, found, hops, node, elem, rank):
    """The path from (node, element) taking the rank-th best way on, pointer by pointer."""
    start, start_elem = graph.nodes[node], elem
    path, weight = [], 1.0
    while True:
        src = graph.nodes[node]
        p, at = found[node], (rank, *_unravel(elem, src.shape))
        e = int(p["edge"][at])
        if e == -1:  # the path ends at this output
            break
        edge, position = graph.edges[e], int(p["position"][at])
        dst = edge.output
        to, term, partial = hops[e, position](elem, int(p["where"][at]))
        weight *= partial
        path.append(Hop(src.label, _unravel(elem, src.shape), edge.primitive, position, term,
                        partial, dst.label, _unravel(to, dst.shape)))
        node, elem, rank = dst.index, to, int(p["rank"][at])
    return Path(start.label, _unravel(start_elem, start.shape), weight, tuple(path))
