"""``sg.jit``: a function traced once per signature and lowered to a straight-line program.

The trace is the graph semigrad records anyway (so ``sg.jit(sg.value_and_grad(f))`` holds the
backward pass as well: the reverse sweep records its rules while a transform runs). Lowering
turns it into Python source over the primitives: one assignment per operation, no Tensors,
no graph and no dictionaries at run time; operations on constants alone are folded at compile
time (the identity seeds of Jacobians and Hessians with them), repeated operations on the same
values are computed once, and only what the outputs need is kept. ``source()`` shows the
program, the backward pass included.

Called with values traced by an enclosing transform (``sg.grad(sg.jit(f))``), the compiled
function replays its graph through the primitives instead, which records as usual: jit
composes with every transform in both directions.

>>> import numpy as np
>>> import semigrad as sg
>>> f = sg.jit(sg.value_and_grad(lambda x: sg.sum(sg.sin(x) * x)))
>>> value, grad = f(np.array([0.5, 1.0]))
>>> bool(np.allclose(grad, np.sin([0.5, 1.0]) + np.array([0.5, 1.0]) * np.cos([0.5, 1.0])))
True
"""

from __future__ import annotations

import atexit
import builtins
import concurrent.futures
import functools
import importlib.util
import keyword
import operator
import queue
import threading
import time

import numpy as np

from . import backend, context, native
from .autodiff.tree import flatten, unflatten
from .graph import Graph, Hyperedge, Node
from .primitives import linalg as _L
from .primitives import structural as _S
from .primitives.base import Primitive
from .regroup import regroup, without_unit_products
from .tensor import Tensor
from .vmap import _is_array, trace_static

__all__ = ["jit"]


def _signature(leaf):
    """What a compiled program depends on for one argument leaf."""
    if isinstance(leaf, Tensor):
        leaf = leaf.value
    if type(leaf) is np.ndarray:
        return ("array", leaf.shape, leaf.dtype, None)
    if isinstance(leaf, float):
        return ("float",)
    if _is_array(leaf):
        dtype = getattr(leaf, "dtype", None)  # another library's dtype: its own name
        return ("array", tuple(np.shape(leaf)),
                np.result_type(type(leaf)) if dtype is None else str(dtype),
                backend.library(leaf))
    try:
        hash(leaf)
    except TypeError:
        raise TypeError(
            f"jit: an argument of type {type(leaf).__name__} is neither an array nor hashable; "
            "pass arrays, numbers, or hashable static values"
        ) from None
    return ("static", type(leaf), leaf)


