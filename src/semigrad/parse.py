"""A safe parser for math expressions: text in, a differentiable semigrad function out.

``parse("exp(y**-x - log(z)) + (y-z)**2*log(v)")`` returns an
:class:`Expression`, a function of the expression's free variables that
builds its computation by calling semigrad's own functions (``sg.exp``,
``sg.power``, ...), so that ``sg.grad``, ``sg.trace`` and every other
transform work on it as on hand-written code.

The text is read with Python's :mod:`ast` module and nothing else runs: no
``eval``, ``exec`` or ``compile`` to code, no name is looked up in any Python
namespace. Every node of the syntax tree is checked against a whitelist (number
literals, names, unary ``+ -``, binary ``+ - * / **``, calls of the functions in
:data:`FUNCTIONS` with positional arguments) and turned into a flat postfix
program, which a loop evaluates: neither the checks nor the evaluation recurse,
so deep input cannot overflow the stack. :class:`Limits` bound the text's
length, its nesting, its size and its constants, so that no input hangs or
exhausts memory. Anything else raises :class:`ParseError`, a ``ValueError``
with the 1-based column of the problem. docs/parse.md has the whole grammar.
"""

from __future__ import annotations

import ast
import inspect
import math
import warnings
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

from . import ops

__all__ = ["CONSTANTS", "FUNCTIONS", "LIMITS", "Expression", "Limits", "ParseError", "parse"]


class Limits(NamedTuple):
    """Bounds on what :func:`parse` accepts; each is checked before it can cost much.

    ``max_length`` characters of text; ``max_depth`` levels of nesting, both of
    brackets and of the syntax tree (each operator, call, unary sign and operand
    is a level, except that a chain of ``+``/``-``, or of ``*``/``/``, is one
    level: ``a+b-c+d`` has depth 2);
    ``max_nodes`` syntax-tree nodes (names, numbers, operators, calls);
    ``max_magnitude`` for every constant, as written (``1e301`` is refused) or
    computed from constants alone (``10**10**10`` is refused, without being
    computed exactly).

    >>> from semigrad.parse import Limits, parse
    >>> parse("x + 1", limits=Limits(max_length=3))
    Traceback (most recent call last):
        ...
    semigrad.parse.ParseError: the text has 5 characters; at most 3 are allowed at column 4
    """

    max_length: int = 10_000
    max_depth: int = 100
    max_nodes: int = 5_000
    max_magnitude: float = 1e300


#: The limits :func:`parse` uses unless given others.
LIMITS = Limits()

def _expression_functions() -> dict:
    """name -> (function, number of arguments), derived from :mod:`semigrad.numpy` by name.

    Every elementwise primitive of the NumPy namespace that maps real numbers
    to real numbers (``sinh``, ``arctan2``, ``log10``, ``hypot``, ``floor`` ...; not
    the comparisons and logical functions), with its arity from its
    declaration, plus semigrad's own elementwise composites ``sigmoid`` and ``relu``.
    A function added to the namespace is available in expressions at once.
    """
    from . import numpy as snp
    from .primitives.base import Elementwise

    table = {}
    for name in sorted(dir(snp)):
        fn = getattr(snp, name)
        if not isinstance(fn, Elementwise):
            continue
        if isinstance(fn.impl, np.ufunc):
            arity = fn.impl.nin
        elif fn.partials is not None:
            arity = len(fn.partials)
        else:
            params = inspect.signature(fn.impl).parameters.values()
            arity = sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                            p.POSITIONAL_OR_KEYWORD)
                        for p in params)
        with np.errstate(all="ignore"):
            try:
                real = np.result_type(fn(*[np.float64(0.5)] * arity)).kind == "f"
            except (TypeError, ValueError):
                real = False
        if real and arity in (1, 2):
            table[name] = (fn, arity)
    table["sigmoid"] = (ops.sigmoid, 1)
    table["relu"] = (ops.relu, 1)
    return table


#: The functions an expression may call: name -> (semigrad function, number of arguments).
FUNCTIONS = _expression_functions()

#: The named constants.
CONSTANTS = {"pi": math.pi, "e": math.e}

_BINARY = {ast.Add: ops.add, ast.Sub: ops.subtract, ast.Mult: ops.multiply,
           ast.Div: ops.divide, ast.Pow: ops.power}
# A chain of operators from one group (a+b-c, a*b/c) is one level of nesting.
_CHAIN = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}
_REFUSED_OPERATORS = {
    ast.MatMult: "@", ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}
