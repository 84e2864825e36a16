"""``semigrad serve``'s pages without a browser: status codes, the form filled and escaped, and
every problem said in words for someone in a browser (no "--at", no "EXPR", no traceback).

The browser itself (every control clicked, screenshots) is tests/viz/test_serve_browser.py.
"""

import html
import importlib
import re
import threading
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from local_server import get, serving
from semigrad.parse import ParseError
from semigrad.viz.budget import Budget
from semigrad.viz.explain import SEMIRINGS
from semigrad.viz.serve import _compute, make_server, page_for
from semigrad.viz.serve_pages import (
    EXAMPLES,
    PointProblem,
    Query,
    named_in,
    parse_problem,
    read_point,
    result_page,
    start_page,
)

SERVE = importlib.import_module("semigrad.viz.serve")  # the module (sg.viz.serve is the function)
CLI_WORDS = ("--at", "EXPR", "Traceback", "column ")


def said(page: str) -> str:
    """The problem box's text, tags dropped and entities decoded."""
    box = re.search(r'<section class="app-problem".*?</section>', page, re.S)
    assert box, "no problem box on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", box.group(0)))


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input type="text" id="app-[a-z]+" name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def selected(page: str, name: str) -> str:
    select = re.search(rf'<select id="app-[a-z]+" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no {name} select"
    chosen = re.findall(r'<option value="([^"]*)" selected>', select.group(1))
    return html.unescape(chosen[0]) if chosen else ""


# ---- reading what was typed -------------------------------------------------------------------


@pytest.mark.parametrize("text, variables, point", [
    ("x=0.5, y=2", ("x", "y"), {"x": 0.5, "y": 2.0}),
    ("y = 2 ; x=-1e-3", ("x", "y"), {"y": 2.0, "x": -0.001}),
    ("0.5 2", ("y", "x"), {"y": 0.5, "x": 2.0}),
    ("0.5,2", ("y", "x"), {"y": 0.5, "x": 2.0}),
    ("", (), {}),
])
def test_read_point(text, variables, point):
    assert read_point(text, variables) == point
    assert list(read_point(text, variables)) == list(point)


@pytest.mark.parametrize("text, variables, title, words", [
    ("x=2", ("x", "y"), "The point needs 2 values, for x and y",
     ["uses 2 variables, x and y", "has no value for y", "x=2, y=1"]),
    ("1", ("y", "x", "z"), "The point needs 3 values, for y, x and z",
     ["in the order they first appear", "has 1 value (1)", "y=1, x=1, z=1"]),
    ("1, 2, 3", ("x",), "The point needs 1 value, for x",
     ["uses the variable x", "has 3 values (1, 2, 3)"]),
    ("", ("x",), "The point needs 1 value, for x", ["has 0 values"]),
    ("x=1, q=2", ("x", "y"), "The point needs 2 values, for x and y",
     ["has no value for y", "q is not in the expression: check the spelling"]),
    ("1 " * 9, tuple("abcdfghij") + ("k0",), "The point needs 10 values, one for each variable",
     ["uses 10 variables, a, b, c, d, f, g, h, i, j and k0", "has 9 values. Give",
      "or the values alone in this order"]),
    ("x=1, y=2, w=3", ("x", "y"), "The expression does not use w",
     ["gives a value for w", "it uses x and y", "remove it"]),
    ("x=1", (), "The expression does not use x", ["it uses no variables"]),
    ("3", (), "The expression has no variables", ["the point must be empty"]),
    ("x=1, 2", ("x", "y"), "The point mixes names and plain values", ["name=value"]),
    ("x=abc", ("x",), "A value of the point is not a number",
     ["abc (the value of x) is not a number"]),
    ("x=inf", ("x",), "A value of the point is not finite", ["inf (the value of x)"]),
    ("x=1, x=2", ("x",), "x is given twice", ["two values"]),
    ("2x=1", ("x",), "A name in the point is not a variable name", ["2x (before =1)"]),
    ("x=<b>", ("x",), "A value of the point is not a number", ["<b> (the value of x)"]),
])
def test_point_problems_in_words(text, variables, title, words):
    with pytest.raises(PointProblem) as caught:
        read_point(text, variables)
    problem = caught.value.problem
    assert problem.title == title and problem.field == "at"
    text_said = html.unescape(re.sub(r"<[^>]+>", "", problem.detail))
    for w in words:
        assert w in text_said, (w, text_said)
    assert "<b>" not in problem.detail  # what was typed is escaped
    assert not any(w in problem.detail for w in CLI_WORDS)


def test_a_parse_error_marks_its_position():
    problem = parse_problem(ParseError("syntax error: '(' was never closed", 3, "x*(y<z"))
    assert problem.field == "expr" and problem.title == "The expression could not be read"
    assert '<pre class="app-marked">x*<mark>(</mark>y&lt;z</pre>' in problem.detail
    assert "At character 3: '(' was never closed." in html.unescape(problem.detail)
    end = parse_problem(ParseError("syntax error: the expression ends too early", 3, "x*"))
    assert '<pre class="app-marked">x*<mark class="app-gap"> </mark></pre>' in end.detail
    assert "At the end: the expression ends too early." in html.unescape(end.detail)


@pytest.mark.parametrize("query, title, field, words", [
    (Query("x*+(y", "x=2, y=0.5"), "The expression could not be read", "expr",
     ["x*+(y", "At character 4: '(' was never closed"]),
    (Query("exp(foo(x))", "x=1"), "The expression could not be read", "expr",
     ["At character 5: unknown function 'foo' (the functions are abs,"]),
    (Query("x.__class__", "x=1"), "The expression could not be read", "expr",
     ["attribute access is not allowed"]),
    (Query("", ""), "The expression could not be read", "expr", ["the expression is empty"]),
    (Query("x*y", "x=2"), "The point needs 2 values, for x and y", "at", ["x=2, y=1"]),
    (Query("log(x)", "x=-1"), "The expression has no value at this point", "at",
     ["At x = -1 it is nan", "Choose another point"]),
    (Query("x*y", "x=1, y=2", input="z"), "There is no input z to highlight", "input",
     ["inputs are x, y"]),
])
def test_compute_says_problems_in_words(query, title, field, words):
    kind, problem = _compute(query, Budget(seconds=5))
    assert kind == "problem"
    assert problem.title == title and problem.field == field
    text_said = html.unescape(re.sub(r"<[^>]+>", "", problem.detail))
    for w in words:
        assert w in text_said, (w, text_said)
    assert not any(w in text_said for w in ("--at", "EXPR", "Traceback"))


def test_compute_gives_the_explorer_page_and_the_input_names():
    kind, (page, names) = _compute(Query("x*sin(y)", "y=0.5, x=2"), Budget(seconds=5))
    assert kind == "page" and names == ("y", "x")
    assert 'id="gradient-table"' in page and "at y = 0.5, x = 2" in page


# ---- the pages ---------------------------------------------------------------------------------


def test_start_page_has_the_form_filled_and_the_examples():
    page = start_page(EXAMPLES[0].query, timeout=20)
    assert field_value(page, "expr") == EXAMPLES[0].query.expr
    assert field_value(page, "at") == EXAMPLES[0].query.at
    assert selected(page, "semiring") == "Real" and selected(page, "input") == "y"
    options = re.findall(r'<option value="([^"]*)"', page)
    assert options == list(SEMIRINGS) + ["", "x", "y", "z", "v"]
    links = re.findall(r'<a id="example-\d" href="([^"]+)"', page)
    assert [html.unescape(u) for u in links] == [ex.query.url() for ex in EXAMPLES]
    assert {ex.query.semiring for ex in EXAMPLES} == set(SEMIRINGS)  # each semiring shown
    assert 'id="app-problem"' not in page and 'id="app-back"' not in page
    assert not re.search(r"(src|href)=\"?(https?:)?//", page)  # nothing from elsewhere
    assert "within 20 seconds" in page


def test_the_form_escapes_what_was_typed():
    typed = Query('"><script>alert(1)</script>', "x=1&y='2'", "Counting", '"><b>')
    page = start_page(typed, timeout=20)
    assert "<script>alert" not in page and "<b>" not in page
    assert field_value(page, "expr") == typed.expr and field_value(page, "at") == typed.at
    assert selected(page, "semiring") == "Counting" and selected(page, "input") == '"><b>'


def test_example_queries_round_trip_through_their_urls():
    for ex in EXAMPLES:
        assert Query.from_query_string(ex.query.url().partition("?")[2]) == ex.query


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: ex.title)
def test_every_example_computes(example):
    kind, (page, names) = _compute(example.query, Budget(seconds=5))
    assert kind == "page" and example.query.input in names == named_in(example.query.at)
    assert "over budget" not in page and "n/a" not in page


