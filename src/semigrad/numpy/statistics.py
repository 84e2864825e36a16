"""``semigrad.numpy``'s statistics (median, quantiles, histograms' relatives, correlation)
and NaN-ignoring reductions.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..primitives import complex as C
from ..primitives import elementwise as E
from ._at import At  # noqa: F401
from ._base import (
    _arr,
    _gather,
    _is_complex,
    _no_out,
    _shapes,
    _value,
    add,
    divide,
    greater,
    maximum,
    minimum,
    multiply,
    sqrt,
    subtract,
)

# ---- statistics --------------------------------------------------


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """The covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``
    (and ``y``); ``ddof`` defaults to 1, or 0 with ``bias``. Weights are constants.

    Complex variables give Σ (x − x̄)·conj(y − ȳ) / (n − ddof), as NumPy.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    >>> sg.grad(lambda x: snp.cov(x))(np.array([1.0, 2.0, 6.0])).tolist()
    [-2.0, -1.0, 3.0]
    """
    m = _arr(m)
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof must be an integer; got {ddof!r}")
    if ops.ndim(m) > 2:
        raise ValueError(f"cov: m has more than 2 axes; got shape {ops.shape(m)}")
    if y is not None:
        y = _arr(y)
        if ops.ndim(y) > 2:
            raise ValueError(f"cov: y has more than 2 axes; got shape {ops.shape(y)}")
    if dtype is None:
        dtype = np.result_type(*[_value(v).dtype for v in (m, y) if v is not None], np.float64)

    def rows(v):
        v = ops.astype(v, dtype) if _value(v).dtype != dtype else v
        v = ops.reshape(v, (1, -1)) if ops.ndim(v) < 2 else v
        return v

    X = rows(m)
    if not rowvar and ops.ndim(m) != 1:
        X = ops.transpose(X)
    if ops.shape(X)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        Y = rows(y)
        if not rowvar and ops.shape(Y)[0] != 1:
            Y = ops.transpose(Y)
        if ops.shape(Y)[1] != ops.shape(X)[1]:
            raise ValueError(f"cov: m and y have different numbers of observations; shapes "
                             f"{_shapes(m, y)} (rowvar={rowvar})")
        X = ops.concatenate([X, Y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    nobs = ops.shape(X)[1]
    w = None
    for label, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        wt = np.asarray(_value(wt), dtype=float)
        if wt.ndim != 1 or wt.shape[0] != nobs:
            raise ValueError(f"cov: {label} must be 1-d with one weight per observation "
                             f"({nobs}); got shape {wt.shape}")
        if np.any(wt < 0):
            raise ValueError(f"cov: {label} cannot be negative")
        if label == "fweights" and not np.all(wt == np.around(wt)):
            raise TypeError("cov: fweights must be integers")
        w = wt if w is None else w * wt
    if w is None:
        avg = ops.mean(X, axis=1)
        fact = nobs - ddof
    else:
        w_sum = w.sum()
        avg = divide(ops.sum(multiply(X, w), axis=1), w_sum)
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * np.sum(w * np.asarray(_value(aweights), float)) / w_sum
    if fact <= 0:
        warnings.warn("cov: degrees of freedom <= 0", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = subtract(X, ops.expand_dims(avg, 1))
    XT = ops.transpose(X if w is None else multiply(X, w))
    with np.errstate(divide="ignore"):
        scale = np.true_divide(1, fact)
    c = multiply(ops.matmul(X, ops.conj(XT)), scale)
    return ops.squeeze(c) if 1 in ops.shape(c) else c


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients: cov / (σᵢ σⱼ), parts clipped to [−1, 1] (as NumPy).

    >>> import semigrad.numpy as snp
    >>> snp.corrcoef(np.array([1.0, 2.0, 4.0]), np.array([2.0, 4.0, 8.0])).round(12).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if ops.ndim(c) == 0:
        return divide(c, c)
    d = diagonal(c)
    std_ = sqrt(ops.real(d))
    c = divide(divide(c, ops.expand_dims(std_, 1)), ops.expand_dims(std_, 0))
    if _is_complex(c):
        return add(ops.clip(ops.real(c), -1, 1), multiply(ops.clip(ops.imag(c), -1, 1), 1j))
    return ops.clip(c, -1, 1)


def _quantile(name, np_fn, a, q, axis, keepdims, method, ignore_nan, scale=1):
    """Linear-interpolation quantiles: a sort, then a lerp of the two neighbours with constant
    weights (NumPy's ``method='linear'``); NaN where a slice holds NaN (``ignore_nan``: the
    NaNs are dropped, NaN where a slice is all NaN); NaN, with a warning, over no elements."""
    if method != "linear":
        raise ValueError(f"{name}: only method='linear' is supported; got {method!r}")
    a = _arr(a)
    av = _value(a)
    if av.dtype.kind not in "fiub":
        raise TypeError(f"{name}: a must be real; got dtype {av.dtype} (shape {av.shape})")
    weak = type(q) in (int, float)  # NumPy's rule: only Python numbers are weak
    qv = np.true_divide(_value(q), scale) if scale != 1 else np.asarray(_value(q))
    if qv.dtype.kind not in "fiu" or not np.all((qv >= 0) & (qv <= 1)):
        bound = "[0, 100]" if scale == 100 else "[0, 1]"
        raise ValueError(f"{name}: q must be real numbers in {bound}; got {_value(q)!r}")
    probe = q if weak else np.zeros((), np.asarray(_value(q)).dtype)
    dt = np.asarray(np_fn(np.zeros(1, av.dtype), probe)).dtype
    n = ops.ndim(a)
    axes = tuple(range(n)) if axis is None else tuple(sorted(
        ops._axis(name, k, n) for k in ((axis,) if isinstance(axis, int | np.integer) else axis)))
    kept = [k for k in range(n) if k not in axes]
    batch = tuple(ops.shape(a)[k] for k in kept)
    x = ops.transpose(a, kept + list(axes)) if kept + list(axes) != list(range(n)) else a
    length = int(np.prod([ops.shape(a)[k] for k in axes], dtype=np.int64))
    x = ops.reshape(x, batch + (length,))
    if length == 0:
        # NaN with a warning, as np.median and np.nanquantile (np.quantile raises IndexError)
        warnings.warn(f"{name}: empty slice (input shape {ops.shape(a)}, axis {axis!r}): NaN",
                      RuntimeWarning, stacklevel=3)
        out = multiply(ops.sum(x, axis=-1), np.full(qv.shape + (1,) * len(batch), np.nan, dt))
    else:
        out = _sorted_quantile(x, length, qv, batch, weak, av.dtype, dt, name, ignore_nan)
    if _value(out).dtype != dt:
        out = ops.astype(out, dt)
    if keepdims:
        out = ops.reshape(out, qv.shape + tuple(1 if k in axes else ops.shape(a)[k]
                                                for k in range(n)))
    return out


def _sorted_quantile(x, length, qv, batch, weak, in_dtype, dt, name, ignore_nan):
    """The quantiles ``qv`` along the last axis (of ``length`` > 0) of ``x``."""
    xs = sort(x, axis=-1)
    nans = np.isnan(_value(xs)) if in_dtype.kind == "f" else np.zeros(ops.shape(xs), bool)
    count = (length - nans.sum(axis=-1)) if ignore_nan else np.full(batch, length)
    top = np.maximum(count - 1, 0)
    qb = qv.reshape(qv.shape + (1,) * len(batch))
    virtual = (count - 1) * qb  # q's axes first, then the batch
    lo = np.clip(np.floor(virtual), 0, top).astype(np.intp)
    hi = np.minimum(lo + 1, top)
    gamma = virtual - lo
    start = np.arange(int(np.prod(batch, dtype=np.int64))).reshape(batch) * length
    below, above = _gather(xs, start + lo), _gather(xs, start + hi)
    step = subtract(above, below)
    # NumPy's weights: float64, or (q a Python number) the input's float dtype
    g = gamma.astype(_value(step).dtype) if weak and _value(step).dtype.kind == "f" else gamma
    out = E.where(gamma >= 0.5, subtract(above, multiply(step, 1 - g)),
                  add(below, multiply(step, g)))
    bad = (count == 0) if ignore_nan else nans.any(axis=-1)
    if np.any(bad):
        if ignore_nan:
            warnings.warn(f"{name}: All-NaN slice encountered", RuntimeWarning, stacklevel=4)
        out = E.where(np.broadcast_to(bad, ops.shape(out)), np.array(np.nan, dt), out)
    return out


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False):
    """The ``q``-th quantiles (q in [0, 1]) over ``axis`` by linear interpolation
    (``method='linear'`` only); differentiable in ``a`` (q is a constant).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.quantile(np.array([1.0, 3.0, 2.0, 4.0]), 0.25))
    1.75
    >>> sg.grad(lambda x: snp.quantile(x, 0.25))(np.array([1.0, 3.0, 2.0, 4.0])).tolist()
    [0.25, 0.0, 0.75, 0.0]
    """
    _no_out("quantile", out)
    return _quantile("quantile", np.quantile, a, q, axis, keepdims, method, False)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    """The ``q``-th percentiles (q in [0, 100]) over ``axis``, as :func:`quantile`.

    >>> import semigrad.numpy as snp
    >>> snp.percentile(np.array([[1.0, 2.0], [3.0, 5.0]]), [50, 100], axis=1).tolist()
    [[1.5, 4.0], [2.0, 5.0]]
    """
    _no_out("percentile", out)
    return _quantile("percentile", np.percentile, a, q, axis, keepdims, method, False, 100)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for an even count).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.median(np.array([3.0, 1.0, 2.0, 5.0])))
    2.5
    >>> sg.grad(snp.median)(np.array([3.0, 1.0, 2.0, 5.0])).tolist()
    [0.5, 0.0, 0.5, 0.0]
    """
    _no_out("median", out)
    return _quantile("median", lambda v, q: np.median(v), a, 0.5, axis, keepdims, "linear", False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False):
    """As :func:`quantile`, ignoring NaNs (NaN, with a warning, where a slice is all NaN).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5))
    2.0
    """
    _no_out("nanquantile", out)
    return _quantile("nanquantile", np.nanquantile, a, q, axis, keepdims, method, True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False):
    """As :func:`percentile`, ignoring NaNs.

    >>> import semigrad.numpy as snp
    >>> float(snp.nanpercentile(np.array([1.0, np.nan, 3.0]), 25))
    1.5
    """
    _no_out("nanpercentile", out)
    return _quantile("nanpercentile", np.nanpercentile, a, q, axis, keepdims, method, True,
                     100)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """As :func:`median`, ignoring NaNs.

    >>> import semigrad.numpy as snp
    >>> float(snp.nanmedian(np.array([1.0, np.nan, 3.0, 4.0])))
    3.0
    """
    _no_out("nanmedian", out)
    return _quantile("nanmedian", lambda v, q: np.nanmedian(v), a, 0.5, axis, keepdims,
                     "linear", True)


