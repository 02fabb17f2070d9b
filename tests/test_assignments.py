"""The autograded assignments: student versions are clean and current, and the grader
(tools/grading.py) grades full, empty, partial, broken and never-ending submissions as it
should. Attacks on the grader are in test_grading.py.

The source notebooks themselves (solutions and all tests) run under nbval, like the
chapters (pytest.ini lists assignments/source).
"""
import csv
import json
import re
import shutil

import nbformat
import pytest

from tools import assignments, grading, sandbox

NAMES = assignments.assignment_names()
COURSE = assignments.COURSE
FULL_MARKS = 10



def solution(name: str, grade_id: str, variant: str | None = None) -> str:
    """The source's answer ``grade_id`` (of the course's variant, or ``variant``), as a
    student who solved it would leave it."""
    nb = assignments.read_source(COURSE, name, variant)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return assignments.solution_code(cell.source)


def mistake(name: str, grade_id: str, *edits: tuple[str, str], variant: str | None = None) -> str:
    """The solution with each (old, new) edit made: right but for one mistake."""
    code = solution(name, grade_id, variant)
    for old, new in edits:
        assert old in code, f"{name}/{grade_id} no longer has {old!r}"
        code = code.replace(old, new)
    return code


# Partly correct submissions, one per assignment: which answers are filled in, and how.
# "solution" is the source's answer; other strings are a student's own (wrong) code.
# Every other answer stays the stub, which raises NotImplementedError.
# The chapter's KL gradient for log sigma^2, where this encoder outputs log sigma.
LOGVAR_LATENT_BACKWARD = '''
def latent_backward(dz, mu, log_sigma, eps, beta=1.0):
    d_mu = dz + beta * mu
    d_log_sigma = dz * eps * 0.5 * np.exp(0.5 * log_sigma) + beta * 0.5 * (np.exp(log_sigma) - 1)
    return d_mu, d_log_sigma
'''
# One mean and one standard deviation for all of a 2-D array's columns.
GLOBAL_STANDARDIZE = '''
def standardize(train, test):
    mean, std = train.mean(), train.std()
    return (train - mean) / std, (test - mean) / std, (mean, std)
'''
# The targets a, b and c written in as the defaults: right for the visible test.
FIXED_TARGET_LOSSES = '''
def discriminator_loss(real_scores, fake_scores, a=0.0, b=1.0):
    return 0.5 * ((real_scores - 1.0) ** 2).mean() + 0.5 * (fake_scores ** 2).mean()


def generator_loss(fake_scores, c=1.0):
    return 0.5 * ((fake_scores - 1.0) ** 2).mean()
'''
# Chapter 06's best discriminator, p_data / (p_data + p_g), whatever the targets.
CHAPTER_D_STAR = '''
def optimal_discriminator(p_data, p_g, a=0.0, b=1.0):
    p_data, p_g = np.asarray(p_data, dtype=float), np.asarray(p_g, dtype=float)
    with np.errstate(invalid="ignore"):
        return p_data / (p_data + p_g)
'''
IN_PLACE_CLIP = '''
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm           # changes the caller's arrays
    return grads, norm
'''
GREEDY_SAMPLER = '''
def sample(p, rng):
    return int(np.argmax(p))               # the most likely index, never a sample
'''
# dJ/dW_h taken with h_t where h_{t-1} belongs; dh_prev and dc_prev are right.
W_H_FROM_H_T = mistake("a04_lstm", "lstm_step_backward",
                       ('"W_h": da.T @ h_prev', '"W_h": da.T @ (omega * tanh_c)'))
# Repeated pairs counted once: fancy indexing does not accumulate.
FANCY_INDEX_COUNTS = '''
def bigram_log_probs(ids, V, alpha=1.0):
    counts = np.zeros((V, V))
    counts[ids[:-1], ids[1:]] += 1.0
    counts += alpha
    return np.log(counts / counts.sum(axis=1, keepdims=True))
'''
# a09: the three gradients with the stride left out of the backward pass: right for the
# visible test, which has stride 1.
STRIDE_ONE_CONV_BACKWARD = mistake("a09_conv", "conv_backward", ("stride * p", "p"),
                                   ("stride * q", "q"))
