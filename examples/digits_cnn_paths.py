"""Top-path saliency of a small CNN on the digits, beside gradient × input and plain gradients.

Trains Conv2d(1, 8, 3) → ReLU → MaxPool2d(2) → Conv2d(8, 16, 3) → ReLU →
MaxPool2d(2) → Flatten → Linear(64, 10) on scikit-learn's 8×8 digits (offline)
with Adam, then, for test images, sweeps the graph of the predicted class's
logit back to the 64 pixels four ways:

* top path: MaxProduct, per pixel the |weight| of its single best gradient
  path to the logit (a sensitivity, like the gradient, but of one path);
* top path × input: that weight times the pixel's value (the analogue of
  gradient × input: a pixel at 0 contributes nothing);
* gradient × input, and the plain gradient (the sum over all paths);
* path entropy: per pixel, the entropy (nats) of its paths ∝ |path weight|.

It prints how the maps agree (Spearman rank correlation), how concentrated
each is (the effective number of pixels, exp of the entropy of the normalised
|map|, and the share of the top 8 pixels), a deletion test (zero each map's
top-k pixels, measure the drop in the logit and how often the prediction
changes), one top path layer by layer with its convolution taps, and what
each analysis costs as a multiple of one backward pass (sg.grad).

    python examples/digits_cnn_paths.py [--plot cnn_saliency.png] [--save cnn.npz]
    semigrad paths cnn.npz --digit 0 --top 3

Needs scikit-learn (the digits; ``pip install scikit-learn``); ``--plot`` needs matplotlib.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import semigrad as sg
from semigrad import nn, optim
from semigrad.nn import functional as F

METHODS = ("top path", "top path × input", "gradient × input", "gradient")


def load_digits(seed=0):
    """((x_train, y_train), (x_test, y_test)): images of shape (1, 8, 8), 80/20 split."""
    x, y = sg.data.load_digits()
    return sg.data.train_test_split(x.reshape(-1, 1, 8, 8), y, test_size=0.2, shuffle=seed)


def make_model(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10, rng=rng),
    )


def train(train_set, epochs=8, lr=0.01, batch_size=64, seed=0):
    """Adam on mini-batches; the model comes back in eval mode."""
    x, y = train_set
    model = make_model(seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        for xb, yb in sg.data.Batches(x, y, batch_size=batch_size, shuffle=seed + epoch):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def predict(model, x):
    return np.argmax(model(x).numpy(), axis=1)


def accuracy(model, data):
    x, y = data
    return float(np.mean(predict(model, x) == y))


def logit(model, image, c):
    """The function of the image (1, 8, 8) whose paths are swept: class c's logit."""
    return lambda image: model(image[None])[0, c]


def saliency(model, image):
    """(predicted class, {map name: 8×8 array}, the traced graph of its logit).

    One trace, three sweeps of the same graph: MaxProduct, Entropy and Real
    (the gradient).
    """
    c = int(predict(model, image[None])[0])
    graph = sg.trace(logit(model, image, c), image)
    top = graph.backprop(sg.semirings.MaxProduct())[0][0]
    entropy = graph.backprop(sg.semirings.Entropy())[0][1, 0]
    gradient = graph.backprop(sg.semirings.Real())[0][0]
    pixels = image[0]
    maps = {"top path": top, "top path × input": top * pixels,
            "gradient × input": gradient * pixels, "gradient": gradient, "entropy": entropy}
    return c, maps, graph


def ranked(maps, name):
    """Pixels in the order the deletion test removes them: signed maps largest first
    for gradient × input (zeroing a positive term lowers the logit, to first order),
    magnitudes otherwise."""
    m = maps[name]
    score = m if name == "gradient × input" else np.abs(m)
    return np.argsort(-score, axis=None, kind="stable")


def effective_pixels(m):
    """exp(entropy) of |m| normalised to sum 1: 64 for a flat map, 1 for a single pixel."""
    p = np.abs(m).ravel() / np.abs(m).sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def top_share(m, k=8):
    a = np.sort(np.abs(m).ravel())[::-1]
    return float(a[:k].sum() / a.sum())


def spearman(a, b):
    from scipy.stats import spearmanr

    return float(spearmanr(np.ravel(a), np.ravel(b)).statistic)


def deletion(model, images, classes, orders, ks):
    """Mean drop of each image's logit when its first k pixels in ``orders`` are zeroed,
    and the fraction of images whose prediction changes: {k: (drop, changed)}."""
    rows = np.arange(len(images))
    before = model(images).numpy()[rows, classes]
    out = {}
    for k in ks:
        masked = images.reshape(len(images), 64).copy()
        masked[rows[:, None], orders[:, :k]] = 0.0
        after = model(masked.reshape(images.shape)).numpy()
        out[k] = (float(np.mean(before - after[rows, classes])),
                  float(np.mean(np.argmax(after, axis=1) != classes)))
    return out


