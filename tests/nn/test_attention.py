"""Attention: sg.nn's MultiheadAttention, Transformer encoder and their functional forms.

Against PyTorch (float64, evaluation mode) over a table of configurations:
outputs, attention weights and the gradients of every input and parameter,
with PyTorch's ``state_dict`` loaded unchanged. Without PyTorch: second-order
gradients through ``check_grads``, the heads' paths against brute-force
enumeration, dropout's reproducibility, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
import semigrad.nn as nn
from semigrad.nn import functional as F
from semigrad.semiring.paths import enumerate_paths

E, H, L, S, N = 6, 3, 4, 5, 2
TOL = dict(rtol=1e-10, atol=1e-12)


def normal(rng, *shape):
    return rng.standard_normal(shape)


def bool_mask(rng, *shape):
    """A random boolean mask (True: masked) that leaves key 0 open to every query."""
    mask = rng.random(shape) < 0.4
    mask[..., 0] = False
    return mask


def float_mask(rng, *shape):
    return rng.standard_normal(shape)


# ---- MultiheadAttention against PyTorch -------------------------------------------------

# (id, constructor arguments, forward arguments; "x" a self-attention input; "unbatched")
MHA_CASES = [
    ("self-attention", {}, {"self": True}),
    ("cross-attention", {}, {}),
    ("batch_first", {"batch_first": True}, {}),
    ("unbatched", {}, {"unbatched": True}),
    ("unbatched batch_first", {"batch_first": True}, {"unbatched": True}),
    ("bool attn_mask (L, S)", {}, {"attn_mask": lambda r: bool_mask(r, L, S)}),
    ("float attn_mask (L, S)", {}, {"attn_mask": lambda r: float_mask(r, L, S)}),
    ("bool attn_mask (N*H, L, S)", {}, {"attn_mask": lambda r: bool_mask(r, N * H, L, S)}),
    ("float attn_mask (N*H, L, S)", {}, {"attn_mask": lambda r: float_mask(r, N * H, L, S)}),
    ("bool key_padding_mask", {}, {"key_padding_mask": lambda r: bool_mask(r, N, S)}),
    ("float key_padding_mask", {}, {"key_padding_mask": lambda r: float_mask(r, N, S)}),
    ("both masks bool", {"batch_first": True},
     {"attn_mask": lambda r: bool_mask(r, L, S), "key_padding_mask": lambda r: bool_mask(r, N, S)}),
    ("both masks float", {},
     {"attn_mask": lambda r: float_mask(r, N * H, L, S),
      "key_padding_mask": lambda r: float_mask(r, N, S)}),
    ("unbatched masks", {},
     {"unbatched": True, "attn_mask": lambda r: bool_mask(r, H, L, S),
      "key_padding_mask": lambda r: bool_mask(r, S)}),
    ("causal", {}, {"self": True, "is_causal": True,
                    "attn_mask": lambda r: nn.generate_square_subsequent_mask(L)}),
    ("kdim and vdim", {"kdim": 4, "vdim": 7}, {}),
    ("kdim and vdim, masks", {"kdim": 4, "vdim": 7, "batch_first": True},
     {"attn_mask": lambda r: bool_mask(r, L, S), "key_padding_mask": lambda r: bool_mask(r, N, S)}),
    ("no bias", {"bias": False}, {}),
    ("weights per head", {}, {"average_attn_weights": False}),
    ("weights per head unbatched", {}, {"unbatched": True, "average_attn_weights": False}),
    ("add_bias_kv", {"add_bias_kv": True}, {}),
    ("add_zero_attn", {"add_zero_attn": True}, {"self": True}),
    ("add_bias_kv and add_zero_attn, masks", {"add_bias_kv": True, "add_zero_attn": True},
     {"attn_mask": lambda r: float_mask(r, N * H, L, S),
      "key_padding_mask": lambda r: float_mask(r, N, S)}),
    ("add_bias_kv, kdim, unbatched, bool masks", {"add_bias_kv": True, "kdim": 4, "vdim": 7},
     {"unbatched": True, "attn_mask": lambda r: bool_mask(r, L, S),
      "key_padding_mask": lambda r: bool_mask(r, S)}),
    ("need_weights=False", {}, {"need_weights": False}),
    ("need_weights=False with masks", {},
     {"need_weights": False, "attn_mask": lambda r: bool_mask(r, L, S),
      "key_padding_mask": lambda r: bool_mask(r, N, S)}),
]


def _mha_inputs(rng, ctor, fwd):
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    if fwd.get("self"):
        x = normal(rng, L, N, E)
        q = k = v = x
    else:
        q, k, v = normal(rng, L, N, E), normal(rng, S, N, kdim), normal(rng, S, N, vdim)
    if fwd.get("unbatched"):
        q, k, v = q[:, 0], k[:, 0], v[:, 0]
    elif ctor.get("batch_first"):
        q, k, v = (a.swapaxes(0, 1) for a in (q, k, v))
    masks = {name: fwd[name](rng) for name in ("attn_mask", "key_padding_mask") if name in fwd}
    options = {name: fwd[name] for name in ("need_weights", "average_attn_weights", "is_causal")
               if name in fwd}
    return (q, k, v), masks, options, bool(fwd.get("self"))


def _torch_state(torch, module):
    """``module``'s state_dict as NumPy arrays, after drawing every parameter at random
    (PyTorch starts biases and LayerNorms at 0 and 1, which would hide their mistakes)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + 0.1)
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def _compare(torch, ours, theirs, inputs, kwargs, self_attention=False, pick=lambda r: r):
    """Run both modules on ``inputs``; compare results and every gradient."""
    rng = np.random.default_rng(1)
    t_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    s_in = [sg.tensor(a, requires_grad=True) for a in inputs]
    if self_attention:  # one tensor as query, key and value
        t_in, s_in = t_in[:1] * 3, s_in[:1] * 3
    t_kwargs = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                for k, v in kwargs.items()}
    t_out = [r for r in pick(theirs(*t_in, **t_kwargs)) if r is not None]
    s_out = [r for r in pick(ours(*s_in, **kwargs)) if r is not None]
    assert len(t_out) == len(s_out)
    t_loss, s_loss = 0.0, 0.0
    for t, s in zip(t_out, s_out):
        assert s.shape == tuple(t.shape)
        np.testing.assert_allclose(s.numpy(), t.detach().numpy(), **TOL)
        seed = rng.standard_normal(s.shape)
        t_loss = t_loss + (t * torch.from_numpy(seed)).sum()
        s_loss = s_loss + sg.sum(s * seed)
    t_loss.backward()
    s_loss.backward()
    for t, s in zip(t_in, s_in):
        np.testing.assert_allclose(s.grad, t.grad.numpy(), **TOL)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, t_params[name].grad.numpy(), **TOL, err_msg=name)
    return s_out


