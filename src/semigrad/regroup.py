"""Regrouping of products and sums around one large array, for ``sg.jit``'s programs.

A forward-over-reverse Hessian, a Jacobian's tangents or a batched rule often multiply one
large array ``T`` (a matrix of seeds, a weight) by a chain of small factors that broadcast
against it, and add such products together::

    (T * a) * b + (T * c)          # three products and a sum over T's size
    T * (a * b + c)                # one product over T's size; the rest on the small factors

The regrouped form computes the same mathematical value with fewer passes over ``T``'s
elements, as a hand-written formula would (``Aᵀ diag(w) A`` rather than four scaled copies
of ``Aᵀ``). It rounds differently: each regrouped element agrees with the original within a
few ulp of the magnitudes combined (``|T|·|a|·|b| + |T|·|c|`` above), unless an intermediate
overflows or underflows in one grouping and not in the other. ``sg.jit(f, exact=True)``
keeps eager mode's operations in eager mode's order.

What is regrouped: ``multiply`` of a large array by a smaller one broadcasting into it,
``divide`` of a regrouped product by a smaller array, ``negative``, ``add`` and ``subtract``
of two regrouped products of the same ``T``, and a ``reshape`` that only inserts or drops
axes of length 1; all values of one real floating dtype. A product is regrouped only where
that saves a pass over the large array: where an operation's large inputs are computed for
other uses anyway, it is computed as recorded.
"""

from __future__ import annotations

import numpy as np

from .graph import Graph, Hyperedge, Node
from .primitives import elementwise as _E
from .primitives import structural as _S
from .primitives.deferred import defer

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SMALL_OPS = {"mul": _E.multiply, "div": _E.divide, "add": _E.add, "sub": _E.subtract}


def _fits(value, dtype) -> bool:
    """Whether ``value`` joins arithmetic of ``dtype`` without changing it."""
    if type(value) is float:  # a Python float is weak: it keeps float32 arrays float32
        return True
    return isinstance(value, np.ndarray | np.generic) and value.dtype == dtype


def _strip(shape):
    """``shape`` without its leading axes of length 1."""
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return tuple(shape[k:])


def _unit_reshape(s_shape, old, new):
    """The shape of a factor ``s`` (broadcasting against ``old``) after a reshape from
    ``old`` to ``new`` that only inserts or drops axes of length 1; None for other reshapes."""
    if [d for d in old if d != 1] != [d for d in new if d != 1] or len(s_shape) > len(old):
        return None
    padded = (1,) * (len(old) - len(s_shape)) + tuple(s_shape)
    kept = iter([padded[k] for k, d in enumerate(old) if d != 1])
    return tuple(next(kept) if d != 1 else 1 for d in new)


def _canonical():
    """``canon(node)``: the index standing for a large operand. Constants of the same bytes are
    one T (recording copies an array a function closes over at each use); compared only when
    they are read as a T, and each once."""
    by_bytes: dict[tuple, int] = {}

    def canon(node) -> int:
        v = node.value
        if node.kind != "constant" or type(v) is not np.ndarray:
            return node.index
        return by_bytes.setdefault((v.shape, v.dtype.str, v.tobytes()), node.index)

    return canon


def _padded(graph) -> dict[int, Node]:
    """The reshapes that only add leading axes of length 1 (a rule's (n,) -> (1, n)), each to
    the node it reshapes: broadcasting adds those axes itself, so a factor is read through
    them and keeps its cheaper shape."""
    padded: dict[int, Node] = {}
    for e in graph.edges:
        if e.prim is _S.reshape and type(e.inputs[0].value) is np.ndarray:
            old, new = e.inputs[0].value.shape, np.shape(e.output.value)
            if len(old) <= len(new) and _strip(old) == _strip(new):
                padded[e.output.index] = padded.get(e.inputs[0].index, e.inputs[0])
    return padded


