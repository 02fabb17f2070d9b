"""A small Sphinx extension for the book's offline HTML (registered in _config.yml).

- Injects offline_html.js at the top of every page: it tells the ipywidgets HTML
  manager where its fonts are, lets ipywidgets typeset with MathJax 3, and gives widget
  sliders and two theme buttons accessible names.
- Drops duplicate <script> entries: sphinx-thebe and sphinx-togglebutton register their
  inline configuration twice in this Jupyter Book build, and the second
  `const THEBE_JS_URL` is a console error on every page.
- Starts the theme in "auto" (light/dark from the reader's system) instead of an empty
  mode, which the theme reports as a console error on a first visit.
- Gives bibliography entries the ARIA role their list needs: docutils writes
  `role="list"` on a citation list but `role="doc-biblioentry"` (a deprecated role) on
  its items, and a list whose items are not `listitem`s is announced wrongly by screen
  readers (axe reports it as critical).
"""
from __future__ import annotations

from pathlib import Path

# The page-side fixes, kept in a file of their own for readability
SCRIPT = (Path(__file__).with_name("offline_html.js")).read_text(encoding="utf-8")


def _set_default_mode(app, config):
    config.html_context.setdefault("default_mode", "auto")


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


def _fix_citation_roles(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if 'role="doc-biblioentry"' in html:
            page.write_text(html.replace('role="doc-biblioentry"', 'role="listitem"'),
                            encoding="utf-8")


def setup(app):
    app.connect("config-inited", _set_default_mode)
    app.connect("build-finished", _fix_citation_roles)
    app.add_js_file(None, body=SCRIPT, priority=100)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
