"""``semigrad serve``: the explorer page for expressions typed in a browser, on 127.0.0.1.

The server binds to the loopback address only (no option to widen it). A
request ``/explain?expr=...&at=x=1,y=2`` is parsed by the safe parser (never
``eval``, with its limits on size and depth), and the page is computed in a
child process that is killed past the time limit; one page is computed at a
time (others get 503), and the query is capped at :data:`MAX_QUERY`
characters.

>>> server = make_server(0)          # port 0: any free port
>>> server.server_address[0]
'127.0.0.1'
>>> server.server_close()
"""

from __future__ import annotations

import html
import multiprocessing
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
#: Longest query string accepted (the parser has its own, stricter limits).
MAX_QUERY = 2000

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


def _compute(conn, expr: str, at: str) -> None:
    """In the child process: the page, or the one-line error."""
    from .command import explain_expression

    try:
        conn.send(("page", explain_expression(expr, at)))
    except (ValueError, TypeError, ArithmeticError) as e:
        conn.send(("error", str(e)))
    finally:
        conn.close()


def page_for(expr: str, at: str, timeout: float) -> tuple[int, str]:
    """(HTTP status, HTML) for one request, computed in a child process within ``timeout`` s.

    >>> status, page = page_for("x*", "x=1", timeout=30)
    >>> status, "syntax" in page or "column" in page
    (400, True)
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_compute, args=(send, expr, at), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            return 504, _form(expr, at, timeout,
                              f"no page within the time limit of {timeout:g} s; try a smaller "
                              "expression")
        kind, text = receive.recv()
    except EOFError:
        return 500, _form(expr, at, timeout, "the computation stopped without an answer")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if kind == "page":
        return 200, text
    return 400, _form(expr, at, timeout, text)


def _form(expr: str, at: str, timeout: float, message: str = "") -> str:
    note = f'<p class="error">{html.escape(message)}</p>' if message else ""
    return FORM.format(expr=html.escape(expr, quote=True), at=html.escape(at, quote=True),
                       message=note, timeout=timeout)


def make_server(port: int = 8000, timeout: float = 20.0) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    busy = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
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
            if not busy.acquire(blocking=False):
                return self._send(503, _form(expr, at, timeout,
                                             "busy with another page; try again"))
            try:
                status, page = page_for(expr, at, timeout)
            finally:
                busy.release()
            return self._send(status, page)

        def _send(self, status: int, page: str):
            body = page.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; "
                             "script-src 'unsafe-inline'; form-action 'self'")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 (the http.server name)
            pass

    return ThreadingHTTPServer((HOST, port), Handler)


def serve(port: int = 8000, timeout: float = 20.0) -> None:
    """Serve explorer pages on http://127.0.0.1:``port``/ until interrupted.

    >>> callable(serve)  # serve(8000) blocks; see make_server for a test-friendly server
    True
    """
    server = make_server(port, timeout)
    print(f"semigrad explain on http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
