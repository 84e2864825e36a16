"""Every semiring's sweep equals brute-force path enumeration on the scalarised graph.

The oracle uses only the semiring's own ⊕, ⊗ and lift on enumerated paths;
the sweep uses the primitives' structured declarations. They must agree for
every primitive of the registry table.
"""

import math
import re

import numpy as np
import pytest

import semigrad as sg
from primitive_cases import NO_SEMIRING, TABLE
from semigrad.semiring.paths import enumerate_paths

TABLE = [p for p in TABLE if p.id.split("-")[0] not in NO_SEMIRING]

S = sg.semirings
ALGEBRAS = [S.Real(), S.AbsSum(), S.Log(), S.MaxProduct(), S.MaxPlus(), S.MinProduct(),
            S.Counting(), S.Boolean(), S.Entropy(), S.KMax(3)]


def oracle(semiring, graph, position, paths=None):
    node = graph.inputs[position]
    acc = semiring.zeros(node.shape).reshape(semiring.components, -1)
    if paths is None:
        paths = enumerate_paths(graph, [position], limit=50_000)
    for path in paths:
        value = semiring.ones(())
        for hop in path.hops:
            value = semiring.times(value, semiring.lift(np.float64(hop.partial)))
        k = int(np.ravel_multi_index(path.element, node.shape)) if node.shape else 0
        acc[:, k] = semiring.plus(acc[:, k], value)
    return semiring.result(acc.reshape((semiring.components, *node.shape)))


def assert_same(got, want):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("semiring", ALGEBRAS, ids=repr)
@pytest.mark.parametrize("fn, args", TABLE)
def test_sweep_equals_path_enumeration(fn, args, semiring):
    graph = sg.trace(fn, *args)
    results = graph.backprop(semiring)
    for position in range(len(args)):  # the oracle enumerates every path
        assert_same(results[position], oracle(semiring, graph, position))


@pytest.mark.parametrize("fn, args", TABLE)
def test_real_semiring_is_the_gradient_and_bauer_agrees(fn, args):
    graph = sg.trace(fn, *args)
    out, vjp_fn = sg.vjp(fn, *args)
    grads = vjp_fn(np.ones_like(np.asarray(out)))
    for got, want in zip(graph.backprop(S.Real()), grads):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    for got, want in zip(sg.paths.bauer_gradient(graph, limit=50_000), grads):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn, args", TABLE)
def test_invariants(fn, args):
    graph = sg.trace(fn, *args)
    for k in range(len(args)):
        mx, z = graph.backprop(S.MaxProduct(), [k])[0], graph.backprop(S.AbsSum(), [k])[0]
        n = graph.backprop(S.Counting(), [k])[0]
        zh = graph.backprop(S.Entropy(), [k])[0]
        dep = graph.backprop(S.Boolean(), [k])[0]
        lz = graph.backprop(S.Log(), [k])[0]
        assert np.all(mx <= z * (1 + 1e-12) + 1e-300)
        assert np.all(z <= n * mx * (1 + 1e-12) + 1e-300)
        assert np.all(zh[1] >= -1e-12) and np.all(zh[1] <= np.log(np.maximum(n, 1)) + 1e-9)
        assert np.all(n[dep] > 0)
        np.testing.assert_allclose(np.exp(lz), z, rtol=1e-12)
        np.testing.assert_allclose(zh[0], z, rtol=1e-12)


@pytest.mark.parametrize("fn, args", TABLE)
def test_top_paths_are_the_best_enumerated_ones(fn, args):
    graph = sg.trace(fn, *args)
    everything = enumerate_paths(graph, limit=50_000)
    ranked = sorted((abs(p.weight) for p in everything), reverse=True)
    best = sg.paths.top(graph, k=5)
    assert [abs(p.weight) for p in best] == pytest.approx(ranked[:5], rel=1e-12)
    hop_lists = [tuple((h.node, h.element, h.position, h.term) for h in p.hops)
                 for p in best]
    assert len(set(zip([p.element for p in best], hop_lists))) == len(best)  # distinct
    for p in best:
        assert math.prod(h.partial for h in p.hops) == pytest.approx(p.weight, rel=1e-12)


def test_exponentially_many_paths_counted_exactly_in_linear_time():
    def layers(x, depth):
        for _ in range(depth):
            x = sg.sin(x) + sg.cos(x)  # two branches per layer: 2^depth paths
        return x

    for depth in (3, 6):
        graph = sg.trace(lambda x, depth=depth: layers(x, depth), 0.3)
        assert graph.backprop(S.Counting())[0] == 2 ** depth
        assert len(enumerate_paths(graph)) == 2 ** depth
    x = sg.tensor(0.3, requires_grad=True)
    assert sg.paths.count(layers(x, 200), x) == 2 ** 200  # exact, beyond float64


@pytest.mark.parametrize("depth", [3, 52, 53, 60, 80])
def test_count_gives_exact_python_ints_below_and_above_2_to_the_53(depth):
    x = sg.tensor([1.0, -1.0], requires_grad=True)  # stays finite however deep
    y = x
    for _ in range(depth):
        y = y * y  # each product reaches its operand twice: the count doubles
    counts = sg.paths.count(sg.sum(y), x)
    assert counts.dtype == object and counts.shape == (2,)
    assert all(type(n) is int for n in counts.tolist())
    assert counts.tolist() == [2 ** depth, 2 ** depth]


