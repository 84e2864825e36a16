"""The explorer page: everything semigrad knows about a function at a point, on one screen.

:func:`analyse` computes it (value, gradient by reverse mode, forward mode,
finite differences and SymPy with their errors and costs, the Hessian, the
number of Bauer paths per input, the top gradient paths, and the MaxProduct,
Counting, Entropy and Boolean sweeps per input and per node);
:func:`explain` writes it as one self-contained HTML file (inline SVG, CSS and
JavaScript; nothing is fetched). In the page, hovering a node shows its
forward value and adjoint, choosing an input highlights its top paths in
the picture, a control switches the semiring whose values are written on
the nodes, repeated layers are folded into a box that unfolds on click, and
switches show or hide each column.

Each part that cannot be computed (SymPy missing, too many inputs for a
Hessian, a complex step through a function that is not analytic, a symbolic
gradient NumPy cannot evaluate) says why in the page instead of failing the
report. Each column beyond reverse mode (:data:`COLUMNS`) runs within a
``budget`` (:class:`~semigrad.viz.budget.Budget`, default
:data:`PAGE_BUDGET`: in a worker process, unless it is predicted to be
cheap) and says "skipped: took longer than 2 s" past it; ``columns``
switches columns off.

>>> import semigrad as sg
>>> page = explain(sg.parse("x * sin(y)"), 2.0, 0.5)
>>> page.startswith("<!doctype html>") and 'id="gradient-table"' in page
True
"""

from __future__ import annotations

import html
import json
import math
import os
import time

import numpy as np

from ..autodiff import hessian, jacfwd, value_and_grad
from ..cost import cost, edge_flops, on_one_vector
from ..graph import trace
from ..numeric import gradient as numeric_gradient
from ..parse import Expression
from ..semiring import algebras
from ..semiring.paths import bauer_gradient, top
from .budget import MIB, Budget, OverBudget, WorkFailed, in_words, run_bounded
from .layout import layout
from .scene import (
    COLOURS,
    MAX_EDGES,
    build_scene,
    describe_value,
    fold_groups,
    format_value,
    path_marks,
    semiring_values,
)
from .svg import scene_to_svg

#: The semirings the page shows, in the order of its control.
SEMIRINGS = {
    "Real": (algebras.Real(), "∂", "adjoint ∂f/∂node (the gradient at the inputs)"),
    "MaxProduct": (algebras.MaxProduct(), "max", "weight of the top path to the output"),
    "Counting": (algebras.Counting(), "#", "number of paths to the output"),
    "Entropy": (algebras.Entropy(), "H", "entropy (nats) of p(path) ∝ |path weight|"),
    "Boolean": (algebras.Boolean(), "dep", "whether the output depends on the node"),
}

#: The parts of the page beyond reverse mode, in the page's order: each can be switched off
#: (``columns=``) and each is computed within the page's budget (``budget=``).
COLUMNS = {
    "forward": "forward mode",
    "central": "central differences",
    "richardson": "Richardson extrapolation",
    "complex": "complex step",
    "symbolic": "SymPy's symbolic gradient",
    "hessian": "the Hessian",
    "paths": "the top gradient paths and the sum over Bauer paths",
}
#: The budget of each column unless one is given: a 4×8 input into an 8-16-3 MLP, whose
#: symbolic gradient takes SymPy about 3 s, gets its page in about 2.5 s.
PAGE_BUDGET = Budget(seconds=2.0)

#: A column predicted (from the time of one reverse pass) to take less than this fraction of
#: its budget runs without a worker process.
CHEAP = 50
#: Evaluations of f per input element of each numerical method (numeric.gradient's defaults),
#: for that prediction.
EVALUATIONS = {"central": 2, "richardson": 16, "complex": 1}

#: Blocks repeated this many times in a row fold in the page's picture (explain's ``fold``).
FOLD_REPEATS = 4
#: Values a fold's hover text lists (of those it hides).
FOLD_VALUES = 8
#: The id prefixes of the page's pictures: folded (the one shown first) and unfolded.
PREFIXES = ("", "u-")

#: Limits that keep a report quick: past them a part is skipped with a note.
LIMITS = {
    "hessian": 40,  # input elements
    "numeric": 2000,
    "richardson": 200,
    "symbolic_inputs": 32,
    "symbolic_tree": 5000,  # nodes of f written as a tree
    "paths_flops": 2_000_000,  # scalar path work (flops of the forward pass)
    "bauer_paths": 5000,
    "table_elements": 8,  # per-element columns and rows
}


def _timed(fn, repeat=3):
    result = fn()
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def _names(graph, shapes) -> list[str]:
    """One name per input element: ``x`` for scalars, ``W[0,1]`` inside arrays."""
    names = []
    for node, shape in zip(graph.inputs, shapes):
        if shape == ():
            names.append(node.label)
        else:
            names += [f"{node.label}[{','.join(map(str, i))}]" for i in np.ndindex(shape)]
    return names


def analyse(f, *args, k: int = 3, columns=None, budget: Budget | None = PAGE_BUDGET) -> dict:
    """Everything the page shows, as plain Python data (JSON-ready; see the module doc).

    ``f`` takes ``args`` (floats or arrays) and returns a scalar; ``k`` top
    paths are listed per input; ``columns`` names the parts to compute (keys
    of :data:`COLUMNS`; None: all); ``budget`` bounds each of them (None:
    they run in this process, unbounded). A part past its budget is
    ``{"error": "skipped: took longer than 2 s (over budget)", "over_budget": True}``.

    >>> import semigrad as sg
    >>> a = analyse(sg.parse("x * y"), 3.0, 4.0, columns=["central"])
    >>> a["value"], a["gradient"], a["path_counts"], list(a["methods"])
    (12.0, [4.0, 3.0], [1, 1], ['reverse mode', 'central'])
    >>> a["methods"]["central"]["max_abs_error"] < 1e-9, a["switched_off"][:2]
    (True, ['forward', 'richardson'])
    """
    return _analyse(f, args, k, _columns(columns), budget)[0]


