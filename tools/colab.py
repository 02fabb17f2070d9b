"""Colab's runtime on this machine: a second environment, .venv-colab, with the versions
Colab ships of everything the book imports (tests/colab/: Colab's pip freeze, used as
constraints), torch aside, and a Jupyter kernel in it.

    python -m tools.colab env             create or refresh .venv-colab (about a minute)
    python -m tools.colab run [NB ...]    run notebooks (default: every chapter) top to
                                          bottom in its kernel without saving them; one
                                          line each (with the cells whose output differs
                                          from the stored one), then a JSON summary

`make test` builds the environment; tests/test_colab.py builds and drives every widget
and runs every notebook's setup cell in its kernel.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-colab"
KERNEL = "dlbook-colab"
KERNELS = VENV / "share" / "jupyter" / "kernels"
REQUIREMENTS = ROOT / "tests" / "colab" / "requirements.txt"
CONSTRAINTS = ROOT / "tests" / "colab" / "constraints.txt"
STAMP = VENV / ".installed"


def python() -> Path:
    return VENV / "bin" / "python"


def missing() -> str | None:
    """Why the environment cannot be used, or None."""
    if not STAMP.exists():
        return f"{VENV.name} is missing: `python -m tools.colab env` builds it"
    inputs = [REQUIREMENTS, CONSTRAINTS, ROOT / "code" / "pyproject.toml"]
    if any(path.stat().st_mtime > STAMP.stat().st_mtime for path in inputs):
        return f"{VENV.name} is older than {REQUIREMENTS.parent}: rebuild it"
    return None


def build() -> None:
    """Create .venv-colab from the requirements at Colab's versions, install the book's
    package into it without its dependencies, and register its kernel."""
    if missing() is None:
        return
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(python()), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS), "-c", str(CONSTRAINTS)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT / "code")], check=True)
    # the package's loose requirements hold at Colab's versions: on Colab it installs
    # beside them and replaces nothing
    subprocess.run([str(python()), "-m", "pip", "check"], check=True)
    spec = KERNELS / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python()), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (Colab's versions)", "language": "python"}))
    STAMP.touch()


def execute(nb, cwd: Path, timeout: int = 900):
    """Run the notebook object ``nb`` in a fresh kernel of .venv-colab started in
    ``cwd``; outputs land in ``nb``. Raises nbclient's CellExecutionError on an error."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    specs = KernelSpecManager(kernel_dirs=[str(KERNELS)])
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
    NotebookClient(nb, km=manager, timeout=timeout,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def same_outputs(stored, ran) -> tuple[int, list[int]]:
    """How many code cells nbval compares, and which of them (numbered as nbval numbers
    them) printed something else than the stored notebook, sanitised as nbval does."""
    from tools.portability import ignored, sanitise, text_of

    def compared(nb):
        return [(n, sanitise(text_of(cell)))
                for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code")
                if not ignored(cell)]

    pairs = list(zip(compared(stored), compared(ran)))
    return len(pairs), [n for (n, a), (_, b) in pairs if a != b]


def run(paths: list[Path]) -> dict:
    """Each notebook top to bottom in Colab's versions: seconds and the outputs that
    differ from the stored ones, or the failing cell."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    results = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            execute(nb, path.parent)
            compared, differ = same_outputs(nbformat.read(path, as_version=4), nb)
            result = {"ok": True, "compared": compared, "differ": differ}
        except CellExecutionError as error:
            failed = next((i for i, cell in enumerate(nb.cells)
                           if any(o.get("output_type") == "error"
                                  for o in cell.get("outputs", []))), None)
            result = {"ok": False, "cell": failed, "error": error.ename,
                      "message": str(error.evalue)[:200]}
        result["seconds"] = round(time.perf_counter() - start, 1)
        results[path.relative_to(ROOT).as_posix()] = result
        print(path.name, json.dumps(result), flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["env", "run"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    build()
    if args.command == "env":
        return 0
    paths = [p.resolve() for p in args.notebooks] or sorted(ROOT.glob("chapters/*.ipynb"))
    results = run(paths)
    ran = [r for r in results.values() if r["ok"]]
    print(json.dumps({"notebooks": len(results),
                      "failed": [name for name, r in results.items() if not r["ok"]],
                      "outputs_compared": sum(r["compared"] for r in ran),
                      "outputs_differ": sum(len(r["differ"]) for r in ran),
                      "seconds": round(sum(r["seconds"] for r in results.values()), 1)}))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
