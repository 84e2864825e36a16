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

import builtins
import functools
import importlib.util
import keyword

import numpy as np

from . import backend, context
from .autodiff.tree import flatten, unflatten
from .tensor import Tensor
from .vmap import _is_array, trace_static

__all__ = ["jit"]


def _signature(leaf):
    """What a compiled program depends on for one argument leaf."""
    if isinstance(leaf, Tensor):
        leaf = leaf.value
    if isinstance(leaf, float):
        return ("float",)
    if _is_array(leaf):
        return ("array", tuple(np.shape(leaf)), str(np.result_type(getattr(leaf, "dtype",
                                                                         type(leaf)))),
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


class Program:
    """One compiled signature: the graph, the generated source and the function run."""

    def __init__(self, graph, out_spec, name):
        self.graph = graph
        self.out_spec = out_spec
        self.source, self._run = _lower(graph, name)
        # All-scalar float64 programs compile whole with numba where it is installed, once
        # hot: the first calls run the NumPy program, so a first call costs no compilation.
        self._hot = None
        self.numba_source = None
        scalar = _lower_scalar(graph, name)
        if scalar is not None:
            self.numba_source, self._hot = scalar
            self._calls = 0

    def _warm(self):
        self._calls += 1
        if self._calls >= HOT_CALLS:
            self._run = self._hot()
            self._hot = None

    def run_numpy(self, args):
        """The program on flat arguments that are floats and NumPy arrays (the fast path)."""
        if self._hot is not None:
            self._warm()
        return unflatten(self.out_spec, list(self._run(
            *[np.float64(x) if type(x) is float else x for x in args])))

    def __call__(self, leaves):
        # NumPy scalars for Python numbers (NumPy's arithmetic, as the primitives give it),
        # another library's arrays wrapped for the seam, and unwrapped on the way out.
        leaves = [np.float64(x) if type(x) is float else backend.wrap(x) for x in leaves]
        if self._hot is not None:
            self._warm()
        return unflatten(self.out_spec, [backend.unwrap(v) for v in self._run(*leaves)])


def _lower(graph, name):
    """The source of ``graph`` as one Python function, and that function."""
    names: dict[int, str] = {}
    env: dict[str, object] = {}
    consts: dict[int, object] = {}  # node index -> a value known at compile time
    lines = []
    for k, node in enumerate(graph.inputs):
        names[node.index] = f"x{k}"
    for node in graph.nodes:
        if node.kind == "constant":
            consts[node.index] = node.value
    prims: dict[str, object] = {name: None}  # the function's own name is taken

    def prim_name(prim):
        impl = _ufunc(prim)  # called directly: the program's values are arrays already
        base = prim.name
        if keyword.iskeyword(base) or hasattr(builtins, base) or not base.isidentifier():
            base = f"{base}_" if base.isidentifier() else "op_" + str(len(prims))
        while base in prims and prims[base] is not prim:
            base += "_"
        prims[base] = prim
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
    meta: dict[str, tuple] = {}  # var -> (a fresh ndarray of a ufunc, its shape, its dtype)
    count = 0
    for e in graph.edges:
        ins = [n.index for n in e.inputs]
        if all(i in consts for i in ins):  # folded: computed now, a constant of the program
            consts[e.output.index] = e.prim(*[consts[i] for i in ins], **e.params)
            continue
        if e.prim.scalar_form == "{0}":  # a transform's link to its input: the same value
            names[e.output.index] = (names[ins[0]] if ins[0] in names else
                                     const_name(consts[ins[0]]))
            continue
        args = [names[i] if i in names else const_name(consts[i]) for i in ins]
        kw = []
        for key, value in e.params.items():
            lit = _literal(value)
            kw.append(f"{key}={lit if lit is not None else const_name(value)}")
        call = f"{prim_name(e.prim)}({', '.join(args + kw)})"
        if call in seen:  # the same operation on the same values: computed once
            names[e.output.index] = seen[call]
            continue
        var = f"v{count}"
        count += 1
        seen[call] = var
        names[e.output.index] = var
        value = e.output.value
        # an elementwise NumPy ufunc into a fresh array: it may write into a dying input's
        reusable = (e.prim.ufunc is not None and not kw
                    and type(value) is np.ndarray and value.ndim > 0)
        meta[var] = (reusable, value.shape if reusable else None,
                     value.dtype if reusable else None)
        lines.append((var, args, call, reusable))
    outs = [names[n.index] if n.index in names else _fresh(const_name(consts[n.index]),
                                                           consts[n.index])
            for n in graph.outputs]
    params = ", ".join(f"x{k}" for k in range(len(graph.inputs)))
    source = "\n".join([f"def {name}({params}):", *_with_frees(lines, outs, meta),
                        f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"])
    namespace = dict(env)
    exec(compile(source, f"<sg.jit {name}>", "exec"), namespace)  # noqa: S102
    return source, namespace[name]


#: Calls after which a program is compiled by numba (where it is installed and applies).
HOT_CALLS = 20
#: The largest arrays fused into one numba loop: above, per-operation overhead no longer
#: dominates and NumPy's vectorised ufuncs win over scalar math in a loop.
FUSE_MAX_ELEMENTS = 4096

def _lower_scalar(graph, name):
    """The program compiled whole by numba (None where it does not apply, or without numba).

    It applies when every value is float64 and either a scalar or of one common shape S,
    every operation declares a scalar form (``Primitive.scalar_form``), and sums over all of
    S feed only the outputs: then one loop over S's elements computes everything (the
    elementwise chains fused, nothing of shape S stored but the outputs), scalar-only work
    hoisted before it.
    Sums accumulate in order, not pairwise as NumPy's: results within a few ulp per element.
    """
    if importlib.util.find_spec("numba") is None:  # imported when it compiles: it is slow
        return None
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
    for n in graph.nodes:
        if n.kind == "constant":
            if np.ndim(n.value):
                names[n.index] = f"k{len(consts)}"
                consts.append(np.ascontiguousarray(n.value).ravel())
                arrays.add(n.index)
            else:
                c = float(n.value)
                names[n.index] = repr(c) if np.isfinite(c) else f"float('{c}')"
    before, inside, after = [], [], []
    seen: dict[str, str] = {}
    post: set[int] = set()  # values known only after the loop (sums and what uses them)
    for k, e in enumerate(graph.edges):
        args = [names[n.index] + ("[i]" if n.index in arrays else "") for n in e.inputs]
        if e.prim.scalar_form == "{0}":
            names[e.output.index] = names[e.inputs[0].index]
            if e.inputs[0].index in arrays:
                arrays.add(e.output.index)
            continue
        if e.output.index in sums:
            var = names[e.output.index] = f"v{k}"
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
    for j, n in enumerate(graph.outputs):
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
        body += ["    for i in range(n):", *inside]
    source = "\n".join([f"def {name}({params}):", *body, *after,
                        f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"])
    namespace = {"math": __import__("math"), "np": np}
    exec(compile(source, f"<sg.jit {name}>", "exec"), namespace)  # noqa: S102
    array_out = [np.ndim(n.value) > 0 for n in graph.outputs]

    def compiled():
        import numba

        # NumPy's error model: 1/0 is inf and log(-1) nan, as on the NumPy path.
        fn = numba.njit(error_model="numpy")(namespace[name])

        computed = [j for j in range(len(array_out)) if j not in passed]

        def run(*args):
            flat = [np.ravel(a) if np.ndim(a) else a for a in args]
            values = dict(zip(computed, fn(*flat, *consts)))
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

        return run

    what = (f"one loop over the {int(np.prod(shape, dtype=np.int64))} elements of shape "
            f"{shape}" if loop else "all values are float64 scalars")
    note = (f"# {what}: compiled whole by numba after {HOT_CALLS} calls (the NumPy program "
            "runs until then)\n")
    return note + source, compiled


def _fresh(name, value):
    """A constant handed back as an output: a copy each call when it is an array (the caller
    may write into it; the program's own must not change)."""
    return f"{name}.copy()" if isinstance(value, np.ndarray) else name


def _with_frees(lines, outs, meta):
    """The assignments, each value released after its last use, and an elementwise ufunc
    writing into the buffer of an input that dies with it (``out=``): what NumPy's own
    expressions get from temporary elision, so large intermediates stay few and hot."""
    last = {}
    for k, (_, used, _, _) in enumerate(lines):
        for v in used:
            if v.startswith("v"):
                last[v] = k
    kept = set(outs)
    text = []
    for k, (var, used, call, reusable) in enumerate(lines):
        if reusable:
            shape, dtype = meta[var][1:]
            donor = next((v for v in used if v.startswith("v") and last[v] == k
                          and v not in kept and meta[v] == (True, shape, dtype)), None)
            if donor is not None:
                call = f"{call[:-1]}, out={donor})"
        text.append(f"    {var} = {call}")
        done = sorted((v for v, at in last.items() if at == k and v not in kept),
                      key=lambda v: int(v[1:]))
        if done:
            text.append(f"    del {', '.join(done)}")
    return text


def jit(f, static_argnums=()):
    """``f`` compiled: traced once per signature into a straight-line program, as ``jax.jit``.

    A signature is the structure of the arguments, each array's shape, dtype and library,
    and the values of the arguments in ``static_argnums`` (hashable: they may decide Python
    control flow, and a new value traces again). Python control flow on the other
    arguments' values is an error at trace time naming the line (use ``sg.where``, a
    static argument, or eager mode). ``f`` must be a function of its arguments: values it
    closes over are constants of the program. ``jitted.source(*args)`` returns the program
    for those arguments, ``jitted.traces`` counts the traces made. With numba installed, a
    program whose values are all float64 scalars, or small arrays of one shape, is compiled
    whole once it has run :data:`HOT_CALLS` times (``jitted.numba_source(*args)`` shows it,
    None where it does not apply): the elementwise chains fused into one loop, results within
    a few ulp of the NumPy program's (C math functions, sums accumulated in order).

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

    def program(args, kwargs=None):
        n = len(args)
        fixed = {a % n for a in static} if n else set()
        dynamic = [a for k, a in enumerate(args) if k not in fixed]
        kwargs = dict(sorted((kwargs or {}).items()))  # keyword arguments: dynamic, by name
        leaves, spec = flatten((tuple(dynamic), kwargs))
        key = (_hashable(spec), tuple(kwargs), tuple(_signature(x) for x in leaves),
               tuple((k, _static_key(args[k])) for k in sorted(fixed)))
        prog = cache.get(key)
        if prog is None:
            def body(dyn, kw):
                it = iter(dyn)
                return f(*[args[k] if k in fixed else next(it) for k in range(n)], **kw)

            graph, out_spec = trace_static(body, f"jit({name})", leaves, spec)
            prog = cache[key] = Program(graph, out_spec, name)
            jitted.traces += 1
        return prog, leaves

    fast: dict = {}  # flat arguments of floats and NumPy arrays only: a cheaper key

    @functools.wraps(f)
    def jitted(*args, **kwargs):
        key = None if static or kwargs else _fast_key(args)
        if key is not None:
            prog = fast.get(key)
            if prog is not None and not context.current().depth:
                return prog.run_numpy(args)
        prog, leaves = program(args, kwargs)
        if key is not None:
            fast[key] = prog
        arrays = [x for x in leaves if _is_array(x)]
        if any(isinstance(x, Tensor) for x in arrays) or context.current().depth:
            # inside a transform, or on Tensors: replay through the primitives (recorded)
            return unflatten(prog.out_spec, prog.graph.run(arrays))
        return prog([x for x in arrays])

    def source(*args, **kwargs):
        return program(args, kwargs)[0].source

    def numba_source(*args, **kwargs):
        return program(args, kwargs)[0].numba_source

    jitted.source = source
    jitted.numba_source = numba_source
    jitted.traces = 0
    return jitted


def _fast_key(args):
    """A signature for flat arguments that are all Python floats or NumPy arrays, else None."""
    key = []
    for a in args:
        cls = type(a)
        if cls is float:
            key.append(cls)
        elif cls is np.ndarray:
            key.append((a.shape, a.dtype))
        else:
            return None
    return tuple(key)


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
