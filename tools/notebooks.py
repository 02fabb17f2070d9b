"""Keep the book's notebooks honest: one setup cell everywhere, fresh-kernel execution.

    python -m tools.notebooks sync              # rewrite every setup cell (_config.yml, git)
    python -m tools.notebooks execute [PATHS]   # re-execute in place (all by default)

"All" is every chapter and every assignment's source notebook. Only chapters have the
setup cell: the assignments import nothing but NumPy and PyTorch, so that their student
versions open on Colab as they are.

Execution uses a fresh kernel per notebook, in the notebook's own folder, saves widget
state (so the static book shows the widgets) and records no timestamps (so a re-run
changes a notebook only where its outputs changed). Progress bars are dropped from the
saved outputs: a reader running the notebook sees them live, but in the book a finished
bar with this machine's timings says nothing and costs the page the widget manager.
Each chapter's figures are drawn a second time in Chinese for the Chinese edition
(tools/output_labels.py), with the pages' Chinese font, which `python -m tools.vendor`
fetches.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_GLOBS = ("chapters/*.ipynb",)
ASSIGNMENT_GLOB = "assignments/source/*/*.ipynb"

SETUP_TEMPLATE = '''\
# Setup, the same in every chapter. On Colab, the first run installs the book's package
# at the commit these outputs were made with; elsewhere `make book` has installed it.
import importlib.util
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("dlbook") is None:
    import subprocess

    package = "dlbook @ git+{url}.git@{commit}#subdirectory=code"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)

from dlbook import get_device, set_seed

rng = set_seed(0)       # seeds random, NumPy, torch; returns a NumPy Generator
device = get_device()   # cuda, then mps, then cpu'''


def package_commit() -> str:
    """The last commit that changed ``code/``: the package the stored outputs were made
    with, once the notebooks are re-executed after it (``make execute``)."""
    import subprocess
    out = subprocess.run(["git", "log", "-1", "--format=%H", "--", "code"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    commit = out.stdout.strip()
    if len(commit) != 40:
        raise RuntimeError("cannot find the last commit of code/ (is this a git clone?)")
    return commit


def repository_url() -> str:
    """The repository URL, set once in ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def setup_cell_source(url: str | None = None, commit: str | None = None) -> str:
    return SETUP_TEMPLATE.format(url=url or repository_url(), commit=commit or package_commit())


def toc_files() -> list[str]:
    """Every page of _toc.yml in reading order (the root first), without suffixes."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [chapter["file"] for part in toc.get("parts", [])
                            for chapter in part["chapters"]]


def notebook_paths() -> list[Path]:
    return sorted(p for pattern in NOTEBOOK_GLOBS for p in ROOT.glob(pattern))


def assignment_paths() -> list[Path]:
    return sorted(ROOT.glob(ASSIGNMENT_GLOB))


def first_code_cell(nb):
    return next(cell for cell in nb.cells if cell.cell_type == "code")


def sync_setup_cells(paths=None) -> list[Path]:
    """Rewrite each notebook's first code cell to the template; return those changed."""
    expected, changed = setup_cell_source(), []
    for path in notebook_paths() if paths is None else paths:
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        if cell.source != expected:
            cell.source = expected
            nbformat.write(nb, path)
            changed.append(path)
    return changed


FONT_SOURCE = (ROOT / "web" / "node_modules" / "@fontsource" / "noto-sans-sc" / "files"
               / "noto-sans-sc-chinese-simplified-{}-normal.woff2")
FONTS = ROOT / "_build" / "fonts"


def chinese_fonts() -> list[Path]:
    """The pages' Chinese font, regular and bold, as TrueType files matplotlib can draw
    with, unpacked from the web font `python -m tools.vendor` fetches (pinned in
    web/package.json), so that every machine draws the Chinese figures alike."""
    paths = []
    for weight in (400, 700):
        source, path = Path(str(FONT_SOURCE).format(weight)), FONTS / f"noto-sans-sc-{weight}.ttf"
        if not source.exists():
            raise SystemExit(f"{source.relative_to(ROOT)} is missing: run "
                             "`python -m tools.vendor` (or `make vendor`) first")
        if not path.exists() or path.stat().st_mtime < source.stat().st_mtime:
            from fontTools.ttLib import TTFont

            font = TTFont(source)
            font.flavor = None
            path.parent.mkdir(parents=True, exist_ok=True)
            font.save(path)
        paths.append(path)
    return paths


