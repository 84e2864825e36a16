"""`semigrad serve`'s server on a free loopback port, in a thread, for the tests that talk to it
over HTTP (tests/viz/test_serve.py and test_serve_browser.py, tests/cli/test_cli_bounds.py),
and a browser page's console errors and requests, for the browser tests."""

from __future__ import annotations

import contextlib
import threading
import urllib.error
import urllib.request


@contextlib.contextmanager
def serving(seconds: float, socket_timeout: float | None = None):
    """A running server whose pages each get ``seconds`` of work and whose connections time
    out after ``socket_timeout`` seconds of silence (None: the server's default); shut down
    on leaving."""
    from semigrad.viz.budget import Budget
    from semigrad.viz.serve import SOCKET_TIMEOUT, make_server

    server = make_server(0, timeout=60, budget=Budget(seconds=seconds), workers=2,
                         socket_timeout=SOCKET_TIMEOUT if socket_timeout is None
                         else socket_timeout)
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


def watched(page):
    """``(errors, requests)``: lists a Playwright page fills with its console errors (and
    uncaught exceptions) and the URL of every request it makes."""
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    return errors, requests
