"""Puts tests/ on the path of the tests in its folders (the shared primitive table), and gives
them the fixtures they share."""

import pytest


@pytest.fixture(params=["computed", "deferred"])
def trace_values(request, monkeypatch):
    """Run a test twice: with traces (sg.jit, sg.vmap) computing their small values as they
    record them, and with every elementwise ufunc deferred, as on large arrays
    (semigrad.primitives.deferred)."""
    if request.param == "deferred":
        from semigrad.primitives import deferred

        monkeypatch.setattr(deferred, "DEFER_SIZE", 0)
    return request.param
