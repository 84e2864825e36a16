"""Every public NumPy callable is in semigrad.numpy (or excluded, with a reason), and behaves."""

from __future__ import annotations

import inspect
import io

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp
from semigrad.numpy.utilities import EXCLUDED


def test_every_public_numpy_callable_is_present_or_excluded_with_a_reason():
    names = sorted(n for n in dir(np) if not n.startswith("_") and callable(getattr(np, n))
                   and not inspect.isclass(getattr(np, n)))
    assert len(names) > 300
    missing = [n for n in names if not hasattr(snp, n) and n not in EXCLUDED]
    assert not missing, missing
    assert all(isinstance(why, str) and len(why) > 10 for why in EXCLUDED.values())
    with pytest.raises(TypeError, match="numpy.i0 has no differentiable counterpart"):
        np.i0(sg.tensor([1.0], requires_grad=True))


def test_functions_on_the_values_are_untraced():
    x = sg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    assert snp.union1d(x, [5.0]).tolist() == [1.0, 2.0, 3.0, 5.0]
    assert snp.setdiff1d(x, [1.0]).tolist() == [2.0, 3.0]
    assert snp.nanargmax(x) == 0 and snp.nanargmin(x) == 1
    assert snp.unravel_index(5, (2, 3)) == (1, 2)
    assert snp.bitwise_and(sg.tensor([6, 3]), 5).tolist() == [4, 1]
    assert "3." in snp.array2string(x)
    buffer = io.BytesIO()
    np.save(buffer, x)  # NumPy's function on a traced Tensor: its values are saved
    buffer.seek(0)
    assert np.load(buffer).tolist() == [3.0, 1.0, 2.0]
    assert snp.hanning(4).tolist() == np.hanning(4).tolist()
    assert snp.geomspace(1.0, 100.0, 3).tolist() == [1.0, 10.0, 100.0]


def test_in_place_functions_refuse_tensors_and_work_on_arrays():
    x = sg.tensor(np.zeros((2, 2)), requires_grad=True)
    for call in (lambda: snp.fill_diagonal(x, 1.0), lambda: snp.put(x, [0], [1.0]),
                 lambda: snp.copyto(x, np.ones((2, 2)))):
        with pytest.raises(TypeError, match="x.at\\[index\\].set"):
            call()
    a = np.zeros((2, 2))
    snp.fill_diagonal(a, 1.0)
    assert a.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_the_differentiable_ones_have_their_derivatives():
    x = np.array([0.5, -1.0, 2.0, 0.0])
    cases = [
        lambda v: sg.sum(snp.compress([True, False, True, True], v) ** 2),
        lambda v: sg.sum(snp.extract(np.array([1, 0, 1, 0]), v) * 3.0),
        lambda v: sg.sum(snp.resize(v, (3, 3)) ** 2),
        lambda v: sg.sum(snp.trim_zeros(snp.concatenate([[0.0], v[:3], [0.0]])) ** 2),
        lambda v: sg.sum(snp.unstack(snp.reshape(v, (2, 2)), axis=1)[1] ** 3),
        lambda v: sg.sum(snp.apply_over_axes(snp.sum, snp.reshape(v, (2, 2)), [0]) ** 2),
        lambda v: sg.sum(snp.copy(v) * v),
        lambda v: sg.sum(snp.asanyarray(v) ** 2),
        lambda v: snp.polyval(v, 1.5),
        lambda v: sg.sum(snp.polymul(v, v)),
        lambda v: sg.sum(snp.vander(v, 3)),
    ]
    for f in cases:
        sg.check_grads(f, (x,), order=2)
    assert sg.grad(lambda v: snp.nextafter(v, 3.0))(1.0) == 1.0


def test_polynomials_equal_numpys():
    p, x = np.array([2.0, -3.0, 1.0, 5.0]), np.array([0.3, 1.7])
    np.testing.assert_allclose(snp.polyval(p, x), np.polyval(p, x))
    np.testing.assert_allclose(snp.polyder(p, 2), np.polyder(p, 2))
    np.testing.assert_allclose(snp.polyint(p), np.polyint(p))
    np.testing.assert_allclose(snp.polyadd(p, [1.0]), np.polyadd(p, [1.0]))
    for got, want in zip(snp.polydiv(p, [1.0, 2.0]), np.polydiv(p, [1.0, 2.0]), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(np.sort_complex(snp.roots([1.0, -6.0, 11.0, -6.0])),
                               np.sort_complex(np.roots([1.0, -6.0, 11.0, -6.0])))
    np.testing.assert_allclose(snp.poly([1.0, 2.0, -1.5]), np.poly([1.0, 2.0, -1.5]))
    xs, ys = np.array([0.0, 1, 2, 3]), np.array([1.0, 2.5, 6.0, 9.5])
    np.testing.assert_allclose(snp.polyfit(xs, ys, 2), np.polyfit(xs, ys, 2), rtol=1e-10)
    # the roots move with the coefficients: d(root)/d(constant) = -1 / p'(root)
    g = sg.grad(lambda c: sg.sum(sg.real(snp.roots(c))))(np.array([1.0, -3.0, 2.0]))
    np.testing.assert_allclose(g[-1], -1 / (2 * 2.0 - 3.0) - 1 / (2 * 1.0 - 3.0), rtol=1e-10)


def test_the_autograd_suite_cases():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    for kw in ({"axisa": 0, "axisb": 1}, {"axisa": 0, "axisb": 1, "axisc": 0}):
        np.testing.assert_allclose(snp.cross(a, b, **kw), np.cross(a, b, **kw))
        sg.check_grads(lambda u, kw=kw: sg.sum(snp.cross(u, b, **kw) ** 2), (a,), order=2)
    # linspace and logspace with traced endpoints (and base)
    assert sg.grad(lambda s: snp.sum(snp.linspace(s, 2.0 * s, 5)))(1.0) == 7.5
    sg.check_grads(lambda s, t: sg.sum(snp.linspace(s, t, 4, axis=1) ** 2),
                   (np.array([0.0, 1.0]), np.array([1.0, 3.0])), order=2)
    np.testing.assert_allclose(snp.linspace(sg.tensor([0.0, 1.0]), [1.0, 3.0], 4, axis=1).value,
                               np.linspace([0.0, 1.0], [1.0, 3.0], 4, axis=1))
    sg.check_grads(lambda s: sg.sum(snp.logspace(0.0, s, 3, base=2.0)), (1.5,), order=2)
    # integer casts and arrays of traced values
    assert sg.grad(lambda s: snp.sum(s * snp.astype(s, int)))(np.array([1.5, 2.5])).tolist() \
        == [1.0, 2.0]
    assert sg.grad(lambda s: snp.sum(snp.array([s, 2.0 * s])))(1.0) == 3.0