# ---- NaN-ignoring reductions -------------------------------------


def _nan_filled(a, fill, where=None):
    """(a with NaNs replaced by ``fill`` (a constant: zero derivative there), the NaN mask)."""
    a = _arr(a)
    v = _value(a)
    mask = np.isnan(v) if v.dtype.kind in "fc" else np.zeros(v.shape, bool)
    if where is not None and where is not True:  # left out like a NaN
        mask = mask | ~np.broadcast_to(np.asarray(_value(where), bool), v.shape)
    if mask.any():
        a = E.where(mask, np.array(fill, dtype=v.dtype), a)
    return a, mask


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum over ``axis`` treating NaNs as 0 (they get zero derivative).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.nansum(np.array([1.0, np.nan, 2.0])))
    3.0
    >>> sg.grad(snp.nansum)(np.array([1.0, np.nan])).tolist()
    [1.0, 0.0]
    """
    _no_out("nansum", out)
    a, _ = _nan_filled(a, 0, where)
    return sum(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over ``axis`` treating NaNs as 1 (they get zero derivative).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanprod(np.array([2.0, np.nan, 3.0])))
    6.0
    """
    _no_out("nanprod", out)
    a, _ = _nan_filled(a, 1, where)
    return prod(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaNs as 0.

    >>> import semigrad.numpy as snp
    >>> snp.nancumsum(np.array([1.0, np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    return cumsum(_nan_filled(a, 0)[0], axis=axis, dtype=dtype, out=out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaNs as 1.

    >>> import semigrad.numpy as snp
    >>> snp.nancumprod(np.array([2.0, np.nan, 3.0])).tolist()
    [2.0, 2.0, 6.0]
    """
    return cumprod(_nan_filled(a, 1)[0], axis=axis, dtype=dtype, out=out)


def _nan_extreme(name, reduce, pick, fill, a, axis, keepdims, initial, where):
    if where is not None and where is not True and initial is None:
        raise ValueError(f"{name}: where= needs initial= (the reduction has no identity)")
    a0 = _arr(a)
    a, mask = _nan_filled(a0, fill, where)
    out = _with_initial(name, reduce, pick, a, axis, keepdims, initial)
    if initial is not None:  # every slice has a value: no all-NaN case
        return out
    if mask.any():
        all_nan = np.all(mask, axis=axis, keepdims=keepdims)
        if np.any(all_nan):
            warnings.warn(f"{name}: All-NaN slice encountered", RuntimeWarning, stacklevel=3)
            out = E.where(all_nan, np.array(np.nan, _value(out).dtype), out)
    return out


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum over ``axis`` ignoring NaNs (NaN, with a warning, for an all-NaN slice).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanmax(np.array([1.0, np.nan, 3.0])))
    3.0
    """
    _no_out("nanmax", out)
    return _nan_extreme("nanmax", ops.max, maximum, -np.inf, a, axis, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum over ``axis`` ignoring NaNs (NaN, with a warning, for an all-NaN slice).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanmin(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    _no_out("nanmin", out)
    return _nan_extreme("nanmin", ops.min, minimum, np.inf, a, axis, keepdims, initial, where)


def _nan_count(mask, axis, keepdims):
    return np.sum(~mask, axis=axis, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Mean over ``axis`` of the non-NaN values (NaN for an all-NaN slice).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> float(snp.nanmean(np.array([1.0, np.nan, 3.0])))
    2.0
    >>> sg.grad(snp.nanmean)(np.array([1.0, np.nan, 3.0])).tolist()
    [0.5, 0.0, 0.5]
    """
    _no_out("nanmean", out)
    a = _arr(a)
    if _value(a).dtype.kind not in "fc":
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
    a, mask = _nan_filled(a, 0, where)
    if dtype is not None:
        a = ops.astype(a, dtype)
    total = ops.sum(a, axis=axis, keepdims=keepdims)
    count = np.asarray(_nan_count(mask, axis, keepdims))
    empty = count == 0
    if not np.any(empty):
        return divide(total, count.astype(_value(total).dtype))
    # NaN with NumPy's warning where a slice has no values; dividing by 1 there keeps 0/0
    # out of the reverse rule
    warnings.warn(f"nanmean: mean of empty slice (input shape {mask.shape}, axis {axis!r}): "
                  "NaN", RuntimeWarning, stacklevel=2)
    out = divide(total, np.where(empty, 1, count).astype(_value(total).dtype))
    return E.where(empty, np.array(np.nan, _value(out).dtype), out)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Variance over ``axis`` of the non-NaN values: Σ|x − mean|² / (count − ddof), NaN where
    count ≤ ddof.

    >>> import semigrad.numpy as snp
    >>> float(snp.nanvar(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    _no_out("nanvar", out)
    a = _arr(a)
    if dtype is not None:
        a = ops.astype(a, dtype)
    if _value(a).dtype.kind not in "fc":
        return var(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                   correction=correction)
    if correction is not None:
        ddof = correction
    a, mask = _nan_filled(a, 0, where)
    # counts of at least 1 (and dof where positive) keep 0/0 out of the derivatives; the
    # slices without degrees of freedom are NaN below, as NumPy's
    count = np.maximum(_nan_count(mask, axis, True), 1)
    rdt = C.real_dtype(_value(a).dtype)
    avg = (divide(ops.sum(a, axis=axis, keepdims=True), count.astype(_value(a).dtype))
           if mean is None else _arr(mean))
    d = subtract(a, avg)
    if mask.any():
        d = E.where(mask, np.zeros((), _value(d).dtype), d)
    sq = C.abs_squared(d)
    dof = _nan_count(mask, axis, keepdims) - ddof
    out = divide(ops.sum(sq, axis=axis, keepdims=keepdims), np.where(dof > 0, dof, 1).astype(rdt))
    if np.any(dof <= 0):
        warnings.warn("nanvar: degrees of freedom <= 0 for slice", RuntimeWarning,
                      stacklevel=2)
        out = E.where(dof <= 0, np.array(np.nan, rdt), out)
    return out


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Standard deviation of the non-NaN values (derivative 0 where it is 0, as :func:`std`).

    >>> import semigrad.numpy as snp
    >>> float(snp.nanstd(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    v = nanvar(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=where,
               mean=mean, correction=correction)
    positive_var = greater(v, 0)
    return E.where(positive_var, sqrt(E.where(positive_var, v, 1.0)), multiply(v, 0.0))


# Functions of the other topics, bound after this module's own definitions (the topics
# call each other at run time).
from .reductions import (  # noqa: E402
    _with_initial,
    cumprod,
    cumsum,
    mean,
    prod,
    sum,
    var,
)
from .shaping import (  # noqa: E402
    diagonal,
    sort,
)
