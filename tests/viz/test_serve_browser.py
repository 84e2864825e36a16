"""``semigrad serve`` in a real browser: headless Chromium opens the start page of a server
running in a thread on a free loopback port, clicks every example, the semiring and input
controls (the form's and the explorer's), the submit button and the back link, types an
expression the parser refuses and a point with a value missing, and sees no console errors
and no request leave 127.0.0.1. Screenshots of the start, result and problem pages go to
``$SEMIGRAD_SCREENSHOTS`` when set, else to the test's temporary directory.

The browser and the screenshots' folder come from conftest.py, as for
test_explain_browser.py.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from local_server import serving, watched
from semigrad.viz.serve_pages import EXAMPLES


@pytest.fixture
def origin():
    with serving(seconds=5) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


class Browser:
    """One tab, recording console errors and every request; pages load one at a time."""

    def __init__(self, page, origin):
        self.page, self.origin = page, origin
        self.errors, self.requests = watched(page)
        self.statuses = []

    def load(self, action, status=200):
        """Do ``action`` (a click, a goto), which loads a page answered with ``status``."""
        with self.page.expect_navigation(wait_until="load", timeout=90_000) as nav:
            action()
        assert nav.value.status == status, (nav.value.url, nav.value.status)
        if status != 200:  # Chromium logs a page with an error status as a console error
            self.statuses.append(
                f"Failed to load resource: the server responded with a status of {status}")

    def query(self) -> dict:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.page.url).query).items()}


def test_serve_in_chromium(origin, screenshots, launch, headless):
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return _without_playwright(headless, origin, screenshots)

    with launch(1300, 900) as context:
        b = Browser(context.new_page(), origin)
        page = b.page
        b.load(lambda: page.goto(origin + "/"))
        assert page.title() == "semigrad: explore a gradient"
        assert page.input_value("#app-expr") == EXAMPLES[0].query.expr
        assert page.locator(".app-examples a").count() == len(EXAMPLES)
        page.screenshot(path=str(screenshots / "serve-start.png"), full_page=True)

        _click_every_example(b)
        _result_controls(b, screenshots)
        _problems(b, screenshots)
        _start_form(b)

        assert [e for e in b.errors if not e.startswith(tuple(b.statuses))] == []
        assert all(u.startswith(origin + "/") for u in b.requests), b.requests
    for name in ("serve-start.png", "serve-result.png", "serve-problem.png"):
        assert (screenshots / name).stat().st_size > 20_000, name


def _click_every_example(b):
    """Each example opens its explorer page with its semiring and input chosen; back returns."""
    page = b.page
    for k, example in enumerate(EXAMPLES, 1):
        b.load(lambda k=k: page.click(f"#example-{k}"))
        q = example.query
        assert b.query()["expr"] == q.expr
        assert page.input_value("#app-expr") == q.expr and page.input_value("#app-at") == q.at
        assert page.input_value("#app-semiring") == q.semiring
        assert page.input_value("#app-input") == q.input
        # the explorer's own controls follow the form's: its semiring, its input's top paths
        assert page.input_value("#semiring-select") == q.semiring
        chosen = page.eval_on_selector("#input-select", "s => s.options[s.selectedIndex].text")
        assert chosen == q.input
        assert page.locator("#graph-section svg .highlighted").count() > 0
        assert page.locator("#top-paths tr.selected").count() > 0
        b.load(lambda: page.click("#app-back"))
        assert urlsplit(page.url).path == "/"


def _result_controls(b, screenshots):
    """The form's semiring and input controls change the explorer at once, and it them."""
    page = b.page
    b.load(lambda: page.click("#example-1"))  # y reaches f by two paths
    page.select_option("#app-semiring", "Counting")
    assert page.input_value("#semiring-select") == "Counting"
    assert page.text_content("#n1 text.backward") == "# 2"  # the node y: two paths
    assert b.query()["semiring"] == "Counting"  # the address keeps the choice
    page.select_option("#semiring-select", "MaxProduct")  # the explorer's own control
    assert page.input_value("#app-semiring") == "MaxProduct"
    assert page.text_content("#n1 text.backward") == "max 2.773"
    page.select_option("#app-input", "z")
    assert page.eval_on_selector("#input-select", "s => s.options[s.selectedIndex].text") == "z"
    lit = page.eval_on_selector_all("#graph-section svg .highlighted", "els => els.map(e => e.id)")
    assert "n2" in lit and "n1" not in lit  # z's paths, not y's
    page.select_option("#input-select", "0")  # the explorer's: x
    assert page.input_value("#app-input") == "x" and b.query()["input"] == "x"
    page.hover("#n1")
    page.screenshot(path=str(screenshots / "serve-result.png"), full_page=False)

    # a new expression and point, submitted from the result page, recompute it
    page.fill("#app-expr", "x*y + sin(x)")
    page.fill("#app-at", "x=1, y=2")
    assert page.eval_on_selector_all("#app-input option", "os => os.map(o => o.value)") == [
        "", "x", "y"]  # the input choices follow the point typed
    page.select_option("#app-input", "y")
    b.load(lambda: page.click("#app-submit"))
    assert b.query() == {"expr": "x*y + sin(x)", "at": "x=1, y=2", "semiring": "MaxProduct",
                         "input": "y"}
    assert page.text_content("h1").strip() == "f(x, y) = x*y + sin(x)"
    assert page.text_content("#value") == "2.8414709848079"  # 1*2 + sin(1)
    assert page.input_value("#semiring-select") == "MaxProduct"


