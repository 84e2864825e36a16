"""semigrad: reverse-mode automatic differentiation on computational hypergraphs.

>>> import semigrad as sg
>>> sg.grad(lambda x: sg.sin(x) * x)(0.0)
0.0
"""

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
from .context import enable_grad, is_grad_enabled, no_grad
from .cost import Cost, cost
from .graph import Graph, Hyperedge, Node, trace
from .numeric import check_grads
from .ops import (
    abs,
    absolute,
    add,
    amax,
    amin,
    angle,
    astype,
    broadcast_to,
    clip,
    concatenate,
    conj,
    conjugate,
    cos,
    divide,
    dot,
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
    max,
    maximum,
    mean,
    min,
    minimum,
    moveaxis,
    multiply,
    negative,
    not_equal,
    outer,
    power,
    prod,
    real,
    reciprocal,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    squeeze,
    stack,
    stop_gradient,
    subtract,
    sum,
    swapaxes,
    tan,
    tanh,
    tensordot,
    transpose,
    true_divide,
    where,
)

# One object per name: where NumPy's namespace and semigrad's share a name, sg.<name> is
# semigrad.numpy.<name> (NumPy's signature and keywords). ``sg.trace`` stays the graph
# tracer; the matrix trace is ``semigrad.numpy.trace``.
from .numpy import (  # noqa: E402, F811
    amax,
    amin,
    angle,
    astype,
    clip,
    concatenate,
    dot,
    max,
    mean,
    min,
    moveaxis,
    prod,
    reciprocal,
    reshape,
    squeeze,
    stack,
    sum,
    transpose,
    where,
)
from .parse import Expression, ParseError, parse
from .semiring import algebras as semirings
from .semiring.paths import backprop
from .tensor import Tensor, tensor

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
