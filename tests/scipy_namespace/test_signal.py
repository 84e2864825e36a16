"""semigrad.scipy.signal: convolutions equal SciPy's in every mode; gradients in both inputs."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg

ss = pytest.importorskip("scipy.signal")
sig = pytest.importorskip("semigrad.scipy.signal")

RNG = np.random.default_rng(0)
SHAPES = [((7,), (3,)), ((3,), (7,)), ((5, 6), (2, 3)), ((4, 3, 5), (2, 2, 3)), ((2, 6), (3, 2))]


@pytest.mark.parametrize("sa, sv", SHAPES)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_nd_convolution_and_correlation_equal_scipy(sa, sv, mode):
    a, v = RNG.standard_normal(sa), RNG.standard_normal(sv)
    try:
        want = ss.convolve(a, v, mode=mode, method="direct")
    except ValueError:
        with pytest.raises(ValueError, match="valid"):
            sig.convolve(a, v, mode=mode)
        return
    np.testing.assert_allclose(sig.convolve(a, v, mode=mode), want, atol=1e-12)
    np.testing.assert_allclose(sig.correlate(a, v, mode=mode),
                               ss.correlate(a, v, mode=mode, method="direct"), atol=1e-12)


@pytest.mark.parametrize("kernel", [(2, 3), (3, 3), (2, 2), (4, 5)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_2d_functions_equal_scipy(kernel, mode):
    a, v = RNG.standard_normal((5, 6)), RNG.standard_normal(kernel)
    np.testing.assert_allclose(sig.convolve2d(a, v, mode), ss.convolve2d(a, v, mode), atol=1e-12)
    np.testing.assert_allclose(sig.correlate2d(a, v, mode), ss.correlate2d(a, v, mode),
                               atol=1e-12)


def test_gradients_in_both_inputs_and_errors():
    a, v = RNG.standard_normal((5, 6)), RNG.standard_normal((2, 3))
    sg.check_grads(lambda x, k: sg.sum(sig.convolve(x, k, mode="same") ** 2), (a, v), order=2)
    sg.check_grads(lambda x, k: sg.sum(sig.correlate2d(x, k, mode="same") ** 2), (a, v), order=2)
    sg.check_grads(lambda x, k: sg.sum(sig.correlate(x, k, mode="valid") ** 2),
                   (RNG.standard_normal(6), RNG.standard_normal(3)), order=2)
    with pytest.raises(ValueError, match="same number of axes"):
        sig.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="boundary='fill'"):
        sig.convolve2d(a, v, boundary="wrap")


def test_integrate_equals_scipy_and_differentiates():
    si = pytest.importorskip("scipy.integrate")
    from semigrad.scipy import integrate

    y = RNG.standard_normal((3, 5))
    x = np.cumsum(RNG.uniform(0.1, 1.0, 5))
    np.testing.assert_allclose(integrate.trapezoid(y, x, axis=1), si.trapezoid(y, x, axis=1))
    np.testing.assert_allclose(integrate.cumulative_trapezoid(y, x, axis=1),
                               si.cumulative_trapezoid(y, x, axis=1))
    np.testing.assert_allclose(integrate.cumulative_trapezoid(y, dx=0.3, axis=0, initial=0),
                               si.cumulative_trapezoid(y, dx=0.3, axis=0, initial=0))
    sg.check_grads(lambda yy, xx: sg.sum(integrate.cumulative_trapezoid(yy, xx, axis=1) ** 2),
                   (y, x), order=2)
