"""Hand-written NumPy forward and backward passes: the reference and the no-AD-overhead limit.

``REFERENCE`` gives, for every workload, the result all libraries are checked against,
computed without any autodiff (analytic derivatives, or forward-mode by hand for W4).
W1b, W2 and W6 are also timed here, as the speed an autodiff engine would reach with no
overhead at all; W1, W4 and W5 are reference only.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from problems import (
    LEARNING_RATE,
    RECURRENCE_START,
    SEED_POINT,
    Case,
    Skip,
    chain_data,
    hessian_case,
    mlp_data,
    mlp_loss,
    numpy_data,
    numpy_program,
    seed,
    seed_arrays,
)


def log_softmax(h):
    shifted = h - h.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


ops = SimpleNamespace(exp=np.exp, log=np.log, sin=np.sin, tanh=np.tanh, sum=np.sum,
                      matmul=np.matmul, log_softmax=log_softmax)


def seed_value_and_grad(x, y, z, v, exp=np.exp, log=np.log):
    """Value and the 4 partials of the seed function (summed over elements for arrays)."""
    p = y ** -x
    e = exp(p) / z
    d = y - z
    log_v = log(v)
    value = e + d * d * log_v
    ep = e * p
    grads = [-ep * log(y), -ep * x / y + 2 * d * log_v, -e / z - 2 * d * log_v, d * d / v]
    return value, grads


def mlp_value_and_grad(params, x, labels):
    """Loss and parameter gradients of ``problems.mlp_loss``, by hand."""
    n_layers = len(params) // 2
    acts = [x]
    for i in range(1, n_layers):
        acts.append(np.tanh(acts[-1] @ params[f"W{i}"] + params[f"b{i}"]))
    logp = log_softmax(acts[-1] @ params[f"W{n_layers}"] + params[f"b{n_layers}"])
    rows = np.arange(len(x))
    loss = -logp[rows, labels].mean()
    delta = np.exp(logp)
    delta[rows, labels] -= 1
    delta /= len(x)
    grads = {}
    for i in range(n_layers, 0, -1):
        grads[f"W{i}"] = acts[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0)
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (1 - acts[i - 1] ** 2)
    return loss, grads


def numpy_value_and_grad(a, x):
    """Value and gradients (w.r.t. A, then x) of ``problems.numpy_program``, by hand.

    With y = A⁻¹x, t = tanh(Ax), z = x·t, Z = rfft(z), F = fft(x), e = exp(ix):
    log|det A| gives A⁻ᵀ; Σy² gives x̄ = A⁻ᵀ(2y), Ā = -x̄ yᵀ; Σ|Z|²/n gives
    z̄ = 2 Re(ifft(Z zero-padded to n)), then x̄ += z̄ t, h̄ = z̄ x (1 - t²), Ā += h̄ xᵀ,
    x̄ += Aᵀh̄; Σ Re(e conj F) = Σ(cos x Re F + sin x Im F) gives
    x̄ += -sin x Re F + cos x Im F + Re(fft(conj e)).
    """
    n = x.shape[0]
    inv = np.linalg.inv(a)
    y = inv @ x
    t = np.tanh(a @ x)
    spectrum = np.fft.rfft(x * t)
    f = np.fft.fft(x)
    e = np.exp(1j * x)
    value = (np.linalg.slogdet(a)[1] + y @ y + np.sum(spectrum.real ** 2 + spectrum.imag ** 2) / n
             + np.sum(e.real * f.real + e.imag * f.imag))
    u = inv.T @ (2.0 * y)
    gz = 2.0 * np.fft.ifft(spectrum, n).real
    gh = gz * x * (1.0 - t * t)
    grad_a = inv.T - np.outer(u, y) + np.outer(gh, x)
    grad_x = (u + gz * t + a.T @ gh - e.imag * f.real + e.real * f.imag
              + np.fft.fft(e.conj()).real)
    return value, [grad_a, grad_x]


def w1(sizes):
    raise Skip("reference only (hand-written NumPy is timed for W1b and W2)")


def w1b(sizes):
    x, y, z, v = seed_arrays(sizes.array_len)

    def value_and_grad():
        value, grads = seed_value_and_grad(x, y, z, v)
        return value.sum(), grads

    def check():
        value, grads = value_and_grad()
        return [value, *grads]

    return Case({"value+grad": value_and_grad,
                 "forward": lambda: seed(ops, x, y, z, v).sum()}, check)


def w2(sizes):
    params, x, labels = mlp_data(sizes)
    rows = np.arange(sizes.batch)

    def step():
        loss, grads = mlp_value_and_grad(params, x, labels)
        for k, g in grads.items():
            params[k] -= LEARNING_RATE * g
        return loss

    def check():
        loss, grads = mlp_value_and_grad(*mlp_data(sizes))
        return [loss, *(grads[k] for k in params)]

    return Case({"SGD step": step, "forward": lambda: mlp_loss(ops, params, x, labels, rows)},
                check)


def w4(sizes):
    raise Skip("reference only")


def w5(sizes):
    raise Skip("reference only")


def reference_w1(sizes):
    value, grads = seed_value_and_grad(*SEED_POINT, exp=math.exp, log=math.log)
    return [value, *grads]


def reference_w4(sizes):
    """Forward-mode by hand: each a carries its derivatives w.r.t. a0 and a1."""
    prev, cur = (RECURRENCE_START[0], 1.0, 0.0), (RECURRENCE_START[1], 0.0, 1.0)
    for _ in range(sizes.steps):
        c = 0.5 * math.cos(cur[0])
        prev, cur = cur, (0.5 * math.sin(cur[0]) + 0.5 * prev[0],
                          c * cur[1] + 0.5 * prev[1], c * cur[2] + 0.5 * prev[2])
    return list(cur)


def reference_w5(sizes):
    """Forward keeping the inputs of each sin, then the backward sweep by hand."""
    x, mul, add = chain_data(sizes)
    h, sin_inputs = x, []
    for i in range(sizes.chain_ops):
        if i % 3 == 0:
            h = h * mul
        elif i % 3 == 1:
            h = h + add
        else:
            sin_inputs.append(h)
            h = np.sin(h)
    g = np.ones_like(x)
    for i in reversed(range(sizes.chain_ops)):
        if i % 3 == 0:
            g = g * mul
        elif i % 3 == 2:
            g = g * np.cos(sin_inputs.pop())
    return [h.sum(), g]


def w3(sizes):
    """The analytic Hessian: Aᵀ diag(σ(Ax)(1 − σ(Ax))) A + I."""

    def hessian_for(a, x):
        def hessian():
            s = 1.0 / (1.0 + np.exp(-(a @ x)))
            return (a.T * (s * (1.0 - s))) @ a + np.eye(len(x))

        return hessian, lambda h: h

    return hessian_case(hessian_for, sizes)


def w6(sizes):
    a, x = numpy_data(sizes.numpy_n)

    def check():
        value, grads = numpy_value_and_grad(a, x)
        return [value, *grads]

    return Case({"value+grad": lambda: numpy_value_and_grad(a, x),
                 "forward": lambda: numpy_program(np, a, x)}, check)


REFERENCE = {
    "W1": reference_w1,
    "W3": lambda sizes: w3(sizes).check(),
    "W1b": lambda sizes: w1b(sizes).check(),
    "W2": lambda sizes: w2(sizes).check(),
    "W4": reference_w4,
    "W5": reference_w5,
    "W6": lambda sizes: w6(sizes).check(),
}
