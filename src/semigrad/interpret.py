"""``semigrad paths``: the top gradient paths of a saved model, layer by layer.

A model written by :func:`semigrad.nn.save_model` (or by ``semigrad train
--save``) is built again from its file, run on one input, and the output
element asked for (by default the largest: the predicted class) is swept back
to the input. The k best paths (MaxProduct: the largest |product of local
partials|) are printed hop by hop, each hop naming the layer it reaches
(``0:Linear``, ``1:ReLU``: a module's attribute path and class), followed by
the input elements whose best single path is strongest and by how many of the
top paths cross each layer.

    semigrad train --save digits.npz
    semigrad paths digits.npz --digit 0 --top 3
    semigrad paths model.npz --input x.npy --output 2 --json
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter

import numpy as np

from . import nn, paths
from .tensor import Tensor

EXAMPLES = """examples:
  semigrad train --save digits.npz            # a 64-128-10 MLP on the digits, with its architecture
  semigrad paths digits.npz --digit 0 --top 3
  semigrad paths model.npz --input x.npy --output 2 --json
"""


class PathsError(ValueError):
    """Bad input to ``semigrad paths``: its message is the one line the user sees."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``paths`` subcommand on ``subparsers``."""
    p = subparsers.add_parser(
        "paths",
        help="the top gradient paths of a saved model from one input, through its layers",
        description="Build the model saved in MODEL.npz, run it on one input and print the "
                    "top gradient paths from the input to one output element, hop by hop.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL.npz",
                   help="a model file written by sg.nn.save_model or semigrad train --save")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", metavar="FILE.npy|VALUES",
                        help="the input: a .npy file, or numbers separated by commas")
    source.add_argument("--digit", type=int, metavar="N",
                        help="the N-th image of scikit-learn's 8x8 digits, scaled as "
                             "semigrad train scales it (needs scikit-learn)")
    p.add_argument("--output", type=int, metavar="K",
                   help="which output element (flat index; default the largest)")
    p.add_argument("--top", type=int, default=3, metavar="N",
                   help="how many paths (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    """Print the top paths (the ``semigrad paths`` command); returns the exit status.

    >>> import os, tempfile
    >>> import semigrad as sg
    >>> from semigrad import interpret
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> sg.nn.save_model(path, sg.nn.MLP([3, 4, 2], rng=0))
    >>> parser = argparse.ArgumentParser(prog="semigrad")
    >>> _ = interpret.add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["paths", path, "--input", "1,2,3", "--top", "1"])
    >>> args.run(args)
    MLP 3-4-2 from ...m.npz; input of 3 values
    output [0] = 3.744 (the largest of 2)
    <BLANKLINE>
    1. input[0] → output, weight -0.6174
    ...
    layers crossed by the top paths: 0:Linear 1/1, 1:ReLU 1/1, 2:Linear 1/1
    0
    """
    if args.top < 1:
        raise PathsError(f"--top: expected a positive number of paths; got {args.top}")
    model = load(args.model)
    x = read_input(args.input, args.digit)
    report = top_paths(model, x, output=args.output, k=args.top)
    if args.json:
        print(json.dumps(report))
        return 0
    shaped = tuple(report["input_shape"])
    print(f"{_describe(model)} from {args.model}; input of {x.size} values"
          + (f", as an image batch of shape {shaped}" if shaped != x.shape else ""))
    print(f"output {list(report['output_index'])} = {report['output_value']:.4g}"
          + (" (the largest of " + str(report["outputs"]) + ")" if args.output is None else ""))
    print()
    print(report["table"])
    print()
    print("strongest single paths by input element: " + ", ".join(
        f"{tuple(e) if len(e) > 1 else e[0]} {w:.3g}" for e, w in report["strongest_inputs"]))
    print("layers crossed by the top paths: " + ", ".join(
        f"{name} {n}/{len(report['paths'])}" for name, n in report["layers"]))
    return 0


def top_paths(model, x, output=None, k: int = 3) -> dict:
    """The k top gradient paths from ``x`` to one output element of ``model(x)``.

    A model whose first layer is a Conv2d gets a flat or unbatched image as
    a batch of one, (1, C, H, W) (a flat input: C square channels).

    Returns a dict: ``input_shape`` (as the model got it), ``output_index``,
    ``output_value``, ``outputs`` (how many), ``paths`` (each a dict of its
    start element, weight and hops),
    ``table`` (:func:`semigrad.paths.table`'s text), ``strongest_inputs``
    (the five input elements whose best path is largest, with its weight)
    and ``layers`` (each named layer and how many of the paths reach it).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> from semigrad.interpret import top_paths
    >>> report = top_paths(sg.nn.MLP([3, 4, 2], rng=0), np.array([1.0, 2.0, 3.0]), k=2)
    >>> report["output_index"], [p["from"] for p in report["paths"]]
    ((0,), [[0], [2]])
    >>> report["layers"]
    [('0:Linear', 2), ('1:ReLU', 2), ('2:Linear', 2)]
    """
    x = model_input(model, x)
    x_in = Tensor(x, requires_grad=True)
    x_in.name = "input"
    y = run_model(model, x_in)
    values = np.asarray(y.value if isinstance(y, Tensor) else y)
    index = output_element(values, output)
    chosen = y[index]
    chosen.name = "output"
    found = paths.top(chosen, x_in, k=k)
    strongest = paths.max_weight(chosen, x_in).reshape(x.shape)
    order = np.argsort(-np.abs(strongest), axis=None, kind="stable")[:5]
    crossed = Counter(h.to_node for p in found for h in p.hops if ":" in h.to_node)
    layers = sorted(crossed.items(), key=lambda kv: _first_seen(found, kv[0]))
    return {
        "input_shape": x.shape,
        "output_index": index, "output_value": float(values[index]), "outputs": int(values.size),
        "paths": [{"from": list(p.element), "weight": p.weight,
                   "hops": [{"from": h.source, "primitive": h.primitive,
                             "partial": h.partial, "to": h.target}
                            for h in p.hops]} for p in found],
        "table": paths.table(found),
        "strongest_inputs": [([int(i) for i in np.unravel_index(j, x.shape)],
                              float(strongest.flat[j])) for j in order],
        "layers": layers,
    }


def load(path) -> nn.Module:
    """The model saved at ``path`` (by :func:`semigrad.nn.save_model`), in evaluation mode;
    a :class:`PathsError` in words when the file is missing or holds no model."""
    if not os.path.isfile(path):
        raise PathsError(f"no such model file: {path}")
    try:
        return nn.load_model(path).eval()
    except ValueError as e:
        raise PathsError(str(e)) from None


def model_input(model, x) -> np.ndarray:
    """``x`` as ``model`` takes it: checked against a first Linear layer's width, or shaped
    as the image batch a first Conv2d takes; a :class:`PathsError` in words otherwise.

    >>> import semigrad as sg
    >>> model_input(sg.nn.Conv2d(1, 2, 3), np.zeros(64)).shape
    (1, 1, 8, 8)
    """
    x = np.asarray(x, dtype=np.float64)
    first = next((m for m in model.modules() if not isinstance(m, nn.Sequential)), None)
    if isinstance(first, nn.Linear) and x.shape[-1:] != (first.in_features,):
        raise PathsError(f"the model takes {first.in_features} input values (its first layer "
                         f"is {first!r}); the input has shape {x.shape}")
    if isinstance(first, nn.Conv2d):
        x = _image_batch(x, first)
    return x


def run_model(model, x):
    """``model(x)``; a :class:`PathsError` in words where the model refuses the input."""
    try:
        return model(x)
    except ValueError as e:
        raise PathsError(f"the model does not take an input of shape {x.shape}: {e}") from None


def output_element(values, output=None) -> tuple:
    """The index of output element ``output`` (flat; None: the largest) in ``values``."""
    if output is None:
        flat = int(np.argmax(values))
    elif not 0 <= output < values.size:
        raise PathsError(f"--output: the model has {values.size} outputs (0 to "
                         f"{values.size - 1}); got {output}")
    else:
        flat = int(output)
    return tuple(int(i) for i in np.unravel_index(flat, values.shape))


def _image_batch(x, conv) -> np.ndarray:
    """A flat or unbatched image as the batch of one (1, C, H, W) that ``conv`` takes.

    A flat input of C·S² values (``--digit``, ``--input 0.1,0.5,...``) is read as
    C square S×S channels; (H, W) as one channel; (C, H, W) gains the batch axis.
    """
    c = conv.in_channels
    if x.ndim == 1:
        side = int(round(np.sqrt(x.size / c)))
        if c * side * side != x.size:
            raise PathsError(f"the model's first layer is {conv!r}: it takes images of {c} "
                             f"channel(s); {x.size} values are not {c} square images (give the "
                             "input as a .npy file of shape (C, H, W))")
        return x.reshape(1, c, side, side)
    if x.ndim == 2 and c == 1:
        return x[None, None]
    return x[None] if x.ndim == 3 else x


def _first_seen(found, name):
    for p in found:
        for k, h in enumerate(p.hops):
            if h.to_node == name:
                return k
    return len(found)


def _describe(model) -> str:
    if isinstance(model, nn.MLP):
        return f"MLP {'-'.join(map(str, model.sizes))}"
    size = sum(p.size for p in model.parameters())
    return f"{type(model).__name__} of {len(model.modules()) - 1} modules, {size} parameters"


def read_input(text: str | None, digit: int | None = None) -> np.ndarray:
    """The input of ``--input`` (a .npy file, or numbers separated by commas) or ``--digit``
    (the N-th image of scikit-learn's digits, in [0, 1])."""
    if digit is not None:
        from . import data

        try:
            images, _ = data.load_digits()
        except ImportError:
            raise PathsError("--digit needs scikit-learn: pip install 'semigrad[train]'") from None
        if not 0 <= digit < len(images):
            raise PathsError(f"--digit: there are {len(images)} images (0 to "
                             f"{len(images) - 1}); got {digit}")
        return np.asarray(images[digit], dtype=np.float64)
    if text is None:
        raise PathsError("give the input: --input FILE.npy, --input 0.5,1,... or --digit N")
    if text.endswith(".npy"):
        if not os.path.isfile(text):
            raise PathsError(f"--input: no such file: {text}")
        try:
            return np.load(text, allow_pickle=False).astype(np.float64)
        except (ValueError, OSError) as e:
            raise PathsError(f"--input: {text} is not a .npy file of numbers ({e})") from None
    try:
        return np.array([float(v) for v in text.split(",")])
    except ValueError:
        raise PathsError(f"--input: expected a .npy file or numbers separated by commas; "
                         f"got {text!r}") from None
