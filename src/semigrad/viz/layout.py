"""A layered left-to-right layout that needs nothing but NumPy, for when Graphviz is absent.

The classic Sugiyama steps, kept small: ranks by longest path from the
inputs (constants sit just before their first consumer), dummy points on
arrows that skip ranks, a few barycentre sweeps to reduce crossings (the
best order seen is kept), then vertical positions that pull each box towards
its neighbours while keeping boxes apart (an isotonic regression per rank),
and smooth arrows through the dummy points. :func:`layout` picks Graphviz
when ``dot`` is installed and this otherwise.

>>> import semigrad as sg
>>> from semigrad.viz.scene import build_scene
>>> lay = layered_layout(build_scene(sg.trace(lambda x, y: x * y, 1.0, 2.0)))
>>> sorted(lay.boxes), lay.boxes["n0"][0] < lay.boxes["e0"][0] < lay.boxes["n2"][0]
(['e0', 'n0', 'n1', 'n2'], True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scene import Box, Scene

FONT_SIZE = 11.0
SMALL_FONT_SIZE = 9.0
LINE_HEIGHT = 13.0
RANK_GAP = 46.0
BOX_GAP = 16.0
#: Barycentre sweeps when ordering the boxes within ranks.
SWEEPS = 12


@dataclass
class ArrowGeometry:
    """A cubic Bézier path (1 + 3k points, y downwards) and where its label goes."""

    points: list[tuple[float, float]]
    label_at: tuple[float, float] | None = None


@dataclass
class Layout:
    """Positions in points: ``boxes[id] = (centre x, centre y, width, height)``.

    ``arrows[k]`` is the geometry of the scene's k-th arrow.
    """

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]]
    arrows: dict[int, ArrowGeometry]


def layout(scene: Scene, engine: str | None = None) -> Layout:
    """Lay the scene out with ``engine`` "dot" (Graphviz) or "builtin"; None: dot if installed.

    >>> import semigrad as sg
    >>> from semigrad.viz.scene import build_scene
    >>> layout(build_scene(sg.trace(sg.exp, 0.0)), engine="builtin").boxes["e0"][2] > 0
    True
    """
    from .dot import graphviz_layout, has_graphviz

    if engine is None:
        engine = "dot" if has_graphviz() else "builtin"
    if engine == "dot":
        return graphviz_layout(scene)
    if engine == "builtin":
        return layered_layout(scene)
    raise ValueError(f"layout: engine must be 'dot', 'builtin' or None; got {engine!r}")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the width of ``text`` in a sans-serif font, in points.

    >>> 20 < text_width("divide") < 40
    True
    """
    narrow = sum(c in "il.,:;|!'()[]1 " for c in text)
    return size * (0.58 * (len(text) - narrow) + 0.3 * narrow)


def box_size(b: Box) -> tuple[float, float]:
    """Width and height of a box with its label lines (ellipses circumscribe the text)."""
    widths = [text_width(line.text, SMALL_FONT_SIZE if line.role in ("shape", "detail")
                         else FONT_SIZE) for line in b.lines]
    w, h = max(widths, default=10.0), LINE_HEIGHT * len(b.lines)
    if b.shape == "ellipse":
        return max(w * 1.3 + 14, 54.0), max(h * 1.3 + 8, 36.0)
    return max(w + 16, 54.0), h + 12


