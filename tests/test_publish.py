"""The public edition (tools/publish.py): the tree students and Colab see holds the
student versions of the assignments and nothing of their solutions, hidden tests, model
answers or rubric."""
import shutil

import pytest

from tools import assignments, publish

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    dest = tmp_path_factory.mktemp("edition") / "public"
    left_out = publish.publish(dest)
    return dest, left_out


def test_the_instructors_material_is_left_out(public):
    dest, left_out = public
    assert "assignments/rubric.md" in left_out
    count = len(assignments.assignment_names())
    assert sum(name.startswith("assignments/source/") for name in left_out) == count
    assert not (dest / "assignments" / "source").exists()
    assert len(list((dest / "assignments" / "student").glob("*/*.ipynb"))) == count
    assert (dest / "instructors.md").exists() and (dest / "chapters").is_dir()


def test_no_solution_or_hidden_test_line_is_in_any_public_file(public):
    dest, _ = public
    secrets = publish.secret_lines()
    assert len(secrets) > 300                      # the check has something to look for
    assert publish.leaks(dest, secrets) == []
    everything = "\n".join(p.read_text(errors="ignore") for p in dest.rglob("*")
                           if p.is_file() and "chapters" not in p.parts)
    # (written in two pieces, or this file would hold them)
    assert "default_rng" + "(31)" not in everything       # a03's first hidden test
    assert "0.97^" + "{100}" not in everything            # the rubric's numbers for a04_lstm


def test_a_solution_put_back_is_found(public, tmp_path):
    dest, _ = public
    copy = tmp_path / "copy"
    shutil.copytree(dest / "assignments", copy / "assignments")
    shutil.copytree(publish.ROOT / "assignments" / "source" / "a05_vae",
                    copy / "assignments" / "a05_vae")
    found = publish.leaks(copy, publish.secret_lines())
    assert found and all(line.startswith("assignments/a05_vae/") for line in found)
