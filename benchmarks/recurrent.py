"""Recurrent layers: forward + backward of semigrad's RNN/LSTM/GRU against PyTorch's.

Usage: ``python benchmarks/recurrent.py [--layer LSTM] [--length 20] [--batch 16]
[--input 32] [--hidden 64] [--dtype float32] [--rounds 5] [--threads 1] [--clock cpu]``.

One step of the measurement: run the layer on a random (length, batch, input) sequence
(starting from zero state), take the sum of the output and backpropagate into every
parameter. Three implementations, given the same weights (PyTorch's ``state_dict`` loaded
into semigrad's layer unchanged):

- ``semigrad``: ``sg.nn.LSTM`` (or RNN, GRU), eager, every step recorded in the graph;
- ``semigrad jit``: the same computation, functionally (``sg.value_and_grad`` of the loss of
  ``sg.nn.functional_call`` over the state dict) and compiled by ``sg.jit`` (shown, not a
  peer: the ratios are to semigrad eager);
- ``torch``: ``torch.nn.LSTM``, PyTorch's fused CPU kernel (the whole sequence in one op);
- ``torch cell loop``: ``torch.nn.LSTMCell`` called step by step from Python, the same
  structure as semigrad's (one recorded step per time step).

Before timing, semigrad's output and parameter gradients are compared with PyTorch's (the
largest absolute difference is printed). Each round times every implementation once, in
alternating order, as the median of a batch of calls; the table gives the median over
rounds and the ratio semigrad / peer (above 1: semigrad is slower). ``--clock cpu`` times
with ``time.process_time`` (the process's CPU time, all its threads) instead of
``time.perf_counter``: on a machine shared with other work, wall-clock time counts the waits
for a core, CPU time does not. It is a measuring tool: nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from timing import pin_threads

SRC = Path(__file__).resolve().parent.parent / "src"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--layer", choices=("RNN", "LSTM", "GRU"), default="LSTM")
    p.add_argument("--length", type=int, default=20)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--input", type=int, default=32)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--calls", type=int, default=10, help="calls per timing batch (default 10)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall: time.perf_counter (default); cpu: time.process_time")
    p.add_argument("--threads", type=int, help="OMP/OPENBLAS/MKL_NUM_THREADS and torch's "
                   "thread count (default: the environment as it is)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pin_threads(args.threads)  # before NumPy and PyTorch start their thread pools
    sys.path.insert(0, str(SRC))
    import numpy as np
    import torch

    import semigrad as sg

    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = np.dtype(args.dtype)
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype.type]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, args.layer)(args.input, args.hidden).to(torch_dtype)
    cell = getattr(torch.nn, args.layer + "Cell")(args.input, args.hidden).to(torch_dtype)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in theirs.state_dict().items()})
    ours = getattr(sg.nn, args.layer)(args.input, args.hidden, rng=0, dtype=dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((args.length, args.batch, args.input))
    x = x.astype(dtype)
    tx = torch.from_numpy(x)
    is_lstm = args.layer == "LSTM"

    def run_semigrad():
        ours.zero_grad()
        output, _ = ours(x)
        sg.sum(output).backward()
        return output

    def run_torch():
        theirs.zero_grad()
        output, _ = theirs(tx)
        output.sum().backward()
        return output

    def run_cell_loop():
        cell.zero_grad()
        state, outputs = None, []
        for xt in tx:
            state = cell(xt, state)
            outputs.append(state[0] if is_lstm else state)
        output = torch.stack(outputs)
        output.sum().backward()
        return output

    def loss(params):
        output, _ = sg.nn.functional_call(ours, params, x)
        return sg.sum(output)

    params = ours.state_dict()
    compiled = sg.jit(sg.value_and_grad(loss))

    def run_semigrad_jit():
        return compiled(params)

    output = run_semigrad().numpy()
    want = run_torch().detach().numpy()
    grads = dict(ours.named_parameters())
    jit_grads = run_semigrad_jit()[1]
    diff = max([float(np.max(np.abs(output - want)))]
               + [float(np.max(np.abs(g - p.grad.numpy())))
                  for k, p in theirs.named_parameters() for g in (grads[k].grad, jit_grads[k])])
    runs = {"semigrad": run_semigrad, "semigrad jit": run_semigrad_jit, "torch": run_torch,
            "torch cell loop": run_cell_loop}
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    times = {name: [] for name in runs}
    for r in range(args.rounds):
        names = list(runs) if r % 2 == 0 else list(runs)[::-1]
        for name in names:
            runs[name]()  # warm up
            batch = []
            for _ in range(args.calls):
                start = clock()
                runs[name]()
                batch.append(clock() - start)
            times[name].append(statistics.median(batch))
    print(f"{args.layer}({args.input}, {args.hidden}), length {args.length}, batch "
          f"{args.batch}, {args.dtype}, threads {args.threads or 'default'}: forward + "
          f"backward, median of {args.rounds} rounds, {args.clock} clock")
    print(f"largest |difference| from PyTorch (output and parameter gradients, eager and jit): "
          f"{diff:.1e}")
    base = statistics.median(times["semigrad"])
    for name, ts in times.items():
        t = statistics.median(ts)
        ratio = "" if name == "semigrad" else f"   semigrad / {name} = {base / t:.1f}"
        print(f"  {name:16s} {t * 1e3:8.2f} ms{ratio}")


if __name__ == "__main__":
    main()
