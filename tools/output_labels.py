"""Figures, printed outputs and widgets in the Chinese edition's language.

The notebooks are executed once, in English, and nbval checks those outputs. What the
Chinese edition shows is made from them and one message table,
`locales/zh_CN/LC_MESSAGES/outputs.po` (msgid English, msgstr Chinese), in two places:

- **Figures are drawn twice when the book's notebooks are executed**
  (`python -m tools.notebooks execute` calls `install` in each kernel): every figure
  shown with words in it (inline, in a widget, every frame of an animation) is drawn
  again with its texts translated, into `locales/zh_CN/figures/` under its hash; the
  output's metadata names that file (under `KEY`), with the pairs of labels it used, any
  label the table lacked and any warning matplotlib gave (a glyph the font lacks). The
  notebooks a reader opens stay their size. nbval compares neither pictures nor
  metadata, so a test run without the hook compares the same outputs.
- **Text is translated when the Chinese edition is built** (`source-read`, below): each
  line of a printed output, the text of an HTML output (and its alt and aria labels),
  and each widget's description and option labels are looked up in the table; the
  figures' Chinese pictures replace the English ones.

A line is looked up with its numbers taken out: "loss 2.31 after 300 steps" is the
entry "loss {} after {} steps" (literal braces doubled), so the Chinese edition shows the
numbers of the English run, and nbval's check of the English output is a check of the
Chinese one. `{}` in a translation takes the numbers in order, `{0}`, `{1}` by
position. A line with no word of two letters needs no entry; the lines of a cell tagged
`verbatim-output` (text a model wrote, source code) stay as they are unless the table
has them. `tools/i18n.py update` keeps the table in step with the notebooks, and its
`check` (a test) fails on a line, label or widget text with no translation, or a figure
drawn with a translation the table no longer holds.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
import warnings
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "outputs.po"
PICTURES_DIR = ROOT / "locales" / "zh_CN" / "figures"   # the Chinese pictures, by hash
KEY = "dlbook-zh"               # an output's metadata: its Chinese picture's file
IMG_SRC = re.compile(r'src="data:image/png;base64,[^"]*"')
VERBATIM = "verbatim-output"    # a cell tag: lines the table lacks are quoted text

NUMBER = re.compile(r"(?<![A-Za-z_.\d])(?:[-−+](?=\d))?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
PLACEHOLDER = re.compile(r"\{(\d*)\}|\{\{|\}\}")
WORD = re.compile(r"[A-Za-z]{2,}")
MATHS = re.compile(r"\$[^$]*\$")
TAG = re.compile(r"(<script.*?</script>|<style.*?</style>|<[^>]*>)", re.S | re.I)
# text that is a value (a menu's option, which a script reads) or is already bilingual
KEEP_TEXT = re.compile(r'<option\b|<[^>]*class="[^"]*dlbook-(en|zh)\b', re.I)
LABEL_ATTRIBUTE = re.compile(r'\b(alt|aria-label|title)="([^"]*)"')
WIDGET_TEXTS = ("description", "tooltip", "placeholder")
WIDGET_LISTS = ("_options_labels", "_titles")
PICTURES = ("image/png", "text/html")


def needs_words(text: str) -> bool:
    """Whether a text says something in words (not only numbers, maths or symbols)."""
    return bool(WORD.search(MATHS.sub("", text)))


def split(text: str) -> tuple[str, list[str]]:
    """A text's table entry and its numbers: ("loss {} after {} steps", ["2.31", "300"])."""
    escaped = text.replace("{", "{{").replace("}", "}}")
    return NUMBER.sub("{}", escaped), NUMBER.findall(escaped)


def fill(template: str, numbers: list[str]) -> str:
    """A translation with the numbers put back; ValueError if they do not fit."""
    counter = iter(range(len(numbers)))

    def put(match):
        if match.group() in ("{{", "}}"):
            return match.group()[0]
        index = int(match.group(1)) if match.group(1) else next(counter, len(numbers))
        if index >= len(numbers):
            raise ValueError(f"{template!r} asks for more numbers than {numbers}")
        return numbers[index]

    return PLACEHOLDER.sub(put, template)


def same_numbers(entry: str, translation: str) -> bool:
    """Whether a translation puts back each of its entry's numbers exactly once."""
    def slots(template):
        return [m.group(1) for m in PLACEHOLDER.finditer(template)
                if m.group() not in ("{{", "}}")]

    count, wanted = len(slots(entry)), slots(translation)
    if all(wanted):           # all numbered (or none at all)
        return sorted(int(n) for n in wanted) == list(range(count))
    return not any(wanted) and len(wanted) == count


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def table(path: Path = TABLE) -> dict[str, str]:
    """The translations: entry -> Chinese."""
    return _load(path, path.stat().st_mtime) if path.exists() else {}