@pytest.mark.parametrize("case", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_against_torch(case):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    _, ctor, fwd = case
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **ctor).eval()
    ours = nn.MultiheadAttention(E, H, rng=0, **ctor).eval()
    state = _torch_state(torch, theirs)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in state.items()]
    ours.load_state_dict(state)
    inputs, masks, options, self_attention = _mha_inputs(np.random.default_rng(2), ctor, fwd)
    out, *weights = _compare(torch, ours, theirs, inputs, {**masks, **options}, self_attention)
    if options.get("need_weights", True):
        per_head = not options.get("average_attn_weights", True)
        unbatched = fwd.get("unbatched")
        keys = (L if self_attention else S) + ctor.get("add_bias_kv", 0) + ctor.get(
            "add_zero_attn", 0)
        expected = ((H,) if per_head else ()) + (L, keys)
        assert weights[0].shape == (() if unbatched else (N,)) + expected
    else:
        assert not weights


# ---- TransformerEncoderLayer and TransformerEncoder against PyTorch -----------------------

D_MODEL, NHEAD, FF = 8, 2, 12

# (id, constructor arguments, forward arguments)
ENCODER_CASES = [
    ("post-norm relu", {}, {}),
    ("pre-norm relu", {"norm_first": True}, {}),
    ("gelu", {"activation": "gelu"}, {}),
    ("pre-norm gelu batch_first", {"activation": "gelu", "norm_first": True, "batch_first": True},
     {}),
    ("unbatched", {}, {"unbatched": True}),
    ("no bias", {"bias": False}, {}),
    ("src_mask bool", {}, {"src_mask": lambda r: bool_mask(r, L, L)}),
    ("src_mask float (N*H, L, L)", {}, {"src_mask": lambda r: float_mask(r, N * NHEAD, L, L)}),
    ("key padding bool", {"batch_first": True},
     {"src_key_padding_mask": lambda r: bool_mask(r, N, L)}),
    ("causal with key padding", {"norm_first": True},
     {"src_mask": lambda r: nn.generate_square_subsequent_mask(L), "is_causal": True,
      "src_key_padding_mask": lambda r: float_mask(r, N, L)}),
    ("layer_norm_eps", {"layer_norm_eps": 1e-3}, {}),
]