def _columns(columns) -> tuple[str, ...]:
    """The columns to compute, in the page's order; unknown names are an error."""
    if columns is None:
        return tuple(COLUMNS)
    if isinstance(columns, str):
        columns = [c for c in columns.split(",") if c.strip()]
    wanted = {c.strip() for c in columns}
    unknown = sorted(wanted - set(COLUMNS))
    if unknown:
        raise ValueError(f"explain: columns: unknown {', '.join(map(repr, unknown))}; choose "
                         f"from {', '.join(COLUMNS)} (reverse mode is always computed)")
    return tuple(c for c in COLUMNS if c in wanted)


def _within(fn, budget: Budget | None, predicted: float = math.inf) -> dict:
    """``{"value": fn()}`` within ``budget`` (None: here, unbounded), or ``{"error": why not}``.

    A column ``predicted`` to take under 1/:data:`CHEAP` of its budget runs in
    this process: a worker costs a fork (some 20 ms), more than the column.
    """
    try:
        if budget is None or predicted * CHEAP < budget.seconds:
            with np.errstate(all="ignore"):
                return {"value": fn()}
        return {"value": run_bounded(fn, budget=budget)}
    except OverBudget as e:
        why = (f"took longer than {budget.seconds:g} s" if e.limit == "time"
               else f"needed more than {budget.memory // MIB} MiB of memory")
        return {"error": f"skipped: {why} (over budget)", "over_budget": True}
    except WorkFailed as e:
        return {"error": f"n/a: {e}"}
    except (ValueError, TypeError, ArithmeticError, NotImplementedError, NameError) as e:
        return {"error": f"n/a: {in_words(e)}"}


def _analyse(f, args, k, columns=tuple(COLUMNS), budget=None):
    """(the data, the traced graph, the top Path objects per input position)."""
    arrays = [np.asarray(a, dtype=float) for a in args]
    shapes = [a.shape for a in arrays]
    graph = trace(f, *arrays)
    if len(graph.outputs) != 1 or graph.outputs[0].shape != ():
        raise ValueError(
            f"explain: f must return a scalar; got {len(graph.outputs)} output(s) of shape "
            f"{graph.outputs[0].shape if graph.outputs else ()}: reduce it, e.g. with sg.sum"
        )
    names = [n.label for n in graph.inputs]
    elements = _names(graph, shapes)
    on_vector, x = on_one_vector(f, arrays)  # the CLI's form too: the same counts

    value = float(graph.outputs[0].value)
    (_, reverse), seconds = _timed(lambda: value_and_grad(on_vector)(x))
    reverse = np.asarray(reverse, dtype=float)
    costs = cost(on_vector, x, order=1)
    methods = {"reverse mode": {"gradient": reverse.tolist(), "max_abs_error": 0.0,
                                "operations": costs["gradient"].operations,
                                "seconds": seconds}}

    result = {
        "title": getattr(f, "__name__", "f").replace("<lambda>", "f"),
        "expression": f.text if isinstance(f, Expression) else None,
        "names": names,
        "shapes": [list(s) for s in shapes],
        "elements": elements,
        "point": [a.tolist() for a in arrays],
        "value": value,
        "gradient": reverse.tolist(),
        "methods": methods,
        "edges": len(graph),
        "columns": list(columns),
        "switched_off": [c for c in COLUMNS if c not in columns],
        "budget": None if budget is None else {"seconds": budget.seconds,
                                               "memory": budget.memory},
    }
    result["costs"] = {key: {"operations": c.operations, "flops": c.flops}
                       for key, c in costs.items()}
    if "hessian" in columns:
        result.update(_hessian(on_vector, x, budget, seconds))
        if "hessian_cost" in result:
            result["costs"]["hessian"] = result.pop("hessian_cost")

    per_input = {}
    per_node = {}
    for name, (S, _, _) in SEMIRINGS.items():
        values = semiring_values(graph, S)
        per_node[name] = values
        per_input[name] = [_plain(values.get(node.index, np.zeros(node.shape)))
                           for node in graph.inputs]
    result["semirings"] = per_input
    # The size of f written as a tree (shared subexpressions repeated): every node once per
    # path from it to the output, which is what the Counting sweep counts.
    tree = _total([v for v in per_node["Counting"].values()])
    methods.update(_other_methods(on_vector, graph, x, reverse, tree, columns, budget, seconds))
    result["path_counts"] = [_total(c) for c in per_input["Counting"]]
    result["nodes"] = _node_data(graph, per_node)

    input_paths = {}
    result["top_paths"], result["input_paths"] = [], {}
    if "paths" in columns:
        found, input_paths = _paths(graph, k, sum(result["path_counts"]), budget)
        result.update(found)
    return result, graph, input_paths


