"""The ``semigrad train`` command: accuracy on the digits, JSON, files, one-line errors."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from semigrad.cli import main

needs_digits = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                  reason="scikit-learn (the digits data) is not installed")


def train(capsys, *argv):
    status = main(["train", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def train_json(capsys, *argv):
    status, out, err = train(capsys, *argv, "--json")
    assert status == 0, err
    assert not err  # no progress bar with --json
    return json.loads(out)


@needs_digits
def test_digits_mlp_reaches_97_percent(capsys):
    result = train_json(capsys)  # the defaults: digits, 64-128-10, Adam, 20 epochs, seed 0
    assert result["data"] == "digits" and result["sizes"] == [64, 128, 10]
    assert result["optimizer"] == "adam" and result["epochs"] == 20
    assert result["test_accuracy"] >= 0.97
    assert result["train_loss"] == result["history"]["train_loss"][-1] < 0.2
    assert len(result["history"]["test_accuracy"]) == 20
    # a guard against a pathological slowdown (about a second on 2 cores), not a benchmark
    assert 0 < result["seconds"] < 60


def test_synthetic_json_and_every_optimizer(capsys):
    for optimizer in ("sgd", "adam", "adamw", "rmsprop"):
        result = train_json(capsys, "--data", "synthetic", "--epochs", "3", "--optimizer",
                            optimizer, "--hidden", "32,16", "--batch-size", "64")
        assert result["sizes"] == [16, 32, 16, 4] and result["optimizer"] == optimizer
        assert result["test_accuracy"] > 0.6, optimizer
        for key in ("test_accuracy", "train_loss", "epochs", "seconds", "lr", "history"):
            assert key in result
    again = train_json(capsys, "--data", "synthetic", "--epochs", "3", "--optimizer", "rmsprop",
                       "--hidden", "32,16", "--batch-size", "64")
    assert again["history"] == result["history"]  # the seed fixes everything


def test_text_output_and_plain_progress_without_tqdm(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    status, out, err = train(capsys, "--data", "synthetic", "--epochs", "2", "--lr", "0.01")
    assert status == 0
    assert "test accuracy" in out and "adam lr 0.01" in out
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2  loss ") and "accuracy" in lines[0]


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm", reason="tqdm is not installed (optional progress bar)")
    status, _, err = train(capsys, "--data", "synthetic", "--epochs", "2")
    assert status == 0 and "epoch 2/2" in err and "loss" in err and "accuracy" in err


@needs_digits
def test_save_load_and_evaluate(capsys, tmp_path):
    path = str(tmp_path / "digits.npz")
    trained = train_json(capsys, "--epochs", "3", "--save", path)
    assert trained["saved"] == path
    loaded = train_json(capsys, "--epochs", "0", "--load", path)
    assert loaded["test_accuracy"] == trained["test_accuracy"]
    status, out, err = train(capsys, "--epochs", "0", "--load", path, "--hidden", "64")
    assert status == 2 and not out
    assert err.count("\n") == 1 and "mis-shaped 0.weight" in err and "--hidden" in err
    (tmp_path / "bad.npz").write_text("not an archive")
    status, _, err = train(capsys, "--epochs", "0", "--load", str(tmp_path / "bad.npz"))
    assert status == 2 and "not a .npz archive" in err and "--hidden" not in err


def test_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (needed for --plot)")
    path = tmp_path / "curves.png"
    status, out, _ = train(capsys, "--data", "synthetic", "--epochs", "2", "--plot", str(path))
    assert status == 0 and f"curves written to {path}" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, message", [
    (["--hidden", "abc"], "--hidden: expected positive integers"),
    (["--hidden", "128,0"], "--hidden: expected positive integers"),
    (["--epochs", "-1"], "--epochs must be 0 or more"),
    (["--lr", "0"], "--lr must be a positive number"),
    (["--lr", "nan"], "--lr must be a positive number"),
    (["--batch-size", "0"], "--batch-size must be a positive integer"),
    (["--load", "/no/such/file.npz"], "--load: no such file"),
    (["--save", "/no/such/folder/file.npz"], "--save: the folder /no/such/folder does not exist"),
    (["--plot", "x.png", "--epochs", "0"], "--plot draws the training curves"),
    (["--data", "synthetic", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "1", "--json"],
     "the training loss became"),
])
def test_errors_are_one_line_with_status_2(capsys, argv, message):
    status, out, err = train(capsys, *argv)
    assert status == 2 and not out
    assert err.startswith("semigrad: error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


def test_argparse_errors_have_status_2(capsys):
    status, _, err = train(capsys, "--optimizer", "lbfgs")
    assert status == 2 and "invalid choice" in err


def test_missing_optional_dependencies(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    status, _, err = train(capsys, "--epochs", "1")
    assert status == 2 and "pip install scikit-learn" in err and "--data synthetic" in err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, _, err = train(capsys, "--data", "synthetic", "--plot", str(tmp_path / "c.png"))
    assert status == 2 and "--plot needs matplotlib" in err and err.count("\n") == 1