def test_result_page_has_the_form_and_a_link_back_on_top_of_the_explorer():
    kind, (explorer, names) = _compute(Query("x*sin(y)", "x=2, y=0.5"), Budget(seconds=5))
    query = Query("x*sin(y)", "x=2, y=0.5", "MaxProduct", "y")
    page = result_page(explorer, query, names)
    bar = page.index('<nav class="app app-bar"')
    assert page.index("<body") < bar < page.index('id="graph-section"')
    assert 'href="/"' in page[bar:page.index("</nav>")]
    assert field_value(page, "expr") == "x*sin(y)" and field_value(page, "at") == "x=2, y=0.5"
    assert selected(page, "semiring") == "MaxProduct" and selected(page, "input") == "y"
    assert 'data-result="1"' in page
    assert page.count("<style>") == 2 and page.rstrip().endswith("</body></html>")
    with pytest.raises(ValueError, match="no <head> and <body>"):
        result_page("<p>not a page</p>", query, names)


# ---- the server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with serving(seconds=5, socket_timeout=5) as server:
        yield server


def explain_url(expr, at, **more):
    return Query(expr, at, **more).url()


def test_server_start_page_and_result(server):
    status, page, headers = get(server, "/")
    assert status == 200 and field_value(page, "expr") == EXAMPLES[0].query.expr
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    status, page, _ = get(server, explain_url("x*sin(y)", "x=2, y=0.5", semiring="Counting",
                                              input="x"))
    assert status == 200 and 'id="gradient-table"' in page
    assert selected(page, "semiring") == "Counting" and selected(page, "input") == "x"
    assert get(server, "/favicon.ico")[0] == 204


