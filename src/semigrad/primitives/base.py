"""The primitive machinery: how an operation is declared once and applied.

A primitive is a named operation with a forward implementation on raw NumPy
values and its local Jacobian in one of a few *structured forms* (the kinds
below). Interpreters (the reverse sweep, the forward sweep, and later the
semiring sweep, scalarisation, symbolic export and flop counting) only read
these declarations; none of them mentions a particular operation.

The derived rules follow two conventions:

* **Batched seeds.** A cotangent ``g`` or tangent ``t`` may carry extra
  *leading* batch axes beyond the shape of the value it belongs to; primal
  values never do. All batch handling lives in :func:`unbroadcast`,
  :func:`align` and in the linear maps, whose implementations act on the
  trailing axes.
* **Rules use semigrad's own operations.** Partials, transposes and
  contractions call primitives, never raw NumPy. When the reverse sweep runs
  with ``create_graph=True`` it passes Tensors, so the backward pass is itself
  recorded and can be differentiated again; otherwise it passes arrays and
  nothing is recorded.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .. import backend as _backend
from .. import context as _context
from ..tensor import Tensor, new_id
from . import deferred as _deferred

_Array = _backend.Array
_Deferred = _deferred.Deferred

#: Every primitive by name, in declaration order.
REGISTRY: dict[str, Primitive] = {}

_next_id = new_id
_current = _context.current
_PY_SCALARS = (float, int, bool, complex)
#: NumPy's ufunc keywords and their defaults (``dtype`` is honoured where ``impl`` is a ufunc).
_UFUNC_KEYWORDS = {"out": None, "where": True, "casting": "same_kind", "order": "K",
                   "dtype": None, "subok": True, "signature": None}


def holds_tensor(obj) -> bool:
    """Whether ``obj`` is a Tensor or a (nested) list or tuple with one inside."""
    if type(obj) is Tensor:
        return True
    return type(obj) in (list, tuple) and any(holds_tensor(o) for o in obj)


def from_list(obj):
    """A (nested) list as an array, or, when it holds Tensors, as their stack (a Tensor)."""
    if not holds_tensor(obj):
        return np.asarray(obj)
    if type(obj) is Tensor:
        return obj
    from .. import ops

    return ops.stack([from_list(o) if type(o) in (list, tuple) else o for o in obj])


def accepting_traced_lists(fn):
    """``fn`` with its (nested) list arguments that hold Tensors stacked into Tensors first."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*(from_list(a) if type(a) in (list, tuple) and holds_tensor(a) else a
                    for a in args), **kwargs)

    return wrapper


def shape_of(x) -> tuple:
    return getattr(x, "shape", ())


def ndim_of(x) -> int:
    return len(getattr(x, "shape", ()))


