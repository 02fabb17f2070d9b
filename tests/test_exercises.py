"""Exercises of the model chapters: 6-10 each, in tiers with estimated times, ending with
one open-ended project, and every code solution checks its own result."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL_CHAPTERS = ["03_neural_networks", "04_rnn", "05_vae", "06_gan",
                  "07_project_sequences", "08_char_rnn", "09_cnn", "10_gpt",
                  "11_applications"]
TIERS = ["Derive", "Implement", "Experiment", "Explain", "Project"]    # in this order
TITLE = re.compile(r"^:::\{exercise\} (%s) · (.+) \(about (\d+) min\)$" % "|".join(TIERS))


def exercises(chapter: str) -> list[dict]:
    """Each exercise's title line and the code cells of its solution."""
    cells = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())["cells"]
    found, current = [], None
    for cell in cells:
        text = "".join(cell["source"])
        if text.startswith(":::{exercise}"):
            current = {"title": text.splitlines()[0], "code": []}
            found.append(current)
        elif text.startswith("## "):
            current = None
        elif current is not None and cell["cell_type"] == "code":
            current["code"].append(text)
    return found


@pytest.mark.parametrize("chapter", MODEL_CHAPTERS)
def test_six_to_ten_exercises_in_tiers_with_times(chapter):
    found = exercises(chapter)
    assert 6 <= len(found) <= 10, f"{chapter} has {len(found)} exercises"
    tiers = []
    for exercise in found:
        match = TITLE.match(exercise["title"])
        assert match, f"{chapter}: {exercise['title']!r} names no tier or no time"
        tiers.append(match.group(1))
    assert {"Derive", "Implement", "Experiment", "Project"} <= set(tiers), tiers
    assert tiers == sorted(tiers, key=TIERS.index), f"{chapter}: tiers out of order: {tiers}"
    assert tiers.count("Project") == 1


@pytest.mark.parametrize("chapter", MODEL_CHAPTERS)
def test_every_code_solution_checks_its_result(chapter):
    for exercise in exercises(chapter):
        for code in exercise["code"]:
            assert re.search(r"^\s*assert ", code, re.M), \
                f"{chapter}: a solution of {exercise['title']!r} asserts nothing"
