"""Gradients you can trust in real code: no silent wrong answers in ordinary habits.

Numbers coerced inside transforms, arrays mutated after recording, state per thread and per
asyncio task, interrupts at any line, outputs that are not numbers, and small defects.
"""

from __future__ import annotations

import asyncio
import gc
import math
import operator
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp
from semigrad import anomaly, context
from semigrad.autodiff import api, reverse

# ---- 1. traced values turned into Python numbers inside a transform ------------------------

COERCIONS = {
    "math.exp": lambda x: math.exp(x),
    "float": lambda x: float(x) ** 2,
    "item": lambda x: x.item() * x,
    "int": lambda x: int(x) * x,
    "complex": lambda x: abs(complex(x)) * x,
    "tolist": lambda x: sg.sum(x * x.tolist()),
    "operator.index": lambda x: x * operator.index(x),
    "np.float64": lambda x: np.float64(x) * x,
    "np.asarray": lambda x: np.asarray(x) * x,
}


@pytest.mark.parametrize("name", COERCIONS)
@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "vjp", "jvp", "jacobian",
                                       "hessian"])
def test_coercing_a_traced_value_inside_a_transform_raises(name, transform):
    f = COERCIONS[name]
    run = {
        "grad": lambda: sg.grad(f)(1.5),
        "value_and_grad": lambda: sg.value_and_grad(f)(1.5),
        "vjp": lambda: sg.vjp(f, 1.5),
        "jvp": lambda: sg.jvp(f, (1.5,), (1.0,)),
        "jacobian": lambda: sg.jacobian(f)(np.array(1.5)),
        "hessian": lambda: sg.hessian(f)(np.array(1.5)),
    }[transform]
    with pytest.raises(TypeError) as info:
        run()
    message = str(info.value)
    if name not in ("np.asarray", "operator.index"):
        assert "traced value inside a transform" in message
        assert "test_real_code.py" in message  # the line of user code
        assert "stop_gradient" in message and "sg.exp" in message


def test_the_error_names_the_users_line():
    def f(x):
        return math.exp(x)  # the line named

    with pytest.raises(TypeError, match=r"test_real_code\.py:\d+: return math\.exp\(x\)"):
        sg.grad(f)(1.0)


def test_control_flow_on_traced_values_keeps_working():
    def f(x):
        if x > 0:
            return x * x
        return -x

    assert sg.grad(f)(3.0) == 6.0
    assert sg.grad(f)(-3.0) == -1.0
    assert sg.grad(lambda x: x * 2.0 if bool(x) else x)(1.0) == 2.0
    while_loop = lambda x: x * x if x < 10 else x
    assert sg.grad(while_loop)(2.0) == 4.0


def test_constants_and_printing_inside_a_transform_are_fine():
    def f(x):
        c = float(sg.stop_gradient(x)) + x.detach().item()
        text = f"{x.detach().item():.3f}"
        assert text == "2.000"
        return x * c

    assert sg.grad(f)(2.0) == 4.0


def test_an_outer_transforms_value_coerced_inside_an_inner_transform_raises():
    def outer(x):
        return sg.grad(lambda y: float(x) * y)(1.0)

    with pytest.raises(TypeError, match="traced value"):
        sg.grad(outer)(2.0)


def test_the_eager_face_keeps_pytorchs_habits():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    loss = sg.sum(w * w)
    assert float(loss) == 5.0 and loss.item() == 5.0 and int(loss) == 5
    assert loss.tolist() == 5.0 and math.exp(sg.sum(w) - 3.0) == 1.0
    loss.backward()
    assert w.grad.tolist() == [2.0, 4.0]
    assert operator.index(sg.tensor(3)) == 3
    with pytest.raises(TypeError, match="integer scalar"):
        operator.index(sg.tensor(3.0))


# ---- 2. arrays mutated after they were recorded -------------------------------------------


def test_a_numpy_constant_mutated_after_recording():
    x = sg.tensor([1.0, 1.0], requires_grad=True)
    c = np.array([2.0, 3.0])
    y = sg.sum(x * c)
    c[:] = 100
    y.backward()
    assert x.grad.tolist() == [2.0, 3.0]
    assert c.flags.writeable  # the user's array is left as it was


def test_a_constant_tensor_mutated_after_recording():
    x = sg.tensor([1.0, 1.0], requires_grad=True)
    c = sg.tensor([2.0, 3.0])
    y = sg.sum(x * c)
    c[0] = 100.0
    c.value[1] = 100.0
    y.backward()
    assert x.grad.tolist() == [2.0, 3.0]


def test_a_vjp_primal_mutated_before_the_cotangent():
    x = np.array([1.0, 2.0])
    out, vjp_fn = sg.vjp(lambda v: v ** 2, x)
    x[:] = 100.0
    assert vjp_fn(np.ones(2))[0].tolist() == [2.0, 4.0]
    assert out.tolist() == [1.0, 4.0]


