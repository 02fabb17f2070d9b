"""Run a rebuilt submission so that no verdict is decided in the student's process.

Two sandboxed kernels (tools/sandbox.py), which share nothing but a one-socket folder:

- the **answers' kernel** runs what a student's Run All would run up to the last test,
  except the tests: the setup and helper cells and the student's answers. Then it serves
  calls of the answers' functions over the channel (tools/channel.py) and nothing else;
  what it prints from then on is never read.
- the **tests' kernel** runs the setup and helper cells and every test cell, visible and
  hidden, with each function a student wrote replaced by a proxy that calls it in the
  answers' kernel and gets data back. Asserts, tolerances and oracles all live here, in a
  process the student's code never touches, so patching `np.allclose`, rewriting asserts
  or hiding tracebacks in the answers' kernel changes no verdict. Hidden tests never enter
  the answers' kernel, not even as source.

If an answer runs past a cell's time or kills its kernel, the answers' kernel is replaced
(its finished cells run again) before the next test cell, as a student's restart would.
"""
from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nbformat.v4 import new_code_cell

from tools import channel, sandbox, submissions, zygote

SOURCE = Path(channel.__file__).read_text()
MARGIN = 1.0          # seconds: a call gives up this much before its test cell would


@dataclass
class Run:
    """The graded notebook (answers' outputs and tests' outputs) and what happened."""
    nb: object
    events: list[str]
    tampering: list[str]
    seconds: float
    out_of_time: bool


def test_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")]


def prelude(path: Path, names: set[str]) -> str:
    """The tests' kernel's first cell: the channel, and a proxy for each answer's name."""
    return (f"_channel = {{'__name__': 'channel'}}\n"
            f"exec(compile({SOURCE!r}, 'channel.py', 'exec'), _channel)\n"
            f"_link = _channel['Channel']({str(path)!r})\n"
            f"globals().update({{n: _link.proxy(n) for n in {sorted(names)!r}}})\n")


def serve(path: Path, names: set[str]) -> str:
    """What the answers' kernel runs last: the channel's server, in a namespace of its own,
    calling the functions of the student's namespace."""
    return (f"_serving = {{'__name__': 'channel'}}\n"
            f"exec(compile({SOURCE!r}, 'channel.py', 'exec'), _serving)\n"
            f"_serving['serve']({str(path)!r}, {sorted(names)!r}, globals())\n")


def run(nb, source, limits: sandbox.Limits = sandbox.Limits(),
        watch: set[int] = frozenset()) -> Run:
    """Run the rebuilt notebook ``nb`` (the instructor's ``source`` with the student's
    answers) in the two kernels; return it with the answers' and the tests' outputs. The
    functions the tests may call are those the source's answers define."""
    zygote.ready(limits)       # before the clock starts: a notebook's time is its own
    start = time.monotonic()
    deadline = start + limits.notebook_seconds
    tests = test_cells(nb)
    answer_cells = submissions.answer_cells(source)
    answers = [index for index, _, _ in answer_cells]
    names = set().union(*(defined for _, _, defined in answer_cells))
    folder = zygote.folder() if zygote.usable() else sandbox.small_folder()
    if os.geteuid() == 0:                 # the tests' kernel runs as nobody and binds here
        os.chown(folder, sandbox.NOBODY, sandbox.NOBODY)
    path = folder / "socket"
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]

    answering = sandbox.Session(copy.deepcopy(nb), limits, deadline,
                                binds=[("--ro-bind", folder)], role="answers")
    checking_nb = copy.deepcopy(nb)
    checking_nb.cells.append(new_code_cell(prelude(path, names)))
    checking = sandbox.Session(checking_nb, limits, deadline, binds=[("--bind", folder)],
                               role="tests")
    tampering, reachable, connections = [], True, 0
    try:
        answering.start()
        # nothing after the last test can change a verdict (demonstrations, say)
        code = [i for i in code if i <= max(tests, default=-1)]
        tampering = sandbox.run_cells(answering, [i for i in code if i not in tests], watch)
        checking.start()
        checking.run(len(checking_nb.cells) - 1)
        pending = ""
        for index in (i for i in code if i not in answers):
            # one round trip: what the cell before left to do, the deadline of the calls
            # the cell makes, and whether the answers' kernel is connected
            if (checking.evaluate("_link.ready()", pending + _call_deadline(deadline, limits))
                    != "True" and reachable):
                reachable = _connect(answering, checking, path, names, connections)
                connections += 1
                checking.evaluate("None", _call_deadline(deadline, limits))
            if deadline - time.monotonic() <= MARGIN:
                checking.deadline = time.monotonic()    # no time for a call: not run
            checking.run(index)
            # after a setup cell: remember how its models are built
            pending = "" if index in tests else "_channel['record_inits'](globals())\n"
    finally:
        answering.close()
        checking.close()
        sandbox.remove_folder(folder)
    graded = copy.deepcopy(nb)
    for index in code:
        source = checking.nb if index in tests else answering.nb
        graded.cells[index].outputs = source.cells[index].outputs
        graded.cells[index].execution_count = source.cells[index].execution_count
    events = answering.events + [f"tests: {e}" for e in checking.events]
    return Run(graded, events, tampering, time.monotonic() - start,
               answering.out_of_time or checking.out_of_time)


def _call_deadline(deadline: float, limits: sandbox.Limits) -> str:
    """Code that gives the calls of the next test cell its time, less a margin, so that a
    call that runs over fails in the cell instead of stopping the cell."""
    left = min(limits.cell_seconds, deadline - time.monotonic()) - MARGIN
    return f"_link.deadline = __import__('time').time() + {left}"


def _connect(answering, checking, path: Path, names: set[str], connections: int) -> bool:
    """Start the answers' server, or, after a timeout or a crash, restart the answers'
    kernel first; False if it cannot be reached any more."""
    if connections:
        answering.restart()       # an answer may still be running, or its kernel died
    if answering.restarts > 3 or answering.client.kc is None:
        return False
    try:
        answering.send(serve(path, names))
    except Exception:                               # noqa: BLE001 (its kernel is gone)
        return False
    return checking.evaluate("_link.accept(20)") == "True"
