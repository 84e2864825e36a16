"""sg.viz: the DOT text, the SVG and PNG pictures, folding, the explorer page, the commands."""

import argparse
import json
import re
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import semigrad as sg
from semigrad import viz
from semigrad.viz.budget import Budget
from semigrad.viz.layout import layered_layout
from semigrad.viz.scene import COLOURS, build_scene, fold_groups, path_steps

RED, BLUE, ORANGE, PURPLE = (COLOURS[k] for k in ("forward", "backward", "highlight",
                                                  "semiring"))


def seed(x, y, z, v):
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


POINT = (0.5, 2.0, 3.0, 4.0)


@pytest.fixture
def seed_graph():
    return sg.trace(seed, *POINT)


def node_line(dot, node_id):
    return next(line for line in dot.splitlines() if line.strip().startswith(f"{node_id} ["))


def arrow_line(dot, src, dst):
    return next(line for line in dot.splitlines() if line.strip().startswith(f"{src} -> {dst}"))


def loop(h, n=30):
    for _ in range(n):
        h = sg.sin(h) + sg.cos(h)
    return h


# ---- DOT -------------------------------------------------------------------------------


def test_dot_has_every_node_as_ellipse_and_every_hyperedge_as_box(seed_graph):
    dot = viz.to_dot(seed_graph)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for n in seed_graph.nodes:
        assert "shape=ellipse" in node_line(dot, f"n{n.index}")
    for e in seed_graph.edges:
        assert f'shape=box, label="{e.primitive}"' in node_line(dot, f"e{e.index}")
    assert dot.count("shape=box") == len(seed_graph) == 10


def test_dot_names_input_positions_so_the_numerator_is_visible():
    g = sg.trace(lambda x, y: x / y, 1.0, 4.0)
    dot = viz.to_dot(g)
    assert arrow_line(dot, "n0", "e0").endswith('[label="0"];')  # x: the numerator
    assert arrow_line(dot, "n1", "e0").endswith('[label="1"];')
    assert arrow_line(dot, "e0", "n2") == "  e0 -> n2;"
    # single-input hyperedges carry no position label
    assert arrow_line(viz.to_dot(sg.trace(sg.exp, 1.0)), "n0", "e0") == "  n0 -> e0;"


def test_dot_repeated_input_gets_both_positions():
    dot = viz.to_dot(sg.trace(lambda x: x * x, 3.0))
    assert 'n0 -> e0 [label="0"]' in dot and 'n0 -> e0 [label="1"]' in dot


def test_dot_forward_values_red_and_adjoints_blue(seed_graph):
    dot = viz.to_dot(seed_graph)
    x = node_line(dot, "n0")
    assert "<b>x</b>" in x
    assert f'<font color="{RED}">0.5</font>' in x
    assert f'<font color="{BLUE}">∂ -0.3313</font>' in x  # ∂f/∂x
    out = node_line(dot, f"n{seed_graph.outputs[0].index}")
    assert f'<font color="{RED}">2.062</font>' in out and "∂ 1<" in out
    assert 'fillcolor="#ffe0cc"' in out and 'fillcolor="#dde8ff"' in x
    assert "style=dashed" in node_line(dot, "n10")  # the constant 2 of (y - z)**2
    assert "forward value" in dot and "adjoint" in dot  # the legend


def test_dot_without_forward_or_backward():
    g = sg.trace(lambda x: sg.sin(x) * x, 0.5)
    assert RED not in viz.to_dot(g, forward=False) and BLUE in viz.to_dot(g, forward=False)
    assert BLUE not in viz.to_dot(g, backward=False) and RED in viz.to_dot(g, backward=False)


def test_dot_shows_shapes_and_only_small_values():
    g = sg.trace(lambda a, b: sg.sum(a * b), np.arange(3.0), np.arange(10.0).reshape(10, 1))
    dot = viz.to_dot(g)
    a, b = node_line(dot, "n0"), node_line(dot, "n1")
    assert "(3,)" in a and f'<font color="{RED}">[0, 1, 2]</font>' in a
    assert "(10, 1)" in b and RED not in b  # too many elements to write


