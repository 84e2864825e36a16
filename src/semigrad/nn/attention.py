"""Attention layers: MultiheadAttention, TransformerEncoderLayer and TransformerEncoder.

Each is PyTorch's layer of the same name, with its arguments, its parameter
names and shapes (weights laid out ``(out, in)``) and its initialisation, so
that a PyTorch ``state_dict`` converted to NumPy arrays loads unchanged
(``load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})``).
The computations are those of :mod:`semigrad.nn.functional`
(:func:`~semigrad.nn.functional.multi_head_attention_forward`), with the heads
kept as an explicit axis so that the semiring sweeps see every head's paths
apart. The values an attention layer records are named (graph node labels)
after its attribute path below the module called first, as
:class:`~semigrad.nn.Module` names the outputs of its sub-modules:
``self_attn.weights`` in a TransformerEncoderLayer called on its own,
``layers.2.self_attn.weights`` in a TransformerEncoder (the attention weights,
element ``(n, h, l, s)``: batch, head, query, key); see
:mod:`semigrad.nn._attention_functional` for the list.

Dropout masks come from the ``rng`` each layer is given (a Generator or a
seed), so training runs repeat exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from .. import ops
from . import functional as F
from . import init as initialisers
from ._attention_functional import PER_HEAD_PARTS
from .layers import Dropout, LayerNorm, Linear
from .module import Module, Parameter, module_path

__all__ = [
    "MultiheadAttention",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "generate_square_subsequent_mask",
    "heads_crossed",
]


def generate_square_subsequent_mask(size: int, dtype=np.float64) -> np.ndarray:
    """The causal mask of ``size`` positions: 0 on and below the diagonal, −inf above.

    Added to the scores, it lets position ``l`` attend to positions ``s <= l``
    only (PyTorch's ``nn.Transformer.generate_square_subsequent_mask``).

    >>> import semigrad as sg
    >>> sg.nn.generate_square_subsequent_mask(3).tolist()
    [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
    """
    size = int(size)
    return np.triu(np.full((size, size), -np.inf, dtype=dtype), k=1)


def heads_crossed(path) -> tuple[tuple[str, int], ...]:
    """The attention heads a path (of ``sg.paths``) goes through: ``(attention, head)`` pairs.

    In path order, each once. ``attention`` is the name the layer records its
    values under (``"self_attn"``, ``"layers.1.self_attn"``); the head is read
    from the elements of the per-head values on the path (``{name}.weights``
    and its siblings, axis 1). A path that only takes residual connections
    crosses none.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> attn = sg.nn.MultiheadAttention(4, 2, rng=0)
    >>> graph = sg.trace(lambda x: sg.sum(attn(x, x, x)[0]), np.ones((3, 1, 4)))
    >>> best = sg.paths.top(graph)[0]
    >>> sg.nn.heads_crossed(best)
    (('attn', 1),)
    """
    found: dict[tuple[str, int], None] = {}
    for hop in path.hops:
        for node, element in ((hop.node, hop.element), (hop.to_node, hop.to_element)):
            prefix, _, part = node.rpartition(".")
            if prefix and part in PER_HEAD_PARTS and len(element) == 4:
                found.setdefault((prefix, int(element[1])), None)
    return tuple(found)


class MultiheadAttention(Module):
    """Multi-head attention, PyTorch's ``nn.MultiheadAttention``; returns (output, weights).

    ``layer(query, key, value)`` with ``query`` ``(L, N, E)``, ``key``
    ``(S, N, kdim)``, ``value`` ``(S, N, vdim)`` (``(N, L, E)`` ... with
    ``batch_first=True``; or unbatched ``(L, E)`` ...). Parameters as
    PyTorch's: ``in_proj_weight`` ``(3E, E)`` and ``in_proj_bias`` ``(3E,)``
    when ``kdim == vdim == E``, else ``q_proj_weight`` ``(E, E)``,
    ``k_proj_weight`` ``(E, kdim)``, ``v_proj_weight`` ``(E, vdim)`` and
    ``in_proj_bias``; ``out_proj`` a :class:`~semigrad.nn.Linear` (E → E).
    Initialised as PyTorch's: Glorot uniform input projections, ``out_proj``'s
    weight as a Linear's, every bias zero. ``dropout`` is the probability of
    dropping an attention weight in training mode (masks from ``rng``).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)``: masks and
    weights as :func:`~semigrad.nn.functional.multi_head_attention_forward`
    (True in a boolean mask: may not attend). The values it records are named
    ``{path}.weights`` (element ``(n, h, l, s)``), ... with ``path`` its
    attribute path below the module called first (``layers.1.self_attn``), or
    ``name`` when it is called first itself.
    ``add_bias_kv=True`` adds the parameters ``bias_k`` and ``bias_v``
    ``(1, 1, E)`` (a learnt key and value appended to the sequence; initialised
    N(0, 1/E) as PyTorch's), ``add_zero_attn=True`` a key and value of zeros.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> attn = sg.nn.MultiheadAttention(8, 2, batch_first=True, rng=0)
    >>> [(n, p.shape) for n, p in attn.named_parameters()]
    [('in_proj_weight', (24, 8)), ('in_proj_bias', (24,)), ('out_proj.weight', (8, 8)),
     ('out_proj.bias', (8,))]
    >>> x = np.ones((3, 5, 8))                              # (N, L, E)
    >>> out, weights = attn(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, *, rng=None,
                 dtype=np.float64, name: str = "attn"):
        embed_dim, num_heads = int(embed_dim), int(num_heads)
        if embed_dim < 1 or num_heads < 1 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive multiple of "
                f"num_heads ({num_heads}): each head gets embed_dim // num_heads features"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1]; got {dropout}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = embed_dim if kdim is None else int(kdim)
        self.vdim = embed_dim if vdim is None else int(vdim)
        self.head_dim = embed_dim // num_heads
        self.dropout, self.batch_first, self.name = float(dropout), bool(batch_first), name
        self.rng = np.random.default_rng(rng)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim

        # Drawn laid out for x @ W, as sg.nn.init does, and kept transposed (out, in):
        # Glorot's bound is symmetric in the fans, so this is PyTorch's xavier_uniform_.
        def glorot(fan_in, fan_out):
            drawn = initialisers.glorot_uniform(self.rng, (fan_in, fan_out), dtype)
            return Parameter(np.ascontiguousarray(drawn.T))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = glorot(embed_dim, 3 * embed_dim)
        else:
            self.q_proj_weight = glorot(embed_dim, embed_dim)
            self.k_proj_weight = glorot(self.kdim, embed_dim)
            self.v_proj_weight = glorot(self.vdim, embed_dim)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype)) if bias else None
        if add_bias_kv:
            # PyTorch's xavier_normal_ on a (1, 1, E) array counts E as both fans: std √(1/E)
            std = np.sqrt(1.0 / embed_dim)
            self.bias_k, self.bias_v = (
                Parameter((self.rng.standard_normal((1, 1, embed_dim)) * std).astype(dtype))
                for _ in range(2))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, rng=self.rng, dtype=dtype)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        batched = ops.ndim(query) == 3
        if self.batch_first and batched:
            if query is key and key is value:  # still one array: self-attention
                query = key = value = ops.swapaxes(query, 0, 1)
            else:
                query, key, value = (ops.swapaxes(t, 0, 1) for t in (query, key, value))
        separate = not self._qkv_same_embed_dim
        output, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads,
            None if separate else self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
            self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight if separate else None,
            k_proj_weight=self.k_proj_weight if separate else None,
            v_proj_weight=self.v_proj_weight if separate else None,
            average_attn_weights=average_attn_weights, is_causal=is_causal, rng=self.rng,
            name=self._path(),
        )
        if self.batch_first and batched:
            output = ops.swapaxes(output, 0, 1)
        return output, weights

    def _path(self) -> str:
        """Where this layer sits below the module called first, else its ``name``."""
        return module_path(self) or self.name

    def extra_repr(self) -> str:
        dims = "" if self._qkv_same_embed_dim else f", kdim={self.kdim}, vdim={self.vdim}"
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}{dims}, "
                f"dropout={self.dropout:g}, batch_first={self.batch_first}")


