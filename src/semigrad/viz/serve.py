"""``semigrad serve``: the explorer page for expressions typed in a browser, on 127.0.0.1.

The server binds to the loopback address only (no option to widen it), and
answers only requests that name a loopback host (``localhost``,
``127.0.0.1`` or ``[::1]``, with or without a port): a web page elsewhere
that points its own domain name at 127.0.0.1 (DNS rebinding) gets 403.

Its work is bounded. A request ``/explain?expr=...&at=x=1,y=2`` is parsed by
the safe parser (never ``eval``, with its limits on size and depth), and the
page is computed in a worker process (:func:`~semigrad.viz.budget.run_bounded`)
that is killed past the page's time limit, with its memory bounded, and
whose symbolic column has a smaller budget of its own. At most ``workers``
pages are computed at once (further requests get 503 at once), at most
:data:`MAX_CONNECTIONS` connections are served at once, each socket times
out after :data:`SOCKET_TIMEOUT` seconds (a client that connects and sends
nothing holds one thread that long, no more), and the query is capped at
:data:`MAX_QUERY` characters. Every error is a page in words.

>>> server = make_server(0)          # port 0: any free port
>>> server.server_address[0]
'127.0.0.1'
>>> server.server_close()
"""

from __future__ import annotations

import html
import multiprocessing
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .budget import MIB, Budget, OverBudget, WorkFailed, run_bounded

