"""``sg.jit``'s whole-program tier compiled by LLVM directly, through llvmlite.

The programs that ``sg.jit`` compiles whole (float64 scalars, or one loop over small arrays of
one shape: ``jit._lower_scalar``) are written as a small Python function: assignments of
arithmetic, ``math`` calls, comparisons and conditional expressions, an array element read
once per iteration, sums accumulated in the loop, outputs stored. :func:`compile_program`
translates that function to LLVM IR and compiles it with llvmlite (which numba brings, in the
``jit`` extra), without numba's type inference and lowering: those cost about a millisecond
per statement, which made numba's compilation of a 300-operation program take seconds where
LLVM alone takes a tenth of that.

The arithmetic is IEEE's (no fast-math), math functions are the C library's (as numba calls
them), division by zero gives inf and ``log`` of a negative number nan, as NumPy does. A
function outside the subset raises :class:`Unsupported` (the caller then uses numba).
"""

from __future__ import annotations

import ast
import atexit
import ctypes
import ctypes.util
import struct
import threading

import numpy as np

__all__ = ["Unsupported", "compile_program"]


class Unsupported(Exception):
    """The function uses something the translator does not handle."""


_MATH = {"acos", "asin", "atan", "cos", "cosh", "exp", "expm1", "log", "log1p", "sin", "sinh",
         "tan", "tanh"}
_INTRINSIC = {"sqrt": "llvm.sqrt.f64", "fabs": "llvm.fabs.f64"}
_BINARY = {ast.Add: "fadd", ast.Sub: "fsub", ast.Mult: "fmul", ast.Div: "fdiv"}
# Python's float comparisons: ordered, except != (true when either is nan)
_COMPARE = {ast.Lt: "olt", ast.LtE: "ole", ast.Gt: "ogt", ast.GtE: "oge", ast.Eq: "oeq",
            ast.NotEq: "une"}

_lock = threading.Lock()
_state: dict = {}
# Every compiled program's execution engine, by number, in one LLVM context of our own: a
# program collected by Python only marks its engine released, and the next compilation
# disposes of it under the lock (LLVM's objects of one context are not for several threads,
# and the garbage collector may run a finaliser in any thread, in any order).
_engines: dict[int, object] = {}
_released: list[int] = []


class _Release:
    """Held by a compiled function: when it is collected, its engine may be disposed of."""

    def __init__(self, number: int):
        self.number = number

    def __del__(self):
        _released.append(self.number)


def _llvm():
    """llvmlite's binding, its native target initialised, the C math library loaded for the
    symbols programs call, and our LLVM context (once per process)."""
    with _lock:
        if not _state:
            import llvmlite.binding as llvm

            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            libm = ctypes.util.find_library("m")
            if libm:
                llvm.load_library_permanently(libm)
            _state["llvm"] = llvm
            _state["context"] = llvm.create_context()
            _state["data"] = _data_offset()
            atexit.register(_dispose_all)
    return _state["llvm"]


def _data_offset() -> int:
    """Where a NumPy array object holds its data pointer (after the object header: NumPy's
    ``PyArrayObject`` layout), found on a probe. A compiled function is handed the array
    objects themselves and reads their data pointers there: ``arr.ctypes.data`` costs about
    0.75 us an array, which dominated calls on small arrays."""
    probe = np.zeros(3)
    for offset in range(8, 64, 8):
        if ctypes.c_void_p.from_address(id(probe) + offset).value == probe.ctypes.data:
            return offset
    raise Unsupported("no data pointer found in a NumPy array object")


def _dispose_all():
    """At exit, every engine before the context they live in (the interpreter's teardown
    would dispose of them in any order)."""
    with _lock:
        while _engines:
            _engines.popitem()[1].close()
        _released.clear()


def _double(value: float) -> str:
    """A double constant in LLVM's exact hexadecimal form."""
    return f"0x{struct.unpack('<Q', struct.pack('<d', value))[0]:016X}"