def test_dot_highlights_the_top_path(seed_graph):
    best = sg.paths.top(seed_graph, k=1)[0]  # y → subtract → power → multiply → add
    assert best.input == "y" and [h.primitive for h in best.hops] == [
        "subtract", "power", "multiply", "add"]
    dot = viz.to_dot(seed_graph, highlight=best)
    hot = f'color="{ORANGE}", penwidth=3'
    assert arrow_line(dot, "n1", "e5") == f'  n1 -> e5 [label="0", {hot}];'
    assert hot not in arrow_line(dot, "n2", "e5")  # z enters the same subtract, off the path
    assert hot in node_line(dot, "n1") and hot in node_line(dot, "e9")
    assert hot not in node_line(dot, "n0") and hot not in node_line(dot, "e0")
    highlighted = [line for line in dot.splitlines() if hot in line and "->" in line]
    assert len(highlighted) == 2 * len(best.hops)
    # an int k means the top k paths; a list of paths works too
    def body(text):  # without the legend, which says how the paths were chosen
        return [line for line in text.splitlines() if "labelloc" not in line]

    assert body(viz.to_dot(seed_graph, highlight=1)) == body(dot)
    assert body(viz.to_dot(seed_graph, highlight=sg.paths.top(seed_graph, k=2))) == body(
        viz.to_dot(seed_graph, highlight=2))
    assert "top 2 gradient paths" in viz.to_dot(seed_graph, highlight=2)


def test_highlight_errors_name_the_problem(seed_graph):
    other = sg.trace(lambda a: sg.exp(a), 1.0)
    with pytest.raises(ValueError, match="not an input of this graph"):
        viz.to_dot(seed_graph, highlight=sg.paths.top(other, k=1))
    with pytest.raises(TypeError, match="int k"):
        viz.to_dot(seed_graph, highlight=True)
    with pytest.raises(TypeError, match="Path objects"):
        viz.to_dot(seed_graph, highlight=["y"])


def test_paths_follow_the_graph_when_labels_collide():
    # Inputs named v1, v2 and the unnamed node 2 (label "v2") share a label.
    g = sg.trace(sg.parse("exp(v1) * v2"), 1.0, 2.0)
    labels = [n.label for n in g.nodes]
    assert len(labels) != len(set(labels))
    for p in sg.paths.top(g, k=2):
        steps = path_steps(g, p)
        assert g.inputs[[n.label for n in g.inputs].index(p.input)].index == steps[0][0]
        assert g.edges[steps[-1][1]].output is g.outputs[0]


def test_dot_semiring_line():
    g = sg.trace(lambda x: sg.exp(x) * x, 1.0)
    dot = viz.to_dot(g, semiring=sg.semirings.Counting())
    assert f'<font color="{PURPLE}">Counting 2</font>' in node_line(dot, "n0")
    dot = viz.to_dot(g, semiring=sg.semirings.Entropy)
    assert "Entropy" in node_line(dot, "n0")


def test_exact_path_counts_past_2_to_the_53():
    g = sg.trace(lambda x: loop(x, 60), 0.3)
    scene = build_scene(g, semiring=sg.semirings.Counting(), max_edges=None)
    x = [line.text for line in scene.box("n0").lines]
    assert f"Counting {2 ** 60}" in x


def test_labels_are_escaped():
    from semigrad.graph import graph_of

    x = sg.tensor(1.0, requires_grad=True)
    dot = viz.to_dot(graph_of([sg.exp(x)], [x], names=['a<b&"c"']))
    assert "<b>a&lt;b&amp;&quot;c&quot;</b>" in dot


# ---- folding -------------------------------------------------------------------------------


def test_small_graphs_are_not_folded(seed_graph):
    assert fold_groups(seed_graph) == []