# a10: the mask argument ignored, the causal mask hard-coded: right for the visible test,
# which is causal.
CAUSAL_ONLY_ATTENTION = mistake("a10_attention", "attention_forward",
                                ("np.where(mask,", "np.where(np.tril(np.ones(mask.shape, bool)),"))
PARTIAL = {
    "a03_backprop": ({"linear_backward": "solution", "activation_backward": "solution"},
                     {"test_loss_and_gradients_example", "test_loss_and_gradients_hidden",
                      "test_loss_and_gradients_depth_hidden", "test_train_example",
                      "test_train_hidden"}),
    "a04_bptt": ({"rnn_step": "solution", "rnn_step_backward": "solution",
                  "clip_by_global_norm": IN_PLACE_CLIP},
                 {"test_bptt_example", "test_bptt_hidden", "test_clip_hidden"}),
    "a04_lstm": ({"lstm_step": "solution", "lstm_step_backward": W_H_FROM_H_T},
                 {"test_lstm_step_backward_hidden", "test_lstm_backward_example",
                  "test_lstm_backward_hidden"}),
    "a05_vae": ({"decoder_nll_backward": "solution", "latent_backward": LOGVAR_LATENT_BACKWARD,
                 "vae_backward": "solution"},
                {"test_latent_backward_example", "test_latent_backward_hidden",
                 "test_vae_backward_example", "test_vae_backward_hidden",
                 "test_train_example", "test_train_hidden"}),
    "a07_evaluation": ({"rolling_origin_splits": "solution", "standardize": GLOBAL_STANDARDIZE},
                       {"test_standardize_hidden", "test_seasonal_naive_example",
                        "test_seasonal_naive_hidden", "test_rolling_forecasts_example",
                        "test_rolling_forecasts_hidden"}),
    "a06_gan": ({"least_squares_losses": "solution", "optimal_discriminator": CHAPTER_D_STAR},
                {"test_optimal_discriminator_hidden", "test_pearson_chi2_example",
                 "test_pearson_chi2_hidden", "test_train_step_example",
                 "test_train_step_hidden"}),
    "a08_charlm": ({"cross_entropy": "solution", "bigram_log_probs": FANCY_INDEX_COUNTS,
                    "evaluate": "solution"},
                   {"test_bigram_log_probs_example", "test_bigram_log_probs_hidden",
                    "test_train_bigram_example", "test_train_bigram_hidden"}),
    "a08_sampling": ({"softmax": "solution", "sample": GREEDY_SAMPLER, "top_k": "solution",
                      "generate": "solution"},
                     {"test_sample_example", "test_sample_hidden", "test_generate_hidden"}),
    "a09_conv": ({"conv_forward": "solution", "conv_backward": STRIDE_ONE_CONV_BACKWARD,
                  "input_gradient": "solution"},
                 {"test_conv_backward_hidden", "test_receptive_field_example",
                  "test_receptive_field_hidden"}),
    "a10_attention": ({"softmax_backward": "solution", "attention_forward": CAUSAL_ONLY_ATTENTION,
                       "attention_backward": "solution"},
                      {"test_attention_forward_hidden", "test_self_attention_example",
                       "test_self_attention_hidden"}),
}
# Two broken a03 submissions: a syntax error in the last answer, and an answer that never
# returns. Each loses exactly the 2 points of the question it breaks.
SYNTAX_ERROR = "def train(X, y, hidden=16, lr=2.0, steps=1000, seed=0)\n    return None\n"
ENDLESS = "def train(X, y, hidden=16, lr=2.0, steps=1000, seed=0):\n    while True:\n        pass\n"
BROKEN_CELL_TIMEOUT = 5   # seconds per cell for this run, so the endless loop costs 2 x 5 s


