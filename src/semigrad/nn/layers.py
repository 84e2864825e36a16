"""Layers: Linear, Embedding, LayerNorm, Dropout, activations, and the MLP.

Each layer is a thin :class:`~semigrad.nn.Module` over a function of
:mod:`semigrad.nn.functional`, composed from semigrad operations (no new
primitives). Layers with weights take ``rng`` (a NumPy Generator or an
integer seed; None draws fresh entropy) and an ``init`` function from
:mod:`semigrad.nn.init`, and a ``dtype`` (float64 by default; float32 for
speed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import ops
from . import functional as F
from . import init as initialisers
from .module import Module, Parameter, Sequential

__all__ = [
    "GELU",
    "MLP",
    "Dropout",
    "Embedding",
    "Flatten",
    "LayerNorm",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Tanh",
]


class Linear(Module):
    """``x @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``.

    The layout and the names are PyTorch's, so a PyTorch ``state_dict`` (as
    NumPy arrays) loads unchanged. ``init`` draws the weight laid out for
    ``x @ W``, ``(in_features, out_features)`` (see :mod:`semigrad.nn.init`;
    Glorot uniform by default, He for deep ReLU stacks), and the layer keeps
    its transpose; ``bias`` starts at zero.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> layer = sg.nn.Linear(3, 2, rng=0)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer.weight.shape, layer(np.ones((4, 3))).shape
    ((2, 3), (4, 2))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, rng=None,
                 init: Callable = initialisers.glorot_uniform, dtype=np.float64):
        rng = np.random.default_rng(rng)
        self.in_features, self.out_features = int(in_features), int(out_features)
        drawn = init(rng, (self.in_features, self.out_features), dtype)
        self.weight = Parameter(np.ascontiguousarray(drawn.T))
        self.bias = Parameter(np.zeros(self.out_features, dtype)) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A table of ``num_embeddings`` vectors; ``layer(ids)`` picks rows by integer id.

    Initialised N(0, 1) (as PyTorch). The gradient accumulates into the
    picked rows only.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> table = sg.nn.Embedding(10, 4, rng=0)
    >>> table(np.array([[1, 2, 1]])).shape
    (1, 3, 4)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, *, rng=None,
                 init: Callable = initialisers.normal, dtype=np.float64):
        rng = np.random.default_rng(rng)
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = Parameter(init(rng, (self.num_embeddings, self.embedding_dim), dtype))

    def forward(self, ids):
        return F.embedding(ids, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes, then scale and shift.

    ``weight`` starts at one and ``bias`` at zero (``elementwise_affine=False``
    has neither, ``bias=False`` no bias); see :func:`semigrad.nn.functional.layer_norm`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> y = sg.nn.LayerNorm(4)(np.arange(8.0).reshape(2, 4)).numpy()
    >>> y.mean(axis=-1).round(12).tolist(), y.std(axis=-1).round(4).tolist()
    ([0.0, 0.0], [1.0, 1.0])
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=np.float64):
        shape = ((int(normalized_shape),) if isinstance(normalized_shape, int | np.integer)
                 else tuple(int(d) for d in normalized_shape))
        self.normalized_shape, self.eps = shape, float(eps)
        self.weight = Parameter(np.ones(shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype)) if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps:g}"


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale by 1/(1 − p).

    Masks come from ``rng`` (a Generator or a seed), so runs repeat exactly.
    In evaluation mode (``.eval()``) it returns its input.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> drop = sg.nn.Dropout(0.5, rng=0)
    >>> drop(np.ones(4)).tolist()
    [2.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, p: float = 0.5, *, rng=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1]; got {p}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)

    def forward(self, x):
        return F.dropout(x, self.p, self.rng, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"


class ReLU(Module):
    """max(x, 0), with derivative 0 at 0 (as PyTorch and JAX).

    >>> import semigrad as sg
    >>> sg.nn.ReLU()(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    def forward(self, x):
        return ops.relu(x)


class Tanh(Module):
    """The hyperbolic tangent.

    >>> import semigrad as sg
    >>> float(sg.nn.Tanh()(0.0))
    0.0
    """

    def forward(self, x):
        return ops.tanh(x)


class Sigmoid(Module):
    """1 / (1 + exp(−x)), stable for large |x|.

    >>> import semigrad as sg
    >>> float(sg.nn.Sigmoid()(0.0))
    0.5
    """

    def forward(self, x):
        return ops.sigmoid(x)


class GELU(Module):
    """GELU; the tanh approximation by default (``approximate="none"``: exact, needs SciPy).

    ``GELU()`` equals PyTorch's ``GELU(approximate='tanh')`` and
    ``GELU("none")`` PyTorch's default; see :func:`semigrad.nn.functional.gelu`.

    >>> import semigrad as sg
    >>> round(float(sg.nn.GELU()(1.0)), 6)
    0.841192
    """

    def __init__(self, approximate: str = "tanh"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh'; got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Flatten(Module):
    """Merge the axes ``start_dim`` to ``end_dim`` into one (as PyTorch's ``nn.Flatten``).

    The defaults keep the batch axis: ``(N, C, H, W)`` becomes ``(N, C·H·W)``,
    the step from convolutions to a Linear head.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> sg.nn.Flatten()(np.ones((2, 3, 4, 5))).shape
    (2, 60)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        shape = ops.shape(x)
        n = len(shape)
        start, end = self.start_dim % max(n, 1), self.end_dim % max(n, 1)
        if n == 0 or start > end:
            raise ValueError(f"Flatten: cannot merge axes {self.start_dim} to {self.end_dim} of "
                             f"an input of shape {shape}")
        merged = int(np.prod(shape[start:end + 1]))
        return ops.reshape(x, shape[:start] + (merged,) + shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class MLP(Sequential):
    """A multilayer perceptron: Linear layers of ``sizes``, ``activation`` between them.

    ``sizes`` lists the widths from input to output (``[64, 128, 10]``: one
    hidden layer of 128). ``activation`` is a Module class (instantiated
    between each pair of layers, e.g. ``sg.nn.Tanh``) or a function (e.g.
    ``sg.tanh``); the output layer has none (it gives logits). The layers
    draw their weights from one ``rng`` in order.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> model = sg.nn.MLP([64, 128, 10], rng=0)
    >>> model(np.zeros((5, 64))).shape
    (5, 10)
    >>> [n for n, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, sizes: Sequence[int], activation=ReLU, *, rng=None,
                 init: Callable = initialisers.glorot_uniform, dtype=np.float64):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"MLP: sizes must list at least an input and an output width, all positive; "
                f"got {sizes}"
            )
        rng = np.random.default_rng(rng)
        layers = []
        for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            if k:
                is_class = isinstance(activation, type) and issubclass(activation, Module)
                layers.append(activation() if is_class else activation)
            layers.append(Linear(a, b, rng=rng, init=init, dtype=dtype))
        super().__init__(*layers)
        self.sizes = sizes
