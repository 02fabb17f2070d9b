"""The built book in a real headless Chromium: offline, typeset, interactive, accessible.

Every page of the toc, and a sample of the Chinese edition's, is served from _build/html
on localhost and opened once; any request to another host is blocked and recorded. The
tests then check what each visit saw. Needs Debian's chromium (.ci/run installs it) and
axe-core (web/package.json, installed by tools/vendor.py). Screenshots go to
_build/screenshots/.
"""
from __future__ import annotations

import json
import os
import time
from urllib.parse import urlparse

import pytest

from conftest import ROOT
from tools.notebooks import toc_files

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "_build" / "screenshots"
# Every page of the English edition, and pages of the Chinese one (under zh/) with each
# kind of content: prose and tables, saved widgets, players and maths, errata. The rest of
# the Chinese pages share their code, outputs and layout; tests/test_i18n.py checks all of
# them in the HTML (no markup or maths left as text, a switch to the same page in English).
# (`BOOK_ZH_PAGES=all pytest tests/test_browser.py tests/test_reading.py` opens them all,
# about three minutes more than `make test` can spare.)
ZH_PAGES = ([f"zh/{page}" for page in toc_files()] if os.environ.get("BOOK_ZH_PAGES") == "all"
            else ["zh/intro", "zh/chapters/02_concepts", "zh/chapters/04_rnn",
                  "zh/chapters/06_gan", "zh/errata"])