class Primitive:
    """A named operation: ``impl`` on raw values plus a structured Jacobian.

    Calling a primitive on raw values runs ``impl`` and returns a raw value;
    calling it with at least one :class:`Tensor` returns a Tensor, recorded as
    a hyperedge when an input is traced.
    """

    kind = "primitive"
    #: Whether calls may carry NumPy's ufunc keywords (``out``, ``where``, ``dtype``, ...):
    #: elementwise operations, as NumPy's ufuncs.
    ufunc_like = False
    #: Whether the derived rules read input values (not only shapes): if not, recording
    #: need not keep a private copy of a NumPy constant input.
    reads_inputs = True
    #: False for operations whose output has zero derivative everywhere
    #: (comparisons, ``sign``, ``stop_gradient``): their outputs never require grad.
    differentiable = True

    #: Whether the primitive is listed in :data:`REGISTRY` (the library's own and the
    #: declarations users make; not the one-off hyperedges of ``sg.custom_vjp`` functions).
    registered = True

    #: The operation on float scalars as a Python expression over ``{0}, {1}, ...`` (with
    #: ``math``'s functions), for programs compiled whole (``sg.jit``'s numba tier); None:
    #: it has none. ``"{0}"`` marks an operation that hands its input on unchanged.
    scalar_form: str | None = None
    #: The NumPy ufunc computing it on arrays (a compiled program may let it write into a
    #: dying buffer, ``out=``); None: its implementation is not one.
    ufunc = None
    #: Whether it adds up its input's elements over ``axis`` (a compiled loop accumulates it).
    accumulates = False
    #: How it is computed from the LU factors of its first input, a float64 matrix, that
    #: other operations share (``sg.jit`` factors a matrix once when several read it):
    #: ``from_lu(factors, transposed, *inputs)``, the first input's transpose being the
    #: factored matrix's when ``transposed``; None: it has no such form.
    from_lu = None
    #: How a trace replayed on other values (sg.jit, sg.vmap) records it on large arrays
    #: without computing it (see :mod:`.deferred`): ``"elementwise"``, its output's shape is
    #: its inputs' broadcast and its dtype the one its implementation gives on one element
    #: (where that hands no input back; a declared ``ufunc``'s, on empty arrays); ``"proxy"``,
    #: its output's shape and dtype are those of ``impl`` on inputs of the same shapes that
    #: hold no memory (zero strides: cheap for a reduction); None: computed as recorded.
    deferral: str | None = None
    #: ``specialize(params, *inputs)``: its implementation for inputs of these types and shapes
    #: with the work that depends on nothing else done once, a function of the inputs alone
    #: (a compiled program calls it every run, and may write into an array it returns that
    #: shares no memory with the inputs); None, or a None result: the implementation.
    specialize = None

    def __init__(self, name: str, impl, doc: str = "", sympy=None):
        if self.registered and name in REGISTRY:
            raise ValueError(f"primitive {name!r} is declared twice")
        self.name = name
        self.impl = impl
        # The SymPy counterpart, ``sympy(sp, *inputs, **params)`` on SymPy values
        # (object arrays for arrays); None: ``impl`` itself works on them
        # (arithmetic operators, index maps, sums, contractions).
        self.sympy = sympy
        self.__doc__ = doc or f"The {name} primitive."
        if self.registered:
            REGISTRY[name] = self

    def __repr__(self):
        return f"<{self.kind} primitive {self.name}>"

    def __call__(self, *args, **params):
        for a in args:
            cls = type(a)
            if cls is Tensor:
                if params and self.ufunc_like and not _UFUNC_KEYWORDS.keys().isdisjoint(params):
                    return self._ufunc_keywords(args, params)
                return self._apply(args, params)
            if cls is list:
                return self(*(from_list(b) if type(b) is list else b for b in args), **params)
        # Python numbers only: NumPy's arithmetic (1/0 = inf) and NumPy scalars out, as
        # NumPy. Tested outside the loop, so NumPy arguments (the rules' case) pay one check.
        if args and type(args[0]) in _PY_SCALARS and all(type(a) in _PY_SCALARS for a in args):
            args = tuple(np.asarray(a)[()] for a in args)
        try:
            return self.impl(*args, **params)
        except (ValueError, IndexError, TypeError) as e:
            raise _explain(self, args, e) from None

    def _apply(self, args, params, value=None):
        """Record one call; ``value``: the output, when the caller has computed it already.

        What a recorded hyperedge saves never changes afterwards (see
        :func:`protect`): the output is read-only, a leaf's value is made
        read-only, and arrays the graph does not own (NumPy constants, values
        of constant Tensors) are copied. The values are kept on the node (slots
        read by :func:`~semigrad.tensor.saved_values`), so a sweep can tell
        when a Tensor's value was replaced.
        """
        vals = []
        requires_grad = traced = outside = False
        const = None
        for a in args:
            cls = type(a)
            if cls is Tensor:
                v = a.value
                vals.append(v)
                if a.requires_grad:
                    requires_grad = True
                    if a._prim is None and type(v) is np.ndarray and (
                            a._origin is None or v.flags.writeable):
                        outside = True  # a user's array leaf: keep the line; freeze its value
                elif a._prim is not None:
                    traced = True
                else:
                    outside = True
            elif cls is list:  # possibly holding Tensors: stack them, record the stack
                return self._apply(
                    tuple(from_list(b) if type(b) is list else b for b in args), params, value)
            elif cls is np.ndarray:  # a NumPy constant: the graph keeps its own copy
                if const is None:
                    const = len(vals)
                else:
                    outside = True
                vals.append(a)
            else:
                if cls is not float and cls not in _PY_SCALARS:
                    if isinstance(a, np.ndarray):
                        outside = True
                    elif not isinstance(a, np.generic) and _backend.library(a) is not None:
                        a = _backend.wrap(a)  # another library's constant: NumPy's calls reach it
                vals.append(a)
        state = _current()
        record = (requires_grad or traced) and state.grad_enabled
        origin = None
        if record:
            if outside:
                args, origin = protect(args, vals)
            elif const is not None and self.reads_inputs:  # common, inline: one NumPy constant
                c = vals[const]
                if c.flags.writeable or not immutable(c):
                    c = vals[const] = private_copy(c)
                    if len(args) == 2:
                        args = (args[0], c) if const else (c, args[1])
                    else:
                        args = (*args[:const], c, *args[const + 1:])
        computed = vals  # what the implementation runs on
        if value is None and state.static:  # a trace replayed on other values
            value, computed = self._static_value(vals, params, record and not state.anomaly)
        if value is None:
            try:
                if state.anomaly:  # a NaN or Inf is reported below, in words
                    with np.errstate(all="ignore"):
                        value = self.impl(*computed, **params)
                else:
                    value = (self.impl(*computed, **params) if params else
                             self.impl(*computed))
            except (ValueError, IndexError, TypeError) as e:
                raise _explain(self, args, e) from None
        out = Tensor.__new__(Tensor)
        out.value = value
        out.grad = out.name = None
        if record:
            if type(value) is np.ndarray:
                value.setflags(False)
            out.requires_grad = requires_grad and self.differentiable
            out._prim = self
            out._inputs = args
            n = len(vals)  # the saved values, in the slots saved_values() reads
            if n == 2:
                out._s0, out._s1 = vals
            elif n == 1:
                out._s0 = vals[0]
            else:
                out._sn = tuple(vals)
            out._params = params
            if origin is not None:  # else left unset: read with getattr(node, "_origin", None)
                out._origin = origin
            out._id = _next_id()
        else:
            out.requires_grad = False
            out._prim = out._inputs = out._params = out._origin = None
            out._id = -1
        if state.anomaly:
            _context.check_forward(self.name, args, out)
        return out

    def _static_value(self, vals, params, record):
        """In a trace replayed on other values, ``(value, None)``: a
        :class:`~.deferred.Deferred` value for an operation on large arrays that declares
        its ``deferral`` (when recorded, ``record``), or the input itself for an operation
        that hands it on. Else ``(None, values)``: the values to run the implementation on,
        deferred ones computed (the recording keeps ``vals``, the inputs' own values)."""
        if record:
            if self.scalar_form == "{0}" and type(vals[0]) is _Deferred:
                return vals[0], None
            if self.deferral is not None:
                value = _deferred.defer(self, vals, params)
                if value is not None:
                    return value, None
        if any(type(v) is _Deferred for v in vals):
            return None, [v.get() if type(v) is _Deferred else v for v in vals]
        return None, vals

    def _ufunc_keywords(self, args, params):
        """NumPy's ufunc keywords on Tensors: defaults dropped, ``dtype=`` honoured, others refused.

        A recorded value is never written in place, so ``out=`` cannot be honoured,
        and a partial ``where=`` would leave the rest of a fresh result undefined:
        both are refused with the spelling that works. On plain arrays the
        keywords go to NumPy unchanged.
        """
        params = dict(params)
        dtype = None if self._declares("dtype") else params.pop("dtype", None)
        for key in _UFUNC_KEYWORDS:
            if key not in params or key == "dtype":
                continue
            value = params.pop(key)
            default = _UFUNC_KEYWORDS[key]
            if key == "out" and isinstance(value, tuple) and all(v is None for v in value):
                value = None
            if value is default or (type(value) in (str, bool, np.bool_) and value == default):
                continue
            fix = {"out": f"use the result (y = {self.name}(...)); a recorded value is never "
                          "written in place",
                   "where": f"use sg.where(condition, {self.name}(...), other)"}.get(
                key, "leave it at its default")
            shown = (f"<{type(value).__name__} of shape {np.shape(value)}>"
                     if isinstance(value, np.ndarray | Tensor) else
                     "<a tuple of arrays>" if isinstance(value, tuple) else repr(value))
            raise TypeError(f"{self.name}: {key}={shown} is not supported for Tensors: {fix}")
        out = self._apply(args, params)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            from . import elementwise

            out = elementwise.astype(out, dtype=np.dtype(dtype))
        return out

    def _declares(self, name) -> bool:
        """Whether ``impl`` takes a keyword ``name`` of its own (``astype``'s ``dtype``)."""
        if isinstance(self.impl, np.ufunc):
            return False
        try:
            return name in inspect.signature(self.impl).parameters
        except (TypeError, ValueError):
            return False

    # Derived rules; every kind overrides these.  ``xs`` are the inputs and
    # ``out`` the output (arrays, or Tensors when the rule is being recorded).
    def vjp(self, i, g, xs, out, params):  # pragma: no cover - abstract
        raise TypeError(f"{self.name} declares no reverse rule")

    #: True for primitives whose reverse rules share work between inputs (a solve's A⁻ᵀg,
    #: a checkpoint's recomputation): the reverse sweep then asks for every input it needs
    #: in one call of :meth:`vjp_many`, so nothing has to be kept between calls.
    shares_work = False

    def vjp_many(self, wanted, g, xs, out, params) -> list:
        """The cotangents of inputs ``wanted`` (positions, in order) in one call."""
        return [self.vjp(i, g, xs, out, params) for i in wanted]

    def jvp(self, ts, xs, out, params):  # pragma: no cover - abstract
        raise TypeError(f"{self.name} declares no forward rule")

    def has_partial(self, i: int) -> bool:
        """Whether input ``i`` carries a derivative (indices and conditions do not)."""
        return self.differentiable

    def batch(self, xs, batched, size: int, params):
        """The primitive mapped over a leading batch axis (``sg.vmap``'s interpreter).

        ``xs`` are the inputs, ``batched[i]`` whether input ``i`` carries the batch axis
        (of length ``size``) in front; the result carries it in front. This default runs
        the primitive once per example and stacks the results (right for any primitive);
        the kinds whose implementations act on trailing axes override it with one call.
        """
        from .. import ops

        outs = [self(*[x[k] if b else x for x, b in zip(xs, batched)], **params)
                for k in range(size)]
        return ops.stack(outs, axis=0)

    def unprovided(self, i: int, xs) -> TypeError | None:
        """For an input without a partial: the error to raise when its derivative exists but
        is not provided (a sweep must not read that as zero); None for an input that has no
        derivative at all (an index, a condition)."""
        return None

    def flops(self, xs, out, params) -> int:
        """The floating-point work of one call, for ``sg.cost``: one per output element.

        Kinds refine it (a reduction reads every input element, a contraction
        multiplies and adds over all its letters, a factorisation is cubic); a
        primitive may declare its own (the FFT: 5·N·log2 N).
        """
        return int(np.size(out))

    def semiring_vjp(self, S, i, g, xs, out, params):
        """The cotangent of input ``i`` in semiring ``S`` (arrays with S's component axis first).

        By default through the scalar edges: a gather of ``g`` at each edge's
        output element, ⊗ the lifted edge weight, ⊕-scattered into the input
        (linear maps, reductions, dense kinds). Elementwise and multilinear
        kinds override it with their structured forms.
        """
        src, dst, w = self.scalar_edges(i, xs, out, params)
        flat = g.reshape(S.components, -1)
        z = S.zeros((int(np.prod(shape_of(xs[i]), dtype=np.int64)),))
        if src.size:
            S.plus_at(z, src, S.times(flat[:, dst], S.lift(w)))
        return z.reshape((S.components, *shape_of(xs[i])))

    def semiring_pointers(self, S, i, g, lengths, xs, out, params):
        """The k best ways on from each element of input ``i``, and the scalar edge each takes.

        ``S`` is a selective semiring with backpointers (:class:`~semigrad.semiring.algebras.
        KMax`), ``g`` the output's k best values (S's component axis first) and
        ``lengths`` their paths' numbers of hops (same shape). Returns ``(values, where,
        rank, length, hop)``: the first four (k, *input shape), the k best values per
        input element, which scalar edge each takes (an index that ``hop(element,
        where)`` turns into the edge's ``(output element, term, partial)``, ``term``
        numbering it among :meth:`scalar_edges`), the rank of the output's value it
        continues with (−1: none) and its path's hops. Equal values keep the shorter
        path, then the earlier (term, rank). By default through the scalar edges; the
        multilinear kind contracts.
        """
        src, dst, w = self.scalar_edges(i, xs, out, params)
        n = int(np.prod(shape_of(xs[i]), dtype=np.int64))
        k = S.components
        hops = lengths.reshape(k, -1)[:, dst] + 1
        values, term, rank = S.best_at(n, src, S.times(g.reshape(k, -1)[:, dst], S.lift(w)),
                                       hops)
        length = np.where(term >= 0, hops[np.maximum(rank, 0), np.maximum(term, 0)], -1)
        shape = (k, *shape_of(xs[i]))

        def hop(element, where):
            return int(dst[where]), int(where), float(w[where])

        return (values.reshape(shape), term.reshape(shape), rank.reshape(shape),
                length.reshape(shape), hop)

    def scalar_edges(self, i, xs, out, params):
        """The scalar edges from input ``i`` to the output: ``(src, dst, weight)``.

        Flat element indices into input i and into the output, and the local
        partial on each edge, for arrays ``xs`` and ``out`` at the current
        point: the primitive's Jacobian pattern (the scalarised graph).
        """
        raise TypeError(f"{self.name} has no derivative, so no scalar edges")


