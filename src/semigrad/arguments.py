"""The command line's shared parts: points, expressions at points, budgets, the error type.

``semigrad grad`` (:mod:`semigrad.cli`) and ``semigrad explain``/``serve``
(:mod:`semigrad.viz.command`) read their arguments with these, so a point,
an expression and a budget mean the same in every command.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from .parse import ParseError, parse

#: Default time budget of a method column or derivative tensor, in seconds.
BUDGET_SECONDS = 10.0
#: Default memory budget of a method column or derivative tensor, in MiB.
BUDGET_MIB = 1024

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
        found = parse(text).variables
    except ParseError as e:
        raise CommandError(f"EXPR: {e}") from None
    missing = [v for v in found if v not in point]
    extra = [v for v in point if v not in found]
    if missing:
        unknown = (f"; {', '.join(extra)} {'are' if len(extra) > 1 else 'is'} unknown (not in "
                   "the expression): check the spelling") if extra else ""
        raise CommandError(
            f"--at: no value for {', '.join(missing)} (the expression uses "
            f"{', '.join(found)}); add {missing[0]}=... to --at{unknown}"
        )
    if extra:
        raise CommandError(
            f"--at: unknown variable{'s' if len(extra) > 1 else ''} {', '.join(extra)}: "
            f"{', '.join(extra)} {'do' if len(extra) > 1 else 'does'} not appear in the "
            f"expression (it uses {', '.join(found) or 'no variables'}); remove {extra[0]}=... "
            "or check the spelling"
        )
    return parse(text, variables=list(point))


def _positive(kind):
    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    convert.__name__ = kind.__name__
    return convert


def add_budget_options(parser, seconds: float = BUDGET_SECONDS) -> None:
    """``--budget SECONDS`` and ``--memory MIB``: the bounds of each worker's computation.

    >>> p = argparse.ArgumentParser()
    >>> add_budget_options(p)
    >>> p.parse_args(["--budget", "2"]).budget, p.parse_args([]).memory
    (2.0, 1024)
    """
    parser.add_argument("--budget", type=_positive(float), default=seconds, metavar="SECONDS",
                        help="time budget of each column of the explorer page and of each "
                             f"derivative tensor; past it they say 'over budget' (default "
                             f"{seconds:g})")
    parser.add_argument("--memory", type=_positive(int), default=BUDGET_MIB, metavar="MIB",
                        help="memory budget (MiB) of the same computations; --hessian and "
                             f"--order are refused beyond it (default {BUDGET_MIB})")
