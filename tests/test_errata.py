"""The errata page (errata.md, written by tools/errata.py) lists every erratum box."""
import subprocess
import sys

import pytest

from conftest import HTML, ROOT


def test_errata_page_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "tools.errata", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("edition", ["", "zh"])
def test_errata_page_links_to_every_box_in_the_built_book(pages, edition):
    # chapter pages only: the introduction shows a specimen box
    root = HTML / edition
    chapters = {path.relative_to(root): soup for path, soup in pages.items()
                if path.parent == root / "chapters"}
    boxes = [(path, div["id"]) for path, soup in chapters.items()
             for div in soup.select("div.admonition.erratum") if div.get("id")]
    unlabelled = [path.name for path, soup in chapters.items()
                  for div in soup.select("div.admonition.erratum") if not div.get("id")]
    assert not unlabelled, f"erratum boxes without a :name: label in {unlabelled}"
    assert len(boxes) >= 31
    errata = pages[root / "errata.html"]
    links = {a["href"] for a in errata.select("article a[href]")}
    missing = [f"{path}#{box}" for path, box in boxes if f"{path.as_posix()}#{box}" not in links]
    assert not missing, f"the errata page does not link to {missing}"