class _Function:
    """The IR of one function, written as the statements are read."""

    def __init__(self, arrays: set[str]):
        self.arrays = arrays  # parameters that are arrays (double*)
        self.scalars: dict[str, str] = {}  # scalar parameter -> its SSA name
        self.slots: dict[str, str] = {}  # variable -> "double" or "i1" (an alloca each)
        self.body: list[str] = []
        self.entry: list[str] = []
        self.declared: set[str] = set()
        self.count = 0
        self.n = None
        self.outputs: list[str] = []  # o<j> arrays, passed in by the caller

    def tmp(self) -> str:
        self.count += 1
        return f"%t{self.count}"

    def emit(self, line: str) -> None:
        self.body.append(f"  {line}")

    def declare(self, name: str, arity: int) -> None:
        self.declared.add(f"declare double @{name}({', '.join(['double'] * arity)})")

    def load(self, name: str) -> tuple[str, str]:
        if name in self.scalars:
            return self.scalars[name], "double"
        if name not in self.slots:
            raise Unsupported(f"read of {name!r} before it is set")
        kind = self.slots[name]
        t = self.tmp()
        self.emit(f"{t} = load {kind}, ptr %{name}")
        return t, kind

    def store(self, name: str, value: str, kind: str) -> None:
        if name in self.scalars or name in self.arrays:
            raise Unsupported(f"assignment to the parameter {name!r}")
        if self.slots.setdefault(name, kind) != kind:
            raise Unsupported(f"{name!r} holds values of two types")
        self.emit(f"store {kind} {value}, ptr %{name}")

    def expr(self, node) -> tuple[str, str]:
        """The SSA value of an expression and its type ("double" or "i1")."""
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return _double(float(node.value)), "double"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "float" and len(node.args) == 1
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value,
                                                                          str)):
            return _double(float(node.args[0].value)), "double"
        if isinstance(node, ast.Name):
            return self.load(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            x = self.number(node.operand)
            t = self.tmp()
            self.emit(f"{t} = fneg double {x}")
            return t, "double"
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            a, b = self.number(node.left), self.number(node.right)
            t = self.tmp()
            self.emit(f"{t} = {_BINARY[type(node.op)]} double {a}, {b}")
            return t, "double"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return self.call("pow", [node.left, node.right]), "double"
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            a, b = self.number(node.left), self.number(node.comparators[0])
            t = self.tmp()
            self.emit(f"{t} = fcmp {_COMPARE[type(node.ops[0])]} double {a}, {b}")
            return t, "i1"
        if isinstance(node, ast.BoolOp) and type(node.op) in (ast.And, ast.Or):
            values = []
            for operand in node.values:  # comparisons: no side effects to short-circuit
                value, kind = self.expr(operand)
                if kind != "i1":
                    raise Unsupported(f"'and'/'or' of a number: {ast.unparse(node)!r}")
                values.append(value)
            op = "and" if isinstance(node.op, ast.And) else "or"
            result = values[0]
            for value in values[1:]:
                t = self.tmp()
                self.emit(f"{t} = {op} i1 {result}, {value}")
                result = t
            return result, "i1"
        if isinstance(node, ast.IfExp):
            cond, kind = self.expr(node.test)
            if kind != "i1":
                raise Unsupported("a condition that is not a comparison's outcome")
            a, b = self.number(node.body), self.number(node.orelse)
            t = self.tmp()
            self.emit(f"{t} = select i1 {cond}, double {a}, double {b}")
            return t, "double"
        if isinstance(node, ast.Call) and not node.keywords:
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                    and f.value.id == "math":
                if f.attr in _MATH and len(node.args) == 1:
                    return self.call(f.attr, node.args), "double"
                if f.attr == "atan2" and len(node.args) == 2:
                    return self.call("atan2", node.args), "double"
                if f.attr == "sqrt" and len(node.args) == 1:
                    return self.call(_INTRINSIC["sqrt"], node.args), "double"
            if isinstance(f, ast.Name) and f.id == "abs" and len(node.args) == 1:
                return self.call(_INTRINSIC["fabs"], node.args), "double"
        raise Unsupported(f"the expression {ast.unparse(node)!r}")

    def number(self, node) -> str:
        value, kind = self.expr(node)
        if kind == "i1":  # a comparison's outcome as a number, as Python's True + 0.5
            t = self.tmp()
            self.emit(f"{t} = uitofp i1 {value} to double")
            return t
        return value

    def call(self, name: str, args) -> str:
        values = [self.number(a) for a in args]
        self.declare(name, len(values))
        t = self.tmp()
        self.emit(f"{t} = call double @{name}({', '.join(f'double {v}' for v in values)})")
        return t

    def element(self, array: str, index: str) -> str:
        if array not in self.arrays and array not in self.outputs:
            raise Unsupported(f"{array!r} is not an array")
        p = self.tmp()
        self.emit(f"{p} = getelementptr double, ptr %{array}, i64 {index}")
        return p


def _statements(fn: _Function, statements, index: str | None) -> None:
    for s in statements:
        if isinstance(s, ast.Assign) and len(s.targets) == 1:
            target = s.targets[0]
            if isinstance(target, ast.Name):
                value = s.value
                if target.id == "n" and isinstance(value, ast.Constant) and index is None:
                    fn.n = int(value.value)
                    continue
                if (isinstance(value, ast.Call) and ast.unparse(value.func) == "np.empty"
                        and index is None):
                    fn.outputs.append(target.id)
                    continue
                if isinstance(value, ast.Subscript) and index is not None \
                        and isinstance(value.value, ast.Name) and ast.unparse(value.slice) == "i":
                    t = fn.tmp()
                    fn.emit(f"{t} = load double, ptr {fn.element(value.value.id, index)}")
                    fn.store(target.id, t, "double")
                    continue
                fn.store(target.id, *fn.expr(value))
                continue
            if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                    and index is not None and ast.unparse(target.slice) == "i"):
                v = fn.number(s.value)
                fn.emit(f"store double {v}, ptr {fn.element(target.value.id, index)}")
                continue
        if (isinstance(s, ast.AugAssign) and isinstance(s.op, ast.Add)
                and isinstance(s.target, ast.Name)):
            old, kind = fn.load(s.target.id)
            v = fn.number(s.value)
            t = fn.tmp()
            fn.emit(f"{t} = fadd double {old}, {v}")
            fn.store(s.target.id, t, "double")
            continue
        if (isinstance(s, ast.For) and index is None and isinstance(s.target, ast.Name)
                and s.target.id == "i" and ast.unparse(s.iter) == "range(n)" and not s.orelse
                and fn.n is not None):
            if fn.n <= 0:  # no elements: the body never runs (the loop below runs once at least)
                continue
            fn.emit("br label %loop")
            fn.body.append("loop:")
            i = fn.tmp()
            fn.emit(f"{i} = phi i64 [0, %entry], [%next, %loop]")
            _statements(fn, s.body, i)
            fn.emit(f"%next = add i64 {i}, 1")
            fn.emit(f"%more = icmp slt i64 %next, {fn.n}")
            fn.emit("br i1 %more, label %loop, label %done")
            fn.body.append("done:")
            continue
        raise Unsupported(f"the statement {ast.unparse(s)!r}")


