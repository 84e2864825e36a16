"""sg.jit: compiled results equal eager ones to the last bit for every primitive of the table
(values and gradients; with ``exact=True`` always, by default except where factorisations are
shared or products regrouped: tests/autodiff/test_regroup.py), it composes with the transforms
both ways, retraces by signature, and its program is readable source."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import CASES, NON_DIFFERENTIABLE
from semigrad.primitives import REGISTRY

CASE_LIST = [pytest.param(name, fn, args, id=f"{name}-{label}")
             for name, cases in CASES.items() for label, fn, args in cases]


# Operations on one matrix share its LU factors (Primitive.from_lu): a solve with Aᵀ in a
# reverse pass solves with A's factors transposed instead of factoring Aᵀ, equal within a few
# ulp of the largest entry (times the condition number).
FACTORED = {name for name, prim in REGISTRY.items() if prim.from_lu is not None}


@pytest.mark.parametrize("name, fn, args", CASE_LIST)
def test_compiled_values_and_gradients_equal_eager_ones(name, fn, args, trace_values):
    want = fn(*args)
    np.testing.assert_array_equal(sg.jit(fn)(*args), want)
    if name in NON_DIFFERENTIABLE or any(np.iscomplexobj(a) for a in args):
        return
    weights = np.random.default_rng(0).standard_normal(np.shape(want))
    loss = lambda *a: sg.sum(sg.real(fn(*a)) * weights)  # noqa: E731
    vg = sg.value_and_grad(loss, argnums=tuple(range(len(args))))
    value, grads = vg(*args)
    j_value, j_grads = sg.jit(vg)(*args)
    e_value, e_grads = sg.jit(vg, exact=True)(*args)
    np.testing.assert_array_equal(j_value, value)
    np.testing.assert_array_equal(e_value, value)
    # Rules' shortcuts chosen from the values (power's, prod's) are taken under guards: the
    # same operations as eager mode's. exact=True: no shared factors either.
    for a, e, b in zip(j_grads, e_grads, grads):
        np.testing.assert_array_equal(e, b)
        if name in FACTORED:
            np.testing.assert_allclose(a, b, rtol=0, atol=8 * np.finfo(float).eps
                                       * np.max(np.abs(b)))
        else:
            np.testing.assert_array_equal(a, b)


def test_composes_with_the_transforms_both_ways():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: sg.sum(sg.tanh(v) * v ** 3)  # noqa: E731
    np.testing.assert_array_equal(sg.grad(sg.jit(f))(x), sg.grad(f)(x))
    np.testing.assert_array_equal(sg.hessian(sg.jit(f))(x), sg.hessian(f)(x))
    np.testing.assert_array_equal(sg.jit(sg.hessian(f), exact=True)(x), sg.hessian(f)(x))
    np.testing.assert_allclose(sg.jit(sg.hessian(f))(x), sg.hessian(f)(x), rtol=1e-14)
    np.testing.assert_array_equal(sg.jit(sg.jacobian(lambda v: sg.sin(v) * v))(x),
                                  sg.jacobian(lambda v: sg.sin(v) * v)(x))
    xs = np.stack([x, 2 * x])
    np.testing.assert_array_equal(sg.jit(sg.vmap(sg.grad(f)))(xs), sg.vmap(sg.grad(f))(xs))
    t = sg.Tensor(x, requires_grad=True)  # the eager face: recorded through the replay
    sg.jit(f)(t).backward()
    np.testing.assert_array_equal(t.grad, sg.grad(f)(x))


def test_signatures_static_arguments_and_source():
    f = sg.jit(lambda x, n: x ** n, static_argnums=1)
    assert f(np.array([1.0, 2.0]), 3).tolist() == [1.0, 8.0]
    f(np.array([3.0, 4.0]), 3)
    assert f.traces == 1  # same shapes, dtypes and static value: no new trace
    f(np.array([3.0, 4.0, 5.0]), 3)
    f(np.array([3.0, 4.0]), 2)
    f(np.array([3.0, 4.0], dtype=np.float32), 2)
    assert f.traces == 4
    vg = sg.jit(sg.value_and_grad(lambda x: sg.sum(sg.exp(x) * x)))
    src = vg.source(np.ones(3))
    assert src.startswith("def ") and "exp(x0)" in src and "return (" in src
    # the identity seed of a Jacobian is folded: no eye() at run time
    jac_src = sg.jit(sg.jacobian(lambda v: sg.sin(v)))(np.ones(3)) is not None
    assert jac_src
    # common subexpressions are computed once
    once = sg.jit(lambda x: sg.sin(x) * sg.sin(x)).source(np.ones(2))
    assert once.count("sin(") == 1


def test_buffers_are_reused_only_once_every_view_of_them_is_dead():
    def f(x):
        y = x + 1.0
        z = sg.reshape(y, (2, 2))  # a view of y's buffer, used after y's last use
        w = y * 2.0  # must not write into y's buffer
        return sg.reshape(z, (4,)) + w

    x = np.arange(4.0)
    np.testing.assert_array_equal(sg.jit(f)(x), f(x))
    # a selection of everything is the value itself, and a contraction's product a buffer
    g = sg.jit(lambda a, b: (a @ b)[0:2] + 1.0)
    a, b = np.ones((2, 3)), np.ones((3, 4))
    src = g.source(a, b)
    assert "getitem" not in src and "out=" in src
    np.testing.assert_array_equal(g(a, b), (a @ b) + 1.0)


def test_containers_of_arrays_are_keyed_by_structure_and_order():
    f = sg.jit(lambda p, xs: p["a"] - p["b"] + xs[1])
    x, y, z = np.array([3.0]), np.array([1.0]), np.array([0.5])
    np.testing.assert_array_equal(f({"a": x, "b": y}, [z, z]), [2.5])
    np.testing.assert_array_equal(f({"a": x, "b": y}, [z, 2 * z]), [3.0])
    assert f.traces == 1
    np.testing.assert_array_equal(f({"b": y, "a": x}, [z, z]), [2.5])  # another order
    np.testing.assert_array_equal(f({"a": x, "b": y}, (z, z)), [2.5])  # a tuple, not a list
    np.testing.assert_array_equal(f({"a": x, "b": 2}, [z, z]), [1.5])  # an int: static
    assert f.traces == 4


def test_keyword_arguments_are_dynamic_by_name():
    f = sg.jit(lambda x, scale=1.0, shift=None: x * scale + (0.0 if shift is None else shift))
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(f(x, scale=2.0), [2.0, 4.0])
    np.testing.assert_array_equal(f(x, scale=3.0), [3.0, 6.0])  # same signature: no retrace
    np.testing.assert_array_equal(f(x, shift=np.ones(2), scale=1.0), [2.0, 3.0])
    assert f.traces == 2
    g = sg.grad(lambda s: sg.sum(f(x, scale=s)))(2.0)
    assert g == 3.0


def test_control_flow_on_traced_values_is_refused():
    with pytest.raises(TypeError, match=r"bool\(\) of a traced value"):
        sg.jit(lambda x: x if sg.sum(x) > 0 else -x)(np.ones(2))
    with pytest.raises(TypeError, match=r"float\(\) on a traced value"):
        sg.jit(lambda x: x * float(sg.sum(x)))(np.ones(2))
    # on a static argument it is fine
    g = sg.jit(lambda x, flip: -x if flip else x, static_argnums=1)
    assert g(np.ones(2), True).tolist() == [-1.0, -1.0]
    assert g(np.ones(2), False).tolist() == [1.0, 1.0]


def test_all_scalar_programs_compile_whole_to_machine_code():
    pytest.importorskip("llvmlite")
    import importlib

    jit_module = importlib.import_module("semigrad.jit")  # the module (sg.jit is the function)

    f = lambda x, y: sg.exp(y ** -x - sg.log(y)) + (y - x) ** 2 * sg.log(x)  # noqa: E731
    vg = sg.value_and_grad(f, argnums=(0, 1))
    j = sg.jit(vg)
    assert "compiled whole to machine code" in j.native_source(0.5, 2.0)
    rng = np.random.default_rng(0)
    points = [(rng.uniform(0.2, 1.0), rng.uniform(1.0, 3.0))
              for _ in range(jit_module.HOT_CALLS + 30)]
    assert not j.wait_native(0.5, 2.0)  # not hot yet: nothing compiling
    for k, (x, y) in enumerate(points):  # NumPy's program first, the native one once hot
        value, grads = vg(x, y)
        j_value, j_grads = j(x, y)
        np.testing.assert_allclose(j_value, value, rtol=4 * np.finfo(float).eps)
        np.testing.assert_allclose(j_grads, grads, rtol=4 * np.finfo(float).eps)
        if k == jit_module.HOT_CALLS - 1:  # compiling in the background: wait for it
            assert j.wait_native(0.5, 2.0)
            assert j.seconds(0.5, 2.0)["native"] > 0
            assert j.seconds(0.5, 2.0)["compiler"] == "llvm"
    # NumPy's error model: 1/0 is inf, log of a negative number nan
    g = sg.jit(lambda x: 1.0 / x + sg.log(x - 1.0))
    with np.errstate(all="ignore"):
        for _ in range(jit_module.HOT_CALLS):
            g(0.0)
        assert g.wait_native(0.0)
        out = g(0.0)
    assert np.isinf(out) or np.isnan(out)
    # small arrays of one shape: one fused loop, equal within a few ulp per element
    total = sg.value_and_grad(lambda x, y: sg.sum(f(x, y)), argnums=(0, 1))
    jt = sg.jit(total)
    xs, ys = rng.uniform(0.2, 1.0, 50), rng.uniform(1.0, 3.0, 50)
    assert "one loop over the 50 elements" in jt.native_source(xs, ys)
    for _ in range(jit_module.HOT_CALLS):
        jt(xs, ys)
    assert jt.wait_native(xs, ys)
    j_value, j_grads = jt(xs, ys)
    value, grads = total(xs, ys)
    np.testing.assert_allclose(j_value, value, rtol=1e-14)
    for a, b in zip(j_grads, grads):
        np.testing.assert_allclose(a, b, rtol=4 * np.finfo(float).eps)
    # large arrays: NumPy's vectorised program
    big = np.full(jit_module.FUSE_MAX_ELEMENTS + 1, 0.5)
    assert jt.native_source(big, big + 1.0) is None


def _random_program(seed):
    """A random straight-line program over a few inputs: a list of (op, operand indices)."""
    rng = np.random.default_rng(seed)
    unary = ["sin", "cos", "tanh", "exp_bounded", "log_positive", "square", "negative"]
    binary = ["add", "subtract", "multiply", "divide_safe", "maximum"]
    steps = []
    n_values = 3
    for _ in range(rng.integers(4, 16)):
        if rng.random() < 0.5:
            steps.append((rng.choice(unary), (int(rng.integers(n_values)),)))
        else:
            steps.append((rng.choice(binary), tuple(int(k) for k in rng.integers(n_values,
                                                                                   size=2))))
        n_values += 1
    return steps


def _run_program(steps, x, y, z):
    values = [x, y, z]
    ops = {
        "sin": sg.sin, "cos": sg.cos, "tanh": sg.tanh, "square": sg.square,
        "negative": lambda a: -a, "exp_bounded": lambda a: sg.exp(sg.tanh(a)),
        "log_positive": lambda a: sg.log(1.0 + a * a),
        "add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
        "multiply": lambda a, b: a * b, "divide_safe": lambda a, b: a / (2.0 + sg.tanh(b)),
        "maximum": sg.maximum,
    }
    for op, args in steps:
        values.append(ops[op](*[values[k] for k in args]))
    return sg.sum(values[-1] * values[-2]) + sg.sum(values[-1])


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_compile_to_eager_results(seed, trace_values):
    steps = _random_program(seed)
    f = lambda x, y, z: _run_program(steps, x, y, z)  # noqa: E731
    rng = np.random.default_rng(100 + seed)
    shape = () if seed % 4 == 0 else (5,)
    args = [rng.standard_normal(shape) for _ in range(3)]
    args = [float(a) for a in args] if shape == () else args
    np.testing.assert_array_equal(sg.jit(f)(*args), f(*args))
    vg = sg.value_and_grad(f, argnums=(0, 1, 2))
    value, grads = vg(*args)
    j_value, j_grads = sg.jit(vg)(*args)
    np.testing.assert_array_equal(j_value, value)
    for a, b in zip(j_grads, grads):
        np.testing.assert_array_equal(a, b)
    hess = sg.hessian(f)(*args)
    np.testing.assert_array_equal(sg.jit(sg.hessian(f), exact=True)(*args), hess)
    np.testing.assert_allclose(sg.jit(sg.hessian(f))(*args), hess, rtol=1e-12,
                               atol=1e-12 * np.max(np.abs(hess)))


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_in_the_native_tier_stay_within_a_few_ulp(seed):
    pytest.importorskip("llvmlite")
    import importlib

    hot = importlib.import_module("semigrad.jit").HOT_CALLS
    steps = _random_program(seed)
    f = lambda x, y, z: _run_program(steps, x, y, z)  # noqa: E731
    vg = sg.value_and_grad(f, argnums=(0, 1, 2))
    j = sg.jit(vg)
    rng = np.random.default_rng(200 + seed)
    args = [rng.standard_normal(7) for _ in range(3)]
    if seed % 2:
        args = [float(a[0]) for a in args]  # all scalars: no loop
    assert j.native_source(*args) is not None
    for _ in range(hot):
        j(*args)
    assert j.wait_native(*args), j.seconds(*args)
    assert j.seconds(*args)["compiler"] == "llvm"  # LLVM directly, not numba's fallback
    for point in (args, [2.0 * a for a in args]):
        j_value, j_grads = j(*point)
        value, grads = vg(*point)
        np.testing.assert_allclose(j_value, value, rtol=1e-13, atol=1e-15)
        for a, b in zip(j_grads, grads):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_rules_with_value_shortcuts_compile_their_general_formula():
    # The power rule's shortcut for nonzero bases and prod's for no zeros are decided per
    # call in eager mode; a compiled or mapped program must be right for any values.
    f = lambda x: sg.sum(x ** 3.0) + sg.prod(x)  # noqa: E731
    traced_on = np.array([1.0, 2.0, 3.0])
    g = sg.jit(sg.grad(f))
    g(traced_on)
    with_zeros = np.array([0.0, 2.0, 0.0])
    np.testing.assert_array_equal(g(with_zeros), sg.grad(f)(with_zeros))
    xs = np.stack([traced_on, with_zeros, np.array([0.0, 1.0, 5.0])])
    np.testing.assert_allclose(sg.vmap(sg.grad(f))(xs), np.stack([sg.grad(f)(x) for x in xs]))


def test_shortcuts_are_taken_under_a_guard_and_fall_back_to_the_general_program():
    # The power rule's shortcuts (y·out/x for nonzero bases, out·log x for positive ones)
    # are taken for values where they hold, checked before they run: eager mode's results
    # to the last bit, and where a check fails the program of general formulas serves.
    exponent = np.full(3, 3.0)
    f = lambda x, y: sg.sum(x ** y)  # noqa: E731
    vg = sg.value_and_grad(f, argnums=(0, 1))
    j = sg.jit(vg)
    positive = np.array([1.0, 2.0, 3.0])
    source = j.source(positive, exponent)
    assert source.count("raise GuardFailed") == 2
    assert source.count("power(") == 1  # x ** y once: d/dx is y·out/x, not y·x**(y−1)
    for got, want in zip(j(positive, exponent)[1], vg(positive, exponent)[1], strict=True):
        np.testing.assert_array_equal(got, want)  # the shortcut: bit for bit
    assert j.traces == 1
    with_zeros = np.array([0.0, 2.0, -1.0])  # the checks run before the shortcuts: no 0/0
    with np.errstate(invalid="ignore"):  # log of -1 in the general d/dy: nan, as eagerly
        got, want = j(with_zeros, exponent), vg(with_zeros, exponent)
    assert j.traces == 2  # the general program, traced once for this signature
    for a, b in zip(got[1], want[1], strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(j(positive, exponent)[1], vg(positive, exponent)[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=4 * np.finfo(float).eps)
    assert j.traces == 2  # the general program serves from now on
    # a transform replays the general graph: right at a zero base too
    g = sg.jit(lambda x, y: sg.sum(x ** y))
    g(positive, exponent)
    np.testing.assert_array_equal(sg.grad(g)(with_zeros[:2], exponent[:2]),
                                  sg.grad(f)(with_zeros[:2], exponent[:2]))
    # sg.vmap records the general formulas (its trace sees one example)
    bases = np.stack([positive, with_zeros])
    with np.errstate(invalid="ignore"):
        mapped = sg.vmap(sg.grad(f, argnums=1), in_axes=(0, None))(bases, exponent)
        np.testing.assert_array_equal(mapped, np.stack([sg.grad(f, argnums=1)(b, exponent)
                                                        for b in bases]))


def test_guards_in_the_native_tier():
    pytest.importorskip("llvmlite")
    import importlib

    hot = importlib.import_module("semigrad.jit").HOT_CALLS
    vg = sg.value_and_grad(lambda x, y: x ** y, argnums=(0, 1))
    j = sg.jit(vg)
    for _ in range(hot):
        j(2.0, 3.0)
    assert j.wait_native(2.0, 3.0)
    assert j(1.5, 2.5) == vg(1.5, 2.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert j(0.0, 2.5) == vg(0.0, 2.5)  # the check fails: the general program
    assert j.traces == 2


def test_operations_on_one_matrix_share_its_lu_factors():
    pytest.importorskip("scipy")
    import semigrad.numpy as snp

    def f(a, x):
        return (snp.linalg.slogdet(a)[1] + sg.sum(snp.linalg.solve(a, x) ** 2)
                + sg.sum(snp.linalg.inv(a) * a))

    rng = np.random.default_rng(7)
    a, x = 3.0 * np.eye(6) + rng.standard_normal((6, 6)), rng.standard_normal(6)
    vg = sg.value_and_grad(f, argnums=(0, 1))
    j = sg.jit(vg)
    src = j.source(a, x)
    assert src.count("lu_factors(") == 1  # slogdet, solve, inv and the reverse pass's solves
    assert "solve_lu(" in src and "inv_lu(" in src and "slogdet_logabs_lu(" in src
    value, grads = vg(a, x)
    j_value, j_grads = j(a, x)
    np.testing.assert_allclose(j_value, value, rtol=8 * np.finfo(float).eps)
    for got, want in zip(j_grads, grads):
        np.testing.assert_allclose(got, want, rtol=0,
                                   atol=8 * np.finfo(float).eps * np.max(np.abs(want)))
    # exact=True: each operation factors its own matrix, as eager mode does
    exact = sg.jit(vg, exact=True)
    assert "lu_factors(" not in exact.source(a, x)
    e_value, e_grads = exact(a, x)
    assert e_value == value
    for got, want in zip(e_grads, grads):
        np.testing.assert_array_equal(got, want)
    # a singular matrix: what the primitives do eagerly (NumPy's error)
    singular = np.ones((6, 6))
    with pytest.raises(np.linalg.LinAlgError):
        vg(singular, x)
    with pytest.raises(np.linalg.LinAlgError):
        j(singular, x)
    g = sg.jit(lambda a, x: (snp.linalg.slogdet(a)[1], snp.linalg.slogdet(a.T)[1]))
    assert g.source(a, x).count("lu_factors(") == 1
    assert g(singular, x) == (-np.inf, -np.inf)


def test_a_program_does_not_keep_its_trace_s_intermediates():
    import tracemalloc

    x = np.linspace(0.5, 1.5, 100_000)
    f = sg.jit(sg.value_and_grad(lambda v: sg.sum(sg.exp(sg.sin(v) * v) / (1.0 + v * v))))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        value, grad = f(x)  # trace, lower, run: some twenty arrays of x's size on the way
        del grad
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # the constants it needs and its scratch buffers (kept between calls), not the trace
    first = f.source(x).splitlines()[1]
    scratch = first.count(",") if "take_scratch()" in first else 0
    assert 1 <= scratch <= 4
    assert kept < (4 + scratch) * x.nbytes, kept / x.nbytes
    np.testing.assert_allclose(f(x)[1], sg.grad(lambda v: sg.sum(sg.exp(sg.sin(v) * v)
                                                              / (1.0 + v * v)))(x))


def _scratch_program():
    x = np.linspace(0.5, 1.5, 100_000)
    loss = lambda v: sg.sum(sg.exp(sg.sin(v) * v) / (1.0 + v * v))  # noqa: E731
    return x, sg.value_and_grad(loss), sg.jit(sg.value_and_grad(loss))


def test_large_intermediates_live_in_scratch_buffers_kept_between_calls():
    import tracemalloc

    x, vg, f = _scratch_program()
    source = f.source(x)
    assert "take_scratch()" in source and "out=s0" in source
    first_value, first_grad = f(x)
    keep = first_grad.copy()
    f(x)  # warm: the scratch buffers exist
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        value, grad = f(x * 1.5)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # x * 1.5, and the gradient handed back (its buffer is fresh): nothing else of x's size
    assert peak < 2.5 * x.nbytes, peak / x.nbytes
    np.testing.assert_array_equal(first_grad, keep)  # results never live in scratch buffers
    want_value, want_grad = vg(x * 1.5)
    assert value == want_value
    np.testing.assert_array_equal(grad, want_grad)


def test_scratch_buffers_with_threads_guards_and_errors():
    import concurrent.futures

    x, vg, f = _scratch_program()
    inputs = [x * (1.0 + 0.1 * k) for k in range(8)]
    wants = [vg(v) for v in inputs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            for (value, grad), (want_value, want_grad) in zip(pool.map(f, inputs), wants):
                assert value == want_value
                np.testing.assert_array_equal(grad, want_grad)
    # a guard failing midway drops its scratch set; the general program serves after it
    p = sg.jit(sg.grad(lambda b, e: sg.sum(b ** e), argnums=(0, 1)))
    b, e = np.linspace(0.5, 2.0, 50_000), np.linspace(1.0, 3.0, 50_000)
    assert "take_scratch()" in p.source(b, e)
    for base in (b, np.where(b > 1.0, b, 0.0), b):
        got = p(base, e)
        want = sg.grad(lambda b, e: sg.sum(b ** e), argnums=(0, 1))(base, e)
        for g, w in zip(got, want, strict=True):  # (products regrouped: a few ulp)
            np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-300)
