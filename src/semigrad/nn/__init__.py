"""``sg.nn``: modules, layers, initialisations and losses for training with semigrad.

Modules hold their parameters as leaf Tensors that require grad; they run
eagerly (``loss.backward()`` fills ``.grad``) or functionally
(``functional_call`` with a dict of arrays under ``sg.value_and_grad``).
Losses and layer functions live in :mod:`semigrad.nn.functional`,
initialisers in :mod:`semigrad.nn.init`. See docs/learning.md.

>>> import numpy as np
>>> import semigrad as sg
>>> from semigrad.nn import functional as F
>>> model = sg.nn.MLP([4, 16, 3], rng=0)
>>> loss = F.cross_entropy(model(np.ones((8, 4))), np.zeros(8, dtype=int))
>>> loss.backward()
>>> model[0].weight.grad.shape
(16, 4)
"""

from . import functional, init
from .attention import (
    MultiheadAttention,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
    heads_crossed,
)
from .conv import (
    AvgPool1d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    MaxPool1d,
    MaxPool2d,
)
from .layers import (
    GELU,
    MLP,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    Linear,
    ReLU,
    Sigmoid,
    Tanh,
)
from .module import Module, Parameter, Sequential, functional_call, load, save
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .saved import load_model, save_model

__all__ = [
    "AvgPool1d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
    "GELU",
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "MLP",
    "Dropout",
    "Embedding",
    "Flatten",
    "LayerNorm",
    "Linear",
    "Module",
    "MultiheadAttention",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "functional",
    "functional_call",
    "generate_square_subsequent_mask",
    "heads_crossed",
    "init",
    "load",
    "load_model",
    "save",
    "save_model",
]
