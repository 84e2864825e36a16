"""``sg.paths``: Bauer paths of a computation, counted, weighed, ranked and listed.

Each function takes ``(y, wrt)``: an eager output Tensor and the Tensor (or
list of Tensors) it was computed from, or a traced Graph and input positions.
Results are shaped like the inputs. See :mod:`semigrad.semiring.paths`.

>>> import semigrad as sg
>>> x = sg.tensor([0.5, 2.0], requires_grad=True)
>>> y = sg.sum(sg.exp(x) * x)
>>> sg.paths.count(y, x).tolist()
[2, 2]
>>> [round(float(h), 6) for h in sg.paths.entropy(y, x)]
[0.636514, 0.636514]
"""

from .semiring.paths import (
    Hop,
    Path,
    ScalarGraph,
    backprop,
    bauer_gradient,
    count,
    depends,
    entropy,
    max_weight,
    scalarize,
    table,
    top,
    total_weight,
)
from .semiring.paths import enumerate_paths as enumerate  # noqa: A001 (the spec's name)

__all__ = [
    "Hop",
    "Path",
    "ScalarGraph",
    "backprop",
    "bauer_gradient",
    "count",
    "depends",
    "entropy",
    "enumerate",
    "max_weight",
    "scalarize",
    "table",
    "top",
    "total_weight",
]
