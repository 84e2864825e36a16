"""Semirings: the algebras in which the backward sweep can run.

A semiring (K, ⊕, ⊗, 0̄, 1̄) plus a *lift* of real local partials into K.
Running the backward sweep with ⊕ for + and ⊗ for × computes, for every input
element, the ⊕ over all paths to the output of the ⊗ of the lifted edge
weights (Bauer's formula, generalised; Du et al. 2023, Huang 2008).

Values are NumPy arrays with a leading *component* axis of length
``components`` (1 for most semirings; 2 for Entropy's pair; k for KMax), so
that shape operations act on the trailing axes uniformly. ``result`` turns
an internal value into what users see (dropping the component axis where
there is one component, exponentiating log-space values, ...).

A user-defined semiring subclasses :class:`Semiring` and sets ``zero``,
``one``, ``plus``, ``times``, ``reduce`` (⊕ over axes) and ``lift``; see
docs/semirings.md for an example. ``contract`` may give a fast contraction
(BLAS for the sum-product semirings; for the selective MaxProduct, MaxPlus
and KMax, the kernels of :mod:`.kernels`, which never form the product
tensor). Backpointers, for reading top paths back: :class:`KMax` also
gives ``best_at`` (the k best candidates per position, and which edge and
rank each came from) and ``contract_pointers`` (a contraction with them),
which the kinds' ``semiring_pointers`` rules and
:func:`~semigrad.semiring.sweep.sweep_pointers` use; top-1 is KMax(1).
"""

from __future__ import annotations

import numpy as np

from ..primitives.multilinear import contract as _contract
from ..primitives.multilinear import parse_equation
from . import kernels


class Semiring:
    """Base class: (⊕, ⊗, 0̄, 1̄), a lift of real partials, and array helpers.

    Subclasses define ``zero``/``one`` (scalars, per component), ``plus``,
    ``times``, ``reduce(a, axes)`` (⊕ over element axes, the component axis
    being axis 0) and ``lift(w)`` (real weights → values with the component
    axis in front).
    """

    name = "semiring"
    components = 1
    dtype = np.float64
    zero: float | tuple = 0.0
    one: float | tuple = 1.0
    #: Selective semirings (⊕ picks one operand) support top paths.
    selective = False
    @property
    def reverse_rules(self) -> bool:
        """Whether ⊕, ⊗ and lift are Real's (the engine's +, × and partials), so that a sweep
        may run the primitives' own reverse rules, which also hold on complex graphs."""
        cls = type(self)
        return all(getattr(cls, op) is getattr(Real, op)
                   for op in ("plus", "times", "reduce", "lift"))

    def __repr__(self):
        return f"{type(self).__name__}()"

    # -- elements ---------------------------------------------------------
    def _fill(self, shape, value):
        values = value if isinstance(value, tuple) else (value,) * self.components
        out = np.empty((self.components, *shape), dtype=self.dtype)
        for c, v in enumerate(values):
            out[c] = v
        return out

    def zeros(self, shape) -> np.ndarray:
        return self._fill(tuple(shape), self.zero)

    def ones(self, shape) -> np.ndarray:
        return self._fill(tuple(shape), self.one)

    # -- the algebra --------------------------------------------------------
    def plus(self, a, b):
        raise TypeError(f"semiring {type(self).__name__} must define plus (⊕)")

    def times(self, a, b):
        raise TypeError(f"semiring {type(self).__name__} must define times (⊗)")

    def reduce(self, a, axes: tuple):
        """⊕ over the element ``axes`` (axis numbers counted without the component axis)."""
        raise TypeError(f"semiring {type(self).__name__} must define reduce (⊕ over axes)")

    def lift(self, w) -> np.ndarray:
        raise TypeError(f"semiring {type(self).__name__} must define lift")

    def plus_at(self, z, idx, g):
        """z[:, idx] ⊕= g along the flat element axis, repeated indices accumulating."""
        idx = np.asarray(idx)
        order = np.argsort(idx, kind="stable")
        idx, g = idx[order], g[:, order]
        first = np.ones(idx.size, dtype=bool)
        first[1:] = idx[1:] != idx[:-1]
        rank = np.arange(idx.size) - np.maximum.accumulate(np.where(first, np.arange(idx.size), 0))
        for r in range(int(rank.max(initial=-1)) + 1):
            sel = rank == r
            z[:, idx[sel]] = self.plus(z[:, idx[sel]], g[:, sel])
        return z

    def result(self, value):
        """The user-facing value: the component axis dropped when there is one."""
        return value[0] if self.components == 1 else value

    def contract(self, eq: str, operands):
        """A fast contraction (e.g. through BLAS), or None for the generic blocked one."""
        return None