class Translator:
    """Translates texts with ``table`` and remembers what it could not translate."""

    def __init__(self, entries: dict[str, str] | None = None):
        self.entries = table() if entries is None else entries
        self.missing: list[str] = []     # entries the table lacks, in the order met
        self.used: dict[str, str] = {}   # entry -> translation, for the figures' record

    def line(self, text: str, verbatim: bool = False) -> str:
        """One line, its surrounding spaces kept."""
        core = text.strip()
        if not needs_words(core):
            return text
        entry, numbers = split(core)
        if entry not in self.entries:
            if not verbatim:
                self.missing.append(entry)
            return text
        translation = self.entries[entry]
        self.used[entry] = translation
        start = text.index(core)
        return text[:start] + fill(translation, numbers) + text[start + len(core):]

    def text(self, text: str, verbatim: bool = False) -> str:
        return "\n".join(self.line(line, verbatim) for line in text.split("\n"))

    def html(self, page: str, verbatim: bool = False) -> str:
        """The words between an HTML text's tags, and its alt, aria and title labels."""
        def attribute(match):
            label = html.unescape(match.group(2))
            return f'{match.group(1)}="{html.escape(self.line(label), quote=True)}"'

        parts, tag = TAG.split(page), ""
        for i, part in enumerate(parts):
            if i % 2:
                tag = part
                if part[:7].lower() not in ("<script", "<style>", "<style "):
                    parts[i] = LABEL_ATTRIBUTE.sub(attribute, part)
            elif part.strip() and not KEEP_TEXT.match(tag):
                parts[i] = html.escape(self.line(html.unescape(part), verbatim),
                                       quote=False)
        return "".join(parts)

    def outputs(self, outputs: list, verbatim: bool = False) -> None:
        """Translate a cell's outputs in place (as nbformat dicts)."""
        for output in outputs:
            if output.get("output_type") == "stream":
                output["text"] = self.text(_joined(output["text"]), verbatim)
                continue
            data, chinese = output.get("data", {}), output.get("metadata", {}).get(KEY, {})
            self.missing += chinese.get("missing", [])
            for mime in PICTURES:
                if mime in chinese:
                    data[mime] = _picture(chinese[mime], _joined(data.get(mime, "")))
            if "text/html" in data:
                data["text/html"] = self.html(_joined(data["text/html"]), verbatim)
            elif "text/plain" in data and len(data) == 1:
                data["text/plain"] = self.text(_joined(data["text/plain"]), verbatim)

    def widgets(self, state: dict, quoting: set[str] = frozenset()) -> None:
        """Translate the saved state of a notebook's widgets in place; the outputs of the
        models in ``quoting`` quote text (they are shown by a verbatim cell)."""
        for model_id, model in state.items():
            values = model.get("state", {})
            for name in WIDGET_TEXTS:
                if isinstance(values.get(name), str):
                    values[name] = self.line(values[name])
            for name in WIDGET_LISTS:
                if isinstance(values.get(name), list):
                    values[name] = [self.line(v) if isinstance(v, str) else v
                                    for v in values[name]]
            if model.get("model_name") in ("HTMLModel", "HTMLMathModel", "LabelModel"):
                values["value"] = self.html(values.get("value", ""))
            self.outputs(values.get("outputs", []), verbatim=model_id in quoting)

    def notebook(self, nb: dict) -> dict:
        """A notebook (JSON dict) with its outputs and widgets translated, in place."""
        quoting = set()
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                self.outputs(cell.get("outputs", []), verbatim=_verbatim(cell))
                if _verbatim(cell):
                    quoting |= _models(cell.get("outputs", []))
        for saved in nb.get("metadata", {}).get("widgets", {}).values():
            state = saved.get("state", {})
            shown, quoting = set(quoting), set()
            while shown:                   # the models those cells show, at any depth
                model = shown.pop()
                if model in state and model not in quoting:
                    quoting.add(model)
                    shown |= _models(state[model].get("state", {}))
            self.widgets(state, quoting)
        return nb


def _picture(name: str, english: str) -> str:
    """An output's Chinese version from the file ``name``: a PNG (for an HTML output,
    the <img> of ``english`` showing it instead) or an HTML page (an animation)."""
    path = PICTURES_DIR / name
    if name.endswith(".html"):
        return path.read_text(encoding="utf-8")
    png = base64.b64encode(path.read_bytes()).decode("ascii")
    if english.lstrip().startswith("<"):
        return IMG_SRC.sub(lambda _: f'src="data:image/png;base64,{png}"', english, 1)
    return png


