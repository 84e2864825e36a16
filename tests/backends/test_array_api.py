"""The backend seam through the array API standard: every core primitive's value, gradient and
forward derivative computed on another library's arrays equals the NumPy path's, and comes
back as that library's array.

On array-api-strict (the standard's reference implementation, which refuses everything
outside the standard; semigrad's adapter refuses conversion to NumPy) a pass proves that no
NumPy call hides in the seam for these primitives; PyTorch CPU tensors run the same table
where PyTorch is installed (the optional PyTorch group of .ci/run). The NumPy results are
checked by the gradient checker in tests/primitives."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
from semigrad.primitives import (
    REGISTRY,
    complex,
    elementwise,
    linalg,
    multilinear,
    numpy_elementwise,
    reductions,
    structural,
)

pytest.importorskip("array_api_compat")


def _libraries():
    out = []
    try:
        import array_api_strict

        out.append(pytest.param(array_api_strict.asarray, id="array_api_strict"))
    except ImportError:  # pragma: no cover - a test dependency
        pass
    try:
        import torch

        out.append(pytest.param(torch.from_numpy, id="torch"))
    except ImportError:
        pass
    return out


LIBRARIES = _libraries()

from primitive_cases import CASES, NON_DIFFERENTIABLE  # noqa: E402

CORE_MODULES = (elementwise, structural, reductions, multilinear, numpy_elementwise, complex,
                linalg)
CORE = sorted({p.name for m in CORE_MODULES for p in vars(m).values()
               if getattr(p, "name", None) in REGISTRY and REGISTRY[p.name] is p})
CORE_CASES = [pytest.param(fn, args, id=f"{name}-{label}")
              for name in CORE if name in CASES and name not in NON_DIFFERENTIABLE
              for label, fn, args in CASES[name]]


def _numpy(a):
    if hasattr(a, "detach"):  # a PyTorch tensor, on any device
        return a.detach().cpu().numpy()
    return np.asarray(a)


def test_the_core_is_covered():
    assert len(CORE) > 60 and len(CORE_CASES) > 80


@pytest.mark.parametrize("to_library", LIBRARIES)
@pytest.mark.parametrize("fn, args", CORE_CASES)
def test_core_primitive_on_another_library(fn, args, to_library):
    check_case(fn, args, to_library)


def check_case(fn, args, to_library):
    """One table case on the library of ``to_library`` (NumPy array → its array): the eager
    value, the gradient and the forward derivative equal NumPy's, in that library."""
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
    strict = [to_library(np.array(a)) for a in args]
    out_s = fn(*[sg.Tensor(s) for s in strict])  # the eager face
    assert type(out_s.value.raw) is type(strict[0])
    np.testing.assert_allclose(_numpy(out_s.value.raw), out_np, rtol=1e-12, atol=1e-14)
    grads_np = sg.grad(loss, argnums=nums)(*args)
    grads_s = sg.grad(loss, argnums=nums)(*strict)
    for g_np, g_s in zip(grads_np, grads_s):
        assert type(g_s) is type(strict[0]), f"gradient came back as {type(g_s)}"
        np.testing.assert_allclose(_numpy(g_s), g_np, rtol=1e-11, atol=1e-13)
    _, t_np = sg.jvp(loss, tuple(args), tuple(tangents))
    _, t_s = sg.jvp(loss, tuple(strict), tuple(to_library(t) for t in tangents))
    np.testing.assert_allclose(float(t_s), float(t_np), rtol=1e-11, atol=1e-13)


def test_numpy_only_parts_say_so():
    xp = pytest.importorskip("array_api_strict")
    graph = sg.trace(lambda v: sg.sum(sg.sin(v) * v), xp.asarray([0.3, 0.5]))
    for run in (lambda: graph.backprop(sg.semirings.MaxProduct()), graph.scalarize,
                lambda: sg.paths.top(graph), lambda: sg.paths.count(graph)):
        with pytest.raises(TypeError, match="holds array_api_strict values; semiring sweeps "
                                            "and path analyses run on NumPy only"):
            run()


def test_two_libraries_in_one_operation_are_named():
    xp = pytest.importorskip("array_api_strict")
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="operands from two array libraries"):
        sg.grad(lambda w: sg.sum(w * torch.ones(2, dtype=torch.float64)))(xp.asarray([1.0, 2.0]))


def test_conversion_to_numpy_is_refused_with_the_library_named():
    xp = pytest.importorskip("array_api_strict")
    from semigrad import backend

    with pytest.raises(TypeError, match="array_api_strict array of shape \\(2,\\) would be "
                                        "converted to NumPy"):
        np.asarray(backend.wrap(xp.asarray([1.0, 2.0])))


@pytest.mark.parametrize("to_library", LIBRARIES)
def test_every_transform_returns_the_library_s_arrays(to_library):
    x_np = np.array([0.3, -0.5, 1.2])
    x = to_library(x_np.copy())
    f = lambda v: sg.sin(v) * v ** 2  # noqa: E731
    s = lambda v: sg.sum(f(v))  # noqa: E731
    results = {
        "jacobian": (sg.jacobian(f)(x), sg.jacobian(f)(x_np)),
        "jacfwd": (sg.jacfwd(f)(x), sg.jacfwd(f)(x_np)),
        "hessian": (sg.hessian(s)(x), sg.hessian(s)(x_np)),
        "vjp": (sg.vjp(f, x)[1](to_library(np.ones(3)))[0], sg.vjp(f, x_np)[1](np.ones(3))[0]),
        "hvp": (sg.hvp(s, (x,), (to_library(np.ones(3)),))[1],
                sg.hvp(s, (x_np,), (np.ones(3),))[1]),
        "derivative": (sg.derivative(s, order=2)(x), sg.derivative(s, order=2)(x_np)),
    }
    for name, (ours, want) in results.items():
        assert type(ours) is type(x), f"{name} returned {type(ours)}"
        np.testing.assert_allclose(_numpy(ours), want, rtol=1e-13, err_msg=name)
    sg.check_grads(s, (x,), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("to_library", LIBRARIES)
def test_jit_and_vmap_keep_the_library_s_arrays(to_library):
    # sg.jit keys another library's arrays by their own dtype, runs its NumPy-level program
    # on them (no native tier), checks its guards on them and falls back where one fails
    g = lambda x, y: sg.sum(x ** y)  # noqa: E731
    grad = sg.grad(g, argnums=(0, 1))
    j = sg.jit(grad)
    y = to_library(np.array([2.0, 3.0, 0.5]))
    for x_np in (np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 3.0])):  # the 2nd: fallback
        x = to_library(x_np.copy())
        for ours, want in zip(j(x, y), grad(x_np, _numpy(y)), strict=True):
            assert type(ours) is type(x)
            np.testing.assert_allclose(_numpy(ours), want, rtol=1e-14)
    assert j.traces == 2
    xs = to_library(np.array([[1.0, 2.0, 3.0], [0.5, 0.0, 1.5]]))
    mapped = sg.vmap(sg.grad(g), in_axes=(0, None))(xs, y)
    assert type(mapped) is type(xs)
    np.testing.assert_allclose(_numpy(mapped), np.stack([sg.grad(g)(row, _numpy(y))
                                                         for row in _numpy(xs)]), rtol=1e-14)
