"""The Chinese edition (简体中文版): its message catalogs and its build.

The English sources are the only sources. Sphinx's gettext builder extracts every
paragraph, heading, caption, admonition and glossary entry of every page (notebooks'
markdown cells included; code and outputs are shared, not translated) into message
templates; each page's translations live in `locales/zh_CN/LC_MESSAGES/<page>.po`.

    python -m tools.i18n update        refresh the catalogs after an English edit: new
                                       messages are added untranslated, changed ones are
                                       kept as "fuzzy" with their old translation
                                       (`update outputs`: the outputs' catalog alone)
    python -m tools.i18n check         fail if a catalog is behind the sources or has an
                                       untranslated or fuzzy entry (pages in PENDING may
                                       have untranslated entries)
    python -m tools.i18n todo PAGE     print PAGE's untranslated or fuzzy messages, numbered
    python -m tools.i18n fill PAGE F   put the numbered translations in file F into PAGE's
                                       catalog (the numbers are those `todo` printed; a
                                       translation "=" keeps the English, e.g. a formula)
    python -m tools.i18n build         build the Chinese edition into _build/html/zh/
                                       (after the English one: `make html` runs both)
    python -m tools.i18n stats         entries and characters per catalog

The figures, printed outputs and widgets of the notebooks have one more catalog,
`outputs` (`todo outputs`, `fill outputs F`): tools/output_labels.py says how it is used.
`update` adds what the notebooks print or draw that it lacks, and `check` fails where a
translation is missing or a Chinese figure was drawn with an older one (execute the
notebook again: `python -m tools.notebooks execute PATH`).

PAGE is a page's path without suffix, e.g. `chapters/03_neural_networks` or `errata`.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from tools import output_labels
from tools.book import jupyter_book

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
LANGUAGE = "zh_CN"
CATALOGS = LOCALES / LANGUAGE / "LC_MESSAGES"
EDITION = ROOT / "_build" / "html" / "zh"      # where the Chinese edition is served
WORK = ROOT / "_build" / "i18n"                # the gettext and Chinese builds' own trees
TITLE = "Karpathy 的思想：核对与实现"

# Pages whose translation is not finished: their untranslated paragraphs show in English,
# under a notice (_ext/editions.py). `check` fails if one of them is in fact complete, so
# that this list only shrinks.
PENDING: list[str] = []
OUTPUTS = "outputs"   # the catalog of the notebooks' figures, printed outputs and widgets

EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
REFRESH = "python -m tools.i18n update"


def extract(into: Path) -> dict[str, Catalog]:
    """Run the gettext builder on the English sources; returns a template per page."""
    shutil.rmtree(into, ignore_errors=True)   # no template left from a renamed page
    result = subprocess.run(
        jupyter_book("--builder", "custom", "--custom-builder", "gettext", "--all",
                     "--path-output", str(into)), capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
    templates = into / "_build" / "gettext"
    catalogs = {}
    for pot in sorted(templates.rglob("*.pot")):
        page = pot.relative_to(templates).with_suffix("").as_posix()
        with pot.open("rb") as f:
            catalogs[page] = read_po(f)
        for title in exercise_titles(page):   # which Sphinx does not extract
            catalogs[page].add(title)
    return catalogs


def exercise_titles(page: str) -> list[str]:
    """The titles of a page's exercises (_ext/editions.py translates them)."""
    source = next(ROOT.glob(f"{page}.*"))
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"]
                         if cell["cell_type"] == "markdown")
    return re.findall(r"^:{3,}\{exercise\} (.+)$", text, flags=re.M)


def read(page: str) -> Catalog:
    with (CATALOGS / f"{page}.po").open("rb") as f:
        return read_po(f, locale=LANGUAGE)


def write(page: str, catalog: Catalog) -> None:
    # a fixed header, so that a refresh changes a catalog only where the prose changed
    catalog.project, catalog.version, catalog.copyright_holder = "dlbook", "", "the dlbook authors"
    catalog.header_comment = (f"# The Chinese edition of {page} (简体中文版). Written by\n"
                              "# tools/i18n.py from the English sources; translate msgstr only.")
    if page == OUTPUTS:
        catalog.header_comment = (
            "# The Chinese edition's figures, printed outputs and widgets (简体中文版):\n"
            "# tools/output_labels.py. {} stands for a number, {0}, {1} for the first,\n"
            "# the second; each entry's comment names the first page that uses it.")
    catalog.creation_date = catalog.revision_date = EPOCH
    catalog.last_translator = catalog.language_team = "the dlbook authors"
    catalog.msgid_bugs_address = ""
    path = CATALOGS / f"{page}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        # no line wrapping and no source lines: a catalog changes only where prose does
        write_po(f, catalog, width=0, omit_header=False, ignore_obsolete=True,
                 no_location=True, sort_output=False)


