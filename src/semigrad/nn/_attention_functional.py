"""Attention as functions: scaled dot-product attention and PyTorch's multi-head attention.

Both follow PyTorch's documented semantics (``torch.nn.functional``'s
``scaled_dot_product_attention`` and ``multi_head_attention_forward``) and are
compositions of semigrad operations: two einsums, a softmax and, for the
multi-head form, the projections (:func:`~semigrad.nn.functional.linear`).

**The heads are an explicit axis.** Multi-head attention splits the projected
queries, keys and values into arrays of shape ``(N, H, L, D)`` (batch, head,
position, head width) and contracts them per head
(``einsum('nhld,nhsd->nhls')``), never folding the heads into the batch or
the contraction. So in the scalarised graph (``Graph.scalarize()``) a path from
a value element to an output crosses exactly one head's attention weight
``weights[n, h, l, s]``, and the semiring sweeps (top paths, counts, entropy)
see the heads as they are. The values recorded are named (their graph nodes'
labels) ``{name}.q``, ``{name}.k``, ``{name}.v`` (the per-head projections,
``(N, H, L|S, D)``), ``{name}.scores`` (scaled q·k, ``(N, H, L, S)``, before
the mask), ``{name}.weights`` (after the softmax, ``(N, H, L, S)``) and
``{name}.heads`` (the per-head outputs, ``(N, H, L, D)``): the head a path
crosses is the second index of the element of any of these nodes on it. An
unbatched call has N = 1 in these names. ``{name}.output`` is the output
projection's result, ``(L, N, E)``, where the heads meet again.

These functions are re-exported by :mod:`semigrad.nn.functional`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..tensor import Tensor
from ._arrays import value_of as _value
from .functional import dropout, linear

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]

#: The recorded per-head values, named ``{name}.{part}``: axis 1 of each is the head.
PER_HEAD_PARTS = ("q", "k", "v", "scores", "weights", "heads")



def _named(x, name):
    """Name a recorded value (its graph node's label); plain arrays have no name."""
    if name is not None and isinstance(x, Tensor):
        x.name = name
    return x


def _float_dtype(x):
    dtype = np.result_type(_value(x))
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _additive_mask(op, arg, mask, dtype, true_blocks: bool):
    """A boolean or float mask as what is added to the scores (bool → 0 or −inf).

    ``true_blocks``: whether True means "may not attend" (MultiheadAttention's
    convention) or "may attend" (scaled_dot_product_attention's).
    """
    if mask is None:
        return None
    kind = np.result_type(_value(mask)).kind
    if kind == "b":
        allowed = ~_value(mask) if true_blocks else _value(mask)
        return np.where(allowed, 0.0, -np.inf).astype(dtype)
    if kind == "f":
        return mask if isinstance(mask, Tensor) else np.asarray(mask)
    raise TypeError(
        f"{op}: {arg} must be boolean (True: {'masked' if true_blocks else 'attended'}) or "
        f"floating-point (added to the scores); got dtype {np.result_type(_value(mask))} "
        f"(shape {np.shape(_value(mask))}): convert it with .astype(bool)"
    )


def _attend(q, k, v, bias, dropout_p, rng, scale, name=None):
    """softmax(q·kᵀ·scale + bias)·v over the trailing two axes, the leading ones kept apart."""
    part = (lambda what: None) if name is None else (lambda what: f"{name}.{what}")
    scores = _named(ops.einsum("...le,...se->...ls", q, k) * scale, part("scores"))
    if bias is not None:
        scores = scores + bias
    weights = _named(ops.softmax(scores, axis=-1), part("weights"))
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, np.random.default_rng(rng))
    return _named(ops.einsum("...ls,...sd->...ld", weights, v), part("heads")), weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, *, rng=None):
    """softmax(query·keyᵀ·scale + mask)·value, as PyTorch's ``scaled_dot_product_attention``.

    ``query`` has shape ``(..., L, E)``, ``key`` ``(..., S, E)``, ``value``
    ``(..., S, Ev)``; the result ``(..., L, Ev)``. Leading axes (batch, heads)
    broadcast and are never mixed. ``scale`` defaults to 1/√E.

    ``attn_mask`` broadcasts to ``(..., L, S)``: boolean, **True where the
    query may attend** to the key (the opposite of
    :class:`~semigrad.nn.MultiheadAttention`'s masks, as in PyTorch), or float,
    added to the scores. ``is_causal=True`` lets query ``l`` attend to keys
    ``s <= l`` (the lower triangle of an ``(L, S)`` mask, from the top left)
    and excludes ``attn_mask``. ``dropout_p`` drops attention weights with
    :func:`~semigrad.nn.functional.dropout` (whenever it is positive: pass 0
    in evaluation), masks drawn from ``rng`` (a Generator or a seed). A query
    whose every key is masked gets NaN weights, as in PyTorch.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> q = k = v = np.eye(3)[None]                          # (1, 3, 3)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)[0, 1].round(3).tolist()
    [0.36, 0.64, 0.0]
    """
    op = "scaled_dot_product_attention"
    qs, ks, vs = ops.shape(query), ops.shape(key), ops.shape(value)
    if len(qs) < 2 or len(ks) < 2 or len(vs) < 2:
        raise ValueError(f"{op}: query, key and value must have at least 2 axes (..., length, "
                         f"features); got shapes {qs}, {ks} and {vs}")
    if qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise ValueError(
            f"{op}: query (..., L, E), key (..., S, E) and value (..., S, Ev) must agree in E "
            f"and S; got shapes {qs}, {ks} and {vs}"
        )
    dtype = _float_dtype(query)
    length, source = qs[-2], ks[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: pass either attn_mask or is_causal=True, not both")
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    bias = _additive_mask(op, "attn_mask", attn_mask, dtype, true_blocks=False)
    if bias is not None:
        try:
            np.broadcast_shapes(ops.shape(bias), qs[:-2] + (length, source))
        except ValueError:
            raise ValueError(
                f"{op}: attn_mask of shape {ops.shape(bias)} does not broadcast to the scores' "
                f"shape {qs[:-2] + (length, source)} (..., L, S)"
            ) from None
    scale = 1.0 / math.sqrt(qs[-1]) if scale is None else float(scale)
    return _attend(query, key, value, bias, float(dropout_p), rng, scale)[0]


def multi_head_attention_forward(
    query, key, value, embed_dim_to_check: int, num_heads: int, in_proj_weight, in_proj_bias,
    bias_k, bias_v, add_zero_attn: bool, dropout_p: float, out_proj_weight, out_proj_bias,
    training: bool = True, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
    use_separate_proj_weight: bool = False, q_proj_weight=None, k_proj_weight=None,
    v_proj_weight=None, static_k=None, static_v=None, average_attn_weights: bool = True,
    is_causal: bool = False, *, rng=None, name: str | None = "attn",
):
    """Multi-head attention with PyTorch's arguments and semantics; returns (output, weights).

    Sequence first, as PyTorch's function: ``query`` ``(L, N, E)``, ``key``
    ``(S, N, kdim)``, ``value`` ``(S, N, vdim)``, or unbatched ``(L, E)``,
    ``(S, kdim)``, ``(S, vdim)``. Weights are PyTorch's, laid out ``(out, in)``:
    ``in_proj_weight`` ``(3E, E)`` (q, k, v stacked; needs kdim = vdim = E) or,
    with ``use_separate_proj_weight``, ``q_proj_weight`` ``(E, E)``,
    ``k_proj_weight`` ``(E, kdim)``, ``v_proj_weight`` ``(E, vdim)``;
    ``in_proj_bias`` ``(3E,)``; ``out_proj_weight`` ``(E, E)``. Biases may be None.

    Masks say where a query may **not** attend: ``attn_mask`` ``(L, S)`` or
    ``(N·num_heads, L, S)`` (row ``n·num_heads + h``), ``key_padding_mask``
    ``(N, S)`` (``(S,)`` unbatched), each boolean (True: masked) or float
    (added to the scores). ``is_causal`` is a hint that ``attn_mask`` is the
    causal mask, which must still be given (as in PyTorch). Dropout of the
    attention weights (``dropout_p``, masks from ``rng``) only when
    ``training``.

    The weights returned (None unless ``need_weights``) are ``(N, L, S)``
    averaged over the heads, or ``(N, num_heads, L, S)`` with
    ``average_attn_weights=False`` (without N when unbatched). The per-head
    values are recorded under names starting with ``name`` (see the module's
    doc); ``name=None`` leaves them unnamed.

    ``bias_k`` and ``bias_v`` ``(1, 1, E)`` (PyTorch's ``add_bias_kv``) append
    a learnt key and value to the sequence, ``add_zero_attn`` a key and value
    of zeros in every head; neither is masked. Precomputed keys and values
    ``static_k``, ``static_v`` ``(N·num_heads, S, E/num_heads)`` (row
    ``n·num_heads + h``) replace the projected ones; the masks then refer to
    their length S.

    >>> import numpy as np
    >>> from semigrad.nn import functional as F
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((5, 2, 4))                   # (L, N, E)
    >>> w_in, w_out = rng.standard_normal((12, 4)), rng.standard_normal((4, 4))
    >>> out, weights = F.multi_head_attention_forward(x, x, x, 4, 2, w_in, None, None, None,
    ...                                               False, 0.0, w_out, None)
    >>> out.shape, weights.shape, weights.sum(axis=-1).round(12).tolist()[0]
    ((5, 2, 4), (2, 5, 5), [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    op = "multi_head_attention_forward"
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}: bias_k and bias_v go together (PyTorch's add_bias_kv): pass "
                         "both or neither")
    qs, ks, vs = ops.shape(query), ops.shape(key), ops.shape(value)
    if len(qs) not in (2, 3) or len(ks) != len(qs) or len(vs) != len(qs):
        raise ValueError(
            f"{op}: query, key and value must all be 3-D (length, batch, features) or all 2-D "
            f"(unbatched); got shapes {qs}, {ks} and {vs}"
        )
    batched = len(qs) == 3
    self_attention = query is key and key is value
    statics = {"static_k": static_k, "static_v": static_v}
    given = {label: ops.shape(t) for label, t in statics.items() if t is not None}
    if given and bias_k is not None:
        raise ValueError(f"{op}: bias_k and bias_v cannot be added to precomputed keys and "
                         f"values ({', '.join(given)})")
    lengths = {shape[1] for shape in given.values() if len(shape) == 3}
    if len(lengths) > 1:
        raise ValueError(f"{op}: static_k and static_v must have the same length; got "
                         f"{given['static_k']} and {given['static_v']}")
    # the keys' length: the precomputed ones' where given (the masks are checked against it)
    keys = lengths.pop() if lengths else ks[0]
    if key_padding_mask is not None:
        expected = (ks[1], keys) if batched else (keys,)
        if ops.shape(key_padding_mask) != expected:
            raise ValueError(
                f"{op}: key_padding_mask must have shape {'(N, S)' if batched else '(S,)'} = "
                f"{expected} for key {ks}; got {ops.shape(key_padding_mask)}"
            )
    if not batched:  # one batch element; the batch axis goes again at the end
        query, key, value = (ops.expand_dims(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = ops.expand_dims(key_padding_mask, 0)
        qs, ks, vs = ops.shape(query), ops.shape(key), ops.shape(value)
    length, batch, embed = qs
    source = keys
    num_heads = int(num_heads)
    if embed != embed_dim_to_check:
        raise ValueError(f"{op}: query's last axis has {embed} features; expected "
                         f"embed_dim_to_check = {embed_dim_to_check} (query shape {qs})")
    if num_heads < 1 or embed % num_heads:
        raise ValueError(f"{op}: embed_dim {embed} must be divisible by num_heads {num_heads}")
    if ks[:2] != vs[:2] or ks[1] != batch:
        raise ValueError(
            f"{op}: key {ks} and value {vs} must share their length and batch axes with each "
            f"other and the batch axis with query {qs}"
        )
    head = embed // num_heads
    if len(given) == 1 and source != ks[0]:
        raise ValueError(f"{op}: {', '.join(given)} of length {source} beside a projected "
                         f"{'value' if static_k is not None else 'key'} of length {ks[0]}: "
                         "the keys and values must have one length")
    for label, shape in given.items():
        if shape != (batch * num_heads, source, head):
            raise ValueError(f"{op}: {label} must have shape (N·num_heads, S, E/num_heads) = "
                             f"{(batch * num_heads, source, head)}; got {shape}")

    if use_separate_proj_weight:
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
        expected = ((embed, embed), (embed, ks[-1]), (embed, vs[-1]))
        labels = ("q_proj_weight", "k_proj_weight", "v_proj_weight")
        for label, w, shape in zip(labels, weights, expected):
            if w is None or ops.shape(w) != shape:
                raise ValueError(f"{op}: {label} must have shape {shape} (out, in) for query "
                                 f"{qs}, key {ks} and value {vs}; got "
                                 f"{None if w is None else ops.shape(w)}")
    elif ops.shape(in_proj_weight) != (3 * embed, embed) or ks[-1] != embed or vs[-1] != embed:
        raise ValueError(
            f"{op}: in_proj_weight must have shape (3E, E) = {(3 * embed, embed)} and key "
            f"and value E = {embed} features; got in_proj_weight "
            f"{ops.shape(in_proj_weight)}, key {ks}, value {vs} (for other key/value "
            "widths pass use_separate_proj_weight=True and q/k/v_proj_weight)"
        )
    if in_proj_bias is not None and ops.shape(in_proj_bias) != (3 * embed,):
        raise ValueError(f"{op}: in_proj_bias must have shape {(3 * embed,)}; got "
                         f"{ops.shape(in_proj_bias)}")
    for label, b in (("bias_k", bias_k), ("bias_v", bias_v)):
        if b is not None and ops.shape(b) != (1, 1, embed):
            raise ValueError(f"{op}: {label} must have shape {(1, 1, embed)}; got "
                             f"{ops.shape(b)}")
    dtype = _float_dtype(query)
    thirds = [slice(k * embed, (k + 1) * embed) for k in range(3)]
    if self_attention and not use_separate_proj_weight:
        # one projection for q, k and v, as PyTorch's: the same scalar paths, fewer operations
        packed = linear(query, in_proj_weight, in_proj_bias)
        projected = [packed[..., third] for third in thirds]
    else:
        if not use_separate_proj_weight:
            weights = [in_proj_weight[third] for third in thirds]
        biases = [None if in_proj_bias is None else in_proj_bias[third] for third in thirds]
        projected = [linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]
    if bias_k is not None:  # a learnt key and value after the sequence (PyTorch's add_bias_kv)
        projected[1:] = [ops.concatenate([y, ops.broadcast_to(b, (1, batch, embed))], axis=0)
                         for y, b in zip(projected[1:], (bias_k, bias_v))]
    # (length, N, E) → (N, H, length, D): the heads as their own axis
    q, k, v = (ops.transpose(ops.reshape(y, (ops.shape(y)[0], batch, num_heads, head)),
                             (1, 2, 0, 3)) for y in projected)
    # precomputed keys and values (row n·num_heads + h) replace the projected ones
    if static_k is not None:
        k = ops.reshape(static_k, (batch, num_heads, source, head))
    if static_v is not None:
        v = ops.reshape(static_v, (batch, num_heads, source, head))
    if add_zero_attn:  # and a key and value of zeros, in every head
        zeros = np.zeros((batch, num_heads, 1, head), dtype)
        k, v = (ops.concatenate([y, zeros], axis=2) for y in (k, v))
    q, k, v = (_named(y, None if name is None else f"{name}.{label}")
               for y, label in zip((q, k, v), "qkv"))
    extra = int(bias_k is not None) + int(bool(add_zero_attn))

    def with_extra_keys(mask):  # the added keys are open to every query
        if not extra:
            return mask
        shape = ops.shape(mask)
        return ops.concatenate([mask, np.zeros(shape[:-1] + (extra,), dtype)], axis=-1)

    if is_causal and attn_mask is None:
        raise ValueError(f"{op}: is_causal=True is a hint that attn_mask is the causal mask: "
                         "pass the mask too (sg.nn.generate_square_subsequent_mask(L))")
    bias = _additive_mask(op, "attn_mask", attn_mask, dtype, true_blocks=True)
    if bias is not None:
        shape = ops.shape(bias)
        if shape == (batch * num_heads, length, source):
            bias = ops.reshape(bias, (batch, num_heads, length, source))
        elif shape != (length, source):
            raise ValueError(
                f"{op}: attn_mask must have shape (L, S) = {(length, source)} or "
                f"(N·num_heads, L, S) = {(batch * num_heads, length, source)}; got {shape}"
            )
        bias = with_extra_keys(bias)
    padding = _additive_mask(op, "key_padding_mask", key_padding_mask, dtype, true_blocks=True)
    if padding is not None:
        padding = ops.reshape(with_extra_keys(padding), (batch, 1, 1, source + extra))
        bias = padding if bias is None else bias + padding

    p = float(dropout_p) if training else 0.0
    out, attn = _attend(q, k, v, bias, p, rng, 1.0 / math.sqrt(head), name)
    # (N, H, L, D) → (L, N, E), heads side by side (e = h·D + d) as PyTorch concatenates them
    merged = ops.reshape(ops.transpose(out, (2, 0, 1, 3)), (length, batch, embed))
    output = _named(linear(merged, out_proj_weight, out_proj_bias),
                    None if name is None else f"{name}.output")
    if need_weights:
        attn = ops.mean(attn, axis=1) if average_attn_weights else attn
    else:
        attn = None
    if not batched:
        output = ops.squeeze(output, 1)
        attn = None if attn is None else ops.squeeze(attn, 0)
    return output, attn
