"""Grade a class's submissions of the autograded assignments, safely and in parallel.

    python -m tools.grading grade a03_backprop [more names] [--roster ids.txt] [--jobs N]
    python -m tools.grading accept a03_backprop STUDENT     # after reviewing a flagged one
    python -m tools.grading written a04_lstm                 # written answers to a CSV ...
    python -m tools.grading mark a04_lstm                    # ... and their scores back
    python -m tools.grading export                           # grades.csv again

Submissions sit where nbgrader puts them, ``assignments/submitted/<student>/<name>/``
(``nbgrader collect`` on a JupyterHub, or by hand); a notebook renamed by Colab ("Copy of
a03_backprop.ipynb") or a browser ("a03_backprop (1).ipynb") is found, also directly in
``submitted/<student>/``; a link, a pipe or a device is refused unread. For each student
on the roster, grading

1. rebuilds the notebook from the instructor's source with the student's answers
   (tools/submissions.py) and flags answers that reach the interpreter (a warning for a
   person, not a defence);
2. runs it in two sandboxed kernels (tools/verdicts.py): the student's answers in one,
   the tests in the other, which calls the answers across a data-only channel, so that
   every verdict is decided outside the student's process; one thread each, with caps on
   memory, processes, time and output (tools/sandbox.py), ``--jobs`` submissions at a
   time (default: every core);
3. scores each test cell (its points if it raised no error; a warning on stderr is not an
   error), writes the graded notebook to ``autograded/`` and the result to ``results/``.

Then, outside every sandbox, the scores go into nbgrader's gradebook (where formgrader shows
them and where the written answers are graded by hand), sanitised feedback without the
hidden tests goes to ``feedback/<student>/<name>/<name>.html`` (nbgrader's layout, which
its ``release_feedback`` reads), and ``grades.csv`` gets one row per student ever graded
and assignment, with a score or the reason there is none (missing, unreadable, refused,
ambiguous, flagged, timed out). One submission's failure never stops the batch.
"""
from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from tools import assignments, sandbox, submissions, verdicts

HIDDEN = "### BEGIN HIDDEN TESTS"
# A result's status, and whether it carries a score that counts.
COUNTED = {"graded": True, "reviewed": True, "timed out": True, "flagged": False,
           "missing": False, "unreadable": False, "ambiguous": False, "refused": False,
           "error": False}


def test_cells(source) -> dict[str, tuple[int, float]]:
    """grade id -> (index, points) of each autograded test cell."""
    return {c.metadata["nbgrader"]["grade_id"]: (i, float(c.metadata["nbgrader"]["points"]))
            for i, c in enumerate(source.cells)
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}


def passed(cell) -> bool:
    """A test cell passes when it raised nothing (stderr, such as a warning, is fine)."""
    return not any(out.output_type == "error" for out in cell.outputs)


def locate(course: Path, name: str, student: str) -> tuple[Path | None, str, list[str]]:
    """The student's notebook for ``name``, or the status that says why there is none."""
    base = course / "submitted" / student
    if os.path.lexists(base) and not submissions.plain_folder(base):
        return None, "refused", [f"the submission folder is a link: it {submissions.NOT_READ}"]
    for folder in (base / name, base):
        path, notes = submissions.find_notebook(folder, name)
        if path is not None:
            return path, "", notes
        if any(submissions.NOT_READ in note for note in notes):
            return None, "refused", notes
        if notes:
            return None, "ambiguous", notes
    return None, "missing", ["no notebook was handed in"]


def grade_one(course: Path, name: str, student: str, limits: sandbox.Limits) -> dict:
    """Grade one submission; never raises (an unexpected failure becomes status "error")."""
    result = {"student": student, "assignment": name, "status": "", "score": None,
              "cells": {}, "notes": [], "flags": [], "events": [], "seconds": 0.0}
    try:
        source = assignments.read_source(course, name)
        tests = test_cells(source)
        result["max_score"] = sum(points for _, points in tests.values())
        path, status, notes = locate(course, name, student)
        result["notes"] += notes
        if path is None:
            result["status"] = status
            return result
        rebuilt = submissions.rebuild(path, source)
        result["notes"] += rebuilt.notes
        if rebuilt.nb is None:
            result["status"] = "unreadable"
            return result
        watch = {index for index, _, _ in submissions.answer_cells(source)}
        run = verdicts.run(rebuilt.nb, source, limits, watch)
        result["events"], result["seconds"] = run.events, round(run.seconds, 2)
        result["flags"] = rebuilt.flags + [f"at run time: {t}" for t in run.tampering]
        result["cells"] = {grade_id: points if passed(run.nb.cells[index]) else 0.0
                           for grade_id, (index, points) in tests.items()}
        result["score"] = sum(result["cells"].values())
        result["written"] = [c.metadata["nbgrader"]["grade_id"] for c in source.cells
                             if c.cell_type == "markdown"
                             and c.metadata.get("nbgrader", {}).get("grade")]
        result["status"] = ("flagged" if result["flags"] else
                            "timed out" if run.out_of_time else "graded")
        graded = assignments.notebook_path(course, "autograded", name, student)
        graded.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(run.nb, graded)
    except Exception:                     # noqa: BLE001 (the batch must go on)
        result["status"] = "error"
        result["notes"].append(traceback.format_exc(limit=3).strip().splitlines()[-1])
    return result


