"""Convolution, pooling and batch norm: values and gradients against PyTorch, the structure
the semiring sweeps see, second derivatives, buffers, errors, and a small CNN training.

The PyTorch comparisons (``-k against_torch``) run in float64 and skip where PyTorch is not
installed; everything else needs NumPy only.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import semigrad as sg
import semigrad.nn as nn
from semigrad import data, optim
from semigrad.nn import functional as F
from semigrad.semiring.paths import enumerate_paths

RNG = np.random.default_rng(19)


def rand(*shape):
    return RNG.standard_normal(shape)


def torch_or_skip():
    return pytest.importorskip("torch")


def quiet(call):
    """Run a PyTorch call, silencing its note that "same" with an even kernel copies."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using padding='same'", category=UserWarning)
        return call()


def plain(y):
    return y.numpy() if isinstance(y, sg.Tensor) else np.asarray(y)


def ours_and_grads(f, *args):
    """``f(*args)`` and the gradients of ⟨f(*args), cotangent⟩ for a fixed random cotangent."""
    y = plain(f(*args))
    seed = np.random.default_rng(0).standard_normal(y.shape)
    grads = sg.grad(lambda *a: sg.sum(f(*a) * seed), argnums=tuple(range(len(args))))(*args)
    return y, seed, grads


def torch_and_grads(torch, f, seed, *args):
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    y = quiet(lambda: f(*ts))
    (y * torch.tensor(seed)).sum().backward()
    return y.detach().numpy(), [t.grad.numpy() for t in ts]


def assert_close(got, want, tol=1e-10):
    np.testing.assert_allclose(plain(got), plain(want), rtol=tol, atol=tol)


# ---- convolution against PyTorch -----------------------------------------------------------

# (id, input shape, weight shape, keyword arguments, bias)
CONV_CASES = [
    ("1d plain", (2, 3, 9), (4, 3, 3), {}, True),
    ("1d stride padding dilation", (2, 3, 11), (4, 3, 3), dict(stride=2, padding=2, dilation=2),
     True),
    ("1d same even kernel", (2, 2, 8), (3, 2, 4), dict(padding="same"), False),
    ("1d valid", (1, 2, 6), (2, 2, 5), dict(padding="valid"), True),
    ("1d groups", (2, 4, 7), (6, 2, 3), dict(groups=2, padding=1), True),
    ("1d unbatched", (3, 8), (2, 3, 3), dict(stride=3), True),
    ("2d plain", (2, 3, 6, 5), (4, 3, 3, 3), {}, True),
    ("2d no bias", (2, 3, 6, 5), (4, 3, 2, 3), {}, False),
    ("2d stride", (2, 2, 7, 9), (3, 2, 3, 3), dict(stride=2), True),
    ("2d stride pair, padding pair", (2, 2, 7, 8), (3, 2, 3, 2),
     dict(stride=(2, 1), padding=(1, 2)), True),
    ("2d dilation", (1, 2, 9, 8), (2, 2, 3, 3), dict(dilation=(2, 3), padding=1), True),
    ("2d same odd kernel", (2, 3, 5, 6), (4, 3, 3, 3), dict(padding="same"), True),
    ("2d same even kernel dilated", (2, 2, 6, 7), (3, 2, 2, 4),
     dict(padding="same", dilation=(1, 2)), True),
    ("2d groups", (2, 6, 5, 5), (4, 3, 3, 3), dict(groups=2, padding=1), True),
    ("2d depthwise", (2, 3, 6, 6), (3, 1, 3, 3), dict(groups=3, padding=1), True),
    ("2d depthwise multiplier", (1, 3, 5, 6), (6, 1, 3, 2), dict(groups=3, stride=2), True),
    ("2d 1x1", (3, 4, 3, 3), (2, 4, 1, 1), {}, True),
    ("2d kernel covers the input", (2, 2, 3, 4), (3, 2, 3, 4), {}, True),
    ("2d odd sizes everything", (3, 4, 11, 7), (6, 2, 3, 2),
     dict(stride=(3, 2), padding=(2, 1), dilation=(2, 3), groups=2), True),
    ("2d unbatched", (3, 6, 5), (2, 3, 3, 3), dict(padding=1), True),
]


@pytest.mark.parametrize("shape, wshape, kw, bias", [c[1:] for c in CONV_CASES],
                         ids=[c[0] for c in CONV_CASES])
