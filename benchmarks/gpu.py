"""W1b, W2, W3 and W6 on a GPU: semigrad on device arrays beside PyTorch CUDA and JAX's GPU.

Usage: ``python benchmarks/gpu.py [--device cuda|cpu] [--quick] [--repeats N]``.

semigrad runs the workloads of ``problems.py`` on PyTorch CUDA tensors and, where CuPy is
installed, on CuPy arrays (the values stay on the device: the backend seam runs every
operation in the arrays' own library); PyTorch computes them with ``torch.autograd`` and JAX
with ``jax.jit(jax.value_and_grad)`` on its GPU backend. Each figure is the median of
``--repeats`` timed calls after a warm-up, the device synchronised around each call; the report
gives semigrad's ratio to each peer (above 1: semigrad slower). Where no GPU is present the
script says so and measures nothing; ``--device cpu`` runs the same programs on CPU tensors
(a dry run of the script itself, not a GPU figure). Like every benchmark here it asserts
nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from problems import (  # noqa: E402
    FULL,
    LEARNING_RATE,
    QUICK,
    hessian_data,
    logistic,
    mlp_data,
    mlp_loss,
    numpy_data,
    numpy_program,
    seed,
    seed_arrays,
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    p.add_argument("--quick", action="store_true", help="smaller sizes")
    p.add_argument("--repeats", type=int, default=20)
    return p.parse_args(argv)


# ---- what this machine has --------------------------------------------------------------


def torch_device(device):
    try:
        import torch
    except ImportError:
        return None, "PyTorch is not installed"
    if device == "cuda" and not torch.cuda.is_available():
        return None, "PyTorch sees no CUDA device"
    return torch.device(device), None


def cupy_module(device):
    if device != "cuda":
        return None, "CuPy runs on GPUs only"
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None, "CuPy sees no CUDA device"
    except cupy.cuda.runtime.CUDARuntimeError as e:
        return None, f"CuPy: {e}"
    return cupy, None


def jax_backend(device):
    try:
        import jax
    except ImportError:
        return None, "JAX is not installed"
    platform = "gpu" if device == "cuda" else "cpu"
    try:
        devices = jax.devices(platform)
    except RuntimeError:
        return None, f"JAX has no {platform} backend"
    jax.config.update("jax_enable_x64", True)
    return devices[0], None


def timed(fn, sync, repeats):
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---- the workloads per library ------------------------------------------------------------


def semigrad_cases(to_device, sizes):
    import semigrad as sg
    import semigrad.numpy as snp

    ops = SimpleNamespace(exp=sg.exp, log=sg.log, sin=sg.sin, tanh=sg.tanh, sum=sg.sum,
                          matmul=sg.matmul, log_softmax=lambda h: sg.log_softmax(h, axis=1))
    args = [to_device(a) for a in seed_arrays(sizes.array_len)]
    w1b = sg.value_and_grad(lambda *a: sg.sum(seed(ops, *a)), argnums=(0, 1, 2, 3))
    params, x, labels = mlp_data(sizes)
    params = {k: to_device(v) for k, v in params.items()}
    x, rows = to_device(x), np.arange(sizes.batch)
    w2 = sg.value_and_grad(lambda p: mlp_loss(ops, p, x, labels, rows))

    def sgd():
        value, grads = w2(params)
        for k, g in grads.items():
            params[k] = params[k] - LEARNING_RATE * g
        return value

    a3, x3 = (to_device(v) for v in hessian_data(sizes.hessian_ns[-1]))
    w3 = sg.hessian(lambda v: logistic(ops, a3, v))
    a6, x6 = (to_device(v) for v in numpy_data(sizes.numpy_n))
    w6 = sg.value_and_grad(lambda a, x: numpy_program(snp, a, x), argnums=(0, 1))
    return {"W1b": lambda: w1b(*args), "W2": sgd, "W3": lambda: w3(x3),
            "W6": lambda: w6(a6, x6)}


def torch_cases(device, sizes):
    import torch

    ops = SimpleNamespace(exp=torch.exp, log=torch.log, sin=torch.sin, tanh=torch.tanh,
                          sum=torch.sum, matmul=torch.matmul,
                          log_softmax=lambda h: torch.log_softmax(h, 1))

    def leaf(a):
        return torch.tensor(a, device=device, requires_grad=True)

    inputs = [leaf(a) for a in seed_arrays(sizes.array_len)]

    def w1b_run():
        value = torch.sum(seed(ops, *inputs))
        return value, torch.autograd.grad(value, inputs)

    params, x, labels = mlp_data(sizes)
    params = {k: leaf(v) for k, v in params.items()}
    x = torch.tensor(x, device=device)
    labels_t = torch.tensor(labels, device=device)
    rows = torch.arange(sizes.batch, device=device)

    def sgd():
        value = mlp_loss(ops, params, x, labels_t, rows)
        grads = torch.autograd.grad(value, list(params.values()))
        with torch.no_grad():
            for p, g in zip(params.values(), grads):
                p -= LEARNING_RATE * g
        return value

    a3, x3 = hessian_data(sizes.hessian_ns[-1])
    a3 = torch.tensor(a3, device=device)
    x3 = torch.tensor(x3, device=device)
    w3 = lambda: torch.autograd.functional.hessian(lambda v: logistic(ops, a3, v), x3)
    a6, x6 = (leaf(v) for v in numpy_data(sizes.numpy_n))

    def w6():
        value = numpy_program(torch, a6, x6)
        return value, torch.autograd.grad(value, (a6, x6))

    return {"W1b": w1b_run, "W2": sgd, "W3": w3, "W6": w6}


def jax_cases(device, sizes):
    import jax
    import jax.numpy as jnp

    ops = SimpleNamespace(exp=jnp.exp, log=jnp.log, sin=jnp.sin, tanh=jnp.tanh, sum=jnp.sum,
                          matmul=jnp.matmul, log_softmax=lambda h: jax.nn.log_softmax(h, 1))
    put = lambda a: jax.device_put(a, device)  # noqa: E731
    args = [put(a) for a in seed_arrays(sizes.array_len)]
    w1b = jax.jit(jax.value_and_grad(lambda *a: jnp.sum(seed(ops, *a)), argnums=(0, 1, 2, 3)))
    params, x, labels = mlp_data(sizes)
    state = {"p": {k: put(v) for k, v in params.items()}}
    x, labels, rows = put(x), put(labels), put(np.arange(sizes.batch))

    @jax.jit
    def step(p):
        value, grads = jax.value_and_grad(lambda q: mlp_loss(ops, q, x, labels, rows))(p)
        return value, {k: p[k] - LEARNING_RATE * grads[k] for k in p}

    def sgd():
        value, state["p"] = step(state["p"])
        return value

    a3, x3 = (put(v) for v in hessian_data(sizes.hessian_ns[-1]))
    w3 = jax.jit(jax.hessian(lambda v: logistic(ops, a3, v)))
    a6, x6 = (put(v) for v in numpy_data(sizes.numpy_n))
    w6 = jax.jit(jax.value_and_grad(lambda a, x: numpy_program(jnp, a, x), argnums=(0, 1)))
    return {"W1b": lambda: w1b(*args), "W2": sgd, "W3": lambda: w3(x3),
            "W6": lambda: w6(a6, x6)}


def main(argv=None):
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    tdev, why_torch = torch_device(args.device)
    cupy, why_cupy = cupy_module(args.device)
    jdev, why_jax = jax_backend(args.device)
    if args.device == "cuda" and tdev is None and cupy is None:
        print(f"no GPU here ({why_torch}; {why_cupy}): nothing measured. "
              "Run with --device cpu for a dry run of the script on CPU tensors.")
        return
    columns = {}
    syncs = {}
    if tdev is not None:
        import torch

        sync = (torch.cuda.synchronize if args.device == "cuda" else (lambda: None))
        columns["semigrad (torch)"] = semigrad_cases(
            lambda a: torch.tensor(a, device=tdev), sizes)
        syncs["semigrad (torch)"] = sync
        columns["pytorch"] = torch_cases(tdev, sizes)
        syncs["pytorch"] = sync
    if cupy is not None:
        columns["semigrad (cupy)"] = semigrad_cases(cupy.asarray, sizes)
        syncs["semigrad (cupy)"] = cupy.cuda.get_current_stream().synchronize
    if jdev is not None:
        columns["jax-jit"] = jax_cases(jdev, sizes)
        syncs["jax-jit"] = lambda: None  # results are blocked on below
    for name, why in (("PyTorch", why_torch), ("CuPy", why_cupy), ("JAX", why_jax)):
        if why:
            print(f"{name}: {why}: not measured")
    print(f"device: {args.device}; sizes: {'quick' if args.quick else 'full'}; "
          f"median of {args.repeats} calls (ms)")
    header = f"{'workload':<9}" + "".join(f"{c:>18}" for c in columns)
    ours = [c for c in columns if c.startswith("semigrad")]
    peers = [c for c in columns if not c.startswith("semigrad")]
    header += "".join(f"{o.replace('semigrad ', 'sg') + '/' + p:>22}" for o in ours
                      for p in peers)
    print(header)
    for w in ("W1b", "W2", "W3", "W6"):
        row, times = f"{w:<9}", {}
        for c, cases in columns.items():
            fn = cases[w]
            if c == "jax-jit":
                import jax

                fn = (lambda f: lambda: jax.block_until_ready(f()))(fn)
            try:
                times[c] = timed(fn, syncs[c], args.repeats)
                row += f"{times[c] * 1e3:>18.3f}"
            except Exception as e:  # a workload a library cannot run here: say why
                times[c] = None
                row += f"{'failed':>18}"
                print(f"  {c} {w}: {type(e).__name__}: {e}", file=sys.stderr)
        for o in ours:
            for p in peers:
                ratio = (times[o] / times[p]) if times.get(o) and times.get(p) else None
                row += f"{ratio:>22.2f}" if ratio else f"{'n/a':>22}"
        print(row)


if __name__ == "__main__":
    main()
