"""Convolution, pooling and batch norm as functions: ``sg.nn.functional.conv2d`` and the rest.

The layout is PyTorch's: channels first, ``(N, C, L)`` for 1-d and ``(N, C, H, W)``
for 2-d inputs (an unbatched ``(C, L)`` or ``(C, H, W)`` works too), weights
``(out_channels, in_channels / groups, *kernel)``. Everything is a composition of
existing primitives, chosen so that the scalarised graph (what the semiring sweeps
see, ``Graph.scalarize()``) has exactly the structure of the operation:

- a **convolution** gathers each output position's window of taps (im2col: the input
  padded by a constant, one strided slice per kernel tap, stacked: linear index maps)
  and contracts the windows with the weight in one einsum (multilinear). So an input
  element has one path to an output element per kernel tap that reads it (times the
  channels of its group), weighted by that tap's weight; a weight element has one
  path per (batch element, output position), weighted by the input element its tap
  reads (0 for a padded tap: padding is a constant, so no path starts there);
- **max pooling** gathers the windows the same way (padding −inf) and takes ``max`` (a
  selection: one routed path per window, to its maximum; tied maxima share it
  equally, where PyTorch routes all of it to one of them);
- **average pooling** gathers, sums (one path per tap) and scales by a constant;
- **batch norm** is mean, subtraction, multiplication and sqrt, like ``layer_norm``.

Memory: the gathered windows hold ``prod(kernel)`` copies of the input (im2col), which
is fine for the small convolutional networks semigrad trains on a CPU; a large image
model would want a direct convolution primitive instead.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np

from .. import context, ops
from .. import numpy as snp
from ..tensor import Tensor
from ._arrays import as_arg as _arg
from ._arrays import value_of as _value

__all__ = [
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
]




def _ints(name, what, value, n) -> tuple[int, ...]:
    """An int or a tuple of ``n`` ints (``stride=2`` or ``stride=(2, 1)``) as a tuple."""
    values = (value,) * n if isinstance(value, int | np.integer) else tuple(value)
    if len(values) != n or not all(isinstance(v, int | np.integer) for v in values):
        raise ValueError(f"{name}: {what} must be an int or a tuple of {n} ints; got {value!r}")
    return tuple(int(v) for v in values)


def _positive(name, what, values):
    if min(values) < 1:
        raise ValueError(f"{name}: {what} must be positive; got {values}")


# ---- the windows: each kernel tap's strided slice of the padded input ----------------------


def _pad(x, lo, hi, fill):
    """``x`` with ``lo[i]``/``hi[i]`` constant ``fill`` elements before/after trailing axis i.

    The padding is a constant joined on (``concatenate``), so no path of the scalarised
    graph starts in it."""
    nd = len(lo)
    dtype = _value(x).dtype
    for i, (a, b) in enumerate(zip(lo, hi)):
        if not a and not b:
            continue
        axis = ops.ndim(x) - nd + i
        shape = list(ops.shape(x))
        parts = [x]
        if a:
            shape[axis] = a
            parts.insert(0, np.full(shape, fill, dtype=dtype))
        if b:
            shape[axis] = b
            parts.append(np.full(shape, fill, dtype=dtype))
        x = ops.concatenate(parts, axis=axis)
    return x


def _windows(x, kernel, stride, dilation, lo, out, fill):
    """``x`` of shape ``(*lead, *spatial)`` as ``(taps, *lead, *out)``: for each kernel tap
    (C order), the input elements it reads at every output position.

    One basic strided slice per tap of the input padded by ``fill`` (as far as the windows
    reach: ``ceil_mode`` windows may reach past the padding), then ``stack``: linear index
    maps whose transposes are slice assignments, so the backward pass never scatter-adds
    element by element."""
    spatial = ops.shape(x)[ops.ndim(x) - len(kernel):]
    hi = [max(0, (o - 1) * s + (k - 1) * d + 1 - L - p)
          for L, k, s, d, p, o in zip(spatial, kernel, stride, dilation, lo, out)]
    x = _pad(x, lo, hi, fill)
    taps = []
    for tap in itertools.product(*(range(k) for k in kernel)):
        index = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                      for t, d, s, o in zip(tap, dilation, stride, out))
        taps.append(ops.getitem(x, (Ellipsis, *index)))
    return ops.stack(taps, axis=0)


def _out_size(L, k, s, d, lo, hi, ceil_mode=False):
    span = L + lo + hi - d * (k - 1) - 1
    if span < 0:
        return 0
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= L + lo:  # the last window must start inside
        out -= 1
    return out


def _split_batch(name, x, nd):
    """``(x with a batch axis, whether it was added)``; an error for other ranks."""
    shape = ops.shape(x)
    if len(shape) == nd + 2:
        return x, False
    if len(shape) == nd + 1:
        return ops.reshape(x, (1, *shape)), True
    axes = "L" if nd == 1 else "H, W"
    raise ValueError(
        f"{name}: input must have shape (N, C, {axes}) or, unbatched, (C, {axes}); got shape "
        f"{shape}"
    )


# ---- convolution ------------------------------------------------------------------------

_PADDING_WORDS = ("valid", "same")


def _conv_padding(name, padding, kernel, dilation, stride):
    """Per-axis (low, high) zero padding from an int, a tuple, "valid" or "same"."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding not in _PADDING_WORDS:
            raise ValueError(
                f"{name}: padding must be an int, a tuple of {n} ints, 'valid' or 'same'; got "
                f"{padding!r}"
            )
        if padding == "valid":
            return (0,) * n, (0,) * n
        if any(s != 1 for s in stride):
            raise ValueError(
                f"{name}: padding='same' needs stride 1 (got stride {stride}); pad explicitly "
                "for a strided convolution"
            )
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)  # extra on the end
    pad = _ints(name, "padding", padding, n)
    if min(pad) < 0:
        raise ValueError(f"{name}: padding must be non-negative; got {pad}")
    return pad, pad


