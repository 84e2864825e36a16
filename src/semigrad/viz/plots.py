"""Plots where people would rather look than read (matplotlib, an optional dependency).

* :func:`training_curves`: loss and metrics per step or epoch;
* :func:`cost_plot`: cost against problem size on log-log axes, each curve
  with its fitted slope (O(m) against O(n·m) shows as slope 0 against 1);
* :func:`hessian_heatmap`: a Hessian (or any matrix) as a diverging heat map;
* :func:`path_mass_image`: per-input path mass as an image, for image inputs
  (with :func:`path_mass`, e.g. the MaxProduct top-path weight of every pixel
  of a digit: a saliency map).

Each returns the matplotlib Figure and writes it when given a path.

>>> import semigrad as sg
>>> fig = hessian_heatmap(sg.hessian(lambda x: sg.sum(x ** 3))(np.arange(3.0)))
>>> len(fig.axes)   # the map and its colour bar
2
"""

from __future__ import annotations

import os

import numpy as np

from ..graph import trace
from ..semiring.algebras import Entropy, MaxProduct, Semiring


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("sg.viz plots need matplotlib: pip install matplotlib "
                          "(or pip install 'semigrad[viz]')") from None
    return plt


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        fig.savefig(os.fspath(path), dpi=110)
    return fig


def training_curves(history, path=None, title: str = "training", log: bool = False,
                    xlabel: str = "step"):
    """Curves of a training history: ``{"train loss": [...], "test accuracy": [...]}``.

    Also accepts a list of numbers (one curve) or a list of per-step dicts.
    Names containing "acc" go on a second axis on the right (0 to 1).

    >>> fig = training_curves({"loss": [2.3, 1.1, 0.6, 0.4], "accuracy": [0.1, 0.6, 0.8, 0.9]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    plt = _pyplot()
    if isinstance(history, dict):
        curves = {k: np.asarray(v, dtype=float) for k, v in history.items()}
    elif len(history) and isinstance(history[0], dict):
        keys = list(dict.fromkeys(k for row in history for k in row))
        curves = {k: np.array([row.get(k, np.nan) for row in history], dtype=float)
                  for k in keys}
    else:
        curves = {"loss": np.asarray(history, dtype=float)}
    fig, ax = plt.subplots(figsize=(7, 4))
    right = None
    lines = []
    for name, values in curves.items():
        on_right = "acc" in name.lower()
        if on_right and right is None:
            right = ax.twinx()
            right.set_ylim(0, 1.02)
        target = right if on_right else ax
        lines += target.plot(np.arange(len(values)), values, label=name,
                             linestyle="--" if on_right else "-")
    left_names = [n for n in curves if "acc" not in n.lower()]
    ax.set(xlabel=xlabel, ylabel=", ".join(left_names) if left_names else "", title=title)
    if log:
        ax.set_yscale("log")
    if right is not None:
        right.set_ylabel(", ".join(n for n in curves if "acc" in n.lower()))
    ax.legend(lines, [line.get_label() for line in lines], loc="best")
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def slope(sizes, costs) -> float:
    """The log-log slope of ``costs`` against ``sizes`` (least squares): the exponent.

    >>> round(slope([10, 100, 1000], [1.0, 10.0, 100.0]), 6)
    1.0
    """
    s, c = np.asarray(sizes, dtype=float), np.asarray(costs, dtype=float)
    keep = (s > 0) & (c > 0) & np.isfinite(c)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(s[keep]), np.log(c[keep]), 1)[0])


def cost_plot(sizes, costs: dict, path=None, xlabel: str = "n (inputs)",
              ylabel: str = "seconds", title: str = "cost of the gradient"):
    """Log-log curves of cost against size, one per method, labelled with fitted slopes.

    ``costs`` maps a method's name to its costs at ``sizes`` (NaN or missing
    values are skipped: a method too slow to run at some size).

    >>> fig = cost_plot([10, 100, 1000], {"reverse": [1e-4, 1.1e-4, 1.3e-4],
    ...                                   "central (2n evaluations)": [1e-3, 1e-2, 1e-1]})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['reverse (slope 0.06)', 'central (2n evaluations) (slope 1.00)']
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, values in costs.items():
        values = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        s = np.asarray(sizes[:len(values)], dtype=float)
        keep = np.isfinite(values) & (values > 0)
        ax.loglog(s[keep], values[keep], "o-", label=f"{name} (slope {slope(s, values):.2f})")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return _finish(fig, path)


