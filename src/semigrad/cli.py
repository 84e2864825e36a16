"""The ``semigrad`` command: three ways to differentiate, side by side.

``semigrad grad EXPR --at x=0.5,y=2`` parses the expression with the safe
parser (never ``eval``), differentiates it at the point by reverse mode, and
beside it by forward mode, by numerical differentiation (central differences,
Richardson extrapolation, complex step) and symbolically (when SymPy is
installed), printing each gradient with its largest absolute difference from
reverse mode, its cost (function evaluations or recorded operations) and its
time. ``--hessian`` and ``--order k`` add derivative tensors, ``--dot`` writes
the graph, ``--json`` prints one JSON object instead of the table.

The work is bounded. The symbolic column and the derivative tensors run in a
worker process with a time budget (``--budget SECONDS``) and a memory budget
(``--memory MIB``): past them the column says "over budget" and the rest of
the table stands. A derivative tensor whose size alone exceeds the memory
budget is refused before any work. A method that cannot run at the point
says "n/a" and why. Values that are nan or inf are named in words below the
table (NumPy's warnings never reach the terminal).

``semigrad train`` trains an MLP on real data (see :mod:`semigrad.train`);
``semigrad explain`` writes the explorer page of an expression and
``semigrad serve`` serves it on 127.0.0.1 (see :mod:`semigrad.viz`).

Bad input gives a one-line error with the position and exit status 2; no
input shows a Python traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings

import numpy as np

import semigrad as sg

from .arguments import (
    CommandError,
    add_budget_options,
    expression_at,
    parse_point,
)
from .cost import on_one_vector

SEED = "exp(y**-x - log(z)) + (y-z)**2*log(v)"
EXAMPLES = f"""examples:
  semigrad grad '{SEED}' --at x=0.5,y=2,z=3,v=4
  semigrad grad 'sin(x)*cos(y)' --at x=1,y=2 --hessian
  semigrad grad 'exp(a*x)' --at a=0.3,x=1 --order 3 --json
  semigrad grad 'tanh(x*y)' --at x=1,y=2 --dot graph.dot
  semigrad grad 'sign(x)*y' --at x=1,y=2 --budget 2
  semigrad explain 'sin(x)*y' --at x=1,y=2 -o report.html
  semigrad train --epochs 20 --json
"""

#: Highest --order: NumPy arrays have at most 64 axes, and the sweeps add a few to K's.
MAX_ORDER = 60
#: Bytes a derivative tensor of order K costs to compute, per element and per recorded
#: operation of f: the nested sweeps keep a tangent batch per recorded value and level
#: (measured: 2**22 elements of sin(x)*y, 4 operations, take 2.0 GB; 16 * 8 is an upper bound).
WORK_BYTES = 16 * 8


def _timed(fn, repeat=5):
    result = fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return result, best


def _budget(args):
    from .viz.budget import MIB, Budget

    return Budget(seconds=args.budget, memory=args.memory * MIB)


def _bounded(fn, *args, budget) -> dict:
    """``{"value": fn(*args)}`` from a worker within ``budget``, or ``{"error": why not}``."""
    from .viz.budget import OverBudget, WorkFailed, run_bounded

    try:
        return {"value": run_bounded(fn, *args, budget=budget)}
    except OverBudget as e:
        return {"error": f"over budget: {e} (--budget {budget.seconds:g}, --memory "
                         f"{budget.memory >> 20})", "status": "over budget"}
    except WorkFailed as e:
        return {"error": f"n/a: {e}", "status": "n/a"}


def _symbolic_gradient(text: str, names: list[str], x: np.ndarray):
    """In a worker: SymPy's gradient at ``x``, its operation count and the seconds it took."""
    import sympy as sp

    start = time.perf_counter()
    expr = sg.parse(text, variables=names)
    _, grads, syms = sg.symbolic.gradient(expr, *x)
    values = np.array(sg.symbolic.lambdify(syms, grads)(*x), dtype=float)
    seconds = time.perf_counter() - start
    return values, int(sum(sp.count_ops(e) for e in grads)), seconds


