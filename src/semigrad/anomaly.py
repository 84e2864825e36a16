"""Anomaly detection: find the operation that first produced a NaN or an infinity.

Inside ``with sg.detect_anomaly():`` (or after ``sg.set_detect_anomaly(True)``)
every recorded operation checks the value it produces, and the reverse and
forward sweeps check every cotangent and tangent they produce; the first
NaN or infinity raises :class:`AnomalyError` naming the primitive, its node
in the graph (creation number), the line of the user's code that created
it, and the input shapes.

Zero cost when off: switching on replaces the method that records
operations with a checking one (and tells the sweeps to check); switching
off puts the plain one back.

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

import contextlib
import linecache
import os
import sys

import numpy as np

from .primitives.base import Primitive

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_plain_apply = Primitive._apply
_state = {"depth": 0, "global": False}

#: Where each node recorded while detection was on was created (user source line).
ORIGINS: dict[int, str] = {}


class AnomalyError(FloatingPointError):
    """A NaN or an infinity produced by a primitive (forward) or by its rules (sweeps)."""


def is_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _state["global"] or _state["depth"] > 0


def _switch():
    Primitive._apply = _checked_apply if is_enabled() else _plain_apply


def set_detect_anomaly(enabled: bool) -> None:
    """Switch anomaly detection on or off globally.

    >>> import semigrad as sg
    >>> sg.set_detect_anomaly(True); sg.set_detect_anomaly(False)
    """
    _state["global"] = bool(enabled)
    _switch()


@contextlib.contextmanager
def detect_anomaly():
    """Check every produced value, tangent and cotangent for NaN/Inf inside the block.

    >>> import semigrad as sg
    >>> with sg.detect_anomaly():
    ...     float(sg.grad(sg.exp)(1.0))
    2.718281828459045
    """
    _state["depth"] += 1
    _switch()
    try:
        yield
    finally:
        _state["depth"] -= 1
        _switch()


def _source_line() -> str:
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "<unknown location>"
    text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}: {text}"


def _bad(value) -> str | None:
    """A description of the NaNs/infinities in ``value``, or None."""
    a = np.asarray(getattr(value, "value", value))
    if a.dtype.kind not in "fc":
        return None
    finite = np.isfinite(a)
    if finite.all():
        return None
    nan = int(np.isnan(a).sum())
    inf = int(a.size - finite.sum()) - nan
    parts = ([f"{nan} NaN"] if nan else []) + ([f"{inf} infinite value"
                                                 + ("s" if inf > 1 else "")] if inf else [])
    return " and ".join(parts)


def _shapes(args) -> str:
    return ", ".join(str(np.shape(getattr(a, "value", a))) for a in args)


def _checked_apply(self, args, params):
    with np.errstate(all="ignore"):
        out = _plain_apply(self, args, params)
    origin = _source_line()
    if out._id >= 0:
        ORIGINS[out._id] = origin
    problem = _bad(out.value)
    if problem:
        raise AnomalyError(
            f"anomaly in the forward pass: {self.name} produced {problem} (node {out._id}, "
            f"output shape {np.shape(out.value)})\n  created at {origin}\n  input shapes: "
            f"{_shapes(args)}; check the inputs' domain (e.g. log or sqrt of a negative "
            "number, division by zero)"
        )
    return out


def check_rule(node, position, value, sweep: str) -> None:
    """Raise if a sweep's rule produced a NaN/Inf for input ``position`` of ``node``."""
    problem = _bad(value)
    if not problem:
        return
    origin = ORIGINS.get(node._id, "unknown: record the forward pass inside detect_anomaly() "
                                   "to see it")
    rule = "reverse rule (VJP)" if sweep == "reverse" else "forward rule (JVP)"
    raise AnomalyError(
        f"anomaly in the {sweep} sweep: the {rule} of {node._prim.name} produced {problem} "
        f"for input {position} (node {node._id})\n  created at {origin}\n  input shapes: "
        f"{_shapes(node._inputs or ())}; the derivative is undefined or infinite here "
        "(e.g. sqrt or log at 0)"
    )
