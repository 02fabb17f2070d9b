"""The autograded assignments, driven through nbgrader (assignments/ is its course folder).

    python -m tools.assignments generate   # student versions into assignments/student/
    python -m tools.assignments check      # fail if assignments/student/ is out of date

The source notebooks in assignments/source/ hold the solutions (between
``### BEGIN SOLUTION`` and ``### END SOLUTION``) and every test, the hidden ones between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. nbgrader writes the student
versions from them; nothing in student/ is edited by hand.

An assignment may come in **variants** (a04_lstm: a peephole LSTM or a coupled-gate one), so
that a solution posted for one course does not solve another's. Cells that belong to one
variant say so in their metadata, ``{"dlbook": {"variant": "peephole"}}``; the others are
shared. A variant's cells keep the grade ids of the other's, and within a variant the ids
are unique. The source notebook runs top to bottom with every variant (each variant's
answers and their tests sit together, and a shared cell uses the variant run last), so
nbval checks it as it is. ``course.toml`` in the course folder picks each assignment's
variant (the first in the notebook where it picks none); ``generate`` hands nbgrader the
chosen cells only, and the grader reads the source through :func:`read_source`.

The helpers below also build
submissions and grade them in a scratch copy of the course (the tests and
benchmarks/grading.py use them), so no test submission or grade lands in the real course
folder (whose gradebook.db, written by `generate`, is git-ignored). Grading itself is
tools/grading.py.
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
STUDENT = "student"      # nbgrader's release_directory (nbgrader_config.py)
COURSE_FILE = "course.toml"
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?",
                      re.DOTALL | re.MULTILINE)


def assignment_names(course: Path = COURSE) -> list[str]:
    return sorted(p.name for p in (course / "source").iterdir() if p.is_dir())


def notebook_path(course: Path, folder: str, name: str, student: str | None = None) -> Path:
    parts = [folder] + ([student] if student else []) + [name, f"{name}.ipynb"]
    return course.joinpath(*parts)


def variant_of(cell) -> str | None:
    """The variant a source cell belongs to, or None for a cell every variant shares."""
    return cell.metadata.get("dlbook", {}).get("variant")


def variants(nb) -> list[str]:
    """The variants a source notebook offers, in the order of their first cells (the
    first is the default); empty for an assignment without variants."""
    return list(dict.fromkeys(v for v in map(variant_of, nb.cells) if v))


def keep_variant(nb, variant: str | None):
    """A copy of the source notebook ``nb`` with the shared cells and those of
    ``variant`` (None: the notebook has no variants)."""
    offered = variants(nb)
    if variant not in (offered or [None]):
        raise ValueError(f"no variant {variant!r}: the notebook offers "
                         f"{', '.join(offered) if offered else 'none'}")
    kept = copy.deepcopy(nb)
    kept.cells = [c for c in kept.cells if variant_of(c) in (None, variant)]
    return kept


def course_variants(course: Path = COURSE) -> dict[str, str]:
    """The ``[variants]`` table of the course's course.toml (empty if it has none)."""
    path = course / COURSE_FILE
    if not path.exists():
        return {}
    chosen = tomllib.loads(path.read_text()).get("variants", {})
    unknown = set(chosen) - set(assignment_names(course))
    if unknown:
        raise ValueError(f"{path} picks variants of assignments it does not have: "
                         f"{', '.join(sorted(unknown))}")
    return chosen


def chosen_variant(course: Path, name: str, nb) -> str | None:
    """The variant of ``name`` that the course hands out: course.toml's, or the first."""
    offered = variants(nb)
    chosen = course_variants(course).get(name)
    if chosen is None:
        return offered[0] if offered else None
    if chosen not in offered:
        raise ValueError(f"{course / COURSE_FILE} picks variant {chosen!r} of {name}, which "
                         f"offers {', '.join(offered) if offered else 'none'}")
    return chosen


def read_source(course: Path, name: str, variant: str | None = None):
    """The source notebook of ``name`` as the course hands it out: the shared cells and
    those of ``variant`` (by default the one course.toml picks)."""
    nb = nbformat.read(notebook_path(course, "source", name), as_version=4)
    return keep_variant(nb, variant or chosen_variant(course, name, nb))


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
    """Write the student version of each assignment into ``course/student``.

    nbgrader reads each source from a temporary folder that holds the variant the course
    picks (:func:`read_source`), so the student version and the gradebook have its cells
    only.
    """
    written = []
    with tempfile.TemporaryDirectory(prefix="dlbook-source-") as chosen:
        for name in names or assignment_names(course):
            shutil.copytree(course / "source" / name, Path(chosen) / name)
            nbformat.write(read_source(course, name), Path(chosen, name, f"{name}.ipynb"))
            nbgrader(course, "generate_assignment", name, "--force",
                     f"--CourseDirectory.source_directory={chosen}")
            written.append(notebook_path(course, STUDENT, name))
    return written


def scratch_course(names: list[str] | None = None,
                   variants: dict[str, str] | None = None) -> Path:
    """A temporary copy of the course (config and sources) with student versions in it;
    ``variants`` replaces the course's choice of variants."""
    names = names or assignment_names()
    course = Path(tempfile.mkdtemp(prefix="dlbook-course-"))
    shutil.copy(COURSE / "nbgrader_config.py", course)
    for name in names:
        shutil.copytree(COURSE / "source" / name, course / "source" / name)
    chosen = course_variants() if variants is None else variants
    table = "".join(f'{name} = "{chosen[name]}"\n' for name in names if name in chosen)
    (course / COURSE_FILE).write_text("[variants]\n" + table)
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
    source = read_source(course, name)
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
