"""The maths step of the build (_ext/maths.py with web/typeset.js): TeX in, SVG and MathML
out, the glyphs each page draws, and a TeX error that stops the build. The built pages
are checked in a browser by test_browser.py (typeset, no TeX left, axe)."""
from __future__ import annotations

import re

import maths  # the book's Sphinx extension, in _ext/ (pytest.ini's pythonpath)
import pytest

PAGE = """<html><head><title>t</title></head><body data-x="1"><p>Let
<span class="math notranslate nohighlight">\\(\\mathbf{h}_t &lt; 1\\)</span> and</p>
<div class="math notranslate nohighlight" id="equation-one">
<span class="eqno">(1)<a class="headerlink" href="#equation-one">#</a></span>\\[
\\frac{\\partial L}{\\partial W} = \\sum_t \\delta_t\\, \\mathbf{x}_t^\\top
\\]</div></body></html>"""


@pytest.fixture(scope="module", autouse=True)
def mathjax(build_log):
    """mathjax-full, which `npm ci` installs in the book's build (tests/conftest.py: one
    build per test run, whichever test needs it first)."""


def test_a_page_is_typeset_once_with_the_glyphs_it_draws():
    found = maths._formulas(PAGE)
    assert found == [("\\mathbf{h}_t < 1", False),       # HTML entities read as TeX
                     ("\\frac{\\partial L}{\\partial W} = \\sum_t \\delta_t\\, "
                      "\\mathbf{x}_t^\\top", True)]
    (typeset,), css = maths._typeset([found])
    page = maths._write(PAGE, typeset, css)
    assert page.count("<mjx-container") == 2 and "<math " in page     # SVG and MathML
    assert '<span class="eqno">(1)' in page                          # the number kept
    used = set(re.findall(r' href="#(mj-[^"]+)"', page))
    defined = set(re.findall(r'<path id="([^"]+)"', typeset["glyphs"]))
    assert used and used == defined          # every glyph drawn is defined, and no other
    assert page.index(typeset["glyphs"]) < page.index("<mjx-container")
    # what an inline SVG does without is left out: menu attributes, namespaces, bare groups
    # (but the one each formula opens with, which the page's style flips), what every
    # formula would repeat, closing tags of empty elements
    body = page.split("</head>")[1]
    assert not re.search(r'xlink|xmlns|data-mml-node|class="MathJax"|currentColor|</use>',
                         body)
    assert body.count("<g>") == len(re.findall(r"<svg [^>]*><g>", body)) == 2
    assert "transform: scale(1, -1)" in css
    assert maths._formulas(page) == []       # an incremental build leaves it alone
    display = re.search(r'<mjx-container tabindex="0"[^>]*display="true".*?<svg style="'
                        r'--width: ([\d.]+)ex', page)
    assert display and float(display[1]) > 5


def test_a_tex_error_stops_the_build_and_names_the_formula():
    with pytest.raises(Exception, match=r"\\frac\{a"):
        maths._typeset([[("\\frac{a", False)]])
