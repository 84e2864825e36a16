"""sg.jit's native tier (semigrad.native): every scalar form of the primitive table compiled by
LLVM agrees with NumPy within a few ulp, special values included (inf, nan, -0.0, a negative
logarithm, division by zero); programs are refused in words where the translation does not
apply; compiled code is released when its program is collected; calls from several threads
agree."""

from __future__ import annotations

import gc
import importlib
import threading

import numpy as np
import pytest

import semigrad as sg
from semigrad.primitives import REGISTRY

pytest.importorskip("llvmlite")
native = importlib.import_module("semigrad.native")
HOT_CALLS = importlib.import_module("semigrad.jit").HOT_CALLS
P = REGISTRY  # the primitives themselves, called on arrays and traced values alike

SPECIAL = np.array([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0, 0.999, 1e-300, -1e-300,
                    700.0, -750.0, 1e300, np.inf, -np.inf, np.nan])
OTHER = np.roll(SPECIAL, 3)

# One program per scalar form: the primitive it exercises, and the function compiled.
FORMS = {
    "abs": lambda x, y: sg.abs(x), "add": lambda x, y: x + y,
    "arccos": lambda x, y: P["arccos"](x), "arcsin": lambda x, y: P["arcsin"](x),
    "arctan": lambda x, y: P["arctan"](x), "arctan2": lambda x, y: P["arctan2"](x, y),
    "cos": lambda x, y: sg.cos(x), "cosh": lambda x, y: P["cosh"](x),
    "divide": lambda x, y: x / y, "exp": lambda x, y: sg.exp(x),
    "expm1": lambda x, y: sg.expm1(x), "identity": lambda x, y: P["identity"](x) * y,
    "log": lambda x, y: sg.log(x), "log1p": lambda x, y: sg.log1p(x),
    "multiply": lambda x, y: x * y, "negative": lambda x, y: -x,
    "power": lambda x, y: x ** y, "reciprocal": lambda x, y: P["reciprocal"](x),
    "sigmoid": lambda x, y: sg.sigmoid(x), "sin": lambda x, y: sg.sin(x),
    "sinh": lambda x, y: P["sinh"](x), "sqrt": lambda x, y: sg.sqrt(x),
    "square": lambda x, y: sg.square(x), "subtract": lambda x, y: x - y,
    "tan": lambda x, y: sg.tan(x), "tanh": lambda x, y: sg.tanh(x),
    "maximum": lambda x, y: sg.maximum(x, y), "minimum": lambda x, y: sg.minimum(x, y),
    "bool-as-number": lambda x, y: (x < y) + 0.5 * P["equal"](x, y),
    "where-less": lambda x, y: sg.where(x < y, x, y),
    "where-less_equal": lambda x, y: sg.where(x <= y, x, y),
    "where-greater": lambda x, y: sg.where(x > y, x, y),
    "where-greater_equal": lambda x, y: sg.where(x >= y, x, y),
    "where-equal": lambda x, y: sg.where(P["equal"](x, y), x, y),
    "where-not_equal": lambda x, y: sg.where(P["not_equal"](x, y), x, y),
}


def test_every_scalar_form_of_the_table_has_a_program_here():
    forms = {name for name, p in REGISTRY.items() if getattr(p, "scalar_form", None)}
    covered = {key.split("-")[-1] for key in FORMS} | {"where"}
    assert forms <= covered, forms - covered


def _agree(got, want, ulps=4):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    spacing = np.abs(np.spacing(want[finite]))
    assert np.all(np.abs(got[finite] - want[finite]) <= ulps * spacing), (got, want)
    zero = want == 0  # signed zeros as NumPy gives them (maximum(-0.0, 0.0) is 0.0)
    assert np.array_equal(np.signbit(got[zero]), np.signbit(want[zero])), (got, want)


