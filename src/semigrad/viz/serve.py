"""``semigrad serve``: the explorer page for expressions typed in a browser, on 127.0.0.1.

``/`` is a start page with a form (expression, point, semiring, input to
highlight) and clickable examples; ``/explain?expr=...&at=...`` is the
explorer page of :func:`~semigrad.viz.explain` with the form, filled, on
top; what cannot be answered is the start page with the form still filled
and the problem in words (:mod:`semigrad.viz.serve_pages` writes the pages).

The server binds to the loopback address only (no option to widen it), and
answers only requests that name a loopback host (``localhost``,
``127.0.0.1`` or ``[::1]``, with or without a port): a web page elsewhere
that points its own domain name at 127.0.0.1 (DNS rebinding) gets 403.

Its work is bounded. A request ``/explain?expr=...&at=x=1,y=2`` is read by
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
from urllib.parse import urlsplit

import numpy as np

from .budget import MIB, Budget, OverBudget, WorkFailed, in_words, run_bounded
from .explain import SEMIRINGS
from .serve_pages import (
    EXAMPLES,
    PointProblem,
    Problem,
    Query,
    parse_problem,
    problem_page,
    read_point,
    result_page,
    start_page,
)

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


def _compute(query: Query, budget: Budget) -> tuple[str, object]:
    """In the worker: ("page", (HTML, input names)) or ("problem", a :class:`Problem`)."""
    from ..parse import ParseError, parse
    from .explain import explain

    try:
        variables = parse(query.expr).variables
    except ParseError as e:
        return "problem", parse_problem(e)
    try:
        point = read_point(query.at, variables)
    except PointProblem as e:
        return "problem", e.problem._replace(names=variables)
    names = tuple(point)
    if query.input and query.input not in names:
        return "problem", Problem(
            f"There is no input {query.input} to highlight",
            f"<p>The expression's inputs are {html.escape(', '.join(names) or 'none')}: choose "
            "one of them, or (none).</p>", "input", names)
    expr = parse(query.expr, variables=names)
    with np.errstate(all="ignore"):
        value = float(expr(*point.values()))
    if not np.isfinite(value):
        at = ", ".join(f"{n} = {v:g}" for n, v in point.items())
        return "problem", Problem(
            "The expression has no value at this point",
            f"<p>At {html.escape(at)} it is {value}: the point is outside its domain (the log "
            "or the square root of a negative number, a division by zero, ...). Choose another "
            "point.</p>", "at", names)
    try:
        with np.errstate(all="ignore"):  # nan and inf inside are shown in the page
            return "page", (explain(expr, *point.values(), budget=budget), names)
    except (ValueError, TypeError, ArithmeticError) as e:
        return "problem", Problem("This page could not be computed",
                                  f"<p>{html.escape(in_words(e))}</p>", "expr", names)


def page_for(expr: str, at: str, semiring: str = "Real", input: str = "", *,
             timeout: float, budget: Budget = COLUMN_BUDGET) -> tuple[int, str]:
    """(HTTP status, HTML) for one request, computed in a worker process within ``timeout`` s.

    ``budget`` bounds the symbolic column inside the page (its memory bound
    holds for the whole page); ``semiring`` and ``input`` are the explorer's
    first choices. A request that cannot be answered is the start page with
    the form still filled and the problem in words: status 400 for what was
    typed, 504 past the time or memory limit, 500 when the computation failed.

    >>> status, page = page_for("x*", "x=1", timeout=30)
    >>> status, "could not be read" in page
    (400, True)
    """
    query = Query(expr, at, semiring, input)
    if semiring not in SEMIRINGS:
        return 400, problem_page(query._replace(semiring="Real"), timeout, Problem(
            f"There is no semiring {semiring}",
            f"<p>Choose one of {', '.join(SEMIRINGS)}.</p>", "semiring"))
    try:
        # fresh: this is a request thread, and a fork would copy the other threads' locks
        kind, answer = run_bounded(_compute, query, budget, fresh=True,
                                   budget=Budget(seconds=timeout, memory=budget.memory))
    except OverBudget as e:
        return 504, problem_page(query, timeout, Problem(
            "This page took too long",
            f"<p>It was stopped: {html.escape(str(e))}. The Hessian, the path tables and the "
            "symbolic gradient grow fastest with the number of variables and the length of "
            "the expression.</p><p>Try a shorter expression, fewer variables, or fewer "
            "repeated parts.</p>", "expr"))
    except WorkFailed as e:
        return 500, problem_page(query, timeout, Problem(
            "This page could not be computed", f"<p>{html.escape(str(e))}.</p>"))
    if kind == "page":
        explorer, names = answer
        return 200, result_page(explorer, query, names)
    return 400, problem_page(query, timeout, answer)


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
            ["semigrad.viz.serve", "sympy"])
    computing = threading.BoundedSemaphore(workers)

    def _said(title: str, words: str) -> str:
        """A page that is not about an expression: the start page, saying ``words`` (HTML)."""
        return problem_page(Query(), timeout, Problem(title, f"<p>{words}</p>"))

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
                self._send(500, _said("Something went wrong on the server",
                                      f"An internal error ({type(e).__name__}) stopped this "
                                      "page; the server goes on. Try again, or another "
                                      "expression."))

        def do_POST(self):  # noqa: N802 (the http.server name)
            # the form sends GET (every page has an address); other methods get 501 from
            # http.server, in its own words
            try:
                self._send(405, _said("This address only answers GET",
                                      "The pages here are read with GET: open them from the "
                                      "form or a link."), allow="GET")
            except (TimeoutError, ConnectionError):
                self.close_connection = True

        def _get(self):
            if not is_loopback_host(self.headers.get("Host")):
                address = f"http://{HOST}:{self.server.server_address[1]}/"
                return self._send(403, _said(
                    "This server answers only to localhost",
                    "It answers only to localhost, 127.0.0.1 or [::1]; open "
                    f'<a href="{address}">{address}</a>.'))
            url = urlsplit(self.path)
            if len(url.query) > MAX_QUERY:
                return self._send(414, _said(
                    "The request is too long",
                    f"The expression and the point may have at most {MAX_QUERY} characters "
                    "together."))
            if url.path == "/favicon.ico":
                return self._send(204, "")
            if url.path == "/":
                return self._send(200, start_page(EXAMPLES[0].query, timeout))
            if url.path != "/explain":
                return self._send(404, _said(
                    "There is no such page",
                    f"There is no page {html.escape(url.path)} here: start from the form "
                    "below."))
            query = Query.from_query_string(url.query)
            if not computing.acquire(blocking=False):
                return self._send(503, problem_page(query, timeout, Problem(
                    "The server is busy",
                    f"<p>It is computing {workers} other page{'s' if workers > 1 else ''}; "
                    "try again in a few seconds.</p>")))
            try:
                status, page = page_for(*query, timeout=timeout, budget=budget)
            finally:
                computing.release()
            return self._send(status, page)

        def _send(self, status: int, page: str, allow: str = ""):
            body = page.encode()
            self.send_response(status)
            if allow:
                self.send_header("Allow", allow)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; "
                             "script-src 'unsafe-inline'; form-action 'self'; "
                             "base-uri 'none'; frame-ancestors 'none'")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
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
    print(f"semigrad serve: open http://{HOST}:{server.server_address[1]}/ in a browser "
          "(Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