def hessian_heatmap(hessian, names=None, path=None, title: str = "Hessian",
                    annotate: bool | None = None):
    """A matrix as a heat map, red positive, blue negative, centred at 0.

    ``names`` label the rows and columns; values are written in the cells
    when ``annotate`` (default: for at most 12 × 12).

    >>> fig = hessian_heatmap([[2.0, -1.0], [-1.0, 2.0]], names=["x", "y"])
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['x', 'y']
    """
    plt = _pyplot()
    h = np.asarray(hessian, dtype=float)
    if h.ndim != 2:
        n = int(round(np.sqrt(h.size)))
        if n * n != h.size:
            raise ValueError(f"hessian_heatmap: expected a square matrix; got shape {h.shape}")
        h = h.reshape(n, n)
    scale = float(np.nanmax(np.abs(h), initial=0.0)) or 1.0
    size = min(max(3.0, 0.45 * h.shape[0] + 2), 10.0)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(h, cmap="RdBu_r", vmin=-scale, vmax=scale)
    fig.colorbar(image, ax=ax, shrink=0.8)
    if names is not None:
        ax.set_xticks(range(len(names)), labels=list(names), rotation=90)
        ax.set_yticks(range(len(names)), labels=list(names))
    if annotate if annotate is not None else h.shape[0] <= 12:
        for (i, j), v in np.ndenumerate(h):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * scale else "black")
    ax.set_title(title)
    return _finish(fig, path)


def path_mass(f, x, semiring: Semiring | None = None):
    """Per-element path mass of the scalar ``f`` at the array ``x``, shaped like ``x``.

    The default is MaxProduct: each element's top gradient path weight.
    Entropy gives its entropy (nats); any semiring with one component works.

    >>> import semigrad as sg
    >>> path_mass(lambda x: sg.sum(x * x), np.array([1.0, -3.0])).tolist()
    [1.0, 3.0]
    """
    S = semiring if semiring is not None else MaxProduct()
    if isinstance(S, type):
        S = S()
    result = trace(f, np.asarray(x, dtype=float)).backprop(S)[0]
    if S.components > 1:  # Entropy: [Z, H] → H; KMax: the best
        result = result[1] if isinstance(S, Entropy) else result[0]
    return np.asarray(result, dtype=float)


def path_mass_image(mass, shape=None, image=None, path=None, title: str = "top-path mass",
                    cmap: str = "magma"):
    """Per-input path mass as an image (beside the input image when given).

    ``mass``: one value per input element (e.g. :func:`path_mass`), reshaped
    to ``shape`` (default: the image's shape, else a square).

    >>> import semigrad as sg
    >>> pixels = np.linspace(0.0, 1.0, 16)
    >>> fig = path_mass_image(path_mass(lambda x: sg.sum(sg.tanh(x) ** 2), pixels),
    ...                       image=pixels.reshape(4, 4))
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['input', 'top-path mass']
    """
    plt = _pyplot()
    m = np.asarray(mass, dtype=float)
    if shape is None:
        if image is not None:
            shape = np.shape(image)
        else:
            side = int(round(np.sqrt(m.size)))
            shape = (side, side) if side * side == m.size else (1, m.size)
    m = m.reshape(shape)
    panels = 2 if image is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(3.4 * panels + 0.8, 3.4))
    axes = np.atleast_1d(axes)
    if image is not None:
        axes[0].imshow(np.asarray(image).reshape(shape), cmap="gray_r")
        axes[0].set_title("input")
    shown = axes[-1].imshow(m, cmap=cmap)
    axes[-1].set_title(title)
    fig.colorbar(shown, ax=axes[-1], shrink=0.8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return _finish(fig, path)