def messages(catalog: Catalog):
    return [m for m in catalog if m.id]


def needs_words(text: str) -> bool:
    """Whether a message has prose to translate: not only maths, code, a link or a name.
    A glossary term, or the title given to a cross-reference, is shown as written, so it
    counts as prose."""
    text = re.sub(r"\{[a-z:]+\}`([^`<]*?)\s*<[^`]*>`", r"\1", text)   # {ref}`title <target>`
    text = re.sub(r"\{term\}`([^`]*)`", r"\1", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|\{[a-z:]+\}`[^`]*`|`[^`]*`|<[^>]*>|\(https?:[^)]*\)",
                  "", text, flags=re.S)
    return bool(re.search(r"[A-Za-z]{3,}", text))


def update() -> None:
    for page, template in extract(WORK / "gettext").items():
        path = CATALOGS / f"{page}.po"
        if path.exists():
            catalog = read(page)
            catalog.update(template, no_fuzzy_matching=False)
        else:
            catalog = Catalog(locale=LANGUAGE, project="dlbook", fuzzy=False)
            for message in messages(template):
                catalog.add(message.id)
        for message in messages(catalog):
            if (message.fuzzy or not message.string) and not needs_words(message.id):
                message.string = message.id   # maths or code alone reads the same in Chinese
                message.flags.discard("fuzzy")
        write(page, catalog)
    update_outputs()
    print(stats())


def _notebooks() -> dict[str, dict]:
    return {path.relative_to(ROOT).with_suffix("").as_posix():
            json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / "chapters").glob("*.ipynb"))}


def output_entries(translations: dict[str, str]) -> dict[str, str]:
    """Every entry the notebooks' outputs ask for (lines with words, figure labels,
    widget texts) and every entry of ``translations`` a quoted output uses, each with
    the first page that needs it."""
    wanted = {}
    for page, nb in _notebooks().items():
        translator = output_labels.Translator(translations)
        translator.notebook(json.loads(json.dumps(nb)))
        for entry in [*output_labels.entries_of(nb), *translator.used]:
            wanted.setdefault(entry, page)
    return wanted


def update_outputs() -> None:
    old = read(OUTPUTS) if (CATALOGS / f"{OUTPUTS}.po").exists() else Catalog()
    translations = {m.id: m for m in messages(old)}
    catalog = Catalog(locale=LANGUAGE, project="dlbook", fuzzy=False)
    for entry, page in output_entries({k: m.string for k, m in translations.items()
                                       if m.string}).items():
        before = translations.get(entry)
        catalog.add(entry, string=before.string if before else "",
                    auto_comments=[page], flags=before.flags if before else ())
    write(OUTPUTS, catalog)
    for path in unused_pictures():
        path.unlink()


def unused_pictures() -> list[Path]:
    """Chinese pictures no notebook shows any more (an older run's)."""
    used = set().union(*map(output_labels.picture_files, _notebooks().values()))
    return sorted(p for p in output_labels.PICTURES_DIR.glob("*") if p.name not in used)


def output_problems() -> list[str]:
    """What is wrong with the outputs' catalog: an entry missing or untranslated, a
    translation whose numbers do not fit, a Chinese figure drawn with an old one."""
    path = (CATALOGS / f"{OUTPUTS}.po").relative_to(ROOT)
    if not (ROOT / path).exists():
        return [f"{path}: missing; run `{REFRESH}` and translate it"]
    catalog = read(OUTPUTS)
    translations = {m.id: m.string for m in messages(catalog) if m.string and not m.fuzzy}
    found = []
    for entry, page in output_entries(translations).items():
        if entry not in catalog:
            found.append(f"{path}: {page} prints or draws {entry[:70]!r}, which has no "
                         f"entry; run `{REFRESH}`, then translate it")
        elif entry not in translations:
            found.append(f"{path}: untranslated, {entry[:70]!r} ({page}); "
                         f"`python -m tools.i18n todo {OUTPUTS}` lists what is left")
    for entry, string in translations.items():
        if not output_labels.same_numbers(entry, string):
            found.append(f"{path}: {entry[:70]!r} is translated {string[:70]!r}, which "
                         "does not put back each of its numbers once")
    for page, nb in _notebooks().items():
        found += [f"{page}: {problem}; run `python -m tools.notebooks execute {page}.ipynb`"
                  for problem in output_labels.stale_pictures(nb, translations)]
    found += [f"{path.relative_to(ROOT)}: no notebook shows it; run `{REFRESH} outputs`"
              for path in unused_pictures()]
    return found


