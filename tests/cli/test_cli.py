"""The semigrad command: the comparison table, JSON, and one-line errors."""

import json
import subprocess
import sys

import pytest

from semigrad.cli import main

SEED = "exp(y**-x - log(z)) + (y-z)**2*log(v)"
GRADIENT = {"x": -0.331346037775083, "y": -2.89209654361886, "z": 2.54724261316784, "v": 0.25}


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_table_of_methods(capsys):
    status, out, err = run(capsys, "grad", SEED, "--at", "x=0.5,y=2,z=3,v=4")
    assert status == 0 and not err
    assert "value 2.06233268833571" in out
    for method in ("reverse mode", "forward mode", "central", "richardson", "complex",
                   "symbolic"):
        assert method in out
    assert "-0.331346037775083" in out and "evaluations" in out and "operations" in out


def test_json(capsys):
    status, out, _ = run(capsys, "grad", SEED, "--at", "x=0.5,y=2,z=3,v=4", "--json",
                         "--hessian")
    data = json.loads(out)
    assert status == 0 and data["variables"] == ["x", "y", "z", "v"]
    assert data["value"] == pytest.approx(2.06233268833571, rel=1e-14)
    for name, g in GRADIENT.items():
        assert data["gradient"][name] == pytest.approx(g, rel=1e-13)
    methods = data["methods"]
    assert methods["central"]["evaluations"] == 8
    assert methods["central"]["max_abs_error"] < 1e-9
    assert methods["richardson"]["max_abs_error"] < 1e-12
    assert methods["complex"]["max_abs_error"] < 1e-14
    assert methods["symbolic"]["max_abs_error"] < 1e-13
    assert "operations" in methods["reverse mode"] and "operations" in methods["forward mode"]
    h = data["hessian"]
    assert len(h) == 4 and all(len(row) == 4 for row in h)
    assert h[0][1] == pytest.approx(h[1][0], rel=1e-12)


def test_order_and_dot(capsys, tmp_path):
    dot = tmp_path / "g.dot"
    status, out, _ = run(capsys, "grad", "exp(a*x)", "--at", "a=0.3,x=1", "--order", "3",
                         "--json", "--dot", str(dot))
    data = json.loads(out)
    assert status == 0 and len(data["derivative"]) == 2
    assert data["derivative"][1][1][1] == pytest.approx(0.3 ** 3 * 2.718281828459045 ** 0.3)
    assert dot.read_text().startswith("digraph")


@pytest.mark.parametrize("expr, at, message", [
    ("exp(x +* 2)", "x=1", "column 8"),
    ("foo(x)", "x=1", "unknown function 'foo' at column 1"),
    ("x*y", "x=1", "no value for y"),
    ("x", "x=1,y=2", "y does not appear"),
    ("log(x)", "x=-1", "domain error"),
    ("x", "x=abc", "'abc' is not a number"),
    ("().__class__", "x=1", "column"),
    ("x", "x=1,x=2", "given twice"),
])
def test_bad_input_is_one_line_and_status_2(capsys, expr, at, message):
    status, out, err = run(capsys, "grad", expr, "--at", at)
    assert status == 2 and not out
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_help_shows_examples(capsys):
    assert main(["grad", "--help"]) == 0
    assert "examples:" in capsys.readouterr().out


def test_python_dash_m_behaves_like_the_console_script():
    done = subprocess.run([sys.executable, "-m", "semigrad", "grad", "sin(x)", "--at", "x=0",
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert json.loads(done.stdout)["gradient"] == {"x": 1.0}
    bad = subprocess.run([sys.executable, "-m", "semigrad", "grad", "sin(", "--at", "x=0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
