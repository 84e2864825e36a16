"""sg.nn's recurrent layers and cells: RNN, LSTM, GRU.

Against PyTorch (where installed; select with ``-k against_torch``): a table of
configurations, each built in PyTorch, its ``state_dict()`` loaded into ours
unchanged, and outputs, final states and the gradients of a random linear
functional of them (w.r.t. the input, the initial state and every parameter)
compared in float64. Without PyTorch: second-order gradients through
``check_grads``, a max-product top path through a small RNN against
brute-force enumeration on the scalarised graph, the shapes, the errors, the
dropout and a small sequence task that trains.
"""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
import semigrad.nn as nn
from semigrad.nn import functional as F
from semigrad.semiring.paths import enumerate_paths

TOL = dict(rtol=1e-10, atol=1e-12)


def rand(rng, *shape):
    return rng.standard_normal(shape)


# ---- against PyTorch ------------------------------------------------------------------

# (id, class name, constructor keywords, input layout, given initial state)
# layouts: "batched" (L, N, H_in), "unbatched" (L, H_in); batch_first comes from the keywords.
LAYER_CASES = [
    ("RNN", "RNN", {}, "batched", False),
    ("RNN relu h0", "RNN", {"nonlinearity": "relu"}, "batched", True),
    ("RNN 2 layers bidirectional", "RNN", {"num_layers": 2, "bidirectional": True}, "batched",
     True),
    ("RNN no bias batch_first", "RNN", {"bias": False, "batch_first": True}, "batched", False),
    ("RNN unbatched h0", "RNN", {"num_layers": 2}, "unbatched", True),
    ("LSTM", "LSTM", {}, "batched", False),
    ("LSTM h0 c0", "LSTM", {}, "batched", True),
    ("LSTM 2 layers bidirectional batch_first", "LSTM",
     {"num_layers": 2, "bidirectional": True, "batch_first": True}, "batched", True),
    ("LSTM no bias", "LSTM", {"bias": False}, "batched", True),
    ("LSTM unbatched bidirectional", "LSTM", {"bidirectional": True}, "unbatched", True),
    ("LSTM proj_size", "LSTM", {"proj_size": 2}, "batched", True),
    ("LSTM proj_size 2 layers bidirectional", "LSTM",
     {"proj_size": 3, "num_layers": 2, "bidirectional": True}, "batched", False),
    ("GRU", "GRU", {}, "batched", False),
    ("GRU h0 2 layers", "GRU", {"num_layers": 2}, "batched", True),
    ("GRU bidirectional batch_first", "GRU", {"bidirectional": True, "batch_first": True},
     "batched", True),
    ("GRU no bias unbatched", "GRU", {"bias": False}, "unbatched", True),
    ("GRU unbatched ignores batch_first", "GRU", {"batch_first": True, "num_layers": 2},
     "unbatched", True),
    ("GRU 2 layers bidirectional no bias", "GRU",
     {"num_layers": 2, "bidirectional": True, "bias": False}, "batched", False),
]

INPUT, HIDDEN, LENGTH, BATCH = 3, 4, 5, 2