def test_enumeration_past_its_limit_points_to_the_sweep():
    x = sg.tensor(0.3, requires_grad=True)
    y = x
    for _ in range(12):
        y = sg.sin(y) * sg.cos(y)
    with pytest.raises(ValueError, match="limit=100 paths.*sg.paths.count"):
        enumerate_paths(y, x, limit=100)


# ---- random graphs mixing every kind of primitive -----------------------------------

UNARY = [sg.sin, sg.tanh, sg.exp, lambda h: h * h, lambda h: sg.sigmoid(h) * 2.0,
         lambda h: sg.log1p(h * h)]
BINARY = [lambda a, b: a * b, lambda a, b: a + b, lambda a, b: a - b * 0.5,
          lambda a, b: sg.maximum(a, b), lambda a, b: a / (1.5 + b * b)]


def random_program(rng, n_ops=6):
    """A random composition over a (2, 3) input: elementwise, broadcasting, matmul,
    indexing with repeats, reductions and concatenation."""
    weights = rng.standard_normal((3, 3))
    choices = []
    for _ in range(n_ops):
        choices.append((int(rng.integers(6)), int(rng.integers(len(UNARY))),
                        int(rng.integers(len(BINARY)))))

    def program(x):
        values = [x]
        for kind, u, b in choices:
            h = values[-1]
            other = values[int(len(values) // 2)]
            if kind == 0:
                h = UNARY[u](h)
            elif kind == 1:
                h = BINARY[b](h, other)
            elif kind == 2:
                h = h @ weights
            elif kind == 3:
                h = sg.concatenate([h[:, [0, 0]], h[:, 2:]], axis=1) * 0.7
            elif kind == 4:
                h = BINARY[b](h, sg.max(h, axis=1, keepdims=True))
            else:
                h = BINARY[b](h, sg.logsumexp(h, axis=0))
            values.append(h)
        return sg.sum(values[-1])

    return program


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_every_semiring_equals_enumeration(seed):
    rng = np.random.default_rng(seed)
    program = random_program(rng)
    graph = sg.trace(program, rng.standard_normal((2, 3)) * 0.5)
    paths = enumerate_paths(graph, limit=50_000)
    for semiring in ALGEBRAS:
        assert_same(graph.backprop(semiring)[0], oracle(semiring, graph, 0, paths))
    best = sg.paths.top(graph, k=3)
    ranked = sorted((abs(p.weight) for p in paths), reverse=True)
    assert [abs(p.weight) for p in best] == pytest.approx(ranked[:3], rel=1e-12)


def test_complex_graphs_have_real_adjoints_and_refuse_other_semirings():
    import semigrad.numpy as snp

    def f(z):
        return snp.real(snp.exp(z) * z)

    z = np.array([1 + 2j, -0.5j])
    g = sg.trace(f, z)
    (adj,) = sg.backprop(g, semiring=sg.semirings.Real())
    np.testing.assert_allclose(adj, sg.grad(lambda v: snp.sum(f(v)))(z))
    assert "∂ [-7.206+2.681j" in g.to_dot()
    for S in (sg.semirings.MaxProduct(), sg.semirings.Counting()):
        with pytest.raises(TypeError, match="complex values; semiring sweeps"):
            sg.backprop(g, semiring=S)
    with pytest.raises(TypeError, match="complex"):
        sg.paths.top(g, k=1)


def test_a_path_reads_as_one_line_and_as_a_table():
    x = sg.tensor([1.0, 3.0], requires_grad=True)
    best = sg.paths.top(sg.sum(sg.exp(x) * x), x, k=1)[0]
    assert repr(best) == f"Path(x[1] → exp → multiply → sum → v3, weight {best.weight:.4g})"
    assert best.output == "v3"
    lines = best.table().splitlines()
    assert lines[0] == f"x[1] → v3, weight {best.weight:.4g}"
    assert lines[1].split() == ["from", "primitive", "arg", "partial", "to"]
    assert [re.split(r"\s{2,}", line.strip()) for line in lines[2:]] == [
        [_at(h.node, h.element), h.primitive, str(h.position), f"{h.partial:.4g}",
         _at(h.to_node, h.to_element)] for h in best.hops]
    assert sg.paths.table([best]) == "1. " + best.table()


def _at(node, element):
    return f"{node}[{', '.join(map(str, element))}]" if element else node


def test_eager_inputs_are_named_as_the_caller_wrote_them():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    scale = sg.tensor(3.0, requires_grad=True, name="s")  # a name given wins
    y = sg.sum(x * scale)
    assert {p.input for p in sg.paths.top(y, [x, scale], k=3)} == {"x", "s"}
    leaves = [sg.tensor(2.0, requires_grad=True)]  # held by no variable: today's label
    assert sg.paths.top(leaves[0] * 2.0, leaves[0])[0].input == "input0"
    assert [p.input for p in enumerate_paths(y, x)] == ["x", "x"]