def test_an_optimiser_step_between_two_retained_backwards_is_refused():
    w = sg.nn.Parameter([1.0, 2.0])
    opt = sg.optim.SGD([w], lr=0.1)
    loss = sg.sum(w * w * w)  # recorded here
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError) as info:
        loss.backward()
    message = str(info.value)
    assert "'multiply'" in message and "changed after" in message
    assert "test_real_code.py" in message and "loss = sg.sum(w * w * w)" in message
    assert w.value.tolist() == pytest.approx([0.7, 0.8])


def test_writing_into_a_recorded_leaf_raises_at_the_write():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = sg.sum(x * x)
    with pytest.raises(ValueError, match="read-only"):
        x.value[0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        y_mid = x * 3.0
        y_mid.value[0] = 5.0
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_replacing_a_leafs_value_is_noticed_by_every_sweep():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = sg.sum(sg.sin(x))
    x.value = np.array([5.0, 6.0])
    for run in (lambda: y.backward(retain_graph=True),
                lambda: y.backward(create_graph=True),
                lambda: sg.autograd.grad(y, x)):
        with pytest.raises(RuntimeError, match="'sin'.*changed after"):
            run()


def test_replaced_with_equal_values_is_fine():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = sg.sum(x * x)
    x.value = np.array([1.0, 2.0])
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_after_backward_the_leaf_can_be_updated_in_place():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    loss1 = sg.sum(w * w)
    loss2 = sg.sum(w * w * w)
    loss1.backward()
    w.value -= 0.0 * w.grad  # PyTorch's habit: fine once the graph is released
    loss2.backward()  # another graph still holds the recorded values: equal, so fine
    assert w.grad.tolist() == [2.0 + 3.0, 4.0 + 12.0]
    w.value -= 0.1 * w.grad
    assert w.value.tolist() == pytest.approx([0.5, 0.4])


def test_no_grad_updates_a_leaf_in_place_like_pytorch():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    alias = w
    sg.sum(w * w).backward()
    with sg.no_grad():
        w -= 0.5 * w.grad
        assert not (w * 2.0).requires_grad
    assert alias is w and w.requires_grad and w.value.tolist() == [0.0, 0.0]
    with sg.no_grad():
        w[0] = 3.0
    assert w.value.tolist() == [3.0, 0.0]
    with pytest.raises(TypeError, match="no_grad"):
        w[0] = 1.0
    z = w + 0.0
    z += 1.0  # a traced value: out of place, as Python's z = z + 1
    assert z.requires_grad and z.value.tolist() == [4.0, 1.0]


def test_forward_mode_notices_a_replaced_value_too():
    from semigrad.autodiff import forward

    x = sg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = sg.sin(x)
    x.value = np.array([3.0, 4.0])
    with pytest.raises(RuntimeError, match="changed after"):
        forward.sweep([x], [np.ones(2)], [y])


def test_recorded_values_mutated_through_a_view_are_refused():
    c = np.arange(6.0)
    view = c[1:4]
    x = sg.tensor(np.ones(3), requires_grad=True)
    y = sg.sum(x * view)
    c[:] = -1.0
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0]


# ---- 3. state per thread and per asyncio task ----------------------------------------------


def _work(k):
    """One unit of mixed work; returns results whose values and types are compared."""
    x = 0.3 + 0.01 * (k % 7)
    a = np.linspace(0.5, 1.5, 4) * (1 + 0.1 * (k % 3))
    g = sg.grad(lambda v: sg.sin(v) * v)(x)
    h = sg.hessian(lambda v: sg.sum(v ** 3))(a)
    nested = sg.grad(lambda v: v * sg.grad(lambda u: v * u * u)(2.0))(x)
    t = sg.tensor(a, requires_grad=True)
    sg.sum(sg.tanh(t) * t).backward()
    vg = sg.value_and_grad(lambda v: sg.sum(sg.exp(v)))(a)
    return [g, h, nested, t.grad, vg[0], vg[1]]


def _same(r1, r2):
    for u, v in zip(r1, r2):
        assert type(u) is type(v), (type(u), type(v))
        np.testing.assert_allclose(u, v, rtol=0, atol=0)


def test_transforms_from_eight_threads_agree_with_one_thread():
    expected = {k: _work(k) for k in range(21)}
    errors, counts = [], []
    stop = time.perf_counter() + 3.0

    def worker(seed):
        n = 0
        try:
            while time.perf_counter() < stop:
                k = (seed * 5 + n) % 21
                _same(_work(k), expected[k])
                n += 1
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        counts.append(n)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert sum(counts) >= 8
    assert gc.isenabled()
    assert context.current().depth == 0


