"""The ``semigrad`` command: three ways to differentiate, side by side.

``semigrad grad EXPR --at x=0.5,y=2`` parses the expression with the safe
parser (never ``eval``), differentiates it at the point by reverse mode, and
beside it by forward mode, by numerical differentiation (central differences,
Richardson extrapolation, complex step) and symbolically (when SymPy is
installed), printing each gradient with its largest absolute difference from
reverse mode, its cost (function evaluations or recorded operations) and its
time. ``--hessian`` and ``--order k`` add derivative tensors, ``--dot`` writes
the graph, ``--json`` prints one JSON object instead of the table.

``semigrad train`` trains an MLP on real data (see :mod:`semigrad.train`);
``semigrad explain`` writes the explorer page of an expression and
``semigrad serve`` serves it on 127.0.0.1 (see :mod:`semigrad.viz`).

Bad input gives a one-line error with the position and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import semigrad as sg

SEED = "exp(y**-x - log(z)) + (y-z)**2*log(v)"
EXAMPLES = f"""examples:
  semigrad grad '{SEED}' --at x=0.5,y=2,z=3,v=4
  semigrad grad 'sin(x)*cos(y)' --at x=1,y=2 --hessian
  semigrad grad 'exp(a*x)' --at a=0.3,x=1 --order 3 --json
  semigrad grad 'tanh(x*y)' --at x=1,y=2 --dot graph.dot
  semigrad explain 'sin(x)*y' --at x=1,y=2 -o report.html
  semigrad train --epochs 20 --json
"""


class CommandError(ValueError):
    """A one-line error for the user (exit status 2)."""


def parse_point(text: str) -> dict[str, float]:
    """``"x=0.5,y=2"`` → ``{"x": 0.5, "y": 2.0}``; errors name the column.

    >>> parse_point("x=0.5, y=2")
    {'x': 0.5, 'y': 2.0}
    """
    values: dict[str, float] = {}
    column = 1
    for part in text.split(","):
        name, sep, value = part.partition("=")
        where = f"--at column {column}"
        column += len(part) + 1
        name = name.strip()
        if not sep or not name.isidentifier():
            raise CommandError(f"{where}: expected name=value, got {part!r}")
        if name in values:
            raise CommandError(f"{where}: {name!r} is given twice")
        try:
            values[name] = float(value)
        except ValueError:
            raise CommandError(f"{where}: {value.strip()!r} is not a number") from None
        if not np.isfinite(values[name]):
            raise CommandError(f"{where}: {name} must be finite, got {value.strip()}")
    return values


def expression_at(text: str, point: dict[str, float]):
    """The parsed expression, its variables in the order of ``point`` (all of them used).

    >>> expression_at("x * y", {"y": 2.0, "x": 1.0}).variables
    ('y', 'x')
    """
    try:
        found = sg.parse(text).variables
    except sg.ParseError as e:
        raise CommandError(f"EXPR: {e}") from None
    missing = [v for v in found if v not in point]
    extra = [v for v in point if v not in found]
    if missing:
        raise CommandError(
            f"--at: no value for {', '.join(missing)} (the expression uses "
            f"{', '.join(found)}); add {missing[0]}=... to --at"
        )
    if extra:
        raise CommandError(
            f"--at: {', '.join(extra)} does not appear in the expression (it uses "
            f"{', '.join(found) or 'no variables'})"
        )
    return sg.parse(text, variables=list(point))


def _timed(fn, repeat=5):
    result = fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return result, best


def _methods(expr, x: np.ndarray, reverse: np.ndarray) -> dict[str, dict]:
    """Every other method's gradient, its difference from reverse mode, cost and time."""
    on_vector = lambda p: expr(*p)  # noqa: E731
    methods = {}
    fwd, seconds = _timed(lambda: np.array(sg.jacfwd(on_vector)(x), dtype=float))
    methods["forward mode"] = {"gradient": fwd, "operations": len(sg.trace(
        sg.jacfwd(on_vector), x)), "seconds": seconds}
    for method in ("central", "richardson", "complex"):
        try:
            (g, info), seconds = _timed(
                lambda method=method: sg.numeric.gradient(on_vector, x, method=method, info=True))
        except ValueError as e:
            methods[method] = {"error": str(e)}
            continue
        methods[method] = {"gradient": np.asarray(g, dtype=float),
                           "evaluations": int(info.evaluations), "seconds": seconds}
    try:
        import sympy  # noqa: F401
    except ImportError:
        methods["symbolic"] = {"error": "SymPy is not installed (pip install sympy)"}
    else:
        def symbolic():
            _, grads, syms = sg.symbolic.gradient(expr, *x)
            values = sg.symbolic.lambdify(syms, grads)(*x)
            return np.array(values, dtype=float), grads

        (g, grads), seconds = _timed(symbolic, repeat=1)
        import sympy as sp

        methods["symbolic"] = {"gradient": g, "operations": int(sum(sp.count_ops(e)
                                                                    for e in grads)),
                               "seconds": seconds}
    for m in methods.values():
        if "gradient" in m:
            m["max_abs_error"] = float(np.max(np.abs(m["gradient"] - reverse), initial=0.0))
    return methods


