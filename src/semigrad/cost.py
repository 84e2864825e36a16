"""The cost model: how much work a function, its gradient, Hessian and k-th derivative take.

The counts are read off recorded graphs, not estimated from formulas: the
forward pass is ``trace(f)``, the gradient is ``trace(grad(f))`` (the forward
pass plus the recorded backward pass), and so on. Each hyperedge's
floating-point work comes from its primitive's kind (``Primitive.flops``), never its name:
an elementwise operation or a reduction does one operation per element it
reads, a linear index map moves (or adds) one element per element it writes,
and a contraction does 2·Π(sizes of its letters) per pair of operands; a
primitive may declare its own count (``flops``): m·n·min(m, n) per matrix for
the dense linear algebra, 5·N·log2 N per transform for the FFT. That
makes the theory's claims checkable: the gradient costs a small constant
times the forward pass (the cheap-gradient principle), the Hessian about n
times the gradient, and the k-th derivative about n^(k−1) times it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np  # noqa: F401 (the doctests use it)

from .autodiff.api import derivative
from .graph import Graph, Hyperedge, trace


def edge_flops(edge: Hyperedge) -> int:
    """Floating-point operations of one hyperedge, as its primitive's kind counts them."""
    return int(edge.prim.flops([n.value for n in edge.inputs], edge.output.value, edge.params))


@dataclass(frozen=True)
class Cost:
    """Work of one recorded computation: hyperedges (primitive calls) and flops."""

    operations: int
    flops: int

    @classmethod
    def of(cls, graph: Graph) -> Cost:
        return cls(len(graph), int(sum(edge_flops(e) for e in graph.edges)))


def cost(f, *args, order: int = 2) -> dict[str, Cost]:
    """Operation counts and flops of ``f``'s forward pass and its derivatives up to ``order``.

    Keys: ``"forward"``, ``"gradient"`` (order 1), ``"hessian"`` (order 2),
    ``"order 3"``, ... The derivatives are taken with respect to the first
    argument, as one batched sweep per order.

    >>> import semigrad as sg
    >>> c = sg.cost(lambda x: sg.sum(sg.sin(x) * x), np.ones(3))
    >>> c["forward"].operations, c["gradient"].operations > c["forward"].operations
    (3, True)
    """
    result = {"forward": Cost.of(trace(f, *args))}
    names = {1: "gradient", 2: "hessian"}
    for k in range(1, order + 1):
        result[names.get(k, f"order {k}")] = Cost.of(trace(derivative(f, order=k), *args))
    return result


def on_one_vector(f, arrays):
    """``f`` of several arrays as a function of one vector of all their elements, and that vector.

    The form in which ``semigrad grad`` and the explorer differentiate and count, so that
    their "operations" agree: the gradient's count is
    ``cost(on_vector, x, order=1)["gradient"].operations``.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> from semigrad.cost import on_one_vector
    >>> g, x = on_one_vector(lambda a, b: a * b, [np.float64(2.0), np.float64(3.0)])
    >>> x.tolist(), float(g(x))
    ([2.0, 3.0], 6.0)
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    shapes = [a.shape for a in arrays]
    offsets = np.cumsum([0, *[a.size for a in arrays]]).tolist()
    x = np.concatenate([a.reshape(-1) for a in arrays]) if arrays else np.zeros(0)

    def on_vector(p):
        return f(*(p[offsets[i]:offsets[i + 1]].reshape(shapes[i]) for i in range(len(shapes))))

    return on_vector, x
