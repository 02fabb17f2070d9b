"""The PDFs of the whole book, both editions, and of each of its pages (tools/pdf.py):
built as one page and printed by Chromium, cut into pages, then read back with pypdf as a
reader's PDF viewer would read them."""
from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import HTML, ROOT
from tools.notebooks import toc_files

PDF = HTML / "karpathy-ideas.pdf"


@pytest.fixture(scope="module")
def pdf(build_log, pages):
    from pypdf import PdfReader

    result = subprocess.run([sys.executable, "-m", "tools.pdf"], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stderr, result.stderr
    return PdfReader(PDF)


@pytest.fixture(scope="module")
def zh_pdf(pdf):
    from pypdf import PdfReader

    result = subprocess.run([sys.executable, "-m", "tools.pdf", "--edition", "zh"], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stderr, result.stderr
    return PdfReader(HTML / "zh" / "karpathy-ideas.pdf")


def test_the_chinese_pdf_is_a_whole_book_in_chinese(pdf, zh_pdf):
    assert abs(len(zh_pdf.pages) - len(pdf.pages)) < 0.3 * len(pdf.pages)
    text = " ".join(page.extract_text() for page in zh_pdf.pages[:40])
    for term in ("反向传播", "循环神经网络", "勘误"):
        assert term in text, term


@pytest.fixture(scope="module")
def text(pdf):
    """Every page's text, read by PDFium (Chromium's PDF library), which reads the whole
    book in seconds where pypdf takes a minute. NFKC: the text font's ligatures ("ﬁ")
    read as their letters."""
    import pypdfium2

    book = pypdfium2.PdfDocument(PDF)
    try:
        return [unicodedata.normalize("NFKC", " ".join(
            book[n].get_textpage().get_text_range().split())) for n in range(len(book))]
    finally:
        book.close()


def _titles(pages) -> list[str]:
    """Every page's title (its h1), as the HTML book shows it."""
    titles = []
    for entry in toc_files():
        h1 = pages[HTML / f"{entry}.html"].select_one("article h1")
        titles.append(" ".join(h1.get_text(" ", strip=True).replace("#", "").split()))
    return titles


def _page(path: Path):
    from bs4 import BeautifulSoup
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("edition", ["", "zh/"])
def test_the_first_page_links_the_pdf(pdf, zh_pdf, edition):
    link = _page(HTML / edition / "intro.html").select_one('article a[href="karpathy-ideas.pdf"]')
    assert link and not link.find_parent("p").has_attr("hidden")
    assert (HTML / edition / "karpathy-ideas.pdf").is_file()


@pytest.mark.parametrize("edition", ["", "zh/"])
def test_each_page_has_its_own_pdf_that_its_download_menu_offers(pdf, zh_pdf, edition):
    from pypdf import PdfReader

    book = PdfReader(HTML / edition / "karpathy-ideas.pdf")
    total = 0
    for entry in toc_files():
        part = PdfReader(HTML / edition / f"{entry}.pdf")
        total += len(part.pages)
        # (a Chinese title may break at any character; NFKC reads the text font's
        # ligatures as their letters, and full-width punctuation as ASCII)
        title, first_page = (re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
                             for text in (part.outline[0].title, part.pages[0].extract_text()))
        assert title in first_page, (entry, title)
        button = _page(HTML / edition / f"{entry}.html").select_one("a.btn-download-pdf-button")
        assert button and button["href"] == f"{entry.split('/')[-1]}.pdf", entry
    assert total == len(book.pages)       # the parts are the book, cut at its pages


def test_no_page_links_a_pdf_that_was_not_built(build_log, tmp_path):
    from tools import pdf as pdf_tool

    site = tmp_path / "site"
    for entry in ("intro", "chapters/04_rnn"):
        (site / entry).parent.mkdir(parents=True, exist_ok=True)
        (site / f"{entry}.html").write_text((HTML / f"{entry}.html").read_text("utf-8"), "utf-8")
    pdf_tool.link(site)
    intro, chapter = _page(site / "intro.html"), _page(site / "chapters/04_rnn.html")
    assert intro.select_one('a[href="karpathy-ideas.pdf"]').find_parent("p").has_attr("hidden")
    assert chapter.select_one("button.btn-download-pdf-button")["onclick"] == "window.print()"
    # once the PDFs are there, the same step links them
    (site / "karpathy-ideas.pdf").write_bytes(b"%PDF-1.4")
    (site / "chapters" / "04_rnn.pdf").write_bytes(b"%PDF-1.4")
    pdf_tool.link(site)
    intro, chapter = _page(site / "intro.html"), _page(site / "chapters/04_rnn.html")
    assert not intro.select_one('a[href="karpathy-ideas.pdf"]').find_parent("p").has_attr("hidden")
    assert chapter.select_one("a.btn-download-pdf-button")["href"] == "04_rnn.pdf"


def test_the_pdf_has_the_pages_of_a_whole_book(pdf):
    # about 350 A4 pages today; a PDF that lost its chapters or its open erratum boxes
    # would be far shorter, and one that printed each line on a page far longer
    assert 250 <= len(pdf.pages) <= 600, len(pdf.pages)
    width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert abs(width - 595) < 2 and abs(height - 842) < 2   # A4, in points


def test_every_chapter_starts_a_page_with_its_title_and_has_a_bookmark(pages, pdf, text):
    bookmarks = {item.title for item in pdf.outline if not isinstance(item, list)}
    bookmarks |= {item.title for level in pdf.outline if isinstance(level, list)
                  for item in level if not isinstance(item, list)}
    starts = {page[:120] for page in text}
    for title in _titles(pages):
        assert title in bookmarks, f"no bookmark {title!r}"
        assert any(start.startswith(title) for start in starts), f"no page starts {title!r}"


def test_chinese_and_code_are_embedded_fonts(pdf):
    fonts = {}
    for page in pdf.pages[:120]:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font.get("/BaseFont", font.get("/Subtype")))] = font
    names = " ".join(fonts)
    assert "NotoSansSC" in names        # the book's Chinese font, not a fallback
    assert "Mono" in names              # code
    for name, font in fonts.items():
        if font.get("/Subtype") == "/Type0":   # text fonts: embedded, not referenced
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert {"/FontFile2", "/FontFile3"} & set(descriptor), f"{name} is not embedded"


