"""Standard initialisations of weight arrays, each driven by an explicit NumPy Generator.

Every initialiser has the signature ``init(rng, shape, dtype=np.float64)`` and
returns a fresh NumPy array, so layers take any of them (or your own function
of that signature) as their ``init=`` argument. semigrad's weights are laid
out for ``x @ W``: a weight of shape ``(fan_in, fan_out)``; for more than two
axes, ``fan_in`` is the product of all but the last axis. (``Linear`` draws
its weight in this layout and keeps the transpose, ``(out, in)``, as PyTorch
stores it; the distributions are the same.)

- :func:`glorot_uniform`, :func:`glorot_normal`: Glorot & Bengio (2010),
  variance 2 / (fan_in + fan_out) (PyTorch's ``xavier_uniform_``/``xavier_normal_``).
- :func:`he_uniform`, :func:`he_normal`: He et al. (2015), variance
  2 / fan_in, for ReLU layers (PyTorch's ``kaiming_*_`` with ``nonlinearity='relu'``).
- :func:`normal` (standard normal, PyTorch's ``Embedding`` default) and :func:`zeros`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fans", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "normal", "zeros"]


def fans(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` laid out for ``x @ W``.

    >>> from semigrad.nn import init
    >>> init.fans((64, 128))
    (64, 128)
    """
    shape = tuple(int(d) for d in shape)
    if not shape:
        raise ValueError("fans: a weight needs at least one axis; got shape ()")
    if len(shape) == 1:
        return shape[0], shape[0]
    return math.prod(shape[:-1]), shape[-1]


def glorot_uniform(rng: np.random.Generator, shape, dtype=np.float64, gain: float = 1.0):
    """U(−a, a) with a = gain · √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).

    >>> import numpy as np
    >>> from semigrad.nn import init
    >>> w = init.glorot_uniform(np.random.default_rng(0), (64, 128))
    >>> w.shape, bool(np.abs(w).max() <= np.sqrt(6 / 192))
    ((64, 128), True)
    """
    fan_in, fan_out = fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def glorot_normal(rng: np.random.Generator, shape, dtype=np.float64, gain: float = 1.0):
    """N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out)) (Glorot & Bengio 2010).

    >>> import numpy as np
    >>> from semigrad.nn import init
    >>> init.glorot_normal(np.random.default_rng(0), (3, 2), dtype=np.float32).dtype
    dtype('float32')
    """
    fan_in, fan_out = fans(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal(size=shape) * std).astype(dtype, copy=False)


def he_uniform(rng: np.random.Generator, shape, dtype=np.float64):
    """U(−a, a) with a = √(6 / fan_in) (He et al. 2015; for ReLU layers).

    >>> import numpy as np
    >>> from semigrad.nn import init
    >>> w = init.he_uniform(np.random.default_rng(0), (50, 10))
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 50))
    True
    """
    fan_in, _ = fans(shape)
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def he_normal(rng: np.random.Generator, shape, dtype=np.float64):
    """N(0, σ²) with σ = √(2 / fan_in) (He et al. 2015; for ReLU layers).

    >>> import numpy as np
    >>> from semigrad.nn import init
    >>> w = init.he_normal(np.random.default_rng(0), (2000, 500))
    >>> round(float(w.std() * np.sqrt(2000 / 2)), 1)
    1.0
    """
    fan_in, _ = fans(shape)
    return (rng.standard_normal(size=shape) * math.sqrt(2.0 / fan_in)).astype(dtype, copy=False)


def normal(rng: np.random.Generator, shape, dtype=np.float64):
    """N(0, 1), PyTorch's initialisation of ``Embedding`` tables.

    >>> import numpy as np
    >>> from semigrad.nn import init
    >>> init.normal(np.random.default_rng(0), (4, 3)).shape
    (4, 3)
    """
    return rng.standard_normal(size=shape).astype(dtype, copy=False)


def zeros(rng: np.random.Generator, shape, dtype=np.float64):
    """All zeros (``rng`` is ignored; the signature is that of every initialiser).

    >>> from semigrad.nn import init
    >>> init.zeros(None, (2,)).tolist()
    [0.0, 0.0]
    """
    return np.zeros(shape, dtype=dtype)