def _paths(graph, k: int, total: int, budget) -> tuple[dict, dict]:
    """The paths column (top paths, their sum over all paths) and the top Path objects."""
    work = sum(edge_flops(e) for e in graph.edges)
    if work > LIMITS["paths_flops"]:
        return {"paths_skipped": f"the forward pass does {work} flops; scalar paths are "
                                 f"listed up to {LIMITS['paths_flops']}"}, {}

    def run():
        ranked = [_path_data(p) for p in top(graph, k=max(k, 5))]
        each = {i: top(graph, [i], k=k) for i in range(len(graph.inputs))}
        bauer = ([_plain(g) for g in bauer_gradient(graph, None, LIMITS["bauer_paths"])]
                 if total <= LIMITS["bauer_paths"] else None)
        return ranked, each, bauer

    done = _within(run, budget)
    if "error" in done:
        return {"paths_skipped": done["error"].removeprefix("skipped: "),
                "paths_over_budget": done.get("over_budget", False)}, {}
    ranked, each, bauer = done["value"]
    found = {"top_paths": ranked,
             "input_paths": {i: [_path_data(p) for p in ps] for i, ps in each.items()}}
    if bauer is not None:
        found["bauer"] = bauer
    return found, each


def _hessian(on_vector, x, budget, seconds: float) -> dict:
    """``{"hessian": rows, "hessian_cost": its count}`` or ``{"hessian_skipped": why}``."""
    n = x.size
    if n > LIMITS["hessian"]:
        return {"hessian_skipped": f"{n} input elements: more than {LIMITS['hessian']}; "
                                   "use sg.hessian or sg.hvp directly"}

    def run():
        h = np.asarray(hessian(on_vector)(x), dtype=float).reshape(n, n)
        c = cost(on_vector, x, order=2)["hessian"]
        return h.tolist(), {"operations": c.operations, "flops": c.flops}

    done = _within(run, budget, 4 * (x.size + 2) * seconds)  # traced twice, n seeds
    if "error" in done:
        return {"hessian_skipped": done["error"].removeprefix("skipped: "),
                "hessian_over_budget": done.get("over_budget", False)}
    h, c = done["value"]
    return {"hessian": h, "hessian_cost": c}


def _other_methods(on_vector, graph, x, reverse, tree: int, columns, budget,
                   seconds: float) -> dict:
    """The rows beyond reverse mode; ``seconds``: the time of one reverse pass."""
    n = x.size
    methods = {}

    def finish(done):
        if "error" in done:
            return {key: v for key, v in done.items() if key != "value"}
        g, entry = done["value"]
        g = np.asarray(g, dtype=float).reshape(-1)
        entry["gradient"] = g.tolist()
        entry["max_abs_error"] = float(np.max(np.abs(g - reverse), initial=0.0))
        return entry

    if "forward" in columns:
        if n > LIMITS["numeric"]:
            methods["forward mode"] = {"error": f"skipped: {n} input elements (more than "
                                                f"{LIMITS['numeric']})"}
        else:
            def forward():
                g, seconds = _timed(lambda: jacfwd(on_vector)(x), repeat=1)
                return g, {"operations": len(trace(jacfwd(on_vector), x)), "seconds": seconds}

            methods["forward mode"] = finish(_within(forward, budget, (n + 2) * seconds))
    for method in ("central", "richardson", "complex"):
        if method not in columns:
            continue
        limit = LIMITS["richardson"] if method == "richardson" else LIMITS["numeric"]
        if n > limit:
            methods[method] = {"error": f"skipped: {n} input elements (more than {limit})"}
            continue

        def numeric(method=method):
            (g, info), seconds = _timed(
                lambda: numeric_gradient(on_vector, x, method=method, info=True), repeat=1)
            return g, {"evaluations": int(info.evaluations), "seconds": seconds}

        methods[method] = finish(_within(numeric, budget, EVALUATIONS[method] * n * seconds))
    if "symbolic" in columns:
        methods["symbolic"] = _symbolic(graph, x, finish, tree, budget)
    return methods


def _symbolic(graph, x, finish, tree: int, budget) -> dict:
    try:
        import sympy as sp
    except ImportError:
        return {"error": "n/a: SymPy is not installed (pip install sympy)"}
    if x.size > LIMITS["symbolic_inputs"] or tree > LIMITS["symbolic_tree"]:
        return {"error": f"skipped: {x.size} input elements (limit {LIMITS['symbolic_inputs']}), "
                         f"f written as a tree has {tree} nodes (limit "
                         f"{LIMITS['symbolic_tree']}): expression swell"}
    from .. import symbolic

    def run():
        start = time.perf_counter()
        _, grads, syms = symbolic.gradient(graph)
        flat = [g for gs in grads for g in (np.asarray(gs, dtype=object).reshape(-1).tolist()
                                            if np.ndim(gs) else [gs])]
        values = np.array(symbolic.lambdify(syms, flat)(*x), dtype=float)
        operations = int(sum(sp.count_ops(e) for e in flat))
        return values, {"operations": operations, "seconds": time.perf_counter() - start}

    return finish(_within(run, budget))


def _plain(value):
    """JSON-friendly: floats, bools and exact integers (as ints) in nested lists."""
    a = np.asarray(value)
    if a.dtype == object:
        return np.vectorize(int, otypes=[object])(a).tolist() if a.ndim else int(a.item())
    return a.tolist()


def _total(counts):
    """The sum of (arrays of) counts, exactly."""
    if isinstance(counts, list):
        return sum(_total(c) for c in counts)
    return int(sum(int(c) for c in np.asarray(counts, dtype=object).reshape(-1)))


def _node_data(graph, per_node) -> dict:
    """Per drawn value node: long texts for the hover panel, short ones for the node."""
    out = {}
    for node in graph.nodes:
        entry = {"label": node.label, "kind": node.kind, "shape": list(node.shape),
                 "value": describe_value(node.value)}
        if node.kind != "constant":
            entry["long"] = {name: describe_value(values[node.index])
                             for name, values in per_node.items()}
            entry["short"] = {name: format_value(values[node.index])
                              for name, values in per_node.items()}
        out[f"n{node.index}"] = entry
    for e in graph.edges:
        out[f"e{e.index}"] = {
            "kind": "hyperedge", "primitive": e.primitive,
            "inputs": [n.label for n in e.inputs], "output": e.output.label,
            "params": ", ".join(f"{k}={v}" for k, v in e.params.items()
                                if not isinstance(v, np.ndarray) or v.size <= 4),
        }
    return out