def _format_time(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _grad(args) -> int:
    point = parse_point(args.at)
    expr = expression_at(args.expr, point)
    names = list(point)
    x = np.array([point[v] for v in names])
    with np.errstate(all="ignore"):
        value = float(expr(*x))
    if not np.isfinite(value):
        raise CommandError(
            f"the expression is {value} at {args.at} (a domain error, such as the log of a "
            "negative number or a division by zero?)"
        )
    on_vector = lambda p: expr(*p)  # noqa: E731
    (v, reverse), seconds = _timed(lambda: sg.value_and_grad(on_vector)(x))
    reverse = np.asarray(reverse, dtype=float)
    graph = sg.trace(sg.grad(on_vector), x)
    methods = {"reverse mode": {"gradient": reverse, "operations": len(graph),
                                "seconds": seconds, "max_abs_error": 0.0}}
    with np.errstate(all="ignore"):
        methods.update(_methods(expr, x, reverse))
    hessian = np.asarray(sg.hessian(on_vector)(x), dtype=float) if args.hessian else None
    order = None
    if args.order is not None:
        if args.order < 1:
            raise CommandError(f"--order must be a positive integer, got {args.order}")
        order = np.asarray(sg.derivative(on_vector, order=args.order)(x), dtype=float)
    if args.dot:
        with open(args.dot, "w") as fh:
            fh.write(sg.trace(expr, *x).to_dot())
    if args.json:
        out = {
            "expression": args.expr,
            "value": value,
            "variables": names,
            "gradient": dict(zip(names, map(float, reverse))),
            "methods": {
                name: {k: (dict(zip(names, map(float, m[k]))) if k == "gradient" else m[k])
                       for k in ("gradient", "max_abs_error", "evaluations", "operations",
                                 "seconds", "error") if k in m}
                for name, m in methods.items()
            },
        }
        if hessian is not None:
            out["hessian"] = hessian.tolist()
        if order is not None:
            out["order"] = args.order
            out["derivative"] = order.tolist()
        print(json.dumps(out))
        return 0
    print(f"f = {args.expr}")
    print("at " + ", ".join(f"{k} = {point[k]:g}" for k in names))
    print(f"value {value:.15g}\n")
    width = max(12, *(len(f"d/d{k}") for k in names))
    header = f"{'method':<14}" + "".join(f"{'∂f/∂' + k:>{width + 8}}" for k in names)
    header += f"{'max |diff|':>12}  {'cost':<18}{'time':>9}"
    print(header)
    for name, m in methods.items():
        if "error" in m:
            print(f"{name:<14}  {m['error']}")
            continue
        cells = "".join(f"{g:>{width + 8}.15g}" for g in m["gradient"])
        cost = (f"{m['evaluations']} evaluations" if "evaluations" in m
                else f"{m['operations']} operations")
        diff = "—" if name == "reverse mode" else f"{m['max_abs_error']:.2g}"
        print(f"{name:<14}{cells}{diff:>12}  {cost:<18}{_format_time(m['seconds']):>9}")
    print("\ncost: reverse and forward mode count the operations of their recorded "
          "computation; numerical methods count evaluations of f; symbolic counts the "
          "operations of the gradient expressions")
    if hessian is not None:
        print("\nHessian (reverse mode):")
        print("\n".join("  " + " ".join(f"{h:>14.8g}" for h in row) for row in hessian))
    if order is not None:
        print(f"\nderivative of order {args.order} (shape {order.shape}):")
        print(np.array2string(order, precision=8))
    if args.dot:
        print(f"\nGraphviz text of the graph written to {args.dot}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (status 2) like every other error here."""

    def error(self, message):
        hint = ""
        if "required: EXPR" in message or "unrecognized arguments" in message:
            hint = (" (put an expression starting with '-' last, after '--': "
                    "semigrad grad --at x=1 -- '-x')")
        self.exit(2, f"semigrad: error: {message}{hint}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="semigrad",
        description="Reverse-mode automatic differentiation on computational hypergraphs.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"semigrad {sg.__version__}")
    sub = parser.add_subparsers(dest="command")
    grad = sub.add_parser(
        "grad",
        help="differentiate an expression by reverse mode, forward mode, numerically and "
             "symbolically",
        description="Differentiate EXPR at a point six ways and compare them.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grad.add_argument("expr", metavar="EXPR",
                      help="math written like Python, e.g. 'exp(-x**2) * sin(y)'")
    grad.add_argument("--at", required=True,
                      help="the point: name=value pairs separated by commas, e.g. x=0.5,y=2; "
                           "their order is the variables' order")
    grad.add_argument("--hessian", action="store_true", help="also print the Hessian")
    grad.add_argument("--order", type=int, metavar="K", help="also the K-th derivative tensor")
    grad.add_argument("--dot", metavar="FILE", help="write the graph as Graphviz text")
    grad.add_argument("--json", action="store_true", help="print one JSON object")
    grad.set_defaults(run=_grad)
    from .train import add_parser as add_train_command
    from .viz import add_parser as add_viz_commands  # explain and serve

    add_train_command(sub)
    add_viz_commands(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse printed its usage line (status 2) or help (0)
        return int(e.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (ValueError, TypeError, ArithmeticError, OSError) as e:  # CommandError included
        print(f"semigrad: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
