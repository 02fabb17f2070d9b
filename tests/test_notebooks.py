"""Static checks of the committed notebooks (nbval re-runs them separately)."""
import json
import re
from pathlib import Path

import nbformat
import pytest

from tools import notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = notebooks.notebook_paths()
IDS = [p.name for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no chapter notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS + notebooks.assignment_paths(),
                         ids=IDS + [p.name for p in notebooks.assignment_paths()])
def test_executed_top_to_bottom_in_one_fresh_kernel(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"re-run {path.name}: counts {counts}"
    errors = [o for c in nb["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_matches_the_repository_url(path):
    nb = nbformat.read(path, as_version=4)
    cell = notebooks.first_code_cell(nb)
    assert cell.source == notebooks.setup_cell_source(), (
        f"{path.name}: setup cell differs (a new repository URL, or code/ changed since the "
        "outputs were made); run `python -m tools.notebooks sync`, then `make execute`")
    assert notebooks.repository_url() in cell.source


def test_setup_cell_is_inert_off_colab():
    # executed outside Colab, the cell must install nothing and define rng and device
    namespace = {}
    exec(notebooks.setup_cell_source(), namespace)
    assert "subprocess" not in namespace
    assert namespace["device"].type in {"cpu", "cuda", "mps"}


def test_toc_lists_exactly_the_pages_that_exist():
    listed = notebooks.toc_files()
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), entry
    chapters = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "chapters").iterdir()
                if p.suffix in {".md", ".ipynb"}}
    assert chapters <= set(listed), f"pages missing from _toc.yml: {chapters - set(listed)}"


def erratum_boxes() -> list[tuple[str, str]]:
    """(chapter, body) of every erratum box in the chapters' markdown cells."""
    boxes = []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        boxes += [(path.name, box.split(":::")[0]) for box in text.split(":class: erratum")[1:]]
    return boxes


BOXES = erratum_boxes()


def test_there_are_erratum_boxes_in_the_chapters_that_follow_the_article():
    chapters = {name for name, _ in BOXES}
    assert len(BOXES) >= 40, len(BOXES)
    assert {f"{n:02d}" for n in range(1, 8)} <= {name[:2] for name in chapters}, chapters


@pytest.mark.parametrize("chapter, body", BOXES,
                         ids=[f"{c[:2]}-{b.split(':name: ')[-1].split()[0]}" for c, b in BOXES])
def test_errata_quote_the_article_and_are_named(chapter, body):
    assert body.startswith(" dropdown\n"), "every erratum is folded to its title"
    assert ":name: erratum-" in body, "every erratum has a label for the errata page"
    assert "The article" in body and "**Correct:**" in body


def test_every_chapter_with_notation_links_the_notation_page():
    """Chapters with display maths, and every chapter notation.md has a section for,
    point the reader to notation.md."""
    page = (ROOT / "notation.md").read_text(encoding="utf-8")
    covered = {int(n) for span in re.findall(r"^## Chapters? ([\d-]+)", page, re.M)
               for n in range(int(span.split("-")[0]), int(span.split("-")[-1]) + 1)}
    assert covered >= {3, 4, 5, 6, 7, 8}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        if "$$" in text or int(path.name[:2]) in covered:
            assert "<../notation>`" in text or "{doc}`../notation`" in text, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_saved_outputs_hold_no_progress_bar_and_no_unused_widget_state(path):
    # `tools/notebooks.py execute` drops both; a notebook saved from Jupyter keeps them
    nb = nbformat.read(path, as_version=4)
    state = nb.metadata.get("widgets", {}).get(notebooks.WIDGET_STATE, {}).get("state", {})
    models = len(state)
    assert notebooks.drop_progress_bars(nb) == 0, "re-run it with tools/notebooks.py execute"
    assert len(state) == models, "widget state no output shows"
