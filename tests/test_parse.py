"""``semigrad.parse``: text in, a differentiable function out, and nothing else ever runs.

Parsed expressions must equal hand-written semigrad functions (values,
gradients, traced graphs); every refused construct raises ParseError at the
right column; and random or adversarial text either parses into an allowed
Expression or raises ParseError, quickly, without calling eval, exec, open,
__import__ or compile-to-code.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import semigrad as sg
from semigrad.parse import CONSTANTS, FUNCTIONS, Expression, Limits, ParseError, parse

SEED_TEXT = "exp(y**-x - log(z)) + (y-z)**2*log(v)"


def seed_function(x, y, z, v):
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


# ---- values and gradients against hand-written functions ------------------------------------


def test_seed_function_value_and_gradient():
    f = parse(SEED_TEXT, variables=["x", "y", "z", "v"])
    value, gradient = sg.value_and_grad(f, argnums=(0, 1, 2, 3))(0.5, 2.0, 3.0, 4.0)
    assert value == pytest.approx(2.06233268833571, rel=1e-13)
    assert gradient == pytest.approx(
        (-0.331346037775083, -2.89209654361886, 2.54724261316784, 0.25), rel=1e-13
    )
    assert sg.grad(f, argnums=(0, 1, 2, 3))(0.5, 2.0, 3.0, 4.0) == gradient


def test_seed_function_graph_is_the_hand_written_one():
    f = parse(SEED_TEXT, variables=["x", "y", "z", "v"])
    parsed = sg.trace(f, 0.5, 2.0, 3.0, 4.0)
    written = sg.trace(seed_function, 0.5, 2.0, 3.0, 4.0)
    assert [e.primitive for e in parsed.edges] == [e.primitive for e in written.edges]
    assert [n.label for n in parsed.inputs] == ["x", "y", "z", "v"]
    assert float(parsed(1.0, 2.0, 3.0, 4.0)) == float(written(1.0, 2.0, 3.0, 4.0))


def test_seed_function_eager_and_second_order():
    f = parse(SEED_TEXT, variables=["x", "y", "z", "v"])
    xs = [sg.tensor(v, requires_grad=True) for v in (0.5, 2.0, 3.0, 4.0)]
    f(*xs).backward()
    assert [float(t.grad) for t in xs] == pytest.approx([-0.331346037775083, -2.89209654361886,
                                                         2.54724261316784, 0.25], rel=1e-13)
    point = np.array([0.5, 2.0, 3.0, 4.0])
    hessian = sg.hessian(lambda a: f(a[0], a[1], a[2], a[3]))(point)
    expected = sg.hessian(lambda a: seed_function(a[0], a[1], a[2], a[3]))(point)
    np.testing.assert_allclose(hessian, expected, rtol=1e-13)


# (text, the same function written with semigrad, its variables' order)
HAND_WRITTEN = [
    ("x + y*z - x/y", lambda x, y, z: x + y * z - x / y),
    ("-x**2 + +y", lambda x, y: -(x ** 2) + y),
    ("x**-y", lambda x, y: x ** -y),
    ("2*pi*x + e", lambda x: 2 * np.pi * x + np.e),
    ("sqrt(x) * log1p(y) + expm1(x) - square(y)",
     lambda x, y: sg.sqrt(x) * sg.log1p(y) + sg.expm1(x) - sg.square(y)),
    ("abs(x - y) + sign(x) * sin(y) * cos(x) / (1 + tan(y)**2)",
     lambda x, y: sg.abs(x - y) + sg.sign(x) * sg.sin(y) * sg.cos(x) / (1 + sg.tan(y) ** 2)),
    ("tanh(x) + sigmoid(y) + relu(x - y)",
     lambda x, y: sg.tanh(x) + sg.sigmoid(y) + sg.relu(x - y)),
    ("maximum(x, y) * minimum(x, 2*y)", lambda x, y: sg.maximum(x, y) * sg.minimum(x, 2 * y)),
    ("exp(log(x)*y)", lambda x, y: sg.exp(sg.log(x) * y)),
    ("x*y*x/y/x", lambda x, y: x * y * x / y / x),
]


@pytest.mark.parametrize("text, fn", HAND_WRITTEN, ids=[t for t, _ in HAND_WRITTEN])
def test_values_and_gradients_equal_hand_written(text, fn):
    f = parse(text)
    n = len(f.variables)
    argnums = tuple(range(n))
    for point in [(0.7, 1.3, 0.4)[:n], (1.9, 0.2, 2.5)[:n]]:
        assert float(f(*point)) == pytest.approx(float(fn(*point)), rel=1e-14)
        assert sg.grad(f, argnums=argnums)(*point) == pytest.approx(
            sg.grad(fn, argnums=argnums)(*point), rel=1e-14
        )


def test_precedence_is_pythons():
    assert float(parse("-x**2")(3.0)) == -9.0
    assert float(parse("2**-x**2")(1.0)) == 0.5
    assert float(parse("x - y - z")(1.0, 2.0, 3.0)) == -4.0
    assert float(parse("x / y * z")(1.0, 2.0, 3.0)) == 1.5
    assert float(parse("x ** y ** z")(2.0, 3.0, 2.0)) == 512.0


def test_arrays_broadcast_like_semigrad():
    f = parse("x * sin(y) + z")
    x, y = np.array([1.0, 2.0, 3.0]), np.array([[0.1], [0.2]])
    np.testing.assert_array_equal(f(x, y, 1.0), x * np.sin(y) + 1.0)
    gx = sg.grad(lambda a: sg.sum(f(a, y, 1.0)))(x)
    np.testing.assert_allclose(gx, np.sin(y).sum() * np.ones(3))


def test_python_numbers_are_evaluated_as_float64():
    assert parse("x / y")(1, 2) == 0.5
    with np.errstate(divide="ignore"):
        assert parse("x / y")(1.0, 0.0) == np.inf  # NumPy's inf, not ZeroDivisionError
    assert type(parse("1 + 2")()) is np.float64


def test_tiny_constants_underflow_to_zero():
    assert float(parse("x + 2**-10**10")(1.0)) == 1.0


def test_constants_are_folded_out_of_the_graph():
    f = parse("2*pi*x + exp(1)*3")
    assert [e.primitive for e in sg.trace(f, 1.0).edges] == ["multiply", "add"]
    assert float(f(1.0)) == pytest.approx(2 * np.pi + 3 * np.e)


def test_a_long_sum_is_one_level_of_nesting():
    text = "+".join(f"x{k}" for k in range(1000))
    f = parse(text)
    assert len(f.variables) == 1000
    assert float(f(*range(1000))) == sum(range(1000))


def test_nesting_within_the_limit_parses():
    assert float(parse("sin(" * 40 + "x" + ")" * 40)(0.0)) == 0.0
    assert float(parse("(" * 99 + "x" + ")" * 99)(3.0)) == 3.0


# ---- variables ------------------------------------------------------------------------------


def test_variables_in_order_of_first_appearance():
    assert parse(SEED_TEXT).variables == ("y", "x", "z", "v")
    assert parse("b*a + c*(a - b)").variables == ("b", "a", "c")
    assert parse("(b\n + a)").variables == ("b", "a")


def test_variables_by_name():
    assert parse(SEED_TEXT, order="name").variables == ("v", "x", "y", "z")


def test_variables_given_exactly_may_include_unused_names():
    f = parse("x * y", variables=["y", "w", "x"])
    assert f.variables == ("y", "w", "x")
    assert float(f(2.0, 100.0, 3.0)) == 6.0
    assert sg.grad(f, argnums=(0, 1, 2))(2.0, 100.0, 3.0) == (3.0, 0.0, 2.0)


def test_constants_and_functions_are_not_variables():
    assert parse("e*x + pi").variables == ("x",)
    assert parse("exp(x)").variables == ("x",)


@pytest.mark.parametrize("variables, error", [
    ("xy", TypeError),
    (["x", "x"], ValueError),
    (["exp"], ValueError),
    (["pi"], ValueError),
    (["_x"], ValueError),
    (["x y"], ValueError),
    (["\uff58"], ValueError),  # fullwidth x
    ([1], ValueError),
])
def test_bad_variables_argument(variables, error):
    with pytest.raises(error):
        parse("1", variables=variables)


def test_bad_order_and_text_arguments():
    with pytest.raises(ValueError, match="order"):
        parse("x", order="size")
    with pytest.raises(ValueError, match="variables"):
        parse("x", variables=["x"], order="name")
    with pytest.raises(TypeError, match="str"):
        parse(b"x")


def test_named_evaluation():
    f = parse("x - 2*y")
    assert float(f.call(x=5.0, y=1.0)) == 3.0
    assert float(f.call({"x": 5.0, "y": 1.0})) == 3.0
    assert float(f.call({"y": 1.0}, x=5.0)) == 3.0
    with pytest.raises(TypeError, match="'y'"):
        f.call(x=1.0)
    with pytest.raises(TypeError, match="unknown variable 'w'"):
        f.call(x=1.0, y=2.0, w=3.0)
    with pytest.raises(TypeError, match="both"):
        f.call({"x": 1.0}, x=1.0, y=1.0)


def test_wrong_number_of_arguments():
    with pytest.raises(TypeError, match="takes 2 arguments"):
        parse("x + y")(1.0)


def test_text_repr_and_expression_constructor():
    f = Expression("x + 1", limits=Limits())
    assert f.text == "x + 1"
    assert repr(f) == "Expression('x + 1', variables=('x',))"
    assert repr(parse("x*y", variables=["y", "x"])) == "Expression('x*y', variables=('y', 'x'))"


# ---- refusals -------------------------------------------------------------------------------

# (text, what the message says, column)
REFUSED = [
    ("exp(foo(x))", "unknown function 'foo'", 5),
    ("x + open(1)", "unknown function 'open'", 5),
    ("__import__('os')", "'__import__' is not allowed", 1),
    ("1 + __class__", "'__class__' is not allowed", 5),
    ("_x", "'_x' is not allowed", 1),
    ("().__class__", "attribute access", 1),
    ("x + y.real", "attribute access", 5),
    ("x[0]", "indexing", 1),
    ("lambda: 0", "lambda", 1),
    ("[x for x in y]", "comprehensions", 1),
    ("2 * (x for x in y)", "generator expressions", 5),
    ("f'{x}'", "f-strings", 1),
    ("x + 'a'", "strings", 5),
    ("b'a'", "bytes", 1),
    ("(y := 1)", "assignment expressions", 2),
    ("x < 1", "comparisons", 1),
    ("x and y", "'and' and 'or'", 1),
    ("x if y else z", "conditional expressions", 1),
    ("[x]", "lists", 1),
    ("x, y", "tuples", 1),
    ("{x}", "sets", 1),
    ("{1: x}", "dicts", 1),
    ("True + x", "booleans", 1),
    ("None", "None is", 1),
    ("...", "'...' is", 1),
    ("2j * x", "complex numbers", 1),
    ("maximum(x, *y)", "starred arguments", 12),
    ("exp(x=1)", "keyword argument 'x'", 5),
    ("exp(**x)", "keyword argument '**'", 5),
    ("exp(x, y)", "exp takes 1 argument; got 2", 1),
    ("1 + maximum(x)", "maximum takes 2 arguments; got 1", 5),
    ("x + exp", "the function 'exp' is used as a value", 5),
    ("x(2)", "unknown function 'x'", 1),
    ("sin(x)(2)", "only named functions can be called", 1),
    ("x @ y", "the operator '@'", 3),
    ("(x) // 2", "the operator '//'", 5),
    ("x % 2", "the operator '%'", 3),
    ("x ^ 2", "the operator '^'", 3),
    ("not x", "the operator 'not'", 1),
    ("~x", "the operator '~'", 1),
    ("await x", "await", 1),
    ("\uff45\uff58\uff50(x)", "non-ASCII character", 1),  # fullwidth 'exp'
    ("x + \u0435", "non-ASCII character", 5),  # Cyrillic e
    ("x\u00a0+ 1", "non-ASCII character", 2),  # no-break space
    ("x +\x00 1", "control character", 4),
    ("x +\r 1", "control character", 4),
    ("1e301 * x", "the number 1e301 is too large", 1),
    ("x + " + "9" * 302, "is too large", 5),
    ("10**10**10", "the constant 10**10**10 is inf", 1),
    ("x * 2**1000", "the constant 2**1000 is 1.07", 5),
    ("x + 1/0", "the constant 1/0 is inf", 5),
    ("x + (-8)**(1/3)", "is nan", 5),
    ("x * log(0)", "the constant log(0) is -inf", 5),
    ("x +", "ends too early", 4),
    ("x + * 2", "syntax error", 5),
    ("3x", "syntax error", 1),
    ("x = 1", "syntax error", 3),
    ("exp(x", "'(' was never closed", 4),
    ("x\n+ 1", "syntax error", 3),
    ("", "empty", 1),
    ("  \n ", "empty", 5),
    ("(" * 10_000, "brackets are nested more than 100 deep", 101),
    ("exp(" * 101 + "x" + ")" * 101, "brackets are nested more than 100 deep", 404),
    ("-" * 101 + "x", "nested more than 100 levels", 101),
    ("x**" * 101 + "x", "nested more than 100 levels", 298),
    ("-" * 9_000 + "x", "too deeply nested or too long for Python's parser", 1),
    ("x+" * 4_000 + "x", "too deeply nested or too long for Python's parser", 1),
    ("x" * 10_001, "the text has 10001 characters; at most 10000", 10_001),
]


@pytest.mark.parametrize("text, message, column", REFUSED, ids=[t[:20] for t, _, _ in REFUSED])
def test_refused_with_its_column(text, message, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    error = info.value
    assert message in error.message or message in str(error)
    assert error.column == column, str(error)
    assert f"at column {column}" in str(error)
    assert "\n" not in str(error)
    assert isinstance(error, ValueError)


def test_unknown_name_with_given_variables():
    with pytest.raises(ParseError, match=r"unknown name 'w' at column 5: the variables are x, y"):
        parse("x + w * y", variables=["x", "y"])


def test_error_caret_and_pickle():
    with pytest.raises(ParseError) as info:
        parse("(x +\n\t foo(1))")
    error = info.value
    assert error.column == 8
    assert error.caret() == "\t foo(1))\n\t ^"
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.column) == (str(error), error.column)


def test_leading_indentation_counts_in_columns():
    assert float(parse("  x + 1")(1.0)) == 2.0
    with pytest.raises(ParseError) as info:
        parse("  x + foo(1)")
    assert info.value.column == 7


def test_limits_can_be_tightened():
    with pytest.raises(ParseError, match="nested more than 3"):
        parse("exp(exp(exp(x)))", limits=Limits(max_depth=3))
    with pytest.raises(ParseError, match="more than 4 parts at column 9"):
        parse("a + b + c", limits=Limits(max_nodes=4))
    with pytest.raises(ParseError, match="too large"):
        parse("x * 1e10", limits=Limits(max_magnitude=1e9))
    assert parse("a + b + c", limits=Limits(max_nodes=5)).variables == ("a", "b", "c")


def test_too_many_parts():
    def product_of_sums(n):  # about 200 parts per factor, never deeply nested
        return "*".join("(" + "+".join(["x"] * 100) + ")" for _ in range(n))

    assert float(parse(product_of_sums(24))(1.0)) == 100.0 ** 24
    with pytest.raises(ParseError, match="more than 5000 parts"):
        parse(product_of_sums(26))


def test_the_whitelist_is_what_the_docs_say():
    import pathlib
    import re

    docs = (pathlib.Path(__file__).parents[1] / "docs" / "parse.md").read_text()
    rows = dict((int(n), set(names.split())) for names, n in
                re.findall(r"^\| `([a-z0-9_ ]+)` \| (\d) \|$", docs, re.M))
    assert rows == {a: {n for n, (_, k) in FUNCTIONS.items() if k == a} for a in (1, 2)}
    # derived from semigrad.numpy by name: the examples are there
    assert {"sinh", "atan", "arctan2", "log10", "hypot", "floor", "exp"} <= set(FUNCTIONS)
    assert not {"equal", "less", "logical_and", "isfinite"} & set(FUNCTIONS)
    assert sorted(CONSTANTS) == ["e", "pi"]


# ---- fuzz: random and adversarial text ------------------------------------------------------


class _Forbidden(Exception):
    pass


@contextlib.contextmanager
def sandbox():
    """Make eval, exec, open, __import__ and compile-to-code raise while parsing."""
    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "open", "__import__",
                                                        "compile")}
    real_compile = saved["compile"]

    def refuse(*args, **kwargs):
        raise _Forbidden("parse ran code")

    def compile_to_ast_only(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            raise _Forbidden("parse compiled to code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    for name in ("eval", "exec", "open", "__import__"):
        setattr(builtins, name, refuse)
    builtins.compile = compile_to_ast_only
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(builtins, name, value)


def check_text(text):
    """``text`` parses into an allowed Expression that evaluates, or raises ParseError."""
    with sandbox():
        try:
            expr = parse(text)
        except ParseError as error:
            expr = None
            assert 1 <= error.column <= len(text) + 1
            assert "\n" not in str(error)
            error.caret()
        else:
            assert isinstance(expr, Expression)
            for name in expr.variables:
                assert name.isascii() and name.isidentifier() and name[0].isalpha()
                assert name not in FUNCTIONS and name not in CONSTANTS
            with np.errstate(all="ignore"):
                value = expr(*np.linspace(0.3, 1.7, len(expr.variables)))
            assert np.shape(value) == ()
    return expr


TOKENS = [
    "x", "y", "z", "v", "e", "pi", "exp", "log", "sqrt", "maximum", "foo", "open", "__import__",
    "__class__", "_", "ｅｘｐ", "\u0435", "lambda", "for", "in", "if", "else", "not", "and",
    "True", "None", "await", "yield", "0", "1", "2.5", "1e300", "1e308", "9" * 400, "0x1f",
    "1j", "1_0", "+", "-", "*", "/", "**", "@", "//", "%", "<", "==", ":=", "=", ".", ",",
    ":", ";", "(", ")", "[", "]", "{", "}", "'", '"', "f'", "\\", "#", " ", "\t", "\n",
    "...", "*", "**", "\x00", "\u00a0",
]

ADVERSARIAL = [
    "__import__('os').system('echo hi')", "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0", "[x for x in y]", "f'{__import__(\"os\")}'", "open('/etc/passwd')",
    "exec('1')", "eval('1')", "(lambda: 1)()", "x.__class__", "exp.__globals__",
    "\uff45\uff58\uff50(x)", "\U0001d41e\U0001d431\U0001d429(x)", "\u2170", "x\u2028+1",
    "10**10**10", "9**9**9**9", "(" * 10_000, ")" * 10_000, "-" * 9_999 + "x",
    "x**" * 3_000 + "x", "exp(" * 5_000, "x" * 10_001, "x+" * 4_999 + "x",
    "1" * 9_000, "0x" + "f" * 9_000, "1e" + "9" * 9_000, "sqrt(-1)", "log(0) * x",
]


def texts():
    soup = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
    printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
    unicode = st.text(max_size=40)
    repeated = st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["(", "-", "+x", "x**", "exp(", "9", "[", "x+", "((x))"]),
        st.integers(1, 11_000),
    )
    return st.one_of(soup, printable, unicode, repeated, st.sampled_from(ADVERSARIAL))


FUZZ = settings(
    max_examples=250, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(texts())
def test_fuzz_every_text_parses_or_raises_parse_error(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may even warn
        check_text(text)


# Random expressions as (text, the same function written with semigrad on a dict of values).
# Numbers are Python floats, and operations on numbers alone are done in float64 ahead of
# time, as the parser folds them.
def _apply(fn, *args):
    if all(type(a) is float for a in args):
        return float(fn(*map(np.float64, args)))
    return fn(*args)


_UNARY_FUNCTIONS = sorted(name for name, (_, arity) in FUNCTIONS.items() if arity == 1)
_OPERATORS = {"+": sg.add, "-": sg.subtract, "*": sg.multiply, "/": sg.divide, "**": sg.power}


def _leaf():
    variables = st.sampled_from(["x", "y", "z"]).map(lambda n: (n, lambda env, n=n: env[n]))
    numbers = st.one_of(st.integers(0, 20), st.floats(0, 10, allow_subnormal=False)).map(
        lambda c: (repr(c), lambda env, c=float(c): c)
    )
    constants = st.sampled_from(["pi", "e"]).map(
        lambda n: (n, lambda env, c=CONSTANTS[n]: c)
    )
    return st.one_of(variables, numbers, constants)


def _extend(inner):
    def binary(op, a, b):
        return f"({a[0]} {op} {b[0]})", lambda env: _apply(_OPERATORS[op], a[1](env), b[1](env))

    def call(name, a, b):
        fn, arity = FUNCTIONS[name]
        args = (a,) if arity == 1 else (a, b)
        return (f"{name}({', '.join(t for t, _ in args)})",
                lambda env: _apply(fn, *(f(env) for _, f in args)))

    return st.one_of(
        st.builds(binary, st.sampled_from(sorted(_OPERATORS)), inner, inner),
        st.builds(lambda a: (f"(-{a[0]})", lambda env: _apply(sg.negative, a[1](env))), inner),
        st.builds(call, st.sampled_from(_UNARY_FUNCTIONS + ["maximum", "minimum"]), inner,
                  inner),
    )


@FUZZ
@given(st.recursive(_leaf(), _extend, max_leaves=25))
def test_fuzz_random_expressions_equal_hand_written(case):
    text, reference = case
    expr = check_text(text)
    if expr is None:  # only constants that fold to inf, nan or beyond 1e300 are refused
        with pytest.raises(ParseError, match="the constant"):
            parse(text)
        return
    env = {"x": 0.7, "y": 1.3, "z": 0.4}
    with np.errstate(all="ignore"):
        expected = reference({k: np.float64(v) for k, v in env.items()})
        np.testing.assert_array_equal(expr.call({n: env[n] for n in expr.variables}), expected)
        if expr.variables:
            argnums = tuple(range(len(expr.variables)))
            point = [env[n] for n in expr.variables]
            written = lambda *a: reference({**env, **dict(zip(expr.variables, a))})  # noqa: E731
            np.testing.assert_array_equal(sg.grad(expr, argnums=argnums)(*point),
                                          sg.grad(written, argnums=argnums)(*point))


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_texts_are_refused(text):
    assert check_text(text) is None


def test_sandbox_catches_code_execution():
    with sandbox(), pytest.raises(_Forbidden):
        eval("1")
    with sandbox(), pytest.raises(_Forbidden):
        compile("1", "<test>", "eval")