def protect(args, vals):
    """Make the values a hyperedge saves immutable; returns the args to record and an origin.

    ``vals`` (the values of ``args``) is updated in place. A leaf's array is
    made read-only (a later in-place write raises at once; an optimiser or a
    ``no_grad`` update then rebinds the leaf to a new array, which the sweep
    notices); a NumPy constant or a constant Tensor's value is copied unless it
    is immutable already (the copy is the graph's own: no one else holds it).
    When a user-made leaf is among the inputs, the line of user code is kept
    (``(file, line)``) for the sweep's error messages.
    """
    args = list(args)
    origin = None
    k = -1
    for a in args:
        k += 1
        if type(a) is Tensor:
            v = a.value
            if a.requires_grad:
                if a._prim is None:  # a leaf (recorded values are frozen already)
                    if type(v) is np.ndarray and v.flags.writeable:
                        v.setflags(False)
                    # The line of user code, for the sweep's error if the leaf is rebound:
                    # kept for array leaves (parameters); for a scalar leaf the walk would
                    # cost as much as the operation (anomaly mode keeps every line).
                    if a._origin is None and origin is None and type(v) is np.ndarray:
                        origin = _context.user_location(1)
            elif a._prim is None:  # a constant Tensor is recorded as its value
                if isinstance(v, np.ndarray) and not immutable(v):
                    v = vals[k] = private_copy(v)
                args[k] = v
        elif isinstance(a, np.ndarray) and not immutable(a):
            args[k] = vals[k] = private_copy(a)
    return tuple(args), origin


