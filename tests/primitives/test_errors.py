"""Errors name the operation, the argument and the shapes, and say what to do.

Messages are matched loosely (the op name, a shape, a hint), so that wording
can improve without breaking the tests.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import semigrad as sg


def leaf(values):
    return sg.tensor(values, requires_grad=True)


def _call(fn):
    """Run ``fn`` and return the exception it raised (the test fails if none)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we inspect whatever was raised
        return e
    pytest.fail("no exception was raised")


# ---- shape mismatches -------------------------------------------------------------------------

SHAPE_ERRORS = [
    ("add arrays", lambda: sg.add(np.ones(3), np.ones(4)), "add", [r"\(3,\)", r"\(4,\)"]),
    ("add tensor", lambda: leaf(np.ones(3)) + np.ones(4), "add", [r"\(3,\)", r"\(4,\)"]),
    (
        "multiply 2-d",
        lambda: sg.multiply(np.ones((2, 3)), np.ones((3, 2))),
        "multiply",
        [r"\(2, ?3\)", r"\(3, ?2\)"],
    ),
    (
        "matmul",
        lambda: sg.matmul(np.ones((2, 3)), np.ones((4, 2))),
        "matmul",
        [r"\(2, 3\)", r"\(4, 2\)"],
    ),
    (
        "matmul operator",
        lambda: leaf(np.ones((2, 3))) @ np.ones((4, 2)),
        "matmul",
        [r"\(2, 3\)", r"\(4, 2\)"],
    ),
    (
        "matmul vectors",
        lambda: sg.matmul(np.ones(3), np.ones(4)),
        "matmul",
        [r"\(3,\)", r"\(4,\)"],
    ),
    (
        "matmul batch",
        lambda: sg.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 4))),
        "matmul",
        [r"\(2, 2, 3\)", r"\(3, 3, 4\)"],
    ),
    (
        "concatenate",
        lambda: sg.concatenate([np.ones((2, 3)), np.ones((2, 4))], axis=0),
        "concatenate",
        [r"\(2, 3\)", r"\(2, 4\)"],
    ),
    (
        "concatenate ndim",
        lambda: sg.concatenate([np.ones((2, 3)), np.ones(3)]),
        "concatenate",
        [r"\(2, 3\)", r"\(3,\)"],
    ),
    (
        "reshape",
        lambda: sg.reshape(np.ones(6), (4, 2)),
        "reshape",
        [r"\(6,\)", r"\(4, 2\)"],
    ),
    (
        "reshape method",
        lambda: leaf(np.ones((2, 3))).reshape(4, 2),
        "reshape",
        [r"\(2, 3\)", r"\(4, 2\)"],
    ),
    (
        "broadcast_to",
        lambda: sg.broadcast_to(np.ones(3), (2, 4)),
        "broadcast_to",
        [r"\(3,\)", r"\(2, 4\)"],
    ),
    (
        "stack",
        lambda: sg.stack([np.ones(2), np.ones(3)]),
        "stack",
        [r"\(2,\)", r"\(3,\)"],
    ),
    (
        "einsum operand",
        lambda: sg.einsum("ijk", np.ones((2, 3))),
        "einsum",
        [r"ijk", r"\(2, 3\)"],
    ),
    (
        "einsum contraction",
        lambda: sg.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))),
        "einsum",
        [r"\(2, 3\)", r"\(4, 2\)"],
    ),
    (
        "tensordot",
        lambda: sg.tensordot(np.ones((2, 3)), np.ones((4, 2)), axes=1),
        "tensordot",
        [r"\(2, 3\)", r"\(4, 2\)"],
    ),
    ("where", lambda: sg.where(np.ones(3) > 0, np.ones(4), 0.0), "where", [r"\(4,\)"]),
]


@pytest.mark.parametrize("name,fn,op,shapes", SHAPE_ERRORS, ids=[s[0] for s in SHAPE_ERRORS])
def test_shape_mismatch_errors_name_op_and_shapes(name, fn, op, shapes):
    with pytest.raises(ValueError, match=op) as info:
        fn()
    message = str(info.value)
    for s in shapes:
        assert re.search(s, message), f"{s} not in {message!r}"


def test_broadcast_error_suggests_a_fix():
    e = _call(lambda: sg.add(np.ones(3), np.ones(4)))
    assert re.search(r"broadcast", str(e))
    assert re.search(r"reshape|broadcast_to|compatible", str(e))


def test_matmul_error_says_which_axes_disagree():
    e = _call(lambda: sg.matmul(np.ones((2, 3)), np.ones((4, 2))))
    assert "3" in str(e) and "4" in str(e)
    assert re.search(r"align|match|axis", str(e))


# ---- non-scalar outputs -------------------------------------------------------------------------


