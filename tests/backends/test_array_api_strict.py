"""The backend seam on array-api-strict: every core primitive's value, gradient and forward
derivative computed on the standard's reference arrays equals the NumPy path's, and comes
back as an array-api-strict array. array-api-strict refuses everything outside the standard
and semigrad's adapter refuses conversion to NumPy, so a pass proves that no NumPy call hides
in the seam for these primitives (their NumPy results are checked by the gradient checker in
tests/primitives)."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
from semigrad.primitives import (
    REGISTRY,
    complex,
    elementwise,
    multilinear,
    numpy_elementwise,
    reductions,
    structural,
)

xp = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")

from primitive_cases import CASES, NON_DIFFERENTIABLE  # noqa: E402

CORE_MODULES = (elementwise, structural, reductions, multilinear, numpy_elementwise, complex)
CORE = sorted({p.name for m in CORE_MODULES for p in vars(m).values()
               if getattr(p, "name", None) in REGISTRY and REGISTRY[p.name] is p})
CORE_CASES = [pytest.param(fn, args, id=f"{name}-{label}")
              for name in CORE if name in CASES and name not in NON_DIFFERENTIABLE
              for label, fn, args in CASES[name]]


def _strict(a):
    a = np.asarray(a)
    return xp.asarray(a)


def _numpy(a):
    return np.asarray(xp.asarray(a)) if not isinstance(a, np.ndarray | float) else a


def _scalarised(fn, weights):
    def f(*args):
        out = fn(*args)
        return sg.sum(sg.real(out) * weights) if np.iscomplexobj(weights) is False else out

    return f


def test_the_core_is_covered():
    assert len(CORE) > 60 and len(CORE_CASES) > 80


@pytest.mark.parametrize("fn, args", CORE_CASES)
def test_core_primitive_on_array_api_strict(fn, args):
    if any(np.iscomplexobj(a) for a in args):
        pytest.skip("complex inputs: the NumPy path's complex table covers them")
    out_np = fn(*args)
    out_np = np.asarray(getattr(out_np, "value", out_np))
    weights = np.random.default_rng(1).standard_normal(out_np.shape)
    tangents = [np.random.default_rng(2 + k).standard_normal(np.shape(a))
                for k, a in enumerate(args)]

    def loss(*a):
        out = fn(*a)
        return sg.sum(sg.real(out) * weights)

    nums = tuple(range(len(args)))
    strict = [_strict(a) for a in args]
    out_s = fn(*[sg.Tensor(s) for s in strict])  # the eager face
    assert type(out_s.value.raw) is type(strict[0])
    np.testing.assert_allclose(np.asarray(out_s.value.raw), out_np, rtol=1e-12, atol=1e-14)
    grads_np = sg.grad(loss, argnums=nums)(*args)
    grads_s = sg.grad(loss, argnums=nums)(*strict)
    for g_np, g_s in zip(grads_np, grads_s):
        assert type(g_s) is type(strict[0]), f"gradient came back as {type(g_s)}"
        np.testing.assert_allclose(np.asarray(g_s), g_np, rtol=1e-11, atol=1e-13)
    _, t_np = sg.jvp(loss, tuple(args), tuple(tangents))
    _, t_s = sg.jvp(loss, tuple(strict), tuple(_strict(t) for t in tangents))
    np.testing.assert_allclose(float(t_s), float(t_np), rtol=1e-11, atol=1e-13)
