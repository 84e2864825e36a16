"""The seed exercise, deep graphs, release of saved values and dtype preservation."""

import gc
import math
import weakref

import numpy as np
import pytest

import semigrad as sg


def seed(x, y, z, v):
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


def seed_value_and_partials(x, y, z, v):
    e = math.exp(y ** -x - math.log(z))
    value = e + (y - z) ** 2 * math.log(v)
    return value, (
        e * y ** -x * -math.log(y),
        e * y ** -x * (-x / y) + 2 * (y - z) * math.log(v),
        -e / z - 2 * (y - z) * math.log(v),
        (y - z) ** 2 / v,
    )


POINTS = [(0.5, 2.0, 3.0, 4.0), (1.5, 0.7, 2.2, 1.3), (-0.3, 3.1, 0.4, 9.0), (2.0, 1.0, 1.0, 0.5)]


def assert_close(got, want, rtol=1e-12):
    assert abs(got - want) <= rtol * max(abs(want), 1e-300), (got, want)


def test_seed_reference_point():
    value, gradient = sg.value_and_grad(seed, argnums=(0, 1, 2, 3))(0.5, 2.0, 3.0, 4.0)
    assert_close(value, 2.06233268833571, 1e-14)
    for g, want in zip(gradient, (-0.331346037775083, -2.89209654361886, 2.54724261316784, 0.25)):
        assert_close(g, want, 1e-14)


@pytest.mark.parametrize("point", POINTS)
def test_seed_functional_face(point):
    value, partials = seed_value_and_partials(*point)
    v, g = sg.value_and_grad(seed, argnums=(0, 1, 2, 3))(*point)
    assert_close(float(v), value)
    assert all(isinstance(gi, float) for gi in g)
    for gi, want in zip(g, partials):
        assert_close(gi, want)
    out, vjp_fn = sg.vjp(seed, *point)
    for gi, want in zip(vjp_fn(1.0), partials):
        assert_close(gi, want)


@pytest.mark.parametrize("point", POINTS)
def test_seed_eager_face(point):
    value, partials = seed_value_and_partials(*point)
    xs = [sg.tensor(p, requires_grad=True) for p in point]
    y = seed(*xs)
    assert_close(y.item(), value)
    y.backward()
    for x, want in zip(xs, partials):
        assert_close(float(x.grad), want)


@pytest.mark.parametrize("point", POINTS)
def test_seed_graph_replay(point):
    graph = sg.trace(seed, 0.5, 2.0, 3.0, 4.0)
    value, partials = seed_value_and_partials(*point)
    assert_close(float(graph(*point)), value)
    for gi, want in zip(sg.grad(graph, argnums=(0, 1, 2, 3))(*point), partials):
        assert_close(gi, want)


def test_seed_graph_structure():
    graph = sg.trace(seed, 0.5, 2.0, 3.0, 4.0)
    assert [n.name for n in graph.inputs] == ["x", "y", "z", "v"]
    assert len(graph) == len(graph.edges) == 10
    power = next(e for e in graph.edges if e.primitive == "power")
    assert power.inputs[0] is graph.inputs[1]  # y ** (-x): the base comes first
    assert graph.outputs[0] is graph.edges[-1].output
    dot = graph.to_dot()
    assert dot.startswith("digraph") and "shape=box" in dot and '[label="1"]' in dot


def test_million_operation_chain_has_no_recursion_limit():
    x = sg.tensor(0.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert float(y) == 1e6 and float(x.grad) == 1.0


def test_deep_chain_through_the_functional_face():
    def f(x):
        for _ in range(20_000):
            x = sg.sin(x) * 0.5 + x * 0.5
        return x

    g = sg.grad(f)(0.3)
    eps = 1e-6
    assert abs(g - (float(f(0.3 + eps)) - float(f(0.3 - eps))) / (2 * eps)) < 1e-6


def test_saved_values_are_released_by_backward():
    x = sg.tensor(np.ones(1000), requires_grad=True)
    hidden = sg.exp(x)
    probe = weakref.ref(hidden)
    y = sg.sum(sg.sin(hidden))
    del hidden
    gc.collect()
    assert probe() is not None  # held by the graph of y
    y.backward()
    gc.collect()
    assert probe() is None  # released once consumed, while y is still alive
    assert y.value == pytest.approx(1000 * np.sin(np.e))
    with pytest.raises(RuntimeError, match="second time.*retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = sg.sum(x * x)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved_forward_and_backward(dtype):
    x = sg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=dtype, requires_grad=True)
    w = sg.tensor(np.ones((3, 2)), dtype=dtype, requires_grad=True)
    h = sg.tanh(x @ w) * 0.5 + sg.sigmoid(x).sum(axis=1, keepdims=True)
    loss = sg.mean(sg.log_softmax(h, axis=-1) ** 2) + sg.max(x) + sg.sum(sg.maximum(x, 0.1))
    assert h.dtype == dtype and loss.dtype == dtype
    loss.backward()
    assert x.grad.dtype == dtype and w.grad.dtype == dtype
    g = sg.grad(lambda a: sg.sum(sg.sqrt(a * a + 1.0)))(np.ones(3, dtype=dtype))
    assert g.dtype == dtype


def test_integer_inputs_are_promoted_to_float64():
    g = sg.grad(lambda x: sg.sum(x * x))(np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [2.0, 4.0, 6.0])
    assert sg.grad(lambda x: x * x)(3) == 6.0


def test_first_order_backward_records_nothing():
    x = sg.tensor([0.5, 1.5], requires_grad=True)
    y = sg.sum(sg.tanh(x) * x)
    y.backward()
    assert isinstance(x.grad, np.ndarray)
    g = sg.autograd.grad(sg.sum(sg.exp(x)), x)[0]
    assert isinstance(g, np.ndarray)
    g2 = sg.autograd.grad(sg.sum(sg.exp(x)), x, create_graph=True)[0]
    assert isinstance(g2, sg.Tensor) and g2.requires_grad
