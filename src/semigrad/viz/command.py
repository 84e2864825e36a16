"""The ``semigrad explain`` and ``semigrad serve`` subcommands.

``semigrad explain EXPR --at x=0.5,y=2 -o report.html`` parses the
expression with the safe parser (never ``eval``) and writes the explorer page
of :func:`~semigrad.viz.explain`; ``semigrad serve`` serves the same page
for expressions typed in a browser (on 127.0.0.1 only; see
:mod:`semigrad.viz.serve`). :func:`add_parser` adds both to the ``semigrad``
command's subparsers. Errors are ValueErrors with one line saying what to
fix; the ``semigrad`` command prints them and exits with status 2. The
page's columns (forward mode, each numerical method, SymPy, the Hessian,
the paths) each run within ``--budget`` seconds and ``--memory`` MiB (see
:mod:`semigrad.viz.budget`) and say "skipped: took longer than N s" past
them; ``--columns`` names those to compute.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="semigrad")
>>> add_parser(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["explain", "x*y", "--at", "x=1,y=2", "-o", "r.html"])
>>> args.command, args.output, args.top
('explain', 'r.html', 3)
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from ..arguments import (
    BUDGET_SECONDS,
    CommandError,
    add_budget_options,
    expression_at,
    parse_point,
)
from .budget import MIB, Budget
from .dot import has_graphviz
from .explain import COLUMNS
from .scene import MAX_EDGES

#: The symbolic column's budget when none is given (``semigrad explain``'s defaults).
DEFAULT_BUDGET = Budget()

EXAMPLES = """examples:
  semigrad explain 'exp(y**-x - log(z)) + (y-z)**2*log(v)' --at x=0.5,y=2,z=3,v=4 -o report.html
  semigrad explain 'tanh(x*y) + x' --at x=1,y=2 --top 5 -o tanh.html
  semigrad explain 'sign(x)*y' --at x=1,y=2 --budget 2 -o sign.html
  semigrad explain 'x*y' --at x=1,y=2 --columns central,hessian -o fast.html
  semigrad explain --model digits.npz --digit 0 -o digit.html
  semigrad serve --port 8000
"""


def explain_expression(text: str, at: str, k: int = 3, max_edges: int | None = MAX_EDGES,
                       engine: str | None = None, budget: Budget | None = DEFAULT_BUDGET,
                       columns=None) -> str:
    """The explorer page of the expression ``text`` at the point ``at`` ("x=0.5,y=2").

    ``budget`` bounds each column, ``columns`` names those to compute (None:
    all; see :func:`~semigrad.viz.explain`).

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
    with np.errstate(all="ignore"):  # nan and inf are shown in the page
        return explain(expr, *point.values(), k=k, max_edges=max_edges, engine=engine,
                       budget=budget, columns=columns)


def explain_model(path, x, element=None, k: int = 3, max_edges: int | None = MAX_EDGES,
                  engine: str | None = None, budget: Budget | None = DEFAULT_BUDGET,
                  columns=None) -> str:
    """The explorer page of one output element of the model saved at ``path``, at input ``x``.

    The model is built again by :func:`semigrad.nn.load_model`; ``x`` is
    shaped as its first layer takes it (see :func:`semigrad.interpret.model_input`);
    ``element`` is the output element's flat index (None: the largest).

    >>> import os, tempfile
    >>> import semigrad as sg
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> sg.nn.save_model(path, sg.nn.MLP([3, 4, 2], rng=0))
    >>> page = explain_model(path, np.array([1.0, 2.0, 3.0]), columns="central,paths")
    >>> '0:Linear' in page and 'id="top-paths"' in page
    True
    """
    from .. import interpret
    from .explain import explain

    model = interpret.load(path)
    x = interpret.model_input(model, x)
    out = interpret.run_model(model, x)
    index = interpret.output_element(np.asarray(getattr(out, "value", out)), element)

    def output(input):  # noqa: A002 (the node's name on the page)
        return model(input)[index]

    return explain(output, x, k=k, max_edges=max_edges, engine=engine, budget=budget,
                   columns=columns, title=f"{os.path.basename(path)}: output {list(index)}")