def compile_program(source: str, name: str, arrays: set[str], constants=()):
    """The function ``name`` of ``source`` compiled by LLVM: a callable with the function's
    parameters but the last ``len(constants)``, which are bound to ``constants``, returning
    what it returns: scalars as NumPy float64 scalars, the ``np.empty(n)`` arrays as new
    arrays. ``arrays`` names the array parameters: each argument for them must be a NumPy
    float64 array, C-contiguous, of the loop's length (the function reads its data pointer;
    sg.jit's signatures and flattening guarantee it). Raises :class:`Unsupported` for
    anything outside the subset ``sg.jit`` writes, and ImportError without llvmlite."""
    tree = ast.parse(source)
    defs = [d for d in tree.body if isinstance(d, ast.FunctionDef) and d.name == name]
    if len(defs) != 1 or not defs[0].body or not isinstance(defs[0].body[-1], ast.Return):
        raise Unsupported("not one function ending in a return")
    d = defs[0]
    params = [a.arg for a in d.args.args]
    fn = _Function(set(arrays) & set(params))
    for p in params:
        if p not in fn.arrays:
            fn.scalars[p] = f"%{p}"
    _statements(fn, d.body[:-1], None)
    ret = d.body[-1].value
    items = ret.elts if isinstance(ret, ast.Tuple) else [ret]
    results = []  # ("array", position among outputs) or ("scalar", slot)
    stores = []
    for item in items:
        if isinstance(item, ast.Name) and item.id in fn.outputs:
            results.append(("array", fn.outputs.index(item.id)))
            continue
        value = fn.number(item)
        slot = sum(1 for r in results if r[0] == "scalar")
        p = fn.tmp()
        stores += [f"  {p} = getelementptr double, ptr %out, i64 {slot}",
                   f"  store double {value}, ptr {p}"]
        results.append(("scalar", slot))
    fn.body += stores
    llvm = _llvm()
    # arrays (inputs, outputs, the scalar results' buffer) come as NumPy array objects: each
    # one's data pointer is read from the object
    objects = [p for p in params if p in fn.arrays] + fn.outputs + ["out"]
    signature = ", ".join([f"ptr %{p}.obj" if p in fn.arrays else f"double %{p}"
                           for p in params] + [f"ptr %{o}.obj" for o in [*fn.outputs, "out"]])
    unpack = [line for o in objects for line in (
        f"  %{o}.at = getelementptr i8, ptr %{o}.obj, i64 {_state['data']}",
        f"  %{o} = load ptr, ptr %{o}.at")]
    allocas = [f"  %{v} = alloca {kind}" for v, kind in fn.slots.items()]
    ir = "\n".join([*sorted(fn.declared), f"define void @{name}({signature}) {{", "entry:",
                    *unpack, *allocas, *fn.body, "  ret void", "}", ""])
    with _lock:  # one compilation at a time, in our context (numba uses the global one)
        while _released:
            _engines.pop(_released.pop()).close()
        module = llvm.parse_assembly(ir, context=_state["context"])
        module.verify()
        # an engine owns its target machine (and disposes of it): one each
        machine = llvm.Target.from_default_triple().create_target_machine(opt=2)
        builder = llvm.create_pass_builder(machine, llvm.PipelineTuningOptions(speed_level=2))
        builder.getModulePassManager().run(module, builder)
        engine = llvm.create_mcjit_compiler(module, machine)
        engine.finalize_object()
        address = engine.get_function_address(name)
        number = _state["count"] = _state.get("count", 0) + 1
        _engines[number] = engine
    n_scalars = sum(1 for r in results if r[0] == "scalar")
    # NumPy arrays as the objects themselves (the data pointer is read in the function), so
    # that a call costs no ctypes conversion per array; scalars as doubles
    c_args = [ctypes.py_object if p in fn.arrays else ctypes.c_double for p in params]
    c_fn = ctypes.CFUNCTYPE(None, *c_args, *[ctypes.py_object] * (len(fn.outputs) + 1))(address)
    bound = [np.ascontiguousarray(c, dtype=np.float64) for c in constants]
    size = fn.n
    local = threading.local()  # each thread's buffer for the scalar results

    def buffer():
        try:
            return local.out
        except AttributeError:
            local.out = np.empty(max(n_scalars, 1))
            return local.out

    if not fn.outputs:
        def run(*args):  # no array results: the scalars from the buffer
            out = buffer()
            c_fn(*args, *bound, out)
            return tuple(out[:n_scalars])
    else:
        def run(*args):
            out = buffer()
            arrays_out = [np.empty(size) for _ in fn.outputs]
            c_fn(*args, *bound, *arrays_out, out)
            scalars = tuple(out[:n_scalars]) if n_scalars else ()
            return tuple([arrays_out[k] if kind == "array" else scalars[k]
                          for kind, k in results])

    run.keep = _Release(number), bound  # the compiled code and constants: while run lives
    run.ir = ir
    return run