def _store(data: bytes, suffix: str, folder: Path) -> str:
    """Write a Chinese picture under its hash (the same picture is written once)."""
    name = hashlib.sha256(data).hexdigest()[:20] + suffix
    if not (folder / name).exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return name


def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def _models(value) -> set[str]:
    """The widget models a value refers to ("IPY_MODEL_<id>", or an output's view)."""
    if isinstance(value, str):
        return {value[len("IPY_MODEL_"):]} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        view = value.get("application/vnd.jupyter.widget-view+json")
        found = {view["model_id"]} if isinstance(view, dict) else set()
        return found.union(*map(_models, value.values()))
    if isinstance(value, list):
        return set().union(*map(_models, value))
    return set()


def _verbatim(cell: dict) -> bool:
    """A cell whose output quotes text: tagged so, or printing source code."""
    return (VERBATIM in cell.get("metadata", {}).get("tags", [])
            or "getsource(" in _joined(cell.get("source", "")))


def entries_of(nb: dict) -> list[str]:
    """Every table entry a notebook's Chinese edition asks for, in order (the figures'
    labels as the hook recorded them), with those already in the table."""
    translator = Translator(entries={})
    translator.notebook(json.loads(json.dumps(nb)))
    recorded = [entry for output in _outputs_with_pictures(nb)
                for entry, _ in output["metadata"][KEY].get("labels", [])]
    return list(dict.fromkeys(recorded + translator.missing))


def _outputs_with_pictures(nb: dict):
    states = [saved.get("state", {})
              for saved in nb.get("metadata", {}).get("widgets", {}).values()]
    outputs = [o for cell in nb.get("cells", []) for o in cell.get("outputs", [])]
    outputs += [o for state in states for model in state.values()
                for o in model.get("state", {}).get("outputs", [])]
    return [o for o in outputs if KEY in o.get("metadata", {})]


def stale_pictures(nb: dict, entries: dict[str, str]) -> list[str]:
    """Labels a notebook's Chinese pictures were drawn with that the table no longer
    gives (or that it did not have): the notebook needs executing again."""
    found = []
    for output in _outputs_with_pictures(nb):
        chinese = output["metadata"][KEY]
        found += [f"its Chinese picture {PICTURES_DIR.name}/{chinese[m]} is missing"
                  for m in PICTURES if m in chinese
                  and not (PICTURES_DIR / chinese[m]).exists()]
        found += [f"no translation for the figure label {m!r}" for m in chinese["missing"]]
        found += [f"drawing it in Chinese warned: {w}" for w in chinese.get("warnings", [])]
        found += [f"the figure label {e!r} was drawn as {t!r}, the table now says "
                  f"{entries.get(e)!r}" for e, t in chinese.get("labels", [])
                  if entries.get(e) != t]
    return found


def picture_files(nb: dict) -> set[str]:
    """The files of a notebook's Chinese pictures."""
    return {output["metadata"][KEY][m] for output in _outputs_with_pictures(nb)
            for m in PICTURES if m in output["metadata"][KEY]}


# --- when the book's notebooks are executed: draw every figure in Chinese too ---------

