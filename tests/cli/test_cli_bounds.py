"""The command line and the server do bounded work and never show a traceback (issue 13, part 7).

Budgets in these tests are small (a fraction of a second to 2 s) against work
that takes many seconds, so "over budget" never depends on the machine's speed.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading

import pytest

from local_server import get, serving
from semigrad.cli import main

pytest.importorskip("sympy")

#: SymPy takes tens of seconds over this product's gradient (lambdify of ~10^5 operations);
#: reverse mode takes milliseconds. "-" only, so it travels in a URL as it is.
SLOW_SYMBOLIC = "*".join(f"(x-y/{i})" for i in range(1, 180))


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def line_of(out, method):
    return next(line for line in out.splitlines() if line.startswith(method))


def semigrad(*argv, **kwargs):
    return subprocess.run([sys.executable, "-m", "semigrad", *argv], capture_output=True,
                          text=True, timeout=120, **kwargs)


# ---- the method columns ----------------------------------------------------------------------


def test_a_method_that_cannot_run_says_so_in_its_column(capsys):
    status, out, err = run(capsys, "grad", "sign(x)*y", "--at", "x=1,y=2")
    assert status == 0 and not err
    assert "n/a: DiracDelta" in line_of(out, "symbolic")
    assert line_of(out, "reverse mode").split()[2:4] == ["0", "1"]
    status, out, _ = run(capsys, "grad", "sign(x)*y", "--at", "x=1,y=2", "--json")
    symbolic = json.loads(out)["methods"]["symbolic"]
    assert status == 0 and symbolic["status"] == "n/a" and "DiracDelta" in symbolic["error"]


def test_a_method_past_its_budget_says_over_budget_and_the_rest_stands(capsys):
    status, out, err = run(capsys, "grad", SLOW_SYMBOLIC, "--at", "x=0.5,y=0.7",
                           "--budget", "1")
    assert status == 0 and not err
    assert "over budget" in line_of(out, "symbolic") and "--budget" in line_of(out, "symbolic")
    assert "operations" in line_of(out, "reverse mode")
    assert "evaluations" in line_of(out, "complex")


def test_the_worker_is_killed_at_its_deadline():
    from semigrad.viz.budget import Budget, OverBudget, run_bounded

    with pytest.raises(OverBudget, match="time limit"):
        run_bounded(sum, iter(int, 1), budget=Budget(seconds=0.5))  # sums zeros forever


def test_the_worker_memory_is_bounded():
    from semigrad.viz.budget import Budget, OverBudget, run_bounded

    if not os.path.exists("/proc/self/statm"):
        pytest.skip("memory is bounded through /proc and RLIMIT_AS (Linux)")
    with pytest.raises(OverBudget, match="memory"):
        run_bounded(bytearray, 1 << 30, budget=Budget(seconds=60, memory=64 << 20))


def test_worker_errors_come_back_as_one_line():
    from semigrad.viz.budget import Budget, WorkFailed, run_bounded

    with pytest.raises(WorkFailed, match="^integer division or modulo by zero$"):
        run_bounded(divmod, 1, 0, budget=Budget(seconds=30))


# ---- derivative tensors ----------------------------------------------------------------------


@pytest.mark.parametrize("argv, words", [
    (["--order", "26"], ["--order 26", "(2,)*26", "67,108,864 elements", "512 MiB",
                         "memory budget of 1 GiB", "--memory"]),
    (["--order", "2000"], ["--order 2000", "at most 60"]),
    (["--order", "12", "--memory", "1"], ["--order 12", "4,096 elements", "1 MiB"]),
])
def test_an_order_beyond_the_memory_budget_is_refused(capsys, argv, words):
    status, out, err = run(capsys, "grad", "sin(x)*y", "--at", "x=1,y=2", *argv)
    assert status == 2 and not out and err.count("\n") == 1
    for word in words:
        assert word in err


def test_a_derivative_tensor_past_its_budget_says_over_budget(capsys):
    # 2**20 elements: fine for memory, far more than a few milliseconds of work
    status, out, err = run(capsys, "grad", "sin(x)*y", "--at", "x=1,y=2", "--order", "20",
                           "--budget", "0.05")
    assert status == 0 and not err
    assert "derivative of order 20: over budget" in out


# ---- words instead of warnings and tracebacks ------------------------------------------------


def test_nan_and_inf_are_said_in_words_without_numpy_warnings():
    done = semigrad("grad", "sqrt(x)*y", "--at", "x=0,y=1", "--hessian")
    assert done.returncode == 0 and done.stderr == ""
    assert "∂f/∂x is +inf by reverse mode, forward mode" in done.stdout
    assert "the Hessian has" in done.stdout and "nan or inf: at (x, x)" in done.stdout
    domain = semigrad("grad", "log(x)", "--at", "x=-1")
    assert domain.returncode == 2 and "is nan at x=-1" in domain.stderr
    assert domain.stderr.count("\n") == 1 and "Warning" not in domain.stderr


def test_json_stays_valid_with_inf(capsys):
    status, out, _ = run(capsys, "grad", "sqrt(x)", "--at", "x=0", "--json")
    data = json.loads(out)  # NaN and Infinity are not JSON
    assert status == 0 and data["gradient"]["x"] == "inf" and data["notes"]


def test_a_closed_pipe_ends_quietly():
    child = subprocess.Popen([sys.executable, "-m", "semigrad", "grad", "sin(x)*y", "--at",
                              "x=1,y=2", "--order", "14"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline().startswith(b"f = ")
    child.stdout.close()  # what `| head -1` does: more than a pipe's buffer is still to come
    err = child.stderr.read()
    child.stderr.close()
    assert child.wait(timeout=120) in (0, 141)
    assert err == b""


def test_no_subcommand_prints_the_help_and_exits_2(capsys):
    status, out, err = run(capsys)
    assert status == 2 and "usage: semigrad" in err and "grad" in err


def test_an_unknown_variable_is_named(capsys):
    status, out, err = run(capsys, "grad", "x", "--at", "x=1,yy=2")
    assert status == 2 and not out and err.count("\n") == 1
    assert "unknown variable yy" in err
    status, out, err = run(capsys, "grad", "x*y", "--at", "x=1,yy=2")  # y missing, yy unknown
    assert status == 2 and err.count("\n") == 1
    assert "no value for y " in err and "yy is unknown" in err


def test_explain_with_dot_but_no_graphviz_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    status, out, err = run(capsys, "explain", "x*y", "--at", "x=1,y=2", "--engine", "dot",
                           "-o", str(tmp_path / "r.html"))
    assert status == 2 and err.count("\n") == 1 and "Graphviz" in err
    assert "--engine builtin" in err and not (tmp_path / "r.html").exists()


def test_explain_pages_show_columns_that_cannot_run_or_are_over_budget(capsys, tmp_path):
    page = tmp_path / "r.html"
    status, _, err = run(capsys, "explain", "sign(x)*y", "--at", "x=1,y=2", "-o", str(page))
    assert status == 0 and not err and "n/a: DiracDelta" in page.read_text()
    status, _, err = run(capsys, "explain", SLOW_SYMBOLIC, "--at", "x=0.5,y=0.7",
                         "--budget", "1", "-o", str(page))
    assert status == 0 and not err and "over budget" in page.read_text()


def test_usage_errors_are_one_line_with_status_2(capsys):
    for argv in (["grad", "x", "--at", "x=1", "--budget", "0"],
                 ["grad", "x", "--at", "x=1", "--memory", "lots"],
                 ["grad", "x", "--at", "x=1", "--order", "0"]):
        status, out, err = run(capsys, *argv)
        assert status == 2 and err.count("\n") == 1 and "Traceback" not in err


# ---- the server ------------------------------------------------------------------------------


@pytest.fixture
def server():
    with serving(seconds=1, socket_timeout=1) as server:
        yield server


def test_serve_times_out_a_silent_client_and_serves_others(server):
    silent = socket.create_connection(server.server_address, timeout=30)
    try:
        assert get(server, "/")[0] == 200  # while the silent client holds its connection
        assert silent.recv(100) == b""  # the server closed it (socket timeout), not us
    finally:
        silent.close()


def test_serve_refuses_hosts_that_are_not_loopback(server):
    port = server.server_address[1]
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}"):
        status, page, _ = get(server, "/", host)
        assert status == 403 and "only to localhost" in page
    for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert get(server, "/", host)[0] == 200


def test_serve_pages_are_bounded_and_computed_side_by_side(server):
    slow = {}
    thread = threading.Thread(target=lambda: slow.update(
        page=get(server, f"/explain?expr={SLOW_SYMBOLIC}&at=x%3D0.5,y%3D0.7")))
    thread.start()
    status, page, _ = get(server, "/explain?expr=sign(x)*y&at=x%3D1,y%3D2")
    assert status == 200 and "n/a: DiracDelta" in page  # not 503 behind the slow page
    thread.join(timeout=90)
    status, page, _ = slow["page"]
    assert status == 200 and "over budget" in page and 'id="gradient-table"' in page
