import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # tools/notebooks.py: the setup-cell template


HTML = ROOT / "_build" / "html"

# Test files that check the book rather than the package: they build it, execute
# notebooks or drive a browser. Every other test file mirrors a module of code/dlbook
# and is marked `unit` (`make unit` runs those alone, in well under a minute).
BOOK_TESTS = {"test_assignments.py", "test_book.py", "test_browser.py", "test_errata.py",
              "test_i18n.py", "test_links.py", "test_notebooks.py", "test_pdf.py",
              "test_portability.py", "test_reading.py"}


def pytest_ignore_collect(collection_path, config):
    """With `-m unit`, do not even import the book's test files (they are slow to load)."""
    if config.getoption("markexpr") == "unit" and collection_path.name in BOOK_TESTS:
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker("book" if item.path.name in BOOK_TESTS else "unit")


@pytest.fixture(scope="session")
def build_log(tmp_path_factory, worker_id):
    """Build the book once per test run (warnings are errors). Under pytest-xdist
    (`make test`) the first worker that needs it builds it; the others wait for it."""
    if worker_id == "master":
        return build_book()
    shared = tmp_path_factory.getbasetemp().parent / "book-build.log"
    with FileLock(f"{shared}.lock"):
        if not shared.is_file():
            shared.write_text(build_book(), encoding="utf-8")
        return shared.read_text(encoding="utf-8")


def build_book() -> str:
    """Fetch and copy the JavaScript the book serves itself (tools/vendor.py), build
    the book into _build/html and its Chinese edition into _build/html/zh, and return
    the builds' log."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor.py")], check=True,
                   capture_output=True, timeout=600)
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jb), "build", str(ROOT), "--all", "--warningiserror",
                             "--keep-going"], capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "i18n.py"), "build", "--all",
                             "--warningiserror", "--keep-going"],
                            capture_output=True, text=True, timeout=900)
    log += result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return log


@pytest.fixture(scope="session")
def pages(build_log):
    return {path: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for path in HTML.rglob("*.html")
            if "_static" not in path.parts and "vendor" not in path.parts}


# The book served from _build/html, and Debian's Chromium, for the browser tests
# (test_browser.py, test_reading.py): one of each per test run.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(build_log):
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install chromium (.ci/run does this)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
