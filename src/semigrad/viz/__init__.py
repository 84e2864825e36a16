"""``sg.viz``: pictures of computational hypergraphs, plots, and the explorer page.

* :func:`to_dot`, :func:`to_svg`, :func:`render`: a graph with forward values
  (red) and adjoints (blue) on its value nodes, hyperedges as boxes with
  their input positions, top gradient paths highlighted (orange), large
  graphs folded. Graphviz lays it out when installed, a built-in layered
  layout otherwise; PNG without Graphviz is drawn with matplotlib.
* :func:`explain`: one self-contained HTML page with everything semigrad
  knows about a function at a point (also ``semigrad explain``; and
  ``semigrad serve`` on 127.0.0.1).
* Plots (matplotlib): :func:`training_curves`, :func:`cost_plot`,
  :func:`hessian_heatmap`, :func:`path_mass_image` with :func:`path_mass`.

>>> import semigrad as sg
>>> from semigrad import viz
>>> g = sg.trace(lambda x, y: sg.sin(x) / y, 1.0, 2.0)
>>> viz.to_dot(g, highlight=1).startswith("digraph")
True
"""

from .command import add_parser
from .dot import has_graphviz, to_dot
from .explain import analyse, explain
from .layout import layout
from .plots import cost_plot, hessian_heatmap, path_mass, path_mass_image, training_curves
from .render import render
from .scene import build_scene
from .serve import serve
from .svg import to_svg

__all__ = [
    "add_parser",
    "analyse",
    "build_scene",
    "cost_plot",
    "explain",
    "has_graphviz",
    "hessian_heatmap",
    "layout",
    "path_mass",
    "path_mass_image",
    "render",
    "serve",
    "to_dot",
    "to_svg",
    "training_curves",
]