HOST = "127.0.0.1"
#: Longest query string accepted (the parser has its own, stricter limits).
MAX_QUERY = 2000
#: Host names (before an optional ":port") that requests may name.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
#: Connections served at the same time; more are answered 503 and closed.
MAX_CONNECTIONS = 16
#: Seconds a connection may stay silent (reading the request or writing the page).
SOCKET_TIMEOUT = 10.0
#: The symbolic column's budget in a page, unless make_server is given another.
COLUMN_BUDGET = Budget(seconds=5.0, memory=1024 * MIB)

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>semigrad explain</title>
<style>body {{ font-family: Helvetica, Arial, sans-serif; margin: 2em; }}
input {{ font-family: monospace; font-size: 1em; padding: .3em; }}
.error {{ color: #b00020; white-space: pre-wrap; font-family: monospace; }}</style></head>
<body><h1>semigrad explain</h1>
<form action="/explain" method="get">
<p><label>f = <input name="expr" size="60" value="{expr}"></label></p>
<p><label>at <input name="at" size="40" value="{at}"></label></p>
<p><button type="submit">Explain</button></p></form>
{message}
<p>Functions: exp, log, sin, cos, tanh, sqrt, ... (the same expressions as
<code>semigrad grad</code>). Each page is computed with a time limit of {timeout:g} s.</p>
</body></html>
"""

BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Retry-After: 5\r\nConnection: close\r\n\r\n"
        b"semigrad serve: too many connections at once; try again in a few seconds\n")


def is_loopback_host(host: str | None) -> bool:
    """Whether a Host header names this machine's loopback interface (port optional).

    >>> [is_loopback_host(h) for h in ("localhost:8000", "127.0.0.1", "[::1]:80")]
    [True, True, True]
    >>> [is_loopback_host(h) for h in ("evil.example:8000", "127.0.0.1.evil.example", "", None)]
    [False, False, False, False]
    """
    if not host:
        return False
    name, port = host.strip().lower(), ""
    if name.startswith("["):
        end = name.find("]")
        name, port = name[:end + 1], name[end + 1:]
        if port and not port.startswith(":"):
            return False
        port = port[1:]
    elif ":" in name:
        name, _, port = name.partition(":")
    return name in LOOPBACK_NAMES and (port == "" or port.isdigit())


def _compute(expr: str, at: str, budget: Budget) -> tuple[str, str]:
    """In the worker: ("page", HTML) or ("error", the one-line reason the input is refused)."""
    from .command import explain_expression

    try:
        return "page", explain_expression(expr, at, budget=budget)
    except (ValueError, TypeError, ArithmeticError) as e:
        return "error", str(e).strip().splitlines()[0]


def page_for(expr: str, at: str, timeout: float,
             budget: Budget = COLUMN_BUDGET) -> tuple[int, str]:
    """(HTTP status, HTML) for one request, computed in a worker process within ``timeout`` s.

    ``budget`` bounds the symbolic column inside the page (its memory bound
    holds for the whole page).

    >>> status, page = page_for("x*", "x=1", timeout=30)
    >>> status, "syntax" in page or "column" in page
    (400, True)
    """
    try:
        # fresh: this is a request thread, and a fork would copy the other threads' locks
        kind, text = run_bounded(_compute, expr, at, budget, fresh=True,
                                 budget=Budget(seconds=timeout, memory=budget.memory))
    except OverBudget as e:
        return 504, _form(expr, at, timeout,
                          f"no page: {e}; try a smaller expression")
    except WorkFailed as e:
        return 500, _form(expr, at, timeout, f"the page could not be computed: {e}")
    if kind == "page":
        return 200, text
    return 400, _form(expr, at, timeout, text)


def _form(expr: str, at: str, timeout: float, message: str = "") -> str:
    note = f'<p class="error">{html.escape(message)}</p>' if message else ""
    return FORM.format(expr=html.escape(expr, quote=True), at=html.escape(at, quote=True),
                       message=note, timeout=timeout)


class _BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` of them; the rest get 503."""

    daemon_threads = True

    def __init__(self, address, handler, max_connections: int):
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()  # the thread did not start
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address):
        print(f"semigrad serve: a request from {client_address[0]} failed: "
              f"{sys.exc_info()[1]!r}", file=sys.stderr)


def make_server(port: int = 8000, timeout: float = 20.0, budget: Budget = COLUMN_BUDGET,
                workers: int = 2, socket_timeout: float = SOCKET_TIMEOUT,
                max_connections: int = MAX_CONNECTIONS) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1:``port`` (0: any free port), not yet serving.

    ``timeout``: seconds per page; ``budget``: the symbolic column's; ``workers``:
    pages computed at once; ``socket_timeout``: seconds a connection may stay
    silent; ``max_connections``: connections served at once.
    """
    if workers < 1 or max_connections < 1:
        raise ValueError(f"serve: workers and connections must be at least 1; got {workers} "
                         f"and {max_connections}")
    if "forkserver" in multiprocessing.get_all_start_methods():
        # Pages are computed in processes started by a fork server that has semigrad loaded.
        multiprocessing.get_context("forkserver").set_forkserver_preload(
            ["semigrad.viz.command", "sympy"])
    computing = threading.BoundedSemaphore(workers)

    class Handler(BaseHTTPRequestHandler):
        def setup(self):
            self.timeout = socket_timeout  # read by StreamRequestHandler.setup
            super().setup()

        def do_GET(self):  # noqa: N802 (the http.server name)
            try:
                self._get()
            except (TimeoutError, ConnectionError):
                self.close_connection = True
            except Exception as e:  # noqa: BLE001 - a bug: a page in words, not a traceback
                print(f"semigrad serve: {self.path[:80]!r} failed: {e!r}", file=sys.stderr)
                self._send(500, _form("", "", timeout, "an internal error stopped this page "
                                      f"({type(e).__name__}); the server goes on"))

        def _get(self):
            if not is_loopback_host(self.headers.get("Host")):
                return self._send(403, _form("", "", timeout,
                                             "this server answers only to localhost, "
                                             "127.0.0.1 or [::1]; open "
                                             f"http://{HOST}:{self.server.server_address[1]}/"))
            url = urlsplit(self.path)
            if len(url.query) > MAX_QUERY:
                return self._send(414, _form("", "", timeout, "the request is too long"))
            if url.path == "/":
                default = "exp(y**-x - log(z)) + (y-z)**2*log(v)"
                return self._send(200, _form(default, "x=0.5,y=2,z=3,v=4", timeout))
            if url.path != "/explain":
                return self._send(404, _form("", "", timeout, f"no page {url.path}"))
            query = parse_qs(url.query)
            expr = query.get("expr", [""])[0]
            at = query.get("at", [""])[0]
            if not computing.acquire(blocking=False):
                return self._send(503, _form(expr, at, timeout,
                                             f"busy with {workers} other page(s); try again"))
            try:
                status, page = page_for(expr, at, timeout, budget)
            finally:
                computing.release()
            return self._send(status, page)

        def _send(self, status: int, page: str):
            body = page.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; "
                             "script-src 'unsafe-inline'; form-action 'self'")
            if status == 503:
                self.send_header("Retry-After", "5")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 (the http.server name)
            pass

    return _BoundedServer((HOST, port), Handler, max_connections)


def serve(port: int = 8000, timeout: float = 20.0, budget: Budget = COLUMN_BUDGET,
          workers: int = 2) -> None:
    """Serve explorer pages on http://127.0.0.1:``port``/ until interrupted.

    >>> callable(serve)  # serve(8000) blocks; see make_server for a test-friendly server
    True
    """
    server = make_server(port, timeout, budget, workers)
    print(f"semigrad explain on http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
