"""What a picture of a graph shows, before anything is laid out or drawn.

:func:`build_scene` turns a :class:`~semigrad.graph.Graph` into a
:class:`Scene`: one :class:`Box` per value node (an ellipse labelled with its
name, shape, forward value and adjoint), per hyperedge (a box labelled with
its primitive) and per folded group of hyperedges, and one :class:`Arrow` per
hyperedge input (labelled with the input's position when there are several,
so that ``x / y`` shows which is the numerator) and per output. The DOT
writer, the SVG writer and the explorer page all read the same scene, so
the picture says the same thing whichever draws it.

Adjoints are the reverse sweep's: every output seeded with 1, so a node's
adjoint is ∂(sum of the outputs)/∂node. Large graphs are folded: runs of a
repeated block (an unrolled loop, the layers of a deep network) keep their
first and last block and fold the rest into one box with a count; what is
still too large keeps its first and last hyperedges and folds the middle.

>>> import semigrad as sg
>>> g = sg.trace(lambda x, y: x / y, 1.0, 4.0)
>>> s = build_scene(g)
>>> [b.id for b in s.boxes], [(a.src, a.dst, a.label) for a in s.arrows]
(['n0', 'n1', 'n2', 'e0'], [('n0', 'e0', '0'), ('n1', 'e0', '1'), ('e0', 'n2', '')])
>>> [line.text for line in s.box("n1").lines]
['y', '4', '∂ -0.0625']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..graph import Graph
from ..semiring.algebras import Counting, Entropy, Real, Semiring
from ..semiring.paths import Path
from ..semiring.sweep import sweep

#: Colours, by what they show (the same in DOT, SVG, PNG and the page).
COLOURS = {
    "name": "#111111",
    "shape": "#666666",
    "forward": "#c0392b",
    "backward": "#1f5fbf",
    "semiring": "#7b2cbf",
    "detail": "#444444",
    "highlight": "#e8590c",
    "arrow": "#555555",
}
FILLS = {
    "input": "#dde8ff",
    "output": "#ffe0cc",
    "op": "#ffffff",
    "constant": "#ffffff",
    "hyperedge": "#eeeeee",
    "fold": "#f6ecc9",
}
#: Arrays with at most this many elements have their values written on the node.
SMALL = 4
#: Graphs with more hyperedges than this are folded by default.
MAX_EDGES = 60
#: Longest repeated block looked for when folding.
MAX_PERIOD = 40


@dataclass
class Line:
    """One line of a box's label: its text and what it shows (a key of :data:`COLOURS`)."""

    text: str
    role: str


@dataclass
class Box:
    """A drawn node: a value (``kind`` input/constant/op/output), a hyperedge or a fold.

    ``node`` is the value node's index, ``edges`` the hyperedge indices the box
    stands for (one for a hyperedge box, many for a fold).
    """

    id: str
    kind: str
    lines: list[Line]
    node: int | None = None
    edges: tuple[int, ...] = ()
    highlighted: bool = False

    @property
    def shape(self) -> str:
        """"ellipse" for values, "box" for hyperedges, "fold" for folded groups."""
        if self.kind == "hyperedge":
            return "box"
        return "fold" if self.kind == "fold" else "ellipse"


@dataclass
class Arrow:
    """An arrow from box ``src`` to box ``dst``; ``position`` is the hyperedge input it feeds."""

    src: str
    dst: str
    label: str = ""
    position: int | None = None
    highlighted: bool = False

    @property
    def key(self) -> tuple:
        return (self.src, self.dst, self.position)


@dataclass
class Scene:
    """Boxes and arrows of one picture, with the legend that explains its colours."""

    boxes: list[Box]
    arrows: list[Arrow]
    legend: list[Line] = field(default_factory=list)
    title: str = ""
    #: hyperedge index → the id of the box that shows it (itself or its fold)
    owner: dict[int, str] = field(default_factory=dict)
    #: value node index → the id of the box that shows it (itself or the fold hiding it)
    place: dict[int, str] = field(default_factory=dict)

    def box(self, box_id: str) -> Box:
        """The box with this id.

        >>> import semigrad as sg
        >>> build_scene(sg.trace(sg.sin, 1.0)).box("e0").lines[0].text
        'sin'
        """
        for b in self.boxes:
            if b.id == box_id:
                return b
        raise KeyError(f"scene: no box {box_id!r}; the boxes are "
                       f"{', '.join(b.id for b in self.boxes)}")


# ---- numbers as text ------------------------------------------------------------


