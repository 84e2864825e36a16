"""Graphviz text for a graph: values in red, adjoints in blue, top paths in orange.

:func:`to_dot` writes the :mod:`~semigrad.viz.scene` of a graph as DOT:
value nodes are ellipses whose HTML-like labels carry the name, the shape,
the forward value (red) and the adjoint (blue); hyperedges are boxes labelled
with their primitive, their input arrows labelled with the input position
when there are several; folded groups are folder-shaped boxes with a count;
highlighted paths are thick and orange. :func:`graphviz_layout` asks
Graphviz's ``dot`` (when installed) where to put everything, for the SVG
writer.

>>> import semigrad as sg
>>> text = to_dot(sg.trace(lambda x, y: x / y, 1.0, 4.0))
>>> 'n0 -> e0 [label="0"]' in text and 'n1 -> e0 [label="1"]' in text
True
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess

from ..graph import Graph
from ..semiring.algebras import Semiring
from .scene import COLOURS, FILLS, MAX_EDGES, Box, Scene, build_scene

FONT = "Helvetica"
#: Seconds Graphviz may take to lay out one graph.
DOT_TIMEOUT = 60


def to_dot(
    graph: Graph,
    forward: bool = True,
    backward: bool = True,
    highlight=None,
    semiring: Semiring | None = None,
    max_edges: int | None = MAX_EDGES,
    precision: int = 4,
) -> str:
    """Graphviz text of ``graph`` with forward values, adjoints and highlighted paths.

    ``highlight``: a Path, a list of Paths (``sg.paths.top(...)``) or an int
    k for the top k gradient paths. ``semiring``: also write that semiring's
    adjoint on each node (purple). Graphs with more than ``max_edges``
    hyperedges are folded (None: never).

    >>> import semigrad as sg
    >>> g = sg.trace(lambda x, y: sg.sin(x) / y, 1.0, 2.0)
    >>> text = to_dot(g, highlight=1)
    >>> text.count("shape=box"), 'label="divide"' in text, "#c0392b" in text
    (2, True, True)
    >>> print(next(line for line in text.splitlines() if "n0 -> e0" in line))
      n0 -> e0 [color="#e8590c", penwidth=3];
    """
    return scene_to_dot(build_scene(graph, forward, backward, highlight, semiring, max_edges,
                                    precision))


def scene_to_dot(scene: Scene) -> str:
    """DOT text of a scene (see :func:`to_dot`).

    >>> import semigrad as sg
    >>> from semigrad.viz.scene import build_scene
    >>> scene_to_dot(build_scene(sg.trace(sg.exp, 0.0))).splitlines()[0]
    'digraph semigrad {'
    """
    lines = [
        "digraph semigrad {",
        "  rankdir=LR;",
        f'  node [fontname="{FONT}", fontsize=11];',
        f'  edge [fontname="{FONT}", fontsize=9, color="{COLOURS["arrow"]}"];',
    ]
    if scene.legend:
        items = " &#183; ".join(
            f'<font color="{COLOURS[line.role]}">{_escape(line.text)}</font>'
            for line in scene.legend
        )
        lines.append(f'  label=<{items}>; labelloc=b; labeljust=l; fontname="{FONT}"; '
                     "fontsize=10;")
    for b in scene.boxes:
        lines.append(f"  {b.id} [{_box_attributes(b)}];")
    for a in scene.arrows:
        attrs = []
        if a.label:
            attrs.append(f'label="{a.label}"')
        if a.highlighted:
            attrs.append(f'color="{COLOURS["highlight"]}", penwidth=3')
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {a.src} -> {a.dst}{tail};")
    lines.append("}")
    return "\n".join(lines)


def _box_attributes(b: Box) -> str:
    if b.shape == "box":
        attrs = [f'shape=box, label="{_plain(b)}", style=filled, fillcolor="{FILLS[b.kind]}"']
    elif b.shape == "fold":
        attrs = [f'shape=folder, label="{_plain(b)}", style=filled, fillcolor="{FILLS[b.kind]}"']
    else:
        rows = "<br/>".join(_html_line(line.text, line.role) for line in b.lines)
        attrs = [f"shape=ellipse, label=<{rows}>"]
        if b.kind == "constant":
            attrs.append("style=dashed")
        else:
            attrs.append(f'style=filled, fillcolor="{FILLS[b.kind]}"')
    if b.highlighted:
        attrs.append(f'color="{COLOURS["highlight"]}", penwidth=3')
    return ", ".join(attrs)


def _html_line(text: str, role: str) -> str:
    text = _escape(text)
    if role == "name":
        return f"<b>{text}</b>"
    size = ' point-size="9"' if role in ("shape", "detail") else ""
    return f'<font color="{COLOURS[role]}"{size}>{text}</font>'


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _plain(b: Box) -> str:
    return "\\n".join(line.text.replace("\\", "\\\\").replace('"', '\\"') for line in b.lines)


# ---- layout by Graphviz -----------------------------------------------------------------


def has_graphviz() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH.

    >>> isinstance(has_graphviz(), bool)
    True
    """
    return shutil.which("dot") is not None


def run_dot(text: str, fmt: str, *options: str) -> bytes:
    """Run ``dot -T<fmt> options...`` on DOT text; errors say what Graphviz said.

    >>> import semigrad as sg
    >>> not has_graphviz() or run_dot(to_dot(sg.trace(sg.exp, 0.0)), "svg").startswith(b"<?xml")
    True
    """
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("Graphviz's dot is not installed (apt-get install graphviz)")
    done = subprocess.run([exe, f"-T{fmt}", *options], input=text.encode(), capture_output=True,
                          timeout=DOT_TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def graphviz_layout(scene: Scene):
    """Where Graphviz puts the scene's boxes and arrows, as a :class:`~.layout.Layout`.

    Coordinates in points, y downwards; each arrow a cubic Bézier (1 + 3k
    points) ending at its arrowhead's tip.
    """
    from .layout import ArrowGeometry, Layout

    data = json.loads(run_dot(scene_to_dot(scene), "json"))
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
    pad = 6.0  # the bounding box is tight: keep thick outlines inside the picture
    height = y1 - y0 + 2 * pad

    def point(text):
        x, y = (float(v) for v in text.split(",")[-2:])
        return (x - x0 + pad, height - pad - (y - y0))

    names, boxes = {}, {}
    for obj in data.get("objects", []):
        names[obj["_gvid"]] = obj["name"]
        cx, cy = point(obj["pos"])
        boxes[obj["name"]] = (cx, cy, float(obj["width"]) * 72, float(obj["height"]) * 72)
    pending = {}
    for k, a in enumerate(scene.arrows):
        pending.setdefault((a.src, a.dst, a.label), []).append(k)
    arrows = {}
    for edge in data.get("edges", []):
        key = (names[edge["tail"]], names[edge["head"]], edge.get("label", ""))
        k = pending[key].pop(0)
        parts = edge["pos"].split()
        end = None
        if parts[0].startswith("e,"):
            end = point(parts[0][2:])
            parts = parts[1:]
        if parts and parts[0].startswith("s,"):
            parts = parts[1:]
        points = [point(p) for p in parts]
        if end is not None:  # continue the curve straight to the arrowhead's tip
            last = points[-1]
            points += [last, end, end]
        label_at = point(edge["lp"]) if "lp" in edge else None
        arrows[k] = ArrowGeometry(points, label_at)
    return Layout(x1 - x0 + 2 * pad, height, boxes, arrows)
