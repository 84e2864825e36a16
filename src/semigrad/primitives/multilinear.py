"""The multilinear primitive: einsum, which also carries matmul, dot and tensordot.

A contraction is declared by its explicit equation (``"ij,jk->ik"``). The
reverse rule for operand i contracts the cotangent with the other operands;
the forward rule sums one contraction per tangent. Batch axes on cotangents
and tangents get fresh letters. Two-operand contractions run as one batched
matrix product (BLAS) after transposes and reshapes; longer ones go through
``np.einsum`` with path optimisation.
"""

from __future__ import annotations

import string
from functools import lru_cache

import numpy as np

from .. import backend as _backend
from .base import Multilinear, ndim_of, shape_of


@lru_cache(maxsize=4096)
def parse_equation(eq: str) -> tuple[tuple[str, ...], str]:
    lhs, out = eq.split("->")
    return tuple(lhs.split(",")), out


@lru_cache(maxsize=4096)
def _plan(a_sub, b_sub, out_sub, a_shape, b_shape):
    """How to run a two-operand contraction as one batched matmul (None: can't)."""
    if len(set(a_sub)) < len(a_sub) or len(set(b_sub)) < len(b_sub):
        return None
    size = {}
    for sub, shape in ((a_sub, a_shape), (b_sub, b_shape)):
        for c, d in zip(sub, shape):
            if size.setdefault(c, d) != d:
                return None
    a_sum = tuple(k for k, c in enumerate(a_sub) if c not in b_sub and c not in out_sub)
    b_sum = tuple(k for k, c in enumerate(b_sub) if c not in a_sub and c not in out_sub)
    a_rest = [c for c in a_sub if c in b_sub or c in out_sub]
    b_rest = [c for c in b_sub if c in a_sub or c in out_sub]
    batch = [c for c in out_sub if c in a_sub and c in b_sub]
    left = [c for c in out_sub if c in a_sub and c not in b_sub]
    right = [c for c in out_sub if c in b_sub and c not in a_sub]
    contracted = [c for c in a_rest if c in b_rest and c not in out_sub]
    a_perm = tuple(a_rest.index(c) for c in batch + left + contracted)
    b_perm = tuple(b_rest.index(c) for c in batch + contracted + right)

    def n(cs):
        return int(np.prod([size[c] for c in cs], dtype=np.int64))

    mid = batch + left + right
    return (
        a_sum,
        b_sum,
        a_perm,
        b_perm,
        (n(batch), n(left), n(contracted)),
        (n(batch), n(contracted), n(right)),
        tuple(size[c] for c in mid),
        tuple(mid.index(c) for c in out_sub),
        bool(batch),
    )


def _ordered_plan(a_sub, b_sub, out_sub, a_shape, b_shape):
    """A plan and whether to swap the operands, preferring an output needing no transpose.

    A transposed (non-contiguous) result would make every later elementwise
    operation on it, such as a parameter update, run strided and slower.
    """
    plan = _plan(a_sub, b_sub, out_sub, a_shape, b_shape)
    if plan is not None and plan[7] != tuple(range(len(plan[7]))):
        swapped = _plan(b_sub, a_sub, out_sub, b_shape, a_shape)
        if swapped is not None and swapped[7] == tuple(range(len(swapped[7]))):
            return swapped, True
    return plan, False


def _array(x):
    """An operand as an array: NumPy's, or another library's kept in it."""
    return x if type(x) is np.ndarray or isinstance(x, _backend.Array) else np.asarray(x)


def _arranged(shape, summed, perm):
    """An operand's shape once ``summed`` axes are summed away and the rest permuted."""
    kept = [d for k, d in enumerate(shape) if k not in summed]
    return tuple(kept) if perm is None else tuple(kept[k] for k in perm)


