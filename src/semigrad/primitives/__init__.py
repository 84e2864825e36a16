"""Every primitive of semigrad, declared once, and the registry that lists them.

``REGISTRY`` maps each primitive's name to its declaration; its kind
(``Elementwise``, ``Linear``, ``Reduction``, ``Multilinear``) says which
structured form of the local Jacobian it declares.
"""

from . import (
    complex,
    elementwise,
    fft,
    linalg,
    multilinear,
    numpy_elementwise,
    reductions,
    structural,
)
from .base import (
    REGISTRY,
    Dense,
    Elementwise,
    Linear,
    Multilinear,
    NoDerivative,
    Primitive,
    Reduction,
)

__all__ = [
    "REGISTRY",
    "Dense",
    "Elementwise",
    "Linear",
    "Multilinear",
    "NoDerivative",
    "Primitive",
    "Reduction",
    "complex",
    "elementwise",
    "numpy_elementwise",
    "fft",
    "linalg",
    "multilinear",
    "reductions",
    "structural",
]