def test_repeated_blocks_fold_with_a_count():
    g = sg.trace(loop, 0.1)
    assert len(g) == 90
    scene = build_scene(g, max_edges=20)
    folds = [b for b in scene.boxes if b.kind == "fold"]
    assert len(folds) == 1
    title, detail = (line.text for line in folds[0].lines)
    repeats = int(title.split(" × ")[0])
    assert title.endswith("× repeated block") and repeats >= 25
    assert {"sin", "cos", "add"} == set(detail.split(";")[0].split(" → "))
    assert f"{3 * repeats} operations" in detail
    drawn = [b for b in scene.boxes if b.kind == "hyperedge"]
    assert len(drawn) + len(folds[0].edges) == len(g) and len(drawn) <= 20
    dot = viz.to_dot(g, max_edges=20)
    assert "shape=folder" in dot and dot.count("shape=box") == len(drawn)
    # every arrow joins drawn boxes, and the picture stays connected from input to output
    ids = {b.id for b in scene.boxes}
    assert all(a.src in ids and a.dst in ids for a in scene.arrows)
    reach, todo = set(), ["n0"]
    while todo:
        b = todo.pop()
        reach.add(b)
        todo += [a.dst for a in scene.arrows if a.src == b and a.dst not in reach]
    assert f"n{g.outputs[0].index}" in reach
    # paths through the fold still highlight
    folded = build_scene(g, max_edges=20, highlight=1)
    assert any(b.highlighted for b in folded.boxes if b.kind == "fold")
    assert viz.to_dot(g, max_edges=None).count("shape=box") == 90


def test_graphs_without_repetition_fold_their_middle():
    rng = np.random.default_rng(0)
    names = ["sin", "cos", "tanh", "exp", "sigmoid"]

    def f(x):
        for k in range(80):
            x = getattr(sg, names[int(rng.integers(5)) if k % 7 else k % 5])(x) * (1 + k / 100)
        return x

    g = sg.trace(f, 0.2)
    scene = build_scene(g, max_edges=30)
    drawn = [b for b in scene.boxes if b.kind == "hyperedge"]
    folds = [b for b in scene.boxes if b.kind == "fold"]
    assert len(drawn) <= 30 and folds
    assert sum(len(b.edges) for b in folds) + len(drawn) == len(g)


# ---- layout, SVG, PNG ---------------------------------------------------------------------


def test_builtin_layout_keeps_boxes_apart_and_inside(seed_graph):
    scene = build_scene(seed_graph)
    lay = layered_layout(scene)
    rects = {k: (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
             for k, (cx, cy, w, h) in lay.boxes.items()}
    for x0, y0, x1, y1 in rects.values():
        assert 0 <= x0 < x1 <= lay.width and 0 <= y0 < y1 <= lay.height
    items = list(rects.items())
    for i, (a, ra) in enumerate(items):
        for b, rb in items[i + 1:]:
            overlap = min(ra[2], rb[2]) > max(ra[0], rb[0]) and min(ra[3], rb[3]) > max(ra[1],
                                                                                        rb[1])
            assert not overlap, (a, b)
    # arrows go left to right, from their source to their target
    for k, a in enumerate(scene.arrows):
        pts = lay.arrows[k].points
        assert (len(pts) - 1) % 3 == 0
        assert abs(pts[0][0] - rects[a.src][2]) < 1 and abs(pts[-1][0] - rects[a.dst][0]) < 12


@pytest.mark.parametrize("engine", ["builtin", "dot"])
def test_svg_is_well_formed_with_named_parts(seed_graph, engine):
    if engine == "dot" and not viz.has_graphviz():
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    svg = viz.to_svg(seed_graph, highlight=1, engine=engine)
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    nodes = root.findall(".//s:g[@class]", ns)
    ids = {g.get("id") for g in nodes if "node" in g.get("class")}
    assert ids == {f"n{n.index}" for n in seed_graph.nodes} | {f"e{e.index}"
                                                               for e in seed_graph.edges}
    x = root.find(".//s:g[@id='n0']", ns)
    texts = {t.get("class"): t.text for t in x.findall("s:text", ns)}
    assert texts == {"name": "x", "forward": "0.5", "backward": "∂ -0.3313"}
    highlighted = [g for g in nodes if "highlighted" in g.get("class")]
    assert len(highlighted) == 9 + 8  # the top path: 9 boxes, 8 arrows
    assert float(root.get("width")) > 100


def test_render_writes_svg_png_and_dot(tmp_path, seed_graph):
    for name in ("g.svg", "g.dot"):
        out = viz.render(seed_graph, tmp_path / name, highlight=1)
        assert Path(out).read_text()[:4] in ("<svg", "digr")
    if not viz.has_graphviz():
        pytest.importorskip("matplotlib", reason="a PNG needs Graphviz or matplotlib")
    png = viz.render(seed_graph, tmp_path / "g.png", highlight=1)
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="must end in one of"):
        viz.render(seed_graph, tmp_path / "g.jpg")
    with pytest.raises(ValueError, match="engine"):
        viz.render(seed_graph, tmp_path / "g.svg", engine="neato")