def cells_and_points(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


@pytest.fixture(scope="module")
def graded():
    """Grade every kind of submission of every assignment in a scratch course, as the
    instructors' guide does (tools/grading.py)."""
    course = assignments.scratch_course()
    try:
        for name in NAMES:
            all_answers = assignments.submission(course, name)
            assignments.submit(course, name, "solution", all_answers)
            assignments.submit(course, name, "untouched",
                               assignments.submission(course, name, answers={}))
            answers, _ = PARTIAL[name]
            assignments.submit(course, name, "partial",
                               assignments.submission(course, name, answers))
        for student, code in [("syntax_error", SYNTAX_ERROR), ("endless", ENDLESS)]:
            answers = {"linear_backward": "solution", "activation_backward": "solution",
                       "loss_and_gradients": "solution", "train": code}
            nb = assignments.submission(course, "a03_backprop", answers)
            assignments.submit(course, "a03_backprop", student, nb)
        quiet = dict(jobs=2, progress=lambda _: None)
        grading.grade(course, NAMES, ["solution", "untouched", "partial"], **quiet)
        grading.grade(course, ["a03_backprop"], ["syntax_error", "endless"],
                      limits=sandbox.Limits(cell_seconds=BROKEN_CELL_TIMEOUT), **quiet)
        grading.merge(course, NAMES)
        yield course, {name: {path.stem: json.loads(path.read_text())
                              for path in (course / "results" / name).glob("*.json")}
                       for name in NAMES}
    finally:
        shutil.rmtree(course, ignore_errors=True)


def test_there_are_ten_assignments():
    assert NAMES == ["a03_backprop", "a04_bptt", "a04_lstm", "a05_vae", "a06_gan",
                     "a07_evaluation", "a08_charlm", "a08_sampling", "a09_conv",
                     "a10_attention"]


def code_answers(nb):
    return [c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]


def autograded_points(name, variant=None):
    """Points of the autograded test cells (written answers are graded by hand)."""
    nb = assignments.read_source(COURSE, name, variant)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and c.cell_type == "code"}


def variants_of(name):
    return assignments.variants(nbformat.read(assignments.notebook_path(COURSE, "source", name),
                                              as_version=4)) or [None]


VERSIONS = [(name, variant) for name in NAMES for variant in variants_of(name)]


@pytest.mark.parametrize("name,variant", VERSIONS)
def test_each_question_has_visible_and_hidden_tests_worth_ten_points(name, variant):
    nb = assignments.read_source(COURSE, name, variant)
    points = cells_and_points(nb)
    assert sum(points.values()) == FULL_MARKS
    solutions = code_answers(nb)
    assert len(solutions) == (3 if name == "a04_lstm" else 4)
    for cell in solutions:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert "### BEGIN SOLUTION" in cell.source
        after = nb.cells[nb.cells.index(cell) + 1:]
        visible = next(c for c in after if c.metadata["nbgrader"].get("grade"))
        between = after[:after.index(visible)]
        assert not any(c.metadata["nbgrader"].get("solution") for c in between), grade_id
        assert "HIDDEN" not in visible.source and "print(" in visible.source
    for cell, following in zip(solutions, solutions[1:] + [None]):
        question = nb.cells[nb.cells.index(cell):
                            nb.cells.index(following) if following else None]
        assert any("### BEGIN HIDDEN TESTS" in c.source for c in question), cell.source[:40]
    written = [c for c in nb.cells if c.cell_type == "markdown"
               and c.metadata.get("nbgrader", {}).get("solution")]
    assert sum(c.metadata["nbgrader"]["points"] for c in written) == FULL_MARKS - sum(
        autograded_points(name, variant).values())
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    assert len(grade_ids) == len(set(grade_ids)), "nbgrader needs unique grade ids"


