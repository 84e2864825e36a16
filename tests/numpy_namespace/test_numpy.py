"""``semigrad.numpy``: NumPy's values, and derivatives in both modes to order 2 (3 for products).

The table is the spec: (name, function of the differentiated inputs, inputs).
Each function's value must equal NumPy's on plain inputs (the same code with
``np``), and ``check_grads`` must pass in reverse and forward mode.
"""

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp
from semigrad.numpy._at import At

rng = np.random.default_rng(7)


def normal(*shape):
    return rng.standard_normal(shape)


def distinct(*shape):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - n * 0.15).reshape(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


# (label, f(xnp, *args) with xnp the namespace, args)
TABLE = [
    ("var", lambda m, x: m.var(x), (normal(5),)),
    ("var-axis-ddof", lambda m, x: m.var(x, axis=1, ddof=1, keepdims=True), (normal(2, 4),)),
    ("std-axis", lambda m, x: m.std(x, axis=0), (normal(3, 2),)),
    ("std-ddof", lambda m, x: m.std(x, ddof=1), (normal(4),)),
    ("mean-axis", lambda m, x: m.mean(x, axis=(0, 2)), (normal(2, 3, 2),)),
    ("sum-keepdims", lambda m, x: m.sum(x ** 2, axis=-1, keepdims=True), (normal(2, 3),)),
    ("prod", lambda m, x: m.prod(x, axis=1), (positive(2, 3),)),
    ("max", lambda m, x: m.max(x, axis=0), (distinct(3, 2),)),
    ("amin", lambda m, x: m.amin(x), (distinct(3, 2),)),
    ("ptp", lambda m, x: m.ptp(x, axis=1), (distinct(2, 3),)),
    ("average", lambda m, x, w: m.average(x, axis=0, weights=w), (normal(3, 2), positive(3))),
    ("cumsum-axis", lambda m, x: m.cumsum(x, axis=1) ** 2, (normal(2, 3),)),
    ("cumprod", lambda m, x: m.cumprod(x, axis=0), (normal(3, 2),)),
    ("cumprod-flat", lambda m, x: m.cumprod(x), (normal(2, 2),)),
    ("sort", lambda m, x: m.sort(x, axis=0) * np.arange(6.0).reshape(3, 2), (distinct(3, 2),)),
    ("sort-flat", lambda m, x: m.sort(x, axis=None) ** 2, (distinct(2, 3),)),
    ("partition", lambda m, x: m.partition(x, 2)[2:] ** 2, (distinct(5),)),
    ("where", lambda m, x, y: m.where(x > 0, x, y), (normal(2, 3), normal(3))),
    ("diff", lambda m, x: m.diff(x, n=2, axis=0) ** 2, (normal(4, 2),)),
    ("diff-append", lambda m, x: m.diff(x, append=x[:1]) ** 2, (normal(3),)),
    ("clip", lambda m, x: m.clip(x, -0.3, 0.4), (distinct(6) * 0.3 + 0.01,)),
    ("ravel", lambda m, x: m.ravel(x) ** 2, (normal(2, 3),)),
    ("moveaxis", lambda m, x: m.moveaxis(x, [0, 1], [2, 0]) ** 2, (normal(2, 3, 4),)),
    ("atleast_3d", lambda m, x: m.atleast_3d(x) ** 2, (normal(3),)),
    ("split", lambda m, x: m.split(x, [1, 3], axis=1)[1] ** 2, (normal(2, 4),)),
    ("array_split", lambda m, x: m.array_split(x, 2)[0] ** 2, (normal(5),)),
    ("hsplit", lambda m, x: m.hsplit(x, 2)[1] ** 2, (normal(2, 4),)),
    ("vsplit", lambda m, x: m.vsplit(x, 2)[0] ** 2, (normal(4, 2),)),
    ("dsplit", lambda m, x: m.dsplit(x, 2)[1] ** 2, (normal(1, 2, 4),)),
    ("hstack", lambda m, x, y: m.hstack([x, y]) ** 2, (normal(2, 1), normal(2, 3))),
    ("vstack", lambda m, x, y: m.vstack([x, y]) ** 2, (normal(3), normal(2, 3))),
    ("dstack", lambda m, x, y: m.dstack([x, y]) ** 2, (normal(2, 2), normal(2, 2))),
    ("column_stack", lambda m, x, y: m.column_stack([x, y]) ** 2, (normal(3), normal(3, 2))),
    ("concatenate-None", lambda m, x, y: m.concatenate([x, y], axis=None) ** 2,
     (normal(2, 2), normal(3))),
    ("stack", lambda m, x, y: m.stack([x, y], axis=1) ** 2, (normal(2, 3), normal(2, 3))),
    ("repeat", lambda m, x: m.repeat(x, [1, 3], axis=0) ** 2, (normal(2, 3),)),
    ("repeat-flat", lambda m, x: m.repeat(x, 2) ** 2, (normal(2, 2),)),
    ("tile", lambda m, x: m.tile(x, (2, 1, 2)) ** 2, (normal(2, 3),)),
    ("roll", lambda m, x: m.roll(x, 1, axis=1) * np.arange(6.0).reshape(2, 3), (normal(2, 3),)),
    ("rot90", lambda m, x: m.rot90(x, 3) * np.arange(6.0).reshape(3, 2), (normal(2, 3),)),
    ("flip", lambda m, x: m.flip(x, 0) * np.arange(6.0).reshape(2, 3), (normal(2, 3),)),
    ("flipud", lambda m, x: m.flipud(x) ** 3, (normal(2, 3),)),
    ("fliplr", lambda m, x: m.fliplr(x) ** 3, (normal(2, 3),)),
    ("diag-vec", lambda m, x: m.diag(x, 1) ** 2, (normal(3),)),
    ("diag-mat", lambda m, x: m.diag(x) ** 2, (normal(3, 3),)),
    ("diagonal", lambda m, x: m.diagonal(x, 1, 1, 2) ** 2, (normal(2, 3, 3),)),
    ("trace", lambda m, x: m.trace(x) ** 2, (normal(3, 3),)),
    ("triu", lambda m, x: m.triu(x, 1) ** 2, (normal(3, 3),)),
    ("tril", lambda m, x: m.tril(x) ** 2, (normal(2, 3, 3),)),
    ("pad-constant", lambda m, x: m.pad(x, ((1, 0), (2, 1)), constant_values=0.5) ** 2,
     (normal(2, 2),)),
    ("pad-reflect", lambda m, x: m.pad(x, 2, mode="reflect") ** 2, (normal(4),)),
    ("pad-wrap", lambda m, x: m.pad(x, 1, mode="wrap") ** 2, (normal(3),)),
    ("take", lambda m, x: m.take(x, [0, 2, 0], axis=1) ** 2, (normal(2, 3),)),
    ("take_along_axis", lambda m, x: m.take_along_axis(x, np.array([[1, 0]]), 1) ** 2,
     (normal(2, 3),)),
    ("squeeze", lambda m, x: m.squeeze(x) ** 2, (normal(1, 3, 1),)),
    ("transpose", lambda m, x: m.transpose(x) ** 2, (normal(2, 3),)),
    ("arcsin", lambda m, x: m.arcsin(x), (rng.uniform(-0.8, 0.8, 3),)),
    ("log10", lambda m, x: m.log10(x), (positive(3),)),
    ("deg2rad", lambda m, x: m.sin(m.deg2rad(x)), (normal(3) * 50,)),
    ("nan_to_num", lambda m, x: m.nan_to_num(x) ** 2, (normal(3),)),
    ("mod", lambda m, x, y: m.mod(x, y), (positive(3) + 3.1, positive(3))),
    ("real", lambda m, x: m.real(x) * m.conj(x), (normal(3),)),
]

PRODUCTS = [
    ("dot", lambda m, a, b: m.dot(a, b), (normal(2, 3), normal(3))),
    ("vdot", lambda m, a, b: m.vdot(a, b), (normal(2, 2), normal(2, 2))),
    ("matmul", lambda m, a, b: m.matmul(a, b), (normal(2, 3), normal(3, 2))),
    ("tensordot", lambda m, a, b: m.tensordot(a, b, axes=([1], [0])), (normal(2, 3), normal(3))),
    ("inner", lambda m, a, b: m.inner(a, b), (normal(2, 3), normal(3))),
    ("outer", lambda m, a, b: m.outer(a, b), (normal(2), normal(3))),
    ("kron", lambda m, a, b: m.kron(a, b), (normal(2, 2), normal(1, 2))),
    ("einsum", lambda m, a, b: m.einsum("ij,jk->k", a, b), (normal(2, 2), normal(2, 3))),
    ("cross", lambda m, a, b: m.cross(a, b), (normal(2, 3), normal(3))),
]


def _cases(table):
    return [pytest.param(fn, args, id=label) for label, fn, args in table]


@pytest.mark.parametrize("fn, args", _cases(TABLE + PRODUCTS))
def test_values_match_numpy(fn, args):
    np.testing.assert_allclose(np.asarray(fn(snp, *args)), fn(np, *args), rtol=1e-12, atol=1e-12)
    traced = fn(snp, *[sg.tensor(a) for a in args])
    np.testing.assert_allclose(np.asarray(traced.value), fn(np, *args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn, args", _cases(TABLE))
def test_gradients(fn, args):
    sg.check_grads(lambda *xs: fn(snp, *xs), args, modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("fn, args", _cases(PRODUCTS))
def test_products_to_third_order(fn, args):
    sg.check_grads(lambda *xs: fn(snp, *xs), args, modes=("rev", "fwd"), order=3)


def test_float32_stays_float32():
    x = normal(2, 3).astype(np.float32)
    for f in (snp.sinh, snp.cbrt, lambda v: snp.cumsum(v, axis=1), lambda v: snp.sort(v),
              lambda v: snp.var(v, axis=0), lambda v: snp.pad(v, 1)):
        out, vjp_fn = sg.vjp(f, x)
        assert out.dtype == np.float32
        assert vjp_fn(np.ones_like(out))[0].dtype == np.float32


def test_array_and_stack_mix_traced_and_plain_values():
    def f(x):
        return snp.sum(snp.array([[x, 1.0], [2.0, x * x]]) * np.array([[1.0, 5.0], [7.0, 3.0]]))

    assert sg.grad(f)(2.0) == pytest.approx(1.0 + 6.0 * 2.0)
    assert isinstance(snp.array([1.0, 2.0]), np.ndarray)
    s = snp.stack([sg.tensor([1.0, 2.0]), [3.0, 4.0], np.zeros(2)])
    assert s.shape == (3, 2)


def test_untraced_functions_work_on_tensors():
    x = sg.tensor([1.0, 3.0, 2.0], requires_grad=True)
    assert snp.argmax(x) == 1 and snp.argmin(x) == 0
    assert bool(snp.any(x > 2.5)) and not bool(snp.all(x > 2.5))
    assert snp.argsort(x).tolist() == [0, 2, 1]
    assert snp.where(x > 1.5)[0].tolist() == [1, 2]
    assert isinstance(snp.zeros_like(x), np.ndarray)


@pytest.mark.parametrize("fn", [snp.floor, snp.ceil, snp.rint, snp.trunc, snp.round,
                                lambda v: snp.floor_divide(v, 2.0)])
def test_rounding_has_zero_derivative(fn):
    x = sg.tensor([0.3, -1.7, 2.5], requires_grad=True)
    assert not fn(x).requires_grad
    assert sg.grad(lambda v: snp.sum(fn(v)) + snp.sum(v))(x.value).tolist() == [1.0] * 3


def test_std_of_one_element_has_zero_gradient():
    assert sg.grad(lambda x: snp.std(x))(np.array([3.0])).tolist() == [0.0]
    assert sg.grad(lambda x: snp.sum(snp.std(x, axis=0)))(np.ones((1, 2))).tolist() == [[0.0, 0.0]]


def test_fmax_fmin_ignore_nan_and_split_ties():
    g = sg.grad(lambda x, y: snp.sum(snp.fmax(x, y)), argnums=(0, 1))
    gx, gy = g(np.array([np.nan, 1.0, 2.0]), np.array([1.0, np.nan, 2.0]))
    assert gx.tolist() == [0.0, 1.0, 0.5] and gy.tolist() == [1.0, 0.0, 0.5]


def test_at_updates_are_functional_and_differentiable():
    x0 = normal(4, 3)
    v0 = normal(2, 3)

    def f(x, v):
        y = At(x)[[1, 3]].set(v)
        y = At(y)[0].add(v[0] * 2.0)
        y = At(y)[:, 1].multiply(v[1, 0])
        return y ** 2

    sg.check_grads(f, (x0, v0), modes=("rev", "fwd"), order=2)
    want = x0.copy()
    want[[1, 3]] = v0
    want[0] += v0[0] * 2.0
    want[:, 1] *= v0[1, 0]
    np.testing.assert_allclose(np.asarray(f(x0, v0)), want ** 2)


def test_at_repeated_positions_follow_numpy():
    x = np.ones(3)
    assert At(x)[[0, 0, 2]].set([5.0, 6.0, 7.0]).tolist() == [6.0, 1.0, 7.0]
    assert At(x)[[0, 0, 2]].add(1.0).tolist() == [3.0, 1.0, 2.0]
    assert At(x)[[0, 0, 2]].multiply([2.0, 3.0, 4.0]).tolist() == [6.0, 1.0, 4.0]
    g = sg.grad(lambda v: snp.sum(At(np.ones(3))[[0, 0]].multiply(v)))(np.array([2.0, 3.0]))
    assert g.tolist() == [3.0, 2.0]
    mask = sg.tensor([True, False, True])
    assert At(x)[mask].set(0.0).tolist() == [0.0, 1.0, 0.0]


def test_random_is_numpys():
    assert snp.random.default_rng is np.random.default_rng
    assert isinstance(snp.random.default_rng(0).standard_normal(2), np.ndarray)


def test_errors_name_the_function():
    with pytest.raises(ValueError, match="split: an axis of length 5"):
        snp.split(np.ones(5), 2)
    with pytest.raises(ValueError, match="pad: mode 'mean'"):
        snp.pad(np.ones(3), 1, mode="mean")
    with pytest.raises(ValueError, match="at.*broadcast"):
        At(np.ones(3))[[0, 1]].set(np.ones(3))


def test_forward_mode_through_concatenate_with_a_constant_first():
    sg.check_grads(lambda x: snp.diff(x, prepend=0.5) ** 2, (normal(3),), modes=("fwd",))


def test_prod_second_derivatives_at_zeros():
    h = sg.hessian(lambda v: snp.prod(v))
    np.testing.assert_array_equal(h(np.array([0.0, 2.0, 3.0])),
                                  [[0, 3, 2], [3, 0, 0], [2, 0, 0]])
    np.testing.assert_array_equal(h(np.array([0.0, 0.0, 1.5])),
                                  [[0, 1.5, 0], [1.5, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(h(np.array([0.0, 0.0, 0.0])), np.zeros((3, 3)))
    # third order with two zeros: d³/dx0 dx1 dx2 = 1 at (0, 0, 1.5)
    d3 = sg.derivative(lambda v: snp.prod(v), order=3)(np.array([0.0, 0.0, 1.5]))
    assert d3[0, 1, 2] == 1.0 and d3[0, 0, 1] == 0.0


def test_nan_to_num_of_complex_treats_the_parts_separately():
    z = np.array([complex(np.nan, 0.5), complex(0.3, np.inf), 1 + 2j])
    np.testing.assert_array_equal(snp.nan_to_num(z, nan=-1.0), np.nan_to_num(z, nan=-1.0))
    g = sg.grad(lambda v: snp.sum(snp.imag(snp.nan_to_num(v)) + 2 * snp.real(snp.nan_to_num(v))))
    np.testing.assert_array_equal(g(z), [-1j, 2 + 0j, 2 - 1j])  # replaced parts pass nothing


@pytest.mark.parametrize("name, fn", [
    ("maximum", lambda m, a: m.maximum(a, np.array([2 + 0j, 1 + 1j, 1.5 + 4j, -1j]))),
    ("minimum", lambda m, a: m.minimum(a, np.array([2 + 0j, 1 + 1j, 1.5 + 4j, -1j]))),
    ("fmax", lambda m, a: m.fmax(a, np.array([2 + 0j, 1 + 1j, 1.5 + 4j, -1j]))),
    ("max", lambda m, a: m.max(a)),
    ("amin", lambda m, a: m.amin(a)),
    ("ptp", lambda m, a: m.ptp(a)),
    ("clip", lambda m, a: m.clip(a, 0, 2 + 0j)),
    ("sort", lambda m, a: m.sort(a)),
    ("average", lambda m, a: m.average(a, weights=np.arange(1.0, 5.0))),
])
def test_complex_ordering_is_numpys_lexicographic_one(name, fn):
    z = np.array([1 + 2j, 3 - 1j, 0.5 + 3j, -2 + 0j])  # no ties in the real parts
    np.testing.assert_allclose(np.asarray(fn(snp, z)), fn(np, z), rtol=1e-15)
    sg.check_grads(lambda a: fn(snp, a), (z,), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("method, ufunc, v", [
    ("divide", np.divide, 2.0), ("power", np.power, 2.0),
    ("min", np.minimum, [0.5, 9.0, 2.0]), ("max", np.maximum, [0.5, 9.0, 2.0]),
])
def test_at_updates_follow_numpys_ufunc_at(method, ufunc, v):
    x = np.arange(1.0, 5.0)
    want = x.copy()
    ufunc.at(want, [0, 0, 3], v)
    np.testing.assert_allclose(getattr(At(x)[[0, 0, 3]], method)(v), want)
    sg.check_grads(lambda p: getattr(At(p)[[0, 0, 3]], method)(v) * p, (x,),
                   modes=("rev", "fwd"), order=2)


def test_at_apply_runs_once_per_occurrence():
    x = np.arange(1.0, 5.0)
    np.testing.assert_allclose(At(x)[[0, 0, 3]].apply(lambda t: 2 * t), [4.0, 2.0, 3.0, 8.0])
    sg.check_grads(lambda p: At(p)[[0, 0, 3]].apply(sg.sin), (x,), modes=("rev", "fwd"), order=2)