def layered_layout(scene: Scene) -> Layout:
    """Lay the scene out left to right without Graphviz (see the module doc)."""
    ids = [b.id for b in scene.boxes]
    size = {b.id: box_size(b) for b in scene.boxes}
    kind = {b.id: b.kind for b in scene.boxes}
    ellipse = {b.id: b.shape == "ellipse" for b in scene.boxes}
    preds = {i: [] for i in ids}
    succs = {i: [] for i in ids}
    for a in scene.arrows:
        preds[a.dst].append(a.src)
        succs[a.src].append(a.dst)

    rank = _ranks(ids, preds, succs, kind)
    # Dummy points on arrows that skip ranks.
    chains: dict[int, list[str]] = {}
    vertices = list(ids)
    up = {i: list(dict.fromkeys(preds[i])) for i in ids}
    down = {i: list(dict.fromkeys(succs[i])) for i in ids}
    for k, a in enumerate(scene.arrows):
        chain = [a.src]
        for r in range(rank[a.src] + 1, rank[a.dst]):
            d = f"_d{k}_{r}"
            rank[d] = r
            size[d] = (0.0, 4.0)
            vertices.append(d)
            up[d], down[d] = [], []
            chain.append(d)
        chain.append(a.dst)
        for s, t in zip(chain, chain[1:]):
            down[s].append(t)
            up[t].append(s)
        chains[k] = chain
    layers = _order(vertices, rank, up, down)
    ys = _positions(layers, size, up, down)

    xs, x = {}, 0.0
    for layer in layers:
        width = max((size[v][0] for v in layer), default=0.0)
        for v in layer:
            xs[v] = x + width / 2
        x += width + RANK_GAP
    top = min((ys[v] - size[v][1] / 2 for v in vertices), default=0.0)
    margin = 8.0
    boxes = {i: (xs[i] + margin, ys[i] - top + margin, *size[i]) for i in ids}
    points = {v: (xs[v] + margin, ys[v] - top + margin) for v in vertices}
    width = max((cx + w / 2 for cx, _, w, _ in boxes.values()), default=0.0) + margin
    height = max((cy + h / 2 for _, cy, _, h in boxes.values()), default=0.0) + margin

    arrows = {}
    entering = _entry_offsets(scene, boxes, points, chains)
    for k, a in enumerate(scene.arrows):
        chain = chains[k]
        start = (_boundary_x(boxes[a.src], 0.0, True, ellipse[a.src]), boxes[a.src][1])
        dy = entering[k]
        end = (_boundary_x(boxes[a.dst], dy, False, ellipse[a.dst]), boxes[a.dst][1] + dy)
        way = [start, *(points[d] for d in chain[1:-1]), end]
        arrows[k] = ArrowGeometry(_smooth(way), _label_point(way) if a.label else None)
    return Layout(width, height, boxes, arrows)


def _ranks(ids, preds, succs, kind):
    order = _topological(ids, preds, succs)
    rank = {}
    for v in order:
        rank[v] = max((rank[u] + 1 for u in preds[v]), default=0)
    # Constants (sources that are not inputs) sit just before their first consumer.
    for v in reversed(order):
        if not preds[v] and kind[v] != "input" and succs[v]:
            rank[v] = max(min(rank[s] for s in succs[v]) - 1, 0)
    return rank


def _topological(ids, preds, succs):
    missing = {i: len(preds[i]) for i in ids}
    ready = [i for i in ids if missing[i] == 0]
    order = []
    while ready:
        v = ready.pop(0)
        order.append(v)
        for s in succs[v]:
            missing[s] -= 1
            if missing[s] == 0:
                ready.append(s)
    if len(order) != len(ids):
        raise ValueError("layout: the scene has a cycle; a traced graph never does")
    return order


def _order(vertices, rank, up, down):
    n_ranks = max(rank.values(), default=-1) + 1
    layers = [[] for _ in range(n_ranks)]
    for v in vertices:  # first appearance: inputs in their order, then graph order
        layers[rank[v]].append(v)
    best, best_crossings = [list(layer) for layer in layers], _crossings(layers, down)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        span = range(1, n_ranks) if downward else range(n_ranks - 2, -1, -1)
        for r in span:
            fixed = {v: k for k, v in enumerate(layers[r - 1 if downward else r + 1])}
            neighbours = up if downward else down

            def centre(v, k, fixed=fixed, neighbours=neighbours):
                ps = [fixed[u] for u in neighbours[v] if u in fixed]
                return (sum(ps) / len(ps) if ps else k, k)

            layers[r] = [v for _, v in sorted((centre(v, k), v) for k, v in
                                              enumerate(layers[r]))]
        crossings = _crossings(layers, down)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in layers], crossings
    return best