def _encoder_inputs(rng, ctor, fwd):
    x = normal(rng, L, N, D_MODEL)
    if fwd.get("unbatched"):
        x = x[:, 0]
    elif ctor.get("batch_first"):
        x = x.swapaxes(0, 1)
    kwargs = {k: (v(rng) if callable(v) else v) for k, v in fwd.items() if k != "unbatched"}
    return x, kwargs


@pytest.mark.parametrize("case", ENCODER_CASES, ids=[c[0] for c in ENCODER_CASES])
def test_transformer_encoder_layer_against_torch(case):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    _, ctor, fwd = case
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dtype=torch.float64,
                                              **ctor).eval()
    ours = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, rng=0, **ctor).eval()
    state = _torch_state(torch, theirs)
    assert list(ours.state_dict()) == list(state)  # the same names, in the same order
    ours.load_state_dict(state)
    x, kwargs = _encoder_inputs(np.random.default_rng(3), ctor, fwd)
    _compare(torch, ours, theirs, [x], kwargs, pick=lambda r: [r])


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_against_torch(norm_first):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, norm_first=norm_first,
                                             dtype=torch.float64)
    theirs = torch.nn.TransformerEncoder(
        layer, 3, norm=torch.nn.LayerNorm(D_MODEL, dtype=torch.float64),
        enable_nested_tensor=False).eval()
    ours = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, norm_first=norm_first, rng=0), 3,
        norm=nn.LayerNorm(D_MODEL)).eval()
    state = _torch_state(torch, theirs)
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)
    rng = np.random.default_rng(4)
    x = normal(rng, L, N, D_MODEL)
    kwargs = {"mask": nn.generate_square_subsequent_mask(L),  # PyTorch warns of mixed types
              "src_key_padding_mask": np.where(bool_mask(rng, N, L), -np.inf, 0.0)}
    _compare(torch, ours, theirs, [x], kwargs, pick=lambda r: [r])


def test_functional_forms_against_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    tf = torch.nn.functional
    rng = np.random.default_rng(5)
    q, k, v = normal(rng, N, H, L, 3), normal(rng, N, H, S, 3), normal(rng, N, H, S, 4)
    t = torch.from_numpy
    for kwargs in ({}, {"scale": 0.3}, {"attn_mask": ~bool_mask(rng, L, S)},
                   {"attn_mask": float_mask(rng, N, 1, L, S)},
                   {"is_causal": True}):  # L < S: the lower triangle from the top left
        t_kwargs = {key: t(a) if isinstance(a, np.ndarray) else a for key, a in kwargs.items()}
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, **kwargs),
                                   tf.scaled_dot_product_attention(t(q), t(k), t(v), **t_kwargs),
                                   **TOL)
    # precomputed keys and values (static_k, static_v) in place of the projected ones
    e, heads, n = 4, 2, 3
    x = normal(rng, L, n, e)
    w_in, b_in, w_out = normal(rng, 3 * e, e), normal(rng, 3 * e), normal(rng, e, e)
    static_k, static_v = normal(rng, n * heads, S, e // heads), normal(rng, n * heads, S, 2)
    padding = bool_mask(rng, n, S)
    ours = F.multi_head_attention_forward(x, x, x, e, heads, w_in, b_in, None, None, False, 0.0,
                                          w_out, None, key_padding_mask=padding,
                                          static_k=static_k, static_v=static_v,
                                          average_attn_weights=False)
    theirs = tf.multi_head_attention_forward(t(x), t(x), t(x), e, heads, t(w_in), t(b_in), None,
                                             None, False, 0.0, t(w_out), None,
                                             key_padding_mask=t(padding), static_k=t(static_k),
                                             static_v=t(static_v), average_attn_weights=False)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), **TOL)