def torch_pair(torch, cls, kwargs, input_size=INPUT, hidden=HIDDEN, seed=0):
    """A float64 PyTorch module and ours with its state_dict loaded unchanged."""
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, cls)(input_size, hidden, **kwargs).double()
    ours = getattr(nn, cls)(input_size, hidden, **kwargs, rng=1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, ours


def layer_arrays(module, layout, given, rng):
    """Input and initial state (a list of arrays; empty when not given) for ``module``."""
    d = 2 if module.bidirectional else 1
    if layout == "unbatched":
        x, lead = rand(rng, LENGTH, INPUT), ()
    else:
        x = rand(rng, *((BATCH, LENGTH) if module.batch_first else (LENGTH, BATCH)), INPUT)
        lead = (BATCH,)
    sizes = [module.proj_size or module.hidden_size]
    if isinstance(module, nn.LSTM):
        sizes.append(module.hidden_size)
    states = [rand(rng, module.num_layers * d, *lead, s) for s in sizes] if given else []
    return x, states


def pack(cls, states):
    """The initial state argument: None, h0, or (h0, c0) for the LSTM."""
    if not states:
        return None
    return tuple(states) if cls == "LSTM" else states[0]


def unpack(cls, result):
    """(output, h_n[, c_n]) from a layer's result, as a flat list."""
    output, final = result
    return [output, *final] if cls == "LSTM" else [output, final]


def compare(torch, theirs, ours, x, states, call, rng):
    """``call(module, x, states)`` (a list of outputs) in PyTorch and in semigrad: equal
    outputs, and equal gradients of a random linear functional of them w.r.t. ``x``,
    ``states`` and every parameter."""
    tx = torch.tensor(x, requires_grad=True)
    tstates = [torch.tensor(s, requires_grad=True) for s in states]
    t_out = call(theirs, tx, tstates)
    sx = sg.tensor(x, requires_grad=True)
    sstates = [sg.tensor(s, requires_grad=True) for s in states]
    s_out = call(ours, sx, sstates)
    assert len(t_out) == len(s_out)
    weights = [rand(rng, *tuple(t.shape)) for t in t_out]
    for t, s in zip(t_out, s_out):
        assert tuple(t.shape) == s.shape
        np.testing.assert_allclose(s.numpy(), t.detach().numpy(), **TOL)
    sum(torch.sum(t * torch.tensor(w)) for t, w in zip(t_out, weights)).backward()
    sum(sg.sum(s * w) for s, w in zip(s_out, weights)).backward()
    for mine, theirs_t in zip([sx, *sstates], [tx, *tstates]):
        np.testing.assert_allclose(mine.grad, theirs_t.grad.numpy(), **TOL)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours_params[name].grad, p.grad.numpy(), **TOL,
                                   err_msg=f"gradient of {name}")
    assert sorted(ours_params) == sorted(n for n, _ in theirs.named_parameters())


@pytest.mark.parametrize("cls, kwargs, layout, given", [c[1:] for c in LAYER_CASES],
                         ids=[c[0] for c in LAYER_CASES])
def test_layer_against_torch(cls, kwargs, layout, given):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    rng = np.random.default_rng(0)
    theirs, ours = torch_pair(torch, cls, kwargs)
    x, states = layer_arrays(ours, layout, given, rng)

    def call(m, x, states):
        return unpack(cls, m(x, pack(cls, states)))

    compare(torch, theirs, ours, x, states, call, rng)


# (id, class name, constructor keywords, batched, given initial state)
CELL_CASES = [
    ("RNNCell", "RNNCell", {}, True, True),
    ("RNNCell relu no state", "RNNCell", {"nonlinearity": "relu"}, True, False),
    ("RNNCell no bias unbatched", "RNNCell", {"bias": False}, False, True),
    ("LSTMCell", "LSTMCell", {}, True, True),
    ("LSTMCell no state", "LSTMCell", {}, True, False),
    ("LSTMCell no bias unbatched", "LSTMCell", {"bias": False}, False, True),
    ("GRUCell", "GRUCell", {}, True, True),
    ("GRUCell unbatched no state", "GRUCell", {}, False, False),
    ("GRUCell no bias", "GRUCell", {"bias": False}, True, True),
]


@pytest.mark.parametrize("cls, kwargs, batched, given", [c[1:] for c in CELL_CASES],
                         ids=[c[0] for c in CELL_CASES])
def test_cell_against_torch(cls, kwargs, batched, given):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    rng = np.random.default_rng(1)
    theirs, ours = torch_pair(torch, cls, kwargs)
    lead = (BATCH,) if batched else ()
    x = rand(rng, *lead, INPUT)
    states = [rand(rng, *lead, HIDDEN) for _ in range(2 if cls == "LSTMCell" else 1)]
    states = states if given else []

    def call(m, x, states):
        hx = (tuple(states) if cls == "LSTMCell" else states[0]) if states else None
        out = m(x, hx)
        return list(out) if cls == "LSTMCell" else [out]

    compare(torch, theirs, ours, x, states, call, rng)


