"""Optimisers, learning-rate schedules and gradient clipping: ``sg.optim``.

An optimiser holds a set of parameters and per-parameter state, and
``step()`` applies one update. It works on both faces:

- **eager**: ``SGD(model.parameters(), lr=0.1)``; after ``loss.backward()``,
  ``step()`` reads each parameter's ``.grad`` (skipping parameters whose grad
  is None, as PyTorch) and updates ``.value`` in place; ``zero_grad()``
  resets the grads to None;
- **functional**: ``Adam(params, lr=1e-3)`` with ``params`` a dict of
  arrays; ``step(grads)`` takes the gradient dict that ``sg.value_and_grad``
  returned for it and updates the arrays of ``params`` in place.

The update equations are PyTorch's (``torch.optim``, single-tensor code path,
in the same order of floating-point operations where it matters), so a few
steps agree with ``torch.optim`` to float rounding; each class's docstring
states its equations. Parameters keep their dtype (float32 stays float32).

``lr`` is a number or a *schedule*: a function of the number of steps taken
so far (0 for the first step) returning the learning rate, such as
:func:`step_decay`, :func:`cosine_decay` and :func:`linear_warmup` (which
wraps another). Calling ``step()`` once per batch with a schedule is
PyTorch's ``optimizer.step(); scheduler.step()`` per batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from . import backend
from .nn.module import Module, _assign
from .tensor import Tensor

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "clip_grad_norm",
    "cosine_decay",
    "linear_warmup",
    "step_decay",
]


def _check(name, value, low=0.0, high=None, *, open_high=False):
    ok = value >= low and (high is None or (value < high if open_high else value <= high))
    if not ok:
        bound = f"[{low}, {high})" if open_high else f"[{low}, {high}]" if high else f">= {low}"
        raise ValueError(f"{name} must be {'in ' if high else ''}{bound}; got {value}")


class Optimizer:
    """Base class: parameter bookkeeping, schedules, ``step`` and ``zero_grad``.

    ``params`` is a list of Tensors that require grad (``model.parameters()``),
    or a dict of them, or a dict of float arrays (the functional face).
    Subclasses define ``_update(p, g, state, lr)``: the new value of one
    parameter from its value ``p``, gradient ``g`` (arrays) and a dict of
    state it keeps between steps.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt = sg.optim.SGD(params, lr=0.5)
    >>> opt.step({"w": np.array([1.0, 1.0])})
    >>> params["w"].tolist(), opt.steps
    ([0.5, -2.5], 1)
    """

    def __init__(self, params, lr):
        name = type(self).__name__
        if isinstance(params, Module):
            raise TypeError(f"{name}: pass model.parameters(), not the module itself")
        if isinstance(params, Tensor | np.ndarray):
            raise TypeError(f"{name}: params must be a list or dict of parameters; got one "
                            f"{type(params).__name__}: wrap it in a list")
        if isinstance(params, Mapping):
            self._keys = list(params)
            self._container = params
            values = [params[k] for k in self._keys]
        else:
            values = list(params)
            self._keys = list(range(len(values)))
            self._container = values
        if not values:
            raise ValueError(f"{name}: no parameters to optimise")
        self._tensors = all(isinstance(v, Tensor) for v in values)
        for k, v in zip(self._keys, values):
            if isinstance(v, Tensor):
                if not self._tensors:
                    raise TypeError(f"{name}: params mixes Tensors and arrays; use one kind")
                if not (v.requires_grad and v.is_leaf):
                    raise ValueError(
                        f"{name}: parameter {k!r} (shape {v.shape}) is not a leaf Tensor that "
                        "requires grad; create it with sg.nn.Parameter or requires_grad=True"
                    )
            elif not isinstance(params, Mapping):
                raise TypeError(
                    f"{name}: parameter {k} is a {type(v).__name__}; a list of parameters must "
                    "hold Tensors (pass arrays in a dict: the optimiser updates the dict)"
                )
            elif np.result_type(v).kind != "f":
                raise TypeError(
                    f"{name}: parameter {k!r} has dtype {np.result_type(v)}; only floating-point "
                    "parameters can be optimised"
                )
        if not callable(lr):
            _check(f"{name}: lr", lr)
        self.lr = lr
        self.steps = 0
        self.state: list[dict] = [{} for _ in self._keys]

    @property
    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses (a schedule evaluated at ``steps``).

        >>> import semigrad as sg
        >>> opt = sg.optim.SGD([sg.nn.Parameter([1.0])], lr=sg.optim.step_decay(1.0, 2))
        >>> opt.current_lr
        1.0
        """
        return float(self.lr(self.steps)) if callable(self.lr) else float(self.lr)

    def _grads(self, grads):
        name = type(self).__name__
        if grads is None:
            if not self._tensors:
                raise ValueError(
                    f"{name}.step: the parameters are arrays, which have no .grad; pass the "
                    "gradients: step(grads)"
                )
            return [self._container[k].grad for k in self._keys]
        if isinstance(self._container, Mapping):
            if not isinstance(grads, Mapping):
                raise TypeError(f"{name}.step: the parameters are a dict; pass grads as a dict "
                                f"with the same keys, not a {type(grads).__name__}")
            missing = [k for k in self._keys if k not in grads]
            extra = [k for k in grads if k not in self._container]
            if missing or extra:
                raise ValueError(
                    f"{name}.step: the gradient keys do not match the parameters'"
                    + (f"; missing {missing}" if missing else "")
                    + (f"; unexpected {extra}" if extra else "")
                )
            return [grads[k] for k in self._keys]
        grads = list(grads)
        if len(grads) != len(self._keys):
            raise ValueError(
                f"{name}.step: {len(grads)} gradients for {len(self._keys)} parameters"
            )
        return grads

    def step(self, grads=None) -> None:
        """Update every parameter once, from ``grads`` or (eager) from each ``.grad``.

        >>> import numpy as np
        >>> import semigrad as sg
        >>> w = sg.nn.Parameter([1.0, 2.0])
        >>> opt = sg.optim.SGD([w], lr=0.1)
        >>> sg.sum(w * w).backward()
        >>> opt.step(); opt.zero_grad()
        >>> w.value.tolist(), w.grad
        ([0.8, 1.6], None)
        """
        lr = self.current_lr
        gradients = [g.value if isinstance(g, Tensor) else g for g in self._grads(grads)]
        # Gradients computed by Dask (data on a cluster) are computed here, all in one call.
        gradients = backend.compute(gradients)
        for i, (key, g) in enumerate(zip(self._keys, gradients)):
            if g is None:
                continue
            current = self._container[key]
            value = current.value if self._tensors else current
            if backend.library(value) is not None:  # a parameter of another library: kept there
                self._step_foreign(i, key, current, backend.wrap(value), backend.wrap(g), lr)
                continue
            p = np.asarray(value)
            g = np.asarray(backend.to_numpy(g))
            if g.shape != p.shape:
                raise ValueError(
                    f"{type(self).__name__}.step: gradient of shape {g.shape} for parameter "
                    f"{key!r} of shape {p.shape}"
                )
            new = self._update(p, g.astype(p.dtype, copy=False), self.state[i], lr)
            if self._tensors:
                _assign(current, new)
            elif isinstance(current, np.ndarray) and current.ndim and current.flags.writeable:
                np.copyto(current, new, casting="unsafe")
            else:
                self._container[key] = np.asarray(new, dtype=p.dtype)[()]
        self.steps += 1

    def _step_foreign(self, i, key, current, p, g, lr):
        """One parameter of another library (a GPU tensor): the same update, in its library."""
        g = backend.like(g, p)
        if g.shape != p.shape:
            raise ValueError(
                f"{type(self).__name__}.step: gradient of shape {g.shape} for parameter "
                f"{key!r} of shape {p.shape}"
            )
        new = self._update(p, g.astype(p.dtype) if g.dtype != p.dtype else g, self.state[i], lr)
        new = backend.unwrap(backend.like(new, p))
        if self._tensors:
            current.value = backend.wrap(new)
        else:
            self._container[key] = new

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None (eager face; nothing to do for arrays).

        >>> import semigrad as sg
        >>> w = sg.nn.Parameter([1.0])
        >>> w.grad = np.ones(1)
        >>> sg.optim.SGD([w], lr=0.1).zero_grad(); w.grad is None
        True
        """
        if self._tensors:
            for k in self._keys:
                self._container[k].grad = None

    def _update(self, p, g, state, lr):
        raise TypeError(
            f"{type(self).__name__} defines no update rule: an optimiser subclass implements "
            "_update(p, g, state, lr)"
        )

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}({len(self._keys)} parameters, {settings})"

    def _settings(self) -> dict:
        return {"lr": self.lr}


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and weight decay.

    As ``torch.optim.SGD`` (dampening 0): g ← g + wd·p; with momentum μ,
    b ← g on the first step, else b ← μ·b + g, and g ← g + μ·b (Nesterov)
    or g ← b; then p ← p − lr·g.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> params = {"w": np.array([1.0])}
    >>> opt = sg.optim.SGD(params, lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.step({"w": np.array([1.0])})
    >>> params["w"].round(6).tolist()  # 1 − 0.1·1 − 0.1·(0.9 + 1)
    [0.71]
    """

    def __init__(self, params, lr=1e-3, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        _check("SGD: momentum", momentum)
        _check("SGD: weight_decay", weight_decay)
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = momentum, bool(nesterov), weight_decay

    def _update(self, p, g, state, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = state.get("momentum")
            buf = np.array(g) if buf is None else self.momentum * buf + g
            state["momentum"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        return p - lr * g

    def _settings(self):
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam``; ``weight_decay`` is L2 (g ← g + wd·p).

    With t the parameter's step count: m ← m + (1 − β₁)(g − m),
    v ← β₂·v + (1 − β₂)·g², then
    p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> params = {"w": np.array([1.0, -1.0])}
    >>> sg.optim.Adam(params, lr=0.1).step({"w": np.array([3.0, -0.5])})
    >>> params["w"].round(6).tolist()  # the first step moves each weight by lr against sign(g)
    [0.9, -0.9]
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        name = type(self).__name__
        for k, beta in enumerate(betas):
            _check(f"{name}: betas[{k}]", beta, 0.0, 1.0, open_high=True)
        _check(f"{name}: eps", eps)
        _check(f"{name}: weight_decay", weight_decay)
        self.betas, self.eps, self.weight_decay = (float(betas[0]), float(betas[1])), eps, \
            weight_decay

    def _update(self, p, g, state, lr):
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self._decoupled:
                p = p * (1 - lr * self.weight_decay)
            else:
                g = g + self.weight_decay * p
        t = state["step"] = state.get("step", 0) + 1
        m = state.get("m")
        v = state.get("v")
        if m is None:
            m, v = np.zeros_like(p), np.zeros_like(p)
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * (g * g)
        state["m"], state["v"] = m, v
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
        return p - step_size * (m / denom)

    def _settings(self):
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps,
                "weight_decay": self.weight_decay}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``.

    p ← p · (1 − lr·wd) first, then the Adam update without the L2 term.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> params = {"w": np.array([1.0])}
    >>> sg.optim.AdamW(params, lr=0.1, weight_decay=0.5).step({"w": np.array([0.0])})
    >>> params["w"].tolist()  # decay only: the gradient is 0
    [0.95]
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton 2012), as ``torch.optim.RMSprop``.

    g ← g + wd·p; s ← α·s + (1 − α)·g²; with ``centered``, ḡ ← ḡ + (1 − α)(g − ḡ)
    and d = √(s − ḡ²) + eps, else d = √s + eps; then with momentum μ,
    b ← μ·b + g/d and p ← p − lr·b, else p ← p − lr·g/d.

    >>> import numpy as np
    >>> import semigrad as sg
    >>> params = {"w": np.array([1.0])}
    >>> sg.optim.RMSprop(params, lr=0.01, alpha=0.99).step({"w": np.array([2.0])})
    >>> params["w"].round(6).tolist()  # 1 − 0.01 · 2 / √(0.01 · 4)
    [0.9]
    """

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, lr)
        _check("RMSprop: alpha", alpha, 0.0, 1.0)
        _check("RMSprop: eps", eps)
        _check("RMSprop: weight_decay", weight_decay)
        _check("RMSprop: momentum", momentum)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, bool(centered)

    def _update(self, p, g, state, lr):
        alpha = self.alpha
        if self.weight_decay:
            g = g + self.weight_decay * p
        square_avg = state.get("square_avg")
        if square_avg is None:
            square_avg = np.zeros_like(p)
        square_avg = state["square_avg"] = alpha * square_avg + (1 - alpha) * (g * g)
        if self.centered:
            grad_avg = state.get("grad_avg")
            grad_avg = np.zeros_like(p) if grad_avg is None else grad_avg
            grad_avg = state["grad_avg"] = grad_avg + (1 - alpha) * (g - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            avg = np.sqrt(square_avg) + self.eps
        if self.momentum > 0:
            buf = state.get("momentum")
            buf = np.zeros_like(p) if buf is None else buf
            buf = state["momentum"] = self.momentum * buf + g / avg
            return p - lr * buf
        return p - lr * (g / avg)

    def _settings(self):
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps,
                "weight_decay": self.weight_decay, "momentum": self.momentum,
                "centered": self.centered}


# ---- schedules ---------------------------------------------------------------------

Schedule = Callable[[int], float]


def _lr_at(lr, step):
    return float(lr(step)) if callable(lr) else float(lr)


def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """lr · γ^⌊t / step_size⌋: multiply by ``gamma`` every ``step_size`` steps (PyTorch's StepLR).

    >>> import semigrad as sg
    >>> schedule = sg.optim.step_decay(1.0, step_size=2, gamma=0.5)
    >>> [schedule(t) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    if step_size < 1:
        raise ValueError(f"step_decay: step_size must be a positive integer; got {step_size}")

    def schedule(step: int) -> float:
        return lr * gamma ** (step // step_size)

    return schedule


def cosine_decay(lr: float, total_steps: int, min_lr: float = 0.0) -> Schedule:
    """min_lr + ½(lr − min_lr)(1 + cos(π t / total_steps)), then min_lr after total_steps.

    PyTorch's CosineAnnealingLR with ``T_max=total_steps``, ``eta_min=min_lr``
    for t ≤ total_steps (which PyTorch continues periodically and this holds).

    >>> import semigrad as sg
    >>> schedule = sg.optim.cosine_decay(1.0, total_steps=4)
    >>> [round(schedule(t), 4) for t in range(6)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    if total_steps < 1:
        raise ValueError(f"cosine_decay: total_steps must be a positive integer; got {total_steps}")

    def schedule(step: int) -> float:
        t = min(step, total_steps)
        return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * t / total_steps)) / 2

    return schedule


def linear_warmup(lr, warmup_steps: int, start_factor: float = 0.0) -> Schedule:
    """Scale ``lr`` (a number or a schedule) by a factor rising linearly to 1 over warmup_steps.

    factor(t) = start_factor + (1 − start_factor) · min(t, warmup_steps) / warmup_steps,
    PyTorch's LinearLR with ``end_factor=1``, ``total_iters=warmup_steps``.
    Wrapping a schedule multiplies the two: ``linear_warmup(cosine_decay(...), 100)``.

    >>> import semigrad as sg
    >>> schedule = sg.optim.linear_warmup(1.0, warmup_steps=4)
    >>> [schedule(t) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    if warmup_steps < 1:
        raise ValueError(
            f"linear_warmup: warmup_steps must be a positive integer; got {warmup_steps}")
    _check("linear_warmup: start_factor", start_factor, 0.0, 1.0)

    def schedule(step: int) -> float:
        factor = start_factor + (1 - start_factor) * min(step, warmup_steps) / warmup_steps
        return _lr_at(lr, step) * factor

    return schedule


# ---- clipping ------------------------------------------------------------------------


def clip_grad_norm(params, max_norm: float) -> float:
    """Scale gradients so that their global 2-norm is at most ``max_norm``; return the norm.

    ``params`` is a list (or dict) of parameters, whose ``.grad`` are scaled,
    or a dict of gradient arrays (the functional face), whose entries are
    replaced. As ``torch.nn.utils.clip_grad_norm_``: the factor is
    max_norm / (norm + 1e-6), applied when below 1; the returned norm is the
    one before clipping. Gradients are replaced, never scaled in place (one
    array may be shared by several gradients).

    >>> import numpy as np
    >>> import semigrad as sg
    >>> grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    >>> sg.optim.clip_grad_norm(grads, 1.0)
    5.0
    >>> np.round([grads["a"][0], grads["b"][0]], 6).tolist()
    [0.6, 0.8]
    """
    _check("clip_grad_norm: max_norm", max_norm)
    if isinstance(params, Mapping):
        keys = list(params)
        holders = params
    else:
        holders = list(params)
        keys = range(len(holders))
    tensors = [isinstance(holders[k], Tensor) for k in keys]
    if any(tensors) and not all(tensors):
        raise TypeError("clip_grad_norm: pass parameters (Tensors) or gradient arrays, not both")
    on_tensors = bool(tensors) and all(tensors)
    if not on_tensors and not isinstance(params, Mapping):
        raise TypeError("clip_grad_norm: gradient arrays must come in a dict (it is updated)")

    def get(k):
        return holders[k].grad if on_tensors else holders[k]

    grads = {k: get(k) for k in keys if get(k) is not None}
    total = math.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype=np.float64))))
                          for g in grads.values()))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for k, g in grads.items():
            g = np.asarray(g)
            scaled = (g * coef).astype(g.dtype, copy=False)
            if on_tensors:
                holders[k].grad = scaled
            else:
                holders[k] = scaled
    return total