def _crossings(layers, down) -> int:
    total = 0
    for left, right in zip(layers, layers[1:]):
        pos = {v: k for k, v in enumerate(right)}
        ends = [(k, pos[t]) for k, v in enumerate(left) for t in down[v] if t in pos]
        ends.sort()
        targets = [t for _, t in ends]
        for i in range(len(targets)):
            for j in range(i + 1, len(targets)):
                if targets[j] < targets[i]:
                    total += 1
    return total


def _positions(layers, size, up, down):
    """Vertical centres: pulled towards the neighbours, boxes kept apart in their order."""
    ys = {}
    for layer in layers:
        y = 0.0
        for v in layer:
            ys[v] = y + size[v][1] / 2
            y += size[v][1] + BOX_GAP
        shift = (y - BOX_GAP) / 2
        for v in layer:
            ys[v] -= shift
    for sweep in range(8):
        order = layers if sweep % 2 == 0 else layers[::-1]
        for layer in order:
            wanted = []
            for v in layer:
                near = up[v] + down[v]
                wanted.append(np.mean([ys[u] for u in near]) if near else ys[v])
            gaps = [(size[a][1] + size[b][1]) / 2 + (BOX_GAP if size[a][0] and size[b][0]
                                                     else 6.0)
                    for a, b in zip(layer, layer[1:])]
            for v, y in zip(layer, _spaced(np.array(wanted, dtype=float), gaps)):
                ys[v] = y
    return ys


def _spaced(wanted: np.ndarray, gaps) -> np.ndarray:
    """Closest positions (least squares) to ``wanted`` with y[i+1] − y[i] ≥ gaps[i].

    With c the running sum of the gaps, z = y − c must be non-decreasing: the
    isotonic regression of wanted − c (pool adjacent violators).
    """
    if wanted.size == 0:
        return wanted
    offset = np.concatenate([[0.0], np.cumsum(gaps)])
    target = wanted - offset
    blocks: list[list[float]] = []  # [mean, count]
    for t in target:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    z = np.concatenate([[m] * int(c) for m, c in blocks])
    return z + offset


def _boundary_x(box, dy, right, ellipse):
    cx, _, w, h = box
    half = w / 2
    if ellipse:  # where the horizontal line at height dy meets the ellipse
        half *= np.sqrt(max(1.0 - (2 * dy / h) ** 2, 0.0))
    return cx + half if right else cx - half


def _entry_offsets(scene, boxes, points, chains):
    """Arrows entering one box spread over its left side, in the order of their sources."""
    incoming: dict[str, list[int]] = {}
    for k, a in enumerate(scene.arrows):
        incoming.setdefault(a.dst, []).append(k)
    offsets = {}
    for dst, ks in incoming.items():
        ks.sort(key=lambda k: (points[chains[k][-2]][1], k))
        h = boxes[dst][3]
        step = min(h / (len(ks) + 1), 10.0)
        for j, k in enumerate(ks):
            offsets[k] = (j - (len(ks) - 1) / 2) * step
    return offsets


def _smooth(way):
    """A cubic Bézier through the way points with horizontal tangents (1 + 3k points)."""
    pts = [way[0]]
    for (x0, y0), (x1, y1) in zip(way, way[1:]):
        dx = (x1 - x0) / 2
        pts += [(x0 + dx, y0), (x1 - dx, y1), (x1, y1)]
    return pts


def _label_point(way):
    (x0, y0), (x1, y1) = way[-2], way[-1]
    t = 0.7
    # On the last segment of the curve (horizontal tangents): x linear, y smooth.
    s = t * t * (3 - 2 * t)
    return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * s - 5)