def format_value(value, precision: int = 4, small: int = SMALL) -> str | None:
    """Short text for a value: scalars and arrays of at most ``small`` elements, else None.

    >>> format_value(0.123456789), format_value(np.array([1.0, 2.5])), format_value(np.ones(9))
    ('0.1235', '[1, 2.5]', None)
    >>> format_value(2 ** 70), format_value(np.array(True))
    ('1180591620717411303424', 'true')
    """
    a = np.asarray(value)
    if a.size > small:
        return None
    if a.ndim == 0:
        return _scalar(a.item(), precision)
    return "[" + ", ".join(_scalar(v, precision) for v in a.reshape(-1).tolist()) + "]"


def describe_value(value, precision: int = 10, limit: int = 12) -> str:
    """Longer text for hover panels: every element up to ``limit``, then a summary.

    >>> describe_value(np.arange(3.0))
    '[0, 1, 2]'
    >>> describe_value(np.arange(100.0).reshape(10, 10), precision=3)
    'shape (10, 10): min 0, max 99, mean 49.5; first [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …]'
    """
    a = np.asarray(value)
    if a.size <= limit:
        return format_value(a, precision, small=limit)
    flat = a.reshape(-1)
    head = ", ".join(_scalar(v, precision) for v in flat[:limit].tolist())
    if a.dtype == object or a.dtype == bool:
        return f"shape {a.shape}; first [{head}, …]"
    stats = f"min {_scalar(flat.min(), precision)}, max {_scalar(flat.max(), precision)}, " \
            f"mean {_scalar(flat.mean(), precision)}"
    return f"shape {a.shape}: {stats}; first [{head}, …]"


def _scalar(v, precision: int) -> str:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, complex | np.complexfloating):
        return f"{complex(v):.{precision}g}"
    return f"{float(v):.{precision}g}"


def semiring_name(S: Semiring) -> str:
    """The class name users know a semiring by (``KMax(3)`` for k-best).

    >>> import semigrad as sg
    >>> semiring_name(sg.semirings.MaxProduct()), semiring_name(sg.semirings.KMax(3))
    ('MaxProduct', 'KMax(3)')
    """
    k = getattr(S, "k", None)
    return f"{type(S).__name__}({k})" if k is not None else type(S).__name__


def semiring_values(graph: Graph, S: Semiring) -> dict[int, np.ndarray]:
    """Every non-constant node's semiring adjoint as users see it, shaped like the node.

    Entropy gives H (nats); KMax its k values on a leading axis; Counting is
    exact past 2**53 (Python integers).

    >>> import semigrad as sg
    >>> g = sg.trace(lambda x: sg.sin(x) * x, 0.5)
    >>> {k: float(v) for k, v in semiring_values(g, sg.semirings.Counting()).items()}
    {0: 2.0, 1: 1.0, 2: 1.0}
    """
    if isinstance(S, type):
        S = S()
    values = _sweep_all(graph, S)
    if isinstance(S, Counting) and not S.exact_integers and any(
        np.max(v, initial=0) >= 2.0 ** 53 for v in values.values()
    ):
        values = _sweep_all(graph, Counting(exact_integers=True))
    return values


def _sweep_all(graph, S):
    adj = sweep(graph, S, keep=True)
    out = {}
    for node in graph.nodes:
        if node.kind == "constant":
            continue
        raw = adj.get(node.index)
        value = S.result(raw if raw is not None else S.zeros(node.shape))
        out[node.index] = value[1] if isinstance(S, Entropy) else value
    return out


# ---- paths on the picture -----------------------------------------------------------


def path_steps(graph: Graph, path: Path) -> list[tuple[int, int, int]]:
    """A path's hops as ``(node index, hyperedge index, input position)``, in order.

    Hops name nodes by label; the walk starts at the input and follows the
    hyperedge consuming the current node at the hop's position, so equal
    labels elsewhere in the graph cannot confuse it.

    >>> import semigrad as sg
    >>> g = sg.trace(lambda x, y: sg.exp(x) * y, 1.0, 2.0)
    >>> path_steps(g, sg.paths.top(g, k=1)[0])
    [(0, 0, 0), (2, 1, 0)]
    """
    starts = [n for n in graph.inputs if n.label == path.input]
    if not starts:
        raise ValueError(
            f"highlight: the path starts at input {path.input!r}, which is not an input of this "
            f"graph ({', '.join(n.label for n in graph.inputs)}); pass paths of this graph"
        )
    consumers: dict[int, list] = {}
    for e in graph.edges:
        for pos, n in enumerate(e.inputs):
            consumers.setdefault(n.index, []).append((e, pos))
    current, steps = starts[0], []
    for k, hop in enumerate(path.hops):
        match = next(((e, pos) for e, pos in consumers.get(current.index, [])
                      if pos == hop.position and e.primitive == hop.primitive
                      and e.output.label == hop.to_node), None)
        if match is None:
            raise ValueError(
                f"highlight: hop {k} of the path ({hop.node} → {hop.primitive}[{hop.position}] "
                f"→ {hop.to_node}) is not in this graph; pass paths of this graph"
            )
        e, pos = match
        steps.append((current.index, e.index, pos))
        current = e.output
    return steps