def open_gradebook(course: Path):
    """nbgrader's gradebook of ``course`` (created if need be: nbgrader then runs its
    ``alembic`` by name, which must be on PATH even when the environment is not active)."""
    from nbgrader.api import Gradebook

    assignments.scripts_on_path()
    return Gradebook(f"sqlite:///{course / 'gradebook.db'}")


def result_path(course: Path, name: str, student: str) -> Path:
    return course / "results" / name / f"{student}.json"


def _grade_and_save(job):
    course, name, student, limits = job
    result = grade_one(course, name, student, limits)
    path = result_path(course, name, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def roster(course: Path, path: Path | None) -> list[str]:
    """Student ids: from the roster file (one per line, or a CSV with an ``id`` column),
    else every student the gradebook or the submitted folder knows."""
    if path is not None:
        text = path.read_text().splitlines()
        if text and "," in text[0]:
            return [row["id"].strip() for row in csv.DictReader(text) if row["id"].strip()]
        return [line.strip() for line in text if line.strip() and not line.startswith("#")]
    ids = set()
    if (course / "submitted").is_dir():
        ids |= {p.name for p in (course / "submitted").iterdir() if p.is_dir()}
    if (course / "gradebook.db").exists():
        with open_gradebook(course) as gradebook:
            ids |= {s.id for s in gradebook.students}
    return sorted(ids)


def grade(course: Path, names: list[str], students: list[str], jobs: int,
          limits: sandbox.Limits = sandbox.Limits(), shard: tuple[int, int] = (0, 1),
          progress=print) -> list[dict]:
    """Grade every (student, assignment) of this shard, ``jobs`` at a time."""
    problem = sandbox.problem()
    if problem:
        raise SystemExit(f"cannot grade safely: {problem}")
    todo = [(course, name, student, limits) for name in names for student in students]
    todo = todo[shard[0]::shard[1]]
    results = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(_grade_and_save, todo):
            results.append(result)
            score = ("" if result["score"] is None
                     else f" {result['score']:g}/{result['max_score']:g}")
            progress(f"[{len(results)}/{len(todo)}] {result['assignment']} {result['student']}: "
                     f"{result['status']}{score}")
    return results


def merge(course: Path, names: list[str]) -> None:
    """Put the saved results into nbgrader's gradebook (scores of test cells only)."""
    from nbgrader.api import MissingEntry

    for name in names:
        try:
            with open_gradebook(course) as gradebook:
                gradebook.find_assignment(name)
        except MissingEntry:
            assignments.generate(course, [name])        # records its cells
    with open_gradebook(course) as gradebook:
        for name in names:
            for path in sorted((course / "results" / name).glob("*.json")):
                result = json.loads(path.read_text())
                if not result["cells"]:
                    continue
                student = result["student"]
                gradebook.update_or_create_student(student)
                # a regrade updates the automatic scores and keeps any graded by hand
                gradebook.update_or_create_submission(name, student)
                for cell, score in result["cells"].items():
                    entry = gradebook.find_grade(cell, name, name, student)
                    entry.auto_score, entry.needs_manual_grade = score, False
                for cell in result.get("written", []):           # left for `mark`
                    entry = gradebook.find_grade(cell, name, name, student)
                    entry.needs_manual_grade = entry.manual_score is None
                gradebook.db.commit()


def feedback(course: Path, name: str, student: str, result: dict) -> Path | None:
    """The graded notebook as HTML for the student: hidden tests reduced to passed or
    failed, and every test after the first hidden one to its verdict and the name of its
    error (its output could hold what the answers' code saw of the hidden tests); HTML and
    scripts in answers and outputs sanitised."""
    graded = assignments.notebook_path(course, "autograded", name, student)
    if not graded.exists():
        return None
    nb = nbformat.read(graded, as_version=4)
    hidden_seen = False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        errors = [o.ename for o in cell.outputs if o.output_type == "error"]
        verdict = f"failed ({errors[0]})" if errors else "passed"
        if HIDDEN in cell.source:
            hidden_seen = True
            cell.source = f"# Hidden test ({meta.get('points', 0):g} points): {verdict}"
            meta["points"] = result["cells"].get(meta.get("grade_id"), 0)
        if hidden_seen:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text=f"{verdict}\n")]
    lines = [f"# Feedback: {name}, {student}",
             f"**Score:** {_score_text(result)}."]
    lines += [f"- {text}" for text in result["notes"] + result["events"]]
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("\n".join(lines)))
    html, _ = _exporter().from_notebook_node(nb)
    path = feedback_path(course, name, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html)
    # what nbgrader's release_feedback reads beside the HTML: the submission's time and
    # secret, which `nbgrader collect` put beside the submitted notebook
    for record in ("timestamp.txt", "submission_secret.txt"):
        submitted = course / "submitted" / student / name / record
        if submissions.plain_file(submitted):
            text = submissions.read_bytes(submitted, limit=4096).decode("utf-8", "replace")
            (path.parent / record).write_text(text)
    return path


