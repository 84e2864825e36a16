"""The selective contraction kernels against a naive materialising reference.

Random two-operand einsum equations (batch letters, 1-element axes, several
summed letters, transposed outputs) and integer-valued operands (so that ties
are everywhere) run through max-times, max-plus and k-max-plus, compiled
(numba, skipped where it is not installed) and on NumPy's loops; the k-max
backpointers must name the first of the best candidates in (contracted index,
rank) order.
"""

import itertools

import numpy as np
import pytest

import semigrad as sg
from semigrad.semiring import kernels

HAVE_NUMBA = kernels.numba_available()
BACKENDS = [
    "numpy",
    pytest.param("numba", marks=pytest.mark.skipif(not HAVE_NUMBA,
                                                   reason="numba is not installed")),
]


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test with the compiled kernels ('numba') or NumPy's loops ('numpy')."""
    token = kernels.use_numba.set(request.param == "numba")
    try:
        yield request.param
    finally:
        kernels.use_numba.reset(token)


def random_equation(rng):
    """A two-operand einsum that is a batched matrix product, and its letter sizes."""
    letters = iter("abcdefgh")
    batch = [next(letters) for _ in range(rng.integers(0, 2))]
    left = [next(letters) for _ in range(rng.integers(0, 3))]
    right = [next(letters) for _ in range(rng.integers(0, 3))]
    summed = [next(letters) for _ in range(rng.integers(1, 3))]
    a = batch + left + summed
    b = batch + summed + right
    rng.shuffle(a)
    rng.shuffle(b)
    out = batch + left + right
    rng.shuffle(out)
    size = {c: int(rng.choice([1, 2, 3])) for c in set(a + b)}
    return f"{''.join(a)},{''.join(b)}->{''.join(out)}", size


def operands(rng, eq, size, low, high):
    ins, _ = eq.split("->")
    return [rng.integers(low, high, [size[c] for c in sub]).astype(float)
            for sub in ins.split(",")]


def candidates(eq, size, a, b):
    """Every product term: (output index, summed index, a's element, b's element), in the
    order of the flat index over the summed letters (as they first occur in eq)."""
    ins, out = eq.split("->")
    a_sub, b_sub = ins.split(",")
    summed = [c for c in dict.fromkeys(a_sub + b_sub) if c not in out]
    for o in itertools.product(*(range(size[c]) for c in out)):
        at = dict(zip(out, o))
        for flat, s in enumerate(itertools.product(*(range(size[c]) for c in summed))):
            at.update(zip(summed, s))
            yield (o, flat, a[tuple(at[c] for c in a_sub)], b[tuple(at[c] for c in b_sub)])


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("mode", ["times", "plus"])
def test_max_contractions_equal_the_materialised_reference(backend, mode, seed):
    rng = np.random.default_rng(seed)
    eq, size = random_equation(rng)
    a, b = operands(rng, eq, size, 0, 4)  # small integers: ties everywhere, zeros too
    got = kernels.contract(eq, a, b, mode)
    out_shape = tuple(size[c] for c in eq.split("->")[1])
    want = np.full(out_shape, 0.0 if mode == "times" else -np.inf)
    for o, _, x, y in candidates(eq, size, a, b):
        want[o] = max(want[o], x * y if mode == "times" else x + y)
    assert got.shape == out_shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("k", [1, 3])
def test_kmax_contraction_and_its_backpointers_equal_the_reference(backend, k, seed):
    rng = np.random.default_rng(seed)
    eq, size = random_equation(rng)
    a1, b = operands(rng, eq, size, -2, 2)
    # k ranks of a per element, sorted best first, some missing (−inf)
    a = -np.sort(-(a1[None] - rng.integers(0, 3, (k, *a1.shape))), axis=0)
    a[rng.random(a.shape) < 0.2] = -np.inf
    a = -np.sort(-a, axis=0)
    values, where, rank = kernels.kmax_contract(eq, a, b, k)
    out_shape = tuple(size[c] for c in eq.split("->")[1])
    assert values.shape == where.shape == rank.shape == (k, *out_shape)
    found = {}
    for o, flat, x, y in candidates(eq, size, np.moveaxis(a, 0, -1), b):
        for r in range(k):  # x: the k ranks of a's element
            if x[r] + y > -np.inf:
                found.setdefault(o, []).append((x[r] + y, flat, r))
    for o in itertools.product(*(range(d) for d in out_shape)):
        best = sorted(found.get(o, []), key=lambda c: -c[0])[:k]  # stable: first wins ties
        best += [(-np.inf, -1, -1)] * (k - len(best))
        assert [(values[(r, *o)], where[(r, *o)], rank[(r, *o)]) for r in range(k)] == best


@pytest.mark.parametrize("eq", ["ij,jk->ik", "bij,bjk->bki", "ij,ij->", "i,j->ij",
                                "ijk,jkl->li"])
def test_semiring_sweeps_through_the_kernels_equal_the_generic_contraction(backend, eq):
    # The same cotangents through MaxProduct / MaxPlus / KMax with their kernels and
    # through the generic blocked einsum (a semiring without ``contract``).
    from semigrad.primitives.multilinear import semiring_contract

    rng = np.random.default_rng(0)
    ins, out = eq.split("->")
    size = dict(zip("bijkl", (2, 3, 4, 1, 5)))
    a, b = (rng.standard_normal([size[c] for c in sub]) for sub in ins.split(","))
    for S in (sg.semirings.MaxProduct(), sg.semirings.MaxPlus(), sg.semirings.KMax(3)):
        generic = type("Generic", (type(S),), {"contract": lambda self, eq, ops: None})
        G = generic(3) if isinstance(S, sg.semirings.KMax) else generic()
        ga = S.plus(S.lift(a), S.lift(np.abs(a) + 0.5))  # several finite ranks for KMax
        ops = [ga, S.lift(b)]
        np.testing.assert_array_equal(semiring_contract(S, eq, ops),
                                      semiring_contract(G, eq, ops))


def test_equations_that_are_no_matrix_product_are_left_to_the_generic_path():
    a = np.ones((2, 2))
    assert kernels.contract("ii,ij->j", a, a, "times") is None  # a diagonal
    assert kernels.contract("ij,jk->k", a, a, "times") is None  # i summed within a only
    assert kernels.kmax_contract("ij,jk->k", a[None], a, 1) is None


def test_numba_compile_time_is_reported_once_compiled():
    pytest.importorskip("numba")
    kernels.contract("ij,jk->ik", np.ones((2, 2)), np.ones((2, 2)), "times")
    assert kernels.compile_seconds() >= 0
