"""The ``semigrad`` command.

``semigrad --version`` prints the version; ``semigrad seed`` differentiates
the seed function f(x, y, z, v) = exp(y^(-x) − log z) + (y − z)^2 · log v at a
point through both faces of the API and prints the value, the gradient, the
traced hypergraph and (``--dot``) its Graphviz text.
"""

from __future__ import annotations

import argparse
import json
import sys

import semigrad as sg


def seed_function(x, y, z, v):
    """f(x, y, z, v) = exp(y^(-x) − log z) + (y − z)^2 · log v."""
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


def _parse_point(text: str) -> dict[str, float]:
    point = {"x": 0.5, "y": 2.0, "z": 3.0, "v": 4.0}
    if not text:
        return point
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in point:
            raise ValueError(f"--at: expected name=value with names x, y, z, v; got {part!r}")
        try:
            point[name] = float(value)
        except ValueError:
            raise ValueError(f"--at: {value!r} is not a number (in {part!r})") from None
    return point


def _seed(args) -> int:
    point = _parse_point(args.at)
    values = tuple(point.values())
    value, gradient = sg.value_and_grad(seed_function, argnums=(0, 1, 2, 3))(*values)
    x = [sg.tensor(v, requires_grad=True) for v in values]
    seed_function(*x).backward()
    eager = [float(t.grad) for t in x]
    graph = sg.trace(seed_function, *values)
    if args.json:
        print(json.dumps({
            "value": float(value),
            "variables": list(point),
            "gradient": dict(zip(point, map(float, gradient))),
            "eager_gradient": dict(zip(point, eager)),
            "edges": [e.primitive for e in graph.edges],
        }))
        return 0
    print("f(x, y, z, v) = exp(y**-x - log(z)) + (y - z)**2 * log(v)")
    print("at " + ", ".join(f"{k} = {v:g}" for k, v in point.items()))
    print(f"value      {float(value):.15g}")
    for name, g, e in zip(point, gradient, eager):
        print(f"df/d{name}      {g: .15g}   (eager backward: {e: .15g})")
    print(f"\nthe hypergraph: {len(graph)} hyperedges\n{graph!r}")
    if args.dot:
        with open(args.dot, "w") as fh:
            fh.write(graph.to_dot())
        print(f"\nGraphviz text written to {args.dot}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="semigrad",
        description="Reverse-mode automatic differentiation on computational hypergraphs.",
        epilog="example: semigrad seed --at x=0.5,y=2,z=3,v=4",
    )
    parser.add_argument("--version", action="version", version=f"semigrad {sg.__version__}")
    sub = parser.add_subparsers(dest="command")
    seed = sub.add_parser(
        "seed",
        help="differentiate the seed function exp(y**-x - log(z)) + (y-z)**2*log(v)",
        epilog="examples:\n  semigrad seed\n  semigrad seed --at x=1,y=2 --dot seed.dot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    seed.add_argument("--at", default="", help="the point, e.g. x=0.5,y=2,z=3,v=4")
    seed.add_argument("--dot", metavar="FILE", help="write the graph as Graphviz text")
    seed.add_argument("--json", action="store_true", help="print one JSON object")
    seed.set_defaults(run=_seed)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (ValueError, TypeError, ArithmeticError) as e:
        print(f"semigrad: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
