"""``semigrad.numpy.fft``: NumPy 2's ``fft`` module, differentiable (real and complex values).

``fft``, ``ifft``, ``rfft``, ``irfft``, ``hfft``, ``ihfft`` and their 2-D and
n-D forms take NumPy's arguments (``n``/``s``, ``axis``/``axes``, ``norm`` in
``None``/``"backward"``, ``"ortho"``, ``"forward"``) and return NumPy's values
and dtypes (complex64 for float32 and complex64 inputs, complex128
otherwise). Each is one :data:`~semigrad.primitives.fft.fft` primitive, a
linear map whose transposes are the same primitive, after the zero-padding or
truncation that ``n``/``s`` ask for (index maps), so every function has
derivatives of any order in reverse and forward mode. Gradients follow JAX's
convention (:mod:`semigrad.primitives.complex`): the gradient of
Σ|fft(x)|² is 2·n·x for real x and 2·n·conj(z) for complex z.
``fftshift`` and ``ifftshift`` are rolls (index maps, differentiable);
``fftfreq`` and ``rfftfreq`` are NumPy's, untraced.

>>> import semigrad as sg
>>> import semigrad.numpy as snp
>>> snp.fft.rfft(np.array([1.0, 0.0, -1.0, 0.0])).tolist()
[0j, (2+0j), 0j]
>>> x = np.array([1.0, 2.0, -1.0])
>>> sg.grad(lambda v: snp.sum(snp.abs(snp.fft.fft(v)) ** 2))(x).round(12).tolist()
[6.0, 12.0, -6.0]
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from .. import ops
from ..primitives import complex as C
from ..primitives import fft as P
from ..primitives.base import accepting_traced_lists
from ..primitives.deferred import concrete
from ..tensor import Tensor

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft",
    "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]

# ---- argument checking ---------------------------------------------------------------


def _prepare(fname, a, real_only=False):
    """``a`` as a Tensor or array of a dtype NumPy's FFT computes in (float16 → float32)."""
    x = a if isinstance(a, Tensor) else np.asarray(a)
    dtype = x.value.dtype if isinstance(x, Tensor) else x.dtype
    if real_only and dtype.kind == "c":
        raise TypeError(
            f"{fname}: the input must be real, got {dtype} (shape {ops.shape(x)}); "
            "use the complex transform (fft/fftn) for complex input"
        )
    if dtype.kind not in "fc":
        x = ops.astype(x, np.float64)
    elif dtype == np.float16:
        x = ops.astype(x, np.float32)
    return x


def _norm(fname, norm):
    if norm is None:
        return "backward"
    if norm not in P.NORMS:
        raise ValueError(
            f"{fname}: invalid norm={norm!r}; use None, 'backward', 'ortho' or 'forward'"
        )
    return norm


def _swap(norm):
    return {"backward": "forward", "forward": "backward"}.get(norm, norm)


def _axis(fname, arg, ax, shape):
    """``ax`` as a negative axis of ``shape``, or a clear error."""
    nd = len(shape)
    try:
        ax = operator.index(ax)
    except TypeError:
        raise TypeError(f"{fname}: {arg} must be an integer, got {ax!r}") from None
    if not -nd <= ax < nd:
        raise np.exceptions.AxisError(
            f"{fname}: {arg} {ax} is out of bounds for an array of dimension {nd} "
            f"(shape {shape})"
        )
    return ax - nd if ax >= 0 else ax


def _points(fname, arg, n, ax, shape):
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{fname}: {arg} must be an integer, got {n!r}") from None
    if n < 1:
        raise ValueError(
            f"{fname}: invalid number of FFT data points {arg}={n} along axis {ax} "
            f"(input shape {shape}); it must be at least 1"
        )
    return n


def _cook(fname, x, s, axes, invreal=False):
    """NumPy's reading of ``s`` and ``axes``: (lengths or None per axis, negative axes)."""
    shape = ops.shape(x)
    if s is not None:
        if np.ndim(s) != 1:
            raise TypeError(f"{fname}: s must be a sequence of integers, got {s!r}")
        s = list(s)
    if axes is None:
        if s is not None:
            warnings.warn(
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0); "
                "pass axes explicitly", DeprecationWarning, stacklevel=3)
        axes = range(-(len(shape) if s is None else len(s)), 0)
    elif np.ndim(axes) == 0:
        axes = (axes,)
    axes = [_axis(fname, "axes entry", a, shape) for a in axes]
    if s is None:
        s = [shape[a] for a in axes]
        if invreal and axes:
            s[-1] = 2 * (shape[axes[-1]] - 1)
    elif len(s) != len(axes):
        raise ValueError(
            f"{fname}: s has {len(s)} entries and axes {len(axes)} (s={tuple(s)}, "
            f"axes={tuple(axes)}, input shape {shape}); give one length per axis"
        )
    if None in s:
        warnings.warn(
            "Passing an array containing `None` values to `s` is deprecated in NumPy 2.0",
            DeprecationWarning, stacklevel=3)
    s = [shape[a] if n is not None and n == -1 else n for n, a in zip(s, axes)]
    return s, axes


