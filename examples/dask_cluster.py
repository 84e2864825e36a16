"""Logistic regression on a data set larger than the cluster's memory, with semigrad and Dask.

The data are generated lazily, chunk by chunk, by ``dask.array.random`` (never stored): each
step's gradient is one Dask task graph (forward and backward of semigrad's recording, the data
generated inside it), computed by the workers; the optimiser computes it once per step and keeps
the parameters, which are small, here. While the steps run, the workers' memory is sampled and
its peak reported next to the chunk size and the data size.

    python examples/dask_cluster.py                       # a local cluster of 2 processes
    python examples/dask_cluster.py --address tcp://host:8786   # an existing cluster

Needs ``pip install 'semigrad[dask]'``.
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

import semigrad as sg
import semigrad.numpy as snp


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", help="a running scheduler (default: start a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    p.add_argument("--memory-limit", default="400MB", help="per local worker (default 400MB)")
    p.add_argument("--factor", type=float, default=4.0,
                   help="data size as a multiple of the workers' total memory limit (default 4)")
    p.add_argument("--features", type=int, default=20)
    p.add_argument("--chunk-rows", type=int, default=200_000)
    p.add_argument("--steps", type=int, default=8)
    return p.parse_args(argv)


def loss(w, b, x, y):
    z = x @ w + b
    return snp.mean(snp.logaddexp(0.0, z) - y * z)


class MemorySampler:
    """The largest process memory any worker reported while running (scheduler heartbeats),
    and the largest amount of task results a worker held (Dask's managed memory: the chunks
    and intermediate arrays alive at once)."""

    def __init__(self, client, every=0.2):
        self.client, self.every, self.peak, self.peak_managed = client, every, 0, 0
        self.baseline = self._largest()  # an idle worker: the interpreter and its libraries
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _largest(self):
        workers = self.client.scheduler_info()["workers"].values()
        return max(int(w["metrics"]["memory"]) for w in workers)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._largest())
            workers = self.client.scheduler_info()["workers"].values()
            self.peak_managed = max(self.peak_managed,
                                    max(int(w["metrics"]["managed_bytes"]) for w in workers))
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv=None):
    import dask
    import dask.array as da
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    args = parse_args(argv)
    cluster = None
    if args.address:
        client = Client(args.address)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               memory_limit=args.memory_limit, host="127.0.0.1",
                               dashboard_address=":0")
        client = Client(cluster)
    workers = client.scheduler_info()["workers"].values()
    limit = sum(int(w["memory_limit"]) for w in workers) or parse_bytes(args.memory_limit)
    d = args.features
    rows = int(args.factor * limit / (8 * (d + 1)))
    rows -= rows % args.chunk_rows
    rs = da.random.RandomState(0)
    x = rs.standard_normal((rows, d), chunks=(args.chunk_rows, d))
    w_true = np.linspace(-1.0, 1.0, d)
    y = ((x @ w_true + rs.standard_normal(rows, chunks=args.chunk_rows)) > 0).astype(float)
    data_bytes = rows * (d + 1) * 8
    chunk_bytes = args.chunk_rows * (d + 1) * 8
    print(f"workers: {len(workers)}, memory limit {format_bytes(limit)} in total")
    print(f"data: {rows:,} rows x {d} features + labels = {format_bytes(data_bytes)} "
          f"({data_bytes / limit:.1f}x the memory limit), chunks of {format_bytes(chunk_bytes)}")

    params = {"w": np.zeros(d), "b": np.zeros(())}
    opt = sg.optim.Adam(params, lr=0.3)
    value_and_grad = sg.value_and_grad(loss, argnums=(0, 1))
    with MemorySampler(client) as memory:
        start = time.perf_counter()
        for step in range(args.steps):
            value, (gw, gb) = value_and_grad(params["w"], params["b"], x, y)
            value, gw, gb = dask.compute(value, gw, gb)  # one graph: forward and backward
            opt.step({"w": gw, "b": gb})
            print(f"step {step + 1}: loss {float(value):.4f}")
        elapsed = time.perf_counter() - start
    cos = params["w"] @ w_true / (np.linalg.norm(params["w"]) * np.linalg.norm(w_true))
    print(f"{elapsed / args.steps:.1f} s per step; cosine(w, w_true) = {cos:.3f}")
    working = memory.peak - memory.baseline
    print(f"peak worker memory: {format_bytes(memory.peak)}, of which "
          f"{format_bytes(memory.baseline)} before the first step (an idle worker) and "
          f"{format_bytes(working)} for the work = {working / chunk_bytes:.1f} chunks "
          f"(the data are {data_bytes / chunk_bytes:.0f} chunks)")
    print(f"peak task results held by a worker: {format_bytes(memory.peak_managed)} = "
          f"{memory.peak_managed / chunk_bytes:.1f} chunks (the rest of the process memory is "
          "the allocator's: freed buffers not yet returned to the system)")
    client.close()
    if cluster is not None:
        cluster.close()


if __name__ == "__main__":
    main()
