"""Whole models in one file: the parameters and how to build the model again, no pickles.

``save_model(path, model)`` writes the ``.npz`` of :func:`~semigrad.nn.save`
(the parameters, plain arrays) plus one text member, ``__semigrad_model__.json``:
the module's class and the arguments it was built with, nested for modules
built from modules (``Sequential``'s layers, an ``MLP``'s activation).
``load_model(path)`` builds the model again and loads its parameters. It only
ever builds classes of ``semigrad.nn`` and looks up functions of semigrad's
own namespaces by name (``relu``, ``tanh``), so a file cannot run code: a name
that is not one of those is refused. Arguments that only decide initial
values (``rng``, ``init``) are not written; the parameters come from the file.

>>> import os, tempfile
>>> import numpy as np
>>> import semigrad as sg
>>> path = os.path.join(tempfile.mkdtemp(), "mlp.npz")
>>> sg.nn.save_model(path, sg.nn.MLP([4, 8, 3], rng=0))
>>> model = sg.nn.load_model(path)
>>> model
MLP(
  (0): Linear(in_features=4, out_features=8, bias=True)
  (1): ReLU()
  (2): Linear(in_features=8, out_features=3, bias=True)
)
>>> model(np.ones((1, 4))).shape
(1, 3)
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from .. import numpy as snp
from .. import ops
from . import functional
from .module import _CONFIGS, ARCHITECTURE, Module, _as_arrays, _write, load

__all__ = ["load_model", "save_model"]

# Arguments that only choose initial values: the file's parameters replace them.
_INITIAL_ONLY = ("rng", "init")
_FORMAT = 1


def save_model(path, model: Module) -> None:
    """Write ``model``'s parameters and architecture to ``path`` (see the module doc).

    Every module in it must be one of ``semigrad.nn``'s classes (or a
    composition of them) and every argument a number, string, dtype, module
    or semigrad function; otherwise a ``TypeError`` names the module and
    argument (save the parameters alone with ``model.save(path)``).
    """
    if not isinstance(model, Module):
        raise TypeError(f"save_model: expected a Module; got a {type(model).__name__}")
    spec = {"format": _FORMAT, "model": _describe(model, "model")}
    _write(path, _as_arrays(model.state_dict()),
           {ARCHITECTURE: json.dumps(spec, indent=1).encode()})


def load_model(path) -> Module:
    """Build the model saved by :func:`save_model` at ``path`` and load its parameters."""
    source = f"load_model {os.fspath(path)}"
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read(ARCHITECTURE)
    except KeyError:
        raise ValueError(
            f"{source}: the file holds parameters only (written by save or semigrad train "
            "before 0.2); build the model in Python and call model.load(path)"
        ) from None
    except (OSError, zipfile.BadZipFile) as e:
        raise ValueError(f"{source}: not a model file ({e})") from None
    try:
        spec = json.loads(text)
        if spec.get("format") != _FORMAT:
            raise ValueError(f"format {spec.get('format')!r}, expected {_FORMAT}")
        model = _build(spec["model"], "model")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{source}: cannot build the model: {e}") from None
    model.load_state_dict(load(path, like=model), source=source)
    return model


# ---- describing a module, and building it again ----------------------------------------


def _describe(value, where: str):
    if isinstance(value, Module):
        cls = type(value)
        if _nn_class(cls.__name__) is not cls:
            raise TypeError(
                f"save_model: {where} is a {cls.__name__}, not one of semigrad.nn's classes; "
                "save its parameters with model.save(path) and build it in Python to load them"
            )
        args = {k: _describe(v, f"{where}.{k}") for k, v in _CONFIGS.get(value, {}).items()
                if k not in _INITIAL_ONLY}
        return {"module": cls.__name__, "args": args}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, list | tuple):
        return {"list" if isinstance(value, list) else "tuple":
                [_describe(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, type) and issubclass(value, Module):
        if _nn_class(value.__name__) is not value:
            raise TypeError(f"save_model: {where} is the class {value.__name__}, not one of "
                            "semigrad.nn's")
        return {"class": value.__name__}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"dtype": np.dtype(value).name}
    if callable(value):
        name = getattr(value, "__name__", None) or getattr(value, "name", "")
        if isinstance(name, str) and _function(name) is value:
            return {"function": name}
    raise TypeError(
        f"save_model: {where} = {value!r} cannot be written (numbers, strings, dtypes, "
        "semigrad.nn modules and semigrad functions can); save the parameters with "
        "model.save(path) instead"
    )


def _build(spec, where: str):
    if spec is None or isinstance(spec, bool | int | float | str):
        return spec
    if not isinstance(spec, dict) or len(spec) not in (1, 2):
        raise ValueError(f"{where}: unexpected entry {spec!r}")
    if "module" in spec:
        cls = _nn_class(spec["module"])
        if cls is None:
            raise ValueError(f"{where}: {spec['module']!r} is not a class of semigrad.nn")
        args = {k: _build(v, f"{where}.{k}") for k, v in spec.get("args", {}).items()}
        positional = args.pop("layers", None) if cls.__name__ == "Sequential" else None
        return cls(*positional, **args) if positional is not None else cls(**args)
    (kind, value), = spec.items()
    if kind in ("list", "tuple"):
        items = [_build(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if kind == "list" else tuple(items)
    if kind == "class":
        cls = _nn_class(value)
        if cls is None:
            raise ValueError(f"{where}: {value!r} is not a class of semigrad.nn")
        return cls
    if kind == "dtype":
        return np.dtype(value).type
    if kind == "function":
        fn = _function(value)
        if fn is None:
            raise ValueError(f"{where}: {value!r} is not a function of semigrad")
        return fn
    raise ValueError(f"{where}: unknown entry kind {kind!r}")


def _nn_class(name: str):
    from .. import nn

    cls = getattr(nn, name, None) if name in nn.__all__ else None
    return cls if isinstance(cls, type) and issubclass(cls, Module) else None


def _function(name: str):
    for namespace in (snp, ops, functional):
        fn = getattr(namespace, name, None) if name and not name.startswith("_") else None
        if callable(fn) and not isinstance(fn, type):
            return fn
    return None