def test_png_without_graphviz_uses_matplotlib(tmp_path, seed_graph):
    pytest.importorskip("matplotlib")
    out = viz.render(seed_graph, tmp_path / "g.png", engine="builtin", highlight=1)
    data = Path(out).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_dot_png_when_graphviz_is_installed(tmp_path):
    if not viz.has_graphviz():
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    out = viz.render(sg.trace(loop, 0.1), tmp_path / "loop.png", engine="dot", max_edges=20)
    assert Path(out).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- the explorer page ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_page():
    return viz.explain(sg.parse("exp(y**-x - log(z)) + (y-z)**2*log(v)",
                                variables=["x", "y", "z", "v"]), *POINT)


def test_page_is_self_contained(seed_page):
    assert seed_page.startswith("<!doctype html>")
    assert not re.search(r"https?://", seed_page)
    assert not re.search(r"<(link|img|iframe)\b|(?<![-\w])src=|@import|url\((?!#)", seed_page)
    assert seed_page.count("<svg") == 1 and "<script>" in seed_page


def test_page_has_the_graph_tables_and_controls(seed_page):
    for part in ('id="graph-section"', 'id="gradient-table"', 'id="hessian-table"',
                 'id="cost-table"', 'id="path-count-table"', 'id="top-paths"',
                 'id="semiring-table"', 'id="input-select"', 'id="semiring-select"',
                 'id="node-info"'):
        assert part in seed_page
    for method in ("reverse mode", "forward mode", "central", "richardson", "complex"):
        assert f"<td>{method}</td>" in seed_page
    for name in ("MaxProduct", "Counting", "Entropy", "Boolean"):
        assert f'<option value="{name}">' in seed_page
    assert "2.06233268833571" in seed_page


def test_page_data(seed_page):
    blob = re.search(r'<script type="application/json" id="sg-data">(.*?)</script>', seed_page,
                     re.S).group(1)
    data = json.loads(blob)
    x = data["nodes"]["n0"]
    assert x["value"] == "0.5" and x["long"]["Real"] == "-0.3313460378"
    assert x["short"] == {"Real": "-0.3313", "MaxProduct": "0.3313", "Counting": "1",
                          "Entropy": "0", "Boolean": "true"}
    assert data["nodes"]["n1"]["short"]["Counting"] == "2"
    assert set(data["paths"]) == {"0", "1", "2", "3"}
    assert "n1" in data["paths"]["1"]["boxes"] and data["paths"]["1"]["arrows"]
    assert data["nodes"]["e1"] == {"kind": "hyperedge", "primitive": "power",
                                   "inputs": ["y", "v4"], "output": "v5", "params": ""}


def test_analyse_agrees_with_the_library():
    f = sg.parse("exp(y**-x - log(z)) + (y-z)**2*log(v)", variables=["x", "y", "z", "v"])
    a = viz.analyse(f, *POINT)
    want = sg.grad(f, argnums=(0, 1, 2, 3))(*POINT)
    np.testing.assert_allclose(a["gradient"], want, rtol=1e-12)
    np.testing.assert_allclose(a["hessian"], sg.hessian(lambda p: f(*p))(np.array(POINT)),
                               rtol=1e-10)
    assert a["path_counts"] == [1, 2, 2, 1]
    np.testing.assert_allclose(a["bauer"], want, rtol=1e-12)
    assert a["methods"]["central"]["evaluations"] == 8
    for m in ("forward mode", "central", "richardson", "complex"):
        assert a["methods"][m]["max_abs_error"] < 1e-8
    if "error" not in a["methods"]["symbolic"]:
        assert a["methods"]["symbolic"]["max_abs_error"] < 1e-12
    assert a["semirings"]["Boolean"] == [True, True, True, True]
    assert a["top_paths"][0]["from"] == "y" and len(a["input_paths"][0]) == 1  # x: one path