def test_conv_against_torch(shape, wshape, kw, bias):
    torch = torch_or_skip()
    ours = F.conv1d if len(wshape) == 3 else F.conv2d
    theirs = getattr(torch.nn.functional, "conv1d" if len(wshape) == 3 else "conv2d")
    args = (rand(*shape), rand(*wshape)) + ((rand(wshape[0]),) if bias else ())
    y, seed, grads = ours_and_grads(lambda *a: ours(*a, **kw), *args)
    want, want_grads = torch_and_grads(torch, lambda *a: theirs(*a, **kw), seed, *args)
    assert y.shape == want.shape
    assert_close(y, want)
    for g, w in zip(grads, want_grads):
        assert_close(g, w)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd, padding", [(1, 2), (2, (1, 2)), (2, "same")])
def test_conv_layers_and_padding_modes_against_torch(mode, nd, padding):
    torch = torch_or_skip()
    make = {1: (nn.Conv1d, torch.nn.Conv1d), 2: (nn.Conv2d, torch.nn.Conv2d)}[nd]
    theirs = quiet(lambda: make[1](4, 6, 3, padding=padding, groups=2, padding_mode=mode,
                                   dtype=torch.float64))
    ours = make[0](4, 6, 3, padding=padding, groups=2, padding_mode=mode, rng=0)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand(2, 4, *(7, 6)[:nd])
    y, seed, (gx,) = ours_and_grads(ours, x)
    want, (want_gx,) = torch_and_grads(torch, theirs, seed, x)
    assert_close(y, want)
    assert_close(gx, want_gx)
    sg.sum(ours(x) * seed).backward()
    assert_close(ours.weight.grad, quiet(lambda: theirs.weight.grad.numpy()))
    assert_close(ours.bias.grad, theirs.bias.grad.numpy())


def test_conv_initialisation_is_pytorchs():
    layer = nn.Conv2d(6, 8, (3, 2), groups=2, rng=0)
    assert layer.weight.shape == (8, 3, 3, 2) and layer.bias.shape == (8,)
    bound = 1 / math.sqrt(3 * 3 * 2)
    for p in (layer.weight.value, layer.bias.value):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.8 * bound
    big = nn.Conv2d(16, 64, 3, rng=1).weight.value
    assert big.std() == pytest.approx(1 / math.sqrt(16 * 9) / math.sqrt(3), rel=0.05)
    np.testing.assert_array_equal(nn.Conv1d(2, 3, 3, rng=5).weight.value,
                                  nn.Conv1d(2, 3, 3, rng=5).weight.value)
    f32 = nn.Conv2d(1, 2, 3, rng=0, dtype=np.float32)
    assert f32.weight.dtype == f32.bias.dtype == np.float32
    assert f32(np.ones((1, 1, 4, 4), np.float32)).dtype == np.float32
    assert nn.Conv1d(2, 3, 3, bias=False, rng=0).bias is None
    assert repr(nn.Conv2d(2, 4, 3, padding="same", groups=2, bias=False, rng=0)) == (
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding='same', groups=2, bias=False)")


# ---- pooling against PyTorch ---------------------------------------------------------------

