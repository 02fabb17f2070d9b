"""Print the whole book to one PDF, offline, from its own HTML.

Jupyter Book builds the book as one page (Sphinx's singlehtml builder, into
_build/singlehtml); Debian's Chromium, the browser the tests drive, opens that page from
a local server, lets every figure load (the maths is typeset in the HTML), and prints it
with the book's print stylesheet (folded boxes open, code wrapped, no buttons). The PDF
keeps the page's links (a reference to a chapter, an equation or an erratum jumps to it),
its fonts (the book's Chinese font among them) and a bookmark outline of its headings.

    python -m tools.pdf            # build the one-page book, then print it
    python -m tools.pdf --no-build # print the one-page book already built
    python -m tools.pdf --edition zh   # the Chinese edition (tools/i18n.py), into zh/

`make book` runs it after building the HTML where Chromium is installed, and `make pdf`
installs Chromium first if it is missing. The PDF lands beside the HTML book, which links
to it from its first page: _build/html/karpathy-ideas.pdf (about 350 pages, 21 MB, in
about a minute on 2 cores). It is then cut into one PDF per page of the book, beside
that page (chapters/04_rnn.pdf, with the book's page numbers), which the page's download
menu offers as its ".pdf" instead of printing the page in the reader's browser.

A page links only a PDF that was built: `link` (run after every HTML build as well)
hides the first page's link to the book's PDF where there is none, and leaves a page's
".pdf" the browser's print where its own PDF is missing.
"""
from __future__ import annotations

import argparse
import html
import logging
import re
import subprocess
import sys
import time
from pathlib import Path

from tools import i18n
from tools.book import STRICT, jupyter_book, precompress
from tools.browser import chromium, serve
from tools.notebooks import toc_files

ROOT = Path(__file__).resolve().parents[1]
NAME = "karpathy-ideas.pdf"
# each edition's one-page build, and where its PDF goes: beside the edition's HTML,
# whose first page links it. Each is built in its edition's HTML build tree and reuses
# that build's environment (every page read and parsed): the Chinese one took 47 s so,
# against 70 s in a tree of its own.
SINGLE = {"en": ROOT / "_build" / "singlehtml",
          "zh": ROOT / "_build" / "i18n" / "zh" / "_build" / "singlehtml"}
PDF = {"en": ROOT / "_build" / "html" / NAME, "zh": ROOT / "_build" / "html" / "zh" / NAME}
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
# Every figure loaded (they are lazy), every formula typeset, every widget drawn from
# its saved state: what a reader who scrolled through the whole page would see.
# A link to another file of the local build (the PDF itself, on the first page) would
# lead nowhere once the PDF leaves the machine, so it becomes plain text.
READY = """() => {
    document.querySelectorAll('a[href]').forEach(a => {
        const url = new URL(a.href);
        if (url.origin === location.origin && url.pathname !== location.pathname)
            a.removeAttribute('href');
    });
    if (window.dlbookLoadWidgets) window.dlbookLoadWidgets();
}"""
# then, once the widgets are drawn (their figures are lazy too), every figure fetched
FIGURES = """async () => {
    document.querySelectorAll('img[loading="lazy"]').forEach(img => img.loading = 'eager');
    await Promise.all([...document.images].filter(img => !img.complete).map(img =>
        new Promise(done => { img.onload = img.onerror = done; })));
    await document.fonts.ready;
}"""
# The headings the printed page shows, in order: Chromium makes one bookmark of each but
# titles it from the laid-out lines, losing the space at a line break and sometimes
# repeating a line ("Checkedand Built"), so the titles are put back from the page.
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.getClientRects().length)
    .map(h => h.textContent.replace(/#$/, '').replace(/\\s+/g, ' ').trim())"""


def build(edition: str) -> None:
    options = ["--builder", "singlehtml", *STRICT]
    if edition == "en":
        subprocess.run(jupyter_book(*options), check=True, stdout=subprocess.DEVNULL)
    else:
        i18n.jupyter_book_zh(SINGLE[edition].parents[1], options, check=True,
                             stdout=subprocess.DEVNULL)


def print_pdf(target: Path = PDF["en"], single: Path = SINGLE["en"]) -> int:
    """Print the one-page book in `single` to `target`; returns the number of bytes."""
    if not (single / "intro.html").exists():
        sys.exit(f"no one-page book in {single}: run without --no-build")
    with serve(single) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.goto(f"{url}/intro.html", wait_until="load", timeout=120_000)
        page.evaluate(READY)
        page.wait_for_timeout(2_000)   # the widgets, drawn after their scripts load
        page.evaluate(FIGURES)
        page.emulate_media(media="print", color_scheme="light")
        headings = page.evaluate(HEADINGS)
        target.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(target), format="A4", print_background=True,
                 margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                 display_header_footer=True, header_template="<span></span>",
                 footer_template=FOOTER, outline=True, tagged=True)
    _title_bookmarks(target, headings)
    return target.stat().st_size


def _title(page: Path) -> str:
    """A page's h1 as the PDF's bookmark names it (HEADINGS)."""
    text = page.read_text(encoding="utf-8")
    h1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S).search(text, text.index("<article"))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", h1[1])).removesuffix("#").split())


