"""``semigrad.numpy``: NumPy 2's further functions (joining, filters, statistics, NaN reductions,
interpolation, index helpers ...).

``TABLE`` is the spec of the differentiable ones: (label, f(m, *args), args) with ``m`` the
namespace (``numpy`` or ``semigrad.numpy``). Each value and dtype must equal NumPy's, on plain
arrays (then a plain result) and on ``sg.tensor`` inputs, and ``check_grads`` must pass in
reverse and forward mode to order 2. ``UNTRACED`` lists the functions with integer, boolean
or constant results: values and dtypes only. Inputs are drawn away from ties and kinks.
"""

import warnings

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp

rng = np.random.default_rng(11)


def normal(*shape):
    return rng.standard_normal(shape)


def cnormal(*shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def distinct(*shape):
    """Distinct values 0.37 apart (no ties for sorts and medians)."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.37 + 0.05).reshape(shape)


def with_nans(x, *positions):
    x = np.array(x, dtype=float)
    x.flat[list(positions)] = np.nan
    return x


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


XP = np.array([-1.5, -0.2, 0.4, 1.3, 2.0])
WRAPPED = np.array([0.1, 1.9, 3.4, -2.6, -1.2, 0.3])  # jumps of more than π


TABLE = [
    # shape, joining, rearranging
    ("append", lambda m, x, y: m.append(x, y) ** 2, (normal(2, 3), normal(3))),
    ("append-axis", lambda m, x, y: m.append(x, y, axis=0) ** 2, (normal(2, 3), normal(1, 3))),
    ("append-complex", lambda m, x, y: m.append(x, y), (cnormal(2), normal(2))),
    ("delete", lambda m, x: m.delete(x, [0, 2], axis=1) ** 2, (normal(2, 4),)),
    ("delete-flat", lambda m, x: m.delete(x, slice(1, 4)) ** 2, (normal(2, 3),)),
    ("insert", lambda m, x, v: m.insert(x, 1, v, axis=1) ** 2, (normal(2, 3), normal(2))),
    ("insert-many", lambda m, x, v: m.insert(x, [0, 2, 2], v) * x[0], (normal(3), normal(3))),
    ("insert-scalar", lambda m, x, v: m.insert(x, 2, v[0], axis=0) ** 2, (normal(3, 2), normal(1))),
    ("insert-complex", lambda m, x, v: m.insert(x, [1], v), (cnormal(3), cnormal(1))),
    ("block", lambda m, x, y, z: m.block([[x, y], [z]]) ** 2,
     (normal(2, 2), normal(2, 1), normal(1, 3))),
    ("block-1d", lambda m, x, y: m.block([x, y]) ** 2, (normal(2), normal(3))),
    ("broadcast_arrays", lambda m, x, y: m.broadcast_arrays(x, y), (normal(2, 1), normal(3))),
    ("matrix_transpose", lambda m, x: m.matrix_transpose(x) ** 2, (normal(2, 3, 4),)),
    ("permute_dims", lambda m, x: m.permute_dims(x, (2, 0, 1)) ** 2, (normal(2, 3, 4),)),
    ("astype", lambda m, x: m.astype(x, np.complex128) * (1 + 2j), (normal(3),)),
    ("pow", lambda m, x, y: m.pow(x, y), (positive(3), normal(3))),
    ("rollaxis", lambda m, x: m.rollaxis(x, 2, 1) ** 2, (normal(2, 3, 4),)),
    ("diagflat", lambda m, x: m.diagflat(x, -1) ** 2, (normal(2, 2),)),
    ("ediff1d", lambda m, x: m.ediff1d(x, to_end=x[:1], to_begin=0.5) ** 2, (normal(2, 2),)),
    ("sort_complex", lambda m, x: m.sort_complex(x), (distinct(2, 3),)),
    ("sort_complex-c", lambda m, x: m.sort_complex(x), (distinct(4) + 1j * normal(4),)),
    ("select", lambda m, x: m.select([x < -0.5, x > 0.5], [x ** 2, m.sin(x)], default=x * 3),
     (distinct(8),)),
    ("apply_along_axis", lambda m, x: m.apply_along_axis(lambda r: m.cumsum(r) * r, 0, x),
     (normal(3, 2),)),
    ("apply_along_axis-scalar", lambda m, x: m.apply_along_axis(lambda r: m.sum(r ** 3), 1, x),
     (normal(2, 3),)),
    ("real_if_close", lambda m, x: m.real_if_close(x) ** 2, (normal(3),)),
    ("unwrap", lambda m, p: m.unwrap(p) ** 2, (WRAPPED,)),
    ("unwrap-axis", lambda m, p: m.unwrap(p, axis=0, period=5.0) ** 2,
     (np.stack([WRAPPED, WRAPPED[::-1]], axis=1),)),
    # products and filters
    ("vecdot", lambda m, x, y: m.vecdot(x, y), (normal(2, 3), normal(3))),
    ("vecdot-axis", lambda m, x, y: m.vecdot(x, y, axis=0), (normal(3, 2), normal(3, 2))),
    ("vecdot-complex", lambda m, x, y: m.vecdot(x, y), (cnormal(2, 3), cnormal(3))),
    ("matvec", lambda m, x, y: m.matvec(x, y), (normal(2, 2, 3), normal(3))),
    ("matvec-complex", lambda m, x, y: m.matvec(x, y), (cnormal(2, 3), cnormal(3))),
    ("vecmat", lambda m, x, y: m.vecmat(x, y), (normal(3), normal(2, 3, 2))),
    ("vecmat-complex", lambda m, x, y: m.vecmat(x, y), (cnormal(3), cnormal(3, 2))),
    ("convolve", lambda m, a, v: m.convolve(a, v), (normal(5), normal(3))),
    ("convolve-same", lambda m, a, v: m.convolve(a, v, "same"), (normal(3), normal(6))),
    ("convolve-valid", lambda m, a, v: m.convolve(a, v, "valid"), (normal(5), normal(2))),
    ("convolve-complex", lambda m, a, v: m.convolve(a, v, "same"), (cnormal(4), normal(3))),
    ("correlate", lambda m, a, v: m.correlate(a, v), (normal(5), normal(3))),
    ("correlate-full", lambda m, a, v: m.correlate(a, v, "full"), (cnormal(3), cnormal(4))),
    ("correlate-same", lambda m, a, v: m.correlate(a, v, "same"), (cnormal(4), cnormal(5))),
    ("correlate-same-long-a", lambda m, a, v: m.correlate(a, v, "same"), (normal(6), cnormal(3))),
    ("trapezoid", lambda m, y: m.trapezoid(y), (normal(5),)),
    ("trapezoid-x", lambda m, y, x: m.trapezoid(y, x), (normal(2, 4), np.sort(normal(4)))),
    ("trapezoid-dx-axis", lambda m, y: m.trapezoid(y, dx=0.3, axis=0), (normal(4, 2),)),
    ("trapezoid-complex", lambda m, y, x: m.trapezoid(y, x=x), (cnormal(4), np.sort(normal(4)))),
    ("gradient", lambda m, f: m.gradient(f), (normal(5),)),
    ("gradient-2d", lambda m, f: m.gradient(f, 0.5, edge_order=2), (normal(3, 4),)),
    ("gradient-axes", lambda m, f: m.gradient(f, 2.0, np.array([0.0, 0.5, 1.5, 1.7]), axis=(0, 1)),
     (normal(3, 4),)),
    ("gradient-coords-2", lambda m, f: m.gradient(f, np.array([0.0, 0.3, 1.0, 1.4, 2.5]),
                                                  edge_order=2), (cnormal(5),)),
    ("gradient-axis", lambda m, f: m.gradient(f, axis=-1), (normal(2, 3),)),
    ("interp", lambda m, x, fp: m.interp(x, XP, fp), (np.array([-1.0, 0.1, 0.9, 1.7]), normal(5))),
    ("interp-outside", lambda m, x, fp: m.interp(x, XP, fp, left=fp[1] * 2, right=-1.0),
     (np.array([-2.0, 0.3, 2.5]), normal(5))),
    ("interp-complex", lambda m, x, fp: m.interp(x, XP, fp), (np.array([[0.0, 1.0]]), cnormal(5))),
    ("interp-period", lambda m, x, fp: m.interp(x, XP, fp, period=3.0),
     (np.array([-2.3, 0.1, 2.9, 4.6]), normal(5))),
    # elementwise
    ("copysign", lambda m, x, y: m.copysign(x, y) * x, (distinct(4), distinct(4))),
    ("divmod", lambda m, x, y: m.divmod(x, y)[1], (positive(3) * 4.3, positive(3))),
    ("modf", lambda m, x: m.modf(x)[0] ** 2, (np.array([2.3, -1.6, 0.4]),)),
    ("ldexp", lambda m, x: m.ldexp(x, np.array([1, -2, 3])), (normal(3),)),
    # cumulative
    ("cumulative_sum", lambda m, x: m.cumulative_sum(x, axis=1, include_initial=True) ** 2,
     (normal(2, 3),)),
    ("cumulative_sum-1d", lambda m, x: m.cumulative_sum(x), (cnormal(3),)),
    ("cumulative_prod", lambda m, x: m.cumulative_prod(x, axis=0, include_initial=True),
     (normal(3, 2),)),
    # statistics
    ("cov", lambda m, x: m.cov(x), (normal(3, 5),)),
    ("cov-rowvar-bias", lambda m, x: m.cov(x, rowvar=False, bias=True), (normal(5, 2),)),
    ("cov-y-ddof", lambda m, x, y: m.cov(x, y, ddof=2), (normal(4), normal(4))),
    ("cov-weights", lambda m, x: m.cov(x, fweights=[1, 2, 1, 3], aweights=[0.5, 1.0, 2.0, 1.5]),
     (normal(2, 4),)),
    ("cov-complex", lambda m, x: m.cov(x), (cnormal(2, 4),)),
    ("corrcoef", lambda m, x: m.corrcoef(x), (normal(3, 5),)),
    ("corrcoef-y", lambda m, x, y: m.corrcoef(x, y, rowvar=False), (normal(5, 2), normal(5))),
    ("corrcoef-complex", lambda m, x: m.corrcoef(x), (cnormal(2, 4),)),
    ("median", lambda m, x: m.median(x), (distinct(5),)),
    ("median-even-axis", lambda m, x: m.median(x, axis=1, keepdims=True), (distinct(2, 4),)),
    ("median-axes", lambda m, x: m.median(x, axis=(0, 2)), (distinct(2, 3, 2),)),
    ("quantile", lambda m, x: m.quantile(x, 0.3), (distinct(6),)),
    ("quantile-array", lambda m, x: m.quantile(x, np.array([0.1, 0.75]), axis=0),
     (distinct(5, 2),)),
    ("quantile-keepdims", lambda m, x: m.quantile(x, [0.6], axis=(0, 2), keepdims=True),
     (distinct(2, 2, 3),)),
    ("percentile", lambda m, x: m.percentile(x, [25, 60], axis=1), (distinct(2, 5),)),
    ("nanpercentile", lambda m, x: m.nanpercentile(x, 35, axis=1),
     (with_nans(distinct(2, 5), 1, 7, 8),)),
    ("nanquantile", lambda m, x: m.nanquantile(x, [0.2, 0.9]), (with_nans(distinct(6), 2),)),
    ("nanmedian", lambda m, x: m.nanmedian(x, axis=0), (with_nans(distinct(4, 2), 0, 5),)),
    # NaN-ignoring reductions: NaNs contribute nothing
    ("nansum", lambda m, x: m.nansum(x, axis=0) ** 2, (with_nans(normal(3, 2), 1),)),
    ("nansum-complex", lambda m, x: m.nansum(x), (np.where([True, False, True], cnormal(3),
                                                           complex(np.nan, 1.0)),)),
    ("nanmean", lambda m, x: m.nanmean(x, axis=1, keepdims=True), (with_nans(normal(2, 3), 4),)),
    ("nanprod", lambda m, x: m.nanprod(x), (with_nans(normal(4), 2),)),
    ("nanmax", lambda m, x: m.nanmax(x, axis=1), (with_nans(distinct(2, 3), 0),)),
    ("nanmin", lambda m, x: m.nanmin(x), (with_nans(distinct(4), 3),)),
    ("nanvar", lambda m, x: m.nanvar(x, axis=0, ddof=1), (with_nans(normal(4, 2), 2),)),
    ("nanvar-complex", lambda m, x: m.nanvar(x), (np.where([1, 1, 0, 1], cnormal(4), np.nan),)),
    ("nanstd", lambda m, x: m.nanstd(x), (with_nans(normal(5), 0, 3),)),
    ("nancumsum", lambda m, x: m.nancumsum(x, axis=1) ** 2, (with_nans(normal(2, 3), 1),)),
    ("nancumprod", lambda m, x: m.nancumprod(x), (with_nans(normal(4), 1),)),
]

B = np.array([True, False, True])

UNTRACED = [
    ("heaviside", lambda m, x: m.heaviside(x, 0.5), (np.array([-1.0, 0.0, 2.0]),)),
    ("logical_xor", lambda m, x: m.logical_xor(x > 0, B), (normal(3),)),
    ("divmod-quotient", lambda m, x: m.divmod(x, 0.7)[0], (normal(4) * 3,)),
    ("divmod-int", lambda m, x: m.divmod(x, 3), (np.arange(-4, 5),)),
    ("modf-integral", lambda m, x: m.modf(x)[1], (normal(4) * 3,)),
    ("modf-special", lambda m, x: m.modf(x), (np.array([-2.0, np.inf, -np.inf, -0.5, 3]),)),
    ("frexp", lambda m, x: m.frexp(x), (normal(3),)),
    ("isreal", lambda m, x: m.isreal(x), (np.array([1.0, 1j, 2 + 0j]),)),
    ("iscomplex", lambda m, x: m.iscomplex(x), (np.array([1.0, 1j, 2 + 0j]),)),
    ("isrealobj", lambda m, x: m.isrealobj(x), (normal(2),)),
    ("isneginf", lambda m, x: m.isneginf(x), (np.array([-np.inf, 1.0, np.inf]),)),
    ("isposinf", lambda m, x: m.isposinf(x), (np.array([-np.inf, 1.0, np.inf]),)),
    ("isin", lambda m, x: m.isin(x, [1.0, 3.0]), (np.array([3.0, 2.0, 1.0]),)),
    ("unique", lambda m, x: m.unique(x, return_index=True, return_inverse=True,
                                     return_counts=True), (np.array([3.0, 1.0, 3.0, 2.0]),)),
    ("unique_counts", lambda m, x: m.unique_counts(x), (np.array([3.0, 1.0, 3.0]),)),
    ("bincount", lambda m, x: m.bincount(x, minlength=5), (np.array([0, 3, 3, 1]),)),
    ("digitize", lambda m, x: m.digitize(x, [-0.5, 0.5]), (normal(5),)),
    ("histogram", lambda m, x: m.histogram(x, bins=3), (normal(8),)),
    ("searchsorted", lambda m, x: m.searchsorted(np.sort(x), [0.0, 1.0]), (normal(5),)),
    ("lexsort", lambda m, x, y: m.lexsort([x, y]), (np.array([1.0, 2.0, 1.0]), normal(3))),
    ("ix_", lambda m, x: m.ix_(x, [0, 2]), (np.array([1, 0]),)),
    ("tri", lambda m: m.tri(3, 4, -1), ()),
    ("tril_indices", lambda m: m.tril_indices(3, 1), ()),
    ("triu_indices", lambda m: m.triu_indices(3, 0, 4), ()),
    ("diag_indices", lambda m: m.diag_indices(2, 3), ()),
    ("tril_indices_from", lambda m, x: m.tril_indices_from(x), (normal(3, 3),)),
]

# NumPy's result types: integers become floats where NumPy's do, float32 stays float32 ...
DTYPES = [
    ("convolve-int", lambda m, a, v: m.convolve(a, v), (np.arange(4), np.array([1, -1]))),
    ("correlate-float32", lambda m, a, v: m.correlate(a, v, "full"),
     (normal(4).astype(np.float32), normal(2).astype(np.float32))),
    ("cov-int", lambda m, x: m.cov(x), (np.array([[1, 2, 4], [0, 3, 5]]),)),
    ("cov-float32", lambda m, x: m.cov(x), (normal(2, 3).astype(np.float32),)),
    ("median-int", lambda m, x: m.median(x), (np.array([3, 1, 2, 8]),)),
    ("median-float32", lambda m, x: m.median(x), (distinct(4).astype(np.float32),)),
    ("quantile-float32-weak", lambda m, x: m.quantile(x, 0.3), (distinct(4).astype(np.float32),)),
    ("quantile-float32-array", lambda m, x: m.quantile(x, np.array([0.3])),
     (distinct(4).astype(np.float32),)),
    ("percentile-int", lambda m, x: m.percentile(x, 40), (np.array([5, 1, 9, 2]),)),
    ("trapezoid-int", lambda m, y: m.trapezoid(y), (np.arange(4),)),
    ("gradient-int", lambda m, f: m.gradient(f), (np.array([1, 4, 9, 16]),)),
    ("gradient-float32", lambda m, f: m.gradient(f, 0.5), (normal(4).astype(np.float32),)),
    ("nansum-int", lambda m, x: m.nansum(x), (np.arange(4),)),
    ("nanmean-int", lambda m, x: m.nanmean(x), (np.arange(4),)),
    ("nanmean-float32", lambda m, x: m.nanmean(x), (with_nans(normal(3), 1).astype(np.float32),)),
    ("nanvar-int", lambda m, x: m.nanvar(x), (np.arange(4),)),
    ("nanmax-int", lambda m, x: m.nanmax(x), (np.arange(4),)),
    ("interp-int", lambda m, x: m.interp(x, [0, 2], [1, 5]), (np.array([1, 3]),)),
    ("interp-float32", lambda m, x: m.interp(x, XP, XP.astype(np.float32)),
     (normal(3).astype(np.float32),)),
    ("copysign-int", lambda m, x: m.copysign(x, -1), (np.arange(3),)),
    ("copysign-float32", lambda m, x: m.copysign(x, -1.0), (normal(3).astype(np.float32),)),
    ("ldexp-int", lambda m, x: m.ldexp(x, 2), (np.arange(3),)),
    ("ldexp-float32", lambda m, x: m.ldexp(x, 2), (normal(3).astype(np.float32),)),
    ("modf-int", lambda m, x: m.modf(x), (np.arange(3),)),
    ("cumulative_sum-int32", lambda m, x: m.cumulative_sum(x, include_initial=True),
     (np.arange(3, dtype=np.int32),)),
    ("cumulative_prod-0d", lambda m, x: m.cumulative_prod(x), (np.array(3.0),)),
    ("sort_complex-float32", lambda m, x: m.sort_complex(x), (distinct(3).astype(np.float32),)),
    ("sort_complex-int8", lambda m, x: m.sort_complex(x), (np.array([3, 1], np.int8),)),
    ("select-float32", lambda m, x: m.select([x > 0], [x]), (normal(3).astype(np.float32),)),
    ("vecdot-int", lambda m, x: m.vecdot(x, x), (np.arange(6).reshape(2, 3),)),
    ("append-mixed", lambda m, x: m.append(x, [0.5]), (np.arange(2),)),
    ("insert-int", lambda m, x: m.insert(x, 1, 2.7), (np.arange(3),)),
    ("ediff1d-int", lambda m, x: m.ediff1d(x, to_begin=-1), (np.array([1, 4, 9]),)),
    ("unwrap-int", lambda m, x: m.unwrap(x, period=6), (np.array([0, 5, 1, 10]),)),
    ("block-mixed", lambda m, x: m.block([[x, np.ones((1, 1), np.float32)]]),
     (np.ones((1, 2), np.float32),)),
    ("divmod-float32", lambda m, x: m.divmod(x, np.float32(0.7)), (normal(3).astype(np.float32),)),
]


def _cases(table):
    return [pytest.param(fn, args, id=label) for label, fn, args in table]


def _has_tensor(out):
    if isinstance(out, tuple | list):
        return any(_has_tensor(o) for o in out)
    return isinstance(out, sg.Tensor)


def assert_same(ours, want):
    """Equal values, shapes and dtypes (NaNs equal), through tuples and lists."""
    if isinstance(want, tuple | list):
        assert isinstance(ours, tuple | list) and len(ours) == len(want)
        for o, w in zip(ours, want):
            assert_same(o, w)
        return
    ours = np.asarray(ours.value if isinstance(ours, sg.Tensor) else ours)
    want = np.asarray(want)
    assert ours.shape == want.shape
    assert ours.dtype == want.dtype, f"dtype {ours.dtype}, NumPy's {want.dtype}"
    if want.dtype.kind in "fc" and np.finfo(want.dtype).bits <= 64:
        tol = 1e-12 if np.finfo(want.dtype).resolution < 1e-10 else 2e-6
        np.testing.assert_allclose(ours, want, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(ours, want)


def _check_values(fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = fn(np, *args)
        plain = fn(snp, *args)
        traced = fn(snp, *[sg.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    assert not _has_tensor(plain), "plain inputs must give plain NumPy values"
    assert_same(plain, want)
    assert_same(traced, want)


@pytest.mark.parametrize("fn, args", _cases(TABLE + UNTRACED + DTYPES))
def test_values_and_dtypes_match_numpy(fn, args):
    _check_values(fn, args)


@pytest.mark.parametrize("fn, args", _cases(TABLE))
def test_gradients(fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sg.check_grads(lambda *xs: fn(snp, *xs), args, modes=("rev", "fwd"), order=2)


def test_nans_get_zero_derivative():
    x = np.array([1.0, np.nan, 3.0, 2.0])
    for f in (snp.nansum, snp.nanmean, snp.nanprod, snp.nanmax, snp.nanvar, snp.nanstd,
              snp.nanmedian, lambda v: snp.nanpercentile(v, 30),
              lambda v: snp.sum(snp.nancumsum(v)), lambda v: snp.sum(snp.nancumprod(v))):
        g = sg.grad(f)(x)
        assert g[1] == 0.0 and np.all(np.isfinite(g))


def test_all_nan_slices_give_nan_as_numpy():
    x = np.array([[np.nan, np.nan], [1.0, 2.0]])
    with pytest.warns(RuntimeWarning):
        np.testing.assert_array_equal(snp.nanmax(x, axis=1), [np.nan, 2.0])
    with pytest.warns(RuntimeWarning):
        np.testing.assert_array_equal(snp.nanmedian(x, axis=1), [np.nan, 1.5])
    np.testing.assert_array_equal(snp.median(np.array([1.0, np.nan, 2.0])), np.nan)


def test_heaviside_and_quotients_have_zero_derivative():
    x = sg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    assert not snp.heaviside(x, 0.5).requires_grad
    g = sg.grad(lambda v: snp.sum(snp.heaviside(v, 0.5) * v))(np.array([-1.0, 2.0]))
    assert g.tolist() == [0.0, 1.0]
    assert isinstance(snp.divmod(x, 2.0)[0], np.ndarray)
    assert not snp.modf(x)[1].requires_grad


def test_apply_along_axis_places_the_result_axes_at_axis():
    x = normal(2, 3, 4)
    for axis in (0, 1, 2):
        def f(m, r):
            return m.outer(r, r[:2])
        assert_same(snp.apply_along_axis(lambda r: f(snp, r), axis, x),
                    np.apply_along_axis(lambda r: f(np, r), axis, x))


@pytest.mark.parametrize("call, message", [
    (lambda: snp.convolve(np.ones((2, 2)), np.ones(2)), r"convolve: a and v must be 1-d.*\(2, 2\)"),
    (lambda: snp.convolve(np.ones(2), np.ones(2), "middle"), "convolve: mode 'middle'"),
    (lambda: snp.correlate(np.ones(2), np.ones(0)), "correlate: v is empty"),
    (lambda: snp.vecdot(np.ones(3), np.ones(2)), r"vecdot: .*lengths 3 and 2"),
    (lambda: snp.matvec(np.ones((2, 3)), np.ones(2)), r"matvec: .*\(2, 3\) and \(2,\)"),
    (lambda: snp.interp(0.5, [0.0, 1.0], [1.0]), r"interp: xp and fp .*\(2,\) and \(1,\)"),
    (lambda: snp.quantile(np.ones(3), 1.5), r"quantile: q must be .* \[0, 1\]"),
    (lambda: snp.percentile(np.ones(3), 101), r"percentile: q must be .* \[0, 100\]"),
    (lambda: snp.median(np.ones(3) * 1j), "median: a must be real"),
    (lambda: snp.quantile(np.ones(3), 0.5, method="nearest"), "only method='linear'"),
    (lambda: snp.cov(np.ones((2, 2, 2))), r"cov: m has more than 2 axes.*\(2, 2, 2\)"),
    (lambda: snp.cov(np.ones((2, 3)), np.ones((2, 4))), r"cov: .*\(2, 3\) and \(2, 4\)"),
    (lambda: snp.gradient(np.ones(2), edge_order=2), "gradient: f has 2 point"),
    (lambda: snp.gradient(np.ones((2, 3)), 1.0, 2.0, 3.0), "gradient: give no spacing"),
    (lambda: snp.matrix_transpose(np.ones(3)), r"matrix_transpose: .*\(3,\)"),
    (lambda: snp.append(np.ones((2, 2)), np.ones(2), axis=0), r"append: .*\(2, 2\) and \(2,\)"),
    (lambda: snp.block([[np.ones(2)], np.ones(2)]), "block: the lists in arrays"),
    (lambda: snp.broadcast_arrays(np.ones(2), np.ones(3)), r"broadcast_arrays: .*\(2,\)"),
    (lambda: snp.select([np.ones(2)], [np.ones(2)]), "select: condlist"),
    (lambda: snp.cumulative_sum(np.ones((2, 2))), r"cumulative_sum: give axis.*\(2, 2\)"),
    (lambda: snp.trapezoid(np.ones(3), np.ones(2)), r"trapezoid: x has 2 points"),
    (lambda: snp.nansum(np.ones(2), out=np.ones(())), "nansum: out= is not supported"),
])
def test_errors_name_the_function_and_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_index_errors_name_delete_and_insert():
    with pytest.raises(IndexError, match=r"delete: .*arr shape \(3,\)"):
        snp.delete(np.ones(3), 5)
    with pytest.raises(ValueError, match=r"insert: .*values shape \(3,\)"):
        snp.insert(np.ones((2, 2)), 1, np.ones(3), axis=1)


def test_index_tricks_r_and_c_with_traced_values():
    x, y = np.array([1.0, 2.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    t = sg.tensor(x)
    np.testing.assert_array_equal(snp.r_[t, 3.0, 0:2].value, np.r_[x, 3.0, 0:2])
    np.testing.assert_array_equal(snp.c_[t, x].value, np.c_[x, x])
    np.testing.assert_array_equal(snp.r_["1", sg.tensor(y), y].value, np.r_["1", y, y])
    np.testing.assert_array_equal(snp.r_[0:1:5j], np.r_[0:1:5j])  # plain: NumPy's own
    np.testing.assert_array_equal(snp.r_["0,2", [1, 2], [3, 4]], np.r_["0,2", [1, 2], [3, 4]])
    assert sg.grad(lambda v: snp.sum(snp.r_[v, 2 * v, 0:2] ** 2))(1.0) == 10.0
    sg.check_grads(lambda a, b: snp.c_[a, b] ** 2, (x, y), modes=("rev", "fwd"), order=2)
    with pytest.raises(ValueError, match="r_: the directive '0,2'"):
        snp.r_["0,2", t]


def test_einsum_sublist_form_and_optimize():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))
    for args in [(a, [0, 1, 2], b, [2, 3], [0, 1, 3]), (a, [0, 1, 2], b, [2, 3]),
                 (a, [Ellipsis, 2], b, [2, 3], [Ellipsis, 3])]:
        np.testing.assert_allclose(snp.einsum(*args), np.einsum(*args), rtol=1e-13)
    sg.check_grads(lambda p, q: snp.einsum(p, [0, 1, 2], q, [2, 3], [0, 3]), (a, b),
                   modes=("rev", "fwd"), order=2)
    np.testing.assert_allclose(snp.einsum("ij,jk", a[0], b, optimize=True), a[0] @ b)


def test_shape_and_dtype_helpers_are_numpys():
    assert snp.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert snp.finfo(np.float32).eps == np.finfo(np.float32).eps and snp.iinfo is np.iinfo
    assert snp.s_[1:2] == np.s_[1:2] and snp.index_exp[0] == np.index_exp[0]
    assert snp.mgrid[0:2, 0:2].shape == (2, 2, 2) and len(snp.ogrid[0:2, 0:3]) == 2
    with snp.errstate(divide="ignore"):
        assert np.isinf(np.float64(1.0) / np.float64(0.0))


def test_lists_holding_tensors_work_everywhere():
    def f(x, y):
        return (snp.sum([x, y]) + snp.mean([x * y, 2.0]) + snp.max([x, 0.5])
                + snp.dot([x, y], [1.0, 2.0]) + snp.var([x, y]) + sg.sum([x, y])
                + snp.exp([x, y]).sum() + snp.cumsum([x, y])[1] + snp.linalg.norm([x, y])
                + snp.linalg.det([[x, y], [1.0, x]]) + snp.real(snp.fft.fft([x, y, 1.0])[1]))

    sg.check_grads(f, (1.0, 2.0), modes=("rev", "fwd"), order=2)
    assert sg.ops.shape([sg.tensor([1.0, 2.0], requires_grad=True), [3.0, 4.0]]) == (2, 2)


def test_piecewise_choose_and_vectorize():
    x0 = np.array([-4.0, 4.0, 9.0])

    def f(x):
        return snp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, snp.sqrt])

    def g(x):
        return snp.piecewise(x, [x < 0], [lambda v: v ** 2, 7.0])

    np.testing.assert_array_equal(f(x0), np.piecewise(x0, [x0 < 0, x0 >= 0],
                                                      [lambda v: -v, np.sqrt]))
    np.testing.assert_array_equal(g(x0), np.piecewise(x0, [x0 < 0], [lambda v: v ** 2, 7.0]))
    # each function sees its piece only: no NaN from sqrt of the negatives, in value or slope
    np.testing.assert_allclose(sg.grad(lambda x: snp.sum(f(x)))(x0), [-1.0, 0.25, 1 / 6])
    sg.check_grads(lambda x: f(x) + g(x), (x0,), modes=("rev", "fwd"), order=2)

    a = np.array([0, 1, 0, 2])
    choices = [np.arange(4.0), 10.0, -np.ones(4)]
    np.testing.assert_array_equal(snp.choose(a, choices), np.choose(a, choices))
    np.testing.assert_array_equal(snp.choose(a + 3, choices, mode="wrap"),
                                  np.choose(a + 3, choices, mode="wrap"))
    sg.check_grads(lambda c: snp.choose(a, [c, 2 * c, c ** 2]), (np.arange(1.0, 5.0),),
                   modes=("rev", "fwd"), order=2)
    with pytest.raises(ValueError, match="choose: an index in a is out of range for 3"):
        snp.choose(a + 1, choices)

    vf = snp.vectorize(lambda p, q: p * q if p > 0 else q)
    np.testing.assert_array_equal(vf(np.array([[1.0, -1.0]]), 3.0),
                                  np.vectorize(lambda p, q: p * q if p > 0 else q)(
                                      np.array([[1.0, -1.0]]), 3.0))
    sg.check_grads(lambda x: vf(x, x), (np.array([1.0, -1.0, 2.0]),), modes=("rev", "fwd"),
                   order=2)


def test_a_list_holding_tensors_next_to_a_tensor_is_recorded():
    g = sg.grad(lambda x: sg.sum(sg.add(x, [x[1], 1.0]) ** 2))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [6.0, 12.0])


@pytest.mark.parametrize("name, fn", [
    ("sum-dtype", lambda m, x: m.sum(x, dtype=np.float32)),
    ("mean-dtype", lambda m, x: m.mean(x, axis=0, dtype=np.float32)),
    ("cumsum-dtype", lambda m, x: m.cumsum(x, axis=1, dtype=np.float32)),
    ("prod-dtype", lambda m, x: m.prod(x, dtype=np.float32)),
    ("max-initial", lambda m, x: m.max(x, initial=10.0)),
    ("max-where", lambda m, x: m.max(x, axis=1, where=x < 5, initial=-1.0)),
    ("sum-where", lambda m, x: m.sum(x, where=x > 2)),
    ("sum-initial", lambda m, x: m.sum(x, initial=1.0)),
    ("prod-where", lambda m, x: m.prod(x, axis=0, where=x > 2)),
    ("mean-where", lambda m, x: m.mean(x, axis=1, where=x > 2)),
    ("average-returned", lambda m, x: m.average(x, axis=0, weights=[1.0, 2.0], returned=True)[0]),
    ("clip-min-max", lambda m, x: m.clip(x, min=2.0, max=4.0)),
])
def test_reductions_take_numpys_keywords(name, fn):
    x = np.arange(1.0, 7.0).reshape(2, 3) + 0.01 * np.arange(6.0).reshape(2, 3)
    want = fn(np, x)
    got = fn(snp, sg.tensor(x)).value
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.dtype == want.dtype
    if "dtype" not in name:
        sg.check_grads(lambda v: fn(snp, v), (x,), modes=("rev", "fwd"), order=2)
    with pytest.raises(ValueError, match="max: where= needs initial="):
        snp.max(x, where=x > 2)


@pytest.mark.parametrize("name, fn", [
    ("var-where", lambda m, v: m.var(v, axis=1, where=v > 2)),
    ("std-where-keepdims", lambda m, v: m.std(v, axis=0, where=v > 1.5, keepdims=True)),
    ("var-where-all", lambda m, v: m.var(v, where=v > 2)),
    ("var-correction", lambda m, v: m.var(v, correction=1)),
    ("var-mean", lambda m, v: m.var(v, axis=1, mean=np.ones((2, 1)))),
    ("var-complex-where", lambda m, v: m.var(v * (1 + 1j), axis=1, where=v > 2)),
    ("sort-kind", lambda m, v: m.sort(v, kind="quicksort")),
    ("sort-stable", lambda m, v: m.sort(v, axis=0, stable=True)),
    ("take-wrap", lambda m, v: m.take(v, [7, -9], mode="wrap")),
    ("partition-kind", lambda m, v: m.partition(v, 1, kind="introselect")),
])
def test_statistics_and_sorting_take_numpys_keywords(name, fn):
    x = np.arange(1.0, 7.0).reshape(2, 3) + 0.01 * np.arange(6.0).reshape(2, 3)
    want = fn(np, x)
    got = fn(snp, sg.tensor(x)).value
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.dtype == want.dtype and got.shape == want.shape
    sg.check_grads(lambda v: fn(snp, v), (x,), modes=("rev", "fwd"), order=2)


_W = np.array([[True, True, False], [True, False, True]])


@pytest.mark.parametrize("name, fn", [
    ("nansum-where-initial", lambda m, v: m.nansum(v, axis=1, where=_W, initial=1.0)),
    ("nanprod-where", lambda m, v: m.nanprod(v, axis=0, where=_W)),
    ("nanmax-where-initial", lambda m, v: m.nanmax(v, axis=1, where=_W, initial=-5.0)),
    ("nanmin-initial", lambda m, v: m.nanmin(v, initial=0.5)),
    ("nanmean-where", lambda m, v: m.nanmean(v, axis=1, where=_W)),
    ("nanvar-where", lambda m, v: m.nanvar(v, where=_W)),
    ("nanstd-correction", lambda m, v: m.nanstd(v, axis=1, correction=1)),
    ("nanvar-mean", lambda m, v: m.nanvar(v, axis=1, mean=np.ones((2, 1)))),
])
def test_nan_reductions_take_numpys_keywords(name, fn):
    x = np.arange(1.0, 7.0).reshape(2, 3) + 0.01 * np.arange(6.0).reshape(2, 3)
    x[0, 1] = np.nan
    want = fn(np, x)
    got = fn(snp, sg.tensor(x)).value
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.dtype == want.dtype and got.shape == want.shape
    sg.check_grads(lambda v: fn(snp, v), (x,), modes=("rev", "fwd"), order=2)
