"""Every docstring example in the package runs and prints what it says."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import semigrad
from semigrad.primitives import REGISTRY

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(semigrad.__path__, "semigrad.")
    if m.name != "semigrad.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_primitive_docstring_examples(name):
    prim = REGISTRY[name]
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(prim.__doc__ or "", name, globs={"np": np}):
        runner.run(test)
    assert runner.failures == 0, f"docstring example of primitive {name} failed"


def test_every_public_function_has_an_example():
    missing = []
    for name in semigrad.__all__:
        obj = getattr(semigrad, name)
        if callable(obj) and not isinstance(obj, type) and ">>>" not in (obj.__doc__ or ""):
            missing.append(name)
    assert not missing, f"public functions without a docstring example: {missing}"