def _conv(name, nd, x, weight, bias, stride, padding, dilation, groups):
    x, weight = _arg(x), _arg(weight)
    ws = ops.shape(weight)
    spatial_names = "kL" if nd == 1 else "kH, kW"
    if len(ws) != nd + 2:
        raise ValueError(
            f"{name}: weight must have shape (out_channels, in_channels / groups, "
            f"{spatial_names}); got shape {ws}"
        )
    x, unbatched = _split_batch(name, x, nd)
    n_batch, channels, *spatial = ops.shape(x)
    out_channels, group_channels, *kernel = ws
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int; got {groups!r}")
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"{name}: groups={groups} must divide the input's {channels} channels and the "
            f"weight's {out_channels} output channels (input shape {ops.shape(x)}, weight "
            f"shape {ws})"
        )
    if group_channels != channels // groups:
        raise ValueError(
            f"{name}: the input has {channels} channels, so the weight's axis 1 must be "
            f"{channels // groups} (in_channels / groups={groups}); got weight shape {ws} for "
            f"input shape {ops.shape(x)}"
        )
    stride = _ints(name, "stride", stride, nd)
    dilation = _ints(name, "dilation", dilation, nd)
    _positive(name, "stride", stride)
    _positive(name, "dilation", dilation)
    lo, hi = _conv_padding(name, padding, kernel, dilation, stride)
    spatial, kernel = tuple(spatial), tuple(kernel)
    out = tuple(_out_size(*a) for a in zip(spatial, kernel, stride, dilation, lo, hi))
    if min(out, default=1) < 1:
        raise ValueError(
            f"{name}: the kernel {kernel} (dilation {dilation}) is larger than the padded "
            f"input {tuple(L + a + b for L, a, b in zip(spatial, lo, hi))} (input shape "
            f"{ops.shape(x)}, padding {lo}/{hi}); pad more or use a smaller kernel"
        )
    if bias is not None:
        bias = _arg(bias)
        if ops.shape(bias) != (out_channels,):
            raise ValueError(
                f"{name}: bias must have shape ({out_channels},), one per output channel of "
                f"weight shape {ws}; got shape {ops.shape(bias)}"
            )
    per_group = ops.reshape(x, (n_batch, groups, channels // groups, *spatial))
    cols = _windows(per_group, kernel, stride, dilation, lo, out, 0)  # (K, N, G, C/G, *out)
    w = ops.reshape(weight, (groups, out_channels // groups, group_channels, -1))
    at = "pq"[:nd]
    y = ops.einsum(f"kngc{at},gock->ngo{at}", cols, w)
    y = ops.reshape(y, (n_batch, out_channels, *out))
    if bias is not None:
        y = y + ops.reshape(bias, (out_channels,) + (1,) * nd)
    return ops.reshape(y, ops.shape(y)[1:]) if unbatched else y


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation, as PyTorch) of ``(N, C, L)`` or ``(C, L)`` input.

    ``weight`` has shape ``(out_channels, C / groups, kL)``, ``bias`` ``(out_channels,)``.
    ``padding`` is an int, ``"valid"`` (none) or ``"same"`` (output length = input length;
    stride 1; an odd total puts the extra zero at the end). The taps' windows gathered,
    then an einsum: each output element's scalar paths are its kernel taps (see the
    module doc).

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> F.conv1d(np.arange(5.0).reshape(1, 1, 5), np.array([[[1.0, 0.0, -1.0]]])).tolist()
    [[[-2.0, -2.0, -2.0]]]
    """
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation, groups)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as PyTorch) of ``(N, C, H, W)`` or ``(C, H, W)``.

    ``weight`` has shape ``(out_channels, C / groups, kH, kW)``, ``bias``
    ``(out_channels,)``; ``stride``, ``padding`` and ``dilation`` are ints or pairs;
    ``padding`` may also be ``"valid"`` or ``"same"`` (stride 1). ``groups=C`` with
    ``out_channels`` a multiple of C is a depthwise convolution. Built as a gather of the
    windows (im2col) then one einsum with the weight, so that the semiring sweeps see one scalar
    path per kernel tap (see the module doc); memory grows with the kernel's size.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.conv2d(x, np.ones((1, 1, 2, 2)), stride=2).tolist()
    [[[[10.0, 18.0], [42.0, 50.0]]]]
    >>> F.conv2d(x, np.ones((3, 1, 3, 3)), padding="same").shape
    (1, 3, 4, 4)
    """
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation, groups)


#: PyTorch's padding modes and the ``semigrad.numpy.pad`` modes that do the same.
PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
                 "circular": "wrap"}


