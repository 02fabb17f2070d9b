"""How long grading a class takes (tools/grading.py), measured on a batch and extrapolated.

Not a test. A scratch course gets N full solutions of each of the assignments (the
slowest honest submissions: every training run goes to the end). The batch is graded with
1 job and with --jobs J (default: every core), each in its own sandbox with one thread;
R repeats, medians reported. The extrapolation to a class multiplies the median seconds per
notebook by students x the number of assignments.

    python -m benchmarks.grading [--solutions N] [--jobs J] [--repeat R] [--students 300]

Prints a table, then the figures as JSON on the last line.
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
    """Grade n_solutions of every assignment; wall seconds and per-assignment figures."""
    course = assignments.scratch_course()
    try:
        names = assignments.assignment_names()
        students = [f"student{i}" for i in range(n_solutions)]
        for name in names:
            for student in students:
                assignments.submit(course, name, student, assignments.submission(course, name))
        start = time.perf_counter()
        results = grading.grade(course, names, students, jobs=jobs, progress=lambda _: None)
        wall = time.perf_counter() - start
        per_assignment = {name: statistics.median(r["seconds"] for r in results
                                                  if r["assignment"] == name)
                          for name in names}
        scores = {(r["score"], r["max_score"], r["status"]) for r in results}
        return {"wall": wall, "notebooks": len(results), "kernel_seconds": per_assignment,
                "scores": sorted(scores)}
    finally:
        shutil.rmtree(course, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args(argv)
    figures, n_assignments = {}, len(assignments.assignment_names())
    for jobs in sorted({1, args.jobs}):
        runs = [batch(args.solutions, jobs) for _ in range(args.repeat)]
        per_notebook = statistics.median(r["wall"] / r["notebooks"] for r in runs)
        class_minutes = per_notebook * args.students * n_assignments / 60
        figures[f"jobs={jobs}"] = {
            "notebooks_per_batch": runs[0]["notebooks"],
            "batch_seconds": [round(r["wall"], 1) for r in runs],
            "seconds_per_notebook": round(per_notebook, 2),
            f"minutes_for_{args.students}_students_x_{n_assignments}": round(class_minutes, 1),
            "kernel_seconds_by_assignment": {k: round(v, 2)
                                             for k, v in runs[0]["kernel_seconds"].items()},
            "scores": runs[0]["scores"]}
        batches = ", ".join(f"{r['wall']:.1f}" for r in runs)
        print(f"jobs={jobs}: {per_notebook:.2f} s per notebook (batches {batches} s for "
              f"{runs[0]['notebooks']}); {args.students} students x {n_assignments} assignments: "
              f"{class_minutes:.0f} min")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
