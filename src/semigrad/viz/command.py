"""The ``semigrad explain`` and ``semigrad serve`` subcommands.

``semigrad explain EXPR --at x=0.5,y=2 -o report.html`` parses the
expression with the safe parser (never ``eval``) and writes the explorer page
of :func:`~semigrad.viz.explain`; ``semigrad serve`` serves the same page
for expressions typed in a browser (on 127.0.0.1 only; see
:mod:`semigrad.viz.serve`). :func:`add_parser` adds both to the ``semigrad``
command's subparsers. Errors are ValueErrors with one line saying what to
fix; the ``semigrad`` command prints them and exits with status 2.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="semigrad")
>>> add_parser(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["explain", "x*y", "--at", "x=1,y=2", "-o", "r.html"])
>>> args.command, args.output, args.top
('explain', 'r.html', 3)
"""

from __future__ import annotations

import argparse

import numpy as np

from ..cli import expression_at, parse_point
from .scene import MAX_EDGES

EXAMPLES = """examples:
  semigrad explain 'exp(y**-x - log(z)) + (y-z)**2*log(v)' --at x=0.5,y=2,z=3,v=4 -o report.html
  semigrad explain 'tanh(x*y) + x' --at x=1,y=2 --top 5 -o tanh.html
  semigrad serve --port 8000
"""


def explain_expression(text: str, at: str, k: int = 3, max_edges: int | None = MAX_EDGES,
                       engine: str | None = None) -> str:
    """The explorer page of the expression ``text`` at the point ``at`` ("x=0.5,y=2").

    >>> page = explain_expression("x * y", "x=3,y=4")
    >>> 'id="semiring-table"' in page
    True
    """
    from .explain import explain

    point = parse_point(at)
    expr = expression_at(text, point)
    with np.errstate(all="ignore"):
        value = float(expr(*point.values()))
    if not np.isfinite(value):
        raise ValueError(
            f"the expression is {value} at {at} (a domain error, such as the log of a "
            "negative number or a division by zero?)"
        )
    return explain(expr, *point.values(), k=k, max_edges=max_edges, engine=engine)


def run_explain(args) -> int:
    """Write the page for ``semigrad explain`` and say where it went."""
    page = explain_expression(args.expr, args.at, args.top, args.max_edges, args.engine)
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write(page)
    print(f"explorer page of {args.expr} written to {args.output} "
          f"({len(page.encode()) // 1024} KiB, self-contained: open it in any browser)")
    return 0


def run_serve(args) -> int:
    """Serve explorer pages on 127.0.0.1 until interrupted."""
    from .serve import serve

    serve(args.port, timeout=args.timeout)
    return 0


def add_parser(subparsers) -> None:
    """Add ``explain`` and ``serve`` to the subparsers of the ``semigrad`` command.

    Each sets ``run`` (a function of the parsed arguments returning the exit
    status), as the ``semigrad`` command's other subcommands do.

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="semigrad")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["serve"]).port
    8000
    """
    explain = subparsers.add_parser(
        "explain",
        help="write the explorer page of an expression: graph, gradients, paths, semirings",
        description="Write one self-contained HTML page explaining EXPR at a point: the "
                    "graph with forward values and adjoints, the gradient by reverse mode, "
                    "numerically and symbolically, the Hessian, Bauer paths and semirings.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("expr", metavar="EXPR",
                         help="math written like Python, e.g. 'exp(-x**2) * sin(y)'")
    explain.add_argument("--at", required=True,
                         help="the point: name=value pairs separated by commas, e.g. x=0.5,y=2")
    explain.add_argument("-o", "--output", default="report.html", metavar="FILE",
                         help="the HTML file to write (default report.html)")
    explain.add_argument("--top", type=int, default=3, metavar="K",
                         help="top gradient paths listed per input (default 3)")
    explain.add_argument("--max-edges", type=int, default=MAX_EDGES, metavar="N",
                         help=f"fold graphs with more hyperedges (default {MAX_EDGES})")
    explain.add_argument("--engine", choices=("dot", "builtin"),
                         help="layout: Graphviz's dot or the built-in one (default: dot when "
                              "installed)")
    explain.set_defaults(run=run_explain)
    serve = subparsers.add_parser(
        "serve",
        help="serve explorer pages for expressions typed in a browser (127.0.0.1 only)",
        description="Serve the explorer page on http://127.0.0.1:PORT/ for expressions typed "
                    "in the browser. Expressions go through the safe parser; each page is "
                    "computed in a child process with a time limit.",
    )
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    serve.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                       help="time limit per page (default 20)")
    serve.set_defaults(run=run_serve)
