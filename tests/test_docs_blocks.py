"""Every ```python block of README.md and docs/*.md runs as written, and shows what it prints.

How the blocks run. Each file's ```python blocks (other fences, ```bash and ```sh among them,
are not run) run in order in one fresh namespace per file, as a reader would type them, from
a temporary working directory (blocks may write files). Names a file's blocks add to
``sg.primitives.REGISTRY`` are removed afterwards. Each block is one test, so a skip or a
failure names the file and the block; after a failure, the file's later blocks fail too,
naming the block that broke the chain.

Skips, always with a reason:

- a block importing an optional package that is not installed (dask, torch, jax, numba,
  CuPy ..., see ``OPTIONAL``) is skipped through ``pytest.importorskip``; a CuPy block also
  needs a CUDA device;
- a block containing the line ``# doc-test: skip (reason)`` is skipped, with that reason.

Shown values. A comment after an expression statement shows its value when the comment's
text (or the part of it before the first ``": "``) is a *repr*: a Python expression made of
literals, ``...`` and calls of the constructors NumPy's reprs use (``array(...)``,
``np.float64(...)``; see ``REPR_NAMES``). The comment is either at the end of the line where
the statement ends (``x.grad  # array([0.5, 1.])``) or on the full-line comments right below
a statement that has none (a long repr wrapped over several lines). The statement is then
evaluated once and its ``repr`` compared with the comment, whitespace normalised (runs of
whitespace become one space; none after an opening or before a closing bracket), ``...``
in the comment matching anything, as doctest's ELLIPSIS. For ``print(...)`` statements the
printed text is compared instead of the repr. Every other comment is prose and is not
checked (``# 1 / (1 + |x|)²``, ``# digamma(a)``: names that are not repr constructors).
"""

import ast
import contextlib
import functools
import io
import re
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Imported module (its first component, or a semigrad module) -> the packages it needs.
OPTIONAL = {
    name: (name,)
    for name in ("dask", "distributed", "torch", "jax", "numba", "cupy", "scipy", "sympy",
                 "matplotlib", "sklearn", "array_api_strict", "array_api_compat", "tqdm")
} | {"semigrad.scipy": ("scipy",), "semigrad.symbolic": ("sympy",)}

# Names a shown repr may use: the constructors in NumPy 2's reprs.
REPR_NAMES = {"array", "np", "dtype", "nan", "inf", "float64", "float32", "float16",
              "int64", "int32", "complex128", "complex64", "bool_", "object"}

SKIP_MARKER = re.compile(r"^\s*#\s*doc-test:\s*skip\s*(?:\((.*)\))?\s*$", re.MULTILINE)


@dataclass
class Block:
    path: Path
    index: int  # 1-based, among the file's python blocks
    line: int   # line of the block's first code line in the file
    source: str

    @property
    def name(self):
        return f"{self.path.relative_to(ROOT)}:block{self.index}"


@dataclass
class Outcome:
    status: str = "passed"  # passed, failed, skipped
    message: str = ""
    checked: int = 0
    details: list = field(default_factory=list)


def blocks_of(path):
    """The ```python blocks of a Markdown file, in order."""
    blocks, lines, start, inside = [], path.read_text().splitlines(), 0, False
    body = []
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if not inside and stripped.startswith("```"):
            inside, start, body = True, i + 1, []
            language = stripped[3:].strip()
        elif inside and stripped == "```":
            inside = False
            if language == "python":
                blocks.append(Block(path, len(blocks) + 1, start, "\n".join(body) + "\n"))
        elif inside:
            body.append(line)
    return blocks


def required_packages(tree):
    """The optional packages a block's imports need."""
    needed = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            for key in (parts[0], ".".join(parts[:2])):
                for package in OPTIONAL.get(key, ()):
                    if package not in needed:
                        needed.append(package)
    return needed


def check_requirements(tree):
    """Skip (via pytest's Skipped) when an optional package or device is missing."""
    for package in required_packages(tree):
        module = pytest.importorskip(package, reason=f"needs {package}, not installed")
        if package == "cupy" and not module.cuda.is_available():
            pytest.skip("needs a CUDA device (CuPy is installed, no device)")