@pytest.mark.parametrize("name", NAMES)
def test_student_version_has_no_solution_and_no_hidden_test(name):
    source = assignments.read_source(COURSE, name)
    student = nbformat.read(assignments.notebook_path(COURSE, assignments.STUDENT, name),
                            as_version=4)
    text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    code = [c for c in student.cells if c.cell_type == "code"]
    assert sum("raise NotImplementedError()" in c.source for c in code) == len(
        code_answers(source))
    assert all(not c.outputs for c in code)
    # no line of any solution or hidden test survives, unless the source also has it
    # outside them (a visible test may call a function as a hidden one does)
    hidden = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
    source_text = "\n".join(c.source for c in source.cells)
    secret = "".join(assignments.SOLUTION.findall(source_text) + hidden.findall(source_text))
    public = assignments.SOLUTION.sub("", hidden.sub("", source_text))

    def lines(text):
        return {line.strip() for line in text.splitlines() if len(line.strip()) > 12}

    leaked = (lines(secret) - lines(public)) & lines(text)
    assert not leaked, leaked


@pytest.mark.parametrize("name", NAMES)
def test_student_version_needs_only_what_colab_has(name):
    # Students on Colab open the student notebook as is: no package of this book to
    # install, only NumPy, PyTorch and the standard library.
    student = nbformat.read(assignments.notebook_path(COURSE, assignments.STUDENT, name),
                            as_version=4)
    imports = {m for c in student.cells if c.cell_type == "code"
               for m in re.findall(r"^(?:from|import) (\w+)", c.source, re.MULTILINE)}
    assert imports <= {"math", "numpy", "torch"}, imports


def test_student_versions_are_current():
    assert assignments.out_of_date() == [], "run `make assignments`"


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_scores_full_marks(graded, name):
    _, results = graded
    result = results[name]["solution"]
    assert result["status"] == "graded", result
    assert result["score"] == result["max_score"] == sum(autograded_points(name).values()), result


@pytest.mark.parametrize("name", NAMES)
def test_the_untouched_student_version_scores_zero(graded, name):
    _, results = graded
    result = results[name]["untouched"]
    assert result["score"] == 0 and result["max_score"] == sum(autograded_points(name).values())


@pytest.mark.parametrize("name", NAMES)
def test_a_partial_submission_scores_the_tests_it_passes(graded, name):
    _, results = graded
    result = results[name]["partial"]
    _, failing = PARTIAL[name]
    points = autograded_points(name)
    assert {cell for cell, score in result["cells"].items() if score == 0} == failing
    expected = sum(p for cell, p in points.items() if cell not in failing)
    assert 0 < result["score"] == expected < sum(points.values())


def test_course_toml_picks_a_variant_and_says_what_is_wrong(tmp_path):
    shutil.copytree(COURSE / "source" / "a04_lstm", tmp_path / "source" / "a04_lstm")
    raw = nbformat.read(assignments.notebook_path(tmp_path, "source", "a04_lstm"), as_version=4)
    assert assignments.variants(raw) == ["peephole", "coupled"]
    assert assignments.chosen_variant(tmp_path, "a04_lstm", raw) == "peephole"   # the first
    toml = tmp_path / assignments.COURSE_FILE
    toml.write_text('[variants]\na04_lstm = "coupled"\n')
    kept = assignments.read_source(tmp_path, "a04_lstm")
    assert {assignments.variant_of(c) for c in kept.cells} == {None, "coupled"}
    assert len(kept.cells) < len(raw.cells)
    toml.write_text('[variants]\na04_lstm = "gru"\n')
    with pytest.raises(ValueError, match="picks variant 'gru' of a04_lstm, which offers "
                                         "peephole, coupled"):
        assignments.read_source(tmp_path, "a04_lstm")
    toml.write_text('[variants]\na09_gpt = "small"\n')
    with pytest.raises(ValueError, match="assignments it does not have: a09_gpt"):
        assignments.read_source(tmp_path, "a04_lstm")


SECOND_VARIANTS = {name: variants_of(name)[1] for name in NAMES if len(variants_of(name)) > 1}


