"""PyTorch (CPU, eager): leaf tensors with ``requires_grad`` and ``torch.autograd.grad``.

"forward" measures run under ``torch.no_grad()``. Inputs of W1 arrive as Python floats, so
creating the four leaf tensors is part of each call, as wrapping them is for semigrad.
W6 runs its NumPy code over ``torch_numpy``: torch.linalg, torch.fft and torch's elementwise
functions under NumPy's names (the same calls, so the same mathematics).
"""

from __future__ import annotations

from types import SimpleNamespace

import torch

from problems import (
    LEARNING_RATE,
    RECURRENCE_START,
    SEED_POINT,
    Case,
    Skip,
    chain,
    chain_data,
    hessian_case,
    logistic,
    mlp_data,
    mlp_loss,
    numpy_data,
    numpy_program,
    recurrence,
    seed,
    seed_arrays,
)

ops = SimpleNamespace(exp=torch.exp, log=torch.log, sin=torch.sin, tanh=torch.tanh,
                      sum=torch.sum, matmul=torch.matmul,
                      log_softmax=lambda h: torch.log_softmax(h, dim=1))
F64 = torch.float64
torch_numpy = SimpleNamespace(linalg=torch.linalg, fft=torch.fft, sum=torch.sum, abs=torch.abs,
                              real=torch.real, conj=torch.conj, exp=torch.exp, tanh=torch.tanh)


def _same_as_torch(vectorize):
    if vectorize:
        raise Skip("vectorize only changes W3 (torch.autograd.functional.hessian)")


def _leaves(arrays):
    return [torch.tensor(a, dtype=F64, requires_grad=True) for a in arrays]


def _numpy(values):
    return [v.detach().numpy() for v in values]


def w1(sizes, vectorize=False):
    _same_as_torch(vectorize)
    def value_and_grad():
        args = _leaves(SEED_POINT)
        out = seed(ops, *args)
        grads = torch.autograd.grad(out, args)
        return out.item(), [g.item() for g in grads]

    def check():
        value, grads = value_and_grad()
        return [value, *grads]

    return Case({"value+grad": value_and_grad}, check)


def w1b(sizes, vectorize=False):
    _same_as_torch(vectorize)
    args = [torch.from_numpy(a).requires_grad_() for a in seed_arrays(sizes.array_len)]

    def value_and_grad():
        out = seed(ops, *args).sum()
        return out, torch.autograd.grad(out, args)

    def forward():
        with torch.no_grad():
            return seed(ops, *args).sum()

    def check():
        value, grads = value_and_grad()
        return _numpy([value, *grads])

    return Case({"value+grad": value_and_grad, "forward": forward}, check)


def w2(sizes, vectorize=False):
    _same_as_torch(vectorize)
    def setup():
        arrays, x, labels = mlp_data(sizes)
        params = {k: torch.from_numpy(a).requires_grad_() for k, a in arrays.items()}
        return params, torch.from_numpy(x), torch.from_numpy(labels)

    params, x, labels = setup()
    rows = torch.arange(sizes.batch)

    def step():
        loss = mlp_loss(ops, params, x, labels, rows)
        loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= LEARNING_RATE * p.grad
                p.grad = None
        return loss

    def forward():
        with torch.no_grad():
            return mlp_loss(ops, params, x, labels, rows)

    def check():
        fresh, x0, labels0 = setup()
        loss = mlp_loss(ops, fresh, x0, labels0, rows)
        grads = torch.autograd.grad(loss, list(fresh.values()))
        return _numpy([loss, *grads])

    return Case({"SGD step": step, "forward": forward}, check)


def w3(sizes, vectorize=False):
    """``torch.autograd.functional.hessian``, row by row or ``vectorize=True`` (vmap)."""
    from torch.autograd.functional import hessian

    def hessian_for(a, x):
        a, x = torch.from_numpy(a), torch.from_numpy(x)
        f = lambda v: logistic(ops, a, v)  # noqa: E731
        return (lambda: hessian(f, x, vectorize=vectorize)), lambda h: h.numpy()

    return hessian_case(hessian_for, sizes)


def w4(sizes, vectorize=False):
    _same_as_torch(vectorize)
    def run():
        a0, a1 = _leaves(RECURRENCE_START)
        out = recurrence(ops, a0, a1, sizes.steps)
        out.backward()
        return [out.item(), a0.grad.item(), a1.grad.item()]

    return Case({"build+backward": run}, run)


def w5(sizes, vectorize=False):
    _same_as_torch(vectorize)
    x_np, mul_np, add_np = chain_data(sizes)
    mul, add = torch.from_numpy(mul_np), torch.from_numpy(add_np)

    def value_and_grad():
        x = torch.from_numpy(x_np).requires_grad_()
        out = chain(ops, x, mul, add, sizes.chain_ops).sum()
        out.backward()
        return out, x.grad

    def check():
        return _numpy(value_and_grad())

    return Case({"per op": value_and_grad}, check, per_call_divisor=sizes.chain_ops)


def w6(sizes, vectorize=False):
    _same_as_torch(vectorize)
    args = [torch.from_numpy(v).requires_grad_() for v in numpy_data(sizes.numpy_n)]

    def value_and_grad():
        out = numpy_program(torch_numpy, *args)
        return out, torch.autograd.grad(out, args)

    def forward():
        with torch.no_grad():
            return numpy_program(torch_numpy, *args)

    def check():
        value, grads = value_and_grad()
        return _numpy([value, *grads])

    return Case({"value+grad": value_and_grad, "forward": forward}, check)