class Real(Semiring):
    """(+, ×, 0, 1), lift(w) = w: the sweep computes the ordinary gradient."""

    name = "real"

    def contract(self, eq, operands):
        if any(a.dtype == object for a in operands):
            return None
        return np.asarray(_contract(eq, *(a[0] for a in operands)))[None]

    def plus(self, a, b):
        return a + b

    def times(self, a, b):
        return a * b

    def reduce(self, a, axes):
        return a.sum(axis=tuple(x + 1 for x in axes))

    def lift(self, w):
        return np.asarray(w, dtype=np.float64)[None]

    def plus_at(self, z, idx, g):
        np.add.at(z, (slice(None), idx), g)
        return z


class AbsSum(Real):
    """(+, ×, 0, 1), lift(w) = |w|: Z, the total absolute weight of all paths."""

    name = "abs_sum"

    def lift(self, w):
        return np.abs(np.asarray(w, dtype=np.float64))[None]


class Counting(Real):
    """(+, ×, 0, 1), lift = 1 per edge of the pattern: the number of paths.

    Exact: counts are float64 while they fit in 53 bits; the sweep is re-run
    with Python integers (``dtype=object``) when they do not.
    """

    name = "counting"

    def __init__(self, exact_integers: bool = False):
        self.exact_integers = exact_integers
        self.dtype = object if exact_integers else np.float64

    def _fill(self, shape, value):
        if self.dtype is object:
            out = np.empty((1, *shape), dtype=object)
            out.fill(int(value))
            return out
        return super()._fill(shape, value)

    def lift(self, w):
        shape = np.shape(w)
        return self.ones(shape)


class Log(Semiring):
    """(logaddexp, +, −inf, 0), lift(w) = log|w|: log Z without overflow in deep graphs."""

    name = "log"
    zero, one = -np.inf, 0.0

    def plus(self, a, b):
        return np.logaddexp(a, b)

    def times(self, a, b):
        return a + b

    def reduce(self, a, axes):
        axes = tuple(x + 1 for x in axes)
        if not axes:
            return a
        m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        with np.errstate(divide="ignore"):
            s = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
        return np.squeeze(s, axis=axes)

    def lift(self, w):
        with np.errstate(divide="ignore"):
            return np.log(np.abs(np.asarray(w, dtype=np.float64)))[None]

    def plus_at(self, z, idx, g):
        np.logaddexp.at(z, (slice(None), idx), g)
        return z

    def contract(self, eq, operands):
        # log Σ Π exp(a) = log((Π shifted exps) contracted) + shifts, through BLAS.
        return _log_contract(eq, [a[0] for a in operands])[None]


class MaxProduct(Semiring):
    """(max, ×, 0, 1), lift(w) = |w|: the weight of the top gradient path.

    Top paths are read back element by element (``sg.paths.top``).
    """

    name = "max_product"
    selective = True

    def plus(self, a, b):
        return np.maximum(a, b)

    def times(self, a, b):
        return a * b

    def reduce(self, a, axes):
        axes = tuple(x + 1 for x in axes)
        return np.max(a, axis=axes, initial=0.0) if axes else a

    def lift(self, w):
        return np.abs(np.asarray(w, dtype=np.float64))[None]

    def plus_at(self, z, idx, g):
        np.maximum.at(z, (slice(None), idx), g)
        return z

    def contract(self, eq, operands):
        # The best product per output element, kept while looping: no product tensor.
        return _selective_contract(eq, operands, "times")


class MaxPlus(Semiring):
    """(max, +, −inf, 0), lift(w) = log|w|: log of the top path weight, without underflow."""

    name = "max_plus"
    zero, one = -np.inf, 0.0
    selective = True

    def plus(self, a, b):
        return np.maximum(a, b)

    def times(self, a, b):
        return a + b

    def reduce(self, a, axes):
        axes = tuple(x + 1 for x in axes)
        return np.max(a, axis=axes, initial=-np.inf) if axes else a

    def lift(self, w):
        with np.errstate(divide="ignore"):
            return np.log(np.abs(np.asarray(w, dtype=np.float64)))[None]

    def plus_at(self, z, idx, g):
        np.maximum.at(z, (slice(None), idx), g)
        return z

    def contract(self, eq, operands):
        return _selective_contract(eq, operands, "plus")


