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

from conftest import HTML, ROOT
from tools import output_labels
from tools.i18n import (
    CATALOGS,
    OUTPUTS,
    PENDING,
    compare,
    messages,
    problems,
    read,
    search_words,
    term_table,
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


# --- figures, printed outputs and widgets (tools/output_labels.py) ---------------------

def test_output_lines_are_looked_up_with_their_numbers_taken_out():
    """A line's entry has its numbers as {} (not those inside names such as W1, GPT-2's
    "GPT" or log10), literal braces doubled; the Chinese line gets the English numbers
    back, in the order the translation asks for."""
    assert output_labels.split("loss 2.31 -> 0.5 after 1,500 steps") == (
        "loss {} -> {} after {} steps", ["2.31", "0.5", "1,500"])
    assert output_labels.split("W1: shape (2, 8), log10 -3e-05") == (
        "W1: shape ({}, {}), log10 {}", ["2", "8", "-3e-05"])
    assert output_labels.split("{'b1': '< 1e-10'}")[0] == "{{'b1': '< {}'}}"
    translator = output_labels.Translator({"{} of {} modes": "{1} 个模式中覆盖 {0} 个",
                                           "loss": "损失"})
    assert translator.line("  7 of 8 modes") == "  8 个模式中覆盖 7 个"
    assert translator.text("loss\n0.25\nbeam 3") == "损失\n0.25\nbeam 3"
    assert translator.missing == ["beam {}"]
    assert translator.line("NumPy RNN", verbatim=True) == "NumPy RNN"
    assert translator.missing == ["beam {}"]          # quoted text is not asked for


def test_a_translation_must_put_back_every_number_once():
    same = output_labels.same_numbers
    assert same("{} of {} modes", "{} 个模式中的 {} 个")
    assert same("{} of {} modes", "{1} 个模式中覆盖 {0} 个")
    assert not same("{} of {} modes", "{} 个模式")
    assert not same("{} of {} modes", "{1} 个模式中覆盖 {} 个")      # numbered and not
    assert not same("{} of {} modes", "{1} 个模式中覆盖 {1} 个")
    assert same("{{'W1': {}}}", "{{'W1': {}}}")


def test_html_outputs_translate_words_and_labels_but_not_scripts():
    translator = output_labels.Translator({"unit {}, the one": "单元 {}，那个",
                                           "Play": "播放", "frame": "帧"})
    page = ('<p><b>unit 113, the one</b></p><span>e</span>'
            '<button aria-label="Play">▶</button><input aria-label="frame">'
            '<script>var frame = "Play";</script>')
    assert translator.html(page) == (
        '<p><b>单元 113，那个</b></p><span>e</span>'
        '<button aria-label="播放">▶</button><input aria-label="帧">'
        '<script>var frame = "Play";</script>')


def _notebook(tags, text, widget_text):
    state = {"out": {"model_name": "OutputModel", "state": {"outputs": [
                 {"output_type": "stream", "name": "stdout", "text": widget_text}]}},
             "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_out"],
                                                          "description": "seed"}}}
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": "box"}}
    return {"cells": [{"cell_type": "code", "metadata": {"tags": tags}, "source": "",
                       "outputs": [{"output_type": "stream", "text": text},
                                   {"output_type": "display_data", "metadata": {},
                                    "data": view}]}],
            "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json":
                                     {"state": state}}}}


def test_quoted_outputs_stay_as_written_and_widgets_are_translated():
    """A cell tagged verbatim-output, and the widgets it shows, keep the lines the table
    lacks (a sample of Shakespeare) and are not asked to translate them; its labels, and
    every widget's description, are translated."""
    entries = {"--- temperature {} ---": "--- 温度 {} ---", "seed": "种子"}
    nb = _notebook([output_labels.VERBATIM], "--- temperature 0.5 ---\nROMEO:\n",
                   "JULIET:\nGood night")
    translator = output_labels.Translator(entries)
    translator.notebook(nb)
    assert nb["cells"][0]["outputs"][0]["text"] == "--- 温度 0.5 ---\nROMEO:\n"
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert state["box"]["state"]["description"] == "种子"
    assert translator.missing == []
    untagged = _notebook([], "ROMEO:\n", "JULIET:")
    assert output_labels.entries_of(untagged) == ["ROMEO:", "JULIET:", "seed"]