# ---- without PyTorch -----------------------------------------------------------------------


def test_parameters_names_shapes_and_initialisation():
    attn = nn.MultiheadAttention(16, 4, rng=0)
    assert [(n, p.shape) for n, p in attn.named_parameters()] == [
        ("in_proj_weight", (48, 16)), ("in_proj_bias", (48,)),
        ("out_proj.weight", (16, 16)), ("out_proj.bias", (16,))]
    assert np.abs(attn.in_proj_weight.value).max() <= np.sqrt(6 / (16 + 48))  # Glorot (3E, E)
    assert not attn.in_proj_bias.value.any() and not attn.out_proj.bias.value.any()
    with_kv = nn.MultiheadAttention(16, 4, add_bias_kv=True, rng=0)
    assert [n for n, _ in with_kv.named_parameters()] == [  # PyTorch's order
        "in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"]
    assert with_kv.bias_k.shape == (1, 1, 16)
    cross = nn.MultiheadAttention(16, 4, kdim=5, vdim=7, bias=False, rng=0)
    assert [(n, p.shape) for n, p in cross.named_parameters()] == [
        ("q_proj_weight", (16, 16)), ("k_proj_weight", (16, 5)), ("v_proj_weight", (16, 7)),
        ("out_proj.weight", (16, 16))]
    layer = nn.TransformerEncoderLayer(8, 2, 12, bias=False, rng=0)
    assert [n for n, _ in layer.named_parameters()] == [
        "self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight",
        "linear2.weight", "norm1.weight", "norm2.weight"]
    assert nn.MultiheadAttention(16, 4, rng=3).state_dict().keys() == attn.state_dict().keys()
    np.testing.assert_array_equal(nn.MultiheadAttention(16, 4, rng=0).in_proj_weight.value,
                                  attn.in_proj_weight.value)


def _mha_function(num_heads, mask=None, padding=None):
    def f(x, w_in, b_in, w_out, b_out):
        out, weights = F.multi_head_attention_forward(
            x, x, x, 4, num_heads, w_in, b_in, None, None, False, 0.0, w_out, b_out,
            attn_mask=mask, key_padding_mask=padding, average_attn_weights=False)
        return out, weights
    return f


def test_second_order_gradients_of_a_tiny_multihead_attention():
    rng = np.random.default_rng(6)
    args = (normal(rng, 3, 2, 4), normal(rng, 12, 4) * 0.5, normal(rng, 12),
            normal(rng, 4, 4) * 0.5, normal(rng, 4))
    sg.check_grads(_mha_function(2, mask=float_mask(rng, 3, 3)), args, modes=("rev", "fwd"),
                   order=2)
    sg.check_grads(_mha_function(2, padding=np.array([[False, True, False], [False] * 3])),
                   args, modes=("rev", "fwd"), order=2)

    def with_bias_kv(x, w_in, b_in, w_out, b_out, bias_k, bias_v):
        return F.multi_head_attention_forward(
            x, x, x, 4, 2, w_in, b_in, bias_k, bias_v, True, 0.0, w_out, b_out,
            attn_mask=np.triu(np.ones((3, 3), bool), 1))

    sg.check_grads(with_bias_kv, args + (normal(rng, 1, 1, 4), normal(rng, 1, 1, 4)),
                   modes=("rev", "fwd"), order=2)


def test_scaled_dot_product_attention_gradients_and_broadcasting():
    rng = np.random.default_rng(7)
    q, k, v = normal(rng, 2, 1, 3, 2), normal(rng, 1, 2, 4, 2), normal(rng, 4, 3)
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 2, 3, 3)
    scores = np.einsum("...le,...se->...ls", q, k) / np.sqrt(2)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    np.testing.assert_allclose(out, weights @ v, rtol=1e-12)
    sg.check_grads(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=False),
                   (q, k, v), modes=("rev", "fwd"), order=2)


