"""Execution time of every chapter notebook on this machine (not a test).

Runs each notebook top to bottom in a fresh kernel on a temporary copy, so the committed
outputs are untouched. Prints a table, then the figures as JSON on the last line.

    python -m benchmarks.notebook_times [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from tools import notebooks

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook (median reported)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in notebooks.notebook_paths():
            copy = Path(tmp) / path.name
            shutil.copy(path, copy)
            times = [notebooks.execute(copy, write=False) for _ in range(args.repeat)]
            results[path.name] = {"median_s": round(statistics.median(times), 2),
                                  "runs_s": [round(t, 2) for t in times]}
            print(f"{path.name:32s} median {statistics.median(times):6.1f} s  "
                  f"runs {', '.join(f'{t:.1f}' for t in times)}", flush=True)
    total = sum(r["median_s"] for r in results.values())
    print(f"{'total':32s} {total:6.1f} s")
    print(json.dumps({"notebooks": results, "total_median_s": round(total, 2)}))


if __name__ == "__main__":
    main()
