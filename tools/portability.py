"""Run the notebooks under a second numerical configuration: same outputs on any CPU.

    python -m tools.portability show                # the settings' effect on the kernels
    python -m tools.portability run --config C [PATHS]   # pytest under C (make test)
    python -m tools.portability compare PATHS       # execute under both; list what differs

The stored outputs are written on one machine and must match on every other: another
BLAS kernel, another SIMD width and another thread count round differently in the last
bits. ``make test`` runs strict nbval on every notebook twice, with one thread per
process and two test files at a time (pytest-xdist):

- ``native``: this machine's kernels with one thread, together with all other tests. The
  outputs were stored with the default thread count, so this pass also checks that the
  thread count changes nothing.
- ``other``: ``other_machine()``, which imitates another CPU on this one, on the
  notebooks: the first of ``OTHER_MACHINES`` that changes the low-order bits of every
  fingerprint here (``show`` prints them). Each setting only selects older, narrower
  code paths, so it is valid on any x86-64 CPU.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# one thread: other reduction orders than the stored outputs' two
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Another CPU's kernels, fastest first. On a CPU with AVX-512 both BLAS libraries' AVX2
# kernels are another machine's (every AVX2-only CPU runs them), and the notebooks run
# about 1.6 times as fast under them as under the SSE ones (chapters 08 and 10: 114 s
# against 180 s); on an AVX2-only CPU they are its own and change nothing, so the SSE
# kernels are used there. torch's own kernels are scalar in both.
OTHER_MACHINES = [
    {"OPENBLAS_CORETYPE": "Haswell",     # NumPy's BLAS: AVX2 kernels, not SkylakeX's
     "MKL_CBWR": "AVX2",                 # torch's BLAS (MKL): its AVX2 code path
     "ATEN_CPU_CAPABILITY": "default",   # torch's own kernels: no AVX2/AVX-512 vectorisation
     **ONE_THREAD},
    {"OPENBLAS_CORETYPE": "Nehalem",     # SSE kernels, not Haswell/SkylakeX/Zen
     "MKL_CBWR": "COMPATIBLE",           # MKL's SSE2 code path
     "ATEN_CPU_CAPABILITY": "default",
     **ONE_THREAD},
]
# the fingerprints that a configuration must change: one per library the notebooks use
CHANGED = ("numpy float64 matmul", "torch float32 matmul", "torch LSTM")

# A few computations whose last bits depend on the kernels: printed by `show`, compared
# by the tests, so a setting that stops having an effect is noticed.
FINGERPRINT = r'''
import hashlib, json
import numpy as np, torch
def h(a):
    return hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()[:10]
rng = np.random.default_rng(0)
A, B = rng.standard_normal((300, 257)), rng.standard_normal((257, 301))
tA, tB = torch.from_numpy(A), torch.from_numpy(B)
torch.manual_seed(0)
lstm, x = torch.nn.LSTM(16, 64), torch.randn(50, 8, 16)
with torch.no_grad():
    print(json.dumps({
        "numpy float64 matmul": h(A @ B),
        "torch float64 matmul": h((tA @ tB).numpy()),
        "torch float32 matmul": h((tA.float() @ tB.float()).numpy()),
        "torch float32 sum": h(torch.from_numpy(rng.standard_normal(10**5)).float().sum().numpy()),
        "torch LSTM": h(lstm(x)[0].numpy()),
        "torch capability": torch.backends.cpu.get_cpu_capability(),
        "torch threads": torch.get_num_threads(),
    }))
'''


@functools.cache
def other_machine() -> dict:
    """The first of ``OTHER_MACHINES`` that changes every fingerprint in ``CHANGED`` on
    this machine (the last one if none does: the tests then say so)."""
    here = fingerprint(None)
    for config in OTHER_MACHINES:
        there = fingerprint(config)
        if all(here[key] != there[key] for key in CHANGED):
            return config
    return OTHER_MACHINES[-1]


def settings(config: str) -> dict:
    """The environment variables of the configuration named ``config``."""
    return ONE_THREAD if config == "native" else other_machine()


def environment(config: dict | None) -> dict:
    """This process's environment with ``config`` laid over it (None: unchanged)."""
    env = dict(os.environ)
    env.update(config or {})
    return env


