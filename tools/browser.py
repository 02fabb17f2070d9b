"""Debian's Chromium, driven by Playwright, and a local server for a built book: the
browser tests and tools/pdf.py open the book with these.

Playwright's own browser download fails on the book's machines, so the browser is
Debian's ``chromium`` (``make pdf`` and ``.ci/run`` install it), started without the
background services whose connections a closed network refuses.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path
from typing import Iterator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1; yields the server's URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def missing() -> str | None:
    """What is missing to drive the browser, in a sentence; None if nothing is."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is missing: pip install -r requirements.txt (make install)"
    if not Path(CHROMIUM).exists():
        return "Chromium is missing: apt-get install chromium (make pdf, .ci/run)"
    return None


@contextlib.contextmanager
def chromium():
    """Headless Chromium, closed on exit; raises RuntimeError naming what is missing."""
    problem = missing()
    if problem:
        raise RuntimeError(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
