"""Put the JavaScript the book serves itself into web/build/vendor, so the HTML works offline.

The versions are pinned in web/package.json and web/package-lock.json; `npm ci` fetches
them from the npm registry at build time (never at page-load time). Only the files the
pages load are copied, each package with its license:

- RequireJS and the ipywidgets HTML manager (render the saved widget state).

Two packages are fetched with them but not copied: the Chinese font (Noto Sans SC), which
the book's extension _ext/web_fonts.py cuts to the characters the pages use, and
mathjax-full, with which _ext/maths.py (through web/typeset.js) typesets the maths when
the book is built.

    python -m tools.vendor          # npm ci if needed, then copy

`make book` and the test suite's book build run it first. Sphinx copies web/build into
_build/html (html_extra_path), so the files are served from _build/html/vendor;
offline_html.js loads the widget manager from there.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
MODULES = WEB / "node_modules"
VENDOR = WEB / "build" / "vendor"

# (source under node_modules, destination under _static/vendor); folders are copied whole
COPIES = [
    ("requirejs/require.js", "requirejs/require.js"),
    ("requirejs/package.json", "requirejs/package.json"),   # MIT, as its header says
    ("@jupyter-widgets/html-manager/dist/embed-amd.js", "html-manager/embed-amd.js"),
    ("@jupyter-widgets/html-manager/package.json", "html-manager/package.json"),  # BSD-3
]
# the HTML manager's webpack bundle loads its icon fonts from beside itself
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")


def npm_ci() -> None:
    """Install the pinned packages unless node_modules already matches the lock file."""
    lock = json.loads((WEB / "package-lock.json").read_text())
    installed = MODULES / ".package-lock.json"
    if installed.exists():
        current = json.loads(installed.read_text())["packages"]
        if all(current.get(name, {}).get("version") == spec.get("version")
               for name, spec in lock["packages"].items() if name):
            return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch the book's JavaScript: apt-get install nodejs npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=WEB,
                   check=True)


def copy() -> int:
    """Copy the files into web/build/vendor; returns the number of bytes copied."""
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for source, target in COPIES:
        src, dst = MODULES / source, VENDOR / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    dist = MODULES / "@jupyter-widgets" / "html-manager" / "dist"
    for font in dist.iterdir():
        if font.suffix in FONT_SUFFIXES:
            shutil.copy2(font, VENDOR / "html-manager" / font.name)
    return sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())


if __name__ == "__main__":
    npm_ci()
    size = copy()
    print(f"vendored {size / 1e6:.1f} MB of JavaScript, fonts and licenses into {VENDOR}")