class MinProduct(Semiring):
    """(min, ×, inf, 1), lift(w) = |w|: the weight of the weakest path."""

    name = "min_product"
    zero, one = np.inf, 1.0
    selective = True

    def plus(self, a, b):
        return np.minimum(a, b)

    def times(self, a, b):
        # 0̄ = inf absorbs, also against a zero weight (inf · 0 would be NaN).
        with np.errstate(invalid="ignore"):
            return np.where(np.isinf(a) | np.isinf(b), np.inf, a * b)

    def reduce(self, a, axes):
        axes = tuple(x + 1 for x in axes)
        return np.min(a, axis=axes, initial=np.inf) if axes else a

    def lift(self, w):
        return np.abs(np.asarray(w, dtype=np.float64))[None]

    def plus_at(self, z, idx, g):
        np.minimum.at(z, (slice(None), idx), g)
        return z


class Boolean(Semiring):
    """(or, and, False, True), lift(w) = (w ≠ 0): whether the output depends on the element."""

    name = "boolean"
    dtype = np.bool_
    zero, one = False, True

    def plus(self, a, b):
        return a | b

    def times(self, a, b):
        return a & b

    def reduce(self, a, axes):
        axes = tuple(x + 1 for x in axes)
        return np.any(a, axis=axes) if axes else a

    def lift(self, w):
        return (np.asarray(w) != 0)[None]

    def plus_at(self, z, idx, g):
        np.logical_or.at(z, (slice(None), idx), g)
        return z

    def contract(self, eq, operands):
        # A term is true when all its factors are: count them through BLAS.
        return (np.asarray(_contract(eq, *(a[0].astype(np.float64) for a in operands))) > 0)[None]


class Entropy(Semiring):
    """The expectation semiring, in log space: Z and the entropy of p(path) ∝ |path weight|.

    The classic tuple is ⟨p, r⟩ with ⟨p₁,r₁⟩ ⊕ ⟨p₂,r₂⟩ = ⟨p₁+p₂, r₁+r₂⟩,
    ⟨p₁,r₁⟩ ⊗ ⟨p₂,r₂⟩ = ⟨p₁p₂, p₁r₂+p₂r₁⟩, 0̄ = ⟨0,0⟩, 1̄ = ⟨1,0⟩ and
    lift(w) = ⟨|w|, −|w| log|w|⟩; then H = r/Z + log Z. Stored stably as
    ⟨log Z, r/Z⟩ (log-sum-exp for ⊕, weighted means for the expectation), so
    that deep graphs neither overflow nor underflow. ``result`` gives the
    components [Z, H] (H in nats).
    """

    name = "entropy"
    components = 2
    zero, one = (-np.inf, 0.0), (0.0, 0.0)

    def plus(self, a, b):
        la, ea = a[0], a[1]
        lb, eb = b[0], b[1]
        lz = np.logaddexp(la, lb)
        with np.errstate(invalid="ignore", divide="ignore"):
            wa = np.where(np.isneginf(la), 0.0, np.exp(la - lz))
            wb = np.where(np.isneginf(lb), 0.0, np.exp(lb - lz))
        e = np.where(np.isneginf(lz), 0.0, wa * np.where(wa > 0, ea, 0.0)
                     + wb * np.where(wb > 0, eb, 0.0))
        return np.stack([lz, e])

    def times(self, a, b):
        lz = a[0] + b[0]
        e = np.where(np.isneginf(lz), 0.0, a[1] + b[1])
        return np.stack([lz, e])

    def reduce(self, a, axes):
        if not axes:
            return a
        logz, mean = a[0], a[1]
        total = Log().reduce(logz[None], axes)[0]
        with np.errstate(invalid="ignore"):
            share = np.exp(logz - np.expand_dims(total, axes))
        share = np.where(np.isneginf(logz), 0.0, share)
        expected = np.sum(share * np.where(share > 0, mean, 0.0), axis=axes)
        return np.stack([total, np.where(np.isneginf(total), 0.0, expected)])

    def lift(self, w):
        with np.errstate(divide="ignore"):
            lw = np.log(np.abs(np.asarray(w, dtype=np.float64)))
        return np.stack([lw, np.where(np.isneginf(lw), 0.0, -lw)])

    def contract(self, eq, operands):
        # In the linear domain, each operand's Z shifted by its maximum:
        # Z = Σ Π Z_k and Z·E = Σ_k (the contraction with Z_k·E_k in place k).
        shift, linear = _shifted_exps(eq, [a[0] for a in operands])
        z = np.asarray(_contract(eq, *linear))
        ze = sum(np.asarray(_contract(eq, *(p * a[1] if j == k else p
                                             for j, (p, a) in enumerate(zip(linear, operands)))))
                 for k in range(len(operands)))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.stack([np.log(z) + shift, np.where(z > 0, ze / z, 0.0)])

    def result(self, value):
        lz, e = value[0], value[1]
        return np.stack([np.exp(lz), np.where(np.isneginf(lz), 0.0, e + lz)])