def _path_data(p) -> dict:
    element = p.input + _index(p.element)
    hops = [{"node": h.node, "element": list(h.element), "primitive": h.primitive,
             "position": h.position, "partial": h.partial, "to": h.to_node,
             "to_element": list(h.to_element)} for h in p.hops]
    return {"input": p.input, "from": element, "weight": p.weight, "hops": hops}


# ---- the page ------------------------------------------------------------------------


def explain(
    f,
    *args,
    path: str | os.PathLike | None = None,
    k: int = 3,
    max_edges: int | None = MAX_EDGES,
    engine: str | None = None,
    title: str | None = None,
    budget: Budget | None = PAGE_BUDGET,
    columns=None,
    fold: int | None = FOLD_REPEATS,
) -> str:
    """The explorer page of ``f`` at ``args``: one self-contained HTML text (written to ``path``).

    ``k``: top paths per input; ``max_edges``: fold larger graphs; ``engine``:
    "dot", "builtin" or None (Graphviz when installed) for the picture;
    ``budget``: the :class:`~semigrad.viz.budget.Budget` of each column
    (default 2 s and 1 GiB each; a column past it says "skipped: took longer
    than 2 s"; None: every column runs in this process, unbounded);
    ``columns``: the columns to compute, names from :data:`COLUMNS` (a list,
    or one string separated by commas; None: all), the others are switched off;
    ``fold``: blocks repeated this many times in a row (the layers of a deep
    network, a chain of one operation) fold into one box with a count, which
    expands on click (None: only graphs beyond ``max_edges`` fold).

    >>> import os, pathlib, tempfile
    >>> import semigrad as sg
    >>> out = os.path.join(tempfile.mkdtemp(), "report.html")
    >>> page = explain(lambda x, y: sg.exp(x) / y, 0.5, 2.0, path=out)
    >>> "http://" in page or "https://" in page, pathlib.Path(out).read_text() == page
    (False, True)
    """
    data, graph, input_paths = _analyse(f, args, k, _columns(columns), budget)
    scenes = [build_scene(graph, max_edges=max_edges, repeats=fold)]
    if fold_groups(graph, max_edges, fold) != fold_groups(graph, max_edges):
        scenes.append(build_scene(graph, max_edges=max_edges))  # unfolded, shown on click
    svgs, marks, nodes = [], [], {}
    for scene, prefix in zip(scenes, PREFIXES):
        scene.legend = []  # the page has its own, which follows the semiring control
        svgs.append(scene_to_svg(scene, layout(scene, engine), standalone=False, prefix=prefix))
        marks.append(_marks(scene, graph, input_paths))
        for b in scene.boxes:
            nodes[b.id] = (_fold_data(b, scene, data["nodes"]) if b.kind == "fold"
                           else data["nodes"][b.id])
    page = _page(data, svgs, nodes, marks, title)
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page)
    return page


def _marks(scene, graph, input_paths) -> dict:
    """Per input position (a string), the ids of the boxes and arrows its top paths light."""
    marks = {}
    for i, paths in input_paths.items():
        boxes, arrows = set(), set()
        for p in paths:
            b, a = path_marks(scene, graph, p)
            boxes.update(b)
            arrows.update(f"a{j}" for j in a)
        marks[str(i)] = {"boxes": sorted(boxes), "arrows": sorted(arrows)}
    return marks


def _fold_data(box, scene, node_data) -> dict:
    """The hover text of a fold: what it folds, and the values and adjoints it hides."""
    hidden = [node_data[f"n{i}"] for i, place in sorted(scene.place.items())
              if place == box.id and node_data[f"n{i}"]["kind"] != "constant"]
    shown = [[n["label"], n["value"], n["long"]["Real"]] for n in hidden[:FOLD_VALUES]]
    return {"kind": "fold", "title": box.lines[0].text, "detail": box.lines[1].text,
            "hidden": len(hidden), "values": shown}


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _num(v, precision=10) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return f"{v:.{precision}g}"