@pytest.mark.parametrize("form", list(FORMS))
def test_each_scalar_form_compiles_to_numpy_s_results(form, monkeypatch):
    monkeypatch.setattr(importlib.import_module("semigrad.jit"), "MIN_NATIVE_OPERATIONS", 1)
    f = FORMS[form]
    j = sg.jit(f)
    with np.errstate(all="ignore"):
        want = f(SPECIAL, OTHER)
        assert j.native_source(SPECIAL, OTHER) is not None
        for _ in range(HOT_CALLS):
            j(SPECIAL, OTHER)
        assert j.wait_native(SPECIAL, OTHER), j.seconds(SPECIAL, OTHER)
        assert j.seconds(SPECIAL, OTHER)["compiler"] == "llvm"
        _agree(j(SPECIAL, OTHER), want)
        # all scalars: the same function without a loop, value by value
        s = sg.jit(f)
        for _ in range(HOT_CALLS):
            s(0.5, 0.25)
        assert s.wait_native(0.5, 0.25)
        for x, y in zip(SPECIAL.tolist(), OTHER.tolist(), strict=True):
            got, expect = s(x, y), f(np.float64(x), np.float64(y))
            assert type(got) is np.float64
            _agree(got, expect)


def test_gradients_through_the_native_tier():
    f = sg.value_and_grad(lambda x, y: sg.sum(sg.sigmoid(x * y) ** 2.5 + sg.log1p(x * x)),
                          argnums=(0, 1))
    j = sg.jit(f)
    x, y = np.linspace(-2.0, 2.0, 9), np.linspace(0.5, 1.5, 9)
    for _ in range(HOT_CALLS):
        j(x, y)
    assert j.wait_native(x, y)
    value, grads = j(x, y)
    e_value, e_grads = f(x, y)
    np.testing.assert_allclose(value, e_value, rtol=1e-14)
    for a, b in zip(grads, e_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_what_the_translation_does_not_cover_is_refused_in_words():
    with pytest.raises(native.Unsupported, match="the statement"):
        native.compile_program("def f(x0):\n    while x0:\n        x0 = 1.0\n    return (x0,)",
                               "f", set())
    with pytest.raises(native.Unsupported, match="the expression"):
        native.compile_program("def f(x0):\n    v = math.gamma(x0)\n    return (v,)", "f",
                               set())
    with pytest.raises(native.Unsupported, match="of a number"):
        native.compile_program("def f(x0):\n    v = (x0 or 1.0)\n    return (v,)", "f",
                               set())


def test_a_program_outside_the_translation_falls_back_to_numba(monkeypatch):
    pytest.importorskip("numba")

    def refuse(*args, **kwargs):
        raise native.Unsupported("refused for the test")

    monkeypatch.setattr(native, "compile_program", refuse)
    j = sg.jit(lambda x: sg.cos(sg.sin(x) * 2.0) + x)
    for _ in range(HOT_CALLS):
        j(0.5)
    assert j.wait_native(0.5)
    assert j.seconds(0.5)["compiler"] == "numba"
    assert j(0.25) == pytest.approx(np.cos(np.sin(0.25) * 2.0) + 0.25, rel=1e-15)


def test_compiled_code_is_released_with_its_program():
    def compile_one(k):
        fn = native.compile_program(f"def f(x0):\n    v = x0 * {k}.0\n    return (v,)", "f",
                                    set())
        assert fn(2.0) == (2.0 * k,)

    for k in range(5):
        compile_one(k)
    gc.collect()
    compile_one(99)  # disposes of what was released before compiling
    gc.collect()
    assert len(native._engines) <= 2


def test_calls_from_several_threads_agree():
    j = sg.jit(sg.value_and_grad(lambda x, y: sg.exp(-x * y) + sg.sin(x), argnums=(0, 1)))
    for _ in range(HOT_CALLS):
        j(0.1, 0.2)
    assert j.wait_native(0.1, 0.2)
    points = np.random.default_rng(0).uniform(-1, 1, (400, 2)).tolist()
    results = {}

    def work(k):
        results[k] = [j(x, y) for x, y in points[k::4]]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        for (x, y), (value, grads) in zip(points[k::4], results[k], strict=True):
            assert value == pytest.approx(np.exp(-x * y) + np.sin(x), rel=1e-14)
            assert grads[0] == pytest.approx(-y * np.exp(-x * y) + np.cos(x), rel=1e-13)


def test_programs_that_return_booleans_stay_numpy_programs():
    k = sg.jit(lambda x: (x > 0, x * 2.0))
    a = np.linspace(-1.0, 1.0, 5)
    assert k.native_source(a) is None  # the native tier computes float64 values only
    mask, doubled = k(a)
    assert mask.dtype == np.bool_ and mask.tolist() == [False, False, False, True, True]
    np.testing.assert_array_equal(doubled, 2.0 * a)


def test_empty_arrays_run_no_iteration():
    j = sg.jit(sg.value_and_grad(lambda x: sg.sum(sg.sin(x) * 2.0)))
    empty = np.zeros(0)
    for _ in range(HOT_CALLS):
        j(empty)
    if j.native_source(empty) is not None:
        assert j.wait_native(empty)
    value, grad = j(empty)
    assert value == 0.0 and grad.shape == (0,)


def test_programs_of_a_few_operations_stay_numpy_programs():
    jit_module = importlib.import_module("semigrad.jit")
    small = sg.jit(lambda x: x * 2.0)
    assert small.native_source(np.ones(5)) is None
    ops = [lambda v: v * 2.0, sg.sin, sg.exp, lambda v: v + 1.0]
    assert len(ops) >= jit_module.MIN_NATIVE_OPERATIONS

    def chain(v):
        for op in ops:
            v = op(v)
        return v

    assert sg.jit(chain).native_source(np.ones(5)) is not None


def _hot(jitted, *args):
    for _ in range(HOT_CALLS + 1):
        jitted(*args)
    return jitted.wait_native(*args, timeout=60)


def test_runs_of_small_array_work_inside_a_numpy_program_compile_to_loops():
    rng = np.random.default_rng(3)
    a, x = rng.standard_normal((200, 50)) / 7.0, rng.standard_normal(50)

    def loss(v):  # a product the native tier does not cover, around elementwise work
        s = sg.exp(a @ v)
        return sg.sum(sg.log(1.0 + s) * s / (2.0 + sg.tanh(s))) + 0.5 * sg.sum(v * v)

    vg = sg.jit(sg.value_and_grad(loss))
    numpy_value, numpy_grad = vg(x)  # the NumPy program
    text = vg.native_source(x)
    assert "native_loop0(" in text and "for i in range(n):" in text
    assert _hot(vg, x) and vg.seconds(x)["compiler"] == "llvm"
    value, grad = vg(x)
    want_value, want_grad = sg.value_and_grad(loss)(x)
    np.testing.assert_allclose(value, numpy_value, rtol=1e-14)
    np.testing.assert_allclose(grad, numpy_grad, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13, atol=1e-15)
    again = vg(x * 0.5)[1]
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13, atol=1e-15)  # results are fresh
    np.testing.assert_allclose(again, sg.grad(loss)(x * 0.5), rtol=1e-13, atol=1e-15)
    h = sg.jit(sg.hessian(loss))
    assert _hot(h, x)
    np.testing.assert_allclose(h(x), sg.hessian(loss)(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_with_loops_inside_agree(seed):
    rng = np.random.default_rng(200 + seed)
    m = rng.standard_normal((6, 6)) / 3.0
    ops = [sg.sin, sg.tanh, lambda u: sg.tanh(u) * u, lambda u: 1.0 / (2.0 + sg.tanh(u)),
           lambda u: sg.exp(sg.tanh(u))]
    picks = rng.integers(len(ops), size=8)

    def f(x, y):
        u = m @ x  # outside the native tier: the rest is a run of elementwise work
        for k in picks:
            u = ops[k](u) * y + 0.1 * u
        return sg.sum(u * x)

    x, y = rng.standard_normal(6), rng.standard_normal(6)
    vg = sg.jit(sg.value_and_grad(f, argnums=(0, 1)))
    assert "native_loop0(" in vg.native_source(x, y)
    assert _hot(vg, x, y)
    value, grads = vg(x, y)
    want_value, want_grads = sg.value_and_grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    for got, want in zip(grads, want_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12 * np.max(np.abs(want)))
