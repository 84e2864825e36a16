"""The functional face: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, like JAX and HIPS autograd.

A transform calls the user's function on fresh input nodes, then sweeps the
recorded graph. Transforms nest to any depth without perturbation
confusion: every sweep stops at the nodes its own transform created (their
creation numbers are the smallest it may visit), and while any transform's
function is running, inner sweeps record their rules (``create_graph``) so
that the outer transform can differentiate through them.

Arguments may be floats, arrays, Tensors, or nested tuples/lists/dicts of
them; gradients mirror that structure and keep each input's floating dtype
(integer inputs are promoted to float64).
"""

from __future__ import annotations

import contextvars
import functools
import inspect

import numpy as np

from .. import backend, context
from ..primitives import complex as _C
from ..primitives import structural as _S
from ..primitives.elementwise import identity
from ..tensor import Tensor, new_id
from . import forward, reverse
from .tree import flatten, unflatten


def _nested() -> bool:
    """Whether a transform's function is running here (this thread or task).

    Inside one, results must stay differentiable for the enclosing transform.
    """
    return context.current().depth > 0


def _traced(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _input_value(x, name, where):
    """The float value a transform differentiates with respect to.

    ``where`` says which argument it is (an argument number or a phrase).
    """
    if isinstance(where, int):
        where = f"argument {where}"
    v = x.value if isinstance(x, Tensor) else x
    if backend.library(v) is not None:  # another library's array: kept in its library
        v = backend.wrap(v)
        if v.dtype.kind not in "fc":
            if v.dtype.kind not in "iu":
                raise TypeError(f"{name}: cannot differentiate with respect to {where} of "
                                f"dtype {v.dtype}; pass floating-point arrays")
            v = v.astype(np.float64)
        return v
    v = np.asarray(v)
    if v.dtype == np.bool_:
        raise TypeError(
            f"{name}: cannot differentiate with respect to a boolean input ({where}, shape "
            f"{v.shape}); pass floats, or leave it out of argnums"
        )
    if v.dtype.kind not in "fciu":
        raise TypeError(
            f"{name}: cannot differentiate with respect to {where} of dtype {v.dtype}; "
            "pass floating-point numbers or arrays"
        )
    if v.dtype.kind in "iu":
        v = v.astype(np.float64)
    return v[()] if v.ndim == 0 else v


def _new_leaf(value, private=False) -> Tensor:
    """A transform's input node. Its array is read-only: a view of the caller's array, or,
    with ``private`` (for ``vjp``, whose sweep runs later), a copy of it."""
    if type(value) is np.ndarray:
        value = value.copy() if private else value.view()
        value.setflags(False)
    leaf = Tensor.__new__(Tensor)
    leaf.value = value
    leaf.requires_grad = True
    leaf.grad = leaf.name = leaf._prim = leaf._inputs = leaf._params = None
    leaf._origin = False  # a transform's input: the user never rebinds it
    leaf._id = new_id()
    return leaf


def _lift(x, name, where, private=False):
    """A fresh node for an argument: linked to it when it is itself traced."""
    cls = type(x)
    if cls is float:
        return _new_leaf(np.float64(x))
    if cls is np.ndarray and x.dtype.kind in "fc":
        return _new_leaf(x if x.ndim else x[()], private)
    if cls is Tensor and x.requires_grad:
        if x.dtype.kind not in "fc":
            raise TypeError(f"{name}: argument {where} has non-float dtype {x.dtype}")
        if context.current().grad_enabled:
            return identity(x)  # linked: an enclosing transform differentiates through it
    return _new_leaf(_input_value(x, name, where), private)


def _lift_tree(tree, name, where, private=False):
    if type(tree) is float or type(tree) is np.ndarray:
        return [_lift(tree, name, where, private)], None, [tree]
    leaves, spec = flatten(tree)
    lifted = [_lift(x, name, where, private) for x in leaves]
    return lifted, spec, leaves


_NUMERIC = (Tensor, np.ndarray, np.generic, float, int, complex)
_PLAIN = frozenset((float, int, np.ndarray, np.float64, np.float32))  # never another library's
_ARRAY = backend.Array


def _split_aux(name, out, has_aux):
    """``(value, aux)`` of a function's result (``aux`` None without ``has_aux``)."""
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        _check_output(name, out)
        raise TypeError(f"{name}: has_aux=True needs f to return (value, aux)")
    return out


def _check_output(name, out, what="f"):
    """Refuse outputs that are not numbers, arrays or Tensors (a generator, None, a string...)."""
    if type(out) is Tensor or isinstance(out, _NUMERIC) or backend.library(out) is not None:
        if isinstance(out, np.ndarray | np.generic) and out.dtype.kind not in "biufc":
            raise TypeError(
                f"{name}: {what} returned an array of dtype {out.dtype}; it must return numbers "
                "(a float, an array or a Tensor)"
            )
        return
    if inspect.iscoroutine(out):
        out.close()  # never awaited: close it quietly
        kind = "a coroutine (an async def function?): await it outside the transform"
    elif inspect.isgenerator(out):
        kind = "a generator (a function with yield?): return the value instead"
    elif out is None:
        kind = "None (a missing return statement?)"
    else:
        kind = f"a {type(out).__name__} ({out!r:.60})"
    raise TypeError(
        f"{name}: {what} returned {kind}; it must return a number, an array or a Tensor"
    )


def _output(x, nested):
    """What a transform hands back: Tensors inside another transform, else values."""
    if nested:
        return x if isinstance(x, Tensor) else Tensor(x)
    return backend.unwrap(reverse.writable(x.value if isinstance(x, Tensor) else x))


def _output_tree(tree, nested):
    """Auxiliary results: their leaves as values (or Tensors inside a transform)."""
    if nested:
        return tree
    leaves, spec = flatten(tree)
    return unflatten(spec, [x.value if isinstance(x, Tensor) else x for x in leaves])


def _like_input(g, original, nested):
    """Give a gradient the type and dtype of the argument it belongs to."""
    if nested:
        return g if isinstance(g, Tensor) else Tensor(g)
    if type(g) is Tensor:
        g = g.value
    if type(original) is float and type(g) is not _ARRAY and not getattr(g, "shape", ()):
        return float(g)
    if type(g) is _ARRAY or (type(original) not in _PLAIN
                             and backend.library(original) is not None):
        # computed in another library, or for an input of one: returned in the input's
        g = backend.like(g, original)
        target = _input_value(original, "", "").dtype
        if g.dtype != target:
            g = (g.real if g.dtype.kind == "c" and target.kind != "c" else g).astype(target)
        return g.raw
    g = reverse.writable(g)
    target = getattr(original, "dtype", None)
    if target is None or target.kind not in "fc":
        target = np.result_type(_input_value(original, "", ""))
    if getattr(g, "dtype", None) != target:
        g = np.asarray(g)
        if g.dtype.kind == "c" and target.kind != "c":
            g = g.real  # a real input keeps the real part of its cotangent
        g = g.astype(target)
    return g


def _check_holomorphic(name, holomorphic, inputs, outputs, real_outputs=True, real_inputs=False):
    """JAX's rules for complex values in grad and Jacobians.

    Without ``holomorphic``, the outputs (of grad and reverse Jacobians) must be
    real, and the inputs of forward Jacobians too; with it, inputs and outputs
    must all be complex.
    """
    if holomorphic:
        for kind, xs in (("input", inputs), ("output", outputs)):
            for x in xs:
                if not _C.is_complex(x):
                    raise TypeError(
                        f"{name}: holomorphic=True needs complex {kind}s; got an {kind} of dtype "
                        f"{np.result_type(getattr(x, 'value', x))}: convert it with "
                        "astype(complex), or drop holomorphic=True"
                    )
        return
    if real_outputs:
        for x in outputs:
            if _C.is_complex(x):
                raise TypeError(
                    f"{name} requires real-valued outputs; got dtype {x.dtype}: differentiate "
                    "a real function of it (sg.real, sg.abs, ...) or pass holomorphic=True "
                    "if f is holomorphic"
                )
    if real_inputs:
        for x in inputs:
            if _C.is_complex(x):
                raise TypeError(
                    f"{name} requires real-valued inputs in forward mode; got dtype "
                    f"{np.result_type(getattr(x, 'value', x))}: use mode='rev' (jacrev) for a "
                    "real function of complex inputs, or pass holomorphic=True"
                )


def _argnums(name, argnums, nargs):
    """The argument positions ``argnums`` names, checked (cached: a transform's every call)."""
    try:
        return _argnums_checked(name, argnums, nargs)
    except TypeError:  # an unhashable argnums (a list): checked without the cache
        return _argnums_checked.__wrapped__(name, argnums, nargs)


@functools.lru_cache(maxsize=1024)
def _argnums_checked(name, argnums, nargs):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise ValueError(
                f"{name}: argnums={argnums!r} but the function was called with {nargs} "
                f"positional argument{'s' if nargs != 1 else ''}; use indices in "
                f"[0, {nargs - 1}]"
            )
    return tuple(a % nargs for a in nums)


def _call(f, args, kwargs, leaves):
    """Run a transform's function on its input nodes ``leaves``, one level deeper.

    The function runs in a copy of the current context with the deeper state:
    when it returns or raises, at whatever line, the caller's state is as it
    was (nothing to restore).
    """
    return contextvars.copy_context().run(_call_deeper, f, args, kwargs, leaves)


def _call_deeper(f, args, kwargs, leaves):
    _deeper(context.current(), leaves)
    return f(*args, **kwargs)


def _deeper(state, leaves):
    """Make the state one transform deeper than ``state``; only in a context copy of one's own."""
    floor = state.floor  # values traced by an enclosing transform count too
    if leaves and leaves[0]._id < floor:
        floor = leaves[0]._id  # inputs are created in order: the first is the oldest
    # A transform records its function whatever an enclosing no_grad says (as torch.func).
    context.push(state.replace(depth=state.depth + 1, floor=floor, grad_enabled=True))


def value_and_grad(f, argnums=0, has_aux=False, holomorphic=False):
    """A function returning ``(f(*args), gradient)`` for a scalar-valued ``f``.

    ``argnums`` (int or tuple) selects the arguments to differentiate; with a
    tuple the gradient is a tuple. With ``has_aux``, ``f`` returns
    ``(value, aux)`` and the result is ``((value, aux), gradient)``.

    ``f`` must be real-valued; for complex inputs z = x + iy the gradient is
    ∂f/∂x − i ∂f/∂y (JAX's and HIPS autograd's convention). With
    ``holomorphic=True``, a holomorphic ``f`` of complex inputs may return a
    complex value, and the gradient is f'(z).

    >>> import semigrad as sg
    >>> sg.value_and_grad(lambda x: x ** 2)(3.0)
    (np.float64(9.0), 6.0)
    """
    name = f"grad({getattr(f, '__name__', 'f')})"

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        # One copy of the context for the call and its sweep: nothing to restore after.
        return contextvars.copy_context().run(body, args, kwargs)

    def body(args, kwargs):
        nums = _argnums(name, argnums, len(args))
        state = context.current()
        nested = state.depth > 0
        args = list(args)
        groups = []
        for a in nums:
            lifted, spec, originals = _lift_tree(args[a], name, a)
            for x in originals:
                if type(x) is Tensor and x.requires_grad:
                    nested = True
            args[a] = unflatten(spec, lifted)
            groups.append((lifted, spec, originals))
        leaves = [t for lifted, _, _ in groups for t in lifted]
        _deeper(state, leaves)
        out = f(*args, **kwargs)
        context.push(state)  # back to the caller's level for the checks and the sweep
        out, aux = _split_aux(name, out, has_aux)
        if isinstance(out, tuple | list | dict):
            hint = (" (to return extra values, pass has_aux=True and return (value, aux))"
                    if isinstance(out, tuple) and len(out) == 2 and not has_aux else "")
            raise TypeError(
                f"{name} requires a scalar output; got a {type(out).__name__}{hint}: use "
                "jacobian or vjp for several outputs"
            )
        _check_output(name, out)
        out_value = out.value if type(out) is Tensor else out
        out_shape = getattr(out_value, "shape", None)
        if out_shape is None:
            out_shape = np.shape(out_value)
        if out_shape != ():
            raise TypeError(
                f"{name} requires a scalar output; got shape {out_shape}: use jacobian, or vjp "
                "with a cotangent seed, or reduce the output (e.g. .sum())"
            )
        if holomorphic or _C.is_complex(out_value):
            _check_holomorphic(name, holomorphic, leaves, [out])
        res = {}
        if isinstance(out, Tensor) and out.requires_grad:
            seed = out_value.dtype.type(1)
            if type(out_value) is backend.Array:  # the sweep starts in the output's library
                seed = backend.like(seed, out_value)
            res = reverse.sweep(
                [out], [Tensor(seed) if nested else seed], leaves,
                create_graph=nested, retain_graph=nested,
            )
        grads, handed_out = [], set()
        for lifted, spec, originals in groups:
            gs = []
            for t, o in zip(lifted, originals):
                g = _like_input(res[t._id] if t._id in res else np.zeros_like(t.value), o, nested)
                if isinstance(g, np.ndarray):
                    if id(g) in handed_out:  # one array for two arguments: give each its own
                        g = g.copy()
                    handed_out.add(id(g))
                gs.append(g)
            grads.append(unflatten(spec, gs))
        grad_out = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _output(out, nested)
        if has_aux:
            return (value, _output_tree(aux, nested)), grad_out
        return value, grad_out

    return wrapped


def grad(f, argnums=0, has_aux=False, holomorphic=False):
    """The gradient of a scalar-valued ``f`` with respect to argument(s) ``argnums``.

    For complex inputs see :func:`value_and_grad` (∂f/∂x − i ∂f/∂y;
    ``holomorphic=True`` gives f'(z)).

    >>> import semigrad as sg
    >>> def f(x, y, z, v):
    ...     return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)
    >>> [round(g, 6) for g in sg.grad(f, argnums=(0, 1, 2, 3))(0.5, 2.0, 3.0, 4.0)]
    [-0.331346, -2.892097, 2.547243, 0.25]
    """
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def vjp(f, *primals, has_aux=False):
    """``(f(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` returns one cotangent per primal.

    The cotangent has the structure of ``f``'s output, each leaf with that
    output's shape plus optional leading batch axes (a batch of seeds in one
    sweep).

    >>> import semigrad as sg
    >>> out, vjp_fn = sg.vjp(lambda x: x * 2.0, 3.0)
    >>> vjp_fn(1.0)
    (2.0,)
    """
    name = f"vjp({getattr(f, '__name__', 'f')})"
    nested = _nested() or any(_traced(x) for x in flatten(list(primals))[0])
    groups = [_lift_tree(p, name, k, private=True) for k, p in enumerate(primals)]
    leaves = [t for lifted, _, _ in groups for t in lifted]
    out = _call(f, [unflatten(spec, lifted) for lifted, spec, _ in groups], {}, leaves)
    out, aux = _split_aux(name, out, has_aux)
    outs, out_spec = flatten(out)
    for o in outs:
        _check_output(name, o)

    def vjp_fn(cotangent):
        cts, ct_spec = flatten(cotangent)
        if ct_spec != out_spec or len(cts) != len(outs):
            raise ValueError(
                f"{name}: the cotangent must have the structure of the output "
                f"({type(out).__name__} with {len(outs)} array(s)); got "
                f"{type(cotangent).__name__} with {len(cts)}"
            )
        inner = nested or _nested() or any(_traced(c) for c in cts)
        live_outs, seeds, batch = [], [], None
        for o, c in zip(outs, cts):
            c = backend.wrap(c)
            oshape = np.shape(o.value if isinstance(o, Tensor) else o)
            cshape = np.shape(c.value if isinstance(c, Tensor) else c)
            if cshape[len(cshape) - len(oshape):] != oshape:
                raise ValueError(
                    f"{name}: cotangent of shape {cshape} for an output of shape {oshape}; "
                    "it must end with the output's shape (leading batch axes are allowed)"
                )
            batch = cshape[: len(cshape) - len(oshape)]
            if isinstance(o, Tensor) and o.requires_grad:
                live_outs.append(o)
                _C.require_real(name, "cotangent", c, "output", o.dtype)
                if type(o.value) is backend.Array and not isinstance(c, Tensor):
                    c = backend.like(c, o.value)  # the sweep runs in the output's library
                if isinstance(c, backend.Array):
                    c = c if c.dtype == o.dtype else c.astype(o.dtype)
                    if inner:
                        c = Tensor(c)
                elif not isinstance(c, Tensor):
                    c = np.asarray(c, dtype=o.dtype)[()]
                    if inner:
                        c = Tensor(c)
                elif not inner:
                    c = c.value
                seeds.append(c)
        res = reverse.sweep(live_outs, seeds, leaves, create_graph=inner, retain_graph=True)
        result = []
        for lifted, spec, originals in groups:
            gs = []
            for t, o in zip(lifted, originals):
                g = res.get(t._id)
                if g is None:
                    g = np.zeros((batch or ()) + t.shape, dtype=t.dtype)
                gs.append(_like_input(g, o, inner))
            result.append(unflatten(spec, gs))
        return tuple(result)

    value = unflatten(out_spec, [_output(o, nested) for o in outs])
    return (value, vjp_fn, _output_tree(aux, nested)) if has_aux else (value, vjp_fn)


def jvp(f, primals, tangents):
    """Forward mode: ``(f(*primals), J · tangents)`` in one forward sweep.

    ``primals`` and ``tangents`` are tuples of the same structure; each
    tangent has its primal's shape plus optional leading batch axes (shared
    by all tangents), giving a batch of directional derivatives.

    >>> import semigrad as sg
    >>> sg.jvp(sg.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    name = f"jvp({getattr(f, '__name__', 'f')})"
    primals, tangents = tuple(primals), tuple(tangents)
    p_leaves, p_spec = flatten(primals)
    t_leaves, t_spec = flatten(tangents)
    if p_spec != t_spec:
        raise ValueError(f"{name}: primals and tangents must have the same structure")
    nested = _nested() or any(_traced(x) for x in p_leaves + t_leaves)
    lifted = [_lift(x, name, "a primal") for x in p_leaves]
    ts, batch = [], None
    for x, t in zip(lifted, t_leaves):
        t = backend.wrap(t)
        _C.require_real(name, "tangent", t, "primal", x.dtype)
        if isinstance(t, backend.Array):
            tv = t if t.dtype == x.dtype else t.astype(x.dtype)
        else:
            tv = t.value if isinstance(t, Tensor) else np.asarray(t, dtype=x.dtype)
        tshape = np.shape(tv)
        if tshape[len(tshape) - x.ndim:] != x.shape:
            raise ValueError(
                f"{name}: tangent of shape {tshape} for a primal of shape {x.shape}; it must end "
                "with the primal's shape (leading batch axes are allowed)"
            )
        b = tshape[: len(tshape) - x.ndim]
        if batch is not None and b != batch:
            raise ValueError(f"{name}: tangents have different batch shapes {batch} and {b}")
        batch = b
        if isinstance(t, Tensor):
            ts.append(t if nested else t.value)
        else:
            tv = tv[()]
            ts.append(Tensor(tv) if nested else tv)
    out = _call(f, list(unflatten(p_spec, lifted)), {}, lifted)
    outs, out_spec = flatten(out)
    for o in outs:
        _check_output(name, o)
    touts = forward.sweep(lifted, ts, outs, create_graph=nested) if lifted else []
    result = []
    for o, t in zip(outs, touts):
        if t is None:
            ov = o.value if isinstance(o, Tensor) else np.asarray(o)
            t = np.zeros((batch or ()) + np.shape(ov), dtype=np.result_type(ov))[()]
        result.append(_output(t, nested))
    return (
        unflatten(out_spec, [_output(o, nested) for o in outs]),
        unflatten(out_spec, result),
    )


# ---- Jacobians and higher derivatives: one batched sweep per order ----------


def _restrict(f, args, nums):
    """f as a function of the arguments ``nums`` only, the others fixed."""

    def g(*diff):
        full = list(args)
        for a, d in zip(nums, diff):
            full[a] = d
        return f(*full)

    return g


def _shape(x) -> tuple:
    return tuple(getattr(x, "shape", np.shape(x)))


def _eye_rows(total, start, shape, dtype, nested):
    """Rows ``start:start+size`` of the identity of order ``total``, shaped (total, *shape)."""
    size = int(np.prod(shape, dtype=np.int64))
    rows = np.zeros((total, size), dtype=dtype)
    rows[np.arange(start, start + size), np.arange(size)] = 1
    rows = rows.reshape((total, *shape))
    return Tensor(rows) if nested else rows


def _to_last(x):
    """Move the leading batch axis of ``x`` to the end."""
    n = np.ndim(getattr(x, "value", x))
    if n < 2:
        return x
    if isinstance(x, Tensor):
        return _S.transpose(x, axes=(*range(1, n), 0))
    return np.moveaxis(x, 0, -1)


def jacobian(f, argnums=0, mode="rev", holomorphic=False):
    """The Jacobian of ``f``: shape ``out.shape + in.shape``, in one batched sweep.

    ``mode="rev"`` seeds one reverse sweep with an identity batch over the
    output's elements; ``mode="fwd"`` one forward sweep with an identity batch
    over the input's elements. Inputs and outputs may be nested containers:
    the result nests the output's structure around the input's.

    Complex values follow JAX: reverse mode needs real outputs and forward
    mode real inputs, unless ``holomorphic=True`` (all complex: the complex
    Jacobian f'(z)).

    >>> import semigrad as sg
    >>> sg.jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd'; got {mode!r}")
    name = f"jacobian({getattr(f, '__name__', 'f')})"

    @functools.wraps(f)
    def wrapped(*args):
        nums = _argnums(name, argnums, len(args))
        diff = [args[a] for a in nums]
        g = _restrict(f, args, nums)
        in_leaves, in_spec = flatten(tuple(diff))
        in_shapes = [_shape(x) for x in in_leaves]
        nested = _nested() or any(_traced(x) for x in in_leaves)
        if mode == "rev":
            out, vjp_fn = vjp(g, *diff)
            out_leaves, out_spec = flatten(out)
            _check_holomorphic(name, holomorphic, in_leaves, out_leaves)
            out_shapes = [_shape(o) for o in out_leaves]
            sizes = [int(np.prod(s, dtype=np.int64)) for s in out_shapes]
            total, starts = int(sum(sizes)), np.cumsum([0, *sizes])
            dtype = np.result_type(*[backend.numpy_dtype(getattr(o, "dtype", np.float64))
                                     for o in out_leaves])
            seeds = [_eye_rows(total, st, s, dtype, nested) for st, s in zip(starts, out_shapes)]
            cts = [backend.wrap(c) for c in flatten(vjp_fn(unflatten(out_spec, seeds)))[0]]
            blocks = [
                [_reshape(ct[st:st + n], os + ins, nested) for ct, ins in zip(cts, in_shapes)]
                for st, n, os in zip(starts, sizes, out_shapes)
            ]
        else:
            _check_holomorphic(name, holomorphic, in_leaves, [], real_outputs=False,
                               real_inputs=True)
            sizes = [int(np.prod(s, dtype=np.int64)) for s in in_shapes]
            total, starts = int(sum(sizes)), np.cumsum([0, *sizes])
            dtypes = [np.result_type(_input_value(x, name, "an input")) for x in in_leaves]
            tangents = [_eye_rows(total, st, s, dt, nested)
                        for st, s, dt in zip(starts, in_shapes, dtypes)]
            out, tout = jvp(g, tuple(diff), unflatten(in_spec, tangents))
            out_leaves, out_spec = flatten(out)
            if holomorphic:
                _check_holomorphic(name, holomorphic, [], out_leaves)
            touts = [backend.wrap(t) for t in flatten(tout)[0]]
            blocks = [
                [_reshape(_to_last(t[st:st + n]), _shape(o) + ins, nested)
                 for st, n, ins in zip(starts, sizes, in_shapes)]
                for t, o in zip(touts, out_leaves)
            ]
        per_out = [unflatten(in_spec, row) for row in blocks]
        per_out = [r[0] if isinstance(argnums, int) else r for r in per_out]
        return unflatten(out_spec, per_out)

    return wrapped


def _reshape(x, shape, nested):
    if isinstance(x, Tensor):
        return x if x.shape == tuple(shape) else _S.reshape(x, shape=tuple(shape),
                                                            in_shape=x.shape)
    x = np.reshape(x, shape)
    if isinstance(x, backend.Array):
        return Tensor(x) if nested else x.raw
    return Tensor(x) if nested else x[()]


def jacrev(f, argnums=0, holomorphic=False):
    """Reverse-mode Jacobian (``jacobian(f, argnums, mode="rev")``).

    >>> import semigrad as sg
    >>> sg.jacrev(lambda x: x[::-1] * 2.0)(np.ones(2)).tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    return jacobian(f, argnums, mode="rev", holomorphic=holomorphic)


def jacfwd(f, argnums=0, holomorphic=False):
    """Forward-mode Jacobian (``jacobian(f, argnums, mode="fwd")``).

    >>> import semigrad as sg
    >>> sg.jacfwd(lambda x: x[::-1] * 2.0)(np.ones(2)).tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    return jacobian(f, argnums, mode="fwd", holomorphic=holomorphic)


def hessian(f, argnums=0, holomorphic=False):
    """The Hessian of a scalar ``f``: forward-over-reverse, one batched sweep per order.

    >>> import semigrad as sg
    >>> sg.hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacobian(jacobian(f, argnums, mode="rev", holomorphic=holomorphic), argnums,
                    mode="fwd", holomorphic=holomorphic)


def hvp(f, primals, tangents):
    """Hessian-vector product of a scalar ``f`` (forward over reverse): ``(grad, H·v)``.

    >>> import semigrad as sg
    >>> sg.hvp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))[1]
    array([6., 0.])
    """
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    g = grad(f, argnums=nums if len(primals) > 1 else 0)
    return jvp(g, primals, tangents if len(primals) > 1 else tangents)


def derivative(f, order=1, argnums=0):
    """The ``order``-th derivative tensor, shape ``out.shape + order * in.shape``.

    One reverse sweep for the first order (seeded with the output's identity
    batch), then one batched forward sweep per further order.

    >>> import semigrad as sg
    >>> float(sg.derivative(sg.sin, order=3)(0.0))
    -1.0
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        raise ValueError(f"derivative: order must be a non-negative integer; got {order!r}")
    if not isinstance(argnums, int):
        raise TypeError("derivative: argnums must be a single integer")
    if order == 0:
        return f
    d = jacobian(f, argnums, mode="rev")
    for _ in range(order - 1):
        d = jacobian(d, argnums, mode="fwd")
    return d
