"""``semigrad.numpy.random``: NumPy's own random module, untraced.

Random numbers are data, not functions of traced values, so this module is
NumPy's: the same generators, the same streams, plain arrays out. Prefer a
``Generator`` passed around explicitly over the legacy global state.

>>> import semigrad.numpy as snp
>>> rng = snp.random.default_rng(0)
>>> rng.standard_normal(3).shape
(3,)
"""

from numpy.random import *  # noqa: F403 (the whole of NumPy's namespace, by design)
from numpy.random import __all__  # noqa: F401
