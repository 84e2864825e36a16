"""Attention benchmark: one TransformerEncoderLayer's forward and backward, semigrad vs PyTorch.

Usage: ``python benchmarks/attention.py [--batch 16] [--length 32] [--d-model 64] [--nhead 4]
[--ff 128] [--dtype float32] [--repeats 30] [--threads 1]``.

Both libraries get the same layer (PyTorch's ``state_dict`` loaded into semigrad's, which
takes it unchanged), the same input and a causal mask, in evaluation mode (no dropout). A
step is ``loss = sum(layer(x) * seed)``, then the gradients of the input and every
parameter (semigrad eager: ``loss.backward()``; PyTorch: ``loss.backward()``). Steps of the
two libraries alternate; the report gives each library's median step time, the ratio
semigrad/PyTorch (above 1: slower than PyTorch), and the largest |difference| between the
two input gradients. It is a measuring tool: nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from timing import pin_threads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--length", type=int, default=32)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--nhead", type=int, default=4)
    p.add_argument("--ff", type=int, default=128)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--threads", type=int, help="PyTorch's and BLAS's threads (default: as is)")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    pin_threads(args.threads)  # before NumPy and PyTorch start their thread pools
    import numpy as np
    import torch

    import semigrad as sg

    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = np.dtype(args.dtype)
    torch_dtype = getattr(torch, args.dtype)
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(args.d_model, args.nhead, args.ff,
                                              batch_first=True, dtype=torch_dtype).eval()
    ours = sg.nn.TransformerEncoderLayer(args.d_model, args.nhead, args.ff, batch_first=True,
                                         rng=0, dtype=dtype).eval()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, args.length, args.d_model)).astype(dtype)
    seed = rng.standard_normal(x.shape).astype(dtype)
    mask = sg.nn.generate_square_subsequent_mask(args.length, dtype)

    def step_semigrad():
        xt = sg.tensor(x, requires_grad=True)
        loss = sg.sum(ours(xt, src_mask=mask, is_causal=True) * seed)
        ours.zero_grad()
        loss.backward()
        return xt.grad

    t_mask, t_seed = torch.from_numpy(mask), torch.from_numpy(seed)

    def step_torch():
        xt = torch.tensor(x, requires_grad=True)
        loss = (theirs(xt, src_mask=t_mask, is_causal=True) * t_seed).sum()
        theirs.zero_grad()
        loss.backward()
        return xt.grad.numpy()

    steps = {"semigrad": step_semigrad, "torch": step_torch}
    grads = {name: step() for name, step in steps.items()}  # warm-up, and the gradients
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f"TransformerEncoderLayer d_model={args.d_model} nhead={args.nhead} "
          f"ff={args.ff}, batch {args.batch} x length {args.length}, {args.dtype}, "
          f"forward+backward, median of {args.repeats}")
    for name, t in median.items():
        print(f"  {name:9s} {t * 1e3:8.2f} ms")
    print(f"  ratio semigrad/torch: {median['semigrad'] / median['torch']:.2f}")
    diff = float(np.max(np.abs(grads["semigrad"] - grads["torch"])))
    print(f"  max |input gradient difference|: {diff:.2e}")


if __name__ == "__main__":
    main()
