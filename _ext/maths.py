"""Maths typeset when the book is built, so that no page loads a maths script
(registered in _config.yml, which names this renderer in `html_math_renderer`).

MathJax in the browser weighed 1.15 MB on every page with a formula and drew the maths
seconds after the text. Here Sphinx writes each formula as MathJax's delimited TeX, as
its own MathJax renderer does, and once the pages are written one Node process
(web/typeset.js, with mathjax-full pinned in web/package.json) turns every formula of
every page into an SVG with its MathML beside it for screen readers. Each page gets one
hidden SVG with the outlines of the glyphs its maths uses, which the formulas draw with
<use>: the maths font is cut to the page, and no font file is fetched.

A TeX error fails the build, naming the formula, instead of reaching a reader as red text.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from sphinx.ext.mathjax import html_visit_displaymath, html_visit_math

import node
from editions import own_pages

MATH = re.compile(r'(<(span|div) class="math notranslate nohighlight"[^>]*>)(.*?)(</\2>)', re.S)
# a display formula: an equation number (Sphinx's `eqno` span) may come before the TeX
DISPLAY = re.compile(r"\\\[(.*)\\\]", re.S)
INLINE = re.compile(r"\\\((.*)\\\)", re.S)
BODY = re.compile(r"<body\b[^>]*>")
STYLE_MARK = "<!-- maths typeset at build time -->"


def _formulas(page: str) -> list[tuple[str, bool]]:
    found = []
    for match in MATH.finditer(page):
        display = match[2] == "div"
        tex = (DISPLAY if display else INLINE).search(match[3])
        if tex:          # (a page typeset by an earlier build has no TeX left)
            found.append((html.unescape(tex[1]).strip(), display))
    return found


def _typeset(pages: list[list[tuple[str, bool]]]) -> tuple[list[dict], str]:
    typeset, style = node.run("typeset.js", pages, "typesetting the maths").splitlines()
    return json.loads(typeset), json.loads(style)["css"]


def _write(page: str, typeset: dict, css: str) -> str:
    maths = iter(typeset["maths"])

    def replace(match):
        tex = (DISPLAY if match[2] == "div" else INLINE).search(match[3])
        if not tex:
            return match[0]
        content = match[3][:tex.start()] + next(maths) + match[3][tex.end():]
        return match[1] + content + match[4]

    page = MATH.sub(replace, page)
    page = BODY.sub(lambda body: body[0] + typeset["glyphs"], page, count=1)
    return page.replace("</head>", f"{STYLE_MARK}<style>{css}</style>\n</head>", 1)


def _typeset_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    pages, formulas = [], []
    for path in own_pages(Path(app.outdir)):
        found = _formulas(path.read_text(encoding="utf-8"))
        if found:
            pages.append(path)
            formulas.append(found)
    if not pages:
        return
    typeset, css = _typeset(formulas)
    for path, page in zip(pages, typeset):
        path.write_text(_write(path.read_text(encoding="utf-8"), page, css), encoding="utf-8")


def setup(app):
    # Sphinx's MathJax renderer writes the delimited TeX; no script is added to any page
    app.add_html_math_renderer("build", (html_visit_math, None),
                               (html_visit_displaymath, None))
    # after offline_html has marked the Chinese (it skips text with TeX in it), before
    # web_fonts cuts the fonts
    app.connect("build-finished", _typeset_pages, priority=550)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