# (id, function name, input shape, keyword arguments)
POOL_CASES = [
    ("max2d", "max_pool2d", (2, 3, 6, 6), dict(kernel_size=2)),
    ("max2d stride", "max_pool2d", (2, 2, 7, 8), dict(kernel_size=3, stride=2)),
    ("max2d padding", "max_pool2d", (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ("max2d ceil_mode", "max_pool2d", (2, 2, 8, 7),
     dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max2d ceil_mode no padding", "max_pool2d", (1, 2, 7, 6),
     dict(kernel_size=2, ceil_mode=True)),
    ("max2d dilation", "max_pool2d", (2, 2, 9, 8),
     dict(kernel_size=(2, 3), stride=(1, 2), dilation=(3, 1), padding=(1, 1))),
    ("max2d unbatched", "max_pool2d", (3, 5, 6), dict(kernel_size=2, stride=1)),
    ("max1d", "max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1,
                                          ceil_mode=True)),
    ("max1d dilation", "max_pool1d", (2, 3, 10), dict(kernel_size=2, dilation=3)),
    ("avg2d", "avg_pool2d", (2, 3, 6, 6), dict(kernel_size=2)),
    ("avg2d stride padding", "avg_pool2d", (2, 2, 7, 8),
     dict(kernel_size=3, stride=2, padding=1)),
    ("avg2d without the padding", "avg_pool2d", (2, 2, 7, 8),
     dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("avg2d ceil_mode", "avg_pool2d", (2, 2, 8, 7),
     dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg2d ceil_mode without the padding", "avg_pool2d", (2, 2, 8, 7),
     dict(kernel_size=(3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg2d ceil_mode no padding", "avg_pool2d", (1, 2, 7, 5),
     dict(kernel_size=2, ceil_mode=True)),
    ("avg2d divisor_override", "avg_pool2d", (2, 2, 6, 6),
     dict(kernel_size=3, stride=1, padding=1, divisor_override=4)),
    ("avg2d unbatched", "avg_pool2d", (3, 5, 6), dict(kernel_size=(2, 3))),
    ("avg1d", "avg_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1,
                                          ceil_mode=True, count_include_pad=False)),
]


@pytest.mark.parametrize("name, shape, kw", [c[1:] for c in POOL_CASES],
                         ids=[c[0] for c in POOL_CASES])
def test_pooling_against_torch(name, shape, kw):
    torch = torch_or_skip()
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    x = rand(*shape)
    y, seed, (gx,) = ours_and_grads(lambda v: ours(v, **kw), x)
    want, (want_gx,) = torch_and_grads(torch, lambda v: theirs(v, **kw), seed, x)
    assert y.shape == want.shape
    assert_close(y, want)
    assert_close(gx, want_gx)


def test_pooling_layers():
    x = rand(2, 3, 7, 7)
    assert_close(nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x),
                 F.max_pool2d(x, 3, 2, 1, ceil_mode=True))
    assert_close(nn.AvgPool2d(3, 2, 1, count_include_pad=False)(x),
                 F.avg_pool2d(x, 3, 2, 1, count_include_pad=False))
    assert_close(nn.MaxPool1d(2)(x[:, :, 0]), F.max_pool1d(x[:, :, 0], 2))
    assert_close(nn.AvgPool1d(2, 1)(x[:, :, 0]), F.avg_pool1d(x[:, :, 0], 2, 1))
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert nn.MaxPool2d(2).parameters() == [] and nn.AvgPool2d(2).state_dict() == {}


def test_max_pool_ties_share_the_gradient():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    assert sg.grad(lambda v: sg.sum(F.max_pool2d(v, 2)))(x).tolist() == [[[[0, 0.5], [0.5, 0]]]]


# ---- batch norm against PyTorch ------------------------------------------------------------

# (id, semigrad class, torch class name, input shape, keyword arguments)
BN_CASES = [
    ("1d (N, C)", nn.BatchNorm1d, "BatchNorm1d", (8, 3), {}),
    ("1d (N, C, L)", nn.BatchNorm1d, "BatchNorm1d", (4, 3, 5), {}),
    ("2d", nn.BatchNorm2d, "BatchNorm2d", (4, 3, 5, 6), {}),
    ("2d momentum", nn.BatchNorm2d, "BatchNorm2d", (3, 2, 4, 4), dict(momentum=0.3, eps=1e-3)),
    ("2d cumulative average", nn.BatchNorm2d, "BatchNorm2d", (3, 2, 4, 4), dict(momentum=None)),
    ("1d without affine", nn.BatchNorm1d, "BatchNorm1d", (6, 4), dict(affine=False)),
    ("2d without running statistics", nn.BatchNorm2d, "BatchNorm2d", (3, 2, 3, 3),
     dict(track_running_stats=False)),
]


@pytest.mark.parametrize("ours_cls, torch_name, shape, kw", [c[1:] for c in BN_CASES],
                         ids=[c[0] for c in BN_CASES])
def test_batch_norm_train_and_eval_against_torch(ours_cls, torch_name, shape, kw):
    torch = torch_or_skip()
    theirs = getattr(torch.nn, torch_name)(shape[1], dtype=torch.float64, **kw)
    ours = ours_cls(shape[1], **kw)
    if ours.weight is not None:  # not the default ones and zeros
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rand(shape[1])))
            theirs.bias.copy_(torch.tensor(rand(shape[1])))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step in range(4):  # running statistics after several steps
        x = rand(*shape) * (step + 1) + step
        seed = rand(*shape)
        xt = sg.tensor(x, requires_grad=True)
        out = ours(xt)
        sg.sum(out * seed).backward()
        theirs.zero_grad()
        want, (want_gx,) = torch_and_grads(torch, theirs, seed, x)
        assert_close(out.value, want)
        assert_close(xt.grad, want_gx)
        if ours.weight is not None:
            assert_close(ours.weight.grad, theirs.weight.grad.numpy())
            assert_close(ours.bias.grad, theirs.bias.grad.numpy())
            ours.zero_grad()
        state = ours.state_dict()
        for name, value in theirs.state_dict().items():
            assert_close(state[name], value.numpy())
    ours.eval(), theirs.eval()
    x = rand(*shape)
    y, seed, (gx,) = ours_and_grads(ours, x)
    want, (want_gx,) = torch_and_grads(torch, theirs, seed, x)
    assert_close(y, want)
    assert_close(gx, want_gx)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())


