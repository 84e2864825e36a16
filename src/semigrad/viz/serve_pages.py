"""The pages of ``semigrad serve``: the start page, the explorer page with its form, errors.

A request is a :class:`Query`: the expression, the point, the semiring whose
values the explorer writes on the nodes and the input whose top paths it
highlights (``/explain?expr=x*y&at=x=1,y=2&semiring=Counting&input=x``).
:func:`start_page` is the form and a few clickable examples, styled with
:data:`STYLE` (one small inline stylesheet: no fonts, scripts or pictures
are fetched); :func:`result_page` puts the same form, filled, with a link back
to the start, on top of the explorer page of :func:`~semigrad.viz.explain`,
and keeps its semiring and input controls in step with the explorer's own;
:func:`problem_page` is the start page with the form still filled and a
:class:`Problem` said for someone in a browser: the expression with the
position of a parse error marked, how many values the point needs and for
which variables, what to try when a page takes too long.

:func:`read_point` reads the point as typed (``x=0.5, y=2``, or the values
alone in the order the variables first appear) and says what is wrong in
the same words.

>>> page = start_page(Query("x * y", "x=1, y=2"), timeout=20)
>>> 'value="x * y"' in page and 'href="/explain?' in page
True
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode

import numpy as np

from .explain import SEMIRINGS

__all__ = ["EXAMPLES", "Example", "PointProblem", "Problem", "Query", "named_in", "parse_problem",
           "problem_page", "read_point", "result_page", "start_page"]


class Query(NamedTuple):
    """One request: ``expr``, the point ``at``, the ``semiring`` shown, the ``input`` highlighted.

    >>> q = Query.from_query_string("expr=x%2By&at=x%3D1,y%3D2&semiring=Counting")
    >>> q.expr, q.at, q.semiring, q.input
    ('x+y', 'x=1,y=2', 'Counting', '')
    >>> q.url()
    '/explain?expr=x%2By&at=x%3D1%2Cy%3D2&semiring=Counting'
    """

    expr: str = ""
    at: str = ""
    semiring: str = "Real"
    input: str = ""

    @classmethod
    def from_query_string(cls, text: str) -> Query:
        """The query of a URL's query string; fields that are missing take their defaults.

        >>> Query.from_query_string("expr=sin(x)").at
        ''
        """
        fields = parse_qs(text, keep_blank_values=True)
        given = {name: fields[name][0] for name in cls._fields if name in fields}
        return cls(**given)

    def url(self) -> str:
        """The explorer page's address (``/explain?...``), without the default fields.

        >>> Query("x", "x=1").url()
        '/explain?expr=x&at=x%3D1'
        """
        defaults = type(self)()
        fields = {name: value for name, value in self._asdict().items()
                  if name in ("expr", "at") or value != getattr(defaults, name)}
        return "/explain?" + urlencode(fields)


class Problem(NamedTuple):
    """What is wrong with a request, for someone in a browser: a ``title``, the ``detail``
    (HTML, its user text already escaped), the form ``field`` to fix ("expr", "at",
    "semiring", "input" or "") and the ``names`` of the inputs when they are known.

    >>> Problem("The point is not right", "x is given twice.", "at").field
    'at'
    """

    title: str
    detail: str
    field: str = ""
    names: tuple[str, ...] = ()


class Example(NamedTuple):
    """A clickable example of the start page: what it shows, and the query it opens."""

    title: str
    query: Query
    note: str


#: The start page's examples: gradients, top paths and each of the semirings.
EXAMPLES = (
    Example("Bauer's paths", Query("exp(y**-x - log(z)) + (y-z)**2*log(v)",
                                   "x=0.5, y=2, z=3, v=4", "Real", "y"),
            "y reaches f by two paths; ∂f/∂y is the sum of their weights."),
    Example("The top path", Query("tanh(x*y) + x", "x=1, y=2", "MaxProduct", "x"),
            "Of x's two paths the direct one carries the most: the max-product semiring."),
    Example("Counting paths", Query("x*x*x + x*x", "x=1.5", "Counting", "x"),
            "Five paths from one input, counted by the backward sweep."),
    Example("Entropy of the paths", Query("x*y + x*z + y*z + sin(x*y*z)",
                                          "x=0.3, y=1, z=2", "Entropy", "x"),
            "How evenly each input's gradient is spread over its paths."),
    Example("Dependence", Query("maximum(x, y) * z + relu(y - z)", "x=1, y=2, z=3",
                                "Boolean", "y"),
            "x loses the maximum here: the Boolean semiring says f does not depend on it."),
    Example("A neuron", Query("log(1 + exp(w*x + b))", "w=0.5, x=2, b=-1", "Real", "w"),
            "softplus(w·x + b): the gradient with respect to the weight and the bias."),
)

_NAME = r"[A-Za-z][A-Za-z0-9_]*"


def named_in(point: str) -> tuple[str, ...]:
    """The names a point gives values to, in order (``"x=1, y=2"`` → x, y).

    >>> named_in("x=1, y = 2, x=3")
    ('x', 'y')
    """
    return tuple(dict.fromkeys(re.findall(rf"({_NAME})\s*=", point)))


def _words(names) -> str:
    """``x``, ``x and y``, ``x, y and z``."""
    names = list(names)
    if len(names) < 2:
        return "".join(names) or "none"
    return ", ".join(names[:-1]) + " and " + names[-1]


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def read_point(text: str, variables: tuple[str, ...]) -> dict[str, float]:
    """The point as typed, as ``{name: value}`` for ``variables``; else raises a :class:`Problem`.

    Written as ``name=value`` pairs (in any order), or as the values alone in
    the order the variables first appear in the expression; separated by
    commas, semicolons or spaces.

    >>> read_point("y=2, x=0.5", ("x", "y"))
    {'y': 2.0, 'x': 0.5}
    >>> read_point("0.5 2", ("x", "y"))
    {'x': 0.5, 'y': 2.0}
    >>> try:
    ...     read_point("1", ("x", "y"))
    ... except PointProblem as p:
    ...     print(p.problem.title)
    The point needs 2 values, for x and y
    """
    parts = [p for p in re.split(r"[\s,;]+", re.sub(r"\s*=\s*", "=", text.strip())) if p]
    named = ["=" in p for p in parts]
    if parts and all(named):
        return _read_named(parts, variables)
    if any(named):
        raise PointProblem(
            "The point mixes names and plain values",
            "Write each value as <code>name=value</code> (<code>x=0.5, y=2</code>), or give "
            "the values alone, in the order the variables first appear in the expression.")
    values = [_number(p, None) for p in parts]
    if len(values) != len(variables):
        listed = f" ({_e(', '.join(parts))})" if 0 < len(parts) <= _SPELLED_OUT else ""
        raise PointProblem(*_count_problem(variables, _plural(len(values), "value") + listed))
    return dict(zip(variables, values))


class PointProblem(Exception):
    """A point that cannot be read; ``.problem`` says why (a :class:`Problem`)."""

    def __init__(self, title: str, detail: str):
        super().__init__(title, detail)
        self.problem = Problem(title, f"<p>{detail}</p>", "at")


#: Up to this many variables, a point problem names them in its title and shows an example.
_SPELLED_OUT = 8


def _count_problem(variables, given: str, known=None) -> tuple[str, str]:
    """(title, detail) of a point with the wrong number of values: how many, and for what."""
    if not variables:
        return ("The expression has no variables",
                f"It is a constant, so the point must be empty; it has {given}.")
    n = len(variables)
    uses = (f"the variable {variables[0]}" if n == 1 else
            f"{n} variables, {_words(variables)} (in the order they first appear)")
    title = f"The point needs {_plural(n, 'value')}, " + (
        f"for {_words(variables)}" if n <= _SPELLED_OUT else "one for each variable")
    known = known or {}
    if n <= _SPELLED_OUT:
        example = ", ".join(f"{v}={known[v]:g}" if v in known else f"{v}=1" for v in variables)
        how = f"e.g. <code>{_e(example)}</code>"
    else:
        how = "as name=value pairs, or the values alone in this order"
    return title, f"The expression uses {uses}; the point has {given}. Give one value for " \
                  f"each, {how}."


def _number(text: str, name: str | None) -> float:
    of = f" (the value of {_e(name)})" if name else ""
    try:
        value = float(text)
    except ValueError:
        raise PointProblem("A value of the point is not a number",
                           f"<code>{_e(text or '(nothing)')}</code>{of} is not a number; "
                           "write numbers like <code>2</code>, <code>-0.5</code> or "
                           "<code>1e-3</code>.") from None
    if not np.isfinite(value):
        raise PointProblem("A value of the point is not finite",
                           f"<code>{_e(text)}</code>{of} is not a finite number; the point "
                           "must be finite.")
    return value


def _read_named(parts, variables) -> dict[str, float]:
    point: dict[str, float] = {}
    for part in parts:
        name, _, value = part.partition("=")
        if not re.fullmatch(_NAME, name):
            raise PointProblem("A name in the point is not a variable name",
                               f"<code>{_e(name or '(nothing)')}</code> (before "
                               f"<code>={_e(value)}</code>) is not a name: names start with "
                               "a letter, then letters, digits and _.")
        if name in point:
            raise PointProblem(f"{name} is given twice",
                               f"The point gives {_e(name)} two values; keep one.")
        point[name] = _number(value, name)
    extra = [n for n in point if n not in variables]
    missing = [v for v in variables if v not in point]
    if missing:
        given = f"no value for {_e(_words(missing))}"
        title, detail = _count_problem(variables, given, point)
        if extra:
            detail += (f" {_e(_words(extra))} {'is' if len(extra) == 1 else 'are'} not in the "
                       "expression: check the spelling.")
        raise PointProblem(title, detail)
    if extra:
        uses = _words(variables) if variables else "no variables"
        raise PointProblem(
            f"The expression does not use {_words(extra)}",
            f"The point gives a value for {_e(_words(extra))}, which the expression does not "
            f"use (it uses {_e(uses)}): remove it, or check the spelling.")
    return point


def parse_problem(error) -> Problem:
    """A :class:`~semigrad.parse.ParseError` as a :class:`Problem`: the text, its problem marked.

    >>> from semigrad.parse import ParseError
    >>> p = parse_problem(ParseError("syntax error: '(' was never closed", 3, "x*(y"))
    >>> p.title, p.field
    ('The expression could not be read', 'expr')
    >>> print(p.detail.split("</pre>")[0])
    <pre class="app-marked">x*<mark>(</mark>y
    """
    text, column = error.text, error.column
    at = min(max(column - 1, 0), len(text))
    marked = text[at:at + 1]
    mark = f"<mark>{_e(marked)}</mark>" if marked.strip() else '<mark class="app-gap"> </mark>'
    shown = f'<pre class="app-marked">{_e(text[:at])}{mark}{_e(text[at + 1:])}</pre>'
    message = error.message.removeprefix("syntax error: ")
    where = ("at the end" if at >= len(text) else f"at character {column}")
    hint = f" ({_e(error.hint)})" if error.hint else ""
    return Problem("The expression could not be read",
                   f"{shown}<p>{where.capitalize()}: {_e(message)}{hint}.</p>", "expr")


# ---- the pages ---------------------------------------------------------------------------------

STYLE = """
.app { --ink: #1d2430; --muted: #5b6473; --line: #d7dce3; --accent: #1f5fbf;
       --accent-dark: #17498f; --paper: #f6f8fb; --bad: #b00020; --mark: #e8590c;
       font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
       color: var(--ink); }
body.app { margin: 0; background: var(--paper); line-height: 1.45; }
.app main { max-width: 58rem; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
.app h1 { font-size: 1.6rem; margin: .2rem 0 .3rem; font-family: inherit; }
.app .app-brand { font-size: .85rem; font-weight: 600; letter-spacing: .04em;
       color: var(--accent); margin: 0; }
.app h2 { font-size: 1.1rem; margin: 2rem 0 .6rem; border: 0; }
.app .app-lead { color: var(--muted); margin: 0 0 1.2rem; max-width: 46rem; }
.app a { color: var(--accent); }
.app code, .app pre, .app input[type=text] { font-family: ui-monospace, 'DejaVu Sans Mono',
       Menlo, Consolas, monospace; }
.app .app-card { background: #fff; border: 1px solid var(--line); border-radius: 8px;
       padding: 1rem 1.2rem; box-shadow: 0 1px 2px rgba(20, 30, 50, .05); }
.app-form { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
       gap: .8rem 1rem; align-items: end; }
.app-form label { display: flex; flex-direction: column; gap: .25rem; font-size: .85rem;
       color: var(--muted); }
.app-form .app-wide { grid-column: 1 / -1; }
.app-form input, .app-form select { font-size: .95rem; padding: .45rem .55rem;
       border: 1px solid #b9c1cc; border-radius: 6px; background: #fff; color: var(--ink);
       min-width: 0; }
.app-form input:focus, .app-form select:focus { outline: 2px solid var(--accent);
       outline-offset: 0; border-color: var(--accent); }
.app-form [aria-invalid=true] { border-color: var(--bad); background: #fff6f7; }
.app-form button { font: inherit; font-weight: 600; font-size: .95rem; color: #fff;
       background: var(--accent); border: 0; border-radius: 6px; padding: .5rem 1.3rem;
       cursor: pointer; justify-self: start; }
.app-form button:hover { background: var(--accent-dark); }
.app-examples { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr));
       gap: .8rem; padding: 0; margin: 0; list-style: none; }
.app-examples a { display: block; height: 100%; box-sizing: border-box; text-decoration: none;
       color: var(--ink); background: #fff; border: 1px solid var(--line); border-radius: 8px;
       padding: .7rem .9rem; }
.app-examples a:hover, .app-examples a:focus { border-color: var(--accent);
       box-shadow: 0 0 0 2px rgba(31, 95, 191, .15); }
.app-examples strong { display: block; color: var(--accent); margin-bottom: .2rem; }
.app-examples code { display: block; font-size: .85rem; overflow-wrap: anywhere; }
.app-examples .app-at { font-size: .8rem; color: var(--muted); }
.app-examples .app-note { display: block; font-size: .85rem; margin-top: .35rem; }
.app .app-problem { border-left: 4px solid var(--bad); background: #fff; border-radius: 6px;
       padding: .7rem 1rem; margin: 0 0 1rem; }
.app .app-problem h2 { color: var(--bad); margin: 0 0 .3rem; font-size: 1.05rem; }
.app .app-problem p { margin: .3rem 0; }
.app pre.app-marked { background: var(--paper); border: 1px solid var(--line); border-radius: 4px;
       padding: .4rem .6rem; margin: .4rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.app mark { background: #ffd8c2; color: var(--bad); font-weight: 700;
       border-bottom: 2px solid var(--mark); }
.app mark.app-gap { padding: 0 .3em; }
.app-back { display: inline-block; margin-bottom: .4rem; font-size: .9rem; }
.app .app-small { font-size: .85rem; color: var(--muted); }
.app ul.app-shows { margin: .3rem 0 0; padding-left: 1.2rem; }
.app-bar { margin: 0; padding: .7rem 1.5em .9rem; background: var(--paper);
       border-bottom: 1px solid var(--line); font-size: 15px; line-height: 1.35; }
.app-bar .app-form { grid-template-columns: minmax(14rem, 4fr) minmax(8rem, 2fr)
       minmax(9rem, 1fr) minmax(7rem, 1fr) auto; }
.app-bar .app-form label { white-space: nowrap; }
.app-bar .app-form .app-wide { grid-column: auto; }
@media (max-width: 60rem) {
  .app-bar .app-form, .app-form { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .app-bar .app-form .app-wide { grid-column: 1 / -1; }
}
"""

#: Keeps the form's input choices in step with the point typed, and, on the explorer page,
#: the form's semiring and input controls with the explorer's own (and the address with both).
SCRIPT = r"""
(function () {
  "use strict";
  const form = document.getElementById("app-form");
  const point = document.getElementById("app-at");
  const inputs = document.getElementById("app-input");
  const semirings = document.getElementById("app-semiring");
  function refill() {
    const names = [];
    for (const m of point.value.matchAll(/([A-Za-z][A-Za-z0-9_]*)\s*=/g)) {
      if (!names.includes(m[1])) { names.push(m[1]); }
    }
    if (names.length === 0) { return; }
    const chosen = inputs.value;
    while (inputs.options.length > 1) { inputs.remove(1); }
    names.forEach(function (name) { inputs.add(new Option(name, name)); });
    inputs.value = names.includes(chosen) ? chosen : "";
  }
  point.addEventListener("input", refill);

  const pageSemiring = document.getElementById("semiring-select");
  const pageInput = document.getElementById("input-select");
  if (!form.dataset.result || !pageSemiring || !pageInput) { return; }
  function remember(name, value) {
    const url = new URL(window.location.href);
    url.searchParams.set(name, value);
    window.history.replaceState(null, "", url);
  }
  function inputOption(name) {
    return Array.from(pageInput.options).find(function (o) {
      return o.value !== "" && o.textContent === name;
    });
  }
  function showSemiring() {
    pageSemiring.value = semirings.value;
    pageSemiring.dispatchEvent(new Event("change"));
  }
  function showInput() {
    const option = inputOption(inputs.value);
    pageInput.value = option ? option.value : "";
    pageInput.dispatchEvent(new Event("change"));
  }
  semirings.addEventListener("change", function () {
    showSemiring(); remember("semiring", semirings.value);
  });
  inputs.addEventListener("change", function () { showInput(); remember("input", inputs.value); });
  pageSemiring.addEventListener("change", function () {
    if (semirings.value !== pageSemiring.value) {
      semirings.value = pageSemiring.value; remember("semiring", semirings.value);
    }
  });
  pageInput.addEventListener("change", function () {
    const option = pageInput.options[pageInput.selectedIndex];
    const name = option && option.value !== "" ? option.textContent : "";
    if (inputs.value !== name) { inputs.value = name; remember("input", name); }
  });
  showSemiring();
  showInput();
})();
"""

_HEAD = ('<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
         'initial-scale=1">')


def _options(choices, chosen: str) -> str:
    return "".join(f'<option value="{_e(value)}"{" selected" if value == chosen else ""}>'
                   f"{_e(label)}</option>" for value, label in choices)


def _form(query: Query, names, problem_field: str = "", result: bool = False) -> str:
    """The form: expression, point, semiring, input to highlight, and the button."""
    names = tuple(names)
    if query.input and query.input not in names:
        names += (query.input,)
    # on the explorer page its own control, just below, says what each semiring means
    semirings = _options([(name, name if result else f"{name}: {meaning}")
                          for name, (_, _, meaning) in SEMIRINGS.items()], query.semiring)
    inputs = _options([("", "(none)")] + [(n, n) for n in names], query.input)

    def invalid(field):
        return ' aria-invalid="true" autofocus' if field == problem_field else ""

    marker = ' data-result="1"' if result else ""
    return (
        f'<form class="app-form" id="app-form" action="/explain" method="get"{marker}>'
        f'<label class="app-wide">Expression f =<input type="text" id="app-expr" name="expr" '
        f'value="{_e(query.expr)}" spellcheck="false" autocomplete="off" '
        f'placeholder="exp(-x**2) * sin(y)"{invalid("expr")}></label>'
        f'<label>at the point<input type="text" id="app-at" name="at" value="{_e(query.at)}" '
        f'spellcheck="false" autocomplete="off" placeholder="x=0.5, y=2"{invalid("at")}>'
        f"</label>"
        f'<label>values on the nodes<select id="app-semiring" name="semiring"'
        f'{invalid("semiring")}>{semirings}</select></label>'
        f'<label>top paths from<select id="app-input" name="input"{invalid("input")}>'
        f"{inputs}</select></label>"
        '<button type="submit" id="app-submit">Explain</button></form>'
    )


def _examples() -> str:
    items = []
    for k, ex in enumerate(EXAMPLES, 1):
        q = ex.query
        items.append(
            f'<li><a id="example-{k}" href="{_e(q.url())}"><strong>{_e(ex.title)}</strong>'
            f'<code>{_e(q.expr)}</code><span class="app-at">at {_e(q.at)} · '
            f'{_e(q.semiring)}</span><span class="app-note">{_e(ex.note)}</span></a></li>')
    return f'<ul class="app-examples">{"".join(items)}</ul>'


def start_page(query: Query, timeout: float, problem: Problem | None = None) -> str:
    """The start page: the form filled with ``query``, the examples, and ``problem`` if any.

    ``timeout``: the server's time limit per page, which the page mentions.

    >>> page = start_page(EXAMPLES[0].query, timeout=20)
    >>> page.count('class="app-problem"'), page.count('id="example-')
    (0, 6)
    """
    names = problem.names if problem and problem.names else named_in(query.at)
    said = ""
    if problem is not None:
        said = (f'<section class="app-problem" id="app-problem" role="alert">'
                f"<h2>{_e(problem.title)}</h2>{problem.detail}</section>")
    title = f"semigrad: {problem.title}" if problem else "semigrad: explore a gradient"
    back = '<a class="app-back" id="app-back" href="/">← Start again</a>' if problem else ""
    functions = ", ".join(_functions())
    return "\n".join([
        "<!doctype html>",
        f'<html lang="en"><head>{_HEAD}<title>{_e(title)}</title>',
        f"<style>{STYLE}</style></head>",
        '<body class="app"><main>',
        back,
        '<p class="app-brand">semigrad · reverse mode on computational hypergraphs</p>',
        "<h1>Explore a gradient</h1>",
        '<p class="app-lead">Type a function of a few variables and a point. semigrad draws '
        "its computational hypergraph with the forward values and adjoints, computes the "
        "gradient by reverse mode, forward mode, finite differences and symbolically, the "
        "Hessian, the top gradient paths, and the backward sweep in other semirings.</p>",
        said,
        f'<div class="app-card">{_form(query, names, problem.field if problem else "")}</div>',
        "<h2>Examples</h2>",
        _examples(),
        "<h2>What you can type</h2>",
        '<p class="app-small">The expression is math written like Python: <code>+ - * / '
        "**</code>, brackets, numbers, the constants <code>pi</code> and <code>e</code>, and "
        f"the functions {functions}. The point gives each variable a value "
        "(<code>x=0.5, y=2</code>), or the values alone in the order the variables first "
        "appear (<code>0.5, 2</code>). Nothing you type is run as code: the expression is "
        "read by semigrad's own parser. Each page is computed within "
        f"{timeout:g} seconds.</p>",
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ])


def _functions() -> list[str]:
    from ..parse import FUNCTIONS

    return [f"<code>{_e(name)}</code>" for name in sorted(FUNCTIONS)]


def problem_page(query: Query, timeout: float, problem: Problem) -> str:
    """The start page with the form still filled, and what is wrong said in words.

    >>> page = problem_page(Query("x*", "x=1"), 20, Problem("Oops", "<p>why</p>", "expr"))
    >>> '<h2>Oops</h2><p>why</p>' in page and 'aria-invalid="true"' in page
    True
    """
    return start_page(query, timeout, problem)


def result_page(explorer: str, query: Query, names) -> str:
    """The explorer page ``explorer`` with the form (filled with ``query``) and a link back on top.

    ``names``: the expression's inputs, in the explorer's order. The form's
    semiring and input controls set the explorer's own at once (no new
    request) and follow them.

    >>> import semigrad as sg
    >>> from semigrad.viz import explain
    >>> page = result_page(explain(sg.parse("x*y"), 1.0, 2.0), Query("x*y", "x=1, y=2"), "xy")
    >>> page.count('id="app-form"'), page.count('id="semiring-select"')
    (1, 1)
    """
    head, found_head, body = explorer.partition("</head>")
    opening = re.search(r"<body[^>]*>", body)
    rest, found_end, tail = body[opening.end():].rpartition("</body>") if opening else ("", "", "")
    if not (found_head and opening and found_end):
        raise ValueError("serve: the explorer page has no <head> and <body> to add the form to")
    bar = ('<nav class="app app-bar" aria-label="semigrad serve">'
           '<a class="app-back" id="app-back" href="/">← Examples and a new expression</a>'
           f"{_form(query, names, result=True)}</nav>")
    return "".join([head, f"<style>{STYLE}</style>", found_head, body[:opening.end()], bar,
                    rest, f"<script>{SCRIPT}</script>", found_end, tail])
