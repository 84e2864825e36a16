"""Whole models in one file (sg.nn.save_model / load_model) and `semigrad paths` on them."""

import json
import zipfile

import numpy as np
import pytest

import semigrad as sg
from semigrad import nn
from semigrad.cli import main
from semigrad.interpret import PathsError, top_paths


def roundtrip(tmp_path, model):
    path = tmp_path / "model.npz"
    nn.save_model(path, model)
    return nn.load_model(path)


@pytest.mark.parametrize("make", [
    lambda: nn.MLP([3, 5, 2], rng=0),
    lambda: nn.MLP([3, 5, 4, 2], activation=sg.tanh, rng=1),
    lambda: nn.MLP([3, 2], activation=nn.Sigmoid, rng=2, dtype=np.float32),
    lambda: nn.Sequential(nn.Linear(3, 4, rng=0), nn.LayerNorm(4), sg.relu, nn.Dropout(0.2),
                          nn.Linear(4, 2, bias=False, rng=1), nn.GELU()),
])
def test_a_saved_model_is_built_again_with_equal_outputs(tmp_path, make):
    model = make().eval()
    again = roundtrip(tmp_path, model).eval()
    assert repr(again) == repr(model)
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
    assert {k: v.dtype for k, v in again.state_dict().items()} == \
        {k: v.dtype for k, v in model.state_dict().items()}


def cnn():
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, rng=0), nn.BatchNorm2d(3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 4, rng=1))


def test_a_cnn_with_buffers_is_built_again(tmp_path):
    model = cnn()
    model(np.random.default_rng(0).standard_normal((5, 1, 4, 4)))  # moves the running stats
    model.eval()
    again = roundtrip(tmp_path, model).eval()
    assert repr(again) == repr(model)
    np.testing.assert_array_equal(again[1].running_var, model[1].running_var)
    x = np.linspace(-1, 1, 32).reshape(2, 1, 4, 4)
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())


def test_top_paths_through_a_cnn_cross_its_layers():
    model = cnn().eval()
    report = top_paths(model, np.linspace(-1, 1, 16).reshape(1, 1, 4, 4), k=2)
    names = [name for name, _ in report["layers"]]
    assert names == ["0:Conv2d", "1:BatchNorm2d", "2:ReLU", "3:MaxPool2d", "4:Flatten",
                     "5:Linear"]
    assert all(len(p["from"]) == 4 for p in report["paths"])  # (n, c, h, w) of the image


