"""The theme's and extensions' stylesheets cut to the rules the book's pages can use
(registered in _config.yml; runs when the HTML is written, after web_fonts has read the
icon rules).

Every page loads them before it draws anything: 0.45 MB, of which Bootstrap's and the
theme's rules for components the book never shows are most. web/purge.js (PurgeCSS,
pinned in web/package.json) keeps a rule when a page, or a script that may write markup
into one (the theme's, Sphinx's search, the widget manager), names its classes, ids and
elements; custom.css, the book's own, is kept whole. Then, in a second pass, a custom
property stays only if a stylesheet reads it or a page or script names it: a third of the
680 that Bootstrap and the theme set are read by nothing. @font-face and @keyframes stay.
Last, every script and stylesheet under _static, the book's own included, is minified
(web/minify.js, esbuild).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.util import logging

import node
from editions import own_pages

logger = logging.getLogger(__name__)
OWN = {"custom.css"}
VAR = re.compile(r"var\(\s*(--[\w-]+)")
NAME = re.compile(r"--[A-Za-z][\w-]*")


def _variables_in_use(static: Path, content: list[str]) -> list[str]:
    """The CSS variables any stylesheet reads (one stylesheet may read another's, which
    PurgeCSS, cutting them one at a time, would not see), or a page or script names (an
    inline style, a script that reads one)."""
    names = set()
    for path in static.rglob("*.css"):
        names |= set(VAR.findall(path.read_text(encoding="utf-8")))
    for path in content:
        names |= set(NAME.findall(Path(path).read_text(encoding="utf-8", errors="replace")))
    return sorted(names)


def _cut_stylesheets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    css = [str(path) for path in sorted(static.rglob("*.css")) if path.name not in OWN]
    content = [str(page) for page in own_pages(outdir)]
    content += [str(script) for folder in (static, outdir / "vendor")
                for script in sorted(folder.rglob("*.js"))]
    before = sum(Path(path).stat().st_size for path in css)
    node.run("purge.js", {"css": css, "content": content}, "cutting the stylesheets")
    # then the variables, once the rules that read them are gone
    sizes = json.loads(node.run("purge.js", {"css": css, "content": content,
                                             "variables": _variables_in_use(static, content)},
                                "cutting the stylesheets' variables"))
    after = sum(size[1] for size in sizes.values())
    logger.info("stylesheets cut to the pages' rules: %.0f kB -> %.0f kB", before / 1e3,
                after / 1e3)
    assets = [str(path) for path in sorted(static.rglob("*")) if path.suffix in (".css", ".js")]
    sizes = json.loads(node.run("minify.js", assets, "minifying the scripts and stylesheets"))
    before, after = (sum(size[i] for size in sizes.values()) for i in (0, 1))
    logger.info("scripts and stylesheets minified: %.0f kB -> %.0f kB", before / 1e3,
                after / 1e3)


def setup(app):
    app.connect("build-finished", _cut_stylesheets, priority=700)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
