"""Reductions of empty arrays, against NumPy: one table, every reduction, both faces.

Each row of ``CASES`` is a reduction written once for both namespaces
(``m`` is ``numpy`` or the semigrad face). Every row runs over the shapes
(0,), (0, 3) and (3, 0), each valid ``axis`` in None/0/1 and ``keepdims``,
on plain arrays and on traced Tensors, and checks:

* the value (shape, dtype, NaN and ±inf where NumPy has them) equals NumPy's;
* where NumPy raises, semigrad raises a ValueError that names the operation
  and the input's shape;
* a RuntimeWarning is emitted exactly where NumPy emits one ("Mean of empty
  slice" for ``mean`` and ``median``, none for ``sum`` ...);
* the gradient of a traced input is an array of the input's shape and dtype,
  and computing it emits no warning.

``REFERENCE`` holds the few rows where semigrad departs from NumPy on purpose,
each with the NumPy expression it follows instead and why (docs/semantics.md,
"Reductions of empty arrays").
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp


class Case(NamedTuple):
    name: str
    call: Callable  # call(m, x, **kw) with m = numpy or a semigrad face
    face: object = snp  # the semigrad namespace the row runs on
    keepdims: bool = True  # whether the function takes keepdims=


def red(fn_name, *args, face=snp, keepdims=True, **fixed):
    """A row calling ``m.<fn_name>(x, *args, **fixed, axis=..., keepdims=...)``."""
    label = ("sg." if face is sg else "snp.") + fn_name + (f"{args}" if args else "") + (
        f"{fixed}" if fixed else "")

    def call(m, x, **kw):
        return getattr(m, fn_name)(x, *args, **fixed, **kw)

    return Case(label, call, face, keepdims)


def norm(ord):  # noqa: A002 (NumPy's name)
    def call(m, x, **kw):
        return m.linalg.norm(x, ord, **kw)

    return Case(f"snp.linalg.norm(ord={ord!r})", call)


CASES = [
    *(red(n, face=sg) for n in ("sum", "mean", "prod", "max", "min", "amax", "amin",
                                "logsumexp")),
    *(red(n) for n in ("sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std",
                       "ptp", "average", "median", "nansum", "nanprod", "nanmax", "nanmin",
                       "nanmean", "nanvar", "nanstd", "nanmedian", "any", "all", "argmax",
                       "argmin", "count_nonzero")),
    red("var", ddof=1), red("std", ddof=1),
    red("sum", initial=2.0), red("prod", initial=2.0),
    red("max", initial=-5.0), red("min", initial=5.0), red("nanmax", initial=-5.0),
    red("nanmin", initial=5.0),
    red("quantile", 0.3), red("quantile", [0.2, 0.5]), red("percentile", 30),
    red("nanquantile", 0.3), red("nanpercentile", [20, 50]),
    *(red(n, keepdims=False) for n in ("cumsum", "cumprod", "nancumsum", "nancumprod")),
    red("average", keepdims=False, returned=True),
    *(norm(o) for o in (None, 1, 2, np.inf, -np.inf, 0, 3, -1, -2, "nuc", "fro")),
    *(red(n, keepdims=False, include_initial=i) for n in ("cumulative_sum", "cumulative_prod")
      for i in (False, True)),
]


def _logsumexp(x, axis=None, keepdims=False):
    """log Σ exp(x) in NumPy: −inf for no elements, without a warning (as
    scipy.special.logsumexp and jax.nn.logsumexp)."""
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


class _NumPyWithLogsumexp:
    def __getattr__(self, name):
        return _logsumexp if name == "logsumexp" else getattr(np, name)


# Where semigrad departs from NumPy on purpose, the NumPy expression it follows instead.
REFERENCE = {
    # np.quantile/np.percentile raise IndexError('index -1 is out of bounds') from their
    # internals on an empty slice, and np.nanquantile/np.nanpercentile drop the axes of an
    # array q there; semigrad gives NaN with q's axes in front, as np.median (the 0.5
    # quantile) gives NaN with a warning.
    "snp.quantile(0.3,)": lambda x, **kw: _empty_quantile(0.3, x, **kw),
    "snp.quantile([0.2, 0.5],)": lambda x, **kw: _empty_quantile([0.2, 0.5], x, **kw),
    "snp.percentile(30,)": lambda x, **kw: _empty_quantile(30, x, **kw),
    "snp.nanpercentile([20, 50],)": lambda x, **kw: _empty_quantile([20, 50], x, **kw),
    # np.average(x, axis) with an empty result raises ZeroDivisionError computing its
    # count a.size / result.size; semigrad gives np.mean's value, an empty array.
    "snp.average": lambda x, **kw: np.mean(x, **kw),
    "snp.average{'returned': True}": lambda x, **kw: _average_returned(x, **kw),
}


def _empty_quantile(q, x, **kw):
    """Quantiles of a zero-size ``x``: NaN (with np.mean's warning) over no elements, q's
    axes in front of the reduced shape."""
    m = np.mean(x, **kw)
    return np.broadcast_to(m, np.shape(q) + np.shape(m)).copy()[()]


def _average_returned(x, axis=None):
    avg = np.mean(x, axis=axis)
    count = np.full(np.shape(avg), x.shape[axis] if axis is not None else x.size, x.dtype)
    return avg, count[()]


def _reference(case, x, **kw):
    if case.name in REFERENCE:
        return REFERENCE[case.name](x, **kw)
    return case.call(_NumPyWithLogsumexp(), x, **kw)


SHAPES = [(0,), (0, 3), (3, 0)]
GRID = [(s, axis, kd) for s in SHAPES for axis in (None, 0, 1) if axis is None or axis < len(s)
        for kd in (False, True)]


def _run(fn):
    """(result or None, exception or None, whether a RuntimeWarning was emitted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out, err = fn(), None
        except Exception as e:  # noqa: BLE001 (compared below)
            out, err = None, e
    return out, err, any(issubclass(w.category, RuntimeWarning) for w in caught)


def _parts(out):
    return list(out) if isinstance(out, tuple) else [out]


def _values(out):
    return [np.asarray(getattr(o, "value", o)) for o in _parts(out)]


CELLS = [(c, s, a, k) for c in CASES for s, a, k in GRID if c.keepdims or not k]


@pytest.mark.parametrize("case, shape, axis, keepdims", CELLS, ids=[
    f"{c.name}-{s}-axis{a}{'-keepdims' if k else ''}" for c, s, a, k in CELLS])
def test_empty_reduction_matches_numpy(case, shape, axis, keepdims):
    kw = {"axis": axis, **({"keepdims": keepdims} if case.keepdims else {})}
    x = np.zeros(shape)
    want, want_err, want_warns = _run(lambda: _reference(case, x, **kw))
    for traced in (False, True):
        arg = sg.tensor(x, requires_grad=True) if traced else x
        got, err, warns = _run(lambda arg=arg: case.call(case.face, arg, **kw))
        where = f"{case.name} on shape {shape} with {kw}{' (traced)' if traced else ''}"
        if want_err is not None:
            assert isinstance(err, ValueError), f"{where}: NumPy raises {want_err!r}, got {got!r}"
            name = re.match(r"(?:sg|snp)\.(?:linalg\.)?(\w+)", case.name).group(1)
            name = {"amax": "max", "amin": "min"}.get(name, name)  # aliases
            assert name in str(err) and str(shape) in str(err), f"{where}: {err}"
            continue
        assert err is None, f"{where}: NumPy gives {want!r}, semigrad raises {err!r}"
        assert warns == want_warns, f"{where}: RuntimeWarning {warns}, NumPy's {want_warns}"
        for g, w in zip(_values(got), _values(want), strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype, (
                f"{where}: {g.shape} {g.dtype}, NumPy's {w.shape} {w.dtype}")
            np.testing.assert_array_equal(g, w, err_msg=where)
        floating = [o for o in _parts(got) if isinstance(o, sg.Tensor)
                    and o.value.dtype.kind == "f"]
        if traced and floating:
            (out, vjp_fn), _, _ = _run(lambda: sg.vjp(
                lambda t: _parts(case.call(case.face, t, **kw))[0], x))
            grads, err, warns = _run(lambda vjp_fn=vjp_fn, out=out: vjp_fn(np.ones_like(out)))
            assert err is None and not warns, f"{where}: the gradient raises or warns ({err!r})"
            (grad,) = grads
            assert grad.shape == shape and grad.dtype == x.dtype, where


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_of_nothing_is_minus_infinity(dtype):
    lse = sg.logsumexp
    x = np.zeros((2, 0), dtype)
    assert lse(x) == -np.inf and lse(x).dtype == dtype
    np.testing.assert_array_equal(lse(x, axis=1), [-np.inf, -np.inf])
    assert lse(x, axis=0).shape == (0,) and lse(x, axis=1, keepdims=True).shape == (2, 1)
    g = sg.grad(lambda t: sg.sum(lse(t, axis=1)))(x)
    assert g.shape == (2, 0) and g.dtype == dtype
    t = sg.tensor(x, requires_grad=True)
    t.logsumexp().backward()
    assert t.grad.shape == (2, 0)
    np.testing.assert_array_equal(sg.log_softmax(x, axis=1), x)
    assert sg.softmax(x, axis=1).shape == (2, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_empty_reductions_keep_numpy_dtypes(dtype):
    x = np.zeros((0, 3), dtype)
    for name in ("sum", "prod", "mean", "var", "cumsum", "nansum", "median"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got, want = getattr(snp, name)(x, axis=0), getattr(np, name)(x, axis=0)
        assert got.dtype == want.dtype and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("f", [
    lambda x: sg.sum(x, axis=0), lambda x: sg.mean(x, axis=1), lambda x: sg.prod(x, axis=0),
    lambda x: sg.logsumexp(x, axis=0), lambda x: sg.logsumexp(x, axis=1),
    lambda x: sg.max(x, axis=1), lambda x: snp.var(x, axis=1), lambda x: snp.cumsum(x, axis=0),
    lambda x: snp.cumprod(x, axis=1), lambda x: snp.linalg.norm(x, axis=0),
])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_check_grads_on_zero_size_inputs(f, shape):
    x = np.zeros(shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's, tested above
            out = f(x)
    except ValueError:
        return  # no identity (max over an empty axis): nothing to differentiate
    if np.size(out) and not np.all(np.isfinite(out)):
        return  # ±inf or NaN values: differences are meaningless, the gradient is tested above
    sg.check_grads(f, (x,), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("call, message", [
    (lambda: sg.max(np.zeros((3, 0)), axis=1), r"max: .*no identity.*\(3, 0\).*initial="),
    (lambda: snp.amin(np.zeros(0)), r"min: .*no identity.*\(0,\).*initial="),
    (lambda: snp.argmax(np.zeros((3, 0)), axis=1), r"argmax: .*empty.*\(3, 0\)"),
    (lambda: snp.ptp(np.zeros((0, 2))), r"ptp: .*no identity.*\(0, 2\)"),
    (lambda: snp.nanmax(np.zeros(0)), r"nanmax: .*no identity.*\(0,\).*initial="),
])
def test_reductions_without_identity_say_what_to_do(call, message):
    with pytest.raises(ValueError, match=message):
        call()
