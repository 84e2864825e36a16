"""The NumPy-like functions users call: ``sg.exp``, ``sg.sum``, ``sg.einsum`` ...

Thin wrappers over the primitives that normalise arguments (axes, shapes,
indices, einsum equations) into the primitives' parameters, plus the
composites built from primitives (``mean``, ``softmax``, ``log_softmax``,
``stack``, ``matmul`` ...). Every function accepts Tensors, NumPy arrays and
Python numbers; it returns a Tensor when an argument is a Tensor and a plain
NumPy value otherwise.

Composite or primitive, for the semiring sweeps (which depend on it):
``mean`` = sum · 1/n; ``softmax`` = exp(log_softmax); ``log_softmax`` =
s − logsumexp(s) with s = x − max(x), the max a constant shift
(logsumexp is a stable primitive); ``matmul``, ``dot``,
``tensordot``, ``outer`` are einsum; ``stack`` = reshape + concatenate;
``squeeze``/``expand_dims`` are reshapes; ``swapaxes`` is a transpose.
"""

from __future__ import annotations

import builtins
import string
import warnings
from collections.abc import Sequence

import numpy as np

from .primitives import complex as C
from .primitives import elementwise as E
from .primitives import multilinear as M
from .primitives import reductions as R
from .primitives import structural as S
from .primitives.base import holds_tensor as _holds_tensor
from .primitives.deferred import concrete
from .tensor import Tensor

# ---- elementwise: the primitives themselves --------------------------------
add = E.add
subtract = E.subtract
multiply = E.multiply
divide = E.divide
true_divide = E.divide
negative = E.negative
reciprocal = E.reciprocal
power = E.power
square = E.square
sqrt = E.sqrt
abs = E.abs_  # noqa: A001 (NumPy's name)
absolute = E.abs_
sign = E.sign
real = C.real
imag = C.imag
conj = C.conj
conjugate = C.conj
angle = C.angle
exp = E.exp
log = E.log
log1p = E.log1p
expm1 = E.expm1
sin = E.sin
cos = E.cos
tan = E.tan
tanh = E.tanh
sigmoid = E.sigmoid
relu = E.relu
maximum = E.maximum
minimum = E.minimum
where = E.where
stop_gradient = E.stop_gradient
equal = E.equal
not_equal = E.not_equal
less = E.less
less_equal = E.less_equal
greater = E.greater
greater_equal = E.greater_equal
logical_not = E.logical_not
logical_and = E.logical_and
logical_or = E.logical_or


def shape(x) -> tuple:
    """The shape of an array, a Tensor, or a (nested) list, Tensors inside included.

    >>> import semigrad as sg
    >>> sg.ops.shape([sg.tensor([1.0, 2.0], requires_grad=True), [3.0, 4.0]])
    (2, 2)
    """
    if isinstance(x, Tensor):
        return np.shape(x.value)
    if type(x) in (list, tuple) and _holds_tensor(x):
        return (len(x), *shape(x[0])) if len(x) else (0,)
    return np.shape(x)


_shape = shape


def ndim(x) -> int:
    return len(shape(x))


def clip(x, a_min=None, a_max=None):
    """Clip to [a_min, a_max]; the derivative passes at the bounds (as PyTorch).

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.clip(x, 0.0, 1.0))(1.0)
    1.0
    """
    if a_min is None and a_max is None:
        raise ValueError("clip: give a_min, a_max or both")
    return E.clip(x, -np.inf if a_min is None else a_min, np.inf if a_max is None else a_max)


