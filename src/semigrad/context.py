"""Context-local state: everything that changes while semigrad computes.

A transform's depth, where its inputs begin, anomaly mode, whether operations
are recorded (``no_grad``) all live in one :class:`contextvars.ContextVar`. That is right for
threads (each starts with the defaults) and for asyncio tasks (each runs in a
copy of the context it was created in), so a transform in one thread never
sees another thread's state. Nothing module-global changes during a
computation.

State objects are immutable; a change is a new object set for the duration of
a block and reset in a ``finally``, so an exception at any line (a
``KeyboardInterrupt`` included) leaves the state as it was before the block.

>>> import semigrad as sg
>>> from semigrad import context
>>> context.current().grad_enabled
True
>>> with sg.no_grad():
...     context.current().grad_enabled
False
"""

from __future__ import annotations

import contextvars
import functools
import linecache
import os
import sys

import numpy as np

#: The package's folder: frames whose file is under it are semigrad's, not the user's.
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


class State:
    """What a computation may change, per thread and per asyncio task (never changed in place).

    ``depth``: how many functional transforms' functions are running;
    ``floor``: the creation number of the outermost running transform's first
    input (values created at or after it are traced by a transform);
    ``anomaly``: anomaly detection on; ``grad_enabled``: operations on Tensors
    that require grad are recorded; ``static``: a trace that will be replayed on other
    values is running (``sg.vmap``), so traced values may not decide Python control flow;
    ``guards``: in such a trace (``sg.jit``), a list collecting the checks under which a rule
    took a shortcut chosen from the traced values (None: rules record their general formula).
    """

    __slots__ = ("depth", "floor", "anomaly", "grad_enabled", "static", "guards")

    def __init__(self, depth=0, floor=float("inf"), anomaly=False, grad_enabled=True,
                 static=False, guards=None):
        self.depth = depth
        self.floor = floor
        self.anomaly = anomaly
        self.grad_enabled = grad_enabled
        self.static = static
        self.guards = guards

    def replace(self, **changes) -> State:
        """A copy with some fields changed (states are never changed in place)."""
        get = changes.get
        return State(get("depth", self.depth), get("floor", self.floor),
                     get("anomaly", self.anomaly), get("grad_enabled", self.grad_enabled),
                     get("static", self.static), get("guards", self.guards))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in State.__slots__)
        return f"State({fields})"


# The default is shared by every context, and never changed (states are replaced, not mutated).
_STATE: contextvars.ContextVar[State] = contextvars.ContextVar(
    "semigrad_state", default=State())  # noqa: B039

#: The current state (a bound method: the fastest read).
current = _STATE.get
#: ``push(state)`` makes ``state`` current (for the transforms and sweeps, which run in a
#: copy of the context: ``contextvars.copy_context().run(...)``, so nothing needs restoring).
push = _STATE.set


class changed:  # noqa: N801 (used like a function: ``with context.changed(...)``)
    """Run a block with some fields of the state changed; restored however the block ends.

    >>> from semigrad import context
    >>> with context.changed(anomaly=True):
    ...     context.current().anomaly
    True
    >>> context.current().anomaly
    False
    """

    __slots__ = ("changes", "token")

    def __init__(self, **changes):
        self.changes = changes
        self.token = None

    # Each of the two is one line, so it happens whole or not at all (an exception
    # delivered at a line start, a KeyboardInterrupt say, leaves a consistent state).
    def __enter__(self):
        self.token = _STATE.set(_STATE.get().replace(**self.changes))

    def __exit__(self, *exc):
        _STATE.reset(self.token)

    def __call__(self, fn):
        """Used as a decorator: ``fn`` runs with the state changed (as ``@torch.no_grad()``)."""
        changes = self.changes

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with changed(**changes):
                return fn(*args, **kwargs)

        return wrapper


def set_state(**changes) -> None:
    """Change fields of the state for the rest of the current thread or task."""
    _STATE.set(_STATE.get().replace(**changes))


def no_grad():
    """A block in which operations are not recorded (as ``torch.no_grad``), per thread.

    Results are plain constants: nothing inside can be differentiated, and a
    leaf's in-place update (``w -= lr * w.grad``) changes the leaf itself.

    >>> import semigrad as sg
    >>> w = sg.tensor([1.0, 2.0], requires_grad=True)
    >>> with sg.no_grad():
    ...     y = w * 2.0
    >>> y.requires_grad
    False
    >>> @sg.no_grad()
    ... def evaluate(w):
    ...     return (w * 2.0).requires_grad
    >>> evaluate(w)
    False
    """
    return changed(grad_enabled=False)


def enable_grad():
    """A block in which operations are recorded again (inside ``no_grad``).

    >>> import semigrad as sg
    >>> w = sg.tensor(1.0, requires_grad=True)
    >>> with sg.no_grad():
    ...     with sg.enable_grad():
    ...         (w * 2.0).requires_grad
    True
    """
    return changed(grad_enabled=True)


def is_grad_enabled() -> bool:
    """Whether operations on Tensors that require grad are recorded here.

    >>> import semigrad as sg
    >>> sg.is_grad_enabled()
    True
    """
    return _STATE.get().grad_enabled


# ---- where in the user's code ------------------------------------------------


#: NumPy's folder: a NumPy function that converted a Tensor is not the user's line either.
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


def user_frame(skip: int = 1):
    """The innermost frame outside semigrad and NumPy (None if there is none)."""
    frame = sys._getframe(skip + 1)
    while frame is not None and frame.f_code.co_filename.startswith((_PACKAGE, _NUMPY)):
        frame = frame.f_back
    return frame


def where(frame) -> str:
    """``file:line: source`` for a frame (or a ``(filename, lineno)`` pair)."""
    if frame is None:
        return "<unknown location>"
    if isinstance(frame, tuple):
        filename, lineno = frame
    else:
        filename, lineno = frame.f_code.co_filename, frame.f_lineno
    text = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}: {text}" if text else f"{filename}:{lineno}"


def user_location(skip: int = 1) -> tuple | None:
    """``(filename, lineno)`` of the innermost user frame: cheap to keep, formatted by ``where``."""
    frame = user_frame(skip + 1)
    return None if frame is None else (frame.f_code.co_filename, frame.f_lineno)


# ---- anomaly detection's forward check (the sweeps' checks live in anomaly.py) --


class AnomalyError(FloatingPointError):
    """A NaN or an infinity produced by a primitive (forward) or by its rules (sweeps)."""


def describe_bad(value) -> str | None:
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


def shapes(args) -> str:
    return ", ".join(str(np.shape(getattr(a, "value", a))) for a in args)


def check_forward(prim_name, args, out) -> None:
    """Anomaly mode's check of one recorded operation: keep its origin, refuse NaN/Inf."""
    loc = user_location(1)
    if out._id >= 0:
        out._origin = loc
    problem = describe_bad(out.value)
    if problem:
        raise AnomalyError(
            f"anomaly in the forward pass: {prim_name} produced {problem} (node {out._id}, "
            f"output shape {np.shape(out.value)})\n  created at {where(loc)}\n  input shapes: "
            f"{shapes(args)}; check the inputs' domain (e.g. log or sqrt of a negative "
            "number, division by zero)"
        )
