"""``semigrad.scipy.integrate``: quadrature of sampled functions, differentiable in the samples
and the sample points.

>>> import numpy as np
>>> import semigrad as sg
>>> from semigrad.scipy import integrate
>>> float(integrate.trapezoid([0.0, 1.0, 4.0], dx=1.0))
3.0
>>> sg.grad(lambda y: integrate.trapezoid(y, dx=0.5))(np.ones(3)).tolist()
[0.25, 0.5, 0.25]
"""

from __future__ import annotations

from .. import ops
from ..numpy import asarray, cumsum, diff, moveaxis, trapezoid

__all__ = ["cumulative_trapezoid", "trapezoid"]


def cumulative_trapezoid(y, x=None, dx=1.0, axis=-1, initial=None):
    """The running trapezoidal integral along ``axis`` (as ``scipy.integrate``'s).

    >>> from semigrad.scipy import integrate
    >>> integrate.cumulative_trapezoid([0.0, 1.0, 4.0], initial=0.0).tolist()
    [0.0, 0.5, 3.0]
    """
    y = moveaxis(asarray(y), axis, -1)
    n = ops.shape(y)[-1]
    mid = ops.multiply(0.5, ops.add(ops.getitem(y, (Ellipsis, slice(1, None))),
                                    ops.getitem(y, (Ellipsis, slice(0, n - 1)))))
    widths = dx if x is None else diff(asarray(x))
    out = cumsum(ops.multiply(mid, widths), axis=-1)
    if initial is not None:
        if initial != 0:
            raise ValueError("cumulative_trapezoid: initial must be None or 0 (as SciPy)")
        first = ops.multiply(ops.getitem(y, (Ellipsis, slice(0, 1))), 0.0)
        out = ops.concatenate([first, out], axis=-1)
    return moveaxis(out, -1, axis)
