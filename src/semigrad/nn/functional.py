"""Losses and layer functions on Tensors, arrays or numbers: ``sg.nn.functional``.

Everything here is a composition of semigrad operations (no new primitives),
so it differentiates in both modes and to any order, and its scalar paths
(for the semiring sweeps) are those of the operations it is made of. Called
on plain arrays, the functions return plain NumPy values; called on Tensors
that require grad, they record their operations.

Losses take ``reduction``: ``"mean"`` (the default: the mean over every
per-example loss, as PyTorch), ``"sum"`` or ``"none"`` (the per-example
losses). Classes are on the **last** axis (PyTorch puts them on axis 1; for
the usual ``(batch, classes)`` logits the two agree).

Numerical stability for logits of any magnitude (tested at 1e3):
``cross_entropy`` goes through ``log_softmax`` (x − logsumexp(x), logsumexp a
stable primitive) and ``binary_cross_entropy_with_logits`` is written as
max(x, 0) − x·y + log1p(exp(−|x|)), where exp never sees a positive argument.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..primitives import multilinear as contraction
from ..scipy.special import erf
from ._arrays import as_arg as _arg
from ._arrays import value_of as _value
from ._conv_functional import (
    avg_pool1d,
    avg_pool2d,
    batch_norm,
    conv1d,
    conv2d,
    max_pool1d,
    max_pool2d,
)

__all__ = [
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "layer_norm",
    "linear",
    "mse",
    "multi_head_attention_forward",
    "nll",
    "scaled_dot_product_attention",
]

_REDUCTIONS = ("mean", "sum", "none")




def _reduce(name, losses, reduction):
    if reduction == "mean":
        return ops.mean(losses)
    if reduction == "sum":
        return ops.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}; got {reduction!r}")


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}; got {reduction!r}")


# ---- layers -----------------------------------------------------------------------


def linear(x, weight, bias=None):
    """``x @ weight.T + bias``, with ``weight`` of shape ``(out, in)`` (PyTorch's layout).

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> F.linear(np.ones((2, 3)), np.ones((4, 3)), np.zeros(4)).shape
    (2, 4)
    """
    xs, ws = ops.shape(x), ops.shape(weight)
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        transposed = len(ws) == 2 and xs and ws[0] == xs[-1]
        raise ValueError(
            f"linear: weight must have shape (out, in) with in = the input's last axis; got "
            f"input {xs} and weight {ws}"
            + (" (a weight laid out as (in, out) needs a transpose)" if transposed else "")
        )
    # one contraction with the weight as stored: no transpose recorded on every call
    batch = "abcdefghijklmnopqrstuvw"[: len(xs) - 1]
    y = contraction.einsum(x, weight, eq=f"{batch}y,zy->{batch}z")
    return y if bias is None else y + bias


def gelu(x, approximate: str = "tanh"):
    """GELU: x·Φ(x) (``approximate="none"``) or its tanh approximation (the default).

    ``"tanh"``: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hendrycks & Gimpel 2016),
    PyTorch's ``gelu(x, approximate='tanh')``, within 5e-4 of the exact form
    and made of core operations. ``"none"``: ½x(1 + erf(x/√2)), PyTorch's
    default; erf is :func:`semigrad.scipy.special.erf`, so it needs SciPy.

    >>> from semigrad.nn import functional as F
    >>> round(float(F.gelu(1.0)), 6), round(float(F.gelu(1.0, approximate="none")), 6)
    (0.841192, 0.841345)
    """
    x = _arg(x)
    if approximate == "none":
        return 0.5 * x * (1.0 + erf(x * math.sqrt(0.5)))
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh'; got {approximate!r}")
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + ops.tanh(inner))


def layer_norm(x, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing ``normalized_shape`` axes, then scale and shift.

    (x − mean) / √(var + eps) · weight + bias, with the biased variance (as
    PyTorch). A composite of mean, subtraction, multiplication and sqrt.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> y = F.layer_norm(np.array([[1.0, 2.0, 3.0]]), 3)
    >>> y.round(4).tolist()
    [[-1.2247, 0.0, 1.2247]]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int | np.integer) else tuple(
        normalized_shape)
    xs = ops.shape(x)
    if not shape or xs[len(xs) - len(shape):] != shape:
        raise ValueError(
            f"layer_norm: normalized_shape {shape} must match the trailing axes of the input "
            f"(shape {xs})"
        )
    axes = tuple(range(-len(shape), 0))
    x = _arg(x)
    centred = x - ops.mean(x, axis=axes, keepdims=True)
    variance = ops.mean(centred * centred, axis=axes, keepdims=True)
    y = centred / ops.sqrt(variance + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def dropout(x, p: float, rng: np.random.Generator, training: bool = True):
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p).

    The mask is drawn from ``rng`` (a NumPy Generator), so runs are
    reproducible. With ``training=False`` or ``p == 0`` it returns ``x``.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> F.dropout(np.ones(6), 0.5, np.random.default_rng(0)).tolist()
    [2.0, 0.0, 0.0, 0.0, 2.0, 2.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1]; got {p}")
    if not training or p == 0.0:
        return x
    x = _arg(x)
    value = _value(x)
    keep = rng.random(np.shape(value)) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    dtype = value.dtype if value.dtype.kind in "fc" else np.float64
    return x * (keep * scale).astype(dtype, copy=False)


def embedding(ids, weight):
    """Rows of ``weight`` picked by the integer array ``ids``: ``weight[ids]``.

    The gradient scatter-adds into the picked rows (repeated ids accumulate).

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> F.embedding(np.array([[0, 2]]), np.arange(6.0).reshape(3, 2)).tolist()
    [[[0.0, 1.0], [4.0, 5.0]]]
    """
    ids, weight = _value(ids), _arg(weight)
    rows = ops.shape(weight)[0]
    if ids.dtype.kind not in "iu":
        raise TypeError(
            f"embedding: ids must be integers; got dtype {ids.dtype} (shape {ids.shape}): "
            "convert with .astype(int)"
        )
    if ids.size and (ids.min() < 0 or ids.max() >= rows):
        raise IndexError(
            f"embedding: ids must be in [0, {rows}) for a table of shape {ops.shape(weight)}; "
            f"got values from {ids.min()} to {ids.max()}"
        )
    return weight[ids]


# ---- losses ------------------------------------------------------------------------


def _same_shape(name, what, x, target, hint):
    """``x`` and ``target`` as values of one shape, or an error naming both shapes."""
    x, target = _arg(x), _arg(target)
    xs, ts = ops.shape(x), ops.shape(target)
    if xs != ts:
        raise ValueError(f"{name}: {what} shape {xs} != target shape {ts}; {hint}")
    return x, target


def mse(prediction, target, reduction: str = "mean"):
    """Squared error (prediction − target)², reduced: the mean squared error by default.

    The shapes must be equal (an (n, 1) prediction against an (n,) target
    would silently broadcast to (n, n) otherwise).

    >>> from semigrad.nn import functional as F
    >>> float(F.mse([1.0, 2.0], [1.0, 4.0]))
    2.0
    """
    _check_reduction("mse", reduction)
    prediction, target = _same_shape("mse", "prediction", prediction, target,
                                     "reshape one of them (e.g. prediction[:, 0] or "
                                     "target[:, None])")
    diff = ops.subtract(prediction, target)
    return _reduce("mse", diff * diff, reduction)


def _labels(name, labels, log_probs_shape):
    labels = _value(labels)
    lead, classes = log_probs_shape[:-1], log_probs_shape[-1]
    if labels.shape != lead:
        raise ValueError(
            f"{name}: integer labels of shape {labels.shape} do not match inputs of shape "
            f"{log_probs_shape}: expected labels of shape {lead} (one per row; classes are on "
            "the last axis)"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"{name}: labels must be in [0, {classes}) for inputs of shape {log_probs_shape}; "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def _pick(log_probs, labels):
    """``log_probs[..., labels]`` element by element: one gather."""
    lead = labels.shape
    rows = tuple(
        np.arange(n).reshape((1,) * k + (n,) + (1,) * (len(lead) - k - 1))
        for k, n in enumerate(lead)
    )
    return log_probs[rows + (labels,)]


def nll(log_probs, target, reduction: str = "mean"):
    """Negative log-likelihood −log_probs[..., target] of integer class labels.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> float(F.nll(np.log([[0.5, 0.5], [0.25, 0.75]]), np.array([0, 1])))
    0.4904146265058631
    """
    _check_reduction("nll", reduction)
    log_probs = _arg(log_probs)
    shape = ops.shape(log_probs)
    if not shape:
        raise ValueError("nll: log_probs must have a class axis; got a scalar")
    labels = _labels("nll", target, shape)
    return _reduce("nll", -_pick(log_probs, labels), reduction)


def cross_entropy(logits, target, reduction: str = "mean"):
    """Cross-entropy of ``logits`` (classes on the last axis) and ``target``.

    ``target`` is either integer class labels (shape ``logits.shape[:-1]``)
    or class probabilities (floats, the shape of ``logits``), as in PyTorch.
    Computed as −Σ target · log_softmax(logits): stable for any magnitude.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> float(F.cross_entropy(np.array([[1000.0, 0.0]]), np.array([1])))
    1000.0
    >>> float(F.cross_entropy(np.array([[0.0, 0.0]]), np.array([[0.5, 0.5]])))
    0.6931471805599453
    """
    _check_reduction("cross_entropy", reduction)
    logits, target = _arg(logits), _arg(target)
    shape = ops.shape(logits)
    if not shape:
        raise ValueError("cross_entropy: logits must have a class axis; got a scalar")
    log_probs = ops.log_softmax(logits, axis=-1)
    kind = _value(target).dtype.kind
    if kind in "iu":
        labels = _labels("cross_entropy", target, shape)
        return _reduce("cross_entropy", -_pick(log_probs, labels), reduction)
    if kind not in "f" or ops.shape(target) != shape:
        raise ValueError(
            f"cross_entropy: target must be integer labels of shape {shape[:-1]} or class "
            f"probabilities of shape {shape}; got dtype {_value(target).dtype}, shape "
            f"{ops.shape(target)}" + (" (labels must be integers: .astype(int))"
                                      if ops.shape(target) == shape[:-1] else "")
        )
    return _reduce("cross_entropy", -ops.sum(target * log_probs, axis=-1), reduction)


def binary_cross_entropy_with_logits(logits, target, reduction: str = "mean"):
    """−[y log σ(x) + (1 − y) log(1 − σ(x))] from logits x, stably.

    Written as max(x, 0) − x·y + log1p(exp(−|x|)). ``maximum`` (not ``relu``)
    matters at x = 0: it gives each argument half the derivative, so the
    gradient there is σ(0) − y = ½ − y as it should be (relu′(0) = 0 would
    give −y).

    >>> from semigrad.nn import functional as F
    >>> float(F.binary_cross_entropy_with_logits([1000.0, -1000.0], [1.0, 0.0]))
    0.0
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    logits, target = _same_shape("binary_cross_entropy_with_logits", "logits", logits, target,
                                 "the targets are one probability per logit")
    losses = (ops.maximum(logits, 0.0) - logits * target
              + ops.log1p(ops.exp(-ops.abs(logits))))
    return _reduce("binary_cross_entropy_with_logits", losses, reduction)


# Attention lives in its own module, which builds on linear and dropout above.
from ._attention_functional import (  # noqa: E402
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