@pytest.mark.parametrize("transform", [sg.grad, sg.value_and_grad], ids=["grad", "value_and_grad"])
def test_grad_of_non_scalar_output(transform):
    with pytest.raises((TypeError, ValueError), match=r"\(3,\)") as info:
        transform(lambda x: x * 2.0)(np.ones(3))
    msg = str(info.value)
    assert re.search(r"jacobian|seed|cotangent", msg)
    assert "scalar" in msg


@pytest.mark.parametrize(
    "f",
    [lambda x: (x * x, x), lambda x: [x * x], lambda x: {"loss": x * x}],
    ids=["tuple (has_aux forgotten)", "list", "dict"],
)
def test_grad_of_a_container_output(f):
    with pytest.raises((TypeError, ValueError), match="grad") as info:
        sg.grad(f)(2.0)
    assert re.search(r"scalar|has_aux", str(info.value)), str(info.value)


def test_grad_of_non_scalar_output_of_shape_one():
    with pytest.raises((TypeError, ValueError), match=r"\(1,\)"):
        sg.grad(lambda x: x * 2.0)(np.ones(1))


def test_backward_of_non_scalar_without_seed():
    y = leaf(np.ones((2, 3))) * 2.0
    with pytest.raises(ValueError, match=r"\(2, 3\)") as info:
        y.backward()
    assert re.search(r"seed|sum", str(info.value))


def test_backward_with_a_seed_of_the_wrong_shape():
    y = leaf(np.ones(3)) * 2.0
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)|\(3,\).*\(4,\)"):
        y.backward(np.ones(4))


def test_autograd_grad_non_scalar_output_without_seeds():
    x = leaf(np.ones(3))
    with pytest.raises(ValueError, match=r"\(3,\)") as info:
        sg.autograd.grad(x * 2.0, x)
    # the keyword of autograd.grad is ``seeds``
    assert re.search(r"seeds", str(info.value))


def test_autograd_grad_input_that_does_not_require_grad():
    x = leaf(np.ones(3))
    with pytest.raises(ValueError, match="requires_grad|require grad"):
        sg.autograd.grad(sg.sum(x), sg.tensor(np.ones(3)))


# ---- argnums and argument types ---------------------------------------------------------------


@pytest.mark.parametrize("argnums", [1, 2, -2, (0, 1), (0, 5)], ids=str)
def test_out_of_range_argnums(argnums):
    with pytest.raises(ValueError, match="argnums") as info:
        sg.grad(lambda x: x * 2.0, argnums=argnums)(1.0)
    msg = str(info.value)
    assert re.search(r"1 positional argument|one argument|\[0, 0\]", msg)


def test_out_of_range_argnums_value_and_grad():
    with pytest.raises(ValueError, match="argnums"):
        sg.value_and_grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)


@pytest.mark.parametrize(
    "arg",
    [True, np.array([True, False]), (1.0, np.array([True]))],
    ids=["bool", "bool array", "bool in tuple"],
)
def test_differentiating_a_boolean_input(arg):
    with pytest.raises(TypeError, match=r"[Bb]ool") as info:
        sg.grad(lambda a: 1.0)(arg)
    assert re.search(r"float|argnums", str(info.value))


def test_vjp_and_jvp_reject_boolean_inputs():
    with pytest.raises(TypeError, match="bool"):
        sg.vjp(lambda a: a, np.array([True]))
    with pytest.raises(TypeError, match="bool"):
        sg.jvp(lambda a: a, (np.array([True]),), (np.array([1.0]),))


def test_differentiating_a_string_input():
    with pytest.raises(TypeError, match="grad"):
        sg.grad(lambda a: 1.0)("abc")


@pytest.mark.parametrize("data", [[1, 2], np.arange(3), 5, [True, False]], ids=str)
def test_requires_grad_on_integer_or_bool_tensor(data):
    with pytest.raises(TypeError, match=r"float") as info:
        sg.tensor(data, requires_grad=True)
    assert re.search(r"int|bool", str(info.value))
    assert re.search(r"dtype", str(info.value))


def test_has_aux_without_a_pair():
    with pytest.raises(TypeError, match="has_aux"):
        sg.grad(lambda x: x * 2.0, has_aux=True)(1.0)


# ---- cotangent and tangent shapes -------------------------------------------------------------


def test_vjp_cotangent_of_the_wrong_shape():
    _, vjp_fn = sg.vjp(lambda a: a * 2.0, np.ones(3))
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)|\(3,\).*\(4,\)"):
        vjp_fn(np.ones(4))


def test_vjp_cotangent_of_the_wrong_structure():
    _, vjp_fn = sg.vjp(lambda a: (a, a * 2.0), np.ones(3))
    with pytest.raises(ValueError, match="structure"):
        vjp_fn(np.ones(3))


def test_jvp_tangent_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)|\(3,\).*\(4,\)"):
        sg.jvp(lambda a: a * 2.0, (np.ones(3),), (np.ones(4),))


