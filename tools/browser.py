"""Debian's Chromium, driven by Playwright, and a local server for a built book: the
browser tests and tools/pdf.py open the book with these.

    python -m tools.browser [SITE]      # serve _build/html (or SITE) on localhost

Playwright's own browser download fails on the book's machines, so the browser is
Debian's ``chromium`` (``make pdf`` and ``.ci/run`` install it), started without the
background services whose connections a closed network refuses.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chrome's "slow 4G" preset: 150 ms, 1.6 Mbit/s down, 0.75 Mbit/s up, at 90% throughput
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8 * 0.9,
           "uploadThroughput": 0.75e6 / 8 * 0.9}
# seconds from the request to the page's first text or image, once it is drawn
FIRST_PAINT = """() => new Promise(done => new PerformanceObserver(
    list => list.getEntriesByName('first-contentful-paint')
        .forEach(paint => done(paint.startTime / 1000)))
    .observe({type: 'paint', buffered: true}))"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a file's stored gzip copy (tools/book.py writes them) to a browser that
    accepts gzip, as nginx's gzip_static does, so that tests see what readers get."""

    def send_head(self):
        path = self.translate_path(self.path)
        compressed = path + ".gz"
        if ("gzip" not in self.headers.get("Accept-Encoding", "")
                or not os.path.isfile(path) or not os.path.isfile(compressed)):
            return super().send_head()
        body = open(compressed, "rb")  # noqa: SIM115 (the server closes it after sending)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(os.fstat(body.fileno()).st_size))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return body

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


def slow_4g(context, page):
    """Open `page` of `context` from then on as on slow 4G, with an empty cache; returns
    the DevTools session."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    return cdp


class Fetched:
    """The bytes a page fetches, counted from the DevTools protocol's network events as
    they arrive: `decoded` (as the page reads them) and `sent` (on the wire) per request
    that succeeded. (Reading each response's body from a Playwright event handler, as
    this once did, can wait forever on one that never completes.)"""

    def __init__(self, context, page, cdp=None):
        self.cdp = cdp or context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.urls, self.decoded, self.sent, self.ok = {}, {}, {}, set()
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.dataReceived", self._data)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _response(self, event):
        self.urls[event["requestId"]] = event["response"]["url"]
        if 200 <= event["response"]["status"] < 300:
            self.ok.add(event["requestId"])

    def _data(self, event):
        self.decoded[event["requestId"]] = (self.decoded.get(event["requestId"], 0)
                                            + event["dataLength"])

    def _finished(self, event):
        self.sent[event["requestId"]] = event["encodedDataLength"]

    def by_url(self) -> dict[str, int]:
        """Decoded bytes of each successful response, by URL."""
        return {self.urls[request]: self.decoded.get(request, 0) for request in self.ok
                if request in self.sent}

    def total(self) -> tuple[int, int]:
        """Decoded and sent bytes of every successful response."""
        done = [request for request in self.ok if request in self.sent]
        return (sum(self.decoded.get(request, 0) for request in done),
                sum(self.sent[request] for request in done))


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


if __name__ == "__main__":
    import sys
    import time

    site = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    with serve(site) as url:
        print(f"The book is served at {url}/index.html (Ctrl-C stops it)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