def _gelu_exact(x):
    return F.gelu(x, approximate="none")


_ACTIVATIONS = {"relu": ops.relu, "gelu": _gelu_exact}


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each residual: PyTorch's layer of that name.

    With ``norm_first=False`` (post-norm, the default)::

        x = norm1(x + dropout1(self_attn(x, x, x)))
        x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))

    and with ``norm_first=True`` (pre-norm) ``x = x + dropout1(self_attn(norm1(x), ...))``,
    ``x = x + dropout2(linear2(...(norm2(x))))``. The sub-modules and their
    parameters have PyTorch's names (``self_attn``, ``linear1``, ``dropout``,
    ``linear2``, ``norm1``, ``norm2``, ``dropout1``, ``dropout2``).
    ``activation`` is ``"relu"``, ``"gelu"`` (the exact x·Φ(x), as PyTorch's;
    it needs SciPy for erf) or a function. ``bias=False`` drops every bias,
    the LayerNorms' included. All dropout masks come from ``rng``.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``:
    ``src`` ``(S, N, d_model)`` (``(N, S, d_model)`` with ``batch_first``) or
    unbatched ``(S, d_model)``; the masks as
    :class:`MultiheadAttention`'s ``attn_mask`` and ``key_padding_mask``.

    What it records is named by the sub-modules computing it (see
    :class:`~semigrad.nn.Module`): ``linear1:Linear`` (before the activation),
    ``norm1:LayerNorm`` ..., and ``self_attn.weights`` and the other per-head
    values of :class:`MultiheadAttention`; in a TransformerEncoder, with
    ``layers.{i}.`` in front.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> layer = sg.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, rng=0).eval()
    >>> layer(np.ones((5, 3, 8))).shape
    (5, 3, 8)
    >>> [n for n, _ in layer.named_parameters()][:4]
    ['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight',
     'self_attn.out_proj.bias']
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, *, rng=None, dtype=np.float64):
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(
                    f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a function; "
                    f"got {activation!r}"
                )
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(
                f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a function; got "
                f"a {type(activation).__name__}"
            )
        rng = np.random.default_rng(rng)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, rng=rng, dtype=dtype,
                                            name="self_attn")
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=rng, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        x = src
        if self.norm_first:
            x = x + self._attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attention(self, x, mask, key_padding_mask, is_causal):
        out, _ = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)
        return self.dropout1(out)

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def extra_repr(self) -> str:
        return f"norm_first={self.norm_first}"


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    PyTorch's ``nn.TransformerEncoder``: the copies are deep copies (their own
    parameters, equal at the start), named ``layers.0``, ``layers.1``, ...;
    each copy draws its dropout masks from its own Generator, spawned from the
    original layer's. ``forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None)`` passes the masks to every layer. What layer ``i`` records
    is named ``layers.{i}.self_attn.weights``, ``layers.{i}.linear1:Linear``, ...
    (see :class:`TransformerEncoderLayer`).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> layer = sg.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, rng=0)
    >>> encoder = sg.nn.TransformerEncoder(layer, 3).eval()
    >>> encoder(np.ones((5, 3, 8))).shape
    (5, 3, 8)
    >>> [n for n, _ in encoder.named_parameters()][-2:]
    ['layers.2.norm2.weight', 'layers.2.norm2.bias']
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None):
        if int(num_layers) < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be positive; got {num_layers}")
        self.layers = [_copy_with_fresh_state(encoder_layer) for _ in range(int(num_layers))]
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


def _copy_with_fresh_state(module: Module) -> Module:
    """A deep copy of ``module`` with new parameters and new dropout Generators.

    A plain deep copy would give parameter Tensors the originals' identities
    (their recording order) and Generators the originals' state (every copy
    would drop the same elements). Shared objects stay shared in the copy.
    """
    memo: dict[int, object] = {}
    for m in module.modules():
        for value in vars(m).values():
            if isinstance(value, np.random.Generator) and id(value) not in memo:
                memo[id(value)] = value.spawn(1)[0]
    for _, p in module.named_parameters():  # a parameter held twice gets one new one
        memo[id(p)] = Parameter(p.value)
    return copy.deepcopy(module, memo)
