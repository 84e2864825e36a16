"""sg.nn: layers, losses and modules, in both faces (eager and functional).

Every loss and layer goes through ``sg.check_grads`` (reverse and forward mode,
second order); values are checked against NumPy references (and PyTorch where
it is installed); modules' parameter discovery, modes, state dicts and the
.npz round trip with its error cases.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest

import semigrad as sg
import semigrad.nn as nn
from semigrad import data, optim
from semigrad.nn import functional as F
from semigrad.nn import init

RNG = np.random.default_rng(7)


def rand(*shape, scale=1.0):
    return RNG.standard_normal(shape) * scale


def check(f, *args, order=2, **kw):
    sg.check_grads(f, args, modes=("rev", "fwd"), order=order, **kw)


def softmax_np(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---- every loss and layer function through check_grads ----------------------------------

LABELS = np.array([0, 2, 1, 2])
PROBS = softmax_np(rand(4, 3))
TARGETS01 = RNG.uniform(0, 1, size=(4, 3))
MASK_SEED = 3

# (name, function of the differentiated arguments, arguments)
GRADIENT_CASES = [
    ("linear", lambda x, w, b: F.linear(x, w, b), (rand(4, 3), rand(2, 3), rand(2))),
    ("gelu", F.gelu, (rand(5, 3, scale=2.0),)),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, 3, w, b), (rand(4, 3), rand(3), rand(3))),
    ("layer_norm 2 axes", lambda x: F.layer_norm(x, (2, 3)), (rand(4, 2, 3),)),
    ("dropout", lambda x: F.dropout(x, 0.4, np.random.default_rng(MASK_SEED)), (rand(6, 3),)),
    ("embedding", lambda w: F.embedding(np.array([[0, 3], [3, 1]]), w), (rand(4, 2),)),
    ("mse", F.mse, (rand(4, 3), rand(4, 3))),
    ("mse sum", lambda p, t: F.mse(p, t, reduction="sum"), (rand(4, 3), rand(4, 3))),
    ("cross_entropy labels", lambda z: F.cross_entropy(z, LABELS), (rand(4, 3),)),
    ("cross_entropy labels 3-d", lambda z: F.cross_entropy(z, LABELS.reshape(2, 2)),
     (rand(2, 2, 3),)),
    ("cross_entropy probabilities", F.cross_entropy, (rand(4, 3), PROBS)),
    ("cross_entropy none", lambda z: F.cross_entropy(z, LABELS, reduction="none"),
     (rand(4, 3),)),
    ("nll", lambda z: F.nll(z, LABELS), (rand(4, 3),)),
    ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
     (rand(4, 3, scale=3.0), TARGETS01)),
    ("gelu exact", lambda x: F.gelu(x, approximate="none"), (rand(5, 3, scale=2.0),)),
]


@pytest.mark.parametrize("name, f, args", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradients(name, f, args):
    check(f, *args)


def _layer_cases():
    ids = np.array([[1, 0, 4], [4, 4, 2]])
    return [
        ("Linear", nn.Linear(3, 2, rng=0), rand(4, 3)),
        ("Linear without bias", nn.Linear(3, 2, bias=False, rng=0), rand(4, 3)),
        ("Embedding", nn.Embedding(5, 2, rng=0), ids),
        ("LayerNorm", nn.LayerNorm(3), rand(4, 3)),
        ("Dropout", nn.Dropout(0.0, rng=0), rand(4, 3)),
        ("ReLU", nn.ReLU(), rand(4, 3)),
        ("Tanh", nn.Tanh(), rand(4, 3)),
        ("Sigmoid", nn.Sigmoid(), rand(4, 3)),
        ("GELU", nn.GELU(), rand(4, 3)),
        ("MLP tanh", nn.MLP([3, 5, 4, 2], activation=nn.Tanh, rng=0), rand(4, 3)),
        ("MLP gelu", nn.MLP([3, 5, 2], activation=F.gelu, rng=0), rand(4, 3)),
        ("Sequential LayerNorm", nn.Sequential(nn.Linear(3, 4, rng=0), nn.LayerNorm(4), sg.tanh,
                                               nn.Linear(4, 2, rng=1)), rand(4, 3)),
        ("GELU exact", nn.GELU("none"), rand(4, 3)),
        ("LayerNorm without bias", nn.LayerNorm(3, bias=False), rand(4, 3)),
    ]


@pytest.mark.parametrize("name, layer, x", _layer_cases(), ids=[c[0] for c in _layer_cases()])
def test_layer_gradients_with_respect_to_parameters_and_input(name, layer, x):
    params = layer.state_dict()
    if params:
        check(lambda p: nn.functional_call(layer, p, x), params)
    if x.dtype.kind == "f":
        check(lambda v: nn.functional_call(layer, params, v), x)


def test_eager_and_functional_gradients_agree():
    model = nn.MLP([3, 6, 4], activation=nn.Tanh, rng=1)
    x, y = rand(5, 3), np.array([0, 3, 1, 1, 2])
    F.cross_entropy(model(x), y).backward()
    _, grads = sg.value_and_grad(
        lambda p: F.cross_entropy(nn.functional_call(model, p, x), y))(model.state_dict())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name], rtol=1e-13, atol=1e-15)


# ---- values --------------------------------------------------------------------------------


def test_loss_values_against_numpy():
    z = rand(4, 3)
    log_p = np.log(softmax_np(z))
    assert float(F.cross_entropy(z, LABELS)) == pytest.approx(
        -np.mean(log_p[np.arange(4), LABELS]), rel=1e-14)
    assert float(F.cross_entropy(z, PROBS)) == pytest.approx(
        -np.mean(np.sum(PROBS * log_p, axis=1)), rel=1e-14)
    assert float(F.nll(log_p, LABELS, reduction="sum")) == pytest.approx(
        -np.sum(log_p[np.arange(4), LABELS]), rel=1e-14)
    sig = 1 / (1 + np.exp(-z))
    bce = -(TARGETS01 * np.log(sig) + (1 - TARGETS01) * np.log(1 - sig))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(z, TARGETS01, reduction="none"), bce, rtol=1e-12)
    p, t = rand(4, 3), rand(4, 3)
    assert float(F.mse(p, t)) == pytest.approx(np.mean((p - t) ** 2), rel=1e-14)
    np.testing.assert_allclose(F.mse(p, t, reduction="none"), (p - t) ** 2)


def test_layer_values_against_numpy():
    x = rand(5, 4)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    w, b = rand(4), rand(4)
    np.testing.assert_allclose(F.layer_norm(x, 4, w, b, eps=1e-5),
                               (x - mu) / np.sqrt(var + 1e-5) * w + b, rtol=1e-12)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.ravel()])
    assert np.max(np.abs(F.gelu(x).ravel() - exact)) < 5e-4


def test_losses_are_stable_for_logits_of_magnitude_1e3():
    z = np.array([[1e3, -1e3, 0.0], [-1e3, -1e3, 1e3]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        assert F.cross_entropy(z, np.array([0, 2])) == 0.0
        assert float(F.cross_entropy(z, np.array([1, 0]))) == pytest.approx(2e3)
        g = sg.grad(lambda v: F.cross_entropy(v, np.array([1, 0])))(z)
        np.testing.assert_allclose(g, [[0.5, -0.5, 0], [-0.5, 0, 0.5]], atol=1e-12)
        zb = np.array([[1e3, -1e3], [-1e3, 1e3]])
        assert float(F.binary_cross_entropy_with_logits(zb, (zb > 0) * 1.0)) == 0.0
        assert float(F.binary_cross_entropy_with_logits(zb, (zb < 0) * 1.0, reduction="sum")) \
            == 4e3
        g = sg.grad(lambda v: F.binary_cross_entropy_with_logits(v, np.ones((2, 2))))(zb)
        np.testing.assert_allclose(g, [[0, -0.25], [-0.25, 0]], atol=1e-12)


def test_binary_cross_entropy_gradient_at_zero_is_sigmoid_minus_target():
    g = sg.grad(lambda v: F.binary_cross_entropy_with_logits(v, np.array([0.0, 1.0]),
                                                             reduction="sum"))(np.zeros(2))
    assert g.tolist() == [0.5, -0.5]


def test_against_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    tf = torch.nn.functional
    z, y = rand(6, 5), np.array([0, 4, 2, 2, 1, 3])
    t = torch.from_numpy
    assert float(F.cross_entropy(z, y)) == pytest.approx(tf.cross_entropy(t(z), t(y)).item(),
                                                         rel=1e-13)
    probs = softmax_np(rand(6, 5))
    assert float(F.cross_entropy(z, probs)) == pytest.approx(
        tf.cross_entropy(t(z), t(probs)).item(), rel=1e-13)
    targets = RNG.uniform(size=(6, 5))
    assert float(F.binary_cross_entropy_with_logits(z * 100, targets)) == pytest.approx(
        tf.binary_cross_entropy_with_logits(t(z * 100), t(targets)).item(), rel=1e-13)
    np.testing.assert_allclose(F.gelu(z), tf.gelu(t(z), approximate="tanh").numpy(), rtol=1e-13)
    np.testing.assert_allclose(F.gelu(z, approximate="none"), tf.gelu(t(z)).numpy(), rtol=1e-13)
    w, b = rand(5), rand(5)
    np.testing.assert_allclose(F.layer_norm(z, 5, w, b),
                               tf.layer_norm(t(z), (5,), t(w), t(b)).numpy(), rtol=1e-10)


def test_mlp_loads_a_torch_state_dict_unchanged_against_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    torch.manual_seed(0)
    peer = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    peer = peer.double()
    model = nn.MLP([5, 7, 3], rng=0).load_state_dict(
        {k: v.detach().numpy() for k, v in peer.state_dict().items()})
    x = rand(4, 5)
    np.testing.assert_allclose(model(x).numpy(), peer(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-13)
    peer(torch.from_numpy(x)).square().sum().backward()
    (model(x) ** 2).sum().backward()
    for (name, p), (peer_name, q) in zip(model.named_parameters(), peer.named_parameters()):
        assert name == peer_name
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: F.mse(np.ones((3, 1)), np.ones(3)), r"prediction shape \(3, 1\) != target"),
    (lambda: F.cross_entropy(np.ones((2, 3)), np.array([0, 3])), r"labels must be in \[0, 3\)"),
    (lambda: F.cross_entropy(np.ones((2, 3)), np.array([-1, 0])), r"labels must be in"),
    (lambda: F.cross_entropy(np.ones((2, 3)), np.array([0, 1, 2])), r"labels of shape \(3,\)"),
    (lambda: F.cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])), r"\.astype\(int\)"),
    (lambda: F.cross_entropy(np.ones((2, 3)), np.array([0, 1]), reduction="avg"), "reduction"),
    (lambda: F.binary_cross_entropy_with_logits(np.ones(3), np.ones((3, 1))), "logits shape"),
    (lambda: F.layer_norm(np.ones((2, 3)), 4), "normalized_shape"),
    (lambda: F.linear(np.ones((2, 3)), np.ones((3, 4))),
     r"linear: weight must have shape \(out, in\).*input \(2, 3\) and weight \(3, 4\)"),
    (lambda: F.dropout(np.ones(3), 1.5, np.random.default_rng()), r"p must be in \[0, 1\]"),
    (lambda: F.gelu(1.0, approximate="erf"), "gelu: approximate must be 'none' or 'tanh'"),
    (lambda: nn.GELU("erf"), "GELU: approximate must be 'none' or 'tanh'"),
])
def test_errors_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_embedding_errors():
    with pytest.raises(TypeError, match=r"ids must be integers.*astype\(int\)"):
        F.embedding(np.array([0.0]), np.ones((3, 2)))
    with pytest.raises(IndexError, match=r"ids must be in \[0, 3\)"):
        F.embedding(np.array([3]), np.ones((3, 2)))


# ---- layers -----------------------------------------------------------------------------------


def test_dropout_masks_repeat_with_the_seed_and_scale_the_kept_values():
    x = np.ones((200, 50))
    a, b = nn.Dropout(0.3, rng=5)(x), nn.Dropout(0.3, rng=5)(x)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) == {0.0, 1 / 0.7}
    assert abs(np.mean(a == 0) - 0.3) < 0.02
    assert F.dropout(x, 1.0, np.random.default_rng(0)).sum() == 0
    drop = nn.Dropout(0.5, rng=0).eval()
    assert drop(x) is x


def test_embedding_gradient_accumulates_repeated_ids():
    table = nn.Embedding(4, 2, rng=0)
    sg.sum(table(np.array([1, 1, 3]))).backward()
    assert table.weight.grad.tolist() == [[0, 0], [2, 2], [0, 0], [1, 1]]


def test_float32_layers_stay_float32():
    model = nn.MLP([4, 8, 2], activation=nn.GELU, rng=0, dtype=np.float32)
    x = rand(3, 4).astype(np.float32)
    out = nn.Sequential(model, nn.LayerNorm(2, dtype=np.float32))(x)
    assert out.dtype == np.float32
    F.cross_entropy(out, np.array([0, 1, 1])).backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_initialisers():
    rng = np.random.default_rng(0)
    assert init.fans((3, 4, 5)) == (12, 5) and init.fans((7,)) == (7, 7)
    w = init.glorot_uniform(rng, (300, 200))
    assert np.abs(w).max() <= math.sqrt(6 / 500) and w.std() == pytest.approx(
        math.sqrt(2 / 500), rel=0.02)
    assert init.glorot_normal(rng, (300, 200)).std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    assert init.he_uniform(rng, (300, 200)).std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    assert init.he_normal(rng, (300, 200)).std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    np.testing.assert_array_equal(nn.Linear(3, 2, rng=4).weight.value,
                                  nn.Linear(3, 2, rng=np.random.default_rng(4)).weight.value)
    layer = nn.Linear(30, 20, rng=0, init=init.he_normal)
    assert layer.bias.value.tolist() == [0.0] * 20
    with pytest.raises(ValueError, match="at least one axis"):
        init.fans(())


def test_mlp_and_sequential_validate_their_arguments():
    with pytest.raises(ValueError, match="at least an input and an output"):
        nn.MLP([4])
    with pytest.raises(ValueError, match="positive"):
        nn.MLP([4, 0, 2])
    with pytest.raises(TypeError, match="layer 1 is a int"):
        nn.Sequential(nn.ReLU(), 3)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        nn.Dropout(-0.1)


# ---- modules ----------------------------------------------------------------------------------


class Block(nn.Module):
    def __init__(self, rng):
        self.dense = nn.Linear(2, 2, rng=rng)
        self.gains = [nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))]
        self.extra = {"shift": nn.Parameter(np.zeros(2)), "frozen": sg.tensor(np.ones(2))}
        self.tied = self.gains[0]
        self.norm = nn.LayerNorm(2)
        self.drop = nn.Dropout(0.5, rng=rng)
        self.scale = 3.0

    def forward(self, x):
        h = self.dense(x) * self.gains[0] * self.gains[1] + self.extra["shift"]
        return self.drop(self.norm(h)) * self.tied


def test_parameters_are_discovered_from_attributes_in_order():
    block = Block(0)
    names = [n for n, _ in block.named_parameters()]
    assert names == ["dense.weight", "dense.bias", "gains.0", "gains.1", "extra.shift",
                     "norm.weight", "norm.bias"]
    assert len(block.parameters()) == 7  # the tied parameter once; the constant not at all
    assert [type(m).__name__ for m in block.modules()] == [
        "Block", "Linear", "LayerNorm", "Dropout"]
    assert "(dense): Linear(in_features=2, out_features=2, bias=True)" in repr(block)


def test_a_module_referring_to_itself_or_shared_twice_is_visited_once():
    shared = nn.Linear(2, 2, rng=0)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    block = Block(0)
    block.me = block
    assert len(block.parameters()) == 7 and len(block.modules()) == 4


def test_train_and_eval_reach_every_submodule():
    block = Block(0)
    assert block.eval() is block and not any(m.training for m in block.modules())
    x = rand(3, 2)
    np.testing.assert_array_equal(block(x).value, block(x).value)  # no dropout in eval
    block.train()
    assert all(m.training for m in block.modules())


def test_eager_gradients_accumulate_and_zero_grad_resets_them():
    block = Block(0).eval()
    x = rand(3, 2)
    sg.sum(block(x)).backward()
    first = {n: p.grad.copy() for n, p in block.named_parameters()}
    sg.sum(block(x)).backward()
    for n, p in block.named_parameters():
        np.testing.assert_allclose(p.grad, 2 * first[n])
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_functional_call_swaps_parameters_and_restores_them():
    block = Block(0).eval()
    x = rand(3, 2)
    params = block.state_dict()
    expected = block(x).value
    np.testing.assert_allclose(nn.functional_call(block, params, x), expected)
    zeroed = dict(params, **{"gains.0": np.zeros(2)})  # also the tied use
    assert np.all(nn.functional_call(block, zeroed, x) == 0)
    assert block.gains[0] is block.tied and block.gains[0].requires_grad
    with pytest.raises(ValueError, match="no parameter named 'nope'"):
        nn.functional_call(block, {"nope": np.ones(2)}, x)
    with pytest.raises(ValueError, match=r"'gains.1' has shape \(2,\); got shape \(3,\)"):
        nn.functional_call(block, {"gains.1": np.ones(3)}, x)
    with pytest.raises(ValueError):
        nn.functional_call(block, params, np.ones((3, 5)))  # fails inside: still restored
    assert block.dense.weight.requires_grad and block.dense.weight.shape == (2, 2)


def test_functional_training_step_on_a_dict():
    x, y = data.synthetic_classification(200, n_features=4, n_classes=3, rng=0)
    model = nn.MLP([4, 16, 3], rng=0)
    params = model.state_dict()
    opt = optim.Adam(params, lr=0.05)
    step = sg.value_and_grad(lambda p, xb, yb: F.cross_entropy(nn.functional_call(model, p, xb),
                                                               yb))
    losses = []
    for _ in range(60):
        loss, grads = step(params, x, y)
        opt.step(grads)
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]
    model.load_state_dict(params)
    assert np.mean(np.argmax(model(x).value, axis=1) == y) > 0.9


# ---- state dicts and .npz files ----------------------------------------------------------------


def test_state_dict_is_a_copy_and_load_state_dict_copies_in():
    layer = nn.Linear(3, 2, rng=0)
    state = layer.state_dict()
    state["weight"][:] = 7.0
    assert not np.any(layer.weight.value == 7.0)
    layer.load_state_dict(state)
    assert np.all(layer.weight.value == 7.0)
    state["weight"][:] = 1.0
    assert np.all(layer.weight.value == 7.0)
    layer32 = nn.Linear(3, 2, rng=0, dtype=np.float32).load_state_dict(state)
    assert layer32.weight.dtype == np.float32


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("0.bias"), r"missing 0\.bias"),
    (lambda s: s.update(extra=np.ones(1)), "unexpected extra"),
    (lambda s: s.update({"2.weight": np.ones((4, 3))}),
     r"mis-shaped 2\.weight \(got \(4, 3\), expected \(3, 4\)\)"),
    (lambda s: s.update({"2.bias": np.array(["a", "b", "c"])}), r"not numeric 2\.bias"),
])
def test_load_state_dict_is_all_or_nothing(change, message):
    model = nn.MLP([2, 4, 3], rng=0)
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    change(state)
    with pytest.raises(ValueError, match=message) as info:
        model.load_state_dict(state)
    assert "nothing was loaded" in str(info.value)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_npz_round_trip(tmp_path):
    model = nn.MLP([3, 5, 2], rng=0)
    path = tmp_path / "model.npz"
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    other = nn.MLP([3, 5, 2], rng=1).load(path)
    for (_, a), (_, b) in zip(model.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(a.value, b.value)
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    arrays = {"file": np.arange(3.0), "allow_pickle": np.ones(2), "scalar": np.float32(2.5)}
    nn.save(tmp_path / "odd names", arrays)  # names NumPy's savez would refuse
    loaded = nn.load(tmp_path / "odd names", like=arrays)
    assert loaded["scalar"].dtype == np.float32 and loaded["file"].tolist() == [0.0, 1.0, 2.0]


def test_loading_a_mismatched_file_changes_nothing(tmp_path):
    path = tmp_path / "small.npz"
    nn.MLP([3, 5, 2], rng=0).save(path)
    model = nn.MLP([3, 6, 2], rng=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"load .*small\.npz: .*mis-shaped 0\.weight "
                                         r"\(got \(5, 3\), expected \(6, 3\)\)"):
        model.load(path)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValueError, match=r"missing 4\.weight"):
        nn.MLP([3, 5, 5, 2], rng=0).load(path)


def test_load_refuses_pickles_and_other_files(tmp_path):
    np.savez(tmp_path / "objects.npz", a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a .npz archive of numeric arrays"):
        nn.load(tmp_path / "objects.npz")
    np.save(tmp_path / "one.npy", np.ones(3))
    with pytest.raises(ValueError, match="single array"):
        nn.load(tmp_path / "one.npy")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a .npz archive"):
        nn.load(tmp_path / "text.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="not a .npz archive"):
        nn.load(tmp_path / "empty.npz")
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


def test_save_refuses_non_numeric_arrays_and_leaves_no_file(tmp_path):
    with pytest.raises(TypeError, match="only numeric arrays"):
        nn.save(tmp_path / "bad.npz", {"a": np.array(["text"])})
    with pytest.raises(TypeError, match="a Module or a dict"):
        nn.save(tmp_path / "bad.npz", [np.ones(2)])
    assert os.listdir(tmp_path) == []
    with pytest.raises(FileNotFoundError):
        nn.save(tmp_path / "no" / "such" / "folder.npz", {"a": np.ones(2)})


def test_graphs_and_paths_name_each_layer_by_attribute_path_and_class():
    class Block(nn.Module):
        def __init__(self):
            self.dense = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh())
            self.heads = [nn.Linear(4, 2, rng=1)]

        def forward(self, x):
            return self.heads[0](self.dense(x))

    model = Block()
    graph = sg.trace(lambda x: sg.sum(model(x)), np.ones((1, 3)))
    labels = [n.label for n in graph.nodes if not n.label.startswith("v")]
    assert labels == ["x", "dense.0:Linear", "dense.1:Tanh", "heads.0:Linear"]
    x = sg.tensor(np.ones((1, 3)), requires_grad=True)
    best = sg.paths.top(sg.sum(model(x)), x)[0]
    assert [h.to_node for h in best.hops if ":" in h.to_node] == [
        "dense.0:Linear", "dense.1:Tanh", "heads.0:Linear"]
    # a module that returns its input does not rename it; the next call names afresh
    assert nn.Dropout(0.5).eval()(x) is x and x.name is None
    assert model(np.ones((1, 3))).name == "heads.0:Linear"


def test_layer_names_stay_right_when_a_collected_module_s_id_is_reused():
    # Labels are cached by the ids of the modules in the call chain; CPython hands a freed
    # module's id to the next object of its size, so models built and dropped in turn
    # reuse them: each must still be named by its own structure.
    for k in range(60):
        if k % 2:
            model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
            want = ["0:Linear", "1:ReLU", "2:Linear"]
        else:
            model = nn.Sequential(nn.ReLU(), nn.Linear(3, 2, rng=0))
            want = ["0:ReLU", "1:Linear"]
        graph = sg.trace(lambda x, model=model: sg.sum(model(x)), np.ones((1, 3)))
        assert [n.label for n in graph.nodes if ":" in n.label] == want
        del model, graph


def test_functional_parameters_are_named_by_their_keys():
    model = nn.MLP([2, 3, 1], rng=0)
    params = model.state_dict()
    graph = sg.trace(lambda p, x: sg.sum(nn.functional_call(model, p, x)), params, np.ones(2))
    assert [n.label for n in graph.inputs] == [
        "p['0.weight']", "p['0.bias']", "p['2.weight']", "p['2.bias']", "x"]
