"""The fonts the book serves itself, cut at build time to what its pages use (registered
in _config.yml; runs when the HTML is written, after offline_html has fixed the pages).

- Chinese. The book quotes the article, names its sections and gives every term in
  Chinese; a reader whose machine has no CJK font would see boxes. The pages therefore
  carry their own: Noto Sans SC (SIL Open Font License 1.1, from the npm package
  @fontsource/noto-sans-sc pinned in web/package.json), subset to exactly the characters
  inside the pages' `lang="zh-Hans"` runs and written to _static/fonts/ with its license.
  custom.css draws every `:lang(zh-Hans)` run with it. The Chinese edition uses 1,200
  characters (0.17 MB of font), a chapter 650-750 of them: so the font is cut in two.
  `noto-sans-sc-book.woff2`, which custom.css names, holds the characters half the
  pages use, and is fetched once for the whole book; each page that uses more adds
  a second face of the same family, with only its own characters, in a `<style>` of its
  own (a browser draws a character from the last face whose `unicode-range` has it).
  The search page's face has every character, for results from any page. A character
  the font lacks is a build warning, so with `--warningiserror` the build fails instead
  of a reader meeting a box.
- Icons. The theme draws its icons (menu, search, dark mode, ...) from Font Awesome
  Free's web fonts (SIL OFL 1.1), 280 kB for about 2,000 icons of which the book shows
  fewer than 20. The fonts are cut to the icons named anywhere in the pages or the
  theme's scripts, and so are the theme stylesheet's rules that map names to glyphs.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import shutil
from collections import Counter
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


@functools.lru_cache(maxsize=1)
def _unpacked(source: Path) -> bytes:
    """A WOFF2 font as an uncompressed one: unpacking Noto Sans SC takes 3.4 s, cutting
    a subset from the unpacked font 0.2 s, and a build cuts one for each page."""
    font = TTFont(source)
    font.flavor = None
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _subset(source: Path | bytes, codepoints: set[int], target: Path) -> int:
    """Write the glyphs of `codepoints` that `source` (a file, or a font's bytes) has to
    `target` (WOFF2); returns the bytes written."""
    font = TTFont(io.BytesIO(source) if isinstance(source, bytes) else source)
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.flavor = "woff2"   # (a font is saved as it was read unless told)
    buffer = io.BytesIO()   # `target` may be `source`
    font.save(buffer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


COMMON_SHARE = 0.5       # a character on this share of the pages goes in the shared face
FACE_MARK = "<!-- the page's own Chinese characters -->"
FACE = re.compile(re.escape(FACE_MARK) + r"<style>.*?</style>\n?", re.S)


def _han(text: str) -> set[int]:
    return {ord(c) for c in text if not c.isspace()}


def _unicode_range(codepoints: set[int]) -> str:
    return ",".join(f"U+{c:x}" for c in sorted(codepoints))


def _page_face(page: str, font: str, codepoints: set[int]) -> str:
    """``page`` with a face of its own for ``codepoints`` (``font``, relative to it), in
    place of the one an earlier build gave it, and after custom.css's face, which a
    browser then checks second."""
    page = FACE.sub("", page)
    if not codepoints:
        return page
    face = (f'{FACE_MARK}<style>@font-face {{ font-family: "Noto Sans SC (book)"; '
            f'src: url("{font}") format("woff2"); font-display: swap; '
            f"unicode-range: {_unicode_range(codepoints)} }}</style>\n")
    return page.replace("</head>", face + "</head>", 1)


def _chinese_font(outdir: Path, pages: dict[Path, str], split: bool = True) -> None:
    """Cut the font for ``pages``: one face shared by them and one per page, or, unless
    ``split``, one face for all (the one-page build printed to the PDF, where a word
    drawn from two fonts would be copied and searched as two)."""
    if not NOTO_SOURCE.exists():
        logger.warning("no Chinese web font: %s is missing (run tools/vendor.py)", NOTO_SOURCE)
        return
    used = {path: _han("".join(CHINESE_RUN.findall(html))) for path, html in pages.items()}
    # and the Chinese the stylesheet writes itself (the printed widgets' caption)
    stylesheet = (outdir / "_static" / "custom.css").read_text(encoding="utf-8")
    written = _han("".join(re.findall(r"[\u3000-\u9fff\uff00-\uffef]", stylesheet)))
    every = set().union(written, *used.values())
    missing = every - set(TTFont(io.BytesIO(_unpacked(NOTO_SOURCE))).getBestCmap())
    if missing:
        logger.warning("Noto Sans SC's simplified-Chinese set lacks %s; these characters "
                       "will be drawn by the reader's own fonts",
                       "".join(sorted(map(chr, missing))))
    pages_using = Counter(c for codepoints in used.values() for c in codepoints)
    common = written | {c for c, n in pages_using.items()
                        if n >= COMMON_SHARE * len(used) or not split}
    fonts = outdir / "_static" / "fonts"
    source = _unpacked(NOTO_SOURCE)
    size = _subset(source, common, outdir / CHINESE_FONT)
    shutil.copy2(NOTO / "LICENSE", fonts / "noto-sans-sc-LICENSE.txt")
    written_faces = set()
    for path, html in pages.items():
        own = (every if path == outdir / "search.html" else used[path]) - common
        name = f"noto-sans-sc-{hashlib.sha1(_unicode_range(own).encode()).hexdigest()[:12]}.woff2"
        if own and name not in written_faces:
            _subset(source, own, fonts / name)
            written_faces.add(name)
        font = Path(os.path.relpath(fonts / name, path.parent)).as_posix()
        lean = _page_face(html, font, own)
        if lean != html:
            path.write_text(lean, encoding="utf-8")
            pages[path] = lean
    for stale in fonts.glob("noto-sans-sc-*.woff2"):
        if stale.name not in written_faces | {Path(CHINESE_FONT).name}:
            stale.unlink()
    logger.info("Chinese web font: %d characters; %d in the shared face (%.0f kB), the "
                "rest in %d pages' own", len(every), len(common), size / 1e3, len(written_faces))


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
    pages = {page: page.read_text(encoding="utf-8") for page in own_pages(outdir)}
    _chinese_font(outdir, pages, split=app.builder.name != "singlehtml")
    _icon_fonts(outdir, list(pages.values()))


def setup(app):
    # after offline_html's build-finished handler, which marks the Chinese runs
    app.connect("build-finished", _cut_fonts, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
