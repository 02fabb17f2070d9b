"""The Chinese edition (tools/i18n.py): complete and current catalogs, a built page for
every English page, language switches that land on the same page, Chinese interface
texts, a Chinese search index, and the glossary's terms used wherever they are linked.
(test_browser.py opens every English page and a sample of the Chinese ones in Chromium;
BOOK_ZH_PAGES=all opens them all.)"""
from __future__ import annotations

import json
import re

import pytest
from babel.messages.catalog import Catalog
from bs4 import BeautifulSoup

from conftest import HTML
from tools.i18n import (
    CATALOGS,
    PENDING,
    compare,
    messages,
    problems,
    read,
    search_words,
)

ZH = HTML / "zh"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _edition(pages, root):
    """The edition's pages (not index.html, a bare redirect), by path from its root."""
    return {path.relative_to(root).as_posix(): soup for path, soup in pages.items()
            if soup.html and (path.relative_to(HTML).parts[0] == "zh") == (root == ZH)}


def _english(pages):
    return _edition(pages, HTML)


def _chinese(pages):
    return _edition(pages, ZH)


def test_catalogs_are_complete_and_current():
    """A changed English sentence, an untranslated or fuzzy entry, or a finished page still
    in PENDING each fails here, naming the catalog and the command that helps."""
    found = problems()
    assert not found, "\n".join(found[:40])


def test_a_changed_english_sentence_fails_the_check():
    """The check itself, on a page whose English has changed since it was translated: the
    message names the catalog and the command that refreshes it; after the refresh the
    entry is fuzzy, and after translating it the catalog is clean again."""
    template, catalog = Catalog(), Catalog(locale="zh_CN")
    template.add("Backpropagation computes gradients.")
    catalog.add("Backpropagation computes the gradients.", "反向传播计算梯度。")
    found = compare("errata", template, catalog)
    assert any("locales/zh_CN/LC_MESSAGES/errata.po" in line and
               "python -m tools.i18n update" in line for line in found), found
    catalog.update(template, no_fuzzy_matching=False)    # what `update` does
    assert catalog["Backpropagation computes gradients."].fuzzy
    assert any("fuzzy" in line for line in compare("errata", template, catalog))
    catalog["Backpropagation computes gradients."].flags.discard("fuzzy")
    assert compare("errata", template, catalog) == []
    catalog["Backpropagation computes gradients."].string = ""
    assert any("untranslated" in line for line in compare("errata", template, catalog))


def test_every_english_page_has_a_chinese_page(pages):
    english, chinese = _english(pages), _chinese(pages)
    assert len(english) > 15
    assert set(english) <= set(chinese), sorted(set(english) - set(chinese))[:5]
    for page, soup in chinese.items():
        assert soup.html["lang"] == "zh-CN", page
    for page, soup in english.items():
        assert soup.html["lang"] == "en", page


def _switch(soup):
    links = soup.select("a.btn-language-switch")
    assert len(links) == 1, "no language switch, or more than one"
    return links[0]


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_language_switch_leads_to_the_same_page(pages, edition):
    """Each page's switch opens, in the same tab, the page of the other edition at the same
    path; its <link rel=alternate> agrees with it."""
    here = _english(pages) if edition == "en" else _chinese(pages)
    base = HTML if edition == "en" else ZH
    other = ZH if edition == "en" else HTML
    for page, soup in here.items():
        link = _switch(soup)
        assert not link.get("target"), f"{page}: the switch opens a new tab"
        target = ((base / page).parent / link["href"]).resolve()
        assert target == (other / page).resolve(), f"{page}: {link['href']}"
        assert target.exists(), f"{page}: {link['href']} does not exist"
        alternate = soup.select_one('link[rel="alternate"][hreflang]')
        assert alternate["href"] == link["href"], page
        assert link.get_text(strip=True) == ("中文" if edition == "en" else "EN")