def test_cell_steps_equal_the_layer_against_torch():
    """A cell run step by step gives PyTorch's one-layer output (the same weights)."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    theirs, _ = torch_pair(torch, "LSTM", {})
    cell = nn.LSTMCell(INPUT, HIDDEN, rng=0)
    cell.load_state_dict({k.removesuffix("_l0"): v.numpy()
                          for k, v in theirs.state_dict().items()})
    x = rand(np.random.default_rng(2), LENGTH, BATCH, INPUT)
    hx, hs = None, []
    for xt in x:
        hx = cell(xt, hx)
        hs.append(hx[0])
    want, _ = theirs(torch.tensor(x))
    np.testing.assert_allclose(sg.stack(hs).numpy(), want.detach().numpy(), **TOL)


def test_state_dict_loads_unchanged_against_torch():
    """PyTorch's state_dict as arrays loads as is, names in PyTorch's order, and runs the same."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    torch.manual_seed(3)
    theirs = torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3,
                           batch_first=True).double().eval()
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    ours = nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3, batch_first=True,
                   rng=0)
    assert list(ours.state_dict()) == list(state)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: v.shape for k, v in state.items()}
    ours.load_state_dict(state)
    x = rand(np.random.default_rng(4), 3, 7, 4)
    out, (h, c) = sg.nn.functional_call(ours, state, x)  # arrays in, arrays out
    t_out, (t_h, t_c) = theirs(torch.tensor(x))
    for mine, want in [(out, t_out), (h, t_h), (c, t_c)]:
        assert isinstance(mine, np.ndarray)
        np.testing.assert_allclose(mine, want.detach().numpy(), **TOL)