def test_a_figure_drawn_with_an_older_translation_fails_the_check():
    nb = {"cells": [{"cell_type": "code", "outputs": [{
        "output_type": "display_data", "data": {"image/png": "..."},
        "metadata": {output_labels.KEY: {"labels": [["loss", "损失"]],
                                         "missing": ["epoch"]}}}]}]}
    found = output_labels.stale_pictures(nb, {"loss": "损失函数"})
    assert any("'epoch'" in line for line in found)
    assert any("'损失函数'" in line for line in found)
    assert output_labels.stale_pictures(nb, {"loss": "损失", "epoch": "迭代周期"}) == [
        "no translation for the figure label 'epoch'"]


def test_chinese_pages_show_chinese_figures_and_outputs(pages):
    """Chapter 08 in Chinese: its printed tables and its figures are the Chinese ones
    (the pictures differ from the English page's), and the lines quoted from the model
    stay English; the widget's label is Chinese."""
    english, chinese = (_english(pages)["chapters/08_char_rnn.html"],
                        _chinese(pages)["chapters/08_char_rnn.html"])
    outputs = [div.get_text() for div in chinese.select("div.cell_output")
               if not div.find_parent(class_=f"tag_{output_labels.VERBATIM}")]
    text = "\n".join(outputs)
    assert "奈特/字符" in text and "nats/char" not in text, text[:500]
    quoted = chinese.select(f".tag_{output_labels.VERBATIM} div.cell_output")
    assert "ROMEO:" in "\n".join(div.get_text() for div in quoted)

    def pictures(soup):
        return [img["src"] for img in soup.select("div.cell_output img")]

    assert len(pictures(english)) == len(pictures(chinese)) >= 3
    assert set(pictures(english)).isdisjoint(pictures(chinese))


# --- typography of the Chinese edition --------------------------------------------------

# what is not prose: code, maths, roles, HTML, link targets, fences and directives
NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|\{[a-z:-]+\}`[^`]*`|"
                       r"<[^>]*>|\]\([^)]*\)|\(https?:[^)]*\)|^:::.*$", re.S | re.M)


def _translations():
    """(page, English, Chinese) for every translated prose entry of the pages' catalogs
    (the outputs' catalog holds program output, which keeps its own quotes)."""
    for path in sorted(CATALOGS.rglob("*.po")):
        page = path.relative_to(CATALOGS).with_suffix("").as_posix()
        if page == OUTPUTS:
            continue
        for message in messages(read(page)):
            if message.string and message.string != message.id:
                yield page, message.id, NOT_PROSE.sub(" ", message.string)


def test_bold_glosses_have_one_form():
    """A term is glossed as **中文**（English）, the English outside the bold."""
    wrong = [f"{page}: {found}" for page, _, text in _translations()
             for found in re.findall(r"\*\*[^*\n]*[\u4e00-\u9fff][^*\n]*（[^）\n]*）\*\*", text)]
    assert not wrong, "\n".join(wrong[:20])


def test_chinese_quotation_marks():
    """Chinese prose quotes with “”, the article's sentences included: no straight
    double quote outside code, maths and markup, and no corner brackets."""
    wrong = [f"{page}: {text[:80]}" for page, _, text in _translations()
             if re.search(r'["「」]', text)]
    assert not wrong, "\n".join(wrong[:20])
    opened = [f"{page}: {text[:80]}" for page, _, text in _translations()
              if text.count("“") != text.count("”")]
    assert not opened, "\n".join(opened[:20])


def test_no_nested_full_width_parentheses():
    wrong = []
    for page, _, text in _translations():
        depth = 0
        for character in text:
            depth += {"（": 1, "）": -1}.get(character, 0)
            if depth > 1:
                wrong.append(f"{page}: {text[:80]}")
                break
    assert not wrong, "\n".join(wrong[:20])


# --- the term table (terms.md) ------------------------------------------------------------

# Terms with an everyday sense too ("compute" the verb, a Jupyter "kernel", a "step" of a
# proof, a "batch" of submissions), or that the English names in several ways: their
# Chinese form is the table's, but a sentence that uses the English word need not.
EVERYDAY = {"activation", "batch", "compute", "kernel", "sample", "step",
            "unit", "layer", "loss", "label", "window", "bias", "neural network",
            "reconstruction", "bigram", "n-gram", "critic", "caption", "channel",
            "correlation", "sequence", "probability", "mode", "head", "gate", "context",
            "noise", "density", "variance", "validation", "mixture", "parameter", "weight",
            "gradient", "vocabulary", "query", "key", "regression", "convolution",
            "entropy", "temperature", "interpretable", "embedding", "deep learning",
            "distortion", "language model", "test set", "adversarial", "backward pass",
            "optimizer", "epoch", "latent variable", "generative model", "hidden state",
            "convolutional neural network", "bits per character", "exploding gradients"}
# what a sentence names without using the term: code, maths, titles in italics, roles,
# quotations (the article's among them) and links
NOT_USED = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|"
                      r"(?<!\*)\*(?!\*)[^*\n]+(?<!\*)\*(?!\*)|\{[a-z:]+\}`[^`]*`|"
                      r"“[^”]*”|「[^」]*」|\"[^\"]*\"|\[[^\]]*\]\([^)]*\)|"
                      r"^\*\*The article says:\*\*.*", re.S)


