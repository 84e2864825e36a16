"""The eager face: ``sg.tensor``, its attributes, operators, indexing, methods and backward.

PyTorch semantics: leaves that require grad accumulate ``.grad`` across
backward calls; non-scalar outputs need a seed; tensors in a graph are
immutable; NumPy never silently drops the graph.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import semigrad as sg

RNG = np.random.default_rng(7)


def leaf(values, dtype=None):
    return sg.tensor(values, requires_grad=True, dtype=dtype)


# ---- construction and attributes --------------------------------------------------------------


def test_attributes():
    data = np.arange(6.0).reshape(2, 3)
    t = sg.tensor(data)
    assert isinstance(t.value, np.ndarray)
    np.testing.assert_array_equal(t.value, data)
    assert t.shape == (2, 3)
    assert t.dtype == np.float64
    assert t.ndim == 2
    assert t.size == 6
    assert len(t) == 2
    assert t.grad is None
    assert t.requires_grad is False
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), data)
    assert t.T.shape == (3, 2)


def test_tensor_copies_its_data():
    data = np.array([1.0, 2.0])
    t = sg.tensor(data)
    data[0] = 100.0
    assert t.value[0] == 1.0


@pytest.mark.parametrize(
    "data,dtype,expected",
    [
        ([1, 2], None, np.int64),
        ([1.0, 2.0], None, np.float64),
        ([1, 2], np.float32, np.float32),
        (np.ones(2, np.float32), None, np.float32),
        ([True, False], None, np.bool_),
        (2.5, None, np.float64),
    ],
)
def test_dtype(data, dtype, expected):
    assert sg.tensor(data, dtype=dtype).dtype == expected


def test_scalar_tensor():
    t = sg.tensor(2.5, requires_grad=True)
    assert t.shape == ()
    assert t.ndim == 0
    assert t.size == 1
    assert t.item() == 2.5
    assert type(t.item()) is float
    assert float(t) == 2.5
    assert sg.tensor([[3.0]]).item() == 3.0


def test_requires_grad_flag_and_int_tensor_with_float_dtype():
    assert leaf([1.0]).requires_grad is True
    t = sg.tensor([1, 2], dtype=np.float32, requires_grad=True)
    assert t.requires_grad and t.dtype == np.float32


def test_detach():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    d = y.detach()
    assert isinstance(d, sg.Tensor)
    assert d.requires_grad is False
    np.testing.assert_array_equal(d.value, [3.0, 6.0])
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])  # no gradient through the detached copy


# ---- operators --------------------------------------------------------------------------------

X = np.array([0.5, 1.5, 2.0])
O = np.array([1.2, 0.7, 2.5])

# (symbol, operator, d(x op o)/dx, d(o op x)/dx)
OPERATORS = [
    ("+", operator.add, lambda x, o: np.ones_like(x), lambda x, o: np.ones_like(x)),
    ("-", operator.sub, lambda x, o: np.ones_like(x), lambda x, o: -np.ones_like(x)),
    ("*", operator.mul, lambda x, o: o + 0 * x, lambda x, o: o + 0 * x),
    ("/", operator.truediv, lambda x, o: 1 / o + 0 * x, lambda x, o: -o / x**2),
    ("**", operator.pow, lambda x, o: o * x ** (o - 1), lambda x, o: o**x * np.log(o)),
]

OTHERS = {
    "tensor": lambda: sg.tensor(O),
    "tensor_grad": lambda: sg.tensor(O, requires_grad=True),
    "ndarray": lambda: O.copy(),
    "float": lambda: 1.7,
    "int": lambda: 2,
    "np.float64": lambda: np.float64(1.7),
}


def _raw(o):
    return o.value if isinstance(o, sg.Tensor) else o


@pytest.mark.parametrize("kind", list(OTHERS))
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("sym,op,d_left,d_right", OPERATORS, ids=[o[0] for o in OPERATORS])
def test_binary_operators(sym, op, d_left, d_right, side, kind):
    x = leaf(X)
    other = OTHERS[kind]()
    y = op(x, other) if side == "left" else op(other, x)
    assert isinstance(y, sg.Tensor)
    assert y.requires_grad
    o = np.asarray(_raw(other), dtype=float)
    expected = op(X, o) if side == "left" else op(o, X)
    np.testing.assert_allclose(y.value, expected, rtol=1e-14)
    y.sum().backward()
    d = d_left if side == "left" else d_right
    np.testing.assert_allclose(x.grad, d(X, o), rtol=1e-12)
    if kind == "tensor_grad":
        # the other operand is differentiated too: swap the roles
        d_other = d_right if side == "left" else d_left
        np.testing.assert_allclose(other.grad, np.broadcast_to(d_other(o, X), O.shape), rtol=1e-12)
    elif isinstance(other, sg.Tensor):
        assert other.grad is None


@pytest.mark.parametrize("kind", ["tensor", "tensor_grad", "ndarray"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_matmul_operator(side, kind):
    x = leaf(X)
    m = RNG.standard_normal((3, 3))
    other = sg.tensor(m, requires_grad=kind == "tensor_grad") if kind != "ndarray" else m
    y = x @ other if side == "left" else other @ x
    assert isinstance(y, sg.Tensor)
    np.testing.assert_allclose(y.value, X @ m if side == "left" else m @ X)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, m.sum(axis=1) if side == "left" else m.sum(axis=0))


def test_numpy_array_times_tensor_is_a_tensor_with_gradient():
    x = leaf([1.0, 2.0, 3.0])
    y = np.ones(3) * x
    assert isinstance(y, sg.Tensor)
    (y * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])


def test_python_int_operands_have_the_right_gradient():
    x = leaf([1.0, 2.0])
    (x * 3 + 2 * x - x * 1 + x * -1).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_unary_operators():
    x = leaf([1.0, -2.0])
    y = -x
    assert isinstance(y, sg.Tensor)
    np.testing.assert_array_equal(y.value, [-1.0, 2.0])
    (y * np.array([1.0, 2.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, -2.0])
    np.testing.assert_array_equal(abs(sg.tensor([-1.0, 2.0])).value, [1.0, 2.0])


def test_broadcasting_operands_reduce_the_gradient():
    x = leaf([1.0, 2.0, 3.0])
    b = leaf([[1.0], [2.0]])
    y = x * b  # (2, 3)
    assert y.shape == (2, 3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(b.grad, [[6.0], [6.0]])


COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("kind", ["tensor", "tensor_grad", "ndarray", "float"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("op", COMPARISONS, ids=lambda o: o.__name__)
def test_comparisons_are_boolean_and_not_differentiable(op, side, kind):
    x = leaf([1.0, 2.0, 3.0])
    other = {
        "tensor": sg.tensor([2.0, 2.0, 2.0]),
        "tensor_grad": leaf([2.0, 2.0, 2.0]),
        "ndarray": np.array([2.0, 2.0, 2.0]),
        "float": 2.0,
    }[kind]
    r = op(x, other) if side == "left" else op(other, x)
    raw = r.value if isinstance(r, sg.Tensor) else np.asarray(r)
    assert raw.dtype == np.bool_
    o = _raw(other)
    np.testing.assert_array_equal(raw, op(x.value, o) if side == "left" else op(o, x.value))
    assert not getattr(r, "requires_grad", False)


def test_comparison_results_work_as_masks():
    x = leaf([1.0, -2.0, 3.0])
    y = sg.where(x > 0, x, 0.0).sum() + x[x < 0].sum() * 10
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 10.0, 1.0])


# ---- indexing ---------------------------------------------------------------------------------

BASE = np.arange(60.0).reshape(3, 4, 5)

INDICES = [
    ("int", 1),
    ("negative int", -1),
    ("slice", slice(1, 3)),
    ("step slice", (slice(None), slice(None, None, 2))),
    ("reverse slice", slice(None, None, -1)),
    ("two ints", (2, 3)),
    ("ellipsis", (Ellipsis, 1)),
    ("ellipsis mid", (0, Ellipsis, 2)),
    ("None", None),
    ("None mid", (slice(None), None, 1)),
    ("None + ellipsis", (1, Ellipsis, None)),
    ("int array", [0, 2]),
    ("repeated int array", [0, 0, 1]),
    ("repeated in axis 1", (slice(None), [1, 1, 3])),
    ("two int arrays", ([0, 2, 2], [1, 3, 3])),
    ("non-adjacent arrays", ([0, 1], slice(None), [2, 2])),
    ("2-d int array", np.array([[0, 1], [1, 1]])),
    ("int and array and slice", (0, [1, 1], slice(2, None))),
    ("bool mask axis 0", np.array([True, False, True])),
    ("bool mask 2-d", BASE[..., 0] % 3 == 0),
    ("bool mask full", BASE % 7 == 0),
    ("bool mask after slice", (slice(None), np.array([True, False, False, True]))),
    ("negative int array", [-1, -1, 0]),
]


@pytest.mark.parametrize("index", [i[1] for i in INDICES], ids=[i[0] for i in INDICES])
def test_getitem_values_and_gradients(index):
    x = leaf(BASE)
    y = x[index]
    expected = BASE[index]
    assert isinstance(y, sg.Tensor)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.value, expected)
    w = RNG.standard_normal(expected.shape)
    (y * w).sum().backward()
    # each output element came from one input element: scatter-add the weights there
    src = np.arange(BASE.size).reshape(BASE.shape)[index]
    ref = np.bincount(np.ravel(src), weights=np.ravel(w), minlength=BASE.size)
    np.testing.assert_allclose(x.grad, ref.reshape(BASE.shape))


def test_repeated_indices_accumulate():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0, 0.0])


def test_empty_selections():
    x = leaf([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x[[]].value, np.array([1.0, 2.0, 3.0])[[]])
    (x[[]].sum() + x[x > 10].sum()).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_index_with_tensor_indices():
    x = leaf([1.0, 2.0, 3.0])
    idx = sg.tensor([2, 2])
    x[idx].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 2.0])
    x.grad = None
    x[x > 1.5].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])


def test_iteration_yields_rows():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    rows = list(x)
    assert len(rows) == 2
    np.testing.assert_array_equal(rows[1].value, [3.0, 4.0])
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0], [1.0, 1.0]])


# ---- methods ----------------------------------------------------------------------------------

M = RNG.uniform(0.2, 1.5, size=(3, 4))

METHODS = [
    ("sum", lambda t: t.sum()),
    ("sum axis", lambda t: t.sum(axis=1)),
    ("sum neg axis keepdims", lambda t: t.sum(axis=-1, keepdims=True)),
    ("sum tuple", lambda t: t.sum(axis=(0, 1))),
    ("mean", lambda t: t.mean()),
    ("mean axis", lambda t: t.mean(axis=0)),
    ("max", lambda t: t.max()),
    ("max axis", lambda t: t.max(axis=1)),
    ("min", lambda t: t.min(axis=-2, keepdims=True)),
    ("prod", lambda t: t.prod(axis=1)),
    ("reshape args", lambda t: t.reshape(6, 2)),
    ("reshape tuple", lambda t: t.reshape((2, -1))),
    ("reshape -1", lambda t: t.reshape(-1)),
    ("flatten", lambda t: t.flatten()),
    ("transpose", lambda t: t.transpose()),
    ("transpose args", lambda t: t.transpose(1, 0)),
    ("T", lambda t: t.T),
    ("swapaxes", lambda t: t.swapaxes(0, 1)),
    ("clip", lambda t: t.clip(0.5, 1.0)),
    ("dot", lambda t: t.dot(np.arange(4.0))),
]


@pytest.mark.parametrize("name,fn", METHODS, ids=[m[0] for m in METHODS])
def test_methods_match_numpy(name, fn):
    t = leaf(M)
    out = fn(t)
    assert isinstance(out, sg.Tensor)
    expected = fn(M)  # the same method call on the NumPy array
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.value, expected, rtol=1e-13)
    sg.check_grads(fn, (M,), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize(
    "name,fn,ref",
    [
        ("exp", lambda t: t.exp(), np.exp),
        ("log", lambda t: t.log(), np.log),
        ("sqrt", lambda t: t.sqrt(), np.sqrt),
        ("tanh", lambda t: t.tanh(), np.tanh),
        ("sin", lambda t: t.sin(), np.sin),
        ("cos", lambda t: t.cos(), np.cos),
        ("abs", lambda t: (t - 0.8).abs(), lambda a: np.abs(a - 0.8)),
        ("sigmoid", lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
        ("relu", lambda t: (t - 0.8).relu(), lambda a: np.maximum(a - 0.8, 0)),
        ("logsumexp", lambda t: t.logsumexp(axis=1), lambda a: np.log(np.exp(a).sum(1))),
        ("softmax", lambda t: t.softmax(), lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
        (
            "log_softmax",
            lambda t: t.log_softmax(axis=0),
            lambda a: a - np.log(np.exp(a).sum(0, keepdims=True)),
        ),
        ("squeeze", lambda t: t.reshape(1, 3, 4).squeeze(), lambda a: a),
    ],
)
def test_methods_without_numpy_counterpart(name, fn, ref):
    out = fn(leaf(M))
    np.testing.assert_allclose(out.value, ref(M), rtol=1e-13)
    # check_grads also calls the function on plain arrays (finite differences)
    sg.check_grads(
        lambda a: fn(a if isinstance(a, sg.Tensor) else sg.tensor(a)),
        (M,),
        modes=("rev", "fwd"),
        order=2,
    )


# ---- backward ---------------------------------------------------------------------------------


def test_backward_scalar():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()
    assert y.shape == ()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    assert isinstance(x.grad, np.ndarray)


def test_backward_accumulates_across_calls_and_resets():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 7.0, 9.0])
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_backward_fills_every_leaf_that_requires_grad():
    a = leaf([1.0, 2.0])
    b = leaf(3.0)
    c = sg.tensor([5.0, 7.0])  # a constant
    y = (a * b + c).sum()
    y.backward()
    np.testing.assert_array_equal(a.grad, [3.0, 3.0])
    assert float(b.grad) == 3.0
    assert np.shape(b.grad) == ()
    assert c.grad is None


def test_backward_does_not_fill_intermediate_tensors():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    (h * h).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(x.grad, [8.0, 16.0])


def test_backward_shared_subexpressions_sum_paths():
    x = leaf(2.0)
    h = x * x
    y = h * h + h  # x**4 + x**2
    y.backward()
    assert float(x.grad) == 4 * 8 + 2 * 2


def test_backward_non_scalar_without_seed_raises():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2.0
    with pytest.raises(ValueError, match=r"\(3,\)") as e:
        y.backward()
    assert "seed" in str(e.value) or "scalar" in str(e.value)
    assert x.grad is None


@pytest.mark.parametrize(
    "seed",
    [np.array([1.0, 0.5, -2.0]), [1.0, 0.5, -2.0], sg.tensor([1.0, 0.5, -2.0])],
    ids=["ndarray", "list", "tensor"],
)
def test_backward_with_seed_of_output_shape(seed):
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(seed)
    np.testing.assert_allclose(x.grad, 2 * np.array([1.0, 2.0, 3.0]) * [1.0, 0.5, -2.0])


def test_backward_with_matrix_seed():
    x = leaf(np.ones((2, 3)))
    s = RNG.standard_normal((2, 3))
    (x * 4.0).backward(seed=s)
    np.testing.assert_allclose(x.grad, 4 * s)


def test_backward_float32_keeps_dtype():
    x = leaf(np.array([1.0, 2.0], dtype=np.float32))
    (x * 2.5 + x**2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [4.5, 6.5])


def test_backward_twice_through_a_released_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="requires_grad|require grad"):
        (sg.tensor([1.0]) * 2.0).sum().backward()


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf([1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert isinstance(g, sg.Tensor)
    np.testing.assert_allclose(g.value, [3.0, 12.0])
    (h,) = sg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h, [6.0, 12.0])


# ---- item assignment --------------------------------------------------------------------------


def test_item_assignment_on_a_plain_tensor_works():
    t = sg.tensor([1.0, 2.0, 3.0])
    t[1] = 9.0
    np.testing.assert_array_equal(t.value, [1.0, 9.0, 3.0])


def test_item_assignment_on_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="assignment"):
        x[0] = 5.0
    np.testing.assert_array_equal(x.value, [1.0, 2.0])


def test_item_assignment_on_a_graph_result_raises():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    with pytest.raises(TypeError, match="graph|immutable"):
        y[0] = 5.0
    np.testing.assert_array_equal(y.value, [2.0, 4.0])


def test_item_assignment_on_a_constant_recorded_in_a_graph():
    # c does not require grad, but the graph recorded it as a factor of x: changing it
    # afterwards must either be refused or leave the recorded gradient intact.
    x = leaf([1.0, 2.0])
    c = sg.tensor([3.0, 4.0])
    y = (c * x).sum()
    try:
        c[0] = 100.0
    except TypeError:
        pass
    y.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ---- sg.autograd.grad -------------------------------------------------------------------------


def test_autograd_grad_does_not_touch_dot_grad():
    x = leaf([1.0, 2.0])
    (g,) = sg.autograd.grad((x**2).sum(), x)
    np.testing.assert_array_equal(g, [2.0, 4.0])
    assert x.grad is None


def test_autograd_grad_several_inputs_and_unused_input():
    a = leaf([1.0, 2.0])
    b = leaf(3.0)
    unused = leaf([5.0, 5.0, 5.0])
    ga, gb, gu = sg.autograd.grad((a * b).sum(), [a, b, unused])
    np.testing.assert_array_equal(ga, [3.0, 3.0])
    assert float(gb) == 3.0
    np.testing.assert_array_equal(gu, np.zeros(3))


def test_autograd_grad_with_seeds_for_non_scalar_output():
    x = leaf([1.0, 2.0, 3.0])
    (g,) = sg.autograd.grad(x * x, x, seeds=np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 0.0, 12.0])


def test_autograd_grad_of_several_outputs_sums():
    x = leaf([1.0, 2.0])
    (g,) = sg.autograd.grad([(x**2).sum(), x.sum()], [x])
    np.testing.assert_array_equal(g, [3.0, 5.0])


def test_autograd_grad_create_graph_second_derivative():
    x = leaf(0.7)
    (g,) = sg.autograd.grad(sg.sin(x) * x, x, create_graph=True)
    (h,) = sg.autograd.grad(g, x)
    assert float(h) == pytest.approx(2 * np.cos(0.7) - 0.7 * np.sin(0.7))


# ---- NumPy interoperability -------------------------------------------------------------------


def test_np_asarray_of_tensor_requiring_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="numpy|NumPy|detach"):
        np.asarray(x)
    with pytest.raises(TypeError):
        np.array(x * 2.0)


def test_np_asarray_of_plain_tensor_works():
    t = sg.tensor([1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(leaf([1.0]).detach()), [1.0])


@pytest.mark.parametrize(
    "ufunc,call,deriv",
    [
        ("exp", lambda t: np.exp(t), np.exp),
        ("sin", lambda t: np.sin(t), np.cos),
        ("tanh", lambda t: np.tanh(t), lambda a: 1 - np.tanh(a) ** 2),
        ("sqrt", lambda t: np.sqrt(t), lambda a: 0.5 / np.sqrt(a)),
        ("log", lambda t: np.log(t), lambda a: 1 / a),
        ("abs", lambda t: np.abs(t), np.sign),
        ("negative", lambda t: np.negative(t), lambda a: -np.ones_like(a)),
        ("square", lambda t: np.square(t), lambda a: 2 * a),
        ("multiply", lambda t: np.multiply(np.full(3, 2.0), t), lambda a: np.full(3, 2.0)),
        ("add", lambda t: np.add(t, t), lambda a: np.full(3, 2.0)),
        ("power", lambda t: np.power(t, 3.0), lambda a: 3 * a**2),
        ("maximum", lambda t: np.maximum(t, 1.0), lambda a: (a > 1).astype(float)),
    ],
)
def test_numpy_ufuncs_dispatch_to_semigrad(ufunc, call, deriv):
    a = np.array([0.5, 1.5, 2.5])
    x = leaf(a)
    y = call(x)
    assert isinstance(y, sg.Tensor)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad, deriv(a))


def test_numpy_reductions_call_tensor_methods():
    x = leaf([1.0, 2.0, 3.0])
    s = np.sum(x)
    assert isinstance(s, sg.Tensor)
    (s + np.mean(x)).backward()
    np.testing.assert_allclose(x.grad, [4 / 3] * 3)


def test_unsupported_ufunc_raises_instead_of_dropping_the_graph():
    x = leaf([1.0, 2.0])
    special = pytest.importorskip("scipy.special")  # a ufunc semigrad.numpy does not define
    with pytest.raises(TypeError, match="np.erf has no differentiable counterpart"):
        special.erf(x)
    with pytest.raises(TypeError, match=r"np.add.outer is not differentiable"):
        np.add.outer(x, x)


def test_numpy_ufuncs_on_tensors_are_semigrad_numpys_functions_of_the_same_name():
    import semigrad.numpy as snp

    names = [n for n in dir(np) if isinstance(getattr(np, n), np.ufunc) and hasattr(snp, n)]
    assert {"arcsin", "arctan2", "sinh", "log10", "hypot", "logaddexp"} <= set(names)
    x = np.array([0.3, 0.6])
    for name in ("arcsin", "sinh", "log10", "cbrt", "expm1", "arctanh"):
        g = sg.grad(lambda v, name=name: sg.sum(getattr(np, name)(v)))(x)
        np.testing.assert_allclose(g, sg.grad(lambda v, name=name: sg.sum(
            getattr(snp, name)(v)))(x))
    assert sg.grad(lambda v: np.sum(np.arctan2(v, 1.0)))(x).tolist() == pytest.approx(
        (1 / (1 + x ** 2)).tolist())
    t = leaf([0.5, 2.0])
    assert float(np.add.reduce(t).value) == 2.5 and float(np.maximum.reduce(t).value) == 2.0
    assert np.multiply.accumulate(t).value.tolist() == [0.5, 1.0]
    assert np.exp(t, dtype=np.float32).dtype == np.float32


def test_ufunc_keywords_on_tensors_are_honoured_or_refused():
    x = leaf([0.5, 0.2])
    out = np.empty(2)
    for call in (lambda: sg.exp(x, out=out), lambda: np.exp(x, out=out)):
        with pytest.raises(TypeError, match=r"exp: out=.*not supported for Tensors: use the"):
            call()
    assert out.flags.writeable  # the caller's array is neither written nor frozen
    with pytest.raises(TypeError, match=r"where=.*sg.where\(condition"):
        sg.exp(x, where=np.array([True, False]))
    with pytest.raises(TypeError, match="casting='unsafe'"):
        sg.exp(x, casting="unsafe")
    assert sg.exp(x, out=None, where=True).value.tolist() == np.exp([0.5, 0.2]).tolist()
    y = sg.add(x, x, dtype=np.float32)
    assert y.dtype == np.float32 and y.requires_grad
    assert sg.astype(x, np.float32).dtype == np.float32
    assert sg.ops.astype(x, dtype=np.float32).dtype == np.float32  # the primitive's own dtype
    # plain arrays: NumPy's semantics, out= included
    assert sg.exp(np.zeros(2), out=out) is out and out.tolist() == [1.0, 1.0]


def test_complex_tensors_backward_and_conversions():
    z = sg.tensor([1 + 2j, 3j], requires_grad=True)
    (abs(z) ** 2).sum().backward()
    np.testing.assert_allclose(z.grad, 2 * np.conj(z.value))  # JAX's convention
    y = (z * z).sum()
    with pytest.raises(TypeError, match="complex.*take .real"):
        y.backward()
    z.grad = None
    y.backward(seed=1.0)  # the holomorphic derivative 2z
    np.testing.assert_allclose(z.grad, 2 * z.value)
    assert complex(sg.tensor(1 + 2j)) == 1 + 2j
    with pytest.raises(TypeError, match="complex"):
        float(sg.tensor(1 + 2j))
    assert np.conj(z).value.tolist() == [1 - 2j, -3j] and z.real.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("method, args", [
    ("std", ()), ("var", (1,)), ("cumsum", (1,)), ("cumprod", (0,)), ("round", ()),
    ("diagonal", ()), ("trace", ()), ("repeat", (2,)), ("take", ([0, 2],)), ("copy", ()),
    ("argmax", ()), ("argmin", (1,)), ("argsort", ()), ("all", ()), ("any", ()),
])
def test_numpy_array_methods(method, args):
    x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    got = getattr(sg.tensor(x, requires_grad=True), method)(*args)
    want = getattr(x, method)(*args)
    np.testing.assert_allclose(np.asarray(getattr(got, "value", got), dtype=float),
                               np.asarray(want, dtype=float))
    assert isinstance(got, sg.Tensor) == isinstance(want, np.ndarray | np.floating) or (
        method in ("argmax", "argmin", "argsort", "all", "any"))


def test_differentiable_array_methods_and_operators():
    x = np.array([[3.0, 1.5, 2.0], [0.5, 4.0, -1.0]])
    sg.check_grads(lambda v: v.std(axis=0) + v.var() + v.cumsum(1).sum(0)[:2].sum()
                   + sg.numpy.sort(v, axis=1)[:, 0].sum() * v.mT[0, 1] + (v % 2.0).sum(), (x,),
                   modes=("rev", "fwd"), order=2)
    assert (sg.tensor(x) // 2).value.tolist() == (x // 2).tolist()
    assert sg.tensor(x).sort().value.tolist() == np.sort(x).tolist()  # a new Tensor, as JAX


def test_a_complex_seed_for_a_real_output_is_refused():
    x = sg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="complex seed for a real output"):
        sg.sin(x).backward(seed=np.array([1j]))


def test_array_methods_are_semigrad_numpys_functions_by_name():
    from semigrad.tensor import ARRAY_METHODS

    t = leaf([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
    assert set(ARRAY_METHODS) >= {"sum", "mean", "std", "var", "sort", "cumsum", "trace"}
    for name in ("sum", "mean", "max", "min", "prod", "std", "var", "cumsum", "cumprod"):
        np.testing.assert_allclose(np.asarray(getattr(t, name)(axis=1).value),
                                   getattr(np, name)(t.value, axis=1), rtol=1e-12)
    assert t.sum(dtype=np.float32).dtype == np.float32  # NumPy's keywords, as the function
    assert t.std(ddof=1, keepdims=True).shape == (1, 1)
    with pytest.raises(TypeError, match="out= is not supported"):
        t.std(out=np.empty(()))  # was silently ignored
    with pytest.raises(TypeError, match="out= is not supported"):
        t.sum(out=np.empty(()))
    assert t.sort(axis=1).value.tolist() == [[1.0, 2.0, 3.0], [0.5, 1.5, 4.0]]
    assert t.value.tolist()[0] == [3.0, 1.0, 2.0]  # a new Tensor; the recorded one unchanged
    assert t.argmax(axis=1).tolist() == [0, 1] and t.searchsorted is not None
    g = sg.grad(lambda v: v.std() + v.cumsum(axis=0).sum())(t.value)
    assert g.shape == (2, 3)


def test_numpy_functions_on_tensors_run_semigrad_numpys_by_name():
    a = np.array([[3.0, 1.0], [0.5, 2.0]])
    b = np.array([1.0, 2.0])
    # plain NumPy code, differentiated: np.* dispatch to semigrad.numpy (.linalg, .fft)
    f = lambda m: np.sum(np.linalg.solve(m, b)) + np.std(m) + np.abs(np.fft.rfft(m)).sum()
    g = sg.grad(f)(a)
    import semigrad.numpy as snp
    g_snp = sg.grad(lambda m: snp.sum(snp.linalg.solve(m, b)) + snp.std(m)
                    + snp.abs(snp.fft.rfft(m)).sum())(a)
    np.testing.assert_allclose(g, g_snp, rtol=1e-12)
    t = leaf([[1.0, 2.0], [3.0, 4.0]])
    assert np.concatenate([t, t]).shape == (4, 2) and np.concatenate([t, t]).requires_grad
    assert np.shape(t) == (2, 2) and np.ndim(t) == 2  # NumPy's own helpers, re-exported
    assert np.sum(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="numpy.i0 has no differentiable counterpart"):
        np.i0(t)


def test_numpy_dispatch_never_recurses():
    # semigrad.numpy functions that call NumPy's function of the same name on their
    # arguments (constants such as meshgrid) must not dispatch back to themselves.
    import inspect
    import warnings

    import semigrad.numpy as snp

    x = sg.tensor(np.array([[1.0, 2.0], [3.0, 4.5]]), requires_grad=True)
    recursed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(dir(snp)):
            fn = getattr(snp, name)
            if name.startswith("_") or not callable(fn) or inspect.isclass(fn) \
                    or inspect.ismodule(fn):
                continue
            for args in ((x,), (x, x), (x, 1)):
                try:
                    fn(*args)
                except RecursionError:
                    recursed.append(name)
                except Exception:  # noqa: BLE001 - only recursion is the defect here
                    pass
    assert not recursed, recursed
    grids = snp.meshgrid(x.detach(), [3.0, 4.0])
    assert [g.shape for g in grids] == [(2, 4), (2, 4)]
