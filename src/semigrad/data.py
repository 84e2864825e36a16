"""Data for training: batching, train/test splits, and small data sets.

- :class:`Batches` iterates over mini-batches of one or more arrays that
  share their first axis, reshuffled on each pass by a NumPy Generator
  (seeded, so runs repeat), optionally dropping a last short batch.
- :func:`train_test_split` splits arrays in two, shuffled by a Generator.
- :func:`load_digits` is scikit-learn's bundled 8×8 digits (1,797 images,
  offline; scikit-learn is an optional dependency);
  :func:`synthetic_classification` and :func:`synthetic_regression` make
  data sets of any size from a Generator, with no dependency.

Everything here is plain NumPy: batches are arrays, ready for a model.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "Batches",
    "load_digits",
    "synthetic_classification",
    "synthetic_regression",
    "train_test_split",
]


def _rows(name, arrays) -> int:
    if not arrays:
        raise ValueError(f"{name}: give at least one array")
    arrays = [np.asarray(a) for a in arrays]
    for a in arrays:
        if a.ndim == 0:
            raise ValueError(f"{name}: arrays need a first (example) axis; got a scalar")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(
            f"{name}: the arrays must have the same length (first axis); got shapes "
            f"{[a.shape for a in arrays]}"
        )
    return lengths[0]


class Batches:
    """Mini-batches of ``arrays`` (same first axis), as arrays: one pass per ``iter``.

    ``shuffle`` is a NumPy Generator (or an integer seed): each pass visits
    the examples in a new order drawn from it; None keeps the order. With
    ``drop_last`` a final batch smaller than ``batch_size`` is skipped.
    Several arrays give tuples of batches; one array gives arrays.
    ``len()`` is the number of batches per pass.

    >>> import numpy as np
    >>> from semigrad.data import Batches
    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in Batches(x, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> batches = Batches(x, y, batch_size=2, shuffle=np.random.default_rng(0), drop_last=True)
    >>> len(batches), [yb.tolist() for _, yb in batches]
    (2, [[2, 4], [3, 0]])
    """

    def __init__(self, *arrays, batch_size: int, shuffle=None, drop_last: bool = False):
        self.n = _rows("Batches", arrays)
        if not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"Batches: batch_size must be a positive integer; got {batch_size!r}")
        self.arrays = [np.asarray(a) for a in arrays]
        self.batch_size = int(batch_size)
        self.rng = None if shuffle is None else np.random.default_rng(shuffle)
        self.drop_last = bool(drop_last)

    def __len__(self) -> int:
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        order = None if self.rng is None else self.rng.permutation(self.n)
        for k in range(len(self)):
            rows = slice(k * self.batch_size, (k + 1) * self.batch_size)
            if order is not None:
                rows = order[rows]
            batch = tuple(a[rows] for a in self.arrays)
            yield batch if len(batch) > 1 else batch[0]


def train_test_split(*arrays, test_size: float | int = 0.25, shuffle=None):
    """Split ``arrays`` (same first axis) into a training and a test part.

    ``test_size`` is a fraction in (0, 1) or a number of examples. ``shuffle``
    (a Generator or a seed) permutes the examples first; None takes the last
    examples as the test part. Returns ``(train, test)``: tuples of arrays
    when several arrays are given, arrays when one is.

    >>> import numpy as np
    >>> from semigrad.data import train_test_split
    >>> x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    >>> (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=0.2, shuffle=0)
    >>> x_train.shape, y_test.shape
    ((8, 2), (2,))
    """
    n = _rows("train_test_split", arrays)
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    elif isinstance(test_size, int | np.integer) and 0 < test_size < n:
        n_test = int(test_size)
    else:
        raise ValueError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a count in [1, {n - 1}]"
            f"; got {test_size!r}"
        )
    if n_test >= n:
        raise ValueError(f"train_test_split: test_size={test_size!r} leaves no training examples "
                         f"out of {n}")
    order = np.arange(n) if shuffle is None else np.random.default_rng(shuffle).permutation(n)
    train_rows, test_rows = order[: n - n_test], order[n - n_test:]
    arrays = [np.asarray(a) for a in arrays]
    train = tuple(a[train_rows] for a in arrays)
    test = tuple(a[test_rows] for a in arrays)
    if len(arrays) == 1:
        return train[0], test[0]
    return train, test


def load_digits(dtype=np.float64):
    """scikit-learn's 8×8 handwritten digits: ``(x, y)``, x of shape (1797, 64) in [0, 1].

    The pixels (0 to 16) are divided by 16; ``y`` holds the labels 0–9 as
    int64. The data ship with scikit-learn (no download); without it this
    raises ImportError saying how to install it.

    >>> from semigrad.data import load_digits
    >>> x, y = load_digits()
    >>> x.shape, y.shape, float(x.max()), sorted(set(y.tolist())) == list(range(10))
    ((1797, 64), (1797,), 1.0, True)
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits data: "
            "pip install scikit-learn"
        ) from None
    data = sklearn_digits()
    return (data.data / 16.0).astype(dtype), data.target.astype(np.int64)


def synthetic_classification(n_samples: int = 1000, n_features: int = 16, n_classes: int = 4,
                             *, clusters_per_class: int = 2, separation: float = 2.0,
                             rng=None, dtype=np.float64):
    """Gaussian clusters, ``clusters_per_class`` per class: ``(x, y)`` with integer labels.

    Cluster centres are drawn N(0, separation²) in ``n_features``
    dimensions; each example is its cluster's centre plus N(0, 1) noise, and
    its label the class its cluster belongs to. Several clusters per class
    make the classes not linearly separable. ``rng`` is a Generator or seed.

    >>> from semigrad.data import synthetic_classification
    >>> x, y = synthetic_classification(100, n_features=3, n_classes=2, rng=0)
    >>> x.shape, y.shape, sorted(set(y.tolist()))
    ((100, 3), (100,), [0, 1])
    """
    for name, value in (("n_samples", n_samples), ("n_features", n_features),
                        ("n_classes", n_classes), ("clusters_per_class", clusters_per_class)):
        if value < 1:
            raise ValueError(f"synthetic_classification: {name} must be positive; got {value}")
    rng = np.random.default_rng(rng)
    centres = rng.standard_normal((n_classes * clusters_per_class, n_features)) * separation
    cluster = np.arange(n_samples) % len(centres)
    rng.shuffle(cluster)
    x = centres[cluster] + rng.standard_normal((n_samples, n_features))
    return x.astype(dtype), (cluster % n_classes).astype(np.int64)


def synthetic_regression(n_samples: int = 1000, n_features: int = 8, *, noise: float = 0.1,
                         rng=None, dtype=np.float64):
    """``(x, y)`` with x ~ N(0, I) and y = sin(3 x·w) + x·v + noise: a smooth nonlinear target.

    ``w`` and ``v`` are drawn from ``rng`` (a Generator or seed) with
    variance 1/n_features; ``y`` has shape (n_samples,).

    >>> from semigrad.data import synthetic_regression
    >>> x, y = synthetic_regression(50, n_features=4, rng=0)
    >>> x.shape, y.shape
    ((50, 4), (50,))
    """
    if n_samples < 1 or n_features < 1:
        raise ValueError(f"synthetic_regression: n_samples and n_features must be positive; got "
                         f"{n_samples}, {n_features}")
    rng = np.random.default_rng(rng)
    w, v = rng.standard_normal((2, n_features)) / math.sqrt(n_features)
    x = rng.standard_normal((n_samples, n_features))
    y = np.sin(3.0 * x @ w) + x @ v + noise * rng.standard_normal(n_samples)
    return x.astype(dtype), y.astype(dtype)