def _format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _page(data, svgs, nodes, marks, title) -> str:
    names = data["names"]
    heading = title or _heading(data)
    point = ", ".join(f"{name} = {_point_text(v)}" for name, v in zip(names, data["point"]))
    script_data = {"nodes": nodes, "paths": marks[0],
                   "unfolded_paths": marks[1] if len(marks) > 1 else {},
                   "semirings": {name: {"symbol": sym, "meaning": meaning}
                                 for name, (_, sym, meaning) in SEMIRINGS.items()},
                   "colours": {"backward": COLOURS["backward"], "semiring": COLOURS["semiring"]}}
    blob = json.dumps(script_data, ensure_ascii=False).replace("</", "<\\/")
    inputs = "".join(f'<option value="{i}">{_esc(n)}</option>' for i, n in enumerate(names))
    semirings = "".join(f'<option value="{name}">{name}: {_esc(meaning)}</option>'
                        for name, (_, _, meaning) in SEMIRINGS.items())
    fold_button = ('<button type="button" id="fold-toggle" class="button" aria-pressed="false">'
                   "Unfold repeated blocks</button>" if len(svgs) > 1 else "")
    pictures = f'<div class="graph" id="graph-main">{svgs[0]}</div>'
    if len(svgs) > 1:
        pictures += f'<div class="graph" id="graph-unfolded" hidden>{svgs[1]}</div>'
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>semigrad explain: {_esc(heading)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<header class="topbar"><div class="titles"><h1>{_esc(heading)}</h1>',
        f'<p class="point">at {_esc(point)} &#183; value <b id="value">'
        f'{_num(data["value"], 15)}</b> &#183; {data["edges"]} hyperedges</p></div>',
        _switches(data),
        "</header><main>",
        '<section id="graph-section" class="card"><h2>The computational hypergraph</h2>',
        '<div class="toolbar" role="toolbar" aria-label="the picture">',
        '<label class="field"><span>Top paths from</span><select id="input-select">'
        f'<option value="">(none)</option>{inputs}</select></label>',
        f'<label class="field"><span>On the nodes</span><select id="semiring-select">'
        f"{semirings}</select></label>",
        fold_button,
        '<span class="legend"><span style="color:#c0392b">forward value</span> &#183; '
        '<span id="legend-backward" style="color:#1f5fbf">∂ adjoint</span> &#183; '
        '<span style="color:#e8590c">top paths</span></span>',
        "</div>",
        '<div id="node-info" class="panel" aria-live="polite">Hover over a node to see its '
        "forward value and adjoint"
        + ("; click a folded block to unfold it" if len(svgs) > 1 else "") + ".</div>",
        pictures,
        "</section>",
        _gradient_section(data),
        _hessian_section(data),
        _cost_section(data),
        _paths_section(data),
        _semiring_section(data),
        "</main>",
        '<footer>Written by semigrad\'s <code>sg.viz.explain</code>. Costs: reverse and '
        "forward mode count the hyperedges of their recorded computation, numerical methods "
        "the evaluations of f, symbolic the operations of the gradient expressions.</footer>",
        f'<script type="application/json" id="sg-data">{blob}</script>',
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _switches(data) -> str:
    """The column switches: show or hide each computed column (switched-off ones are greyed)."""
    chips = []
    for column, meaning in COLUMNS.items():
        on = column in data.get("columns", COLUMNS)
        state = "checked" if on else 'disabled title="switched off: not computed"'
        chips.append(f'<label class="chip" title="{_esc(meaning)}"><input type="checkbox" '
                     f'data-column="{column}" {state}> {column}</label>')
    return ('<div class="toolbar switches" role="group" aria-label="columns shown">'
            '<span class="toolbar-label">Show</span>' + "".join(chips) + "</div>")


def _heading(data) -> str:
    call = f"({', '.join(data['names'])})"
    if data["expression"] is not None:
        return f"f{call} = {data['expression']}"
    return data["title"] + call


def _point_text(v) -> str:
    return _num(v, 10) if not isinstance(v, list) else (
        f"array of shape {np.shape(v)}" if np.size(v) > 6 else str(v))


def _table(table_id: str, header: list[str], rows: list[list[str]], caption: str = "",
           columns: list[str | None] | None = None) -> str:
    """An HTML table; ``columns``: per row, the column switch that hides it (or None).

    A row shorter than the header has its last cell span the rest (a note in words).
    """
    head = "".join(f"<th>{h}</th>" for h in header)
    attrs = [f' data-column="{c}"' if c else "" for c in (columns or [None] * len(rows))]
    body = "".join(f"<tr{a}>" + "".join(f"<td>{c}</td>" for c in row[:-1])
                   + _last_cell(row[-1], len(header) - len(row) + 1) + "</tr>"
                   for a, row in zip(attrs, rows))
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (f'<table id="{table_id}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _last_cell(text: str, span: int) -> str:
    return f"<td>{text}</td>" if span == 1 else f'<td colspan="{span}" class="words">{text}</td>'


def _gradient_section(data) -> str:
    elements = data["elements"]
    wide = len(elements) > LIMITS["table_elements"]
    header = ["method"] + (["‖gradient‖₂"] if wide else [f"∂f/∂{_esc(e)}" for e in elements])
    header += ["max |error| vs reverse", "cost", "time"]
    rows = []
    columns = [None if name == "reverse mode" else name.removesuffix(" mode")
               for name in data["methods"]]
    for name, m in data["methods"].items():
        if "error" in m:
            rows.append([_esc(name), f'<span class="note">{_esc(m["error"])}</span>'])
            continue
        g = m["gradient"]
        cells = [_num(float(np.linalg.norm(g)))] if wide else [_num(v) for v in g]
        c = (f'{m["evaluations"]} evaluation{"s" * (m["evaluations"] != 1)}'
             if "evaluations" in m else f'{m["operations"]} operations')
        err = "—" if name == "reverse mode" else f'{m["max_abs_error"]:.2g}'
        rows.append([_esc(name), *cells, err, c, _format_seconds(m["seconds"])])
    return ('<section id="gradients" class="card"><h2>The gradient: reverse mode, '
            "numerically, symbolically</h2>"
            + _table("gradient-table", header, rows, columns=columns) + _budget_notes(data)
            + "</section>")


def _budget_notes(data) -> str:
    """What was switched off, and the budget each column ran within (how to raise it)."""
    notes = []
    off = data.get("switched_off", [])
    if off:
        notes.append('<p class="note" id="switched-off">Switched off: '
                     + ", ".join(_esc(COLUMNS[c]) for c in off)
                     + " (<code>columns=</code> in Python, <code>--columns</code> on the "
                       "command line, say which to compute).</p>")
    budget = data.get("budget")
    if budget is not None:
        memory = "unbounded memory" if budget["memory"] is None else \
            f'{budget["memory"] // MIB} MiB'
        over = [m for m in data["methods"].values() if m.get("over_budget")]
        over += [1 for key in ("hessian_over_budget", "paths_over_budget") if data.get(key)]
        raise_it = (" Raise it with <code>budget=Budget(seconds=…)</code> in Python "
                    "(<code>from semigrad.viz.budget import Budget</code>) or "
                    "<code>--budget SECONDS</code> on the command line.")
        notes.append(f'<p class="note" id="budget-note">Each column is computed within '
                     f'{budget["seconds"]:g} s and {memory}.'
                     + (f" {len(over)} took longer and {'was' if len(over) == 1 else 'were'} "
                        f"skipped.{raise_it}" if over else "") + "</p>")
    return "".join(notes)


def _hessian_section(data) -> str:
    if "hessian" not in data:
        why = (f'skipped: {_esc(data["hessian_skipped"])}' if "hessian_skipped" in data
               else "switched off")
        return (f'<section id="hessian" class="card" data-column="hessian"><h2>Hessian</h2>'
                f'<p class="note">{why}</p></section>')
    h = np.array(data["hessian"])
    scale = float(np.max(np.abs(h), initial=0.0)) or 1.0
    names = data["elements"]
    numbers = len(names) <= 12  # beyond 12×12: a heat map, the values on hover
    rows = []
    for i, row in enumerate(h):
        cells = []
        for v in row:
            t = float(v) / scale
            colour = _heat(t)
            text = _num(float(v), 6) if numbers else ""
            ink = ";color:#fff" if abs(t) > 0.5 else ""  # light text on saturated cells
            cls = "heat" if numbers else "heat small"
            cells.append(f'<span class="{cls}" style="background:{colour}{ink}" '
                         f'title="{_num(float(v))}">{text}</span>')
        rows.append([f"<b>{_esc(names[i])}</b>", *cells])
    header = [""] + [_esc(n) for n in names]
    return ('<section id="hessian" class="card" data-column="hessian"><h2>Hessian (forward '
            "over reverse)</h2>"
            + _table("hessian-table", header, rows,
                     "red positive, blue negative, white zero") + "</section>")


def _heat(t: float) -> str:
    """White at 0, red towards +1, blue towards −1."""
    t = max(-1.0, min(1.0, t))
    target = (214, 39, 40) if t > 0 else (31, 95, 191)
    a = abs(t) * 0.85
    r, g, b = (round(255 + (c - 255) * a) for c in target)
    return f"rgb({r},{g},{b})"


def _cost_section(data) -> str:
    rows = [[_esc(key), str(c["operations"]), str(c["flops"])]
            for key, c in data["costs"].items()]
    columns = ["hessian" if key == "hessian" else None for key in data["costs"]]
    return ('<section id="cost" class="card"><h2>Cost of each order</h2>'
            + _table("cost-table", ["computation", "operations (hyperedges)", "flops"], rows,
                     "counted on the recorded graphs (sg.cost)", columns) + "</section>")


def _paths_section(data) -> str:
    parts = ['<section id="paths" class="card"><h2>Bauer paths</h2>',
             "<p>∂f/∂x = Σ over all paths from x to f of the product of the local partials. "
             "The backward sweep shares the paths; the counts say how many it shares.</p>"]
    listed = "paths" in data.get("columns", COLUMNS) and "paths_skipped" not in data
    unlisted = "not enumerated" + (" (too many paths)" if listed else "")
    rows = []
    for i, name in enumerate(data["names"]):
        count = data["path_counts"][i]
        bauer = data.get("bauer")
        gsum = _short(bauer[i]) if bauer is not None else unlisted
        rows.append([_esc(name), str(count), gsum, _short(data["semirings"]["Real"][i])])
    parts.append(_table("path-count-table",
                        ["input", "paths (Counting)", "Σ over enumerated paths", "gradient"],
                        rows))
    if "paths_skipped" in data:
        parts.append(f'<p class="note">top paths skipped: {_esc(data["paths_skipped"])}</p>')
    elif "paths" in data.get("switched_off", []):
        parts.append('<p class="note">top paths switched off</p>')
    else:
        rows = []
        entries = [(p, None) for p in data["top_paths"]]
        entries += [(p, i) for i, ps in data["input_paths"].items() for p in ps]
        for p, i in entries:
            route = _esc(p["from"]) + "".join(
                f' → <span class="hop">{_esc(h["primitive"])}[{h["position"]}]</span> '
                f'<span class="partial">(∂ {_num(h["partial"], 4)})</span> → '
                f'{_esc(h["to"] + _index(h["to_element"]))}'
                for h in p["hops"])
            group = "all inputs" if i is None else f"from {_esc(data['names'][i])}"
            attrs = "" if i is None else f' data-input="{i}"'
            rows.append((attrs, [group, _esc(p["from"]), _num(p["weight"], 6),
                                 str(len(p["hops"])), route]))
        head = "".join(f"<th>{h}</th>" for h in ["set", "from", "weight", "hops", "path"])
        body = "".join(f"<tr{attrs}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                       for attrs, row in rows)
        parts.append('<table id="top-paths" data-column="paths"><caption>top gradient paths '
                     "(largest |weight|), overall and per input; choose an input above to "
                     "see its paths in the picture</caption>"
                     f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</section>")
    return "".join(parts)


def _index(element) -> str:
    return f"[{','.join(map(str, element))}]" if element else ""


def _short(v) -> str:
    if isinstance(v, list):
        return _esc(describe_value(np.array(v, dtype=object if _has_int(v) else None),
                                   precision=6, limit=6))
    return _num(v, 10)


def _has_int(v) -> bool:
    flat = np.asarray(v, dtype=object).reshape(-1)
    return any(isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 2 ** 53
               for x in flat)


def _semiring_section(data) -> str:
    header = ["input"] + [f"{name}<br><small>{_esc(meaning)}</small>"
                          for name, (_, _, meaning) in SEMIRINGS.items()]
    rows = []
    for i, name in enumerate(data["names"]):
        rows.append([_esc(name)] + [_short(data["semirings"][s][i]) for s in SEMIRINGS])
    return ('<section id="semirings" class="card"><h2>The backward sweep in other semirings</h2>'
            + _table("semiring-table", header, rows) + "</section>")


CSS = """
:root { --ink: #1d2329; --muted: #5f6b76; --line: #d5dae0; --accent: #1f5fbf;
        --accent-soft: #e8f0fe; --page: #f4f6f8; --card: #ffffff; --hot: #e8590c; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial,
       'Liberation Sans', sans-serif; margin: 0; color: var(--ink); background: var(--page);
       font-size: 15px; line-height: 1.4; }
code { font-size: .92em; background: #eef1f4; padding: 0 .25em; border-radius: 3px;
       white-space: nowrap; }
p.note, .card > p { font-size: .9em; }
.topbar { position: sticky; top: 0; z-index: 2; background: var(--card);
          border-bottom: 1px solid var(--line); box-shadow: 0 1px 3px rgba(0, 0, 0, .06);
          padding: .6em 1.5em; display: flex; flex-wrap: wrap; gap: .4em 2em;
          align-items: center; justify-content: space-between; }
.titles { min-width: 0; flex: 1 1 24em; }
h1 { font-size: 1.15em; margin: 0; font-family: ui-monospace, 'DejaVu Sans Mono', monospace;
     overflow-wrap: anywhere; }
.point { margin: .15em 0 0; color: var(--muted); font-size: .9em; overflow-wrap: anywhere; }
.point b { color: var(--ink); }
main { padding: 1em 1.5em; max-width: 1400px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
        padding: .4em 1.1em 1em; margin: 0 0 1em; min-width: 0; }
h2 { font-size: 1.02em; margin: .6em 0 .5em; }
.toolbar { display: flex; gap: .5em .8em; align-items: center; flex-wrap: wrap;
           margin: .3em 0 .6em; }
.toolbar-label { color: var(--muted); font-size: .85em; margin-right: .1em; }
.field { display: inline-flex; align-items: center; gap: .45em; font-size: .88em;
         color: var(--muted); max-width: 100%; }
select, .button { font: inherit; font-size: .92em; color: var(--ink); height: 2.1em;
                  border: 1px solid #b9c1ca; border-radius: 6px; background: var(--card);
                  padding: 0 .7em; cursor: pointer; max-width: 100%; }
select { min-width: 0; text-overflow: ellipsis; }
select:hover, .button:hover { border-color: #7d8894; background: #f8f9fb; }
select:focus-visible, .button:focus-visible, .chip:focus-within {
  outline: 2px solid var(--accent); outline-offset: 2px; }
.button[aria-pressed="true"] { background: var(--accent-soft); border-color: var(--accent);
                               color: var(--accent); }
.chip { display: inline-flex; align-items: center; gap: .3em; font-size: .85em;
        border: 1px solid #b9c1ca; border-radius: 999px; padding: .15em .7em .15em .45em;
        cursor: pointer; user-select: none; background: var(--card); }
.chip:hover { border-color: #7d8894; }
.chip:has(input:checked) { background: var(--accent-soft); border-color: var(--accent);
                           color: var(--accent); }
.chip:has(input:disabled) { color: #9aa3ad; border-style: dashed; cursor: not-allowed; }
.chip input { margin: 0; accent-color: var(--accent); cursor: inherit; }
.switches { margin: 0; }
.legend { font-size: .85em; margin-left: auto; }
.panel { border: 1px solid var(--line); border-radius: 6px; background: #f8f9fb;
         padding: .5em .8em; min-height: 4.6em; font-size: .88em; margin-bottom: .6em;
         overflow-wrap: anywhere; }
.panel .k { color: var(--muted); display: inline-block; min-width: 10em; }
.graph { overflow: auto; border: 1px solid #e6e9ed; border-radius: 6px; max-width: 100%;
         max-height: 80vh; }
.graph[hidden] { display: none; }
.sg-graph g.node { cursor: pointer; }
.sg-graph g.node:hover ellipse, .sg-graph g.node:hover rect { stroke-width: 2.5; }
.sg-graph g.node.highlighted ellipse, .sg-graph g.node.highlighted rect
  { stroke: var(--hot); stroke-width: 3; }
.sg-graph g.arrow.highlighted path { stroke: var(--hot); stroke-width: 3;
  marker-end: url(#sg-head-highlight); }
#graph-unfolded .sg-graph g.arrow.highlighted path { marker-end: url(#u-sg-head-highlight); }
table { border-collapse: collapse; margin: .6em 0; font-size: .86em; display: block;
        max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #e0e4e8; padding: .3em .55em; text-align: right;
         font-variant-numeric: tabular-nums; }
#gradient-table td, #cost-table td { white-space: nowrap; }
#gradient-table td.words { white-space: normal; text-align: left; min-width: 16em; }
th { background: #f1f3f5; font-weight: 600; }
tbody tr:hover { background: #f8f9fb; }
td:first-child, th:first-child { text-align: left; }
caption { caption-side: bottom; color: var(--muted); font-size: .9em; text-align: left;
          padding-top: .3em; }
#top-paths td:last-child { text-align: left; }
#top-paths tr.selected { background: #fff0e6; }
#top-paths tr.dimmed { color: #aaa; }
.column-hidden { display: none !important; }
.heat { display: inline-block; min-width: 4em; padding: .1em .3em; }
.heat.small { min-width: 1.1em; height: 1.1em; padding: 0; vertical-align: middle; }
.note { color: var(--muted); }
.hop { color: #444; font-weight: bold; }
.partial { color: var(--accent); }
footer { margin: 0 1.5em 2em; color: var(--muted); font-size: .82em; }
@media (max-width: 700px) {
  .topbar, main { padding-left: .8em; padding-right: .8em; }
  .legend { margin-left: 0; }
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("sg-data").textContent);
  const info = document.getElementById("node-info");
  const inputSelect = document.getElementById("input-select");
  const semiringSelect = document.getElementById("semiring-select");
  const foldToggle = document.getElementById("fold-toggle");
  // the pictures: folded (shown first) and, when something folds, unfolded
  const views = [{box: document.getElementById("graph-main"), prefix: "", paths: data.paths}];
  const unfolded = document.getElementById("graph-unfolded");
  if (unfolded) {
    views.push({box: unfolded, prefix: "u-", paths: data.unfolded_paths});
  }
  let semiring = semiringSelect.value;

  function esc(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span.innerHTML;
  }
  function row(key, value) {
    return '<div><span class="k">' + esc(key) + "</span> " + esc(value) + "</div>";
  }
  function show(id) {
    const node = data.nodes[id];
    if (!node) { return; }
    let text = "";
    if (node.kind === "hyperedge") {
      text += "<b>" + esc(node.primitive) + "</b> (hyperedge)";
      text += row("inputs, in order", node.inputs.map((n, i) => i + ": " + n).join(", "));
      text += row("output", node.output);
      if (node.params) { text += row("parameters", node.params); }
    } else if (node.kind === "fold") {
      text += "<b>" + esc(node.title) + "</b> (folded" + (unfolded ? ": click to unfold" : "")
        + ")" + row("contents", node.detail);
      if (node.hidden) {
        text += row("values inside", node.hidden + (node.hidden > node.values.length
          ? " (the first " + node.values.length + " here)" : ""));
        node.values.forEach(function (v) {
          text += row(v[0], v[1] + "   ∂ " + v[2]);
        });
      }
    } else {
      const shape = node.shape.length ? "(" + node.shape.join(", ") + ")" : "scalar";
      text += "<b>" + esc(node.label) + "</b> (" + esc(node.kind) + ", " + esc(shape) + ")";
      text += row("forward value", node.value);
      if (node.long) {
        text += row("adjoint ∂f/∂" + node.label, node.long.Real);
        if (semiring !== "Real") { text += row(semiring, node.long[semiring]); }
      }
    }
    info.innerHTML = text;
    info.dataset.node = id;
  }
  views.forEach(function (view) {
    view.box.querySelectorAll("g.node").forEach(function (g) {
      const id = g.id.slice(view.prefix.length);
      g.addEventListener("mouseenter", function () { show(id); });
      if (g.classList.contains("fold") && unfolded) {
        g.addEventListener("click", function () { setUnfolded(true); });
      }
    });
  });

  function setUnfolded(on) {
    if (!unfolded) { return; }
    views[0].box.hidden = on;
    unfolded.hidden = !on;
    foldToggle.setAttribute("aria-pressed", on ? "true" : "false");
    foldToggle.textContent = on ? "Fold repeated blocks" : "Unfold repeated blocks";
  }
  if (foldToggle) {
    foldToggle.addEventListener("click", function () {
      setUnfolded(foldToggle.getAttribute("aria-pressed") !== "true");
    });
  }

  function showSemiring(name) {
    semiring = name;
    const meta = data.semirings[name];
    const colour = name === "Real" ? data.colours.backward : data.colours.semiring;
    Object.keys(data.nodes).forEach(function (id) {
      const node = data.nodes[id];
      if (!node.short) { return; }
      views.forEach(function (view) {
        const g = document.getElementById(view.prefix + id);
        const line = g && g.querySelector("text.backward");
        if (!line) { return; }
        const value = node.short[name];
        line.textContent = value === null ? "" : meta.symbol + " " + value;
        line.setAttribute("fill", colour);
      });
    });
    const legend = document.getElementById("legend-backward");
    legend.textContent = meta.symbol + " " + meta.meaning;
    legend.style.color = colour;
    if (info.dataset.node) { show(info.dataset.node); }
  }
  semiringSelect.addEventListener("change", function () { showSemiring(semiringSelect.value); });

  function highlight(input) {
    views.forEach(function (view) {
      view.box.querySelectorAll(".highlighted").forEach(function (el) {
        el.classList.remove("highlighted");
      });
      const marks = view.paths[input];
      if (marks) {
        marks.boxes.concat(marks.arrows).forEach(function (id) {
          const el = document.getElementById(view.prefix + id);
          if (el) { el.classList.add("highlighted"); }
        });
      }
    });
    document.querySelectorAll("#top-paths tbody tr").forEach(function (tr) {
      const own = tr.dataset.input;
      tr.classList.toggle("selected", input !== "" && own === input);
      tr.classList.toggle("dimmed", input !== "" && own !== undefined && own !== input);
    });
  }
  inputSelect.addEventListener("change", function () { highlight(inputSelect.value); });

  // the column switches show and hide the rows and sections of their column
  document.querySelectorAll(".switches input[data-column]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('main [data-column="' + box.dataset.column + '"]')
        .forEach(function (el) { el.classList.toggle("column-hidden", !box.checked); });
    });
  });
})();
"""