def _forms(graph, anchored, canon, padded):
    """``node index -> (T, s, shape of s)``: the op nodes whose value is ``T * s`` with ``T``
    a large array and ``s`` an expression of smaller values broadcasting into it. ``T`` is
    ``("n", index)`` or ``("r", T, params)`` (a reshape of T); ``s`` is ``("n", index)``,
    ``(op, s, s)`` for op in mul/div/add/sub, ``("neg", s)`` or ``("r", s, shape)``.
    Nodes in ``anchored`` are computed as recorded (their consumers see them whole);
    ``canon`` and ``padded`` are :func:`_canonical`'s and :func:`_padded`'s."""
    forms: dict[int, tuple] = {}

    def leaf(node):
        node = padded.get(node.index, node)
        return ("n", node.index), np.shape(node.value)

    for e in graph.edges:
        out = e.output
        v = out.value
        if (out.index in anchored or type(v) is not np.ndarray or v.dtype not in _FLOATS
                or v.size < 2 or not all(_fits(n.value, v.dtype) for n in e.inputs)):
            continue
        big = [type(n.value) is np.ndarray and n.value.shape == v.shape for n in e.inputs]
        small = [np.size(n.value) < v.size for n in e.inputs]
        fs = [forms.get(n.index) for n in e.inputs]
        p = e.prim
        form = None
        if p is _E.multiply and (big[0] and small[1] or big[1] and small[0]):
            b, k = (0, 1) if big[0] else (1, 0)
            factor, shape = leaf(e.inputs[k])
            if fs[b] is None:
                form = (("n", canon(e.inputs[b])), factor, shape)
            else:
                t, s, s_shape = fs[b]
                form = (t, ("mul", s, factor), np.broadcast_shapes(s_shape, shape))
        elif p is _E.divide and big[0] and small[1] and fs[0] is not None:
            t, s, s_shape = fs[0]
            factor, shape = leaf(e.inputs[1])
            form = (t, ("div", s, factor), np.broadcast_shapes(s_shape, shape))
        elif (p is _E.add or p is _E.subtract) and all(big) and None not in fs \
                and fs[0][0] == fs[1][0]:
            op = "add" if p is _E.add else "sub"
            form = (fs[0][0], (op, fs[0][1], fs[1][1]),
                    np.broadcast_shapes(fs[0][2], fs[1][2]))
        elif p is _E.negative and fs[0] is not None:
            form = (fs[0][0], ("neg", fs[0][1]), fs[0][2])
        elif p is _S.reshape and fs[0] is not None:
            t, s, s_shape = fs[0]
            moved = _unit_reshape(s_shape, e.inputs[0].value.shape, v.shape)
            if moved is not None:
                t = ("r", t, tuple(sorted(e.params.items())))
                # leading axes of length 1 are broadcasting's own: the factor stays as it is
                same = len(s_shape) <= len(moved) and _strip(s_shape) == _strip(moved)
                form = (t, s, s_shape) if same else (t, ("r", s, moved), moved)
        if form is not None:
            forms[out.index] = form
    return forms


def _leaves(expr, into):
    """The node indices an expression of :func:`_forms` reads."""
    if expr[0] == "n":
        into.add(expr[1])
    elif expr[0] in ("r", "neg"):
        _leaves(expr[1], into)
    else:
        _leaves(expr[1], into)
        _leaves(expr[2], into)


def _live(graph, forms):
    """The nodes the outputs need, each op node computed by its form where it has one."""
    live = {n.index for n in graph.outputs}
    for e in reversed(graph.edges):
        i = e.output.index
        if i not in live:
            continue
        if i in forms:
            _leaves(forms[i][0], live)
            _leaves(forms[i][1], live)
        else:
            live.update(n.index for n in e.inputs)
    return live


def _is_one(node, dtype) -> bool:
    """Whether ``node`` is a constant of ones that a product of ``dtype`` leaves exact."""
    v = node.value
    return (node.kind == "constant" and dtype.kind in "fiu" and _fits(v, dtype)
            and bool(np.all(np.asarray(v) == 1)))