_REFUSED_NODES = {
    ast.Attribute: "attribute access is", ast.Subscript: "indexing is", ast.Slice: "slices are",
    ast.Lambda: "lambda is", ast.ListComp: "comprehensions are", ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are", ast.GeneratorExp: "generator expressions are",
    ast.JoinedStr: "f-strings are", ast.FormattedValue: "f-strings are",
    ast.NamedExpr: "assignment expressions (:=) are", ast.Compare: "comparisons are",
    ast.BoolOp: "'and' and 'or' are", ast.IfExp: "conditional expressions are",
    ast.List: "lists are", ast.Tuple: "tuples are", ast.Set: "sets are", ast.Dict: "dicts are",
    ast.Starred: "starred arguments are", ast.Await: "await is", ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
}
_REFUSED_LITERALS = {
    bool: "booleans are", complex: "complex numbers are", str: "strings are",
    bytes: "bytes are", type(None): "None is", type(...): "'...' is",
}
_WHITESPACE = " \t\n"
_OPEN, _CLOSE = "([{", ")]}"

# Instructions of the postfix program: push a constant, push a variable's value,
# or apply a function to the top ``arity`` values.
_CONST, _VAR, _APPLY = 0, 1, 2


class ParseError(ValueError):
    """Why a text is not an expression, and where: ``.message``, ``.column`` (1-based).

    ``column`` counts characters from the start of the text (newlines count as
    one), so ``text[column - 1]`` is where the problem is; ``column`` is
    ``len(text) + 1`` when the text ends too early. ``str(error)`` is one line;
    :meth:`caret` also shows the text with a caret under the column.

    >>> from semigrad.parse import ParseError, parse
    >>> try:
    ...     parse("exp(foo(x))")
    ... except ParseError as e:
    ...     print(e.message, e.column, sep=" | ")
    ...     print(e.caret())
    unknown function 'foo' | 5
    exp(foo(x))
        ^
    """

    def __init__(self, message: str, column: int, text: str = "", hint: str = ""):
        self.message = message
        self.column = column
        self.text = text
        self.hint = hint
        super().__init__(f"{message} at column {column}" + (f": {hint}" if hint else ""))

    def __reduce__(self):
        return type(self), (self.message, self.column, self.text, self.hint)

    def caret(self) -> str:
        """The line of the text holding the column, and a caret under it.

        >>> from semigrad.parse import ParseError
        >>> print(ParseError("unexpected", 3, "1 + * 2").caret())
        1 + * 2
          ^
        """
        index = min(max(self.column - 1, 0), len(self.text))
        start = self.text.rfind("\n", 0, index) + 1
        end = self.text.find("\n", index)
        line = self.text[start:] if end < 0 else self.text[start:end]
        # Keep the line's tabs in the caret line so that the caret lines up.
        pad = "".join(c if c == "\t" else " " for c in self.text[start:index])
        return f"{line}\n{pad}^"