def path_marks(scene: Scene, graph: Graph, path: Path) -> tuple[list[str], list[int]]:
    """The box ids and arrow indices of ``scene`` that a path runs through."""
    boxes: list[str] = []
    arrows: list[int] = []
    index = {a.key: k for k, a in enumerate(scene.arrows)}

    def add_box(b):
        if not boxes or boxes[-1] != b:
            boxes.append(b)

    steps = path_steps(graph, path)
    if not steps:  # an input that is itself an output: a path without hops
        start = next(n for n in graph.inputs if n.label == path.input)
        return [scene.place[start.index]], []
    for node, edge, pos in steps:
        src, dst = scene.place[node], scene.owner[edge]
        add_box(src)
        if src != dst:
            key = (src, dst, pos) if dst.startswith("e") else (src, dst, None)
            if key in index:
                arrows.append(index[key])
        add_box(dst)
        out = scene.place[graph.edges[edge].output.index]
        if out != dst:
            key = (dst, out, None)
            if key in index:
                arrows.append(index[key])
        add_box(out)
    return boxes, arrows


# ---- folding -------------------------------------------------------------------------


def fold_groups(graph: Graph, max_edges: int | None = MAX_EDGES,
                repeats: int | None = None) -> list[dict]:
    """Groups of hyperedges to fold so that at most about ``max_edges`` stay drawn.

    Each group is ``{"edges": [indices], "title": str, "detail": str}``.
    Repeated blocks first (a block of hyperedges with the same primitives
    wired the same way, three or more times in a row: the middle copies fold),
    then the middle of whatever is still too large. ``repeats``: blocks
    repeated at least this many times fold whatever the graph's size (the
    layers of a deep network, a chain of one operation); None: only graphs
    of more than ``max_edges`` hyperedges fold; ``max_edges=None``: nothing folds.

    >>> import semigrad as sg
    >>> def f(h):
    ...     for _ in range(30):
    ...         h = sg.sin(h) + sg.cos(h)
    ...     return h
    >>> [(len(g["edges"]), g["title"]) for g in fold_groups(sg.trace(f, 0.1), max_edges=20)]
    [(81, '27 × repeated block')]
    >>> def chain(h):
    ...     for _ in range(8):
    ...         h = sg.tanh(h)
    ...     return h
    >>> [(len(g["edges"]), g["detail"]) for g in fold_groups(sg.trace(chain, 0.1), repeats=4)]
    [(5, 'tanh; 5 operations')]
    """
    n = len(graph.edges)
    big = max_edges is not None and n > max_edges
    if max_edges is None or not (big or repeats is not None):
        return []
    least = 3 if big else max(repeats, 3)
    signature = _signatures(graph)
    groups = []
    taken = np.zeros(n, dtype=bool)
    for start, period, repeats in _repeated_runs(signature, least):
        span = slice(start + period, start + (repeats - 1) * period)
        if taken[start:start + repeats * period].any():
            continue
        taken[start:start + repeats * period] = True
        names = [graph.edges[i].primitive for i in range(start, start + period)]
        chain = " → ".join(names) if period <= 6 else " → ".join(names[:5]) + f" → … ({period})"
        groups.append({
            "edges": list(range(n)[span]),
            "title": f"{repeats - 2} × repeated block",
            "detail": f"{chain}; {(repeats - 2) * period} operations",
        })
    units = _visible_units(n, groups)
    if len(units) > max_edges:
        keep = max(max_edges // 2, 1)
        middle = units[keep:len(units) - keep]
        edges = sorted(i for u in middle for i in u)
        groups = [g for g in groups if not set(g["edges"]) <= set(edges)]
        counts = Counter(graph.edges[i].primitive for i in edges)
        common = ", ".join(f"{name} ×{c}" for name, c in counts.most_common(4))
        groups.append({"edges": edges, "title": f"{len(edges)} operations folded",
                       "detail": common + (", …" if len(counts) > 4 else "")})
    return groups


def _visible_units(n, groups):
    """Hyperedges in order, each fold counting as one unit (a list of its indices)."""
    of = {}
    for k, g in enumerate(groups):
        for i in g["edges"]:
            of[i] = k
    units, seen = [], set()
    for i in range(n):
        k = of.get(i)
        if k is None:
            units.append([i])
        elif k not in seen:
            seen.add(k)
            units.append(list(groups[k]["edges"]))
    return units


def _signatures(graph):
    producer = {e.output.index: e.index for e in graph.edges}
    sigs = []
    for e in graph.edges:
        wiring = tuple(("edge", e.index - producer[n.index]) if n.index in producer else n.kind
                       for n in e.inputs)
        sigs.append((e.primitive, wiring, tuple(sorted(e.params))))
    return sigs


def _repeated_runs(sigs, least: int = 3):
    """(start, period, repeats) of runs repeating ``least`` times or more, the longest coverage
    first."""
    n = len(sigs)
    found = []
    for p in range(1, min(MAX_PERIOD, n // 3) + 1):
        i = 0
        while i + p < n:
            if sigs[i] != sigs[i + p]:
                i += 1
                continue
            j = i
            while j + p < n and sigs[j] == sigs[j + p]:
                j += 1
            repeats = (j - i + p) // p
            if repeats >= least:
                found.append((repeats * p, -p, i, p, repeats))
            i = j + 1
    found.sort(reverse=True)
    return [(start, p, r) for _, _, start, p, r in found]


# ---- the scene -----------------------------------------------------------------------


def build_scene(
    graph: Graph,
    forward: bool = True,
    backward: bool = True,
    highlight=None,
    semiring: Semiring | None = None,
    max_edges: int | None = MAX_EDGES,
    precision: int = 4,
    repeats: int | None = None,
) -> Scene:
    """The boxes and arrows that picture ``graph`` (see the module doc).

    ``forward``/``backward`` write values/adjoints on small nodes;
    ``highlight`` is a :class:`~semigrad.paths.Path`, a list of them, or an
    int k for the top k gradient paths; ``semiring`` adds that semiring's
    adjoint to each node; graphs with more than ``max_edges`` hyperedges are
    folded (None: never), and so are blocks repeated ``repeats`` times or more
    in a row (see :func:`fold_groups`).

    >>> import semigrad as sg
    >>> g = sg.trace(lambda x: sg.exp(x) * x, 1.0)
    >>> s = build_scene(g, highlight=1, semiring=sg.semirings.Counting())
    >>> [line.text for line in s.box("n0").lines], [b.id for b in s.boxes if b.highlighted]
    (['x', '1', '∂ 5.437', 'Counting 2'], ['n0', 'n2', 'e1'])
    """
    if isinstance(semiring, type):
        semiring = semiring()
    adjoint = semiring_values(graph, Real()) if backward else {}
    extra = semiring_values(graph, semiring) if semiring is not None else {}
    groups = fold_groups(graph, max_edges, repeats)
    group_of = {i: k for k, g in enumerate(groups) for i in g["edges"]}
    owner = {e.index: (f"f{group_of[e.index]}" if e.index in group_of else f"e{e.index}")
             for e in graph.edges}
    producer = {e.output.index: e.index for e in graph.edges}
    consumers: dict[int, set] = {}
    for e in graph.edges:
        for n in e.inputs:
            consumers.setdefault(n.index, set()).add(owner[e.index])
    outputs = {n.index for n in graph.outputs}

    place: dict[int, str] = {}
    for node in graph.nodes:
        made_by = owner.get(producer.get(node.index, -1))
        used_by = consumers.get(node.index, set())
        if node.kind == "constant" and node.index not in outputs:
            visible = any(u.startswith("e") for u in used_by)
        elif made_by is None or not made_by.startswith("f"):
            visible = True
        else:
            visible = node.index in outputs or bool(used_by - {made_by})
        if visible:
            place[node.index] = f"n{node.index}"
        elif made_by is not None:
            place[node.index] = made_by
        else:  # a constant only folded groups use: drawn inside the first of them
            place[node.index] = min(used_by, key=lambda b: int(b[1:]))

    boxes: list[Box] = []
    for node in graph.nodes:
        if place[node.index] != f"n{node.index}":
            continue
        kind = "output" if node.index in outputs else node.kind
        lines = _value_lines(node, forward, adjoint, extra, semiring, precision)
        boxes.append(Box(f"n{node.index}", kind, lines, node=node.index))
    arrows: list[Arrow] = []
    seen_arrows = set()
    drawn_groups = set()
    for e in graph.edges:
        box_id = owner[e.index]
        if box_id.startswith("e"):
            lines = [Line(e.primitive, "name")]
            params = _params_text(e.params)
            if params:
                lines.append(Line(params, "detail"))
            boxes.append(Box(box_id, "hyperedge", lines, edges=(e.index,)))
            many = len(e.inputs) > 1
            for pos, n in enumerate(e.inputs):
                arrows.append(Arrow(place[n.index], box_id, str(pos) if many else "", pos))
            arrows.append(Arrow(box_id, place[e.output.index]))
            continue
        k = group_of[e.index]
        if k not in drawn_groups:
            drawn_groups.add(k)
            g = groups[k]
            boxes.append(Box(box_id, "fold", [Line(g["title"], "name"),
                                              Line(g["detail"], "detail")],
                             edges=tuple(g["edges"])))
        for n in e.inputs:
            src = place[n.index]
            if src != box_id and (src, box_id) not in seen_arrows:
                seen_arrows.add((src, box_id))
                arrows.append(Arrow(src, box_id))
        dst = place[e.output.index]
        if dst != box_id and (box_id, dst) not in seen_arrows:
            seen_arrows.add((box_id, dst))
            arrows.append(Arrow(box_id, dst))
    boxes.sort(key=_box_order)

    legend = []
    if forward:
        legend.append(Line("forward value", "forward"))
    if backward:
        legend.append(Line("∂ adjoint: ∂output/∂node", "backward"))
    if semiring is not None:
        legend.append(Line(f"{semiring_name(semiring)} sweep", "semiring"))
    scene = Scene(boxes, arrows, legend, title=graph.name, owner=owner, place=place)
    if highlight is not None:
        paths = _paths(graph, highlight)
        for p in paths:
            box_ids, arrow_ids = path_marks(scene, graph, p)
            for b in scene.boxes:
                if b.id in box_ids:
                    b.highlighted = True
            for k in arrow_ids:
                scene.arrows[k].highlighted = True
        if paths:
            legend.append(Line(f"top {len(paths)} gradient path{'s' * (len(paths) > 1)}"
                               if isinstance(highlight, int) else "highlighted paths",
                               "highlight"))
    return scene


def _box_order(b: Box):
    """Value nodes in index order, then hyperedges and folds (stable for the writers)."""
    return (b.id[0] != "n", b.id[0] == "f", int(b.id[1:]))


def _paths(graph, highlight) -> list[Path]:
    if isinstance(highlight, bool):
        raise TypeError("highlight: pass paths (sg.paths.top(...)) or an int k, not a bool")
    if isinstance(highlight, int | np.integer):
        from ..semiring.paths import top

        return top(graph, k=int(highlight))
    if isinstance(highlight, Path):
        return [highlight]
    paths = list(highlight)
    for p in paths:
        if not isinstance(p, Path):
            raise TypeError(
                f"highlight: expected Path objects (from sg.paths.top) or an int k; got "
                f"{type(p).__name__}"
            )
    return paths


def _value_lines(node, forward, adjoint, extra, semiring, precision) -> list[Line]:
    value = node.value
    small = format_value(value, precision)
    if node.kind == "constant":
        return [Line(small if small is not None else node.label, "name"),
                *([] if small is not None else [Line(str(node.shape), "shape")])]
    lines = [Line(node.label, "name")]
    if np.ndim(value):
        lines.append(Line(str(node.shape), "shape"))
    if forward and small is not None:
        lines.append(Line(small, "forward"))
    if node.index in adjoint:
        text = format_value(adjoint[node.index], precision)
        if text is not None:
            lines.append(Line(f"∂ {text}", "backward"))
    if node.index in extra:
        text = format_value(extra[node.index], precision, small=SMALL * semiring.components)
        if text is not None:
            lines.append(Line(f"{semiring_name(semiring)} {text}", "semiring"))
    return lines


def _params_text(params: dict, width: int = 28) -> str:
    parts = []
    for key, value in params.items():
        if isinstance(value, np.ndarray):
            if value.size > 4:
                continue
            value = value.tolist()
        text = f"{key}={value}"
        if len(text) <= width:
            parts.append(text)
    return ", ".join(parts)
