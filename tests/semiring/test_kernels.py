"""The selective contraction kernels against a naive materialising reference, and top
paths read back from the backpointers of one sweep against brute-force enumeration.

Random two-operand einsum equations (batch letters, 1-element axes, several
summed letters, transposed outputs) and integer-valued operands (so that ties
are everywhere) run through max-times, max-plus and k-max-plus, compiled
(numba, skipped where it is not installed) and on NumPy's loops; the k-max
backpointers must name the first of the best candidates in (contracted index,
rank) order.
"""

import itertools
import math

import numpy as np
import pytest

import semigrad as sg
from semigrad.semiring import kernels
from semigrad.semiring.paths import enumerate_paths

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
    lengths = rng.integers(0, 2, a.shape)  # hops behind each of a's values: a tie-break
    values, where, rank, length = kernels.kmax_contract(eq, a, b, k, lengths=lengths)
    out_shape = tuple(size[c] for c in eq.split("->")[1])
    assert values.shape == where.shape == rank.shape == length.shape == (k, *out_shape)
    found = {}
    pairs = zip(candidates(eq, size, np.moveaxis(a, 0, -1), b),
                candidates(eq, size, np.moveaxis(lengths, 0, -1), b))
    for (o, flat, x, y), (_, _, n, _) in pairs:
        for r in range(k):  # x: the k ranks of a's element, n their lengths
            if x[r] + y > -np.inf:
                found.setdefault(o, []).append((x[r] + y, flat, r, n[r] + 1))
    for o in itertools.product(*(range(d) for d in out_shape)):
        # larger first, then shorter; the sort is stable: the first met wins the rest
        best = sorted(found.get(o, []), key=lambda c: (-c[0], c[3]))[:k]
        best += [(-np.inf, -1, -1, -1)] * (k - len(best))
        assert [(values[(r, *o)], where[(r, *o)], rank[(r, *o)], length[(r, *o)])
                for r in range(k)] == best


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


# ---- top paths read back from the backpointers of one sweep -------------------------


def small_network(rng):
    """A small traced network: matmuls (the kernel's path), broadcasting, elementwise,
    a selection, indexing and a reduction."""
    x = rng.standard_normal((2, 3))
    w = rng.standard_normal((3, 4))
    v = rng.standard_normal((4, 2))

    def f(x, w, v):
        h = sg.tanh(x @ w + w[0])
        z = h @ v * sg.max(h, axis=1, keepdims=True)
        return sg.sum(z[:, [1, 0, 1]])

    return sg.trace(f, x, w, v)


def signature(graph, path):
    """A path as the tie rule orders equal weights of equal length: its start (input,
    element), then its hops as (hyperedge, argument position, term)."""
    index = {n.label: n.index for n in graph.nodes}
    edge_of = {e.output.index: e.index for e in graph.edges}
    start = next(k for k, n in enumerate(graph.inputs) if n.label == path.input)
    return ((start, path.element),
            tuple((edge_of[index[h.to_node]], h.position, h.term) for h in path.hops))


@pytest.mark.parametrize("seed", range(6))
def test_top_paths_from_backpointers_are_enumerated_paths_best_first(backend, seed):
    graph = small_network(np.random.default_rng(seed))
    everything = enumerate_paths(graph, limit=50_000)
    known = {signature(graph, p) for p in everything}
    ranked = sorted((abs(p.weight) for p in everything), reverse=True)
    for k in (1, 3, 8):
        best = sg.paths.top(graph, k=k)
        assert [abs(p.weight) for p in best] == pytest.approx(ranked[:k], rel=1e-12)
        assert all(signature(graph, p) in known for p in best)
        assert len({signature(graph, p) for p in best}) == len(best)
        for p in best:
            assert math.prod(h.partial for h in p.hops) == pytest.approx(p.weight, rel=1e-12)


@pytest.mark.parametrize("f, args", [
    (lambda x: sg.sum(x * x), (np.array([1.0, 3.0, 3.0]),)),
    (lambda x, w: sg.sum(x @ w), (np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones((2, 3)))),
    (lambda x, w: sg.sum((x @ w) * (x @ w)), (np.ones((1, 2)), np.full((2, 2), 2.0))),
    (lambda x, w: sg.sum(sg.tanh(x @ w) @ w.T), (np.zeros((2, 2)), np.eye(2))),
    (lambda x: sg.exp(x) * x, (1.0,)),  # e·1 through exp, e directly: the shorter first
    (lambda x: (lambda w: sg.sum(sg.exp(w) + w))(x * 0.0 + 1.0), (np.ones(2),)),
], ids=["square", "matmul", "matmul-squared", "zero-weights", "shorter-first",
        "zero-weights-shorter-first"])
def test_top_paths_break_ties_by_start_then_hops_in_graph_order(backend, f, args):
    # Exact ties (equal partials multiplied in the same order): the order of top paths
    # is the brute-force order by weight, then by the tie rule (fewer hops, the earlier
    # start, the earlier first differing hop); zero weights come last, those with fewer
    # zero partials first, otherwise in no promised order (a 0 partial makes paths equal
    # that were not where the sweep chose between them).
    graph = sg.trace(f, *args)
    everything = enumerate_paths(graph, limit=50_000)
    want = sorted(everything, key=lambda p: (sum(h.partial == 0 for h in p.hops),
                                             -abs(p.weight), len(p.hops), signature(graph, p)))
    nonzero = sum(p.weight != 0 for p in everything)
    for k in (1, 2, 3, len(everything) + 2):  # the last: more than there are, all of them
        got = sg.paths.top(graph, k=k)
        assert [p.weight for p in got] == [p.weight for p in want[:k]]
        assert ([signature(graph, p) for p in got[:nonzero]]
                == [signature(graph, p) for p in want[:min(k, nonzero)]])
        if k > len(everything):  # every path once, those of weight 0 in some order
            assert sorted(signature(graph, p) for p in got) == sorted(
                signature(graph, p) for p in everything)
