"""Training benchmark: the same MLP, data, initial weights and batches, semigrad vs PyTorch.

Usage: ``python benchmarks/training.py [--epochs 10] [--rounds 3] [--dtype float32]
[--hidden 128] [--batch-size 32] [--lr 1e-3] [--threads 1] [--json FILE]``.

The parent process loads scikit-learn's digits, splits them, draws the initial weights of an
MLP 64-128-10 (ReLU) and every epoch's batch order from one seed, and writes them to a
temporary ``.npz``. Each (round, library) then trains in a fresh worker process
(``training.py --worker LIB FILE``) with Adam on exactly those weights and batches, timing
each epoch with ``time.perf_counter``, and prints JSON: the epoch times, the loss of every
step and the final test accuracy. Libraries run in alternating order from round to round.

Libraries: ``semigrad`` (eager: ``model(x)``, ``loss.backward()``, ``opt.step()``),
``semigrad-functional`` (``sg.value_and_grad`` over a dict of parameters with
``sg.nn.functional_call``), ``torch`` (PyTorch CPU, eager: ``nn.Sequential``,
``torch.optim.Adam``; tensors built once, batches indexed with index tensors).

Report: per library, the median epoch time (every epoch but each run's first, over all
rounds), the ratio to PyTorch's (below 1: faster than PyTorch), the final loss and test
accuracy, and the largest |difference| between each loss curve and PyTorch's (step by step).
It is a measuring tool: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from timing import pin_threads

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
LIBS = ("semigrad", "semigrad-functional", "torch")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3, help="worker runs per library (default 3)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--libs", default=",".join(LIBS), help=f"from {','.join(LIBS)}")
    p.add_argument("--threads", type=int, help="OMP/OPENBLAS/MKL_NUM_THREADS in the workers "
                   "(default: the environment as it is)")
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    p.add_argument("--worker", nargs=2, metavar=("LIB", "FILE"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


# ---- the problem, written once by the parent ------------------------------------------


def make_problem(args, path):
    sys.path.insert(0, str(SRC))
    import semigrad.nn as nn
    from semigrad import data

    rng = np.random.default_rng(args.seed)
    x, y = data.load_digits(dtype=args.dtype)
    (x_train, y_train), (x_test, y_test) = data.train_test_split(x, y, test_size=0.2,
                                                                 shuffle=rng)
    model = nn.MLP([64, args.hidden, 10], rng=rng, dtype=args.dtype)
    orders = np.stack([rng.permutation(len(y_train)) for _ in range(args.epochs)])
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
              "orders": orders, "lr": np.array(args.lr), "batch_size": np.array(args.batch_size)}
    arrays.update({f"param/{k}": v for k, v in model.state_dict().items()})
    np.savez(path, **arrays)


def load_problem(path):
    with np.load(path, allow_pickle=False) as f:
        problem = {k: f[k] for k in f.files}
    params = {k.split("/", 1)[1]: v for k, v in problem.items() if k.startswith("param/")}
    return problem, params


def batches(problem, epoch):
    order, size = problem["orders"][epoch], int(problem["batch_size"])
    return [order[k:k + size] for k in range(0, len(order), size)]


# ---- workers -----------------------------------------------------------------------------


def run_semigrad(problem, params, functional):
    import semigrad as sg
    import semigrad.nn as nn
    import semigrad.optim as optim
    from semigrad.nn import functional as F

    x, y = problem["x_train"], problem["y_train"]
    model = nn.MLP([64, params["0.weight"].shape[0], 10])
    model.load_state_dict(params)
    lr = float(problem["lr"])
    if functional:
        weights = model.state_dict()
        opt = optim.Adam(weights, lr=lr)

        def loss_fn(p, xb, yb):
            return F.cross_entropy(nn.functional_call(model, p, xb), yb)

        value_and_grad = sg.value_and_grad(loss_fn)

        def step(xb, yb):
            loss, grads = value_and_grad(weights, xb, yb)
            opt.step(grads)
            return float(loss)
    else:
        opt = optim.Adam(model.parameters(), lr=lr)

        def step(xb, yb):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return float(loss)

    losses, seconds = [], []
    for epoch in range(len(problem["orders"])):
        start = time.perf_counter()
        for rows in batches(problem, epoch):
            losses.append(step(x[rows], y[rows]))
        seconds.append(time.perf_counter() - start)
    final = weights if functional else model.state_dict()
    logits = nn.functional_call(model, final, problem["x_test"])
    accuracy = float(np.mean(np.argmax(logits, axis=1) == problem["y_test"]))
    return {"epoch_seconds": seconds, "losses": losses, "test_accuracy": accuracy}


def run_torch(problem, params):
    import torch

    dtype = getattr(torch, str(problem["x_train"].dtype))
    hidden = params["0.weight"].shape[0]
    model = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, 10)).to(dtype)
    with torch.no_grad():  # both lay the weight out as (out, in)
        for k in (0, 2):
            model[k].weight.copy_(torch.from_numpy(params[f"{k}.weight"].copy()))
            model[k].bias.copy_(torch.from_numpy(params[f"{k}.bias"]))
    opt = torch.optim.Adam(model.parameters(), lr=float(problem["lr"]))
    x = torch.from_numpy(problem["x_train"])
    y = torch.from_numpy(problem["y_train"])
    losses, seconds = [], []
    for epoch in range(len(problem["orders"])):
        start = time.perf_counter()
        for rows in batches(problem, epoch):
            index = torch.from_numpy(rows)
            loss = torch.nn.functional.cross_entropy(model(x[index]), y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        logits = model(torch.from_numpy(problem["x_test"])).numpy()
    accuracy = float(np.mean(np.argmax(logits, axis=1) == problem["y_test"]))
    return {"epoch_seconds": seconds, "losses": losses, "test_accuracy": accuracy,
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}


def worker(lib, path):
    problem, params = load_problem(path)
    if lib == "torch":
        result = run_torch(problem, params)
    else:
        result = run_semigrad(problem, params, functional=lib == "semigrad-functional")
    print(json.dumps(result))


# ---- the parent ----------------------------------------------------------------------------


def spawn(lib, path, threads):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    pin_threads(threads, env)
    done = subprocess.run([sys.executable, __file__, "--worker", lib, path], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": last}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return
    libs = [name.strip() for name in args.libs.split(",") if name.strip()]
    unknown = [name for name in libs if name not in LIBS]
    if unknown:
        sys.exit(f"unknown libraries: {', '.join(unknown)} (known: {', '.join(LIBS)})")
    load_before = os.getloadavg()
    runs = {lib: [] for lib in libs}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "problem.npz")
        make_problem(args, path)
        for r in range(args.rounds):
            order = libs if r % 2 == 0 else libs[::-1]
            for lib in order:
                result = spawn(lib, path, args.threads)
                runs[lib].append(result)
                status = result.get("error") or f"{statistics.median(result['epoch_seconds']):.4f}"
                print(f"round {r + 1}/{args.rounds} {lib:<20} {status}", file=sys.stderr)
    summary = summarise(runs)
    print(f"digits, MLP 64-{args.hidden}-10 (ReLU), Adam lr {args.lr:g}, batch {args.batch_size}, "
          f"{args.dtype}, {args.epochs} epochs x {args.rounds} rounds; "
          f"{platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} cores, "
          f"threads {args.threads or 'default'}")
    print(f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print()
    print("| library | time per epoch (median) | ratio to PyTorch | final loss | test accuracy "
          "| max abs loss difference from PyTorch |")
    print("|---|---|---|---|---|---|")
    for lib in libs:
        s = summary[lib]
        if "error" in s:
            print(f"| {lib} | {s['error']} | | | | |")
            continue
        ratio = f"{s['ratio']:.2f}" if s.get("ratio") is not None else "—"
        diff = f"{s['max_loss_diff']:.2g}" if s.get("max_loss_diff") is not None else "—"
        print(f"| {lib} | {s['epoch_ms']:.1f} ms | {ratio} | {s['final_loss']:.6f} | "
              f"{s['test_accuracy']:.2%} | {diff} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "runs": runs, "summary": summary}, fh)


def summarise(runs):
    summary = {}
    reference = None
    good = {lib: [r for r in rs if "error" not in r] for lib, rs in runs.items()}
    if good.get("torch"):
        reference = good["torch"][0]["losses"]
    torch_epoch = None
    if good.get("torch"):
        torch_epoch = statistics.median(
            t for r in good["torch"] for t in (r["epoch_seconds"][1:] or r["epoch_seconds"]))
    for lib, rs in good.items():
        if not rs:
            summary[lib] = {"error": runs[lib][0]["error"] if runs[lib] else "not run"}
            continue
        epoch = statistics.median(t for r in rs for t in (r["epoch_seconds"][1:]
                                                          or r["epoch_seconds"]))
        losses = rs[0]["losses"]
        summary[lib] = {
            "epoch_ms": 1e3 * epoch,
            "ratio": epoch / torch_epoch if torch_epoch else None,
            "final_loss": losses[-1],
            "test_accuracy": rs[0]["test_accuracy"],
            "max_loss_diff": (float(np.max(np.abs(np.subtract(losses, reference))))
                              if reference is not None else None),
        }
    return summary


if __name__ == "__main__":
    main()
