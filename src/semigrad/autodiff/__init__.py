"""Automatic differentiation: the reverse and forward sweeps and the transforms built on them."""

from .api import grad, jvp, value_and_grad, vjp

__all__ = ["grad", "jvp", "value_and_grad", "vjp"]
