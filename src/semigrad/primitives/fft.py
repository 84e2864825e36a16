"""The discrete Fourier transform: one ``Linear`` primitive, ``fft``, and its transposes.

``fft(x, axes=, kind=, inverse=, lengths=, norm=)`` transforms the (negative,
distinct) ``axes`` of ``x`` at exactly the sizes it is given: zero-padding and
truncation to NumPy's ``n``/``s`` are separate index maps (``getitem`` and
``scatter_add``, see :func:`resize`), applied by :mod:`semigrad.numpy.fft`.
``lengths`` are the transform lengths N along ``axes`` (the sizes on the
real side for the real transforms). The three kinds:

* ``"c2c"``: ``fftn`` (``inverse=False``) or ``ifftn`` (``inverse=True``);
* ``"r2c"``: ``rfftn``, real N → the first M = N//2 + 1 bins along the last
  axis (on complex values it is the ℂ-linear extension, the full ``fftn``
  truncated to M bins);
* ``"c2r"``: ``irfftn``, M = N//2 + 1 bins → N real values along the last
  axis, the other axes an inverse ``c2c``.

``norm`` is ``"backward"``, ``"ortho"`` or ``"forward"`` as in NumPy: the
scale s is 1, 1/√N or 1/N on the forward transform and 1/N, 1/√N or 1 on the
inverse (N the product of the lengths).

Transposes, for the pairing ⟨u, v⟩ = Re Σ u·v (no conjugation; see
:mod:`~semigrad.primitives.complex`). The DFT matrix is symmetric (Fᵀ = F),
so with the same ``norm``:

* ``c2c``: its own transpose (the real part when the input was real);
* ``r2c`` = P·F (P keeps the first M bins): the transpose is Fᵀ·Pᵀ, i.e.
  ``c2c`` forward of the cotangent zero-padded to N bins, real part for a
  real input;
* ``c2r``: along the last axis y_t = Re Σ_k s·c_k·X_k·e^{+2πikt/N} with
  c_0 = 1, c_{N/2} = 1 (N even) and c_k = 2 otherwise: the real part drops
  Im X_0 and Im X_{N/2}. So ⟨ḡ, y⟩ = Re Σ_k X_k·(s·c_k Σ_t ḡ_t e^{+2πikt/N})
  and the transpose is c ⊙ (the first M bins of ``c2c`` inverse of ḡ); the
  other axes' inverse ``c2c`` is symmetric and commutes with both steps.

The transposes call ``fft``, ``getitem``/``scatter_add``, ``real`` and
``multiply``, so they are recorded under ``create_graph=True``: derivatives
of every order, in reverse and forward mode. Axes are negative, so ``impl``
and the transposes act on the trailing axes of batched tangents and
cotangents. Semiring sweeps and path analyses refuse graphs with complex
nodes, so ``fft`` declares no scalar edges.
"""

from __future__ import annotations

import numpy as np

from . import structural as _S
from .base import Linear, like_dtype, shape_of
from .complex import is_complex, real, real_dtype

NORMS = ("backward", "ortho", "forward")
KINDS = ("c2c", "r2c", "c2r")


def _check_sizes(x, axes, kind, lengths):
    shape = np.shape(x)
    for k, (ax, n) in enumerate(zip(axes, lengths)):
        want = n // 2 + 1 if kind == "c2r" and k == len(axes) - 1 else n
        if shape[ax] != want:
            raise ValueError(
                f"axis {ax} has length {shape[ax]}, but the {kind} transform of length {n} "
                f"needs {want} (resize first: semigrad.numpy.fft does it for n/s)"
            )


