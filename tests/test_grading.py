"""Grading a class (tools/grading.py): each attack on the grader and each fault of a batch
seen in a course, as a crafted submission with the outcome it must get.

The sandbox itself (tools/sandbox.py) is tested on small notebooks that try to leave it;
the rebuild and review of submissions (tools/submissions.py) on answers that try to fool
the tests. Everything here uses a03 (NumPy only), graded in a scratch course.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tools import assignments, cgroups, grading, sandbox, submissions, zygote

NAME = "a03_backprop"


def test_the_sandbox_works_on_this_machine():
    # `make test` installs bubblewrap (`make sandbox`); without it nothing here can pass
    assert sandbox.problem() is None

ZERO_LINEAR = '''def linear_backward(delta, A, W):
    return np.zeros((delta.shape[1], A.shape[1])), np.zeros(delta.shape[1]), np.zeros_like(A)
'''
# What would score full marks without solving anything, if the grader let it run as it is.
REWRITE_ASSERTS = ZERO_LINEAR + '''
get_ipython().input_transformers_post.append(
    lambda lines: [line.replace("assert ", "pass  # ") for line in lines])
'''
PATCH_ALLCLOSE = ZERO_LINEAR + "np.allclose = lambda *args, **kwargs: True\n"
PATCH_TESTING = ZERO_LINEAR + '''
def _quiet(*args, **kwargs):
    return None
np.testing.assert_allclose = _quiet
'''
IGNORE_SIGINT = '''import signal
def train(X, y, hidden=16, lr=2.0, steps=1000, seed=0, activation="tanh"):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
'''
ENDLESS = '''def train(X, y, hidden=16, lr=2.0, steps=1000, seed=0, activation="tanh"):
    while True:
        pass
'''
CELL_SECONDS = 4     # per cell in these runs, so each endless loop costs 4 s
# Attacks on verdicts decided in the student's process; the tests now run in a kernel of
# their own (tools/verdicts.py), so none of them may earn a point. Scored full marks when
# pass and fail were read from the student's kernel: failing tests print no traceback.
HIDES_TRACEBACKS = """import dataclasses
shell = dataclasses.sys.modules["IPython"].get_ipython()
shell._showtraceback = lambda *args, **kwargs: None
"""
# The same behind doctest prompts: not Python, so the review cannot parse it, but IPython
# strips the prompts and runs it.
PROMPTS = """>>> import dataclasses
>>> shell = dataclasses.sys.modules["IPython"].get_ipython()
>>> shell._showtraceback = lambda *args, **kwargs: None
"""
# IPython's autocall: `;exec text` runs exec("text"), also not Python to the review.
SEMICOLON_EXEC = """import dataclasses
;exec dataclasses.sys.modules["IPython"].get_ipython()._showtraceback = print
"""
# Rebinds the provided finite differences so that a backward pass of zeros agrees with it.
WALRUS_HELPER = """(numerical_gradient := lambda f, x, h=1e-6: np.zeros_like(x, dtype=float))


def loss_and_gradients(params, X, y, activation="tanh"):
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = ACTIVATIONS[activation](Z) if l < L else Z
    J = 0.5 * np.sum((sigmoid(A) - np.eye(A.shape[1])[y]) ** 2) / len(y)
    return J, {k: np.zeros_like(v) for k, v in params.items()}
"""
# Returns an object equal to anything, which would pass `==` and `np.allclose`.
ALWAYS_EQUAL = """class Anything(float):
    def __eq__(self, other):
        return True
    def __array_function__(self, *args, **kwargs):
        return True


def activation_backward(dA, Z, activation="tanh"):
    return Anything()
