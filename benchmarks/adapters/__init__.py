"""One adapter module per measured library, and the registry that names them.

An adapter module defines ``w1, w1b, w2, w3, w4, w5, w6(sizes, **options) -> problems.Case`` and
raises ``problems.Skip`` for a workload its library cannot run. ``LIBS`` maps each name
accepted by ``--libs`` to (distribution whose presence and version are reported, adapter
module, options passed to the adapter).
"""

LIBS = {
    "semigrad": ("semigrad", "semigrad_impl", {}),
    "semigrad-jit": ("semigrad", "semigrad_impl", {"jit": True}),
    "torch": ("torch", "torch_impl", {}),
    "torch-vec": ("torch", "torch_impl", {"vectorize": True}),
    "jax": ("jax", "jax_impl", {"jit": False}),
    "jax-jit": ("jax", "jax_impl", {"jit": True}),
    "autograd": ("autograd", "autograd_impl", {}),
    "micrograd": ("micrograd", "micrograd_impl", {}),
    "numpy": ("numpy", "numpy_impl", {}),
}