def split(book: Path, pages: list[str]) -> list[Path]:
    """Cut the book's PDF into one PDF per page of the book, `pages` in the toc's order,
    each beside its HTML page, and return them. A page of the book starts a new printed
    page (the print stylesheet breaks before each) under a bookmark with its title; the
    links that jump elsewhere in the book are dropped from the parts, the web links kept."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(book)

    def bookmarks(outline):
        for item in outline:
            yield from bookmarks(item) if isinstance(item, list) else [item]

    found, starts = bookmarks(reader.outline), []
    for entry in pages:
        title = _title(book.parent / f"{entry}.html")
        bookmark = next((b for b in found if b.title == title), None)
        if bookmark is None:
            print(f"warning: no bookmark {title!r} in {book.name}; it is not cut into pages",
                  file=sys.stderr)
            return []
        starts.append((title, reader.get_destination_page_number(bookmark)))
    written = []
    for entry, (title, first), (_, end) in zip(pages, starts,
                                               starts[1:] + [("", len(reader.pages))]):
        writer = PdfWriter()
        for number in range(first, end):
            page = writer.add_page(reader.pages[number])
            links = page.get("/Annots") or []
            kept = [link for link in links if "/URI" in link.get_object().get("/A", {})]
            if len(kept) != len(links):
                page[NameObject("/Annots")] = ArrayObject(kept)
        writer.add_outline_item(title, 0)
        writer.add_metadata({"/Title": title})
        target = book.parent / f"{entry}.pdf"
        with open(target, "wb") as out:
            writer.write(out)
        written.append(target)
    return written


# the ".pdf" of a page's download menu: the browser's print, or a link to the page's PDF
PRINT_BUTTON = re.compile(r'<button onclick="window\.print\(\)"(\s+class="[^"]*'
                          r'btn-download-pdf-button[^"]*")([^>]*)>(.*?)</button>', re.S)
PDF_LINK = re.compile(r'<a href="[^"]*\.pdf" download(\s+class="[^"]*'
                      r'btn-download-pdf-button[^"]*")([^>]*)>(.*?)</a>', re.S)
# the opening tag of the paragraph that links the book's PDF
BOOK_LINK = re.compile(rf'<p(?: hidden)?>(?=(?:(?!</p>).)*href="{re.escape(NAME)}")', re.S)


def link(site: Path) -> None:
    """Point an edition's pages at the PDFs built beside them, and at none that is not
    (see the module's doc)."""
    for entry in toc_files():
        page = site / f"{entry}.html"
        if not page.exists():
            continue
        html = text = page.read_text(encoding="utf-8")
        pdf = page.with_suffix(".pdf")
        if pdf.exists():
            html = PRINT_BUTTON.sub(
                lambda b: f'<a href="{pdf.name}" download{b[1]}{b[2]}>{b[3]}</a>', html)
        else:
            html = PDF_LINK.sub(
                lambda b: f'<button onclick="window.print()"{b[1]}{b[2]}>{b[3]}</button>', html)
        hidden = "" if (site / NAME).exists() else " hidden"
        html = BOOK_LINK.sub(f"<p{hidden}>", html)
        if html != text:
            page.write_text(html, encoding="utf-8")


def _title_bookmarks(pdf: Path, headings: list[str]) -> None:
    """Give the PDF's bookmarks, one per heading in page order, the headings' text."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    # Chromium's cross-reference table undercounts its objects; pypdf says so and copes
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    writer = PdfWriter(clone_from=pdf)
    bookmarks = []

    def walk(item):
        while item is not None:
            item = item.get_object()
            bookmarks.append(item)
            walk(item.get("/First"))
            item = item.get("/Next")

    walk(writer.root_object.get("/Outlines", {}).get("/First"))
    if len(bookmarks) != len(headings):
        print(f"warning: {len(bookmarks)} bookmarks for {len(headings)} headings; "
              "their titles are left as Chromium wrote them", file=sys.stderr)
        return
    for bookmark, heading in zip(bookmarks, headings):
        bookmark[NameObject("/Title")] = TextStringObject(heading)
    writer.write(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", choices=sorted(PDF), default="en",
                        help="the English book (default) or its Chinese edition")
    parser.add_argument("--no-build", action="store_true",
                        help="print the one-page book already built")
    parser.add_argument("--out", type=Path, help="default: karpathy-ideas.pdf beside the "
                        "edition's HTML")
    args = parser.parse_args()
    start = time.perf_counter()
    single, out = SINGLE[args.edition], args.out or PDF[args.edition]
    if not args.no_build:
        print(f"building the book as one page ({single.relative_to(ROOT)}) ...", flush=True)
        build(args.edition)
    print("printing it with Chromium ...", flush=True)
    size = print_pdf(out, single)
    print(f"wrote {out} ({size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s")
    if out == PDF[args.edition]:
        parts = split(out, toc_files())
        link(out.parent)
        precompress()
        print(f"cut it into {len(parts)} PDFs, one beside each page")


if __name__ == "__main__":
    main()
