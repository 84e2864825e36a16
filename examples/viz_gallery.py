"""The pictures of docs/viz.md: graphs with values, adjoints and top paths, a folded loop,
the plots, and an explorer page.

    python examples/viz_gallery.py [--out examples/pictures] [--engine dot|builtin]

Writes seed.png and seed.svg (the seed function with its top gradient path), loop.png (a
60-step recurrence, folded), hessian.png, cost.png, training.png, digits_saliency.png
(needs scikit-learn) and explain.html. PNGs need Graphviz or matplotlib; the plots need
matplotlib.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import semigrad as sg
from semigrad import viz


def seed(x, y, z, v):
    return sg.exp(y ** -x - sg.log(z)) + (y - z) ** 2 * sg.log(v)


def recurrence(h):
    for _ in range(60):
        h = sg.sin(h) + sg.cos(h)
    return h


def gradient_costs(sizes, rng):
    """Seconds (best of 3) of reverse mode and central differences on a logistic loss."""
    times = {"reverse mode": [], "central differences (2n evaluations)": []}
    for n in sizes:
        a = rng.standard_normal((64, n))

        def loss(x, a=a):
            return sg.sum(sg.log1p(sg.exp(a @ x))) + 0.5 * sg.sum(x * x)

        x = rng.standard_normal(n)
        for name, run in (("reverse mode", lambda x=x, loss=loss: sg.grad(loss)(x)),
                          ("central differences (2n evaluations)",
                           lambda x=x, loss=loss: sg.numeric.gradient(loss, x))):
            if n > 2000 and name.startswith("central"):
                times[name].append(None)
                continue
            best = float("inf")
            for _ in range(3 if n <= 1000 else 1):
                start = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - start)
            times[name].append(best)
    return times


def digits_saliency(out):
    """Train a small MLP on scikit-learn's digits; the MaxProduct mass of each pixel."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x, y = data.data / 16.0, data.target
    rng = np.random.default_rng(0)
    params = {"W0": rng.standard_normal((64, 32)) / 8, "b0": np.zeros(32),
              "W1": rng.standard_normal((32, 10)) / np.sqrt(32), "b1": np.zeros(10)}

    def logits(p, inputs):
        return sg.tanh(inputs @ p["W0"] + p["b0"]) @ p["W1"] + p["b1"]

    def loss(p):
        logp = sg.log_softmax(logits(p, x[:1200]), axis=1)
        return -sg.mean(logp[np.arange(1200), y[:1200]])

    history = []
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    for _ in range(150):
        value, grads = sg.value_and_grad(loss)(params)
        history.append(float(value))
        for k in params:
            velocity[k] = 0.9 * velocity[k] - 0.5 * grads[k]
            params[k] = params[k] + velocity[k]
    image = x[1500]
    predicted = int(np.argmax(logits(params, image[None])))
    mass = viz.path_mass(lambda v: logits(params, v[None])[0, predicted], image)
    viz.path_mass_image(mass, image=image.reshape(8, 8), path=os.path.join(out,
                        "digits_saliency.png"),
                        title=f"top-path weight to logit {predicted}")
    return history


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "pictures"))
    parser.add_argument("--engine", choices=("dot", "builtin"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    out = lambda name: os.path.join(args.out, name)  # noqa: E731

    g = sg.trace(seed, 0.5, 2.0, 3.0, 4.0)
    for name in ("seed.png", "seed.svg"):
        viz.render(g, out(name), highlight=1, engine=args.engine)
    viz.render(sg.trace(recurrence, 0.1), out("loop.png"), highlight=1, max_edges=24,
               engine=args.engine)
    point = np.array([0.5, 2.0, 3.0, 4.0])
    viz.hessian_heatmap(sg.hessian(lambda p: seed(*p))(point), names=list("xyzv"),
                        path=out("hessian.png"), title="Hessian of the seed function")
    rng = np.random.default_rng(0)
    sizes = [10, 100, 1000, 10_000]
    viz.cost_plot(sizes, gradient_costs(sizes, rng), path=out("cost.png"),
                  title="gradient of a logistic loss")
    try:
        history = digits_saliency(args.out)
    except ImportError:
        print("scikit-learn is not installed: no digits saliency map")
    else:
        viz.training_curves({"training loss": history}, out("training.png"), log=True,
                            title="64-32-10 MLP on digits, full batch")
    viz.explain(sg.parse("exp(y**-x - log(z)) + (y-z)**2*log(v)",
                         variables=["x", "y", "z", "v"]), *point, path=out("explain.html"))
    print(f"pictures written to {args.out}")


if __name__ == "__main__":
    main()
