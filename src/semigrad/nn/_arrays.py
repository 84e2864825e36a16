"""The two conversions every layer function starts with, written once for ``semigrad.nn``."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def value_of(x):
    """A Tensor's value, or anything else as a NumPy array (no recording)."""
    return x.value if isinstance(x, Tensor) else np.asarray(x)


def as_arg(x):
    """Tensors as they are; lists and numbers as arrays (so that operators work)."""
    return x if isinstance(x, Tensor) else np.asarray(x)
