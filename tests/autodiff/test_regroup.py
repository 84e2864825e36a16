"""sg.jit's regrouping of products and sums around one large array (semigrad.regroup): each
regrouped value agrees with eager mode's within the documented tolerance, n·ε·M (n the
operations of both groupings, M the expression on absolute values), over the gradient-checker
table's gradients and Hessians and random programs that broadcast; ``exact=True`` programs
equal eager ones to the last bit; and the regrouping does fire where it saves work."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import CASES, NON_DIFFERENTIABLE
from semigrad.primitives import elementwise as E
from semigrad.primitives import structural as S
from semigrad.regroup import regroup, without_unit_products
from semigrad.vmap import trace_static

_MAGNITUDE = {  # each operation on absolute values, subtraction as addition
    E.multiply: lambda a, b: a * b, E.divide: lambda a, b: a / b,
    E.add: lambda a, b: a + b, E.subtract: lambda a, b: a + b, E.negative: lambda a: a,
}


def _graph(f, *args):
    leaves = list(args)
    return trace_static(lambda dyn, kw: f(*dyn), "f", leaves, sg.autodiff.tree.flatten(
        (tuple(leaves), {}))[1])[0]


def _check_regrouped(graph) -> int:
    """Assert the documented bound on every regrouped value of ``graph``; how many there are.

    Each regrouped node is recomputed from the recorded values of the nodes its new form
    reads, next to the same expression on absolute values (M) and its operation count."""
    g = without_unit_products(graph)
    new, regrouped = regroup(g)
    recorded = {n.index for n in g.nodes}
    produced = {e.output.index for e in new.edges}
    eliminated = sum(1 for e in g.edges if e.output.index not in produced)
    value, magnitude, count = {}, {}, {}
    for e in new.edges:
        i = e.output.index
        if i in recorded and i not in regrouped:
            continue
        ins = [value.get(n.index, n.value) for n in e.inputs]
        mags = [magnitude.get(n.index, np.abs(n.value)) for n in e.inputs]
        value[i] = e.prim(*ins, **e.params)
        magnitude[i] = (e.prim(*mags, **e.params) if e.prim is S.reshape
                        else _MAGNITUDE[e.prim](*mags))
        count[i] = 1 + sum(count.get(n.index, 0) for n in e.inputs)
    for i in regrouped:
        eager = next(n for n in g.nodes if n.index == i).value
        eps = np.finfo(eager.dtype).eps
        bound = (count[i] + eliminated + 1) * eps * magnitude[i]
        assert value[i].shape == eager.shape and value[i].dtype == eager.dtype
        assert np.all(np.abs(value[i] - eager) <= bound), (
            i, np.max(np.abs(value[i] - eager) - bound))
    return len(regrouped)


def _logistic(a):
    return lambda x: sg.sum(sg.log(1.0 + sg.exp(a @ x))) + 0.5 * sg.sum(x * x)


def test_the_forward_over_reverse_hessian_forms_one_scaled_copy_of_a():
    rng = np.random.default_rng(0)
    a, x = rng.standard_normal((40, 7)), rng.standard_normal(7)
    h = sg.hessian(_logistic(a))
    assert _check_regrouped(_graph(h, x)) == 1
    source = sg.jit(h).source(x)
    big = [line for line in source.splitlines() if "multiply(c" in line]
    assert len(big) == 1  # Aᵀ scaled once, as the analytic formula Aᵀ diag(w) A + I does
    np.testing.assert_allclose(sg.jit(h)(x), h(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(sg.jit(h, exact=True)(x), h(x))
    exact_source = sg.jit(h, exact=True).source(x)
    assert sum("multiply(" in line for line in exact_source.splitlines()) > 3


def test_products_and_sums_regroup_only_where_a_pass_is_saved():
    rng = np.random.default_rng(1)
    t = rng.standard_normal((30, 8))
    a, b, c = rng.standard_normal(8), rng.standard_normal(8), rng.standard_normal((1, 8))

    def f(a, b, c):
        return (t * a) * b + (t * c) / (2.0 + b * b)

    graph = _graph(f, a, b, c)
    assert _check_regrouped(graph) == 1
    source = sg.jit(f).source(a, b, c)
    assert sum("c0" in line for line in source.splitlines()) == 1
    np.testing.assert_allclose(sg.jit(f)(a, b, c), f(a, b, c), rtol=1e-14)

    def kept(a, b):  # t * a is an output too: it is computed anyway, so (t * a) * b reads it
        ta = t * a
        return ta, ta * b

    assert regroup(without_unit_products(_graph(kept, a, b)))[1] == {}
    for got, want in zip(sg.jit(kept)(a, b), kept(a, b), strict=True):
        np.testing.assert_array_equal(got, want)


def test_float32_stays_float32_and_integers_are_left_alone():
    rng = np.random.default_rng(2)
    t = rng.standard_normal((20, 6)).astype(np.float32)
    a, b = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    f = lambda a, b: (t * a) * b  # noqa: E731
    assert _check_regrouped(_graph(f, a, b)) == 1
    out = sg.jit(f)(a, b)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, f(a, b), rtol=4 * np.finfo(np.float32).eps)
    ti = np.arange(12).reshape(3, 4)
    g = lambda a: (ti * 2) * a  # noqa: E731
    np.testing.assert_array_equal(sg.jit(g)(np.ones(4)), g(np.ones(4)))


@pytest.mark.filterwarnings("ignore:invalid value")
def test_products_by_constant_ones_are_dropped_exactly():
    x = np.array([0.5, -0.0, np.inf, np.nan])
    ones = np.ones((1, 4))
    f = lambda x: sg.sin(x) * ones + x * np.ones(4)  # noqa: E731
    source = sg.jit(f, exact=True).source(x)
    assert "multiply" not in source
    np.testing.assert_array_equal(sg.jit(f, exact=True)(x), f(x))
    np.testing.assert_array_equal(sg.jit(f)(x), f(x))


@pytest.mark.parametrize("name, fn, args", [
    pytest.param(name, fn, args, id=f"{name}-{label}")
    for name, cases in CASES.items() for label, fn, args in cases
    if name not in NON_DIFFERENTIABLE])
def test_the_table_s_gradients_and_hessians_stay_within_the_bound(name, fn, args):
    if any(np.iscomplexobj(a) or np.result_type(a).kind != "f" for a in args):
        return
    weights = np.random.default_rng(0).standard_normal(np.shape(fn(*args)))
    loss = lambda *a: sg.sum(sg.real(fn(*a)) * weights)  # noqa: E731
    _check_regrouped(_graph(sg.value_and_grad(loss, argnums=tuple(range(len(args)))), *args))
    if np.size(args[0]) <= 12 and name not in ("lu_factor",):
        first = lambda x: loss(x, *args[1:])  # noqa: E731
        try:
            graph = _graph(sg.hessian(first), args[0])
        except (TypeError, NotImplementedError, ValueError):
            return  # no second derivative declared (the gradient checker skips it too)
        _check_regrouped(graph)


def _broadcast_program(seed):
    """A random program over a (5, 6) array and (6,), (1, 6) and (5, 1) arrays."""
    rng = np.random.default_rng(seed)
    unary = ["sin", "exp_bounded", "negative", "square"]
    binary = ["add", "subtract", "multiply", "multiply", "divide_safe"]
    steps = []
    n_values = 4
    for _ in range(rng.integers(4, 14)):
        if rng.random() < 0.3:
            steps.append((str(rng.choice(unary)), (int(rng.integers(n_values)),)))
        else:
            steps.append((str(rng.choice(binary)),
                          tuple(int(k) for k in rng.integers(n_values, size=2))))
        n_values += 1
    return steps


def _run_broadcast(steps, t, a, b, c):
    values = [t, a, b, c]
    ops = {"sin": sg.sin, "negative": lambda u: -u, "square": sg.square,
           "exp_bounded": lambda u: sg.exp(sg.tanh(u)),
           "add": lambda u, v: u + v, "subtract": lambda u, v: u - v,
           "multiply": lambda u, v: u * v, "divide_safe": lambda u, v: u / (2.0 + sg.tanh(v))}
    for op, args in steps:
        values.append(ops[op](*[values[k] for k in args]))
    return sg.sum(values[-1] * values[-2]) + sg.sum(sg.sin(values[-1]))


def _broadcast_args(seed):
    rng = np.random.default_rng(500 + seed)
    return [rng.standard_normal(s) for s in ((5, 6), (6,), (1, 6), (5, 1))]


@pytest.mark.parametrize("seed", range(30))
def test_random_broadcasting_programs_stay_within_the_bound(seed):
    steps = _broadcast_program(seed)
    f = lambda t, a, b, c: _run_broadcast(steps, t, a, b, c)  # noqa: E731
    args = _broadcast_args(seed)
    vg = sg.value_and_grad(f, argnums=(0, 1, 2, 3))
    h = sg.hessian(lambda a: f(args[0], a, args[2], args[3]))
    fired = _check_regrouped(_graph(vg, *args)) + _check_regrouped(_graph(h, args[1]))
    value, grads = vg(*args)
    j_value, j_grads = sg.jit(vg)(*args)
    e_value, e_grads = sg.jit(vg, exact=True)(*args)
    np.testing.assert_array_equal(e_value, value)
    for got, exact, want in zip(j_grads, e_grads, grads, strict=True):
        np.testing.assert_array_equal(exact, want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))
    np.testing.assert_array_equal(sg.jit(h, exact=True)(args[1]), h(args[1]))
    np.testing.assert_allclose(sg.jit(h)(args[1]), h(args[1]), rtol=1e-12, atol=1e-12)
    if fired == 0:
        np.testing.assert_array_equal(sg.jit(h)(args[1]), h(args[1]))


def test_random_broadcasting_programs_do_regroup():
    """The bound is checked on regrouped values: most of these programs have some."""
    fired = 0
    for seed in range(30):
        steps = _broadcast_program(seed)
        args = _broadcast_args(seed)
        h = sg.hessian(lambda a, steps=steps, args=args: _run_broadcast(steps, args[0], a,
                                                                         args[2], args[3]))
        fired += _check_regrouped(_graph(h, args[1])) > 0
    assert fired >= 10