class Expression:
    """A parsed expression: a semigrad function of ``variables`` (positional, in that order).

    Calling it with floats, NumPy arrays or Tensors evaluates the expression
    with semigrad's functions, so transforms apply to it as to any function;
    :meth:`call` takes the values by name. Python ints and floats are
    evaluated as NumPy float64 (so ``x/y`` at y = 0 is inf, not an error).
    ``Expression(text, ...)`` is the same as ``parse(text, ...)``.

    >>> import semigrad as sg
    >>> from semigrad.parse import parse
    >>> f = parse("x * sin(y)")
    >>> f
    Expression('x * sin(y)', variables=('x', 'y'))
    >>> float(f(2.0, 0.0)), sg.grad(f, argnums=(0, 1))(2.0, 0.0)
    (0.0, (0.0, 2.0))
    >>> [e.primitive for e in sg.trace(f, 2.0, 0.0).edges]
    ['sin', 'multiply']
    """

    def __init__(
        self,
        text: str,
        variables: Iterable[str] | None = None,
        order: str = "appearance",
        *,
        limits: Limits = LIMITS,
    ):
        if not isinstance(text, str):
            raise TypeError(f"parse: text must be a str; got {type(text).__name__}")
        if order not in ("appearance", "name"):
            raise ValueError(f"parse: order must be 'appearance' or 'name'; got {order!r}")
        given = None if variables is None else _check_variables(variables)
        if given is not None and order != "appearance":
            raise ValueError(
                "parse: variables= fixes the order of the arguments; leave order at its default"
            )
        program, names = _Compiler(text, given, limits).run()
        if given is None:
            given = tuple(sorted(names)) if order == "name" else tuple(names)
        self._text = text
        self._variables = given
        position = {name: k for k, name in enumerate(given)}
        self._program = tuple(
            (_VAR, position[arg]) if kind == _VAR else (kind, arg) for kind, arg in program
        )
        # For sg.trace (input names) and functools.wraps (the transforms' names).
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in given]
        )
        self.__name__ = "expression"

    @property
    def text(self) -> str:
        """The text the expression was parsed from."""
        return self._text

    @property
    def variables(self) -> tuple[str, ...]:
        """The names of the arguments, in the order :meth:`__call__` takes them."""
        return self._variables

    def __repr__(self) -> str:
        return f"Expression({self._text!r}, variables={self._variables!r})"

    def __call__(self, *values):
        """Evaluate at ``values``, one per variable, in the order of ``variables``.

        >>> from semigrad.parse import parse
        >>> parse("2*x + y")(1.0, np.array([0.0, 1.0])).tolist()
        [2.0, 3.0]
        """
        if len(values) != len(self._variables):
            raise TypeError(
                f"{self!r} takes {len(self._variables)} argument"
                f"{'s' if len(self._variables) != 1 else ''} ({', '.join(self._variables)}); "
                f"got {len(values)}: pass one value per variable, or use .call(name=value)"
            )
        values = [np.float64(v) if type(v) is float or type(v) is int else v for v in values]
        stack: list = []
        for kind, arg in self._program:
            if kind == _CONST:
                stack.append(arg)
            elif kind == _VAR:
                stack.append(values[arg])
            else:
                fn, arity = arg
                args = stack[-arity:]
                del stack[-arity:]
                stack.append(fn(*args))
        (result,) = stack
        return np.float64(result) if type(result) is float else result

    def call(self, values: Mapping | None = None, /, **named):
        """Evaluate with the values given by name, as a mapping, keywords or both.

        >>> from semigrad.parse import parse
        >>> f = parse("x - y")
        >>> float(f.call(x=3.0, y=1.0)), float(f.call({"y": 1.0}, x=3.0))
        (2.0, 2.0)
        """
        given = dict(values or {})
        both = sorted(set(given) & set(named))
        if both:
            raise TypeError(f"{self!r}: {both[0]!r} is given both in the mapping and by keyword")
        given.update(named)
        unknown = sorted(set(given) - set(self._variables))
        if unknown:
            raise TypeError(
                f"{self!r}: unknown variable {unknown[0]!r}; the variables are "
                f"{', '.join(self._variables) or 'none'}"
            )
        missing = [n for n in self._variables if n not in given]
        if missing:
            raise TypeError(f"{self!r}: no value for {', '.join(map(repr, missing))}")
        return self(*(given[n] for n in self._variables))


def parse(
    text: str,
    variables: Iterable[str] | None = None,
    order: str = "appearance",
    *,
    limits: Limits = LIMITS,
) -> Expression:
    """Parse math written like Python into an :class:`Expression` (never evaluated as code).

    The arguments of the result are its free variables: in order of first
    appearance in the text by default, alphabetically with ``order="name"``,
    or exactly ``variables`` when given (which may name variables the text
    does not use; then every name in the text must be among them).

    >>> import semigrad as sg
    >>> from semigrad.parse import parse
    >>> f = parse("exp(y**-x - log(z)) + (y-z)**2*log(v)")
    >>> f.variables
    ('y', 'x', 'z', 'v')
    >>> parse(f.text, order="name").variables
    ('v', 'x', 'y', 'z')
    >>> f = parse(f.text, variables=["x", "y", "z", "v"])
    >>> value, gradient = sg.value_and_grad(f, argnums=(0, 1, 2, 3))(0.5, 2.0, 3.0, 4.0)
    >>> round(float(value), 12), [round(g, 12) for g in gradient]
    (2.062332688336, [-0.331346037775, -2.892096543619, 2.547242613168, 0.25])
    >>> parse("x.__class__")
    Traceback (most recent call last):
        ...
    semigrad.parse.ParseError: attribute access is not allowed at column 1
    """
    return Expression(text, variables, order, limits=limits)


def _is_name(name: str) -> bool:
    return name.isascii() and name.isidentifier() and name[0].isalpha()


def _check_variables(variables) -> tuple[str, ...]:
    if isinstance(variables, str):
        raise TypeError(f"parse: variables must be a list of names, not the str {variables!r}")
    names = tuple(variables)
    for name in names:
        if not isinstance(name, str) or not _is_name(name):
            raise ValueError(
                f"parse: variable {name!r} is not a name: use ASCII letters, digits and '_', "
                "starting with a letter"
            )
        if name in FUNCTIONS or name in CONSTANTS:
            raise ValueError(f"parse: variable {name!r} is the name of a function or constant")
    if len(set(names)) != len(names):
        raise ValueError(f"parse: repeated variable in {list(names)!r}")
    return names


