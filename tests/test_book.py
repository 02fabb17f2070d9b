"""Build the book with warnings as errors, then check the HTML it produced."""
import re
import subprocess
from urllib.parse import unquote, urlparse

import pytest
from bs4 import BeautifulSoup

from conftest import HTML, ROOT
from tools.notebooks import repository_url, toc_files


def test_build_has_no_warnings(build_log):
    warnings = [line for line in build_log.splitlines() if re.search(r"WARNING|ERROR", line)]
    assert not warnings, "\n".join(warnings)


def test_every_toc_entry_has_its_page(pages):
    for entry in toc_files():
        page = HTML / f"{entry}.html"
        assert page in pages, f"{entry} has no page in the build"
        assert pages[page].find("h1"), f"{page} has no title"


def test_every_page_has_the_books_icon(pages):
    # browsers ask every page's site for an icon: without one each visit logs a 404
    for path, soup in pages.items():
        if soup.find("meta", attrs={"http-equiv": "Refresh"}):
            continue                                   # index.html: a redirect, no page
        icon = soup.find("link", rel="icon")
        assert icon, f"{path.relative_to(HTML)} names no icon"
        assert (path.parent / icon["href"]).resolve().name == "favicon.svg"


def test_every_chapter_ends_with_where_to_discuss_it(pages):
    chapters = [(p, s) for p, s in pages.items() if p.parent.name == "chapters"]
    assert len(chapters) == 2 * 15
    for path, soup in chapters:
        link = soup.select_one("article p.dlbook-discuss a")
        assert link, path
        assert link["href"].startswith(f"{repository_url()}/issues/new?")
        assert path.stem in link["href"]
        assert ("讨论本章" if "zh" in path.parts else "Discuss this chapter") in link.text