def test_every_widget_prints_as_a_captioned_figure(text):
    # the one-page build holds every notebook's saved widget state (_ext/offline_html.py),
    # so each widget prints as the page first draws it, with the print stylesheet's caption
    single = (ROOT / "_build" / "singlehtml" / "intro.html").read_text(encoding="utf-8")
    views = single.count('<script type="application/vnd.jupyter.widget-view+json">')
    book = " ".join(text)
    assert views >= 9 and book.count("shown at its first setting") == views
    assert "scale of W_hh 1.0" in book       # chapter 04's explorer, drawn with its controls


def test_maths_is_drawn_not_left_as_tex(text):
    # the formulas are outlines in the PDF (SVG from the build, _ext/maths.py): none of
    # their TeX may be left as text
    book = " ".join(text)
    for tex in ("\\frac", "\\mathbf", "\\begin{"):
        assert tex not in book, tex


def test_chinese_and_the_open_errata_survive_as_text(text):
    book = " ".join(text)
    for term in ("反向传播", "判别器", "生成对抗网络", "变分自编码器"):
        assert term in book, term
    # every erratum box is printed open: its quotation and its correction are there
    assert len(re.findall(r"The article says", book)) >= 40


def test_links_jump_inside_the_book_or_to_the_web(pdf):
    internal, external = 0, set()
    for page in pdf.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A", {})
            if annotation.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annotation or action.get("/S") == "/GoTo":
                internal += 1
            elif action.get("/S") == "/URI":
                external.add(str(action["/URI"]))
    # chapter, equation, figure, glossary and citation references: over a thousand today
    assert internal > 500, internal
    # to the web, none to the server the page was printed from
    local = [url for url in external
             if urlparse(url).scheme not in ("http", "https")
             or urlparse(url).hostname in ("127.0.0.1", "localhost")]
    assert len(external) > 50 and not local, local