def run_in_place(nb, path: Path, timeout: int = 900, chinese: bool = False) -> None:
    """Execute the notebook object ``nb`` (read from ``path``) in a fresh kernel started
    in the notebook's folder, storing outputs and widget state in ``nb``. With
    ``chinese``, every figure is also drawn in Chinese for the Chinese edition
    (tools/output_labels.py)."""
    from nbclient import NotebookClient

    extra = []
    if chinese:
        # run from its file: the kernel works in the notebook's folder, and the
        # notebook's own names stay untouched
        module, fonts = ROOT / "tools" / "output_labels.py", [str(f) for f in chinese_fonts()]
        extra = ["--IPKernelApp.exec_lines="
                 f"__import__('runpy').run_path({str(module)!r})['install']({fonts!r})"]
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}},
                            store_widget_state=True, record_timing=False,
                            extra_arguments=extra)
    client.execute()


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LINK_MODELS = {"LinkModel", "DirectionalLinkModel"}


def _model_refs(value) -> set[str]:
    """Model ids a widget's state refers to ("IPY_MODEL_<id>"), at any depth."""
    if isinstance(value, str):
        return {value[len("IPY_MODEL_"):]} if value.startswith("IPY_MODEL_") else set()
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(*map(_model_refs, items)) if items else set()


def drop_progress_bars(nb) -> int:
    """Remove tqdm's progress widgets (a box holding a FloatProgress) from the outputs of
    ``nb``, and the saved state of every model no remaining output shows or links; how
    many.

    Only cells tagged nbval-ignore-output may hold one: nbval does not compare their
    outputs, so the live bar of a test run never differs from the saved (absent) one."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    dropped = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            model = state.get(output.get("data", {}).get(WIDGET_VIEW, {}).get("model_id"), {})
            if any(state.get(ref, {}).get("model_name") == "FloatProgressModel"
                   for ref in _model_refs(model.get("state", {}).get("children", []))):
                if "nbval-ignore-output" not in cell.metadata.get("tags", []):
                    raise ValueError(f"a progress bar in a cell nbval compares:\n{cell.source}")
                dropped += 1
            else:
                kept.append(output)
        cell.outputs = kept
    if not state:
        return dropped
    shown = {o["data"][WIDGET_VIEW]["model_id"] for c in nb.cells if c.cell_type == "code"
             for o in c.outputs if WIDGET_VIEW in o.get("data", {})}
    reachable, todo = set(), [m for m in shown if m in state]
    while todo:
        model = todo.pop()
        if model not in reachable:
            reachable.add(model)
            todo += [m for m in _model_refs(state[model]["state"]) if m in state]
    # links between widgets (jslink) are shown by nothing but join two shown widgets
    reachable |= {model for model, saved in state.items()
                  if saved["model_name"] in LINK_MODELS
                  and _model_refs(saved["state"]) and _model_refs(saved["state"]) <= reachable}
    for model in set(state) - reachable:
        del state[model]
    if not state:
        del nb.metadata["widgets"]
    return dropped


def execute(path: Path, write: bool = True, timeout: int = 900) -> float:
    """Run a notebook top to bottom in a fresh kernel; return the wall time in seconds."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    run_in_place(nb, path, timeout, chinese=path.resolve() in notebook_paths())
    seconds = time.perf_counter() - start
    drop_progress_bars(nb)
    if write:
        nbformat.write(nb, path)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="rewrite every setup cell from _config.yml")
    run = sub.add_parser("execute", help="re-execute notebooks in place")
    run.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.command == "sync":
        for path in sync_setup_cells():
            print(f"updated setup cell: {path.relative_to(ROOT)}")
        return 0
    paths = [p.resolve() for p in args.paths] or notebook_paths() + assignment_paths()
    sync_setup_cells([p for p in paths if p in notebook_paths()])
    for path in paths:
        print(f"executing {path} ...", flush=True)
        print(f"  done in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