def test_functional_batch_norm_against_torch():
    torch = torch_or_skip()
    x, w, b = rand(5, 3, 4), rand(3), rand(3)
    mean, var = rand(3), np.abs(rand(3)) + 0.5
    tmean, tvar = torch.tensor(mean), torch.tensor(var)
    for training in (True, False):
        y, seed, grads = ours_and_grads(
            lambda *a, training=training: F.batch_norm(a[0], mean.copy(), var.copy(), a[1],
                                                       a[2], training, 0.2, 1e-4), x, w, b)
        want, want_grads = torch_and_grads(
            torch, lambda *a, training=training: torch.nn.functional.batch_norm(
                a[0], tmean.clone(), tvar.clone(), a[1], a[2], training, 0.2, 1e-4), seed, x, w, b)
        assert_close(y, want)
        for g, t in zip(grads, want_grads):
            assert_close(g, t)
    F.batch_norm(x, mean, var, w, b, training=True, momentum=0.2, eps=1e-4)
    torch.nn.functional.batch_norm(torch.tensor(x), tmean, tvar, torch.tensor(w), torch.tensor(b),
                                   training=True, momentum=0.2, eps=1e-4)
    assert_close(mean, tmean.numpy())
    assert_close(var, tvar.numpy())


# ---- PyTorch modules' state dicts load unchanged -------------------------------------------


def test_a_pytorch_cnn_state_dict_loads_unchanged_against_torch():
    torch = torch_or_skip()
    tnn = torch.nn
    torch.manual_seed(0)
    theirs = tnn.Sequential(
        tnn.Conv2d(3, 8, 3, padding=1), tnn.BatchNorm2d(8), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(8, 8, 3, padding="same", groups=8, bias=False), tnn.BatchNorm2d(8),
        tnn.ReLU(), tnn.AvgPool2d(2, ceil_mode=True), tnn.Conv2d(8, 4, 2), tnn.Flatten(),
    ).double()
    x = rand(5, 3, 10, 10)
    theirs.train()(torch.tensor(x))  # running statistics that are not the initial ones
    theirs.eval()
    ours = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, rng=0), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding="same", groups=8, bias=False, rng=0), nn.BatchNorm2d(8),
        nn.ReLU(), nn.AvgPool2d(2, ceil_mode=True), nn.Conv2d(8, 4, 2, rng=0),
        lambda h: sg.reshape(h, (h.shape[0], -1)),
    ).eval()
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)
    assert_close(ours(x).value, theirs(torch.tensor(x)).detach().numpy())
    assert int(ours[1].num_batches_tracked) == 1


# ---- the structure the semiring sweeps see -------------------------------------------------


def _taps_reading(x_shape, k, stride, pad):
    """By brute force: for each input element of a 1-channel 2-d convolution, how many
    (output position, tap) pairs read it."""
    _, _, H, W = x_shape
    count = np.zeros((H, W), dtype=int)
    oh = (H + 2 * pad - k) // stride + 1
    ow = (W + 2 * pad - k) // stride + 1
    for i in range(oh):
        for j in range(ow):
            for a in range(k):
                for b in range(k):
                    r, c = i * stride - pad + a, j * stride - pad + b
                    if 0 <= r < H and 0 <= c < W:
                        count[r, c] += 1
    return count, oh * ow