def fingerprint(config: dict | None) -> dict:
    """Fingerprints of a fresh interpreter's kernels under ``config``."""
    out = subprocess.run([sys.executable, "-c", FINGERPRINT], env=environment(config),
                         capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(paths: list[str], config: str, workers: int = 2) -> int:
    """pytest on ``paths`` (default: every test, pytest.ini's testpaths) under the
    configuration named ``config`` (``settings``), ``workers`` test files at a time.

    Every process has one thread, so two workers keep two cores busy. A file's tests
    stay in one worker, in order: a notebook's cells share a kernel, a module's tests its
    fixtures (the book is built once for all workers: tests/conftest.py).
    """
    command = [sys.executable, "-m", "pytest", *paths, "-p", "no:cacheprovider",
               "-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"]
    chosen = settings(config)
    print(f"pytest, {config} numerical configuration:",
          " ".join(f"{k}={v}" for k, v in chosen.items()), flush=True)
    return subprocess.run(command, cwd=ROOT, env=environment(chosen)).returncode


def compared_outputs(path: Path, config: dict | None) -> list[tuple[int, str]]:
    """Execute a copy of the notebook under ``config``; return (cell number, text) for
    every code cell whose output nbval compares, sanitised as nbval sanitises it."""
    script = ("import sys, nbformat, json; from tools import notebooks;"
              "nb = nbformat.read(sys.argv[1], as_version=4);"
              "notebooks.run_in_place(nb, sys.argv[1]);"
              "print(json.dumps(nbformat.writes(nb)))")
    out = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT,
                         env=environment(config), capture_output=True, text=True,
                         check=True, timeout=1800)
    import nbformat
    nb = nbformat.reads(json.loads(out.stdout.strip().splitlines()[-1]), as_version=4)
    return [(n, sanitise(text_of(cell)))
            for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code")
            if not ignored(cell)]


def ignored(cell) -> bool:
    tags = cell.metadata.get("tags", [])
    return "nbval-ignore-output" in tags or "NBVAL_IGNORE_OUTPUT" in cell.source


def text_of(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        elif "text/plain" in out.get("data", {}):
            parts.append(out["data"]["text/plain"])
        elif out.get("output_type") == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "".join(parts)


def sanitise(text: str) -> str:
    """Apply ``tests/sanitize.cfg``, the replacements nbval makes before comparing."""
    import configparser
    import re
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tests" / "sanitize.cfg")
    for section in parser.sections():
        text = re.sub(parser[section]["regex"], parser[section]["replace"], text)
    return text


def compare(path: Path) -> list[str]:
    """Cells of ``path`` whose compared output differs between the two configurations,
    each named with both values."""
    here, there = compared_outputs(path, None), compared_outputs(path, other_machine())
    return [f"{path.name}, code cell {n} (nbval's 'Cell {n}'):\n"
            f"  this machine's configuration:\n    {a!r}\n  other configuration:\n    {b!r}"
            for (n, a), (_, b) in zip(here, there) if a != b]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show", help="the settings and the fingerprints they change")
    tests = sub.add_parser("run", help="pytest under one configuration")
    tests.add_argument("--config", choices=["native", "other"], required=True)
    tests.add_argument("paths", nargs="*")
    cmp = sub.add_parser("compare", help="execute under both configurations and diff")
    cmp.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "show":
        here, there = fingerprint(None), fingerprint(other_machine())
        print(" ".join(f"{k}={v}" for k, v in other_machine().items()))
        for key in here:
            mark = "differs" if here[key] != there[key] else "same"
            print(f"{key:22s} {here[key]!s:12s} {there[key]!s:12s} {mark}")
        return 0
    if args.command == "run":
        return run(args.paths, args.config)
    differences = [d for path in args.paths for d in compare(path.resolve())]
    print("\n".join(differences) or "no compared output differs")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