@lru_cache(maxsize=4096)
def planned(eq: str, a_shape: tuple, b_shape: tuple):
    """The two-operand contraction ``eq`` on NumPy arrays of these shapes, planned once: a
    function of the two arrays running one batched matrix product (BLAS) between transposes
    and reshapes, or a broadcast product when nothing is contracted (as BLAS rounds it,
    without a matrix product's setup); None where no such plan exists. Compiled programs
    call it directly (``einsum.specialize``)."""
    ins, out = parse_equation(eq)
    plan, swap = _ordered_plan(ins[0], ins[1], out, a_shape, b_shape)
    if plan is None:
        return None
    a_sum, b_sum, a_perm, b_perm, a3, b3, mid_shape, out_perm, batched = plan
    if not batched:
        a3, b3 = a3[1:], b3[1:]
    product = np.multiply if a3[-1] == 1 else np.matmul
    a_perm = None if a_perm == tuple(range(len(a_perm))) else a_perm
    b_perm = None if b_perm == tuple(range(len(b_perm))) else b_perm
    out_perm = None if out_perm == tuple(range(len(out_perm))) else out_perm
    scalar = not mid_shape
    if (not swap and not a_sum and not b_sum and a_perm is None and b_perm is None
            and out_perm is None and product is np.matmul and not batched):
        # a matrix product, or a matrix and a vector, that NumPy's matmul takes as it is
        # (the same BLAS call as on the reshaped operands: gemm, or gemv for a vector)
        if (a_shape == a3 and b_shape == b3 and mid_shape == (a3[0], b3[1])
                or len(a_shape) == 2 and a_shape == a3 and b_shape == b3[:1] and b3[1] == 1
                and mid_shape == a3[:1]
                or len(b_shape) == 2 and b_shape == b3 and a_shape == a3[1:] and a3[0] == 1
                and mid_shape == b3[1:]):
            return np.matmul

    # the reshapes that change a shape (the others cost a call each and do nothing)
    a_in, b_in = (b_shape, a_shape) if swap else (a_shape, b_shape)
    a_to = None if _arranged(a_in, a_sum, a_perm) == a3 else a3
    b_to = None if _arranged(b_in, b_sum, b_perm) == b3 else b3
    natural = (np.broadcast_shapes(a3, b3) if product is np.multiply
               else np.broadcast_shapes(a3[:-2], b3[:-2]) + (a3[-2], b3[-1]))
    c_to = None if natural == mid_shape else mid_shape

    def run(a, b):
        if swap:
            a, b = b, a
        if a_sum:
            a = a.sum(axis=a_sum)
        if b_sum:
            b = b.sum(axis=b_sum)
        if a_perm is not None:
            a = a.transpose(a_perm)
        if b_perm is not None:
            b = b.transpose(b_perm)
        c = product(a if a_to is None else a.reshape(a_to), b if b_to is None else b.reshape(b_to))
        if c_to is not None:
            c = c.reshape(c_to)
        if out_perm is not None:
            c = c.transpose(out_perm)
        return c[()] if scalar else c

    return run


def contract(eq: str, *operands):
    """Evaluate an explicit einsum equation on arrays (BLAS for two operands)."""
    if any(isinstance(o, _backend.Array) for o in operands):
        # another library's arrays: its own einsum (Dask's is blockwise, chunk by chunk)
        return np.einsum(eq, *operands)
    if len(operands) == 2:
        a, b = _array(operands[0]), _array(operands[1])
        run = planned(eq, a.shape, b.shape)
        if run is not None:
            return run(a, b)
    out = np.einsum(eq, *operands, optimize=len(operands) > 2)
    return out[()] if isinstance(out, np.ndarray) else out  # object operands give objects


def _specialize(params, *operands):
    """For compiled programs: ``planned`` for two NumPy arrays (None otherwise)."""
    if len(operands) != 2 or not all(type(o) is np.ndarray for o in operands):
        return None
    return planned(params["eq"], operands[0].shape, operands[1].shape)


einsum = Multilinear(
    "einsum",
    lambda *operands, eq: contract(eq, *operands),
    doc="A contraction given by an explicit einsum equation ``eq``.",
)
einsum.specialize = _specialize


def _fresh(eq: str, n: int) -> str:
    free = [c for c in string.ascii_letters if c not in eq]
    if n > len(free):
        raise ValueError(f"einsum: {eq!r} leaves too few free letters for {n} batch axes")
    return "".join(free[:n])


@lru_cache(maxsize=4096)
def _vjp_equations(eq, i, nbatch):
    """For operand i: (the contraction giving its cotangent, the letters it keeps)."""
    ins, out = parse_equation(eq)
    batch = _fresh(eq, nbatch)
    others = [s for j, s in enumerate(ins) if j != i]
    avail = set(out).union(*others)
    kept = "".join(c for c in dict.fromkeys(ins[i]) if c in avail)
    return ",".join([batch + out, *others]) + "->" + batch + kept, batch, kept, avail