def test_initialisation_matches_torch_distribution_against_torch():
    """Every parameter is U(−1/√H, 1/√H), as PyTorch's (same bounds, same shapes)."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    theirs = torch.nn.GRU(5, 16, num_layers=2)
    ours = nn.GRU(5, 16, num_layers=2, rng=0)
    bound = 1 / 4
    for (name, p), (t_name, t_p) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == t_name and p.shape == tuple(t_p.shape)
        assert np.abs(p.value).max() <= bound and np.abs(p.value).max() > 0.9 * bound


# ---- without PyTorch ------------------------------------------------------------------


@pytest.mark.parametrize("cls, kwargs", [
    ("LSTM", {"num_layers": 2}),
    ("LSTM", {"proj_size": 1, "bidirectional": True}),
    ("GRU", {"bidirectional": True}),
    ("RNN", {}),
])
def test_second_order_gradients(cls, kwargs):
    """check_grads (reverse and forward, order 2) through a tiny layer, w.r.t. input, state
    and the recurrent weights."""
    layer = getattr(nn, cls)(2, 2, **kwargs, rng=0)
    rng = np.random.default_rng(5)
    x = rand(rng, 3, 1, 2)
    stacked = layer.num_layers * (2 if layer.bidirectional else 1)
    h0 = rand(rng, stacked, 1, layer.proj_size or 2)
    c0 = rand(rng, stacked, 1, 2)
    w_hh = layer.weight_hh_l0.numpy()

    def f(x, h0, c0, w_hh):
        hx = (h0, c0) if cls == "LSTM" else h0
        output, final = nn.functional_call(layer, {"weight_hh_l0": w_hh}, x, hx)
        return sg.sum(sg.tanh(output)) + sg.sum(final[0] if cls == "LSTM" else final)

    sg.check_grads(f, (x, h0, c0, w_hh), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_second_order_gradients(cls):
    cell = getattr(nn, cls)(2, 3, rng=0)
    rng = np.random.default_rng(6)
    x, h, c = rand(rng, 2, 2), rand(rng, 2, 3), rand(rng, 2, 3)

    def f(x, h, c, w_ih):
        out = nn.functional_call(cell, {"weight_ih": w_ih}, x, (h, c) if cls == "LSTMCell" else h)
        return sg.sum(out[0] * out[1]) if cls == "LSTMCell" else sg.sum(out * out)

    sg.check_grads(f, (x, h, c, cell.weight_ih.numpy()), modes=("rev", "fwd"), order=2)


def brute_force_max_product(graph, position):
    """The largest |path weight| from each element of input ``position``, by enumeration."""
    node = graph.inputs[position]
    best = np.zeros(node.shape)
    for path in enumerate_paths(graph, [position], limit=200_000):
        weight = abs(np.prod([hop.partial for hop in path.hops]))
        best[path.element] = max(best[path.element], weight)
    return best


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_max_product_top_path_through_time_equals_enumeration(cls):
    """The max-product sweep over a small recurrent layer equals brute force on the
    scalarised graph: the graph holds every time step's operations, so the paths are the
    real paths through time (and their number grows with the sequence's length)."""
    layer = getattr(nn, cls)(1, 2, rng=0)
    x = rand(np.random.default_rng(7), 3, 1)  # unbatched, 3 steps

    def last_output(x):
        output, _ = layer(x)
        return sg.sum(output[-1])

    graph = sg.trace(last_output, x)
    (got,) = graph.backprop(sg.semirings.MaxProduct())
    np.testing.assert_allclose(got, brute_force_max_product(graph, 0), rtol=1e-12)
    counts = sg.paths.count(graph)[0].ravel()
    assert counts[0] > counts[1] > counts[2] > 0  # earlier steps reach the output by more paths
    best = sg.paths.top(graph, k=1)[0]
    assert abs(best.weight) == pytest.approx(np.max(got), rel=1e-12)
    real = graph.backprop(sg.semirings.Real())[0]
    np.testing.assert_allclose(real, sg.grad(last_output)(x), rtol=1e-12)


def test_shapes_batch_first_and_unbatched():
    x = rand(np.random.default_rng(8), 6, 3, 4)
    kwargs = {"num_layers": 3, "bidirectional": True, "proj_size": 2, "rng": 0}
    lstm, first = nn.LSTM(4, 5, **kwargs), nn.LSTM(4, 5, batch_first=True, **kwargs)
    with sg.no_grad():  # plain arrays out
        out, (h, c) = lstm(x)
        out_bf, (h_bf, c_bf) = first(np.swapaxes(x, 0, 1))
        out_one, (h_one, c_one) = lstm(x[:, 1])  # unbatched: no batch axis anywhere
    assert (out.shape, h.shape, c.shape) == ((6, 3, 4), (6, 3, 2), (6, 3, 5))
    np.testing.assert_allclose(np.swapaxes(out_bf, 0, 1), out, rtol=1e-14)
    np.testing.assert_allclose(h_bf, h, rtol=1e-14)  # h_n, c_n are never batch-first
    np.testing.assert_allclose(c_bf, c, rtol=1e-14)
    np.testing.assert_allclose(out_one, out[:, 1], rtol=1e-14)
    np.testing.assert_allclose(h_one, h[:, 1], rtol=1e-14)
    np.testing.assert_allclose(c_one, c[:, 1], rtol=1e-14)


def test_float32_stays_float32():
    gru = nn.GRU(3, 4, rng=0, dtype=np.float32)
    x = sg.tensor(np.ones((2, 1, 3), np.float32), requires_grad=True)
    out, h = gru(x)
    sg.sum(out).backward()
    assert out.dtype == h.dtype == x.grad.dtype == gru.weight_hh_l0.grad.dtype == np.float32


def test_errors_name_the_layer_the_argument_and_the_shapes():
    lstm = nn.LSTM(4, 5, num_layers=2, rng=0)
    with pytest.raises(ValueError, match=r"LSTM: input must have shape \(length, batch, 4\).*"
                                         r"got shape \(7, 2, 3\)"):
        lstm(np.ones((7, 2, 3)))
    with pytest.raises(ValueError, match=r"LSTM: input must .* got shape \(7,\)"):
        lstm(np.ones(7))
    with pytest.raises(ValueError, match=r"LSTM: h0 must have shape \(2, 3, 5\) .* input of "
                                         r"shape \(7, 3, 4\); got shape \(1, 3, 5\)"):
        lstm(np.ones((7, 3, 4)), (np.zeros((1, 3, 5)), np.zeros((2, 3, 5))))
    with pytest.raises(ValueError, match=r"LSTM: c0 must have shape \(2, 5\) .* got shape "
                                         r"\(2, 1, 5\)"):
        lstm(np.ones((7, 4)), (np.zeros((2, 5)), np.zeros((2, 1, 5))))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a pair \(h0, c0\)"):
        lstm(np.ones((7, 3, 4)), np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"no time steps"):
        lstm(np.ones((0, 3, 4)))
    with pytest.raises(ValueError, match=r"GRU: input must have shape \(batch, length, 4\) or "
                                         r"\(length, 4\) unbatched .* got shape \(2, 3, 5\)"):
        nn.GRU(4, 5, batch_first=True, rng=0)(np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match=r"GRUCell: input must have shape \(batch, 4\) or "
                                         r"\(4,\).*got shape \(2, 3\)"):
        nn.GRUCell(4, 5, rng=0)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"RNNCell: hx must have shape \(2, 5\) for input of "
                                         r"shape \(2, 4\); got shape \(5,\)"):
        nn.RNNCell(4, 5, rng=0)(np.ones((2, 4)), np.zeros(5))
    with pytest.raises(TypeError, match=r"LSTMCell: hx must be a pair \(h, c\)"):
        nn.LSTMCell(4, 5, rng=0)(np.ones(4), np.zeros(5))
    with pytest.raises(ValueError, match=r"RNN: nonlinearity must be 'tanh' or 'relu'; "
                                         r"got 'sigmoid'"):
        nn.RNN(4, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"LSTM: proj_size must be an integer in "
                                         r"\[0, hidden_size=5\); got 5"):
        nn.LSTM(4, 5, proj_size=5)
    with pytest.raises(ValueError, match=r"GRU: hidden_size must be a positive integer; got 0"):
        nn.GRU(4, 0)
    with pytest.raises(ValueError, match=r"RNN: dropout must be in \[0, 1\]; got 1.5"):
        nn.RNN(4, 5, dropout=1.5)