def test_untranslated_pages_say_so(pages):
    chinese = _chinese(pages)
    for page, soup in chinese.items():
        name = page.removesuffix(".html")
        notice = soup.select(".translation-pending")
        assert bool(notice) == (name in PENDING), name


def _article_text(soup) -> str:
    return soup.select_one("article").get_text(" ", strip=True)


def test_translated_pages_read_in_chinese(pages):
    """On every finished page, the prose (code cells, maths, notes and scripts left out)
    has more than a third as many Chinese characters as Latin letters (a Chinese character
    says about as much as an English word; titles of papers, names and code names stay
    as they are). An untranslated page has a few per cent."""
    for page, soup in _chinese(pages).items():
        if page in ("genindex.html", "search.html"):
            continue
        article = BeautifulSoup(str(soup.select_one("article")), "html.parser")   # a copy
        for hidden in article.select("div.cell, pre, .math, script, aside.footnote, "
                                     ".footnote-list, code, [class*=citation], "
                                     "[class*=bibliography]"):
            hidden.decompose()
        text = article.get_text(" ", strip=True)
        han, latin = len(HAN.findall(text)), len(re.findall(r"[A-Za-z]", text))
        translated = page.removesuffix(".html") not in PENDING
        assert (3 * han > latin) == translated, f"{page}: {han} Chinese, {latin} Latin"


@pytest.mark.parametrize("root", [HTML, ZH])
def test_no_emphasis_marker_or_maths_is_left_as_text(pages, root):
    """Markdown closes `**` only where the character before it is not punctuation or the
    one after it is: `**循环神经网络（RNN）**一次` stays literal text. Code, maths and
    scripts aside, no page of either edition may show a `**`, a `*` against Chinese, or a
    `$` (a formula that was not parsed as one; the browser tests typeset a sample)."""
    for page, soup in _edition(pages, root).items():
        article = BeautifulSoup(str(soup.select_one("article")), "html.parser")   # a copy
        for hidden in article.select("pre, code, .math, script, aside.footnote, "
                                     ".footnote-list, [class*=citation]"):
            hidden.decompose()   # (references come from references.bib, not Markdown)
        text = article.get_text(" ")
        assert "**" not in text, f"{page}: {text[text.index('**') - 40:][:100]!r}"
        stray = re.search(r".{0,30}([\u4e00-\u9fff）]\*|\*[\u4e00-\u9fff（]|\$).{0,30}", text)
        assert not stray, f"{page}: {stray[0]!r}"


def test_interface_texts_are_chinese(pages):
    soup = _chinese(pages)["chapters/02_concepts.html"]
    text = soup.get_text(" ", strip=True)
    assert "上一页" in text and "下一页" in text, "theme's previous/next links"
    assert re.search(r"图 2\.1", text), "figure numbers"
    titles = [t.get_text(" ", strip=True) for t in soup.select(".admonition-title")]
    assert any(t.startswith("勘误") for t in titles), "erratum boxes"
    assert any(t.startswith("练习") for t in titles), "exercises (sphinx-exercise)"
    english = _english(pages)["chapters/02_concepts.html"].get_text(" ", strip=True)
    assert "Fig. 2.1" in english and "Exercise 2.1" in english


def test_solutions_carry_their_exercises_translated_titles(pages):
    # sphinx-exercise titles a solution after its exercise, from a copy of it made before
    # the translation (_ext/editions.py, TranslateSolutionTitles)
    checked = 0
    for page, soup in _chinese(pages).items():
        exercises = {}
        for title in soup.select("div.exercise > p.admonition-title"):
            number, _, name = title.get_text(" ", strip=True).partition(" (")
            exercises[number] = name
        for title in soup.select("div.solution > p.admonition-title"):
            text = title.get_text(" ", strip=True)
            number, _, name = text.removeprefix("解答 ").partition(" (")
            assert text.startswith("解答 ") and exercises.get(number) == name, (page, text)
            checked += 1
    assert checked >= 50