@pytest.mark.parametrize("path, status, title", [
    (explain_url("x*+(y", "x=2, y=0.5"), 400, "The expression could not be read"),
    (explain_url("x*y", "x=2"), 400, "The point needs 2 values, for x and y"),
    (explain_url("x*y", "1 2 3"), 400, "The point needs 2 values, for x and y"),
    (explain_url("log(x)", "x=-1"), 400, "The expression has no value at this point"),
    (explain_url("x", "x=1", semiring="Tropical"), 400, "There is no semiring Tropical"),
    (explain_url("x", "x=1", input="y"), 400, "There is no input y to highlight"),
    ("/nothing", 404, "There is no such page"),
    ("/explain?expr=" + "x" * 2001 + "&at=x%3D1", 414, "The request is too long"),
])
def test_server_problems_have_status_and_words(server, path, status, title):
    got, page, _ = get(server, path)
    assert got == status
    assert said(page).split("\n")[0].strip().startswith(title)
    assert not any(w in said(page) for w in CLI_WORDS)
    assert "Traceback" not in page


def test_problem_pages_keep_the_form_filled(server):
    expr, at = "exp(<x>) +", "x=0.5, y=2"
    status, page, _ = get(server, f"/explain?expr={quote(expr)}&at={quote(at)}"
                                  "&semiring=Entropy&input=y")
    assert status == 400 and "<x>" not in page
    assert field_value(page, "expr") == expr and field_value(page, "at") == at
    assert selected(page, "semiring") == "Entropy" and selected(page, "input") == "y"
    assert re.search(r'name="expr" [^>]*aria-invalid="true" autofocus', page)
    assert 'id="app-back" href="/"' in page


def test_server_refuses_other_hosts_in_words(server):
    status, page, _ = get(server, "/", host="evil.example")
    assert status == 403 and "only to localhost" in said(page)


def test_over_budget_says_it_took_too_long_and_what_to_try():
    status, page = page_for("x*y", "x=1, y=2", semiring="Counting", timeout=0.001)
    assert status == 504
    words = said(page)
    assert "This page took too long" in words and "time limit of 0.001 s" in words
    assert "Try a shorter expression, fewer variables" in words
    assert field_value(page, "expr") == "x*y" and selected(page, "semiring") == "Counting"


def test_other_methods_and_internal_errors_are_pages_in_words(server, monkeypatch):
    request = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/explain",
                                     data=b"expr=x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=90)
    assert caught.value.code == 405 and caught.value.headers["Allow"] == "GET"
    assert "only answers GET" in said(caught.value.read().decode())

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(SERVE, "page_for", broken)
    status, page, _ = get(server, explain_url("x", "x=1"))
    assert status == 500 and "internal error (KeyError)" in said(page)
    assert "Traceback" not in page and "a bug" not in page


def test_a_busy_server_says_so_and_keeps_the_form(monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        started.set()
        release.wait(60)
        return 200, "done"

    monkeypatch.setattr(SERVE, "page_for", slow)
    busy = make_server(0, timeout=60, workers=1)
    threading.Thread(target=busy.serve_forever, daemon=True).start()
    first = threading.Thread(target=get, args=(busy, explain_url("x", "x=1")))
    first.start()
    try:
        assert started.wait(60)
        status, page, headers = get(busy, explain_url("x*y", "x=1, y=2"))
        assert status == 503 and headers["Retry-After"] == "5"
        assert "The server is busy" in said(page) and field_value(page, "expr") == "x*y"
    finally:
        release.set()
        first.join(60)
        busy.shutdown()
        busy.server_close()
