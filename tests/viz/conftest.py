"""Headless Chromium for the browser tests: the Debian package, driven by Playwright's Python
package with ``executable_path`` (never ``playwright install``), or by Chromium's own headless
switches where Playwright is missing. A test is skipped, saying why, only when no Chromium is
installed. Screenshots go to ``$SEMIGRAD_SCREENSHOTS`` when set, else to the test's temporary
directory.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# Without the background-networking switches Chromium tries to reach Google's hosts, which this
# kind of machine refuses, many times at each start.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> str:
    """The browser's path; skips the test, saying so, where none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium browser installed (apt-get install chromium); the page was not "
                "tested in a browser")


@pytest.fixture
def screenshots(tmp_path) -> Path:
    where = Path(os.environ.get("SEMIGRAD_SCREENSHOTS", tmp_path))
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def launch(chromium):
    """``with launch(width, height) as context:`` a Playwright browser context on a fresh
    profile (ImportError where Playwright is not installed)."""

    @contextlib.contextmanager
    def opened(width: int, height: int):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=FLAGS[1:],
                viewport={"width": width, "height": height}, timeout=20_000)
            try:
                yield context
            finally:
                context.close()

    return opened


@pytest.fixture
def headless(chromium):
    """``headless(url, shot, window="1400,1800")``: the DOM after scripts, and a screenshot,
    from Chromium's own headless switches (no Playwright)."""

    def load(url: str, shot: Path, window: str = "1400,1800") -> str:
        with tempfile.TemporaryDirectory() as profile:
            base = [chromium, *FLAGS, f"--user-data-dir={profile}"]
            dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True,
                                 timeout=60, check=True).stdout
            subprocess.run([*base, f"--screenshot={shot}", f"--window-size={window}", url],
                           capture_output=True, timeout=60, check=True)
        return dom

    return load
