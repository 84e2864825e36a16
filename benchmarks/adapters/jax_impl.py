"""JAX (CPU), as ``jax.value_and_grad`` called op by op ("jax") or under ``jax.jit`` ("jax-jit").

float64 is switched on (``jax_enable_x64``) so W1, W1b, W3, W4, W5 and W6 run in double
precision like every other library; W2 stays float32. Every timed call blocks until its results
are ready. The first call of a jitted function (trace and compile) is kept out of the timings
and reported by the worker as ``first_s``. W4 is not run jitted: unrolling 100,000 Python steps
into one XLA program makes compile time dominate, and a ``lax.scan`` version would be another
program.
"""

from __future__ import annotations

from types import SimpleNamespace

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after enabling float64)
import numpy as np  # noqa: E402

from problems import (  # noqa: E402
    LEARNING_RATE,
    RECURRENCE_START,
    SEED_POINT,
    Case,
    Skip,
    chain,
    chain_data,
    hessian_case,
    logistic,
    mlp_data,
    mlp_loss,
    numpy_data,
    numpy_program,
    recurrence,
    seed,
    seed_arrays,
)

ops = SimpleNamespace(exp=jnp.exp, log=jnp.log, sin=jnp.sin, tanh=jnp.tanh, sum=jnp.sum,
                      matmul=jnp.matmul, log_softmax=lambda h: jax.nn.log_softmax(h, axis=1))


def _ready(fn):
    return lambda *a: jax.block_until_ready(fn(*a))


def _numpy(values):
    return [np.asarray(v) for v in values]


def w1(sizes, jit):
    value_and_grad = jax.value_and_grad(lambda *a: seed(ops, *a), argnums=(0, 1, 2, 3))
    value_and_grad = _ready(jax.jit(value_and_grad) if jit else value_and_grad)

    def check():
        value, grads = value_and_grad(*SEED_POINT)
        return _numpy([value, *grads])

    return Case({"value+grad": lambda: value_and_grad(*SEED_POINT)}, check)


def w1b(sizes, jit):
    args = [jnp.asarray(a) for a in seed_arrays(sizes.array_len)]
    total = lambda *a: jnp.sum(seed(ops, *a))
    value_and_grad = jax.value_and_grad(total, argnums=(0, 1, 2, 3))
    if jit:
        total, value_and_grad = jax.jit(total), jax.jit(value_and_grad)
    total, value_and_grad = _ready(total), _ready(value_and_grad)

    def check():
        value, grads = value_and_grad(*args)
        return _numpy([value, *grads])

    return Case({"value+grad": lambda: value_and_grad(*args), "forward": lambda: total(*args)},
                check)


def w2(sizes, jit):
    arrays, x, labels = mlp_data(sizes)
    x, labels, rows = jnp.asarray(x), jnp.asarray(labels), jnp.arange(sizes.batch)
    loss = lambda p: mlp_loss(ops, p, x, labels, rows)
    value_and_grad = jax.value_and_grad(loss)

    def update(p):
        value, grads = value_and_grad(p)
        return value, jax.tree_util.tree_map(lambda a, g: a - LEARNING_RATE * g, p, grads)

    if jit:
        loss, value_and_grad, update = jax.jit(loss), jax.jit(value_and_grad), jax.jit(update)
    loss, value_and_grad, update = _ready(loss), _ready(value_and_grad), _ready(update)
    state = {"params": {k: jnp.asarray(a) for k, a in arrays.items()}}

    def step():
        value, state["params"] = update(state["params"])
        return value

    def check():
        value, grads = value_and_grad({k: jnp.asarray(a) for k, a in arrays.items()})
        return _numpy([value, *(grads[k] for k in arrays)])

    return Case({"SGD step": step, "forward": lambda: loss(state["params"])}, check)


def w3(sizes, jit):
    """``jax.hessian`` (forward over reverse), with or without ``jax.jit``."""

    def hessian_for(a, x):
        a, x = jnp.asarray(a), jnp.asarray(x)
        hessian = jax.hessian(lambda v: logistic(ops, a, v))
        hessian = _ready(jax.jit(hessian) if jit else hessian)
        return (lambda: hessian(x)), np.asarray

    return hessian_case(hessian_for, sizes)


def w4(sizes, jit):
    if jit:
        raise Skip("not jitted: unrolling the Python loop makes compile time dominate")
    value_and_grad = _ready(jax.value_and_grad(
        lambda a0, a1: recurrence(ops, a0, a1, sizes.steps), argnums=(0, 1)))

    def run():
        value, grads = value_and_grad(*RECURRENCE_START)
        return _numpy([value, *grads])

    return Case({"build+backward": run}, run)


def w5(sizes, jit):
    x, mul, add = (jnp.asarray(a) for a in chain_data(sizes))
    value_and_grad = jax.value_and_grad(lambda h: jnp.sum(chain(ops, h, mul, add, sizes.chain_ops)))
    value_and_grad = _ready(jax.jit(value_and_grad) if jit else value_and_grad)

    def check():
        return _numpy(value_and_grad(x))

    return Case({"per op": lambda: value_and_grad(x)}, check, per_call_divisor=sizes.chain_ops)


def w6(sizes, jit):
    """The NumPy program over ``jax.numpy``."""
    a, x = (jnp.asarray(v) for v in numpy_data(sizes.numpy_n))
    f = lambda a, x: numpy_program(jnp, a, x)
    value_and_grad = jax.value_and_grad(f, argnums=(0, 1))
    if jit:
        f, value_and_grad = jax.jit(f), jax.jit(value_and_grad)
    f, value_and_grad = _ready(f), _ready(value_and_grad)

    def check():
        value, grads = value_and_grad(a, x)
        return _numpy([value, *grads])

    return Case({"value+grad": lambda: value_and_grad(a, x), "forward": lambda: f(a, x)}, check)