def _literal(value) -> str | None:
    """``value`` as Python source when it is a plain literal, else None."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    if type(value) is float and np.isfinite(value):  # NumPy scalars stay constants: dtypes
        return repr(value)
    if isinstance(value, tuple) and all(_literal(v) is not None for v in value):
        return repr(value)
    return None


def _ufunc(prim):
    """What the program calls for ``prim``: its NumPy ufunc where it declares one (the
    operators' too), else its implementation."""
    return prim.ufunc if prim.ufunc is not None else prim.impl


class GuardFailed(Exception):
    """A compiled program's guard failed: a shortcut a rule took for the traced values does
    not hold for these (the call runs the program of general formulas instead)."""


def _checked(run, guards):
    """A native program whose last ``guards`` results count where a guard fails: checked,
    then dropped."""
    def checked(*args):
        out = run(*args)
        if any(out[-guards:]):
            raise GuardFailed
        return out[:-guards]

    return checked


class Program:
    """One compiled signature: the graph, the generated source and the function run."""

    def __init__(self, graph, out_spec, name, trace_seconds=0.0, exact=False, guards=0):
        start = time.perf_counter()
        self.graph = graph  # as traced: what a transform replays
        self.out_spec = out_spec
        self._out = _builder(out_spec)
        # the last ``guards`` outputs count where a rule's shortcut fails (0: it holds)
        self.guards = guards
        # the program computes the regrouped graph, unless asked for eager's operations
        lowered = without_unit_products(graph)
        if not exact:
            lowered = regroup(lowered)[0]
        self.source, self._run = _lower(lowered, name, not exact, guards)
        # Programs of float64 scalars or small arrays compile whole to machine code (the
        # native tier: LLVM through llvmlite, or numba) where the jit extra is installed,
        # once hot, in a background thread: the NumPy program serves every call until the
        # compiled one takes over, so no call waits for the compiler.
        self._hot = None
        self._compiling = None
        self._compiled = None
        self.native_source = None
        self.native_error = None
        scalar = None if exact else _lower_scalar(graph, name, guards)
        if scalar is not None:
            source, whole = scalar
            scalar = source, lambda: (*whole(), True)
        elif not exact:  # else its runs of elementwise work on small arrays, each one loop
            scalar = _fused_program(lowered, name, guards)
        if scalar is not None:
            self.native_source, self._hot = scalar
            self._calls = 0
        self.seconds = {"trace": trace_seconds, "lower": time.perf_counter() - start,
                        "native": None, "compiler": None}
        # Lowered: the traced values of operations are no longer read (a replay computes its
        # own; inputs and constants are kept). Each becomes a placeholder of its shape and
        # dtype that holds no memory, so the first run reuses the trace's buffers and a
        # program does not keep its trace's intermediates alive.
        for n in graph.nodes:
            if n.kind == "op" and type(n.value) is np.ndarray and n.value.ndim:
                n.value = np.broadcast_to(np.zeros((), n.value.dtype), n.value.shape)

    def _warm(self):
        self._calls += 1
        if self._calls >= HOT_CALLS:
            hot, self._hot = self._hot, None
            self._compiling = _native_worker().submit(self._compile, hot)

    def _compile(self, hot):
        """In the worker thread: the native program, compiled for the traced arguments'
        types, then swapped in for the NumPy program (an attribute store: calls see one or
        the other). A program the compiler refuses keeps the NumPy program (``native_error``
        says why)."""
        start = time.perf_counter()
        try:
            run, self.seconds["compiler"], whole = hot()
            if whole and self.guards:
                run = _checked(run, self.guards)
            run(*[np.float64(v) if type(v) is float else v
                  for v in (n.value for n in self.graph.inputs)])
        except Exception as exc:  # noqa: BLE001  (any refusal: the NumPy program serves)
            self.native_error = exc
            return False
        self.seconds["native"] = time.perf_counter() - start
        self._run = run
        if whole:
            self._compiled = run  # takes Python floats as they are
        return True

    def wait_native(self, timeout=None) -> bool:
        """Wait for the native compilation, if it started; whether its program now serves."""
        return self._compiling is not None and self._compiling.result(timeout)

    def run_numpy(self, args, floats=True):
        """The program on leaves that are floats and NumPy arrays (the fast path); ``floats``:
        whether any is a Python float (NumPy's scalar for it, as the primitives give it)."""
        compiled = self._compiled
        if compiled is not None:
            return self._out(compiled(*args))
        if self._hot is not None:
            self._warm()
        if floats:
            args = [np.float64(x) if type(x) is float else x for x in args]
        return self._out(self._run(*args))

    def __call__(self, leaves):
        # NumPy scalars for Python numbers (NumPy's arithmetic, as the primitives give it),
        # another library's arrays wrapped for the seam, and unwrapped on the way out.
        leaves = [np.float64(x) if type(x) is float else backend.wrap(x) for x in leaves]
        if self._hot is not None:
            self._warm()
        return unflatten(self.out_spec, [backend.unwrap(v) for v in self._run(*leaves)])


@functools.cache
def _native_worker():
    """The one thread that compiles hot programs to machine code, one after another."""
    return _Compiler()


class _Compiler:
    """A daemon thread compiling queued programs in turn (``submit`` returns a Future). At
    exit the queued ones are dropped and the one under way finishes first, so the interpreter
    neither waits for a queue of compilations nor shuts down with a thread inside LLVM."""

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        self._busy = threading.Lock()
        self._closing = False
        threading.Thread(target=self._work, name="sg.jit native", daemon=True).start()
        atexit.register(self._close)

    def submit(self, fn, *args):
        future = concurrent.futures.Future()
        self._jobs.put((future, fn, args))
        return future

    def _work(self):
        while True:
            future, fn, args = self._jobs.get()
            with self._busy:
                if self._closing:
                    future.cancel()
                elif future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # noqa: BLE001  (handed to the waiter)
                        future.set_exception(exc)

    def _close(self):
        self._closing = True
        with self._busy:  # the compilation under way, if any, ends first
            pass


def _lower(graph, name, share=True, guards=0):
    """The source of ``graph`` as one Python function, and that function; ``share``: the
    operations on one matrix computed from one LU factorisation (:func:`_shared_factorisations`);
    ``guards``: the last outputs are guards (boolean arrays that must be all true), checked
    where they are computed (the function raises :class:`GuardFailed` before any shortcut
    they guard runs) and not returned."""
    names: dict[int, str] = {}
    env: dict[str, object] = {}
    consts: dict[int, object] = {}  # node index -> a value known at compile time
    for k, node in enumerate(graph.inputs):
        names[node.index] = f"x{k}"
    for node in graph.nodes:
        if node.kind == "constant":
            consts[node.index] = node.value
    prims: dict[str, object] = {name: None}  # the function's own name is taken

    def prim_name(prim, base=None, impl=None):
        impl = _ufunc(prim) if impl is None else impl  # called directly: values are arrays
        base = prim.name if base is None else base
        if keyword.iskeyword(base) or hasattr(builtins, base) or not base.isidentifier():
            base = f"{base}_" if base.isidentifier() else "op_" + str(len(prims))
        while base in prims and prims[base] is not impl:
            base += "_"
        prims[base] = impl
        env[base] = impl
        return base

    def const_name(value):
        lit = _literal(value)
        if lit is not None:
            return lit
        n = f"c{sum(1 for v in env if v.startswith('c'))}"
        env[n] = value
        return n

    seen: dict[tuple, str] = {}
    meta: dict[str, tuple] = {}  # var -> (a fresh buffer to write into, its shape, its dtype)
    count = 0
    lines = []
    # edge -> (the factored matrix, transposed)
    shared = _shared_factorisations(graph) if share else {}
    factors: dict[int, str] = {}  # a factored matrix's node -> the variable holding its LU
    roots: dict[str, str] = {}  # a variable -> the one whose buffer it is (itself, or a view's)
    folded = _folded(graph)
    for e in graph.edges:
        ins = [n.index for n in e.inputs]
        if id(e) in folded:  # computed now, a constant of the program
            consts[e.output.index] = e.prim(*[consts[i] for i in ins], **e.params)
            continue
        if id(e) in shared:  # computed from the LU factors its matrix shares with others
            matrix, transposed = shared[id(e)]
            if matrix not in factors:
                if matrix in consts:
                    factors[matrix] = const_name(_L.lu_factors(consts[matrix]))
                else:
                    var = factors[matrix] = f"v{count}"
                    count += 1
                    meta[var] = (False, None, None)
                    roots[var] = var
                    lines.append((var, [names[matrix]],
                                  f"{prim_name(None, 'lu_factors', _L.lu_factors)}"
                                  f"({names[matrix]})", False))
            args = [names[i] if i in names else const_name(consts[i]) for i in ins]
            call = (f"{prim_name(e.prim, e.prim.name + '_lu', e.prim.from_lu)}"
                    f"({', '.join([factors[matrix], repr(transposed), *args])})")
            if call in seen:
                names[e.output.index] = seen[call]
                continue
            var = seen[call] = names[e.output.index] = f"v{count}"
            count += 1
            meta[var] = (False, None, None)
            roots[var] = var  # may share memory with an input (not a donor: no out=)
            lines.append((var, [factors[matrix], *args], call, False))
            continue
        if e.prim.scalar_form == "{0}":  # a transform's link to its input: the same value
            names[e.output.index] = (names[ins[0]] if ins[0] in names else
                                     const_name(consts[ins[0]]))
            continue
        if _same_view(e):  # an index map that selects everything (x[0:1] of 1 row): x itself
            names[e.output.index] = names[ins[0]]
            continue
        args = [names[i] if i in names else const_name(consts[i]) for i in ins]
        kw = []
        special = (e.prim.specialize(e.params, *[n.value for n in e.inputs])
                   if e.prim.specialize is not None else None)
        if special is not None:  # planned once for these shapes, called without parameters
            fn = prim_name(e.prim, _special_name(e.prim, e.params), special)
        else:
            fn = prim_name(e.prim)
            for key, value in e.params.items():
                lit = _literal(value)
                kw.append(f"{key}={lit if lit is not None else const_name(value)}")
        call = f"{fn}({', '.join(args + kw)})"
        if call in seen:  # the same operation on the same values: computed once
            names[e.output.index] = seen[call]
            continue
        var = f"v{count}"
        count += 1
        seen[call] = var
        names[e.output.index] = var
        value = e.output.value
        # a view of an input's memory (a reshape, a slice): that buffer lives while it does.
        # An index map is taken for one always: whether NumPy copies depends on strides,
        # which the signature does not fix (a reshape of a transposed array copies).
        view = getattr(e.prim, "gather", False)
        for n, a in zip(e.inputs, args):
            if a in roots and type(n.value) is np.ndarray and type(value) is np.ndarray \
                    and (view or np.may_share_memory(value, n.value)):
                roots[var] = roots[a]
                break
        else:
            roots[var] = var
        # an elementwise NumPy ufunc into a fresh array: it may write into a dying input's
        array = type(value) is np.ndarray and value.ndim > 0
        reusable = ((e.prim.ufunc is not None or isinstance(special, np.ufunc)) and not kw
                    and array)
        # a fresh array the ufuncs after it may write into once it dies: a ufunc's, or a
        # contraction's product (planned: always a new array), never an index map's
        fresh = reusable or (array and special is not None and roots[var] == var
                             and not view)
        meta[var] = (fresh, value.shape if fresh else None, value.dtype if fresh else None)
        lines.append((var, args, call, reusable))
    kept = graph.outputs[:len(graph.outputs) - guards]
    checked = {names[n.index] for n in graph.outputs[len(kept):] if n.index in names}
    if checked:  # each guard checked as soon as it is computed (a folded one held already)
        env["GuardFailed"] = GuardFailed
        lines = [checks for line in lines for checks in (
            [line, (None, [line[0]], f"if not {line[0]}.all(): raise GuardFailed", False)]
            if line[0] in checked else [line])]
    outs = [names[n.index] if n.index in names else _fresh(const_name(consts[n.index]),
                                                           consts[n.index])
            for n in kept]
    params = ", ".join(f"x{k}" for k in range(len(graph.inputs)))
    body, scratch = _with_frees(lines, outs, meta, roots)
    if scratch:  # buffers kept between calls (a call that raises drops its set)
        names_ = [f"s{k}" for k in range(len(scratch))]
        pool = _Scratch(scratch)
        env["take_scratch"], env["give_scratch"] = pool.take, pool.give
        body = [f"    {', '.join(names_)}, = scratch = take_scratch()", *body,
                "    give_scratch(scratch)"]
    source = "\n".join([f"def {name}({params}):", *body,
                        f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"])
    namespace = dict(env)
    exec(compile(source, f"<sg.jit {name}>", "exec"), namespace)  # noqa: S102
    return source, namespace[name]


def _same_view(edge):
    """Whether the edge handed on its one input's elements unchanged: a view of the same
    memory with the same shape, strides and dtype (a full slice, a transpose of a 1-D array),
    which an index map's shapes and parameters decide, whatever the values."""
    if len(edge.inputs) != 1:
        return False
    a, out = edge.inputs[0].value, edge.output.value
    return (type(a) is np.ndarray and type(out) is np.ndarray and out.shape == a.shape
            and out.strides == a.strides and out.dtype == a.dtype
            and out.__array_interface__["data"][0] == a.__array_interface__["data"][0])


def _special_name(prim, params):
    """A readable name for a specialised implementation: the primitive's, with its textual
    parameters' letters and its tuples of integers but the input's (``einsum_xy_y_to_x`` for
    ``eq='xy,y->x'``, ``reshape_1_200`` for ``shape=(1, 200), in_shape=(200,)``, ``m`` for
    a minus sign)."""
    words = [str(v).replace("->", "_to_").replace(",", "_") if isinstance(v, str)
             else "_".join(str(d).replace("-", "m") for d in v) for k, v in params.items()
             if isinstance(v, str) or isinstance(v, tuple) and v and not k.startswith("in_")
             and all(type(d) is int for d in v)]
    name = "_".join([prim.name, *words])
    return name if name.isidentifier() else prim.name


def _shared_factorisations(graph):
    """The operations to compute from one LU factorisation per matrix (``Primitive.from_lu``):
    ``id(edge) -> (the matrix's node index, whether the edge reads its transpose)``, for the
    float64 matrices that two or more such operations read (a solve in a reverse pass reads
    the transpose). Empty without SciPy, whose LAPACK factors them (NumPy exposes no LU)."""
    transposes = {}  # a node -> the matrix it is the transpose of
    users: dict[int, list] = {}
    for e in graph.edges:
        a = e.inputs[0].value if e.inputs else None
        if (e.prim is _S.transpose and e.params["axes"] == (1, 0)
                and type(a) is np.ndarray and a.ndim == 2):
            transposes[e.output.index] = e.inputs[0].index
        if e.prim.from_lu is None or np.result_type(e.output.value) != np.float64 or not all(
                type(n.value) is np.ndarray and n.value.dtype == np.float64 and n.value.ndim <= 2
                for n in e.inputs):
            continue
        m = e.inputs[0]
        if m.value.ndim != 2 or m.value.shape[0] != m.value.shape[1]:
            continue
        base = transposes.get(m.index)
        users.setdefault(m.index if base is None else base, []).append((e, base is not None))
    if not any(len(u) > 1 for u in users.values()) or importlib.util.find_spec("scipy") is None:
        return {}
    return {id(e): (m, transposed) for m, u in users.items() if len(u) > 1
            for e, transposed in u}


#: Calls after which a program is compiled to machine code (where the jit extra is installed
#: and the native tier applies).
HOT_CALLS = 20
#: An elementwise ufunc's result of this many bytes or more that the program does not hand
#: back is written into a buffer the program keeps between calls (see :func:`_with_frees`).
SCRATCH_BYTES = 1 << 17
#: How many sets of scratch buffers a program keeps for calls running at once (threads).
SCRATCH_SETS = 2
#: The fewest operations a program needs for the native tier: a compiled call's fixed cost
#: (about 1.5 us with arrays, 1 us with scalars) is more than a few NumPy operations cost.
MIN_NATIVE_OPERATIONS = 4
#: The largest arrays fused into one native loop: above, per-operation overhead no longer
#: dominates and NumPy's vectorised ufuncs win over scalar math in a loop.
FUSE_MAX_ELEMENTS = 4096

def _lower_scalar(graph, name, guards=0):
    """The program compiled whole to machine code: its source and a function compiling it
    (None where it does not apply, or without llvmlite and numba). LLVM compiles it through
    llvmlite (semigrad.native), numba where the translation does not apply.

    It applies when every value is float64 and either a scalar or of one common shape S,
    every operation declares a scalar form (``Primitive.scalar_form``), and sums over all of
    S feed only the outputs: then one loop over S's elements computes everything (the
    elementwise chains fused, nothing of shape S stored but the outputs), scalar-only work
    hoisted before it.
    Sums accumulate in order, not pairwise as NumPy's: results within a few ulp per element.
    """
    if importlib.util.find_spec("llvmlite") is None and importlib.util.find_spec("numba") is None:
        return None  # (imported when it compiles: in the background)
    if any(isinstance(n.value, backend.Array) for n in graph.nodes):
        return None  # another library's arrays stay in their library
    if len(graph.edges) < MIN_NATIVE_OPERATIONS:
        return None  # a call of the NumPy program costs less
    shapes = {np.shape(n.value) for n in graph.nodes if np.ndim(n.value) > 0}
    if len(shapes) > 1:
        return None
    shape = shapes.pop() if shapes else ()
    if int(np.prod(shape, dtype=np.int64)) > FUSE_MAX_ELEMENTS:
        return None  # NumPy's vectorised ufuncs are faster than a scalar loop on large arrays
    for n in graph.nodes:
        kind = np.result_type(n.value).kind
        if kind == "b" and n.kind == "op":
            continue  # a comparison's outcome, used by where
        if kind != "f" or np.result_type(n.value) != np.float64:
            if not (n.kind == "constant" and np.ndim(n.value) == 0 and kind in "iub"):
                return None
    sums = set()
    for e in graph.edges:
        if e.prim.accumulates and np.ndim(e.output.value) == 0:
            sums.add(e.output.index)
        elif e.prim.scalar_form is None or e.params:
            return None
    loop = bool(shape)
    names = {n.index: f"x{k}" for k, n in enumerate(graph.inputs)}
    arrays = {n.index for n in graph.inputs if np.ndim(n.value)}
    consts = []
    known: dict[bytes, str] = {}  # an array closed over is recorded once per use: one argument
    for n in graph.nodes:
        if n.kind == "constant":
            if np.ndim(n.value):
                flat = np.ascontiguousarray(n.value, dtype=np.float64).ravel()
                key = flat.tobytes()
                if key not in known:
                    known[key] = f"k{len(consts)}"
                    consts.append(flat)
                names[n.index] = known[key]
                arrays.add(n.index)
            else:
                c = float(n.value)
                names[n.index] = repr(c) if np.isfinite(c) else f"float('{c}')"
    before, inside, after = [], [], []
    seen: dict[str, str] = {}
    post: set[int] = set()  # values known only after the loop (sums and what uses them)
    read: set[str] = set()  # the arrays read inside the loop
    for k, e in enumerate(graph.edges):
        # an array's element is read once per iteration, at the loop's top (one load, where
        # a program reads its constants hundreds of times)
        args = [names[n.index] + ("_i" if n.index in arrays else "") for n in e.inputs]
        read.update(names[n.index] for n in e.inputs if n.index in arrays)
        if e.prim.scalar_form == "{0}":
            names[e.output.index] = names[e.inputs[0].index]
            if e.inputs[0].index in arrays:
                arrays.add(e.output.index)
            continue
        if e.output.index in sums:
            var = names[e.output.index] = f"v{k}"
            if not np.ndim(e.inputs[0].value):  # the sum of a scalar: itself
                names[e.output.index] = args[0]
                continue
            before.append(f"    {var} = 0.0")
            inside.append(f"        {var} += {args[0]}")
            post.add(e.output.index)
            continue
        expr = e.prim.scalar_form.format(*args)
        if any(n.index in post for n in e.inputs):
            # after a sum: scalar work once the loop is done; an array needs a second pass
            if np.ndim(e.output.value):
                return None
            var = names[e.output.index] = f"v{k}"
            after.append(f"    {var} = {expr}")
            post.add(e.output.index)
            continue
        if expr in seen:  # the same operation on the same values: computed once
            names[e.output.index] = seen[expr]
            continue
        var = names[e.output.index] = seen[expr] = f"v{k}"
        if np.ndim(e.output.value) and loop:
            inside.append(f"        {var} = {expr}")
        else:
            before.append(f"    {var} = {expr}")
    outs = []
    passed = {}  # output position -> an input's position or a constant: not computed here
    inputs = {n.index: k for k, n in enumerate(graph.inputs)}
    first_guard = len(graph.outputs) - guards
    if any(np.result_type(n.value) != np.float64 for n in graph.outputs[:first_guard]):
        return None  # a comparison's outcome handed back: NumPy's booleans, not floats
    for j, n in enumerate(graph.outputs):
        if j >= first_guard:  # a guard: how many of its elements are false (0: it holds)
            if n.kind == "constant" or n.index in inputs:
                passed[j] = ("const", float(np.size(n.value) - np.count_nonzero(n.value)))
            elif np.ndim(n.value):
                before.append(f"    g{j} = 0.0")
                inside.append(f"        g{j} += (0.0 if {names[n.index]} else 1.0)")
                outs.append(f"g{j}")
            else:
                outs.append(f"(0.0 if {names[n.index]} else 1.0)")
            continue
        if n.index in inputs or n.kind == "constant":
            passed[j] = ("input", inputs[n.index]) if n.index in inputs else ("const", n.value)
        elif np.ndim(n.value):
            before.append(f"    o{j} = np.empty(n)")
            inside.append(f"        o{j}[i] = {names[n.index]}")
            outs.append(f"o{j}")
        else:
            outs.append(names[n.index])
    params = ", ".join([f"x{k}" for k in range(len(graph.inputs))]
                       + [f"k{k}" for k in range(len(consts))])
    if not outs:
        return None  # nothing computed: the outputs are inputs and constants
    body = [f"    n = {int(np.prod(shape, dtype=np.int64))}", *before]
    if loop and inside:
        body += ["    for i in range(n):",
                 *[f"        {a}_i = {a}[i]"
                   for a in sorted(read, key=lambda a: (a[0], int(a[1:])))],
                 *inside]
    source = "\n".join([f"def {name}({params}):", *body, *after,
                        f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"])
    namespace = {"math": __import__("math"), "np": np}
    exec(compile(source, f"<sg.jit {name}>", "exec"), namespace)  # noqa: S102
    array_out = [np.ndim(n.value) > 0 and j < first_guard for j, n in enumerate(graph.outputs)]

    array_in = [np.ndim(n.value) > 0 for n in graph.inputs]

    def compiled():
        """``(run, compiler)``: the compiled program and which compiler served."""
        try:  # LLVM directly: no type inference to run (numba's costs ~1 ms per statement)
            fn = native.compile_program(source, name, {
                *(f"x{k}" for k, a in enumerate(array_in) if a),
                *(f"k{k}" for k in range(len(consts)))}, consts)
            bound, compiler = (), "llvm"
        except Exception:  # noqa: BLE001  (outside the translation, or no usable llvmlite)
            import numba

            # NumPy's error model: 1/0 is inf and log(-1) nan, as on the NumPy path.
            fn = numba.njit(error_model="numpy")(namespace[name])
            bound, compiler = consts, "numba"

        computed = [j for j in range(len(array_out)) if j not in passed]

        if not passed and not any(array_in) and not any(array_out):
            if not bound:  # LLVM's: NumPy scalars already, from Python floats or NumPy's
                return fn, compiler

            def run(*args):  # scalars in and out: the cheapest wrapper
                return tuple([np.float64(v) for v in fn(*args, *bound)])

            return run, compiler

        if not passed and not bound and len(shape) <= 1:  # LLVM's, all computed, 1-D: lean
            at = [k for k, is_array in enumerate(array_in) if is_array]

            def lean(*args):
                args = list(args)
                for k in at:  # the loop reads C-contiguous data: a view, or a copy if not
                    args[k] = np.ascontiguousarray(args[k])
                return fn(*args)

            return lean, compiler

        def run(*args):
            flat = [a.ravel() if is_array else a for a, is_array in zip(args, array_in)]
            values = dict(zip(computed, fn(*flat, *bound)))
            result = []
            for j, is_array in enumerate(array_out):
                if j in passed:
                    kind, what = passed[j]
                    v = args[what] if kind == "input" else what
                    result.append(v.copy() if isinstance(v, np.ndarray) else v)
                else:
                    v = values[j]
                    result.append(v.reshape(shape) if is_array else np.float64(v))
            return tuple(result)

        return run, compiler

    what = (f"one loop over the {int(np.prod(shape, dtype=np.int64))} elements of shape "
            f"{shape}" if loop else "all values are float64 scalars")
    note = (f"# {what}: compiled whole to machine code in the background from the "
            f"{HOT_CALLS}th call on (the NumPy program serves until it is ready)\n")
    return note + source, compiled


class _Loop(Primitive):
    """A run of a program's elementwise operations compiled into one loop (the native tier
    inside a NumPy program): its inputs in, a tuple of the values read after it out."""

    registered = False


class _Item(Primitive):
    """Element ``k`` of a :class:`_Loop`'s tuple."""

    registered = False


_ITEMS: dict[int, _Item] = {}


def _item(k):
    if k not in _ITEMS:
        _ITEMS[k] = _Item(f"item{k}", operator.itemgetter(k))
    return _ITEMS[k]


def _not_compiled(*args):
    raise RuntimeError("sg.jit: a fused loop ran before it was compiled")


def _folded(graph) -> set[int]:
    """The edges (ids) computed from constants alone: :func:`_lower` folds them into
    constants of the program."""
    known = {n.index for n in graph.nodes if n.kind == "constant"}
    folded = set()
    for e in graph.edges:
        if all(n.index in known for n in e.inputs):
            folded.add(id(e))
            known.add(e.output.index)
    return folded


def _fusible_runs(graph, folded):
    """The runs of ``graph``'s edges, consecutive in its order but for the ``folded`` ones
    (so nothing outside a run needs one of its values before the run's end), of at least
    :data:`MIN_NATIVE_OPERATIONS` elementwise operations with scalar forms on values that are
    scalars or of one shape of at most :data:`FUSE_MAX_ELEMENTS` elements."""
    runs, run, shape = [], [], ()

    def close():
        if len(run) >= MIN_NATIVE_OPERATIONS:
            runs.append(list(run))
        run.clear()

    for e in graph.edges:
        if id(e) in folded:
            continue  # a constant: computed before the program runs
        shapes = {np.shape(n.value) for n in [*e.inputs, e.output]} - {()}
        ok = (e.prim.scalar_form is not None and not e.params and not e.prim.accumulates
              and len(shapes) <= 1 and not any(isinstance(n.value, backend.Array)
                                               for n in [*e.inputs, e.output]))
        s = next(iter(shapes), ())
        if not ok or int(np.prod(s, dtype=np.int64)) > FUSE_MAX_ELEMENTS:
            close()
            continue
        if s and shape and s != shape:  # another loop's shape: a run of its own
            close()
        if not run:
            shape = ()
        run.append(e)
        shape = shape or s
    close()
    return runs


def _fused_program(graph, name, guards):
    """The NumPy program of ``graph`` with each run of small-array elementwise work
    (:func:`_fusible_runs`) as one compiled loop: its source and a function compiling the
    loops (``(run, compiler, False)``), or None where no run applies. The loops are
    :func:`_lower_scalar`'s, each on the run as a graph of its own."""
    runs = []
    folded = _folded(graph)
    readers: dict[int, set[int]] = {n.index: {-1} for n in graph.outputs}  # -1: handed back
    for e in graph.edges:
        for n in e.inputs:
            readers.setdefault(n.index, set()).add(id(e))
    for run in _fusible_runs(graph, folded):
        produced = {e.output.index for e in run}
        members = {id(e) for e in run}
        ins, consts, seen = [], [], set()
        for e in run:
            for n in e.inputs:
                if n.index not in produced and n.index not in seen:
                    seen.add(n.index)
                    (consts if n.kind == "constant" else ins).append(n)
        # the run's values read after it: by an operation outside it, or handed back
        outs = [e.output for e in run if readers.get(e.output.index, set()) - members]
        if not ins or not outs:
            continue  # constants only (folded), or nothing read after it
        sub = Graph(ins, outs, [*ins, *consts, *(e.output for e in run)], run, None, None,
                    name)
        loop = _lower_scalar(sub, f"{name}_loop{len(runs)}")
        if loop is not None:
            runs.append((run, sub, loop))
    if not runs:
        return None
    first = {id(run[0]): k for k, (run, _, _) in enumerate(runs)}
    fused = {id(e) for run, _, _ in runs for e in run}
    nodes, edges = list(graph.nodes), []
    index = max(n.index for n in nodes) + 1
    # the constants first (a loop may read one recorded inside its run), then in order
    for e in sorted(graph.edges, key=lambda e: id(e) not in folded):
        k = first.get(id(e))
        if k is not None:
            _, sub, _ = runs[k]
            out = Node(index, "op", None)
            index += 1
            nodes.append(out)
            loop = _Loop(f"native_loop{k}", _not_compiled)
            edges.append(Hyperedge(len(edges), loop, sub.inputs, {}, out))
            for j, o in enumerate(sub.outputs):
                edges.append(Hyperedge(len(edges), _item(j), [out], {}, o))
        elif id(e) not in fused:
            edges.append(Hyperedge(len(edges), e.prim, e.inputs, e.params, e.output))
    source, program = _lower(Graph(graph.inputs, graph.outputs, nodes, edges, None, None,
                                   name), name, True, guards)
    loops = "\n".join(src for _, _, (src, _) in runs)
    text = (f"# the NumPy program with {len(runs)} run(s) of elementwise work on small arrays "
            f"compiled to one loop each, in the background from the {HOT_CALLS}th call on\n"
            f"{source}\n{loops}")

    def compiled():
        compiler = None
        for k, (_, _, (_, loop)) in enumerate(runs):
            fn, compiler = loop()
            if f"native_loop{k}" not in program.__globals__:
                raise RuntimeError(f"sg.jit: native_loop{k} was renamed in the program")
            program.__globals__[f"native_loop{k}"] = fn
        return program, compiler, False

    return text, compiled


def _fresh(name, value):
    """A constant handed back as an output: a copy each call when it is an array (the caller
    may write into it; the program's own must not change)."""
    return f"{name}.copy()" if isinstance(value, np.ndarray) else name


def _with_frees(lines, outs, meta, roots):
    """The assignments, each value released after its last use, and an elementwise ufunc
    writing into the buffer of an input that dies with it (``out=``): what NumPy's own
    expressions get from temporary elision, so large intermediates stay few and hot. A
    buffer dies with the last use of its variable and of every view of it (``roots``).

    An elementwise ufunc that would allocate a large array (:data:`SCRATCH_BYTES` or more)
    none of whose values is handed back writes into a *scratch* buffer instead (``out=s0``),
    one the program keeps between calls: fresh memory costs a page fault per page on every
    call, a kept buffer none. A scratch buffer whose values are all dead serves the next such
    ufunc of its shape and dtype. Returns ``(text, scratch)``, ``scratch`` the buffers'
    ``(shape, dtype)`` in order (``s0, s1, ...``)."""
    last, buffer_last = {}, {}
    for k, (_, used, _, _) in enumerate(lines):
        for v in used:
            if v.startswith("v"):
                last[v] = buffer_last[roots[v]] = k
    kept = set(outs)
    kept_buffers = {roots.get(v, v) for v in outs}
    # The buffer each value lives in (its own, a view's root's, or the donor it was written
    # into), decided in order; then which buffers are handed back, and when each dies.
    donors, storage = {}, {}
    for k, (var, used, _, reusable) in enumerate(lines):
        if var is None:
            continue
        donor = None
        if reusable:
            shape, dtype = meta[var][1:]
            donor = next((v for v in used if v.startswith("v") and roots[v] == v
                          and buffer_last[v] == k and v not in kept_buffers
                          and meta[v] == (True, shape, dtype)), None)
        if donor is not None:
            donors[k] = donor
            storage[var] = storage[donor]
        else:
            storage[var] = storage.get(roots[var], var) if roots[var] != var else var
    escaped = {storage.get(v, v) for v in outs}
    storage_last: dict[str, int] = {}
    for k, (var, used, _, _) in enumerate(lines):
        for v in ([var] if var is not None else []) + [u for u in used if u in storage]:
            storage_last[storage[v]] = k
    scratch: list[tuple] = []
    free: dict[tuple, list[int]] = {}  # (shape, dtype) -> scratch buffers free again
    holding: dict[str, int] = {}  # a storage -> the scratch buffer it lives in
    text = []
    for k, (var, _, call, reusable) in enumerate(lines):
        for s in [s for s in holding if storage_last[s] < k]:  # dead: free again
            free.setdefault(scratch[holding[s]], []).append(holding.pop(s))
        if k in donors:
            call = f"{call[:-1]}, out={donors[k]})"
        elif reusable and storage[var] == var and var not in escaped:
            spec = meta[var][1], np.dtype(meta[var][2])
            if int(np.prod(spec[0], dtype=np.int64)) * spec[1].itemsize >= SCRATCH_BYTES:
                pool = free.get(spec)
                if pool:
                    holding[var] = pool.pop()
                else:
                    holding[var] = len(scratch)
                    scratch.append(spec)
                call = f"{call[:-1]}, out=s{holding[var]})"
        text.append(f"    {call}" if var is None else f"    {var} = {call}")
        done = sorted((v for v, at in last.items() if at == k and v not in kept),
                      key=lambda v: int(v[1:]))
        if done:
            text.append(f"    del {', '.join(done)}")
    return text, scratch


class _Scratch:
    """A program's scratch buffers: one set per call running at once (threads), taken at a
    call's start and given back at its end; at most :data:`SCRATCH_SETS` sets are kept."""

    def __init__(self, specs):
        self.specs = specs
        self.free: list = []

    def take(self):
        try:
            return self.free.pop()  # atomic: two threads never take one set
        except IndexError:
            return [np.empty(shape, dtype) for shape, dtype in self.specs]

    def give(self, buffers):
        if len(self.free) < SCRATCH_SETS:
            self.free.append(buffers)


def jit(f, static_argnums=(), exact=False):
    """``f`` compiled: traced once per signature into a straight-line program, as ``jax.jit``.

    A signature is the structure of the arguments, each array's shape, dtype and library,
    and the values of the arguments in ``static_argnums`` (hashable: they may decide Python
    control flow, and a new value traces again). Python control flow on the other
    arguments' values is an error at trace time naming the line (use ``sg.where``, a
    static argument, or eager mode). ``f`` must be a function of its arguments: values it
    closes over are constants of the program. ``jitted.source(*args)`` returns the program
    for those arguments, ``jitted.traces`` counts the traces made. With the jit extra
    installed (llvmlite, which numba brings), a program whose values are all float64
    scalars, or small arrays of one shape, is compiled whole to machine code once it has run
    :data:`HOT_CALLS` times (``jitted.native_source(*args)`` shows it, None where it does not
    apply): the elementwise chains fused into one loop, results within a few ulp of the NumPy
    program's (C math functions, sums accumulated in order). It compiles in a background
    thread while the NumPy program keeps serving, so no call waits for it;
    ``jitted.wait_native(*args)`` waits, and ``jitted.seconds(*args)`` gives what tracing,
    lowering and the native compilation cost. ``exact=True``: the program does eager mode's
    operations in eager mode's order, equal to eager results to the last bit (no regrouped
    products, no shared factorisations, no native tier; see semigrad.regroup).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> f = sg.jit(lambda x, n: x ** n, static_argnums=1)
    >>> f(np.array([1.0, 2.0]), 3).tolist()
    [1.0, 8.0]
    >>> print(f.source(np.array([1.0, 2.0]), 3))
    def f(x0):
        v0 = power(x0, 3)
        return (v0,)
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    name = getattr(f, "__name__", "f")
    name = name if name.isidentifier() and not keyword.iskeyword(name) else "f"
    cache: dict = {}

    def program(args, kwargs=None, general=False):
        """The program for these arguments, traced on first sight of their signature; with
        ``general``, the one of general formulas (no guarded shortcuts), which replaces it."""
        n = len(args)
        fixed = {a % n for a in static} if n else set()
        dynamic = [a for k, a in enumerate(args) if k not in fixed]
        kwargs = dict(sorted((kwargs or {}).items()))  # keyword arguments: dynamic, by name
        leaves, spec = flatten((tuple(dynamic), kwargs))
        key = (_hashable(spec), tuple(kwargs), tuple(_signature(x) for x in leaves),
               tuple((k, _static_key(args[k])) for k in sorted(fixed)))
        prog = cache.get(key)
        if prog is None or general and prog.guards:
            def body(dyn, kw):
                it = iter(dyn)
                return f(*[args[k] if k in fixed else next(it) for k in range(n)], **kw)

            start = time.perf_counter()
            guards = None if general else []
            graph, out_spec = trace_static(body, f"jit({name})", leaves, spec, guards)
            prog = cache[key] = Program(graph, out_spec, name, time.perf_counter() - start,
                                        exact, len(guards or ()))
            jitted.traces += 1
        return prog, leaves

    fast: dict = {}  # arguments of floats and NumPy arrays (in containers): a cheaper key

    @functools.wraps(f)
    def jitted(*args, **kwargs):
        key, flat = (None, None) if static or kwargs else _fast_leaves(args)
        if key is not None:
            hit = fast.get(key)
            if hit is not None and not context.current().depth:
                try:
                    return hit[0].run_numpy(flat, hit[1])
                except GuardFailed:  # a shortcut does not hold for these values
                    pass
        prog, leaves = program(args, kwargs)
        arrays = [x for x in leaves if _is_array(x)]
        if any(isinstance(x, Tensor) for x in arrays) or context.current().depth:
            # inside a transform, or on Tensors: replay through the primitives (recorded),
            # the general formulas (a replay checks no guard)
            if prog.guards:
                prog, leaves = program(args, kwargs, general=True)
            if key is not None:
                fast[key] = prog, any(type(x) is float for x in flat)
            return unflatten(prog.out_spec, prog.graph.run(arrays))
        try:
            result = prog(arrays)
        except GuardFailed:  # from now on, the program of general formulas for this signature
            prog, leaves = program(args, kwargs, general=True)
            result = prog(arrays)
        if key is not None:
            fast[key] = prog, any(type(x) is float for x in flat)
        return result

    def source(*args, **kwargs):
        return program(args, kwargs)[0].source

    def native_source(*args, **kwargs):
        return program(args, kwargs)[0].native_source

    def wait_native(*args, timeout=None, **kwargs):
        return program(args, kwargs)[0].wait_native(timeout)

    def seconds(*args, **kwargs):
        return dict(program(args, kwargs)[0].seconds)

    wait_native.__doc__ = ("Wait for the native compilation of the program for these "
                           "arguments, if it started; whether the native program serves them.")
    seconds.__doc__ = ("What the program for these arguments cost to make, in seconds: "
                       "``trace``, ``lower`` and ``native`` (None until compiled), and "
                       "``compiler``: 'llvm' or 'numba' (None until compiled).")
    jitted.source = source
    jitted.native_source = native_source
    jitted.wait_native = wait_native
    jitted.seconds = seconds
    jitted.traces = 0
    return jitted


def _builder(spec):
    """``unflatten(spec, ·)`` for a program's results, without its walk where the structure
    is one value or a flat tuple (a value and its gradients)."""
    if spec is None:
        return operator.itemgetter(0)
    if spec[0] is tuple and all(c is None for c in spec[1]):
        return tuple
    return functools.partial(unflatten, spec)


def _fast_leaves(args):
    """For arguments that are Python floats and NumPy arrays, alone or in tuples, lists and
    dicts: a signature and the leaves in ``flatten``'s order; (None, None) for any other."""
    key = []
    for a in args:  # flat floats and arrays first: the cheapest key (scalar programs' calls)
        cls = type(a)
        if cls is float:
            key.append(cls)
        elif cls is np.ndarray:
            key.append((a.shape, a.dtype))
        else:
            break
    else:
        return tuple(key), args
    leaves, other = [], []

    def walk(t):
        cls = type(t)
        if cls is np.ndarray:
            leaves.append(t)
            return t.shape, t.dtype
        if cls is float:
            leaves.append(t)
            return cls
        if cls is dict:
            return dict, tuple(t), tuple([walk(v) for v in t.values()])
        if cls is tuple or cls is list:
            return cls, tuple([walk(v) for v in t])
        other.append(t)
        return None

    key = tuple([walk(a) for a in args])
    return (None, None) if other else (key, leaves)


def _hashable(spec):
    """A pytree structure (nested lists and tuples) as nested tuples."""
    if isinstance(spec, list | tuple):
        return tuple(_hashable(s) for s in spec)
    return spec


def _static_key(value):
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"jit: a static argument must be hashable; got a {type(value).__name__}"
        ) from None
    return (type(value), value)
