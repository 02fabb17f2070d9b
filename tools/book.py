"""Build the book: the one place that spells the build command, for ``make html``, the
tests and the other tools.

    python -m tools.book    # the JavaScript (tools/vendor.py), then the English HTML into
                            # _build/html and the Chinese edition into _build/html/zh

Both editions are built with warnings as errors. ``jupyter_book`` gives the command of
any other build of the sources (the one-page book for the PDF, the Chinese edition's
config, the gettext catalogs).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRICT = ("--warningiserror", "--keep-going")


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
    return log


if __name__ == "__main__":
    try:
        build_html()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