class _Compiler:
    """Checks one text against the whitelist and limits and turns it into a postfix program."""

    def __init__(self, text: str, variables: tuple[str, ...] | None, limits: Limits):
        self.text = text
        self.variables = variables
        self.limits = limits
        self.line_starts = [0]

    def error(self, message, column, hint=""):
        return ParseError(message, column, self.text, hint)

    def column(self, node) -> int:
        # ast positions are UTF-8 byte offsets per line; the text is ASCII by now,
        # so bytes are characters.
        return self.line_starts[node.lineno - 1] + node.col_offset + 1

    def run(self):
        body = self.read()
        return self.compile(body)

    def read(self) -> ast.expr:
        """Check the raw text, then let :func:`ast.parse` build the tree."""
        text, limits = self.text, self.limits
        if len(text) > limits.max_length:
            raise self.error(
                f"the text has {len(text)} characters; at most {limits.max_length} are allowed",
                limits.max_length + 1,
            )
        depth = 0
        for k, c in enumerate(text):
            if not (" " <= c <= "~" or c in _WHITESPACE):
                # Python would NFKC-normalise identifiers ('ｅｘｐ' is 'exp' to it);
                # refusing non-ASCII means what one reads is what runs.
                what = "non-ASCII" if ord(c) > 127 else "control"
                raise self.error(
                    f"{what} character {c!r} (U+{ord(c):04X}) is not allowed", k + 1,
                    "write expressions in ASCII",
                )
            if c in _OPEN:
                depth += 1
                if depth > limits.max_depth:
                    raise self.error(
                        f"brackets are nested more than {limits.max_depth} deep", k + 1
                    )
            elif c in _CLOSE:
                depth = max(depth - 1, 0)
        # Python's eval mode refuses leading indentation; it means nothing here.
        skipped = len(text) - len(text.lstrip(_WHITESPACE))
        if skipped == len(text):
            raise self.error("the expression is empty", len(text) + 1)
        source = text[skipped:]
        for k, c in enumerate(source):
            if c == "\n":
                self.line_starts.append(skipped + k + 1)
        self.line_starts[0] = skipped
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. invalid escapes in (refused) strings
                tree = ast.parse(source, mode="eval")
        except SyntaxError as e:
            if not e.offset or not e.lineno:  # CPython reports a premature end as offset 0
                raise self.error("syntax error: the expression ends too early",
                                 len(text) + 1) from None
            line = min(e.lineno, len(self.line_starts))
            column = min(self.line_starts[line - 1] + e.offset, len(text) + 1)
            raise self.error(f"syntax error: {e.msg}", column) from None
        except (RecursionError, MemoryError):
            # CPython's parser gives up on chains of a few thousand operators.
            raise self.error(
                "the expression is too deeply nested or too long for Python's parser",
                skipped + 1, "split it into smaller expressions",
            ) from None
        return tree.body

    def compile(self, body):
        """The postfix program and the variables in order of first appearance.

        A loop over an explicit stack: each node is visited once to check it
        (pre-order, so the first problem in the text is reported) and once more,
        after its operands, to emit its instruction. Operations on constants
        only are folded into one constant, computed with NumPy float64.
        """
        limits = self.limits
        program: list = []
        operands: list = []  # per value on the run-time stack: its constant, or None
        appearance: dict[str, int] = {}
        nodes = 0
        stack: list = [(body, 1, False)]
        while stack:
            node, depth, emit = stack.pop()
            if emit:
                self.emit(node, program, operands)
                continue
            nodes += 1
            if nodes > limits.max_nodes:
                raise self.error(
                    f"the expression has more than {limits.max_nodes} parts", self.column(node)
                )
            if depth > limits.max_depth:
                raise self.error(
                    f"the expression is nested more than {limits.max_depth} levels deep",
                    self.column(node),
                )
            children = self.check(node)
            if isinstance(node, ast.Name) and node.id not in CONSTANTS:
                appearance.setdefault(node.id, self.column(node))
            stack.append((node, depth, True))
            for child in reversed(children):
                same_chain = (
                    isinstance(node, ast.BinOp) and child is node.left
                    and isinstance(child, ast.BinOp)
                    and _CHAIN.get(type(node.op), -1) == _CHAIN.get(type(child.op), -2)
                )
                stack.append((child, depth if same_chain else depth + 1, False))
        names = sorted(appearance, key=appearance.get)
        return program, names

    def check(self, node) -> list:
        """Refuse ``node`` unless the whitelist allows it; return its operands."""
        column = self.column(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if type(value) is int or type(value) is float:
                if not abs(value) <= self.limits.max_magnitude:
                    raise self.error(
                        f"the number {self.segment(node)} is too large",
                        column, f"numbers are at most {self.limits.max_magnitude:g} in magnitude",
                    )
                return []
            what = _REFUSED_LITERALS.get(type(value), "this literal is")
            raise self.error(f"{what} not allowed", column, "numbers are ints or floats")
        if isinstance(node, ast.Name):
            self.check_name(node.id, column)
            if node.id in FUNCTIONS:
                raise self.error(
                    f"the function {node.id!r} is used as a value", column,
                    f"call it, e.g. {node.id}(x)",
                )
            if self.variables is not None and node.id not in self.variables \
                    and node.id not in CONSTANTS:
                raise self.error(
                    f"unknown name {node.id!r}", column,
                    f"the variables are {', '.join(self.variables) or 'none'}",
                )
            return []
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd | ast.USub):
                return [node.operand]
            raise self.error(
                f"the operator {_REFUSED_OPERATORS[type(node.op)]!r} is not allowed", column
            )
        if isinstance(node, ast.BinOp):
            if type(node.op) in _BINARY:
                return [node.left, node.right]
            raise self.error(
                f"the operator {_REFUSED_OPERATORS[type(node.op)]!r} is not allowed",
                self.operator_column(node), "use + - * / ** and the functions",
            )
        if isinstance(node, ast.Call):
            return self.check_call(node, column)
        what = _REFUSED_NODES.get(type(node), f"{type(node).__name__} expressions are")
        raise self.error(f"{what} not allowed", column)

    def check_name(self, name, column):
        if not _is_name(name):
            raise self.error(f"the name {name!r} is not allowed", column,
                             "names start with a letter")

    def check_call(self, node, column) -> list:
        if not isinstance(node.func, ast.Name):
            raise self.error("only named functions can be called", column,
                             f"the functions are {', '.join(sorted(FUNCTIONS))}")
        name = node.func.id
        self.check_name(name, column)
        if name not in FUNCTIONS:
            raise self.error(f"unknown function {name!r}", column,
                             f"the functions are {', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            keyword = node.keywords[0]
            what = "**" if keyword.arg is None else keyword.arg
            raise self.error(f"keyword argument {what!r} is not allowed",
                             self.column(keyword), "pass arguments by position")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error("starred arguments are not allowed", self.column(arg))
        arity = FUNCTIONS[name][1]
        if len(node.args) != arity:
            raise self.error(
                f"{name} takes {arity} argument{'s' if arity != 1 else ''}; "
                f"got {len(node.args)}", column,
            )
        return list(node.args)

    def emit(self, node, program, operands):
        if isinstance(node, ast.Constant):
            program.append((_CONST, float(node.value)))
            operands.append(float(node.value))
            return
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                program.append((_CONST, CONSTANTS[node.id]))
                operands.append(CONSTANTS[node.id])
            else:
                program.append((_VAR, node.id))
                operands.append(None)
            return
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return
            fn, arity = ops.negative, 1
        elif isinstance(node, ast.BinOp):
            fn, arity = _BINARY[type(node.op)], 2
        else:
            fn, arity = FUNCTIONS[node.func.id]
        args = operands[-arity:]
        del operands[-arity:]
        if any(a is None for a in args):
            program.append((_APPLY, (fn, arity)))
            operands.append(None)
            return
        # Constants only: fold (each operand is the single last instruction).
        del program[-arity:]
        with np.errstate(all="ignore"):
            value = float(fn(*map(np.float64, args)))
        if not abs(value) <= self.limits.max_magnitude:
            raise self.error(
                f"the constant {self.segment(node)} is {value:g} in float64", self.column(node),
                f"constants must be finite and at most {self.limits.max_magnitude:g} in magnitude",
            )
        program.append((_CONST, value))
        operands.append(value)

    def operator_column(self, node) -> int:
        # The operator sits between the operands: the first non-space after the left one.
        if node.left.end_lineno == node.lineno:
            start = self.line_starts[node.lineno - 1] + node.left.end_col_offset
            k = start
            while k < len(self.text) and self.text[k] in _WHITESPACE + ")":
                k += 1
            return k + 1
        return self.column(node)

    def segment(self, node) -> str:
        # The positions refer to the text ast.parse saw (without the skipped indentation).
        text = ast.get_source_segment(self.text[self.line_starts[0]:], node) or "?"
        return text if len(text) <= 40 else text[:37] + "..."
