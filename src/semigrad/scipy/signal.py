"""``semigrad.scipy.signal``: N-dimensional convolution and correlation, differentiable in both
inputs.

One gather builds, for every output position, the window of the zero-padded
first input that the kernel meets; one contraction with the flipped kernel
then gives the output (the scalar paths are exactly the kernel taps). Modes
``full``, ``valid`` and ``same`` as SciPy's.

>>> import numpy as np
>>> import semigrad as sg
>>> from semigrad.scipy import signal
>>> signal.convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]).tolist()
[0.0, 1.0, 2.5, 4.0, 1.5]
>>> sg.grad(lambda k: sg.sum(signal.convolve([1.0, 2.0, 3.0], k, mode="valid")))(
...     np.array([0.0, 1.0, 0.5])).tolist()
[3.0, 2.0, 1.0]
"""

from __future__ import annotations

import string

import numpy as np

from .. import ops
from ..numpy import asarray, conj, flip
from ..tensor import Tensor

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d"]


def _plain_if(result, *args):
    return result if any(isinstance(a, Tensor) for a in args) else getattr(result, "value",
                                                                             result)


def _convolve_full(a, v):
    """The full N-d convolution of ``a`` with ``v`` (same number of axes)."""
    sa, sv = ops.shape(a), ops.shape(v)
    out_shape = tuple(n + m - 1 for n, m in zip(sa, sv, strict=True))
    # a padded by m - 1 zeros on both sides of each axis: position o + j of the padded array
    # meets the kernel element at (m - 1 - j) (the flipped kernel).
    padded_shape = tuple(n + 2 * (m - 1) for n, m in zip(sa, sv, strict=True))
    pad = [(m - 1, m - 1) for m in sv]
    dtype = np.result_type(getattr(a, "value", a), float)
    flat = ops.reshape(a, (-1,))
    positions = np.pad(np.arange(int(np.prod(sa, dtype=np.int64))).reshape(sa), pad,
                       constant_values=-1)
    windows = [np.arange(o)[:, None] + np.arange(m)[None, :] for o, m in zip(out_shape, sv,
                                                                                strict=True)]
    # the index grid, of shape out_shape + sv
    d = len(sa)
    idx = np.zeros(out_shape + sv, dtype=np.intp)
    for axis in range(d):
        shape = [1] * (2 * d)
        shape[axis], shape[d + axis] = out_shape[axis], sv[axis]
        stride = int(np.prod(padded_shape[axis + 1:], dtype=np.int64))
        idx = idx + windows[axis].reshape(shape) * stride
    gathered = positions.ravel()[idx]
    hit = gathered >= 0
    extended = ops.concatenate([flat, np.zeros(1, dtype=dtype)])
    taken = ops.getitem(extended, np.where(hit, gathered, ops.shape(extended)[0] - 1))
    letters = string.ascii_letters
    out_l, ker_l = letters[:d], letters[d:2 * d]
    return ops.einsum(f"{out_l}{ker_l},{ker_l}->{out_l}", taken, flip(v))


def _crop(full, sa, sv, mode):
    if mode == "full":
        return full
    if mode == "valid":
        if not (all(n >= m for n, m in zip(sa, sv, strict=True))
                or all(m >= n for n, m in zip(sa, sv, strict=True))):
            raise ValueError("convolve: in mode 'valid' one input must be at least as large "
                             f"as the other along every axis; got shapes {sa} and {sv}")
        keep = [abs(n - m) + 1 for n, m in zip(sa, sv, strict=True)]
        start = [min(n, m) - 1 for n, m in zip(sa, sv, strict=True)]
    elif mode == "same":
        keep = list(sa)
        start = [(m - 1) // 2 for m in sv]
    else:
        raise ValueError(f"convolve: mode must be 'full', 'valid' or 'same'; got {mode!r}")
    return ops.getitem(full, tuple(slice(s, s + k) for s, k in zip(start, keep, strict=True)))


def convolve(in1, in2, mode="full", method="auto"):
    """N-d convolution, as ``scipy.signal.convolve`` (``method`` is accepted and ignored).

    >>> from semigrad.scipy import signal
    >>> signal.convolve([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0]], mode="same").tolist()
    [[1.0, 3.0], [3.0, 7.0]]
    """
    a, v = asarray(in1), asarray(in2)
    if ops.ndim(a) != ops.ndim(v):
        raise ValueError(f"convolve: in1 and in2 must have the same number of axes; got "
                         f"shapes {ops.shape(a)} and {ops.shape(v)}")
    if 0 in ops.shape(a) or 0 in ops.shape(v):
        raise ValueError(f"convolve: empty input (shapes {ops.shape(a)} and {ops.shape(v)})")
    sa, sv = ops.shape(a), ops.shape(v)
    return _plain_if(_crop(_convolve_full(a, v), sa, sv, mode), in1, in2)


def correlate(in1, in2, mode="full", method="auto"):
    """N-d cross-correlation, as ``scipy.signal.correlate``: convolution with the flipped
    (and conjugated) second input.

    >>> from semigrad.scipy import signal
    >>> signal.correlate([1.0, 2.0, 3.0], [0.0, 1.0, 0.5], mode="valid").tolist()
    [3.5]
    """
    v = asarray(in2)
    return convolve(in1, flip(conj(v) if np.iscomplexobj(getattr(v, "value", v)) else v),
                    mode=mode)


def _two_d(name, fn, in1, in2, mode, boundary, fillvalue):
    if boundary != "fill" or fillvalue != 0:
        raise ValueError(f"{name}: only boundary='fill' with fillvalue=0 is supported; got "
                         f"boundary={boundary!r}, fillvalue={fillvalue!r}")
    for label, x in (("in1", in1), ("in2", in2)):
        if ops.ndim(asarray(x)) != 2:
            raise ValueError(f"{name}: {label} must be 2-D; got shape {ops.shape(asarray(x))}")
    return fn(in1, in2, mode=mode)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """2-D convolution, as ``scipy.signal.convolve2d`` (zero-filled boundary).

    >>> from semigrad.scipy import signal
    >>> signal.convolve2d([[1.0, 2.0], [3.0, 4.0]], [[1.0]]).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    return _two_d("convolve2d", convolve, in1, in2, mode, boundary, fillvalue)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """2-D cross-correlation, as ``scipy.signal.correlate2d`` (zero-filled boundary).

    >>> from semigrad.scipy import signal
    >>> signal.correlate2d([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0]], mode="valid").tolist()
    [[1.0], [3.0]]
    """
    if mode != "same":
        return _two_d("correlate2d", correlate, in1, in2, mode, boundary, fillvalue)
    # SciPy centres correlate2d's 'same' output at m // 2, not at (m - 1) // 2 as correlate.
    full = _two_d("correlate2d", correlate, in1, in2, "full", boundary, fillvalue)
    sa, sv = ops.shape(asarray(in1)), ops.shape(asarray(in2))
    return ops.getitem(asarray(full), tuple(slice(m // 2, m // 2 + n)
                                            for n, m in zip(sa, sv, strict=True)))
