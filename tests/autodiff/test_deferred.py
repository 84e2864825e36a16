"""Deferred values: a trace replayed on other values (sg.jit, sg.vmap) records elementwise ufuncs
on large arrays without computing them. Computed once where something reads them, as the array
they stand for; never where nothing does (the backward pass of elementwise code). The tables of
test_jit and test_vmap run with every ufunc deferred too (the ``trace_values`` fixture)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import semigrad as sg
from semigrad.autodiff.tree import flatten
from semigrad.primitives import deferred
from semigrad.primitives.deferred import Deferred
from semigrad.vmap import trace_static


def _seed(x, y, z, v):  # the benchmarks' W1b function
    return sg.sum(sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v))


def _seed_arrays(n):
    rng = np.random.default_rng(1)
    return (rng.uniform(0.1, 1.0, n), rng.uniform(1.0, 3.0, n), rng.uniform(1.0, 3.0, n),
            rng.uniform(1.0, 4.0, n))


def test_a_first_call_does_not_compute_the_backward_pass_in_its_trace():
    args = _seed_arrays(100_000)
    f = sg.jit(sg.value_and_grad(_seed, argnums=(0, 1, 2, 3)))
    tracemalloc.start()
    try:
        value, grads = f(*args)  # trace, lower, first run
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The forward pass's eight values (the sum reads them) and the program's run; computing
    # the trace's backward pass as well took some 34 arrays of the inputs' size.
    assert peak < 20 * args[0].nbytes, peak / args[0].nbytes
    want_value, want_grads = sg.value_and_grad(_seed, argnums=(0, 1, 2, 3))(*args)
    assert value == want_value
    for got, want in zip(grads, want_grads, strict=True):
        np.testing.assert_array_equal(got, want)


def test_what_a_trace_never_reads_is_never_computed():
    x = np.linspace(0.5, 1.5, deferred.DEFER_SIZE)
    g = sg.value_and_grad(lambda v: sg.sum(sg.numpy.cumsum(sg.sin(v)) * sg.exp(v)))
    graph, _ = trace_static(lambda dyn, kw: g(*dyn), "f", [x], flatten(((x,), {}))[1])
    ops = {e.primitive: e.output.value for e in graph.edges}
    # read by cumsum (not deferred), forward and backward (cumsum's transpose reads the
    # cotangent g * exp(v)): computed
    assert ops["sin"].strides == (8,) and ops["exp"].strides == (8,)
    # never read: arrays of their shapes that hold no memory (the sum's value too)
    for name in ("cos", "sum"):
        assert all(e.output.value.strides == (0,) * e.output.value.ndim
                   for e in graph.edges if e.primitive == name), name
    for got, want in zip(graph.run([x]), g(x), strict=True):
        np.testing.assert_array_equal(got, want)


def _deferred(x):
    return deferred.defer(sg.primitives.REGISTRY["exp"], [x], {}, large=True)


def test_a_deferred_value_knows_its_shape_and_dtype_and_computes_once():
    x = np.linspace(0.0, 1.0, 6).reshape(2, 3).astype(np.float32)
    d = _deferred(x)
    assert isinstance(d, Deferred) and not d.computed
    assert (d.shape, d.dtype, d.ndim, d.size) == ((2, 3), np.float32, 2, 6)
    assert np.shape(d) == (2, 3) and np.ndim(d) == 2 and np.size(d) == 6
    assert np.result_type(d, 1.0) == np.float32 and np.result_type(d, np.float64) == np.float64
    assert not np.iscomplexobj(d) and np.isrealobj(d)
    assert "not computed" in repr(d) and not d.computed  # none of the above computed it
    first = np.asarray(d)
    assert d.computed and np.asarray(d) is first and not first.flags.writeable
    np.testing.assert_array_equal(first, np.exp(x))


@pytest.mark.parametrize("use, want", [
    (lambda d: d + 1.0, lambda v: v + 1.0),
    (lambda d: 2.0 ** d, lambda v: 2.0 ** v),
    (lambda d: d > 1.5, lambda v: v > 1.5),
    (lambda d: -d, lambda v: -v),
    (lambda d: d[1, ::2], lambda v: v[1, ::2]),
    (lambda d: d.sum(axis=0), lambda v: v.sum(axis=0)),
    (lambda d: d.T, lambda v: v.T),
    (lambda d: np.sin(d), np.sin),
    (lambda d: np.add.reduce(d, axis=1), lambda v: np.add.reduce(v, axis=1)),
    (lambda d: np.concatenate([d, d]), lambda v: np.concatenate([v, v])),
    (lambda d: np.linalg.norm(d), np.linalg.norm),
    (lambda d: float(d[0, 0]), lambda v: float(v[0, 0])),
    (lambda d: len(d), len),
    (lambda d: [list(r) for r in d], lambda v: [list(r) for r in v]),
    (lambda d: d.tolist(), lambda v: v.tolist()),
])
def test_anything_else_reads_it_as_its_array(use, want):
    x = np.linspace(0.0, 1.0, 6).reshape(2, 3)
    got = use(_deferred(x))
    np.testing.assert_array_equal(got, want(np.exp(x)))


def test_a_long_chain_is_computed_without_recursion():
    x = np.linspace(0.0, 1.0, 5)
    d = _deferred(x)
    sin = sg.primitives.REGISTRY["sin"]
    for _ in range(20_000):  # deeper than Python's recursion limit
        d = deferred.defer(sin, [d], {})
    want = np.exp(x)
    for _ in range(20_000):
        want = np.sin(want)
    np.testing.assert_array_equal(np.asarray(d), want)


def test_rules_that_read_values_read_them_computed(trace_values):
    # power's derivative takes its shortcut where the base has no zeros, checked on the
    # values: the base here is an intermediate (deferred), which the check computes.
    x = np.linspace(-1.0, 1.0, 7)
    y = np.linspace(0.5, 2.0, 7)

    def f(x, y):
        return sg.sum((x * x + 0.25) ** y)

    vg = sg.value_and_grad(f, argnums=(0, 1))
    want_value, want_grads = vg(x, y)
    value, grads = sg.jit(vg)(x, y)
    assert value == want_value
    for got, want in zip(grads, want_grads, strict=True):
        np.testing.assert_array_equal(got, want)
    assert "GuardFailed" in sg.jit(vg).source(x, y)


def test_anomaly_mode_computes_every_value_where_it_is_recorded():
    x = np.full(deferred.DEFER_SIZE, -1.0)
    with sg.detect_anomaly(), pytest.raises(FloatingPointError, match="log"):
        sg.jit(lambda v: sg.sum(sg.log(v)))(x)


def test_index_arrays_and_user_functions_receive_computed_values(trace_values):
    n = deferred.DEFER_SIZE + 5
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    labels = rng.integers(0, n, n)  # an integer argument: lifted, cast back (deferred)

    def gather(x, labels):
        picked = sg.exp(x)[labels] * x[(labels + 1) % n]
        return sg.sum(picked * picked)

    vg = sg.value_and_grad(gather)
    value, grad = sg.jit(vg)(x, labels)
    want_value, want_grad = vg(x, labels)
    assert value == want_value
    np.testing.assert_array_equal(grad, want_grad)

    seen = []

    @sg.custom_vjp
    def cube(v):
        seen.append(type(v))
        return v ** 3

    cube.defvjp(lambda v: (v ** 3, v), lambda v, g: (3.0 * v * v * g,))
    f = sg.value_and_grad(lambda v: sg.sum(cube(sg.sin(v))))
    value, grad = sg.jit(f)(x)
    want_value, want_grad = f(x)
    np.testing.assert_allclose(value, want_value, rtol=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13)
    assert set(seen) == {np.ndarray}  # a user's function sees arrays, never a Deferred


@pytest.fixture
def declared():
    """Primitives a test declares, taken out of the registry after it (the table test checks
    that every registered primitive has a gradient check)."""
    from semigrad.primitives import REGISTRY

    names = set(REGISTRY)
    yield
    for name in set(REGISTRY) - names:
        del REGISTRY[name]


def test_declared_primitives_defer_only_where_they_are_elementwise(declared):
    from semigrad.primitives import Elementwise

    softsign = Elementwise("softsign_deferred_test", lambda x: x / (1.0 + np.abs(x)),
                           (lambda x, out: 1.0 / (1.0 + sg.abs(x)) ** 2,))
    handing_back = Elementwise("real_copy_deferred_test", lambda x: x.real,
                               (lambda x, out: 1,))
    summing = Elementwise("sum_misdeclared_deferred_test", lambda x: np.sum(x),
                          (lambda x, out: sg.numpy.ones_like(x),))
    x = np.linspace(-2.0, 2.0, deferred.DEFER_SIZE)
    assert isinstance(deferred.defer(softsign, [x], {}), Deferred)
    assert deferred.defer(handing_back, [x], {}) is None  # x.real is x: computed
    assert deferred.defer(summing, [x], {}) is None  # not elementwise after all: computed
    f = sg.value_and_grad(lambda v: sg.sum(softsign(v) * handing_back(v)))
    value, grad = sg.jit(f)(x)
    want_value, want_grad = f(x)
    assert value == want_value
    np.testing.assert_array_equal(grad, want_grad)
