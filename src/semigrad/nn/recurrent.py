"""Recurrent layers: RNN, LSTM and GRU over sequences, and their single-step cells.

The equations, parameter names, shapes, layouts and initialisation are
PyTorch's (``torch.nn.RNN``, ``LSTM``, ``GRU`` and their ``*Cell``), so a
PyTorch ``state_dict()`` converted to NumPy arrays loads unchanged with
``load_state_dict``. With W·x meaning ``x @ W.T`` (weights are ``(out, in)``),
σ the logistic sigmoid and ⊙ the elementwise product, one time step is:

- RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu);
- LSTM: the gates i, f, g, o (in that order along the weights' first axis)
  are σ, σ, tanh, σ of W_ih x + b_ih + W_hh h + b_hh; c' = f ⊙ c + i ⊙ g,
  h' = o ⊙ tanh(c'), and with ``proj_size`` h' ← W_hr h';
- GRU: r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(W_iz x + b_iz + W_hz h + b_hz),
  n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.

Everything is composed of semigrad operations (einsum, concatenate, slices,
sigmoid, tanh, products, reshape): the graph holds every time step, so the
semiring sweeps (``sg.paths``, ``sg.backprop``) see the real paths through
time, and gradients of any order follow. To keep the number of operations per
step low, RNN and LSTM steps multiply the joined [x, h] by [W_ih | W_hh] (one
einsum; the scalar paths are those of W_ih x + W_hh h), with b_ih + b_hh
added once; the GRU keeps the two products apart, as r multiplies W_hn h + b_hn
alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .. import ops
from ..tensor import Tensor
from . import functional as F
from ._arrays import value_of as _value
from .module import Module, Parameter

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]


class _Weights(NamedTuple):
    """One layer-direction's (or one cell's) parameters; absent ones are None."""

    ih: Tensor
    hh: Tensor
    b_ih: Tensor | None
    b_hh: Tensor | None
    hr: Tensor | None = None


class _Prepared(NamedTuple):
    """The weights as a step multiplies them, prepared once per call of a layer or cell."""

    weight: Tensor      # [W_ih | W_hh] (RNN, LSTM: one product with [x, h]) or W_ih (GRU)
    bias: Tensor | None  # b_ih + b_hh (RNN, LSTM) or b_ih (GRU)
    hh: Tensor | None = None    # GRU: W_hh, apart, as r multiplies W_hn h + b_hn only
    b_hh: Tensor | None = None  # GRU: b_hh
    hr: Tensor | None = None    # LSTM with proj_size: the projection W_hr


def _affine(pieces, weight, bias):
    """[pieces] @ weight.T + bias: the pieces (each (N, ·)) joined on their last axis, and
    ``weight`` in PyTorch's ``(out, in)`` layout."""
    x = pieces[0] if len(pieces) == 1 else ops.concatenate(pieces, axis=1)
    y = ops.einsum("ni,oi->no", x, weight)
    return y if bias is None else y + bias


# ---- one time step of each recurrence --------------------------------------------------
# ``pieces`` is the step's input, split as it comes (one array, or the two directions of the
# layer below), each (N, ·); ``state`` is (h,) or (h, c), each (N, ·). A step returns the
# new state.


def _rnn_step(activation):
    def step(pieces, state, p):
        (h,) = state
        return (activation(_affine([*pieces, h], p.weight, p.bias)),)
    return step


def _lstm_step(pieces, state, p):
    h, c = state
    gates = _affine([*pieces, h], p.weight, p.bias)
    n = ops.shape(c)[-1]
    i = ops.sigmoid(gates[:, :n])
    f = ops.sigmoid(gates[:, n:2 * n])
    g = ops.tanh(gates[:, 2 * n:3 * n])
    o = ops.sigmoid(gates[:, 3 * n:])
    c = f * c + i * g
    h = o * ops.tanh(c)
    return (h if p.hr is None else ops.einsum("ni,oi->no", h, p.hr)), c