def pad_for_conv(name, x, nd, padding_mode, padding, kernel, dilation, stride):
    """``(x padded by padding_mode, the padding left for the convolution)``: the layers'
    ``padding_mode`` other than zeros pads first, then convolves with no padding."""
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"{name}: padding_mode must be one of {tuple(PADDING_MODES)}; got {padding_mode!r}"
        )
    if padding_mode == "zeros":
        return x, padding
    lo, hi = _conv_padding(name, padding, kernel, dilation, stride)
    extra = ops.ndim(x) - nd
    return snp.pad(_arg(x), [(0, 0)] * extra + list(zip(lo, hi)),
                   mode=PADDING_MODES[padding_mode]), 0


# ---- pooling ------------------------------------------------------------------------------


def _pool_geometry(name, x, nd, kernel_size, stride, padding, dilation, ceil_mode):
    x, unbatched = _split_batch(name, _arg(x), nd)
    shape = ops.shape(x)
    spatial = tuple(shape[2:])
    kernel = _ints(name, "kernel_size", kernel_size, nd)
    stride = kernel if stride is None or stride == () else _ints(name, "stride", stride, nd)
    pad = _ints(name, "padding", padding, nd)
    dilation = _ints(name, "dilation", dilation, nd)
    for what, v in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        _positive(name, what, v)
    if min(pad) < 0 or any(2 * p > k for p, k in zip(pad, kernel)):
        raise ValueError(
            f"{name}: padding must be between 0 and half the kernel size; got padding {pad} "
            f"for kernel_size {kernel}"
        )
    out = tuple(_out_size(L, k, s, d, p, p, ceil_mode)
                for L, k, s, d, p in zip(spatial, kernel, stride, dilation, pad))
    if min(out) < 1:
        raise ValueError(
            f"{name}: the window {kernel} (dilation {dilation}) does not fit the padded input "
            f"(input shape {ops.shape(x)}, padding {pad}); pad more or use a smaller window"
        )
    return x, unbatched, spatial, kernel, stride, dilation, pad, out