def test_jvp_tangents_of_another_structure():
    with pytest.raises(ValueError, match="structure"):
        sg.jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))


# ---- axes -------------------------------------------------------------------------------------

AXIS_ERRORS = [
    ("sum", lambda: sg.sum(np.ones((2, 3)), axis=2), "sum", "2"),
    ("sum negative", lambda: sg.sum(np.ones((2, 3)), axis=-3), "sum", "-3"),
    ("sum tuple", lambda: sg.sum(np.ones((2, 3)), axis=(0, 5)), "sum", "5"),
    ("sum method", lambda: leaf(np.ones((2, 3))).sum(axis=2), "sum", "2"),
    ("mean", lambda: sg.mean(np.ones((2, 3)), axis=2), "mean", "2"),
    ("max", lambda: sg.max(np.ones((2, 3)), axis=2), "max", "2"),
    ("min", lambda: sg.min(np.ones((2, 3)), axis=-5), "min", "-5"),
    ("prod", lambda: sg.prod(np.ones((2, 3)), axis=2), "prod", "2"),
    ("logsumexp", lambda: sg.logsumexp(np.ones((2, 3)), axis=2), "logsumexp", "2"),
    ("softmax", lambda: sg.softmax(np.ones((2, 3)), axis=2), "softmax", "2"),
    ("log_softmax", lambda: sg.log_softmax(np.ones((2, 3)), axis=-3), "log_softmax", "-3"),
    ("concatenate", lambda: sg.concatenate([np.ones(2), np.ones(2)], axis=1), "concatenate", "1"),
    ("stack", lambda: sg.stack([np.ones(2), np.ones(2)], axis=5), "stack", "5"),
    ("squeeze", lambda: sg.squeeze(np.ones((1, 3)), axis=2), "squeeze", "2"),
    ("squeeze size", lambda: sg.squeeze(np.ones((1, 3)), axis=1), "squeeze", "1"),
    ("expand_dims", lambda: sg.expand_dims(np.ones((2, 3)), 5), "expand_dims", "5"),
    ("transpose", lambda: sg.transpose(np.ones((2, 3)), (0, 3)), "transpose", "3"),
    ("transpose repeat", lambda: sg.transpose(np.ones((2, 3)), (0, 0)), "transpose", "0"),
    ("swapaxes", lambda: sg.swapaxes(np.ones((2, 3)), 0, 5), "swapaxes", "5"),
]


@pytest.mark.parametrize("name,fn,op,axis", AXIS_ERRORS, ids=[a[0] for a in AXIS_ERRORS])
def test_bad_axis(name, fn, op, axis):
    e = _call(fn)
    assert isinstance(e, ValueError | IndexError), repr(e)
    msg = str(e)
    assert re.search(rf"\b{op}\b", msg), f"{op!r} not named in {msg!r}"
    assert axis in msg
    assert re.search(r"\(2, 3\)|\(1, 3\)|\(2,\)|shape|dimension|\d axes", msg), msg


# ---- indexing ---------------------------------------------------------------------------------

INDEX_ERRORS = [
    ("int", 5, [r"5", r"\(3,\)|size 3"]),
    ("negative int", -4, [r"-4", r"\(3,\)|size 3"]),
    ("int array", [0, 7], [r"7", r"\(3,\)|size 3"]),
    ("mask", np.array([True, False]), [r"\(3,\)|size.*3", r"2"]),
    ("too many", (0, 1), [r"too many|\(3,\)"]),
    ("float", 1.5, [r"integer|int"]),
]


@pytest.mark.parametrize("name,index,patterns", INDEX_ERRORS, ids=[i[0] for i in INDEX_ERRORS])
def test_index_errors(name, index, patterns):
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="getitem|index") as info:
        x[index]
    for p in patterns:
        assert re.search(p, str(info.value)), f"{p} not in {info.value}"


def test_index_error_on_plain_array_through_getitem():
    with pytest.raises(IndexError, match=r"5"):
        sg.getitem(np.ones(3), 5)


# ---- eager-face misuse ---------------------------------------------------------------------------


def test_item_assignment_error_says_what_to_do():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="assignment") as info:
        x[0] = 3.0
    assert re.search(r"where|concatenate|new tensor", str(info.value))


def test_implicit_numpy_conversion_error_says_what_to_do():
    with pytest.raises(TypeError) as info:
        np.asarray(leaf([1.0]))
    assert re.search(r"\.numpy\(\)|detach", str(info.value))


def test_len_of_a_scalar_tensor():
    with pytest.raises(TypeError, match="len"):
        len(sg.tensor(1.0))


def test_clip_without_bounds():
    with pytest.raises(ValueError, match="clip"):
        sg.clip(np.ones(3))


