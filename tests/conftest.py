"""Puts tests/ on the path of the tests in its folders (the shared primitive table), and gives
them the fixtures they share."""

import pytest


@pytest.fixture(params=["small", "as-large"])
def trace_values(request, monkeypatch):
    """Run a test twice: as it is, and treating every array as large: traces (sg.jit,
    sg.vmap) defer every operation they can (semigrad.primitives.deferred) and compiled
    programs write every intermediate they do not hand back into scratch buffers kept
    between calls (semigrad.jit.SCRATCH_BYTES)."""
    if request.param == "as-large":
        import importlib

        from semigrad.primitives import deferred

        monkeypatch.setattr(deferred, "DEFER_SIZE", 0)
        monkeypatch.setattr(importlib.import_module("semigrad.jit"), "SCRATCH_BYTES", 0)
    return request.param
