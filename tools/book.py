"""Build the book: the one place that spells the build command, for ``make html``, the
tests and the other tools.

    python -m tools.book    # the JavaScript (tools/vendor.py), then the English HTML into
                            # _build/html and the Chinese edition into _build/html/zh,
                            # then a gzip copy beside each text file (precompress)

Both editions are built with warnings as errors. ``jupyter_book`` gives the command of
any other build of the sources (the one-page book for the PDF, the Chinese edition's
config, the gettext catalogs).
"""
from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
STRICT = ("--warningiserror", "--keep-going")
# what a server sends compressed; images and fonts are compressed already
TEXT = {".html", ".css", ".js", ".json", ".svg", ".txt", ".ipynb", ".xml"}


def jupyter_book(*options: str) -> list[str]:
    """The command ``jupyter-book build`` of the book's sources, with ``options``."""
    executable = Path(sys.executable).with_name("jupyter-book")
    return [str(executable), "build", str(ROOT), *options]


def build_html(capture: bool = False) -> str:
    """The JavaScript, the English edition and the Chinese one, in that order; with
    ``capture``, their output is returned rather than shown. Raises
    ``subprocess.CalledProcessError`` (with the output so far) if a step fails."""
    steps = [[sys.executable, "-m", "tools.vendor"],
             jupyter_book("--all", *STRICT),
             [sys.executable, "-m", "tools.i18n", "build", "--all", *STRICT]]
    log = ""
    for step in steps:
        result = subprocess.run(step, cwd=ROOT, capture_output=capture, text=True,
                                timeout=900)
        log += (result.stdout or "") + (result.stderr or "")
        if result.returncode:
            raise subprocess.CalledProcessError(result.returncode, step, log)
    from tools.pdf import link  # (tools.pdf builds with this module's commands)

    link(HTML)  # the PDFs of an earlier build, where there are any
    link(HTML / "zh")
    precompress()
    return log


def precompress(site: Path = HTML) -> int:
    """Write `name.gz` beside each text file of the site that has none or an older one,
    for servers that send a stored compressed copy (nginx's gzip_static, Caddy's
    `precompressed`; README, "Serving the book"): a chapter's 0.9 MB of HTML is sent as
    about 0.2 MB, and no server compresses on each request. Returns the files written.

    The copies are written with a fixed timestamp, so the same site gives the same bytes."""
    written = 0
    for path in site.rglob("*"):
        if path.suffix not in TEXT or not path.is_file():
            continue
        copy = path.with_name(path.name + ".gz")
        if copy.exists() and copy.stat().st_mtime >= path.stat().st_mtime:
            continue
        copy.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        written += 1
    return written


if __name__ == "__main__":
    try:
        build_html()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