def _derivative_tensor(text: str, names: list[str], x: np.ndarray, order: int):
    """In a worker: the ``order``-th derivative tensor at ``x`` (the Hessian for order 2)."""
    expr = sg.parse(text, variables=names)
    on_vector = lambda p: expr(*p)  # noqa: E731
    if order == 2:
        return np.asarray(sg.hessian(on_vector)(x), dtype=float)
    return np.asarray(sg.derivative(on_vector, order=order)(x), dtype=float)


def _methods(text, expr, names, x: np.ndarray, reverse: np.ndarray, budget) -> dict[str, dict]:
    """Every other method's gradient, its difference from reverse mode, cost and time."""
    on_vector, _ = on_one_vector(expr, list(x))
    methods = {}
    fwd, seconds = _timed(lambda: np.array(sg.jacfwd(on_vector)(x), dtype=float))
    methods["forward mode"] = {"gradient": fwd, "operations": len(sg.trace(
        sg.jacfwd(on_vector), x)), "seconds": seconds}
    for method in ("central", "richardson", "complex"):
        try:
            (g, info), seconds = _timed(
                lambda method=method: sg.numeric.gradient(on_vector, x, method=method, info=True))
        except (ValueError, TypeError, ArithmeticError) as e:
            methods[method] = {"error": f"n/a: {_first_line(e)}", "status": "n/a"}
            continue
        methods[method] = {"gradient": np.asarray(g, dtype=float),
                           "evaluations": int(info.evaluations), "seconds": seconds}
    try:
        import sympy  # noqa: F401
    except ImportError:
        methods["symbolic"] = {"error": "n/a: SymPy is not installed (pip install sympy)",
                               "status": "n/a"}
    else:
        done = _bounded(_symbolic_gradient, text, names, x, budget=budget)
        if "value" in done:
            g, operations, seconds = done["value"]
            methods["symbolic"] = {"gradient": g, "operations": operations, "seconds": seconds}
        else:
            methods["symbolic"] = done
    for m in methods.values():
        if "gradient" in m:
            m["max_abs_error"] = float(np.max(np.abs(m["gradient"] - reverse), initial=0.0))
    return methods


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _format_time(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _format_bytes(n: float) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"


def check_tensor_size(option: str, order: int, n: int, operations: int, memory: int) -> None:
    """Refuse (CommandError) a derivative tensor whose size or computation exceeds ``memory``.

    ``order`` K of a function of ``n`` variables recorded as ``operations``
    operations: the tensor has n**K elements, and computing it keeps about
    :data:`WORK_BYTES` bytes per element and operation.

    >>> check_tensor_size("--order", 3, 2, 4, 1 << 30)
    >>> check_tensor_size("--order", 26, 2, 4, 1 << 30)
    Traceback (most recent call last):
        ...
    semigrad.arguments.CommandError: --order 26: the derivative tensor has shape (2,)*26, \
67,108,864 elements (512 MiB), and computing it needs about 32 GiB, more than the \
memory budget of 1 GiB: ask for a lower order, or raise --memory (in MiB)
    """
    if order > MAX_ORDER:
        raise CommandError(
            f"{option} {order}: at most {MAX_ORDER} (a derivative tensor of order K has K "
            "axes and NumPy arrays have at most 64): ask for a lower order"
        )
    elements = n ** order
    tensor = 8 * elements
    work = max(tensor, WORK_BYTES * elements * max(operations, 1))
    if work > memory:
        shape = f"({n},)*{order}" if order > 3 else str((n,) * order)
        raise CommandError(
            f"{option} {order}: the derivative tensor has shape {shape}, {elements:,} elements "
            f"({_format_bytes(tensor)}), and computing it needs about {_format_bytes(work)}, "
            f"more than the memory budget of {_format_bytes(memory)}: ask for a lower order, "
            "or raise --memory (in MiB)"
        )


def _describe(v: float) -> str:
    return "nan (undefined)" if math.isnan(v) else ("+inf" if v > 0 else "-inf")


def _non_finite_notes(names, methods, tensors) -> list[str]:
    """In words: the gradient entries (and by which methods) and tensor entries not finite."""
    where: dict[tuple[str, str], list[str]] = {}
    for method, m in methods.items():
        for name, g in zip(names, m.get("gradient", ())):
            if not math.isfinite(g):
                where.setdefault((name, _describe(g)), []).append(method)
    notes = [f"∂f/∂{name} is {word} by {', '.join(ms)}" for (name, word), ms in where.items()]
    for title, t in tensors.items():
        bad = np.argwhere(~np.isfinite(t))
        if len(bad):
            first = ", ".join(f"({', '.join(names[i] for i in idx)})" for idx in bad[:4])
            more = f" and {len(bad) - 4} more" if len(bad) > 4 else ""
            entries = "1 entry that is" if len(bad) == 1 else f"{len(bad)} entries that are"
            notes.append(f"the {title} has {entries} nan or inf: at {first}{more}")
    if notes:
        notes.append("f is not differentiable at this point, or a derivative overflows there; "
                     "the numerical methods may also disagree near such a point")
    return notes


def _json_safe(value):
    """Nested lists, dicts and floats with nan and inf written as the strings "nan", "inf"."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _grad(args) -> int:
    point = parse_point(args.at)
    expr = expression_at(args.expr, point)
    names = list(point)
    budget = _budget(args)
    if args.order is not None and args.order < 1:
        raise CommandError(f"--order must be a positive integer, got {args.order}")
    # The explorer's form (one vector of all the inputs): the same operation counts.
    on_vector, x = on_one_vector(expr, [point[v] for v in names])
    with np.errstate(all="ignore"):
        value = float(expr(*x))
        if not np.isfinite(value):
            raise CommandError(
                f"the expression is {value} at {args.at} (a domain error, such as the log of a "
                "negative number or a division by zero?)"
            )
        operations = len(sg.trace(on_vector, x))
        if args.hessian:
            check_tensor_size("--hessian", 2, len(names), operations, budget.memory)
        if args.order is not None:
            check_tensor_size("--order", args.order, len(names), operations, budget.memory)
        (v, reverse), seconds = _timed(lambda: sg.value_and_grad(on_vector)(x))
        reverse = np.asarray(reverse, dtype=float)
        gradient_ops = sg.cost(on_vector, x, order=1)["gradient"].operations
        methods = {"reverse mode": {"gradient": reverse, "operations": gradient_ops,
                                    "seconds": seconds, "max_abs_error": 0.0}}
        methods.update(_methods(args.expr, expr, names, x, reverse, budget))
        tensors = {}
        if args.hessian:
            tensors["Hessian"] = _bounded(_derivative_tensor, args.expr, names, x, 2,
                                          budget=budget)
        if args.order is not None:
            tensors[f"derivative of order {args.order}"] = _bounded(
                _derivative_tensor, args.expr, names, x, args.order, budget=budget)
    if args.dot:
        with open(args.dot, "w") as fh:
            fh.write(sg.trace(expr, *x).to_dot())
    notes = _non_finite_notes(names, methods, {k: t["value"] for k, t in tensors.items()
                                               if "value" in t})
    hessian, order = tensors.get("Hessian"), tensors.get(f"derivative of order {args.order}")
    if args.json:
        out = {
            "expression": args.expr,
            "value": value,
            "variables": names,
            "gradient": dict(zip(names, map(float, reverse))),
            "methods": {
                name: {k: (dict(zip(names, map(float, m[k]))) if k == "gradient" else m[k])
                       for k in ("gradient", "max_abs_error", "evaluations", "operations",
                                 "seconds", "error", "status") if k in m}
                for name, m in methods.items()
            },
            "notes": notes,
        }
        if hessian is not None:
            out["hessian"] = hessian["value"].tolist() if "value" in hessian else None
            if "error" in hessian:
                out["hessian_error"] = hessian["error"]
        if order is not None:
            out["order"] = args.order
            out["derivative"] = order["value"].tolist() if "value" in order else None
            if "error" in order:
                out["derivative_error"] = order["error"]
        print(json.dumps(_json_safe(out), allow_nan=False))
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
        cells = "".join(f" {g:>{width + 7}.15g}" for g in m["gradient"])
        cost = (f"{m['evaluations']} evaluations" if "evaluations" in m
                else f"{m['operations']} operations")
        diff = "—" if name == "reverse mode" else f"{m['max_abs_error']:.2g}"
        print(f"{name:<14}{cells}{diff:>12}  {cost:<18}{_format_time(m['seconds']):>9}")
    print("\ncost: reverse and forward mode count the operations of their recorded "
          "computation; numerical methods count evaluations of f; symbolic counts the "
          "operations of the gradient expressions")
    if notes:
        print("\nnot finite:")
        print("\n".join(f"  {note}" for note in notes))
    if hessian is not None:
        print("\nHessian (reverse mode):")
        if "value" in hessian:
            print("\n".join("  " + " ".join(f"{h:>14.8g}" for h in row)
                            for row in hessian["value"]))
        else:
            print(f"  {hessian['error']}")
    if order is not None:
        if "value" in order:
            print(f"\nderivative of order {args.order} (shape {order['value'].shape}):")
            print(np.array2string(order["value"], precision=8))
        else:
            print(f"\nderivative of order {args.order}: {order['error']}")
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
    add_budget_options(grad)
    grad.set_defaults(run=_grad)
    from .interpret import add_parser as add_paths_command
    from .train import add_parser as add_train_command
    from .viz import add_parser as add_viz_commands  # explain and serve

    add_train_command(sub)
    add_paths_command(sub)
    add_viz_commands(sub)
    return parser


def main(argv=None) -> int:
    """The ``semigrad`` command: its exit status (0 done, 2 bad input, 1 an internal error).

    >>> main(["grad", "x*y", "--at", "x=1,yy=2"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse printed its usage line (status 2) or help (0)
        return int(e.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")  # each warning once per place it comes from
            status = args.run(args)
        _print_warnings(caught)
        sys.stdout.flush()  # here, so that a closed pipe is reported below, not at exit
        return status
    except BrokenPipeError:  # `semigrad ... | head`: the reader has gone; say nothing
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a program killed by the closed pipe would return
    except KeyboardInterrupt:
        print("semigrad: interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        print("semigrad: error: the computation is nested too deeply (Python's recursion "
              "limit): use a smaller expression or order", file=sys.stderr)
        return 2
    except MemoryError:
        print("semigrad: error: out of memory: use a smaller expression or order, or a lower "
              "--memory budget", file=sys.stderr)
        return 2
    except (ValueError, TypeError, ArithmeticError, OSError) as e:  # CommandError included
        print(f"semigrad: error: {_first_line(e)}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - a bug: one line, not a traceback
        if os.environ.get("SEMIGRAD_TRACEBACK"):
            raise
        print(f"semigrad: internal error: {type(e).__name__}: {_first_line(e)} (please report "
              "it; SEMIGRAD_TRACEBACK=1 shows the traceback)", file=sys.stderr)
        return 1


def _print_warnings(caught) -> None:
    """Each distinct warning once, in words, without the file and line it came from."""
    seen = set()
    for w in caught:
        if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning):
            continue
        text = _first_line(w.message)
        if text not in seen:
            seen.add(text)
            print(f"semigrad: warning: {text}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