def test_the_paths_command_gives_a_cnn_a_flat_image_as_a_batch_of_one(tmp_path, capsys):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8, 3, rng=1)).eval()
    path = tmp_path / "cnn.npz"
    nn.save_model(path, model)
    x = np.linspace(0.0, 1.0, 16)
    assert main(["paths", str(path), "--input", ",".join(map(str, x)), "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert "input of 16 values, as an image batch of shape (1, 1, 4, 4)\n" in out
    assert "\n1. input[0, 0, " in out and "0:Conv2d[" in out
    for shaped in (x.reshape(4, 4), x.reshape(1, 4, 4), x.reshape(1, 1, 4, 4)):
        report = top_paths(model, shaped, k=2)
        assert report["input_shape"] == (1, 1, 4, 4)
        assert report["paths"] == top_paths(model, x, k=2)["paths"]
    with pytest.raises(PathsError, match=r"Conv2d\(1, 2.*15 values are not 1 square images"):
        top_paths(model, x[:15])


def test_a_model_file_still_loads_as_parameters(tmp_path):
    model = nn.MLP([3, 4, 2], rng=0)
    path = tmp_path / "model.npz"
    nn.save_model(path, model)
    assert sorted(nn.load(path)) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    other = nn.MLP([3, 4, 2], rng=5).load(path)
    np.testing.assert_array_equal(other[0].weight.value, model[0].weight.value)


def test_save_model_refuses_what_it_cannot_build_again(tmp_path):
    class Mine(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

        def forward(self, x):
            return x * self.w

    with pytest.raises(TypeError, match="Mine, not one of semigrad.nn's classes.*model.save"):
        nn.save_model(tmp_path / "m.npz", Mine())
    with pytest.raises(TypeError, match=r"model.activation = .*lambda.*cannot be written"):
        nn.save_model(tmp_path / "m.npz", nn.MLP([2, 2, 1], activation=lambda v: v, rng=0))
    with pytest.raises(TypeError, match=r"model\.layers\[1\] is a Mine"):
        nn.save_model(tmp_path / "m.npz", nn.Sequential(nn.Linear(2, 2), Mine()))


@pytest.mark.parametrize("spec, message", [
    ({"format": 1, "model": {"module": "Popen", "args": {}}}, "'Popen' is not a class of"),
    ({"format": 1, "model": {"module": "MLP", "args": {"sizes": {"list": [2, 1]},
                                                       "activation": {"function": "system"}}}},
     "'system' is not a function of semigrad"),
    ({"format": 1, "model": {"module": "MLP", "args": {"sizes": {"list": [2, 1]},
                                                       "activation": {"class": "Tensor"}}}},
     "'Tensor' is not a class of semigrad.nn"),
    ({"format": 7, "model": {}}, "format 7"),
])
def test_load_model_builds_only_semigrad_classes_and_functions(tmp_path, spec, message):
    path = tmp_path / "m.npz"
    nn.save(path, {"0.weight": np.ones((1, 2)), "0.bias": np.zeros(1)})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("__semigrad_model__.json", json.dumps(spec))
    with pytest.raises(ValueError, match=message):
        nn.load_model(path)


def test_load_model_on_a_parameters_file_says_what_to_do(tmp_path):
    path = tmp_path / "p.npz"
    nn.MLP([2, 1], rng=0).save(path)
    with pytest.raises(ValueError, match=r"parameters only .*model.load\(path\)"):
        nn.load_model(path)


def test_top_paths_name_the_layers_and_multiply_to_their_weight():
    model = nn.MLP([4, 6, 3], activation=sg.tanh, rng=0)
    x = np.array([0.5, -1.0, 2.0, 0.1])
    report = top_paths(model, x, k=4)
    logits = model(x).numpy()
    assert report["output_index"] == (int(np.argmax(logits)),)
    assert report["output_value"] == pytest.approx(logits.max(), rel=1e-15)
    weights = [p["weight"] for p in report["paths"]]
    assert weights == sorted(weights, key=abs, reverse=True)
    for p in report["paths"]:
        assert np.prod([h["partial"] for h in p["hops"]]) == pytest.approx(p["weight"], rel=1e-12)
        assert p["hops"][-1]["to"] == "output"
    # the best path's weight is the largest MaxProduct value over the input elements
    best = max(abs(w) for _, w in report["strongest_inputs"])
    assert abs(weights[0]) == pytest.approx(best, rel=1e-12)
    # sg.tanh is a function, not a module: it names no layer
    assert report["layers"] == [("0:Linear", 4), ("2:Linear", 4)]


def test_the_paths_command_on_a_saved_model(tmp_path, capsys):
    path = tmp_path / "model.npz"
    nn.save_model(path, nn.MLP([3, 4, 2], rng=0))
    assert main(["paths", str(path), "--input", "1,2,3", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"MLP 3-4-2 from {path}; input of 3 values\n")
    assert "1. input[" in out and "2. input[" in out and "0:Linear" in out
    assert "layers crossed by the top paths: 0:Linear 2/2, 1:ReLU 2/2, 2:Linear 2/2" in out
    np.save(tmp_path / "x.npy", np.array([1.0, 2.0, 3.0]))
    assert main(["paths", str(path), "--input", str(tmp_path / "x.npy"), "--output", "0",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["output_index"] == [0] and len(report["paths"]) == 3


@pytest.mark.parametrize("args, message", [
    (["--input", "1,2"], r"the model takes 3 input values .*the input has shape \(2,\)"),
    (["--input", "1,x,3"], "expected a .npy file or numbers separated by commas"),
    (["--input", "missing.npy"], "no such file: missing.npy"),
    (["--input", "1,2,3", "--output", "5"], r"the model has 2 outputs \(0 to 1\); got 5"),
    (["--input", "1,2,3", "--top", "0"], "expected a positive number of paths"),
])
def test_the_paths_command_explains_bad_input(tmp_path, capsys, args, message):
    path = tmp_path / "model.npz"
    nn.save_model(path, nn.MLP([3, 4, 2], rng=0))
    assert main(["paths", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("semigrad: error: ") and err.count("\n") == 1
    assert __import__("re").search(message, err)


def test_the_paths_command_without_a_model_file(tmp_path, capsys):
    assert main(["paths", str(tmp_path / "none.npz"), "--input", "1"]) == 2
    assert "no such model file" in capsys.readouterr().err
    params = tmp_path / "params.npz"
    nn.MLP([2, 1], rng=0).save(params)
    assert main(["paths", str(params), "--input", "1,2"]) == 2
    assert "parameters only" in capsys.readouterr().err


def test_train_saves_a_model_that_paths_reads(tmp_path, capsys):
    path = tmp_path / "synthetic.npz"
    assert main(["train", "--data", "synthetic", "--epochs", "1", "--hidden", "8",
                 "--save", str(path), "--json"]) == 0
    capsys.readouterr()
    model = nn.load_model(path)
    assert [m.in_features for m in model.modules() if isinstance(m, nn.Linear)] == [16, 8]
    assert main(["paths", str(path), "--input", ",".join(["0.5"] * 16), "--top", "1"]) == 0
    assert "MLP 16-8-4" in capsys.readouterr().out


def test_recurrent_models_are_built_again(tmp_path):
    x = np.linspace(-1, 1, 30).reshape(5, 2, 3)
    for model in (nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, rng=0),
                  nn.GRU(3, 4, batch_first=True, rng=1), nn.RNN(3, 4, nonlinearity="relu", rng=2)):
        again = roundtrip(tmp_path, model)
        assert repr(again) == repr(model)
        np.testing.assert_array_equal(again(x)[0].numpy(), model(x)[0].numpy())


def test_attention_models_are_built_again(tmp_path):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True,
                                       rng=0)
    x = np.linspace(-1, 1, 48).reshape(2, 3, 8)
    for model in (nn.MultiheadAttention(8, 2, batch_first=True, rng=0).eval(), layer.eval(),
                  nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8)).eval()):
        again = roundtrip(tmp_path, model).eval()
        assert repr(again) == repr(model)
        args = (x, x, x) if isinstance(model, nn.MultiheadAttention) else (x,)
        out, again_out = model(*args), again(*args)
        if isinstance(out, tuple):
            out, again_out = out[0], again_out[0]
        np.testing.assert_array_equal(again_out.numpy(), out.numpy())


def test_the_explorer_page_of_a_saved_model(tmp_path, capsys):
    path = tmp_path / "model.npz"
    nn.save_model(path, nn.MLP([3, 4, 2], rng=0))
    out = tmp_path / "page.html"
    assert main(["explain", "--model", str(path), "--input", "1,2,3", "--element", "1",
                 "--columns", "central,paths", "-o", str(out)]) == 0
    assert f"explorer page of {path} at its input written to {out}" in capsys.readouterr().out
    page = out.read_text()
    assert "model.npz: output [1]" in page and "0:Linear" in page and "1:ReLU" in page
    assert 'id="top-paths"' in page and 'id="gradient-table"' in page


@pytest.mark.parametrize("args, message", [
    (["--model", "{model}", "x*y", "--input", "1,2,3"], "not also an expression or --at"),
    (["--model", "{model}"], r"give the input: --input"),
    (["--model", "{model}", "--input", "1,2"], "the model takes 3 input values"),
    (["x*y", "--at", "x=1,y=2", "--digit", "3"], "--input, --digit and --element go with"),
    (["x*y"], "give an expression and --at"),
])
def test_the_explain_command_with_a_model_explains_bad_input(tmp_path, capsys, args, message):
    path = tmp_path / "model.npz"
    nn.save_model(path, nn.MLP([3, 4, 2], rng=0))
    args = [a.replace("{model}", str(path)) for a in args]
    assert main(["explain", *args, "-o", str(tmp_path / "p.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("semigrad: error: ") and message in err