def astype(x, dtype):
    """Convert to ``dtype``: differentiable between floating (and complex) dtypes; a cast to an
    integer or boolean dtype has zero derivative (its result never requires grad).

    >>> import semigrad as sg
    >>> sg.astype(np.ones(2), np.float32).dtype
    dtype('float32')
    >>> sg.grad(lambda x: sg.sum(x * sg.astype(x, int)))(np.array([1.5, 2.5])).tolist()
    [1.0, 2.0]
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc" and isinstance(x, Tensor):
        x = E.stop_gradient(x)
    return E.astype(x, dtype=dtype)


# ---- reductions ----------------------------------------------------------------


def _axes(name, x, axis) -> tuple:
    """Normalise ``axis`` (None, int or tuple) to a tuple of negative axes."""
    n = ndim(x)
    if axis is None:
        return tuple(range(-n, 0))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, int | np.integer) or not -n <= a < n:
            raise ValueError(
                f"{name}: axis {a!r} is out of range for an input of shape {shape(x)}; "
                f"use an integer in [{-n}, {n - 1}]"
            )
        out.append(int(a) - n if a >= 0 else int(a))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def sum(x, axis=None, keepdims=False):  # noqa: A001 (NumPy's name)
    """Sum over ``axis`` (int, tuple or None for all).

    >>> import semigrad as sg
    >>> float(sg.sum([[1.0, 2.0], [3.0, 4.0]]))
    10.0
    """
    return S.sum_(x, axis=_axes("sum", x, axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``: sum · (1/n); NaN with NumPy's warning over no elements.

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.mean(x))(np.ones(4)).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    axes = _axes("mean", x, axis)
    n = _count(x, axes)
    total = S.sum_(x, axis=axes, keepdims=keepdims)
    if n:
        return E.multiply(total, 1.0 / n)
    # sum · NaN rather than sum / 0: the value is NumPy's, and the reverse rule
    # (g · NaN, summed onto an empty input) divides nothing by zero
    warnings.warn(f"mean: mean of empty slice (input shape {shape(x)}, axis {axis!r}): NaN",
                  RuntimeWarning, stacklevel=2)
    return E.multiply(total, np.nan)


def _count(x, axes) -> int:
    """How many elements each output element of a reduction over ``axes`` combines."""
    s = shape(x)
    return int(np.prod([s[a] for a in axes], dtype=np.int64))


def _no_identity(name, x, axes, axis, hint):
    """Refuse a max-like reduction over no elements, as NumPy does."""
    if _count(x, axes) == 0:
        reduction = {"max": "maximum", "min": "minimum"}.get(name.removeprefix("nan"), name)
        raise ValueError(
            f"{name}: zero-size array to reduction operation {reduction} which has no "
            f"identity (input shape {shape(x)}, axis {axis!r}); {hint}"
        )


_IDENTITY_HINT = ("give initial= (semigrad.numpy.{0}(x, axis, initial=...)) for a value over "
                  "no elements, or reduce a non-empty array")


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``; tied maxima share the derivative equally.

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.max(x))(np.array([1.0, 3.0, 3.0])).tolist()
    [0.0, 0.5, 0.5]
    """
    axes = _axes("max", x, axis)
    _no_identity("max", x, axes, axis, _IDENTITY_HINT.format("max"))
    return R.max_(x, axis=axes, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``; tied minima share the derivative equally.

    >>> import semigrad as sg
    >>> sg.min([[1.0, 2.0], [0.5, 4.0]], axis=1).tolist()
    [1.0, 0.5]
    """
    axes = _axes("min", x, axis)
    _no_identity("min", x, axes, axis, _IDENTITY_HINT.format("min"))
    return R.min_(x, axis=axes, keepdims=keepdims)


amax, amin = max, min


def prod(x, axis=None, keepdims=False):
    """Product over ``axis`` (exact derivatives also where elements are 0).

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.prod(x))(np.array([2.0, 0.0, 3.0])).tolist()
    [0.0, 6.0, 0.0]
    """
    return R.prod(x, axis=_axes("prod", x, axis), keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log Σ exp(x) over ``axis``, stable for large |x|; −inf over no elements (log 0).

    >>> import semigrad as sg
    >>> float(sg.logsumexp([1000.0, 1000.0]))  # no overflow
    1000.6931471805599
    """
    return R.logsumexp(x, axis=_axes("logsumexp", x, axis), keepdims=keepdims)


def _shifted(name, x, axis):
    """x minus its maximum along ``axis``, the shift a constant (not recorded).

    log_softmax and softmax do not change when x is shifted by a constant, so
    their derivatives are those of the shifted form; the shift keeps the
    results exact to the last bit for large |x| (softmax([1000, 1000]) is
    exactly [0.5, 0.5]).
    """
    axes = _axes(name, x, axis) if ndim(x) else ()
    value = x.value if isinstance(x, Tensor) else np.asarray(x)
    m = np.max(value, axis=axes, keepdims=True) if np.size(value) else 0.0
    m = np.where(np.isfinite(m), m, 0.0)
    return E.subtract(x, m.astype(np.result_type(value)) if np.ndim(m) else m), axes