def einsum_vjp(eq, i, g, xs):
    """Cotangent of operand ``i``: the cotangent contracted with the other operands."""
    ins, out = parse_equation(eq)
    eq1, batch, kept, avail = _vjp_equations(eq, i, ndim_of(g) - len(out))
    r = einsum(g, *(x for j, x in enumerate(xs) if j != i), eq=eq1)
    target = ins[i]
    if kept == target:
        return r
    # Letters of the target that nowhere else appears are broadcast (ones);
    # a repeated letter is a diagonal (identity matrices). One more einsum.
    dtype = np.result_type(*(getattr(x, "dtype", np.float64) for x in xs))
    size = dict(zip(target, shape_of(xs[i])))
    spare = iter(_fresh(eq + batch, len(target)))
    renamed, seen, extra_subs, extra_ops = [], set(), [], []
    for c in target:
        if c in seen:
            d = next(spare)
            extra_subs.append(c + d)
            extra_ops.append(np.eye(size[c], dtype=dtype))
            renamed.append(d)
            continue
        seen.add(c)
        renamed.append(c)
        if c not in avail:
            extra_subs.append(c)
            extra_ops.append(np.ones(size[c], dtype=dtype))
    eq2 = ",".join([batch + kept, *extra_subs]) + "->" + batch + "".join(renamed)
    return einsum(r, *extra_ops, eq=eq2)


def einsum_jvp(eq, ts, xs):
    """Tangent of the output: one contraction per operand with a tangent."""
    ins, out = parse_equation(eq)
    acc = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        batch = _fresh(eq, ndim_of(t) - ndim_of(xs[i]))
        subs = [batch + s if j == i else s for j, s in enumerate(ins)]
        ops = [t if j == i else x for j, x in enumerate(xs)]
        term = einsum(*ops, eq=",".join(subs) + "->" + batch + out)
        acc = term if acc is None else acc + term
    return acc


def einsum_scalar_edges(eq, i, xs):
    """One scalar edge per product term: operand i's element → output element,
    weighted by the product of the other operands' elements in that term."""
    ins, out = parse_equation(eq)
    letters = "".join(dict.fromkeys("".join(ins)))
    size = {}
    for sub, x in zip(ins, xs):
        size.update(zip(sub, shape_of(x)))
    grid = np.indices([size[c] for c in letters]).reshape(len(letters), -1)
    at = dict(zip(letters, grid))

    def flat(sub, shape):
        return (np.ravel_multi_index([at[c] for c in sub], shape)
                if sub else np.zeros(grid.shape[1], dtype=np.int64))

    src = flat(ins[i], shape_of(xs[i]))
    dst = flat(out, tuple(size[c] for c in out))
    w = np.ones(grid.shape[1])
    for j, (sub, x) in enumerate(zip(ins, xs)):
        if j != i:
            w = w * np.asarray(x, dtype=np.float64).reshape(-1)[flat(sub, shape_of(x))]
    return src, dst, w


# ---- the semiring einsum: the multilinear kind's semiring rule ------------------
# Generic over the semiring's operations (times, reduce, plus, zeros, lift, contract):
# nothing here imports the algebras.

#: Elements of the largest intermediate array in a blocked semiring einsum.
BLOCK_ELEMENTS = 1 << 22


def _size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _arrange(a, sub: str, letters: str, size: dict):
    """A semiring operand (C, *sub axes) laid out on the grid of ``letters``."""
    sub = list(sub)
    while len(set(sub)) < len(sub):  # a repeated letter: take the diagonal
        c = next(c for c in sub if sub.count(c) > 1)
        j, k = [n for n, d in enumerate(sub) if d == c][:2]
        a = np.diagonal(a, axis1=j + 1, axis2=k + 1)
        sub = [d for n, d in enumerate(sub) if n not in (j, k)] + [c]
    perm = [0] + [1 + sub.index(c) for c in letters if c in sub]
    a = a.transpose(perm)
    return a.reshape((a.shape[0], *(size[c] if c in sub else 1 for c in letters)))


