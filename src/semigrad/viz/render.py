"""Pictures of graphs in files: SVG, PNG or DOT, with or without Graphviz.

:func:`render` writes the picture ``to_dot``/``to_svg`` describe. SVG is
always written by semigrad's own writer (laid out by Graphviz when ``dot``
is installed, else by the built-in layered layout); PNG comes from
``dot -Tpng`` when Graphviz is installed, and otherwise is drawn with
matplotlib from the built-in layout, so a picture always comes out with
pip-installable dependencies only.

>>> import os, pathlib, tempfile
>>> import semigrad as sg
>>> g = sg.trace(lambda x, y: sg.exp(x) / y, 0.5, 2.0)
>>> path = render(g, os.path.join(tempfile.mkdtemp(), "graph.svg"), highlight=1)
>>> pathlib.Path(path).read_text().startswith("<svg")
True
"""

from __future__ import annotations

import os

import numpy as np

from ..graph import Graph
from ..semiring.algebras import Semiring
from .dot import has_graphviz, run_dot, scene_to_dot
from .layout import LINE_HEIGHT, Layout, layered_layout, layout
from .scene import COLOURS, FILLS, MAX_EDGES, Scene, build_scene
from .svg import scene_to_svg

FORMATS = (".svg", ".png", ".dot", ".gv")
DPI = 110


def render(
    graph: Graph,
    path: str | os.PathLike,
    forward: bool = True,
    backward: bool = True,
    highlight=None,
    semiring: Semiring | None = None,
    max_edges: int | None = MAX_EDGES,
    precision: int = 4,
    engine: str | None = None,
) -> str:
    """Write a picture of ``graph`` to ``path`` (.svg, .png, or .dot/.gv for the text).

    Options as :func:`~semigrad.viz.to_dot`; ``engine`` is "dot", "builtin"
    or None (dot when installed). Returns the path written.

    >>> import os, pathlib, tempfile
    >>> import semigrad as sg
    >>> out = render(sg.trace(sg.tanh, 0.3), os.path.join(tempfile.mkdtemp(), "t.dot"))
    >>> pathlib.Path(out).read_text().startswith("digraph")
    True
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ValueError(
            f"render: cannot write {path!r}: the file name must end in one of "
            f"{', '.join(FORMATS)}"
        )
    if engine not in (None, "dot", "builtin"):
        raise ValueError(f"render: engine must be 'dot', 'builtin' or None; got {engine!r}")
    scene = build_scene(graph, forward, backward, highlight, semiring, max_edges, precision)
    if ext in (".dot", ".gv"):
        _write(path, scene_to_dot(scene).encode())
    elif ext == ".svg":
        _write(path, scene_to_svg(scene, layout(scene, engine)).encode())
    elif engine == "dot" or (engine is None and has_graphviz()):
        _write(path, run_dot(scene_to_dot(scene), "png", f"-Gdpi={DPI}"))
    else:
        draw_png(scene, layered_layout(scene), path)
    return path


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def draw_png(scene: Scene, lay: Layout, path: str, dpi: int = DPI) -> None:
    """Draw a laid-out scene to a PNG with matplotlib (no Graphviz needed)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Ellipse, PathPatch, Polygon, Rectangle
        from matplotlib.path import Path as MplPath
    except ImportError:
        raise ImportError(
            "render: a PNG without Graphviz needs matplotlib (pip install matplotlib), or "
            "install Graphviz (apt-get install graphviz), or write .svg instead"
        ) from None
    legend = 22.0 if scene.legend else 0.0
    width, height = max(lay.width, 1.0), lay.height + legend
    fig = plt.figure(figsize=(width / 72, height / 72), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    for k, a in enumerate(scene.arrows):
        pts = lay.arrows[k].points
        colour = COLOURS["highlight"] if a.highlighted else COLOURS["arrow"]
        codes = [MplPath.MOVETO] + [MplPath.CURVE4] * (len(pts) - 1)
        ax.add_patch(PathPatch(MplPath(pts, codes), fill=False, edgecolor=colour,
                               linewidth=2.2 if a.highlighted else 0.9))
        tip = np.array(pts[-1])
        back = next((np.array(p) for p in reversed(pts[:-1])
                     if np.hypot(*(tip - np.array(p))) > 1e-6), tip - (1.0, 0.0))
        d = (tip - back) / np.hypot(*(tip - back))
        n = np.array([-d[1], d[0]])
        ax.add_patch(Polygon([tip, tip - 10 * d + 3.5 * n, tip - 10 * d - 3.5 * n],
                             closed=True, color=colour))
        label_at = lay.arrows[k].label_at
        if a.label and label_at is not None:
            ax.text(*label_at, a.label, fontsize=8, ha="center", va="center",
                    color=COLOURS["detail"])
    for b in scene.boxes:
        cx, cy, w, h = lay.boxes[b.id]
        edge = COLOURS["highlight"] if b.highlighted else "#333333"
        lw = 2.2 if b.highlighted else 0.8
        if b.shape == "ellipse":
            ax.add_patch(Ellipse((cx, cy), w, h, facecolor=FILLS[b.kind], edgecolor=edge,
                                 linewidth=lw, linestyle="--" if b.kind == "constant" else "-"))
        else:
            if b.shape == "fold":
                ax.add_patch(Rectangle((cx - w / 2 + 4, cy - h / 2 - 4), w, h,
                                       facecolor=FILLS[b.kind], edgecolor="#333333",
                                       linewidth=0.8))
            ax.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, facecolor=FILLS[b.kind],
                                   edgecolor=edge, linewidth=lw))
        first = cy - LINE_HEIGHT * (len(b.lines) - 1) / 2
        for i, line in enumerate(b.lines):
            small = line.role in ("shape", "detail")
            ax.text(cx, first + i * LINE_HEIGHT, line.text, ha="center", va="center",
                    fontsize=8 if small else 9.5, color=COLOURS[line.role],
                    fontweight="bold" if line.role == "name" else "normal")
    if scene.legend:
        x = 8.0
        for line in scene.legend:
            t = ax.text(x, lay.height + legend / 2, line.text, fontsize=8.5, va="center",
                        color=COLOURS[line.role])
            fig.canvas.draw()
            box = t.get_window_extent().transformed(ax.transData.inverted())
            x = box.x1 + 12
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
