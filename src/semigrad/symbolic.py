"""Symbolic differentiation beside reverse mode: export to SymPy, and expression swell.

``to_sympy(graph)`` turns a traced graph into SymPy expressions, reading each
primitive's declared SymPy counterpart (``Primitive.sympy``; arithmetic, index
maps, sums and contractions need none: their NumPy implementation runs on
object arrays of SymPy expressions). ``gradient`` and ``hessian`` then
differentiate symbolically and ``lambdify`` turns expressions back into NumPy
functions.

Symbolic differentiation is exact, but a derivative written out as a tree
repeats every subexpression it shares: :func:`swell` measures that, the size
of the symbolic gradient as a tree, as a DAG after common-subexpression
elimination, and the size of semigrad's backward graph.

SymPy is an optional dependency (``pip install sympy``), imported only here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autodiff.api import grad
from .graph import Graph, trace


def _sympy():
    try:
        import sympy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "semigrad.symbolic needs SymPy: pip install sympy (or pip install 'semigrad[symbolic]')"
        ) from None
    return sympy


def _symbols(sp, node):
    name = node.label.replace("[", "_").replace("]", "")
    if not node.shape:
        return sp.Symbol(name, real=True)
    out = np.empty(node.shape, dtype=object)
    for idx in np.ndindex(node.shape):
        out[idx] = sp.Symbol(f"{name}_{'_'.join(map(str, idx))}", real=True)
    return out


def _constant(value):
    a = np.asarray(value)
    if a.dtype.kind not in "fc":  # index arrays, masks, objects: as they are
        return value
    return a.item() if a.ndim == 0 else a.astype(object)


def to_sympy(graph: Graph, symbols=None):
    """The graph's outputs as SymPy expressions (object arrays for array outputs).

    Inputs become real symbols named after them (array elements ``x_0_1``), or
    ``symbols`` when given (one per input). Returns ``(outputs, symbols)``.

    >>> import semigrad as sg
    >>> g = sg.trace(lambda x, y: sg.exp(x) * y, 1.0, 2.0)
    >>> (out,), (x, y) = sg.symbolic.to_sympy(g)
    >>> out
    y*exp(x)
    """
    sp = _sympy()
    syms = list(symbols) if symbols is not None else [_symbols(sp, n) for n in graph.inputs]
    env: dict[int, object] = {n.index: _constant(n.value) for n in graph.nodes
                              if n.kind == "constant"}
    for node, s in zip(graph.inputs, syms):
        env[node.index] = s
    for e in graph.edges:
        args = [env[n.index] for n in e.inputs]
        try:
            if e.prim.sympy is not None:
                value = e.prim.sympy(sp, *args, **e.params)
            else:
                value = e.prim.impl(*args, **e.params)
        except (TypeError, ValueError, AttributeError) as err:
            raise TypeError(
                f"to_sympy: primitive {e.primitive!r} (hyperedge {e.index}) has no SymPy "
                f"counterpart for these inputs ({err})"
            ) from None
        env[e.output.index] = value
    return [env[n.index] for n in graph.outputs], syms


def _flat(value):
    return list(np.asarray(value, dtype=object).reshape(-1)) if np.ndim(value) else [value]


def gradient(f, *args):
    """The symbolic gradient of a scalar ``f`` (a function traced at ``args``, or a Graph).

    Returns ``(expression, gradient, symbols)``: one SymPy expression per input
    element, shaped like the inputs.

    >>> import semigrad as sg
    >>> expr, (g,), _ = sg.symbolic.gradient(lambda x: sg.sin(x) * x, 0.5)
    >>> g
    x*cos(x) + sin(x)
    """
    sp = _sympy()
    graph = f if isinstance(f, Graph) else trace(f, *args)
    (out,), syms = to_sympy(graph)
    if np.ndim(out):
        raise ValueError(f"symbolic.gradient needs a scalar output; got shape {np.shape(out)}")
    grads = []
    for s in syms:
        if isinstance(s, np.ndarray):
            g = np.empty(s.shape, dtype=object)
            for idx in np.ndindex(s.shape):
                g[idx] = sp.diff(out, s[idx])
            grads.append(g)
        else:
            grads.append(sp.diff(out, s))
    return out, grads, syms


def hessian(f, *args):
    """The symbolic Hessian of a scalar ``f`` with respect to all input elements, as a Matrix.

    >>> import semigrad as sg
    >>> h, _ = sg.symbolic.hessian(lambda x, y: x * x * y, 1.0, 2.0)
    >>> h
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
    """
    sp = _sympy()
    graph = f if isinstance(f, Graph) else trace(f, *args)
    (out,), syms = to_sympy(graph)
    variables = [v for s in syms for v in _flat(s)]
    return sp.hessian(out, variables), variables


def lambdify(symbols, expressions):
    """A NumPy function of ``symbols`` (flattened, in order) computing ``expressions``.

    >>> import semigrad as sg
    >>> _, (g,), syms = sg.symbolic.gradient(lambda x: x ** 3, 2.0)
    >>> float(sg.symbolic.lambdify(syms, g)(2.0))
    12.0
    """
    sp = _sympy()
    variables = [v for s in symbols for v in _flat(s)]
    # SciPy, where installed, evaluates the special functions (polygamma, besseli, erfinv ...).
    try:
        import scipy  # noqa: F401

        modules = ["scipy", "numpy"]
    except ImportError:
        modules = "numpy"
    return sp.lambdify(variables, expressions, modules)


@dataclass(frozen=True)
class Swell:
    """Sizes of a gradient three ways (operation counts).

    ``tree``: the symbolic gradient with every repeated subexpression written
    out; ``dag``: after common-subexpression elimination; ``backward_graph``:
    semigrad's recorded gradient computation (forward and backward pass);
    ``forward``: the function itself.
    """

    forward: int
    tree: int
    dag: int
    backward_graph: int


def swell(f, *args) -> Swell:
    """Expression swell of ``f``'s gradient: tree vs DAG vs semigrad's backward graph.

    >>> import semigrad as sg
    >>> def f(x):
    ...     for _ in range(4):
    ...         x = sg.sin(x) * x
    ...     return x
    >>> s = sg.symbolic.swell(f, 0.5)
    >>> s.tree > s.dag >= s.forward
    True
    """
    sp = _sympy()
    graph = trace(f, *args)
    out, grads, syms = gradient(graph)
    flat = [g for gs in grads for g in _flat(gs)]
    tree = sum(_tree_size(sp, g) for g in flat)
    replacements, reduced = sp.cse(flat)
    dag = sum(sp.count_ops(r) for _, r in replacements) + sum(sp.count_ops(r) for r in reduced)
    argnums = tuple(range(len(args)))
    backward = trace(grad(f, argnums=argnums if len(args) > 1 else 0), *args)
    return Swell(len(graph), tree, int(dag), len(backward))


def _tree_size(sp, expr) -> int:
    """Operations in ``expr`` written as a tree: shared subtrees counted every time."""
    size, stack = 0, [expr]
    while stack:
        e = stack.pop()
        if e.args:
            size += max(len(e.args) - 1, 1) if isinstance(e, sp.Add | sp.Mul) else 1
            stack.extend(e.args)
    return size
