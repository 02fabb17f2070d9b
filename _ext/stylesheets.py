"""The theme's and extensions' stylesheets cut to the rules the book's pages can use
(registered in _config.yml; runs when the HTML is written, after web_fonts has read the
icon rules).

Every page loads them before it draws anything: 0.45 MB, of which Bootstrap's and the
theme's rules for components the book never shows are most. web/purge.js (PurgeCSS,
pinned in web/package.json) keeps a rule when a page, or a script that may write markup
into one (the theme's, Sphinx's search, the widget manager), names its classes, ids and
elements; custom.css, the book's own, is kept whole. Variables, @font-face and
@keyframes stay.
"""
from __future__ import annotations

import json
from pathlib import Path

from sphinx.util import logging

import node
from editions import own_pages

logger = logging.getLogger(__name__)
OWN = {"custom.css"}


def _cut_stylesheets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    css = [str(path) for path in sorted(static.rglob("*.css")) if path.name not in OWN]
    content = [str(page) for page in own_pages(outdir)]
    content += [str(script) for folder in (static, outdir / "vendor")
                for script in sorted(folder.rglob("*.js"))]
    sizes = json.loads(node.run("purge.js", {"css": css, "content": content},
                                "cutting the stylesheets"))
    before, after = (sum(size[i] for size in sizes.values()) for i in (0, 1))
    logger.info("stylesheets cut to the pages' rules: %.0f kB -> %.0f kB", before / 1e3,
                after / 1e3)


def setup(app):
    app.connect("build-finished", _cut_stylesheets, priority=700)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
