"""The fonts the book serves itself, cut at build time to what its pages use (registered
in _config.yml; runs when the HTML is written, after offline_html has fixed the pages).

- Chinese. The book quotes the article, names its sections and gives every term in
  Chinese; a reader whose machine has no CJK font would see boxes. The pages therefore
  carry their own: Noto Sans SC (SIL Open Font License 1.1, from the npm package
  @fontsource/noto-sans-sc pinned in web/package.json), subset to exactly the characters
  inside the pages' `lang="zh-Hans"` runs (a few hundred, about 50 kB) and written to
  _static/fonts/ with its license. custom.css draws every `:lang(zh-Hans)` run with it.
  A character the font lacks is a build warning, so with `--warningiserror` the build
  fails instead of a reader meeting a box.
- Icons. The theme draws its icons (menu, search, dark mode, ...) from Font Awesome
  Free's web fonts (SIL OFL 1.1), 280 kB for about 2,000 icons of which the book shows
  fewer than 20. The fonts are cut to the icons named anywhere in the pages or the
  theme's scripts, and so are the theme stylesheet's rules that map names to glyphs.
"""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from sphinx.util import logging

from editions import own_pages

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
NOTO = ROOT / "web" / "node_modules" / "@fontsource" / "noto-sans-sc"
NOTO_SOURCE = NOTO / "files" / "noto-sans-sc-chinese-simplified-400-normal.woff2"
CHINESE_FONT = "_static/fonts/noto-sans-sc-book.woff2"   # custom.css's @font-face
CHINESE_RUN = re.compile(r'<span lang="zh-Hans">([^<]*)</span>')

ICON_FONTS = "_static/vendor/fontawesome/webfonts"
ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+")
# the theme's stylesheet: `.fa-bars:before,.fa-navicon:before{content:"\f0c9"}`
ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)\{content:"\\([0-9a-f]+)"\}')
# an icon named by its code point in another stylesheet (custom.css: the erratum's triangle)
ICON_CODE = re.compile(r'content:\s*"\\(f[0-9a-f]{3})"')


def _subset(source: Path, codepoints: set[int], target: Path) -> int:
    """Write the glyphs of `codepoints` that `source` has to `target` (WOFF2); returns
    the bytes written."""
    options = subset.Options()
    options.flavor = "woff2"
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    buffer = io.BytesIO()   # `target` may be `source`
    font.save(buffer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def _chinese_font(outdir: Path, pages: list[str]) -> None:
    text = "".join(run for html in pages for run in CHINESE_RUN.findall(html))
    # and the Chinese the stylesheet writes itself (the printed widgets' caption)
    stylesheet = (outdir / "_static" / "custom.css").read_text(encoding="utf-8")
    text += "".join(re.findall(r"[\u3000-\u9fff\uff00-\uffef]", stylesheet))
    codepoints = {ord(c) for c in text if not c.isspace()}
    if not NOTO_SOURCE.exists():
        logger.warning("no Chinese web font: %s is missing (run tools/vendor.py)", NOTO_SOURCE)
        return
    missing = codepoints - set(TTFont(NOTO_SOURCE).getBestCmap())
    if missing:
        logger.warning("Noto Sans SC's simplified-Chinese set lacks %s; these characters "
                       "will be drawn by the reader's own fonts",
                       "".join(sorted(map(chr, missing))))
    size = _subset(NOTO_SOURCE, codepoints, outdir / CHINESE_FONT)
    shutil.copy2(NOTO / "LICENSE", outdir / "_static" / "fonts" / "noto-sans-sc-LICENSE.txt")
    logger.info("Chinese web font: %d characters, %.0f kB", len(codepoints), size / 1e3)


def _icon_fonts(outdir: Path, pages: list[str]) -> None:
    static = outdir / "_static"
    scripts = [p.read_text(encoding="utf-8") for p in static.rglob("*.js")
               if "vendor" not in p.relative_to(static).parts]
    names = {name for text in pages + scripts for name in ICON_NAME.findall(text)}
    theme = static / "styles" / "pydata-sphinx-theme.css"
    stylesheet = theme.read_text(encoding="utf-8")
    codepoints = {int(code, 16) for selectors, code in ICON_RULE.findall(stylesheet)
                  if names & set(re.findall(r"fa-[a-z0-9-]+", selectors))}
    # the rules of the icons no page shows go too: 1,900 of them, 86 kB of every page
    theme.write_text(ICON_RULE.sub(lambda rule: rule[0] if names & set(
        re.findall(r"fa-[a-z0-9-]+", rule[1])) else "", stylesheet), encoding="utf-8")
    codepoints |= {int(code, 16) for css in static.glob("*.css")
                   for code in ICON_CODE.findall(css.read_text(encoding="utf-8"))}
    if not codepoints:
        logger.warning("no Font Awesome icon found in the theme's stylesheet: "
                       "the icon fonts are left whole")
        return
    for font in sorted((outdir / ICON_FONTS).glob("*.woff2")):
        _subset(font, codepoints, font)


def _cut_fonts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pages = [page.read_text(encoding="utf-8") for page in own_pages(outdir)]
    _chinese_font(outdir, pages)
    _icon_fonts(outdir, pages)


def setup(app):
    # after offline_html's build-finished handler, which marks the Chinese runs
    app.connect("build-finished", _cut_fonts, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
