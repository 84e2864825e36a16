"""Modules: parameters discovered from attributes, and their arrays saved as ``.npz``.

A :class:`Module` is a callable object whose parameters are the leaf Tensors
that require grad found among its attributes (directly, in sub-modules, and
in lists, tuples and dicts of them), named by attribute path as in PyTorch
(``"0.weight"``). Its **buffers** are arrays of state that are not trained
(batch norm's running statistics), declared with :meth:`Module.register_buffer`:
they are saved, loaded and listed by ``state_dict`` with the parameters, but
``parameters()``, gradients and optimisers never see them. The same module
serves both faces of semigrad:

- **eager**: ``loss = F.cross_entropy(model(x), y)``, ``loss.backward()``
  fills each parameter's ``.grad``, an optimiser updates ``.value``;
- **functional**: ``params = model.state_dict()`` is a dict of plain arrays,
  and ``functional_call(model, params, x)`` runs the model with those arrays
  (or the traced Tensors a transform passes) in place of its parameters, so
  ``sg.value_and_grad(lambda p: loss(functional_call(model, p, x), y))(params)``
  returns a gradient dict with the same keys.

Parameters are saved and loaded as ``.npz`` archives of plain arrays, never
pickles (``allow_pickle=False`` both ways); a file whose arrays do not match
the model (missing, extra or mis-shaped) raises and changes nothing. Loading
reads the zip archive member by member: only the members asked for, each
``.npy`` header (dtype, shape, order) checked against the member's size in the
zip directory before any of its data is read, so that a hostile file costs
neither memory nor time.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
import os
import tempfile
import weakref
import zipfile
from collections.abc import Iterator, Mapping

import numpy as np

from ..tensor import Tensor
from ._arrays import value_of as _value_of

__all__ = ["Module", "Parameter", "Sequential", "functional_call", "load", "save"]


def Parameter(data, dtype=None) -> Tensor:  # noqa: N802 (reads like PyTorch's class)
    """A trainable array: a new leaf Tensor (a copy of ``data``) that requires grad.

    semigrad's primitives dispatch on the exact type ``Tensor``, so a
    parameter is a plain Tensor rather than an instance of a subclass: a
    module's parameters are the leaf Tensors with ``requires_grad`` among its
    attributes. Integer data becomes float64.

    >>> import semigrad as sg
    >>> w = sg.nn.Parameter([1, 2])
    >>> w.requires_grad, w.dtype
    (True, dtype('float64'))
    """
    value = np.array(data.value if isinstance(data, Tensor) else data, dtype=dtype)
    if value.dtype.kind in "biu":
        value = value.astype(np.float64)
    return Tensor(value, requires_grad=True)


# The arguments each module was built with (see Module.__init_subclass__).
_CONFIGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# The module whose forward is running, and its caller's entry: a chain up to the module
# called first. A recorded output Tensor is named by its module's attribute path and class
# ("0:Linear", "layers.1.self_attn:MultiheadAttention"), so graphs and paths show the layers.
_CALLER: contextvars.ContextVar = contextvars.ContextVar("semigrad_module_caller", default=None)


def _label(module, outer) -> str:
    """``module``'s attribute path below the module called first, and its class."""
    mods, chain = [module], outer
    while chain is not None:
        mods.append(chain[0])
        chain = chain[1]
    key = tuple(map(id, mods))
    entry = _LABELS.get(key)
    # an id is reused once its module is collected: the entry holds weak references to check
    if entry is not None and all(r() is m for r, m in zip(entry[1], mods, strict=True)):
        return entry[0]
    keys, child = [], module
    while outer is not None:
        parent, outer = outer
        keys.append(_key(parent, child))
        child = parent
    cls = type(module).__name__
    label = f"{'.'.join(reversed(keys))}:{cls}" if keys else cls
    if len(_LABELS) > 4096:
        _LABELS.clear()
    _LABELS[key] = (label, tuple(map(weakref.ref, mods)))
    return label


# Labels by the ids of the modules from the caller down (the same call chain names the same
# way at every step), with weak references to those modules; bounded.
_LABELS: dict[tuple, tuple] = {}


def module_path(module) -> str:
    """``module``'s attribute path below the module called first, while its forward runs
    ("layers.1.self_attn"); "" for the module called first, or outside its forward.

    Layers that record values of their own name them with it (attention's per-head nodes).
    """
    caller = _CALLER.get()
    if caller is None or caller[0] is not module:
        return ""
    return _label(module, caller[1]).rpartition(":")[0]


def _key(parent, child) -> str:
    for key, value in parent._entries():
        if value is child:
            return str(key)
        if isinstance(value, list | tuple):
            for i, v in enumerate(value):
                if v is child:
                    return f"{key}.{i}"
        elif isinstance(value, dict):
            for k, v in value.items():
                if v is child:
                    return f"{key}.{k}"
    return type(child).__name__


def _is_parameter(x) -> bool:
    return type(x) is Tensor and x.requires_grad and x._prim is None


def _array_of(x) -> np.ndarray:
    return np.array(x.value if isinstance(x, Tensor) else x)


def _assign(target, new) -> None:
    """Write ``new`` into a parameter's ``.value`` or a buffer: in place when it is an array.

    In place keeps every reference to the array (an optimiser's, a caller's)
    seeing the new values; a parameter's 0-d value is a NumPy scalar and is rebound.
    """
    current = target.value if isinstance(target, Tensor) else target
    if isinstance(current, np.ndarray) and current.flags.writeable:
        np.copyto(current, new, casting="unsafe")
    elif isinstance(target, Tensor):
        target.value = np.asarray(new, dtype=np.result_type(current))[()]
    else:
        raise TypeError(f"load_state_dict: a buffer of type {type(target).__name__} cannot be "
                        "written in place; buffers are writable NumPy arrays")


class Module:
    """Base class of models and layers: subclass it, set attributes, define ``forward``.

    Parameters are the leaf Tensors that require grad among the attributes
    (see :func:`Parameter`), found in assignment order, with sub-modules and
    lists/tuples/dicts of either searched recursively.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> class Affine(sg.nn.Module):
    ...     def __init__(self):
    ...         self.scale = sg.nn.Parameter(np.ones(2))
    ...         self.shift = sg.nn.Parameter(np.zeros(2))
    ...     def forward(self, x):
    ...         return x * self.scale + self.shift
    >>> model = Affine()
    >>> [name for name, _ in model.named_parameters()]
    ['scale', 'shift']
    >>> loss = sg.sum(model(np.array([3.0, 4.0])))
    >>> loss.backward()
    >>> model.scale.grad.tolist()
    [3.0, 4.0]
    """

    #: True in training mode (the default), False after ``eval()``; read by Dropout.
    training = True

    def __init_subclass__(cls, **kwargs):
        # Each class's own __init__ records the arguments it was called with (the most
        # derived class's call, which runs last, wins): save_model writes them so that
        # load_model can build the module again from semigrad.nn's classes.
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)

        @functools.wraps(init)
        def recorded(self, *args, **kwargs):
            init(self, *args, **kwargs)
            bound = signature.bind(self, *args, **kwargs)
            _CONFIGS[self] = dict(list(bound.arguments.items())[1:])

        cls.__init__ = recorded

    def forward(self, *args, **kwargs):
        raise TypeError(
            f"{type(self).__name__}.forward is not defined: a Module subclass defines "
            "forward(self, ...) to be callable"
        )

    def __call__(self, *args, **kwargs):
        outer = _CALLER.get()
        token = _CALLER.set((self, outer))
        try:
            out = self.forward(*args, **kwargs)
        finally:
            _CALLER.reset(token)
        named = out[0] if type(out) is tuple and out else out
        if type(named) is Tensor and named._prim is not None and named.name is None \
                and not any(named is a for a in args) \
                and not any(named is a for a in kwargs.values()):
            named.name = _label(self, outer)
        return out

    # ---- discovery ---------------------------------------------------------
    def _entries(self):
        """(name, value) pairs searched for parameters and sub-modules."""
        return vars(self).items()

    def _slots(self, prefix="", seen=None, buffers=False):
        """Every (name, holder, key, parameter): where each parameter lives.

        With ``buffers``, the buffers too (those that are not None), where they
        come in attribute order. A sub-module reachable twice is visited once
        (so is a cycle); a parameter held in two places is yielded for each,
        the first name being its canonical one.
        """
        seen = set() if seen is None else seen
        seen.add(id(self))
        own = self.__dict__.get("_buffer_names", ())
        for key, value in self._entries():
            if key in own:
                if buffers and value is not None:
                    yield prefix + str(key), self, key, value
                continue
            yield from _visit(self, key, value, prefix + str(key), seen, buffers)

    def register_buffer(self, name: str, value) -> None:
        """Declare the attribute ``name`` a buffer holding (a copy of) the array ``value``.

        A buffer is state that is not trained (batch norm's running mean): it
        appears in :meth:`state_dict`, :meth:`load_state_dict`, :meth:`save`
        and :meth:`load` under its attribute path (``"1.running_mean"``, as
        PyTorch's buffers), and in :meth:`named_buffers`, but never in
        :meth:`parameters`, so no gradient or optimiser touches it. ``None``
        declares the name without state (left out of ``state_dict``). Layers
        update their buffers in place, so that arrays holding them (an
        optimiser's, ``functional_call``'s) see the new values.

        >>> import numpy as np
        >>> import semigrad as sg
        >>> class Counter(sg.nn.Module):
        ...     def __init__(self):
        ...         self.register_buffer("calls", np.zeros((), dtype=np.int64))
        ...     def forward(self, x):
        ...         self.calls += 1
        ...         return x
        >>> counter = Counter()
        >>> _ = counter(1.0), counter(2.0)
        >>> counter.state_dict(), counter.parameters()
        ({'calls': array(2)}, [])
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"register_buffer: the name must be an identifier (an attribute name); "
                f"got {name!r}"
            )
        if value is not None:
            value = _array_of(value)
            if value.dtype.kind not in "biufc":
                raise TypeError(
                    f"register_buffer: buffer {name!r} must be a numeric array; got dtype "
                    f"{value.dtype} (shape {value.shape})"
                )
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        setattr(self, name, value)

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """``(name, array)`` pairs of the buffers here and below, each once (as ``torch``).

        >>> import semigrad as sg
        >>> [n for n, _ in sg.nn.BatchNorm1d(3).named_buffers()]
        ['running_mean', 'running_var', 'num_batches_tracked']
        """
        seen = set()
        for name, _, _, b in self._slots(buffers=True):
            if not _is_parameter(b) and id(b) not in seen:
                seen.add(id(b))
                yield name, b

    def buffers(self) -> list[np.ndarray]:
        """The buffers, each once, in the order of :meth:`named_buffers`.

        >>> import semigrad as sg
        >>> [b.shape for b in sg.nn.BatchNorm1d(3).buffers()]
        [(3,), (3,), ()]
        """
        return [b for _, b in self.named_buffers()]

    def _state_slots(self) -> dict:
        """Every parameter and buffer by canonical name, in attribute order."""
        found: dict = {}
        taken = set()
        for name, _, _, v in self._slots(buffers=True):
            if id(v) not in taken:
                taken.add(id(v))
                found[name] = v
        return found

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """``(name, parameter)`` pairs, each parameter once (as ``torch``).

        >>> import semigrad as sg
        >>> [n for n, _ in sg.nn.Linear(2, 3, rng=0).named_parameters()]
        ['weight', 'bias']
        """
        seen = set()
        for name, _, _, p in self._slots():
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def parameters(self) -> list[Tensor]:
        """The parameters, each once, in the order of :meth:`named_parameters`.

        >>> import semigrad as sg
        >>> sum(p.size for p in sg.nn.MLP([64, 128, 10], rng=0).parameters())
        9610
        """
        return [p for _, p in self.named_parameters()]

    def modules(self) -> list[Module]:
        """This module and every sub-module below it, each once.

        >>> import semigrad as sg
        >>> [type(m).__name__ for m in sg.nn.Sequential(sg.nn.Linear(2, 2, rng=0)).modules()]
        ['Sequential', 'Linear']
        """
        found, stack, seen = [], [self], set()
        while stack:
            m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            found.append(m)
            stack.extend(reversed([v for _, v in _children(m)]))
        return found

    # ---- modes and gradients ----------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=False``: evaluation) here and below; returns self.

        >>> import semigrad as sg
        >>> sg.nn.Dropout(0.5, rng=0).eval().training
        False
        """
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``): Dropout passes its input through.

        >>> import semigrad as sg
        >>> sg.nn.Dropout(0.5, rng=0).eval()(np.ones(3)).tolist()
        [1.0, 1.0, 1.0]
        """
        return self.train(False)

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to None (gradients accumulate otherwise).

        >>> import semigrad as sg
        >>> layer = sg.nn.Linear(2, 1, rng=0)
        >>> sg.sum(layer(np.ones((1, 2)))).backward()
        >>> layer.zero_grad(); layer.bias.grad is None
        True
        """
        for p in self.parameters():
            p.grad = None

    # ---- state ---------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's and buffer's value, by name: plain arrays.

        The names and shapes are PyTorch's for the layers that PyTorch has
        too, so ``{k: v.numpy() for k, v in torch_module.state_dict().items()}``
        loads with :meth:`load_state_dict`. For the functional face, which
        differentiates parameters only, see :meth:`parameter_arrays`.

        >>> import semigrad as sg
        >>> {k: v.shape for k, v in sg.nn.Linear(2, 3, rng=0).state_dict().items()}
        {'weight': (3, 2), 'bias': (3,)}
        >>> list(sg.nn.BatchNorm1d(3).state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
        """
        return {name: _array_of(v) for name, v in self._state_slots().items()}

    def parameter_arrays(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's value, by name: :meth:`state_dict` without the buffers.

        This is the dict the functional face differentiates and optimises
        (``sg.value_and_grad(loss)(params)``, ``optim.Adam(params)``); the
        buffers stay in the module, which updates them itself. Load it back
        with ``load_state_dict(params, strict=False)``.

        >>> import semigrad as sg
        >>> list(sg.nn.BatchNorm1d(3).parameter_arrays())
        ['weight', 'bias']
        """
        return {name: np.array(p.value) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping, *, strict: bool = True,
                        source: str = "load_state_dict") -> Module:
        """Copy arrays into the parameters and buffers of the same names; returns self.

        Every name must be present with the parameter's (or buffer's) shape,
        and no other name may appear: otherwise a ``ValueError`` lists what is
        missing, unexpected and mis-shaped, and nothing changes. With
        ``strict=False`` missing and unexpected names are allowed (what is
        named must still fit). Values are converted to each target's dtype.

        >>> import semigrad as sg
        >>> layer = sg.nn.Linear(2, 1, rng=0)
        >>> layer.load_state_dict({"weight": np.ones((1, 2)), "bias": np.zeros(1)}).weight.value
        array([[1., 1.]])
        """
        named = self._state_slots()
        if not strict and isinstance(state, Mapping):
            named = {k: v for k, v in named.items() if k in state}
            state = {k: v for k, v in state.items() if k in named}
        arrays = _checked(state, {k: np.shape(_value_of(v)) for k, v in named.items()}, source,
                          {k: _value_of(v).dtype for k, v in named.items()})
        for name, v in named.items():
            _assign(v, arrays[name])
        return self

    def save(self, path) -> None:
        """Write the parameters to ``path`` as a ``.npz`` archive (see :func:`save`).

        >>> import os, tempfile
        >>> import semigrad as sg
        >>> path = os.path.join(tempfile.mkdtemp(), "layer.npz")
        >>> sg.nn.Linear(2, 1, rng=0).save(path)
        >>> sorted(sg.nn.load(path))
        ['bias', 'weight']
        """
        save(path, self)

    def load(self, path) -> Module:
        """Load parameters saved by :meth:`save`; all or nothing (see :meth:`load_state_dict`).

        >>> import os, tempfile
        >>> import semigrad as sg
        >>> path = os.path.join(tempfile.mkdtemp(), "layer.npz")
        >>> sg.nn.Linear(2, 1, rng=0).save(path)
        >>> layer = sg.nn.Linear(2, 1, rng=1).load(path)
        >>> np.array_equal(layer.weight.value, sg.nn.Linear(2, 1, rng=0).weight.value)
        True
        """
        return self.load_state_dict(load(path, like=self), source=f"load {os.fspath(path)}")

    # ---- display ---------------------------------------------------------------
    def extra_repr(self) -> str:
        """What goes between the parentheses of ``repr``: the layer's configuration."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        children = list(_children(self))
        if not children:
            return head + ")"
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in children]
        return head + "\n" + "\n".join(lines) + "\n)"


def _visit(holder, key, value, name, seen, buffers=False):
    if _is_parameter(value):
        yield name, holder, key, value
    elif isinstance(value, Module):
        if id(value) not in seen:
            yield from value._slots(name + ".", seen, buffers)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _visit(value, i, item, f"{name}.{i}", seen, buffers)
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _visit(value, k, item, f"{name}.{k}", seen, buffers)


def _children(module):
    """(name, sub-module) pairs directly below ``module`` (in containers too)."""
    def walk(name, value):
        if isinstance(value, Module):
            yield name, value
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                yield from walk(f"{name}.{i}", item)
        elif isinstance(value, dict):
            for k, item in value.items():
                yield from walk(f"{name}.{k}", item)

    for key, value in module._entries():
        yield from walk(str(key), value)


class Sequential(Module):
    """Layers applied in order; a layer is a Module or any one-argument function.

    Parameters are named by position, as PyTorch's: ``"0.weight"``.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> model = sg.nn.Sequential(sg.nn.Linear(4, 8, rng=0), sg.relu, sg.nn.Linear(8, 2, rng=1))
    >>> model(np.ones((5, 4))).shape
    (5, 2)
    >>> [n for n, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers):
        for k, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(
                    f"Sequential: layer {k} is a {type(layer).__name__}, not a Module or a "
                    "function"
                )
        self.layers = list(layers)

    def _entries(self):
        return ((str(k), layer) for k, layer in enumerate(self.layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, k):
        return self.layers[k]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        lines = [
            f"  ({k}): " + (repr(layer) if isinstance(layer, Module)
                            else getattr(layer, "__name__", repr(layer))).replace("\n", "\n  ")
            for k, layer in enumerate(self.layers)
        ]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


def functional_call(module: Module, params: Mapping, *args, **kwargs):
    """Call ``module(*args, **kwargs)`` with ``params`` in place of its parameters.

    ``params`` maps parameter names (those of ``named_parameters``) to
    arrays or Tensors; parameters not named keep their own values. This is
    how the functional face trains a module: differentiate a function of a
    parameter dict. Buffer names (those of ``named_buffers``) may be given
    too, so a whole ``state_dict()`` runs the module; a layer that updates a
    buffer in training mode then updates the array given (in place, as
    ``torch.func.functional_call``). The module is restored afterwards, also
    on error (it is changed during the call, so do not share it between
    threads meanwhile).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> from semigrad.nn import functional as F
    >>> model = sg.nn.Linear(3, 2, rng=0)
    >>> params = model.state_dict()
    >>> x, y = np.ones((4, 3)), np.array([0, 1, 1, 0])
    >>> loss = lambda p: F.cross_entropy(sg.nn.functional_call(model, p, x), y)
    >>> value, grads = sg.value_and_grad(loss)(params)
    >>> sorted(grads), grads["weight"].shape
    (['bias', 'weight'], (2, 3))
    """
    slots = list(module._slots(buffers=True))
    canonical: dict[int, str] = {}
    where: dict[str, list] = {}
    for name, holder, key, p in slots:
        canonical.setdefault(id(p), name)
        where.setdefault(canonical[id(p)], []).append((holder, key, p))
    unknown = [k for k in params if k not in where]
    if unknown:
        raise ValueError(
            f"functional_call: {type(module).__name__} has no parameter named "
            f"{', '.join(map(repr, unknown))} (nor a buffer); its parameters and buffers are "
            f"{', '.join(where) or 'none'}"
        )
    for name, value in params.items():
        shape = np.shape(value.value if isinstance(value, Tensor) else value)
        expected = np.shape(_value_of(where[name][0][2]))
        if shape != expected:
            raise ValueError(
                f"functional_call: parameter {name!r} has shape {expected}; got shape {shape}"
            )
        for holder, _, _ in where[name]:
            if isinstance(holder, tuple):
                raise TypeError(
                    f"functional_call: parameter {name!r} is held in a tuple, which cannot be "
                    "swapped; hold parameters in attributes, lists or dicts"
                )
    swapped = []
    try:
        for name, value in params.items():
            for holder, key, p in where[name]:
                _put(holder, key, value)
                swapped.append((holder, key, p))
        return module(*args, **kwargs)
    finally:
        for holder, key, p in reversed(swapped):
            _put(holder, key, p)


def _put(holder, key, value):
    if isinstance(holder, Module):
        setattr(holder, key, value)
    else:
        holder[key] = value


# ---- .npz files -----------------------------------------------------------------


def _as_arrays(params) -> dict[str, np.ndarray]:
    if isinstance(params, Module):
        return params.state_dict()
    if not isinstance(params, Mapping):
        raise TypeError(
            f"save: expected a Module or a dict of arrays; got a {type(params).__name__}"
        )
    return {str(k): np.asarray(v.value if isinstance(v, Tensor) else v)
            for k, v in params.items()}


# The member in which save_model describes the model (JSON); load and Module.load skip it.
ARCHITECTURE = "__semigrad_model__.json"


def save(path, params) -> None:
    """Write a Module's parameters (or a dict of arrays) to ``path`` as ``.npz``.

    Arrays only, never pickles; the file appears complete or not at all
    (written beside it, then renamed). ``path`` is used as given (no
    ``.npz`` is appended).

    >>> import os, tempfile
    >>> import numpy as np
    >>> import semigrad as sg
    >>> path = os.path.join(tempfile.mkdtemp(), "params.npz")
    >>> sg.nn.save(path, {"w": np.eye(2), "b": np.zeros(2)})
    >>> sg.nn.load(path)["w"].tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    _write(path, _as_arrays(params))


def _write(path, arrays, members=None) -> None:
    """Write ``arrays`` (and text ``members``: name → bytes) atomically as a ``.npz``."""
    for name, a in arrays.items():
        if a.dtype.kind not in "biufc":
            raise TypeError(
                f"save: array {name!r} has dtype {a.dtype}; only numeric arrays can be saved"
            )
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".semigrad-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as archive:
            for name, a in arrays.items():
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, a, allow_pickle=False)
            for name, data in (members or {}).items():
                archive.writestr(name, data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path, like=None) -> dict[str, np.ndarray]:
    """Read the arrays of a ``.npz`` file written by :func:`save` (no pickles).

    With ``like`` (a Module or a dict of arrays), the names and shapes must
    match it exactly, else a ``ValueError`` says what differs; only the members
    named by ``like`` are read. Every member read is checked before its data:
    its ``.npy`` header (a numeric dtype, never objects; a shape) must declare
    exactly the size the archive's directory gives it, so that a hostile or
    damaged file is refused (a ``ValueError`` naming the member) instead of
    filling memory.

    >>> import os, tempfile
    >>> import numpy as np
    >>> import semigrad as sg
    >>> path = os.path.join(tempfile.mkdtemp(), "params.npz")
    >>> sg.nn.save(path, {"w": np.ones(3)})
    >>> sg.nn.load(path, like={"w": np.zeros(2)})
    Traceback (most recent call last):
    ...
    ValueError: load ...: mis-shaped w (got (3,), expected (2,))
    """
    path = os.fspath(path)
    source = f"load {path}"
    with _open_archive(path, source) as archive:
        members = _array_members(archive, source)
        if like is None:
            return {name: _read_member(archive, info, source) for name, info in members.items()}
        if isinstance(like, Module):  # the shapes, without copying the parameters
            expected = {k: np.shape(_value_of(v)) for k, v in like._state_slots().items()}
        else:
            expected = {k: np.shape(v) for k, v in _as_arrays(like).items()}
        headers = {name: _member_header(archive, members[name], source)
                   for name in expected if name in members}
        found = {name: shape for name, (shape, _, _, _) in headers.items()}
        _refuse_mismatch(source, {
            "missing": [k for k in expected if k not in members],
            "unexpected": [k for k in members if k not in expected],
            "mis-shaped": [f"{k} (got {found[k]}, expected {s})"
                           for k, s in expected.items() if k in found and found[k] != s],
        })
        return {name: _read_member(archive, members[name], source, headers[name])
                for name in expected}


# ---- reading archives: every member's header and size checked before its data ------------

_NOT_NPZ = "not a .npz archive of numeric arrays"
# deflate never expands data more than 1032-fold; a directory entry claiming more lies
_DEFLATE_MAX_RATIO = 1032


def _open_archive(path, source) -> zipfile.ZipFile:
    try:
        with open(path, "rb") as fh:
            single_array = fh.read(6) == b"\x93NUMPY"
        if not single_array:
            return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise ValueError(f"{source}: {_NOT_NPZ} ({e})") from None
    raise ValueError(f"{source}: a single array (.npy), not a .npz archive of named arrays")


def _array_members(archive, source) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name (``w.npy`` holds ``w``), from its directory."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if info.filename == ARCHITECTURE:  # save_model's description of the model
            continue
        name = info.filename.removesuffix(".npy")
        if name in members:
            raise ValueError(f"{source}: {_NOT_NPZ}: member {info.filename!r} appears twice")
        members[name] = info
    return members


def _member_header(archive, info, source):
    """(shape, fortran_order, dtype, header length) of one member, its size checked.

    Reads only the member's ``.npy`` header (at most NumPy's 10,000 bytes) and
    checks that it declares a numeric dtype and exactly the size the directory
    gives the member, and that the directory's sizes are possible for this file.
    """
    def refuse(why):
        return ValueError(f"{source}: {_NOT_NPZ}: member {info.filename!r} {why}")

    archive_size = os.fstat(archive.fp.fileno()).st_size
    if info.compress_type == zipfile.ZIP_STORED:
        plausible = info.file_size == info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        plausible = info.file_size <= _DEFLATE_MAX_RATIO * info.compress_size + 1024
    else:
        raise refuse(f"uses compression method {info.compress_type}; save writes stored or "
                     "deflated members")
    if not plausible or info.header_offset + info.compress_size > archive_size:
        raise refuse(f"claims {info.file_size} bytes ({info.compress_size} stored) in a file "
                     f"of {archive_size} bytes")
    fmt = np.lib.format
    try:
        with archive.open(info) as member:
            version = fmt.read_magic(member)
            read_header = {(1, 0): fmt.read_array_header_1_0,
                           (2, 0): fmt.read_array_header_2_0}.get(version)
            if read_header is not None:
                shape, fortran, dtype = read_header(member)
                header = member.tell()
    except ValueError as e:
        raise refuse(f"has no valid .npy header ({e})") from None
    except (OSError, EOFError, RuntimeError, zipfile.BadZipFile) as e:  # RuntimeError: encrypted
        raise refuse(f"is damaged ({e})") from None
    if read_header is None:
        raise refuse(f"is a .npy file of version {version}; save writes 1.0 or 2.0")
    if dtype.kind not in "biufc" or dtype.fields is not None:
        raise refuse(f"has dtype {dtype}; only numeric arrays are loaded (no objects, no "
                     "pickles)")
    if any(d < 0 for d in shape):
        raise refuse(f"declares the impossible shape {shape}")
    declared = header + math.prod(shape) * dtype.itemsize
    if declared != info.file_size:
        raise refuse(f"declares shape {shape} of {dtype} ({declared} bytes with its header) "
                     f"but holds {info.file_size} bytes")
    return shape, fortran, dtype, header


def _read_member(archive, info, source, header=None) -> np.ndarray:
    """One member's array, read after :func:`_member_header` has checked it."""
    shape, fortran, dtype, skip = header or _member_header(archive, info, source)
    flat = np.empty(math.prod(shape), dtype)
    buffer = memoryview(flat).cast("B")
    try:
        with archive.open(info) as member:
            member.read(skip)
            filled = 0
            while filled < len(buffer):
                n = member.readinto(buffer[filled:])
                if not n:
                    raise EOFError(f"the data ends after {filled} of {len(buffer)} bytes")
                filled += n
            member.read(1)  # the end of the member: zipfile checks its CRC-32 here
    except (OSError, EOFError, RuntimeError, zipfile.BadZipFile) as e:
        raise ValueError(f"{source}: {_NOT_NPZ}: member {info.filename!r} is damaged "
                         f"({e})") from None
    return flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)


def _refuse_mismatch(source, problems: dict[str, list[str]]) -> None:
    """Raise one ValueError listing every kind of mismatch that has items, if any."""
    listed = [f"{label} {', '.join(items)}" for label, items in problems.items() if items]
    if listed:
        raise ValueError(
            f"{source}: the arrays do not match (nothing was loaded): " + "; ".join(listed)
        )


def _checked(state: Mapping, expected: dict[str, tuple], source: str,
             dtypes: Mapping | None = None) -> dict[str, np.ndarray]:
    """``state`` as arrays, after checking its names and shapes against ``expected``
    (and, with ``dtypes``, that no complex array goes into a real parameter)."""
    if not isinstance(state, Mapping):
        raise TypeError(f"{source}: expected a dict of arrays; got a {type(state).__name__}")
    arrays = {k: np.asarray(v.value if isinstance(v, Tensor) else v) for k, v in state.items()}
    _refuse_mismatch(source, {
        "missing": [k for k in expected if k not in arrays],
        "unexpected": [k for k in arrays if k not in expected],
        "mis-shaped": [f"{k} (got {arrays[k].shape}, expected {s})"
                       for k, s in expected.items() if k in arrays and arrays[k].shape != s],
        "not numeric": [f"{k} ({a.dtype})" for k, a in arrays.items()
                        if a.dtype.kind not in "biufc"],
        # a complex value cast to a real parameter would lose its imaginary part silently
        "complex into real": [f"{k} ({arrays[k].dtype} into {dt})"
                              for k, dt in (dtypes or {}).items()
                              if k in arrays and arrays[k].dtype.kind == "c" and dt.kind != "c"],
    })
    return arrays