"""
# Blinds the run-time check (it reads a JSON fingerprint) and runs a shell command.
BLINDS_JSON = """import random
random._os.popen("echo hello > /tmp/planted").read()
import dataclasses
dataclasses.sys.modules["json"].dumps = lambda *args, **kwargs: "{}"
"""


def solution(course, grade_id):
    source = nbformat.read(assignments.notebook_path(course, "source", NAME), as_version=4)
    cell = next(c for c in source.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return assignments.solution_code(cell.source)


def crafted(course):
    """student id -> (notebook or raw bytes, file name or None, folder) of each submission."""
    full = assignments.submission(course, NAME)
    stub = assignments.submission(course, NAME, answers={})
    sol = {g: solution(course, g) for g in
           ("linear_backward", "activation_backward", "loss_and_gradients", "train")}
    out = {"solution": full, "untouched": stub}
    out["rewrites_asserts"] = assignments.submission(
        course, NAME, {"linear_backward": REWRITE_ASSERTS})
    out["patches_allclose"] = assignments.submission(
        course, NAME, {"linear_backward": PATCH_ALLCLOSE})
    out["patches_testing"] = assignments.submission(
        course, NAME, {"linear_backward": PATCH_TESTING})
    out["redefines_helper"] = assignments.submission(course, NAME, {
        **dict.fromkeys(sol, "solution"),
        "train": "def accuracy(params, X, y):\n    return 1.0\n\n" + sol["train"]})
    helper_cell = assignments.submission(course, NAME, answers={})
    helper_cell.cells.insert(17, new_code_cell("def accuracy(params, X, y):\n    return 1.0\n"
                                               "np.allclose = lambda *a, **k: True"))
    out["helper_in_own_cell"] = helper_cell
    duplicate = assignments.submission(course, NAME)
    stub_cell = next(c for c in stub.cells if c.metadata["nbgrader"]["grade_id"] == "train")
    duplicate.cells.insert(duplicate.cells.index(next(
        c for c in duplicate.cells if c.metadata["nbgrader"]["grade_id"] == "train")),
        nbformat.from_dict(json.loads(json.dumps(stub_cell))))
    out["duplicated_cell"] = duplicate
    out["lost_metadata"] = new_notebook(cells=[new_code_cell("import numpy as np")] + [
        new_code_cell(code) for code in sol.values()])
    out["ignores_sigint"] = assignments.submission(course, NAME, {
        **dict.fromkeys(list(sol)[:3], "solution"), "train": IGNORE_SIGINT})
    out["endless"] = assignments.submission(course, NAME, {
        **dict.fromkeys(list(sol)[:3], "solution"), "train": ENDLESS})
    out["prints_50_mb"] = assignments.submission(course, NAME, {
        **dict.fromkeys(list(sol)[:3], "solution"),
        "train": sol["train"] + '\nprint("x" * 50_000_000)\n'})
    out["hides_tracebacks"] = assignments.submission(
        course, NAME, {"linear_backward": HIDES_TRACEBACKS})
    out["prompts"] = assignments.submission(course, NAME, {"linear_backward": PROMPTS})
    out["semicolon_exec"] = assignments.submission(course, NAME,
                                                   {"linear_backward": SEMICOLON_EXEC})
    out["walrus_helper"] = assignments.submission(course, NAME, {
        **dict.fromkeys(sol, "solution"), "loss_and_gradients": WALRUS_HELPER})
    out["always_equal"] = assignments.submission(course, NAME,
                                                 {"activation_backward": ALWAYS_EQUAL})
    out["blinds_json"] = assignments.submission(course, NAME, {
        **dict.fromkeys(sol, "solution"), "linear_backward": sol["linear_backward"] + BLINDS_JSON})
    written = assignments.submission(course, NAME)
    next(c for c in written.cells if c.metadata.get("nbgrader", {}).get("grade_id")
         == "confident_mistakes").source = '=HYPERLINK("http://x") <script>alert("x")</script>'
    out["script_answer"] = written
    out["warns_on_stderr"] = assignments.submission(course, NAME, {
        **dict.fromkeys(sol, "solution"), "activation_backward": sol["activation_backward"].replace(
            '"""\n', '"""\n    np.log(np.zeros(1))      # RuntimeWarning on stderr\n', 1)})
    return out


ROSTER = ["solution", "untouched", "rewrites_asserts", "patches_allclose", "patches_testing",
          "redefines_helper", "helper_in_own_cell", "duplicated_cell", "lost_metadata",
          "colab_copy", "side_file", "unreadable", "ignores_sigint", "endless",
          "prints_50_mb", "warns_on_stderr", "hides_tracebacks", "prompts", "semicolon_exec",
          "walrus_helper",
          "always_equal", "blinds_json", "pipe", "links_dev_zero", "links_source",
          "links_classmate", "script_answer", "never_submitted"]


@pytest.fixture(scope="module")
def course():
    course = assignments.scratch_course([NAME])
    try:
        for student, nb in crafted(course).items():
            assignments.submit(course, NAME, student, nb)
        full = assignments.submission(course, NAME)
        colab = course / "submitted" / "colab_copy"      # no assignment folder either
        colab.mkdir(parents=True)
        nbformat.write(full, colab / f"Copy of {NAME}.ipynb")
        assignments.submit(course, NAME, "side_file", full)
        (assignments.notebook_path(course, "submitted", NAME, "side_file").parent
         / "numpy.py").write_text("raise SystemExit('a numpy of my own')\n")
        # what `nbgrader collect` puts beside a notebook handed in through the exchange
        handed_in = assignments.notebook_path(course, "submitted", NAME, "solution").parent
        (handed_in / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
        (handed_in / "submission_secret.txt").write_text("a secret of the student's client")
        broken = assignments.notebook_path(course, "submitted", NAME, "unreadable")
        broken.parent.mkdir(parents=True)
        broken.write_text('{"cells": [ this is not JSON')
        for student, target in [("pipe", None), ("links_dev_zero", "/dev/zero"),
                                ("links_source",
                                 assignments.notebook_path(course, "source", NAME))]:
            path = assignments.notebook_path(course, "submitted", NAME, student)
            path.parent.mkdir(parents=True)
            os.mkfifo(path) if target is None else path.symlink_to(target)
        (course / "submitted" / "links_classmate").symlink_to(course / "submitted" / "solution")
        limits = sandbox.Limits(cell_seconds=CELL_SECONDS)
        grading.grade(course, [NAME], ROSTER, jobs=2, limits=limits, progress=lambda _: None)
        grading.merge(course, [NAME])
        for student in ROSTER:
            result = json.loads(grading.result_path(course, NAME, student).read_text())
            grading.feedback(course, NAME, student, result)
        grading.export(course, [NAME], ROSTER)
        yield course
    finally:
        shutil.rmtree(course, ignore_errors=True)


def result(course, student):
    return json.loads(grading.result_path(course, NAME, student).read_text())


def export_rows(course):
    text = (course / "grades.csv").read_text().splitlines()
    return {row["student_id"]: row for row in csv.DictReader(text)}


@pytest.mark.parametrize("student,score", [
    # 9 of 10: the written answer (1 point) is marked by hand later
    ("solution", 9), ("untouched", 0), ("helper_in_own_cell", 0), ("duplicated_cell", 9),
    ("lost_metadata", 9), ("colab_copy", 9), ("side_file", 9), ("warns_on_stderr", 9),
    ("endless", 7), ("prompts", 0), ("semicolon_exec", 0), ("always_equal", 0),
    # the cell over the output cap is stopped and does not count: no `train`
    ("prints_50_mb", 7),
    # questions 1 and 2 (4 points); no backward pass, so neither 3 nor 4
    ("walrus_helper", 4)])
def test_submissions_score_what_their_answers_earn(course, student, score):
    row = export_rows(course)[student]
    assert row["status"] == "graded" and float(row["score"]) == score, row


@pytest.mark.parametrize("student,reason", [
    ("rewrites_asserts", "uses `get_ipython`"),
    ("patches_allclose", "assigns to `np.allclose`"),
    ("patches_testing", "assigns to `np.testing.assert_allclose`"),
    ("redefines_helper", "redefines `accuracy`"),
    ("ignores_sigint", "imports `signal`")])
def test_answers_that_reach_the_interpreter_are_flagged_and_score_nothing_yet(
        course, student, reason):
    row = export_rows(course)[student]
    assert row["status"] == "flagged" and row["score"] == "" and reason in row["reason"], row


@pytest.mark.parametrize("student,earned", [
    ("rewrites_asserts", 0), ("patches_allclose", 0), ("patches_testing", 0),
    ("hides_tracebacks", 0), ("blinds_json", 2), ("redefines_helper", 9)])
def test_patching_the_answers_kernel_changes_no_verdict(course, student, earned):
    # flagged or not, the tests ran in their own kernel: the verdicts are what the
    # answers earn (redefines_helper holds the solution; blinds_json too, but its broken
    # json.dumps breaks its kernel's messages, so that cell counts as not run and only
    # activation_backward's 2 points stand)
    assert sum(result(course, student)["cells"].values()) == earned


@pytest.mark.parametrize("student", ["pipe", "links_dev_zero", "links_source",
                                     "links_classmate"])
def test_links_pipes_and_devices_are_refused_unread(course, student):
    row = export_rows(course)[student]
    assert row["status"] == "refused" and row["score"] == "", row
    assert "not" in row["reason"] and "read" in row["reason"], row


def test_the_assert_rewriting_transformer_is_also_caught_at_run_time(course):
    flags = result(course, "rewrites_asserts")["flags"]
    assert any(f.startswith("at run time") and "input_transformers" in f for f in flags), flags


def test_a_loop_that_ignores_sigint_costs_only_its_question(course):
    cells = result(course, "ignores_sigint")["cells"]
    assert {c for c, s in cells.items() if s == 0} == {"test_train_example", "test_train_hidden"}
    assert sum(cells.values()) == 7


def test_every_student_on_the_roster_is_in_the_export_with_a_score_or_a_reason(course):
    rows = export_rows(course)
    assert list(rows) == ROSTER
    for row in rows.values():
        assert row["score"] != "" or row["reason"] != "", row
    assert rows["never_submitted"]["status"] == "missing"
    assert rows["unreadable"]["status"] == "unreadable"
    assert "cannot be read" in rows["unreadable"]["reason"]


def test_graded_notebooks_keep_at_most_the_output_cap(course):
    graded = assignments.notebook_path(course, "autograded", NAME, "prints_50_mb")
    assert graded.stat().st_size < 2 * sandbox.Limits().output_bytes
    assert "OutputLimit" in graded.read_text()
    assert any("no cell after it ran" in e for e in result(course, "prints_50_mb")["events"])


def test_scores_reach_nbgrader_gradebook(course):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(NAME, "solution").score == 9
        assert gradebook.find_submission(NAME, "endless").score == 7
    grading.merge(course, [NAME])          # a regrade replaces, never adds
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        # every student but the missing, the unreadable and the refused ones
        unread = {"never_submitted", "unreadable", "pipe", "links_dev_zero", "links_source",
                  "links_classmate"}
        assert {s.student.id for s in gradebook.assignment_submissions(NAME)} == \
            set(ROSTER) - unread


def test_feedback_shows_the_score_but_not_the_hidden_tests(course):
    source = (assignments.notebook_path(course, "source", NAME)).read_text()
    assert "default_rng(31)" in source                    # a line of a hidden test
    for student in ("solution", "endless"):
        html = grading.feedback_path(course, NAME, student).read_text()
        assert "Hidden test" in html and "default_rng(31)" not in html
    assert "failed" in grading.feedback_path(course, NAME, "endless").read_text()


def test_feedback_is_sanitised_and_csv_fields_are_not_formulas(course):
    html = grading.feedback_path(course, NAME, "script_answer").read_text()
    assert 'alert("x")</script>' not in html
    table = grading.written(course, NAME, ["script_answer"])
    rows = list(csv.DictReader(table.read_text().splitlines()))
    assert rows[0]["answer"].startswith("'=HYPERLINK")
    assert grading.csv_value(rows[0]["answer"]).startswith("=HYPERLINK")


def test_feedback_after_the_first_hidden_test_shows_verdicts_only(course):
    html = grading.feedback_path(course, NAME, "untouched").read_text()
    # the first visible test shows its error; later visible tests only their verdict
    assert html.count("NotImplementedError") >= 1
    assert "failed (NotImplementedError)" in html and "Traceback" not in html.split(
        "Hidden test")[1]


def test_grades_csv_keeps_every_student_ever_graded(course):
    grading.export(course, [NAME], ["solution"])
    assert list(export_rows(course)) == list(dict.fromkeys(["solution"] + sorted(
        p.stem for p in (course / "results" / NAME).glob("*.json"))))
    grading.export(course, [NAME], ROSTER)


def test_a_flagged_result_counts_once_accepted(course):
    grading.accept(course, NAME, "redefines_helper")
    grading.export(course, [NAME], ROSTER)
    row = export_rows(course)["redefines_helper"]
    assert row["status"] == "reviewed" and float(row["score"]) == 9, row


# The sandbox, from inside: a notebook that tries every way out.

def run(*cells, limits=sandbox.Limits(cell_seconds=3), watch=frozenset()):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    execution = sandbox.execute(nb, limits, set(watch))
    texts = []
    for cell in execution.nb.cells:
        texts.append("".join(o.get("text", "") if o.output_type == "stream"
                             else o.get("ename", "") for o in cell.outputs))
    return execution, texts


@pytest.fixture(params=["forked", "fresh"])
def kernels(request, monkeypatch):
    """Kernels forked by a zygote (tools/zygote.py), or each in a fresh sandbox."""
    if request.param == "fresh":
        monkeypatch.setenv("DLBOOK_FORKSERVER", "0")
        monkeypatch.setattr(zygote, "_usable", {})
    elif not zygote.usable():
        pytest.skip("this machine forks no kernel (no nested user namespace)")
    return request.param


def test_the_kernel_sees_no_course_no_environment_and_no_network(tmp_path, monkeypatch,
                                                                 kernels):
    monkeypatch.setenv("GRADER_SECRET", "hunter2")
    secret_file = tmp_path / "gradebook.db"
    secret_file.write_text("scores")
    course_file = assignments.notebook_path(assignments.COURSE, "source", NAME)
    _, texts = run(
        "import os, socket\n"
        "try:\n    leaked = b'hunter2' in open('/proc/1/environ', 'rb').read()\n"
        "except OSError:\n    leaked = False      # as root, the sandbox's pid 1 is root's\n"
        "print(os.environ.get('GRADER_SECRET'), leaked,"
        f" os.path.exists({str(secret_file)!r}),"
        f" os.path.exists({str(course_file)!r}), os.path.exists(os.path.expanduser('~/.ssh')))",
        "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\n"
        "except OSError as e:\n    print('no network:', e.errno)",
        f"open({str(tmp_path / 'planted')!r}, 'w')")
    assert texts[0] == "None False False False False\n"
    assert texts[1].startswith("no network")
    assert texts[2] == "FileNotFoundError" and not (tmp_path / "planted").exists()


def test_processes_are_capped_and_none_outlives_the_notebook(kernels):
    marker = "987654"
    _, texts = run(
        "import subprocess\n"
        f"subprocess.Popen(['setsid', 'sleep', '{marker}'])\n"
        "spawned = []\ntry:\n    for _ in range(500):\n"
        "        spawned.append(subprocess.Popen(['sleep', '60']))\n"
        "except OSError as e:\n    print(len(spawned), type(e).__name__)")
    count, error = texts[0].split()
    assert int(count) < sandbox.Limits().processes and error == "BlockingIOError"
    left = subprocess.run(["pgrep", "-f", f"^sleep {marker}$"], capture_output=True)
    assert left.returncode == 1, left.stdout          # pgrep finds nothing


def test_a_forked_kernel_finds_nothing_of_the_one_before_and_no_way_out():
    if not zygote.usable():
        pytest.skip("this machine forks no kernel (no nested user namespace)")
    run("import subprocess\nsubprocess.Popen(['setsid', 'sleep', '876543'])\n"
        "open('/tmp/planted', 'w').write('x')\nos = __import__('os')\n"
        "os.makedirs('/tmp/home/.ipython/profile_default/startup')\n"
        "open('/tmp/home/.ipython/profile_default/startup/a.py', 'w').write('PLANTED = 1')")
    _, texts = run(
        "import os, ctypes, ipykernel\n"
        "print(os.path.exists('/tmp/planted'), 'PLANTED' in globals(), os.getpid())",
        "import subprocess\n"
        "print(subprocess.run(['pgrep', '-f', '^sleep 876543$']).returncode)",
        "code = ('import ctypes; libc = ctypes.CDLL(None, use_errno=True); '\n"
        "        'print(libc.unshare(0x10000000), ctypes.get_errno())')\n"   # a user namespace
        "print(subprocess.run([__import__('sys').executable, '-c', code],\n"
        "                     capture_output=True, text=True).stdout.strip())",
        "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])",
        "spool = os.path.dirname(os.path.dirname(ipykernel.get_connection_file()))\n"
        "print(len(os.listdir(spool)))",                  # its own kernel folder only
        "zygote = [p for p in os.listdir('/proc') if p.isdigit()\n"
        "          and b'serve' in open(f'/proc/{p}/cmdline', 'rb').read()][0]\n"
        "open(f'/proc/{zygote}/environ', 'rb').read()",
        "open('/etc/planted', 'w')")
    # 28: ENOSPC, the limit of one nested user namespace, which the kernel is in already
    assert texts[:5] == ["False False 2\n", "1\n", "-1 28\n", "0000000000000000\n", "1\n"]
    assert texts[5] == "PermissionError" and texts[6] in ("OSError", "PermissionError"), texts


def test_a_kernel_that_cannot_be_forked_starts_in_a_fresh_sandbox(monkeypatch):
    if not zygote.usable():
        pytest.skip("this machine forks no kernel (no nested user namespace)")
    monkeypatch.setattr(zygote, "_usable", {})       # disabled for this test only
    command = zygote.Zygote.command
    monkeypatch.setattr(zygote.Zygote, "command", lambda self, connection_file, binds=(): (
        command(self, connection_file, [("--ro-bind", Path("/no/such/folder"))])))
    execution, texts = run("print('ran')")
    assert texts == ["ran\n"] and not zygote.usable()


def test_memory_and_an_endless_loop_cost_only_their_cells():
    _, texts = run(
        "x = 1",
        "b = bytearray(3 * 2**30)",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        "print('x is still', x)",
        limits=sandbox.Limits(cell_seconds=2))
    assert texts[1] == "MemoryError"
    assert texts[2] == "TimeoutError" and texts[3] == "x is still 1\n"


def test_a_notebook_stops_at_its_time_limit():
    # 1,000 cells of 59 s would take 16 hours; the limit stops them all, not each.
    execution, texts = run(*["while True:\n    pass"] * 1000,
                           limits=sandbox.Limits(cell_seconds=2, notebook_seconds=3))
    assert texts[0] == "TimeoutError" and set(texts[2:]) == {"NotRun"}
    assert execution.seconds < 15


def test_a_restarted_kernel_is_not_taken_for_tampering():
    # after a timeout the kernel is a new process, so every id changes; only changes made
    # by an answer count
    execution, texts = run("import numpy as np", "x = 1", "while True:\n    pass", "y = 2",
                           limits=sandbox.Limits(cell_seconds=2), watch={1, 3})
    assert texts[2] == "TimeoutError" and execution.tampering == []


def test_changes_under_the_tests_are_seen_at_run_time():
    execution, _ = run("import numpy as np", "np.allclose = lambda *a, **k: True",
                       "import ast\nget_ipython().ast_transformers.append(ast.NodeTransformer())",
                       "x = 1",
                       watch={1, 2, 3})
    assert len(execution.tampering) == 2
    assert "numpy.allclose" in execution.tampering[0]
    assert "ast_transformers" in execution.tampering[1]


def test_review_passes_every_solution_and_an_ordinary_answer(tmp_path):
    for name in assignments.assignment_names():
        raw = nbformat.read(assignments.notebook_path(assignments.COURSE, "source", name),
                            as_version=4)
        for variant in assignments.variants(raw) or [None]:
            source = assignments.read_source(assignments.COURSE, name, variant)
            handed_in = tmp_path / f"{name}-{variant}.ipynb"
            nbformat.write(source, handed_in)
            rebuilt = submissions.rebuild(handed_in, source)
            assert rebuilt.flags == [] and rebuilt.notes == [], (name, variant, rebuilt)
    ordinary = ("import numpy as np\nclass Model:\n    def __init__(self):\n"
                "        self.w = np.zeros(3)\n\ndef train(model):\n    for p in [model]:\n"
                "        p.w = p.w + 1\n    return model\n")
    assert submissions.review(ordinary, {"np", "accuracy"}) == []


@pytest.mark.parametrize("file_name,found", [
    (f"{NAME}.ipynb", True), (f"Copy of {NAME}.ipynb", True), (f"{NAME} (2).ipynb", True),
    (f"{NAME}-checkpoint.ipynb", True), ("a04_bptt.ipynb", False), ("notes.ipynb", False)])
def test_misnamed_notebooks_are_matched_to_their_assignment(tmp_path, file_name, found):
    (tmp_path / file_name).write_text("{}")
    path, _ = submissions.find_notebook(tmp_path, NAME)
    assert (path is not None) == found


def test_two_candidate_notebooks_are_ambiguous_not_guessed(tmp_path):
    for file_name in (f"Copy of {NAME}.ipynb", f"{NAME} (1).ipynb"):
        (tmp_path / file_name).write_text("{}")
    path, notes = submissions.find_notebook(tmp_path, NAME)
    assert path is None and "several notebooks" in notes[0]
    assert os.path.exists(tmp_path / f"{NAME} (1).ipynb")


def test_a_notebook_out_of_time_is_marked_and_keeps_the_points_it_earned(course):
    endless = ("def loss_and_gradients(params, X, y, activation=\"tanh\"):\n"
               "    while True:\n        pass\n")
    nb = assignments.submission(course, NAME, {"linear_backward": "solution",
                                               "activation_backward": "solution",
                                               "loss_and_gradients": endless,
                                               "train": "solution"})
    assignments.submit(course, NAME, "out_of_time", nb)
    # question 3's test cell waits for the loop until the notebook's 5 s are all but
    # spent, so that question 4's does not run
    grading.grade(course, [NAME], ["out_of_time"], jobs=1, progress=lambda _: None,
                  limits=sandbox.Limits(cell_seconds=10, notebook_seconds=5))
    graded = result(course, "out_of_time")
    assert graded["status"] == "timed out" and graded["score"] == 4, graded
    assert any("time limit" in event for event in graded["events"])


def test_python_under_tmp_is_bound_on_top_of_the_sandbox_tmp(tmp_path):
    # a virtual environment in a temporary clone (as CI makes) must stay visible
    argv = sandbox.command(["true"], tmp_path, sandbox.Limits())
    tmpfs = argv.index("--tmpfs")
    binds = [i for i, arg in enumerate(argv) if arg in ("--ro-bind", "--bind")]
    assert binds and all(i > tmpfs for i in binds)


def test_display_updates_count_against_the_output_cap():
    # updating one displayed output 50 times stores one output, but sends 5 MB
    execution, texts = run(
        "handle = display('x', display_id=True)\n"
        "for _ in range(50):\n    handle.update('y' * 100_000)",
        "print('after')", limits=sandbox.Limits(cell_seconds=20))
    assert "OutputLimit" in texts[0] and texts[1] == "NotRun"
    assert len(nbformat.writes(execution.nb)) < 2 * sandbox.Limits().output_bytes


def test_nbgrader_releases_the_feedback_as_it_is_written(course, tmp_path):
    from nbgrader.utils import notebook_hash
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)          # nbgrader's exchange, as a JupyterHub admin makes it
    assignments.nbgrader(course, "release_feedback", NAME, "--student=solution",
                         f"--Exchange.root={exchange}")
    released = exchange / "dlbook" / "feedback" / (
        notebook_hash(secret="a secret of the student's client", notebook_id=NAME) + ".html")
    assert released.read_text() == grading.feedback_path(course, NAME, "solution").read_text()


@pytest.mark.skipif(not cgroups.available(),
                    reason="this machine lets the grader make no control group")
def test_a_sandbox_s_children_share_one_memory_cap(monkeypatch):
    # six children of 200 MB each are under the 2 GB per process, but not under a 512 MB
    # cap for the whole sandbox: the kernel's OOM killer stops some of them
    made = []                    # this test's groups (another test file may run beside it)
    create = cgroups.create

    def record(*args):
        groups = create(*args)
        made.extend(groups or [])
        return groups
    monkeypatch.setattr(cgroups, "create", record)
    _, texts = run(
        "import subprocess, sys\n"
        "code = 'b = bytearray(b\"x\") * 200_000_000; import time; time.sleep(3)'\n"
        "children = [subprocess.Popen([sys.executable, '-c', code]) for _ in range(6)]\n"
        "print(sorted(c.wait() for c in children))",
        limits=sandbox.Limits(cell_seconds=30, sandbox_memory=512 * 2**20))
    codes = eval(texts[0]) if texts[0].startswith("[") else None
    assert codes is None or -9 in codes, texts            # None: the kernel itself was killed
    zygote.close_all()                 # a zygote's group lives as long as the zygote
    assert made and not [g for g in made if g.exists()], "a control group was left behind"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the sockets a tmpfs")
def test_the_kernel_cannot_fill_the_host_through_its_socket_folder():
    _, texts = run(
        "import os, ipykernel\n"
        "folder = os.path.dirname(ipykernel.get_connection_file())\n"
        "try:\n    for i in range(8):\n"
        "        with open(os.path.join(folder, f'fill{i}'), 'wb') as f:\n"
        "            f.write(b'x' * 2**20)\n"
        "except OSError as e:\n    print('stopped at', i, e.strerror)")
    assert texts[0].startswith("stopped at 0") or texts[0].startswith("stopped at 1"), texts


def test_the_guide_s_command_works_without_an_active_environment(tmp_path):
    # a course without a gradebook: nbgrader creates it and calls `alembic` by name
    course = assignments.scratch_course([NAME])
    try:
        assignments.submit(course, NAME, "s1", assignments.submission(course, NAME))
        (course / "gradebook.db").unlink(missing_ok=True)
        run = subprocess.run(
            [sys.executable, "-m", "tools.grading", "--course", str(course), "grade", NAME],
            cwd=assignments.ROOT, capture_output=True, text=True, timeout=600,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"})
        assert run.returncode == 0, run.stderr[-2000:]
        rows = list(csv.DictReader((course / "grades.csv").read_text().splitlines()))
        assert [(r["student_id"], r["score"]) for r in rows] == [("s1", "9")]
    finally:
        shutil.rmtree(course, ignore_errors=True)


def test_a_written_answer_is_marked_in_formgrader(course, browser):
    # the guide's other way to mark: nbgrader's formgrader, driven as an instructor would
    import socket
    import time
    import urllib.request

    from nbgrader.api import Gradebook

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "formgrader-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={course}",
         "--ServerApp.allow_root=True", "--ServerApp.ip=127.0.0.1"],
        cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(NAME, NAME, "solution").id
        # the token as a header, so that formgrader's own API calls carry it too
        context = browser.new_context(extra_http_headers={"Authorization": f"token {token}"})
        page = context.new_page()
        page.goto(f"{url}/formgrader/submissions/{submission}/")
        # formgrader fetches the grades after the page loads and then writes them into the
        # inputs: a score typed before that is overwritten and never saved
        page.wait_for_function("() => window.formgrader && formgrader.grades"
                               " && formgrader.grades.loaded", timeout=60_000)
        score = page.locator("input.score#confident_mistakes")
        score.fill("1")
        score.press("Tab")                          # leaving the field saves it
        for _ in range(240):     # up to a minute: a loaded CI machine saves slowly
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
                marked = gradebook.find_grade("confident_mistakes", NAME, NAME,
                                              "solution").manual_score
            if marked == 1:
                break
            time.sleep(0.25)
        context.close()
        assert marked == 1
        grading.export(course, [NAME], ROSTER)
        assert float(export_rows(course)["solution"]["score"]) == 10
    finally:
        server.terminate()
        server.wait(10)
