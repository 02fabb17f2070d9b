"""The autograded assignments, driven through nbgrader (assignments/ is its course folder).

    python -m tools.assignments generate   # student versions into assignments/student/
    python -m tools.assignments check      # fail if assignments/student/ is out of date

The source notebooks in assignments/source/ hold the solutions (between
``### BEGIN SOLUTION`` and ``### END SOLUTION``) and every test, the hidden ones between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. nbgrader writes the student
versions from them; nothing in student/ is edited by hand. The helpers below also build
submissions and grade them in a scratch copy of the course (the tests and
benchmarks/grading.py use them), so no test submission or grade lands in the real course
folder (whose gradebook.db, written by `generate`, is git-ignored). Grading itself is
tools/grading.py.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
STUDENT = "student"      # nbgrader's release_directory (nbgrader_config.py)
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?",
                      re.DOTALL | re.MULTILINE)


def assignment_names(course: Path = COURSE) -> list[str]:
    return sorted(p.name for p in (course / "source").iterdir() if p.is_dir())


def notebook_path(course: Path, folder: str, name: str, student: str | None = None) -> Path:
    parts = [folder] + ([student] if student else []) + [name, f"{name}.ipynb"]
    return course.joinpath(*parts)


def scripts_on_path() -> None:
    """This Python's scripts folder first on PATH: nbgrader calls helpers such as
    ``alembic`` by name, and the virtual environment need not be activated."""
    scripts = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def nbgrader(course: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run the nbgrader of this Python in the course folder (its config lives there).

    nbgrader calls helpers such as ``alembic`` by name, so this Python's scripts folder
    goes first on PATH even when the virtual environment is not activated.
    """
    scripts_on_path()
    nbgrader_command = str(Path(sys.executable).parent / "nbgrader")
    result = subprocess.run([nbgrader_command, *args], cwd=course,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result


def generate(course: Path = COURSE, names: list[str] | None = None) -> list[Path]:
    """Write the student version of each assignment into ``course/student``."""
    written = []
    for name in names or assignment_names(course):
        nbgrader(course, "generate_assignment", name, "--force")
        written.append(notebook_path(course, STUDENT, name))
    return written


def scratch_course(names: list[str] | None = None) -> Path:
    """A temporary copy of the course (config and sources) with student versions in it."""
    course = Path(tempfile.mkdtemp(prefix="dlbook-course-"))
    shutil.copy(COURSE / "nbgrader_config.py", course)
    for name in names or assignment_names():
        shutil.copytree(COURSE / "source" / name, course / "source" / name)
    generate(course, names)
    return course


def solution_code(cell_source: str) -> str:
    """A solution cell as a student who solved it would leave it: markers dropped."""
    return SOLUTION.sub(lambda m: m.group(1), cell_source)


def submission(course: Path, name: str, answers: dict[str, str] | None = None):
    """The student version of ``name`` with some answers filled in.

    ``answers`` maps a solution cell's grade_id to "solution" (the source's answer) or
    to code of one's own; cells not named keep the student stub. ``None`` answers all.
    """
    source = nbformat.read(notebook_path(course, "source", name), as_version=4)
    solved = {c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
              for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    if answers is None:
        answers = dict.fromkeys(solved, "solution")
    unknown = set(answers) - set(solved)
    if unknown:
        raise KeyError(f"{name} has no solution cells {sorted(unknown)}")
    nb = nbformat.read(notebook_path(course, STUDENT, name), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            answer = answers[grade_id]
            cell.source = solved[grade_id] if answer == "solution" else answer
    return nb


def submit(course: Path, name: str, student: str, nb) -> None:
    path = notebook_path(course, "submitted", name, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def out_of_date(course: Path = COURSE) -> list[str]:
    """Assignments whose committed student version differs from a fresh generation."""
    scratch = scratch_course()
    try:
        stale = []
        for name in assignment_names(course):
            fresh = nbformat.read(notebook_path(scratch, STUDENT, name), as_version=4)
            path = notebook_path(course, STUDENT, name)
            if not path.exists() or nbformat.read(path, as_version=4) != fresh:
                stale.append(name)
        return stale
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate", "check"])
    args = parser.parse_args(argv)
    if args.command == "generate":
        for path in generate():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    stale = out_of_date()
    if stale:
        print(f"out of date: {', '.join(stale)}; run `make assignments`")
        return 1
    print("assignments/student is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
