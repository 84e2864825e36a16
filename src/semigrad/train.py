"""The ``semigrad train`` command: train an MLP on real or synthetic data.

``semigrad train`` trains a multilayer perceptron with semigrad's eager face
(``loss.backward()``, an optimiser's ``step()``) on scikit-learn's bundled
8×8 digits (the default; offline) or on a synthetic classification set,
showing a progress bar with the running loss and accuracy (tqdm when
installed, else one line per epoch), and prints the test accuracy. ``--plot``
draws the loss and accuracy curves (matplotlib), ``--save``/``--load`` write
and read the parameters as ``.npz``, ``--json`` prints one JSON object.

:func:`add_parser` registers the subcommand on an ``argparse`` subparsers
object; the parsed arguments' ``run`` does the work and returns the exit
status. Bad input raises :class:`TrainError` (a ``ValueError``) with a
one-line message, which the ``semigrad`` command prints with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from . import data, optim
from .nn import MLP, functional_call, save_model
from .nn import functional as F

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
              "rmsprop": optim.RMSprop}
#: The learning rate used when --lr is not given.
DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3}
DATA = ("digits", "synthetic")

EXAMPLES = """examples:
  semigrad train                                   # digits, MLP 64-128-10, Adam, 20 epochs
  semigrad train --epochs 40 --hidden 256,128 --optimizer sgd --lr 0.05
  semigrad train --data synthetic --json
  semigrad train --plot curves.png --save digits.npz
  semigrad train --load digits.npz --epochs 0      # evaluate saved parameters