def semiring_contract(S, eq: str, operands):
    """⊕ over the summed letters of the ⊗ of semiring operands (C, *shape), blocked."""
    fast = S.contract(eq, operands)
    if fast is not None:
        return fast
    ins, out = parse_equation(eq)
    # Output letters first and summed letters last, so that ⊕ reduces contiguous axes.
    letters = out + "".join(c for c in dict.fromkeys("".join(ins)) if c not in out)
    size = {}
    for sub, a in zip(ins, operands):
        size.update(zip(sub, a.shape[1:]))
    grid = [_arrange(a, sub, letters, size) for sub, a in zip(ins, operands)]
    summed = tuple(k for k, c in enumerate(letters) if c not in out)
    total = S.components * _size([size[c] for c in letters])
    block_axis = max(summed, key=lambda k: size[letters[k]], default=None)
    if block_axis is None or total <= BLOCK_ELEMENTS:
        chunks = [slice(None)]
    else:
        step = max(1, size[letters[block_axis]] * BLOCK_ELEMENTS // total)
        chunks = [slice(s, s + step) for s in range(0, size[letters[block_axis]], step)]
    acc = None
    for chunk in chunks:
        parts = grid
        if block_axis is not None and chunk != slice(None):
            index = (slice(None),) * (block_axis + 1) + (chunk,)
            parts = [p[index] if p.shape[block_axis + 1] > 1 else p for p in grid]
        value = parts[0]
        for p in parts[1:]:
            value = S.times(value, p)
        # Every letter occurs in some operand, so ``value`` spans the whole grid.
        value = S.reduce(value, summed)
        acc = value if acc is None else S.plus(acc, value)
    kept = [c for c in letters if c in out]
    return acc.transpose([0] + [1 + kept.index(c) for c in out])


def semiring_einsum_vjp(S, eq: str, i: int, g, xs):
    """The semiring cotangent of operand ``i`` of a contraction."""
    ins, out = parse_equation(eq)
    eq1, _, kept, avail = _vjp_equations(eq, i, 0)
    others = [S.lift(np.asarray(x)) for j, x in enumerate(xs) if j != i]
    r = semiring_contract(S, eq1, [g, *others])
    target = ins[i]
    if kept == target:
        return r
    shape = np.shape(xs[i])
    size = dict(zip(target, shape))
    if len(set(target)) == len(target):  # only broadcast letters: copies
        placed = r.reshape((S.components, *(size[c] if c in kept else 1 for c in target)))
        return np.broadcast_to(placed, (S.components, *shape)).copy()
    # A repeated letter: values on the diagonal, 0̄ elsewhere.
    z = S.zeros(shape)
    idx = np.indices(shape).reshape(len(shape), -1)
    first = {c: target.index(c) for c in target}
    on_diag = np.all([idx[k] == idx[first[c]] for k, c in enumerate(target)], axis=0)
    src = tuple(idx[first[c]][on_diag] for c in kept)
    flat_z = z.reshape(S.components, -1)
    cols = np.flatnonzero(on_diag)
    values = r[(slice(None), *src)] if kept else r[:, None]  # no kept letter: one value
    flat_z[:, cols] = np.broadcast_to(values, (S.components, cols.size))
    return z


def semiring_einsum_pointers(S, eq: str, i: int, g, lengths, xs):
    """:meth:`~semigrad.primitives.base.Primitive.semiring_pointers` of operand ``i`` of a
    two-operand contraction, through ``S.contract_pointers``; None where that does not apply.

    The backpointer is the flat index over the letters operand i lacks; with operand
    i's element it gives every letter's value, hence the scalar edge: its term (the
    flat index over the grid of all letters, as :func:`einsum_scalar_edges` numbers
    them), its output element and its partial (the other operand's element).
    """
    ins, out = parse_equation(eq)
    if len(ins) != 2:
        return None
    eq1, _, kept, _ = _vjp_equations(eq, i, 0)
    if kept != ins[i]:  # broadcast or diagonal letters: through the scalar edges
        return None
    letters = "".join(dict.fromkeys("".join(ins)))
    summed = "".join(c for c in letters if c not in kept)
    other = np.asarray(xs[1 - i], dtype=np.float64)
    found = S.contract_pointers(eq1, [g, S.lift(other)], summed, lengths)
    if found is None:
        return None
    size = {}
    for sub, x in zip(ins, xs):
        size.update(zip(sub, shape_of(x)))

    def hop(element, where):
        at = dict(zip(kept, np.unravel_index(element, shape_of(xs[i]))))
        at.update(zip(summed, np.unravel_index(where, tuple(size[c] for c in summed))))

        def flat(sub):
            return int(np.ravel_multi_index([int(at[c]) for c in sub],
                                            tuple(size[c] for c in sub))) if sub else 0

        return flat(out), flat(letters), float(other.reshape(-1)[flat(ins[1 - i])])

    return (*found, hop)