@functools.cache
def _exporter():
    """One HTML exporter per process: a new one's first export loads its templates, which
    takes longer than a later export of the whole notebook (0.4 s against 0.25 s here)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors.sanitize import SanitizeHTML
    exporter = HTMLExporter(template_name="lab")
    exporter.register_preprocessor(SanitizeHTML(), enabled=True)
    return exporter


def feedback_path(course: Path, name: str, student: str) -> Path:
    """nbgrader's layout, feedback/<student>/<assignment>/<notebook>.html."""
    return course / "feedback" / student / name / f"{name}.html"


FORMULA = ("=", "+", "-", "@", "\t", "\r")    # what a spreadsheet would run as a formula


def csv_safe(text: str) -> str:
    """A CSV field a spreadsheet shows as text: one that starts like a formula gets a
    leading apostrophe (OWASP's advice for CSV injection)."""
    return "'" + text if text.startswith(FORMULA) else text


def csv_value(text: str) -> str:
    """The field csv_safe() was given."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA) else text


def _score_text(result: dict) -> str:
    if result["score"] is None or not COUNTED[result["status"]]:
        return f"none yet ({result['status']})"
    text = f"{result['score']:g} of {result['max_score']:g} from the tests"
    if result.get("written"):
        text += ", and the written answer is marked by hand"
    return text


def export(course: Path, names: list[str], students: list[str]) -> Path:
    """grades.csv: one row per student and assignment, a score or the reason for none.

    The score is the gradebook's (so hand-graded cells and formgrader's manual overrides
    count); a result that does not count (flagged, missing, ...) leaves it empty.
    """
    from nbgrader.api import MissingEntry

    graded_before = sorted({p.stem for name in names
                            for p in (course / "results" / name).glob("*.json")})
    students = list(dict.fromkeys(list(students) + graded_before))   # nobody dropped
    path = course / "grades.csv"
    with open_gradebook(course) as gradebook, \
            path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "assignment", "status", "score", "max_score", "reason"])
        for student in students:
            for name in names:
                saved = result_path(course, name, student)
                result = json.loads(saved.read_text()) if saved.exists() else {
                    "status": "missing", "notes": ["not graded yet"], "flags": []}
                score, notes = "", []
                if COUNTED.get(result["status"]):
                    try:
                        submission = gradebook.find_submission(name, student)
                        score = f"{submission.score:g}"
                        if submission.needs_manual_grade:
                            notes = ["the written answer is not marked yet"]
                    except MissingEntry:
                        pass
                max_score = f"{gradebook.find_assignment(name).max_score:g}"
                reason = "; ".join(result["flags"] or
                                   notes + result["notes"] + result.get("events", []))
                writer.writerow([csv_safe(student), name, result["status"], score, max_score,
                                 csv_safe(reason)])
    return path


def written(course: Path, name: str, students: list[str]) -> Path:
    """``written/<name>.csv``: each written answer to mark by hand, one row per student and
    question, with empty ``score`` and ``comment`` columns (scores already given are kept)."""
    path = course / "written" / f"{name}.csv"
    given = {}
    if path.exists():
        with path.open(newline="") as handle:
            given = {(csv_value(r["student_id"]), r["question"]): r
                     for r in csv.DictReader(handle)}
    rows = []
    for student in students:
        graded = assignments.notebook_path(course, "autograded", name, student)
        if not graded.exists():
            continue
        for cell in nbformat.read(graded, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
                old = given.get((student, meta["grade_id"]), {})
                rows.append({"student_id": csv_safe(student), "question": meta["grade_id"],
                             "points": f"{meta['points']:g}", "answer": csv_safe(cell.source),
                             "score": old.get("score", ""),
                             "comment": csv_safe(old.get("comment", ""))})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["student_id", "question", "points", "answer",
                                         "score", "comment"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def mark(course: Path, name: str) -> int:
    """Put the scores filled in ``written/<name>.csv`` into the gradebook; how many."""
    with (course / "written" / f"{name}.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["score"].strip()]
    with open_gradebook(course) as gradebook:
        for row in rows:
            score = float(row["score"])
            if not 0 <= score <= float(row["points"]):
                raise SystemExit(f"{row['student_id']}, {row['question']}: score {score:g} "
                                 f"is not between 0 and {row['points']}")
            entry = gradebook.find_grade(row["question"], name, name,
                                         csv_value(row["student_id"]))
            entry.manual_score, entry.needs_manual_grade = score, False
        gradebook.db.commit()
    return len(rows)


def accept(course: Path, name: str, student: str) -> None:
    """Let a flagged result count, once an instructor has read the answers."""
    path = result_path(course, name, student)
    result = json.loads(path.read_text())
    if result["status"] != "flagged":
        raise SystemExit(f"{student}'s {name} is {result['status']}, not flagged")
    result["status"], result["notes"] = "reviewed", result["notes"] + [
        "flagged and reviewed: " + "; ".join(result["flags"])]
    result["flags"] = []
    path.write_text(json.dumps(result, indent=1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=assignments.COURSE)
    parser.add_argument("--roster", type=Path, help="student ids, one per line (or CSV with id)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("grade", help="grade, merge into the gradebook, feedback, export")
    run.add_argument("names", nargs="+")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    run.add_argument("--shard", default="0/1", help="K/N: grade every N-th submission from "
                     "the K-th (several machines), then run `merge` once on all results")
    run.add_argument("--no-merge", action="store_true")
    ok = sub.add_parser("accept", help="let a reviewed, flagged result count")
    ok.add_argument("name")
    ok.add_argument("student")
    again = sub.add_parser("merge", help="gradebook, feedback and grades.csv from saved results")
    again.add_argument("names", nargs="+")
    sub.add_parser("export", help="grades.csv from the saved results")
    text = sub.add_parser("written", help="written/<name>.csv: the written answers to mark")
    text.add_argument("name")
    marks = sub.add_parser("mark", help="scores filled in written/<name>.csv to the gradebook")
    marks.add_argument("name")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    students = roster(course, args.roster)
    if args.command == "grade":
        k, n = (int(x) for x in args.shard.split("/"))
        grade(course, args.names, students, args.jobs, shard=(k, n))
        if args.no_merge:
            return 0
    if args.command == "written":
        print(f"wrote {written(course, args.name, students)}: fill in `score` (and `comment`),"
              f" then run `mark {args.name}`")
        return 0
    if args.command == "mark":
        print(f"marked {mark(course, args.name)} written answers")
    if args.command == "accept":
        accept(course, args.name, args.student)
        args.names = [args.name]
    if args.command in ("grade", "merge", "accept"):
        merge(course, args.names)
        write_feedback(course, args.names, students, getattr(args, "jobs", 1))
    names = sorted({p.name for p in (course / "results").iterdir()}) \
        if (course / "results").is_dir() else []
    print(f"wrote {export(course, names, students)}")
    return 0


def _feedback_job(job):
    course, name, student = job
    saved = result_path(course, name, student)
    if saved.exists():
        feedback(course, name, student, json.loads(saved.read_text()))


def write_feedback(course: Path, names: list[str], students: list[str], jobs: int) -> None:
    """Every student's feedback file, ``jobs`` at a time (nbconvert takes most of a core)."""
    todo = [(course, name, student) for name in names for student in students]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(_feedback_job, todo, chunksize=8))


if __name__ == "__main__":
    sys.exit(main())
