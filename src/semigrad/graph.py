"""The computational hypergraph as a first-class object: ``sg.trace(f, *args)``.

A :class:`Graph` holds value :class:`Node` s (inputs, constants, and the
outputs of operations) and :class:`Hyperedge` s, one per primitive
application, from an *ordered* tuple of input nodes to one output node, in
topological order. It can be replayed on new inputs (differentiably: replay
calls the primitives), printed as Graphviz text, and inspected.
"""

from __future__ import annotations

import inspect

import numpy as np

from .autodiff.tree import flatten, unflatten
from .primitives.deferred import Deferred
from .tensor import Tensor


class Node:
    """A value node: ``kind`` is "input", "constant" or "op"; ``value`` its forward value."""

    __slots__ = ("index", "kind", "name", "value")

    def __init__(self, index: int, kind: str, value, name: str | None = None):
        self.index = index
        self.kind = kind
        self.value = value
        self.name = name

    @property
    def shape(self) -> tuple:
        return np.shape(self.value)

    @property
    def label(self) -> str:
        return self.name or f"v{self.index}"

    def __repr__(self):
        return f"Node({self.label}, {self.kind}, shape={self.shape})"


class Hyperedge:
    """One primitive application: ``output = primitive(*inputs, **params)``."""

    __slots__ = ("index", "prim", "inputs", "params", "output")

    def __init__(self, index, prim, inputs, params, output):
        self.index = index
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.output = output

    @property
    def primitive(self) -> str:
        """The primitive's name."""
        return self.prim.name

    @property
    def kind(self) -> str:
        return self.prim.kind

    def __repr__(self):
        args = ", ".join(n.label for n in self.inputs)
        return f"{self.output.label} = {self.primitive}({args})"


class Graph:
    """A traced computation: ``inputs``, ``outputs``, ``nodes`` and ``edges`` (topological).

    >>> import semigrad as sg
    >>> g = sg.trace(lambda x, y: sg.sin(x) * y, 1.0, 2.0)
    >>> len(g), [e.primitive for e in g.edges]
    (2, ['sin', 'multiply'])
    >>> float(g(0.0, 3.0))
    0.0
    """

    def __init__(self, inputs, outputs, nodes, edges, in_spec, out_spec, name="f"):
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.edges = edges
        self._in_spec = in_spec
        self._out_spec = out_spec
        self.name = name

    def __len__(self) -> int:
        return len(self.edges)

    def __repr__(self):
        lines = [f"Graph {self.name}({', '.join(n.label for n in self.inputs)}):"]
        lines += [f"  {e!r}" for e in self.edges]
        lines.append(f"  return {', '.join(n.label for n in self.outputs)}")
        return "\n".join(lines)

    def __call__(self, *args):
        """Replay on new inputs of the same structure and shapes (differentiable)."""
        leaves, spec = flatten(args)
        if spec != self._in_spec or len(leaves) != len(self.inputs):
            raise ValueError(
                f"Graph {self.name}: called with arguments of another structure than traced "
                f"({len(leaves)} leaves for {len(self.inputs)} inputs)"
            )
        for node, x in zip(self.inputs, leaves):
            xv = x if isinstance(x, Tensor) else np.asarray(x)
            if np.shape(getattr(xv, "value", xv)) != node.shape:
                raise ValueError(
                    f"Graph {self.name}: input {node.label} has shape "
                    f"{np.shape(getattr(xv, 'value', xv))} but was traced with {node.shape}; "
                    "trace again for new shapes"
                )
        return unflatten(self._out_spec, self.run(leaves))

    def run(self, inputs) -> list:
        """The outputs' values for the inputs' values ``inputs`` (in the inputs' order, shapes
        as traced), each edge through its primitive: recorded when they are traced."""
        env: list = [n.value if n.kind == "constant" else None for n in self.nodes]
        for node, x in zip(self.inputs, inputs):
            env[node.index] = x
        for e in self.edges:
            env[e.output.index] = e.prim(*[env[n.index] for n in e.inputs], **e.params)
        return [env[n.index] for n in self.outputs]

    def scalarize(self):
        """The scalar hypergraph: one node per element, one edge per Jacobian-pattern entry.

        >>> import semigrad as sg
        >>> g = sg.trace(lambda a, b: a @ b, np.ones((2, 3)), np.ones(3))
        >>> len(g.scalarize())  # one edge per product term and operand
        12
        """
        return _service("scalarize")(self)

    def backprop(self, semiring, wrt=None):
        """The backward sweep in ``semiring``: one array per input (or per ``wrt`` position).

        >>> import semigrad as sg
        >>> g = sg.trace(lambda x: sg.sum(x * x), np.array([1.0, 2.0]))
        >>> g.backprop(sg.semirings.MaxProduct())[0].tolist()  # x·x: two paths of weight x
        [1.0, 2.0]
        """
        return _service("backprop")(self, wrt, semiring)

    def to_dot(self, **options) -> str:
        """Graphviz text; options as sg.viz.to_dot (forward, backward, highlight, semiring, ...).

        >>> import semigrad as sg
        >>> sg.trace(lambda x, y: x / y, 1.0, 2.0).to_dot().startswith("digraph")
        True
        """
        return _service("to_dot")(self, **options)

    def draw(self, path, **options) -> str:
        """Write a picture (.svg, .png, .dot) of the graph; see sg.viz.render.

        >>> import os, tempfile, semigrad as sg
        >>> sg.trace(sg.exp, 1.0).draw(os.path.join(tempfile.mkdtemp(), "g.svg")).endswith(".svg")
        True
        """
        return _service("render")(self, path, **options)


