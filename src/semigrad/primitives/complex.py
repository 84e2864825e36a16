"""Complex-number primitives: ``conj``, ``real``, ``imag``, ``angle``.

semigrad follows the convention of JAX and HIPS autograd. A reverse rule is
the transpose of the forward rule (an ℝ-linear map) for the bilinear pairing
⟨u, v⟩ = Re(u·v), with no conjugation. Then:

* holomorphic operations (``exp``, ``sin``, ``matmul``, ``inv``, ...) keep
  their real rules unchanged: the cotangent is multiplied by f'(z), not by
  its conjugate;
* the gradient of a real function of z = x + iy is ∂f/∂x − i ∂f/∂y
  (``grad(abs)(3 + 4j)`` is 0.6 − 0.8j), and ``grad(f, holomorphic=True)``
  of a holomorphic f is f'(z);
* a cotangent reaching a real input keeps its real part, and a tangent of a
  real output its real part (:func:`~semigrad.primitives.base.unbroadcast`
  and the elementwise forward rule do it), so complex values may appear
  anywhere between real inputs and a real output.

The non-holomorphic elementwise functions declare a *partial* p such that the
reverse rule is g·p and the forward rule Re(p·t): ``real`` has p = 1,
``imag`` p = −i, ``abs`` p = conj(z)/|z| and ``angle`` p = −i·conj(z)/|z|²
(both 0 at 0). ``conj`` is not of that form (it is anti-linear), so it is a
linear primitive whose transpose is itself.
"""

from __future__ import annotations

import numpy as np

from .. import backend as _backend
from .base import Elementwise, Linear
from .elementwise import _elementwise_sympy, equal


def is_complex(x) -> bool:
    """Whether ``x`` (array, NumPy scalar, Tensor, Python number, list) holds complex values."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return np.iscomplexobj(x)
    if not isinstance(dtype, np.dtype):  # another library's dtype: NumPy's kind of it
        dtype = _backend.numpy_dtype(dtype)
    return dtype.kind == "c"


def require_real(name, what, value, owner, dtype):
    """Refuse a complex ``value`` (a seed, cotangent or tangent) for a real ``owner`` (an
    output or primal of ``dtype``): casting would drop its imaginary part silently."""
    if dtype.kind != "c" and is_complex(value):
        raise TypeError(
            f"{name}: a complex {what} for a real {owner} (dtype {dtype}); the {what} of a "
            f"real {owner} is real: pass its real part, or make the {owner} complex"
        )


def real_dtype(dtype) -> np.dtype:
    """The real dtype of the same precision (complex64 → float32; real dtypes unchanged)."""
    return np.empty(0, dtype).real.dtype


def abs_squared(x):
    """|x|², real: x·x for real values, Re(conj(x)·x) for complex ones (differentiable)."""
    return real(conj(x) * x) if is_complex(x) else x * x


def _conj(x):
    return np.conj(x) if is_complex(x) else x


conj = Linear(
    "conj",
    _conj,
    lambda i, g, xs, out: conj(g),
    gather=True,
    doc="""The complex conjugate (the identity on real values); its transpose is itself.

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> snp.conj(np.array([1 + 2j])).tolist()
    [(1-2j)]
    >>> sg.grad(lambda z: snp.real(snp.conj(z) * z))(np.array(3 + 4j))
    np.complex128(6-8j)
    """,
)
conj.sympy = _elementwise_sympy(lambda sp, x: sp.conjugate(x))


def _real(x):
    return np.real(x)[()] if is_complex(x) else x


real = Elementwise(
    "real",
    _real,
    (lambda x, out: 1,),
    doc="""The real part; the partial is 1 (reverse: g; forward: Re t).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda z: snp.real(z * z))(np.array(1 + 2j))
    np.complex128(2+4j)
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.re(x)),
)


def _imag(x):
    return np.imag(x)[()] if is_complex(x) else np.zeros_like(x)[()]


imag = Elementwise(
    "imag",
    _imag,
    (lambda x, out: -1j,),
    doc="""The imaginary part; the partial is −i (reverse: −i g; forward: Im t).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(lambda z: snp.imag(z))(np.array(1 + 2j))
    np.complex128(-1j)
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.im(x)),
)


def _nonzero(r):
    """``r`` with its zeros replaced by 1, so that p/r is 0 where the numerator is."""
    return r + equal(r, 0)


def _angle_partial(x, out):
    r2 = abs_squared(x)
    return -1j * conj(x) / _nonzero(r2)


angle = Elementwise(
    "angle",
    lambda x: np.angle(x)[()],
    (_angle_partial,),
    doc="""The argument atan2(Im z, Re z); partial −i·conj(z)/|z|² (0 at 0; 0 for real z).

    >>> import semigrad as sg
    >>> import semigrad.numpy as snp
    >>> sg.grad(snp.angle)(np.array(1 + 1j))
    np.complex128(-0.5-0.5j)
    """,
    sympy=_elementwise_sympy(lambda sp, x: sp.arg(x)),
)


def abs_partial(x, out):
    """∂|z|/∂z in the convention above: sign(x) for real x, conj(z)/|z| (0 at 0) for complex."""
    if is_complex(x):
        return conj(x) / _nonzero(out)
    from .elementwise import sign

    return sign(x)