PAGES = toc_files() + ZH_PAGES
NOTEBOOK_PAGES = [p for p in PAGES     # not prose pages
                  if (ROOT / f"{p.removeprefix('zh/')}.ipynb").exists()]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _open(browser, url: str):
    """A page in a fresh context that records console errors, failed requests and
    (blocked) requests to any other host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    record = {"errors": [], "failed": [], "blocked": [], "requests": 0}

    def route(r):
        record["requests"] += 1
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            record["blocked"].append(r.request.url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and record["errors"].append(m.text))
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    page.on("requestfailed", lambda r: record["failed"].append(r.url))
    page.on("response", lambda r: r.status >= 400 and record["failed"].append(
        f"{r.status} {r.url}"))
    start = time.perf_counter()
    page.goto(url, wait_until="load")
    record["load_s"] = time.perf_counter() - start
    return context, page, record


SCROLL = """async () => {
    for (let y = 0; y < document.body.scrollHeight; y += innerHeight * 0.8) {
        scrollTo(0, y);
        await new Promise(done => setTimeout(done, 40));
    }
    scrollTo(0, 0);
}"""


# The visible images not yet loaded (one in a folded box or a closed menu loads when it
# is opened). A lazy image loads only once it comes near the screen: each call brings
# the first of them to the middle of it.
PENDING_IMAGES = """() => {
    const pending = [...document.images].filter(img => img.offsetParent
        && !img.closest('.toggle-hidden') && !img.complete);
    if (pending.length) pending[0].scrollIntoView({block: 'center'});
    return pending.map(img => img.getAttribute('src'));
}"""


def scroll_through(page):
    """Scroll to the bottom in screen-high steps, as a reader would, then back to the top:
    lazy images load, and the widget manager is fetched when a widget comes near. Then
    wait, up to a minute, until every visible image has loaded, bringing each lazy one
    the scroll passed by (a widget's figure drawn after it, or one a busy machine drew no
    frame for) to the screen; one that never loads fails the visit, naming it."""
    page.evaluate(SCROLL)
    if page.locator("script[type='application/vnd.jupyter.widget-view+json']").count():
        page.wait_for_selector(".jupyter-widgets", timeout=20_000)
    deadline = time.monotonic() + 60
    while pending := page.evaluate(PENDING_IMAGES):
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url}: images not loaded after a minute: {pending}")
        page.wait_for_timeout(250)
    page.evaluate("scrollTo(0, 0)")


def _visit(browser, server, entry: str) -> dict:
    context, page, record = _open(browser, f"{server}/{entry}.html")
    scroll_through(page)
    has_widgets = page.locator("script[type='application/vnd.jupyter.widget-view+json']")
    record["saved_widgets"] = has_widgets.count()
    if record["saved_widgets"]:
        page.wait_for_selector(".jupyter-widgets", timeout=20_000)
        page.wait_for_timeout(500)
    record["rendered_widgets"] = page.locator(".jupyter-widgets").count()
    record["math"] = page.locator("mjx-container").count()
    record["math_markup"] = page.locator("article .math").count()
    text = page.locator("article").inner_text()
    record["raw_tex"] = [t for t in ("$$", "\\[", "\\begin{", "\\frac") if t in text]
    record["images"] = page.evaluate("""() => [...document.querySelectorAll('article img')]
        .map(img => ({src: img.src.slice(0, 60), alt: img.getAttribute('alt') || '',
                      loaded: img.complete && img.naturalWidth > 0,
                      folded: !!img.closest('.toggle-hidden'),
                      caption: !!(img.closest('figure') &&
                                  img.closest('figure').querySelector('figcaption'))}))""")
    # each animation player: clicking "Next frame" must change the frame shown
    record["players"] = []
    for player in page.locator("div.animation").all():
        image = player.locator("img")
        before = image.get_attribute("src")
        player.locator("button[onclick$='.next_frame()']").click()   # either edition
        page.wait_for_timeout(100)
        record["players"].append(image.get_attribute("src") != before)
    # the download button's .ipynb and the launch buttons (links that leave the site
    # only when clicked)
    links = page.locator("a[href]").evaluate_all("els => els.map(e => e.href)")
    record["downloads"] = {link: context.request.get(link).status
                           for link in links if link.endswith(".ipynb")
                           and urlparse(link).hostname in LOCAL_HOSTS}
    record["launch"] = [link for link in links
                        if "colab.research.google.com" in link or "mybinder.org" in link]
    page.add_script_tag(path=str(AXE))
    record["axe"] = page.evaluate("""async () => (await axe.run(document,
        {resultTypes: ['violations']})).violations.map(v => ({id: v.id, impact: v.impact,
        help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{entry.replace('/', '__')}.png"
    page.screenshot(path=str(shot), full_page=True)
    record["screenshot"] = shot
    context.close()
    return record


@pytest.fixture(scope="session")
def visits(browser, server):
    return {entry: _visit(browser, server, entry) for entry in PAGES}


@pytest.mark.parametrize("entry", PAGES)
def test_page_loads_offline_without_errors(visits, entry):
    v = visits[entry]
    assert not v["blocked"], f"requests to other hosts: {v['blocked']}"
    assert not v["failed"], f"failed requests: {v['failed']}"
    assert not v["errors"], f"console errors: {v['errors']}"


@pytest.mark.parametrize("entry", NOTEBOOK_PAGES)
def test_notebook_download_and_launch_links(visits, entry):
    v = visits[entry]
    notebook = entry.split("/")[-1] + ".ipynb"
    assert any(link.endswith(notebook) for link in v["downloads"]), "no .ipynb download"
    assert all(status == 200 for status in v["downloads"].values()), v["downloads"]
    assert any("colab" in link for link in v["launch"]) and \
        any("binder" in link for link in v["launch"]), v["launch"]


@pytest.mark.parametrize("entry", PAGES)
def test_math_is_typeset(visits, entry):
    v = visits[entry]
    assert not v["raw_tex"], f"untypeset TeX left on the page: {v['raw_tex']}"
    if v["math_markup"]:
        assert v["math"] >= v["math_markup"], "math on the page left untypeset"


@pytest.mark.parametrize("entry", PAGES)
def test_saved_widgets_render(visits, entry):
    v = visits[entry]
    assert v["rendered_widgets"] >= v["saved_widgets"]


@pytest.mark.parametrize("entry", PAGES)
def test_animation_players_step(visits, entry):
    assert all(visits[entry]["players"]), "a player did not advance on 'Next frame'"


@pytest.mark.parametrize("entry", PAGES)
def test_images_load_and_are_described(visits, entry):
    for image in visits[entry]["images"]:
        assert image["loaded"] or image["folded"], f"image did not load: {image['src']}"
        assert image["alt"].strip() or image["caption"], f"no alt or caption: {image['src']}"


@pytest.mark.parametrize("entry", PAGES)
def test_no_serious_accessibility_violations(visits, entry):
    serious = [v for v in visits[entry]["axe"] if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)


@pytest.mark.parametrize("entry", PAGES)
def test_every_part_of_a_page_is_in_a_landmark(visits, entry):
    # axe's moderate "region" rule: a screen reader's landmark list reaches everything
    regions = [v for v in visits[entry]["axe"] if v["id"] == "region"]
    assert not regions, json.dumps(regions, indent=1)


@pytest.mark.parametrize("entry", PAGES)
def test_screenshot_is_saved(visits, entry):
    shot = visits[entry]["screenshot"]
    assert shot.exists() and shot.stat().st_size > 10_000


def test_concept_map_is_drawn(visits):
    """The concept map is a figure drawn by code (no Mermaid): its image must load."""
    images = visits["chapters/02_concepts"]["images"]
    assert any(image["alt"].startswith("A diagram of seven boxes") and image["loaded"]
               for image in images)


@pytest.mark.parametrize("edition, term", [("", "discriminator"), ("zh/", "模式崩溃")])
def test_search_finds_a_chapter_term(browser, server, edition, term):
    """In each edition. The Chinese index splits Chinese into words (jieba, with the
    glossary's terms added), so a search for a term finds the chapter that explains it."""
    context, page, record = _open(browser, f"{server}/{edition}search.html?q={term}")
    page.wait_for_selector("ul.search li a", timeout=20_000)
    links = page.locator("ul.search li a").evaluate_all("els => els.map(e => e.href)")
    context.close()
    assert any(f"{edition}chapters/06_gan.html" in link for link in links), links
    assert not record["blocked"] and not record["errors"]


@pytest.mark.parametrize("term,pages", [("判别器", 8), ("梯度消失", 1)])
def test_chinese_search_finds_every_page_with_a_term(browser, server, term, pages):
    # before the index was completed (_ext/editions.py): 1 page and none
    context, page, _ = _open(browser, f"{server}/zh/search.html?q={term}")
    page.wait_for_selector(".search-summary", timeout=20_000)
    page.wait_for_timeout(500)
    found = page.locator("ul.search li a").evaluate_all("els => els.map(e => e.href)")
    context.close()
    assert len({link.split("#")[0] for link in found}) >= pages, found