def install(fonts: list[str], folder: str = str(PICTURES_DIR)) -> None:
    """Draw each figure the kernel shows a second time in Chinese (``fonts``: TrueType
    files of one family with the CJK glyphs, regular and bold) into ``folder``, named in
    the metadata of the output that shows it."""
    import matplotlib
    import matplotlib.backend_bases
    import matplotlib.figure
    import matplotlib_inline.backend_inline as inline
    from IPython import get_ipython
    from IPython.core.pylabtools import print_figure
    from matplotlib import font_manager

    import dlbook.animations
    import dlbook.widgets

    for font in fonts:
        font_manager.fontManager.addfont(font)
    family = font_manager.FontProperties(fname=fonts[0]).get_name()
    shell, pending, variants = get_ipython(), [], {}

    def chinese(draw):
        """Call ``draw()`` with every figure's texts translated while it is printed (by
        savefig, IPython or an animation writer: all of them print through the canvas)."""
        translator, canvas = Translator(), matplotlib.backend_bases.FigureCanvasBase
        print_english = canvas.print_figure

        def print_chinese(self, *args, **kwargs):
            with _translated(self.figure, translator, family):
                return print_english(self, *args, **kwargs)

        canvas.print_figure = print_chinese
        # a glyph the font lacks is a warning (a box in the picture): keep it with the
        # picture, so that the check fails, rather than print it into the notebook
        log, problems = logging.getLogger("matplotlib"), []
        handler = _Collect(problems)
        log.addHandler(handler)
        log.propagate, propagate = False, log.propagate
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = draw()
        finally:
            canvas.print_figure = print_english
            log.removeHandler(handler)
            log.propagate = propagate
        problems += [str(w.message) for w in caught]
        record = {"labels": sorted(translator.used.items()),
                  "missing": list(dict.fromkeys(translator.missing)),
                  "warnings": list(dict.fromkeys(problems))}
        # a picture without words is the same in both editions: none is stored
        return result, record if record["labels"] or record["missing"] else None

    def inline_display(*objects, metadata=None, **kwargs):
        if len(objects) == 1 and isinstance(objects[0], matplotlib.figure.Figure):
            png, record = chinese(lambda: print_figure(objects[0], "png",
                                                       bbox_inches="tight", base64=True))
            if record:
                name = _store(base64.b64decode(png), ".png", Path(folder))
                pending.append({"image/png": name, **record})
        return display(*objects, metadata=metadata, **kwargs)

    display = inline.display
    inline.display = inline_display

    show_figure = dlbook.widgets.show_figure

    def show_figure_twice(fig, alt):
        import io

        buffer = io.BytesIO()
        _, record = chinese(lambda: fig.savefig(buffer, format="png", bbox_inches="tight"))
        if record:
            name = _store(buffer.getvalue(), ".png", Path(folder))
            pending.append({"text/html": name, **record})
        show_figure(fig, alt)

    dlbook.widgets.show_figure = show_figure_twice

    animation_html = dlbook.animations.animation_html

    def animation_html_twice(animation, alt, *args, **kwargs):
        english = animation_html(animation, alt, *args, **kwargs)
        vars(animation).pop("_html_representation", None)   # matplotlib keeps the first
        page, record = chinese(lambda: animation_html(animation, alt, *args, **kwargs))
        if record:
            name = _store(page.encode("utf-8"), ".html", Path(folder))
            variants[english] = {"text/html": name, **record}
        return english

    dlbook.animations.animation_html = animation_html_twice

    def with_chinese(data, metadata):
        chinese_page = variants.get(data.get("text/html"))
        if pending or chinese_page:
            metadata = {**(metadata or {}), KEY: pending.pop(0) if pending else chinese_page}
        return metadata

    # what display() shows, and what a cell's last expression shows (an execute_result)
    publish, write = shell.display_pub.publish, shell.displayhook.write_format_data
    shell.display_pub.publish = lambda data, metadata=None, *args, **kwargs: publish(
        data, with_chinese(data, metadata), *args, **kwargs)
    shell.displayhook.write_format_data = lambda data, metadata=None: write(
        data, with_chinese(data, metadata))


class _Collect(logging.Handler):
    """Keeps the warnings matplotlib logs (a font it cannot find) in a list."""

    def __init__(self, into: list):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record):
        self.into.append(record.getMessage())


class _translated:
    """Within the block, ``fig``'s texts read in Chinese, drawn with the CJK font as a
    fallback; the English comes back after."""

    def __init__(self, fig, translator: Translator, family: str):
        self.fig, self.translator, self.family, self.saved = fig, translator, family, []

    def __enter__(self):
        from matplotlib.text import Text

        for artist in self.fig.findobj(Text):
            text = artist.get_text()
            if not needs_words(text):
                continue
            family = artist.get_fontfamily()
            self.saved.append((artist, text, family))
            chinese = self.translator.text(text)
            artist.set_text(chinese)
            # glyphs the first font lacks come from the next, except in a label with
            # maths, whose words mathtext draws with the first font alone
            maths = "$" in chinese
            artist.set_fontfamily([self.family, *family] if maths else [*family, self.family])
        return self

    def __exit__(self, *exc):
        for artist, text, family in self.saved:
            artist.set_text(text)
            artist.set_fontfamily(family)


# --- when the Chinese edition is built -----------------------------------------------

def _source_read(app, docname: str, source: list[str]) -> None:
    if not (app.config.language or "").startswith("zh"):
        return
    if not app.env.doc2path(docname).endswith(".ipynb"):
        return
    app.env.note_dependency(str(TABLE))   # read again when a translation changes
    nb = json.loads(source[0])
    Translator().notebook(nb)
    source[0] = json.dumps(nb, ensure_ascii=False)


def setup(app):
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