def layer_steps(model, path):
    """The path's hops grouped by the layer each group ends in.

    One row per layer: (layer name, element reached, product of the group's
    partials, what the weighted hop is: a convolution tap or a Linear weight).
    The factors multiply to the path's weight.
    """
    rows, factor, previous = [], 1.0, path.element
    for hop in path.hops:
        factor *= hop.partial
        if ":" not in hop.to_node:
            continue
        index, kind = hop.to_node.split(":")
        layer, here = model[int(index)], hop.to_element
        if kind == "Conv2d":
            c_in = previous[-3] if len(previous) == 4 else 0
            tap = tuple((i - o * s + p) // d for i, o, s, p, d in zip(
                previous[-2:], here[-2:], layer.stride, layer.padding, layer.dilation))
            what = f"filter {here[1]}, tap {tap} of channel {c_in}: weight[{here[1]}, {c_in}, " \
                   f"{tap[0]}, {tap[1]}] = {layer.weight.value[(here[1], c_in, *tap)]:+.4f}"
        elif kind == "Linear":
            what = f"weight[{here[-1]}, {previous[-1]}] = " \
                   f"{layer.weight.value[here[-1], previous[-1]]:+.4f}"
        elif kind == "MaxPool2d":
            what = f"the maximum of its window, from {list(previous)}"
        elif kind == "ReLU":
            what = "active (its input > 0)"
        else:
            what = f"from {list(previous)}"
        rows.append((hop.to_node, here, factor, what))
        factor, previous = 1.0, here
    if factor != 1.0:
        rows.append(("(logit)", (), factor, ""))
    return rows