def test_explain_array_inputs_and_large_graphs(tmp_path):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 3))
    page = viz.explain(lambda w, b: sg.sum(sg.log(1 + sg.exp(A @ w + b))), rng.standard_normal(3),
                       0.1, path=tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text() == page
    assert "∂f/∂w[2]" in page and "∂f/∂b" in page
    page = viz.explain(loop, 0.1, max_edges=20)
    assert "× repeated block" in page and "skipped" in page  # symbolic skipped: too large
    many = viz.analyse(lambda x: sg.sum(sg.sin(x)), np.linspace(0, 1, 50))
    assert "hessian" not in many and "more than" in many["hessian_skipped"]


@pytest.fixture(scope="module")
def mlp_page():
    """The page of the output sum of an 8-16-3 MLP on a 4×8 input, with the default budget."""
    model = sg.nn.MLP([8, 16, 3], rng=0)
    x = np.random.default_rng(1).standard_normal((4, 8))
    return viz.explain(lambda x: sg.sum(model(x)), x), model, x


def test_mlp_page_has_every_column_within_its_budget(mlp_page):
    page, model, x = mlp_page
    table = re.search(r'<table id="gradient-table">.*?</table>', page).group(0)
    rows = dict(re.findall(r"<tr[^>]*><td>([a-z ]+)</td><td[^>]*>(.*?)</td>", table))
    assert set(rows) == {"reverse mode", "forward mode", "central", "richardson", "complex",
                         "symbolic"}
    want = sg.grad(lambda x: sg.sum(model(x)))(x)
    assert rows["reverse mode"] == f"{np.linalg.norm(want):.10g}"
    # SymPy's gradient of this MLP takes seconds: within the 2 s budget, or skipped in words
    symbolic = rows["symbolic"]
    skipped = '<span class="note">skipped: took longer than 2 s (over budget)</span>'
    assert re.fullmatch(r"[0-9.e+-]+", symbolic) or symbolic == skipped, symbolic
    assert 'id="budget-note">Each column is computed within 2 s and 1024 MiB.' in page
    if "took longer" in symbolic:
        assert "Raise it with <code>budget=Budget(seconds=" in page and "--budget" in page
    assert 'id="hessian-table"' in page and 'class="heat small"' in page  # 32×32: a heat map


def slow_sum(x):
    time.sleep(0.1)  # every evaluation of f: central differences need 2n of them
    return sg.sum(x * x)


def test_columns_past_their_budget_are_skipped_in_words():
    a = viz.analyse(slow_sum, np.ones(3), budget=Budget(seconds=0.3))
    for method in ("central", "richardson"):
        assert a["methods"][method] == {"error": "skipped: took longer than 0.3 s (over budget)",
                                        "over_budget": True}
    assert a["gradient"] == [2.0, 2.0, 2.0]  # reverse mode is not bounded: the page's base
    page = viz.explain(slow_sum, np.ones(3), budget=Budget(seconds=0.3), columns="central")
    assert "skipped: took longer than 0.3 s (over budget)" in page
    assert re.search(r"1 took longer and was skipped\. Raise it with <code>budget=Budget", page)
    unbounded = viz.analyse(slow_sum, np.ones(2), budget=None, columns=["central"])
    assert unbounded["methods"]["central"]["evaluations"] == 4


def test_columns_switch_off():
    f = sg.parse("x * sin(y)")
    a = viz.analyse(f, 2.0, 0.5, columns=["central", "hessian"])
    assert list(a["methods"]) == ["reverse mode", "central"]
    assert a["switched_off"] == ["forward", "richardson", "complex", "symbolic", "paths"]
    assert "hessian" in a and a["top_paths"] == [] and "bauer" not in a
    page = viz.explain(f, 2.0, 0.5, columns=[])
    assert re.search(r'id="switched-off">Switched off: forward mode, central differences, .*'
                     r"the top gradient paths", page)
    assert "<td>central</td>" not in page and 'id="hessian-table"' not in page
    assert "top paths switched off" in page and "∂f/∂y" in page
    with pytest.raises(ValueError, match="unknown 'hesian'; choose from forward, central"):
        viz.explain(f, 2.0, 0.5, columns="central,hesian")


def chain(h, n=50):
    for _ in range(n):
        h = sg.sin(h)
    return h


def page_data(page):
    blob = re.search(r'<script type="application/json" id="sg-data">(.*?)</script>', page,
                     re.S).group(1)
    return json.loads(blob)


def test_the_page_folds_a_chain_of_50_operations_and_unfolds_on_click():
    g = sg.trace(chain, 0.3)
    assert fold_groups(g) == []  # 50 hyperedges: pictures elsewhere stay unfolded
    (group,) = fold_groups(g, repeats=4)
    assert group["edges"] == list(range(2, 49)) and group["detail"] == "sin; 47 operations"
    page = viz.explain(chain, 0.3, columns=["paths"])
    folded, unfolded = re.findall(r'<div class="graph" id="graph-(\w+)"[^>]*>(.*?)</svg>', page,
                                  re.S)
    assert folded[0] == "main" and unfolded[0] == "unfolded"
    assert folded[1].count('class="node hyperedge"') == 3 and 'id="f0"' in folded[1]
    assert unfolded[1].count('class="node hyperedge"') == 50 and 'id="u-e49"' in unfolded[1]
    assert 'id="graph-unfolded" hidden' in page and 'id="fold-toggle"' in page
    data = page_data(page)
    fold = data["nodes"]["f0"]
    assert fold["title"] == "47 × repeated block" and fold["hidden"] == 46
    # the values the fold hides stay available: its hover text, and the unfolded picture
    adjoint = sg.grad(chain)(0.3)
    assert fold["values"][0] == ["v3", data["nodes"]["n3"]["value"],
                                 data["nodes"]["n3"]["long"]["Real"]]
    assert float(data["nodes"]["n0"]["long"]["Real"]) == pytest.approx(adjoint, rel=1e-9)
    assert set(data["unfolded_paths"]["0"]["boxes"]) >= {f"e{k}" for k in range(50)}
    assert "f0" in data["paths"]["0"]["boxes"]  # the top path runs through the fold


def test_the_page_folds_the_repeated_layers_of_a_deep_mlp():
    model = sg.nn.MLP([8, 16, 16, 16, 16, 16, 3], rng=0)
    x = np.random.default_rng(1).standard_normal((4, 8))
    page = viz.explain(lambda x: sg.sum(model(x)), x, columns=[])
    data = page_data(page)
    folds = [v for k, v in data["nodes"].items() if v["kind"] == "fold"]
    assert len(folds) == 1 and folds[0]["detail"].startswith("add → relu → einsum; ")
    main = re.search(r'id="graph-main">(.*?)</svg>', page, re.S).group(1)
    assert main.count('class="node hyperedge"') < 18 <= page.count('class="node hyperedge"')
    assert viz.explain(lambda x: sg.sum(model(x)), x, columns=[], fold=None).count("<svg") == 1


def test_explain_needs_a_scalar_output():
    with pytest.raises(ValueError, match="scalar"):
        viz.explain(lambda x: x * 2.0, np.ones(3))


# ---- the commands ----------------------------------------------------------------------------


def parser():
    p = argparse.ArgumentParser(prog="semigrad")
    viz.add_parser(p.add_subparsers(dest="command"))
    return p


def test_explain_command_writes_the_page(tmp_path, capsys):
    out = tmp_path / "report.html"
    args = parser().parse_args(["explain", "x*sin(y)", "--at", "x=2,y=0.5", "-o", str(out)])
    assert args.run(args) == 0
    assert "written to" in capsys.readouterr().out
    page = out.read_text()
    assert "f(x, y) = x*sin(y)" in page and not re.search(r"https?://", page)
    args = parser().parse_args(["explain", "x*sin(y)", "--at", "x=2,y=0.5", "-o", str(out),
                                "--columns", "central,hessian", "--budget", "3"])
    assert args.run(args) == 0
    page = out.read_text()
    assert "<td>central</td>" in page and "<td>symbolic</td>" not in page
    assert "computed within 3 s and 1024 MiB" in page


@pytest.mark.parametrize("expr, at, message", [
    ("x +* 2", "x=1", "column"),
    ("x*y", "x=1", "no value for y"),
    ("x", "x=1,y=2", "y does not appear"),
    ("log(x)", "x=-1", "domain error"),
    ("x", "x=abc", "not a number"),
])
def test_explain_command_errors(tmp_path, expr, at, message):
    args = parser().parse_args(["explain", expr, "--at", at, "-o", str(tmp_path / "r.html")])
    with pytest.raises(ValueError, match=message):
        args.run(args)
    assert not (tmp_path / "r.html").exists()


def test_serve_answers_on_loopback_with_limits():
    from semigrad.viz.serve import MAX_QUERY, make_server

    server = make_server(0, timeout=60)
    host, port = server.server_address
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def get(path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=90) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    try:
        status, page = get("/")
        assert status == 200 and 'name="expr"' in page
        status, page = get("/explain?expr=x*sin(y)&at=x%3D2,y%3D0.5")
        assert status == 200 and 'id="gradient-table"' in page
        status, page = get("/explain?expr=__import__('os')&at=x%3D1")
        assert status == 400 and ("not allowed" in page or "unknown" in page)
        assert get("/nothing")[0] == 404
        assert get("/explain?expr=" + "x" * MAX_QUERY + "&at=x%3D1")[0] == 414
    finally:
        server.shutdown()
        server.server_close()


def test_serve_time_limit():
    from semigrad.viz.serve import page_for

    status, page = page_for("x*y", "x=1,y=2", timeout=0.001)
    assert status == 504 and "time limit" in page


# ---- plots -------------------------------------------------------------------------------------


def test_plots_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    figs = [
        viz.training_curves([{"loss": 2.0 / (k + 1), "accuracy": k / 10} for k in range(10)],
                            tmp_path / "train.png"),
        viz.cost_plot([10, 100, 1000], {"reverse": [1.0, 1.1, 1.2], "central": [1, 10, None]},
                      tmp_path / "cost.png"),
        viz.hessian_heatmap(sg.hessian(lambda x: sg.sum(sg.sin(x) * x[::-1]))(np.ones(4)),
                            names=list("abcd"), path=tmp_path / "hessian.png"),
        viz.path_mass_image(viz.path_mass(lambda x: sg.sum(sg.tanh(x) * x), np.linspace(-1, 1,
                                                                                        64)),
                            image=np.linspace(-1, 1, 64).reshape(8, 8),
                            path=tmp_path / "mass.png"),
    ]
    for name in ("train", "cost", "hessian", "mass"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    legend = [t.get_text() for t in figs[1].axes[0].get_legend().get_texts()]
    assert legend[0].startswith("reverse (slope 0.04") and legend[1] == "central (slope 1.00)"
    for fig in figs:
        plt.close(fig)


def test_path_mass_semirings():
    f = lambda x: sg.sum(x * x * 3.0)  # noqa: E731
    x = np.array([1.0, -2.0])
    assert viz.path_mass(f, x).tolist() == [3.0, 6.0]
    assert viz.path_mass(f, x, sg.semirings.Counting).tolist() == [2.0, 2.0]
    assert viz.path_mass(f, x, sg.semirings.Entropy()).tolist() == pytest.approx(
        [np.log(2), np.log(2)])


def test_hessian_cells_read_well_and_become_a_heat_map_beyond_12():
    import importlib

    explain_module = importlib.import_module("semigrad.viz.explain")

    small = explain_module._hessian_section({
        "hessian": [[4.0, -0.1], [-0.1, -3.9]], "elements": ["x", "y"]})
    cells = re.findall(r'<span class="heat" style="([^"]*)" title="[^"]*">([^<]*)</span>',
                       small)
    assert len(cells) == 4 and all(text for _, text in cells)  # numbers shown
    strong = [style for style, text in cells if text.startswith(("4", "-3.9"))]
    assert strong and all("color:#fff" in style for style in strong)  # light on saturated
    assert all("color:#fff" not in style for style, text in cells if text.startswith("-0.1"))
    n = 13
    big = explain_module._hessian_section({"hessian": np.eye(n).tolist(),
                                           "elements": [f"x{k}" for k in range(n)]})
    texts = re.findall(r'<span class="heat small" style="[^"]*" title="([^"]*)">([^<]*)</span>',
                       big)
    assert len(texts) == n * n and all(title and not text for title, text in texts)