def log_softmax(x, axis=-1):
    """x − logsumexp(x) along ``axis`` (stable).

    >>> import semigrad as sg
    >>> sg.log_softmax([1000.0, 1000.0]).tolist() == [-np.log(2)] * 2
    True
    """
    shifted, axes = _shifted("log_softmax", x, axis)
    return E.subtract(shifted, R.logsumexp(shifted, axis=axes, keepdims=True))


def softmax(x, axis=-1):
    """exp(log_softmax(x)) along ``axis`` (stable).

    >>> import semigrad as sg
    >>> sg.softmax([1000.0, 1000.0]).tolist()
    [0.5, 0.5]
    """
    shifted, axes = _shifted("softmax", x, axis)
    return E.exp(E.subtract(shifted, R.logsumexp(shifted, axis=axes, keepdims=True)))


# ---- shape ------------------------------------------------------------------------


def reshape(x, newshape):
    """Reshape (one entry may be -1).

    >>> import semigrad as sg
    >>> sg.reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    old = shape(x)
    new = (newshape,) if isinstance(newshape, int | np.integer) else tuple(newshape)
    try:
        new = np.empty(old, dtype=np.bool_).reshape(new).shape if 0 in old else _resolve(old, new)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape an array of shape {old} (size {int(np.prod(old))}) "
            f"into shape {tuple(newshape) if not isinstance(newshape, int) else newshape}; "
            "the sizes must match"
        ) from None
    if new == old:
        return x
    return S.reshape(x, shape=new, in_shape=old)


def _resolve(old, new):
    size = int(np.prod(old))
    if new.count(-1) > 1:
        raise ValueError
    if -1 in new:
        known = int(np.prod([d for d in new if d != -1]))
        if known == 0 or size % known:
            raise ValueError
        new = tuple(size // known if d == -1 else int(d) for d in new)
    if int(np.prod(new)) != size or any(d < 0 for d in new):
        raise ValueError
    return tuple(int(d) for d in new)


def _axis(name, axis, n) -> int:
    """One axis in [-n, n) as a non-negative integer, or a clear error."""
    if not isinstance(axis, int | np.integer) or not -n <= axis < n:
        raise ValueError(
            f"{name}: axis {axis!r} is out of range for an array with {n} dimension"
            f"{'s' if n != 1 else ''}; use an integer in [{-n}, {n - 1}]"
        )
    return int(axis) % n


def transpose(x, axes=None):
    """Permute axes (reverse them by default).

    >>> import semigrad as sg
    >>> sg.transpose(np.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    n = ndim(x)
    if axes is None:
        axes = tuple(range(n - 1, -1, -1))
    axes = tuple(_axis("transpose", a, n) for a in axes)
    if sorted(axes) != list(range(n)):
        raise ValueError(
            f"transpose: axes {axes} are not a permutation of the {n} axes of shape {shape(x)}"
        )
    if axes == tuple(range(n)):
        return x
    return S.transpose(x, axes=axes)


def swapaxes(x, axis1, axis2):
    """Exchange two axes.

    >>> import semigrad as sg
    >>> sg.swapaxes(np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    n = ndim(x)
    perm = list(range(n))
    a, b = _axis("swapaxes", axis1, n), _axis("swapaxes", axis2, n)
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def moveaxis(x, source, destination):
    """Move one axis to a new position.

    >>> import semigrad as sg
    >>> sg.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    n = ndim(x)
    src, dst = _axis("moveaxis", source, n), _axis("moveaxis", destination, n)
    perm = [a for a in range(n) if a != src]
    perm.insert(dst, src)
    return transpose(x, perm)


def broadcast_to(array, shape):
    """Broadcast to ``shape`` (NumPy rules); the gradient sums over the copies.

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.sum(sg.broadcast_to(x, (3, 2))))(np.ones(2)).tolist()
    [3.0, 3.0]
    """
    old = _shape(array)  # NumPy's parameter name ``shape`` hides the function here
    shape = tuple(shape)
    try:
        np.broadcast_shapes(old, shape)
        if len(shape) < len(old) or np.broadcast_shapes(old, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"broadcast_to: cannot broadcast shape {old} to {shape}"
        ) from None
    if old == shape:
        return array
    return S.broadcast_to(array, shape=shape, in_shape=old)


def expand_dims(x, axis):
    """Insert unit axes at the positions ``axis`` (int or tuple) of the result.

    >>> import semigrad as sg
    >>> sg.expand_dims(np.ones((2, 3)), (0, 3)).shape
    (1, 2, 3, 1)
    """
    old = shape(x)
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    n = len(old) + len(axes)
    pos = sorted(_axis("expand_dims", a, n) for a in axes)
    if len(set(pos)) != len(pos):
        raise ValueError(f"expand_dims: repeated axis in {axis!r}")
    new = list(old)
    for p in pos:
        new.insert(p, 1)
    return reshape(x, tuple(new))


def squeeze(x, axis=None):
    """Remove unit axes (all of them, or those in ``axis``).

    >>> import semigrad as sg
    >>> sg.squeeze(np.ones((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    old = shape(x)
    if axis is None:
        return reshape(x, tuple(d for d in old if d != 1))
    items = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    axes = {_axis("squeeze", a, len(old)) for a in items}
    for a in axes:
        if old[a] != 1:
            raise ValueError(
                f"squeeze: axis {a} of shape {old} has size {old[a]}; only unit axes can be "
                "squeezed"
            )
    return reshape(x, tuple(d for k, d in enumerate(old) if k not in axes))


def concatenate(arrays: Sequence, axis=0):
    """Join arrays along an existing axis.

    >>> import semigrad as sg
    >>> sg.concatenate([np.ones((2, 1)), np.zeros((2, 2))], axis=1).tolist()
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("concatenate: need at least one array")
    shapes = [shape(a) for a in arrays]
    n = len(shapes[0])
    if n == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated; use stack")
    if any(len(s) != n for s in shapes) or not -n <= axis < n:
        raise ValueError(f"concatenate: shapes {shapes} do not fit along axis {axis}")
    return S.concatenate(*arrays, axis=axis - n if axis >= 0 else axis)


def stack(arrays: Sequence, axis=0):
    """Join arrays along a new axis.

    >>> import semigrad as sg
    >>> sg.stack([np.ones(3), np.zeros(3)], axis=1).shape
    (3, 2)
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("stack: need at least one array")
    shapes = {shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all arrays must have the same shape; got {sorted(shapes)}")
    n = len(next(iter(shapes))) + 1
    axis = _axis("stack", axis, n)
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


# ---- indexing ---------------------------------------------------------------------


def _normalise_index(index, in_shape):
    """A full index (no Ellipsis) with its arrays taken out, and facts about it.

    Returns ``(template, arrays, unique, adv_move)``: the template has
    ``SLOT`` where each index array goes; ``arrays`` are those arrays (Tensors
    stay Tensors, so that a mask computed from traced values is recorded).
    """
    if not isinstance(index, tuple):
        index = (index,)
    items, arrays = [], []
    for it in index:
        value = concrete(it.value) if isinstance(it, Tensor) else it
        if isinstance(value, list) and not value:
            value = it = np.zeros(0, dtype=np.intp)
        if isinstance(value, list | np.ndarray) or (
            isinstance(value, np.generic) and (value.dtype == bool or isinstance(it, Tensor))
        ):  # a Tensor, 0-d included, is an index array: recorded, so its graph replays
            value = np.asarray(value)
            if value.dtype.kind not in "biu":
                raise IndexError(
                    "getitem: index arrays must be integers or booleans; got dtype "
                    f"{value.dtype} (array shape {in_shape}): convert with .astype(int)"
                )
            if not isinstance(it, Tensor):
                it = value
        elif isinstance(value, bool):
            value = it = np.asarray(value)
        items.append(value)
        arrays.append(it)
    consumed = 0
    for it in items:
        if it is None or it is Ellipsis:
            continue
        consumed += it.ndim if isinstance(it, np.ndarray) and it.dtype == bool else 1
    if consumed > len(in_shape):
        raise IndexError(f"getitem: too many indices for an array of shape {in_shape}")
    ellipses = [k for k, it in enumerate(items) if it is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("getitem: an index can only have a single ellipsis ('...')")
    fill = [slice(None)] * (len(in_shape) - consumed)
    if ellipses:
        k = ellipses[0]
        items[k:k + 1] = fill
        arrays[k:k + 1] = fill
    else:
        items += fill
        arrays += fill
    is_array = [isinstance(it, np.ndarray) for it in items]
    adv = [k for k, a in enumerate(is_array) if a]
    unique = all(items[k].dtype == bool for k in adv)
    adv_move = 0
    if adv and adv[-1] - adv[0] + 1 != len(adv):
        parts = [items[k].nonzero() if items[k].dtype == bool else (items[k],) for k in adv]
        adv_move = len(np.broadcast_shapes(*[a.shape for grp in parts for a in grp]))
    template = tuple(S.SLOT if a else it for it, a in zip(items, is_array))
    index_arrays = [arrays[k] for k in adv]
    return template, tuple(items), index_arrays, unique, adv_move


def getitem(x, index):
    """Index like NumPy: slices, integers, None, Ellipsis, integer arrays, masks.

    Repeated integer indices accumulate in the gradient.

    >>> import semigrad as sg
    >>> sg.grad(lambda x: sg.sum(x[[0, 0, 2]]))(np.ones(3)).tolist()
    [2.0, 0.0, 1.0]
    """
    in_shape = shape(x)
    template, full, arrays, unique, adv_move = _normalise_index(index, in_shape)
    value = x.value if isinstance(x, Tensor) else np.asarray(x)
    try:
        out_shape = np.shape(value[full])
    except IndexError as e:
        raise IndexError(f"getitem: {e} (array shape {in_shape})") from None
    return S.getitem(
        x, *arrays, idx=template, in_shape=in_shape, out_ndim=len(out_shape),
        adv_move=adv_move, unique=unique,
    )


# ---- products ----------------------------------------------------------------------


def einsum(subscripts, *operands, optimize=False):
    """Einstein summation, like ``np.einsum`` (explicit or implicit output, '...').

    NumPy's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` works too;
    ``optimize`` is accepted for NumPy compatibility (the contraction is planned
    anyway).

    >>> import semigrad as sg
    >>> sg.einsum("ij,j->i", [[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).tolist()
    [3.0, 7.0]
    >>> sg.einsum(np.eye(2), [0, 1], np.ones(2), [1], [0]).tolist()
    [1.0, 1.0]
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_equation((subscripts, *operands))
    shapes = [shape(o) for o in operands]
    eq = _explicit_equation(subscripts.replace(" ", ""), shapes)
    ins = eq.split("->")[0].split(",")
    size: dict[str, int] = {}
    for k, (sub, sh) in enumerate(zip(ins, shapes)):
        for c, d in zip(sub, sh):
            if size.get(c, 1) != 1 and d not in (1, size[c]):
                raise ValueError(
                    f"einsum: subscript {c!r} has size {size[c]} in one operand and {d} in "
                    f"operand {k} (shapes {shapes}); sizes must match or be 1"
                )
            size[c] = d if size.get(c, 1) == 1 else size[c]
    # Broadcasting (a size-1 axis against a longer one) is made explicit, so that
    # the contraction itself never broadcasts and its rules need not undo it.
    operands = [
        broadcast_to(o, tuple(size[c] for c in sub)) if sh != tuple(size[c] for c in sub) else o
        for o, sub, sh in zip(operands, ins, shapes)
    ]
    return M.einsum(*operands, eq=eq)


def _sublist_equation(args):
    """NumPy's ``op0, sublist0, op1, sublist1, ..., [sublist_out]`` as a string equation."""
    letters = string.ascii_letters

    def sub(lst):
        out = []
        for k in lst:
            if k is Ellipsis:
                out.append("...")
            elif isinstance(k, int | np.integer) and 0 <= k < len(letters):
                out.append(letters[k])
            else:
                raise ValueError(f"einsum: a sublist holds integers in [0, 52) or ...; got {k!r}")
        return "".join(out)

    operands, subs = list(args[0::2]), [sub(s) for s in args[1::2]]
    if len(args) % 2:  # the trailing output sublist
        operands, subs = operands[:-1], subs
        return ",".join(subs[: len(operands)]) + "->" + sub(args[-1]), operands
    return ",".join(subs), operands


def _explicit_equation(subscripts, shapes):
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(
            f"einsum: {subscripts!r} names {len(ins)} operands but {len(shapes)} were given"
        )
    used = set(subscripts)
    free = [c for c in string.ascii_letters if c not in used]
    if any("..." in s for s in ins):
        nell = 0
        for s, sh in zip(ins, shapes):
            if "..." in s:
                nell = builtins.max(nell, len(sh) - (len(s) - 3))
        ell = "".join(free[:nell])
        ins = [
            s.replace("...", ell[nell - (len(sh) - (len(s) - 3)):]) if "..." in s else s
            for s, sh in zip(ins, shapes)
        ]
        out = out.replace("...", ell) if out is not None else None
        ell_letters = ell
    else:
        ell_letters = ""
    for s, sh in zip(ins, shapes):
        if len(s) != len(sh):
            raise ValueError(
                f"einsum: subscripts {s!r} do not match an operand of shape {sh}"
            )
    if out is None:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(
            sorted(c for c, k in counts.items() if k == 1 and c not in ell_letters)
        )
    return ",".join(ins) + "->" + out


def matmul(a, b):
    """Matrix product with NumPy's rules (1-D promotion, broadcast batch axes).

    >>> import semigrad as sg
    >>> sg.matmul(np.ones((2, 3)), np.ones(3)).tolist()
    [3.0, 3.0]
    """
    sa, sb = shape(a), shape(b)
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-D; got shapes {sa} and {sb}")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} are not aligned: {sa[-1]} (last axis of the first) "
            f"!= {sb[-2 if len(sb) > 1 else 0]} ({'second-to-last' if len(sb) > 1 else 'only'} "
            "axis of the second)"
        )
    ba, bb = sa[:-2], sb[:-2]
    if ba != bb:
        try:
            batch = np.broadcast_shapes(ba, bb)
        except ValueError:
            raise ValueError(
                f"matmul: batch shapes {ba} and {bb} of operands {sa} and {sb} do not broadcast"
            ) from None
        if len(sa) > 1 and ba != batch:
            a = broadcast_to(a, batch + sa[-2:])
        if len(sb) > 1 and bb != batch:
            b = broadcast_to(b, batch + sb[-2:])
    else:
        batch = ba
    letters = "abcdefghijklmnopqrstuvw"[: len(batch)]
    ia = letters + ("xy" if len(sa) > 1 else "y")
    ib = letters + ("yz" if len(sb) > 1 else "y")
    io = letters + ("x" if len(sa) > 1 else "") + ("z" if len(sb) > 1 else "")
    if len(sa) == 1:
        ia = "y"
    if len(sb) == 1:
        ib = "y"
    return M.einsum(a, b, eq=f"{ia},{ib}->{io}")


def dot(a, b):
    """NumPy's dot: scalar product, matrix product, or sum over the last/second-last axes.

    >>> import semigrad as sg
    >>> float(sg.dot([1.0, 2.0], [3.0, 4.0]))
    11.0
    """
    sa, sb = shape(a), shape(b)
    if not sa or not sb:
        return multiply(a, b)
    if len(sb) <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([len(sa) - 1], [len(sb) - 2]))


def tensordot(a, b, axes=2):
    """Contract ``axes`` of a with those of b (NumPy's tensordot).

    >>> import semigrad as sg
    >>> sg.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    sa, sb = shape(a), shape(b)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(len(sa) - axes, len(sa))), list(range(axes))
    else:
        ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0])), (
            [axes[1]] if isinstance(axes[1], int) else list(axes[1])
        )
    ax_a = [k % len(sa) for k in ax_a]
    ax_b = [k % len(sb) for k in ax_b]
    if [sa[k] for k in ax_a] != [sb[k] for k in ax_b]:
        raise ValueError(f"tensordot: shape mismatch between {sa} and {sb} for axes {axes}")
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in sa]
    lb = [next(letters) for _ in sb]
    for ka, kb in zip(ax_a, ax_b):
        lb[kb] = la[ka]
    out = [c for k, c in enumerate(la) if k not in ax_a] + [
        c for k, c in enumerate(lb) if k not in ax_b
    ]
    return M.einsum(a, b, eq="".join(la) + "," + "".join(lb) + "->" + "".join(out))


def outer(a, b):
    """Outer product of the flattened inputs.

    >>> import semigrad as sg
    >>> sg.outer([1.0, 2.0], [1.0, 10.0]).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    return M.einsum(reshape(a, (-1,)), reshape(b, (-1,)), eq="i,j->ij")