def seconds(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def timings(model, image, rounds=15):
    """Each analysis of one image's logit as a multiple of one backward pass (sg.grad).

    The analyses run in rounds, one after the other, so that the machine's
    load shifts all of them alike; each ratio is the median over the rounds
    of (analysis / backward in the same round). Two measures: end to end
    (each traces the model again: sg.grad runs it too), and the sweep alone
    on one traced graph against the Real sweep (the gradient) on it.
    Returns {analysis: (median seconds, end-to-end ratio, sweep-alone ratio)}.
    """
    c = int(predict(model, image[None])[0])
    f = logit(model, image, c)
    grad, graph = sg.grad(f), sg.trace(f, image)
    semirings = {"top-path map (MaxProduct)": sg.semirings.MaxProduct(),
                 "entropy map (Entropy)": sg.semirings.Entropy()}
    runs = {"gradient (sg.grad)": (lambda: grad(image),
                                   lambda: graph.backprop(sg.semirings.Real()))}
    for name, S in semirings.items():
        runs[name] = (lambda S=S: sg.trace(f, image).backprop(S), lambda S=S: graph.backprop(S))
    runs["top-3 paths (sg.paths.top)"] = (lambda: sg.paths.top(sg.trace(f, image), k=3),
                                          lambda: sg.paths.top(graph, k=3))
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, pair in runs.items():
            times[name].append([seconds(run) for run in pair])
    base = np.array(times["gradient (sg.grad)"])
    return {name: (float(np.median(np.array(t)[:, 0])),
                   *np.median(np.array(t) / base, axis=0).tolist()) for name, t in times.items()}


def plot(shown, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ("image", *METHODS, "entropy")
    fig, axes = plt.subplots(len(shown), len(columns),
                             figsize=(1.9 * len(columns), 2.0 * len(shown)), squeeze=False)
    for row, (image, label, c, maps) in enumerate(shown):
        for col, name in enumerate(columns):
            ax = axes[row, col]
            if name == "image":
                ax.imshow(image[0], cmap="gray_r")
                ax.set_title(f"a {label}, predicted {c}", fontsize=9)
            elif name in ("gradient × input", "gradient"):
                bound = np.abs(maps[name]).max()
                ax.imshow(maps[name], cmap="RdBu_r", vmin=-bound, vmax=bound)
            elif name == "entropy":
                ax.imshow(maps[name], cmap="viridis")
            else:  # from 0, so that a flat map looks flat
                ax.imshow(maps[name], cmap="magma", vmin=0)
            if row == 0 and name != "image":
                ax.set_title(name + (" (nats)" if name == "entropy" else ""), fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("predicted class's logit, swept back to the pixels "
                 "(red +, blue − for the signed maps)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="test images to analyse")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--plot", metavar="FILE.png", help="draw images and their four maps")
    parser.add_argument("--save", metavar="MODEL.npz",
                        help="write the trained model (semigrad paths MODEL.npz --digit N)")
    args = parser.parse_args()

    train_set, test_set = load_digits()
    start = time.perf_counter()
    model = train(train_set, epochs=args.epochs)
    print(f"test accuracy {accuracy(model, test_set):.3f} ({len(test_set[1])} images; "
          f"{sum(p.size for p in model.parameters())} parameters, trained in "
          f"{time.perf_counter() - start:.1f} s)")
    if args.save:
        nn.save_model(args.save, model)
        print(f"model written to {args.save}")

    x, y = test_set[0][: args.examples], test_set[1][: args.examples]
    classes, all_maps, entropies, counts = [], [], {True: [], False: []}, []
    for image, label in zip(x, y):
        c, maps, graph = saliency(model, image)
        classes.append(c)
        all_maps.append(maps)
        counts.append(graph.backprop(sg.semirings.Counting())[0][0])
        entropies[c == label].append(float(maps["entropy"].mean()))
    classes = np.array(classes)

    print(f"\nmaps of {len(x)} test images (means over the images)")
    print(f"  {'map':<18}{'effective pixels':>18}{'top-8 share':>13}")
    for name in METHODS:
        print(f"  {name:<18}{np.mean([effective_pixels(m[name]) for m in all_maps]):>18.1f}"
              f"{np.mean([top_share(m[name]) for m in all_maps]):>13.2f}")
    print("  (of 64 pixels; ink covers "
          f"{np.mean([np.count_nonzero(im) for im in x]):.1f} pixels on average)")

    print("\nSpearman rank correlation of |map| (mean over the images)")
    pairs = [("top path", "gradient"), ("top path", "gradient × input"),
             ("top path × input", "gradient × input"), ("gradient", "gradient × input")]
    for a, b in pairs:
        rho = np.mean([spearman(np.abs(m[a]), np.abs(m[b])) for m in all_maps])
        print(f"  {a:>16} ~ {b:<17}{rho:+.2f}")
    a, b = "top path × input", "gradient × input"  # both 0 off the ink: ties that agree
    rho = np.mean([spearman(np.abs(m[a][im[0] > 0]), np.abs(m[b][im[0] > 0]))
                   for m, im in zip(all_maps, x)])
    print(f"  {a:>16} ~ {b:<17}{rho:+.2f} on the ink only")
    rho = np.mean([spearman(m["entropy"], n) for m, n in zip(all_maps, counts)])
    print(f"  {'path entropy':>16} ~ {'number of paths':<17}{rho:+.2f}")

    ks = (4, 8, 16)
    print("\ndeletion: zero each map's top-k pixels; mean drop of the logit (fraction of "
          "predictions changed)")
    print(f"  {'order':<18}" + "".join(f"{'k=' + str(k):>16}" for k in ks))
    orders = {name: np.array([ranked(m, name) for m in all_maps]) for name in METHODS}
    rng = np.random.default_rng(0)
    orders["random"] = np.array([rng.permutation(64) for _ in x])
    for name, order in orders.items():
        result = deletion(model, x, classes, order, ks)
        print(f"  {name:<18}" + "".join(f"{d:>9.2f} ({ch:.2f})" for d, ch in result.values()))

    for correct in (True, False):
        if entropies[correct]:
            print(f"\n{'correct' if correct else 'misclassified':>13}: {len(entropies[correct])} "
                  f"images, mean path entropy per pixel {np.mean(entropies[correct]):.2f} nats",
                  end="")
    print()

    image, label, c, maps = x[0], y[0], classes[0], all_maps[0]
    best = sg.paths.top(sg.trace(logit(model, image, c), image), k=1)[0]
    print(f"\nthe top path of test image 0 (a {label}, predicted {c}): from pixel "
          f"{best.element[1:]}, weight {best.weight:+.4f}, {len(best.hops)} scalar hops; "
          "by layer:")
    rows = layer_steps(model, best)
    print(f"  {'layer':<12}{'reaches':<16}{'factor':>9}  hop")
    for name, here, factor, what in rows:
        print(f"  {name:<12}{str(list(here)):<16}{factor:>+9.4f}  {what}")

    print("\ncost on one image, as a multiple of one backward pass (medians of 15 rounds)")
    print(f"  {'analysis':<28}{'time':>10}{'end to end':>12}{'sweep alone':>13}")
    for name, (t, end_to_end, alone) in timings(model, x[0]).items():
        print(f"  {name:<28}{t * 1e3:>7.2f} ms{end_to_end:>11.1f}×{alone:>12.1f}×")

    if args.plot:
        shown = [(x[k], y[k], classes[k], all_maps[k]) for k in range(4)]
        plot(shown, args.plot)
        print(f"\nplot written to {args.plot}")


if __name__ == "__main__":
    main()
