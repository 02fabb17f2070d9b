import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from filelock import FileLock

from tools import book
from tools import browser as chromium_tools

ROOT = Path(__file__).resolve().parents[1]

HTML = ROOT / "_build" / "html"

# Test files that check the book rather than the package: they build it, read or
# execute its notebooks and assignments, grade in the sandbox (bubblewrap) or drive a
# browser. Every other test file mirrors a module of code/dlbook and is marked `unit`
# (`make unit` runs those alone, in well under a minute, with nothing but the package's
# own dependencies installed).
BOOK_TESTS = {"test_assignments.py", "test_book.py", "test_browser.py", "test_errata.py",
              "test_exercises.py", "test_grading.py", "test_hidden_tests.py",
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
    """Build the book as `make html` does (tools/book.py: the JavaScript, the English
    edition into _build/html, the Chinese one into _build/html/zh) and return the log."""
    try:
        return book.build_html(capture=True)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"the book's build failed:\n{error.output[-5000:]}")


@pytest.fixture(scope="session")
def pages(build_log):
    return {path: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for path in HTML.rglob("*.html")
            if "_static" not in path.parts and "vendor" not in path.parts}


# The book served from _build/html, and Debian's Chromium, for the browser tests
# (test_browser.py, test_reading.py): one of each per test run (tools/browser.py).
@pytest.fixture(scope="session")
def server(build_log):
    with chromium_tools.serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    problem = chromium_tools.missing()
    if problem:                  # make test installs both: a missing one is a failure
        pytest.fail(problem)
    with chromium_tools.chromium() as chromium:
        yield chromium