def is_repr(text):
    """True when a comment's text is a value's repr rather than prose."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    allowed = (ast.Expression, ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set,
               ast.UnaryOp, ast.USub, ast.UAdd, ast.BinOp, ast.Add, ast.Sub, ast.Load,
               ast.Call, ast.keyword, ast.Attribute, ast.Name)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            return False
        if isinstance(node, ast.Name) and node.id not in REPR_NAMES:
            return False
        if isinstance(node, ast.BinOp) and not (
            isinstance(node.right, ast.Constant) and isinstance(node.right.value, complex)
        ):
            return False  # a + b is prose, except a complex number's real + imaginary parts
    return True


def shown_value(text):
    """The repr a comment shows, or None for prose."""
    text = text.strip()
    for candidate in (text, text.split(": ", 1)[0]):
        if candidate and is_repr(candidate):
            return candidate
    return None


def comments_of(source):
    """Trailing comments by line, and full-line comments by line."""
    trailing, full = {}, {}
    code_lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            line = token.start[0]
            text = token.string[1:].strip()
            (trailing if line in code_lines else full)[line] = text
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                tokenize.DEDENT, tokenize.ENDMARKER):
            code_lines.update(range(token.start[0], token.end[0] + 1))
    return trailing, full


def expected_outputs(tree, source):
    """{statement index: shown repr} for the top-level expression statements that show one."""
    trailing, full = comments_of(source)
    last_on_line = {stmt.end_lineno: i for i, stmt in enumerate(tree.body)}
    shown = {}
    for i, stmt in enumerate(tree.body):
        if not isinstance(stmt, ast.Expr) or last_on_line[stmt.end_lineno] != i:
            continue
        if stmt.end_lineno in trailing:
            text = trailing[stmt.end_lineno]
        else:
            parts, line = [], stmt.end_lineno + 1
            while line in full:
                parts.append(full[line])
                line += 1
            text = " ".join(parts)
        value = shown_value(text)
        if value is not None:
            shown[i] = value
    return shown


def normalise(text):
    text = re.sub(r"\s+", " ", text.strip())
    return re.sub(r"(?<=[(\[{]) | (?=[)\]}])", "", text)


def matches(expected, actual):
    expected, actual = normalise(expected), normalise(actual)
    if "..." not in expected:
        return expected == actual
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def is_print(stmt):
    call = stmt.value
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "print")


def run_block(block, namespace):
    """Run one block statement by statement in namespace; the number of values checked."""
    marker = SKIP_MARKER.search(block.source)
    if marker:
        pytest.skip(f"marked in the doc: {marker.group(1) or 'no reason given'}")
    tree = ast.parse(block.source, filename=block.name)
    check_requirements(tree)
    shown = expected_outputs(tree, block.source)
    filename = f"{block.path.name}, block {block.index} (file line {block.line} + n - 1)"
    checked = 0
    for i, stmt in enumerate(tree.body):
        if i not in shown:
            exec(compile(ast.Module([stmt], []), filename, "exec"), namespace)
            continue
        if is_print(stmt):
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile(ast.Module([stmt], []), filename, "exec"), namespace)
            actual = buffer.getvalue()
        else:
            value = eval(compile(ast.Expression(stmt.value), filename, "eval"), namespace)
            actual = repr(value)
        line = block.line + stmt.end_lineno - 1
        assert matches(shown[i], actual), (
            f"{block.path.name}:{line}: the doc shows {shown[i]!r}, the code gives {actual!r}"
        )
        checked += 1
    return checked


@functools.cache
def outcomes(path):
    """Run a file's blocks in order in one namespace; each block's outcome."""
    from semigrad.primitives import REGISTRY

    registered = set(REGISTRY)
    namespace = {"__name__": "__doc_blocks__"}
    results, broken = [], None
    with tempfile.TemporaryDirectory() as workdir, contextlib.chdir(workdir):
        try:
            for block in blocks_of(path):
                outcome = Outcome()
                if broken is not None:
                    outcome.status, outcome.message = "failed", f"not run: {broken} failed"
                    results.append(outcome)
                    continue
                start = time.perf_counter()
                try:
                    outcome.checked = run_block(block, namespace)
                except pytest.skip.Exception as skip:
                    outcome.status, outcome.message = "skipped", f"{block.name}: {skip.msg}"
                except BaseException as error:  # noqa: B036 - reported by the block's test
                    if isinstance(error, KeyboardInterrupt):
                        raise
                    import traceback

                    outcome.status = "failed"
                    outcome.message = f"{block.name}:\n{traceback.format_exc()}"
                    broken = block.name
                outcome.details.append(f"{time.perf_counter() - start:.2f} s")
                results.append(outcome)
        finally:
            for name in set(REGISTRY) - registered:
                del REGISTRY[name]
            import matplotlib.pyplot as plt

            plt.close("all")
    return results


CASES = [
    pytest.param(path, block.index, id=block.name)
    for path in FILES for block in blocks_of(path)
]


@pytest.mark.parametrize("path, index", CASES)
def test_doc_block(path, index):
    outcome = outcomes(path)[index - 1]
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    if outcome.status == "failed":
        pytest.fail(outcome.message, pytrace=False)


def test_blocks_are_found():
    assert len(CASES) >= 30, "the Markdown parser lost the docs' blocks"
    assert all(block.source.strip() for path in FILES for block in blocks_of(path))


@pytest.mark.parametrize(
    "comment, shown",
    [
        ("array([2., 2., 2.]): two paths each", "array([2., 2., 2.])"),
        ("(-0.33, 2.5, 0.25)", "(-0.33, 2.5, 0.25)"),
        ("(6-8j): ∂f/∂x − i ∂f/∂y, as JAX", "(6-8j)"),
        ("np.float64(0.5)", "np.float64(0.5)"),
        ("1 / (1 + |x|)²", None),
        ("digamma(a)", None),
        ("cos(1+1j)", None),
        ("Graphviz text", None),
        ("forward mode: (value, df/dx)", None),
    ],
)
def test_the_rule_tells_reprs_from_prose(comment, shown):
    assert shown_value(comment) == shown


def test_matching_normalises_whitespace_and_honours_ellipsis():
    assert matches("array([[1., 2.], [3., 4.]])", "array([[1., 2.],\n       [3., 4.]])")
    assert matches("array([1., -2.])", "array([ 1., -2.])")
    assert matches("(10, ['a', ...], 1.5)", "(10, ['a', 'b', 'c'], 1.5)")
    assert not matches("0.25", "0.25000000000000006")