def _english_chapters() -> list[tuple[str, str]]:
    """(number, English text) of each chapter, whitespace folded."""
    found = []
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"]
                             if cell["cell_type"] == "markdown")
        found.append((path.name[:2], re.sub(r"\s+", " ", text)))
    return found


def _term(english: str) -> re.Pattern:
    """The term as a word, with a plural; case matters for names such as Adam."""
    return re.compile(rf"(?<![\w-]){re.escape(english)}(?:s|es)?(?![\w-])",
                      re.I if english.islower() else 0)


def test_term_table_lists_150_terms_at_the_chapter_that_first_uses_each():
    rows = term_table()
    assert len(rows) >= 150 and len({english for english, *_ in rows}) == len(rows)
    chapters = _english_chapters()
    wrong = []
    for english, chinese, first, d2l in rows:
        assert chinese and d2l != chinese, english
        used = next((number for number, text in chapters if _term(english).search(text)),
                    None)
        if used != first:
            wrong.append(f"{english}: first used in chapter {used}, the table says {first}")
    assert not wrong, "\n".join(wrong)


def test_catalogs_use_the_term_table():
    """A Chinese sentence whose English uses a term of the table (not in code, a title, a
    quotation or a link) uses the table's Chinese form; no sentence uses d2l-zh's form
    where the table gives another, nor the forms the edition gave up."""
    replaced = {"隐藏状态": "隐状态", "随时间反向传播": "通过时间反向传播", "批大小": "批量大小",
                "细胞": "记忆元", "模式坍缩": "模式崩溃", "池化": "汇聚", "层归一化": "层规范化"}
    wrong = []
    for page, english, chinese in _translations():
        used = NOT_USED.sub(" ", english)
        for term, form, _, d2l in term_table():
            if term not in EVERYDAY and form not in chinese and _term(term).search(used):
                wrong.append(f"{page}: '{term}' without '{form}': {chinese[:60]}")
            if d2l and d2l in chinese and d2l not in english:
                wrong.append(f"{page}: d2l-zh's '{d2l}' for '{term}' (the book: {form})")
        wrong += [f"{page}: '{old}' (the edition writes '{new}'): {chinese[:60]}"
                  for old, new in replaced.items() if old in chinese and old not in english]
    assert not wrong, "\n".join(wrong[:30])


def test_search_knows_every_chinese_term_of_the_table():
    words = set(search_words())
    missing = [chinese for _, chinese, _, _ in term_table()
               if HAN.search(chinese) and re.fullmatch(r"[\u4e00-\u9fff]{2,12}", chinese)
               and chinese not in words]
    assert not missing, missing


def test_html_outputs_keep_option_values_and_bilingual_text():
    """A menu's options are values a script reads, and chapter 02's neuron explorer
    carries both languages itself: neither is translated."""
    translator = output_labels.Translator({"identity": "恒等函数", "bias b": "偏置 b"})
    page = ('<span class="dlbook-en">bias b</span><span class="dlbook-zh">偏置 b</span>'
            '<select><option>identity</option></select><p>identity</p>')
    assert translator.html(page) == page.replace("<p>identity", "<p>恒等函数")
