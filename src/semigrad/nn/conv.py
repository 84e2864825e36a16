"""Convolution, pooling and batch-norm layers (Conv, MaxPool, AvgPool, BatchNorm; 1-d, 2-d).

Each layer is a thin :class:`~semigrad.nn.Module` over a function of
:mod:`semigrad.nn.functional` (see there for the structure the semiring sweeps see).
Parameter and buffer names and shapes are PyTorch's, so a PyTorch module's
``state_dict()``, converted with ``.numpy()``, loads into the semigrad layer unchanged;
the initialisation is PyTorch's too (U(±1/√fan_in) for a convolution's weight and bias),
drawn from ``rng`` (a NumPy Generator or a seed), in ``dtype`` (float64 by default).
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import _conv_functional as C
from .module import Module, Parameter

__all__ = [
    "AvgPool1d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
]


class _ConvNd(Module):
    _nd = 0
    _function = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 *, rng=None, dtype=np.float64):
        name, nd = type(self).__name__, self._nd
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = int(groups)
        if self.groups < 1 or self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} and "
                f"out_channels={out_channels}"
            )
        self.kernel_size = C._ints(name, "kernel_size", kernel_size, nd)
        self.stride = C._ints(name, "stride", stride, nd)
        self.dilation = C._ints(name, "dilation", dilation, nd)
        C._positive(name, "kernel_size", self.kernel_size)
        self.padding = padding if isinstance(padding, str) else C._ints(
            name, "padding", padding, nd)
        # checks "same" with a stride, unknown words and negative padding now, not at the call
        C._conv_padding(name, self.padding, self.kernel_size, self.dilation, self.stride)
        if padding_mode not in C.PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {tuple(C.PADDING_MODES)}; "
                             f"got {padding_mode!r}")
        self.padding_mode = padding_mode
        rng = np.random.default_rng(rng)
        # PyTorch's default: kaiming_uniform_(a=√5), which is U(±1/√fan_in), and the same
        # bound for the bias
        fan_in = self.in_channels // self.groups * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(rng.uniform(-bound, bound, size=shape).astype(dtype))
        self.bias = (Parameter(rng.uniform(-bound, bound, size=self.out_channels).astype(dtype))
                     if bias else None)

    def forward(self, x):
        x, padding = C.pad_for_conv(type(self).__name__, x, self._nd, self.padding_mode,
                                    self.padding, self.kernel_size, self.dilation, self.stride)
        return type(self)._function(x, self.weight, self.bias, self.stride, padding,
                                    self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class Conv1d(_ConvNd):
    """1-d convolution over ``(N, C, L)`` (or unbatched ``(C, L)``) input, as PyTorch's.

    ``weight`` has shape ``(out_channels, in_channels / groups, kernel_size)``, ``bias``
    ``(out_channels,)``; ``padding`` is an int, ``"valid"`` or ``"same"``;
    ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
    See :func:`semigrad.nn.functional.conv1d`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> layer = sg.nn.Conv1d(2, 4, 3, padding="same", rng=0)
    >>> layer(np.ones((5, 2, 10))).shape, layer.weight.shape
    ((5, 4, 10), (4, 2, 3))
    """

    _nd = 1
    _function = staticmethod(C.conv1d)


class Conv2d(_ConvNd):
    """2-d convolution over ``(N, C, H, W)`` (or unbatched ``(C, H, W)``) input, as PyTorch's.

    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are ints or pairs;
    ``padding`` may be ``"valid"`` or ``"same"``; ``groups`` splits the channels
    (``groups=in_channels``: depthwise). ``weight`` has shape ``(out_channels,
    in_channels / groups, kH, kW)``, ``bias`` ``(out_channels,)``, both drawn from
    U(±1/√fan_in) as PyTorch's. See :func:`semigrad.nn.functional.conv2d` for the
    structure the semiring sweeps see and the memory it takes.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> layer = sg.nn.Conv2d(1, 8, 3, stride=2, padding=1, rng=0)
    >>> layer
    Conv2d(1, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
    >>> layer(np.ones((4, 1, 8, 8))).shape
    (4, 8, 4, 4)
    """

    _nd = 2
    _function = staticmethod(C.conv2d)


class _PoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False):
        name, nd = type(self).__name__, self._nd
        self.kernel_size = C._ints(name, "kernel_size", kernel_size, nd)
        self.stride = self.kernel_size if stride is None else C._ints(name, "stride", stride, nd)
        self.padding = C._ints(name, "padding", padding, nd)
        self.ceil_mode = bool(ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                + (", ceil_mode=True" if self.ceil_mode else ""))


class _MaxPoolNd(_PoolNd):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = C._ints(type(self).__name__, "dilation", dilation, self._nd)

    def forward(self, x):
        return self._function(x, self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode)


class MaxPool1d(_MaxPoolNd):
    """The maximum of each window along L; see :func:`semigrad.nn.functional.max_pool1d`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> sg.nn.MaxPool1d(2)(np.array([[[1.0, 3.0, 2.0, 5.0]]])).tolist()
    [[[3.0, 5.0]]]
    """

    _nd = 1
    _function = staticmethod(C.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """The maximum of each window; see :func:`semigrad.nn.functional.max_pool2d`.

    ``stride`` defaults to ``kernel_size``; ``padding``, ``dilation`` and
    ``ceil_mode`` as PyTorch's (no ``return_indices``).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> sg.nn.MaxPool2d(2)(np.ones((3, 1, 6, 6))).shape
    (3, 1, 3, 3)
    """

    _nd = 2
    _function = staticmethod(C.max_pool2d)


class _AvgPoolNd(_PoolNd):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        return self._function(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad)


class AvgPool1d(_AvgPoolNd):
    """The mean of each window along L; see :func:`semigrad.nn.functional.avg_pool1d`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> sg.nn.AvgPool1d(2)(np.array([[[1.0, 3.0, 2.0, 5.0]]])).tolist()
    [[[2.0, 3.5]]]
    """

    _nd = 1
    _function = staticmethod(C.avg_pool1d)


class AvgPool2d(_AvgPoolNd):
    """The mean of each window; see :func:`semigrad.nn.functional.avg_pool2d`.

    ``stride`` defaults to ``kernel_size``; ``padding``, ``ceil_mode`` and
    ``count_include_pad`` as PyTorch's.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> sg.nn.AvgPool2d(2)(np.ones((3, 1, 6, 6))).shape
    (3, 1, 3, 3)
    """

    _nd = 2
    _function = staticmethod(C.avg_pool2d)


class _BatchNorm(Module):
    _ranks: tuple[int, ...] = ()
    _shapes = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *, dtype=np.float64):
        self.num_features, self.eps = int(num_features), float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.weight = Parameter(np.ones(self.num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype)) if affine else None
        tracked = self.track_running_stats
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype) if tracked
                             else None)
        self.register_buffer("running_var", np.ones(self.num_features, dtype) if tracked
                             else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if tracked else None)

    def forward(self, x):
        shape = np.shape(x.value if isinstance(x, Tensor) else x)
        if len(shape) not in self._ranks:
            raise ValueError(
                f"{type(self).__name__}: input must have shape {self._shapes}; got shape {shape}"
            )
        # batch statistics in training mode, and always without running statistics
        tracking = self.training and self.running_mean is not None
        momentum = self.momentum
        if tracking and momentum is None:  # a cumulative average over every batch so far
            momentum = 1.0 / (int(self.num_batches_tracked) + 1)
        y = C.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                         self.training or self.running_mean is None,
                         0.0 if momentum is None else momentum, self.eps)
        if tracking and self.num_batches_tracked is not None:
            self.num_batches_tracked += 1
        return y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over the channels of ``(N, C)`` or ``(N, C, L)`` input, as PyTorch's.

    Training mode normalises by the batch's statistics and updates the buffers
    ``running_mean``, ``running_var`` (unbiased) and ``num_batches_tracked`` in place
    (``momentum=None``: a cumulative average); evaluation mode (``.eval()``) normalises by
    the running statistics. ``affine`` adds ``weight`` (ones) and ``bias`` (zeros);
    ``track_running_stats=False`` has no buffers and always uses the batch's statistics.
    See :func:`semigrad.nn.functional.batch_norm`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> bn = sg.nn.BatchNorm1d(2)
    >>> y = bn(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> bn.running_mean.tolist(), int(bn.num_batches_tracked)
    ([0.2, 2.0], 1)
    """

    _ranks = (2, 3)
    _shapes = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over the channels of ``(N, C, H, W)`` input, as PyTorch's.

    As :class:`BatchNorm1d`: statistics over N, H and W per channel.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> bn = sg.nn.BatchNorm2d(3)
    >>> bn(np.random.default_rng(0).normal(size=(4, 3, 5, 5))).shape
    (4, 3, 5, 5)
    >>> sorted(bn.state_dict())
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    """

    _ranks = (4,)
    _shapes = "(N, C, H, W)"
