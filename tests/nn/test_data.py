"""sg.data: batching with seeded shuffling, train/test splits, data sets."""

from __future__ import annotations

import numpy as np
import pytest

from semigrad import data


def test_batches_in_order_cover_every_example_once():
    x, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    batches = data.Batches(x, y, batch_size=3)
    assert len(batches) == 3
    got = list(batches)
    assert [len(yb) for _, yb in got] == [3, 3, 1]
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in got]), y)
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in got]), x)


def test_drop_last_and_single_arrays():
    batches = data.Batches(np.arange(7), batch_size=3, drop_last=True)
    assert len(batches) == 2 and [b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5]]
    assert len(data.Batches(np.arange(6), batch_size=3, drop_last=True)) == 2
    assert len(data.Batches(np.arange(2), batch_size=3, drop_last=True)) == 0


def test_shuffling_repeats_with_the_seed_and_changes_between_passes():
    x = np.arange(50)
    a = data.Batches(x, batch_size=8, shuffle=np.random.default_rng(3))
    b = data.Batches(x, batch_size=8, shuffle=3)
    first_a, first_b = np.concatenate(list(a)), np.concatenate(list(b))
    np.testing.assert_array_equal(first_a, first_b)
    assert sorted(first_a.tolist()) == list(range(50)) and not np.array_equal(first_a, x)
    second = np.concatenate(list(a))
    assert not np.array_equal(second, first_a) and sorted(second.tolist()) == list(range(50))
    x2, y2 = np.arange(20.0), np.arange(20) * 10
    for xb, yb in data.Batches(x2, y2, batch_size=6, shuffle=0):
        np.testing.assert_array_equal(yb, xb * 10)  # rows stay together


@pytest.mark.parametrize("call, message", [
    (lambda: data.Batches(np.ones(3), np.ones(4), batch_size=2), "same length"),
    (lambda: data.Batches(np.ones(3), batch_size=0), "positive integer"),
    (lambda: data.Batches(np.ones(3), batch_size=2.5), "positive integer"),
    (lambda: data.Batches(batch_size=2), "at least one array"),
    (lambda: data.Batches(np.float64(1.0), batch_size=2), "first .example. axis"),
    (lambda: data.train_test_split(np.ones(10), test_size=1.0), "test_size"),
    (lambda: data.train_test_split(np.ones(10), test_size=10), "test_size"),
    (lambda: data.train_test_split(np.ones(3), np.ones(2)), "same length"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_train_test_split():
    x, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    (x_train, y_train), (x_test, y_test) = data.train_test_split(x, y, test_size=0.25, shuffle=1)
    assert len(y_train) == 15 and len(y_test) == 5
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(x_test[:, 0], 2 * y_test)
    again = data.train_test_split(x, y, test_size=0.25, shuffle=1)
    np.testing.assert_array_equal(again[1][1], y_test)
    train, test = data.train_test_split(np.arange(10), test_size=3)
    assert train.tolist() == list(range(7)) and test.tolist() == [7, 8, 9]


def test_synthetic_sets_are_reproducible():
    x, y = data.synthetic_classification(300, n_features=5, n_classes=3, rng=2)
    x2, y2 = data.synthetic_classification(300, n_features=5, n_classes=3, rng=2)
    np.testing.assert_array_equal(x, x2)
    assert x.shape == (300, 5) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100, 100]
    xr, yr = data.synthetic_regression(100, n_features=3, rng=0, dtype=np.float32)
    assert xr.dtype == yr.dtype == np.float32 and yr.shape == (100,)
    with pytest.raises(ValueError, match="n_classes must be positive"):
        data.synthetic_classification(10, n_classes=0)


def test_digits():
    pytest.importorskip("sklearn", reason="scikit-learn (the digits data) is not installed")
    x, y = data.load_digits(dtype=np.float32)
    assert x.shape == (1797, 64) and x.dtype == np.float32 and 0 <= x.min() and x.max() == 1
    assert np.bincount(y).min() > 170


def test_digits_without_scikit_learn(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        data.load_digits()