def _finish(y, unbatched):
    return ops.reshape(y, ops.shape(y)[1:]) if unbatched else y


def _max_pool(name, nd, x, kernel_size, stride, padding, dilation, ceil_mode):
    x, unbatched, _, kernel, stride, dilation, pad, out = _pool_geometry(
        name, x, nd, kernel_size, stride, padding, dilation, ceil_mode)
    if _value(x).dtype.kind not in "f":
        raise TypeError(f"{name}: input must be floating point; got dtype {_value(x).dtype} "
                        f"(shape {ops.shape(x)}): convert with .astype(float)")
    windows = _windows(x, kernel, stride, dilation, pad, out, -np.inf)
    return _finish(ops.max(windows, axis=0), unbatched)


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The maximum of each window of ``kernel_size`` along L of ``(N, C, L)`` or ``(C, L)``.

    ``stride`` defaults to ``kernel_size``; padding is −inf (never the maximum). A
    gather then ``max``: one routed path per window (tied maxima share it equally).

    >>> from semigrad.nn import functional as F
    >>> F.max_pool1d(np.array([[1.0, 3.0, 2.0, 5.0, 4.0]]), 2).tolist()
    [[3.0, 5.0]]
    """
    return _max_pool("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The maximum of each ``kernel_size`` window of ``(N, C, H, W)`` or ``(C, H, W)`` input.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the window) is
    −inf; ``ceil_mode`` keeps a last partial window when it starts inside the input (or
    its left padding), as PyTorch. The gradient of a window goes to its maximum; tied
    maxima share it equally (PyTorch gives all of it to one of them).

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> F.max_pool2d(np.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    return _max_pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode)


def _avg_pool(name, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x, unbatched, spatial, kernel, stride, dilation, pad, out = _pool_geometry(
        name, x, nd, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if not isinstance(divisor_override, int | np.integer) or divisor_override < 1:
            raise ValueError(f"{name}: divisor_override must be a positive int; got "
                             f"{divisor_override!r}")
        divisor = np.asarray(float(divisor_override))
    else:
        divisor = _divisors(spatial, kernel, stride, pad, out, count_include_pad)
    windows = _windows(x, kernel, stride, dilation, pad, out, 0)
    dtype = _value(x).dtype if _value(x).dtype.kind in "fc" else np.float64
    scale = (1.0 / divisor).astype(dtype)  # one per output position, or one for all
    return _finish(ops.sum(windows, axis=0) * scale, unbatched)


@lru_cache(maxsize=256)
def _divisors_cached(spatial, kernel, stride, pad, out, count_include_pad):
    counts = np.ones((), dtype=np.float64)
    for L, k, s, p, o in zip(spatial, kernel, stride, pad, out):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, L + p)  # a window never counts beyond the padding
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, L)
        counts = np.multiply.outer(counts, end - start)
    counts.flags.writeable = False
    return counts


def _divisors(spatial, kernel, stride, pad, out, count_include_pad):
    """Each window's divisor (in the output's spatial shape): its size within the padded
    input, or with ``count_include_pad=False`` the number of input elements in it (as
    PyTorch)."""
    counts = _divisors_cached(spatial, kernel, stride, pad, out, bool(count_include_pad))
    return counts.flat[0] if np.all(counts == counts.flat[0]) else counts


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window of ``kernel_size`` along L of ``(N, C, L)`` or ``(C, L)``.

    As :func:`avg_pool2d` in one dimension.

    >>> from semigrad.nn import functional as F
    >>> F.avg_pool1d(np.array([[1.0, 3.0, 2.0, 5.0]]), 2).tolist()
    [[2.0, 3.5]]
    """
    return _avg_pool("avg_pool1d", 1, x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each ``kernel_size`` window of ``(N, C, H, W)`` or ``(C, H, W)`` input.

    ``stride`` defaults to ``kernel_size``; padding is zeros, counted in the divisor unless
    ``count_include_pad=False`` (a window's part beyond the padding, with ``ceil_mode``, is
    never counted); ``divisor_override`` replaces the divisor. A gather, a sum (one path
    per tap) and a constant scale.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> F.avg_pool2d(np.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """
    return _avg_pool("avg_pool2d", 2, x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---- batch norm -----------------------------------------------------------------------------


def _running(name, what, stat, channels):
    if stat is None:
        return None
    if isinstance(stat, Tensor):
        stat = stat.value
    if np.shape(stat) != (channels,):
        raise ValueError(f"batch_norm: {what} must have shape ({channels},), one per channel "
                         f"of the input; got shape {np.shape(stat)}")
    return stat


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) of ``(N, C, ...)`` input, then scale and shift.

    ``training=True``: normalise by the batch's mean and biased variance over every
    axis but 1, and, where ``running_mean``/``running_var`` are given (arrays of shape
    ``(C,)``), update them in place: ``r ← (1 − momentum)·r + momentum·batch``, with the
    *unbiased* batch variance for ``running_var`` (as PyTorch). ``training=False``:
    normalise by the running statistics. The update reads the batch statistics' values
    and is never recorded (the running statistics are constants); a trace that is
    replayed on other values (``sg.jit``, ``sg.vmap``) refuses it. A composite of mean,
    subtraction, multiplication and sqrt, like :func:`layer_norm`.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> mean, var = np.zeros(2), np.ones(2)
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> F.batch_norm(x, mean, var, training=True).round(4).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> mean.tolist(), var.tolist()
    ([0.2, 2.0], [1.1, 20.9])
    """
    x = _arg(x)
    shape = ops.shape(x)
    if len(shape) < 2:
        raise ValueError(f"batch_norm: input must have shape (N, C, ...); got shape {shape}")
    channels = shape[1]
    running_mean = _running("batch_norm", "running_mean", running_mean, channels)
    running_var = _running("batch_norm", "running_var", running_var, channels)
    for what, p in (("weight", weight), ("bias", bias)):
        if p is not None and ops.shape(p) != (channels,):
            raise ValueError(f"batch_norm: {what} must have shape ({channels},), one per "
                             f"channel of the input (shape {shape}); got shape {ops.shape(p)}")
    axes = (0, *range(2, len(shape)))
    along = (1, channels) + (1,) * (len(shape) - 2)
    if training:
        count = math.prod(shape) // channels
        if count < 2:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel to estimate a "
                f"variance; got input shape {shape} (use eval mode for single examples)"
            )
        mean = ops.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        var = ops.mean(centred * centred, axis=axes, keepdims=True)
        _update_running(running_mean, running_var, _value(mean), _value(var), count, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: evaluation (training=False) normalises by running_mean and "
                "running_var; give both, or pass training=True to use the batch's statistics"
            )
        centred = x - np.reshape(running_mean, along)
        var = np.reshape(running_var, along)
    y = centred / ops.sqrt(var + eps)
    if weight is not None:
        y = y * ops.reshape(_arg(weight), along)
    if bias is not None:
        y = y + ops.reshape(_arg(bias), along)
    return y


def _update_running(running_mean, running_var, mean, var, count, momentum):
    if running_mean is None and running_var is None:
        return
    if context.current().static:
        raise RuntimeError(
            "batch_norm: training mode updates the running statistics, which a trace replayed "
            "on other values (sg.jit, sg.vmap) cannot do; use eval mode (running statistics) "
            "or track_running_stats=False (batch statistics, no update) inside it"
        )
    for stat, batch in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
        if stat is None:
            continue
        if not (isinstance(stat, np.ndarray) and stat.flags.writeable):
            raise TypeError(
                "batch_norm: the running statistics are updated in place in training mode, so "
                f"they must be writable NumPy arrays; got a {type(stat).__name__}"
            )
        np.copyto(stat, (1.0 - momentum) * stat + momentum * batch.reshape(-1),
                  casting="unsafe")