def problems() -> list[str]:
    """What `check` reports: each item names a catalog and what is wrong with it."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        templates = extract(Path(tmp))
    for page, template in templates.items():
        if not (CATALOGS / f"{page}.po").exists():
            found.append(f"{(CATALOGS / f'{page}.po').relative_to(ROOT)}: missing; run "
                         f"`{REFRESH}` and translate it")
            continue
        found += compare(page, template, read(page))
    found += output_problems()
    for page in PENDING:
        if page not in templates:
            found.append(f"PENDING in tools/i18n.py names {page}, which is not a page")
    return found


def compare(page: str, template: Catalog, catalog: Catalog) -> list[str]:
    """What is wrong with a page's catalog, given the messages its source has now."""
    path, found = (CATALOGS / f"{page}.po").relative_to(ROOT), []
    wanted, have = {m.id for m in messages(template)}, {m.id for m in messages(catalog)}
    for text in sorted(wanted - have):
        found.append(f"{path}: the English changed, no entry for {text[:70]!r}; "
                     f"run `{REFRESH}`, then translate")
    for text in sorted(have - wanted):
        found.append(f"{path}: entry for text no longer in the sources, {text[:70]!r}; "
                     f"run `{REFRESH}`")
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    untranslated = [m.id for m in messages(catalog) if not m.string]
    for text in fuzzy:
        found.append(f"{path}: fuzzy (its English changed), {text[:70]!r}; check the "
                     f"translation and drop the fuzzy flag")
    if page in PENDING:
        if not untranslated and not fuzzy:
            found.append(f"{path}: complete, so take {page} off PENDING in tools/i18n.py")
    else:
        for text in untranslated:
            found.append(f"{path}: untranslated, {text[:70]!r}; `python -m tools.i18n "
                         f"todo {page}` lists what is left")
    return found


def numbered(page: str) -> list:
    return [m for m in messages(read(page)) if not m.string or m.fuzzy]


def todo(page: str) -> None:
    for i, message in enumerate(numbered(page), 1):
        print(f"@@ {i}")
        print(message.id)
        if message.fuzzy:
            print(f"@@ (was) {message.string}")


def fill(page: str, path: Path) -> None:
    catalog, left = read(page), numbered(page)
    parts = re.split(r"^@@ (\d+)\n", path.read_text(encoding="utf-8"), flags=re.M)
    for number, text in zip(parts[1::2], parts[2::2]):
        message = catalog[left[int(number) - 1].id]
        # "=": the same as the English (a display formula, a name)
        message.string = message.id if text.strip() == "=" else text.rstrip("\n")
        message.flags.discard("fuzzy")
    write(page, catalog)
    print(f"{page}: {len(parts) // 2} filled, {len(numbered(page))} left")


def stats() -> str:
    rows, total = [], [0, 0, 0]
    for path in sorted(CATALOGS.rglob("*.po")):
        page = path.relative_to(CATALOGS).with_suffix("").as_posix()
        entries = messages(read(page))
        done = [m for m in entries if m.string and not m.fuzzy]
        chars = sum(len(m.id) for m in entries)
        rows.append(f"{page:32} {len(done):4}/{len(entries):4} entries {chars:7,} chars")
        total = [total[0] + len(done), total[1] + len(entries), total[2] + chars]
    rows.append(f"{'all':32} {total[0]:4}/{total[1]:4} entries {total[2]:7,} chars")
    return "\n".join(rows)


def glossary_terms() -> list[str]:
    """The Chinese terms of the glossary (chapter 14), the book's one list of terms."""
    text = (ROOT / "chapters" / "14_faq.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines()
            if line and not line[0].isspace() and re.search(r"[\u4e00-\u9fff]", line)]