def test_a_convolutions_scalar_paths_are_its_kernel_taps():
    x, w = rand(1, 1, 4, 5), rand(1, 1, 3, 3)
    graph = sg.trace(lambda x, w: sg.sum(F.conv2d(x, w, stride=2, padding=1)), x, w)
    counts = graph.backprop(sg.semirings.Counting())
    taps, positions = _taps_reading(x.shape, 3, 2, 1)
    np.testing.assert_array_equal(counts[0].reshape(4, 5), taps)
    # every weight element has one path per output position (a padded tap's weight is 0)
    np.testing.assert_array_equal(counts[1], np.full(w.shape, positions))
    paths = enumerate_paths(graph, [0])
    assert len(paths) == taps.sum()
    # each path runs through exactly one weight: its weight is the product of the partials
    best = graph.backprop(sg.semirings.MaxProduct())[0]
    brute = np.zeros(x.size)
    for p in paths:
        k = int(np.ravel_multi_index(p.element, x.shape))
        brute[k] = max(brute[k], abs(math.prod(h.partial for h in p.hops)))
    assert_close(best.reshape(-1), brute, tol=1e-12)
    # and each path's weight is one kernel tap's weight
    assert {round(abs(p.weight), 12) for p in paths} <= {round(abs(v), 12) for v in w.ravel()}


def test_grouped_convolution_paths_stay_in_their_group():
    x, w = rand(1, 4, 3, 3), rand(2, 2, 2, 2)
    dep = sg.trace(lambda x: F.conv2d(x, w, groups=2)[0, 0, 0, 0], x).backprop(
        sg.semirings.Boolean())[0]
    assert dep[0, :2, :2, :2].all() and not dep[0, 2:].any() and dep.sum() == 8


def test_pooling_paths_route_to_the_maximum_or_spread_over_the_window():
    x = rand(1, 1, 4, 4)
    graph = sg.trace(lambda x: sg.sum(F.max_pool2d(x, 2)), x)
    count = graph.backprop(sg.semirings.Counting())[0]
    winners = x.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4).max(axis=1)
    assert count.sum() == 4 and set(x[count > 0]) == set(winners)
    avg = sg.trace(lambda x: sg.sum(F.avg_pool2d(x, 3, 1, 1)), x).backprop(
        sg.semirings.Counting())[0]
    np.testing.assert_array_equal(avg[0, 0], [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6],
                                              [4, 6, 6, 4]])


def test_pooling_sweeps_equal_path_enumeration():
    x = rand(1, 2, 5, 5)
    for pool in (lambda v: F.max_pool2d(v, 3, 2, 1, ceil_mode=True),
                 lambda v: F.avg_pool2d(v, 2, 2, 1, count_include_pad=False)):
        graph = sg.trace(lambda v, pool=pool: sg.sum(pool(v) * np.arange(1.0, 19.0)
                                                     .reshape(1, 2, 3, 3)), x)
        best = graph.backprop(sg.semirings.MaxProduct())[0].reshape(-1)
        brute = np.zeros(x.size)
        for p in enumerate_paths(graph, [0]):
            k = int(np.ravel_multi_index(p.element, x.shape))
            brute[k] = max(brute[k], abs(p.weight))
        assert_close(best, brute, tol=1e-12)


# ---- transforms ----------------------------------------------------------------------------


def test_convolutional_models_under_jit_vmap_and_functional_call():
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, rng=0), nn.BatchNorm2d(3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.AvgPool2d(2, ceil_mode=True)).eval()
    x = rand(4, 2, 6, 6)
    params = model.parameter_arrays()

    def loss(p, x):
        return sg.sum(nn.functional_call(model, p, x) ** 2)

    value, grads = sg.value_and_grad(loss)(params, x)
    jit_value, jit_grads = sg.jit(sg.value_and_grad(loss))(params, x)
    assert_close(jit_value, value)
    for k in grads:
        assert_close(jit_grads[k], grads[k])
    unbatched = nn.Sequential(model[0], model[2], model[3], model[4])  # BatchNorm2d needs N
    assert_close(sg.vmap(unbatched)(x), unbatched(x))


# ---- second derivatives --------------------------------------------------------------------

