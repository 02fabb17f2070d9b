import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # tools/notebooks.py: the setup-cell template


HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def build_log():
    """Build the book once per test session (warnings are errors), after fetching and
    copying the JavaScript it serves itself (tools/vendor.py)."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor.py")], check=True,
                   capture_output=True, timeout=600)
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jb), "build", str(ROOT), "--all", "--warningiserror",
                             "--keep-going"], capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return log


@pytest.fixture(scope="session")
def pages(build_log):
    return {path: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for path in HTML.rglob("*.html")
            if "_static" not in path.parts and "vendor" not in path.parts}