HAN_TERM = r"[\u4e00-\u9fff]{2,12}"


def term_table() -> list[tuple[str, str, str, str]]:
    """The rows of the term table (terms.md): English, Chinese, the first chapter's
    number, d2l-zh's form where the book's differs."""
    rows = []
    for line in (ROOT / "terms.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[0] != "English" \
                and not cells[0].startswith("---"):
            rows.append((cells[0], cells[1], re.sub(r"\[(\d+)\].*", r"\1", cells[2]),
                         cells[3]))
    return rows


def term_table_words() -> list[str]:
    """The Chinese terms of the term table, for the search index."""
    return [chinese.replace(" ", "") for _, chinese, _, _ in term_table()
            if re.fullmatch(HAN_TERM, chinese.replace(" ", ""))]


def search_words() -> list[str]:
    """The words the Chinese search index keeps whole: the glossary's terms, the Chinese
    terms the English pages give beside their own at first use ("discriminator
    (判别器)"), and the terms the catalogs gloss in bold (`**判别器（discriminator）**`),
    a pair such as 梯度消失与梯度爆炸 also as its two halves."""
    words = [term.replace(" ", "") for term in glossary_terms()] + term_table_words()
    for page in sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(ROOT.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        words += re.findall(rf"\(({HAN_TERM})\)", text)
    for path in sorted(CATALOGS.rglob("*.po")):
        text = path.read_text(encoding="utf-8")
        for term in re.findall(rf"\*\*({HAN_TERM})(?:（[^）]*）\*\*|\*\*（)", text):
            words += [term, *re.split("[与和及]", term)]
    return sorted({w for w in words if len(w) >= 2})


def config() -> Path:
    """The English _config.yml with the Chinese edition's settings."""
    settings = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    settings["title"] = TITLE
    settings["sphinx"]["config"]["language"] = LANGUAGE
    settings["sphinx"]["config"]["dlbook_pending_pages"] = PENDING   # _ext/editions.py
    # Sphinx splits Chinese into words for the search index with jieba, whose dictionary
    # lacks most of the book's terms (it would index 反向传播 only as 反向 and 传播, so
    # a search for the term finds nothing): add the book's
    words = WORK / "search-words.txt"
    words.parent.mkdir(parents=True, exist_ok=True)
    words.write_text("".join(f"{term} 100 n\n" for term in search_words()),
                     encoding="utf-8")
    settings["sphinx"]["config"]["html_search_options"] = {"dict": str(words)}
    # beside _config.yml, where Jupyter Book resolves paths from; one per process, since
    # the HTML and the PDF builds may run at once
    path = ROOT / f"_config_zh_{os.getpid()}.yml"
    path.write_text("# Written by tools/i18n.py from _config.yml; edit that instead.\n"
                    + yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def jupyter_book_zh(output: Path, extra: list[str], **run) -> subprocess.CompletedProcess:
    """`jupyter-book build` of the Chinese edition into `output`, with `extra` options (a
    builder, say); tools/pdf.py uses it for the one-page book."""
    path = config()
    try:
        return subprocess.run(jupyter_book("--config", str(path), "--path-output",
                                           str(output), *extra), **run)
    finally:
        path.unlink()


def build(extra: list[str]) -> None:
    result = jupyter_book_zh(WORK / "zh", extra)
    if result.returncode:
        sys.exit(result.returncode)
    if EDITION.exists():
        shutil.rmtree(EDITION)
    shutil.copytree(WORK / "zh" / "_build" / "html", EDITION)
    print(f"The Chinese edition is in {EDITION.relative_to(ROOT)}/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["update", "check", "todo", "fill", "build",
                                            "stats"])
    parser.add_argument("args", nargs="*")
    args, extra = parser.parse_known_args()
    if args.command == "update" and args.args == [OUTPUTS]:
        update_outputs()   # the outputs' catalog alone, without the pages' slow extraction
    elif args.command == "update":
        update()
    elif args.command == "check":
        found = problems()
        print("\n".join(found) or "The catalogs are complete and up to date.")
        sys.exit(1 if found else 0)
    elif args.command == "todo":
        todo(*args.args)
    elif args.command == "fill":
        fill(args.args[0], Path(args.args[1]))
    elif args.command == "build":
        build(args.args + extra)
    else:
        print(stats())


if __name__ == "__main__":
    main()
