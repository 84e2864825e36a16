"""Bounded work for the command line and the server: a computation in a worker process.

Some of what ``semigrad grad``, ``semigrad explain`` and ``semigrad serve``
compute has no useful bound on its cost: SymPy's symbolic gradient of a
7 kB expression can take a minute and hundreds of megabytes, and a
derivative tensor of high order grows like n**K. A Python thread cannot be
stopped, so :func:`run_bounded` runs such a computation in a child process
that is killed at its deadline, with its address space limited
(``RLIMIT_AS``, where the platform has it) so that a blow-up is a
:class:`OverBudget` error in the parent, not the machine running out of
memory. The child is forked (a few milliseconds, and any function will do).
Forking a process that has other threads can copy a lock one of them holds;
should the child wait on it, the deadline ends it like any other overrun.
``fresh=True`` starts the child from a clean process instead ("forkserver",
or "spawn"), the function and its arguments pickled: the server does so from
its request threads.

Cheap work (reverse mode, forward mode, finite differences, all bounded by
the parser's limits on an expression) stays in the calling process: a
worker costs a fork, and nothing is gained by paying it for them.

>>> run_bounded(pow, 2, 10, budget=Budget(seconds=30))
1024
>>> run_bounded(int, "ten", budget=Budget(seconds=30))
Traceback (most recent call last):
    ...
semigrad.viz.budget.WorkFailed: invalid literal for int() with base 10: 'ten'
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["Budget", "OverBudget", "WorkFailed", "in_words", "run_bounded"]

MIB = 1 << 20


class Budget(NamedTuple):
    """The time (``seconds``) and the extra memory (``memory`` bytes) a computation may use.

    ``memory=None`` leaves memory unbounded. The command line's ``--budget``
    and ``--memory`` options set them.

    >>> Budget(seconds=2).memory // MIB
    1024
    """

    seconds: float = 10.0
    memory: int | None = 1024 * MIB

    def describe(self) -> str:
        """``"10 s, 1024 MiB"``: the budget in words.

        >>> Budget(2.5, 512 * MIB).describe()
        '2.5 s, 512 MiB'
        """
        memory = "unbounded memory" if self.memory is None else f"{self.memory // MIB} MiB"
        return f"{self.seconds:g} s, {memory}"


class OverBudget(Exception):
    """The computation did not finish within its time budget, or needed more memory.

    ``limit`` says which: "time" or "memory".

    >>> OverBudget("no answer within the time limit of 2 s").limit
    'time'
    """

    def __init__(self, message: str, limit: str = "time"):
        super().__init__(message)
        self.limit = limit


class WorkFailed(Exception):
    """The computation raised an error; the message is its first line, said for a user."""


def in_words(error: BaseException) -> str:
    """The first line of an error, said for a user (what lambdify left undefined, ...).

    >>> in_words(NameError("name 'DiracDelta' is not defined", name="DiracDelta"))
    'DiracDelta has no numerical counterpart'
    """
    if isinstance(error, NameError) and getattr(error, "name", None):
        # lambdify leaves SymPy functions NumPy has no counterpart for (DiracDelta, ...)
        # as unknown names in the generated code
        return f"{error.name} has no numerical counterpart"
    if isinstance(error, RecursionError):
        return "nested too deeply (Python's recursion limit)"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _limit_memory(extra: int) -> None:
    """Cap the address space at what the process has now plus ``extra`` bytes."""
    try:
        import resource

        fd = os.open("/proc/self/statm", os.O_RDONLY)  # os.open: builtins.open may be patched
        try:
            now = int(os.read(fd, 200).split()[0]) * os.sysconf("SC_PAGE_SIZE")
        finally:
            os.close(fd)
    except (ImportError, OSError, ValueError):
        return  # no /proc or no setrlimit (macOS, Windows): the time budget still holds
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(conn, memory, fn, args) -> None:
    """In the worker: ("value", result), ("memory", None) or ("error", one line)."""
    if memory is not None:
        _limit_memory(memory)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            answer = ("value", fn(*args))
    except MemoryError:
        answer = ("memory", None)
    except Exception as e:  # noqa: BLE001 - reported to the parent in words
        answer = ("error", in_words(e))
    try:
        conn.send(answer)
    except MemoryError:
        conn.send(("memory", None))
    except Exception as e:  # noqa: BLE001 - e.g. an unpicklable result
        conn.send(("error", f"the result could not be sent back ({in_words(e)})"))
    finally:
        conn.close()


def _context(fresh: bool):
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and not fresh:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_bounded(fn, *args, budget: Budget, fresh: bool = False):
    """``fn(*args)`` computed in a worker process within ``budget``; its result.

    Raises :class:`OverBudget` past ``budget.seconds`` (the worker is killed:
    it stops using CPU at once) or when the worker runs out of its
    ``budget.memory``, and :class:`WorkFailed` with the error's first line
    when ``fn`` raises. NumPy's floating-point warnings are silenced in the
    worker. The result travels back pickled. ``fresh``: start the worker from
    a clean process rather than a fork of this one (``fn`` and ``args`` must
    then be picklable).

    >>> run_bounded(sum, range(5), budget=Budget(seconds=30))
    10
    >>> import time
    >>> run_bounded(time.sleep, 60, budget=Budget(seconds=0.2))
    Traceback (most recent call last):
        ...
    semigrad.viz.budget.OverBudget: no answer within the time limit of 0.2 s
    """
    context = _context(fresh)
    for stream in (sys.stdout, sys.stderr):  # a forked child must not repeat buffered output
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    receive, send = context.Pipe(duplex=False)
    # not a daemon: a worker may start workers of its own (a page its symbolic column)
    worker = context.Process(target=_child, args=(send, budget.memory, fn, args))
    worker.start()
    send.close()
    try:
        if not receive.poll(budget.seconds):
            raise OverBudget(f"no answer within the time limit of {budget.seconds:g} s")
        kind, value = receive.recv()
    except EOFError:
        raise OverBudget("the worker stopped without an answer (out of memory?)",
                         "memory") from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receive.close()
    if kind == "memory":
        raise OverBudget(f"needed more than {budget.memory // MIB} MiB of memory", "memory")
    if kind == "error":
        raise WorkFailed(value)
    return value
