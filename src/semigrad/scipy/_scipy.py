"""SciPy's modules, imported the first time a value is computed (SciPy is an extra)."""

from __future__ import annotations

import functools
import importlib


@functools.cache
def scipy_module(name: str):
    """``scipy.<name>``, or an ImportError that says how to install it."""
    try:
        return importlib.import_module(f"scipy.{name}")
    except ImportError:  # pragma: no cover - the extra is missing
        raise ImportError(
            "semigrad.scipy needs SciPy: pip install 'semigrad[scipy]' (or scipy)"
        ) from None
