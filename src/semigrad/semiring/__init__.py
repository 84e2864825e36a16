"""Generalised backpropagation: the backward sweep in any semiring, and Bauer paths.

``algebras`` holds the semirings (published as ``sg.semirings``); ``sweep``
runs the backward pass in one of them over a recorded graph; ``paths``
scalarises graphs, enumerates, counts and ranks paths (``sg.paths``).
"""

from . import algebras, paths, sweep
from .paths import backprop

__all__ = ["algebras", "backprop", "paths", "sweep"]