@pytest.fixture(scope="module")
def second_variants():
    """One scratch course whose course.toml picks every assignment's second variant, graded
    once: that variant's own solution, and the first variant's solution as a student of
    another course would post it."""
    course = assignments.scratch_course(list(SECOND_VARIANTS), SECOND_VARIANTS)
    try:
        for name, variant in SECOND_VARIANTS.items():
            assignments.submit(course, name, "solution", assignments.submission(course, name))
            own = {c.metadata["nbgrader"]["grade_id"]
                   for c in code_answers(assignments.read_source(COURSE, name, variant))}
            first = variants_of(name)[0]
            posted = {c.metadata["nbgrader"]["grade_id"]: assignments.solution_code(c.source)
                      for c in code_answers(assignments.read_source(COURSE, name, first))
                      if c.metadata["nbgrader"]["grade_id"] in own}
            assignments.submit(course, name, "posted",
                               assignments.submission(course, name, posted))
        grading.grade(course, list(SECOND_VARIANTS), ["solution", "posted"], jobs=2,
                      progress=lambda _: None)
        yield course
    finally:
        shutil.rmtree(course, ignore_errors=True)


@pytest.mark.parametrize("name", list(SECOND_VARIANTS))
def test_another_variant_grades_its_own_solution_and_not_the_first_ones(second_variants, name):
    # A course that picks another variant in course.toml hands out and grades that one,
    # and the first variant's solution, posted by a student of another course, fails it.
    course, variant = second_variants, SECOND_VARIANTS[name]
    student = nbformat.read(assignments.notebook_path(course, assignments.STUDENT, name),
                            as_version=4)
    assert {assignments.variant_of(c) for c in student.cells} == {None, variant}
    results = {s: json.loads(grading.result_path(course, name, s).read_text())
               for s in ("solution", "posted")}
    full = sum(autograded_points(name, variant).values())
    assert results["solution"]["score"] == results["solution"]["max_score"] == full
    failed = {cell for cell, score in results["posted"]["cells"].items() if score == 0}
    hidden = {c.metadata["nbgrader"]["grade_id"]
              for c in assignments.read_source(COURSE, name, variant).cells
              if assignments.variant_of(c) and "### BEGIN HIDDEN TESTS" in c.source}
    assert hidden and hidden <= failed, (hidden, failed)


@pytest.mark.parametrize("student", ["syntax_error", "endless"])
def test_broken_submissions_are_graded_not_fatal(graded, student):
    # A syntax error fails its cell; an endless loop is interrupted after the cell time
    # limit. Either way only the train tests (2 points) are lost and grading finishes;
    # the written answer (1 point) waits for the instructor's mark.
    _, results = graded
    result = results["a03_backprop"][student]
    zero = {cell for cell, score in result["cells"].items() if score == 0}
    assert zero == {"test_train_example", "test_train_hidden"}
    assert result["score"] == FULL_MARKS - 3


def test_written_answers_are_marked_by_hand_and_reach_the_export(graded):
    course, _ = graded
    name, students = "a04_lstm", ["solution", "untouched", "partial"]
    table = grading.written(course, name, students)
    with table.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    answers = {row["student_id"]: row["answer"] for row in rows}
    assert "0.97" in answers["solution"] and answers["untouched"] == "YOUR ANSWER HERE"
    exported = {row["student_id"]: row
                for row in csv.DictReader(grading.export(course, [name], students)
                                          .read_text().splitlines())}
    assert exported["solution"]["score"] == "8"
    assert "not marked yet" in exported["solution"]["reason"]
    for row in rows:                                     # the instructor fills in scores
        row["score"] = "2" if row["student_id"] == "solution" else "0"
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert grading.mark(course, name) == 3
    grading.written(course, name, students)              # scores survive a rewrite
    with table.open(newline="") as handle:
        assert {r["student_id"]: r["score"] for r in csv.DictReader(handle)}["solution"] == "2"
    exported = {row["student_id"]: row
                for row in csv.DictReader(grading.export(course, [name], students)
                                          .read_text().splitlines())}
    assert exported["solution"]["score"] == "10" and exported["solution"]["reason"] == ""
