"""Tensor: the face of a value node of the computational hypergraph.

A Tensor wraps a NumPy value. When it ``requires_grad`` (or was computed from
one that does), the operation that produced it is recorded on it: the
primitive, its ordered inputs and its parameters: one hyperedge of the graph.
Tensors are immutable once part of a graph; operators and methods call the
functions of :mod:`semigrad.ops`.

A recorded node keeps the values its hyperedge saved in ``_s0``/``_s1`` (one
or two inputs) or ``_sn`` (a tuple, for more): slots rather than a tuple per
node, because every container a node owns costs the cyclic garbage collector
work while graphs grow (:func:`saved_values` reads them).

``_id`` numbers recorded tensors in creation order, which is a topological
order of the whole graph: sweeps use it to order nodes and to stop at the
inputs of the transform they serve.
"""

from __future__ import annotations

import contextvars
import itertools

import numpy as np

from . import backend as _backend
from . import context as _context


class Tensor:
    """A value in a computation, optionally tracked for differentiation.

    >>> import semigrad as sg
    >>> x = sg.tensor([0.5, 1.5], requires_grad=True)
    >>> y = (sg.tanh(x) * x).sum()
    >>> y.backward()
    >>> x.grad.round(4).tolist()
    [0.8553, 1.1762]
    """

    __slots__ = (
        "value",
        "requires_grad",
        "grad",
        "name",
        "_prim",
        "_inputs",
        "_params",
        "_id",
        "_s0",
        "_s1",
        "_sn",
        "_origin",
        "__weakref__",
    )
    # NumPy defers to our reflected operators (array + tensor -> Tensor).
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.value
        if _backend.library(data) is not None:  # another library's array stays in it
            value = _backend.wrap(data)
            if dtype is not None:
                value = value.astype(dtype)
        else:
            value = np.array(data, dtype=dtype)
        if requires_grad and value.dtype.kind not in "fc":
            raise TypeError(
                f"tensor: only floating-point or complex tensors can require gradients; "
                f"got dtype {value.dtype} (shape {value.shape}): pass dtype=float"
            )
        self.value = value[()] if value.ndim == 0 else value
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.name = name
        self._prim = self._inputs = self._params = self._origin = None
        self._id = new_id() if requires_grad else -1

    # ---- attributes ---------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return getattr(self.value, "shape", ())

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(self.value)

    @property
    def ndim(self) -> int:
        return len(getattr(self.value, "shape", ()))

    @property
    def size(self) -> int:
        return int(np.size(self.value))

    @property
    def is_leaf(self) -> bool:
        return self._prim is None

    @property
    def T(self) -> Tensor:
        return _ops.transpose(self)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def item(self):
        """The value as a Python number (an error for a traced value inside a transform)."""
        self._concrete("item()", "{}.item()")
        return np.asarray(self.value).item()

    def numpy(self) -> np.ndarray:
        """The value as a NumPy array, detached from the graph."""
        return np.asarray(self.value)

    def detach(self) -> Tensor:
        """A new leaf with the same value that does not require grad."""
        return Tensor(self.value)

    def tolist(self):
        """The value as (nested) Python lists (an error for a traced value inside a transform)."""
        self._concrete("tolist()", "{}.tolist()")
        return np.asarray(self.value).tolist()

    def _concrete(self, what, spelled):
        """Refuse to turn a value traced by a running transform into a Python number.

        Inside ``sg.grad(f)`` and the other functional transforms the number
        would be a constant to the sweep, and its derivative silently lost
        (JAX raises here, PyTorch warns). Outside transforms (the eager face)
        ``float(loss)`` and ``loss.item()`` are plain conversions.
        """
        state = _context.current()
        if (self.requires_grad or (state.static and self._prim is not None)) and \
                self._id >= state.floor:
            frame = _context.user_frame(2)
            raise TypeError(
                f"{what} on a traced value inside a transform (shape {self.shape}, dtype "
                f"{self.dtype}) at {_context.where(frame)}: the result would be a constant and "
                f"its derivative lost. Use semigrad's functions on the Tensor itself (sg.exp "
                f"instead of math.exp, sg.numpy instead of numpy), or, when a constant is meant, "
                f"{spelled.format('sg.stop_gradient(x)')}"
            )

    def __float__(self) -> float:
        self._concrete("float()", "float({})")
        if np.iscomplexobj(self.value):
            raise TypeError(
                f"float(): the tensor is complex ({self.dtype}); use complex(t), or float(t.real)"
            )
        return float(self.value)

    def __int__(self) -> int:
        self._concrete("int()", "int({})")
        return int(self.value)

    def __complex__(self) -> complex:
        self._concrete("complex()", "complex({})")
        return complex(self.value)

    def __index__(self) -> int:
        self._concrete("operator.index()", "int({})")
        value = np.asarray(self.value)
        if value.ndim or value.dtype.kind not in "iub":
            raise TypeError(
                f"only integer scalar tensors can be used as an index; got shape {self.shape}, "
                f"dtype {self.dtype}: convert with int(...) or .astype(int)"
            )
        return int(value)

    def __bool__(self) -> bool:
        # Control flow on traced values (``if x > 0:``) is legal in reverse mode; not in a
        # trace that is replayed on other values (sg.vmap), where the branch would be frozen.
        state = _context.current()
        if state.static and self._id >= state.floor:
            frame = _context.user_frame(1)
            raise TypeError(
                f"bool() of a traced value inside sg.vmap (shape {self.shape}) at "
                f"{_context.where(frame)}: the function is traced once and replayed for every "
                "example, so a Python branch on a value would be taken for all of them. Use "
                "sg.where(condition, a, b), pass the value as a static (unmapped) argument, "
                "or loop in Python"
            )
        return bool(self.value)

    def __array__(self, dtype=None, copy=None):
        self._concrete("conversion to a NumPy array", "{}.numpy()")
        if self.requires_grad:
            raise TypeError(
                "a Tensor that requires grad cannot be converted to a NumPy array implicitly "
                "(the graph would be dropped silently): use .numpy() or .detach(), or call "
                "the semigrad function (sg.exp, ...) instead of NumPy's"
            )
        return np.asarray(self.value, dtype=dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy's ufuncs on Tensors run semigrad.numpy's function of the same name.

        ``np.arcsin(t)`` is ``semigrad.numpy.arcsin(t)``; ``np.add.reduce`` and
        ``np.multiply.accumulate`` (and the like) are the matching reductions and
        cumulative sums. Keywords go along (``out=`` is refused, ``dtype=`` honoured).
        """
        snp = _numpy
        name = ufunc.__name__
        if method == "__call__":
            fn = getattr(snp, name, None)
            if fn is not None:
                return fn(*inputs, **kwargs)
            raise TypeError(
                f"np.{name} has no differentiable counterpart in semigrad.numpy: apply it to "
                "t.detach() (or t.numpy()) if a constant is meant"
            )
        reduction = _UFUNC_METHODS.get((name, method))
        if reduction is not None and len(inputs) == 1:
            kwargs.setdefault("axis", 0)  # NumPy's default for ufunc.reduce/accumulate
            return getattr(snp, reduction)(*inputs, **kwargs)
        raise TypeError(
            f"np.{name}.{method} is not differentiable through semigrad: use the semigrad "
            f"function (semigrad.numpy.sum, cumsum, ...) or t.detach() if a constant is meant"
        )

    def __array_function__(self, func, types, args, kwargs):
        """NumPy's functions on Tensors run semigrad.numpy's function of the same name.

        ``np.sum(t, dtype=...)``, ``np.concatenate([t, u])``, ``np.linalg.solve(A, t)``
        and ``np.fft.rfft(t)`` call ``semigrad.numpy``'s (``.linalg``'s, ``.fft``'s)
        function of the same name; a function semigrad does not define is refused
        by name. Where semigrad.numpy re-exports NumPy's own function (shape and
        dtype helpers), NumPy's implementation runs.
        """
        namespace = _numpy
        for part in func.__module__.split(".")[1:]:
            namespace = getattr(namespace, part, None)
        target = getattr(namespace, func.__name__, None) if namespace is not None else None
        if target is None:
            raise TypeError(
                f"{func.__module__}.{func.__name__} has no differentiable counterpart in "
                "semigrad.numpy: apply it to t.detach() (or t.numpy()) if a constant is meant"
            )
        active = _DISPATCHING.get()
        if target is func or func in active:
            # NumPy's own function re-exported, or semigrad's wrapper calling NumPy's
            # function again on these Tensors: NumPy's implementation runs.
            return func._implementation(*args, **kwargs)
        token = _DISPATCHING.set(active | {func})
        try:
            return target(*args, **kwargs)
        finally:
            _DISPATCHING.reset(token)

    def __repr__(self) -> str:
        body = np.array2string(np.asarray(self.value), separator=", ", prefix="tensor(")
        extra = ""
        if self._prim is not None:
            extra = f", op={self._prim.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    @property
    def at(self):
        """Functional updates: ``x.at[idx].set(v)``, ``.add(v)``, ``.multiply(v)`` (differentiable).

        >>> import semigrad as sg
        >>> x = sg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x.at[[0, 0]].add(1.0).tolist()
        [3.0, 2.0, 3.0]
        """
        return _At(self)

    def __setitem__(self, index, value):
        if not self._updatable():
            raise TypeError(
                "Tensor item assignment: this tensor is part of a graph and tensors are "
                "immutable there (the recorded values would change); build a new tensor "
                "instead: x = x.at[index].set(value) (or .add / .multiply), or sg.where; "
                "to update a parameter, do it inside `with sg.no_grad():`"
            )
        v = np.array(self.value)
        v[index] = value.value if isinstance(value, Tensor) else value
        self.value = v

    def _updatable(self) -> bool:
        """Whether an in-place update may change this tensor (a constant, or a leaf under no_grad).

        The update rebinds ``value`` to a new array, so a graph that recorded
        the old one keeps it (and a sweep through it notices the change).
        """
        if self._prim is not None:
            return False
        return not self.requires_grad or not _context.current().grad_enabled

    def _inplace(self, prim, other):
        traced_other = isinstance(other, Tensor) and (
            other.requires_grad or other._prim is not None)
        if not self._updatable() or (traced_other and _context.current().grad_enabled):
            return prim._apply((self, other), _NO_PARAMS)  # out of place, as Python's x = x + y
        other = other.value if isinstance(other, Tensor) else other
        new = prim(self.value, other)
        if np.shape(new) != self.shape:
            raise ValueError(
                f"in-place {prim.name}: the result has shape {np.shape(new)}, the tensor "
                f"{self.shape}; an in-place update cannot change the shape"
            )
        self.value = np.asarray(new, dtype=self.dtype)[()]
        return self

    def __iadd__(self, other):
        return self._inplace(_E.add, other)

    def __isub__(self, other):
        return self._inplace(_E.subtract, other)

    def __imul__(self, other):
        return self._inplace(_E.multiply, other)

    def __itruediv__(self, other):
        return self._inplace(_E.divide, other)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ---- differentiation --------------------------------------------------
    def backward(self, seed=None, retain_graph: bool | None = None, create_graph: bool = False):
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``seed`` is the cotangent (required unless ``self`` is a scalar).
        As in PyTorch, gradients accumulate across calls (reset with
        ``x.grad = None``) and the graph's saved values are released unless
        ``retain_graph`` (default: ``create_graph``).
        """
        _backward(self, seed, retain_graph=retain_graph, create_graph=create_graph)

    # ---- methods ----------------------------------------------------------
    def reshape(self, *shape):
        return _ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return _ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def flatten(self):
        return _ops.reshape(self, (-1,))

    ravel = flatten

    def astype(self, dtype):
        return _ops.astype(self, dtype)

    def copy(self) -> Tensor:
        """A new node with the same value (differentiable: the identity)."""
        return _E.identity(self) if self.requires_grad or self._prim is not None else Tensor(
            self.value.copy() if isinstance(self.value, np.ndarray) else self.value)

    @property
    def mT(self) -> Tensor:  # noqa: N802 (NumPy's name)
        """The matrix transpose: the last two axes swapped."""
        return _ops.swapaxes(self, -1, -2)

    @property
    def itemsize(self) -> int:
        return np.asarray(self.value).itemsize

    @property
    def nbytes(self) -> int:
        return np.asarray(self.value).nbytes

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def tanh(self):
        return _ops.tanh(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def abs(self):
        return _ops.abs(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def logsumexp(self, axis=None, keepdims=False):
        return _ops.logsumexp(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis=-1):
        return _ops.softmax(self, axis=axis)

    def log_softmax(self, axis=-1):
        return _ops.log_softmax(self, axis=axis)

    # ---- operators ----------------------------------------------------------
    def __add__(self, other):
        return _E.add._apply((self, other), _NO_PARAMS)

    def __radd__(self, other):
        return _E.add._apply((other, self), _NO_PARAMS)

    def __sub__(self, other):
        return _E.subtract._apply((self, other), _NO_PARAMS)

    def __rsub__(self, other):
        return _E.subtract._apply((other, self), _NO_PARAMS)

    def __mul__(self, other):
        return _E.multiply._apply((self, other), _NO_PARAMS)

    def __rmul__(self, other):
        return _E.multiply._apply((other, self), _NO_PARAMS)

    def __truediv__(self, other):
        return _E.divide._apply((self, other), _NO_PARAMS)

    def __rtruediv__(self, other):
        return _E.divide._apply((other, self), _NO_PARAMS)

    def __pow__(self, other):
        return _E.power._apply((self, other), _NO_PARAMS)

    def __rpow__(self, other):
        return _E.power._apply((other, self), _NO_PARAMS)

    def __mod__(self, other):
        return _numpy.mod(self, other)

    def __rmod__(self, other):
        return _numpy.mod(other, self)

    def __floordiv__(self, other):
        return _numpy.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _numpy.floor_divide(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _E.negative._apply((self,), _NO_PARAMS)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    @property
    def real(self) -> Tensor:
        """The real part (differentiable; see :mod:`semigrad.primitives.complex`)."""
        return _ops.real(self)

    @property
    def imag(self) -> Tensor:
        """The imaginary part (differentiable)."""
        return _ops.imag(self)

    def conj(self) -> Tensor:
        """The complex conjugate (differentiable)."""
        return _ops.conj(self)

    conjugate = conj

    def __eq__(self, other):
        return _ops.equal(self, other)

    def __ne__(self, other):
        return _ops.not_equal(self, other)

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    def __invert__(self):
        return _ops.logical_not(self)

    def __and__(self, other):
        return _ops.logical_and(self, other)

    def __or__(self, other):
        return _ops.logical_or(self, other)

    def __getitem__(self, index):
        return _ops.getitem(self, index)


#: NumPy's array methods that are semigrad.numpy's functions of the same name, applied to
#: the Tensor: ``t.sum(axis, dtype=..., keepdims=...)`` is ``semigrad.numpy.sum(t, ...)``,
#: with NumPy's signature, keywords and errors. Methods that change an array in place in
#: NumPy (``sort``, ``partition``) return a new Tensor here, as JAX's arrays do: a
#: recorded value is never changed.
ARRAY_METHODS = (
    "all", "any", "argmax", "argmin", "argpartition", "argsort", "choose", "clip", "cumprod",
    "cumsum", "diagonal", "dot", "max", "mean", "min", "nonzero", "partition", "prod",
    "repeat", "round", "searchsorted", "sort", "squeeze", "std", "sum", "swapaxes", "take",
    "trace", "var",
)


def _array_method(name):
    def method(self, *args, **kwargs):
        return getattr(_numpy, name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"``semigrad.numpy.{name}`` of this tensor (NumPy's "
                      f"``ndarray.{name}``).")
    return method


for _name in ARRAY_METHODS:
    setattr(Tensor, _name, _array_method(_name))
del _name


def tensor(data, requires_grad: bool = False, dtype=None, name: str | None = None) -> Tensor:
    """Make a leaf Tensor from data (copied), like ``torch.tensor``.

    >>> import semigrad as sg
    >>> sg.tensor([1.0, 2.0], requires_grad=True).shape
    (2,)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def saved_values(node) -> tuple:
    """The input values a recorded node saved, in input order."""
    n = len(node._inputs)
    if n == 2:
        return (node._s0, node._s1)
    if n == 1:
        return (node._s0,)
    return node._sn


#: Creation numbers of recorded tensors (a topological order of every graph).
new_id = itertools.count().__next__

#: The NumPy functions being dispatched to semigrad.numpy right now (in this context).
_DISPATCHING: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "semigrad_numpy_dispatch", default=frozenset())


# ---- what the layers above provide -----------------------------------------------------
# Tensor is the bottom of the package: the operations its operators and methods call
# (the elementwise primitives, semigrad.ops, semigrad.numpy, the reverse sweep, ``.at``)
# are built on it, in layers above. It imports none of them; the package's root binds
# them once, at import (:func:`bind`), so the layers' imports only go downwards.
_ops = _E = _numpy = _backward = _At = None
_NO_PARAMS: dict = {}  # shared, never mutated


def bind(*, ops, elementwise, numpy, backward, at) -> None:
    """Give Tensor the operations of the layers above it (called by ``semigrad/__init__``)."""
    global _ops, _E, _numpy, _backward, _At
    _ops, _E, _numpy, _backward, _At = ops, elementwise, numpy, backward, at


#: NumPy ufunc methods that are semigrad.numpy reductions: (ufunc, method) -> function.
_UFUNC_METHODS = {
    ("add", "reduce"): "sum", ("multiply", "reduce"): "prod", ("maximum", "reduce"): "max",
    ("minimum", "reduce"): "min", ("add", "accumulate"): "cumsum",
    ("multiply", "accumulate"): "cumprod",
}


_backend.defer_to(Tensor)