def _finish(res, out):
    if out is None:
        return res
    if isinstance(res, Tensor):
        raise TypeError("out= works on plain arrays only; traced results are new Tensors")
    out[...] = res
    return out


# ---- the transforms at given sizes (distinct axes) ------------------------------------------


def _resized(x, axes, sizes):
    shape = ops.shape(x)
    for ax, n in zip(axes, sizes):
        x = P.resize(x, ax, n, shape)
        shape = shape[:len(shape) + ax] + (n,) + shape[len(shape) + ax + 1:]
    return x


def _c2c(x, sizes, axes, norm, inverse):
    x = _resized(x, axes, sizes)
    return P.fft(x, axes=tuple(axes), kind="c2c", inverse=inverse, lengths=tuple(sizes),
                 norm=norm)


def _r2c(x, sizes, axes, norm):
    x = _resized(x, axes, sizes)
    return P.fft(x, axes=tuple(axes), kind="r2c", inverse=False, lengths=tuple(sizes),
                 norm=norm)


def _c2r(x, sizes, axes, norm):
    x = _resized(x, axes, list(sizes[:-1]) + [sizes[-1] // 2 + 1])
    return P.fft(x, axes=tuple(axes), kind="c2r", inverse=True, lengths=tuple(sizes),
                 norm=norm)


def _one(fname, a, n, axis, norm, kind, inverse=False):
    """A 1-D transform of ``a`` along ``axis`` with NumPy's ``n``."""
    x = _prepare(fname, a, real_only=kind == "r2c")
    norm = _norm(fname, norm)
    shape = ops.shape(x)
    ax = _axis(fname, "axis", axis, shape)
    if n is None:
        n = 2 * (shape[ax] - 1) if kind == "c2r" else shape[ax]
    n = _points(fname, "n", n, ax, shape)
    if kind == "c2c":
        return _c2c(x, [n], [ax], norm, inverse)
    if kind == "r2c":
        return _r2c(x, [n], [ax], norm)
    return _c2r(x, [n], [ax], norm)


def _many(fname, a, s, axes, norm, kind, inverse=False):
    """An n-D transform with NumPy's ``s`` and ``axes`` (repeated axes: one at a time)."""
    x = _prepare(fname, a, real_only=kind == "r2c")
    norm = _norm(fname, norm)
    s, axes = _cook(fname, x, s, axes, invreal=kind == "c2r")
    if not axes:
        if kind == "c2c":
            return x  # NumPy: no axes, no transform
        raise ValueError(f"{fname}: axes must not be empty (input shape {ops.shape(x)})")
    if len(set(axes)) < len(axes):  # NumPy's order of 1-D transforms
        if kind == "c2c":
            for k in reversed(range(len(axes))):
                x = _one(fname, x, s[k], axes[k], norm, "c2c", inverse)
        elif kind == "r2c":
            x = _one(fname, x, s[-1], axes[-1], norm, "r2c")
            for k in reversed(range(len(axes) - 1)):
                x = _one(fname, x, s[k], axes[k], norm, "c2c")
        else:
            for k in range(len(axes) - 1):
                x = _one(fname, x, s[k], axes[k], norm, "c2c", True)
            x = _one(fname, x, s[-1], axes[-1], norm, "c2r")
        return x
    shape = ops.shape(x)
    defaults = [shape[a] for a in axes]
    if kind == "c2r":
        defaults[-1] = 2 * (shape[axes[-1]] - 1)
    sizes = [_points(fname, "s entry", d if n is None else n, a, shape)
             for n, d, a in zip(s, defaults, axes)]
    if kind == "c2c":
        return _c2c(x, sizes, axes, norm, inverse)
    if kind == "r2c":
        return _r2c(x, sizes, axes, norm)
    return _c2r(x, sizes, axes, norm)


# ---- 1-D ------------------------------------------------------------------------------------


def fft(a, n=None, axis=-1, norm=None, out=None):
    """The 1-D discrete Fourier transform along ``axis``, zero-padded or truncated to ``n``.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.fft.fft(np.array([1.0, 2.0, 3.0, 4.0])).tolist()
    [(10+0j), (-2+2j), (-2+0j), (-2-2j)]
    >>> z = np.array([1 + 1j, 2.0])   # the gradient of Σ|fft(z)|² is 2·n·conj(z)
    >>> sg.grad(lambda v: snp.sum(snp.abs(snp.fft.fft(v)) ** 2))(z).round(12).tolist()
    [(4-4j), (8+0j)]
    """
    return _finish(_one("fft", a, n, axis, norm, "c2c"), out)


def ifft(a, n=None, axis=-1, norm=None, out=None):
    """The 1-D inverse discrete Fourier transform along ``axis`` (scaled by 1/n by default).

    >>> import semigrad.numpy as snp
    >>> snp.fft.ifft(np.array([10.0, -2 + 2j, -2.0, -2 - 2j])).real.round(12).tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    return _finish(_one("ifft", a, n, axis, norm, "c2c", True), out)


def rfft(a, n=None, axis=-1, norm=None, out=None):
    """The DFT of real input: the n//2 + 1 non-negative frequencies along ``axis``.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.fft.rfft(np.array([1.0, 2.0, 3.0, 4.0])).tolist()
    [(10+0j), (-2+2j), (-2+0j)]
    >>> sg.grad(lambda x: snp.real(snp.fft.rfft(x)[1]))(np.ones(4)).round(12).tolist()
    [1.0, 0.0, -1.0, 0.0]
    """
    return _finish(_one("rfft", a, n, axis, norm, "r2c"), out)


def irfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of :func:`rfft`: ``n`` real values (default 2(m − 1)) from m bins.

    The imaginary parts of bin 0 and (even n) bin n/2 are ignored, as in
    NumPy, so their derivative is 0.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.fft.irfft(np.array([10.0, -2 + 2j, -2.0])).round(12).tolist()
    [1.0, 2.0, 3.0, 4.0]
    >>> sg.grad(lambda X: snp.fft.irfft(X)[0])(np.array([1.0 + 1j, 2.0, 3j])).tolist()
    [(0.25+0j), (0.5+0j), (0.25+0j)]
    """
    return _finish(_one("irfft", a, n, axis, norm, "c2r"), out)


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """The FFT of a Hermitian-symmetric signal given by its first half: ``n`` real values.

    ``hfft(a, n, norm=norm)`` is ``irfft(conj(a), n)`` with the opposite normalisation.

    >>> import semigrad.numpy as snp
    >>> snp.fft.hfft(np.array([1.0, 2.0, 3.0])).round(12).tolist()
    [8.0, -2.0, 0.0, -2.0]
    """
    x = _prepare("hfft", a)
    norm = _swap(_norm("hfft", norm))
    return _finish(_one("hfft", C.conj(x), n, axis, norm, "c2r"), out)


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of :func:`hfft` for real input: ``conj(rfft(a, n))`` normalised by 1/n.

    >>> import semigrad.numpy as snp
    >>> snp.fft.ihfft(np.array([8.0, -2.0, 0.0, -2.0])).real.round(12).tolist()
    [1.0, 2.0, 3.0]
    """
    norm = _swap(_norm("ihfft", norm))
    return _finish(C.conj(_one("ihfft", a, n, axis, norm, "r2c")), out)


# ---- n-D and 2-D ------------------------------------------------------------------------------


def fftn(a, s=None, axes=None, norm=None, out=None):
    """The n-D discrete Fourier transform over ``axes`` (all by default), sizes ``s``.

    >>> import semigrad.numpy as snp
    >>> snp.fft.fftn(np.ones((2, 2))).real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    return _finish(_many("fftn", a, s, axes, norm, "c2c"), out)


def ifftn(a, s=None, axes=None, norm=None, out=None):
    """The n-D inverse discrete Fourier transform over ``axes`` (all by default).

    >>> import semigrad.numpy as snp
    >>> snp.fft.ifftn(np.array([[4.0, 0.0], [0.0, 0.0]])).real.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    return _finish(_many("ifftn", a, s, axes, norm, "c2c", True), out)


def rfftn(a, s=None, axes=None, norm=None, out=None):
    """The n-D DFT of real input; the last axis keeps its s[-1]//2 + 1 non-negative bins.

    >>> import semigrad.numpy as snp
    >>> snp.fft.rfftn(np.ones((2, 4))).shape
    (2, 3)
    """
    return _finish(_many("rfftn", a, s, axes, norm, "r2c"), out)


def irfftn(a, s=None, axes=None, norm=None, out=None):
    """The inverse of :func:`rfftn`: real output, s[-1] (default 2(m − 1)) along the last axis.

    >>> import semigrad.numpy as snp
    >>> snp.fft.irfftn(snp.fft.rfftn(np.ones((2, 4)))).round(12).tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    return _finish(_many("irfftn", a, s, axes, norm, "c2r"), out)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The 2-D discrete Fourier transform over ``axes`` (the last two by default).

    >>> import semigrad.numpy as snp
    >>> snp.fft.fft2(np.ones((2, 3))).real.tolist()
    [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    return _finish(_many("fft2", a, s, axes, norm, "c2c"), out)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The 2-D inverse discrete Fourier transform over ``axes``.

    >>> import semigrad.numpy as snp
    >>> snp.fft.ifft2(np.array([[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]])).real.tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    return _finish(_many("ifft2", a, s, axes, norm, "c2c", True), out)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The 2-D DFT of real input over ``axes``.

    >>> import semigrad.numpy as snp
    >>> snp.fft.rfft2(np.ones((2, 3))).real.tolist()
    [[6.0, 0.0], [0.0, 0.0]]
    """
    return _finish(_many("rfft2", a, s, axes, norm, "r2c"), out)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The inverse of :func:`rfft2`.

    >>> import semigrad.numpy as snp
    >>> snp.fft.irfft2(np.array([[6.0, 0.0], [0.0, 0.0]]), s=(2, 3)).round(12).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    return _finish(_many("irfft2", a, s, axes, norm, "c2r"), out)


# ---- frequencies and shifts ---------------------------------------------------------------------


def _plain(v):
    return concrete(v.value) if isinstance(v, Tensor) else v


def fftfreq(n, d=1.0, device=None):
    """The sample frequencies of an ``n``-point DFT with spacing ``d`` (NumPy's; untraced).

    >>> import semigrad.numpy as snp
    >>> snp.fft.fftfreq(4, d=0.5).tolist()
    [0.0, 0.5, -1.0, -0.5]
    """
    return np.fft.fftfreq(n, _plain(d), device=device)


def rfftfreq(n, d=1.0, device=None):
    """The non-negative sample frequencies of an ``n``-point rfft (NumPy's; untraced).

    >>> import semigrad.numpy as snp
    >>> snp.fft.rfftfreq(4, d=0.5).tolist()
    [0.0, 0.5, 1.0]
    """
    return np.fft.rfftfreq(n, _plain(d), device=device)


def _shift(fname, x, axes, numpy_shift):
    if not isinstance(x, Tensor):
        return numpy_shift(np.asarray(x), axes)
    shape = ops.shape(x)
    if axes is not None:
        for a in np.atleast_1d(axes):
            _axis(fname, "axes entry", a, shape)
    ids = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    return ops.getitem(ops.reshape(x, (-1,)), numpy_shift(ids, axes))


def fftshift(x, axes=None):
    """Move the zero frequency to the centre: a roll by n//2 along ``axes`` (all by default).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.fft.fftshift(np.array([0.0, 1.0, 2.0, -2.0, -1.0])).tolist()
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    >>> sg.grad(lambda v: snp.fft.fftshift(v)[0])(np.zeros(5)).tolist()
    [0.0, 0.0, 0.0, 1.0, 0.0]
    """
    return _shift("fftshift", x, axes, np.fft.fftshift)


def ifftshift(x, axes=None):
    """The inverse of :func:`fftshift`: a roll by −(n//2) along ``axes``.

    >>> import semigrad.numpy as snp
    >>> snp.fft.ifftshift(np.array([-2.0, -1.0, 0.0, 1.0, 2.0])).tolist()
    [0.0, 1.0, 2.0, -2.0, -1.0]
    """
    return _shift("ifftshift", x, axes, np.fft.ifftshift)


# Lists holding Tensors are stacked into one Tensor first, as semigrad.numpy.array does.
for _name in __all__:
    globals()[_name] = accepting_traced_lists(globals()[_name])
del _name
