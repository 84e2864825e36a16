"""semigrad: reverse-mode automatic differentiation on computational hypergraphs.

>>> import semigrad as sg
>>> sg.grad(lambda x: sg.sin(x) * x)(0.0)
0.0
"""

import sys as _sys

from . import autograd, context, data, nn, numeric, ops, optim, paths, primitives, symbolic, viz
from .anomaly import AnomalyError, detect_anomaly, set_detect_anomaly
from .autodiff import (
    derivative,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from .autodiff.checkpoint import checkpoint
from .autodiff.custom import custom_jvp, custom_vjp, fixed_point
from .context import enable_grad, is_grad_enabled, no_grad
from .cost import Cost, cost
from .graph import Graph, Hyperedge, Node, trace
from .jit import jit
from .numeric import check_grads

# One object per name: where NumPy's namespace and semigrad's share a name, sg.<name> is
# semigrad.numpy.<name> (NumPy's signature and keywords). ``sg.trace`` stays the graph
# tracer; the matrix trace is ``semigrad.numpy.trace``.
from .numpy import (  # the creation functions, at the top level as in NumPy and PyTorch
    amax,
    amin,
    angle,
    arange,
    array,
    asarray,
    astype,
    clip,
    concatenate,
    dot,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    identity,
    indices,
    linspace,
    logspace,
    max,
    mean,
    meshgrid,
    min,
    moveaxis,
    ones,
    ones_like,
    prod,
    reciprocal,
    reshape,
    squeeze,
    stack,
    sum,
    transpose,
    where,
    zeros,
    zeros_like,
)
from .numpy._at import At as _At
from .ops import (
    abs,
    absolute,
    add,
    broadcast_to,
    conj,
    conjugate,
    cos,
    divide,
    einsum,
    equal,
    exp,
    expand_dims,
    expm1,
    getitem,
    greater,
    greater_equal,
    imag,
    less,
    less_equal,
    log,
    log1p,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logsumexp,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    outer,
    power,
    real,
    relu,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    stop_gradient,
    subtract,
    swapaxes,
    tan,
    tanh,
    tensordot,
    true_divide,
)
from .parse import Expression, ParseError, parse
from .semiring import algebras as semirings
from .semiring.paths import backprop
from .tensor import Tensor, tensor
from .vmap import vmap

# The composition root: the layers below the NumPy namespace, the sweeps and the pictures
# get what those layers provide here, once (they never import upwards; tests/test_layers.py).
_module = _sys.modules.__getitem__  # by full name: ``semigrad.tensor`` is also a function here
_graph, _tensor, _numpy = _module(f"{__name__}.graph"), _module(f"{__name__}.tensor"), \
    _module(f"{__name__}.numpy")
_reverse, _base = _module(f"{__name__}.autodiff.reverse"), _module(f"{__name__}.primitives.base")
_elementwise = _module(f"{__name__}.primitives.elementwise")
_paths = _module(f"{__name__}.semiring.paths")

_tensor.bind(ops=ops, elementwise=_elementwise, numpy=_numpy, backward=_reverse.backward,
             at=_At)
_base.bind(vjp=vjp)
_graph.bind(scalarize=_paths.scalarize, to_dot=viz.to_dot, render=viz.render,
            backprop=lambda g, wrt, semiring: _paths.backprop(g, wrt, semiring))

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
