"""`semigrad serve`'s server on a free loopback port, in a thread, for the tests that talk to it
over HTTP (tests/viz/test_serve.py, tests/cli/test_cli_bounds.py)."""

from __future__ import annotations

import contextlib
import threading
import urllib.error
import urllib.request


@contextlib.contextmanager
def serving(seconds: float, socket_timeout: float):
    """A running server whose pages each get ``seconds`` of work and whose connections time
    out after ``socket_timeout`` seconds of silence; shut down on leaving."""
    from semigrad.viz.budget import Budget
    from semigrad.viz.serve import make_server

    server = make_server(0, timeout=60, budget=Budget(seconds=seconds), workers=2,
                         socket_timeout=socket_timeout)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def get(server, path, host=None):
    """``(status, page text, headers)`` of a GET request (error statuses included)."""
    request = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}{path}")
    if host is not None:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=90) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers
