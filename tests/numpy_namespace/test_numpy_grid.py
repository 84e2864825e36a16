"""``semigrad.numpy`` over a grid: every differentiable function × shapes × axes × dtypes.

The grid is generated from the compact declarations below (one line per
function or per call pattern). Every cell is a call ``fn(m, *args)`` written
once for both namespaces (``m`` is ``numpy`` or ``semigrad.numpy``) and
checked three ways:

* ``test_value``: the value equals NumPy's (same call with ``np``), on plain
  arrays and on ``sg.tensor`` inputs, with NumPy's output dtype and shape
  (rtol 1e-12 in float64/complex128, looser in float32/float16/complex64);
* ``test_grads``: ``sg.check_grads`` in reverse and forward mode, to order 2
  (order 3 for the products), in float64/complex128;
* ``test_dtypes``: in float32, float16 and complex64, the value, the ``sg.vjp``
  cotangent and the ``sg.jvp`` tangent keep the input's dtype (NumPy's output
  dtype for the value and the tangent, the input's for the cotangent).

Inputs are drawn away from branch cuts, poles, kinks and ties, so that the
central differences of ``check_grads`` are meaningful. Complex inputs are
used wherever NumPy accepts them; the convention is JAX's (see
``semigrad.primitives.complex``), which ``check_grads`` checks directly.

Known core bugs are marked ``xfail(strict=True)`` in ``KNOWN`` so that a fix
turns the cell red until the mark is removed.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp
from semigrad.numpy._at import At

pytestmark = pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")

# ---- input domains: (rng, shape) -> float64 or complex128 array -----------------------------


def N(scale=1.0):
    """Standard normal (times ``scale``)."""
    return lambda rng, s: scale * rng.standard_normal(s)


def U(lo, hi):
    """Uniform on [lo, hi]."""
    return lambda rng, s: rng.uniform(lo, hi, s)


def A(lo, hi):
    """Uniform on ±[lo, hi]: away from 0."""
    return lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(lo, hi, s)


def CN(scale=1.0):
    """Complex normal: no branch cut to avoid."""
    return lambda rng, s: scale * (rng.standard_normal(s) + 1j * rng.standard_normal(s))


def CZ():
    """Re in [0.5, 1.5], Im in ±[0.5, 1.5]: away from every branch cut of NumPy's complex
    functions (the real axis outside [-1, 1] or below 1, the imaginary axis outside
    [-i, i], the negative real axis) and from 0."""
    return lambda rng, s: U(0.5, 1.5)(rng, s) + 1j * A(0.5, 1.5)(rng, s)


def CR(scale=1.0):
    """A real domain made complex: real part from it, imaginary part normal."""
    return lambda rng, s: N(scale)(rng, s) + 1j * N(scale)(rng, s)


# ---- cells ----------------------------------------------------------------------------------

# kind -> the dtypes of the inputs (one for all, or one per input); "mixed": complex then
# real, "rmixed": real then complex (a real input's cotangent must stay real).
HIGH = {"real": (np.float64,), "complex": (np.complex128,), "mixed": (np.complex128, np.float64),
        "rmixed": (np.float64, np.complex128), "int": (np.int64,)}
LOW = {
    "real": ((np.float32,), (np.float16,)),
    "complex": ((np.complex64,),),
    "mixed": ((np.complex64, np.float32),),
    "rmixed": ((np.float32, np.complex64),),
}
TOL = {np.float64: 1e-12, np.complex128: 1e-12, np.float32: 1e-5, np.complex64: 1e-5,
       np.float16: 1e-2, np.int64: 1e-12, np.int8: 1e-2}  # int8 → float16 results


class Cell(NamedTuple):
    id: str
    fn: Callable  # fn(m, *args), m the namespace
    args: tuple
    order: int = 2
    grads: bool = True  # whether test_grads runs (False: value and dtypes only)


def _fmt(shape) -> str:
    return str(tuple(shape)).replace(" ", "")


def _fmt_value(v) -> str:
    if isinstance(v, tuple) and all(isinstance(x, int) for x in v):
        return _fmt(v)
    if isinstance(v, type) and issubclass(v, np.generic):
        return v.__name__
    return str(v).replace(" ", "")


def _rng(label):
    return np.random.default_rng(zlib.crc32(label.encode()))


def _draw(label, shapes, domains, ok=None):
    """Inputs of the given shapes from the domains, redrawn until ``ok(*args)`` holds."""
    rng = _rng(label)
    for _ in range(200):
        args = tuple(np.asarray(d(rng, s)) for d, s in zip(domains, shapes))
        if ok is None or ok(*args):
            return args
    raise AssertionError(f"{label}: no inputs satisfy the predicate")


CELLS: dict[str, list[Cell]] = {"high": [], "low": [], "int": []}


def add_cells(label, fn, shapes, domains, kind="real", order=2, ok=None, grads=True):
    """The cells of one call: its high-precision cell and its low-precision casts."""
    dtypes = HIGH[kind]
    if len(dtypes) == 1:
        dtypes = dtypes * len(shapes)
    if kind in ("mixed", "rmixed") and len(shapes) > 2:
        dtypes = dtypes + dtypes[-1:] * (len(shapes) - 2)
    args = _draw(label, shapes, domains, ok)
    if kind == "int":
        args = tuple(np.round(a) for a in args)
    else:
        args = tuple(a.astype(d) for a, d in zip(args, dtypes))
    shape_part = ",".join(_fmt(s) for s in shapes)

    head, _, rest = label.partition("-")

    def name(ds):  # e.g. sum-(2,3)-axis=0-keepdims-complex128
        dt = "+".join(dict.fromkeys(np.dtype(d).name for d in ds))
        return "-".join(p for p in (head, shape_part, rest, dt) if p)

    if kind == "int":  # values only: NumPy's integer promotions (int8 → float16 ...)
        CELLS["int"] += [Cell(name((d,) * len(shapes)), fn, tuple(a.astype(d) for a in args))
                         for d in (np.int64, np.int8)]
        return
    CELLS["high"].append(Cell(name(dtypes), fn, args, order, grads))
    for low in LOW[kind]:
        low = low * len(shapes) if len(low) == 1 else low + low[-1:] * (len(shapes) - len(low))
        CELLS["low"].append(Cell(name(low), fn, tuple(a.astype(d) for a, d in zip(args, low))))


def call(fname, *extra, seq=False, first=(), **kw):
    """``fn(m, *xs) = m.<fname>(*first, xs..., *extra, **kw)`` (the arrays as one list when
    ``seq``), and a readable label."""

    def fn(m, *xs):
        arrays = (list(xs),) if seq else xs
        return getattr(m, fname)(*first, *arrays, *extra, **kw)

    parts = [fname, *map(_fmt_value, first + extra)]
    parts += [f"{k}={_fmt_value(v)}" for k, v in kw.items()]
    return "-".join(parts), fn


def _shape_list(spec):
    """A shape spec: one shape (a tuple of ints) or a tuple of shapes (several inputs)."""
    if spec == () or not isinstance(spec[0], tuple):
        return [spec]
    return list(spec)


# ---- unary elementwise -------------------------------------------------------------------
# (name, real domain, complex domain or None when NumPy refuses complex)

UNARY = [
    ("sin", N(), CZ()), ("cos", N(), CZ()), ("tan", U(-1.2, 1.2), CZ()),
    ("arcsin", U(-0.8, 0.8), CZ()), ("arccos", U(-0.8, 0.8), CZ()), ("arctan", N(), CZ()),
    ("sinh", N(), CZ()), ("cosh", N(), CZ()), ("tanh", N(), CZ()),
    ("arcsinh", N(), CZ()), ("arccosh", U(1.5, 3.0), CZ()), ("arctanh", U(-0.8, 0.8), CZ()),
    ("exp", N(), CZ()), ("exp2", N(), CZ()), ("expm1", N(), CZ()),
    ("log", U(0.5, 2.0), CZ()), ("log2", U(0.5, 2.0), CZ()), ("log10", U(0.5, 2.0), CZ()),
    ("log1p", U(-0.5, 2.0), CZ()), ("sqrt", U(0.5, 2.0), CZ()), ("cbrt", A(0.5, 2.0), None),
    ("square", N(), CN()), ("reciprocal", A(0.5, 2.0), CZ()), ("abs", A(0.5, 2.0), CZ()),
    ("absolute", A(0.5, 2.0), CZ()), ("fabs", A(0.5, 2.0), None), ("sinc", A(0.3, 2.0), CZ()),
    ("deg2rad", N(50.0), None), ("rad2deg", N(), None), ("radians", N(50.0), None),
    ("degrees", N(), None), ("negative", N(), CN()), ("positive", N(), CN()),
    ("real", N(), CN()), ("imag", N(), CN()), ("conj", N(), CN()), ("conjugate", N(), CN()),
    ("angle", A(0.5, 2.0), CZ()),
]
UNARY_SHAPES = [(), (3,), (2, 3)]

for _name, _real, _cplx in UNARY:
    _label, _fn = call(_name)
    for _s in UNARY_SHAPES:
        add_cells(_label, _fn, [_s], [_real])
        if _cplx is not None:
            add_cells(_label, _fn, [_s], [_cplx], kind="complex")
# integer inputs (values only), from 1..3 (inside every domain but arcsin/arccos/arctanh's)
for _name, *_ in UNARY:
    if _name not in ("arcsin", "arccos", "arctanh"):
        add_cells(call(_name)[0], call(_name)[1], [(2, 3)], [U(1.0, 3.0)], kind="int")
add_cells("angle-deg", lambda m, z: m.angle(z, deg=True), [(3,)], [CZ()], kind="complex")

# ---- binary elementwise ------------------------------------------------------------------


def _apart(x, y):
    return np.all(np.abs(x - y) > 0.05)


def _off_integer(x, y):
    frac = np.abs(x / y) % 1.0
    return np.all((frac > 0.05) & (frac < 0.95))


# (name, real domains, predicate, complex domains or None)
BINARY = [
    ("add", (N(), N()), None, (CN(), CN())),
    ("subtract", (N(), N()), None, (CN(), CN())),
    ("multiply", (N(), N()), None, (CN(), CN())),
    ("divide", (N(), A(0.5, 2.0)), None, (CN(), CZ())),
    ("true_divide", (N(), A(0.5, 2.0)), None, (CN(), CZ())),
    ("power", (U(0.5, 2.0), N()), None, (CZ(), CN(0.5))),
    ("float_power", (U(0.5, 2.0), N()), None, (CZ(), CN(0.5))),
    ("arctan2", (A(0.5, 2.0), N()), None, None),
    ("hypot", (A(0.5, 2.0), N()), None, None),
    ("logaddexp", (N(), N()), None, None),
    ("logaddexp2", (N(), N()), None, None),
    ("maximum", (N(), N()), _apart, None),
    ("minimum", (N(), N()), _apart, None),
    ("fmax", (N(), N()), _apart, None),
    ("fmin", (N(), N()), _apart, None),
    ("mod", (N(3.0), A(0.5, 2.0)), _off_integer, None),
    ("remainder", (N(3.0), A(0.5, 2.0)), _off_integer, None),
    ("fmod", (N(3.0), A(0.5, 2.0)), _off_integer, None),
]
BINARY_SHAPES = [((), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((3,), ())]
MIXED = {"add", "subtract", "multiply", "divide", "power"}

for _name, _real, _ok, _cplx in BINARY:
    _label, _fn = call(_name)
    for _pair in BINARY_SHAPES:
        add_cells(_label, _fn, list(_pair), list(_real), ok=_ok)
        if _cplx is not None:
            add_cells(_label, _fn, list(_pair), list(_cplx), kind="complex")
    if _name in MIXED:  # complex ∘ real and real ∘ complex: a real input's cotangent stays real
        add_cells(_label, _fn, [(2, 3), (3,)], [_cplx[0], _real[1]], kind="mixed")
        add_cells(_label, _fn, [(2, 1), (3,)], [_real[0], _cplx[1]], kind="rmixed")
    add_cells(_label, _fn, [(2, 3), (3,)], [U(1.0, 3.0), U(1.0, 3.0)], kind="int")
    # a Python scalar on either side (NumPy's weak scalars: float32 stays float32)
    _r = _rng(f"{_name}-scalars")
    _cy, _cx = float(_real[1](_r, ())), float(_real[0](_r, ()))
    _okr = (lambda x, _c=_cy, _o=_ok: _o(x, _c)) if _ok else None
    _okl = (lambda y, _c=_cx, _o=_ok: _o(_c, y)) if _ok else None
    add_cells(f"{_name}-x,{_cy:.3g}", lambda m, x, _n=_name, _c=_cy: getattr(m, _n)(x, _c),
              [(2, 3)], [_real[0]], ok=_okr)
    add_cells(f"{_name}-{_cx:.3g},y", lambda m, y, _n=_name, _c=_cx: getattr(m, _n)(_c, y),
              [(2, 3)], [_real[1]], ok=_okl)
    if _cplx is not None:
        _cz = complex(np.round(_cplx[1](_r, ()), 3))
        for _kind, _dom in (("real", _real[0]), ("complex", _cplx[0])):
            add_cells(f"{_name}-x,{_cz}", lambda m, x, _n=_name, _c=_cz: getattr(m, _n)(x, _c),
                      [(3,)], [_dom], kind=_kind)

# ---- reductions --------------------------------------------------------------------------

RED_SHAPES = {(): [None], (4,): [None, 0, -1], (2, 3): [None, 0, -1],
              (2, 3, 2): [None, 0, -1, (0, 2)]}
# (name, real domain, complex?, extra keyword grids)
REDUCTIONS = [
    ("sum", N(), True, {}), ("mean", N(), True, {}), ("prod", A(0.5, 1.5), True, {}),
    ("max", N(), False, {}), ("min", N(), False, {}), ("amax", N(), False, {}),
    ("amin", N(), False, {}), ("ptp", N(), False, {}),
    ("var", N(), True, {"ddof": [0, 1]}), ("std", N(), True, {"ddof": [0, 1]}),
]


def _distinct(x):
    v = np.sort(np.ravel(x))
    return np.all(np.diff(v) > 0.02)


for _name, _dom, _cplx, _extra in REDUCTIONS:
    for _shape, _axes in RED_SHAPES.items():
        for _axis in _axes:
            for _keep in (False, True):
                for _ddof in _extra.get("ddof", [None]):
                    _kw = {"axis": _axis}
                    if _ddof is not None:
                        _kw["ddof"] = _ddof
                    _label, _fn = call(_name, **_kw, keepdims=_keep)
                    _label = _label.replace("-keepdims=False", "").replace("=True", "")
                    _ok = _distinct if _name in ("max", "min", "amax", "amin", "ptp") else None
                    _finite = not (_ddof and _shape == ())  # else NaN: n − ddof = 0
                    add_cells(_label, _fn, [_shape], [_dom], ok=_ok, grads=_finite)
                    if _cplx:
                        add_cells(_label, _fn, [_shape], [CN()], kind="complex", grads=_finite)
                    if _shape == (2, 3):
                        add_cells(_label, _fn, [_shape], [U(-3.0, 3.0)], kind="int")



def _zeros(dom, where):
    """A domain with zeros at the given places."""

    def draw(rng, s):
        x = dom(rng, s)
        x[where] = 0
        return x

    return draw


# prod's three cases: no zero, one zero (row 0; the whole of axis=None), two zeros (row 1)
for _name in ("prod", "cumprod"):
    for _axis, _where in ((1, ([0, 1, 1], [1, 0, 2])), (None, ([1], [1]))):
        _label, _fn = call(_name, axis=_axis)
        add_cells(_label + "-zeros", _fn, [(3, 3)], [_zeros(A(0.5, 1.5), _where)])
        add_cells(_label + "-zeros", _fn, [(3, 3)], [_zeros(CN(), _where)], kind="complex")

for _shape, _axes in RED_SHAPES.items():
    for _axis in _axes:
        if isinstance(_axis, tuple):
            continue
        for _name, _dom in (("cumsum", N()), ("cumprod", A(0.5, 1.5))):
            _label, _fn = call(_name, axis=_axis)
            add_cells(_label, _fn, [_shape], [_dom])
            add_cells(_label, _fn, [_shape], [CN()], kind="complex")
            add_cells(_label, _fn, [_shape], [U(-3.0, 3.0)], kind="int")
        if _shape == ():
            continue
        # average with traced weights: the full shape (axis None), or one weight per position
        _wshape = _shape if _axis is None else (_shape[_axis],)
        for _keep in (False, True):
            _label = f"average-axis={_axis}-weights" + ("-keepdims" if _keep else "")
            add_cells(_label,
                      lambda m, x, w, _a=_axis, _k=_keep: m.average(x, _a, weights=w, keepdims=_k),
                      [_shape, _wshape], [N(), U(0.5, 2.0)])
        add_cells(f"average-axis={_axis}", lambda m, x, _a=_axis: m.average(x, _a), [_shape], [N()])

# ---- shape functions (real and complex) ------------------------------------------------------

SHAPE_OPS = [
    (call("reshape", (3, 2)), [(2, 3), (6,)]),
    (call("reshape", (-1,)), [(), (2, 3)]),
    (call("ravel"), [(), (2, 3)]),
    (call("transpose"), [(2, 3), (2, 3, 2)]),
    (call("transpose", (1, 2, 0)), [(2, 3, 2)]),
    (call("moveaxis", 0, -1), [(2, 3, 2)]),
    (call("moveaxis", [0, 1], [2, 0]), [(2, 3, 2)]),
    (call("swapaxes", 0, -1), [(2, 3), (2, 3, 2)]),
    (call("squeeze"), [(1, 3, 1), ()]),
    (call("squeeze", axis=0), [(1, 3, 1)]),
    (call("expand_dims", 0), [(), (2, 3)]),
    (call("expand_dims", -1), [(3,)]),
    (call("broadcast_to", (2, 3)), [(), (3,), (2, 1)]),
    (call("atleast_1d"), [(), (3,)]),
    (call("atleast_2d"), [(), (3,), (2, 3)]),
    (call("atleast_3d"), [(), (3,), (2, 3)]),
    (call("atleast_2d"), [((), (3,))]),
    (call("split", 2), [(4,)]),
    (call("split", [1, 3], axis=1), [(2, 4)]),
    (call("array_split", 3), [(5,)]),
    (call("array_split", 2, axis=-1), [(2, 3)]),
    (call("hsplit", 2), [(4,), (2, 4)]),
    (call("vsplit", [1]), [(3, 2)]),
    (call("dsplit", 2), [(1, 2, 4)]),
    (call("concatenate", seq=True), [((3,), (2,)), ((1, 3), (2, 3))]),
    (call("concatenate", seq=True, axis=1), [((2, 1), (2, 3))]),
    (call("concatenate", seq=True, axis=None), [((2, 2), (3,))]),
    (call("stack", seq=True), [((), ()), ((2, 3), (2, 3))]),
    (call("stack", seq=True, axis=-1), [((3,), (3,))]),
    (call("hstack", seq=True), [((), (2,)), ((2, 1), (2, 3))]),
    (call("vstack", seq=True), [((3,), (2, 3))]),
    (call("dstack", seq=True), [((2, 2), (2, 2)), ((3,), (3,))]),
    (call("column_stack", seq=True), [((3,), (3, 2))]),
    (call("repeat", 2), [(), (2, 2)]),
    (call("repeat", [1, 3], axis=0), [(2, 3)]),
    (call("tile", 2), [(), (3,)]),
    (call("tile", (2, 1, 2)), [(2, 3)]),
    (call("pad", 1), [(3,), (2, 2)]),
    (call("pad", ((1, 0), (2, 1)), constant_values=0.5), [(2, 2)]),
    (call("pad", 2, mode="reflect"), [(4,)]),
    (call("pad", 1, mode="edge"), [(2, 3)]),
    (call("pad", 1, mode="symmetric"), [(3,)]),
    (call("pad", (1, 2), mode="wrap"), [(3,)]),
    (call("roll", 1), [(2, 3)]),
    (call("roll", -1, axis=1), [(2, 3)]),
    (call("rot90"), [(2, 3)]),
    (call("rot90", 3), [(2, 3, 2)]),
    (call("flip"), [(3,), (2, 3)]),
    (call("flip", 0), [(2, 3)]),
    (call("flipud"), [(3,), (2, 3)]),
    (call("fliplr"), [(2, 3)]),
    (call("diag"), [(3,), (3, 3)]),
    (call("diag", -1), [(2,), (2, 3)]),
    (call("diagonal"), [(2, 3)]),
    (call("diagonal", 1, 1, 2), [(2, 3, 3)]),
    (call("trace"), [(3, 3)]),
    (call("trace", -1), [(3, 2, 2)]),
    (call("triu"), [(3, 3)]),
    (call("triu", 1), [(2, 3, 3)]),
    (call("tril"), [(2, 3)]),
    (call("tril", -1), [(3, 3)]),
    (call("take", [0, 2, 0], axis=1), [(2, 3)]),
    (call("take_along_axis", np.array([[1, 0]]), 1), [(2, 3)]),
]

for (_label, _fn), _specs in SHAPE_OPS:
    for _spec in _specs:
        _shapes = _shape_list(_spec)
        add_cells(_label, _fn, _shapes, [N()] * len(_shapes))
        add_cells(_label, _fn, _shapes, [CN()] * len(_shapes), kind="complex")

# real and complex inputs together
add_cells("concatenate", lambda m, x, y: m.concatenate([x, y]), [(2,), (3,)], [N(), CN()],
          kind="rmixed")
add_cells("stack", lambda m, x, y: m.stack([x, y]), [(3,), (3,)], [CN(), N()], kind="mixed")

# ---- products (order 3, real and complex) ----------------------------------------------------

PRODUCTS = [
    (call("dot"), [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 2)),
                   ((2, 2, 3), (3, 2))]),
    (call("vdot"), [((3,), (3,)), ((2, 2), (2, 2))]),
    (call("matmul"), [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)),
                      ((2, 2, 3), (3, 2)), ((2, 1, 2, 3), (3, 3, 2))]),
    (call("tensordot", 1), [((2, 3), (3, 2))]),
    (call("tensordot", 0), [((2,), (3,))]),
    (call("tensordot", ([1, 0], [0, 1])), [((2, 3), (3, 2))]),
    (call("inner"), [((3,), (3,)), ((2, 3), (2, 3)), ((), (2, 3))]),
    (call("outer"), [((2,), (3,)), ((2, 2), (3,)), ((), (3,))]),
    (call("kron"), [((2,), (3,)), ((2, 2), (1, 2)), ((2, 2), (2,)), ((), (2,))]),
    (call("einsum", first=("ij,jk->ik",)), [((2, 3), (3, 2))]),
    (call("einsum", first=("bij,bjk->bik",)), [((2, 2, 3), (2, 3, 2))]),
    (call("einsum", first=("i,i->",)), [((3,), (3,))]),
    (call("einsum", first=("...ij,jk",)), [((2, 2, 3), (3, 2))]),
    (call("cross"), [((3,), (3,)), ((2, 3), (3,))]),
    (call("cross", axis=0), [((3, 2), (3, 2))]),
]

for (_label, _fn), _specs in PRODUCTS:
    for _spec in _specs:
        _shapes = _shape_list(_spec)
        add_cells(_label, _fn, _shapes, [N()] * len(_shapes), order=3)
        add_cells(_label, _fn, _shapes, [CN()] * len(_shapes), kind="complex", order=3)

add_cells("matmul", lambda m, a, b: m.matmul(a, b), [(2, 3), (3, 2)], [N(), CN()],
          kind="rmixed", order=3)
add_cells("dot", lambda m, a, b: m.dot(a, b), [(2, 3), (3,)], [CN(), N()], kind="mixed", order=3)
add_cells("einsum-ij->j", lambda m, a: m.einsum("ij->j", a), [(2, 3)], [N()], order=3)
add_cells("einsum-ii->i", lambda m, a: m.einsum("ii->i", a), [(3, 3)], [CN()], kind="complex",
          order=3)
add_cells("einsum-ij,j,k->ik", lambda m, a, b, c: m.einsum("ij,j,k->ik", a, b, c),
          [(2, 3), (3,), (2,)], [N()] * 3, order=3)
add_cells("einsum-ij,j,k->ik", lambda m, a, b, c: m.einsum("ij,j,k->ik", a, b, c),
          [(2, 3), (3,), (2,)], [CN()] * 3, kind="complex", order=3)

# ---- sorting, selection, differences ---------------------------------------------------------

for (_label, _fn), _specs in [
    (call("sort"), [(4,), (2, 3)]),
    (call("sort", axis=0), [(3, 2)]),
    (call("sort", axis=None), [(2, 3)]),
    # NumPy leaves the order on either side of kth unspecified: sort the result
    (("partition-2-sorted", lambda m, x: m.sort(m.partition(x, 2))), [(5,)]),
    (("partition-1-axis=0-sorted", lambda m, x: m.sort(m.partition(x, 1, axis=0), axis=0)),
     [(3, 2)]),
    (("partition-kth", lambda m, x: m.partition(x, 3)[..., 3]), [(2, 5)]),
]:
    for _spec in _specs:
        add_cells(_label, _fn, [_spec], [N()], ok=_distinct)
        add_cells(_label, _fn, [_spec], [CN()], kind="complex",
                  ok=lambda z: _distinct(z.real))

for (_label, _fn), _specs in [
    (call("diff"), [(4,), (2, 3)]),
    (call("diff", n=2, axis=0), [(4, 2)]),
    (call("diff", axis=0, prepend=0.5), [(3, 2)]),
]:
    for _spec in _specs:
        add_cells(_label, _fn, [_spec], [N()])
        add_cells(_label, _fn, [_spec], [CN()], kind="complex")
add_cells("diff-append", lambda m, x, y: m.diff(x, append=y), [(2, 3), (2, 1)], [N(), N()])
add_cells("diff-append", lambda m, x, y: m.diff(x, append=y), [(2, 3), (2, 1)],
          [CN(), CN()], kind="complex")

_MASK = np.array([[True, False, True], [False, True, True]])
for _shapes in ([(2, 3), (2, 3)], [(2, 3), (3,)], [(), (2, 3)]):
    add_cells("where-mask", lambda m, x, y: m.where(_MASK, x, y), _shapes, [N(), N()])
    add_cells("where-mask", lambda m, x, y: m.where(_MASK, x, y), _shapes, [CN(), CN()],
              kind="complex")
add_cells("where-mask", lambda m, x, y: m.where(_MASK, x, y), [(2, 3), (3,)], [CN(), N()],
          kind="mixed")
add_cells("where-x>0", lambda m, x, y: m.where(x > 0, x, y), [(2, 3), (3,)], [A(0.1, 2.0), N()])
add_cells("where-scalar", lambda m, x: m.where(x > 0, x, 0.0), [(2, 3)], [A(0.1, 2.0)])

for _bounds in ((-0.5, 0.5), (None, 0.3), (-0.2, None)):
    _label, _fn = call("clip", *_bounds)
    for _s in ((), (2, 3)):
        add_cells(_label, _fn, [_s], [N()],
                  ok=lambda x, _b=_bounds: all(b is None or np.all(np.abs(x - b) > 0.02)
                                               for b in _b))
add_cells("clip-traced-bounds", lambda m, x, lo, hi: m.clip(x, lo, hi), [(2, 3), (3,), ()],
          [N(), U(-1.0, -0.3), U(0.3, 1.0)],
          ok=lambda x, lo, hi: np.all(np.abs(x - lo) > 0.02) & np.all(np.abs(x - hi) > 0.02))


def _specials(dom, values):
    """A domain with NaN and infinities planted at the first places."""

    def draw(rng, s):
        x = dom(rng, s)
        x.ravel()[:3] = values
        return x

    return draw


_REAL_SPECIALS = [np.nan, np.inf, -np.inf]
_COMPLEX_SPECIALS = [complex(np.nan, 0.5), complex(0.3, np.inf), complex(-np.inf, np.nan)]
for (_label, _fn) in (call("nan_to_num"), call("nan_to_num", nan=-1.0, posinf=9.0, neginf=-9.0)):
    # the default replacements (±finfo.max) overflow the central differences: values only
    _grads = "posinf" in _label
    for _s in ((3,), (2, 3)):
        add_cells(_label + "-specials", _fn, [_s], [_specials(N(), _REAL_SPECIALS)],
                  grads=_grads)
        add_cells(_label + "-specials", _fn, [_s], [_specials(CN(), _COMPLEX_SPECIALS)],
                  kind="complex", grads=_grads)
        add_cells(_label, _fn, [_s], [N()])
        add_cells(_label, _fn, [_s], [CN()], kind="complex")

# ---- functional index updates and indexing ---------------------------------------------------


def update(index, how):
    """``x.at[index].<how>(v)``; NumPy: assignment, ``np.add.at``, ``np.multiply.at``."""

    def fn(m, x, v):
        if m is np:
            y = x.copy()
            if how == "set":
                y[index] = v
            else:
                getattr(np, how).at(y, index, v)
            return y
        at = x.at if isinstance(x, sg.Tensor) else At(x)
        return getattr(at[index], how)(v)

    return fn


_IDX_MASK = np.array([True, False, True, True])
UPDATES = [
    ("[1,3]", [1, 3], (2, 3)), ("[0,0,2]", [0, 0, 2], (3, 3)), ("[:,1]", (slice(None), 1), (4,)),
    ("[mask]", _IDX_MASK, ()), ("[-1,::2]", (-1, slice(None, None, 2)), (2,)),
]
for _how in ("set", "add", "multiply"):
    for _ilabel, _index, _vshape in UPDATES:
        _dom = A(0.5, 1.5)
        add_cells(f"at{_ilabel}.{_how}", update(_index, _how), [(4, 3), _vshape], [_dom, _dom])
        add_cells(f"at{_ilabel}.{_how}", update(_index, _how), [(4, 3), _vshape], [CN(), CN()],
                  kind="complex")
add_cells("at[1,3].set", update([1, 3], "set"), [(4, 3), (2, 3)], [CN(), N()], kind="mixed")
add_cells("at[0,0,2].get", lambda m, x: (x[[0, 0, 2]] if m is np else At(x)[[0, 0, 2]].get()),
          [(4, 3)], [N()])

_GET_MASK = np.array([[True, False, True, False], [False, False, True, True],
                      [True, True, False, False]])
INDEXING = [
    ("x[[0,0]]", lambda m, x: x[[0, 0]]),
    ("x[mask]", lambda m, x: x[_GET_MASK]),
    ("x[1:,::-1]", lambda m, x: x[1:, ::-1]),
    ("x[None,...,0]", lambda m, x: x[None, ..., 0]),
    ("x[[0,2],[1,1]]", lambda m, x: x[[0, 2], [1, 1]]),
    ("x[-1]", lambda m, x: x[-1]),
    ("x[...,1:3]", lambda m, x: x[..., 1:3]),
]
for _label, _fn in INDEXING:
    add_cells(_label, _fn, [(3, 4)], [N()])
    add_cells(_label, _fn, [(3, 4)], [CN()], kind="complex")

# ---- Tensor methods --------------------------------------------------------------------------

METHODS = [
    ("x.T", lambda m, x: x.T, [(2, 3), (3,)]),
    ("x.real", lambda m, x: x.real, [(2, 3)]),
    ("x.imag", lambda m, x: x.imag, [(2, 3)]),
    ("x.conj()", lambda m, x: x.conj(), [(2, 3)]),
    ("x.sum()", lambda m, x: x.sum(), [(2, 3)]),
    ("x.sum(axis=0,keepdims)", lambda m, x: x.sum(axis=0, keepdims=True), [(2, 3)]),
    ("x.mean(-1)", lambda m, x: x.mean(-1), [(2, 3)]),
    ("x.reshape(3,2)", lambda m, x: x.reshape(3, 2), [(2, 3)]),
    ("x.reshape((-1,))", lambda m, x: x.reshape((-1,)), [(2, 3)]),
    ("x.ravel()", lambda m, x: x.ravel(), [(2, 3)]),
    ("x.flatten()", lambda m, x: x.flatten(), [(2, 3)]),
    ("x.squeeze()", lambda m, x: x.squeeze(), [(1, 3, 1)]),
    ("x.squeeze(0)", lambda m, x: x.squeeze(0), [(1, 3, 1)]),
    ("x.conjugate()", lambda m, x: x.conjugate(), [(3,)]),
    ("x.prod(axis=1)", lambda m, x: x.prod(axis=1), [(2, 3)]),
    ("x.transpose(1,0)", lambda m, x: x.transpose(1, 0), [(2, 3)]),
    ("x.swapaxes(0,1)", lambda m, x: x.swapaxes(0, 1), [(2, 3)]),
    ("x.dot(x.T)", lambda m, x: x.dot(x.T), [(2, 3)]),
    ("abs(x)", lambda m, x: abs(x), [(2, 3)]),
    ("-x*x/(x+2)**2", lambda m, x: -x * x / (x + 2) ** 2, [(2, 3)]),
]
for _label, _fn, _shapes in METHODS:
    for _s in _shapes:
        add_cells(_label, _fn, [_s], [N()])
        add_cells(_label, _fn, [_s], [CN()], kind="complex")
# astype: real -> complex (NumPy's dtype), complex -> real (the real part)
add_cells("x.astype(complex128)", lambda m, x: x.astype(np.complex128), [(2, 3)], [N()])
add_cells("x.astype(float64)", lambda m, x: x.astype(np.float64), [(2, 3)], [CN()],
          kind="complex")
add_cells("x.astype(float64)", lambda m, x: x.astype(np.float64), [(2, 3)], [N()])
add_cells("x.astype(complex128)", lambda m, x: x.astype(np.complex128), [(2, 3)], [CN()],
          kind="complex")
# float64 -> float32 rounds: values and dtypes only (central differences see the rounding)
add_cells("x.astype(float32)", lambda m, x: x.astype(np.float32), [(2, 3)], [N()], grads=False)

# ---- known core bugs: (test, regex on the cell id, reason) -----------------------------------

KNOWN: list[tuple[str, str, str]] = []

# ---- cells that warn as NumPy does: (regex on the cell id, messages of RuntimeWarnings) ----

# var and std of one element with ddof=1 divide by n − ddof = 0: NaN, with NumPy's warnings
# (NumPy's value warns; semigrad's value and its cotangents warn as NumPy's arithmetic does).
NUMPY_WARNS: list[tuple[str, tuple[str, ...]]] = [
    (r"(var|std)-\(\)-.*ddof=1.*",
     ("Degrees of freedom <= 0", "invalid value encountered", "divide by zero encountered")),
]


def _params(test, cells):
    out = []
    for c in cells:
        marks = [pytest.mark.xfail(strict=True, reason=reason)
                 for t, pattern, reason in KNOWN if t == test and re.fullmatch(pattern, c.id)]
        quiet = [pytest.mark.filterwarnings(f"ignore:{message}:RuntimeWarning")
                 for pattern, messages in NUMPY_WARNS if re.fullmatch(pattern, c.id)
                 for message in messages]
        out.append(pytest.param(c, id=c.id, marks=marks[:1] + quiet))
    return out


def _ids_unique():
    for group in CELLS.values():
        ids = [c.id for c in group]
        dup = {i for i in ids if ids.count(i) > 1}
        assert not dup, f"duplicate cell ids: {sorted(dup)}"


_ids_unique()

# ---- the checks -------------------------------------------------------------------------------


def _leaves(out):
    if isinstance(out, list | tuple):
        return [leaf for o in out for leaf in _leaves(o)]
    return [out]


def _dtype(x):
    if isinstance(x, sg.Tensor):
        return x.dtype
    assert hasattr(x, "dtype"), f"{type(x).__name__} {x!r} is not a NumPy value"
    return x.dtype


def _plain(x):
    return np.asarray(x.value if isinstance(x, sg.Tensor) else x)


def _tol(args):
    return max(TOL[np.dtype(a.dtype).type] for a in args)


@pytest.mark.parametrize("cell", _params("value", CELLS["high"] + CELLS["low"] + CELLS["int"]))
def test_value(cell):
    want = _leaves(cell.fn(np, *cell.args))
    tol = _tol(cell.args)
    inputs_list = [cell.args, tuple(sg.tensor(a) for a in cell.args)]
    if all(a.dtype.kind in "fc" for a in cell.args):
        inputs_list.append(tuple(sg.tensor(a, requires_grad=True) for a in cell.args))
    for inputs in inputs_list:
        got = _leaves(cell.fn(snp, *inputs))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            w = np.asarray(w)
            assert (_dtype(g), np.shape(_plain(g))) == (w.dtype, w.shape)
            np.testing.assert_allclose(_plain(g), w, rtol=tol, atol=tol)


@pytest.mark.parametrize("cell", _params("grads", [c for c in CELLS["high"] if c.grads]))
def test_grads(cell):
    def f(*xs):
        return cell.fn(snp, *xs)

    f.__name__ = cell.id
    sg.check_grads(f, cell.args, modes=("rev", "fwd"), order=cell.order)


def _seed(out):
    """A cotangent or tangent of ``out``'s structure, shapes and dtypes."""
    if isinstance(out, list | tuple):
        return type(out)(_seed(o) for o in out)
    v = _plain(out)
    s = np.full(v.shape, 1.0 + 0.5j if v.dtype.kind == "c" else 1.0)
    return s.astype(_dtype(out))


