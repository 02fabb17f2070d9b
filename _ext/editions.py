"""The book's two editions, English and Chinese (registered in _config.yml).

The Chinese edition is the same sources built with `language: zh_CN` and the catalogs
under locales/ (tools/i18n.py), served from `zh/` inside the English build. This
extension links each page to the same page in the other edition:

- a button in every page's header, 中文 on English pages and EN on Chinese ones (as
  short as 中文: a phone's header has room for no more), that opens the other edition's
  page in the same tab;
- `<link rel="alternate" hreflang=...>` in the page's head, for search engines and
  browsers that offer a reader's own language.

On a Chinese page whose translation is not finished (tools/i18n.py's PENDING), a notice
says that the paragraphs still in English are waiting for their translation. Each
chapter ends with a link, in its edition's language, to discuss it or report a problem.
Each page's footer gives the date its text last changed: the last commit to its source,
or, in the Chinese edition, to its source or its catalog. The Chinese search index lists
every page under each of the book's terms it uses.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
from os import path
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.i18n import docname_to_domain

BUTTON_CLASS = "btn-language-switch"
NOTICE = ('<div class="admonition note translation-pending" lang="zh-Hans">'
          '<p class="admonition-title">翻译进行中</p><p>本页尚未译完：'
          '仍是英文的段落正在翻译，内容与英文版相同。</p></div>')


def own_pages(outdir: Path):
    """The pages of the edition being built: the English build leaves zh/ alone (it holds
    the Chinese edition, which tools/i18n.py builds on its own and copies in)."""
    for page in Path(outdir).rglob("*.html"):
        if page.relative_to(outdir).parts[0] != "zh":
            yield page


def _chinese(app) -> bool:
    return (app.config.language or "").startswith("zh")


def _link(app, pagename, templatename, context, doctree):
    up = "../" * pagename.count("/")
    if _chinese(app):
        url, text, tooltip, lang = (f"{up}../{pagename}.html", "EN",
                                    "Read this page in English", "en")
    else:
        url, text, tooltip, lang = (f"{up}zh/{pagename}.html", "中文",
                                    "阅读本页的中文版", "zh-Hans")
    context.setdefault("header_buttons", []).append(
        {"type": "link", "url": url, "text": text, "tooltip": tooltip,
         "icon": "fas fa-language", "label": "language-switch"})
    context["metatags"] = (context.get("metatags", "")
                           + f'\n<link rel="alternate" hreflang="{lang}" href="{url}" />')
    if _chinese(app) and pagename in app.config.dlbook_pending_pages and "body" in context:
        context["body"] = NOTICE + context["body"]
    repository = app.config.html_theme_options.get("repository_url")
    if pagename.startswith("chapters/") and repository and "body" in context:
        context["body"] += _discuss(repository, pagename, context.get("title", ""),
                                    _chinese(app))


def _last_updated(app, pagename, templatename, context, doctree):
    if doctree is None:          # the index and search pages have no source of their own
        return
    files = [app.env.doc2path(pagename)]
    if _chinese(app):
        for locale_dir in app.config.locale_dirs:
            files.append(Path(app.srcdir, locale_dir, app.config.language, "LC_MESSAGES",
                              f"{docname_to_domain(pagename, app.config.gettext_compact)}.po"))
    try:
        date = subprocess.run(["git", "log", "-1", "--format=%cs", "--", *map(str, files)],
                              cwd=app.srcdir, capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:    # no git: the theme leaves the date out
        return
    # (a page not yet committed, or sources outside a repository: no date)
    context["last_updated"] = date or None


def _discuss(repository: str, pagename: str, title: str, chinese: bool) -> str:
    """The end of a chapter: where to discuss it or report a problem, as d2l's chapters
    link their forum (a new issue in the book's repository, titled after the chapter)."""
    issue = quote(f"{html.unescape(re.sub('<[^>]+>', '', title))} ({pagename})")
    link = f"{repository.rstrip('/')}/issues/new?title={issue}"
    if chinese:
        return (f'<p class="dlbook-discuss"><a href="{link}">讨论本章或报告问题'
                "</a>：在本书的 GitHub 仓库里新建一个问题（issue）。</p>")
    return (f'<p class="dlbook-discuss"><a href="{link}">Discuss this chapter or report a '
            "problem</a>: open an issue in the book's GitHub repository.</p>")


def _catalog(transform: SphinxTransform, docname: str | None = None):
    """The catalog of the page (``docname``, or the one being read), as Sphinx's own
    translation step loads it (None: none)."""
    domain = docname_to_domain(docname or transform.env.docname,
                               transform.config.gettext_compact)
    dirs = [path.join(transform.env.srcdir, d) for d in transform.config.locale_dirs]
    catalog, found = init_locale(dirs, transform.config.language, domain)
    return catalog if found else None


class TranslateTocCaptions(SphinxTransform):
    """Translate the part captions of _toc.yml. sphinx-external-toc inserts its toctrees
    (priority 100) after Sphinx has translated the page (priority 20), so their captions,
    although extracted into the catalog, would stay English."""
    default_priority = 101

    def apply(self, **kwargs) -> None:
        catalog = _catalog(self) if _chinese(self.app) else None
        for toctree in self.document.findall(addnodes.toctree) if catalog else ():
            if toctree.get("caption"):
                toctree["caption"] = toctree["rawcaption"] = catalog.gettext(toctree["caption"])


class TranslateExerciseTitles(SphinxTransform):
    """Translate exercise titles. sphinx-exercise makes them without a source, which Sphinx
    takes for a built-in text and neither extracts nor translates; tools/i18n.py adds them
    to the catalogs from the sources, and this puts their translations in."""
    default_priority = 21

    def apply(self, **kwargs) -> None:
        catalog = _catalog(self) if _chinese(self.app) else None
        for node in self.document.findall(nodes.subtitle) if catalog else ():
            if type(node).__name__ == "exercise_subtitle":
                translated = catalog.gettext(node.astext())
                node.clear()
                node += nodes.Text(translated)


class TranslateSolutionTitles(SphinxPostTransform):
    """Translate the exercise titles inside solution titles. sphinx-exercise titles a
    solution after its exercise from a copy of the exercise it made while reading, before
    TranslateExerciseTitles ran; translate the copies just before it builds the
    solutions' titles (its ResolveTitlesInSolutions has priority 21)."""
    default_priority = 20

    def run(self, **kwargs) -> None:
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for entry in registry.values() if _chinese(self.app) else ():
            title = entry["node"].children[0] if entry["node"].children else None
            if (type(title).__name__ != "exercise_title" or len(title.children) < 2
                    or entry.get("translated")):
                continue
            subtitle, catalog = title.children[1], _catalog(self, entry["docname"])
            if type(subtitle).__name__ == "exercise_subtitle" and catalog:
                translated = catalog.gettext(subtitle.astext())
                subtitle.clear()
                subtitle += nodes.Text(translated)
            entry["translated"] = True


def _article_text(page: Path) -> str:
    """The text of a built page's article, scripts and styles aside."""
    text = page.read_text(encoding="utf-8")
    start, end = text.find("<article"), text.rfind("</article>")
    if start < 0:
        return ""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", text[start:end], flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def _complete_search_index(app, exception):
    """A search for one of the book's terms finds every Chinese page that uses it. jieba
    splits a term inside a longer word of its dictionary only into two- and
    three-character parts (cut_for_search), and Sphinx's search looks for partial matches
    only when a term is missing altogether: 反向传播 would not find the pages that say
    随时间反向传播. Add each page whose article holds a term of the dictionary
    tools/i18n.py passes (html_search_options["dict"]) to that term's entry."""
    if exception is not None or not _chinese(app) or app.builder.format != "html":
        return
    words_file = app.config.html_search_options.get("dict")
    index_file = Path(app.outdir) / "searchindex.js"
    if not words_file or not index_file.exists():
        return
    words = [line.split()[0] for line in Path(words_file).read_text(encoding="utf-8")
             .splitlines() if line.strip()]
    text = index_file.read_text(encoding="utf-8")
    head, tail = text.index("(") + 1, text.rindex(")")
    index = json.loads(text[head:tail])
    for number, docname in enumerate(index["docnames"]):
        article = _article_text(Path(app.outdir) / f"{docname}.html")
        for word in (w for w in words if w in article):
            entry = index["terms"].get(word, [])
            entry = {entry} if isinstance(entry, int) else set(entry)
            index["terms"][word] = sorted(entry | {number})
    index_file.write_text(text[:head] + json.dumps(index, ensure_ascii=False,
                                                   separators=(",", ":")) + text[tail:],
                          encoding="utf-8")


def _same_tab(app, exception):
    """The theme opens every header link in a new tab; the language switch should not."""
    if exception is not None or app.builder.format != "html":
        return
    for page in own_pages(app.outdir):
        html = page.read_text(encoding="utf-8")
        fixed = html.replace(f'target="_blank"\n   class="btn btn-sm {BUTTON_CLASS}"',
                             f'class="btn btn-sm {BUTTON_CLASS}"')
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    # the Chinese pages whose translation is not finished: tools/i18n.py's PENDING,
    # which it passes in the Chinese edition's config
    app.add_config_value("dlbook_pending_pages", [], "env")
    # after the theme has made its header buttons (sphinx-book-theme: priority 501)
    app.connect("html-page-context", _link, priority=550)
    app.connect("html-page-context", _last_updated)
    app.connect("build-finished", _same_tab, priority=400)
    app.connect("build-finished", _complete_search_index, priority=400)
    app.add_transform(TranslateTocCaptions)
    app.add_transform(TranslateExerciseTitles)
    app.add_post_transform(TranslateSolutionTitles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
