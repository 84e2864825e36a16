"""sg.vmap equals a Python loop over the examples, for every primitive of the table (values,
and per-example gradients through vmap of grad), and composes with grad both ways."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import CASES, NON_DIFFERENTIABLE

BATCH = 3
CASE_LIST = [pytest.param(name, fn, args, id=f"{name}-{label}")
             for name, cases in CASES.items() for label, fn, args in cases]


def _examples(args):
    """BATCH examples of each argument: the table's point scaled a little (the domain kept)."""
    return [[np.asarray(a) * (1.0 + 0.05 * k) if np.issubdtype(np.asarray(a).dtype, np.inexact)
             else np.asarray(a) for a in args] for k in range(BATCH)]


def _stacked(examples, k):
    return np.stack([ex[k] for ex in examples])


# Primitives whose parameters are chosen from the values at trace time: vmap refuses them.
VALUE_PARAMETERS = {"lu_factor"}


@pytest.mark.parametrize("name, fn, args", CASE_LIST)
def test_vmap_equals_a_python_loop(name, fn, args, trace_values):
    examples = _examples(args)
    if name in VALUE_PARAMETERS:
        batched = [_stacked(examples, k) for k in range(len(args))]
        with pytest.raises(TypeError, match="under sg.vmap: its pivots are chosen"):
            sg.vmap(fn)(*batched)
        return
    want = np.stack([np.asarray(fn(*ex)) for ex in examples])
    batched = [_stacked(examples, k) for k in range(len(args))]
    np.testing.assert_allclose(sg.vmap(fn)(*batched), want, rtol=1e-12, atol=1e-14)
    if len(args) > 1:  # only the first argument mapped, the others shared
        first = [batched[0], *args[1:]]
        want_first = np.stack([np.asarray(fn(ex[0], *args[1:])) for ex in examples])
        axes = (0,) + (None,) * (len(args) - 1)
        np.testing.assert_allclose(sg.vmap(fn, in_axes=axes)(*first), want_first, rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("name, fn, args", CASE_LIST)
def test_per_example_gradients_equal_a_loop(name, fn, args, trace_values):
    if name in NON_DIFFERENTIABLE | VALUE_PARAMETERS or any(np.iscomplexobj(a) for a in args):
        pytest.skip("no gradient to map" if name in NON_DIFFERENTIABLE else
                    "refused by vmap (above)" if name in VALUE_PARAMETERS else
                    "complex inputs: grad needs real ones")
    examples = _examples(args)
    out = np.asarray(fn(*args))
    weights = np.random.default_rng(0).standard_normal(out.shape)
    loss = lambda *a: sg.sum(sg.real(fn(*a)) * weights)  # noqa: E731
    grad = sg.grad(loss)
    want = np.stack([grad(*ex) for ex in examples])
    batched = [_stacked(examples, k) for k in range(len(args))]
    np.testing.assert_allclose(sg.vmap(grad)(*batched), want, rtol=1e-10, atol=1e-12)


def test_grad_of_vmap_and_vmap_of_grad():
    xs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    w = np.array([0.5, -1.0])
    f = lambda w, x: sg.sum(sg.tanh(w * x)) ** 2  # noqa: E731
    per_example = sg.vmap(sg.grad(f), in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(per_example, np.stack([sg.grad(f)(w, x) for x in xs]))
    total = sg.grad(lambda w: sg.sum(sg.vmap(f, in_axes=(None, 0))(w, xs)))(w)
    np.testing.assert_allclose(total, per_example.sum(axis=0), rtol=1e-12)
    h = sg.hessian(lambda w: sg.sum(sg.vmap(f, in_axes=(None, 0))(w, xs)))(w)
    np.testing.assert_allclose(h, sum(sg.hessian(f)(w, x) for x in xs), rtol=1e-12)


def test_axes_and_errors():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(sg.vmap(lambda x: sg.sum(x), in_axes=1)(a), a.sum(axis=(0, 2)))
    out = sg.vmap(lambda x: x * 2.0, in_axes=-1, out_axes=1)(a)
    assert out.shape == (2, 4, 3)
    np.testing.assert_allclose(out, np.moveaxis(np.moveaxis(a, -1, 0) * 2.0, 0, 1))
    with pytest.raises(ValueError, match="different lengths"):
        sg.vmap(lambda x, y: x + y)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="maps no argument"):
        sg.vmap(lambda x: x, in_axes=None)(np.ones(3))
    with pytest.raises(TypeError, match=r"bool\(\) of a traced value inside sg.vmap"):
        sg.vmap(lambda x: x if sg.sum(x) > 0 else -x)(a)
    # an output that does not depend on the mapped input is every example's
    np.testing.assert_allclose(sg.vmap(lambda x, y: y * 2.0, in_axes=(0, None))(a, np.ones(2)),
                               np.full((2, 2), 2.0))
    # static arguments: Python ints decide control flow freely
    np.testing.assert_allclose(sg.vmap(lambda x, n: x ** n, in_axes=(0, None))(np.arange(3.0),
                                                                              3),
                               np.arange(3.0) ** 3)


def test_per_example_gradients_of_an_mlp_in_one_call():
    rng = np.random.default_rng(0)
    sizes = (20, 16, 16, 10)
    params = {}
    for i, (a, b) in enumerate(zip(sizes, sizes[1:]), 1):
        params[f"W{i}"] = rng.standard_normal((a, b)) / np.sqrt(a)
        params[f"b{i}"] = np.zeros(b)
    x = rng.standard_normal((32, 20))
    labels = rng.integers(0, 10, 32)

    def loss(p, xi, yi):  # one example: softmax cross-entropy of the tanh MLP
        h = xi
        for i in (1, 2, 3):
            h = h @ p[f"W{i}"] + p[f"b{i}"]
            if i < 3:
                h = sg.tanh(h)
        return -(h - sg.logsumexp(h))[yi]

    per_example = sg.vmap(sg.grad(loss), in_axes=(None, 0, 0))(params, x, labels)
    for k in (0, 17, 31):
        want = sg.grad(loss)(params, x[k], labels[k])
        for name in params:
            np.testing.assert_allclose(per_example[name][k], want[name], rtol=1e-12,
                                       atol=1e-14)
    assert per_example["W1"].shape == (32, 20, 16)