def _gru_step(pieces, state, p):
    (h,) = state
    xw = _affine(pieces, p.weight, p.bias)
    hh = _affine([h], p.hh, p.b_hh)
    n = ops.shape(h)[-1]
    r = ops.sigmoid(xw[:, :n] + hh[:, :n])
    z = ops.sigmoid(xw[:, n:2 * n] + hh[:, n:2 * n])
    candidate = ops.tanh(xw[:, 2 * n:] + r * hh[:, 2 * n:])
    return ((1.0 - z) * candidate + z * h,)


def _joined(w):
    """RNN and LSTM: W_ih x + b_ih + W_hh h + b_hh as one product of [x, h] with [W_ih | W_hh]."""
    bias = None if w.b_ih is None else w.b_ih + w.b_hh
    return _Prepared(ops.concatenate([w.ih, w.hh], axis=1), bias, hr=w.hr)


def _apart(w):
    """GRU: W_ih x + b_ih and W_hh h + b_hh apart."""
    return _Prepared(w.ih, w.b_ih, w.hh, w.b_hh)


class _Recurrence(NamedTuple):
    """What distinguishes RNN, LSTM and GRU for the shared layer and cell code."""

    name: str
    gates: int          # G: the weights have G·hidden_size rows
    states: int         # 1: (h,), 2: (h, c)
    prepare: Callable   # _Weights -> _Prepared
    step: Callable      # (pieces, state, _Prepared) -> state


_RNN_TANH = _Recurrence("RNN", 1, 1, _joined, _rnn_step(ops.tanh))
_RNN_RELU = _Recurrence("RNN", 1, 1, _joined, _rnn_step(ops.relu))
_LSTM = _Recurrence("LSTM", 4, 2, _joined, _lstm_step)
_GRU = _Recurrence("GRU", 3, 1, _apart, _gru_step)
_NONLINEARITIES = {"tanh": _RNN_TANH, "relu": _RNN_RELU}


def _check_nonlinearity(owner, nonlinearity):
    if not isinstance(nonlinearity, str) or nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")


def _stack(arrays, axis):
    """``stack(arrays, axis)`` of (n, m) arrays for axis 0 or 1, as one concatenate and one
    reshape (``ops.stack`` reshapes each array first: one recorded operation per step)."""
    n, m = ops.shape(arrays[0])
    joined = ops.concatenate(list(arrays), axis=axis)
    return ops.reshape(joined, (len(arrays), n, m) if axis == 0 else (n, len(arrays), m))



def _as_input(x):
    """Tensors as they are, anything else as a float array."""
    if isinstance(x, Tensor):
        return x
    x = np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(np.float64)


def _positive(owner, what, n):
    if int(n) != n or n < 1:
        raise ValueError(f"{owner}: {what} must be a positive integer; got {n!r}")
    return int(n)


def _uniform(rng, shape, bound, dtype):
    return Parameter(rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False))


# ---- cells ------------------------------------------------------------------------------