class KMax(Semiring):
    """Top-k merge for ⊕, pairwise products for ⊗, lift(w) = |w|: the k best path weights.

    Kept in log space internally (k components, sorted best first, −inf for
    "no path"); ``result`` gives the k weights, best first (0 where fewer than
    k paths exist), on a leading axis of length k: for an input of shape s
    the result has shape (k, *s), ``result[j]`` the (j+1)-th best weight of
    every element.

    >>> import semigrad as sg
    >>> x = sg.tensor([1.0, 3.0], requires_grad=True)
    >>> w = sg.backprop(sg.sum(sg.exp(x) * x), x, sg.semirings.KMax(3))
    >>> w.shape                     # (k, *x.shape)
    (3, 2)
    >>> w[0].round(3).tolist()      # the best path from each element: through exp
    [2.718, 60.257]
    >>> w[2].tolist()               # each element has two paths, not three
    [0.0, 0.0]
    """

    selective = True

    def __init__(self, k: int = 2):
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"KMax: k must be a positive integer; got {k!r}")
        self.k = k
        self.components = k
        self.zero = (-np.inf,) * k
        self.one = (0.0,) + (-np.inf,) * (k - 1)
        self.name = f"kmax{k}"

    def __repr__(self):
        return f"KMax({self.k})"

    def _top(self, a):
        # a: (m, ...) candidates -> the k largest, sorted best first.
        return -np.sort(-a, axis=0)[: self.k]

    def plus(self, a, b):
        return self._top(np.concatenate([a, b]))

    def times(self, a, b):
        # A single value (a lifted partial: the other components −inf) shifts the other
        # operand's sorted values, which stay sorted: no pairs to merge.
        if np.all(np.isneginf(b[1:])):
            return a + b[:1]
        if np.all(np.isneginf(a[1:])):
            return b + a[:1]
        a, b = np.broadcast_arrays(a, b)
        pairs = a[:, None] + b[None, :]
        return self._top(pairs.reshape(self.k * self.k, *a.shape[1:]))

    def reduce(self, a, axes):
        axes = tuple(x + 1 for x in axes)
        if not axes:
            return a
        moved = np.moveaxis(a, axes, tuple(range(1, len(axes) + 1)))
        flat = moved.reshape(moved.shape[0] * int(np.prod([a.shape[x] for x in axes])),
                             *moved.shape[len(axes) + 1:])
        return self._top(flat)

    def lift(self, w):
        with np.errstate(divide="ignore"):
            lw = np.log(np.abs(np.asarray(w, dtype=np.float64)))
        out = np.full((self.k, *lw.shape), -np.inf)
        out[0] = lw
        return out

    def result(self, value):
        return np.exp(value)

    def contract(self, eq, operands):
        found = self.contract_pointers(eq, operands)
        return None if found is None else found[0]

    # -- backpointers: which candidate each of the k best values came from ------------
    # A candidate is a (scalar edge, rank of the value at the edge's output) pair; equal
    # values keep the earlier candidate, in (edge, rank) order: the tie rule of top paths.

    def best_at(self, size: int, idx, candidates, lengths=None):
        """The k best candidates per target position, and which they are.

        ``candidates`` (k, E): the values arriving along E edges (each edge's k ranks),
        ``idx`` (E,): each edge's target among ``size`` positions; ``lengths`` (k, E),
        optional: the number of hops of the path behind each candidate, a tie-break
        (shorter first). Returns ``(values, edge, rank)``, each (k, size): the k best
        values per position, best first, and the edge and the rank each came from (−1
        where fewer than k finite candidates arrive). Equal values (and lengths) keep
        the earlier (edge, rank).

        >>> import numpy as np
        >>> import semigrad as sg
        >>> S = sg.semirings.KMax(2)
        >>> candidates = np.log([[2.0, 3.0], [1.0, 0.5]])  # two edges, two ranks each
        >>> values, edge, rank = S.best_at(1, np.array([0, 0]), candidates)
        >>> np.exp(values).round(6).tolist(), edge.tolist(), rank.tolist()
        ([[3.0], [2.0]], [[1], [0]], [[0], [0]])
        """
        k = self.k
        idx = np.asarray(idx, dtype=np.int64)
        n = idx.size
        if n == size and np.array_equal(idx, np.arange(size)):  # one edge per position
            values = np.asarray(candidates, dtype=np.float64)
            edge = np.broadcast_to(np.arange(size), (k, size)).copy()
            rank = np.broadcast_to(np.arange(k)[:, None], (k, size)).copy()
        else:
            flat = np.asarray(candidates, dtype=np.float64).T.reshape(-1)  # (edge, rank)
            hops = (np.zeros(n * k, dtype=np.int64) if lengths is None
                    else np.asarray(lengths).T.reshape(-1))
            target = np.repeat(idx, k)
            order = np.lexsort((np.arange(n * k), hops, -flat, target))
            target = target[order]
            place = np.arange(n * k) - np.searchsorted(target, target)  # place in its group
            keep = place < k
            values = np.full((k, size), -np.inf)
            which = np.full((k, size), -1, dtype=np.int64)
            values[place[keep], target[keep]] = flat[order][keep]
            which[place[keep], target[keep]] = order[keep]
            edge, rank = which // k, which % k
        none = np.isneginf(values)
        edge[none], rank[none] = -1, -1
        return values, edge, rank

    def contract_pointers(self, eq, operands, summed=None, lengths=None):
        """The contraction with backpointers: ``(values, where, rank, length)``, or None.

        For two operands of which one holds a single value per element (a lifted
        partial: only its first component finite), such as a cotangent contracted
        with lifted operands: ``where`` is the flat index over the summed letters
        (in the order ``summed``, by default as they first occur in ``eq``'s inputs),
        ``rank`` the component of the multi-valued operand that each of the k best
        values came from (−1: fewer than k candidates) and ``length`` that
        component's entry of ``lengths`` (hops of the path behind it, shaped like the
        multi-valued operand; default 0) plus one. Ties keep the shorter, then the
        earlier (where, rank). None: no kernel applies (use the generic contraction).
        """
        if len(operands) != 2:
            return None
        a, b = operands
        ins, out = parse_equation(eq)
        if summed is None:
            summed = "".join(c for c in dict.fromkeys(ins[0] + ins[1]) if c not in out)
        if np.all(np.isneginf(b[1:])):
            return kernels.kmax_contract(eq, a, b[0], self.k, summed, lengths)
        if np.all(np.isneginf(a[1:])):  # the multi-valued operand goes first
            return kernels.kmax_contract(f"{ins[1]},{ins[0]}->{out}", b, a[0], self.k, summed,
                                         lengths)
        return None  # both multi-valued: the generic blocked contraction