def test_every_path_crosses_one_head_and_the_top_path_is_the_best_enumerated():
    rng = np.random.default_rng(8)
    attn = nn.MultiheadAttention(4, 2, rng=0)
    attn.in_proj_bias.value[:] = normal(rng, 12)

    def f(x):
        return sg.sum(attn(x, x, x, need_weights=False)[0])

    graph = sg.trace(f, normal(rng, 2, 1, 4))
    per_head = {f"attn.{part}" for part in ("q", "k", "v", "scores", "weights", "heads")}
    assert per_head | {"attn.output"} <= {n.label for n in graph.nodes}
    everything = enumerate_paths(graph, limit=200_000)
    assert len(everything) == sg.paths.count(graph, 0).sum()
    for path in everything:
        # the head is the second index of the element of every per-head node on the path
        heads = {element[1] for hop in path.hops
                 for node, element in ((hop.node, hop.element), (hop.to_node, hop.to_element))
                 if node in per_head}
        assert len(heads) == 1
        assert nn.heads_crossed(path) == (("attn", heads.pop()),)
    ranked = sorted((abs(p.weight) for p in everything), reverse=True)
    best = sg.paths.top(graph, k=3)
    assert [abs(p.weight) for p in best] == pytest.approx(ranked[:3], rel=1e-12)
    np.testing.assert_allclose(graph.backprop(sg.semirings.MaxProduct())[0].max(), ranked[0],
                               rtol=1e-12)
    crossed = [hop for hop in best[0].hops if hop.to_node == "attn.weights"
               or hop.node == "attn.weights"]
    assert crossed and len({hop.element[1] if hop.node == "attn.weights"
                            else hop.to_element[1] for hop in crossed}) == 1


def test_encoder_layers_are_named_by_path_and_own_their_parameters_and_generators():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.5, rng=0)
    encoder = nn.TransformerEncoder(layer, 2)
    first, second = encoder.layers
    graph = sg.trace(lambda x: sg.sum(layer.eval()(x)), np.ones((3, 1, 4)))
    labels = {n.label for n in graph.nodes}
    assert {"self_attn.weights", "self_attn.heads", "linear1:Linear", "norm2:LayerNorm"} <= labels
    graph = sg.trace(lambda x: sg.sum(layer.self_attn(x, x, x)[0]), np.ones((3, 1, 4)))
    assert "self_attn.weights" in {n.label for n in graph.nodes}  # called first: its name
    for a, b in zip(first.parameters(), second.parameters()):
        assert a is not b and a.value is not b.value
        np.testing.assert_array_equal(a.value, b.value)
    # one Generator per layer, shared by its dropouts as in the original, distinct between layers
    assert first.dropout.rng is first.dropout1.rng is first.self_attn.rng
    assert first.dropout.rng is not second.dropout.rng
    assert first.dropout.rng.random() != second.dropout.rng.random()
    encoder.eval()
    graph = sg.trace(lambda x: sg.sum(encoder(x) * np.arange(12.0).reshape(3, 1, 4)),
                     np.random.default_rng(0).standard_normal((3, 1, 4)))
    labels = {n.label for n in graph.nodes}
    assert {"layers.0.self_attn.weights", "layers.1.self_attn.weights",
            "layers.0.linear1:Linear", "layers.1.norm2:LayerNorm"} <= labels
    crossed = [nn.heads_crossed(p) for p in sg.paths.top(graph, k=200)]
    for heads in crossed:  # at most one head of each layer, the layers in order
        assert [name for name, _ in heads] in ([], ["layers.0.self_attn"],
                                               ["layers.1.self_attn"],
                                               ["layers.0.self_attn", "layers.1.self_attn"])
    assert {name for heads in crossed for name, _ in heads} == {"layers.0.self_attn",
                                                                "layers.1.self_attn"}