def private_copy(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a`` that no one else holds, of the memory ``a`` reads: a
    broadcast view (a seed or cotangent spread over an array's shape) keeps its one row and
    is broadcast again, not written out element by element."""
    if a.size > 1 and 0 in a.strides:
        row = a[tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides)].copy()
        row.setflags(write=False)
        return np.broadcast_to(row, a.shape)
    return a.copy()


def immutable(a) -> bool:
    """Whether no one can write into the array ``a`` (read-only, and so is what it views)."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    return a is None or isinstance(a, bytes)


def _explain(prim, args, err):
    shapes = ", ".join(str(shape_of(a)) for a in args)
    msg = f"{prim.name}: {err} (input shapes: {shapes})"
    if "broadcast" in str(err):
        msg += "; make the shapes broadcast-compatible (see sg.broadcast_to / sg.reshape)"
    return type(err)(msg)


# --------------------------------------------------------------------------
# Batch-axis helpers: the one place where broadcasting is undone.


def unbroadcast(g, x, out_ndim, shape=None):
    """Sum a cotangent ``g`` (batch + out shape) down to batch + the shape of ``x``.

    ``out_ndim`` is the number of output axes, or the output itself; ``shape``
    overrides ``x``'s shape (a map declared on trailing axes whose recorded
    input carries leading axes of its own, all of them batch here).

    Also converts it to ``x``'s dtype (:func:`like_dtype`), so that float32
    stays float32 even where a partial was computed in float64, and a real
    input gets the real part of a complex cotangent.
    """
    cls = type(g)
    if cls is type(x) and cls is not np.ndarray and cls is not Tensor and cls is not _Array:
        return g  # the same NumPy scalar type: same shape () and dtype
    if shape is None:
        shape = getattr(x, "shape", ())
    gshape = getattr(g, "shape", ())
    if gshape != shape:
        if type(out_ndim) is not int:
            out_ndim = len(getattr(out_ndim, "shape", ()))
        nb = len(gshape) - out_ndim
        if gshape[nb:] != shape:
            axes = tuple(a - out_ndim for a in broadcast_axes(shape, gshape[nb:]))
            if axes:
                g = _S.sum_(g, axis=axes, keepdims=True)
            if getattr(g, "shape", ()) != gshape[:nb] + shape:
                g = _S.reshape(g, shape=shape, in_shape=getattr(g, "shape", ())[nb:])
    return like_dtype(g, x)


def broadcast_axes(in_shape, out_shape) -> tuple:
    """The axes of ``out_shape`` that broadcasting ``in_shape`` to it added or stretched.

    Undoing a broadcast sums (or ⊕-reduces) over them: the real rules'
    :func:`unbroadcast` and the elementwise kind's semiring rule both use it.
    """
    lead = len(out_shape) - len(in_shape)
    return tuple(range(lead)) + tuple(
        lead + k for k, d in enumerate(in_shape) if d == 1 and out_shape[lead + k] != 1)


def like_dtype(g, x):
    """``g`` in ``x``'s floating or complex dtype (a complex ``g`` for a real ``x``: its real part).

    The real part is the transpose of the embedding of ℝ in ℂ (the pairing of
    :mod:`~semigrad.primitives.complex`), so this is right for cotangents of
    real inputs and for tangents of real outputs alike.
    """
    xdtype = getattr(x, "dtype", None)
    if xdtype is not None and xdtype.kind in "fc":
        gdtype = getattr(g, "dtype", xdtype)
        if gdtype != xdtype:
            g = _E.astype(g, dtype=xdtype)
    return g


def align(t, in_ndim: int, out_ndim: int):
    """Insert unit axes so a batched tangent of an input broadcasts against the output."""
    if in_ndim == out_ndim:
        return t

    tshape = shape_of(t)
    nb = len(tshape) - in_ndim
    in_shape = tshape[nb:]
    return _S.reshape(t, shape=(1,) * (out_ndim - in_ndim) + in_shape, in_shape=in_shape)


def batch_broadcast(t, shape: tuple):
    """Broadcast a batched value whose trailing axes broadcast to ``shape``."""
    tshape = shape_of(t)
    nb = len(tshape) - len(shape)
    if tshape[nb:] == tuple(shape):
        return t

    return _S.broadcast_to(t, shape=tuple(shape), in_shape=tshape[nb:])


def scale(g, p):
    """``g ⊙ p`` where a partial of exactly 1 or -1 (Python ints) costs nothing."""
    if type(p) is int:
        if p == 1:
            return g
        if p == -1:
            return -g
    return g * p  # the multiply primitive when either is a Tensor, NumPy's otherwise


# --------------------------------------------------------------------------
# The structured kinds.


class Elementwise(Primitive):
    """Elementwise (with NumPy broadcasting): declares ∂out/∂in_i per input.

    ``partials[i](*xs, out, **params)`` returns an array broadcasting against
    the output (or the Python ints 1 / -1), written with semigrad operations;
    ``None`` marks an input with no derivative (a condition, an index, an order),
    :class:`NoDerivative` one whose derivative exists but is not provided, with the
    reason. Differentiating either is a TypeError naming the argument.
    """

    kind = "elementwise"
    ufunc_like = True
    deferral = "elementwise"

    def __init__(self, name, impl, partials, doc="", sympy=None):
        super().__init__(name, impl, doc, sympy)
        if isinstance(impl, np.ufunc) and impl.nout == 1:
            self.ufunc = impl
        self.partials = partials
        if partials is None:
            self.differentiable = False
        # Partials that are the numbers ±1 (add, subtract, negative) read no input value:
        # the rules need only shapes, so recording need not protect NumPy constants.
        self.reads_inputs = partials is None or not all(_constant_partial(p) for p in partials)

    def vjp(self, i, g, xs, out, params):
        partial = self.partials[i]
        try:
            p = partial(*xs, out, **params) if params else partial(*xs, out)
        except TypeError:
            if not callable(partial):  # None or NoDerivative: no partial to call
                raise self._no_partial(i, xs) from None
            raise
        if type(p) is not int:
            g = g * p  # the multiply primitive on Tensors, NumPy's on arrays
        elif p == -1:
            g = -g
        elif p != 1:  # the partials 1 and -1 are free
            g = g * p
        # unbroadcast's fast paths, inline: nothing to undo for equal shapes and dtypes.
        x = xs[i]
        cls = type(g)
        if cls is type(x):
            if cls is np.ndarray:
                if g.shape == x.shape and g.dtype == x.dtype:
                    return g
            elif cls is not Tensor and cls is not _Array:
                return g  # the same NumPy scalar type
        return unbroadcast(g, x, out)

    def jvp(self, ts, xs, out, params):
        out_ndim = ndim_of(out)
        acc = None
        for i, t in enumerate(ts):
            if t is None:
                continue
            if not callable(self.partials[i]):
                if np.issubdtype(np.result_type(getattr(xs[i], "value", xs[i])), np.inexact):
                    raise self._no_partial(i, xs)
                continue  # a condition or an index: no tangent to carry
            p = self.partials[i](*xs, out, **params)
            term = scale(align(t, ndim_of(xs[i]), out_ndim), p)
            acc = term if acc is None else acc + term
        return None if acc is None else like_dtype(batch_broadcast(acc, shape_of(out)), out)

    def has_partial(self, i):
        return self.partials is not None and callable(self.partials[i])

    def batch(self, xs, batched, size, params):
        # Broadcasting does it: batched inputs get unit axes between the batch axis and
        # their own, so that their trailing axes line up with the example's output.
        nds = [ndim_of(x) - b for x, b in zip(xs, batched)]
        out_nd = max(nds)
        aligned = [align(x, nd, out_nd) if b else x for x, b, nd in zip(xs, batched, nds)]
        return self(*aligned, **params)

    def unprovided(self, i, xs):
        if self.partials is not None and isinstance(self.partials[i], NoDerivative):
            return self._no_partial(i, xs)
        return None

    def _no_partial(self, i, xs):
        missing = self.partials[i]
        why = (missing.reason if isinstance(missing, NoDerivative) else
               "it is a constant of the operation (an order, a condition, an index)")
        return TypeError(
            f"{self.name}: no derivative with respect to argument {i} (shape "
            f"{shape_of(xs[i])}); {why}: differentiate with respect to the other arguments, "
            "or pass this one through sg.stop_gradient"
        )

    def semiring_vjp(self, S, i, g, xs, out, params):
        # g ⊗ lift(∂out/∂in_i), then ⊕ over the axes that broadcasting added or stretched.
        in_shape, out_shape = np.shape(xs[i]), np.shape(out)
        p = np.broadcast_to(np.asarray(self.partials[i](*xs, out, **params)), out_shape)
        value = S.times(g, S.lift(p))
        return S.reduce(value, broadcast_axes(in_shape, out_shape)).reshape(
            (S.components, *in_shape))

    def scalar_edges(self, i, xs, out, params):
        # The diagonal, with a copy of the input element per broadcast position.
        oshape = shape_of(out)
        p = self.partials[i](*xs, out, **params)
        src = np.broadcast_to(_flat_ids(xs[i]), oshape).ravel()
        w = np.broadcast_to(np.asarray(p, dtype=np.float64), oshape).ravel()
        return src, np.arange(src.size), w


class NoDerivative:
    """An elementwise input whose derivative exists but is not provided, and why.

    In place of a partial in an :class:`Elementwise` declaration (``None`` is an input
    with no derivative at all). Differentiating the input raises a TypeError that
    names the primitive and the argument and gives ``reason``, e.g. a special
    function's shape parameter: ``NoDerivative("the shape a: SciPy has no derivative
    in it")``.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self):
        return f"NoDerivative({self.reason!r})"


def _constant_partial(p) -> bool:
    """Whether a declared partial is a Python number whatever its arguments (probed once)."""
    if not callable(p):
        return True
    try:
        n = p.__code__.co_argcount
        return type(p(*[None] * n)) is int
    except Exception:  # noqa: BLE001 - it reads its arguments
        return False


def _flat_ids(x):
    """Each element's flat index, in x's shape."""
    return np.arange(int(np.prod(shape_of(x), dtype=np.int64))).reshape(shape_of(x))


class Linear(Primitive):
    """A linear index map (reshape, transpose, broadcast, indexing, sum, concatenate).

    ``impl`` acts on the trailing axes, so applying the primitive itself to a
    batched tangent is its forward rule; ``transpose(i, g, xs, out, params)``
    maps a batched cotangent back to input ``i``, written with primitives.
    """

    kind = "linear"

    def __init__(self, name, impl, transpose, gather, n_linear=None, doc=""):
        super().__init__(name, impl, doc)
        self.transpose = transpose
        # A gather sends each output element from one input element (reshape,
        # indexing, ...); otherwise each input element goes to one output
        # element (sum, scatter_add). Either way the map is a set of unit edges.
        self.gather = gather
        # Inputs past the first ``n_linear`` are fixed operands (index arrays).
        self.n_linear = n_linear

    def vjp(self, i, g, xs, out, params):
        return self.transpose(i, g, xs, out, **params)

    def jvp(self, ts, xs, out, params):
        if self.n_linear == 1 or len(ts) == 1:
            return None if ts[0] is None else self(ts[0], *xs[1:], **params)

        k = next(k for k, t in enumerate(ts) if t is not None)
        ref = ts[k]
        nb = ndim_of(ref) - ndim_of(xs[k])
        full = [
            _S.zeros_batched(shape_of(ref)[:nb], x) if t is None else t for t, x in zip(ts, xs)
        ]
        return self(*full, **params)

    def has_partial(self, i):
        return self.n_linear is None or i < self.n_linear

    def batch(self, xs, batched, size, params):
        n_lin = self.n_linear or len(xs)
        if any(batched[n_lin:]):  # per-example index arrays (a mask of each example's values)
            return super().batch(xs, batched, size, params)
        # The implementation acts on trailing axes: every linear input carries the batch.
        full = [x if b else _S.broadcast_to(x, shape=(size, *shape_of(x)), in_shape=shape_of(x))
                for x, b in zip(xs[:n_lin], batched[:n_lin])]
        return self(*full, *xs[n_lin:], **params)

    def scalar_edges(self, i, xs, out, params):
        # Run the map (or its transpose) on element numbers instead of values.
        n_lin = self.n_linear or len(xs)
        if self.gather:
            ids = [_flat_ids(x) if j == i else np.full(shape_of(x), -1)
                   for j, x in enumerate(xs[:n_lin])]
            src = np.ravel(self.impl(*ids, *xs[n_lin:], **params))
            dst = np.flatnonzero(src >= 0)
            src = src[dst]
        else:
            dst = np.ravel(self.transpose(i, _flat_ids(out), xs, out, **params))
            src = np.arange(dst.size)
        return src.astype(np.int64), dst.astype(np.int64), np.ones(src.size)


class Reduction(Primitive):
    """A reduction out = Σ_j w_j x_j along ``axis`` with data-dependent local weights.

    ``weights(x, out_kd, **params)`` gives ∂out/∂x with x's shape, where
    ``out_kd`` is the output with the reduced axes kept. Selections (max, min)
    put weight on the selected elements only; logsumexp's weights are the
    softmax; prod's the products of the other elements.
    """

    kind = "reduction"
    deferral = "proxy"

    def __init__(self, name, impl, weights, selective=False, doc="", sympy=None):
        super().__init__(name, impl, doc, sympy)
        self.weights = weights
        # A selection's Jacobian pattern holds only the selected elements.
        self.selective = selective

    def batch(self, xs, batched, size, params):
        return self(xs[0], **params)  # its axes are negative: a leading axis is left alone

    def _keepdims(self, v, x, axis, keepdims):
        if keepdims:
            return v

        vshape = shape_of(v)
        trail = vshape[len(vshape) - (ndim_of(x) - len(axis)):]
        return _S.reshape(v, shape=_S.keepdims_shape(shape_of(x), axis), in_shape=trail)

    def vjp(self, i, g, xs, out, params):
        x = xs[0]
        axis, keepdims = params["axis"], params["keepdims"]
        w = self.weights(x, self._keepdims(out, x, axis, keepdims), **params)
        return unbroadcast(scale(self._keepdims(g, x, axis, keepdims), w), x, ndim_of(x))

    def jvp(self, ts, xs, out, params):
        x = xs[0]
        axis, keepdims = params["axis"], params["keepdims"]
        w = self.weights(x, self._keepdims(out, x, axis, keepdims), **params)
        return _S.sum_(scale(ts[0], w), axis=axis, keepdims=keepdims)

    def flops(self, xs, out, params):
        """One operation per element read."""
        return int(np.size(xs[0]))

    def scalar_edges(self, i, xs, out, params):
        x = xs[0]
        axis = params["axis"]
        kd = _S.keepdims_shape(shape_of(x), axis)
        w = np.asarray(self.weights(x, np.reshape(out, kd), **params), dtype=np.float64)
        dst = np.broadcast_to(np.arange(int(np.prod(kd, dtype=np.int64))).reshape(kd),
                              shape_of(x)).ravel()
        src = np.arange(dst.size)
        w = w.ravel()
        if self.selective:
            keep = w != 0
            src, dst, w = src[keep], dst[keep], w[keep]
        return src, dst, w


class Multilinear(Primitive):
    """A multilinear contraction declared by an einsum equation (einsum, matmul, ...).

    ``params['eq']`` is explicit (``"ij,jk->ik"``, no ellipsis). The reverse
    rule for operand i is the einsum of the cotangent with the other operands;
    the forward rule sums one einsum per tangent.
    """

    kind = "multilinear"

    def vjp(self, i, g, xs, out, params):
        return _M.einsum_vjp(params["eq"], i, g, xs)

    def jvp(self, ts, xs, out, params):
        return _M.einsum_jvp(params["eq"], ts, xs)

    def scalar_edges(self, i, xs, out, params):
        return _M.einsum_scalar_edges(params["eq"], i, xs)

    def semiring_vjp(self, S, i, g, xs, out, params):
        # A semiring einsum of g with the lifted other operands, blocked to bound memory.
        return _M.semiring_einsum_vjp(S, params["eq"], i, g, xs)

    def semiring_pointers(self, S, i, g, lengths, xs, out, params):
        # A k-max contraction with backpointers when it is a matrix product; else the edges.
        found = _M.semiring_einsum_pointers(S, params["eq"], i, g, lengths, xs)
        if found is None:
            return super().semiring_pointers(S, i, g, lengths, xs, out, params)
        return found

    def batch(self, xs, batched, size, params):
        # One more letter, in front of the batched operands' subscripts and the output's.
        ins, out = _M.parse_equation(params["eq"])
        used = set("".join(ins) + out)
        letter = next(c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba"
                      if c not in used)
        eq = ",".join(letter + sub if b else sub for sub, b in zip(ins, batched))
        return self(*xs, **{**params, "eq": f"{eq}->{letter}{out}"})

    def flops(self, xs, out, params):
        """2·Π(letter sizes) per pair of operands: the products and sums of the contraction."""
        ins, _ = _M.parse_equation(params["eq"])
        size = {}
        for sub, x in zip(ins, xs):
            size.update(zip(sub, shape_of(x)))
        return 2 * max(len(ins) - 1, 1) * int(np.prod(list(size.values()), dtype=np.int64))


class Dense(Primitive):
    """A dense primitive that declares its reverse and forward rules directly (linear algebra).

    ``vjp_rule(i, g, xs, out, **params)`` and ``jvp_rule(ts, xs, out, **params)``
    are written with semigrad operations and accept leading batch axes on
    ``g`` and ``ts``. Its Jacobian pattern is dense: the scalar edges are every
    (input element, output element) pair, weighted by the Jacobian entry, which
    the reverse rule computes from an identity batch of seeds.
    """

    kind = "dense"

    def __init__(self, name, impl, vjp_rule, jvp_rule, doc="", sympy=None, real_vjp=False,
                 vjp_many_rule=None):
        super().__init__(name, impl, doc, sympy)
        # None: the reverse rule is the transpose of the forward rule (transpose_jvp).
        self.vjp_rule = vjp_rule
        self.jvp_rule = jvp_rule
        # True: vjp_rule is written for real values only; complex ones use the transpose.
        self.real_vjp = real_vjp
        # ``vjp_many_rule(wanted, g, xs, out, **params)``: every wanted input's cotangent in
        # one call, for rules that share work between inputs (then ``vjp_rule`` may be None).
        self.vjp_many_rule = vjp_many_rule
        self.shares_work = vjp_many_rule is not None

    def batch(self, xs, batched, size, params):
        if len(xs) == 1:  # a stack of matrices is fine for the values (the last two axes)
            return self(xs[0], **params)
        return super().batch(xs, batched, size, params)

    def _transposed(self, xs):
        return (self.vjp_rule is None and self.vjp_many_rule is None) or (
            self.real_vjp and any(_C.is_complex(x) for x in xs))

    def vjp(self, i, g, xs, out, params):
        if self._transposed(xs):
            return transpose_jvp(self, i, g, xs, out, params)
        if self.vjp_many_rule is not None:
            return self.vjp_many_rule((i,), g, xs, out, **params)[0]
        return self.vjp_rule(i, g, xs, out, **params)

    def vjp_many(self, wanted, g, xs, out, params):
        if self.vjp_many_rule is None or self._transposed(xs):
            return [self.vjp(i, g, xs, out, params) for i in wanted]
        return self.vjp_many_rule(tuple(wanted), g, xs, out, **params)

    def jvp(self, ts, xs, out, params):
        return like_dtype(self.jvp_rule(ts, xs, out, **params), out)

    def flops(self, xs, out, params):
        """m·n·min(m, n) per matrix of the first input: the order of a factorisation."""
        shape = shape_of(xs[0])
        if len(shape) < 2:
            return int(np.size(out))
        m, n = shape[-2:]
        return int(np.prod(shape[:-2], dtype=np.int64)) * m * n * min(m, n)

    def scalar_edges(self, i, xs, out, params):
        oshape = shape_of(out)
        n_out = int(np.prod(oshape, dtype=np.int64))
        seeds = np.eye(n_out).reshape((n_out, *oshape))
        jac = np.asarray(self.vjp(i, seeds, xs, out, params), dtype=np.float64)
        jac = jac.reshape(n_out, -1)
        dst, src = np.indices(jac.shape).reshape(2, -1)
        return src, dst, jac.reshape(-1)


def transpose_jvp(prim, i, g, xs, out, params):
    """The reverse rule for input ``i`` as the transpose of ``prim``'s forward rule.

    The forward rule is linear in the tangent; reverse mode through it (with
    the tangent as the variable, at the tangent 0) gives its transpose for the
    pairing Re(u·v) of :mod:`~semigrad.primitives.complex`, batched seeds and
    all. The operations are recorded when the arguments are Tensors, so this
    rule is differentiable again, like a hand-written one. It costs one more
    evaluation of the forward rule.
    """
    x = xs[i]
    xv = x.value if type(x) is Tensor else x if type(x) is _Array else np.asarray(x)

    def linear(t):
        ts = [None] * len(xs)
        ts[i] = t
        return prim.jvp_rule(ts, xs, out, **params)

    return _reverse_mode(linear, np.zeros_like(xv))[1](g)[0]


#: Reverse mode (``vjp``), from the autodiff layer above: the package's root binds it
#: (:func:`bind`) so that this layer imports nothing above it.
_reverse_mode = None


def bind(*, vjp) -> None:
    """Give the kinds reverse mode, for :func:`transpose_jvp` (called by ``semigrad/__init__``)."""
    global _reverse_mode
    _reverse_mode = vjp


# The rules above call primitives declared in the sibling modules, which in
# turn subclass the kinds declared here: bind the modules, resolve names late.
from . import complex as _C  # noqa: E402
from . import elementwise as _E  # noqa: E402
from . import multilinear as _M  # noqa: E402
from . import structural as _S  # noqa: E402