def run_explain(args) -> int:
    """Write the page for ``semigrad explain`` and say where it went."""
    if args.engine == "dot" and not has_graphviz():
        raise CommandError("--engine dot: Graphviz's dot is not on the PATH; install it "
                           "(apt-get install graphviz) or use --engine builtin")
    budget = Budget(args.budget, args.memory * MIB)
    if args.model:
        if args.expr is not None or args.at is not None:
            raise CommandError("--model: give a model and its input (--input or --digit), "
                               "not also an expression or --at")
        from ..interpret import read_input

        x = read_input(args.input, args.digit)
        page = explain_model(args.model, x, args.element, args.top, args.max_edges,
                             args.engine, budget, args.columns)
        what = f"{args.model} at its input"
    else:
        if args.expr is None or args.at is None:
            raise CommandError("give an expression and --at (or --model MODEL.npz and "
                               "--input or --digit)")
        if args.input is not None or args.digit is not None or args.element is not None:
            raise CommandError("--input, --digit and --element go with --model")
        page = explain_expression(args.expr, args.at, args.top, args.max_edges, args.engine,
                                  budget, args.columns)
        what = args.expr
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write(page)
    print(f"explorer page of {what} written to {args.output} "
          f"({len(page.encode()) // 1024} KiB, self-contained: open it in any browser)")
    return 0


def run_serve(args) -> int:
    """Serve explorer pages on 127.0.0.1 until interrupted."""
    from .serve import serve

    serve(args.port, timeout=args.timeout, budget=Budget(args.budget, args.memory * MIB),
          workers=args.workers)
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
    explain.add_argument("expr", metavar="EXPR", nargs="?",
                         help="math written like Python, e.g. 'exp(-x**2) * sin(y)'")
    explain.add_argument("--at",
                         help="the point: name=value pairs separated by commas, e.g. x=0.5,y=2")
    explain.add_argument("--model", metavar="MODEL.npz",
                         help="instead of EXPR: a model file (sg.nn.save_model, semigrad train "
                              "--save), explained at --input or --digit")
    explain.add_argument("--input", metavar="FILE.npy|VALUES",
                         help="with --model: the input, a .npy file or numbers separated by "
                              "commas")
    explain.add_argument("--digit", type=int, metavar="N",
                         help="with --model: the N-th image of scikit-learn's digits")
    explain.add_argument("--element", type=int, metavar="K",
                         help="with --model: which output element (flat index; default the "
                              "largest)")
    explain.add_argument("-o", "--output", default="report.html", metavar="FILE",
                         help="the HTML file to write (default report.html)")
    explain.add_argument("--top", type=int, default=3, metavar="K",
                         help="top gradient paths listed per input (default 3)")
    explain.add_argument("--max-edges", type=int, default=MAX_EDGES, metavar="N",
                         help=f"fold graphs with more hyperedges (default {MAX_EDGES})")
    explain.add_argument("--engine", choices=("dot", "builtin"),
                         help="layout: Graphviz's dot or the built-in one (default: dot when "
                              "installed)")
    explain.add_argument("--columns", metavar="LIST",
                         help="the columns to compute, separated by commas, from "
                              f"{', '.join(COLUMNS)} (default: all; reverse mode always)")
    add_budget_options(explain)
    explain.set_defaults(run=run_explain)
    serve = subparsers.add_parser(
        "serve",
        help="serve explorer pages for expressions typed in a browser (127.0.0.1 only)",
        description="Serve a small app on http://127.0.0.1:PORT/: a start page with a form "
                    "(expression, point, semiring, input to highlight) and examples, and the "
                    "explorer page of each request with the form on top to change it. "
                    "Expressions go through the safe parser; each page is computed in a child "
                    "process with a time limit, the symbolic column within its own budget, by "
                    "a bounded number of workers; requests must name localhost or 127.0.0.1 "
                    "as their host.",
    )
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    serve.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                       help="time limit per page (default 20)")
    serve.add_argument("--workers", type=int, default=2, metavar="N",
                       help="pages computed at the same time; more requests get 503 (default 2)")
    add_budget_options(serve, seconds=BUDGET_SECONDS / 2)
    serve.set_defaults(run=run_serve)