def test_dropout_in_training_mode_repeats_with_the_seed():
    x = normal(np.random.default_rng(9), 5, 2, 8)

    def run(seed):
        attn = nn.MultiheadAttention(8, 2, dropout=0.5, rng=seed)
        return attn(x, x, x, average_attn_weights=False)

    (out_a, w_a), (out_b, w_b) = run(0), run(0)
    np.testing.assert_array_equal(out_a.numpy(), out_b.numpy())
    np.testing.assert_array_equal(w_a.numpy(), w_b.numpy())
    dropped = w_a.numpy() == 0.0
    assert dropped.any() and not dropped.all()  # weights dropped and the rest scaled by 2
    assert not np.array_equal(run(1)[0].numpy(), out_a.numpy())
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, rng=4)
    again = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, rng=4)
    np.testing.assert_array_equal(layer(x).numpy(), again(x).numpy())
    np.testing.assert_array_equal(layer.eval()(x).numpy(), again.eval()(x).numpy())
    assert not np.allclose(layer(x).numpy(), layer.train()(x).numpy())


def test_plain_arrays_in_plain_arrays_out():
    x = np.ones((2, 3, 4))
    out = F.scaled_dot_product_attention(x, x, x)
    assert isinstance(out, np.ndarray)
    assert nn.generate_square_subsequent_mask(2).dtype == np.float64


ERRORS = [
    (lambda: nn.MultiheadAttention(6, 4), ValueError,
     r"embed_dim \(6\) must be a positive multiple of num_heads \(4\)"),
    (lambda: nn.MultiheadAttention(6, 2, dropout=1.5), ValueError, "dropout must be in"),
    (lambda: nn.TransformerEncoderLayer(6, 2, activation="swish"), ValueError,
     "activation must be 'relu', 'gelu' or a function; got 'swish'"),
    (lambda: nn.TransformerEncoderLayer(6, 2, activation=3), TypeError,
     "activation must be 'relu', 'gelu' or a function; got a int"),
    (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(6, 2, rng=0), 0), ValueError,
     "num_layers must be positive"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((5, 2, 6)),
                                                np.ones((5, 2, 6)), attn_mask=np.ones((4, 4))),
     ValueError, r"attn_mask must have shape \(L, S\) = \(4, 5\) or \(N·num_heads, L, S\) = "
                 r"\(4, 4, 5\); got \(4, 4\)"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((5, 2, 6)),
                                                np.ones((5, 2, 6)),
                                                key_padding_mask=np.zeros((5, 2), bool)),
     ValueError, r"key_padding_mask must have shape \(N, S\) = \(2, 5\) for key \(5, 2, 6\); "
                 r"got \(5, 2\)"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 6)), np.ones((5, 6)),
                                                np.ones((5, 6)), key_padding_mask=np.zeros(4)),
     ValueError, r"key_padding_mask must have shape \(S,\) = \(5,\)"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((5, 2, 6)),
                                                np.ones((5, 2, 6)),
                                                attn_mask=np.zeros((4, 5), int)),
     TypeError, "attn_mask must be boolean .* or floating-point .*; got dtype int64"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((5, 2, 4)),
                                                np.ones((5, 2, 6))),
     ValueError, r"in_proj_weight must have shape \(3E, E\) .* pass use_separate_proj_weight"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((5, 6)),
                                                np.ones((5, 6))),
     ValueError, "must all be 3-D"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 5)), np.ones((4, 2, 5)),
                                                np.ones((4, 2, 5))),
     ValueError, "query's last axis has 5 features; expected embed_dim_to_check = 6"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((5, 3, 6)),
                                                np.ones((5, 3, 6))),
     ValueError, "must share their length and batch axes"),
    (lambda: nn.MultiheadAttention(6, 2, rng=0)(np.ones((4, 2, 6)), np.ones((4, 2, 6)),
                                                np.ones((4, 2, 6)), is_causal=True),
     ValueError, "is_causal=True is a hint that attn_mask is the causal mask"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)),
                                            attn_mask=np.ones((2, 2), bool), is_causal=True),
     ValueError, "either attn_mask or is_causal=True"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 2)), np.ones((4, 3))),
     ValueError, r"must agree in E and S; got shapes \(2, 3\), \(4, 2\) and \(4, 3\)"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 3)),
                                            attn_mask=np.ones((3, 4), bool)),
     ValueError, r"attn_mask of shape \(3, 4\) does not broadcast to the scores' shape \(2, 4\)"),
    (lambda: F.scaled_dot_product_attention(np.ones(3), np.ones((4, 3)), np.ones((4, 3))),
     ValueError, "at least 2 axes"),
    (lambda: F.multi_head_attention_forward(np.ones((2, 1, 4)), np.ones((2, 1, 4)),
                                            np.ones((2, 1, 4)), 4, 2, np.ones((12, 4)), None,
                                            np.ones(4), None, False, 0.0, np.ones((4, 4)), None),
     ValueError, "bias_k and bias_v go together"),
    (lambda: F.multi_head_attention_forward(np.ones((2, 1, 4)), np.ones((2, 1, 4)),
                                            np.ones((2, 1, 4)), 4, 2, np.ones((12, 4)), None,
                                            np.ones(4), np.ones(4), False, 0.0, np.ones((4, 4)),
                                            None),
     ValueError, r"bias_k must have shape \(1, 1, 4\); got \(4,\)"),
    (lambda: F.multi_head_attention_forward(np.ones((2, 1, 4)), np.ones((2, 1, 4)),
                                            np.ones((2, 1, 4)), 4, 2, np.ones((12, 4)), None,
                                            None, None, False, 0.0, np.ones((4, 4)), None,
                                            static_k=np.ones((2, 2, 3))),
     ValueError, r"static_k must have shape \(N·num_heads, S, E/num_heads\) = \(2, 2, 2\); "
                 r"got \(2, 2, 3\)"),
    (lambda: F.multi_head_attention_forward(np.ones((2, 1, 4)), np.ones((2, 1, 4)),
                                            np.ones((2, 1, 4)), 4, 2, np.ones((12, 4)), None,
                                            None, None, False, 0.0, np.ones((4, 4)), None,
                                            static_v=np.ones((2, 5, 2))),
     ValueError, "static_v of length 5 beside a projected key of length 2"),
    (lambda: F.multi_head_attention_forward(np.ones((2, 1, 4)), np.ones((2, 1, 4)),
                                            np.ones((2, 1, 4)), 4, 2, np.ones((12, 4)), None,
                                            np.ones((1, 1, 4)), np.ones((1, 1, 4)), False, 0.0,
                                            np.ones((4, 4)), None, static_k=np.ones((2, 2, 2))),
     ValueError, "bias_k and bias_v cannot be added to precomputed keys"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[c[2][:40] for c in ERRORS])
