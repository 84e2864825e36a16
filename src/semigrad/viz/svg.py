"""SVG of a laid-out scene, written by hand: the same picture with or without Graphviz.

Every box is a ``<g class="node KIND" id="n3">`` (value nodes ``n``,
hyperedges ``e``, folds ``f`` followed by the index) holding its shape and
one ``<text>`` per label line with a class saying what it shows (``name``,
``shape``, ``forward``, ``backward``, ``semiring``, ``detail``); every arrow a
``<g class="arrow" id="a7" data-src=".." data-dst="..">``. The explorer
page finds nodes and lines by these names. Highlighted boxes and arrows
carry the class ``highlighted`` as well as their orange stroke.

>>> import semigrad as sg
>>> svg = to_svg(sg.trace(lambda x, y: x / y, 1.0, 4.0), engine="builtin")
>>> svg.startswith("<svg") and 'id="e0"' in svg and 'class="backward"' in svg
True
"""

from __future__ import annotations

import html

from ..graph import Graph
from ..semiring.algebras import Semiring
from .layout import LINE_HEIGHT, Layout, layout
from .scene import COLOURS, FILLS, MAX_EDGES, Box, Scene, build_scene

FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
LEGEND_HEIGHT = 22.0


def to_svg(
    graph: Graph,
    forward: bool = True,
    backward: bool = True,
    highlight=None,
    semiring: Semiring | None = None,
    max_edges: int | None = MAX_EDGES,
    precision: int = 4,
    engine: str | None = None,
) -> str:
    """An SVG picture of ``graph`` (options as :func:`~semigrad.viz.to_dot`).

    ``engine``: "dot" (Graphviz lays it out), "builtin" (no Graphviz needed)
    or None (dot when installed).

    >>> import semigrad as sg
    >>> svg = to_svg(sg.trace(lambda x: sg.sin(x) * x, 0.5), highlight=1, engine="builtin")
    >>> svg.count('class="node'), svg.count('class="arrow'), 'highlighted' in svg
    (5, 5, True)
    """
    scene = build_scene(graph, forward, backward, highlight, semiring, max_edges, precision)
    return scene_to_svg(scene, layout(scene, engine))


def scene_to_svg(scene: Scene, lay: Layout, standalone: bool = True, prefix: str = "") -> str:
    """SVG text of a scene at the positions of ``lay``.

    ``standalone`` adds the XML namespace a separate .svg file needs; SVG
    inside an HTML page goes without it. ``prefix`` starts every id (boxes,
    arrows, markers), so that two pictures can share a page.

    >>> import semigrad as sg
    >>> from semigrad.viz.layout import layout
    >>> from semigrad.viz.scene import build_scene
    >>> scene = build_scene(sg.trace(sg.sin, 1.0))
    >>> 'id="u-e0"' in scene_to_svg(scene, layout(scene, "builtin"), prefix="u-")
    True
    """
    width, height = lay.width, lay.height + (LEGEND_HEIGHT if scene.legend else 0.0)
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    out = [
        f'<svg{ns} class="sg-graph" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{FONT_FAMILY}" '
        'role="img">',
        "<defs>",
        _marker(f"{prefix}sg-head", COLOURS["arrow"]),
        _marker(f"{prefix}sg-head-highlight", COLOURS["highlight"]),
        "</defs>",
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="#ffffff"/>',
    ]
    for k, a in enumerate(scene.arrows):
        geo = lay.arrows[k]
        pts = geo.points
        d = f"M{pts[0][0]:.1f},{pts[0][1]:.1f} " + " ".join(
            f"C{pts[i][0]:.1f},{pts[i][1]:.1f} {pts[i + 1][0]:.1f},{pts[i + 1][1]:.1f} "
            f"{pts[i + 2][0]:.1f},{pts[i + 2][1]:.1f}" for i in range(1, len(pts) - 2, 3))
        colour = COLOURS["highlight"] if a.highlighted else COLOURS["arrow"]
        head = prefix + ("sg-head-highlight" if a.highlighted else "sg-head")
        cls = "arrow highlighted" if a.highlighted else "arrow"
        out.append(f'<g class="{cls}" id="{prefix}a{k}" data-src="{a.src}" data-dst="{a.dst}">'
                   f'<path d="{d}" fill="none" stroke="{colour}" '
                   f'stroke-width="{3 if a.highlighted else 1.2}" marker-end="url(#{head})"/>')
        if a.label and geo.label_at is not None:
            x, y = geo.label_at
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="9" text-anchor="middle" '
                       f'fill="{COLOURS["detail"]}" class="position">{_esc(a.label)}</text>')
        out.append("</g>")
    for b in scene.boxes:
        out.append(_box_svg(b, lay.boxes[b.id], prefix))
    if scene.legend:
        x, y = 8.0, lay.height + LEGEND_HEIGHT - 8
        parts = []
        for line in scene.legend:
            parts.append(f'<tspan fill="{COLOURS[line.role]}">{_esc(line.text)}</tspan>')
        out.append(f'<text class="legend" x="{x}" y="{y:.1f}" font-size="10">'
                   + '<tspan fill="#999999"> · </tspan>'.join(parts) + "</text>")
    out.append("</svg>")
    return "\n".join(out)


def _marker(name: str, colour: str) -> str:
    return (f'<marker id="{name}" markerWidth="10" markerHeight="7" refX="10" refY="3.5" '
            f'orient="auto" markerUnits="userSpaceOnUse"><path d="M0,0 L10,3.5 L0,7 z" '
            f'fill="{colour}"/></marker>')


def _box_svg(b: Box, geometry, prefix: str = "") -> str:
    cx, cy, w, h = geometry
    stroke = COLOURS["highlight"] if b.highlighted else "#333333"
    sw = 3 if b.highlighted else 1
    fill = FILLS[b.kind]
    cls = f"node {b.kind}" + (" highlighted" if b.highlighted else "")
    parts = [f'<g class="{cls}" id="{prefix}{b.id}">',
             f"<title>{_esc(' '.join(line.text for line in b.lines))}</title>"]
    if b.shape == "ellipse":
        dash = ' stroke-dasharray="4,3"' if b.kind == "constant" else ""
        parts.append(f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/>')
    else:
        if b.shape == "fold":  # a stack of blocks
            parts.append(f'<rect x="{cx - w / 2 + 4:.1f}" y="{cy - h / 2 - 4:.1f}" '
                         f'width="{w:.1f}" height="{h:.1f}" fill="{fill}" stroke="#333333"/>')
        parts.append(f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" '
                     f'height="{h:.1f}" rx="2" fill="{fill}" stroke="{stroke}" '
                     f'stroke-width="{sw}"/>')
    first = cy - LINE_HEIGHT * len(b.lines) / 2 + LINE_HEIGHT * 0.78
    for i, line in enumerate(b.lines):
        small = line.role in ("shape", "detail")
        weight = ' font-weight="bold"' if line.role == "name" else ""
        parts.append(f'<text class="{line.role}" x="{cx:.1f}" y="{first + i * LINE_HEIGHT:.1f}" '
                     f'text-anchor="middle" font-size="{9 if small else 11}"{weight} '
                     f'fill="{COLOURS[line.role]}">{_esc(line.text)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