def _selective_contract(eq, operands, mode):
    """A max-times or max-plus contraction through :mod:`.kernels`, or None."""
    if len(operands) != 2:
        return None
    found = kernels.contract(eq, operands[0][0], operands[1][0], mode)
    return None if found is None else found[None]


def _shifted_exps(eq, logs):
    """exp of each operand shifted by its maximum over the letters it sums away.

    Returns (the shift as an array over the output letters, the shifted
    exponentials). Every slice then has a largest term of 1, so nothing
    overflows; terms more than e^700 below their slice's largest (which
    cannot matter next to it) are set to 0 rather than left subnormal, which
    would make BLAS crawl.
    """
    ins, out = parse_equation(eq)
    if any(len(set(sub)) < len(sub) for sub in ins):  # diagonals: one shift per operand
        shifts = [float(np.max(a)) if a.size and np.isfinite(np.max(a)) else 0.0 for a in logs]
        return sum(shifts), [_exp_or_zero(a - m) for a, m in zip(logs, shifts)]
    total = 0.0
    linear = []
    for sub, a in zip(ins, logs):
        summed = tuple(k for k, c in enumerate(sub) if c not in out)
        m = np.max(a, axis=summed, keepdims=True) if summed and a.size else np.zeros(
            [1] * a.ndim)
        m = np.where(np.isfinite(m), m, 0.0)
        linear.append(_exp_or_zero(a - m))
        kept = [c for c in sub if c in out]
        m = m.reshape([d for k, d in enumerate(m.shape) if sub[k] in out])
        m = m.transpose([kept.index(c) for c in out if c in kept])
        total = total + m.reshape([m.shape[[c for c in out if c in kept].index(c)]
                                   if c in kept else 1 for c in out])
    return total, linear


def _exp_or_zero(d):
    with np.errstate(under="ignore"):
        return np.where(d < -700.0, 0.0, np.exp(np.maximum(d, -700.0)))


def _log_contract(eq, logs):
    """log of the contraction of exp(logs), through BLAS."""
    shift, linear = _shifted_exps(eq, logs)
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(_contract(eq, *linear))) + shift
