"""Every primitive in the registry through one gradient checker.

The table below is the spec: for each primitive, one or more cases of
(function of the differentiated inputs, inputs, tolerance). ``check_grads``
checks reverse and forward mode to order 2 against central differences, and
a batch of cotangent seeds must equal the seeds taken one by one. A test
walks the registry so that no primitive goes unchecked, and another shows
the checker failing on a deliberately wrong rule.
"""

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import (
    CASES,
    COMPLEX_CASES,
    COMPLEX_TABLE,
    NON_DIFFERENTIABLE,
    OPAQUE,
    TABLE,
)
from semigrad.primitives import REGISTRY, Elementwise


def test_table_covers_the_registry():
    missing = set(REGISTRY) - set(CASES) - set(COMPLEX_CASES) - set(OPAQUE) - NON_DIFFERENTIABLE
    assert not missing, f"primitives without a gradient check: {sorted(missing)}"
    # Only the complex parts have no real case: on real values imag is 0 and angle 0 or π;
    # logdet serves complex slogdet only.
    assert set(COMPLEX_CASES) - set(CASES) == {"imag", "angle", "logdet"}
    assert all(not REGISTRY[n].differentiable for n in NON_DIFFERENTIABLE)


GRADIENT_TABLE = TABLE + [
    pytest.param(fn, args, id=f"{name}-{label}")
    for name, cases in OPAQUE.items()
    for label, fn, args in cases
]


@pytest.mark.parametrize("fn, args", GRADIENT_TABLE)
def test_gradients(fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


# check_grads also calls the cases on plain arrays, where astype-c128->f64's cast to real warns
# as NumPy's does (on Tensors the astype primitive keeps the real part without a warning).
@pytest.mark.filterwarnings("ignore:Casting complex values to real:numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("fn, args", COMPLEX_TABLE)
def test_complex_gradients(fn, args):
    sg.check_grads(fn, args, modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("fn, args", COMPLEX_TABLE)
def test_complex_batched_cotangents_equal_row_by_row(fn, args):
    out, vjp_fn = sg.vjp(fn, *args)
    r = np.random.default_rng(1)
    seeds = (r.standard_normal((3, *np.shape(out))) + 1j * r.standard_normal((3, *np.shape(out))))
    seeds = seeds.astype(np.result_type(out, np.complex64)) if np.iscomplexobj(out) else seeds.real
    batched = vjp_fn(seeds)
    for k in range(3):
        for b, s in zip(batched, vjp_fn(seeds[k])):
            np.testing.assert_allclose(np.asarray(b)[k], s, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, args", GRADIENT_TABLE)
def test_batched_cotangents_equal_row_by_row(fn, args):
    out, vjp_fn = sg.vjp(fn, *args)
    seeds = np.random.default_rng(1).standard_normal((3, *np.shape(out)))
    batched = vjp_fn(seeds.astype(np.result_type(out)))
    for k in range(3):
        single = vjp_fn(seeds[k].astype(np.result_type(out)))
        for b, s in zip(batched, single):
            np.testing.assert_allclose(np.asarray(b)[k], s, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, args", TABLE)
def test_batched_tangents_equal_one_by_one(fn, args):
    r = np.random.default_rng(2)
    tangents = tuple(r.standard_normal((3, *np.shape(a))).astype(np.result_type(a))
                     for a in args)
    _, batched = sg.jvp(fn, args, tangents)
    for k in range(3):
        _, single = sg.jvp(fn, args, tuple(t[k] for t in tangents))
        np.testing.assert_allclose(np.asarray(batched)[k], single, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(NON_DIFFERENTIABLE))
def test_non_differentiable_primitives_pass_no_gradient(name):
    prim = REGISTRY[name]
    x = sg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    args = (x,) if name in ("sign", "logical_not", "stop_gradient") else (x, 0.25)
    out = prim(*args)
    assert not out.requires_grad
    g = sg.grad(lambda v: sg.sum(sg.where(prim(*((v,) + args[1:])), v, 2 * v)))(x.value)
    expected = np.where(prim(*((x.value,) + args[1:])), 1.0, 2.0)
    np.testing.assert_array_equal(g, expected)


def test_stop_gradient_blocks_only_its_own_path():
    assert sg.grad(lambda x: sg.stop_gradient(x) * x)(3.0) == 3.0


def test_checker_catches_a_wrong_rule():
    wrong = Elementwise("sin_with_wrong_rule", np.sin, (lambda x, out: sg.sin(x),))
    try:
        with pytest.raises(AssertionError, match="sin_with_wrong_rule.*rev mode, order 1"):
            sg.check_grads(wrong, (np.array([0.3, 1.2]),), modes=("rev",))
        with pytest.raises(AssertionError, match="fwd mode"):
            sg.check_grads(wrong, (np.array([0.3, 1.2]),), modes=("fwd",))
    finally:
        del REGISTRY["sin_with_wrong_rule"]


def test_checker_catches_a_wrong_second_order_rule():
    # Right first derivative (cos) but its own derivative is wrong: only order 2 sees it.
    bad_cos = Elementwise("cos_with_wrong_rule", np.cos, (lambda x, out: sg.sin(x),))
    sine = Elementwise("sin_via_bad_cos", np.sin, (lambda x, out: bad_cos(x),))
    try:
        sg.check_grads(sine, (np.array([0.3, 1.2]),), modes=("rev",), order=1)
        with pytest.raises(AssertionError, match="order 2"):
            sg.check_grads(sine, (np.array([0.3, 1.2]),), modes=("rev",), order=2)
    finally:
        del REGISTRY["cos_with_wrong_rule"], REGISTRY["sin_via_bad_cos"]


def _flat_hessian(h, args):
    if len(args) == 1:
        return np.asarray(h).reshape(np.size(args[0]), -1)
    return np.concatenate([np.concatenate([np.asarray(b).reshape(np.size(args[i]), -1)
                                           for b in row], axis=1) for i, row in enumerate(h)])


@pytest.mark.parametrize("fn, args", [p for p in TABLE + COMPLEX_TABLE
                                      if not any(np.iscomplexobj(a) for a in p.values[1])])
def test_hessians_forward_over_reverse_equal_reverse_over_reverse(fn, args):
    # Both nest a batched sweep inside another: the rules must keep batch axes apart from
    # the axes of values recorded inside the inner sweep.
    out = np.asarray(fn(*args))
    w = np.random.default_rng(0).standard_normal(out.shape)

    def scalar(*xs):
        o = fn(*xs)
        return sg.sum(sg.real(o * w)) if np.iscomplexobj(out) else sg.sum(o * w)

    nums = tuple(range(len(args)))
    fwd_rev = sg.hessian(scalar, argnums=nums)(*args)
    rev_rev = sg.jacobian(sg.jacobian(scalar, argnums=nums), argnums=nums)(*args)
    np.testing.assert_allclose(_flat_hessian(fwd_rev, args), _flat_hessian(rev_rev, args),
                               rtol=1e-6, atol=1e-6)


def test_interpreters_never_compare_kind_names():
    """Kinds own their interpreters: sweeps, cost and exports call methods, never test names."""
    import pathlib
    import re

    root = pathlib.Path(sg.__file__).parent
    pattern = re.compile(r"""kind\s*[!=]=\s*["'](elementwise|linear|reduction|multilinear|dense|"""
                         r"""checkpoint|primitive)["']""")
    offenders = [f"{path.relative_to(root)}:{n}" for path in root.rglob("*.py")
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line)]
    assert not offenders, offenders
