"""sg.optim: each optimiser against its update equations by hand and against torch.optim.

A few steps of a known problem: updates computed by hand (scalar arithmetic
written out here), then the same runs against PyTorch's optimisers and
schedulers when PyTorch is installed (skipped with a reason otherwise).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import semigrad as sg
import semigrad.nn as nn
from semigrad import optim

GRADS = [np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.5, 0.1])]
START = np.array([1.0, -2.0])


def run(make, grads=GRADS, start=START):
    params = {"w": start.copy()}
    opt = make(params)
    history = []
    for g in grads:
        opt.step({"w": g})
        history.append(params["w"].copy())
    return history


# ---- by hand -------------------------------------------------------------------------------


def sgd_by_hand(lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    p, buf, out = START.copy(), None, []
    for g in GRADS:
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        out.append(p)
    return out


def adam_by_hand(lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    p, m, v, out = START.copy(), 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps * 1.0)
        out.append(p)
    return out


def rmsprop_by_hand(lr, alpha=0.99, eps=1e-8, momentum=0.0, centered=False, weight_decay=0.0):
    p, s, gbar, buf, out = START.copy(), 0.0, 0.0, 0.0, []
    for g in GRADS:
        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        if centered:
            gbar = alpha * gbar + (1 - alpha) * g
            d = np.sqrt(s - gbar * gbar) + eps
        else:
            d = np.sqrt(s) + eps
        if momentum:
            buf = momentum * buf + g / d
            p = p - lr * buf
        else:
            p = p - lr * g / d
        out.append(p)
    return out


HAND = [
    ("sgd", lambda p: optim.SGD(p, lr=0.1), sgd_by_hand(0.1)),
    ("sgd momentum", lambda p: optim.SGD(p, lr=0.1, momentum=0.9), sgd_by_hand(0.1, 0.9)),
    ("sgd nesterov", lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
     sgd_by_hand(0.1, 0.9, nesterov=True)),
    ("sgd weight decay", lambda p: optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
     sgd_by_hand(0.1, 0.5, weight_decay=0.01)),
    ("adam", lambda p: optim.Adam(p, lr=0.01), adam_by_hand(0.01)),
    ("adam l2", lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
     adam_by_hand(0.01, 0.8, 0.9, weight_decay=0.1)),
    ("adamw", lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
     adam_by_hand(0.01, weight_decay=0.1, decoupled=True)),
    ("rmsprop", lambda p: optim.RMSprop(p, lr=0.01), rmsprop_by_hand(0.01)),
    ("rmsprop centered momentum",
     lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                             weight_decay=0.01),
     rmsprop_by_hand(0.01, 0.9, momentum=0.5, centered=True, weight_decay=0.01)),
]


@pytest.mark.parametrize("name, make, expected", HAND, ids=[h[0] for h in HAND])
def test_updates_by_hand(name, make, expected):
    for got, want in zip(run(make), expected):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_first_steps_written_out():
    # SGD with momentum 0.9, lr 0.1 on g = 1 twice: 1 - 0.1 - 0.1 * (0.9 + 1) = 0.71
    assert run(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), [np.ones(1)] * 2,
               np.ones(1))[-1][0] == pytest.approx(0.71, abs=1e-15)
    # Adam's first step is lr · g / (|g| + eps/(1-b2)^0.5...) ≈ lr · sign(g)
    first = run(lambda p: optim.Adam(p, lr=0.1), [np.array([3.0, -0.5])], np.zeros(2))[0]
    np.testing.assert_allclose(first, [-0.1, 0.1], rtol=1e-7)


# ---- both faces ---------------------------------------------------------------------------


def test_eager_and_functional_faces_update_alike():
    x, y = np.linspace(-1, 1, 12).reshape(6, 2), np.array([0, 1, 2, 0, 1, 2])
    eager = nn.MLP([2, 5, 3], rng=0)
    functional = nn.MLP([2, 5, 3], rng=0)
    params = functional.state_dict()
    opt_eager = optim.AdamW(eager.parameters(), lr=0.05)
    opt_functional = optim.AdamW(params, lr=0.05)
    vg = sg.value_and_grad(
        lambda p: nn.functional.cross_entropy(nn.functional_call(functional, p, x), y))
    for _ in range(4):
        nn.functional.cross_entropy(eager(x), y).backward()
        opt_eager.step()
        opt_eager.zero_grad()
        opt_functional.step(vg(params)[1])
    for name, p in eager.named_parameters():
        np.testing.assert_allclose(p.value, params[name], rtol=1e-13)
    assert all(p.grad is None for p in eager.parameters())


def test_parameters_without_gradient_are_skipped():
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    opt = optim.Adam([a, b], lr=0.1)
    sg.sum(a * 3.0).backward()
    opt.step()
    assert b.value.tolist() == [2.0] and a.value[0] == pytest.approx(0.9)
    assert opt.state[1] == {} and opt.state[0]["step"] == 1


def test_updates_happen_in_place_and_keep_the_dtype():
    w = np.ones(3, dtype=np.float32)
    params = {"w": w, "s": np.float64(2.0)}
    opt = optim.SGD(params, lr=0.5, momentum=0.9)
    opt.step({"w": np.ones(3, dtype=np.float32), "s": 1.0})
    assert params["w"] is w and w.dtype == np.float32 and w.tolist() == [0.5] * 3
    assert params["s"] == 1.5
    t = nn.Parameter(np.float32(1.0))  # a 0-d parameter: its value is rebound
    opt = optim.Adam([t], lr=0.1)
    sg.square(t).backward()
    opt.step()
    assert t.dtype == np.float32 and float(t.value) == pytest.approx(0.9)


def test_shared_gradient_arrays_are_not_scaled_twice():
    a, b = nn.Parameter([3.0]), nn.Parameter([4.0])
    sg.sum(a + b).backward()  # both leaves may receive the same adjoint array
    a.grad, b.grad = np.array([3.0]), np.array([4.0])
    shared = np.array([3.0, 4.0])
    grads = {"a": shared, "b": shared}
    norm = optim.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(math.sqrt(50))
    assert shared.tolist() == [3.0, 4.0]  # replaced, not scaled in place
    np.testing.assert_allclose(grads["a"], shared / (math.sqrt(50) + 1e-6))
    assert optim.clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose([a.grad[0], b.grad[0]], [0.6, 0.8], rtol=1e-6)
    assert optim.clip_grad_norm([a, b], 10.0) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose([a.grad[0], b.grad[0]], [0.6, 0.8], rtol=1e-6)


def test_schedules():
    assert [optim.step_decay(1.0, 3, 0.5)(t) for t in range(7)] == [1, 1, 1, .5, .5, .5, .25]
    cosine = optim.cosine_decay(0.1, 10, min_lr=0.01)
    assert cosine(0) == 0.1 and cosine(10) == pytest.approx(0.01) and cosine(50) == cosine(10)
    assert cosine(5) == pytest.approx(0.055)
    warm = optim.linear_warmup(optim.cosine_decay(1.0, 100), 10, start_factor=0.1)
    assert warm(0) == pytest.approx(0.1) and warm(10) == pytest.approx(
        optim.cosine_decay(1.0, 100)(10))
    params = {"w": np.zeros(1)}
    opt = optim.SGD(params, lr=optim.step_decay(1.0, 1, 0.5))
    for _ in range(3):
        opt.step({"w": np.ones(1)})
    assert params["w"].tolist() == [-1.75] and opt.current_lr == 0.125


@pytest.mark.parametrize("call, error, message", [
    (lambda: optim.SGD(nn.Linear(2, 2), lr=0.1), TypeError, r"model\.parameters\(\)"),
    (lambda: optim.SGD([], lr=0.1), ValueError, "no parameters"),
    (lambda: optim.SGD([np.ones(2)], lr=0.1), TypeError, "must hold Tensors"),
    (lambda: optim.SGD({"w": np.ones(2, dtype=int)}, lr=0.1), TypeError, "floating-point"),
    (lambda: optim.SGD([sg.tensor([1.0])], lr=0.1), ValueError, "not a leaf Tensor"),
    (lambda: optim.SGD({"w": np.ones(2)}, lr=-1.0), ValueError, "lr must be >= 0"),
    (lambda: optim.SGD({"w": np.ones(2)}, lr=0.1, nesterov=True), ValueError, "momentum > 0"),
    (lambda: optim.Adam({"w": np.ones(2)}, betas=(0.9, 1.0)), ValueError, r"betas\[1\]"),
    (lambda: optim.SGD({"w": np.ones(2)}, lr=0.1).step(), ValueError, r"step\(grads\)"),
    (lambda: optim.SGD({"w": np.ones(2)}, lr=0.1).step({"v": np.ones(2)}), ValueError,
     r"missing \['w'\]; unexpected \['v'\]"),
    (lambda: optim.SGD({"w": np.ones(2)}, lr=0.1).step({"w": np.ones(3)}), ValueError,
     r"gradient of shape \(3,\) for parameter 'w' of shape \(2,\)"),
    (lambda: optim.clip_grad_norm({"w": np.ones(2)}, -1.0), ValueError, "max_norm"),
    (lambda: optim.step_decay(1.0, 0), ValueError, "step_size"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- against PyTorch ----------------------------------------------------------------------

TORCH_CASES = [
    ("SGD", dict(lr=0.1), {}),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01), {}),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True), {}),
    ("Adam", dict(lr=0.01), {}),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1), {}),
    ("AdamW", dict(lr=0.01), {}),
    ("AdamW", dict(lr=0.02, weight_decay=0.3), {}),
    ("RMSprop", dict(lr=0.01), {}),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01), {}),
]


@pytest.mark.parametrize("name, kwargs, _", TORCH_CASES,
                         ids=[f"{c[0]} {sorted(c[1])}" for c in TORCH_CASES])
def test_against_torch_optim(name, kwargs, _):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    rng = np.random.default_rng(0)
    start = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    ours = {k: v.copy() for k, v in start.items()}
    theirs = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    opt = getattr(optim, name)(ours, **kwargs)
    opt_torch = getattr(torch.optim, name)(list(theirs.values()), **kwargs)
    for _ in range(6):
        grads = {k: rng.standard_normal(v.shape) for k, v in start.items()}
        opt.step(grads)
        for k, p in theirs.items():
            p.grad = torch.tensor(grads[k])
        opt_torch.step()
    for k in start:
        np.testing.assert_allclose(ours[k], theirs[k].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_schedules_and_clipping_against_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional peer)")
    sched = torch.optim.lr_scheduler

    def torch_lrs(make, steps=12):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        s = make(opt)
        lrs = []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            s.step()
        return lrs

    for ours, make in [
        (optim.step_decay(0.5, 4, 0.3), lambda o: sched.StepLR(o, 4, gamma=0.3)),
        (optim.cosine_decay(0.5, 12, min_lr=0.05),
         lambda o: sched.CosineAnnealingLR(o, T_max=12, eta_min=0.05)),
        (optim.linear_warmup(0.5, 5, start_factor=0.2),
         lambda o: sched.LinearLR(o, start_factor=0.2, total_iters=5)),
    ]:
        np.testing.assert_allclose([ours(t) for t in range(12)], torch_lrs(make), rtol=1e-12)
    rng = np.random.default_rng(1)
    grads = {"a": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    tensors = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True)
               for v in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g)
    norm = torch.nn.utils.clip_grad_norm_(tensors, 0.5).item()
    assert optim.clip_grad_norm(grads, 0.5) == pytest.approx(norm, rel=1e-12)
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12)
