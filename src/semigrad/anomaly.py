"""Anomaly detection: find the operation that first produced a NaN or an infinity.

Inside ``with sg.detect_anomaly():`` (or after ``sg.set_detect_anomaly(True)``)
every recorded operation checks the value it produces, and the reverse and
forward sweeps check every cotangent and tangent they produce; the first
NaN or infinity raises :class:`AnomalyError` naming the primitive, its node
in the graph (creation number), the line of the user's code that created
it, and the input shapes. NumPy's floating-point warnings (divide by zero,
invalid value) are off while it checks: the error says the same, in words.

The switch is context-local (:mod:`semigrad.context`): it holds for the
thread or asyncio task that turned it on, never for another. The line of
each operation recorded with detection on is kept on its node, so it is
released with the graph.

>>> import semigrad as sg
>>> x = sg.tensor([1.0, -1.0], requires_grad=True)
>>> with sg.detect_anomaly():
...     try:
...         y = sg.sqrt(x)
...     except sg.AnomalyError as e:
...         print(str(e).splitlines()[0])
anomaly in the forward pass: sqrt produced 1 NaN (node ...)
"""

from __future__ import annotations

from . import context
from .context import AnomalyError, describe_bad, shapes, where

__all__ = ["AnomalyError", "check_rule", "detect_anomaly", "is_enabled", "set_detect_anomaly"]


def is_enabled() -> bool:
    """Whether anomaly detection is on in this thread or task."""
    return context.current().anomaly


def set_detect_anomaly(enabled: bool) -> None:
    """Switch anomaly detection on or off for the rest of this thread or asyncio task.

    >>> import semigrad as sg
    >>> sg.set_detect_anomaly(True); sg.set_detect_anomaly(False)
    """
    context.set_state(anomaly=bool(enabled))


def detect_anomaly():
    """Check every produced value, tangent and cotangent for NaN/Inf inside the block.

    >>> import semigrad as sg
    >>> with sg.detect_anomaly():
    ...     float(sg.grad(sg.exp)(1.0))
    2.718281828459045
    """
    return context.changed(anomaly=True)


def check_rule(node, position, value, sweep: str) -> None:
    """Raise if a sweep's rule produced a NaN/Inf for input ``position`` of ``node``."""
    problem = describe_bad(value)
    if not problem:
        return
    origin = getattr(node, "_origin", None)
    origin = (where(origin) if origin else
              "unknown: record the forward pass inside detect_anomaly() to see it")
    rule = "reverse rule (VJP)" if sweep == "reverse" else "forward rule (JVP)"
    raise AnomalyError(
        f"anomaly in the {sweep} sweep: the {rule} of {node._prim.name} produced {problem} "
        f"for input {position} (node {node._id})\n  created at {origin}\n  input shapes: "
        f"{shapes(node._inputs or ())}; the derivative is undefined or infinite here "
        "(e.g. sqrt or log at 0)"
    )