def _fft(x, axes, kind, inverse, lengths, norm):
    _check_sizes(x, axes, kind, lengths)
    if kind == "c2c":
        return (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm)
    if kind == "r2c":
        if is_complex(x):  # the ℂ-linear extension: all bins, then the first M
            full = np.fft.fftn(x, axes=axes, norm=norm)
            keep = [slice(None)] * full.ndim
            keep[axes[-1]] = slice(0, lengths[-1] // 2 + 1)
            return full[tuple(keep)]
        return np.fft.rfftn(x, axes=axes, norm=norm)
    return np.fft.irfftn(x, s=lengths, axes=axes, norm=norm)


def resize(v, axis: int, n: int, shape: tuple):
    """``v`` truncated or zero-padded to ``n`` along the negative ``axis`` (trailing ``shape``).

    ``shape`` is the unbatched shape of ``v``; leading batch axes pass
    through. A truncation is a ``getitem`` of slices and a padding a
    ``scatter_add`` into zeros: each is the other's transpose.

    >>> resize(np.arange(3.0), -1, 5, (3,)).tolist()
    [0.0, 1.0, 2.0, 0.0, 0.0]
    >>> resize(np.ones((2, 3)), -1, 2, (3,)).shape  # a leading batch axis
    (2, 2)
    """
    m = shape[axis]
    if n == m:
        return v
    nd = len(shape)
    before = (slice(None),) * (nd + axis)
    after = (slice(None),) * (-axis - 1)
    if n < m:
        return _S.getitem(v, idx=before + (slice(0, n),) + after, in_shape=tuple(shape),
                          out_ndim=nd, adv_move=0, unique=True)
    big = tuple(shape[:nd + axis]) + (n,) + tuple(shape[nd + axis + 1:])
    return _S.scatter_add(v, idx=before + (slice(0, m),) + after, in_shape=big,
                          out_ndim=nd, adv_move=0, unique=True)


def hermitian_weights(n: int, m: int, dtype=np.float64):
    """c_k for the M = ``m`` bins of a length-``n`` real signal: 1 at 0 and n/2, else 2."""
    c = np.full(m, 2.0, dtype=dtype)
    c[0] = 1.0
    if n % 2 == 0:
        c[n // 2] = 1.0
    return c


def _transpose(i, g, xs, out, axes, kind, inverse, lengths, norm):
    x = xs[0]
    xshape = shape_of(x)
    if kind == "c2c":
        h = fft(g, axes=axes, kind="c2c", inverse=inverse, lengths=lengths, norm=norm)
    elif kind == "r2c":
        # Fᵀ Pᵀ g: the cotangent's M bins zero-padded to N, then the forward c2c.
        oshape = shape_of(out)
        g = resize(g, axes[-1], lengths[-1], oshape)
        h = fft(g, axes=axes, kind="c2c", inverse=False, lengths=lengths, norm=norm)
    else:
        # c ⊙ (first M bins of the inverse c2c of the real cotangent).
        h = fft(g, axes=axes, kind="c2c", inverse=True, lengths=lengths, norm=norm)
        full = tuple(xshape[:len(xshape) + axes[-1]]) + (lengths[-1],)
        full += tuple(xshape[len(xshape) + axes[-1] + 1:])
        m = xshape[axes[-1]]
        h = resize(h, axes[-1], m, full)
        c = hermitian_weights(lengths[-1], m, real_dtype(np.result_type(getattr(h, "value", h))))
        h = h * c.reshape((m,) + (1,) * (-axes[-1] - 1))
    if not is_complex(x):
        h = real(h)  # the transpose of the embedding ℝ → ℂ
    return like_dtype(h, x)


class _DFT(Linear):
    def flops(self, xs, out, params):
        """5·N·log2 N real operations per transform of N points (the radix-2 FFT count)."""
        n = int(np.prod(params["lengths"], dtype=np.int64))
        batch = max(int(np.size(out)) // max(int(np.prod(
            [np.shape(out)[a] for a in params["axes"]], dtype=np.int64)), 1), 1)
        return int(batch * 5 * n * max(np.log2(n), 1.0))

    def scalar_edges(self, i, xs, out, params):
        raise TypeError(
            "fft: the discrete Fourier transform has complex partials; semiring sweeps and "
            "path analyses need a real-valued graph (use sg.grad / sg.vjp)"
        )


fft = _DFT(
    "fft",
    _fft,
    _transpose,
    gather=False,
    doc="""The discrete Fourier transform over the (negative, distinct) ``axes``, at exact sizes.

    ``kind`` is ``"c2c"`` (``inverse`` selects ifftn), ``"r2c"`` (rfftn) or
    ``"c2r"`` (irfftn); ``lengths`` the transform lengths; ``norm`` NumPy's.
    Its transposes are the same primitive (module docstring); NumPy's
    functions with ``n``/``s`` are in :mod:`semigrad.numpy.fft`.

    >>> import semigrad as sg
    >>> from semigrad.primitives.fft import fft
    >>> fft(np.array([1.0, 2.0, 3.0, 4.0]), axes=(-1,), kind="r2c", inverse=False,
    ...     lengths=(4,), norm="backward").tolist()
    [(10+0j), (-2+2j), (-2+0j)]
    >>> x = np.array([1.0, -2.0, 0.5])
    >>> energy = lambda v: sg.sum(sg.abs(fft(v, axes=(-1,), kind="c2c", inverse=False,
    ...                                      lengths=(3,), norm="backward")) ** 2)
    >>> sg.grad(energy)(x).round(9).tolist()  # Parseval: 2·n·x
    [6.0, -12.0, 3.0]
    """,
)
