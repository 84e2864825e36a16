"""Top gradient paths and path entropy of an MLP classifier trained on real digits.

Trains a 64-32-10 tanh MLP on scikit-learn's bundled 8×8 digits (offline),
then, for test images, sweeps the graph of the predicted class's logit with
respect to the input pixels:

* MaxProduct: per pixel, the weight of its top gradient path to the logit
  (shown as an 8×8 map: which pixels carry the strongest single paths);
* Entropy: per pixel, the entropy of the distribution over its paths
  ∝ |path weight|, averaged over pixels, for correctly classified versus
  misclassified images;
* the top path itself, hop by hop.

    python examples/digits_paths.py [--plot digits_paths.png]

Needs scikit-learn (``pip install scikit-learn``); ``--plot`` needs matplotlib.
"""

from __future__ import annotations

import argparse

import numpy as np

import semigrad as sg


def load_digits(seed=0):
    from sklearn.datasets import load_digits as sklearn_digits

    data = sklearn_digits()
    x = data.data / 16.0
    y = data.target
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    cut = int(0.8 * len(y))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def init(rng, sizes=(64, 32, 10)):
    params = {}
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{k}"] = rng.standard_normal((a, b)) * np.sqrt(1.0 / a)
        params[f"b{k}"] = np.zeros(b)
    return params


def logits(params, x):
    h = sg.tanh(x @ params["W0"] + params["b0"])
    return h @ params["W1"] + params["b1"]


def loss(params, x, y):
    logp = sg.log_softmax(logits(params, x), axis=1)
    return -sg.mean(logp[np.arange(len(y)), y])


def train(train_set, steps=300, lr=0.5, seed=0):
    """Full-batch gradient descent with momentum: a few hundred steps suffice."""
    x, y = train_set
    params = init(np.random.default_rng(seed))
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    value_and_grad = sg.value_and_grad(loss)
    for _ in range(steps):
        _, grads = value_and_grad(params, x, y)
        for k in params:
            velocity[k] = 0.9 * velocity[k] - lr * grads[k]
            params[k] = params[k] + velocity[k]
    return params


def accuracy(params, data):
    x, y = data
    return float(np.mean(np.argmax(logits(params, x), axis=1) == y))


def path_maps(params, image):
    """(predicted class, top-path weight per pixel 8×8, path entropy per pixel 8×8, top path)."""
    predicted = int(np.argmax(logits(params, image[None])))
    graph = sg.trace(lambda x: logits(params, x[None])[0, predicted], image)
    top_weight = graph.backprop(sg.semirings.MaxProduct())[0]
    z_and_h = graph.backprop(sg.semirings.Entropy())[0]
    best = sg.paths.top(graph, k=1)[0]
    return predicted, top_weight.reshape(8, 8), z_and_h[1].reshape(8, 8), best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="FILE.png", help="draw images and top-path maps")
    parser.add_argument("--examples", type=int, default=200, help="test images to analyse")
    args = parser.parse_args()
    train_set, test_set = load_digits()
    params = train(train_set)
    print(f"test accuracy {accuracy(params, test_set):.3f} "
          f"({len(test_set[1])} images, 64-32-10 tanh MLP)")
    x, y = test_set
    entropies = {True: [], False: []}
    shown = []
    for image, label in zip(x[: args.examples], y[: args.examples]):
        predicted, top_weight, entropy, best = path_maps(params, image)
        entropies[predicted == label].append(float(entropy.mean()))
        if len(shown) < 4:
            shown.append((image, label, predicted, top_weight, best))
    for correct in (True, False):
        values = entropies[correct]
        if values:
            print(f"{'correct' if correct else 'misclassified':>14}: {len(values):>4} images, "
                  f"mean path entropy per pixel {np.mean(values):.3f} nats")
    image, label, predicted, top_weight, best = shown[0]
    pixel = tuple(int(v) for v in np.unravel_index(int(np.argmax(top_weight)), (8, 8)))
    print(f"image of a {label} (predicted {predicted}): strongest pixel {pixel}, its top path "
          f"(weight {best.weight:.4g}):")
    for hop in best.hops:
        print(f"  {hop.node}{list(hop.element)} --{hop.primitive}[{hop.position}] "
              f"∂={hop.partial:+.4f}--> {hop.to_node}{list(hop.to_element)}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, len(shown), figsize=(2.6 * len(shown), 5.4))
        for col, (image, label, predicted, top_weight, _) in enumerate(shown):
            axes[0, col].imshow(image.reshape(8, 8), cmap="gray_r")
            axes[0, col].set_title(f"label {label}, predicted {predicted}")
            axes[1, col].imshow(top_weight, cmap="magma")
            axes[1, col].set_title("top-path weight")
            for ax in axes[:, col]:
                ax.set_xticks([])
                ax.set_yticks([])
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
