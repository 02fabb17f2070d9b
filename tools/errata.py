"""Write errata.md, the book's list of every erratum box, from the chapter pages.

Each chapter corrects the article in admonitions written as

    :::{admonition} Erratum · the GAN loss has the wrong sign and no players · article §4.4
    :class: erratum dropdown
    :name: erratum-06-loss-sign

The title says what the article got wrong, then where; `dropdown` folds the box to its
title until the reader opens it. This script finds the boxes in toc order and writes one
link per box, named by what was wrong, grouped by chapter.
Run it after adding or changing an erratum; tests/test_errata.py fails while errata.md is
out of date, and checks in the built HTML that the page links to every box.

    python -m tools.errata           # rewrite errata.md
    python -m tools.errata --check   # exit 1 if errata.md is out of date
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from tools.notebooks import toc_files

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "errata.md"
BOX = re.compile(r"(?::::|```)\{admonition\}\s*Erratum · (?P<what>.+) · article (?P<where>.+)\n"
                 r":class: erratum dropdown\n:name: (?P<label>\S+)")

HEADER = """\
# Errata

The article this book follows gets many things wrong: facts, formulas, arithmetic and code.
Each chapter corrects the errors of its sections in a box marked *Erratum*, quoting the
article in one line and proving the correction with code where it is math or code. This
page lists every box in the book, in reading order: what the article got wrong, with a
link to the box, and where in the article it was.

% Written by tools/errata.py from the chapters' boxes; edit those, then run the script.
"""


def toc_pages() -> list[Path]:
    """The chapter pages in toc order: notebooks, and the prose pages written in MyST."""
    return [ROOT / f"{f}{ext}" for f in toc_files() for ext in (".ipynb", ".md")
            if f.startswith("chapters/") and (ROOT / f"{f}{ext}").exists()]


def markdown_sources(path: Path) -> list[str]:
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def find_errata() -> list[tuple[str, str, str, str]]:
    """(chapter title, what was wrong, article location, label) for every box, in toc
    order."""
    rows = []
    for path in toc_pages():
        sources = markdown_sources(path)
        title = next(line[2:].strip() for source in sources
                     for line in source.splitlines() if line.startswith("# "))
        for source in sources:
            rows += [(title, m["what"].strip(), m["where"].strip(), m["label"])
                     for m in BOX.finditer(source)]
    return rows


def render() -> str:
    rows = find_errata()
    lines = [HEADER, f"There are {len(rows)} errata in {len({r[0] for r in rows})} chapters."]
    chapter = None
    for title, what, where, label in rows:
        if title != chapter:
            lines += ["", f"## {title}", ""]
            chapter = title
        lines.append(f"- {{ref}}`{what[0].upper() + what[1:]} <{label}>` (article {where})")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check errata.md")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print("errata.md is out of date: run python -m tools.errata", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}: {text.count('{ref}')} errata")
    return 0


if __name__ == "__main__":
    sys.exit(main())