@pytest.mark.parametrize("cell", _params("dtypes", CELLS["low"]))
def test_dtypes(cell):
    want = [np.asarray(w).dtype for w in _leaves(cell.fn(np, *cell.args))]

    def f(*xs):
        return cell.fn(snp, *xs)

    out, vjp_fn = sg.vjp(f, *cell.args)
    assert [_dtype(o) for o in _leaves(out)] == want, "value"
    cotangents = vjp_fn(_seed(out))
    assert [_dtype(c) for c in cotangents] == [a.dtype for a in cell.args], "vjp cotangent"
    _, tangent = sg.jvp(f, cell.args, tuple(_seed(a) for a in cell.args))
    assert [_dtype(t) for t in _leaves(tangent)] == want, "jvp tangent"


def test_grid_covers_the_function_list():
    names = {c.id.split("-")[0] for c in CELLS["high"]}
    listed = {n for n, *_ in UNARY} | {n for n, *_ in BINARY} | {n for n, *_ in REDUCTIONS}
    listed |= {"cumsum", "cumprod", "average", "sort", "partition", "where", "clip", "diff",
               "nan_to_num"}
    listed |= {label.split("-")[0] for (label, _), _ in SHAPE_OPS + PRODUCTS}
    assert listed <= names
    assert len(CELLS["high"]) > 500