def test_graph_replay_with_another_structure():
    g = sg.trace(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(ValueError, match="structure|inputs"):
        g(1.0)


def test_complex_values_follow_jaxs_rules_with_clear_errors():
    import semigrad.numpy as snp

    z = np.array([1 + 2j, -0.5j])
    with pytest.raises(TypeError, match=r"requires real-valued outputs; got dtype complex128.*"
                                        r"holomorphic=True"):
        sg.grad(lambda v: snp.sum(snp.exp(v)))(z)
    with pytest.raises(TypeError, match="holomorphic=True needs complex inputs; got an input "
                                        "of dtype float64"):
        sg.grad(snp.sin, holomorphic=True)(0.5)
    with pytest.raises(TypeError, match="holomorphic=True needs complex outputs"):
        sg.grad(snp.abs, holomorphic=True)(1j)
    with pytest.raises(TypeError, match="real-valued inputs in forward mode.*jacrev"):
        sg.jacfwd(snp.abs)(z)
    with pytest.raises(TypeError, match="requires real-valued outputs"):
        sg.jacrev(snp.exp)(z)
    # allowed: real output of complex inputs in reverse, complex output of real inputs forward
    np.testing.assert_allclose(sg.jacrev(snp.abs)(z), np.diag(np.conj(z) / np.abs(z)))
    np.testing.assert_allclose(sg.jacfwd(lambda x: snp.exp(1j * x))(np.array([0.0])),
                               [[1j]])
    np.testing.assert_allclose(sg.jacobian(snp.exp, holomorphic=True)(z), np.diag(np.exp(z)))


def test_a_complex_cotangent_for_a_real_output_is_refused():
    _, pullback = sg.vjp(sg.sin, np.array([1.0]))
    with pytest.raises(TypeError, match="complex cotangent for a real output"):
        pullback(np.array([1j]))


def test_a_complex_tangent_for_a_real_primal_is_refused():
    with pytest.raises(TypeError, match="complex tangent for a real primal"):
        sg.jvp(sg.sin, (np.array([1.0]),), (np.array([1j]),))
    # a complex primal takes it
    _, t = sg.jvp(sg.sin, (np.array([1.0 + 0j]),), (np.array([1j]),))
    np.testing.assert_allclose(t, 1j * np.cos(1.0))


def test_an_argument_without_a_derivative_is_named_in_both_modes():
    sc = pytest.importorskip("semigrad.scipy.special")
    pytest.importorskip("scipy")
    with pytest.raises(TypeError, match=r"polygamma: no derivative with respect to argument 0"):
        sg.grad(lambda n: sc.polygamma(n, 2.0))(1.0)
    with pytest.raises(TypeError, match=r"polygamma: no derivative with respect to argument 0"):
        sg.jvp(lambda n: sc.polygamma(n, 2.0), (1.0,), (1.0,))
    # the other argument is differentiated; an integer order has no tangent to carry
    assert np.isclose(sg.grad(lambda x: sc.polygamma(1, x))(2.0), sc.polygamma(2, 2.0))
    _, t = sg.jvp(lambda x: sg.where(x > 0, x, 0.0), (np.array([1.0, -1.0]),),
                  (np.array([1.0, 1.0]),))
    np.testing.assert_array_equal(t, [1.0, 0.0])


def test_a_derivative_not_provided_says_why():
    sc = pytest.importorskip("semigrad.scipy.special")
    pytest.importorskip("scipy")
    message = (r"betainc: no derivative with respect to argument 1 \(shape \(\)\); a or b is a "
               r"shape parameter of the incomplete beta function.*sg.stop_gradient")
    with pytest.raises(TypeError, match=message):
        sg.grad(lambda b: sc.betainc(2.0, b, 0.5))(1.5)
    with pytest.raises(TypeError, match=message):
        sg.jvp(lambda b: sc.betainc(2.0, b, 0.5), (1.5,), (1.0,))
    assert np.isclose(sg.grad(lambda x: sc.betainc(2.0, 1.0, x))(0.5), 1.0)


def test_a_derivative_not_provided_is_refused_by_the_semiring_sweeps_too():
    sc = pytest.importorskip("semigrad.scipy.special")
    pytest.importorskip("scipy")
    graph = sg.trace(lambda a, x: sc.betainc(a, 2.0, x), 1.5, 0.3)
    for run in (lambda: graph.backprop(sg.semirings.Real()),
                lambda: graph.backprop(sg.semirings.MaxProduct()),
                graph.scalarize):
        with pytest.raises(TypeError, match="betainc: no derivative with respect to argument 0"):
            run()
    # an input with no derivative at all (an order) is simply no edge
    counts = sg.trace(lambda n, x: sc.polygamma(n, x), 1.0, 0.3).backprop(
        sg.semirings.Counting())
    assert [float(c) for c in counts] == [0.0, 1.0]
