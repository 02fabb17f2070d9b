"""Keep the book's notebooks honest: one setup cell everywhere, fresh-kernel execution.

    python tools/notebooks.py sync              # rewrite every setup cell (_config.yml, git)
    python tools/notebooks.py execute [PATHS]   # re-execute in place (all by default)

"All" is every chapter and every assignment's source notebook. Only chapters have the
setup cell: the assignments import nothing but NumPy and PyTorch, so that their student
versions open on Colab as they are.

Execution uses a fresh kernel per notebook, in the notebook's own folder, saves widget
state (so the static book shows the widgets) and records no timestamps (so a re-run
changes a notebook only where its outputs changed).
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


def run_in_place(nb, path: Path, timeout: int = 900) -> None:
    """Execute the notebook object ``nb`` (read from ``path``) in a fresh kernel started
    in the notebook's folder, storing outputs and widget state in ``nb``."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}},
                            store_widget_state=True, record_timing=False)
    client.execute()


def execute(path: Path, write: bool = True, timeout: int = 900) -> float:
    """Run a notebook top to bottom in a fresh kernel; return the wall time in seconds."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    run_in_place(nb, path, timeout)
    seconds = time.perf_counter() - start
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