# ---- what the layers above provide ------------------------------------------------------
# The graph model sits below the semiring sweeps and the pictures; its convenience methods
# (scalarize, backprop, to_dot, draw) call them through services that the package's root
# binds once, at import (:func:`bind`), so that this module imports nothing above it.
_SERVICES: dict = {}


def bind(**services) -> None:
    """Give Graph the layers above it: ``scalarize``, ``backprop``, ``to_dot``, ``render``."""
    _SERVICES.update(services)


def _service(name):
    try:
        return _SERVICES[name]
    except KeyError:
        raise RuntimeError(f"Graph.{name}: import semigrad (the package) first") from None


def _arg_names(f, args) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        params = []
    names = []
    for k, a in enumerate(args):
        _leaf_names(params[k] if k < len(params) else f"arg{k}", a, names)
    return names


def _leaf_names(name, tree, names) -> None:
    """The leaves' names in flatten's order: ``xs[0]``, ``params['0.weight']``."""
    if isinstance(tree, tuple | list):
        for i, t in enumerate(tree):
            _leaf_names(f"{name}[{i}]", t, names)
    elif isinstance(tree, dict):
        for key, t in tree.items():
            _leaf_names(f"{name}[{key!r}]", t, names)
    else:
        names.append(name)


def trace(f, *args) -> Graph:
    """Record ``f(*args)`` as a :class:`Graph` of primitives.

    >>> import semigrad as sg
    >>> def f(x, y, z, v):
    ...     return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)
    >>> g = sg.trace(f, 0.5, 2.0, 3.0, 4.0)
    >>> len(g)
    10
    """
    from .autodiff.api import _input_value

    leaves, in_spec = flatten(args)
    names = _arg_names(f, args)
    lifted = [Tensor(_input_value(x, "trace", "an argument"), requires_grad=True) for x in leaves]
    result = f(*unflatten(in_spec, lifted))
    outs, out_spec = flatten(result)
    return graph_of(outs, lifted, names, in_spec, out_spec, getattr(f, "__name__", "f"))


_UNSET = object()


def graph_of(outs, inputs, names=None, in_spec=_UNSET, out_spec=_UNSET, name="f") -> Graph:
    """The Graph recorded between the Tensors ``inputs`` and ``outs``.

    Tensors outside (created before the first input, or untraced) become
    constants. Raises if the recording was released by a backward pass.
    """
    min_id = min((t._id for t in inputs), default=0)
    seen, stack, found = set(), [o for o in outs if isinstance(o, Tensor)], []
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t._id < min_id or t._prim is None:
            continue
        if t._inputs is None:
            raise RuntimeError(
                f"graph: the recording of {t._prim.name!r} was released by a backward pass; "
                "build the graph before calling backward(), or pass retain_graph=True"
            )
        found.append(t)
        stack.extend(a for a in t._inputs if isinstance(a, Tensor) and id(a) not in seen)
    found.sort(key=lambda t: t._id)

    nodes: list[Node] = []
    index: dict[int, Node] = {}

    def node_for(x, kind, label=None):
        key = id(x)
        if key not in index:
            value = x.value if isinstance(x, Tensor) else x
            if type(value) is Deferred:  # not computed by the trace (sg.jit, sg.vmap)
                value = value.settled() if kind == "op" else value.get()
            index[key] = Node(len(nodes), kind, value, label or getattr(x, "name", None))
            nodes.append(index[key])
        return index[key]

    names = names or [None] * len(inputs)
    input_nodes = [node_for(t, "input", label) for t, label in zip(inputs, names)]
    edges = []
    for t in found:
        # Inputs and earlier outputs already have nodes; anything else is a constant.
        ins = [node_for(a, "constant") for a in t._inputs]
        outn = node_for(t, "op")
        edges.append(Hyperedge(len(edges), t._prim, ins, t._params, outn))
    out_nodes = [node_for(o, "constant") for o in outs]
    if in_spec is _UNSET:
        in_spec = flatten(tuple(inputs))[1]
    if out_spec is _UNSET:
        out_spec = flatten(tuple(outs))[1]
    return Graph(input_nodes, out_nodes, nodes, edges, in_spec, out_spec, name)