MEAN = rand(2)
# (id, function, arguments): small sizes, through check_grads (forward and reverse, order 2)
SECOND_ORDER = [
    ("conv2d stride padding", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     (rand(1, 2, 4, 3), rand(2, 2, 2, 2), rand(2))),
    ("conv2d groups dilation same", lambda x, w: F.conv2d(x, w, padding="same", groups=2,
                                                          dilation=(1, 2)),
     (rand(1, 4, 3, 4), rand(2, 2, 2, 2))),
    ("conv1d", lambda x, w: F.conv1d(x, w, stride=2, padding=1), (rand(2, 2, 5), rand(3, 2, 3))),
    ("conv2d squared", lambda x, w: F.conv2d(x, w) ** 2, (rand(2, 1, 3, 3), rand(1, 1, 2, 2))),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2, 1, ceil_mode=True), (rand(1, 2, 3, 3),)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     (rand(1, 2, 4, 4),)),
    ("batch_norm training", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     (rand(4, 2, 3), rand(2), rand(2))),
    ("batch_norm eval", lambda x, w: F.batch_norm(x, MEAN, np.ones(2), w, None),
     (rand(3, 2), rand(2))),
]


@pytest.mark.parametrize("f, args", [c[1:] for c in SECOND_ORDER], ids=[c[0] for c in SECOND_ORDER])
def test_second_order_gradients(f, args):
    sg.check_grads(f, args, modes=("rev", "fwd"), order=2)


# ---- buffers -----------------------------------------------------------------------------


def test_buffers_are_state_but_not_parameters(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.BatchNorm2d(2))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                        "1.bias"]
    assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var",
                                                     "1.num_batches_tracked"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                        "1.running_mean", "1.running_var",
                                        "1.num_batches_tracked"]
    assert list(model.parameter_arrays()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    x = rand(4, 1, 5, 5)
    sg.sum(model(x)).backward()
    assert int(model[1].num_batches_tracked) == 1 and np.any(model[1].running_mean != 0)
    model.save(tmp_path / "m.npz")
    other = nn.Sequential(nn.Conv2d(1, 2, 3, rng=1), nn.BatchNorm2d(2)).load(tmp_path / "m.npz")
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype, k
    assert_close(other.eval()(x).value, model.eval()(x).value)
    state = model.state_dict()
    state.pop("1.running_var")
    with pytest.raises(ValueError, match=r"missing 1\.running_var"):
        other.load_state_dict(state)
    other.load_state_dict({"1.running_mean": np.full(2, 3.0)}, strict=False)
    assert other[1].running_mean.tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match=r"mis-shaped 1\.running_mean"):
        other.load_state_dict({"1.running_mean": np.ones(3)}, strict=False)
    plain = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert plain.state_dict() == {} and plain.parameters() == []


def test_register_buffer_validates():
    m = nn.Module()
    with pytest.raises(ValueError, match="must be an identifier"):
        m.register_buffer("a.b", np.ones(2))
    with pytest.raises(TypeError, match="buffer 'names' must be a numeric array"):
        m.register_buffer("names", np.array(["x"]))


def test_functional_call_takes_buffers_and_the_functional_face_trains_batch_norm():
    model = nn.Sequential(nn.Conv1d(2, 3, 3, rng=0), nn.BatchNorm1d(3))
    x = rand(6, 2, 5)
    state = model.state_dict()
    y = nn.functional_call(model, state, x)
    assert state["1.running_mean"].any() and not model[1].running_mean.any()  # the array given
    assert int(state["1.num_batches_tracked"]) == 1
    assert_close(y, model(x).value)
    with pytest.raises(ValueError, match=r"no parameter named 'nope' \(nor a buffer\)"):
        nn.functional_call(model, {"nope": np.ones(1)}, x)
    # the functional face differentiates the parameters; the module updates its buffers,
    # once per step under sg.value_and_grad (its forward runs once)
    params = model.parameter_arrays()
    opt = optim.SGD(params, lr=0.1)
    step = sg.value_and_grad(lambda p: sg.sum(nn.functional_call(model, p, x)[:, 0] ** 2))
    for _ in range(3):
        _, grads = step(params)
        assert sorted(grads) == sorted(params)
        opt.step(grads)
    assert int(model[1].num_batches_tracked) == 4
    model.load_state_dict(params, strict=False)


def test_batch_norm_under_replayed_traces():
    bn = nn.BatchNorm1d(2)
    x = rand(5, 2)
    with pytest.raises(RuntimeError, match="training mode updates the running statistics"):
        sg.jit(lambda v: bn(v))(x)
    bn.eval()
    assert_close(sg.jit(lambda v: bn(v))(x), bn(x))
    batch_stats = nn.BatchNorm1d(2, track_running_stats=False)
    assert_close(sg.jit(lambda v: batch_stats(v))(x), batch_stats(x))