def test_anomaly_mode_and_no_grad_are_per_thread():
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def holder():
        with sg.detect_anomaly(), sg.no_grad():
            inside.set()
            release.wait(5)
            seen["holder"] = (anomaly.is_enabled(), sg.is_grad_enabled())

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(5)
    try:
        # Another thread is inside detect_anomaly and no_grad: this one is not.
        assert not anomaly.is_enabled() and sg.is_grad_enabled()
        with pytest.warns(RuntimeWarning, match="divide by zero"):  # NumPy's: anomaly mode off
            y = sg.divide(sg.tensor(1.0, requires_grad=True), 0.0)  # inf: no AnomalyError here
        assert y.requires_grad and float(y.value) == np.inf
    finally:
        release.set()
        t.join()
    assert seen["holder"] == (True, False)


def test_set_detect_anomaly_holds_for_its_thread_only():
    result = {}

    def other():
        sg.set_detect_anomaly(True)
        result["other"] = anomaly.is_enabled()

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert result["other"] is True
    assert not anomaly.is_enabled()


def test_asyncio_tasks_have_their_own_state():
    async def inside_transform_check(flag):
        if flag:
            with sg.no_grad():
                await asyncio.sleep(0.01)
                return sg.is_grad_enabled()
        await asyncio.sleep(0.005)
        return sg.is_grad_enabled(), sg.grad(lambda v: v * v)(3.0)

    async def main():
        return await asyncio.gather(inside_transform_check(True), inside_transform_check(False))

    off, (on, g) = asyncio.run(main())
    assert off is False and on is True and g == 6.0 and type(g) is float


def test_anomaly_origins_do_not_accumulate():
    with sg.detect_anomaly():
        sg.grad(lambda v: sg.sin(v) * v)(0.5)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            sg.grad(lambda v: sg.sin(v) * v)(0.5)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    assert grown < 100_000, grown
    assert not hasattr(anomaly, "ORIGINS")