def without_unit_products(graph):
    """``graph`` with each product by a constant of ones (``x * 1`` is ``x`` to the last bit
    in real arithmetic) replaced by ``x`` itself, or by a reshape where the product only
    adds leading axes of length 1. Rules emit such products where a sum's cotangent is
    spread over its input; they are exact to drop, so even ``exact=True`` drops them."""
    alias: dict[int, Node] = {}
    edges = []
    outputs = {n.index for n in graph.outputs}
    for e in graph.edges:
        inputs = [alias.get(n.index, n) for n in e.inputs]
        out = e.output
        if e.prim is _E.multiply and type(out.value) is np.ndarray and out.index not in outputs:
            one = [_is_one(n, out.value.dtype) for n in inputs]
            if one.count(True) == 1:
                x = inputs[one.index(False)]
                shape = np.shape(x.value)
                if (type(x.value) is np.ndarray and x.value.dtype == out.value.dtype
                        and out.value.shape[out.value.ndim - len(shape):] == shape
                        and all(d == 1 for d in out.value.shape[:out.value.ndim - len(shape)])):
                    if shape == out.value.shape:
                        alias[out.index] = x
                        continue
                    edges.append(Hyperedge(len(edges), _S.reshape, [x],
                                           {"shape": out.value.shape, "in_shape": shape}, out))
                    continue
        edges.append(Hyperedge(len(edges), e.prim, inputs, e.params, out))
    if len(edges) == len(graph.edges) and all(
            a.prim is b.prim for a, b in zip(edges, graph.edges, strict=True)):
        return graph
    return Graph(graph.inputs, graph.outputs, graph.nodes, edges, graph._in_spec,
                 graph._out_spec, graph.name)


def regroup(graph):
    """``graph`` with products and sums around one large array regrouped (see the module's
    text), and the regrouped values: ``{node index: (T, s, shape of s)}`` as :func:`_forms`
    describes them, each node now computed as ``T * s``; ``(graph, {})`` where no regrouping
    saves a pass over a large array."""
    anchored: set[int] = set()
    canon, padded = _canonical(), _padded(graph)
    while True:
        forms = _forms(graph, anchored, canon, padded)
        live = _live(graph, forms)
        # An operation whose large inputs are computed anyway is cheapest as recorded.
        new = {e.output.index for e in graph.edges
               if e.output.index in forms and e.output.index in live
               and all(n.index in live for n in e.inputs
                       if np.shape(n.value) == np.shape(e.output.value))}
        if not new:
            break
        anchored |= new
    regrouped = {i: forms[i] for i in forms if i in live}
    if not regrouped:
        return graph, {}
    by_index = {n.index: n for n in graph.nodes}
    nodes = list(graph.nodes)
    edges: list[Hyperedge] = []
    made: dict[tuple, Node] = {}

    def add(prim, inputs, params, out=None):
        if out is None:  # a new value: only its shape and dtype are read
            vals = [n.value for n in inputs]
            value = defer(prim, vals, params, large=True) if prim.ufunc is not None else None
            out = Node(max(by_index) + 1, "op",
                       prim(*vals, **params) if value is None else value.settled())
            by_index[out.index] = out
            nodes.append(out)
        edges.append(Hyperedge(len(edges), prim, inputs, params, out))
        return out

    def build(expr, shape=None):
        if expr[0] == "n":
            return by_index[expr[1]]
        if expr not in made:
            if expr[0] == "r" and shape is None:  # a reshape of T, as the graph's own did
                params = dict(expr[2])
                made[expr] = add(_S.reshape, [build(expr[1])], params)
            elif expr[0] == "r":  # a reshape of a factor, to its new broadcasting shape
                inner = build(expr[1], True)
                made[expr] = add(_S.reshape, [inner],
                                 {"shape": expr[2], "in_shape": tuple(np.shape(inner.value))})
            elif expr[0] == "neg":
                made[expr] = add(_E.negative, [build(expr[1], True)], {})
            else:
                made[expr] = add(_SMALL_OPS[expr[0]], [build(expr[1], True),
                                                       build(expr[2], True)], {})
        return made[expr]

    for e in graph.edges:
        i = e.output.index
        if i not in live:
            continue
        if i in forms:
            t, s, _ = forms[i]
            add(_E.multiply, [build(t), build(s, True)], {}, e.output)
        else:
            edges.append(Hyperedge(len(edges), e.prim, e.inputs, e.params, e.output))
    return (Graph(graph.inputs, graph.outputs, nodes, edges, graph._in_spec, graph._out_spec,
                  graph.name), regrouped)
