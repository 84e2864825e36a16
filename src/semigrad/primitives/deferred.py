"""Values a trace does not compute: the elementwise operations of ``sg.jit`` and ``sg.vmap``.

A trace that is replayed on other values (``sg.jit``'s program, ``sg.vmap``'s batch) needs
the shapes and dtypes of its operations, not their values: the replay computes its own. On
large arrays, computing them anyway costs the trace as much as a call, and more on a first
call, where every intermediate is fresh memory (a page fault per page). So in such a trace an
elementwise NumPy ufunc on a large array is recorded with a :class:`Deferred` value: its
shape and dtype, and the recipe to compute it.

A Deferred is computed once, the first time anything reads it as an array (an operation
that is not deferred, a rule that looks at values, ``np.asarray``, a comparison), with the
deferred values it depends on first; from then on it acts as that array. What nothing reads
is never computed: in a value-and-gradient trace of elementwise code, the backward pass.
"""

from __future__ import annotations

import numpy as np

#: Ufuncs on arrays with fewer elements are computed as they are recorded: their memory is
#: cheap, and a probe for the result's dtype would cost more than the operation.
DEFER_SIZE = 1 << 14


class Deferred:
    """The value of ``prim(*vals, **params)``, computed when first read (see the module)."""

    __slots__ = ("shape", "dtype", "_recipe", "_value", "_placeholder")

    def __init__(self, shape, dtype, prim, vals, params):
        self.shape = shape
        self.dtype = dtype
        self._recipe = (prim, vals, params)
        self._value = self._placeholder = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def computed(self) -> bool:
        return self._recipe is None

    def get(self) -> np.ndarray:
        """The value (read-only), computed now if it was not, with the deferred values it
        needs before it (iteratively: a chain may be long)."""
        if self._recipe is None:
            return self._value
        stack = [(self, False)]
        while stack:
            d, ready = stack.pop()
            if d._recipe is None:
                continue
            prim, vals, params = d._recipe
            if not ready:
                stack.append((d, True))
                stack.extend((a, False) for a in vals
                             if type(a) is Deferred and a._recipe is not None)
                continue
            value = prim.impl(*[a._value if type(a) is Deferred else a for a in vals],
                              **params)
            if type(value) is np.ndarray:
                value.setflags(write=False)
            d._value, d._recipe = value, None
        return self._value

    def settled(self):
        """What a recorded graph keeps as this node's value: the array if it was computed,
        else an array of its shape and dtype that holds no memory (all zeros)."""
        if self._recipe is None:
            return self._value
        if self._placeholder is None:
            self._placeholder = np.broadcast_to(np.zeros((), self.dtype), self.shape)
        return self._placeholder

    # ---- acting as the array ------------------------------------------------------------

    def __array__(self, dtype=None, copy=None):
        value = self.get()
        if copy:
            return np.array(value, dtype=dtype, copy=True)
        return value if dtype is None else np.asarray(value, dtype=dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(_computed(kwargs["out"]))
        return getattr(ufunc, method)(*_computed(inputs), **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        # what shapes and dtypes answer is answered without computing the value
        if func is np.result_type:
            return np.result_type(*[a.dtype if type(a) is Deferred else a for a in args])
        if func in _SHAPE_FUNCTIONS and len(args) == 1 and not kwargs:
            return _SHAPE_FUNCTIONS[func](self)
        return func(*_computed(args), **dict(zip(kwargs, _computed(kwargs.values()))))

    def __getattr__(self, name):
        # slots and methods above are found first; dunders are not looked up on values
        # (hasattr(d, "__array_namespace__") is False, as for an ndarray)
        if name.startswith("__") or name in ("_recipe", "_value"):
            raise AttributeError(name)
        return getattr(self.get(), name)

    def __repr__(self) -> str:
        state = "computed" if self._recipe is None else "not computed"
        return f"<Deferred {self.dtype} array of shape {self.shape}, {state}>"


_SHAPE_FUNCTIONS = {np.shape: lambda d: d.shape, np.ndim: lambda d: d.ndim,
                    np.size: lambda d: d.size,
                    np.iscomplexobj: lambda d: d.dtype.kind == "c",
                    np.isrealobj: lambda d: d.dtype.kind != "c"}


def concrete(value):
    """``value`` as its array, where it is a Deferred one; else ``value`` itself. For what
    hands a Tensor's value on as data (index arrays, a user's function): as it would be had
    it been computed when recorded."""
    return value.get() if type(value) is Deferred else value


def _computed(items):
    """``items`` with Deferred values (also inside lists and tuples) as their arrays."""
    out = []
    for a in items:
        if type(a) is Deferred:
            a = a.get()
        elif type(a) in (list, tuple):
            a = type(a)(_computed(a))
        out.append(a)
    return out


def _delegate(name):
    def method(self, *args):
        return getattr(self.get(), name)(*_computed(args))

    method.__name__ = name
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
              "or", "xor", "lshift", "rshift", "divmod"):
    for _form in (f"__{_name}__", f"__r{_name}__"):
        setattr(Deferred, _form, _delegate(_form))
for _form in ("__neg__", "__pos__", "__abs__", "__invert__", "__lt__", "__le__", "__eq__",
              "__ne__", "__gt__", "__ge__", "__bool__", "__float__", "__int__", "__complex__",
              "__index__", "__len__", "__iter__", "__getitem__", "__contains__", "__format__",
              "__round__"):
    setattr(Deferred, _form, _delegate(_form))


def defer(prim, vals, params, large=False):
    """A Deferred value for ``prim`` on ``vals`` as its ``deferral`` says (``"elementwise"``
    or ``"proxy"``, see :class:`~.base.Primitive`), or None where it is computed now: no
    input is deferred or large (unless ``large``), or an input is not a NumPy value."""
    how = prim.deferral
    if how == "elementwise" and prim.ufunc is not None:
        how = "ufunc"  # a NumPy ufunc: a fresh array of NumPy's dtype, from empty probes
    probes = []
    shapes = []
    for v in vals:
        cls = type(v)
        if cls is Deferred:
            large = True
        elif cls is np.ndarray:
            if v.size >= DEFER_SIZE:
                large = True
        elif not (cls is float or cls is int or cls is bool or cls is complex
                  or isinstance(v, np.generic)):
            return None  # another library's array, a list: computed as it is
        if cls is Deferred or cls is np.ndarray or isinstance(v, np.generic):
            shapes.append(v.shape)
            # The dtype from NumPy's promotion, the same for arrays and scalars: on empty
            # arrays for a ufunc, on one element where an implementation might hand an
            # input back (astype, real), to see it; a proxy's shape from zeros without memory.
            probes.append(np.empty(0, v.dtype) if how == "ufunc" else
                          np.ones(1, v.dtype) if how == "elementwise" else
                          np.broadcast_to(np.zeros((), v.dtype), v.shape))
        else:
            probes.append(v)  # Python numbers stay weak (float32 array * 2.0 is float32)
    if not large:
        return None
    try:
        with np.errstate(all="ignore"):
            probe = prim.impl(*probes, **params)
        shape = np.shape(probe) if how == "proxy" else np.broadcast_shapes(*shapes)
    except Exception:  # noqa: BLE001  (computed now, which raises its own error in words)
        return None
    if not isinstance(probe, np.ndarray | np.generic) or how == "elementwise" and (
            any(np.may_share_memory(probe, p) for p in probes if type(p) is np.ndarray)
            or probe.shape != np.broadcast_shapes(*[np.shape(p) for p in probes])):
        # not an array; a view of an input (computed, so that a program sees it); not of
        # the inputs' broadcast shape (a declaration that is not elementwise after all)
        return None
    return Deferred(shape, probe.dtype, prim, vals, params)
