"""``semigrad.scipy``: SciPy's names, differentiable (SciPy is needed only here, imported lazily).

``import semigrad.scipy.special as sc`` and write SciPy code: each function is a
primitive declared with its derivative (reverse and forward mode, any order,
every semiring), its values computed by SciPy.

>>> import semigrad as sg
>>> import semigrad.scipy.special as sc
>>> round(float(sg.grad(sc.gammaln)(3.0)), 12)   # digamma(3) = 3/2 − γ
0.922784335098
"""

from __future__ import annotations

from . import integrate, linalg, signal, special, stats  # noqa: F401