@pytest.mark.parametrize("edition", ["", "zh/"])
def test_every_page_says_when_its_text_last_changed(pages, edition):
    for entry in toc_files():
        notebook = ROOT / f"{entry}.ipynb"
        sources = [notebook if notebook.exists() else notebook.with_suffix(".md")]
        if edition:
            sources.append(ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / f"{entry}.po")
        date = subprocess.run(["git", "log", "-1", "--format=%cs", "--", *map(str, sources)],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        footer = pages[HTML / edition / f"{entry}.html"].select_one("footer p.last-updated")
        assert footer and re.search(r"\d{4}-\d\d-\d\d", footer.text)[0] == date, entry


def test_no_broken_internal_links(pages):
    broken = []
    for path, soup in pages.items():
        for tag in soup.find_all(["a", "img", "link", "script"]):
            url = tag.get("href") or tag.get("src")
            if not url or urlparse(url).scheme or url.startswith(("//", "mailto:")):
                continue
            if url == "karpathy-ideas.pdf":
                continue   # printed after the build by tools/pdf.py; test_pdf.py checks it
            parsed = urlparse(url)
            target_path, anchor = parsed.path, parsed.fragment
            target = (path.parent / unquote(target_path)).resolve() if target_path else path
            if not target.exists():
                broken.append(f"{path.relative_to(HTML)} -> {url}")
            elif anchor and target.suffix == ".html":
                soup_t = pages.get(target) or BeautifulSoup(target.read_text(), "html.parser")
                if not soup_t.find(id=anchor):
                    broken.append(f"{path.relative_to(HTML)} -> {url} (no #{anchor})")
    assert not broken, "\n".join(broken)


def test_concepts_page_shows_widgets_figures_and_errata(pages):
    soup = pages[HTML / "chapters" / "02_concepts.html"]
    # the saved widget state in a script of its own, loaded when a widget comes near
    state = soup.find("script", type="application/vnd.jupyter.widget-state+json")
    assert state and not state.string
    assert (HTML / "chapters" / state["data-src"]).read_text().startswith("dlbookWidgetState({")
    assert soup.find("script", type="application/vnd.jupyter.widget-view+json")
    # the neuron explorer is the page's own: its markup and the script that draws it
    neuron = soup.select_one("div.dlbook-neuron")
    assert neuron and neuron.find("canvas") and neuron.find_next("script")
    assert "getElementById(\"" + neuron["id"] in neuron.find_next("script").string
    figures = soup.find_all("figure")
    assert len(figures) >= 6 and all(f.find("figcaption") for f in figures)
    assert all(img.get("alt") for f in figures for img in f.find_all("img"))
    assert len(soup.select("div.admonition.erratum")) >= 5
    assert "判别器" in soup.get_text()
    assert soup.select("a[href*='colab.research.google.com']"), "no Colab launch button"


# chapter -> (figures, errata and numbered equations it must show, animation?)
CHAPTER_PAGES = {
    "03_neural_networks": (5, 5, ("eq-forward", "eq-delta", "eq-grad", "eq-update"), True),
    "04_rnn": (4, 6, ("eq-rnn-step", "eq-bptt", "eq-bptt-grads", "eq-jacobian-product"),
               False),
    "05_vae": (5, 5, ("eq-elbo-gap", "eq-elbo", "eq-reparam", "eq-kl"), False),
    "06_gan": (5, 4, ("eq-value", "eq-loss-d", "eq-loss-g-ns", "eq-dstar", "eq-js",
                      "eq-grad-d", "eq-grad-g"), True),
    "07_project_sequences": (2, 4, (), False),
    "08_char_rnn": (1, 0, (), False),
    "09_cnn": (3, 0, ("eq-conv", "eq-output-size", "eq-conv-grad-b", "eq-conv-grad-w",
                      "eq-conv-grad-x"), False),
    "10_gpt": (2, 1, ("eq-attention", "eq-variance", "eq-block", "eq-attention-backward",
                      "eq-layernorm-backward"), False),
    "11_applications": (2, 4, ("eq-captioner", "eq-caption-loss", "eq-captioner-dv"),
                        False),
}


@pytest.mark.parametrize("chapter", sorted(CHAPTER_PAGES))
def test_model_chapter_shows_figures_widget_equations_and_errata(pages, chapter):
    n_figures, n_errata, equations, animated = CHAPTER_PAGES[chapter]
    soup = pages[HTML / "chapters" / f"{chapter}.html"]
    if chapter != "07_project_sequences":          # the project chapter has no widget
        assert soup.find("script", type="application/vnd.jupyter.widget-view+json")
    if animated:
        assert soup.select("div.animation"), "the animation (slider player) is missing"
    figures = soup.find_all("figure")
    assert len(figures) >= n_figures and all(f.find("figcaption") for f in figures)
    assert all(img.get("alt") for f in figures for img in f.find_all("img"))
    assert len(soup.select("div.admonition.erratum")) >= n_errata
    for label in equations:
        assert soup.find(id=f"equation-{label}"), f"equation {label} is not numbered"
        assert soup.select(f"a[href='#equation-{label}']"), f"{label} is never referenced"


CODE_CHAPTERS = sorted(["01_karpathy", "02_concepts", *CHAPTER_PAGES, "12_resources",
                        "13_future"])


@pytest.mark.parametrize("chapter", CODE_CHAPTERS)
def test_code_chapter_ends_with_numbered_exercises_and_folded_solutions(pages, chapter):
    soup = pages[HTML / "chapters" / f"{chapter}.html"]
    exercises = soup.select("div.exercise.admonition")
    assert len(exercises) >= 3
    # numbered per chapter (Exercise 5.1, 5.2, ...), so each number names one exercise
    numbers = [e.select_one(".caption-number").get_text(strip=True).split()[-1]
               for e in exercises]
    assert numbers == [f"{int(chapter[:2])}.{i}" for i in range(1, len(exercises) + 1)]
    assert all(e.get("id", "").startswith(f"ex-{chapter[:2]}-") for e in exercises)
    solutions = soup.select("div.solution.admonition")
    assert len(solutions) == len(exercises)
    assert all("dropdown" in s["class"] for s in solutions), "a solution is not folded"
    solved = [s.select_one(".admonition-title a")["href"] for s in solutions]
    assert solved == [f"#{e['id']}" for e in exercises], "each exercise, one solution, in order"
    # the exercises close the chapter: nothing but the references comes after them
    section = exercises[0].find_parent("section")
    assert section.get("id") == "exercises"
    assert [s.get("id") for s in section.find_next_siblings("section")] == ["references"]


def test_instructor_guide_links_every_assignment_on_colab(pages):
    from tools.notebooks import repository_url

    soup = pages[HTML / "instructors.html"]
    colab = "https://colab.research.google.com/github/"
    links = {a["href"] for a in soup.select(f"a[href^='{colab}']")}
    repository = repository_url().removeprefix("https://github.com/")
    expected = {f"{colab}{repository}/blob/main/assignments/student/{name}/{name}.ipynb"
                for name in sorted(p.name for p in (ROOT / "assignments" / "student").iterdir())}
    assert len(expected) == 10 and links == expected
    for chapter in ("03_neural_networks", "04_rnn", "05_vae", "06_gan", "07_project_sequences",
                    "08_char_rnn", "09_cnn", "10_gpt"):
        assert soup.select(f"a[href$='chapters/{chapter}.html']"), chapter
    text = soup.get_text()
    for step in ("make assignments", "tools/grading.py", "grades.csv", "bubblewrap",
                 "What is and is not protected"):
        assert step in text


def test_every_notebook_chapter_is_a_code_chapter_with_exercises():
    notebooks = sorted(p.stem for p in (HTML.parent.parent / "chapters").glob("*.ipynb"))
    assert notebooks == CODE_CHAPTERS


def test_glossary_has_both_languages_and_chapters_link_to_it(pages):
    glossary = pages[HTML / "chapters" / "14_faq.html"]
    terms = {dt.get_text(strip=True).rstrip("#") for dt in glossary.select("dl.glossary dt")}
    assert {"neural network", "神经网络", "GAN", "生成对抗网络"} <= terms
    for chapter in ("02_concepts", "03_neural_networks", "04_rnn", "05_vae", "06_gan",
                    "07_project_sequences", "08_char_rnn", "09_cnn", "10_gpt",
                    "11_applications"):
        soup = pages[HTML / "chapters" / f"{chapter}.html"]
        assert soup.select("a[href*='14_faq.html#term-']"), f"{chapter} uses no glossary term"


def test_bibliography_page_lists_every_entry_of_the_bibliography(pages):
    from bibliography import entries

    page = pages[HTML / "chapters" / "15_references.html"]
    section = page.find(id="every-work-cited-in-this-book")
    listed = section.select("div.citation")
    assert len(listed) == len(entries())
    # items of an ARIA list (the offline_html extension fixes docutils' role)
    assert all(item.get("role") == "listitem" for item in listed)


@pytest.mark.parametrize("chapter", ["02_concepts", "03_neural_networks", "04_rnn", "05_vae",
                                     "06_gan", "07_project_sequences", "08_char_rnn",
                                     "09_cnn", "10_gpt", "11_applications"])
def test_figures_equations_and_exercises_are_numbered_per_chapter(pages, chapter):
    # "Fig. 5.2" is chapter 05's second figure, not the book's 22nd (_toc.yml numbers chapters)
    soup = pages[HTML / "chapters" / f"{chapter}.html"]
    n = int(chapter[:2])
    assert soup.select_one("article.bd-article h1").get_text().startswith(f"{n}. ")
    numbers = {
        "figure": [s.get_text() for s in soup.select("figcaption span.caption-number")],
        "equation": [s.get_text() for s in soup.select("span.eqno")],
        "exercise": [s.get_text() for s in soup.select(
            "div.exercise > p.admonition-title span.caption-number")]}
    assert numbers["figure"] and numbers["exercise"], numbers
    for kind, found in numbers.items():
        prefix = {"figure": "Fig. ", "equation": "(", "exercise": "Exercise "}[kind]
        expected = [f"{prefix}{n}.{i}" for i in range(1, len(found) + 1)]
        numbers = [f.replace("#", "").strip().rstrip(")") for f in found]   # "(5.1)#": anchor
        assert numbers == expected, (kind, found)


def test_the_errata_page_names_what_each_box_corrects(pages):
    links = pages[HTML / "errata.html"].select("article li a.reference")
    assert len(links) >= 40
    # each link says what the article got wrong, not only where ("article §2.1")
    assert not [a.get_text() for a in links if a.get_text().startswith("article")]
    assert "tools/errata.py" not in pages[HTML / "errata.html"].select_one("article").get_text()


# Chinese text and the fonts cut at build time (_ext/offline_html.py, _ext/web_fonts.py)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@pytest.mark.parametrize("edition", ["", "zh"])
def test_every_chinese_run_is_marked_and_the_books_font_draws_it(pages, edition):
    """In each edition (the English one at the root, the Chinese one in zh/, each with
    its own font cut to its own characters)."""
    from fontTools.ttLib import TTFont

    root = HTML / edition
    unmarked, marked = [], set()
    for path, soup in pages.items():
        if (path.relative_to(HTML).parts[0] == "zh") != bool(edition):
            continue
        for text in soup.find_all(string=HAN):
            if text.find_parent(["script", "style", "title", "textarea"]):
                continue
            if text.find_parent(lang="zh-Hans"):
                marked |= set(text)
            else:
                unmarked.append(f"{path.relative_to(HTML)}: {text.strip()[:40]!r}")
    assert not unmarked, "\n".join(unmarked)
    # the sidebar's part titles, glossary terms and errata quotations, at least
    assert len({c for c in marked if HAN.match(c)}) > 200
    fonts = root / "_static" / "fonts"
    assert "SIL OPEN FONT LICENSE" in (fonts / "noto-sans-sc-LICENSE.txt").read_text().upper()
    shared = set(TTFont(fonts / "noto-sans-sc-book.woff2").getBestCmap())
    # cut to the edition's characters, not the font's tens of thousands, and shared by
    # the pages: no page's own face holds what the shared one has
    assert len(shared) < len(marked)
    for path, soup in pages.items():
        if (path.relative_to(HTML).parts[0] == "zh") != bool(edition):
            continue
        drawn = set(shared)
        for face in re.findall(r'src: url\("([^"]+)"\)[^}]*unicode-range: ([^ }]+)',
                               "".join(style.text for style in soup.find_all("style"))):
            own = set(TTFont(path.parent / face[0]).getBestCmap())
            assert own == {int(c[2:], 16) for c in face[1].split(",")} and not own & shared
            drawn |= own
        used = {c for run in soup.find_all(lang="zh-Hans") for c in run.text if HAN.match(c)}
        missing = {c for c in used if ord(c) not in drawn}
        assert not missing, f"{path.relative_to(HTML)}: {''.join(sorted(missing))}"


def test_code_blocks_keep_their_text_without_the_spans_that_draw_nothing(pages):
    import nbformat
    from highlight import plain_classes, unwrap

    css = ('html[data-theme="light"] .highlight { background: #fff; color: #080808 }\n'
           'html[data-theme="light"] .highlight .n { color: #080808 } /* Name */\n'
           'html[data-theme="light"] .highlight .o { color: #00622F }\n'
           'html[data-theme="light"] .highlight .gp { color: #080808 }\n'
           'html[data-theme="dark"] .highlight { background: #222; color: #F8F8F2 }\n'
           'html[data-theme="dark"] .highlight .n { color: #F8F8F2 }\n'
           'html[data-theme="dark"] .highlight .o { color: #F8F8F2 }\n'   # plain when dark
           'html[data-theme="dark"] .highlight .gp { color: #F8F8F2 }\n')  # copybutton's
    assert plain_classes(css) == {"n"}
    html = ('<p><span class="n">kept</span></p><div class="highlight"><pre><span class="n">'
            'x</span> <span class="o">=</span> <span class="gp">&gt;&gt;&gt;</span></pre>')
    assert unwrap(html, {"n"}) == html.replace('<span class="n">x</span>', "x")
    # the built chapter: every code cell's source, and not one span of a plain class
    soup = pages[HTML / "chapters" / "04_rnn.html"]
    shown = {pre.text.strip() for pre in soup.select("div.cell_input div.highlight pre")}
    notebook = nbformat.read(ROOT / "chapters" / "04_rnn.ipynb", as_version=4)
    sources = [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]
    assert len(sources) > 30 and not [s for s in sources if s not in shown]
    assert not soup.select("div.highlight pre span.n, div.highlight pre span.p")


def test_marking_chinese_leaves_scripts_titles_and_maths_alone_and_marks_once():
    from offline_html import _mark_chinese

    html = ('<title>反向</title><p>Backprop (反向传播), “核心” · 背景介绍 · 核心概念</p>'
            '<script>var t = "判别器";</script><!-- 注 --><img alt="图">'
            '<span class="math">\\(x\\) 生成</span>')
    marked = _mark_chinese(html)
    assert marked == ('<title>反向</title><p>Backprop (<span lang="zh-Hans">反向传播</span>), '
                      '“<span lang="zh-Hans">核心” · 背景介绍 · 核心概念</span></p>'
                      '<script>var t = "判别器";</script><!-- 注 --><img alt="图">'
                      '<span class="math">\\(x\\) 生成</span>')
    assert _mark_chinese(marked) == marked   # an incremental build rewrites every page
    # printed output: a run stops at a space, which keeps its one column (custom.css)
    assert _mark_chinese("<pre><span></span>变体  模式数 | 8</pre>") == (
        '<pre><span></span><span lang="zh-Hans">变体</span>  '
        '<span lang="zh-Hans">模式数</span> | 8</pre>')


@pytest.mark.parametrize("edition", ["", "zh"])
def test_icon_fonts_keep_every_icon_the_pages_show(pages, edition):
    from fontTools.ttLib import TTFont
    from web_fonts import ICON_RULE

    static = HTML / edition / "_static"
    stylesheet = (static / "styles" / "pydata-sphinx-theme.css").read_text()
    code_of = {name: int(code, 16) for selectors, code in ICON_RULE.findall(stylesheet)
               for name in re.findall(r"fa-[a-z0-9-]+", selectors)}
    shown = {code_of[cls] for path, soup in pages.items()
             if (path.relative_to(HTML).parts[0] == "zh") == bool(edition)
             for tag in soup.select("[class*='fa-']") for cls in tag["class"] if cls in code_of}
    # the menu, search and GitHub icons, and the language switch's
    assert {0xF0C9, 0xF002, 0xF09B, code_of["fa-language"]} <= shown
    shown.add(0xF071)   # custom.css: the erratum title's warning triangle
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    kept = set()
    for font in fonts.glob("*.woff2"):
        kept |= set(TTFont(font).getBestCmap())
        assert font.stat().st_size < 20_000, f"{font.name} was not cut"
    assert shown <= kept, sorted(map(hex, shown - kept))


def test_the_offline_bundle_holds_both_editions_the_notebooks_and_the_package(tmp_path):
    """`make bundle`: one zip a reader without Colab or a network can run the book from."""
    import zipfile

    from tools import bundle

    site = tmp_path / "html"
    for page in ("index.html", "zh/index.html", "chapters/03_neural_networks.html",
                 "chapters/03_neural_networks.html.gz"):
        (site / page).parent.mkdir(parents=True, exist_ok=True)
        (site / page).write_text("<html></html>")
    names = zipfile.ZipFile(bundle.write(tmp_path / "book.zip", site)).namelist()
    for name in ("site/index.html", "site/zh/index.html", "chapters/08_char_rnn.ipynb",
                 "code/pyproject.toml", "code/dlbook/gpt.py", "requirements.txt"):
        assert f"karpathy-ideas/{name}" in names, name
    assert not [n for n in names if n.endswith((".gz", ".pyc")) or "__pycache__" in n]
    with pytest.raises(FileNotFoundError, match="make book"):
        bundle.write(tmp_path / "none.zip", tmp_path / "missing")