"""


class TrainError(ValueError):
    """Bad input to ``semigrad train``: a one-line message (exit status 2)."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand on ``subparsers``; its ``run`` does the work.

    >>> import argparse
    >>> from semigrad import train
    >>> parser = argparse.ArgumentParser(prog="semigrad")
    >>> _ = train.add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["train", "--epochs", "5", "--hidden", "64,32"])
    >>> args.epochs, args.hidden, args.optimizer, args.run is train.run
    (5, '64,32', 'adam', True)
    """
    p = subparsers.add_parser(
        "train",
        help="train an MLP on the digits (or a synthetic set) and report test accuracy",
        description="Train a multilayer perceptron with semigrad and print its test accuracy.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", choices=DATA, default="digits",
                   help="scikit-learn's 8x8 digits (default; needs scikit-learn) or a "
                        "synthetic set of Gaussian clusters (2,000 examples, 16 features, "
                        "4 classes)")
    p.add_argument("--epochs", type=int, default=20, metavar="N",
                   help="passes over the training set (default 20; 0 only evaluates)")
    p.add_argument("--lr", type=float, default=None, metavar="LR",
                   help="learning rate (default: " + ", ".join(
                       f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")")
    p.add_argument("--batch-size", type=int, default=32, metavar="N",
                   help="examples per step (default 32)")
    p.add_argument("--hidden", default="128", metavar="WIDTHS",
                   help="hidden layer widths, comma-separated (default 128: 64-128-10 on digits)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seeds the split, the initial weights and the shuffling (default 0)")
    p.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="adam",
                   help="the optimiser (default adam)")
    p.add_argument("--plot", metavar="FILE.png", help="write loss and accuracy curves "
                   "(needs matplotlib)")
    p.add_argument("--save", metavar="FILE.npz", help="write the trained model (parameters "
                   "and architecture: semigrad paths reads it)")
    p.add_argument("--load", metavar="FILE.npz", help="start from saved parameters")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (and no progress bar)")
    p.set_defaults(run=run)
    return p


def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise TrainError(
            f"--hidden: expected positive integers separated by commas (e.g. 128 or 256,128); "
            f"got {text!r}"
        )
    return sizes


def _check_args(args) -> None:
    if args.epochs < 0:
        raise TrainError(f"--epochs must be 0 or more; got {args.epochs}")
    if args.batch_size < 1:
        raise TrainError(f"--batch-size must be a positive integer; got {args.batch_size}")
    if args.lr is not None and not (np.isfinite(args.lr) and args.lr > 0):
        raise TrainError(f"--lr must be a positive number; got {args.lr}")
    if args.load and not os.path.isfile(args.load):
        raise TrainError(f"--load: no such file: {args.load}")
    for flag, path in (("--save", args.save), ("--plot", args.plot)):
        if path:
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise TrainError(f"{flag}: the folder {folder} does not exist")
    if args.plot and not args.epochs:
        raise TrainError("--plot draws the training curves: it needs --epochs of 1 or more")
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise TrainError("--plot needs matplotlib: pip install matplotlib") from None


def _dataset(name: str, rng: np.random.Generator):
    if name == "digits":
        try:
            x, y = data.load_digits()
        except ImportError:
            raise TrainError(
                "--data digits needs scikit-learn (pip install scikit-learn); or use "
                "--data synthetic"
            ) from None
    else:
        x, y = data.synthetic_classification(2000, n_features=16, n_classes=4, rng=rng)
    return data.train_test_split(x, y, test_size=0.2, shuffle=rng)


class _Progress:
    """A progress bar over all batches (tqdm), or one line per epoch on stderr without it."""

    def __init__(self, total: int, epochs: int, enabled: bool):
        self.epochs, self.enabled, self.bar = epochs, enabled, None
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, unit="batch", file=sys.stderr, leave=True,
                        dynamic_ncols=True)

    def batch(self, epoch: int, loss: float, accuracy: float) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)
            self.bar.set_postfix_str(f"loss {loss:.4f}  accuracy {accuracy:.1%}", refresh=False)
            self.bar.update(1)

    def epoch(self, epoch: int, loss: float, accuracy: float, test: float, seconds: float):
        if self.enabled and self.bar is None:
            width = len(str(self.epochs))
            print(f"epoch {epoch:>{width}}/{self.epochs}  loss {loss:.4f}  accuracy "
                  f"{accuracy:.1%}  test accuracy {test:.1%}  ({seconds:.2f} s)", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _evaluate(model, x, y) -> tuple[float, float]:
    """Mean cross-entropy and accuracy, on plain arrays (nothing is recorded)."""
    logits = functional_call(model, model.state_dict(), x)
    return float(F.cross_entropy(logits, y)), float(np.mean(np.argmax(logits, axis=-1) == y))


def _plot(path: str, history: dict) -> None:
    from matplotlib.figure import Figure

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, history["train_loss"], marker=".", label="training")
    loss_ax.plot(epochs, history["test_loss"], marker=".", label="test")
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    acc_ax.plot(epochs, history["train_accuracy"], marker=".", label="training")
    acc_ax.plot(epochs, history["test_accuracy"], marker=".", label="test")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.savefig(path, dpi=120)


def _train(args, model, optimizer, batches, test_set, history, progress) -> None:
    """The training loop: eager forward, backward and step, batch by batch."""
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        total_loss = correct = seen = 0.0
        for xb, yb in batches:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = float(loss)
            if not np.isfinite(value):
                raise TrainError(
                    f"the training loss became {value} in epoch {epoch}: lower --lr (it is "
                    f"{optimizer.current_lr:g})"
                )
            total_loss += value * len(yb)
            correct += float(np.sum(np.argmax(logits.value, axis=-1) == yb))
            seen += len(yb)
            progress.batch(epoch, total_loss / seen, correct / seen)
        test_loss, test_accuracy = _evaluate(model, *test_set)
        for key, v in (("train_loss", total_loss / seen), ("train_accuracy", correct / seen),
                       ("test_loss", test_loss), ("test_accuracy", test_accuracy)):
            history[key].append(v)
        progress.epoch(epoch, total_loss / seen, correct / seen, test_accuracy,
                       time.perf_counter() - epoch_start)


def run(args) -> int:
    """Train and report (the ``semigrad train`` command); returns the exit status.

    >>> import argparse
    >>> from semigrad import train
    >>> parser = argparse.ArgumentParser(prog="semigrad")
    >>> _ = train.add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["train", "--data", "synthetic", "--epochs", "2", "--json"])
    >>> args.run(args)
    {"data": "synthetic", "sizes": [16, 128, 4], "optimizer": "adam", ...}
    0
    """
    _check_args(args)
    hidden = _hidden(args.hidden)
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_test, y_test) = _dataset(args.data, rng)
    classes = int(max(y_train.max(), y_test.max())) + 1
    sizes = [x_train.shape[1], *hidden, classes]
    model = MLP(sizes, rng=rng)
    if args.load:
        try:
            model.load(args.load)
        except ValueError as e:
            hint = (f" (the model is {'-'.join(map(str, sizes))}: was the file saved with "
                    "another --hidden or --data?)" if "do not match" in str(e) else "")
            raise TrainError(f"--load: {e}{hint}") from None
    lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), lr=lr)
    batches = data.Batches(x_train, y_train, batch_size=args.batch_size, shuffle=rng)
    history = {"train_loss": [], "train_accuracy": [], "test_loss": [], "test_accuracy": []}
    progress = _Progress(args.epochs * len(batches), args.epochs, enabled=not args.json)
    start = time.perf_counter()
    # A diverging run is reported once (by _train), not by NumPy warnings on every batch.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            _train(args, model, optimizer, batches, (x_test, y_test), history, progress)
        finally:
            progress.close()
    seconds = time.perf_counter() - start
    if args.epochs:
        train_loss, train_accuracy = history["train_loss"][-1], history["train_accuracy"][-1]
        test_accuracy = history["test_accuracy"][-1]
    else:
        train_loss, train_accuracy = _evaluate(model, x_train, y_train)
        test_accuracy = _evaluate(model, x_test, y_test)[1]
    if args.save:
        save_model(args.save, model)
    if args.plot:
        _plot(args.plot, history)
    if args.json:
        print(json.dumps({
            "data": args.data, "sizes": sizes, "optimizer": args.optimizer, "lr": lr,
            "batch_size": args.batch_size, "epochs": args.epochs, "seed": args.seed,
            "train_examples": len(y_train), "test_examples": len(y_test),
            "train_loss": train_loss, "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy, "seconds": seconds, "history": history,
            "saved": args.save, "plot": args.plot,
        }))
        return 0
    print(f"{args.data}: MLP {'-'.join(map(str, sizes))}, {args.optimizer} lr {lr:g}, "
          f"batch {args.batch_size}, {args.epochs} epochs in {seconds:.2f} s "
          f"({len(y_train)} training, {len(y_test)} test examples)")
    print(f"train loss {train_loss:.4f}  train accuracy {train_accuracy:.2%}")
    print(f"test accuracy {test_accuracy:.2%}")
    if args.save:
        print(f"model saved to {args.save} (semigrad paths {args.save} --digit 0 shows its "
              "top gradient paths)" if args.data == "digits" else f"model saved to {args.save}")
    if args.plot:
        print(f"curves written to {args.plot}")
    return 0
