"""A small Sphinx extension for the book's offline HTML (registered in _config.yml).

- Injects offline_html.js at the top of every page: it tells the ipywidgets HTML
  manager where its fonts are and gives widget sliders and two theme buttons accessible
  names.
- Drops the theme's fontawesome.js (1.5 MB on every page): it redraws each icon as an
  SVG, but the theme's stylesheet already draws the same icons from Font Awesome's web
  fonts, which it serves itself.
- Gives the one-page build (singlehtml, printed to the PDF by tools/pdf.py) the saved
  widget state of every notebook, not only its root page's, so that the PDF shows each
  widget as the page first draws it.
- Drops duplicate <script> entries: sphinx-thebe and sphinx-togglebutton register their
  inline configuration twice in this Jupyter Book build, and the second
  `const THEBE_JS_URL` is a console error on every page.
- Leaves out what extensions add to every page and no page of this book uses:
  sphinx-thebe's script, stylesheet and settings (the book launches Colab and Binder, not
  live code inside the page), and sphinx-design's tabs script and stylesheet on a page
  with none of its components.
- Leaves out the top bar that pydata-sphinx-theme 0.17 renders above sphinx-book-theme's
  own header: it is empty but for a second search field, and its hidden sidebar toggles
  are the ones the theme's script wires up, so the visible toggles did nothing
  (pydata-sphinx-theme #2451). Without the bar, the script wires the visible ones.
- Starts the theme in "auto" (light/dark from the reader's system) instead of an empty
  mode, which the theme reports as a console error on a first visit.
- Moves images inlined as base64 (in the notebooks so that they work on Colab) into image
  files under _images: the frames of the animation players and the figures in saved
  widget state. A page then fetches a frame when it is shown, and a widget's figures
  when the widget manager draws them, instead of carrying them all in its HTML.
- Moves each page's saved widget state (up to 0.2 MB of JSON, which the page needs only
  when its widgets are drawn) into a script of its own under _widgets, which
  offline_html.js loads with the widget manager, when the reader comes near a widget.
- Marks every figure `loading="lazy"`: a chapter has dozens of figures, and a reader on
  a phone should fetch those near the screen, not all of them when the page opens.
- Removes the search index from every page but the search page: the theme loads it for a
  search-as-you-type box that this book does not turn on.
- Marks each run of Chinese in the pages' text `<span lang="zh-Hans">`, so that a screen
  reader switches to a Chinese voice for it and the stylesheet draws it with the book's
  own Chinese font (web_fonts.py). Runs inside scripts, styles, the title and maths
  are left alone (the book has no Chinese inside maths; maths.py typesets it next).
- Gives bibliography entries the ARIA role their list needs: docutils writes
  `role="list"` on a citation list but `role="doc-biblioentry"` (a deprecated role) on
  its items, and a list whose items are not `listitem`s is announced wrongly by screen
  readers (axe reports it as critical).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

from editions import own_pages

# The page-side fixes, kept in a file of their own for readability
SCRIPT = (Path(__file__).with_name("offline_html.js")).read_text(encoding="utf-8")


def _widget_states_of_every_page(app, pagename, templatename, context, doctree):
    # myst-nb gives a page the saved widget state of its own notebook; the one-page
    # build, which tools/pdf.py prints, holds every notebook under its root page
    if app.builder.name != "singlehtml" or pagename != app.config.root_doc:
        return
    from myst_nb.sphinx_ import NbMetadataCollector
    for docname in sorted(app.env.found_docs - {pagename}):
        state = NbMetadataCollector.get_js_files(app.env, docname).get("ipywidgets_state")
        if state:
            app.add_js_file(state[0], **state[1])


def _set_default_mode(app, config):
    config.html_context.setdefault("default_mode", "auto")


def _no_top_bar(app, config):
    # pydata-sphinx-theme renders its header when any of these lists has an item
    for key in ("navbar_start", "navbar_center", "navbar_end", "navbar_persistent"):
        config.html_theme_options[key] = []


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # the copies differ only in filename None versus "" for an inline script
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", str(script)) or "",
               tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _unused_assets(app, pagename, templatename, context, doctree):
    design = 'class="sd-' in context.get("body", "")

    def used(asset) -> bool:
        name = getattr(asset, "filename", None) or ""
        body = getattr(asset, "attributes", {}).get("body", "")
        if "sphinx-thebe" in name or "THEBE_JS_URL" in body:
            return False
        return design or not ("design-tabs" in name or "sphinx-design" in name)
    # (Sphinx shares these lists between pages: each page gets a new one, not an edit)
    for key in ("script_files", "css_files"):
        if context.get(key):
            context[key] = [asset for asset in context[key] if used(asset)]


# the theme's template writes this tag itself, so it is removed from the written pages
FONTAWESOME_JS = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*">'
                            r'</script>')


SEARCH_SCRIPTS = re.compile(r'\s*<script src="[^"]*(?:_static/searchtools|_static/language_data|'
                            r'searchindex)\.js"></script>')
WIDGET_STATE_TAG = '<script type="application/vnd.jupyter.widget-state+json"'
# a state still inline (a page written by this build), not one already moved to a file
WIDGET_STATE = re.compile(re.escape(WIDGET_STATE_TAG) + r">(.+?)</script>", re.S)
# the book's figures, not the theme's icons (which sit in menus that may stay closed)
EAGER_IMAGE = re.compile(r'<img (?![^>]*\bloading=)(?![^>]*src="[^"]*_static/)')
SCRIPT_BLOCK = re.compile(r"(<script\b.*?</script>)", re.S)
# base64 of at least 1 kB; matplotlib's player breaks its lines with a backslash
INLINE_IMAGE = re.compile(r"data:image/(png|jpeg);base64,((?:[A-Za-z0-9+/=]|\\\n){1000,})")


def _images_to_files(html: str, page: Path, outdir: Path) -> str:
    def to_file(match):
        data = base64.b64decode(match[2].replace("\\\n", ""))
        image = outdir / "_images" / f"inline-{hashlib.sha256(data).hexdigest()[:24]}.{match[1]}"
        image.parent.mkdir(exist_ok=True)
        image.write_bytes(data)
        return os.path.relpath(image, page.parent).replace(os.sep, "/")
    return INLINE_IMAGE.sub(to_file, html)


# an image in a saved widget's HTML (a JSON string, so its quotes are escaped)
IMAGE_IN_STATE = re.compile(r'<img (?!loading=)')


def _states_to_files(html: str, page: Path, outdir: Path) -> str:
    def to_file(match):
        # A precomputed widget holds a figure for every setting of its controls, up to
        # 1.1 MB of them (chapter 03's playground), in a stack that shows one at a time:
        # lazy, a hidden figure is fetched when its setting is chosen, not with the widget.
        state = IMAGE_IN_STATE.sub(r'<img loading=\\"lazy\\" ', match[1]).encode("utf-8")
        script = outdir / "_widgets" / f"{hashlib.sha256(state).hexdigest()[:24]}.js"
        script.parent.mkdir(exist_ok=True)
        script.write_bytes(b"dlbookWidgetState(" + state + b");\n")
        return (f'{WIDGET_STATE_TAG} data-src="'
                f'{os.path.relpath(script, page.parent).replace(os.sep, "/")}"></script>')
    return WIDGET_STATE.sub(to_file, html)


def _lazy_images(html: str) -> str:
    # not inside <script>: the saved widget state holds <img> tags in JSON strings
    parts = SCRIPT_BLOCK.split(html)
    parts[::2] = [EAGER_IMAGE.sub('<img loading="lazy" ', part) for part in parts[::2]]
    return "".join(parts)


# Han ideographs and the CJK symbols, punctuation and full-width forms around them; a run
# may hold spaces, middle dots and quotation marks between two of them
HAN = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
CHINESE_RUN = re.compile(f"[{HAN}]+(?:[\\s\u00b7\u2018\u2019\u201c\u201d]*[{HAN}]+)*")
# in preformatted text a run stops at a space: custom.css widens each Chinese character
# there to two columns, and a space must keep its one
CHINESE_RUN_PRE = re.compile(f"[{HAN}]+")
MARK = '<span lang="zh-Hans">'
# markup, or an element whose text is not shown as prose
NOT_PROSE = re.compile(r"(<!--.*?-->|<(script|style|title|textarea)\b.*?</\2>|<[^>]*>)", re.S)


def _mark_chinese(html: str) -> str:
    parts = NOT_PROSE.split(html)   # text, markup, a tag name or None, text, ...
    preformatted = False
    for i in range(0, len(parts), 3):
        text, before = parts[i], parts[i - 2] if i else ""
        if before.startswith(("<pre", "</pre")):
            preformatted = before.startswith("<pre")
        if before == MARK or "\\(" in text or "\\[" in text or "$$" in text:
            continue   # marked by an earlier build, or maths (maths.py reads this text)
        run = CHINESE_RUN_PRE if preformatted else CHINESE_RUN
        parts[i] = run.sub(lambda found: f"{MARK}{found[0]}</span>", text)
    return "".join(part for i, part in enumerate(parts) if i % 3 != 2)


def _fix_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in own_pages(outdir):
        html = page.read_text(encoding="utf-8")
        fixed = FONTAWESOME_JS.sub("", html.replace('role="doc-biblioentry"', 'role="listitem"'))
        if page != outdir / "search.html":
            fixed = SEARCH_SCRIPTS.sub("", fixed)
        fixed = _images_to_files(fixed, page, outdir)
        fixed = _mark_chinese(_lazy_images(_states_to_files(fixed, page, outdir)))
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("config-inited", _set_default_mode)
    app.connect("config-inited", _no_top_bar)
    app.connect("build-finished", _fix_pages)
    app.add_js_file(None, body=SCRIPT, priority=100)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _unused_assets, priority=900)
    app.connect("html-page-context", _widget_states_of_every_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
