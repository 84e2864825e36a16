"""Convolution benchmark: a small CNN's forward and backward pass, semigrad vs PyTorch.

Usage: ``python benchmarks/conv.py [--batch 64] [--size 28] [--dtype float32] [--repeats 20]
[--threads 1]``.

The same CNN (Conv2d 1→16 3×3 pad 1, BatchNorm2d, ReLU, MaxPool2d 2, Conv2d 16→32 3×3 pad 1,
ReLU, AvgPool2d 2, a linear head to 10 classes, cross-entropy) with the same weights (PyTorch's
initialisation, loaded into semigrad through ``state_dict``) runs on the same random batch in
both libraries, in training mode; each repeat is one forward pass and one backward pass.
Reports the median time per step, the ratio to PyTorch's (above 1: semigrad is slower) and the
largest difference between the two libraries' gradients. A measuring tool: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from timing import pin_threads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    pin_threads(args.threads)  # before NumPy and PyTorch start their thread pools

    # imported after the thread counts are set: BLAS reads them when it loads
    import numpy as np
    import torch

    import semigrad as sg
    from semigrad.nn import functional as F

    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = np.dtype(args.dtype)
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype.type]
    torch.manual_seed(0)
    tnn = torch.nn
    flat = 32 * (args.size // 4) ** 2
    theirs = tnn.Sequential(
        tnn.Conv2d(1, 16, 3, padding=1), tnn.BatchNorm2d(16), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(16, 32, 3, padding=1), tnn.ReLU(), tnn.AvgPool2d(2), tnn.Flatten(),
    ).to(torch_dtype)
    head = torch.randn(flat, 10, dtype=torch_dtype) * 0.01
    ours = sg.nn.Sequential(
        sg.nn.Conv2d(1, 16, 3, padding=1, rng=0, dtype=dtype), sg.nn.BatchNorm2d(16, dtype=dtype),
        sg.nn.ReLU(), sg.nn.MaxPool2d(2),
        sg.nn.Conv2d(16, 32, 3, padding=1, rng=0, dtype=dtype), sg.nn.ReLU(), sg.nn.AvgPool2d(2),
        lambda h: sg.reshape(h, (h.shape[0], -1)),
    )
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    our_head = sg.nn.Parameter(head.numpy())
    their_head = head.clone().requires_grad_(True)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, 1, args.size, args.size)).astype(dtype)
    y = rng.integers(0, 10, size=args.batch)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step_ours():
        for p in [*ours.parameters(), our_head]:
            p.grad = None
        F.cross_entropy(ours(x) @ our_head, y).backward()

    def step_theirs():
        theirs.zero_grad()
        their_head.grad = None
        torch.nn.functional.cross_entropy(theirs(tx) @ their_head, ty).backward()

    times = {"semigrad": [], "torch": []}
    for _ in range(args.repeats):
        for name, step in (("semigrad", step_ours), ("torch", step_theirs)):
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    gap = max(float(np.max(np.abs(p.grad - q.grad.numpy())))
              for p, q in zip(ours.parameters(), theirs.parameters()))
    median = {k: statistics.median(v[1:]) for k, v in times.items()}
    print(f"small CNN, batch {args.batch} of 1x{args.size}x{args.size}, {args.dtype}, "
          f"threads {args.threads or 'default'}: forward + backward per step")
    for name in ("semigrad", "torch"):
        print(f"  {name:9s} {median[name] * 1e3:8.2f} ms  ({median[name] / median['torch']:.2f}x)")
    print(f"  largest |gradient difference| after {args.repeats} steps: {gap:.2e}")


if __name__ == "__main__":
    main()