def _problems(b, screenshots):
    """What the parser refuses and a point with a value missing: said in words, form kept."""
    page = b.page
    page.fill("#app-expr", "exp(x*+(y)")
    page.fill("#app-at", "x=0.5, y=2")
    b.load(lambda: page.click("#app-submit"), status=400)
    assert page.text_content("#app-problem h2") == "The expression could not be read"
    assert page.text_content("#app-problem mark") == "("
    assert "was never closed" in page.text_content("#app-problem")
    assert page.input_value("#app-expr") == "exp(x*+(y)"  # kept, to be fixed
    assert page.evaluate("document.activeElement.id") == "app-expr"
    page.screenshot(path=str(screenshots / "serve-problem.png"), full_page=False)

    page.fill("#app-expr", "exp(x*y)")
    page.fill("#app-at", "x=0.5")
    b.load(lambda: page.click("#app-submit"), status=400)
    assert page.text_content("#app-problem h2") == "The point needs 2 values, for x and y"
    assert "x=0.5, y=1" in page.text_content("#app-problem")
    assert page.evaluate("document.activeElement.id") == "app-at"
    text = page.inner_text("body")
    assert "--at" not in text and "EXPR" not in text and "Traceback" not in text

    b.load(lambda: page.click("#app-back"))
    assert urlsplit(page.url).path == "/" and page.locator("#app-problem").count() == 0


def _start_form(b):
    """The start page's form: a semiring and an input chosen, then submitted."""
    page = b.page
    page.fill("#app-expr", "tanh(a*b) + a")
    page.fill("#app-at", "a=1, b=2")
    page.select_option("#app-semiring", "Boolean")
    page.select_option("#app-input", "b")
    b.load(lambda: page.click("#app-submit"))
    assert b.query() == {"expr": "tanh(a*b) + a", "at": "a=1, b=2", "semiring": "Boolean",
                         "input": "b"}
    assert page.input_value("#semiring-select") == "Boolean"
    assert page.text_content("#n0 text.backward") == "dep true"


def _without_playwright(headless, origin, screenshots):
    """The start page in Chromium's own headless mode: its DOM and a picture, no clicks."""
    dom = headless(origin + "/", screenshots / "serve-start.png", window="1300,1400")
    assert 'id="app-form"' in dom and 'id="example-1"' in dom
    pytest.skip("Playwright is not installed (pip install playwright): the start page loaded "
                "in Chromium and was photographed, but no control was clicked")