def test_dropout_between_layers_in_training_mode_only():
    x = rand(np.random.default_rng(9), 4, 2, 3)
    with sg.no_grad():
        check_dropout(x)
    # dropout 1 cuts the first layer off: the output no longer depends on the input
    cut = nn.GRU(3, 4, num_layers=2, dropout=1.0, rng=0)
    grad = sg.grad(lambda x: sg.sum(cut(x)[0]))(x)
    np.testing.assert_array_equal(grad, 0.0)


def check_dropout(x):
    plain = nn.GRU(3, 4, num_layers=2, rng=0)
    dropped = nn.GRU(3, 4, num_layers=2, dropout=0.5, rng=0)
    eval_out, _ = dropped.eval()(x)
    np.testing.assert_array_equal(eval_out, plain(x)[0])
    train_out, _ = dropped.train()(x)
    assert not np.allclose(train_out, eval_out)
    again, _ = nn.GRU(3, 4, num_layers=2, dropout=0.5, rng=0)(x)
    np.testing.assert_array_equal(again, train_out)  # masks from the seeded rng: repeatable


def test_parameter_names_and_repr():
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True, bias=False, batch_first=True, rng=0)
    assert repr(gru) == "GRU(3, 4, num_layers=2, bias=False, batch_first=True, bidirectional=True)"
    assert [n for n, _ in gru.named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse",
        "weight_ih_l1", "weight_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse"]
    assert gru.weight_ih_l1.shape == (12, 8)
    assert repr(nn.RNNCell(2, 3, nonlinearity="relu", rng=0)) == (
        "RNNCell(2, 3, nonlinearity='relu')")
    first = [p.value for p in nn.LSTM(3, 4, rng=5).parameters()]
    second = [p.value for p in nn.LSTM(3, 4, rng=5).parameters()]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_a_small_sequence_task_trains():
    """An LSTM learns to output the running sum's sign after a few Adam steps."""
    rng = np.random.default_rng(10)
    x = rand(rng, 32, 6, 1)
    y = (np.cumsum(x[..., 0], axis=1) > 0).astype(int)  # (batch, length) labels
    lstm = nn.LSTM(1, 8, batch_first=True, rng=0)
    head = nn.Linear(8, 2, rng=0)
    optimizer = sg.optim.Adam(lstm.parameters() + head.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        output, _ = lstm(x)
        loss = F.cross_entropy(head(output), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.value))
    assert losses[-1] < 0.5 * losses[0]


def test_functional_face_gives_the_eager_gradients():
    """sg.value_and_grad over the state dict (functional_call) equals loss.backward()."""
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, rng=0)
    x = rand(np.random.default_rng(11), 5, 2, 3)

    def loss(params):
        output, (h_n, c_n) = nn.functional_call(lstm, params, x)
        return sg.mean(output ** 2) + sg.sum(c_n)

    value, grads = sg.value_and_grad(loss)(lstm.state_dict())
    eager = loss({})
    eager.backward()
    assert value == pytest.approx(float(eager.value), rel=1e-14)
    assert list(grads) == [name for name, _ in lstm.named_parameters()]
    for name, p in lstm.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad, rtol=1e-13, atol=1e-15)
