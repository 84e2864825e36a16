"""The package's layers: every module imports only from its own layer and the ones below.

The contract is written once, in pyproject.toml ([tool.importlinter]); import-linter checks
every import, deferred ones (inside functions) included.
"""

from __future__ import annotations

import pathlib
import re

import pytest

importlinter_cli = pytest.importorskip("importlinter.cli")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _lint(config: pathlib.Path) -> int:
    return importlinter_cli.lint_imports(config_filename=str(config), no_cache=True,
                                         no_logo=True)


def test_the_layers_contract_is_kept():
    assert _lint(ROOT / "pyproject.toml") == 0


def test_the_contract_catches_an_upward_import(tmp_path):
    # The same contract with context above tensor: tensor's imports of context go "up".
    text = (ROOT / "pyproject.toml").read_text()
    swapped = re.sub(r'"tensor",\s*"context : backend",', '"context : backend",\n    "tensor",',
                     text)
    assert swapped != text
    config = tmp_path / "pyproject.toml"
    config.write_text(swapped)
    assert _lint(config) != 0