def test_search_finds_every_term_on_every_page_that_uses_it(pages):
    """Sphinx indexes Chinese text only with jieba installed, and splits it into the words
    of jieba's dictionary, to which tools/i18n.py adds the book's terms (search_words:
    the glossary's, the first-use glosses, the catalogs' bold ones), and _ext/editions.py
    completes the index where jieba's split hides one: a search for any of them finds
    every Chinese page whose article holds it."""
    text = (ZH / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    articles = {}
    for page, soup in _chinese(pages).items():
        article = soup.select_one("article")
        if article is None:
            continue
        article = BeautifulSoup(str(article), "html.parser")          # a copy
        for script in article.select("script, style"):
            script.decompose()
        articles[page.removesuffix(".html")] = article.get_text("")
    words, missed = search_words(), {}
    assert {"判别器", "梯度消失", "反向传播"} <= set(words)
    for word in words:
        found = index["terms"].get(word, [])
        found = {index["docnames"][i] for i in ([found] if isinstance(found, int) else found)}
        holding = {doc for doc, text in articles.items()
                   if doc in index["docnames"] and word in text}
        if holding - found:
            missed[word] = sorted(holding - found)
    assert not missed, missed
    assert "勘误" in index["terms"] or "更正" in index["terms"]


def _glossary(pages) -> list[tuple[str, str, str]]:
    """The English glossary's terms: (anchor, term, the entry's Chinese form) for each."""
    soup = _english(pages)["chapters/14_faq.html"]
    terms, entry = [], []
    for dl in soup.select("dl.glossary"):
        for child in dl.find_all(["dt", "dd"], recursive=False):
            if child.name == "dt":
                entry.append((child["id"], child.get_text().replace("#", "").strip()))
                continue
            chinese = [term for _, term in entry if HAN.search(term)]
            assert chinese, f"a glossary entry without its Chinese form: {entry[0][1]}"
            terms += [(anchor, term, chinese[0]) for anchor, term in entry]
            entry = []
    return terms


def test_glossary_gives_every_term_in_chinese(pages):
    chinese = {anchor: zh for anchor, _, zh in _glossary(pages)}
    assert chinese["term-neural-network"] == "神经网络"
    assert chinese["term-LSTM"] == "长短期记忆网络"
    assert len(set(chinese.values())) >= 12


def test_linked_terms_read_in_chinese(pages):
    """Wherever the Chinese edition links a term to the glossary, the link reads in the
    glossary's Chinese form of that term."""
    chinese, checked = {anchor: zh for anchor, _, zh in _glossary(pages)}, 0
    for page, soup in _chinese(pages).items():
        if page.removesuffix(".html") in PENDING or page == "genindex.html":
            continue   # (the index lists the terms as the glossary writes them)
        for link in soup.select('a[href*="#term-"]'):
            anchor = link["href"].split("#")[1]
            if anchor in chinese and "headerlink" not in link.get("class", []):
                assert chinese[anchor] in link.get_text(), f"{page}: {link}"
                checked += 1
    assert checked >= 3


def test_translations_use_the_glossary_terms(pages):
    """A translated sentence that names a glossary term in English (in lower case, singular
    or plural) names it with the glossary's Chinese form. Abbreviations such as 'RNN', and
    titles such as 'Recurrent Neural Networks for Language Modeling', may stay."""
    pairs = {term: zh for _, term, zh in _glossary(pages)
             if not HAN.search(term) and (term.islower() or " " in term)}
    assert pairs["backpropagation"] == "反向传播" and len(pairs) >= 10, pairs
    wrong = []
    for path in sorted(CATALOGS.rglob("*.po")):
        page = path.relative_to(CATALOGS).with_suffix("").as_posix()
        for message in messages(read(page)):
            if not message.string or message.string == message.id:
                continue
            for term, zh in pairs.items():
                if re.search(rf"\b{re.escape(term)}s?\b", message.id) and \
                        zh not in message.string:
                    wrong.append(f"{page}: '{term}' without '{zh}': {message.string[:60]}")
    assert not wrong, "\n".join(wrong[:30])
