"""The examples are tests too: CRF marginals and Viterbi, exponential path counts."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import semigrad as sg

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import crf  # noqa: E402


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("length, labels", [(3, 2), (4, 3), (5, 3)])
def test_crf_gradients_are_marginals_and_the_top_path_is_viterbi(seed, length, labels):
    rng = np.random.default_rng(seed)
    unary, transition = rng.standard_normal((length, labels)), rng.standard_normal((labels, labels))
    unary_marg, pair, best, best_score, log_z = crf.brute_force(unary, transition)
    assert float(crf.log_partition(unary, transition)) == pytest.approx(log_z, rel=1e-12)
    g_unary, g_transition = crf.marginals(unary, transition)
    np.testing.assert_allclose(g_unary, unary_marg, atol=1e-12)
    np.testing.assert_allclose(g_transition, pair, atol=1e-12)
    path, score = crf.viterbi(unary, transition)
    assert path == best and score == pytest.approx(best_score, rel=1e-12)


@pytest.mark.parametrize("name", ["crf.py", "exponential_paths.py", "numpy_code.py"])
def test_examples_run(name):
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_digits_top_paths_and_entropy():
    pytest.importorskip("sklearn", reason="scikit-learn (the digits data) is not installed")
    import digits_paths

    train_set, test_set = digits_paths.load_digits()
    params = digits_paths.train(train_set, steps=150)
    assert digits_paths.accuracy(params, test_set) > 0.9
    image = test_set[0][0]
    predicted, top_weight, entropy, best = digits_paths.path_maps(params, image)
    assert top_weight.shape == entropy.shape == (8, 8)
    assert np.all(entropy >= 0) and np.all(np.isfinite(entropy))
    pixel = np.unravel_index(int(np.argmax(top_weight)), (8, 8))
    assert best.element == (int(np.ravel_multi_index(pixel, (8, 8))),)
    assert abs(best.weight) == pytest.approx(top_weight.max(), rel=1e-12)
    # the MaxProduct value of every pixel is the best of its enumerated paths
    graph = sg.trace(lambda x: digits_paths.logits(params, x[None])[0, predicted], image)
    paths = sg.paths.top(graph, k=1, element=pixel[0] * 8 + pixel[1])
    assert abs(paths[0].weight) == pytest.approx(top_weight[pixel], rel=1e-12)


def test_a_user_defined_semiring_from_the_docs():
    class MinPlus(sg.semirings.Semiring):
        zero, one = np.inf, 0.0

        def plus(self, a, b):
            return np.minimum(a, b)

        def times(self, a, b):
            return a + b

        def reduce(self, a, axes):
            axes = tuple(k + 1 for k in axes)
            return np.min(a, axis=axes, initial=np.inf) if axes else a

        def lift(self, w):
            with np.errstate(divide="ignore"):
                return -np.log(np.abs(np.asarray(w, dtype=float)))[None]

    x = sg.tensor([0.5, 2.0], requires_grad=True)
    y = sg.sum(sg.exp(x) * x @ np.ones((2, 2)))
    got = sg.backprop(y, x, MinPlus())
    paths = sg.paths.enumerate(y, x)
    for k in range(2):
        want = min(-np.log(abs(p.weight)) for p in paths if p.element == (k,))
        assert got[k] == pytest.approx(want, rel=1e-12)


def test_numpy_code_example_gradients_and_descent():
    import numpy_code

    grad, numeric, first, last = numpy_code.main()
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
    assert last < 1e-6 * first  # descending along conj(grad) retrieves the phases