def test_errors_name_the_operation_argument_and_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_functional_face_equals_the_eager_one_and_activations_may_be_functions():
    layer = nn.TransformerEncoderLayer(4, 2, 6, activation=sg.tanh, rng=0)
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4)).eval()
    x = normal(np.random.default_rng(10), 3, 2, 4)
    mask = nn.generate_square_subsequent_mask(3)

    def loss(params, x):
        return sg.sum(nn.functional_call(encoder, params, x, mask=mask) ** 2)

    value, grads = sg.value_and_grad(loss)(encoder.state_dict(), x)
    eager = sg.sum(encoder(x, mask=mask) ** 2)
    eager.backward()
    assert float(value) == pytest.approx(float(eager), rel=1e-12)
    for name, p in encoder.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad, rtol=1e-10, atol=1e-12, err_msg=name)
    relu = nn.TransformerEncoderLayer(4, 2, 6, activation=nn.ReLU(), rng=0).eval()
    np.testing.assert_allclose(relu(x).numpy(),
                               nn.TransformerEncoderLayer(4, 2, 6, rng=0).eval()(x).numpy())
    assert not np.allclose(relu(x).numpy(), layer.eval()(x).numpy())


def test_attention_in_a_model_of_ones_own_is_named_by_its_path():
    class Block(nn.Module):
        def __init__(self):
            self.mixer = nn.MultiheadAttention(4, 2, batch_first=True, rng=0)

        def forward(self, x):
            return self.mixer(x, x, x, need_weights=False)[0]

    model = nn.Sequential(Block(), Block())
    graph = sg.trace(lambda x: sg.sum(model(x)), np.ones((1, 3, 4)))
    labels = {n.label for n in graph.nodes}
    assert {"0.mixer.weights", "1.mixer.weights", "1.mixer.output"} <= labels
    assert {name for p in sg.paths.top(graph, k=20) for name, _ in nn.heads_crossed(p)} <= {
        "0.mixer", "1.mixer"}