class _Cell(Module):
    """One time step; parameters weight_ih, weight_hh, bias_ih, bias_hh as PyTorch's cells."""

    _recurrence: _Recurrence

    def __init__(self, input_size, hidden_size, bias, rng, dtype):
        owner = type(self).__name__
        self.input_size = _positive(owner, "input_size", input_size)
        self.hidden_size = _positive(owner, "hidden_size", hidden_size)
        self.bias = bool(bias)
        rng = np.random.default_rng(rng)
        rows, bound = self._recurrence.gates * self.hidden_size, 1.0 / math.sqrt(self.hidden_size)
        self.weight_ih = _uniform(rng, (rows, self.input_size), bound, dtype)
        self.weight_hh = _uniform(rng, (rows, self.hidden_size), bound, dtype)
        self.bias_ih = _uniform(rng, (rows,), bound, dtype) if bias else None
        self.bias_hh = _uniform(rng, (rows,), bound, dtype) if bias else None

    def _step(self, x, hx):
        """The new state (a tuple) from input ``x`` and state ``hx`` (a tuple or None)."""
        owner, recurrence = type(self).__name__, self._recurrence
        x = _as_input(x)
        xs = ops.shape(x)
        if len(xs) not in (1, 2) or xs[-1] != self.input_size:
            raise ValueError(
                f"{owner}: input must have shape (batch, {self.input_size}) or "
                f"({self.input_size},) (input_size={self.input_size}); got shape {xs}"
            )
        batched = len(xs) == 2
        if not batched:
            x = ops.reshape(x, (1, self.input_size))
        n = ops.shape(x)[0]
        expected = (n, self.hidden_size) if batched else (self.hidden_size,)
        if hx is None:
            dtype = np.result_type(_value(x).dtype, self.weight_ih.dtype)
            hx = (np.zeros((n, self.hidden_size), dtype),) * recurrence.states
        else:
            hx = tuple(_as_input(s) for s in hx)
            for k, s in enumerate(hx):
                if ops.shape(s) != expected:
                    what = ("hx", "cx")[k]
                    raise ValueError(
                        f"{owner}: {what} must have shape {expected} for input of shape {xs}; "
                        f"got shape {ops.shape(s)}"
                    )
            if not batched:
                hx = tuple(ops.reshape(s, (1, self.hidden_size)) for s in hx)
        w = _Weights(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        state = recurrence.step([x], hx, recurrence.prepare(w))
        return state if batched else tuple(ops.reshape(s, (self.hidden_size,)) for s in state)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_Cell):
    """One Elman RNN step, as ``torch.nn.RNNCell``: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).

    ``nonlinearity='relu'`` puts relu in place of tanh.

    ``weight_ih`` is ``(hidden_size, input_size)``, ``weight_hh``
    ``(hidden_size, hidden_size)``, ``bias_ih`` and ``bias_hh``
    ``(hidden_size,)`` (absent with ``bias=False``), all drawn from
    U(−1/√hidden_size, 1/√hidden_size) by ``rng`` (a Generator or a seed) in
    that order. ``cell(x, h=None)`` takes ``x`` of shape ``(batch, input_size)``
    or ``(input_size,)`` and ``h`` of the matching ``(batch, hidden_size)`` or
    ``(hidden_size,)`` (zeros if None), and returns h'.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> cell = sg.nn.RNNCell(3, 5, rng=0)
    >>> cell
    RNNCell(3, 5)
    >>> h = None
    >>> for x in np.ones((4, 2, 3)):      # 4 steps of a batch of 2
    ...     h = cell(x, h)
    >>> h.shape
    (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", *, rng=None, dtype=np.float64):
        _check_nonlinearity("RNNCell", nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    @property
    def _recurrence(self):
        return _NONLINEARITIES[self.nonlinearity]

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's name)
        return self._step(input, None if hx is None else (hx,))[0]

    def extra_repr(self) -> str:
        return super().extra_repr() + (", nonlinearity='relu'"
                                       if self.nonlinearity == "relu" else "")


class LSTMCell(_Cell):
    """One LSTM step, as ``torch.nn.LSTMCell``: ``h', c' = cell(x, (h, c))``.

    The gates i, f, g, o are σ, σ, tanh, σ of W_ih x + b_ih + W_hh h + b_hh,
    stacked in that order along the weights' first axis (``weight_ih`` is
    ``(4·hidden_size, input_size)``, ``weight_hh`` ``(4·hidden_size,
    hidden_size)``); c' = f ⊙ c + i ⊙ g and h' = o ⊙ tanh(c'). Initialised
    U(−1/√hidden_size, 1/√hidden_size); ``x`` is ``(batch, input_size)`` or
    ``(input_size,)``, ``hx`` a pair ``(h, c)`` of the matching shape (zeros if
    None).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> cell = sg.nn.LSTMCell(3, 5, rng=0)
    >>> h, c = cell(np.ones((2, 3)))
    >>> h.shape, c.shape, cell.weight_ih.shape
    ((2, 5), (2, 5), (20, 3))
    """

    _recurrence = _LSTM

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *, rng=None,
                 dtype=np.float64):
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's name)
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError(
                f"LSTMCell: hx must be a pair (h, c) of arrays or None; got a "
                f"{type(hx).__name__}"
            )
        h, c = self._step(input, None if hx is None else tuple(hx))
        return h, c


class GRUCell(_Cell):
    """One GRU step, as ``torch.nn.GRUCell``: ``h' = cell(x, h)``.

    r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
    with the r, z, n blocks in that order along the weights' first axis
    (``weight_ih`` is ``(3·hidden_size, input_size)``). Initialised
    U(−1/√hidden_size, 1/√hidden_size); shapes as :class:`RNNCell`.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> cell = sg.nn.GRUCell(3, 5, bias=False, rng=0)
    >>> [name for name, _ in cell.named_parameters()]
    ['weight_ih', 'weight_hh']
    >>> cell(np.ones(3)).shape
    (5,)
    """

    _recurrence = _GRU

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *, rng=None,
                 dtype=np.float64):
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's name)
        return self._step(input, None if hx is None else (hx,))[0]


# ---- layers over sequences --------------------------------------------------------------


class _Layer(Module):
    """Stacked, optionally bidirectional recurrences over a sequence (RNN, LSTM, GRU)."""

    _recurrence: _Recurrence

    def __init__(self, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                 bidirectional, proj_size, rng, dtype):
        owner = self._recurrence.name
        self.input_size = _positive(owner, "input_size", input_size)
        self.hidden_size = _positive(owner, "hidden_size", hidden_size)
        self.num_layers = _positive(owner, "num_layers", num_layers)
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{owner}: dropout must be in [0, 1]; got {dropout}")
        if int(proj_size) != proj_size or not 0 <= proj_size < hidden_size:
            raise ValueError(
                f"{owner}: proj_size must be an integer in [0, hidden_size={hidden_size}); "
                f"got {proj_size!r}"
            )
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = int(proj_size)
        #: draws the initial weights, then the dropout masks between layers
        self.rng = np.random.default_rng(rng)
        rows = self._recurrence.gates * self.hidden_size
        out = self.proj_size or self.hidden_size
        bound = 1.0 / math.sqrt(self.hidden_size)
        for layer in range(self.num_layers):
            for suffix in self._suffixes():
                inputs = self.input_size if layer == 0 else out * len(self._suffixes())
                tag = f"_l{layer}{suffix}"
                setattr(self, "weight_ih" + tag, _uniform(self.rng, (rows, inputs), bound, dtype))
                setattr(self, "weight_hh" + tag, _uniform(self.rng, (rows, out), bound, dtype))
                if self.bias:
                    setattr(self, "bias_ih" + tag, _uniform(self.rng, (rows,), bound, dtype))
                    setattr(self, "bias_hh" + tag, _uniform(self.rng, (rows,), bound, dtype))
                if self.proj_size:
                    setattr(self, "weight_hr" + tag,
                            _uniform(self.rng, (self.proj_size, self.hidden_size), bound, dtype))

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer, suffix) -> _Weights:
        tag = f"_l{layer}{suffix}"
        get = vars(self).get
        return _Weights(get("weight_ih" + tag), get("weight_hh" + tag), get("bias_ih" + tag),
                        get("bias_hh" + tag), get("weight_hr" + tag))

    def _state_sizes(self):
        """The size of each state component: h (proj_size if set), then c for the LSTM."""
        return (self.proj_size or self.hidden_size, self.hidden_size)[:self._recurrence.states]

    def _run(self, input, hx):
        """(output, final states): the shared forward pass; hx a tuple of arrays or None."""
        owner, recurrence = self._recurrence.name, self._recurrence
        x = _as_input(input)
        xs = ops.shape(x)
        order = "(batch, length, " if self.batch_first else "(length, batch, "
        if len(xs) not in (2, 3) or xs[-1] != self.input_size:
            raise ValueError(
                f"{owner}: input must have shape {order}{self.input_size}) or (length, "
                f"{self.input_size}) unbatched (input_size={self.input_size}); got shape {xs}"
            )
        batched = len(xs) == 3
        length = xs[1] if batched and self.batch_first else xs[0]
        n = (xs[0] if self.batch_first else xs[1]) if batched else 1
        if length == 0:
            raise ValueError(f"{owner}: input of shape {xs} has no time steps; pass length >= 1")
        # Each step's input is (n, input_size); unbatched, a batch of one (x[t:t + 1]). Steps
        # are sliced one by one rather than projected all at once and then sliced: a slice's
        # adjoint is as large as what it was cut from, so L slices of one (L, n, G·H)
        # projection would cost O(L²) in the backward sweep.
        if not batched:
            inputs = [[x[t:t + 1]] for t in range(length)]
        elif self.batch_first:
            inputs = [[x[:, t]] for t in range(length)]
        else:
            inputs = [[x[t]] for t in range(length)]
        directions = self._suffixes()
        stacked = self.num_layers * len(directions)
        if hx is None:
            dtype = np.result_type(_value(x).dtype, self.weight_ih_l0.dtype)
            initial = [[np.zeros((n, size), dtype)] * stacked for size in self._state_sizes()]
        else:
            initial = []
            for k, (s, size) in enumerate(zip(hx, self._state_sizes())):
                s = _as_input(s)
                expected = (stacked, n, size) if batched else (stacked, size)
                if ops.shape(s) != expected:
                    what = ("h0", "c0")[k]
                    raise ValueError(
                        f"{owner}: {what} must have shape {expected} (num_layers · directions, "
                        f"{'batch, ' if batched else ''}size) for input of shape {xs}; got "
                        f"shape {ops.shape(s)}"
                    )
                initial.append([s[j] if batched else s[j:j + 1] for j in range(stacked)])
        finals = []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                inputs = [[F.dropout(piece, self.dropout, self.rng) for piece in pieces]
                          for pieces in inputs]
            outputs = []
            for d, suffix in enumerate(directions):
                prepared = recurrence.prepare(self._weights(layer, suffix))
                state = tuple(s[layer * len(directions) + d] for s in initial)
                hs = [None] * length
                for t in (range(length) if d == 0 else range(length - 1, -1, -1)):
                    state = recurrence.step(inputs[t], state, prepared)
                    hs[t] = state[0]
                outputs.append(hs)
                finals.append(state)
            inputs = [list(pieces) for pieces in zip(*outputs)]  # the directions, step by step
        if batched:
            axis = 1 if self.batch_first else 0
            joined = [_stack(hs, axis) for hs in outputs]
            finals = [_stack(f, 0) for f in zip(*finals)]
        else:  # the steps' batch axes of one become the time axis
            joined = [ops.concatenate(hs, axis=0) for hs in outputs]
            finals = [ops.concatenate(list(f), axis=0) for f in zip(*finals)]
        output = joined[0] if len(joined) == 1 else ops.concatenate(joined, axis=-1)
        return output, finals

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False, "proj_size": 0}
        for name, default in defaults.items():
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)!r}"
        return text


_LAYER_DOC = """
    ``input`` is ``(length, batch, input_size)``, or ``(batch, length,
    input_size)`` with ``batch_first=True``, or ``(length, input_size)``
    unbatched. The parameters of layer k are ``weight_ih_l{k}``
    ``(G·hidden_size, input_size)`` for k = 0, ``(G·hidden_size, D·H_out)``
    above; ``weight_hh_l{k}`` ``(G·hidden_size, H_out)``; ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` ``(G·hidden_size,)`` (absent with ``bias=False``); the
    reverse direction's have the suffix ``_reverse``; D is 2 when
    ``bidirectional`` else 1, H_out is ``hidden_size``. All are drawn from
    U(−1/√hidden_size, 1/√hidden_size) by ``rng`` (a Generator or a seed) in
    PyTorch's order, which then also draws the ``dropout`` masks applied to
    each layer's output but the last (in training mode only). ``h_n`` holds
    the last state of every layer and direction, ``(num_layers·D, batch,
    H_out)`` (never batch-first; without the batch axis when unbatched), and
    ``output`` the last layer's h at every step, ``(length, batch, D·H_out)``
    (directions concatenated, forward first; batch-first as the input).
"""


class RNN(_Layer):
    __doc__ = """Elman RNN layers (G = 1), as ``torch.nn.RNN``: ``output, h_n = rnn(input, h0)``.

    Each step is h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu with
    ``nonlinearity='relu'``.
    """ + _LAYER_DOC + """
    >>> import numpy as np
    >>> import semigrad as sg
    >>> rnn = sg.nn.RNN(3, 5, num_layers=2, bidirectional=True, rng=0)
    >>> rnn
    RNN(3, 5, num_layers=2, bidirectional=True)
    >>> output, h_n = rnn(np.ones((7, 2, 3)))
    >>> output.shape, h_n.shape
    ((7, 2, 10), (4, 2, 5))
    >>> rnn.weight_ih_l1_reverse.shape
    (5, 10)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, *, rng=None,
                 dtype=np.float64):
        _check_nonlinearity("RNN", nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, rng, dtype)

    @property
    def _recurrence(self):
        return _NONLINEARITIES[self.nonlinearity]

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's name)
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n

    def extra_repr(self) -> str:
        return super().extra_repr() + (", nonlinearity='relu'"
                                       if self.nonlinearity == "relu" else "")


class LSTM(_Layer):
    __doc__ = """LSTM layers (G = 4: gates i, f, g, o), as ``torch.nn.LSTM``.

    ``output, (h_n, c_n) = lstm(input, (h0, c0))``, the pair optional (zeros).
    With ``proj_size`` > 0 each step's h is projected, h ← W_hr h with
    ``weight_hr_l{k}`` of shape ``(proj_size, hidden_size)``: H_out is then
    ``proj_size`` (in ``output``, ``h_n`` and ``weight_hh``), while ``c_n`` is
    ``(num_layers·D, batch, hidden_size)``.
    """ + _LAYER_DOC + """
    >>> import numpy as np
    >>> import semigrad as sg
    >>> lstm = sg.nn.LSTM(3, 5, batch_first=True, rng=0)
    >>> output, (h_n, c_n) = lstm(np.ones((2, 7, 3)))
    >>> output.shape, h_n.shape, c_n.shape
    ((2, 7, 5), (1, 2, 5), (1, 2, 5))
    >>> [name for name, _ in lstm.named_parameters()]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    _recurrence = _LSTM

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, *, rng=None,
                 dtype=np.float64):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, rng, dtype)

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's name)
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError(
                f"LSTM: hx must be a pair (h0, c0) of arrays or None; got a {type(hx).__name__}"
            )
        output, (h_n, c_n) = self._run(input, None if hx is None else tuple(hx))
        return output, (h_n, c_n)


class GRU(_Layer):
    __doc__ = """GRU layers (G = 3: r, z, n), as ``torch.nn.GRU``: ``output, h_n = gru(input, h0)``.

    ``h0`` is optional (zeros).
    """ + _LAYER_DOC + """
    >>> import numpy as np
    >>> import semigrad as sg
    >>> gru = sg.nn.GRU(3, 5, rng=0)
    >>> output, h_n = gru(np.ones((7, 3)))          # unbatched
    >>> output.shape, h_n.shape
    ((7, 5), (1, 5))
    """

    _recurrence = _GRU

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, *, rng=None, dtype=np.float64):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, rng, dtype)

    def forward(self, input, hx=None):  # noqa: A002 (PyTorch's name)
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n
