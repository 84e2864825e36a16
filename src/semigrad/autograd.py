"""The eager face's differentiation functions, named as in PyTorch (``sg.autograd.grad``)."""

from .autodiff.reverse import backward, grad

__all__ = ["backward", "grad"]
