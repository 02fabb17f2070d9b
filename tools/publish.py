"""Write the public edition: the repository students, Colab and Binder see.

    python -m tools.publish DEST        # DEST must not exist; make publish: _build/public

The authors' repository holds what only instructors may see: the source notebooks of the
assignments (solutions, hidden tests, model answers), the rubric of the written answers,
and the tests that need them. The public edition is the committed tree (``git archive
HEAD``, so nothing uncommitted slips in) without those, and without history. Then every
line of a solution, a hidden test, a model answer or the rubric is looked for in every
file written; a line that is public anyway (in a visible test or a setup cell, or printed
by the book's chapters and package) does not count. One found is a leak, and the command
fails.
"""
from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PRIVATE = ("assignments/source/", "assignments/rubric.md", "tests/test_assignments.py",
           "tests/test_hidden_tests.py", "tests/test_grading.py", "tests/test_publish.py")
BOOK = ("chapters", "code")
SECRET = re.compile(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)^[ \t]*### END", re.S | re.M)
MIN_LENGTH = 20        # shorter lines (`return J, grads`) say nothing on their own


def private(path: str) -> bool:
    return path.startswith(PRIVATE)


def secret_lines(root: Path = ROOT) -> set[str]:
    """Each line (stripped, at least MIN_LENGTH long) of a solution, a hidden test, a
    model answer or the rubric in the authors' tree at ``root``, unless the line is public
    anyway: in a visible cell of an assignment or in the book (chapters, package)."""
    secret, public = [], []
    for path in sorted((root / "assignments" / "source").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            secret += SECRET.findall(cell.source)
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
                secret.append(cell.source)
            else:
                public.append(SECRET.sub("", cell.source))
    secret.append((root / "assignments" / "rubric.md").read_text())
    for folder in BOOK:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                text = path.read_text(errors="ignore")
                public.append(_json_strings(text) if path.suffix == ".ipynb" else text)
    # a secret line may be part of a public one (an assert without its message, say)
    public_text = "\n".join(line.strip() for text in public for line in text.splitlines())
    return {line.strip() for text in secret for line in text.splitlines()
            if len(line.strip()) >= MIN_LENGTH and line.strip() not in public_text}


def leaks(dest: Path, secrets: set[str]) -> list[str]:
    """``file: line`` for each secret line found in a file of ``dest``."""
    found = []
    for path in _files(dest):
        text = path.read_text(errors="ignore")
        text += "\n" + _json_strings(text) if path.suffix == ".ipynb" else ""
        found += [f"{path.relative_to(dest)}: {line}" for line in sorted(secrets)
                  if line in text]
    return found


def _json_strings(text: str) -> str:
    """A notebook's cells as plain text (in its JSON a line is quoted and escaped)."""
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:                               # noqa: BLE001 (not a notebook)
        return ""
    return "\n".join(cell.source for cell in nb.cells)


def _files(root: Path):
    return (p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())


def publish(dest: Path, root: Path = ROOT) -> list[str]:
    """Write the public edition to ``dest`` (which must not exist); the files left out."""
    if dest.exists():
        raise SystemExit(f"{dest} exists: give a new folder")
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", "HEAD"],
                             capture_output=True, check=True).stdout
    dest.mkdir(parents=True)
    left_out = []
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = []
        for member in tar.getmembers():
            if private(member.name + ("/" if member.isdir() else "")):
                left_out += [member.name] if member.isfile() else []
            elif member.isfile() or member.isdir():
                members.append(member)
        tar.extractall(dest, members=members, filter="data")
    found = leaks(dest, secret_lines(root))
    if found:
        shutil.rmtree(dest)
        raise SystemExit("solutions or hidden tests would be public:\n" + "\n".join(found))
    return sorted(left_out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="a new folder for the public edition")
    args = parser.parse_args(argv)
    left_out = publish(args.dest.resolve())
    print(f"wrote the public edition to {args.dest}; left out {len(left_out)} files:")
    for name in left_out:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
