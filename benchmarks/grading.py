"""How long grading a class takes (tools/grading.py), measured on batches and extrapolated.

Not a test. A scratch course gets N full solutions of each of the assignments (the
slowest honest submissions: every training run goes to the end). The batch goes through
the whole pipeline of `python -m tools.grading grade`, each phase timed: grading (two
sandboxed kernels per notebook, --jobs at a time), merging into nbgrader's gradebook,
writing every feedback file (--jobs at a time) and exporting grades.csv.

A run pays some costs once, whatever the class's size: each worker process starts its two
zygotes (tools/zygote.py) and loads nbconvert. So two batch sizes are timed, 1 and N
solutions of each assignment, R times each; the medians give the cost per notebook (the
slope) and the cost per run (what is left at one solution). The extrapolation is the cost
per run plus students x assignments notebooks at the cost per notebook.

    python -m benchmarks.grading [--solutions N] [--jobs J] [--repeat R] [--students 300]

Prints a line per batch, then the figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time

from tools import assignments, grading


def batch(n_solutions: int, jobs: int) -> dict:
    """Grade n_solutions of every assignment end to end; seconds per phase."""
    course = assignments.scratch_course()
    try:
        names = assignments.assignment_names()
        students = [f"student{i}" for i in range(n_solutions)]
        for name in names:
            for student in students:
                assignments.submit(course, name, student, assignments.submission(course, name))
        seconds = {}
        start = time.perf_counter()
        results = grading.grade(course, names, students, jobs=jobs, progress=lambda _: None)
        seconds["grade"] = time.perf_counter() - start
        start = time.perf_counter()
        grading.merge(course, names)
        seconds["merge"] = time.perf_counter() - start
        start = time.perf_counter()
        grading.write_feedback(course, names, students, jobs)
        seconds["feedback"] = time.perf_counter() - start
        start = time.perf_counter()
        grading.export(course, names, students)
        seconds["export"] = time.perf_counter() - start
        per_assignment = {name: statistics.median(r["seconds"] for r in results
                                                  if r["assignment"] == name)
                          for name in names}
        scores = sorted({(r["score"], r["max_score"], r["status"]) for r in results})
        return {"seconds": seconds, "notebooks": len(results), "kernel_seconds": per_assignment,
                "scores": scores}
    finally:
        shutil.rmtree(course, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args(argv)
    if args.solutions < 2:
        parser.error("--solutions must be at least 2 (the small batch has 1)")
    n_assignments = len(assignments.assignment_names())
    runs = {1: [], args.solutions: []}
    for _ in range(args.repeat):
        for size in runs:
            runs[size].append(batch(size, args.jobs))
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in runs[size][-1]["seconds"].items())
            print(f"{runs[size][-1]['notebooks']} notebooks, jobs={args.jobs}: {phases}")
    small, large = runs[1], runs[args.solutions]
    extra = large[0]["notebooks"] - small[0]["notebooks"]
    total = {size: statistics.median(sum(r["seconds"].values()) for r in runs[size])
             for size in runs}
    per_notebook = (total[args.solutions] - total[1]) / extra
    per_run = max(0.0, total[1] - per_notebook * small[0]["notebooks"])
    per_phase = {phase: (statistics.median(r["seconds"][phase] for r in large)
                         - statistics.median(r["seconds"][phase] for r in small)) / extra
                 for phase in large[0]["seconds"]}
    minutes = (per_run + per_notebook * args.students * n_assignments) / 60
    print(f"{per_notebook:.2f} s per notebook and {per_run:.0f} s per run, end to end; "
          f"{args.students} students x {n_assignments} assignments: {minutes:.0f} min "
          f"on {args.jobs} jobs")
    print(json.dumps({
        "jobs": args.jobs, "notebooks_per_batch": [r[0]["notebooks"] for r in runs.values()],
        "repeats": args.repeat,
        "seconds_per_notebook": round(per_notebook, 2), "seconds_per_run": round(per_run, 1),
        f"minutes_{args.students}_students": round(minutes, 1),
        "seconds_per_notebook_by_phase": {k: round(v, 3) for k, v in per_phase.items()},
        "kernel_seconds_by_assignment": {k: round(statistics.median(
            r["kernel_seconds"][k] for r in large), 2) for k in large[0]["kernel_seconds"]},
        "scores": large[0]["scores"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
