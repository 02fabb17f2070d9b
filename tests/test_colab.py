"""Colab's runtime: in a kernel of .venv-colab (tools/colab.py: Colab's versions of
everything the book imports, ipywidgets 7.7.1 and numpy 2.1.3 among them, torch aside)
every widget is built and driven, and every notebook's setup and import cells run.
`make test` builds the environment; `python -m tools.colab run` runs whole notebooks."""
from __future__ import annotations

import json
import re
import subprocess

import nbformat
import pytest

from tools import colab, notebooks

HERE = colab.ROOT / "tests" / "colab"


@pytest.fixture(scope="module")
def environment():
    problem = colab.missing()
    if problem:                        # make test builds it: a missing one is a failure
        pytest.fail(problem)


def _pins() -> dict[str, str]:
    pins = {}
    for line in (HERE / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_the_environment_holds_colabs_versions(environment):
    listed = subprocess.run([str(colab.python()), "-m", "pip", "list", "--format=json"],
                            capture_output=True, text=True, check=True).stdout
    installed = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"]
                 for p in json.loads(listed)}
    pins = _pins()
    for name in ("ipywidgets", "numpy", "matplotlib", "scikit-learn", "scipy", "tqdm",
                 "ipython", "ipykernel"):
        assert installed[name] == pins[name], name
    assert installed["ipywidgets"].startswith("7.")       # no Stack: the kernel switches
    assert installed["torch"] == "2.13.0+cpu"              # the book's pin, not Colab's
    # everything else installed, the dependencies' dependencies too, at Colab's version
    # (pip aside: it installs, the book never imports it)
    differ = {name: version for name, version in installed.items()
              if name in pins and pins[name] != version and name != "pip"}
    assert differ == {}


def _run(cells: list[str]):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    colab.execute(nb, colab.ROOT / "chapters", timeout=600)
    # an error inside %run is printed, not raised
    errors = [(i, o.ename, o.evalue) for i, cell in enumerate(nb.cells)
              for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    return nb


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_every_widget_is_built_and_driven_on_colabs_ipywidgets(environment):
    nb = _run([f"%run {HERE / 'drive_widgets.py'}"])
    report = json.loads(_stdout(nb.cells[0]).strip().splitlines()[-1])
    assert report["versions"]["ipywidgets"] == _pins()["ipywidgets"]
    assert report["missing"] == []
    assert report["widgets"].pop("neuron_explorer") == {"html": True}
    assert len(report["widgets"]) == 9
    for name, seen in report["widgets"].items():
        # one output per setting, each a different one, switched by the kernel
        assert seen["controls"] >= 1 and seen["outputs"] == seen["settings"] > 1, name


def test_every_notebooks_setup_and_import_cells_run_on_colabs_versions(environment):
    cells = []
    for path in notebooks.notebook_paths() + notebooks.assignment_paths():
        code = [c for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code"][:2]
        cells += [c.source for c in code if "import" in c.source]
    nb = _run(cells)           # one kernel: CellExecutionError names any cell that fails
    assert len(nb.cells) >= 2 * len(notebooks.notebook_paths())
