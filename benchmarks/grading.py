"""How long nbgrader takes to grade one submission of each assignment, and what it scores.

Not a test. For each assignment, a scratch course gets N full solutions, which one
`nbgrader autograde` call grades; the time per submission is that call's wall time over N
(nbgrader's own start-up, a second or two, is shared by the batch). Then one untouched
student version is graded on its own. Repeated R times; medians are reported.

    python benchmarks/grading.py [--repeat R] [--solutions N]

Prints a table, then the figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import assignments  # noqa: E402  (tools/assignments.py)


def grade_once(n_solutions: int) -> dict:
    course = assignments.scratch_course()
    try:
        figures = {}
        for name in assignments.assignment_names():
            for i in range(n_solutions):
                assignments.submit(course, name, f"solution{i}",
                                   assignments.submission(course, name))
            seconds = assignments.autograde(course, name)
            assignments.submit(course, name, "untouched",
                               assignments.submission(course, name, answers={}))
            untouched_seconds = assignments.autograde(course, name, student="untouched")
            scores = assignments.grades(course, name)
            figures[name] = {
                "seconds_per_submission": seconds / n_solutions,
                "untouched_seconds": untouched_seconds,
                "solution": scores["solution0"]["score"],
                "untouched": scores["untouched"]["score"],
                "max_score": scores["solution0"]["max_score"]}
        return figures
    finally:
        shutil.rmtree(course, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--solutions", type=int, default=3)
    args = parser.parse_args(argv)
    runs = [grade_once(args.solutions) for _ in range(args.repeat)]
    summary = {}
    print(f"{'assignment':<14} {'s per solution':>15} {'s untouched':>12} {'solution':>9} "
          f"{'untouched':>10}   (medians)")
    for name in runs[0]:
        seconds = statistics.median(run[name]["seconds_per_submission"] for run in runs)
        untouched = statistics.median(run[name]["untouched_seconds"] for run in runs)
        first = runs[0][name]
        summary[name] = {"seconds_per_submission": round(seconds, 2),
                         "untouched_seconds": round(untouched, 2),
                         "runs": [round(run[name]["seconds_per_submission"], 2) for run in runs],
                         "solution": first["solution"], "untouched": first["untouched"],
                         "max_score": first["max_score"]}
        print(f"{name:<14} {seconds:>15.2f} {untouched:>12.2f} "
              f"{first['solution']:>6g}/{first['max_score']:g}"
              f" {first['untouched']:>7g}/{first['max_score']:g}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
