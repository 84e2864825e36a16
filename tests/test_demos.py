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


def test_digits_cnn_saliency_maps_and_its_top_path_by_layer():
    pytest.importorskip("sklearn", reason="scikit-learn (the digits data) is not installed")
    import digits_cnn_paths as cnn

    (x, y), (x_test, _) = cnn.load_digits()
    model = cnn.train((x[:256], y[:256]), epochs=2)
    image = x_test[0]
    c, maps, graph = cnn.saliency(model, image)
    assert set(maps) == {*cnn.METHODS, "entropy"}
    assert all(m.shape == (8, 8) for m in maps.values())
    assert np.all(maps["entropy"] >= 0) and np.all(np.isfinite(maps["entropy"]))
    gradient = sg.grad(cnn.logit(model, image, c))(image)[0]
    np.testing.assert_allclose(maps["gradient"], gradient, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(maps["gradient × input"], gradient * image[0], atol=1e-15)
    # the map at a pixel is the weight of that pixel's best path; its largest is the top path
    best = sg.paths.top(graph, k=1)[0]
    assert abs(best.weight) == pytest.approx(maps["top path"].max(), rel=1e-12)
    assert maps["top path"][best.element[1:]] == maps["top path"].max()
    weakest = np.unravel_index(int(np.argmin(maps["top path"])), (8, 8))
    own = sg.paths.top(graph, k=1, element=(0, *map(int, weakest)))[0]
    assert abs(own.weight) == pytest.approx(maps["top path"][weakest], rel=1e-12)
    # by layer: every layer once, the factors multiply to the weight, the taps are weights
    rows = cnn.layer_steps(model, best)
    assert [name for name, *_ in rows] == ["0:Conv2d", "1:ReLU", "2:MaxPool2d", "3:Conv2d",
                                           "4:ReLU", "5:MaxPool2d", "6:Flatten", "7:Linear"]
    assert np.prod([factor for _, _, factor, _ in rows]) == pytest.approx(best.weight, rel=1e-12)
    for name, here, factor, what in rows:
        if name.endswith("Conv2d"):
            assert what.endswith(f"= {factor:+.4f}") and what.startswith(f"filter {here[1]}")
    # zeroing every pixel leaves the logit of a blank image
    images = x_test[:2]
    classes = cnn.predict(model, images)
    orders = np.array([cnn.ranked(cnn.saliency(model, im)[1], "gradient × input")
                       for im in images])
    drop, _ = cnn.deletion(model, images, classes, orders, (64,))[64]
    blank = model(np.zeros_like(images)).numpy()[[0, 1], classes]
    before = model(images).numpy()[[0, 1], classes]
    assert drop == pytest.approx(np.mean(before - blank), rel=1e-12)
    assert 1.0 <= cnn.effective_pixels(maps["gradient"]) <= 64.0
    assert cnn.effective_pixels(np.eye(8)) == pytest.approx(8.0)


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


def test_agreement_sentences_and_their_top_paths_entropies_and_routes():
    import agreement_paths as ap

    train, test = ap.make_data(n_train=200, n_test=6, seed=1)
    seen = {s.ids for s in train}
    for s in test:
        assert s.ids not in seen and 1 <= s.attractors <= ap.MAX_ATTRACTORS
        assert s.roles.count("subject") == 1 and s.roles.count("attractor") == s.attractors
        assert s.ids[-1] == ap.TOKEN["<verb>"] and s.roles[-1] == "verb slot"
        numbers = {role: {ap.VOCABULARY[i] in {pair[1] for pair in ap.NOUNS}
                          for i, r in zip(s.ids, s.roles) if r == role}
                   for role in ("subject", "attractor")}
        assert numbers["subject"] == {bool(s.label)} and numbers["attractor"] == {not s.label}
    model = ap.AgreementModel(d_model=8, nhead=2, rng=0)
    graph = sg.trace(ap.logit_difference(model, test[0]), ap.layer_input(model, test[0]))
    labels = {node.label for node in graph.nodes}  # each layer's attention has its own names
    assert {f"{name}.{part}" for name in model.attention_names for part in "qkv"} <= labels
    losses = ap.train(model, train, epochs=1)
    assert np.all(np.isfinite(losses))
    predicted = ap.predict(model, test)
    analyses = [ap.analyse(model, s, p) for s, p in zip(test[:2], predicted[:2])]
    for a in analyses:
        length = len(a.sentence.ids)
        assert a.max_product.shape == (length, 8)
        # the top path from a word is the best of the MaxProduct sweep over the words
        assert 0 <= a.word_start < length - 1 and a.top.input == "w"
        assert abs(a.top.weight) == pytest.approx(a.max_product[:-1].max(), rel=1e-10)
        assert a.top.weight == pytest.approx(np.prod([h.partial for h in a.top.hops]), rel=1e-12)
        assert len(a.routes) == 2
        # the heads the routes name are those sg.nn reads off the path
        assert {(name, r[1]) for name, r in zip(model.attention_names, a.routes)
                if r[0] != "residual"} == set(sg.nn.heads_crossed(a.top))
        for route in a.routes:
            assert route[0] in ("residual", "value", "key", "query")
            if route[0] != "residual":
                assert route[1] in (0, 1) and 0 <= route[2] < length and 0 <= route[3] < length
        if a.routes[-1][0] != "residual":  # after the last attention, the slot is read
            assert a.routes[-1][3] == length - 1
        assert np.all(a.entropy >= 0) and np.all(a.entropy <= a.log_paths + 1e-9)
        np.testing.assert_allclose(a.shares.sum(axis=1), 1.0, rtol=1e-12)
        np.testing.assert_allclose(a.shares[-1][-1], 1.0)  # the classifier reads the slot only
    numbers = ap.report(analyses, nhead=2)
    for table in ("starts", "words", "saliency"):
        for row in numbers[table].values():
            assert sum(row) == pytest.approx(1.0)
    for row in numbers["routes"]:
        assert sum(row) == pytest.approx(1.0)


def test_agreement_flow_entropy_is_the_entropy_over_enumerated_paths():
    import agreement_paths as ap

    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((3, 4)), rng.standard_normal(4)
    graph = sg.trace(lambda x: sg.sum(sg.tanh(x @ w1) @ w2), rng.standard_normal((2, 3)))
    entropy, shares = ap.flow(graph.backprop(sg.semirings.Entropy())[0])
    weights = np.array([abs(p.weight) for p in sg.paths.enumerate(graph)])
    p = weights / weights.sum()
    assert entropy == pytest.approx(-np.sum(p * np.log(p)), rel=1e-10)
    starts = [p.element[0] for p in sg.paths.enumerate(graph)]
    np.testing.assert_allclose(shares, [weights[np.array(starts) == k].sum() / weights.sum()
                                        for k in range(2)], rtol=1e-10)