def test_solve_shares_its_work_without_a_memo():
    import weakref

    a = np.array([[3.0, 1.0], [0.5, 2.0]])
    b = np.array([1.0, 2.0])
    ga, gb = sg.grad(lambda a, b: sg.sum(snp.linalg.solve(a, b)), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(gb, np.linalg.solve(a.T, np.ones(2)))
    x = np.linalg.solve(a, b)
    np.testing.assert_allclose(ga, -np.outer(np.linalg.solve(a.T, np.ones(2)), x))
    from semigrad.primitives import linalg

    assert not hasattr(linalg, "_last_solve")
    calls = []
    real = linalg._solve_batched
    try:
        linalg._solve_batched = lambda *args: calls.append(1) or real(*args)
        sg.grad(lambda a, b: sg.sum(snp.linalg.solve(a, b)), argnums=(0, 1))(a, b)
    finally:
        linalg._solve_batched = real
    assert len(calls) == 1  # one A⁻ᵀg serves both inputs, in one call
    cot = np.ones(2)
    ref = weakref.ref(cot)
    out, vjp_fn = sg.vjp(lambda a, b: snp.linalg.solve(a, b), a, b)
    vjp_fn(cot)
    del cot
    gc.collect()
    assert ref() is None  # nothing kept the cotangent after the sweep


# ---- 4. interrupts leave nothing behind ----------------------------------------------------


class _Injected(Exception):
    pass


def _lines_of(fn):
    code = fn.__code__
    return code.co_filename, {line for _, _, line in code.co_lines() if line is not None}


def _inject_at_every_line(fn_list, run):
    """Run ``run`` once per line of the functions in ``fn_list``, raising at that line."""
    targets = [_lines_of(f) for f in fn_list]
    hits = 0
    for filename, lines in targets:
        for line in sorted(lines):
            fired = []

            def tracer(frame, event, arg, filename=filename, line=line, fired=fired):
                if frame.f_code.co_filename != filename:
                    return None
                if event == "line" and frame.f_lineno == line and not fired:
                    fired.append(line)
                    raise _Injected(line)
                return tracer

            sys.settrace(tracer)
            try:
                run()
            except _Injected:
                pass
            finally:
                sys.settrace(None)
            hits += bool(fired)
            yield line, bool(fired)
    assert hits > 0


def _library_as_before():
    assert gc.isenabled(), "the garbage collector was left off"
    state = context.current()
    assert (state.depth, state.floor, state.anomaly, state.grad_enabled) == (
        0, float("inf"), False, True), state


def test_a_checkpoint_recomputes_once_per_backward_for_all_its_inputs():
    runs = []
    w = sg.tensor(np.full((2, 2), 0.5), requires_grad=True)

    def block(h, v):
        runs.append(1)
        return sg.tanh(h @ w) * v

    x = sg.tensor(np.ones((1, 2)), requires_grad=True)
    v = sg.tensor(np.ones((1, 2)), requires_grad=True)
    sg.sum(sg.checkpoint(block)(x, v)).backward()
    assert len(runs) == 2  # the forward pass and one recomputation for x, v and w
    assert x.grad.shape == (1, 2) and v.grad.shape == (1, 2) and w.grad.shape == (2, 2)


def test_an_exception_at_any_line_of_the_critical_functions_leaves_nothing_behind():
    x = np.array([0.5, 1.5])

    def run():
        with sg.detect_anomaly():
            sg.grad(lambda v: sg.sum(sg.sin(v) * v))(x)
        t = sg.tensor(x, requires_grad=True)
        sg.sum(t * t).backward()
        with sg.no_grad():
            t * 2.0

    critical = [reverse.sweep, reverse._sweep, api._call, api._deeper,
                api._call_deeper, context.changed.__enter__, anomaly.detect_anomaly, sg.no_grad]
    fired = 0
    for _, hit in _inject_at_every_line(critical, run):
        fired += hit
        _library_as_before()
    assert fired >= 10
    assert sg.grad(lambda v: v * v)(3.0) == 6.0  # and it still works


def test_keyboard_interrupt_inside_the_function_leaves_nothing_behind():
    def f(v):
        raise KeyboardInterrupt

    for run in (lambda: sg.grad(f)(1.0), lambda: sg.jvp(f, (1.0,), (1.0,))):
        with pytest.raises(KeyboardInterrupt):
            with sg.detect_anomaly(), sg.no_grad():
                run()
        _library_as_before()


# ---- 5. outputs that are not numbers -------------------------------------------------------


def _gen(x):
    yield x


async def _coro(x):
    return x


@pytest.mark.parametrize("f, word", [
    (_gen, "generator"),
    (_coro, "coroutine"),
    (lambda x: None, "None"),
    (lambda x: "1.0", "str"),
    (lambda x: object(), "object"),
    (lambda x: np.array(["a"]), "dtype <U1"),
])
def test_functions_that_do_not_return_numbers_are_refused(f, word):
    for run in (lambda: sg.value_and_grad(f)(1.0), lambda: sg.grad(f)(1.0),
                lambda: sg.vjp(f, 1.0), lambda: sg.jvp(f, (1.0,), (1.0,)),
                lambda: sg.jacobian(f)(np.ones(1))):
        with pytest.raises(TypeError, match=word):
            run()


def test_a_coroutine_is_closed_without_a_warning(recwarn):
    with pytest.raises(TypeError, match="coroutine"):
        sg.grad(_coro)(1.0)
    gc.collect()
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


# ---- 6. small defects -----------------------------------------------------------------------


def test_returned_gradients_are_writable():
    x = np.ones(3)
    g = sg.grad(sg.sum)(x)
    g *= 0.1
    assert g.tolist() == [0.1, 0.1, 0.1]
    _, vjp_fn = sg.vjp(lambda v: sg.sum(v), x)
    vjp_fn(1.0)[0][0] = 2.0
    value, tangent = sg.jvp(lambda v: v * 2.0, (x,), (np.ones(3),))
    value[0] = 5.0
    tangent[0] = 5.0
    out, vjp_fn = sg.vjp(lambda v: v * 2.0, x)
    out[0] = 7.0  # the caller's copy: the recorded value is unchanged
    assert vjp_fn(np.ones(3))[0].tolist() == [2.0, 2.0, 2.0]
    t = sg.tensor(x, requires_grad=True)
    g2 = sg.autograd.grad(sg.sum(t), t)[0]
    g2 += 1.0
    sg.sum(t).backward()
    t.grad *= 2.0


def test_backward_refuses_a_seed_that_is_not_the_outputs_shape():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"seed of shape \(3,\).*shape \(\)"):
        sg.sum(w * 1.0).backward(seed=np.ones(3))
    assert w.grad is None
    y = w * 1.0
    with pytest.raises(ValueError, match="autograd.grad"):
        y.backward(seed=np.ones((4, 2)))
    # batched seeds stay available where they are meant
    assert sg.autograd.grad(w * 2.0, w, np.eye(2))[0].tolist() == [[2.0, 0.0], [0.0, 2.0]]


def test_a_replaced_scalar_leaf_is_refused_and_anomaly_mode_names_the_line():
    w = sg.tensor(2.0, requires_grad=True)
    y = w * w
    w.value = np.float64(3.0)
    with pytest.raises(RuntimeError, match="changed after.*detect_anomaly"):
        y.backward(retain_graph=True)
    with sg.detect_anomaly():
        w = sg.tensor(2.0, requires_grad=True)
        y = w * w  # the line named
        w.value = np.float64(3.0)
        with pytest.raises(RuntimeError, match=r"recorded at .*test_real_code\.py:\d+: y = w \* w"):
            y.backward()
