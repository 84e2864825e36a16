"""Export to SymPy for every primitive, symbolic gradients, and expression swell."""

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import TABLE
from semigrad.primitives import REGISTRY, Elementwise

sympy = pytest.importorskip("sympy", reason="SymPy (symbolic differentiation) is not installed")


def seed(x, y, z, v):
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


# Primitives with no SymPy counterpart (eigen-decompositions and matrix functions have no
# closed form in general, SymPy has no inverse incomplete gamma or beta functions), or one that
# NumPy cannot evaluate (gammainc_da's has a Meijer G-function: tests/scipy_namespace evaluates
# it with mpmath).
NO_SYMPY = {"eigvalsh", "eigh_vectors", "svdvals", "qr_r", "qr_q", "svd_u", "svd_vh", "pinv",
            "eigvals", "eig_vectors", "expm", "sqrtm",
            "fft",
            "gammaincinv", "gammainccinv", "betaincinv", "betainccinv", "stdtrit",
            "gammainc_da"}


@pytest.mark.parametrize("fn, args", [p for p in TABLE if p.id.split("-")[0] not in NO_SYMPY])
def test_every_primitive_exports_and_evaluates_back(fn, args):
    graph = sg.trace(fn, *args)
    (out,), syms = sg.symbolic.to_sympy(graph)
    value = sg.symbolic.lambdify(syms, list(np.ravel(np.asarray(out, dtype=object))))(
        *[v for a in args for v in np.ravel(a)])
    np.testing.assert_allclose(np.asarray(value, dtype=float).reshape(np.shape(fn(*args))),
                               np.asarray(fn(*args), dtype=float), rtol=1e-6, atol=1e-6)


def test_symbolic_gradient_of_the_seed():
    out, grads, syms = sg.symbolic.gradient(seed, 0.5, 2.0, 3.0, 4.0)
    values = [float(g) for g in sg.symbolic.lambdify(syms, grads)(0.5, 2.0, 3.0, 4.0)]
    np.testing.assert_allclose(values, [-0.331346037775083, -2.89209654361886,
                                        2.54724261316784, 0.25], rtol=1e-13)


def test_symbolic_hessian_equals_reverse_mode():
    h, variables = sg.symbolic.hessian(seed, 0.5, 2.0, 3.0, 4.0)
    numeric = np.array(sympy.lambdify(variables, h, "numpy")(0.5, 2.0, 3.0, 4.0), dtype=float)
    reverse = np.array(sg.hessian(seed, argnums=(0, 1, 2, 3))(0.5, 2.0, 3.0, 4.0), dtype=float)
    np.testing.assert_allclose(numeric, reverse, rtol=1e-12)


def test_array_inputs_become_element_symbols():
    a = np.arange(6.0).reshape(2, 3)
    out, (g,), (x,) = sg.symbolic.gradient(lambda v: sg.sum(sg.tanh(a @ v)), np.ones(3))
    assert x.shape == g.shape == (3,) and str(x[2]) == "v_2"
    np.testing.assert_allclose(sg.symbolic.lambdify([x], list(g))(*np.ones(3)),
                               sg.grad(lambda v: sg.sum(sg.tanh(a @ v)))(np.ones(3)))


def test_swell_grows_exponentially_for_the_tree_and_linearly_for_the_graph():
    def nested(depth):
        def f(x):
            for _ in range(depth):
                x = sg.sin(x) * x
            return x
        return f

    sizes = [sg.symbolic.swell(nested(d), 0.5) for d in (2, 4, 6, 8)]
    trees = [s.tree for s in sizes]
    graphs = [s.backward_graph for s in sizes]
    assert all(b >= 3.5 * a for a, b in zip(trees, trees[1:]))  # about ×4 per two layers
    assert graphs[-1] - graphs[-2] == graphs[-2] - graphs[-3]  # linear in depth
    assert all(s.dag < s.tree for s in sizes[1:])


def test_a_primitive_without_a_counterpart_is_named():
    odd = Elementwise("sinh_without_sympy", np.sinh, (lambda x, out: sg.cos(x),))
    try:
        with pytest.raises(TypeError, match="sinh_without_sympy.*no SymPy counterpart"):
            sg.symbolic.to_sympy(sg.trace(lambda x: odd(x), 0.5))
    finally:
        del REGISTRY["sinh_without_sympy"]
