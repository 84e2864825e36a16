"""semigrad.numpy.fft: NumPy's values and dtypes, derivatives of every function, clear errors."""

import itertools
import warnings

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp
from semigrad.primitives.fft import hermitian_weights

F = snp.fft
rng = np.random.default_rng(3)

NORMS = (None, "backward", "ortho", "forward")
DTYPES = (np.float32, np.float64, np.complex64, np.complex128)


def draw(shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def tol(dtype):
    return 2e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12


def assert_like(got, want, dtype):
    got = np.asarray(got.value if isinstance(got, sg.Tensor) else got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=tol(dtype), atol=tol(dtype) * scale)


# ---- values against numpy.fft ------------------------------------------------------------

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
REAL_ONLY = {"rfft", "ihfft", "rfft2", "rfftn"}


def _pairs(names):
    """(name, dtype) for each function and each dtype it accepts (the r*fft take real input)."""
    return [pytest.param(n, d, id=f"{n}-{np.dtype(d).name}") for n in names for d in DTYPES
            if not (n in REAL_ONLY and np.dtype(d).kind == "c")]


@pytest.mark.parametrize("name, dtype", _pairs(ONE_D))
def test_one_dimensional_values_match_numpy(name, dtype):
    ours, theirs = getattr(F, name), getattr(np.fft, name)
    for shape, axis in [((6,), -1), ((5,), 0), ((3, 4), 0), ((3, 4), -1), ((2, 3, 5), 1)]:
        x = draw(shape, dtype)
        m = shape[axis]
        for n, norm in itertools.product([None, max(m - 2, 2), m, m + 3], NORMS):
            want = theirs(x, n=n, axis=axis, norm=norm)
            assert_like(ours(x, n=n, axis=axis, norm=norm), want, dtype)
    # traced input: same value and dtype
    x = draw((4, 3), dtype)
    assert_like(ours(sg.tensor(x, requires_grad=True), n=5, axis=0), theirs(x, n=5, axis=0), dtype)


ND = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
ND_CASES = [  # (shape, s, axes)
    ((4, 6), None, None),
    ((4, 6), (3, 8), (0, 1)),
    ((4, 6), (6, 4), (-1, 0)),
    ((2, 3, 5), None, (0, 2)),
    ((2, 3, 5), (4, 2, 6), (0, 1, 2)),
    ((2, 3, 5), (-1, 4), (1, 2)),
    ((3, 4, 5), None, (2, 0)),
    ((3, 4), (5, 2), (0, 0)),  # a repeated axis: NumPy's one-at-a-time order
]


@pytest.mark.parametrize("name, dtype", _pairs(ND))
def test_n_dimensional_values_match_numpy(name, dtype):
    ours, theirs = getattr(F, name), getattr(np.fft, name)
    for shape, s, axes in ND_CASES:
        if name.endswith("2") and (axes is None or len(axes) != 2):
            continue
        x = draw(shape, dtype)
        for norm in NORMS:
            kw = {"norm": norm}
            if axes is not None:
                kw["axes"] = axes
            if s is not None:
                kw["s"] = s
            assert_like(ours(x, **kw), theirs(x, **kw), dtype)
    x = draw((3, 4), dtype)
    assert_like(ours(sg.tensor(x), axes=(0, 1)), theirs(x, axes=(0, 1)), dtype)


def test_batch_of_transforms_and_integer_and_half_inputs():
    x = rng.standard_normal((2, 3, 4, 5))
    assert_like(F.rfft2(x, norm="ortho"), np.fft.rfft2(x, norm="ortho"), np.float64)
    ints = np.arange(6)
    assert_like(F.fft(ints), np.fft.fft(ints), np.float64)
    half = np.linspace(0, 1, 6).astype(np.float16)
    assert F.fft(half).dtype == np.fft.fft(half).dtype == np.complex64
    assert_like(F.fftn(x, axes=()), np.fft.fftn(x, axes=()), np.float64)


def test_frequencies_and_shifts_match_numpy():
    for n, d in [(1, 1.0), (4, 0.5), (7, 2.0)]:
        np.testing.assert_array_equal(F.fftfreq(n, d), np.fft.fftfreq(n, d))
        np.testing.assert_array_equal(F.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    x = rng.standard_normal((4, 5))
    for axes in (None, 0, -1, (0, 1)):
        np.testing.assert_array_equal(F.fftshift(x, axes), np.fft.fftshift(x, axes))
        np.testing.assert_array_equal(F.ifftshift(x, axes), np.fft.ifftshift(x, axes))
        np.testing.assert_array_equal(F.fftshift(sg.tensor(x), axes).value,
                                      np.fft.fftshift(x, axes))
        np.testing.assert_array_equal(F.ifftshift(sg.tensor(x), axes).value,
                                      np.fft.ifftshift(x, axes))


def test_out_argument_on_plain_arrays():
    x = rng.standard_normal(4)
    out = np.empty(4, np.complex128)
    assert F.fft(x, out=out) is out
    np.testing.assert_allclose(out, np.fft.fft(x))
    with pytest.raises(TypeError, match="out="):
        F.fft(sg.tensor(x, requires_grad=True), out=out)


# ---- derivatives: reverse and forward mode, order 2 -----------------------------------------

R3 = rng.standard_normal((3, 4))
C3 = draw((3, 4), np.complex128)
B3 = rng.standard_normal((2, 3, 4))
CB3 = draw((2, 3, 4), np.complex128)
W = draw((2, 4), np.complex128)

GRADIENT_CASES = [
    ("fft-real", lambda x: F.fft(x, n=6, norm="ortho"), (R3,)),
    ("fft-complex-axis0", lambda z: F.fft(z, n=2, axis=0), (C3,)),
    ("ifft-complex", lambda z: F.ifft(z, n=5, norm="forward"), (C3,)),
    ("ifft-real-abs", lambda x: snp.abs(F.ifft(x)), (R3,)),
    ("rfft", lambda x: F.rfft(x, n=5, axis=0), (R3,)),
    ("rfft-batch", lambda x: F.rfft(x, norm="forward"), (B3,)),
    ("irfft-real", lambda x: F.irfft(x, n=7), (R3,)),
    ("irfft-complex-even", lambda z: F.irfft(z, n=6), (C3,)),
    ("irfft-complex-odd-axis0", lambda z: F.irfft(z, axis=0, norm="ortho"), (C3,)),
    ("irfft-short", lambda z: F.irfft(z, n=3), (C3,)),
    ("rfft-irfft", lambda x: F.irfft(F.rfft(x, axis=0) * W, n=4, axis=0), (R3,)),
    ("hfft", lambda z: F.hfft(z, n=5), (C3,)),
    ("ihfft", lambda x: F.ihfft(x, norm="ortho"), (R3,)),
    ("fft2-complex", lambda z: F.fft2(z, s=(4, 3)), (C3,)),
    ("ifft2-real", lambda x: snp.real(F.ifft2(x, norm="ortho")), (R3,)),
    ("rfft2", lambda x: F.rfft2(x, s=(2, 6)), (R3,)),
    ("irfft2", lambda z: F.irfft2(z, s=(3, 5)), (C3,)),
    ("fftn-batch", lambda z: F.fftn(z, axes=(0, 2)), (CB3,)),
    ("ifftn-repeated", lambda z: F.ifftn(z, s=(2, 5), axes=(1, 1)), (CB3,)),
    ("rfftn", lambda x: F.rfftn(x, s=(4, 3), axes=(2, 0)), (B3,)),
    ("irfftn", lambda z: F.irfftn(z, norm="forward"), (CB3,)),
    ("fftshift", lambda z: F.fftshift(z) * z, (C3,)),
    ("ifftshift", lambda x: F.ifftshift(x, axes=1) ** 2, (R3,)),
    ("float32", lambda x: snp.abs(F.fft(x, n=5)), (R3.astype(np.float32),)),
]


@pytest.mark.parametrize("fn, args", [pytest.param(f, a, id=i) for i, f, a in GRADIENT_CASES])
def test_gradients(fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("fn, args", [pytest.param(f, a, id=i) for i, f, a in GRADIENT_CASES])
def test_batched_seeds_equal_one_by_one(fn, args):
    out, vjp_fn = sg.vjp(fn, *args)
    r = np.random.default_rng(1)
    shape = (3, *np.shape(out))
    seeds = r.standard_normal(shape) + (1j * r.standard_normal(shape) if np.iscomplexobj(out)
                                        else 0)
    seeds = seeds.astype(np.asarray(out).dtype)
    batched = vjp_fn(seeds)
    tangents = tuple(draw((3, *np.shape(a)), np.asarray(a).dtype) for a in args)
    _, jbatched = sg.jvp(fn, args, tangents)
    for k in range(3):
        for b, s in zip(batched, vjp_fn(seeds[k])):
            np.testing.assert_allclose(np.asarray(b)[k], s, rtol=1e-5, atol=1e-5)
        _, single = sg.jvp(fn, args, tuple(t[k] for t in tangents))
        np.testing.assert_allclose(np.asarray(jbatched)[k], single, rtol=1e-5, atol=1e-5)


def test_parseval_gradients_by_hand():
    # Σ|fft(x)|² = n·Σ|x|²: the gradient is 2·n·x for real x and 2·n·conj(z) for complex z
    # (JAX's convention: ∂f/∂x − i ∂f/∂y).
    x, z = rng.standard_normal(6), draw(6, np.complex128)

    def energy(v):
        return snp.sum(snp.abs(F.fft(v)) ** 2)

    np.testing.assert_allclose(sg.grad(energy)(x), 12 * x, rtol=1e-12)
    np.testing.assert_allclose(sg.grad(energy)(z), 12 * np.conj(z), rtol=1e-12)
    # rfft keeps half the spectrum; with the Hermitian weights Parseval holds again.
    c = hermitian_weights(6, 4)
    np.testing.assert_allclose(
        sg.grad(lambda v: snp.sum(c * snp.abs(F.rfft(v)) ** 2))(x), 12 * x, rtol=1e-12)
    # the Hessian of the energy is 2·n·I
    np.testing.assert_allclose(sg.hessian(energy)(x), 12 * np.eye(6), atol=1e-10)


def test_irfft_transpose_by_hand():
    # y_t = (1/n) Re Σ_k c_k X_k e^{2πikt/n}: ∂y_t/∂X_k (JAX's convention) is c_k e^{2πikt/n}/n,
    # so Im X_0 and Im X_{n/2} have zero derivative for even n.
    n, t = 6, 2
    X = draw(4, np.complex128)
    k = np.arange(4)
    want = hermitian_weights(n, 4) * np.exp(2j * np.pi * k * t / n) / n
    np.testing.assert_allclose(sg.grad(lambda v: F.irfft(v, n=n)[t])(X), want, atol=1e-14)
    _, tangent = sg.jvp(lambda v: F.irfft(v, n=n), (X,), (np.array([1j, 0, 0, 1j]),))
    np.testing.assert_allclose(tangent, 0.0, atol=1e-15)


def test_fft_is_its_own_transpose():
    # ⟨u, fft(v)⟩ = ⟨fft(u), v⟩ for the pairing Re Σ u·v: the vjp of fft is fft.
    z, u = draw(5, np.complex128), draw(5, np.complex128)
    for norm in NORMS:
        _, vjp_fn = sg.vjp(lambda v, norm=norm: F.fft(v, norm=norm), z)
        np.testing.assert_allclose(vjp_fn(u)[0], np.fft.fft(u, norm=norm), atol=1e-12)
        _, vjp_fn = sg.vjp(lambda v, norm=norm: F.ifft(v, norm=norm), z)
        np.testing.assert_allclose(vjp_fn(u)[0], np.fft.ifft(u, norm=norm), atol=1e-12)


def test_complex_graph_real_adjoints_only():
    x = rng.standard_normal(4)
    graph = sg.trace(lambda v: snp.real(F.fft(v)), x)
    (adj,) = graph.backprop(sg.semirings.Real())  # the ordinary reverse sweep
    np.testing.assert_allclose(adj, sg.grad(lambda v: snp.sum(snp.real(F.fft(v))))(x))
    with pytest.raises(TypeError, match="complex"):
        graph.backprop(sg.semirings.MaxProduct())


# ---- errors ------------------------------------------------------------------------------------


def test_errors_name_the_function_argument_and_shape():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"fft: invalid number of FFT data points n=0.*\(3, 4\)"):
        F.fft(x, n=0)
    with pytest.raises(ValueError, match=r"irfft: invalid number .*n=0"):
        F.irfft(np.ones(1))  # default n = 2(m − 1) = 0
    with pytest.raises(ValueError, match=r"rfftn: invalid number .*s entry=-2"):
        F.rfftn(x, s=(-2, 3), axes=(0, 1))
    with pytest.raises(ValueError, match=r"ifft: axis 2 is out of bounds .*dimension 2.*\(3, 4\)"):
        F.ifft(x, axis=2)
    with pytest.raises(ValueError, match=r"fft2: axes entry -3 is out of bounds"):
        F.fft2(x, axes=(-3, 0))
    with pytest.raises(ValueError, match=r"fft: axis -1 is out of bounds .*dimension 0"):
        F.fft(np.float64(1.0))
    with pytest.raises(ValueError, match=r"hfft: invalid norm='bad'"):
        F.hfft(x, norm="bad")
    with pytest.raises(ValueError, match=r"fftn: s has 3 entries and axes 2"):
        F.fftn(x, s=(2, 2, 2), axes=(0, 1))
    with pytest.raises(ValueError, match="irfftn: axes must not be empty"):
        F.irfftn(x, axes=())
    with pytest.raises(TypeError, match="rfft: the input must be real"):
        F.rfft(x + 1j)
    with pytest.raises(TypeError, match="fft: n must be an integer"):
        F.fft(x, n=2.0)
    with pytest.raises(ValueError, match=r"fftshift: axes entry 5 is out of bounds"):
        F.fftshift(sg.tensor(x), axes=5)


def test_s_without_axes_warns_like_numpy():
    x = np.ones((3, 4))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = F.fftn(x, s=(2, 2))
    assert any(issubclass(k.category, DeprecationWarning) for k in w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        want = np.fft.fftn(x, s=(2, 2))
    assert_like(got, want, np.float64)
