"""Code blocks without the spans that change nothing (registered in _config.yml).

Pygments wraps every token of a code block in a span with its class: a name is
`<span class="n">x</span>`, 23 bytes around one letter. The theme's two styles (light
and dark) colour names, punctuation and whitespace exactly as the text around them, so
those spans draw nothing: in the Chinese chapter 04 they were 0.12 MB of the page's
0.79 MB. Once the theme has written pygments.css, this step reads which classes every
theme draws as plain text and takes their spans out of each page's code blocks, leaving
the text. Classes a script reads stay whatever their colour (sphinx-copybutton leaves
out `.gp`, the prompts).
"""
from __future__ import annotations

import re
from pathlib import Path

from editions import own_pages

READ_BY_SCRIPTS = {"gp", "go", "linenos"}
RULE = re.compile(r'html\[data-theme="(\w+)"\] \.highlight( \.[\w-]+)? \{([^}]*)\}')
BLOCK = re.compile(r'<div class="highlight"><pre>.*?</pre>', re.S)


def _declarations(text: str) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in text.split(";") if d.strip())


def plain_classes(css: str) -> set[str]:
    """The token classes whose rules, in every theme, set what the code block's own rule
    sets (its colour) and nothing else."""
    base, rules = {}, {}
    for theme, selector, declarations in RULE.findall(css):
        if selector:
            rules.setdefault(selector[2:], {})[theme] = _declarations(declarations)
        else:
            base[theme] = {d for d in _declarations(declarations) if d.startswith("color:")}
    return {name for name, by_theme in rules.items()
            if name not in READ_BY_SCRIPTS and by_theme.keys() == base.keys()
            and all(by_theme[theme] == base[theme] for theme in base)}


def unwrap(page: str, classes: set[str]) -> str:
    """``page`` with the spans of ``classes`` in its code blocks replaced by their text."""
    if not classes:
        return page
    span = re.compile(r'<span class="(?:%s)">([^<]*)</span>' % "|".join(map(re.escape, classes)))
    return BLOCK.sub(lambda block: span.sub(r"\1", block[0]), page)


def _unwrap_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    css = Path(app.outdir) / "_static" / "pygments.css"
    if not css.exists():
        return
    classes = plain_classes(css.read_text(encoding="utf-8"))
    for path in own_pages(Path(app.outdir)):
        page = path.read_text(encoding="utf-8")
        lean = unwrap(page, classes)
        if lean != page:
            path.write_text(lean, encoding="utf-8")


def setup(app):
    # after the theme writes pygments.css (build-finished, priority 500), before the
    # stylesheets are cut to the classes the pages still name (priority 700)
    app.connect("build-finished", _unwrap_pages, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
