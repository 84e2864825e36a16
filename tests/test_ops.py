"""The operation namespace ``sg.<name>``: values against NumPy, gradients against check_grads.

Every operation accepts Tensors, NumPy arrays and Python numbers, follows
NumPy's broadcasting and type promotion, and returns plain NumPy values when
nothing is traced. Gradients are checked in reverse and forward mode to second
order (``sg.check_grads``) and, where a closed form is short, against it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import semigrad as sg

RNG = np.random.default_rng(1234)


def rand(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, size=shape)


def check(f, *args, order=2, **kw):
    sg.check_grads(f, args, modes=("rev", "fwd"), order=order, **kw)


def strict():
    """A context in which any floating-point warning or overflow is an error."""

    class _Strict:
        def __enter__(self):
            self._w = warnings.catch_warnings()
            self._w.__enter__()
            warnings.simplefilter("error")
            self._e = np.errstate(over="raise", invalid="raise", divide="raise")
            self._e.__enter__()

        def __exit__(self, *exc):
            self._e.__exit__(*exc)
            self._w.__exit__(*exc)
            return False

    return _Strict()


# ---- elementwise: unary -----------------------------------------------------------------------

# (name, NumPy reference, domain (low, high))
UNARY = [
    ("negative", np.negative, (-2, 2)),
    ("exp", np.exp, (-2, 2)),
    ("log", np.log, (0.2, 3)),
    ("log1p", np.log1p, (-0.5, 3)),
    ("expm1", np.expm1, (-2, 2)),
    ("sqrt", np.sqrt, (0.2, 3)),
    ("square", np.square, (-2, 2)),
    ("abs", np.abs, (-2, 2)),
    ("sign", np.sign, (-2, 2)),
    ("sin", np.sin, (-3, 3)),
    ("cos", np.cos, (-3, 3)),
    ("tan", np.tan, (-1.2, 1.2)),
    ("tanh", np.tanh, (-2, 2)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), (-4, 4)),
    ("relu", lambda x: np.maximum(x, 0), (-2, 2)),
]


@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_value_matches_numpy(name, ref, dom):
    x = rand(3, 4, low=dom[0], high=dom[1])
    got = getattr(sg, name)(x)
    assert not isinstance(got, sg.Tensor)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, ref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradients(name, ref, dom):
    x = rand(3, 4, low=dom[0], high=dom[1])
    # keep away from the kinks of abs, sign and relu
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    check(getattr(sg, name), x)


@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_on_python_scalars_returns_numpy_scalar(name, ref, dom):
    x = 0.5 * (dom[0] + dom[1]) + 0.1
    got = getattr(sg, name)(x)
    assert not isinstance(got, sg.Tensor)
    assert isinstance(got, np.generic | np.ndarray)
    assert np.ndim(got) == 0
    np.testing.assert_allclose(got, ref(np.float64(x)), rtol=1e-12)


# Derivatives in closed form: f'(x) for each unary op.
DERIV = {
    "exp": np.exp,
    "log": lambda x: 1 / x,
    "log1p": lambda x: 1 / (1 + x),
    "expm1": np.exp,
    "sqrt": lambda x: 0.5 / np.sqrt(x),
    "square": lambda x: 2 * x,
    "sin": np.cos,
    "cos": lambda x: -np.sin(x),
    "tan": lambda x: 1 / np.cos(x) ** 2,
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "sigmoid": lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
    "abs": np.sign,
    "relu": lambda x: (x > 0).astype(float),
    "sign": np.zeros_like,
    "negative": lambda x: -np.ones_like(x),
}


@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradient_closed_form(name, ref, dom):
    x = rand(5, low=dom[0], high=dom[1])
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    g = sg.grad(lambda v: getattr(sg, name)(v).sum())(x)
    np.testing.assert_allclose(g, DERIV[name](x), rtol=1e-10, atol=1e-12)


# ---- elementwise: binary, with broadcasting ---------------------------------------------------

BINARY = [
    ("add", np.add, (-2, 2), (-2, 2)),
    ("subtract", np.subtract, (-2, 2), (-2, 2)),
    ("multiply", np.multiply, (-2, 2), (-2, 2)),
    ("divide", np.divide, (-2, 2), (0.5, 2)),
    ("power", np.power, (0.3, 2), (-2, 2)),
    ("maximum", np.maximum, (-2, 2), (-2, 2)),
    ("minimum", np.minimum, (-2, 2), (-2, 2)),
]

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 1)), ((2, 1, 4), (3, 1)), ((3, 4), ())]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name,ref,dx,dy", BINARY, ids=[b[0] for b in BINARY])
def test_binary_value_and_gradients_with_broadcasting(name, ref, dx, dy, shapes):
    x = rand(*shapes[0], low=dx[0], high=dx[1])
    y = rand(*shapes[1], low=dy[0], high=dy[1])
    f = getattr(sg, name)
    got = f(x, y)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, ref(x, y), rtol=1e-12)
    check(f, x, y)


@pytest.mark.parametrize("name,ref,dx,dy", BINARY, ids=[b[0] for b in BINARY])
def test_binary_accepts_python_numbers_on_either_side(name, ref, dx, dy):
    x = rand(4, low=dx[0], high=dx[1])
    y = 0.5 * (dy[0] + dy[1]) + 0.25
    f = getattr(sg, name)
    np.testing.assert_allclose(f(x, y), ref(x, y), rtol=1e-12)
    xs = 0.5 * (dx[0] + dx[1]) + 0.25
    yv = rand(4, low=dy[0], high=dy[1])
    np.testing.assert_allclose(f(xs, yv), ref(xs, yv), rtol=1e-12)
    check(lambda a: f(a, y), x)
    check(lambda b: f(xs, b), yv)


def test_binary_closed_form_gradients():
    x = np.array([0.5, 1.5, 2.0])
    y = np.array([1.2, -0.7, 2.5])
    gx, gy = sg.grad(lambda a, b: sg.divide(a, b).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 1 / y)
    np.testing.assert_allclose(gy, -x / y**2)
    gx, gy = sg.grad(lambda a, b: sg.power(a, b).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y * x ** (y - 1))
    np.testing.assert_allclose(gy, x**y * np.log(x))
    # broadcasting: the gradient of the smaller operand sums over the broadcast axes
    a = rand(3, 4)
    b = rand(4)
    gb = sg.grad(lambda v: sg.multiply(a, v).sum())(b)
    np.testing.assert_allclose(gb, a.sum(axis=0))


@pytest.mark.parametrize(
    "op,x,y,gx,gy",
    [
        ("maximum", 1.0, 1.0, 0.5, 0.5),
        ("minimum", 1.0, 1.0, 0.5, 0.5),
        ("maximum", 2.0, 1.0, 1.0, 0.0),
        ("minimum", 2.0, 1.0, 0.0, 1.0),
    ],
)
def test_maximum_minimum_gradient_routing(op, x, y, gx, gy):
    assert sg.grad(getattr(sg, op), argnums=(0, 1))(x, y) == (gx, gy)


def test_where_values_and_gradients():
    c = np.array([[True, False, True], [False, False, True]])
    x = rand(2, 3)
    y = rand(3)
    np.testing.assert_array_equal(sg.where(c, x, y), np.where(c, x, y))
    gx, gy = sg.grad(lambda a, b: sg.where(c, a, b).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, c.astype(float))
    np.testing.assert_array_equal(gy, (~c).sum(axis=0).astype(float))
    check(lambda a, b: sg.where(c, a, b), x, y)
    # Python scalars as branches
    np.testing.assert_array_equal(sg.where(c, x, 0.0), np.where(c, x, 0.0))
    check(lambda a: sg.where(c, a, 0.0), x)


def test_clip_values_and_gradients():
    x = np.array([-2.0, -0.3, 0.1, 0.4, 3.0])
    np.testing.assert_array_equal(sg.clip(x, -0.5, 0.5), np.clip(x, -0.5, 0.5))
    np.testing.assert_array_equal(sg.clip(x, None, 0.5), np.clip(x, None, 0.5))
    np.testing.assert_array_equal(sg.clip(x, -0.5, None), np.clip(x, -0.5, None))
    g = sg.grad(lambda v: sg.clip(v, -0.5, 0.5).sum())(x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])
    check(lambda v: sg.clip(v, -0.5, 0.5), x)


def test_stop_gradient():
    x = rand(3)
    np.testing.assert_array_equal(sg.stop_gradient(x), x)
    g = sg.grad(lambda v: (sg.stop_gradient(v) * v).sum())(x)
    np.testing.assert_allclose(g, x)
    t = sg.tensor(x, requires_grad=True)
    assert not sg.stop_gradient(t).requires_grad
    assert sg.grad(lambda v: sg.stop_gradient(v) ** 2)(3.0) == 0.0


def test_check_grads_catches_a_wrong_gradient():
    # x * stop_gradient(x) has value x**2 but "gradient" x: check_grads must object.
    with pytest.raises(AssertionError, match="central difference"):
        sg.check_grads(lambda v: v * sg.stop_gradient(v), (np.array([0.7, 1.3]),))


# ---- reductions -------------------------------------------------------------------------------


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


REDUCTIONS = [
    ("sum", np.sum),
    ("mean", np.mean),
    ("max", np.max),
    ("min", np.min),
    ("prod", np.prod),
    ("logsumexp", _np_logsumexp),
]
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name,ref", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_values_and_gradients(name, ref, axis, keepdims):
    x = rand(2, 3, 4, low=0.5, high=1.5) * RNG.choice([-1, 1], size=(2, 3, 4))
    f = getattr(sg, name)
    got = f(x, axis=axis, keepdims=keepdims)
    expected = ref(x, axis=axis, keepdims=keepdims)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    check(lambda v: f(v, axis=axis, keepdims=keepdims), x)


def test_reduction_closed_form_gradients():
    x = np.array([[1.0, 5.0, 2.0], [4.0, 3.0, 0.5]])
    np.testing.assert_array_equal(sg.grad(lambda v: sg.sum(v))(x), np.ones_like(x))
    np.testing.assert_allclose(sg.grad(lambda v: sg.mean(v))(x), np.full_like(x, 1 / 6))
    np.testing.assert_array_equal(
        sg.grad(lambda v: sg.max(v, axis=1).sum())(x), [[0, 1, 0], [1, 0, 0]]
    )
    np.testing.assert_array_equal(
        sg.grad(lambda v: sg.min(v, axis=0).sum())(x), [[1, 0, 0], [0, 1, 1]]
    )
    np.testing.assert_allclose(sg.grad(lambda v: sg.prod(v))(x), np.prod(x) / x)
    p = np.exp(x - _np_logsumexp(x, axis=-1, keepdims=True))
    np.testing.assert_allclose(sg.grad(lambda v: sg.logsumexp(v, axis=-1).sum())(x), p)


def test_prod_gradient_with_zeros():
    assert sg.grad(sg.prod)(np.array([0.0, 2.0, 3.0])).tolist() == [6.0, 0.0, 0.0]
    assert sg.grad(sg.prod)(np.array([0.0, 2.0, 0.0])).tolist() == [0.0, 0.0, 0.0]


def test_max_ties_share_the_gradient():
    g = sg.grad(sg.max)(np.array([1.0, 3.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5])
    assert g.sum() == 1.0


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_values_and_gradients(name, axis):
    x = rand(3, 4, low=-2, high=2)
    lse = _np_logsumexp(x, axis=axis, keepdims=True)
    expected = np.exp(x - lse) if name == "softmax" else x - lse
    got = getattr(sg, name)(x, axis=axis)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    if name == "softmax":
        np.testing.assert_allclose(np.sum(got, axis=axis), 1.0)
    check(lambda v: getattr(sg, name)(v, axis=axis), x)


def test_softmax_closed_form_jacobian():
    x = np.array([0.3, -1.2, 2.0])
    p = np.exp(x) / np.exp(x).sum()
    u = np.array([1.0, 2.0, -0.5])
    _, vjp_fn = sg.vjp(sg.softmax, x)
    np.testing.assert_allclose(vjp_fn(u)[0], (np.diag(p) - np.outer(p, p)) @ u)
    _, vjp_fn = sg.vjp(sg.log_softmax, x)
    np.testing.assert_allclose(vjp_fn(u)[0], u - p * u.sum())


# ---- stability at magnitude 1e3 ---------------------------------------------------------------


def test_logsumexp_large_inputs():
    with strict():
        v = sg.logsumexp(np.array([1000.0, 1000.0]))
        g = sg.grad(sg.logsumexp)(np.array([1000.0, 1000.0]))
        h = sg.grad(lambda x: sg.grad(sg.logsumexp)(x)[0])(np.array([1000.0, 1000.0]))
        lo = sg.logsumexp(np.array([-1000.0, -1000.0]))
        mixed = sg.grad(sg.logsumexp)(np.array([1000.0, -1000.0, 0.0]))
    assert v == pytest.approx(1000 + np.log(2), rel=1e-15)
    np.testing.assert_allclose(g, [0.5, 0.5])
    np.testing.assert_allclose(h, [0.25, -0.25])
    assert lo == pytest.approx(-1000 + np.log(2), rel=1e-15)
    np.testing.assert_allclose(mixed, [1.0, 0.0, 0.0], atol=1e-300)


@pytest.mark.parametrize("axis", [0, -1])
def test_logsumexp_large_inputs_along_axis(axis):
    x = np.array([[1000.0, -1000.0], [1000.0, 999.0]])
    with strict():
        got = sg.logsumexp(x, axis=axis)
        g = sg.grad(lambda v: sg.logsumexp(v, axis=axis).sum())(x)
    np.testing.assert_allclose(got, _np_logsumexp(x, axis=axis))
    np.testing.assert_allclose(g, np.exp(x - _np_logsumexp(x, axis=axis, keepdims=True)))


def test_softmax_and_log_softmax_large_inputs():
    x = np.array([1000.0, -1000.0, 0.0, 1000.0])
    with strict():
        p = sg.softmax(x)
        lp = sg.log_softmax(x)
        gp = sg.grad(lambda v: sg.softmax(v)[0])(x)
        glp = sg.grad(lambda v: sg.log_softmax(v)[1])(x)
        h = sg.grad(lambda v: sg.grad(lambda w: sg.log_softmax(w)[0])(v)[0])(x)
    np.testing.assert_allclose(p, [0.5, 0.0, 0.0, 0.5], atol=1e-300)
    np.testing.assert_allclose(lp, [-np.log(2), -2000 - np.log(2), -1000 - np.log(2), -np.log(2)])
    expected_p = np.array([0.5, 0.0, 0.0, 0.5])
    np.testing.assert_allclose(gp, expected_p[0] * (np.eye(4)[0] - expected_p), atol=1e-300)
    np.testing.assert_allclose(glp, np.eye(4)[1] - expected_p, atol=1e-300)
    # d/dx_j of d log_softmax(x)[0]/dx_0 = d(1 - p0)/dx_j = -p0 (δ_0j - p_j)
    np.testing.assert_allclose(h, -expected_p[0] * (np.eye(4)[0] - expected_p), atol=1e-300)


@pytest.mark.parametrize(
    "x,value,slope",
    [
        (-1000.0, 0.0, 0.0),
        (1000.0, 1.0, 0.0),
        (0.0, 0.5, 0.25),
        (-40.0, np.exp(-40.0), np.exp(-40)),
    ],
)
def test_sigmoid_large_inputs(x, value, slope):
    with strict():
        v = sg.sigmoid(x)
        g = sg.grad(sg.sigmoid)(x)
        h = sg.grad(sg.grad(sg.sigmoid))(x)
        arr = sg.sigmoid(np.array([x, -x]))
    assert v == pytest.approx(value, rel=1e-12, abs=0)
    assert g == pytest.approx(slope, rel=1e-9, abs=0)
    assert np.isfinite(h)
    np.testing.assert_allclose(arr, [value, 1 - value] if x else [0.5, 0.5], rtol=1e-12)


def test_log1p_large_and_tiny_inputs():
    with strict():
        big = sg.log1p(1e3)
        gbig = sg.grad(sg.log1p)(1e3)
        tiny = sg.log1p(1e-18)
        gtiny = sg.grad(sg.log1p)(1e-18)
        hbig = sg.grad(sg.grad(sg.log1p))(1e3)
    assert big == pytest.approx(np.log(1001.0), rel=1e-15)
    assert gbig == pytest.approx(1 / 1001, rel=1e-15)
    assert tiny == 1e-18
    assert gtiny == pytest.approx(1.0)
    assert hbig == pytest.approx(-1 / 1001**2, rel=1e-12)


def test_tanh_and_exp_large_inputs_have_finite_gradients():
    with strict():
        assert sg.grad(sg.tanh)(1000.0) == 0.0
        assert sg.grad(sg.tanh)(-1000.0) == 0.0
        assert sg.grad(sg.relu)(-1000.0) == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "sigmoid"])
def test_stable_ops_check_grads_at_large_offsets(name):
    # shift-invariant neighbourhood of 1e3: values large, differences moderate
    x = 1000.0 + rand(2, 3, low=-1, high=1)
    f = getattr(sg, name)
    if name == "sigmoid":
        x = x - 1000.0 - 1.0
    with strict():
        check(f, x, atol=1e-5, rtol=1e-5)


# ---- products ---------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul_values_and_gradients(sa, sb):
    a, b = rand(*sa), rand(*sb)
    got = sg.matmul(a, b)
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-12)
    assert np.shape(got) == np.matmul(a, b).shape
    check(sg.matmul, a, b)


def test_matmul_closed_form_gradients():
    a, b = rand(2, 3), rand(3, 4)
    g = rand(2, 4)
    ga, gb = sg.grad(lambda x, y: (sg.matmul(x, y) * g).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, g @ b.T)
    np.testing.assert_allclose(gb, a.T @ g)
    # 1-D operands: vector-vector is a dot product
    u, v = rand(3), rand(3)
    gu, gv = sg.grad(sg.matmul, argnums=(0, 1))(u, v)
    np.testing.assert_allclose(gu, v)
    np.testing.assert_allclose(gv, u)
    # broadcast batch: the gradient of the shared matrix sums over the batch
    A = rand(5, 2, 3)
    gb = sg.grad(lambda y: (sg.matmul(A, y) * g).sum())(b)
    np.testing.assert_allclose(gb, np.einsum("bij,ik->jk", A, g))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ba", [(2, 3)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,jk", [(5, 2, 3), (3, 4)]),
    ("i...->...", [(3, 2, 2)]),
    ("...ii->...", [(2, 3, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,kl->i", [(2, 3), (4, 2)]),
    ("...i,...i->...", [(3, 1, 4), (2, 4)]),
    ("ij->", [(2, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum_values_and_gradients(eq, shapes):
    ops = [rand(*s) for s in shapes]
    got = sg.einsum(eq, *ops)
    expected = np.einsum(eq, *ops)
    assert np.shape(got) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    check(lambda *a: sg.einsum(eq, *a), *ops)


def test_einsum_closed_form_gradients():
    a = rand(3, 3)
    np.testing.assert_array_equal(sg.grad(lambda m: sg.einsum("ii->", m))(a), np.eye(3))
    np.testing.assert_array_equal(sg.grad(lambda m: sg.einsum("ii", m))(a), np.eye(3))
    np.testing.assert_allclose(sg.grad(lambda m: sg.einsum("ij,ij->", m, m))(a), 2 * a)


def test_einsum_gradient_of_a_broadcast_operand_has_its_shape():
    # '...' broadcasting with a size-1 axis, as np.einsum allows
    x, y = rand(3, 1, 4), rand(2, 4)
    gx = sg.grad(lambda v: sg.einsum("...i,...i->...", v, y).sum())(x)
    assert gx.shape == x.shape
    np.testing.assert_allclose(gx, np.broadcast_to(y.sum(axis=0), (3, 1, 4)))


TENSORDOT = [
    ((2, 3, 4), (3, 4, 5), 2),
    ((2, 3), (3, 4), 1),
    ((2,), (3,), 0),
    ((2, 3), (4, 3), ([1], [1])),
    ((2, 3, 4), (4, 3), ((1, 2), (1, 0))),
    ((2, 3, 4), (4, 2), ([-1, 0], [0, -1])),
]


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT, ids=str)
def test_tensordot_values_and_gradients(sa, sb, axes):
    a, b = rand(*sa), rand(*sb)
    expected = np.tensordot(a, b, axes=axes)
    got = sg.tensordot(a, b, axes=axes)
    assert np.shape(got) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    check(lambda x, y: sg.tensordot(x, y, axes=axes), a, b)


DOT = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((3,), (3, 4)),
    ((2, 3, 4), (5, 4, 2)),
    ((), (3,)),
    ((2, 3), ()),
]


@pytest.mark.parametrize("sa,sb", DOT, ids=str)
def test_dot_values_and_gradients(sa, sb):
    a = rand(*sa) if sa else 1.7
    b = rand(*sb) if sb else -0.3
    expected = np.dot(a, b)
    got = sg.dot(a, b)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    check(sg.dot, a, b)


@pytest.mark.parametrize("sa,sb", [((2,), (3,)), ((2, 2), (3,)), ((3,), (1, 2))], ids=str)
def test_outer_values_and_gradients(sa, sb):
    a, b = rand(*sa), rand(*sb)
    np.testing.assert_allclose(sg.outer(a, b), np.outer(a, b))
    check(sg.outer, a, b)
    ga = sg.grad(lambda x: sg.outer(x, b).sum())(a)
    np.testing.assert_allclose(ga, np.full(sa, b.sum()))


# ---- shape operations -------------------------------------------------------------------------

SHAPE_OPS = [
    ("reshape (6,4)", lambda m, x: m.reshape(x, (6, 4)), (2, 3, 4)),
    ("reshape -1", lambda m, x: m.reshape(x, (-1,)), (2, 3, 4)),
    ("reshape (4,-1,2)", lambda m, x: m.reshape(x, (4, -1, 2)), (2, 3, 4)),
    ("reshape int", lambda m, x: m.reshape(x, 24), (2, 3, 4)),
    ("transpose", lambda m, x: m.transpose(x), (2, 3, 4)),
    ("transpose perm", lambda m, x: m.transpose(x, (1, 2, 0)), (2, 3, 4)),
    ("transpose neg", lambda m, x: m.transpose(x, (-1, 0, 1)), (2, 3, 4)),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, -1), (2, 3, 4)),
    ("swapaxes 12", lambda m, x: m.swapaxes(x, 1, 2), (2, 3, 4)),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3)), (3,)),
    ("broadcast_to mid", lambda m, x: m.broadcast_to(x, (2, 3, 4)), (3, 1)),
    ("broadcast_to same", lambda m, x: m.broadcast_to(x, (3, 1)), (3, 1)),
    ("expand_dims 0", lambda m, x: m.expand_dims(x, 0), (2, 3)),
    ("expand_dims -1", lambda m, x: m.expand_dims(x, -1), (2, 3)),
    ("expand_dims 1", lambda m, x: m.expand_dims(x, 1), (2, 3)),
    ("expand_dims tuple", lambda m, x: m.expand_dims(x, (0, 2)), (2, 3)),
    ("squeeze", lambda m, x: m.squeeze(x), (1, 3, 1)),
    ("squeeze 0", lambda m, x: m.squeeze(x, 0), (1, 3, 1)),
    ("squeeze -1", lambda m, x: m.squeeze(x, -1), (1, 3, 1)),
]


@pytest.mark.parametrize("name,fn,shape", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op_values_and_gradients(name, fn, shape):
    x = rand(*shape)
    expected = fn(np, x)
    got = fn(sg, x)
    assert np.shape(got) == expected.shape
    np.testing.assert_array_equal(got, expected)
    check(lambda v: fn(sg, v), x)
    # linear map: the gradient of <W, f(x)> is f's transpose applied to W
    w = rand(*expected.shape)
    g = sg.grad(lambda v: (fn(sg, v) * w).sum())(x)
    # reference by index bookkeeping: which input element each output element came from
    src = fn(np, np.arange(x.size).reshape(shape))
    ref = np.bincount(np.ravel(src), weights=w.ravel(), minlength=x.size).reshape(shape)
    np.testing.assert_allclose(g, ref)


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_concatenate_values_and_gradients(axis):
    a, b, c = rand(2, 3), rand(2, 3), rand(2, 3)
    if axis in (0, -2):
        b = rand(4, 3)
    else:
        b = rand(2, 5)
    got = sg.concatenate([a, b, c], axis=axis)
    np.testing.assert_array_equal(got, np.concatenate([a, b, c], axis=axis))
    check(lambda *xs: sg.concatenate(list(xs), axis=axis), a, b, c)
    w = rand(*np.shape(got))
    ga, gb, gc = sg.grad(
        lambda x, y, z: (sg.concatenate((x, y, z), axis=axis) * w).sum(), argnums=(0, 1, 2)
    )(a, b, c)
    parts = np.split(w, np.cumsum([a.shape[axis], b.shape[axis]]), axis=axis)
    for got_g, ref in zip((ga, gb, gc), parts):
        np.testing.assert_array_equal(got_g, ref)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_values_and_gradients(axis):
    a, b = rand(2, 3), rand(2, 3)
    got = sg.stack([a, b], axis=axis)
    np.testing.assert_array_equal(got, np.stack([a, b], axis=axis))
    check(lambda x, y: sg.stack([x, y], axis=axis), a, b)
    w = rand(*np.shape(got))
    ga, gb = sg.grad(lambda x, y: (sg.stack([x, y], axis=axis) * w).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, np.take(w, 0, axis=axis))
    np.testing.assert_array_equal(gb, np.take(w, 1, axis=axis))


def test_getitem_function_matches_numpy_indexing():
    x = rand(3, 4)
    np.testing.assert_array_equal(sg.getitem(x, (slice(1, None), [0, 0, 2])), x[1:, [0, 0, 2]])
    g = sg.grad(lambda v: sg.getitem(v, ([0, 0, 2],)).sum())(x)
    np.testing.assert_array_equal(g, np.array([[2.0] * 4, [0.0] * 4, [1.0] * 4]))


# ---- inputs: Tensors, arrays, numbers; outputs; promotion -------------------------------------


CALLS = [
    ("add", lambda a, b: sg.add(a, b)),
    ("multiply", lambda a, b: sg.multiply(a, b)),
    ("divide", lambda a, b: sg.divide(a, b)),
    ("power", lambda a, b: sg.power(a, b)),
    ("maximum", lambda a, b: sg.maximum(a, b)),
    ("matmul", lambda a, b: sg.matmul(a, b)),
    ("einsum", lambda a, b: sg.einsum("i,i->", a, b)),
    ("where", lambda a, b: sg.where(np.array([True, False]), a, b)),
    ("concatenate", lambda a, b: sg.concatenate([a, b])),
]


@pytest.mark.parametrize("name,fn", CALLS, ids=[c[0] for c in CALLS])
def test_ops_accept_tensors_arrays_and_lists(name, fn):
    a, b = np.array([1.5, 2.0]), np.array([0.5, 3.0])
    plain = fn(a, b)
    assert not isinstance(plain, sg.Tensor)
    assert isinstance(plain, np.ndarray | np.generic)
    from_lists = fn([1.5, 2.0], [0.5, 3.0])
    np.testing.assert_allclose(from_lists, plain)
    for left, right in [
        (sg.tensor(a, requires_grad=True), b),
        (a, sg.tensor(b, requires_grad=True)),
    ]:
        out = fn(left, right)
        assert isinstance(out, sg.Tensor)
        assert out.requires_grad
        np.testing.assert_allclose(out.value, plain)
    out = fn(sg.tensor(a), b)
    assert isinstance(out, sg.Tensor)
    assert not out.requires_grad


@pytest.mark.parametrize(
    "name,args",
    [
        ("add", (1.0, 2.0)),
        ("multiply", (1.5, 2.0)),
        ("subtract", (1.0, 2.5)),
        ("divide", (1.0, 4.0)),
        ("power", (2.0, 0.5)),
        ("maximum", (1.0, 2.0)),
        ("exp", (1.0,)),
        ("sum", ([1.0, 2.0],)),
        ("mean", ([1.0, 2.0],)),
    ],
)
def test_ops_on_python_numbers_return_numpy_values(name, args):
    got = getattr(sg, name)(*args)
    expected = getattr(np, name)(*args)
    assert isinstance(got, np.generic | np.ndarray), type(got)
    assert got.dtype == expected.dtype
    assert got == expected


PROMOTION = [
    ("f32 array + py float", np.ones(3, np.float32), 2.5),
    ("py float + f32 array", 2.5, np.ones(3, np.float32)),
    ("f32 array + py int", np.ones(3, np.float32), 2),
    ("f32 scalar + py float", np.float32(1.5), 2.5),
    ("f32 array + f64 array", np.ones(3, np.float32), np.ones(3)),
    ("f32 array + f32 array", np.ones(3, np.float32), np.ones(3, np.float32)),
    ("int array + py float", np.arange(3), 0.5),
    ("int array + f32 array", np.arange(3), np.ones(3, np.float32)),
    ("f16 array + py float", np.ones(3, np.float16), 0.5),
]

PROMOTING_OPS = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power"]


@pytest.mark.parametrize("op", PROMOTING_OPS)
@pytest.mark.parametrize("name,a,b", PROMOTION, ids=[p[0] for p in PROMOTION])
def test_type_promotion_matches_numpy(op, name, a, b):
    expected = getattr(np, op)(a, b).dtype
    assert np.result_type(getattr(sg, op)(a, b)) == expected
    ta = sg.tensor(a) if isinstance(a, np.ndarray | np.generic) else a
    assert getattr(sg, op)(ta, b).dtype == expected


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x * 2.5,
        lambda x: 2.5 / x,
        lambda x: x**2,
        lambda x: sg.exp(x) + 1,
        lambda x: sg.softmax(x),
        lambda x: sg.logsumexp(x),
        lambda x: sg.sigmoid(x) * 0.5,
        lambda x: sg.mean(x),
        lambda x: sg.matmul(x, x),
        lambda x: sg.where(x > 0, x, 0.0),
        lambda x: sg.clip(x, 0.0, 0.5),
        lambda x: sg.maximum(x, 0.5),
    ],
)
def test_float32_stays_float32_in_values_and_gradients(fn):
    x = np.array([0.2, 0.7, 1.3], dtype=np.float32)
    assert np.result_type(fn(x)) == np.float32
    assert sg.grad(lambda v: sg.sum(fn(v)))(x).dtype == np.float32
    t = sg.tensor(x, requires_grad=True)
    y = sg.sum(fn(t))
    assert y.dtype == np.float32
    y.backward()
    assert t.grad.dtype == np.float32


def test_integer_inputs_promote_like_numpy():
    x = np.arange(1, 4)
    assert sg.exp(x).dtype == np.exp(x).dtype
    assert sg.mean(x).dtype == np.mean(x).dtype
    assert sg.sum(x).dtype == np.sum(x).dtype
    assert sg.divide(x, 2).dtype == np.divide(x, 2).dtype


def test_creation_functions_at_the_top_level_are_the_namespaces():
    import semigrad.numpy as snp

    for name in ("zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "eye",
                 "identity", "zeros_like", "ones_like", "full_like", "array", "asarray",
                 "meshgrid", "indices"):
        assert getattr(sg, name) is getattr(snp, name), name
    assert sg.zeros((2, 3)).shape == (2, 3) and sg.arange(3.0).tolist() == [0.0, 1.0, 2.0]
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    stacked = sg.array([x, 2.0 * x])  # a list of traced values: a traced stack
    assert stacked.requires_grad and stacked.shape == (2, 2)