# ---- errors ------------------------------------------------------------------------------

ERRORS = [
    (lambda: F.conv2d(rand(2, 3, 5, 5), rand(4, 2, 3, 3)),
     r"conv2d: the input has 3 channels, so the weight's axis 1 must be 3 .*got weight shape "
     r"\(4, 2, 3, 3\) for input shape \(2, 3, 5, 5\)"),
    (lambda: F.conv2d(rand(2, 5, 5), rand(4, 3, 3)),
     r"conv2d: weight must have shape \(out_channels, in_channels / groups, kH, kW\); got "
     r"shape \(4, 3, 3\)"),
    (lambda: F.conv2d(rand(5, 5), rand(1, 1, 3, 3)),
     r"conv2d: input must have shape \(N, C, H, W\) or, unbatched, \(C, H, W\); got shape "
     r"\(5, 5\)"),
    (lambda: F.conv1d(rand(1, 4, 5), rand(4, 2, 3), groups=3),
     r"conv1d: groups=3 must divide the input's 4 channels"),
    (lambda: F.conv2d(rand(1, 1, 3, 3), rand(1, 1, 5, 5)),
     r"conv2d: the kernel \(5, 5\) .* is larger than the padded input \(3, 3\)"),
    (lambda: F.conv2d(rand(1, 1, 5, 5), rand(1, 1, 3, 3), stride=2, padding="same"),
     r"padding='same' needs stride 1"),
    (lambda: F.conv2d(rand(1, 1, 5, 5), rand(1, 1, 3, 3), padding="full"),
     r"padding must be an int, a tuple of 2 ints, 'valid' or 'same'; got 'full'"),
    (lambda: F.conv2d(rand(1, 1, 5, 5), rand(2, 1, 3, 3), rand(3)),
     r"bias must have shape \(2,\)"),
    (lambda: F.conv2d(rand(1, 1, 5, 5), rand(1, 1, 3, 3), stride=(1, 2, 3)),
     r"stride must be an int or a tuple of 2 ints; got \(1, 2, 3\)"),
    (lambda: F.max_pool2d(rand(1, 1, 5, 5), 3, padding=2),
     r"max_pool2d: padding must be between 0 and half the kernel size"),
    (lambda: F.avg_pool2d(rand(1, 1, 2, 2), 3),
     r"avg_pool2d: the window \(3, 3\) .* does not fit"),
    (lambda: F.batch_norm(rand(1, 3), None, None, training=True),
     r"batch_norm: training needs more than one value per channel .* input shape \(1, 3\)"),
    (lambda: F.batch_norm(rand(4, 3), np.zeros(2), np.ones(2)),
     r"batch_norm: running_mean must have shape \(3,\)"),
    (lambda: F.batch_norm(rand(4, 3), None, None),
     r"evaluation \(training=False\) normalises by running_mean and running_var"),
    (lambda: nn.BatchNorm2d(3)(rand(4, 3, 5)),
     r"BatchNorm2d: input must have shape \(N, C, H, W\); got shape \(4, 3, 5\)"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), r"Conv2d: groups=2 must divide in_channels=3"),
    (lambda: nn.Conv2d(1, 1, 3, padding_mode="mirror"), r"padding_mode must be one of"),
    (lambda: nn.Conv1d(1, 1, 3, stride=2, padding="same"), r"padding='same' needs stride 1"),
]


@pytest.mark.parametrize("call, message", ERRORS)
def test_errors_name_the_operation_argument_and_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ---- a small CNN trains --------------------------------------------------------------------


def test_a_small_cnn_trains_on_digits():
    pytest.importorskip("sklearn")
    x, y = data.load_digits()
    x, y = x[:128].reshape(-1, 1, 8, 8), y[:128]
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, rng=0), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        lambda h: sg.reshape(h, (h.shape[0], 128)),
    )
    head = sg.nn.Parameter(np.random.default_rng(2).normal(size=(128, 10)) * 0.1)
    opt = optim.Adam([*model.parameters(), head], lr=0.01)
    losses = []
    for _ in range(15):
        loss = F.cross_entropy(model(x) @ head, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.value))
    assert losses[-1] < 0.3 * losses[0]
    model.eval()
    assert np.mean(np.argmax((model(x) @ head).value, axis=1) == y) > 0.8
